use ownership_core::{OwnedEntity, PathSegment};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
#[sea_orm(table_name = "parcel")]
#[owned(policy(path = "parcel/{organization}/{type}/{id}", actions("parcel.view")))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub user_profile_id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub name: String,
    pub organization: Option<String>,
    pub r#type: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert!(matches!(
        Entity::policy_path(),
        [
            PathSegment::Literal("parcel"),
            PathSegment::Column(Column::Organization),
            PathSegment::Column(Column::Type),
            PathSegment::Column(Column::Id),
        ]
    ));
    assert_eq!(Entity::POLICY_ACTIONS, ["parcel.view"]);
}
