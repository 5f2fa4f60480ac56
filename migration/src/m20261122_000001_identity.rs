//! The identity tables: users, accounts, user profiles, groups and group members.

use ownership_core::entity::{account, group, group_member, user, user_profile};
use sea_orm::{EntityTrait, Schema};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Creates an entity's table and the indexes it declares.
async fn create_from_entity<E: EntityTrait>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    manager
        .create_table(schema.create_table_from_entity(entity))
        .await?;
    for index in schema.create_index_from_entity(entity) {
        manager.create_index(index).await?;
    }
    Ok(())
}

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
        for table in [
            group_member::Entity.into_table_ref(),
            user_profile::Entity.into_table_ref(),
            group::Entity.into_table_ref(),
            account::Entity.into_table_ref(),
            user::Entity.into_table_ref(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
