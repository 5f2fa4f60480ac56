//! Subqueries read through a derived table.

use sea_orm::sea_query::{Expr, IntoIden, Query, SelectStatement};

/// `SELECT alias.column FROM (select) AS alias`.
///
/// Every union a condition tests membership in goes through this: MariaDB's semi-join
/// strategies do not take a union, so it would run `x IN (a UNION b)` once per row of the
/// outer query; read through a derived table, the union is materialized once and probed.
/// PostgreSQL and SQLite plan both forms alike. A list with its own `ORDER BY` / `LIMIT`
/// needs it too (see `page`): in a bare union those would apply to the whole union, and
/// MySQL refuses a `LIMIT` directly inside `IN`.
pub(crate) fn derived(
    select: SelectStatement,
    column: impl IntoIden,
    alias: impl IntoIden + Clone,
) -> SelectStatement {
    Query::select()
        .column((alias.clone(), column))
        .from_subquery(select, alias)
        .to_owned()
}

/// `SELECT alias.column AS name FROM (select) AS alias`: [`derived`], naming the column.
pub(crate) fn derived_as(
    select: SelectStatement,
    column: impl IntoIden,
    alias: impl IntoIden + Clone,
    name: impl IntoIden,
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col((alias.clone(), column)), name)
        .from_subquery(select, alias)
        .to_owned()
}
