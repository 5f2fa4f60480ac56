//! Loading a subject: its user, profiles and groups from the identity's tables, and the
//! grants on whole models it holds from the permission tables. Above both, so neither the
//! snapshot's types nor a source imports the other.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ConnectionTrait, Value};

use crate::error::OwnershipError;
use crate::identity::{Identity, UserFlag};
use crate::key::UserId;
use crate::key::as_bigint;
use crate::permission_sql;
use crate::subject::{Subject, SubjectProfile, SubjectUser, WholeModelGrant};

/// The alias of the user table a load reads.
const LOADED: &str = "ownership_loaded";
/// The alias of the profile table a load reads.
const LOADED_PROFILE: &str = "ownership_loaded_profile";

impl Subject {
    /// Loads a user with their flags, profiles, groups and whole-model grants in three
    /// queries, from the tables of the [`Identity`] in use.
    ///
    /// An unknown user id yields an anonymous subject (denied everything), not an error:
    /// a session pointing at a deleted user must not fail open or leak existence. An id of
    /// another key type than the user table's is [`OwnershipError::WrongKeyType`].
    pub async fn load<C: ConnectionTrait>(db: &C, user_id: UserId) -> Result<Self, OwnershipError> {
        let identity = Identity::current();
        let users = &identity.users;
        let id = user_id.key();
        identity.check_ids([&user_id], [])?;
        let backend = db.get_database_backend();
        let flag =
            |flag: &UserFlag| as_bigint(Expr::case(flag.holds(LOADED), 1).finally(0), backend);
        // The user's row with each of its profiles (or none), in one query.
        let profiles = &identity.profiles;
        let mut select = Query::select();
        select
            .expr(flag(&users.active))
            .expr(flag(&users.staff))
            .expr(flag(&users.superuser))
            .expr(profiles.keyed.key.select(
                Expr::col((LOADED_PROFILE, profiles.keyed.id.clone())),
                backend,
            ))
            .expr(profiles.account_key.select(
                Expr::col((LOADED_PROFILE, profiles.account.clone())),
                backend,
            ))
            .from_as(users.keyed.table.clone(), LOADED)
            .join_as(
                JoinType::LeftJoin,
                profiles.keyed.table.clone(),
                LOADED_PROFILE,
                Expr::col((LOADED_PROFILE, profiles.user.clone()))
                    .equals((LOADED, users.keyed.id.clone())),
            )
            .and_where(Expr::col((LOADED, users.keyed.id.clone())).eq(Value::from(id)))
            .order_by((LOADED_PROFILE, profiles.keyed.id.clone()), Order::Asc);
        if let Some(stamp) = &users.security_stamp {
            select.column((LOADED, stamp.clone()));
        }
        let rows = db.query_all(&select).await?;
        let Some(row) = rows.first() else {
            return Ok(Self::anonymous());
        };
        let is_set = |index| row.try_get_by_index::<i64>(index).map(|value| value == 1);
        let (is_active, is_staff, is_superuser) = (is_set(0)?, is_set(1)?, is_set(2)?);
        let security_stamp = match users.security_stamp {
            Some(_) => Some(row.try_get_by_index::<String>(5)?),
            None => None,
        };
        let mut loaded_profiles = Vec::new();
        for row in &rows {
            // A user with no profile comes back once, with NULL profile columns.
            if let Some(id) = profiles.keyed.key.decode_nullable(row, 3)? {
                loaded_profiles.push(SubjectProfile {
                    id: id.into(),
                    account_id: profiles.account_key.decode(row, 4)?.into(),
                });
            }
        }

        let groups = &identity.groups;
        let select = Query::select()
            .expr(
                groups
                    .keyed
                    .key
                    .select(Expr::col(groups.group.clone()), backend),
            )
            .from(groups.memberships.clone())
            .and_where(Expr::col(groups.member.clone()).eq(Value::from(id)))
            .order_by(groups.group.clone(), Order::Asc)
            .to_owned();
        let mut group_ids = Vec::new();
        for row in db.query_all(&select).await? {
            group_ids.push(groups.keyed.key.decode(&row, 0)?.into());
        }

        let mut whole_model_grants = Vec::new();
        for row in db
            .query_all(&permission_sql::whole_model_grants_of(id))
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
            id: user_id,
            is_active,
            is_staff,
            is_superuser,
            security_stamp,
            profiles: loaded_profiles,
            group_ids,
            whole_model_grants,
        }))
    }
}
