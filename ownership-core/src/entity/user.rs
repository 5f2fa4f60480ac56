//! `ownership_user`: an authenticated person.

use sea_orm::entity::prelude::*;

/// A user. Only an active user is granted anything; staff manage their accounts'
/// resources; superusers manage everything.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_user")]
pub struct Model {
    /// The user id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique login name.
    #[sea_orm(unique)]
    pub username: String,
    /// An inactive user is denied everything, as if anonymous.
    pub is_active: bool,
    /// Staff manage every resource owned in an account where they hold a profile.
    pub is_staff: bool,
    /// Superusers read and manage everything. Indexed: every reader's scope looks up the
    /// (few) superusers, whose resources everyone with a profile may read.
    #[sea_orm(indexed)]
    pub is_superuser: bool,
    /// A random value the database gives every new row (32 hex digits), so that a user
    /// created with the id of a deleted one is still another user: a [`Subject`] loaded
    /// for the deleted user carries its stamp, and every scope compares it with the row's,
    /// so the snapshot gets nothing from the new user. Leave it unset when inserting.
    ///
    /// Setting a new random value (rotating it, e.g. after a password change) makes every
    /// snapshot loaded before the change get nothing from its next query on.
    ///
    /// [`Subject`]: crate::Subject
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub security_stamp: String,
    /// The user's memberships in accounts.
    #[sea_orm(has_many)]
    pub profiles: HasMany<super::user_profile::Entity>,
    /// The user's group memberships.
    #[sea_orm(has_many)]
    pub group_memberships: HasMany<super::group_member::Entity>,
}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    /// Reads a new row's stamp back when the inserted row came back without one: SQLite
    /// stamps a new row in a trigger after the insert, which `RETURNING` does not see.
    async fn after_save<C>(model: Model, db: &C, insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        if !insert || !model.security_stamp.is_empty() {
            return Ok(model);
        }
        Entity::find_by_id(model.id)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("user {} after its insert", model.id)))
    }
}
