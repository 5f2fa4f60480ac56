//! `ownership_group`: a named set of users.

use sea_orm::entity::prelude::*;

/// A group of users; permissions granted to a group count for each member.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_group")]
pub struct Model {
    /// The group id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique group name.
    #[sea_orm(unique)]
    pub name: String,
    /// The group's members.
    #[sea_orm(has_many)]
    pub members: HasMany<super::group_member::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
