//! The errors of this crate: typed where a caller can act on them, the database error
//! otherwise.

use std::sync::Arc;

use sea_orm::{DbErr, IdenStatic, SqlErr, TransactionError};

use crate::cursor::PageProblem;
use crate::key::{GroupId, Key, KeyType, ProfileId, UserId, Uuid};
use crate::owned::OwnedEntity;
use crate::policy::PolicyProblem;

/// The error of this crate's operations (loading a subject, checks, pages, writes and
/// clones, grants, holder questions): typed where a caller can act on it,
/// [`OwnershipError::Db`] for any other database error.
///
/// It converts both ways with SeaORM's [`DbErr`], so `?` works in either direction and
/// nothing typed is lost on the way:
///
/// - `DbErr` into `OwnershipError`: [`OwnershipError::Db`], unless the `DbErr` carries an
///   `OwnershipError` (below), which comes back as it was.
/// - `OwnershipError` into `DbErr`, for code whose error type SeaORM fixes as `DbErr` (a
///   transaction closure written for `DbErr`, a migration, an `ActiveModelBehavior` hook):
///   [`OwnershipError::Db`] gives back its `DbErr` unchanged, so
///   [`DbErr::sql_err`] and the driver's error stay as the database reported them; every
///   typed variant becomes `DbErr::TryIntoErr { from: "OwnershipError", into: "DbErr",
///   source }`, the one `DbErr` variant that holds an error value, with this error as
///   `source`: its message ends the `DbErr`'s, `OwnershipError::from(db_err)` (or `?` in
///   a function returning `OwnershipError`) gives it back, and
///   `source.downcast_ref::<OwnershipError>()` reads it in place.
/// - `TransactionError<E>` of a SeaORM transaction whose closure fails with an `E` that
///   converts (`DbErr` or `OwnershipError`) into `OwnershipError`: the closure's error, or
///   the failed `BEGIN` / `COMMIT`'s, converted as above.
///
/// The enum is `#[non_exhaustive]`: new kinds of refusal will be added as the library
/// grows, so a `match` on it needs a `_` arm (treating an unknown kind like
/// [`OwnershipError::Db`], an error the caller did not expect, is the safe default).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OwnershipError {
    /// The owner already has a row of this model with this name (unique owner + name).
    #[error("{model}: owner profile {owner} already has an object named {name:?}")]
    DuplicateName {
        /// The model name of the entity.
        model: &'static str,
        /// The owner profile id.
        owner: ProfileId,
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
    /// A grantee type no [`Identity::grantee_type`](crate::Identity::grantee_type)
    /// registered; nothing was written.
    #[error("no grantee type named {0:?}: register it with Identity::grantee_type")]
    UnknownGranteeType(String),
    /// A grant to users that do not exist; nothing was written.
    #[error("no user with id {}", list(.0))]
    UnknownUsers(Vec<UserId>),
    /// A grant to groups that do not exist; nothing was written.
    #[error("no group with id {}", list(.0))]
    UnknownGroups(Vec<GroupId>),
    /// A grant on objects that do not exist; nothing was written.
    #[error("{model}: no object with id {}", list(ids))]
    UnknownObjects {
        /// The model name.
        model: String,
        /// The ids with no row, ascending.
        ids: Vec<Key>,
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
    /// The identity ([`Identity`](crate::Identity)) names a table or column that does not
    /// exist or has the wrong type, or is not well formed; every problem found is listed.
    #[error("the identity is misconfigured: {}", list(.0))]
    InvalidIdentity(Vec<IdentityProblem>),
    /// [`Identity::install`](crate::Identity::install) was called when an identity was
    /// already installed or in use.
    #[error(
        "an identity is already installed or in use; install the identity once, before the first subject is loaded"
    )]
    IdentityAlreadyInstalled,
    /// An id whose key type is not the type of the column it is compared with (a UUID
    /// user id for a table keyed by integers, say); nothing was asked or written.
    #[error("{what}: a {given:?} key was given, the column is keyed by {expected:?}")]
    WrongKeyType {
        /// Which id.
        what: &'static str,
        /// The column's key type.
        expected: KeyType,
        /// The key type given.
        given: KeyType,
    },
    /// The row, or the share, does not exist for the asking subject: it does not exist, or
    /// the subject may not read it (a share: is not one of its receivers). The two are not
    /// told apart, so an answer gives no hint that a hidden row exists; nothing was written.
    #[error("{model}: no such {what}")]
    NotFound {
        /// The model name of the entity.
        model: &'static str,
        /// What was looked for (`object`, `share`).
        what: &'static str,
    },
    /// The subject may read the row (or receives the share) but may not do this to it;
    /// nothing was written.
    #[error("{model}: not allowed to {action}")]
    PermissionDenied {
        /// The model name of the entity.
        model: &'static str,
        /// What was refused (`share the object`, `revoke the share`, ...).
        action: &'static str,
    },
    /// The entity declares no root grants (`#[owned(share(..))]`): its rows cannot be
    /// shared.
    #[error(
        "{model}: the entity declares no #[owned(share(..))] root grants, its rows cannot be shared"
    )]
    NotShareable {
        /// The model name of the entity.
        model: &'static str,
    },
    /// A share would hold no permission name: every name asked for is outside the root
    /// grants, or, passing a share on, held at depth 0. Nothing was written.
    #[error(
        "{model}: nothing left to share (names outside the root grants, or at depth 0, cannot be passed on)"
    )]
    NothingToShare {
        /// The model name of the entity.
        model: &'static str,
    },
    /// A share's expiry is not after the current time; nothing was written.
    #[error("{model}: a share must expire after the current time")]
    ExpiryNotInFuture {
        /// The model name of the entity.
        model: &'static str,
    },
    /// The share has expired: it gives nothing and cannot be passed on.
    #[error("{model}: share {uuid} has expired")]
    ShareExpired {
        /// The model name of the entity.
        model: &'static str,
        /// The share.
        uuid: Uuid,
    },
    /// The receiver already has a share of this object from the same origin (or, for a
    /// first share, from the object itself); nothing was written.
    #[error("{model}: the receiver already holds share {existing} from the same origin")]
    DuplicateShare {
        /// The model name of the entity.
        model: &'static str,
        /// The share the receiver holds.
        existing: Uuid,
    },
    /// A policy body that is not valid, or an assignment whose variables do not fit the
    /// policy; nothing was written.
    #[error("policy {policy:?}: {problem}")]
    InvalidPolicy {
        /// The policy's name (its first 40 characters).
        policy: String,
        /// What is wrong.
        problem: PolicyProblem,
    },
    /// A policy with this name exists already; nothing was written.
    #[error("a policy named {0:?} exists already")]
    DuplicatePolicy(String),
    /// Policies that do not exist; nothing was written.
    #[error("no policy named {}", list(.0))]
    UnknownPolicies(Vec<String>),
    /// The policy is assigned to a principal, so it cannot be deleted; nothing was written.
    #[error("policy {0:?} is assigned, it cannot be deleted")]
    PolicyInUse(String),
    /// A keyset page cannot be read: its cursor is malformed or made for another order, or
    /// its order column cannot order a page; nothing was read.
    #[error("invalid page: {0}")]
    InvalidPage(PageProblem),
    /// Any other database error.
    #[error(transparent)]
    Db(DbErr),
}

impl From<DbErr> for OwnershipError {
    /// [`OwnershipError::Db`], or the `OwnershipError` the `DbErr` carries if it was made
    /// from one (the conversion below).
    fn from(err: DbErr) -> Self {
        if let DbErr::TryIntoErr { source, .. } = &err
            && let Some(carried) = source.downcast_ref::<OwnershipError>()
        {
            return carried.clone();
        }
        Self::Db(err)
    }
}

impl From<OwnershipError> for DbErr {
    /// The `DbErr` of [`OwnershipError::Db`] unchanged; any other variant carried as the
    /// `source` of a `DbErr::TryIntoErr`, from which `OwnershipError::from` takes it back.
    fn from(err: OwnershipError) -> Self {
        match err {
            OwnershipError::Db(err) => err,
            typed => DbErr::TryIntoErr {
                from: "OwnershipError",
                into: "DbErr",
                source: Arc::new(typed),
            },
        }
    }
}

impl<E: Into<OwnershipError>> From<TransactionError<E>> for OwnershipError {
    /// The error of a SeaORM transaction: its closure's error, or the failed `BEGIN`,
    /// `COMMIT` or `ROLLBACK`'s, converted into an `OwnershipError`.
    fn from(err: TransactionError<E>) -> Self {
        match err {
            TransactionError::Connection(err) => err.into(),
            TransactionError::Transaction(err) => err.into(),
        }
    }
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

/// One thing wrong with an [`Identity`](crate::Identity): which part, which column, what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProblem {
    /// The part of the identity (`users`, `profiles.user`, ...).
    pub part: &'static str,
    /// The table and column, as `table.column`.
    pub column: String,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for IdentityProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}) {}", self.part, self.column, self.problem)
    }
}

/// `Ok` if `key` is of the `expected` type, else [`OwnershipError::WrongKeyType`] for
/// `what`.
pub(crate) fn check_key_type(
    what: &'static str,
    key: &Key,
    expected: KeyType,
) -> Result<(), OwnershipError> {
    if key.kind() == expected {
        Ok(())
    } else {
        Err(OwnershipError::WrongKeyType {
            what,
            expected,
            given: key.kind(),
        })
    }
}

/// `a, b, c`, for messages.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<PageProblem> for OwnershipError {
    fn from(problem: PageProblem) -> Self {
        OwnershipError::InvalidPage(problem)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbErr, TransactionError};

    use super::OwnershipError;

    fn duplicate() -> OwnershipError {
        OwnershipError::DuplicateName {
            model: "document",
            owner: 3.into(),
            name: "plan".to_owned(),
        }
    }

    #[test]
    fn a_typed_error_survives_a_trip_through_db_err() {
        let db_err = DbErr::from(duplicate());
        assert!(db_err.to_string().ends_with(&duplicate().to_string()));
        let DbErr::TryIntoErr { source, .. } = &db_err else {
            panic!("expected the typed error carried in TryIntoErr, got {db_err:?}");
        };
        assert!(matches!(
            source.downcast_ref::<OwnershipError>(),
            Some(OwnershipError::DuplicateName { owner, .. }) if *owner == 3.into()
        ));
        assert!(matches!(
            OwnershipError::from(db_err),
            OwnershipError::DuplicateName { ref owner, ref name, .. }
                if *owner == 3.into() && name == "plan"
        ));
    }

    #[test]
    fn a_database_error_is_passed_on_unchanged() {
        let original = DbErr::RecordNotFound("user 7".to_owned());
        let wrapped = OwnershipError::from(original.clone());
        assert!(matches!(&wrapped, OwnershipError::Db(err) if *err == original));
        assert_eq!(wrapped.to_string(), original.to_string());
        assert_eq!(DbErr::from(wrapped), original);
    }

    #[test]
    fn a_transaction_error_gives_the_closure_or_connection_error() {
        let from_closure: TransactionError<DbErr> =
            TransactionError::Transaction(duplicate().into());
        assert!(matches!(
            OwnershipError::from(from_closure),
            OwnershipError::DuplicateName { .. }
        ));
        let typed: TransactionError<OwnershipError> = TransactionError::Transaction(duplicate());
        assert!(matches!(
            OwnershipError::from(typed),
            OwnershipError::DuplicateName { .. }
        ));
        let commit: TransactionError<OwnershipError> =
            TransactionError::Connection(DbErr::Custom("commit failed".to_owned()));
        assert!(matches!(
            OwnershipError::from(commit),
            OwnershipError::Db(DbErr::Custom(_))
        ));
    }
}
