//! Creating an application's owned table from its entity.

use ownership_core::OwnedEntity;
use ownership_core::entity::user_profile;
use sea_orm::{IdenStatic, Schema};
use sea_orm_migration::prelude::*;

/// Creates the table of an owned entity with its indexes, from the entity.
///
/// - The unique (owner, name) index comes from the entity's shared `unique_key`, so it has
///   the name `schema sync` expects and sync never drops it.
/// - An index on (owner, id) gives the scopes the ids a set of owners own from the index
///   alone. It is not a unique key, so entity-first schema sync leaves it alone (and does
///   not create it: a table created by sync lacks it).
/// - Unless the entity's `Relation` already declares a foreign key on the owner column, a
///   foreign key to `ownership_user_profile` is added with `ON DELETE RESTRICT`: a profile
///   that still owns rows cannot be deleted (nor its user or account), so no row is lost
///   and none is left without an owner.
///
/// ```no_run
/// # mod document {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
/// #     #[sea_orm(table_name = "document")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub user_profile_id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub name: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use ownership_migration::sea_orm_migration::prelude::*;
///
/// #[derive(DeriveMigrationName)]
/// pub struct Migration;
///
/// #[async_trait::async_trait]
/// impl MigrationTrait for Migration {
///     async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
///         ownership_migration::create_owned_table(manager, document::Entity).await
///     }
///
///     async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
///         ownership_migration::drop_owned_table(manager, document::Entity).await
///     }
/// }
/// ```
pub async fn create_owned_table<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let schema = Schema::new(manager.get_database_backend());
    let owner = E::owner_column().as_str();
    let indexes = schema.create_index_from_entity(entity);
    let unique_index = E::owner_name_index();
    if !indexes
        .iter()
        .any(|index| index.get_index_spec().get_name() == Some(unique_index.as_str()))
    {
        return Err(DbErr::Custom(format!(
            "{}: no unique key `{}` on the owner and name columns; declare \
             #[sea_orm(unique_key = \"{}\")] on both fields",
            E::MODEL_NAME,
            E::OWNER_NAME_KEY,
            E::OWNER_NAME_KEY
        )));
    }

    let mut table = schema.create_table_from_entity(entity);
    let owner_has_foreign_key = table
        .get_foreign_key_create_stmts()
        .iter()
        .any(|fk| fk.get_foreign_key().get_columns() == [owner]);
    if !owner_has_foreign_key {
        table.foreign_key(
            ForeignKey::create()
                .name(format!("fk-{}-{owner}", entity.table_name()))
                .from(entity, E::owner_column())
                .to(user_profile::Entity, user_profile::Column::Id)
                .on_delete(ForeignKeyAction::Restrict)
                .on_update(ForeignKeyAction::Restrict),
        );
    }

    for enum_type in schema.create_enum_from_entity(entity) {
        manager.create_type(enum_type).await?;
    }
    manager.create_table(table).await?;
    for index in indexes {
        manager.create_index(index).await?;
    }
    manager
        .create_index(
            Index::create()
                .name(format!("idx-{}-{owner}-id", entity.table_name()))
                .table(entity)
                .col(E::owner_column())
                .col(E::id_column())
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// Drops the table of an owned entity (the reverse of [`create_owned_table`]).
pub async fn drop_owned_table<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(entity).to_owned())
        .await
}
