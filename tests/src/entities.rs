//! Owned entities used by the tests: one in each SeaORM entity format, and one with each of
//! the read scope's options off.

use ownership_migration::sea_orm_migration::SchemaManager;
use sea_orm::{DatabaseConnection, DbErr};

/// Classic format, everything by convention: owner `user_profile_id`, name `name`, no
/// relation declared (the migration helper adds the owner foreign key).
pub mod document {
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
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The 2.0 dense format with marked fields, a version, a model name and its own owner
/// relation (`RESTRICT`).
pub mod note {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "note")]
    #[owned(model_name = "notes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[owned(owner)]
        #[sea_orm(unique_key = "author_title")]
        pub author_profile_id: i64,
        #[owned(name)]
        #[sea_orm(unique_key = "author_title")]
        pub title: String,
        #[owned(version)]
        pub version: i32,
        pub text: String,
        #[sea_orm(
            belongs_to,
            from = "author_profile_id",
            to = "id",
            on_delete = "Restrict"
        )]
        pub author: BelongsTo<ownership_core::entity::user_profile::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Notes a staff user keeps from the rest of its account: the read scope's staff branch is
/// off, its superuser branch on.
pub mod hr_note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "hr_note")]
    #[owned(staff_rows_readable_by_account = false)]
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

/// Notes a superuser keeps from other accounts: the read scope's superuser branch is off,
/// its staff branch on.
pub mod admin_note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "admin_note")]
    #[owned(superuser_rows_readable_by_all_accounts = false)]
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

/// An owned entity keyed by `u64` (no database generates such keys but MySQL's).
pub mod counter {
    use sea_orm::entity::prelude::*;

    /// A counter.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "counter")]
    pub struct Model {
        /// The counter id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: u64,
        /// The owner profile.
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        /// The name, unique per owner.
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    /// No relations.

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Creates the test entities' tables with the migration helper.
pub async fn create_tables(db: &DatabaseConnection) -> Result<(), DbErr> {
    let manager = SchemaManager::new(db);
    ownership_migration::create_owned_table(&manager, document::Entity).await?;
    ownership_migration::create_owned_table(&manager, note::Entity).await?;
    ownership_migration::create_owned_table(&manager, hr_note::Entity).await?;
    ownership_migration::create_owned_table(&manager, admin_note::Entity).await?;
    ownership_migration::create_owned_table(&manager, counter::Entity).await
}

/// Drops the tables [`create_tables`] creates: each holds a foreign key to the profiles, so
/// the ownership migrations go down only once they are gone.
pub async fn drop_tables(db: &DatabaseConnection) -> Result<(), DbErr> {
    let manager = SchemaManager::new(db);
    ownership_migration::drop_owned_table(&manager, document::Entity).await?;
    ownership_migration::drop_owned_table(&manager, note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, hr_note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, admin_note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, counter::Entity).await
}
