//! The plan of a recorded statement: `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL,
//! `EXPLAIN FORMAT=JSON` on MySQL, `EXPLAIN QUERY PLAN` on SQLite.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::error::Result;

/// Runs the statement under `EXPLAIN` with the same bound values and returns the plan as
/// text, preceded by the statement with its values inlined.
pub async fn plan(db: &DatabaseConnection, statement: &Statement) -> Result<String> {
    let backend = statement.db_backend;
    let prefix = match backend {
        DbBackend::Postgres => "EXPLAIN (ANALYZE, BUFFERS) ",
        DbBackend::MySql => "EXPLAIN FORMAT=JSON ",
        _ => "EXPLAIN QUERY PLAN ",
    };
    let explain = Statement {
        sql: format!("{prefix}{}", statement.sql),
        values: statement.values.clone(),
        db_backend: backend,
    };
    let rows = db.query_all_raw(explain).await?;
    let mut lines = Vec::with_capacity(rows.len());
    match backend {
        DbBackend::Postgres | DbBackend::MySql => {
            for row in rows {
                lines.push(row.try_get_by_index::<String>(0)?);
            }
        }
        _ => {
            // Rows of (id, parent, notused, detail): indent each by its depth in the tree.
            let mut depth: HashMap<i64, usize> = HashMap::new();
            for row in rows {
                let id = row.try_get_by_index::<i64>(0)?;
                let parent = row.try_get_by_index::<i64>(1)?;
                let level = depth.get(&parent).map_or(0, |d| d + 1);
                depth.insert(id, level);
                let detail = row.try_get_by_index::<String>(3)?;
                lines.push(format!("{}{detail}", "  ".repeat(level)));
            }
        }
    }
    Ok(format!("{statement}\n\n{}\n", lines.join("\n")))
}

/// On PostgreSQL, how the server planned each statement prepared on this connection:
/// `generic_plans`, `custom_plans` and the statement, one line each. After five executions
/// the server may switch a prepared statement to a generic plan made without its values;
/// which one it keeps using decides much of a sub-millisecond timing.
pub async fn plan_cache(db: &DatabaseConnection) -> Result<Option<String>> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(None);
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements \
             ORDER BY statement",
        ))
        .await?;
    let mut lines = vec!["generic_plans\tcustom_plans\tstatement".to_owned()];
    for row in rows {
        let generic: i64 = row.try_get_by_index(0)?;
        let custom: i64 = row.try_get_by_index(1)?;
        let statement: String = row.try_get_by_index(2)?;
        lines.push(format!("{generic}\t{custom}\t{statement}"));
    }
    Ok(Some(lines.join("\n") + "\n"))
}
