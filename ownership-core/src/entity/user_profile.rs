//! `ownership_user_profile`: one user's membership in one account; the owner of resources.

use sea_orm::entity::prelude::*;

/// One user in one account. Owned resources point at a profile, not at a user, so a user
/// holding profiles in several accounts owns each resource through exactly one of them.
///
/// Deleting the user or the account deletes the profile; an owned table's foreign key to
/// the profile is `RESTRICT` (see `ownership_migration::create_owned_table`), so a profile
/// that still owns rows cannot disappear and leave them behind.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_user_profile")]
pub struct Model {
    /// The profile id: the value stored in owned rows' owner column.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user. Unique together with the account: one profile per user and account.
    #[sea_orm(unique_key = "user_account")]
    pub user_id: i64,
    /// The account.
    #[sea_orm(unique_key = "user_account")]
    pub account_id: i64,
    /// The user this profile belongs to.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
    /// The account this profile belongs to.
    #[sea_orm(belongs_to, from = "account_id", to = "id", on_delete = "Cascade")]
    pub account: BelongsTo<super::account::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
