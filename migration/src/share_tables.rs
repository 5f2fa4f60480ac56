//! Creating the share tables of an owned entity that declares root grants.

use ownership_core::entity::object_share::{
    DEPTH, EMITTER_ID, EXPIRES_UNIX_MS, ID, NAME, OBJECT_ID, ORIGIN_ID, RECEIVER_GROUP_ID,
    RECEIVER_USER_ID, SHARE_ID, TO_ANYONE, UUID,
};
use ownership_core::{Identity, KeyColumn, OwnedEntity};
use sea_orm::{ColumnTrait, DbBackend};
use sea_orm_migration::prelude::*;

use crate::table_parts::{
    add_key_across_databases, name_column_type, referenced_table, unqualified,
};

/// Creates the share tables of an owned entity, for a table the application creates itself
/// ([`create_owned_table`](crate::create_owned_table) calls it for an entity with root
/// grants): `<table>_share` and `<table>_share_name`, in the entity's schema, laid out as
/// [`ownership_core::entity::object_share`] describes.
///
/// The cascades are the revocation: a share references its object, its origin share, its
/// emitter and its receiver (of the identity in use) with `ON DELETE CASCADE`, and a name
/// row its share, so deleting an object, a share, a user or a group deletes every share
/// passed on from it, at every depth, whatever deletes it.
pub async fn create_share_tables<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    entity: E,
) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    // As for the grant tables: on MySQL a foreign key to the identity's tables from an entity
    // in another database is added once the table exists.
    let across_databases = backend == DbBackend::MySql && entity.schema_name().is_some();
    let identity = Identity::current();
    let shares = E::share_table();
    let shares_name = unqualified(&shares);
    let same_database = |table: &TableRef| match backend {
        DbBackend::MySql => unqualified(table).into_table_ref(),
        _ => table.clone(),
    };

    let mut table = Table::create();
    table
        .table(shares.clone())
        .col(
            ColumnDef::new(ID)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(UUID).uuid().not_null())
        .col(ColumnDef::new(ORIGIN_ID).big_integer().null())
        .col(
            ColumnDef::new_with_type(EMITTER_ID, identity.user_id_column().column_type).not_null(),
        );
    for column in addressing_columns::<E>(identity) {
        table.col(column);
    }
    // The row's key and the identity's keys, in the share and in each of its name rows:
    // a deleted row, user or group deletes both, and a changed key changes both, so a name
    // row never keeps a key its share no longer has.
    let cascading = |from: &TableRef, column: &str, to: TableRef, to_column: DynIden| {
        ForeignKey::create()
            .name(format!("fk-{}-{column}", unqualified(from)))
            .from(from.clone(), column.to_owned())
            .to(to, to_column)
            .on_delete(ForeignKeyAction::Cascade)
            .on_update(ForeignKeyAction::Cascade)
            .to_owned()
    };
    let object_key = |from: &TableRef| {
        cascading(
            from,
            OBJECT_ID,
            referenced_table(backend, entity),
            E::id_column().into_iden(),
        )
    };
    table.foreign_key(&mut object_key(&shares)).foreign_key(
        ForeignKey::create()
            .name(format!("fk-{shares_name}-{ORIGIN_ID}"))
            .from(shares.clone(), ORIGIN_ID)
            .to(same_database(&shares), ID)
            .on_delete(ForeignKeyAction::Cascade)
            .on_update(ForeignKeyAction::Cascade),
    );
    if backend != DbBackend::MySql {
        // A share is to a user, to a group, or (neither, and flagged) to anyone: never to
        // both. MariaDB refuses a check on a column whose foreign key cascades; there the
        // library's writes, which name one receiver, are the only guard, and the scopes
        // read a share with anyone only when its flag and its receivers agree.
        let no_receiver = Expr::col(RECEIVER_USER_ID)
            .is_null()
            .and(Expr::col(RECEIVER_GROUP_ID).is_null());
        table
            .check(
                Expr::col(RECEIVER_USER_ID)
                    .is_null()
                    .or(Expr::col(RECEIVER_GROUP_ID).is_null()),
            )
            .check(Expr::col(TO_ANYONE).eq(no_receiver));
    }
    let receiver_keys: [(&str, KeyColumn); 2] = [
        (RECEIVER_USER_ID, identity.user_id_column()),
        (RECEIVER_GROUP_ID, identity.group_id_column()),
    ];
    let share_identity_keys: Vec<(&str, KeyColumn)> = [(EMITTER_ID, identity.user_id_column())]
        .into_iter()
        .chain(receiver_keys.iter().cloned())
        .collect();
    if !across_databases {
        for (column, referenced) in &share_identity_keys {
            table.foreign_key(&mut cascading(
                &shares,
                column,
                referenced.table.clone(),
                referenced.column.clone(),
            ));
        }
    }
    let index = |table: &str, suffix: &str, columns: &[&'static str]| {
        let mut index = Index::create();
        index.name(format!("idx-{table}-{suffix}"));
        for column in columns {
            index.col(*column);
        }
        index
    };
    let mut indexes = vec![
        // The public handle.
        index(&shares_name, "uuid", &[UUID]).unique().to_owned(),
        // The cascades from a deleted receiving user or group.
        index(
            &shares_name,
            "receiver",
            &[RECEIVER_USER_ID, RECEIVER_GROUP_ID],
        ),
        index(&shares_name, "receiver-group", &[RECEIVER_GROUP_ID]),
        // An object's shares, and the cascade from the object.
        index(&shares_name, "object", &[OBJECT_ID, ORIGIN_ID]),
        // What was passed on from a share, and the cascade from it.
        index(&shares_name, "origin", &[ORIGIN_ID]),
        // The cascade from a deleted user who made shares.
        index(&shares_name, "emitter", &[EMITTER_ID]),
    ];
    let inline_indexes = backend == DbBackend::MySql;
    if inline_indexes {
        for index in &mut indexes {
            table.index(index);
        }
    }
    manager.create_table(table).await?;
    if across_databases {
        add_identity_keys(manager, &shares, &share_identity_keys).await?;
    }
    if !inline_indexes {
        for mut index in indexes {
            index.table(index_table(backend, &shares));
            manager.create_index(index).await?;
        }
    }

    // A name row repeats what the scopes ask of its share (the row, the receiver, the
    // expiry), which never changes once written: a scope's share arm is then one range of
    // one index, like a grant list, with no join to the shares to plan and run.
    let names = E::share_name_table();
    let names_name = unqualified(&names);
    let mut names_table = Table::create();
    names_table
        .table(names.clone())
        .col(ColumnDef::new(SHARE_ID).big_integer().not_null())
        .col(ColumnDef::new_with_type(NAME, name_column_type(manager).await?).not_null())
        .col(ColumnDef::new(DEPTH).integer().not_null());
    for column in addressing_columns::<E>(identity) {
        names_table.col(column);
    }
    names_table
        .primary_key(Index::create().col(SHARE_ID).col(NAME))
        .foreign_key(&mut object_key(&names))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk-{names_name}-{SHARE_ID}"))
                .from(names.clone(), SHARE_ID)
                .to(same_database(&shares), ID)
                .on_delete(ForeignKeyAction::Cascade)
                .on_update(ForeignKeyAction::Cascade),
        );
    if !across_databases {
        for (column, referenced) in &receiver_keys {
            names_table.foreign_key(&mut cascading(
                &names,
                column,
                referenced.table.clone(),
                referenced.column.clone(),
            ));
        }
    }
    let mut name_indexes = vec![
        // The cascades from the row.
        index(&names_name, "object", &[OBJECT_ID]),
        // The rows shared with a user (its group NULL) or with anyone (both NULL), and with
        // a group, each in id order, with the names and expiries a scope filters on: the
        // receiver's candidates are one range, read from the index alone.
        index(
            &names_name,
            "receiver",
            &[
                RECEIVER_USER_ID,
                RECEIVER_GROUP_ID,
                OBJECT_ID,
                NAME,
                EXPIRES_UNIX_MS,
            ],
        ),
        index(
            &names_name,
            "receiver-group",
            &[RECEIVER_GROUP_ID, OBJECT_ID, NAME, EXPIRES_UNIX_MS],
        ),
    ];
    if inline_indexes {
        for index in &mut name_indexes {
            names_table.index(index);
        }
    }
    manager.create_table(names_table).await?;
    if across_databases {
        add_identity_keys(manager, &names, &receiver_keys).await?;
    }
    if !inline_indexes {
        for mut index in name_indexes {
            index.table(index_table(backend, &names));
            manager.create_index(index).await?;
        }
    }
    Ok(())
}

/// Adds `keys` (column, referenced identity key) to `table`, cascading, once the table
/// exists: on MySQL, a foreign key into another database.
async fn add_identity_keys(
    manager: &SchemaManager<'_>,
    table: &TableRef,
    keys: &[(&str, KeyColumn)],
) -> Result<(), DbErr> {
    for (column, referenced) in keys {
        add_key_across_databases(
            manager,
            table,
            column,
            &format!("fk-{}-{column}", unqualified(table)),
            &unqualified(&referenced.table),
            &referenced.column.to_string(),
            "CASCADE",
        )
        .await?;
    }
    Ok(())
}

/// The columns that say which row a share is of, to whom, and until when: a share's own, and
/// repeated in each of its name rows.
fn addressing_columns<E: OwnedEntity>(identity: &Identity) -> [ColumnDef; 5] {
    [
        ColumnDef::new_with_type(OBJECT_ID, E::id_column().def().get_column_type().clone())
            .not_null()
            .to_owned(),
        ColumnDef::new_with_type(RECEIVER_USER_ID, identity.user_id_column().column_type)
            .null()
            .to_owned(),
        ColumnDef::new_with_type(RECEIVER_GROUP_ID, identity.group_id_column().column_type)
            .null()
            .to_owned(),
        ColumnDef::new(TO_ANYONE)
            .boolean()
            .not_null()
            .default(false)
            .to_owned(),
        ColumnDef::new(EXPIRES_UNIX_MS)
            .big_integer()
            .null()
            .to_owned(),
    ]
}

/// The table a `CREATE INDEX` names: qualified on PostgreSQL, where the schema goes on the
/// table; SQLite puts it on the index instead.
fn index_table(backend: DbBackend, table: &TableRef) -> TableRef {
    match backend {
        DbBackend::Postgres => table.clone(),
        _ => unqualified(table).into_table_ref(),
    }
}

/// Drops the share tables of an owned entity (the reverse of [`create_share_tables`]).
pub async fn drop_share_tables<E: OwnedEntity>(
    manager: &SchemaManager<'_>,
    _entity: E,
) -> Result<(), DbErr> {
    for table in [E::share_name_table(), E::share_table()] {
        manager
            .drop_table(Table::drop().table(table).to_owned())
            .await?;
    }
    Ok(())
}
