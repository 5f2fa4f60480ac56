//! `ownership_permission_group`: a permission granted to a group.

use sea_orm::entity::prelude::*;

/// A grant of a permission to a group: every member holds it. Deleting either side deletes
/// the grant.
///
/// The grant carries copies of its permission's name, model key and object id, written by
/// [`grant`](crate::grant) and never changed (permission and content-type rows are never
/// updated, so the copies cannot drift). They let a scope read the objects a group holds a
/// permission on from one index range, `(group_id, model_key, name, object_id)`, in
/// object-id order, without joining the permission and content-type tables.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_permission_group")]
pub struct Model {
    /// The permission.
    #[sea_orm(primary_key, auto_increment = false)]
    pub permission_id: i64,
    /// The group.
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: i64,
    /// The permission's name, copied from it.
    pub name: String,
    /// The permission's `model_key` (`""` for every model), copied from it.
    pub model_key: String,
    /// The id of the object the permission is narrowed to (its content type's `object_id`),
    /// copied from it; NULL for every object.
    pub object_id: Option<i64>,
    /// The permission.
    #[sea_orm(belongs_to, from = "permission_id", to = "id", on_delete = "Cascade")]
    pub permission: BelongsTo<super::permission::Entity>,
    /// The group.
    #[sea_orm(belongs_to, from = "group_id", to = "id", on_delete = "Cascade")]
    pub group: BelongsTo<super::group::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
