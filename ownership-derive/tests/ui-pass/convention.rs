//! Classic format with no markers: the owner and name fields are found by their names, and
//! the defaults apply.

use ownership_core::{Owned, OwnedEntity};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "folder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub user_profile_id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub name: String,
    #[sea_orm(unique_key = "other")]
    pub slug: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert_eq!(<Entity as OwnedEntity>::MODEL_NAME, "folder");
    assert_eq!(Entity::OWNER_NAME_KEY, "owner_name");
    assert_eq!(Entity::READ_PERMISSION, "view");
    assert_eq!(Entity::MANAGE_PERMISSION, "change");
    assert!(Entity::STAFF_ROWS_READABLE_BY_ACCOUNT);
    assert!(Entity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS);
    assert!(matches!(Entity::id_column(), Column::Id));
    assert!(matches!(Entity::owner_column(), Column::UserProfileId));
    assert!(matches!(Entity::name_column(), Column::Name));
    assert!(Entity::version_column().is_none());
}
