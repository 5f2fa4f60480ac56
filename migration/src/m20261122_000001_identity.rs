//! The embedded identity tables: users, accounts, user profiles, groups and group members.
//! Created only when the program uses the embedded identity (no
//! [`Identity`](ownership_core::Identity) of its own installed).

use ownership_core::Identity;
use ownership_core::entity::{account, group, group_member, user, user_profile};
use sea_orm::{Iterable, Schema};
use sea_orm_migration::prelude::*;

use crate::{create_from_entity, create_with_indexes, drop_tables};

/// Whether a later migration adds this user column: this one keeps creating the table it
/// always created, whatever the entity holds now.
fn added_later(column: &user::Column) -> bool {
    matches!(column, user::Column::SecurityStamp) // m20261204_000004_user_security_stamp
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        let schema = Schema::new(manager.get_database_backend());
        let mut users = Table::create();
        users.table(user::Entity);
        for column in user::Column::iter().filter(|c| !added_later(c)) {
            users.col(schema.get_column_def::<user::Entity>(column));
        }
        create_with_indexes(manager, users, user::Entity).await?;
        create_from_entity(manager, account::Entity).await?;
        create_from_entity(manager, group::Entity).await?;
        create_from_entity(manager, user_profile::Entity).await?;
        create_from_entity(manager, group_member::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !Identity::current().is_embedded() {
            return Ok(());
        }
        drop_tables(
            manager,
            [
                group_member::Entity.into_table_ref(),
                user_profile::Entity.into_table_ref(),
                group::Entity.into_table_ref(),
                account::Entity.into_table_ref(),
                user::Entity.into_table_ref(),
            ],
        )
        .await
    }
}
