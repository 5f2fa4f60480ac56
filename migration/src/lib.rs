//! Migrations for the ownership and permission tables, and helpers an application's own migrations call to
//! create its owned tables.
//!
//! Run [`Migrator`] on its own, or splice [`migrations()`] into the application's migrator
//! before the migrations that create owned tables (their foreign keys point at the
//! profiles). They read the [`Identity`](ownership_core::Identity) in use: with the embedded
//! one they create its tables (`ownership_user`, ...) too; with an application's own, they
//! create only the permission tables, whose grantee columns take the type of, and reference,
//! the application's user and group keys, so they run after the migrations that create
//! those (install the identity in the migrator's `main` as in the application's):
//!
//! ```
//! use ownership_migration::sea_orm_migration::prelude::*;
//!
//! pub struct AppMigrator;
//!
//! impl MigratorTrait for AppMigrator {
//!     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
//!         let mut all = ownership_migration::migrations();
//!         // all.push(Box::new(m20260101_000001_create_document::Migration));
//!         all
//!     }
//! }
//! # assert!(!AppMigrator::migrations().is_empty());
//! ```

mod m20261122_000001_identity;
mod m20261122_000002_permissions;
mod m20261203_000003_read_scope_indexes;
mod m20261204_000004_user_security_stamp;
mod m20261206_000005_policies;
mod m20261206_000006_acl_templates;
mod m20261207_000007_audit;
mod owned_table;
mod share_tables;
mod table_parts;

pub use owned_table::{
    create_grant_tables, create_owned_table, drop_grant_tables, drop_owned_table,
};
pub use sea_orm_migration;
pub use share_tables::{create_share_tables, drop_share_tables};

use sea_orm::{EntityTrait, Schema};
use sea_orm_migration::prelude::*;

/// The ownership tables' migrations, oldest first.
pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261122_000001_identity::Migration),
        Box::new(m20261122_000002_permissions::Migration),
        Box::new(m20261203_000003_read_scope_indexes::Migration),
        Box::new(m20261204_000004_user_security_stamp::Migration),
        Box::new(m20261206_000005_policies::Migration),
        Box::new(m20261206_000006_acl_templates::Migration),
        Box::new(m20261207_000007_audit::Migration),
    ]
}

/// Creates an entity's table (with the foreign keys of its relations) and the indexes it
/// declares.
async fn create_from_entity<E: EntityTrait>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    create_with_indexes(manager, schema.create_table_from_entity(entity), entity).await
}

/// Creates `table`, then the indexes `entity` declares.
async fn create_with_indexes<E: EntityTrait>(
    manager: &SchemaManager<'_>,
    table: TableCreateStatement,
    entity: E,
) -> Result<(), DbErr> {
    manager.create_table(table).await?;
    let schema = Schema::new(manager.get_database_backend());
    for index in schema.create_index_from_entity(entity) {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops tables in the order given.
async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = TableRef>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}

/// A migrator with only the ownership tables' migrations.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migrations()
    }
}
