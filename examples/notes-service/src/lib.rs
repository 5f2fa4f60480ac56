//! A small JSON API on the ownership library: the service's own users keyed by UUID,
//! bearer tokens, notes owned by memberships in workspaces, shares with users and teams,
//! and per-note actions for a user interface.
//!
//! `cargo run -p notes-service` starts it on an embedded SQLite database with demo users
//! and prints their tokens; `DATABASE_URL` points it at PostgreSQL instead.

pub mod api;
pub mod entities;
pub mod schema;
pub mod seed;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ownership_core::OwnershipError;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

/// How the service connects: the pool's size and how long a request waits for a
/// connection before it is answered 503.
#[derive(Clone, Debug)]
pub struct PoolSettings {
    /// The most connections the pool opens.
    pub max_connections: u32,
    /// How long a request waits for a free connection.
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// Installs the identity, connects and brings the schema up to date.
pub async fn connect(url: &str, pool: &PoolSettings) -> Result<DatabaseConnection, OwnershipError> {
    schema::install_identity()?;
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(pool.max_connections)
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    schema::Migrator::up(&db, None).await?;
    ownership_core::Identity::current().verify(&db).await?;
    Ok(db)
}

/// The current time in Unix milliseconds, as notes record their creation.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}
