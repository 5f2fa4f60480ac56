//! The tables of permissions on whole models and on everything, and of their grants to users
//! and groups. Grants on single objects live in each owned entity's own grant tables
//! (`create_owned_table`).

use ownership_core::entity::{permission, permission_group, permission_user};
use ownership_core::{Identity, KeyColumn};
use sea_orm::{DbBackend, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, Schema};
use sea_orm_migration::prelude::*;

use crate::{create_from_entity, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_from_entity(manager, permission::Entity).await?;
        let identity = Identity::current();
        create_grantee_table(
            manager,
            permission_user::Entity,
            permission_user::Column::UserId,
            identity.user_id_column(),
        )
        .await?;
        create_grantee_table(
            manager,
            permission_group::Entity,
            permission_group::Column::GroupId,
            identity.group_id_column(),
        )
        .await?;
        if manager.get_database_backend() == DbBackend::MySql {
            // MySQL compares text by the column's collation, by default case-, accent- and
            // trailing-space-insensitive: `View` and `view ` would be `view`. Names match
            // exactly on every backend.
            let collation = exact_collation(manager).await?;
            let column_type = format!("varchar(255) CHARACTER SET utf8mb4 COLLATE {collation}");
            for (table, column, nullable) in [
                (
                    permission::Entity.into_iden(),
                    permission::Column::Name.into_iden(),
                    false,
                ),
                (
                    permission::Entity.into_iden(),
                    permission::Column::ModelName.into_iden(),
                    true,
                ),
                (
                    permission::Entity.into_iden(),
                    permission::Column::ModelKey.into_iden(),
                    false,
                ),
                (
                    permission_user::Entity.into_iden(),
                    permission_user::Column::Name.into_iden(),
                    false,
                ),
                (
                    permission_user::Entity.into_iden(),
                    permission_user::Column::ModelKey.into_iden(),
                    false,
                ),
                (
                    permission_group::Entity.into_iden(),
                    permission_group::Column::Name.into_iden(),
                    false,
                ),
                (
                    permission_group::Entity.into_iden(),
                    permission_group::Column::ModelKey.into_iden(),
                    false,
                ),
            ] {
                let mut column = ColumnDef::new(column);
                column.custom(Alias::new(column_type.clone()));
                if nullable {
                    column.null();
                } else {
                    column.not_null();
                }
                manager
                    .alter_table(Table::alter().table(table).modify_column(column).to_owned())
                    .await?;
            }
        }
        // After the collation change, which would rebuild them on MySQL.
        for index in grant_indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                permission_group::Entity.into_table_ref(),
                permission_user::Entity.into_table_ref(),
                permission::Entity.into_table_ref(),
            ],
        )
        .await
    }
}

/// Creates a table of grants on whole models to users or groups: the entity's columns, but
/// the grantee column of the identity's key type and referencing its key column, whatever
/// the identity in use (the embedded tables, or the application's own).
async fn create_grantee_table<E: EntityTrait>(
    manager: &SchemaManager<'_>,
    entity: E,
    grantee: E::Column,
    grantees: KeyColumn,
) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    let table_name = entity.table_name();
    let mut table = Table::create();
    table.table(entity);
    let mut key = Index::create();
    for column in E::Column::iter() {
        if column.as_str() == grantee.as_str() {
            table.col(ColumnDef::new_with_type(grantee, grantees.column_type.clone()).not_null());
        } else {
            table.col(schema.get_column_def::<E>(column));
        }
    }
    for column in E::PrimaryKey::iter() {
        key.col(column.into_column());
    }
    table
        .primary_key(&mut key)
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk-{table_name}-permission_id"))
                .from(entity, Alias::new("permission_id"))
                .to(permission::Entity, permission::Column::Id)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk-{table_name}-{}", grantee.as_str()))
                .from(entity, grantee)
                .to(grantees.table, grantees.column)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade),
        );
    manager.create_table(table).await
}

/// The indexes the scopes and holder questions read grants through, on both grant tables:
/// `(grantee, model_key, name)` gives what a user or group holds on a model, or on every
/// model, with one probe; `(model_key, name, grantee)` gives the holders of a permission.
///
/// Not unique keys, so entity-first schema sync (which drops undeclared unique indexes
/// only) leaves them alone.
fn grant_indexes() -> Vec<IndexCreateStatement> {
    let index = |table: &DynIden, name: &str, columns: [&DynIden; 3]| {
        let mut index = Index::create();
        index
            .name(format!("idx-{table}-{name}"))
            .table(table.clone());
        for column in columns {
            index.col(column.clone());
        }
        index.to_owned()
    };
    // (table, grantee, name, model key) of each grant table.
    let tables = [
        (
            permission_user::Entity.into_iden(),
            permission_user::Column::UserId.into_iden(),
            permission_user::Column::Name.into_iden(),
            permission_user::Column::ModelKey.into_iden(),
        ),
        (
            permission_group::Entity.into_iden(),
            permission_group::Column::GroupId.into_iden(),
            permission_group::Column::Name.into_iden(),
            permission_group::Column::ModelKey.into_iden(),
        ),
    ];
    tables
        .iter()
        .flat_map(|(table, grantee, name, model_key)| {
            [
                index(table, "held", [grantee, model_key, name]),
                index(table, "holders", [model_key, name, grantee]),
            ]
        })
        .collect()
}

/// A binary collation that also tells trailing spaces apart: MariaDB's `utf8mb4_nopad_bin`,
/// MySQL 8's `utf8mb4_0900_bin`, else `utf8mb4_bin` (binary, but padding).
pub(crate) async fn exact_collation(manager: &SchemaManager<'_>) -> Result<&'static str, DbErr> {
    const PREFERRED: [&str; 3] = ["utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin"];
    let available = Query::select()
        .column("COLLATION_NAME")
        .from(("information_schema", "COLLATIONS"))
        .and_where(Expr::col("COLLATION_NAME").is_in(PREFERRED))
        .to_owned();
    let rows = manager.get_connection().query_all(&available).await?;
    let mut names = Vec::new();
    for row in rows {
        names.push(row.try_get_by_index::<String>(0)?);
    }
    Ok(PREFERRED
        .into_iter()
        .find(|preferred| names.iter().any(|name| name == preferred))
        .unwrap_or("utf8mb4_bin"))
}
