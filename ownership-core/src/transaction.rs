//! Ending the library's transactions: every write commits on success and rolls back at
//! once on failure.
//!
//! Near the bottom of the crate: it knows only the error type.

use sea_orm::TransactionSession;

use crate::error::OwnershipError;

/// Commits `txn` if `result` is a success, else rolls it back at once and gives the error:
/// a transaction merely dropped is rolled back only when its connection is next used, and
/// until then holds its locks (on SQLite, the database's write lock).
///
/// A rollback that fails too is logged, and the first error given: it says what went wrong
/// (after a deadlock, say, MySQL has already rolled back, and a nested transaction's
/// savepoint is gone).
pub(crate) async fn finish<T, S: TransactionSession>(
    txn: S,
    result: Result<T, OwnershipError>,
) -> Result<T, OwnershipError> {
    match result {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback) = txn.rollback().await {
                // The first error is not logged: it may hold the values written.
                tracing::warn!(%rollback, "rolling back after an error failed");
            }
            Err(error)
        }
    }
}
