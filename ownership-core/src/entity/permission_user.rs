//! `ownership_permission_user`: a permission granted to a user.

use sea_orm::entity::prelude::*;

/// A grant of a permission to a user. Deleting either side deletes the grant.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_permission_user")]
pub struct Model {
    /// The permission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub permission_id: i64,
    /// The user; indexed for "the permissions of this user".
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub user_id: i64,
    /// The permission.
    #[sea_orm(belongs_to, from = "permission_id", to = "id", on_delete = "Cascade")]
    pub permission: BelongsTo<super::permission::Entity>,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
