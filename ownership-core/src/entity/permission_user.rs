//! `ownership_permission_user`: a permission granted to a user.

use sea_orm::entity::prelude::*;

/// A grant of a permission to a user. Deleting either side deletes the grant.
///
/// The grant carries copies of its permission's name and model key, written by
/// [`grant`](crate::grant) and never changed (permission rows are never updated, so the
/// copies cannot drift). They let a scope find what a user holds on a whole model from
/// one index range, `(user_id, model_key, name)`, without joining the permission table.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_permission_user")]
pub struct Model {
    /// The permission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub permission_id: i64,
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The permission's name, copied from it.
    pub name: String,
    /// The permission's `model_key` (`""` for every model), copied from it.
    pub model_key: String,
    /// The permission.
    #[sea_orm(belongs_to, from = "permission_id", to = "id", on_delete = "Cascade")]
    pub permission: BelongsTo<super::permission::Entity>,
    /// The user.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
