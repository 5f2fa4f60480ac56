//! `ownership_permission_group`: a permission granted to a group.

use sea_orm::entity::prelude::*;

/// A grant of a permission to a group: every member holds it. Deleting either side deletes
/// the grant.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_permission_group")]
pub struct Model {
    /// The permission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub permission_id: i64,
    /// The group; indexed for "the permissions of this group".
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub group_id: i64,
    /// The permission.
    #[sea_orm(belongs_to, from = "permission_id", to = "id", on_delete = "Cascade")]
    pub permission: BelongsTo<super::permission::Entity>,
    /// The group.
    #[sea_orm(belongs_to, from = "group_id", to = "id", on_delete = "Cascade")]
    pub group: BelongsTo<super::group::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
