//! Unique (owner, name), typed duplicate errors, clone, delete behaviour and the schema, on
//! every backend.

use std::collections::BTreeSet;

use ownership_core::entity::{account, user, user_profile};
use ownership_core::{CloneOptions, OwnedActiveModelExt, OwnedModelExt, OwnershipError};
use ownership_migration::sea_orm_migration::{MigratorTrait, SchemaManager};
use ownership_tests::entities::{document, note};
use ownership_tests::on_every_backend;
use ownership_tests::world::new_document;
use ownership_tests::world::{self, Role, SmarterWorld, ids, set};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set, SqlErr, TransactionTrait,
};

on_every_backend!(
    duplicate_name_is_a_typed_error,
    typed_errors_cross_a_transaction_closure,
    clone_picks_the_first_free_name,
    clone_skips_the_names_the_database_calls_taken,
    clone_looks_past_many_taken_names,
    clone_to_another_owner_and_version,
    deleting_an_owner_is_refused_and_loses_nothing,
    deleting_a_user_without_rows_removes_profiles_and_memberships,
    migrations_go_down_and_up_again,
    every_user_row_gets_its_own_security_stamp,
    schema_sync_declares_the_unique_index,
);

async fn duplicate_name_is_a_typed_error(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let [_, _, r1, r2] = w.profiles;
    new_document(r1, "plan").insert_owned(db).await.unwrap();
    // The same name for another owner is fine.
    let other = new_document(r2, "plan").insert_owned(db).await.unwrap();

    match new_document(r1, "plan").insert_owned(db).await {
        Err(OwnershipError::DuplicateName { model, owner, name }) => {
            assert_eq!(
                (model, owner, name.as_str()),
                ("document", r1.into(), "plan")
            );
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    // Moving a row to an owner that uses the name is the same error, on update.
    let mut moved = other.into_active_model();
    moved.user_profile_id = Set(r1);
    assert!(matches!(
        moved.update_owned(db).await,
        Err(OwnershipError::DuplicateName { owner, .. }) if owner == r1.into()
    ));
    // Other errors stay database errors: a missing owner profile violates the foreign key.
    assert!(matches!(
        new_document(i64::MAX, "orphan").insert_owned(db).await,
        Err(OwnershipError::Db(_))
    ));
    // A dense entity with its own key name and i32 id.
    let note = |title: &str| note::ActiveModel {
        author_profile_id: Set(r1),
        title: Set(title.to_owned()),
        version: Set(1),
        text: Set(String::new()),
        ..Default::default()
    };
    note("memo").insert_owned(db).await.unwrap();
    assert!(matches!(
        note("memo").insert_owned(db).await,
        Err(OwnershipError::DuplicateName { model: "notes", .. })
    ));
    assert_eq!(document::Entity::find().count(db).await.unwrap(), 6);
}

/// SeaORM's transaction closures fail with an error type of the caller's choosing; with
/// `DbErr` the library's calls still take `?`, and the typed error comes back out of the
/// `DbErr` and out of the transaction's error.
async fn typed_errors_cross_a_transaction_closure(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = w.profiles[2];
    new_document(r1, "plan").insert_owned(db).await.unwrap();
    let before = ids(db, document::Entity::find()).await;

    // A closure written for DbErr: the duplicate travels inside it, and everything the
    // closure wrote is rolled back.
    let failed = db
        .transaction::<_, (), DbErr>(move |txn| {
            Box::pin(async move {
                new_document(r1, "draft").insert_owned(txn).await?;
                new_document(r1, "plan").insert_owned(txn).await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    match OwnershipError::from(failed) {
        OwnershipError::DuplicateName { owner, name, .. } => {
            assert_eq!((owner, name.as_str()), (r1.into(), "plan"));
        }
        other => panic!("expected DuplicateName, got {other:?}"),
    }
    assert_eq!(ids(db, document::Entity::find()).await, before);

    // A database error converted to DbErr is the driver's error as it was: a missing owner
    // profile is still a foreign-key violation to SeaORM.
    let orphan = db
        .transaction::<_, (), DbErr>(|txn| {
            Box::pin(async move {
                new_document(i64::MAX, "orphan").insert_owned(txn).await?;
                Ok(())
            })
        })
        .await
        .unwrap_err();
    let sea_orm::TransactionError::Transaction(orphan) = orphan else {
        panic!("the closure failed, not the connection: {orphan:?}");
    };
    assert!(matches!(
        orphan.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ));

    // A closure written for OwnershipError, in a handler that returns one.
    async fn rename_in_transaction(
        db: &DatabaseConnection,
        owner: i64,
    ) -> Result<document::Model, OwnershipError> {
        let renamed = db
            .transaction::<_, _, OwnershipError>(move |txn| {
                Box::pin(async move {
                    let draft = new_document(owner, "draft 2").insert_owned(txn).await?;
                    let mut draft = draft.into_active_model();
                    draft.name = Set("plan".to_owned());
                    draft.update_owned(txn).await
                })
            })
            .await?;
        Ok(renamed)
    }
    assert!(matches!(
        rename_in_transaction(db, r1).await,
        Err(OwnershipError::DuplicateName { owner, .. }) if owner == r1.into()
    ));
    assert_eq!(ids(db, document::Entity::find()).await, before);
}

async fn clone_picks_the_first_free_name(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = w.profiles[2];
    let original = new_document(r1, "100% a_b\\c")
        .insert_owned(db)
        .await
        .unwrap();
    let mut names = Vec::new();
    for _ in 0..3 {
        let clone = original.clone_owned(db, CloneOptions::new()).await.unwrap();
        assert_eq!((clone.user_profile_id, &clone.body), (r1, &original.body));
        assert_ne!(clone.id, original.id);
        names.push(clone.name);
    }
    assert_eq!(
        names,
        [
            "100% a_b\\c (clone)",
            "100% a_b\\c (clone 2)",
            "100% a_b\\c (clone 3)"
        ]
    );
    // A gap is filled first; LIKE metacharacters in the name match only themselves.
    document::Entity::delete_many()
        .filter(document::Column::Name.eq("100% a_b\\c (clone 2)"))
        .exec(db)
        .await
        .unwrap();
    new_document(r1, "100X aXb\\c (clone 2)")
        .insert_owned(db)
        .await
        .unwrap();
    let clone = original.clone_owned(db, CloneOptions::new()).await.unwrap();
    assert_eq!(clone.name, "100% a_b\\c (clone 2)");
    // A taken name given explicitly is refused, and nothing is written.
    let before = document::Entity::find().count(db).await.unwrap();
    assert!(matches!(
        original
            .clone_owned(db, CloneOptions::new().name("100% a_b\\c"))
            .await,
        Err(OwnershipError::DuplicateName { .. })
    ));
    assert_eq!(document::Entity::find().count(db).await.unwrap(), before);
    // The document entity has no version field.
    assert!(matches!(
        original
            .clone_owned(db, CloneOptions::new().version(2))
            .await,
        Err(OwnershipError::NoVersionField { model: "document" })
    ));
}

async fn clone_skips_the_names_the_database_calls_taken(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = w.profiles[2];
    // MariaDB's default collation, which its unique (owner, name) index uses, ignores
    // accents, trailing spaces and case; SQLite and PostgreSQL compare names exactly.
    let folds = db.get_database_backend() == DbBackend::MySql;
    let cases = [
        ("café", "cafe (clone)", "café (clone 2)", "café (clone)"),
        ("x", "x (clone) ", "x (clone 2)", "x (clone)"),
        ("Plan", "plan (clone)", "Plan (clone 2)", "Plan (clone)"),
    ];
    for (name, taken, folded, exact) in cases {
        new_document(r1, taken).insert_owned(db).await.unwrap();
        let original = new_document(r1, name).insert_owned(db).await.unwrap();
        let clone = original
            .clone_owned(db, CloneOptions::new())
            .await
            .unwrap_or_else(|err| panic!("clone {name:?} next to {taken:?}: {err:?}"));
        let expected = if folds { folded } else { exact };
        assert_eq!(clone.name, expected, "clone of {name:?} next to {taken:?}");
    }
}

async fn clone_looks_past_many_taken_names(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = w.profiles[2];
    let original = new_document(r1, "busy").insert_owned(db).await.unwrap();
    // More taken names than one statement asks about.
    let taken = (1..=250).map(|n| match n {
        1 => new_document(r1, "busy (clone)"),
        n => new_document(r1, &format!("busy (clone {n})")),
    });
    document::Entity::insert_many(taken).exec(db).await.unwrap();
    let clone = original.clone_owned(db, CloneOptions::new()).await.unwrap();
    assert_eq!(clone.name, "busy (clone 251)");
}

async fn clone_to_another_owner_and_version(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let [_, a1, r1, _] = w.profiles;
    let original = note::ActiveModel {
        author_profile_id: Set(r1),
        title: Set("spec".to_owned()),
        version: Set(1),
        text: Set("v1 text".to_owned()),
        ..Default::default()
    }
    .insert_owned(db)
    .await
    .unwrap();
    let options = CloneOptions::new().owner(a1.into()).name("spec").version(2);
    let clone = original.clone_owned(db, options).await.unwrap();
    assert_eq!(
        (
            clone.author_profile_id,
            clone.title.as_str(),
            clone.version,
            clone.text.as_str()
        ),
        (a1, "spec", 2, "v1 text")
    );
    let unnamed = original
        .clone_owned(db, CloneOptions::new().owner(a1.into()))
        .await
        .unwrap();
    assert_eq!(unnamed.title, "spec (clone)");
    assert_eq!(note::Entity::find().count(db).await.unwrap(), 3);
}

async fn deleting_an_owner_is_refused_and_loses_nothing(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let before = ids(db, document::Entity::find()).await;
    assert!(user::Entity::delete_by_id(w.r1).exec(db).await.is_err());
    assert!(
        user_profile::Entity::delete_by_id(w.profiles[2])
            .exec(db)
            .await
            .is_err()
    );
    assert!(
        account::Entity::delete_by_id(w.account_2)
            .exec(db)
            .await
            .is_err()
    );
    assert_eq!(ids(db, document::Entity::find()).await, before);
    assert!(
        user::Entity::find_by_id(w.r1)
            .one(db)
            .await
            .unwrap()
            .is_some()
    );
}

async fn deleting_a_user_without_rows_removes_profiles_and_memberships(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let temp = world::user(db, "temp", Role::Regular).await;
    world::profile(db, temp, w.account_1).await;
    world::group(db, "team", &[temp, w.r1]).await;
    user::Entity::delete_by_id(temp).exec(db).await.unwrap();
    let profiles = user_profile::Entity::find()
        .filter(user_profile::Column::UserId.eq(temp))
        .count(db)
        .await
        .unwrap();
    assert_eq!(profiles, 0);
    let memberships = ownership_core::entity::group_member::Entity::find()
        .count(db)
        .await
        .unwrap();
    assert_eq!(memberships, 1, "only r1's membership is left");
    assert_eq!(
        ids(db, document::Entity::find()).await,
        set([w.s_sa, w.s_a1, w.s_r1, w.s_r2])
    );
}

async fn migrations_go_down_and_up_again(db: &DatabaseConnection) {
    ownership_tests::entities::drop_tables(db).await.unwrap();
    ownership_migration::Migrator::down(db, None).await.unwrap();
    assert!(
        user::Entity::find().count(db).await.is_err(),
        "tables dropped"
    );
    ownership_migration::Migrator::up(db, None).await.unwrap();
    ownership_tests::entities::create_tables(db).await.unwrap();
    let w = SmarterWorld::build(db).await;
    assert_eq!(user_profile::Entity::find().count(db).await.unwrap(), 4);
    world::group(db, "team", &[w.r1]).await;
}

/// Inserts plain users by SQL that does not name the security stamp, as a bulk loader or
/// code older than the column would.
async fn insert_unstamped(db: &DatabaseConnection, usernames: &[&str]) {
    let mut insert = Query::insert();
    insert.into_table(user::Entity).columns([
        user::Column::Username,
        user::Column::IsActive,
        user::Column::IsStaff,
        user::Column::IsSuperuser,
    ]);
    for &username in usernames {
        insert.values_panic([username.into(), true.into(), false.into(), false.into()]);
    }
    db.execute(&insert).await.unwrap();
}

/// Every user's stamp: 32 lower-case hex digits, none shared.
async fn stamps_are_random_and_distinct(db: &DatabaseConnection, users: usize) {
    let stamps: Vec<String> = user::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.security_stamp)
        .collect();
    assert_eq!(stamps.len(), users);
    for stamp in &stamps {
        assert!(
            stamp.len() == 32
                && stamp
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "stamp {stamp:?}"
        );
    }
    let distinct: BTreeSet<&String> = stamps.iter().collect();
    assert_eq!(distinct.len(), users, "stamps {stamps:?}");
}

/// How many migrations to roll back to undo the security stamp's: it and every later one.
fn migrations_from_stamp() -> u32 {
    let names: Vec<String> = ownership_migration::Migrator::migrations()
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect();
    let stamp = names
        .iter()
        .position(|name| name.ends_with("_user_security_stamp"))
        .expect("the security stamp's migration");
    u32::try_from(names.len() - stamp).expect("a few migrations")
}

async fn every_user_row_gets_its_own_security_stamp(db: &DatabaseConnection) {
    // Users written before the column existed each get a stamp of their own.
    ownership_migration::Migrator::down(db, Some(migrations_from_stamp()))
        .await
        .unwrap();
    insert_unstamped(db, &["old 1", "old 2", "old 3"]).await;
    ownership_migration::Migrator::up(db, None).await.unwrap();
    stamps_are_random_and_distinct(db, 3).await;

    // New users get one from the database, however they are inserted.
    let inserted = world::new_user("one", Role::Regular)
        .insert(db)
        .await
        .unwrap();
    let stored = user::Entity::find_by_id(inserted.id).one(db).await.unwrap();
    assert_eq!(stored.unwrap().security_stamp, inserted.security_stamp);
    user::Entity::insert_many(["many 1", "many 2"].map(|name| world::new_user(name, Role::Staff)))
        .exec(db)
        .await
        .unwrap();
    insert_unstamped(db, &["raw 1", "raw 2"]).await;
    stamps_are_random_and_distinct(db, 8).await;

    // Down removes the column (SQL naming it fails), up adds it again.
    ownership_migration::Migrator::down(db, Some(migrations_from_stamp()))
        .await
        .unwrap();
    assert!(
        user::Entity::find().all(db).await.is_err(),
        "column dropped"
    );
    insert_unstamped(db, &["between"]).await;
    ownership_migration::Migrator::up(db, None).await.unwrap();
    stamps_are_random_and_distinct(db, 9).await;
}

async fn schema_sync_declares_the_unique_index(db: &DatabaseConnection) {
    // Entity-first: drop the helper-made table and let schema sync create it.
    let manager = SchemaManager::new(db);
    ownership_migration::drop_owned_table(&manager, document::Entity)
        .await
        .unwrap();
    db.get_schema_builder()
        .register(document::Entity)
        .sync(db)
        .await
        .unwrap();
    // Sync again: idempotent, and the unique index survives.
    db.get_schema_builder()
        .register(document::Entity)
        .sync(db)
        .await
        .unwrap();
    let w = SmarterWorld::build(db).await;
    assert!(matches!(
        new_document(w.profiles[1], "s_a1").insert_owned(db).await,
        Err(OwnershipError::DuplicateName { .. })
    ));
}
