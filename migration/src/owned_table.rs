//! Creating an application's owned table from its entity.

use ownership_core::OwnedEntity;
use ownership_core::entity::user_profile;
use sea_orm::{ConnectionTrait, DbBackend, EntityName, IdenStatic, Schema, Statement};
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
    let mut indexes = schema.create_index_from_entity(entity);
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
    let foreign_key_name = format!("fk-{}-{owner}", entity.table_name());
    // MySQL reads an unqualified table in a foreign key as one of the child table's own
    // database, and sea-query writes no other there: an entity in another database gets
    // its foreign key from `add_profile_key_across_databases` once the table exists.
    let across_databases =
        manager.get_database_backend() == DbBackend::MySql && entity.schema_name().is_some();
    if !owner_has_foreign_key && !across_databases {
        table.foreign_key(
            ForeignKey::create()
                .name(&foreign_key_name)
                .from(entity.table_ref(), E::owner_column())
                .to(user_profile::Entity, user_profile::Column::Id)
                .on_delete(ForeignKeyAction::Restrict)
                .on_update(ForeignKeyAction::Restrict),
        );
    }

    indexes.push(
        Index::create()
            .name(format!("idx-{}-{owner}-id", entity.table_name()))
            .col(E::owner_column())
            .col(E::id_column())
            .to_owned(),
    );
    // MySQL gets the indexes inside `CREATE TABLE`: sea-query writes no database on the
    // table of a MySQL `CREATE INDEX`, which would put an index of an entity in another
    // database on a table of the same name in the connection's.
    let inline_indexes = manager.get_database_backend() == DbBackend::MySql;
    if inline_indexes {
        for index in &mut indexes {
            table.index(index);
        }
    }

    for enum_type in schema.create_enum_from_entity(entity) {
        manager.create_type(enum_type).await?;
    }
    manager.create_table(table).await?;
    if !owner_has_foreign_key && across_databases {
        add_profile_key_across_databases(manager, entity, owner, &foreign_key_name).await?;
    }
    if !inline_indexes {
        for mut index in indexes {
            index.table(index_table(manager, entity));
            manager.create_index(index).await?;
        }
    }
    Ok(())
}

/// On MySQL, the owner's foreign key from a table in another database to the profile table
/// in the connection's database, written out since sea-query names no database there.
/// Every name comes from the entity or the server, and is quoted.
async fn add_profile_key_across_databases<E: EntityName>(
    manager: &SchemaManager<'_>,
    entity: E,
    owner: &str,
    name: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let current = db
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT DATABASE()",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("SELECT DATABASE() returned no row".to_owned()))?;
    let database: String = current.try_get_by_index(0)?;
    let quoted = |name: &str| format!("`{}`", name.replace('`', "``"));
    let sql = format!(
        "ALTER TABLE {}.{} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}.{} ({}) \
         ON DELETE RESTRICT ON UPDATE RESTRICT",
        quoted(entity.schema_name().unwrap_or_default()),
        quoted(entity.table_name()),
        quoted(name),
        quoted(owner),
        quoted(&database),
        quoted(user_profile::Entity.table_name()),
        quoted(user_profile::Column::Id.as_str()),
    );
    db.execute_unprepared(&sql).await?;
    Ok(())
}

/// The table an index of `entity` goes on: qualified by the entity's schema on PostgreSQL,
/// so it lands on the entity's table and not on one of the same name on the search path;
/// SQLite's `CREATE INDEX` names the schema on the index, not on the table.
fn index_table<E: EntityName>(manager: &SchemaManager<'_>, entity: E) -> TableRef {
    match manager.get_database_backend() {
        DbBackend::Postgres => entity.table_ref(),
        _ => entity.into_table_ref(),
    }
}

/// Drops the table of an owned entity (the reverse of [`create_owned_table`]).
pub async fn drop_owned_table<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(entity.table_ref()).to_owned())
        .await
}
