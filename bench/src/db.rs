//! The database under test: a fresh schema (PostgreSQL), database (MySQL) or file (SQLite)
//! per run, reached over one connection, with the ownership tables and (for the main run)
//! `document` and its share tables created.

use std::path::Path;
use std::time::Duration;

use ownership_migration::sea_orm_migration::{MigratorTrait, SchemaManager};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::document;
use crate::error::{BenchError, Context, Result};

/// The schema (PostgreSQL) or database (MySQL) the benchmark creates, dropped first.
pub const BENCH_SCHEMA: &str = "ownership_bench";

/// The SQLite file created under the output directory when the URL names none.
const SQLITE_FILE: &str = "ownership-bench.sqlite";

/// The SeaORM version the workspace pins, for the engine names of the result files.
pub const SEA_ORM_VERSION: &str = "2.0.4";

/// The connected database, fresh and migrated.
pub struct BenchDb {
    /// The one connection everything runs on.
    pub db: DatabaseConnection,
    /// The server's name and version, e.g. `PostgreSQL 15.4`.
    pub server: String,
}

impl BenchDb {
    /// The backend.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// The short engine name used in file names: `postgres`, `mysql` or `sqlite`.
    pub fn slug(&self) -> &'static str {
        match self.backend() {
            DbBackend::Postgres => "postgres",
            DbBackend::MySql => "mysql",
            _ => "sqlite",
        }
    }
}

/// `url` with its path (the database name) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..]
        .find('/')
        .map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// How long to wait for the server before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection options for one connection kept for the whole run.
fn one_connection(url: String) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(1)
        .min_connections(1)
        .connect_timeout(CONNECT_TIMEOUT)
        .acquire_timeout(CONNECT_TIMEOUT)
        .idle_timeout(None)
        .max_lifetime(None)
        // The pool would ping the connection before handing it out, one more round trip
        // in every timed call of either engine.
        .test_before_acquire(false)
        .sqlx_logging(false);
    options
}

async fn connect(options: ConnectOptions) -> Result<DatabaseConnection> {
    let url = options.get_url().to_owned();
    Database::connect(options).await.map_err(|err| {
        BenchError::new(format!(
            "cannot connect to {url}: {err} (is the server running and the URL right?)"
        ))
    })
}

/// The server's name and version, e.g. `PostgreSQL 15.4`, `MariaDB 10.11.6`, `SQLite 3.45.1`.
async fn server_version(db: &DatabaseConnection) -> Result<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "SELECT current_setting('server_version')",
        DbBackend::MySql => "SELECT VERSION()",
        _ => "SELECT sqlite_version()",
    };
    let version = db
        .query_one_raw(sea_orm::Statement::from_string(backend, sql))
        .await?
        .map(|row| row.try_get_by_index::<String>(0))
        .transpose()?
        .unwrap_or_default();
    let number = version.split([' ', '-']).next().unwrap_or_default();
    Ok(match backend {
        DbBackend::Postgres => format!("PostgreSQL {number}"),
        DbBackend::MySql if version.contains("MariaDB") => format!("MariaDB {number}"),
        DbBackend::MySql => format!("MySQL {number}"),
        _ => format!("SQLite {number}"),
    })
}

/// Creates a fresh database for the run, connects to it and runs the ownership migrations.
pub async fn fresh(url: &str, out: &Path) -> Result<BenchDb> {
    let options = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let admin = connect(one_connection(url.to_owned())).await?;
        admin
            .execute_unprepared(&format!(
                "DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE; CREATE SCHEMA {BENCH_SCHEMA}"
            ))
            .await
            .context("create the bench schema")?;
        admin.close().await?;
        let mut options = one_connection(url.to_owned());
        options.set_schema_search_path(BENCH_SCHEMA);
        options
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        let admin = connect(one_connection(url.to_owned())).await?;
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {BENCH_SCHEMA}"))
            .await
            .context("drop the bench database")?;
        admin
            .execute_unprepared(&format!("CREATE DATABASE {BENCH_SCHEMA}"))
            .await
            .context("create the bench database")?;
        admin.close().await?;
        one_connection(with_database(url, BENCH_SCHEMA))
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        let named = rest.trim_start_matches("//");
        let named = named.split('?').next().unwrap_or_default();
        let path = if named.is_empty() || named == ":memory:" {
            out.join(SQLITE_FILE)
        } else {
            Path::new(named).to_owned()
        };
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let file = format!("{}{suffix}", path.display());
            if Path::new(&file).exists() {
                std::fs::remove_file(&file).context(format!("remove {file}"))?;
            }
        }
        one_connection(format!("sqlite://{}?mode=rwc", path.display()))
    } else {
        return Err(BenchError::new(format!(
            "unsupported database URL `{url}`: use postgres://, mysql:// or sqlite://"
        )));
    };
    let db = connect(options).await?;
    let server = server_version(&db).await?;
    ownership_migration::Migrator::up(&db, None)
        .await
        .context("run the ownership migrations")?;
    Ok(BenchDb { db, server })
}

/// Creates the `document` table and, for the shareable entity on it, its share tables.
pub async fn create_document_tables(db: &DatabaseConnection) -> Result<()> {
    let manager = SchemaManager::new(db);
    ownership_migration::create_owned_table(&manager, document::Entity)
        .await
        .context("create the document table")?;
    ownership_migration::create_share_tables(&manager, document::shareable::Entity)
        .await
        .context("create the document share tables")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_in_a_url() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("mysql://root@h/test?ssl-mode=disabled", "x"),
            "mysql://root@h/x?ssl-mode=disabled"
        );
    }
}
