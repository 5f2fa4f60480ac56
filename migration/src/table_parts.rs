//! What the tables created next to an owned table (its grant and share tables) share:
//! name columns, and foreign keys that reach the entity's table and the identity's.

use ownership_core::entity::permission_user;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityName, Statement};
use sea_orm_migration::prelude::*;

use crate::m20261122_000002_permissions::exact_collation;

/// The type of a permission-name column: names compare exactly, as in the plugin's own
/// grant tables.
pub(crate) async fn name_column_type(manager: &SchemaManager<'_>) -> Result<ColumnType, DbErr> {
    Ok(match manager.get_database_backend() {
        DbBackend::MySql => ColumnType::custom(format!(
            "varchar(255) CHARACTER SET utf8mb4 COLLATE {}",
            exact_collation(manager).await?
        )),
        _ => permission_user::Column::Name
            .def()
            .get_column_type()
            .clone(),
    })
}

/// The table a foreign key of a table of `entity`'s schema references `entity` by: on
/// MySQL unqualified (sea-query writes no database there, and MySQL reads the name in the
/// child table's database, which is the entity's).
pub(crate) fn referenced_table<E: EntityName>(backend: DbBackend, entity: E) -> TableRef {
    match backend {
        DbBackend::MySql => entity.into_table_ref(),
        _ => entity.table_ref(),
    }
}

/// The name of a table, without its schema.
pub(crate) fn unqualified(table: &TableRef) -> String {
    match table {
        TableRef::Table(name, _) => name.1.to_string(),
        _ => unreachable!("a foreign key references a table"),
    }
}

/// On MySQL, a foreign key from `table` in another database to a plugin table in the
/// connection's database, written out since sea-query names no database there. Every name
/// comes from an entity or the server, and is quoted.
pub(crate) async fn add_key_across_databases(
    manager: &SchemaManager<'_>,
    table: &TableRef,
    column: &str,
    name: &str,
    referenced: &str,
    referenced_column: &str,
    on_delete: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let current = db
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT DATABASE()",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("SELECT DATABASE() returned no row".to_owned()))?;
    let database: String = current.try_get_by_index(0)?;
    let quoted = |name: &str| format!("`{}`", name.replace('`', "``"));
    let TableRef::Table(table_name, _) = table else {
        unreachable!("a foreign key is added to a table")
    };
    let schema = table_name
        .0
        .as_ref()
        .map(|schema| schema.1.to_string())
        .unwrap_or_default();
    let sql = format!(
        "ALTER TABLE {}.{} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}.{} ({}) \
         ON DELETE {on_delete} ON UPDATE {on_delete}",
        quoted(&schema),
        quoted(&table_name.1.to_string()),
        quoted(name),
        quoted(column),
        quoted(&database),
        quoted(referenced),
        quoted(referenced_column),
    );
    db.execute_unprepared(&sql).await?;
    Ok(())
}
