//! The table of ACL templates: grants made on every object a user, or a member of a group,
//! creates through the library.

use ownership_core::entity::acl_template::{Column, Entity};
use ownership_core::{Identity, KeyColumn};
use sea_orm::{DbBackend, EntityName, IdenStatic, Schema};
use sea_orm_migration::prelude::*;

use crate::m20261122_000002_permissions::exact_collation;
use crate::{create_with_indexes, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let schema = Schema::new(backend);
        let identity = Identity::current();
        let table_name = Entity.table_name();
        let mut table = Table::create();
        table
            .table(Entity)
            .col(schema.get_column_def::<Entity>(Column::Id))
            .col(schema.get_column_def::<Entity>(Column::OwnerType))
            .col(schema.get_column_def::<Entity>(Column::TargetType))
            .col(schema.get_column_def::<Entity>(Column::Level));
        let model_name = if backend == DbBackend::MySql {
            // Model names match exactly, as permission names do.
            let collation = exact_collation(manager).await?;
            let mut column = ColumnDef::new(Column::ModelName);
            column
                .custom(Alias::new(format!(
                    "varchar(150) CHARACTER SET utf8mb4 COLLATE {collation}"
                )))
                .null();
            column
        } else {
            schema.get_column_def::<Entity>(Column::ModelName)
        };
        table.col(model_name);
        // The grantee columns have the identity's key types and reference its keys,
        // whatever the identity in use; deleting a user or a group deletes its templates.
        for (column, grantees) in [
            (Column::OwnerUserId, identity.user_id_column()),
            (Column::OwnerGroupId, identity.group_id_column()),
            (Column::TargetUserId, identity.user_id_column()),
            (Column::TargetGroupId, identity.group_id_column()),
        ] {
            let KeyColumn {
                table: grantee_table,
                column: grantee_column,
                column_type,
            } = grantees;
            table
                .col(ColumnDef::new_with_type(column, column_type).null())
                .foreign_key(
                    ForeignKey::create()
                        .name(format!("fk-{table_name}-{}", column.as_str()))
                        .from(Entity, column)
                        .to(grantee_table, grantee_column)
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::Cascade),
                );
        }
        table.check(Expr::col(Column::Level).is_in(["view", "edit", "all"]));
        if backend != DbBackend::MySql {
            // One owner and one target each. MariaDB refuses a check on a column whose
            // foreign key cascades; there the library's writes, which set one column of
            // each pair, are the guard.
            for (user, group) in [
                (Column::OwnerUserId, Column::OwnerGroupId),
                (Column::TargetUserId, Column::TargetGroupId),
            ] {
                table.check(
                    Expr::col(user)
                        .is_null()
                        .and(Expr::col(group).is_not_null())
                        .or(Expr::col(user)
                            .is_not_null()
                            .and(Expr::col(group).is_null())),
                );
            }
        }
        create_with_indexes(manager, table, Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [Entity.into_table_ref()]).await
    }
}
