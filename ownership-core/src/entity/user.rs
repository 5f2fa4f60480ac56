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
    /// The user's memberships in accounts.
    #[sea_orm(has_many)]
    pub profiles: HasMany<super::user_profile::Entity>,
    /// The user's group memberships.
    #[sea_orm(has_many)]
    pub group_memberships: HasMany<super::group_member::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
