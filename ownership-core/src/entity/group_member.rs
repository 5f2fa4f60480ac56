//! `ownership_group_member`: a user's membership in a group.

use sea_orm::entity::prelude::*;

/// A user in a group. Deleting either side deletes the membership, so a deleted group
/// never keeps lending its permissions to anyone.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_group_member")]
pub struct Model {
    /// The group.
    #[sea_orm(primary_key, auto_increment = false)]
    pub group_id: i64,
    /// The member; indexed for "the groups of this user".
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub user_id: i64,
    /// The group.
    #[sea_orm(belongs_to, from = "group_id", to = "id", on_delete = "Cascade")]
    pub group: BelongsTo<super::group::Entity>,
    /// The member.
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
