//! Migrations for the ownership tables, and helpers an application's own migrations call to
//! create its owned tables.
//!
//! Run [`Migrator`] on its own, or splice [`migrations()`] into the application's migrator
//! before the migrations that create owned tables (their foreign keys point at
//! `ownership_user_profile`):
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
mod owned_table;

pub use owned_table::{create_owned_table, drop_owned_table};
pub use sea_orm_migration;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// The ownership tables' migrations, oldest first.
pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261122_000001_identity::Migration)]
}

/// A migrator with only the ownership tables' migrations.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        migrations()
    }
}
