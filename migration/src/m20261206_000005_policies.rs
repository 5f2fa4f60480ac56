//! The tables of policies: the policies (name and body), their principals (a user, or the
//! anonymous principal, with the stamp that dates the principal's list) and each
//! principal's ordered list of assigned policies with their variables' values.

use ownership_core::Identity;
use ownership_core::entity::{policy, policy_assignment, policy_principal};
use sea_orm::{DbBackend, EntityName, Schema};
use sea_orm_migration::prelude::*;

use crate::m20261122_000002_permissions::exact_collation;
use crate::{create_from_entity, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        create_from_entity(manager, policy::Entity).await?;
        if backend == DbBackend::MySql {
            // Policy names match exactly, as permission names do.
            let collation = exact_collation(manager).await?;
            let mut name = ColumnDef::new(policy::Column::Name);
            name.custom(Alias::new(format!(
                "varchar(255) CHARACTER SET utf8mb4 COLLATE {collation}"
            )))
            .not_null();
            manager
                .alter_table(
                    Table::alter()
                        .table(policy::Entity)
                        .modify_column(name)
                        .to_owned(),
                )
                .await?;
        }

        // The principal's user column has the identity's user key type and references its
        // key, whatever the identity in use.
        let users = Identity::current().user_id_column();
        let schema = Schema::new(backend);
        let table_name = policy_principal::Entity.table_name();
        let user_id = policy_principal::Column::UserId;
        let anonymous = policy_principal::Column::Anonymous;
        let mut principals = Table::create();
        principals
            .table(policy_principal::Entity)
            .col(schema.get_column_def::<policy_principal::Entity>(policy_principal::Column::Id))
            .col(
                ColumnDef::new_with_type(user_id, users.column_type.clone())
                    .null()
                    .unique_key(),
            )
            .col(schema.get_column_def::<policy_principal::Entity>(anonymous))
            .col(schema.get_column_def::<policy_principal::Entity>(policy_principal::Column::Stamp))
            .foreign_key(
                ForeignKey::create()
                    .name(format!("fk-{table_name}-user_id"))
                    .from(policy_principal::Entity, user_id)
                    .to(users.table, users.column)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Cascade),
            );
        if backend != DbBackend::MySql {
            // A user's principal, or the anonymous one (at most one: the flag is unique and
            // only ever TRUE). MariaDB refuses a check on a column whose foreign key
            // cascades; there the library's writes, which set one or the other, are the
            // guard.
            principals.check(
                Expr::col(user_id)
                    .is_null()
                    .and(Expr::col(anonymous).eq(true))
                    .or(Expr::col(user_id)
                        .is_not_null()
                        .and(Expr::col(anonymous).is_null())),
            );
        }
        manager.create_table(principals).await?;
        create_from_entity(manager, policy_assignment::Entity).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                policy_assignment::Entity.into_table_ref(),
                policy_principal::Entity.into_table_ref(),
                policy::Entity.into_table_ref(),
            ],
        )
        .await
    }
}
