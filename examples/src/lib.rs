//! The example application: one owned entity and a migrator that creates the ownership
//! tables and then the application's own.

pub mod document {
    //! A document owned by a user profile: the whole integration is the `Owned` derive
    //! and the shared unique key on the owner and name fields. Its root grants let a
    //! document be shared: `view` passed on up to twice more, `change` once more.
    use sea_orm::entity::prelude::*;

    /// A document.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document")]
    #[owned(share(view = 2, change = 1))]
    pub struct Model {
        /// The document id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The owner profile (found by its name; `#[owned(owner)]` marks another field).
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        /// The name, unique per owner.
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
        /// The text.
        pub body: String,
    }

    /// No relations: the migration helper adds the owner's foreign key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod migration {
    //! The application's migrator: the ownership tables first, then the documents.
    use sea_orm_migration::prelude::*;

    /// Creates the `document` table with its owner foreign key and unique (owner, name).
    #[derive(DeriveMigrationName)]
    pub struct CreateDocument;

    #[async_trait::async_trait]
    impl MigrationTrait for CreateDocument {
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            ownership_migration::create_owned_table(manager, super::document::Entity).await
        }

        async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
            ownership_migration::drop_owned_table(manager, super::document::Entity).await
        }
    }

    /// The application's migrator.
    pub struct Migrator;

    impl MigratorTrait for Migrator {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            let mut migrations = ownership_migration::migrations();
            migrations.push(Box::new(CreateDocument));
            migrations
        }
    }
}
