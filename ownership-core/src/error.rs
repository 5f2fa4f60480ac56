//! The errors of this crate: typed where a caller can act on them, the database error
//! otherwise.

use sea_orm::{DbErr, IdenStatic, SqlErr};

use crate::OwnedEntity;

/// An error from an ownership operation.
#[derive(Debug, thiserror::Error)]
pub enum OwnershipError {
    /// The owner already has a row of this model with this name (unique owner + name).
    #[error("{model}: owner profile {owner} already has an object named {name:?}")]
    DuplicateName {
        /// The model name of the entity.
        model: &'static str,
        /// The owner profile id.
        owner: i64,
        /// The name that is taken.
        name: String,
    },
    /// A clone asked for a new version, but the entity has no `#[owned(version)]` field.
    #[error("{model}: cannot set a version on a clone, the entity has no #[owned(version)] field")]
    NoVersionField {
        /// The model name of the entity.
        model: &'static str,
    },
    /// A clone needs the database to assign the new row's id.
    #[error("{model}: cannot clone, the primary key is not auto-increment")]
    PrimaryKeyNotAutoIncrement {
        /// The model name of the entity.
        model: &'static str,
    },
    /// A value does not fit the column it is meant for (for example an owner id too large
    /// for an `i32` owner column).
    #[error("{model}: {value} does not fit the column {column}")]
    ValueOutOfRange {
        /// The model name of the entity.
        model: &'static str,
        /// The column.
        column: &'static str,
        /// The value, as given.
        value: String,
    },
    /// A permission or model name that cannot be stored: empty, too long or with a NUL.
    #[error("invalid {what} {name:?}: it {problem}")]
    InvalidName {
        /// What the name is for ("permission name", "model name").
        what: &'static str,
        /// What is wrong with it.
        problem: &'static str,
        /// The name (its first 40 characters).
        name: String,
    },
    /// A grant to users that do not exist; nothing was written.
    #[error("no user with id {0:?}")]
    UnknownUsers(Vec<i64>),
    /// A grant to groups that do not exist; nothing was written.
    #[error("no group with id {0:?}")]
    UnknownGroups(Vec<i64>),
    /// A grant on objects that do not exist; nothing was written.
    #[error("{model}: no object with id {ids:?}")]
    UnknownObjects {
        /// The model name.
        model: String,
        /// The ids with no row.
        ids: Vec<i64>,
    },
    /// A filter list longer than one statement can bind.
    #[error("{what}: {given} values given, at most {limit} fit in one statement")]
    TooManyValues {
        /// Which list.
        what: &'static str,
        /// How many were given.
        given: usize,
        /// The most one statement takes.
        limit: usize,
    },
    /// Two owned entities give the same model name (`#[owned(model_name = "..")]`, by
    /// default the table name); a grant on an object of one would admit the row with that
    /// id of the other. Answered by the questions that read every owned entity's grants.
    #[error("two owned entities on different tables have the model name {model:?}")]
    DuplicateModelName {
        /// The model name.
        model: &'static str,
    },
    /// Any other database error.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Whether a database error is the violation of `E`'s unique (owner, name) index.
///
/// PostgreSQL and MySQL name the index (`idx-<table>-<key>`, the name SeaORM gives the
/// entity's `unique_key`); SQLite lists the columns instead.
pub(crate) fn is_owner_name_conflict<E: OwnedEntity>(err: &DbErr) -> bool {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else {
        return false;
    };
    if message.contains(&E::owner_name_index()) {
        return true;
    }
    let table = E::default().table_name();
    let qualified = |column: E::Column| format!("{table}.{}", column.as_str());
    let expected = [qualified(E::owner_column()), qualified(E::name_column())];
    message
        .split_once("UNIQUE constraint failed: ")
        .is_some_and(|(_, columns)| {
            let mut columns: Vec<&str> = columns.split(", ").map(str::trim).collect();
            columns.sort_unstable();
            let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            expected.sort_unstable();
            columns == expected
        })
}
