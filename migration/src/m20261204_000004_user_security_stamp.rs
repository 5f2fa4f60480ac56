//! `ownership_user.security_stamp`: a random value per user row, so that a subject loaded
//! for a deleted user is denied what a new user created with the same id holds.
//!
//! The database fills it in, whatever inserts the row (SeaORM with the field unset,
//! `insert_many`, raw SQL that does not name the column). PostgreSQL and MySQL/MariaDB take
//! a column default evaluated per row, which also gives each existing row its own value.
//! SQLite's `ALTER TABLE ADD COLUMN` takes only a constant default: there the column
//! defaults to empty, existing rows get random stamps here, and a trigger stamps each new
//! row after its insert. Rebuilding the table with a real default instead would need
//! foreign keys switched off (dropping the old table would cascade to the users' profiles,
//! memberships and grants), which SQLite allows only per connection and outside a
//! transaction, not through a pool.
//!
//! Needs PostgreSQL 13 (`gen_random_uuid`), MariaDB 10.10 or MySQL 8.0.13 (`random_bytes`
//! in a default).

use ownership_core::Identity;
use ownership_core::entity::user;
use sea_orm::{ConnectionTrait, DbBackend, EntityName, IdenStatic};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The SQLite trigger giving a new row its stamp.
const TRIGGER: &str = "ownership_user_security_stamp";

/// The stamp of a row SQLite has not stamped yet.
const UNSTAMPED: &str = "";

/// An expression giving 32 random hex digits, evaluated once per row.
fn random_stamp(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "replace(gen_random_uuid()::text, '-', '')",
        DbBackend::MySql => "lower(hex(random_bytes(16)))",
        _ => "lower(hex(randomblob(16)))", // SQLite
    }
}

/// Gives the users matching `condition` a new random stamp (SQLite).
fn stamp(condition: Expr) -> UpdateStatement {
    Query::update()
        .table(user::Entity)
        .value(
            user::Column::SecurityStamp,
            Expr::cust(random_stamp(DbBackend::Sqlite)),
        )
        .and_where(condition)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        let backend = manager.get_database_backend();
        let mut column = ColumnDef::new(user::Column::SecurityStamp);
        column.string_len(32).not_null();
        if backend == DbBackend::Sqlite {
            column.default(UNSTAMPED);
        } else {
            column.default(Expr::cust(random_stamp(backend)));
        }
        manager
            .alter_table(
                Table::alter()
                    .table(user::Entity)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        if backend != DbBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute(&stamp(Expr::col(user::Column::SecurityStamp).eq(UNSTAMPED)))
            .await?;
        // `AFTER`: a SQLite trigger cannot change the row it runs before.
        let new_row = |column: user::Column| format!("NEW.\"{}\"", column.as_str());
        let body = stamp(Expr::col(user::Column::Id).eq(Expr::cust(new_row(user::Column::Id))));
        db.execute_unprepared(&format!(
            "CREATE TRIGGER \"{TRIGGER}\" AFTER INSERT ON \"{}\" \
             WHEN {} = '{UNSTAMPED}' BEGIN {}; END",
            user::Entity.table_name(),
            new_row(user::Column::SecurityStamp),
            body.to_string(SqliteQueryBuilder),
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TRIGGER \"{TRIGGER}\""))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(user::Entity)
                    .drop_column(user::Column::SecurityStamp)
                    .to_owned(),
            )
            .await
    }
}
