//! Fields named like keywords: `r#type` gives `Column::Type` and `self_` gives
//! `Column::Self_`, as `DeriveEntityModel` names them.

use ownership_core::{Owned, OwnedEntity};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "widget")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub r#ref: i64,
    #[sea_orm(unique_key = "owner_type")]
    #[owned(owner)]
    pub self_: i64,
    #[sea_orm(unique_key = "owner_type")]
    #[owned(name)]
    pub r#type: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert!(matches!(Entity::id_column(), Column::Ref));
    assert!(matches!(Entity::owner_column(), Column::Self_));
    assert!(matches!(Entity::name_column(), Column::Type));
    assert_eq!(<Entity as OwnedEntity>::name_column().as_str(), "type");
}
