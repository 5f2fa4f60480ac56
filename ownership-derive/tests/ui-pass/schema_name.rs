//! The default model name is the table name, qualified by `#[sea_orm(schema_name)]` when
//! the entity names a schema: tables of one name in two schemas are two models.

use ownership_core::OwnedEntity;

mod archived {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(schema_name = "rt_archive", table_name = "document")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod current {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod named {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document", schema_name = "rt_archive")]
    #[owned(model_name = "archived_document")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn main() {
    assert_eq!(
        <archived::Entity as OwnedEntity>::MODEL_NAME,
        "rt_archive.document"
    );
    assert_eq!(<current::Entity as OwnedEntity>::MODEL_NAME, "document");
    // A model name given explicitly is taken as written.
    assert_eq!(
        <named::Entity as OwnedEntity>::MODEL_NAME,
        "archived_document"
    );
    // The index name SeaORM derives stays the bare table's.
    assert_eq!(
        <archived::Entity as OwnedEntity>::owner_name_index(),
        "idx-document-owner_name"
    );
}
