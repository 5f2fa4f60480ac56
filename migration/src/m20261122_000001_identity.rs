//! The identity tables: users, accounts, user profiles, groups and group members.

use ownership_core::entity::{account, group, group_member, user, user_profile};
use sea_orm_migration::prelude::*;

use crate::{create_from_entity, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_from_entity(manager, user::Entity).await?;
        create_from_entity(manager, account::Entity).await?;
        create_from_entity(manager, group::Entity).await?;
        create_from_entity(manager, user_profile::Entity).await?;
        create_from_entity(manager, group_member::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
