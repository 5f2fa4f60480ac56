//! Loading the data set: into the ownership tables and `document` (PostgreSQL: `COPY`;
//! elsewhere multi-row `INSERT`s in one transaction), the grants through staging tables and
//! `INSERT ... SELECT`, the generated shares into the share tables as they are, and on
//! PostgreSQL the reference schema `ref` as its script says.

use std::fmt::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use ownership_core::Uuid;
use sea_orm::sqlx::postgres::PgPoolCopyExt;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait, Value,
};

use crate::dataset::{Dataset, Grant};
use crate::error::{BenchError, Context, Result};
use crate::reference;
use crate::shares::{Receiver, Share};

/// One value of a row to load.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    Int(i64),
    /// An integer column that may be NULL.
    MaybeInt(Option<i64>),
    Text(&'a str),
    /// A text column that may be NULL.
    MaybeText(Option<&'a str>),
    Bool(bool),
    Uuid(Uuid),
}

/// Rows for one table.
pub struct Rows<'a> {
    /// The table.
    pub table: &'static str,
    /// Its columns, as each row gives their values.
    pub columns: &'static [&'static str],
    /// The rows.
    pub rows: Box<dyn Iterator<Item = Vec<Cell<'a>>> + 'a>,
}

/// The bytes sent per `COPY` message.
const COPY_CHUNK: usize = 1 << 20;

/// The most values bound by one `INSERT` (below SQLite's and MySQL's limits).
const MAX_BOUND: usize = 30_000;

/// Where rows go: `COPY` on PostgreSQL, else `INSERT`s inside one transaction.
pub struct Sink<'a> {
    db: &'a DatabaseConnection,
    transaction: Option<DatabaseTransaction>,
}

impl<'a> Sink<'a> {
    /// A sink into `db`, in a transaction of its own where rows are inserted.
    pub async fn open(db: &'a DatabaseConnection) -> Result<Self> {
        let transaction = match db.get_database_backend() {
            DbBackend::Postgres => None,
            _ => Some(db.begin().await?),
        };
        Ok(Self { db, transaction })
    }

    /// Commits what was written.
    pub async fn finish(self) -> Result<()> {
        if let Some(tx) = self.transaction {
            tx.commit().await?;
        }
        Ok(())
    }

    async fn execute(&self, sql: &str) -> Result<()> {
        match &self.transaction {
            Some(tx) => tx.execute_unprepared(sql).await,
            None => self.db.execute_unprepared(sql).await,
        }
        .context(sql.split_whitespace().take(6).collect::<Vec<_>>().join(" "))?;
        Ok(())
    }

    /// Writes one account, active users who are neither staff nor superusers, and
    /// `profiles` (profile id, user id) in that account.
    pub async fn write_account_members(
        &self,
        (account, account_name): (i64, &str),
        users: &[(i64, String)],
        profiles: &[(i64, i64)],
    ) -> Result<()> {
        self.write(Rows {
            table: "ownership_user",
            columns: &["id", "username", "is_active", "is_staff", "is_superuser"],
            rows: Box::new(users.iter().map(|(id, name)| {
                vec![
                    Cell::Int(*id),
                    Cell::Text(name),
                    Cell::Bool(true),
                    Cell::Bool(false),
                    Cell::Bool(false),
                ]
            })),
        })
        .await?;
        self.write(Rows {
            table: "ownership_account",
            columns: &["id", "name"],
            rows: Box::new(std::iter::once(vec![
                Cell::Int(account),
                Cell::Text(account_name),
            ])),
        })
        .await?;
        self.write(Rows {
            table: "ownership_user_profile",
            columns: &["id", "user_id", "account_id"],
            rows: Box::new(profiles.iter().map(move |&(profile, user)| {
                vec![Cell::Int(profile), Cell::Int(user), Cell::Int(account)]
            })),
        })
        .await
    }

    /// Writes `rows`.
    pub async fn write(&self, rows: Rows<'_>) -> Result<()> {
        let table = rows.table;
        match &self.transaction {
            Some(tx) => insert(tx, rows).await,
            None => copy(self.db, rows).await,
        }
        .context(format!("load {table}"))
    }
}

/// Appends a CSV field for `COPY ... (FORMAT csv)`.
fn csv_field(out: &mut String, cell: Cell<'_>) {
    match cell {
        Cell::Int(v) | Cell::MaybeInt(Some(v)) => {
            write!(out, "{v}").expect("writing to a String cannot fail")
        }
        // An unquoted empty field is NULL.
        Cell::MaybeInt(None) | Cell::MaybeText(None) => {}
        Cell::Uuid(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
        Cell::Bool(v) => out.push(if v { 't' } else { 'f' }),
        Cell::Text(v) | Cell::MaybeText(Some(v))
            if v.is_empty() || v.contains([',', '"', '\n', '\r']) =>
        {
            out.push('"');
            out.push_str(&v.replace('"', "\"\""));
            out.push('"');
        }
        Cell::Text(v) | Cell::MaybeText(Some(v)) => out.push_str(v),
    }
}

async fn copy(db: &DatabaseConnection, rows: Rows<'_>) -> Result<()> {
    let statement = format!(
        "COPY {} ({}) FROM STDIN (FORMAT csv)",
        rows.table,
        rows.columns.join(", ")
    );
    let mut copy_in = db
        .get_postgres_connection_pool()
        .copy_in_raw(&statement)
        .await?;
    let mut buffer = String::with_capacity(COPY_CHUNK + 1024);
    for row in rows.rows {
        for (i, cell) in row.into_iter().enumerate() {
            if i > 0 {
                buffer.push(',');
            }
            csv_field(&mut buffer, cell);
        }
        buffer.push('\n');
        if buffer.len() >= COPY_CHUNK {
            copy_in.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy_in.send(buffer.as_bytes()).await?;
    }
    copy_in.finish().await?;
    Ok(())
}

async fn insert(tx: &DatabaseTransaction, rows: Rows<'_>) -> Result<()> {
    let backend = tx.get_database_backend();
    let width = rows.columns.len();
    let per_statement = (MAX_BOUND / width).min(1000);
    let placeholders = format!("({})", vec!["?"; width].join(", "));
    let head = format!(
        "INSERT INTO {} ({}) VALUES ",
        rows.table,
        rows.columns.join(", ")
    );
    let mut rows = rows.rows.peekable();
    while rows.peek().is_some() {
        let mut values = Vec::with_capacity(per_statement * width);
        let mut count = 0;
        for row in rows.by_ref().take(per_statement) {
            values.extend(row.into_iter().map(|cell| match cell {
                Cell::Int(v) => Value::BigInt(Some(v)),
                Cell::MaybeInt(v) => Value::BigInt(v),
                Cell::Text(v) => Value::String(Some(v.to_owned())),
                Cell::MaybeText(v) => Value::String(v.map(str::to_owned)),
                Cell::Bool(v) => Value::Bool(Some(v)),
                // Bound as the library binds a share's uuid, in each backend's own form.
                Cell::Uuid(v) => Value::from(v),
            }));
            count += 1;
        }
        let sql = format!("{head}{}", vec![placeholders.as_str(); count].join(", "));
        tx.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// The staging tables of the grants: `(holder, perm, document_id)`, `document_id` 0 for a
/// model-wide grant.
const STAGING: [&str; 2] = [
    "CREATE TABLE bench_user_grant (holder BIGINT NOT NULL, perm VARCHAR(150) NOT NULL, \
     document_id BIGINT NOT NULL)",
    "CREATE TABLE bench_group_grant (holder BIGINT NOT NULL, perm VARCHAR(150) NOT NULL, \
     document_id BIGINT NOT NULL)",
];

/// Builds the grant tables from the staging tables: grants on single documents into the
/// document's own grant tables, model-wide grants into the permission tables (one
/// permission per name, numbered in name order).
///
/// As in django-guardian's mapping of the data set, each document's owner user holds
/// explicit `view` and `change` grants on it (staged first, then de-duplicated with the
/// data set's own grants).
const BUILD: [&str; 7] = [
    "INSERT INTO bench_user_grant (holder, perm, document_id) \
     SELECT p.user_id, 'view', d.id FROM document d \
     JOIN ownership_user_profile p ON p.id = d.user_profile_id",
    "INSERT INTO bench_user_grant (holder, perm, document_id) \
     SELECT p.user_id, 'change', d.id FROM document d \
     JOIN ownership_user_profile p ON p.id = d.user_profile_id",
    "INSERT INTO document_user_grant (user_id, name, object_id) \
     SELECT DISTINCT holder, perm, document_id FROM bench_user_grant WHERE document_id <> 0",
    "INSERT INTO document_group_grant (group_id, name, object_id) \
     SELECT DISTINCT holder, perm, document_id FROM bench_group_grant WHERE document_id <> 0",
    "INSERT INTO ownership_permission (id, name, model_name, model_key) \
     SELECT ROW_NUMBER() OVER (ORDER BY perm), perm, 'document', 'document' FROM ( \
       SELECT perm FROM bench_user_grant WHERE document_id = 0 \
       UNION SELECT perm FROM bench_group_grant WHERE document_id = 0) perms",
    "INSERT INTO ownership_permission_user (permission_id, user_id, name, model_key) \
     SELECT DISTINCT p.id, g.holder, p.name, 'document' FROM bench_user_grant g \
     JOIN ownership_permission p ON p.name = g.perm AND p.model_key = 'document' \
     WHERE g.document_id = 0",
    "INSERT INTO ownership_permission_group (permission_id, group_id, name, model_key) \
     SELECT DISTINCT p.id, g.holder, p.name, 'document' FROM bench_group_grant g \
     JOIN ownership_permission p ON p.name = g.perm AND p.model_key = 'document' \
     WHERE g.document_id = 0",
];

/// The staging tables, dropped once the grants are built.
const STAGING_TABLES: [&str; 2] = ["bench_user_grant", "bench_group_grant"];

/// The tables the benchmark fills, analyzed after the load.
const TABLES: [&str; 13] = [
    "ownership_account",
    "ownership_user",
    "ownership_user_profile",
    "ownership_group",
    "ownership_group_member",
    "document",
    "document_user_grant",
    "document_group_grant",
    "ownership_permission",
    "ownership_permission_user",
    "ownership_permission_group",
    "document_share",
    "document_share_name",
];

fn grant_rows<'a>(table: &'static str, grants: &'a [Grant]) -> Rows<'a> {
    Rows {
        table,
        columns: &["holder", "perm", "document_id"],
        rows: Box::new(grants.iter().map(|g| {
            vec![
                Cell::Int(g.holder),
                Cell::Text(&g.perm),
                Cell::Int(g.document_id.unwrap_or(0)),
            ]
        })),
    }
}

/// The receiver columns of a share: user, group, and whether it is with anyone.
fn receiver_cells(receiver: Receiver) -> [Cell<'static>; 3] {
    let (user, group) = match receiver {
        Receiver::User(user) => (Some(user), None),
        Receiver::Group(group) => (None, Some(group)),
        Receiver::Anyone => (None, None),
    };
    [
        Cell::MaybeInt(user),
        Cell::MaybeInt(group),
        Cell::Bool(matches!(receiver, Receiver::Anyone)),
    ]
}

/// The rows of `document_share`, in id order: an origin before the shares passed on from it.
fn share_rows(shares: &[Share]) -> Rows<'_> {
    Rows {
        table: "document_share",
        columns: &[
            "id",
            "uuid",
            "object_id",
            "origin_id",
            "emitter_id",
            "receiver_user_id",
            "receiver_group_id",
            "to_anyone",
            "expires_unix_ms",
        ],
        rows: Box::new(shares.iter().map(|s| {
            let mut row = vec![
                Cell::Int(s.id),
                Cell::Uuid(s.uuid),
                Cell::Int(s.object),
                Cell::MaybeInt(s.origin),
                Cell::Int(s.emitter),
            ];
            row.extend(receiver_cells(s.receiver));
            row.push(Cell::MaybeInt(s.expires_ms));
            row
        })),
    }
}

/// The rows of `document_share_name`, each with its share's row, receiver and expiry.
fn share_name_rows(shares: &[Share]) -> Rows<'_> {
    Rows {
        table: "document_share_name",
        columns: &[
            "share_id",
            "name",
            "depth",
            "object_id",
            "receiver_user_id",
            "receiver_group_id",
            "to_anyone",
            "expires_unix_ms",
        ],
        rows: Box::new(shares.iter().flat_map(|s| {
            s.names.iter().map(|(name, depth)| {
                let mut row = vec![
                    Cell::Int(s.id),
                    Cell::Text(name),
                    Cell::Int(i64::from(*depth)),
                    Cell::Int(s.object),
                ];
                row.extend(receiver_cells(s.receiver));
                row.push(Cell::MaybeInt(s.expires_ms));
                row
            })
        })),
    }
}

/// A step of the load and how long it took.
pub type Step = (String, Duration);

/// Loads the data set into the ownership tables and `document`, and `shares` into the
/// share tables, then analyzes them.
pub async fn library_tables(
    db: &DatabaseConnection,
    data: &Dataset,
    shares: &[Share],
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |steps: &mut Vec<Step>, name: &str| {
        steps.push((name.to_owned(), clock.elapsed()));
        println!("  {name}: {:.1} s", clock.elapsed().as_secs_f64());
        clock = Instant::now();
    };

    for ddl in STAGING {
        db.execute_unprepared(ddl)
            .await
            .context("create a staging table")?;
    }
    let sink = Sink::open(db).await?;
    let identity = [
        Rows {
            table: "ownership_user",
            columns: &["id", "username", "is_active", "is_staff", "is_superuser"],
            rows: Box::new(data.users.iter().map(|u| {
                vec![
                    Cell::Int(u.id),
                    Cell::Text(&u.username),
                    Cell::Bool(true),
                    Cell::Bool(u.is_staff),
                    Cell::Bool(u.is_superuser),
                ]
            })),
        },
        Rows {
            table: "ownership_account",
            columns: &["id", "name"],
            rows: Box::new(
                data.accounts
                    .iter()
                    .map(|(id, name)| vec![Cell::Int(*id), Cell::Text(name)]),
            ),
        },
        Rows {
            table: "ownership_group",
            columns: &["id", "name"],
            rows: Box::new(
                data.groups
                    .iter()
                    .map(|(id, name)| vec![Cell::Int(*id), Cell::Text(name)]),
            ),
        },
        Rows {
            table: "ownership_user_profile",
            columns: &["id", "user_id", "account_id"],
            rows: Box::new(data.profiles.iter().map(|p| {
                vec![
                    Cell::Int(p.id),
                    Cell::Int(p.user_id),
                    Cell::Int(p.account_id),
                ]
            })),
        },
        Rows {
            table: "ownership_group_member",
            columns: &["user_id", "group_id"],
            rows: Box::new(
                data.members
                    .iter()
                    .map(|(user, group)| vec![Cell::Int(*user), Cell::Int(*group)]),
            ),
        },
    ];
    for rows in identity {
        sink.write(rows).await?;
    }
    lap(&mut steps, "users, accounts, profiles, groups, members");

    sink.write(Rows {
        table: "document",
        columns: &["id", "user_profile_id", "name", "created_at"],
        rows: Box::new(data.documents.iter().map(|d| {
            vec![
                Cell::Int(d.id),
                Cell::Int(d.owner_profile_id),
                Cell::Text(&d.name),
                Cell::Text(&d.created_at),
            ]
        })),
    })
    .await?;
    lap(&mut steps, "documents");

    sink.write(share_rows(shares)).await?;
    sink.write(share_name_rows(shares)).await?;
    lap(&mut steps, "shares");

    sink.write(grant_rows("bench_user_grant", &data.user_grants))
        .await?;
    sink.write(grant_rows("bench_group_grant", &data.group_grants))
        .await?;
    lap(&mut steps, "grants staged");

    for sql in BUILD {
        sink.execute(sql).await?;
    }
    sink.finish().await?;
    for table in STAGING_TABLES {
        db.execute_unprepared(&format!("DROP TABLE {table}"))
            .await?;
    }
    lap(&mut steps, "grants (INSERT ... SELECT)");

    analyze(db, &TABLES).await?;
    lap(&mut steps, "analyze");
    Ok(steps)
}

/// Refreshes the planner's statistics of `tables` (and, on PostgreSQL, their visibility
/// maps, so that index-only scans are index-only).
pub async fn analyze(db: &DatabaseConnection, tables: &[&str]) -> Result<()> {
    let analyze = match db.get_database_backend() {
        DbBackend::Postgres => format!("VACUUM (ANALYZE) {}", tables.join(", ")),
        DbBackend::MySql => format!("ANALYZE TABLE {}", tables.join(", ")),
        _ => "ANALYZE".to_owned(),
    };
    db.execute_unprepared(&analyze).await.context("analyze")?;
    Ok(())
}

/// Loads the reference schema `ref` on PostgreSQL: its tables, `COPY` of the CSV files as
/// they are, then the script's index section (keys, indexes, `VACUUM (ANALYZE)`).
pub async fn reference_schema(
    db: &DatabaseConnection,
    schema: &reference::Schema,
    data_dir: &Path,
) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    let start = Instant::now();
    for sql in &schema.tables {
        db.execute_unprepared(sql)
            .await
            .context(format!("reference schema: {sql}"))?;
    }
    for (table, file) in &schema.copies {
        let path = data_dir.join(file);
        let bytes = std::fs::read(&path)
            .map_err(|err| BenchError::new(format!("cannot read {}: {err}", path.display())))?;
        let mut copy_in = db
            .get_postgres_connection_pool()
            .copy_in_raw(&format!(
                "COPY {table} FROM STDIN (FORMAT csv, HEADER true)"
            ))
            .await?;
        for chunk in bytes.chunks(COPY_CHUNK) {
            copy_in.send(chunk).await?;
        }
        copy_in
            .finish()
            .await
            .context(format!("COPY {table} from {}", path.display()))?;
    }
    steps.push(("reference: tables and COPY".to_owned(), start.elapsed()));
    println!(
        "  reference: tables and COPY: {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    for sql in &schema.indexes {
        db.execute_unprepared(sql)
            .await
            .context(format!("reference schema: {sql}"))?;
    }
    steps.push((
        "reference: indexes and VACUUM (ANALYZE)".to_owned(),
        start.elapsed(),
    ));
    println!(
        "  reference: indexes and VACUUM (ANALYZE): {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        for cell in [
            Cell::Int(-3),
            Cell::Bool(true),
            Cell::Text("plain"),
            Cell::Text("a,\"b\""),
            Cell::Text(""),
            Cell::MaybeInt(None),
            Cell::MaybeInt(Some(7)),
            Cell::Uuid(Uuid::from_u128(1)),
        ] {
            csv_field(&mut out, cell);
            out.push('|');
        }
        assert_eq!(
            out,
            "-3|t|plain|\"a,\"\"b\"\"\"|\"\"||7|00000000-0000-0000-0000-000000000001|"
        );
    }
}
