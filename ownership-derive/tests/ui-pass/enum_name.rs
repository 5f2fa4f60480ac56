//! `#[sea_orm(enum_name = "..")]` renames a `Column` variant; the derive names the same one.

use ownership_core::{Owned, OwnedEntity};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "sheet")]
pub struct Model {
    #[sea_orm(primary_key, enum_name = "Key")]
    pub id: i64,
    #[sea_orm(enum_name = "Owner", unique_key = "per_owner")]
    pub user_profile_id: i64,
    #[sea_orm(unique_key = "per_owner", enum_name = "Label")]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {
    assert!(matches!(Entity::id_column(), Column::Key));
    assert!(matches!(Entity::owner_column(), Column::Owner));
    assert!(matches!(Entity::name_column(), Column::Label));
    // SeaORM names a column after its variant unless `column_name` is given.
    assert_eq!(Entity::owner_column().as_str(), "owner");
    assert_eq!(Entity::name_column().as_str(), "label");
    assert_eq!(<Entity as OwnedEntity>::OWNER_NAME_KEY, "per_owner");
}
