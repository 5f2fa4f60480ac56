//! Loading a subject: its user, profiles and groups from the identity tables, and the
//! grants on whole models it holds from the permission tables. Above both, so neither the
//! snapshot's types nor a source imports the other.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::OwnershipError;
use crate::entity::{group_member, user, user_profile};
use crate::permission_sql;
use crate::subject::{Subject, SubjectProfile, SubjectUser, WholeModelGrant};

impl Subject {
    /// Loads a user with their profiles, groups and whole-model grants in three queries.
    ///
    /// An unknown user id yields an anonymous subject (denied everything), not an error:
    /// a session pointing at a deleted user must not fail open or leak existence.
    pub async fn load<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<Self, OwnershipError> {
        let found = user::Entity::find_by_id(user_id)
            .find_with_related(user_profile::Entity)
            .order_by_asc(user_profile::Column::Id)
            .all(db)
            .await?;
        let Some((user, profiles)) = found.into_iter().next() else {
            return Ok(Self::anonymous());
        };
        let group_ids = group_member::Entity::find()
            .filter(group_member::Column::UserId.eq(user_id))
            .order_by_asc(group_member::Column::GroupId)
            .all(db)
            .await?
            .into_iter()
            .map(|membership| membership.group_id)
            .collect();
        let mut whole_model_grants = Vec::new();
        for row in db
            .query_all(&permission_sql::whole_model_grants_of(user_id))
            .await?
        {
            let model_key: String = row.try_get_by_index(1)?;
            whole_model_grants.push(WholeModelGrant {
                name: row.try_get_by_index(0)?,
                model_name: Some(model_key).filter(|key| !key.is_empty()),
            });
        }
        whole_model_grants.sort_unstable();
        Ok(Self::of_user(SubjectUser {
            id: user.id,
            username: user.username,
            is_active: user.is_active,
            is_staff: user.is_staff,
            is_superuser: user.is_superuser,
            security_stamp: user.security_stamp,
            profiles: profiles
                .into_iter()
                .map(|p| SubjectProfile {
                    id: p.id,
                    account_id: p.account_id,
                })
                .collect(),
            group_ids,
            whole_model_grants,
        }))
    }
}
