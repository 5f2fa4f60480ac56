//! Indexes for the read scope's staff branch: "the profiles, in the reader's accounts, of
//! staff users".
//!
//! That branch visits every profile of each of the reader's accounts and keeps those whose
//! user is staff. With `(account_id, user_id, id)` the profiles of an account come from one
//! index range without reading the table, and with the staff users in an index of their own
//! each profile's user is checked in that small index rather than in the user table. The
//! first index also serves every lookup of an account's profiles.

use ownership_core::Identity;
use ownership_core::entity::{user, user_profile};
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ACCOUNT_MEMBERS: &str = "idx-ownership_user_profile-account_members";
const STAFF: &str = "idx-ownership_user-staff";
const ACCOUNT: &str = "idx-ownership_user_profile-account_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        manager
            .create_index(profile_index(
                ACCOUNT_MEMBERS,
                [
                    user_profile::Column::AccountId,
                    user_profile::Column::UserId,
                    user_profile::Column::Id,
                ],
            ))
            .await?;
        let mut staff = Index::create();
        staff.name(STAFF).table(user::Entity);
        if manager.get_database_backend() == DbBackend::MySql {
            // No partial indexes on MySQL and MariaDB; there a staff user is one probe of
            // the flag and the id.
            staff.col(user::Column::IsStaff).col(user::Column::Id);
        } else {
            // The constant is written as the scopes write it, so the planner sees that
            // their `is_staff = TRUE` implies the index's condition.
            staff
                .col(user::Column::Id)
                .and_where(Expr::col(user::Column::IsStaff).eq(Expr::cust("TRUE")));
        }
        manager.create_index(staff.to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        manager
            .drop_index(Index::drop().name(STAFF).table(user::Entity).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::MySql {
            // MySQL keeps an index on a foreign key's columns, and the account's foreign key
            // now uses ours: give it a plain one before ours goes.
            manager
                .create_index(profile_index(ACCOUNT, [user_profile::Column::AccountId]))
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(ACCOUNT_MEMBERS)
                    .table(user_profile::Entity)
                    .to_owned(),
            )
            .await
    }
}

/// An index named `name` of the profile table on `columns`.
fn profile_index<const N: usize>(
    name: &str,
    columns: [user_profile::Column; N],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(user_profile::Entity);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}
