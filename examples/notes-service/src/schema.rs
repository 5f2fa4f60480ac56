//! Where the library finds the service's users, and the migrations: the service's own
//! identity tables, then the library's tables (which reference them), then the notes.

use std::sync::OnceLock;

use ownership_core::{Groups, Identity, OwnershipError, Profiles, UserFlag, Users};
use sea_orm::{EntityTrait, Schema};
use sea_orm_migration::prelude::*;

use crate::entities::{api_tokens, memberships, notes, team_members, teams, users, workspaces};

/// The service's identity: users keyed by UUID, active unless disabled, `manager` and
/// `admin` staff of their workspaces, `admin` a superuser; memberships as the owners of
/// notes; teams as groups.
pub fn identity() -> Result<Identity, OwnershipError> {
    Identity::new(
        Users::new(users::Column::Id)
            .active(UserFlag::column_is(users::Column::Disabled, false))
            .staff(UserFlag::any_of(users::Column::Role, ["manager", "admin"]))
            .superuser(UserFlag::equals(users::Column::Role, "admin")),
        Profiles::new(
            memberships::Column::Id,
            memberships::Column::UserId,
            memberships::Column::WorkspaceId,
        ),
        Groups::new(
            teams::Column::Id,
            team_members::Column::UserId,
            team_members::Column::TeamId,
        ),
    )
}

/// Installs [`identity`] for this process, once: the library reads one identity per
/// program, so every later call (a second server in the same test binary) reuses it.
pub fn install_identity() -> Result<(), OwnershipError> {
    static INSTALLED: OnceLock<Result<(), OwnershipError>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| identity()?.install().map(drop))
        .clone()
}

/// Creates the service's identity tables: they come first, since the library's grant and
/// share tables reference the users and teams.
pub struct CreateIdentityTables;

impl MigrationName for CreateIdentityTables {
    fn name(&self) -> &str {
        "m20261206_000001_notes_service_identity"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdentityTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let schema = Schema::new(manager.get_database_backend());
        create(manager, &schema, users::Entity).await?;
        create(manager, &schema, api_tokens::Entity).await?;
        create(manager, &schema, workspaces::Entity).await?;
        create(manager, &schema, memberships::Entity).await?;
        create(manager, &schema, teams::Entity).await?;
        create(manager, &schema, team_members::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "team_members",
            "teams",
            "memberships",
            "workspaces",
            "api_tokens",
            "users",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Creates a table of `entity` with its indexes.
async fn create<E: EntityTrait>(
    manager: &SchemaManager<'_>,
    schema: &Schema,
    entity: E,
) -> Result<(), DbErr> {
    manager
        .create_table(schema.create_table_from_entity(entity))
        .await?;
    for index in schema.create_index_from_entity(entity) {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Creates the notes table: its owner's foreign key to the memberships, unique (owner,
/// title), the indexes the scopes read.
pub struct CreateNotes;

impl MigrationName for CreateNotes {
    fn name(&self) -> &str {
        "m20261206_000002_notes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateNotes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ownership_migration::create_owned_table(manager, notes::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ownership_migration::drop_owned_table(manager, notes::Entity).await
    }
}

/// The service's migrator. Install the identity ([`install_identity`]) before running it:
/// the library's tables take their key types from it.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let mut migrations: Vec<Box<dyn MigrationTrait>> = vec![Box::new(CreateIdentityTables)];
        migrations.extend(ownership_migration::migrations());
        migrations.push(Box::new(CreateNotes));
        migrations
    }
}
