//! Creating an application's owned table from its entity.

use ownership_core::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use ownership_core::{Identity, OwnedEntity, PathSegment};
use sea_orm::{ColumnTrait, ColumnType, DbBackend, EntityName, IdenStatic, Schema};
use sea_orm_migration::prelude::*;

use crate::m20261122_000002_permissions::exact_collation;
use crate::share_tables::{create_share_tables, drop_share_tables};
use crate::table_parts::{
    add_key_across_databases, name_column_type, referenced_table, unqualified,
};

/// Creates the table of an owned entity with its indexes, from the entity, its grant
/// tables ([`create_grant_tables`]) and, for an entity that declares root grants
/// (`#[owned(share(..))]`), its share tables ([`create_share_tables`]).
///
/// - The unique (owner, name) index comes from the entity's shared `unique_key`, so it has
///   the name `schema sync` expects and sync never drops it.
/// - An index on (owner, id) gives the scopes the ids a set of owners own from the index
///   alone. It is not a unique key, so entity-first schema sync leaves it alone (and does
///   not create it: a table created by sync lacks it).
/// - Unless the entity's `Relation` already declares a foreign key on the owner column, a
///   foreign key to the identity's profiles (`ownership_user_profile` by default) is added
///   with `ON DELETE RESTRICT`: a profile that still owns rows cannot be deleted (nor its
///   user or account), so no row is lost and none is left without an owner. A foreign key
///   the entity declares on its owner column to another table is an error.
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
    let profiles = Identity::current().profile_id_column();
    let declared_owner_key = table
        .get_foreign_key_create_stmts()
        .iter()
        .find(|fk| fk.get_foreign_key().get_columns() == [owner])
        .and_then(|fk| fk.get_foreign_key().get_ref_table().map(unqualified));
    // A foreign key the entity declares on its owner must reference the profiles the
    // scopes read, or the database would check owners against another table.
    if let Some(referenced) = &declared_owner_key
        && *referenced != unqualified(&profiles.table)
    {
        return Err(DbErr::Custom(format!(
            "{}: the owner column `{owner}` references `{referenced}`, but the identity's \
             profiles are `{}`; point the relation at the profiles' entity",
            E::MODEL_NAME,
            unqualified(&profiles.table),
        )));
    }
    let owner_has_foreign_key = declared_owner_key.is_some();
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
                .to(profiles.table.clone(), profiles.column.clone())
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
    if manager.get_database_backend() == DbBackend::MySql {
        exact_path_columns(manager, entity).await?;
    }
    if !owner_has_foreign_key && across_databases {
        add_key_across_databases(
            manager,
            &entity.table_ref(),
            owner,
            &foreign_key_name,
            &unqualified(&profiles.table),
            &profiles.column.to_string(),
            "RESTRICT",
        )
        .await?;
    }
    if !inline_indexes {
        for mut index in indexes {
            index.table(index_table(manager, entity));
            manager.create_index(index).await?;
        }
    }
    create_grant_tables(manager, entity).await?;
    if !E::SHARE_ROOT.is_empty() {
        create_share_tables(manager, entity).await?;
    }
    Ok(())
}

/// On MySQL, gives the text columns of the entity's policy path an exact collation: a
/// policy's literal `acme` must name `acme`, not `Acme` or `acme ` as MySQL's default
/// collations would have it (PostgreSQL and SQLite compare text exactly).
async fn exact_path_columns<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let columns: Vec<E::Column> = E::policy_path()
        .iter()
        .filter_map(|segment| match segment {
            PathSegment::Column(column) => Some(*column),
            PathSegment::Literal(_) => None,
        })
        .collect();
    if columns.is_empty() {
        return Ok(());
    }
    let collation = exact_collation(manager).await?;
    for column in columns {
        let def = column.def();
        let sql_type = match def.get_column_type() {
            ColumnType::String(StringLen::N(length)) => format!("varchar({length})"),
            ColumnType::String(_) => "varchar(255)".to_owned(),
            ColumnType::Char(length) => format!("char({})", length.unwrap_or(1)),
            ColumnType::Text => "text".to_owned(),
            _ => continue,
        };
        let mut exact = ColumnDef::new(column);
        exact.custom(Alias::new(format!(
            "{sql_type} CHARACTER SET utf8mb4 COLLATE {collation}"
        )));
        if def.is_null() {
            exact.null();
        } else {
            exact.not_null();
        }
        manager
            .alter_table(
                Table::alter()
                    .table(entity.table_ref())
                    .modify_column(exact)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// Creates the tables of grants on single rows of an owned entity, for a table the
/// application creates itself ([`create_owned_table`] calls it): `<table>_user_grant` and
/// `<table>_group_grant`, in the entity's schema, laid out as
/// [`ownership_core::entity::object_grant`] describes.
///
/// Each grant row references its object with `ON DELETE CASCADE`, so the database deletes
/// an object's grants with the object, whatever deletes it, and a new row given the same
/// id inherits none; and its user or group (of the identity in use) the same way. The
/// object column takes the type of the entity's primary key, the grantee columns those of
/// the user and group keys, so ids are compared in their own type.
pub async fn create_grant_tables<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    // On MySQL a foreign key names no database (sea-query writes none there), so one to
    // the plugin's tables from an entity in another database is added once the table exists.
    let across_databases = backend == DbBackend::MySql && entity.schema_name().is_some();
    let name_type = name_column_type(manager).await?;
    let identity = Identity::current();
    for (grant_table, grantee, grantees) in [
        (E::user_grant_table(), USER_ID, identity.user_id_column()),
        (E::group_grant_table(), GROUP_ID, identity.group_id_column()),
    ] {
        let table_name = unqualified(&grant_table);
        let mut table = Table::create();
        table
            .table(grant_table.clone())
            .col(ColumnDef::new_with_type(grantee, grantees.column_type.clone()).not_null())
            .col(ColumnDef::new_with_type(NAME, name_type.clone()).not_null())
            .col(
                ColumnDef::new_with_type(OBJECT_ID, E::id_column().def().get_column_type().clone())
                    .not_null(),
            )
            .primary_key(Index::create().col(grantee).col(NAME).col(OBJECT_ID))
            .foreign_key(
                ForeignKey::create()
                    .name(format!("fk-{table_name}-{OBJECT_ID}"))
                    .from(grant_table.clone(), OBJECT_ID)
                    .to(referenced_table(backend, entity), E::id_column())
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Cascade),
            );
        let grantee_key_name = format!("fk-{table_name}-{grantee}");
        if !across_databases {
            table.foreign_key(
                ForeignKey::create()
                    .name(&grantee_key_name)
                    .from(grant_table.clone(), grantee)
                    .to(grantees.table.clone(), grantees.column.clone())
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::Cascade),
            );
        }
        // Who holds what on an object; also what the cascade from the object reads.
        let mut by_object = Index::create();
        by_object
            .name(format!("idx-{table_name}-object"))
            .col(OBJECT_ID)
            .col(NAME)
            .col(grantee);
        if backend == DbBackend::MySql {
            table.index(&mut by_object);
        }
        manager.create_table(table).await?;
        if across_databases {
            add_key_across_databases(
                manager,
                &grant_table,
                grantee,
                &grantee_key_name,
                &unqualified(&grantees.table),
                &grantees.column.to_string(),
                "CASCADE",
            )
            .await?;
        }
        if backend != DbBackend::MySql {
            by_object.table(match backend {
                DbBackend::Postgres => grant_table,
                _ => table_name.into_table_ref(),
            });
            manager.create_index(by_object).await?;
        }
    }
    Ok(())
}

/// Drops the grant tables of an owned entity (the reverse of [`create_grant_tables`]).
pub async fn drop_grant_tables<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    _entity: E,
) -> Result<(), DbErr> {
    for table in [E::group_grant_table(), E::user_grant_table()] {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
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

/// Drops the table of an owned entity, its grant tables and its share tables (the reverse of
/// [`create_owned_table`]).
pub async fn drop_owned_table<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    if !E::SHARE_ROOT.is_empty() {
        drop_share_tables(manager, entity).await?;
    }
    drop_grant_tables(manager, entity).await?;
    manager
        .drop_table(Table::drop().table(entity.table_ref()).to_owned())
        .await
}
