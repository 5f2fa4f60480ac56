//! The audit trail's table: one row per grantee and object of each grant, revocation,
//! share, policy and ACL-template change made through the library.

use ownership_core::Identity;
use ownership_core::entity::audit::{
    ACTION, ACTION_CHARS, ACTOR_USER_ID, AT_MS, DETAIL, GRANTEE_GROUP_ID, GRANTEE_TYPE,
    GRANTEE_TYPE_CHARS, GRANTEE_USER_ID, ID, MODEL_NAME, MODEL_NAME_CHARS, NAMES, OBJECT_ID,
    OBJECT_ID_CHARS, TABLE,
};
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

use crate::drop_tables;
use crate::m20261122_000002_permissions::exact_collation;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let identity = Identity::current();
        // Model names and object keys match exactly, as permission names do; the names and
        // the detail (a policy's body) may outgrow MySQL's 64 KB `TEXT`.
        let (exact, long_text) = if backend == DbBackend::MySql {
            let collation = exact_collation(manager).await?;
            (
                format!(" CHARACTER SET utf8mb4 COLLATE {collation}"),
                ColumnType::custom("mediumtext"),
            )
        } else {
            (String::new(), ColumnType::Text)
        };
        let exact_text = |column: &'static str, chars: u32| {
            let mut def = ColumnDef::new(column);
            if exact.is_empty() {
                def.string_len(chars);
            } else {
                def.custom(Alias::new(format!("varchar({chars}){exact}")));
            }
            def.null().to_owned()
        };
        // The user and group columns have the identity's key types, and no foreign key:
        // the trail outlives the users and groups it names.
        let table = Table::create()
            .table(TABLE)
            .col(
                ColumnDef::new(ID)
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(ColumnDef::new(AT_MS).big_integer().not_null())
            .col(
                ColumnDef::new_with_type(ACTOR_USER_ID, identity.user_id_column().column_type)
                    .null(),
            )
            .col(ColumnDef::new(ACTION).string_len(ACTION_CHARS).not_null())
            .col(exact_text(MODEL_NAME, MODEL_NAME_CHARS))
            .col(exact_text(OBJECT_ID, OBJECT_ID_CHARS))
            .col(
                ColumnDef::new(GRANTEE_TYPE)
                    .string_len(GRANTEE_TYPE_CHARS)
                    .null(),
            )
            .col(
                ColumnDef::new_with_type(GRANTEE_USER_ID, identity.user_id_column().column_type)
                    .null(),
            )
            .col(
                ColumnDef::new_with_type(GRANTEE_GROUP_ID, identity.group_id_column().column_type)
                    .null(),
            )
            .col(ColumnDef::new_with_type(NAMES, long_text.clone()).not_null())
            .col(ColumnDef::new_with_type(DETAIL, long_text).null())
            .to_owned();
        manager.create_table(table).await?;
        // Each history is read newest first from one index range.
        for (name, columns) in [
            ("object", vec![MODEL_NAME, OBJECT_ID, ID]),
            ("actor", vec![ACTOR_USER_ID, ID]),
            ("grantee_user", vec![GRANTEE_USER_ID, ID]),
        ] {
            let mut index = Index::create();
            index.name(format!("idx-{TABLE}-{name}")).table(TABLE);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [TABLE.into_table_ref()]).await
    }
}
