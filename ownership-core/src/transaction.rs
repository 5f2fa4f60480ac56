//! Ending the library's transactions: every write commits on success and rolls back at
//! once on failure.
//!
//! Near the bottom of the crate: it knows only the error type.

use sea_orm::TransactionSession;

use crate::error::OwnershipError;

/// Commits `txn` if `result` is a success, else rolls it back at once and gives the error:
/// a transaction merely dropped is rolled back only when its connection is next used, and
/// until then holds its locks (on SQLite, the database's write lock).
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
            txn.rollback().await?;
            Err(error)
        }
    }
}
