//! The hand-written reference SQL (PostgreSQL): its schema script and its four queries,
//! read from `reference_schema.sql` and `reference_queries.sql` and run as written.

use std::fs;
use std::path::Path;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

use crate::error::{BenchError, Context, Result};

/// The marker line of `reference_schema.sql` after which the indexes are built.
const INDEXES_MARKER: &str = "-- @indexes";

/// The marker of each query in `reference_queries.sql`: `-- name: q1 ...`.
const NAME_MARKER: &str = "-- name:";

/// `reference_schema.sql`, split into statements.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The statements before the indexes marker: drop, create the schema and its tables.
    pub tables: Vec<String>,
    /// The tables to fill: schema-qualified name (`ref.users`) and CSV file (`users.csv`).
    pub copies: Vec<(String, String)>,
    /// The statements after the marker: keys, indexes, `VACUUM (ANALYZE)`.
    pub indexes: Vec<String>,
}

/// One reference query, with its `%(name)s` parameters turned into `$1`, `$2`, ...
#[derive(Clone, Debug)]
pub struct Query {
    /// The SQL with numbered placeholders.
    pub sql: String,
    /// The parameter names, in placeholder order.
    pub params: Vec<String>,
}

/// The four reference queries.
#[derive(Clone, Debug)]
pub struct Queries {
    /// First page of viewable documents.
    pub q1: Query,
    /// Count of viewable documents.
    pub q2: Query,
    /// May the user view one document.
    pub q3: Query,
    /// Users with a permission on one document.
    pub q4: Query,
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|err| {
        BenchError::new(format!(
            "cannot read {}: {err} (pass the directory of the reference SQL with --reference)",
            path.display()
        ))
    })
}

/// The statements of a script: comment lines dropped, split at `;`.
fn statements(script: &str) -> Vec<String> {
    let code: String = script
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Schema {
    /// Reads `reference_schema.sql` from `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("reference_schema.sql");
        let script = read(&path)?;
        let Some(at) = script.find(INDEXES_MARKER) else {
            return Err(BenchError::new(format!(
                "{}: no `{INDEXES_MARKER}` line",
                path.display()
            )));
        };
        let tables = statements(&script[..at]);
        let copies = tables
            .iter()
            .filter_map(|s| s.strip_prefix("CREATE TABLE "))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(|name| {
                let file = name.rsplit('.').next().unwrap_or(name);
                (name.to_owned(), format!("{file}.csv"))
            })
            .collect();
        Ok(Self {
            tables,
            copies,
            indexes: statements(&script[at..]),
        })
    }
}

impl Query {
    /// Numbers the `%(name)s` placeholders of `sql` by first appearance.
    fn parse(sql: &str) -> Self {
        let mut params: Vec<String> = Vec::new();
        let mut out = String::with_capacity(sql.len());
        let mut rest = sql;
        while let Some(start) = rest.find("%(") {
            let Some(len) = rest[start..].find(")s") else {
                break;
            };
            let name = &rest[start + 2..start + len];
            let number = match params.iter().position(|p| p == name) {
                Some(i) => i + 1,
                None => {
                    params.push(name.to_owned());
                    params.len()
                }
            };
            out.push_str(&rest[..start]);
            out.push_str(&format!("${number}"));
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        Self { sql: out, params }
    }

    /// The statement with the user id and/or document id bound where the query names them
    /// (`user` as `int`, `doc` as `bigint`, the reference schema's types).
    pub fn statement(&self, user: Option<i64>, doc: Option<i64>) -> Result<Statement> {
        let mut values = Vec::with_capacity(self.params.len());
        for param in &self.params {
            values.push(match (param.as_str(), user, doc) {
                ("user", Some(user), _) => {
                    Value::Int(Some(i32::try_from(user).context("user id")?))
                }
                ("doc", _, Some(doc)) => Value::BigInt(Some(doc)),
                _ => {
                    return Err(BenchError::new(format!(
                        "no value for the reference parameter %({param})s"
                    )));
                }
            });
        }
        Ok(Statement::from_sql_and_values(
            DbBackend::Postgres,
            self.sql.clone(),
            values,
        ))
    }
}

impl Queries {
    /// Reads `reference_queries.sql` from `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("reference_queries.sql");
        let script = read(&path)?;
        let mut named = Vec::new();
        for block in script.split(NAME_MARKER).skip(1) {
            let (header, body) = block.split_once('\n').unwrap_or((block, ""));
            let name = header.split_whitespace().next().unwrap_or_default();
            let body = statements(body).join(";\n");
            named.push((name.to_owned(), Query::parse(&body)));
        }
        let mut take = |name: &str| {
            named
                .iter()
                .position(|(n, _)| n == name)
                .map(|i| named.remove(i).1)
                .ok_or_else(|| BenchError::new(format!("{}: no query `{name}`", path.display())))
        };
        Ok(Self {
            q1: take("q1")?,
            q2: take("q2")?,
            q3: take("q3")?,
            q4: take("q4")?,
        })
    }

    /// Q1: the ids of the first page.
    pub async fn q1(&self, db: &DatabaseConnection, user: i64) -> Result<Vec<i64>> {
        let rows = db
            .query_all_raw(self.q1.statement(Some(user), None)?)
            .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            ids.push(row.try_get::<i64>("", "id")?);
        }
        Ok(ids)
    }

    /// Q2: the count.
    pub async fn q2(&self, db: &DatabaseConnection, user: i64) -> Result<u64> {
        let row = db
            .query_one_raw(self.q2.statement(Some(user), None)?)
            .await?;
        let count = row
            .ok_or_else(|| BenchError::new("reference Q2 returned no row"))?
            .try_get_by_index::<i64>(0)?;
        u64::try_from(count).context("reference Q2 count")
    }

    /// Q3: whether the user may view the document.
    pub async fn q3(&self, db: &DatabaseConnection, user: i64, doc: i64) -> Result<bool> {
        let row = db
            .query_one_raw(self.q3.statement(Some(user), Some(doc))?)
            .await?;
        Ok(match row {
            Some(row) => row.try_get_by_index::<Option<bool>>(0)?.unwrap_or(false),
            None => false,
        })
    }

    /// Q4: the ids of the users, ascending.
    pub async fn q4(&self, db: &DatabaseConnection, doc: i64) -> Result<Vec<i64>> {
        let rows = db
            .query_all_raw(self.q4.statement(None, Some(doc))?)
            .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            ids.push(i64::from(row.try_get::<i32>("", "id")?));
        }
        ids.sort_unstable();
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_by_first_appearance() {
        let q = Query::parse("a = %(user)s AND b = %(doc)s AND c = %(user)s");
        assert_eq!(q.sql, "a = $1 AND b = $2 AND c = $1");
        assert_eq!(q.params, ["user", "doc"]);
    }

    #[test]
    fn splits_scripts_into_statements_without_comments() {
        let s = statements("-- a comment; with a semicolon\nCREATE TABLE t (a int);\n\nSELECT 1;");
        assert_eq!(s, ["CREATE TABLE t (a int)", "SELECT 1"]);
    }

    #[test]
    fn reads_the_shared_reference_files_when_present() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench");
        if !dir.is_dir() {
            return;
        }
        let schema = Schema::read(&dir).unwrap();
        assert!(
            schema
                .copies
                .contains(&("ref.users".into(), "users.csv".into()))
        );
        assert!(schema.indexes.iter().any(|s| s.starts_with("VACUUM")));
        let queries = Queries::read(&dir).unwrap();
        assert_eq!(queries.q3.params, ["doc", "user"]);
        assert_eq!(queries.q4.params, ["doc"]);
        assert!(!queries.q1.sql.contains("%("));
    }
}
