//! Owned entities used by the tests: one in each SeaORM entity format, one with each of
//! the read scope's options off, one of each key type, one that can be shared, one with a
//! policy path, and a report whose creator gets a level beside an invoice whose creator
//! gets none (for ACL templates).

use ownership_core::Identity;
use ownership_migration::sea_orm_migration::SchemaManager;
use ownership_migration::sea_orm_migration::prelude::{ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseConnection, DbErr, Iterable, Schema};

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

/// An owned entity keyed by UUID (the application gives the id).
pub mod uuid_doc {
    use sea_orm::entity::prelude::*;

    /// A document keyed by UUID.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "uuid_doc")]
    pub struct Model {
        /// The id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
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

/// An owned entity keyed by a string (a slug).
pub mod slug_doc {
    use sea_orm::entity::prelude::*;

    /// A document keyed by a slug.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "slug_doc")]
    pub struct Model {
        /// The slug.
        #[sea_orm(
            primary_key,
            auto_increment = false,
            column_type = "String(StringLen::N(64))"
        )]
        pub slug: String,
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

/// Rows that can be shared: root grants `view` (passed on twice more), `change` (once
/// more) and `delete` (not again).
pub mod shared_doc {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "shared_doc")]
    #[owned(share(view = 2, change = 1, delete = 0))]
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

/// A parcel with a policy path: its organization, its project (none for a parcel not in a
/// project yet) and its id, and the actions its policies name.
pub mod parcel {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "parcel")]
    #[owned(policy(
        path = "parcel/{organization}/{project}/{id}",
        actions("parcel.list", "parcel.view", "parcel.edit", "parcel.delete")
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
        #[sea_orm(indexed)]
        pub organization: String,
        pub project: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Reports: their creator gets the `edit` level on each.
pub mod report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "report")]
    #[owned(creator = "edit")]
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

/// Invoices: their creator gets no level, and deleting one takes `void`.
pub mod invoice {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "invoice")]
    #[owned(delete = "void")]
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

/// Creates the test entities' tables with the migration helper.
pub async fn create_tables(db: &DatabaseConnection) -> Result<(), DbErr> {
    let manager = SchemaManager::new(db);
    ownership_migration::create_owned_table(&manager, document::Entity).await?;
    if Identity::current().is_embedded() {
        ownership_migration::create_owned_table(&manager, note::Entity).await?;
    } else {
        create_note_table_for_own_identity(&manager).await?;
    }
    ownership_migration::create_owned_table(&manager, hr_note::Entity).await?;
    ownership_migration::create_owned_table(&manager, admin_note::Entity).await?;
    ownership_migration::create_owned_table(&manager, counter::Entity).await?;
    ownership_migration::create_owned_table(&manager, uuid_doc::Entity).await?;
    ownership_migration::create_owned_table(&manager, slug_doc::Entity).await?;
    ownership_migration::create_owned_table(&manager, shared_doc::Entity).await?;
    ownership_migration::create_owned_table(&manager, parcel::Entity).await?;
    ownership_migration::create_owned_table(&manager, report::Entity).await?;
    ownership_migration::create_owned_table(&manager, invoice::Entity).await
}

/// The note table with the application's own identity: the entity's relation names the
/// embedded profiles (which `create_owned_table` refuses to reference when another identity
/// is in use), so the table is created with its columns and a foreign key to the
/// application's profiles instead.
async fn create_note_table_for_own_identity(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    let mut table = Table::create();
    table.table(note::Entity);
    for column in note::Column::iter() {
        table.col(schema.get_column_def::<note::Entity>(column));
    }
    let profiles = Identity::current().profile_id_column();
    table.foreign_key(
        ForeignKey::create()
            .from(note::Entity, note::Column::AuthorProfileId)
            .to(profiles.table, profiles.column)
            .on_delete(ForeignKeyAction::Restrict),
    );
    manager.create_table(table).await?;
    for index in schema.create_index_from_entity(note::Entity) {
        manager.create_index(index).await?;
    }
    ownership_migration::create_grant_tables(manager, note::Entity).await
}

/// Drops the tables [`create_tables`] creates: each holds a foreign key to the profiles, so
/// the ownership migrations go down only once they are gone.
pub async fn drop_tables(db: &DatabaseConnection) -> Result<(), DbErr> {
    let manager = SchemaManager::new(db);
    ownership_migration::drop_owned_table(&manager, document::Entity).await?;
    ownership_migration::drop_owned_table(&manager, note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, hr_note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, admin_note::Entity).await?;
    ownership_migration::drop_owned_table(&manager, counter::Entity).await?;
    ownership_migration::drop_owned_table(&manager, uuid_doc::Entity).await?;
    ownership_migration::drop_owned_table(&manager, slug_doc::Entity).await?;
    ownership_migration::drop_owned_table(&manager, shared_doc::Entity).await?;
    ownership_migration::drop_owned_table(&manager, parcel::Entity).await?;
    ownership_migration::drop_owned_table(&manager, report::Entity).await?;
    ownership_migration::drop_owned_table(&manager, invoice::Entity).await
}
