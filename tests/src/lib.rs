//! Test support: a fresh database per test on each backend, the test entities, and helpers
//! that build worlds of accounts, users, profiles, groups and documents.
//!
//! SQLite always runs (a temporary file per test). PostgreSQL and MariaDB/MySQL run when
//! `OWNERSHIP_TEST_POSTGRES_URL` / `OWNERSHIP_TEST_MYSQL_URL` are set; each test gets its own
//! schema or database, dropped afterwards. With `CI=true` a missing URL fails the test
//! instead of skipping it.

pub mod app_identity;
pub mod entities;
pub mod oracle;
pub mod random_world;
pub mod world;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ownership_core::{GranteeKind, Identity};
use ownership_migration::sea_orm_migration::MigratorTrait;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

/// A database engine the tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, in a temporary file.
    Sqlite,
    /// PostgreSQL, in a fresh schema.
    Postgres,
    /// MySQL or MariaDB, in a fresh database.
    MySql,
}

impl Backend {
    /// The environment variable holding the server URL, if the backend needs one.
    pub fn url_variable(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("OWNERSHIP_TEST_POSTGRES_URL"),
            Backend::MySql => Some("OWNERSHIP_TEST_MYSQL_URL"),
        }
    }
}

/// A database of its own for one test, with the ownership tables and the test entities'
/// tables created.
pub struct TestDb {
    /// The connection (a small pool) to the fresh database.
    pub db: DatabaseConnection,
    backend: Backend,
    admin: Option<DatabaseConnection>,
    name: String,
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "ownership_t{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// `url` with its path (the database name) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
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

/// A positive number from the environment, or `default` when the variable is not set; a
/// value that is not a positive number stops the test rather than being ignored.
pub fn count_from_env(variable: &str, default: u32) -> u32 {
    match std::env::var(variable) {
        Ok(value) => value
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .unwrap_or_else(|| panic!("{variable}={value:?} is not a positive number")),
        Err(_) => default,
    }
}

/// The grantee type the tests register for groups, beside the built-in `user` and `group`.
pub const TEAM: &str = "team";

/// Whether this test process runs against the application's own identity
/// (`OWNERSHIP_TEST_IDENTITY=app`), else the embedded one; the identity, with the grantee
/// type [`TEAM`], is installed on the first call.
pub fn use_app_identity() -> bool {
    static APP: OnceLock<bool> = OnceLock::new();
    *APP.get_or_init(|| {
        let app = std::env::var("OWNERSHIP_TEST_IDENTITY").is_ok_and(|v| v == "app");
        let identity = if app {
            app_identity::identity()
        } else {
            Identity::embedded()
        };
        identity
            .grantee_type(TEAM, GranteeKind::Groups)
            .expect("a grantee type for teams")
            .install()
            .expect("install the identity before any other use");
        app
    })
}

impl TestDb {
    /// A fresh, migrated database on `backend`, or `None` when the backend is not
    /// configured outside CI.
    pub async fn create(backend: Backend) -> Option<Self> {
        let name = unique_name();
        let url = match backend.url_variable() {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(url) if !url.is_empty() => Some(url),
                _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                    panic!("CI=true but {var} is not set: the {backend:?} tests must run")
                }
                _ => {
                    eprintln!("skipped on {backend:?}: set {var} to run");
                    return None;
                }
            },
        };
        let (admin, mut options) = match (backend, url) {
            (Backend::Sqlite, _) => {
                let path = std::env::temp_dir().join(format!("{name}.sqlite"));
                (
                    None,
                    ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display())),
                )
            }
            (Backend::Postgres, Some(url)) => {
                let admin = Database::connect(&url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                    .await
                    .expect("create a test schema");
                let mut options = ConnectOptions::new(url);
                options.set_schema_search_path(name.clone());
                (Some(admin), options)
            }
            (Backend::MySql, Some(url)) => {
                let admin = Database::connect(&url).await.expect("connect to MySQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE `{name}`"))
                    .await
                    .expect("create a test database");
                (Some(admin), ConnectOptions::new(with_database(&url, &name)))
            }
            (_, None) => unreachable!("server backends have a URL here"),
        };
        options.max_connections(8).sqlx_logging(false);
        let db = Database::connect(options)
            .await
            .expect("connect to the test database");
        if use_app_identity() {
            app_identity::create_tables(&db)
                .await
                .expect("create the application's identity tables");
        }
        ownership_migration::Migrator::up(&db, None)
            .await
            .expect("run the ownership migrations");
        entities::create_tables(&db)
            .await
            .expect("create the test tables");
        Some(Self {
            db,
            backend,
            admin,
            name,
        })
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the connection and drops the database.
    pub async fn drop_database(self) {
        let backend = self.db.get_database_backend();
        let _ = self.db.close().await;
        match (backend, self.admin) {
            (DbBackend::Postgres, Some(admin)) => {
                let _ = admin
                    .execute_unprepared(&format!("DROP SCHEMA \"{}\" CASCADE", self.name))
                    .await;
            }
            (DbBackend::MySql, Some(admin)) => {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE `{}`", self.name))
                    .await;
            }
            _ => {
                let path = std::env::temp_dir().join(format!("{}.sqlite", self.name));
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Runs a scenario on a fresh database of `backend`, then drops the database, also when
/// the scenario panics (the panic is passed on).
pub async fn run_on<F, Fut>(backend: Backend, scenario: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(test_db) = TestDb::create(backend).await else {
        return;
    };
    let outcome = tokio::spawn(scenario(test_db.db.clone())).await;
    test_db.drop_database().await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// Declares, for each named `async fn(&DatabaseConnection)`, one test per backend:
/// `name::sqlite`, `name::postgres`, `name::mysql`.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::run_on($crate::Backend::Sqlite, |db| async move { super::$scenario(&db).await }).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::run_on($crate::Backend::Postgres, |db| async move { super::$scenario(&db).await }).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    $crate::run_on($crate::Backend::MySql, |db| async move { super::$scenario(&db).await }).await;
                }
            }
        )*
    };
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
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("mysql://root@h/test?ssl-mode=disabled", "x"),
            "mysql://root@h/x?ssl-mode=disabled"
        );
    }
}
