//! Classic format, every role marked on a field with its own name, every setting given.

use ownership_core::{Owned, OwnedEntity};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "document")]
#[owned(model_name = "doc", read = "read_doc", manage = "edit_doc", delete = "drop_doc", creator = "all")]
#[owned(staff_rows_readable_by_account = false, superuser_rows_readable_by_all_accounts = false)]
pub struct Model {
    #[sea_orm(primary_key)]
    pub document_id: i32,
    #[sea_orm(unique_key = "owner_title", indexed)]
    #[owned(owner)]
    pub owner_id: i64,
    #[owned(name)]
    #[sea_orm(column_type = "String(StringLen::N(255))", unique_key = "owner_title")]
    pub title: String,
    #[owned(version)]
    #[sea_orm(default_value = 1)]
    pub revision: i32,
    pub body: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert_eq!(<Entity as OwnedEntity>::MODEL_NAME, "doc");
    assert_eq!(Entity::OWNER_NAME_KEY, "owner_title");
    assert_eq!(Entity::READ_PERMISSION, "read_doc");
    assert_eq!(Entity::MANAGE_PERMISSION, "edit_doc");
    assert_eq!(Entity::DELETE_PERMISSION, "drop_doc");
    assert_eq!(Entity::CREATOR_LEVEL, Some(ownership_core::Level::All));
    assert!(!Entity::STAFF_ROWS_READABLE_BY_ACCOUNT);
    assert!(!Entity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS);
    assert!(matches!(Entity::id_column(), Column::DocumentId));
    assert!(matches!(Entity::owner_column(), Column::OwnerId));
    assert!(matches!(Entity::name_column(), Column::Title));
    assert!(matches!(Entity::version_column(), Some(Column::Revision)));
    assert_eq!(Entity::owner_column().as_str(), "owner_id");
}
