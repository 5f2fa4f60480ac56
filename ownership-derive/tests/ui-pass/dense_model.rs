//! The 2.0 dense format: `#[sea_orm::model]` copies the derive onto `ModelEx`, for which
//! nothing is emitted (a second impl would not compile).

use ownership_core::{Owned, OwnedEntity};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "report")]
#[owned(read = "see")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "owner_name", indexed)]
    pub user_profile_id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub name: String,
    #[owned(version)]
    pub version: i64,
}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert_eq!(<Entity as OwnedEntity>::MODEL_NAME, "report");
    assert_eq!(Entity::READ_PERMISSION, "see");
    assert_eq!(Entity::MANAGE_PERMISSION, "change");
    assert!(matches!(Entity::id_column(), Column::Id));
    assert!(matches!(Entity::owner_column(), Column::UserProfileId));
    assert!(matches!(Entity::name_column(), Column::Name));
    assert!(matches!(Entity::version_column(), Some(Column::Version)));
}
