//! Owned entities that live in a schema of their own (`#[sea_orm(schema_name = "..")]`),
//! beside a table of the same name on the search path: every statement the library builds
//! names the entity's own table, and permissions on one never reach the other.
//!
//! PostgreSQL and MySQL/MariaDB (where a schema is a database); SQLite names a schema only
//! for an attached database, which a pool does not share between its connections.

use std::collections::BTreeSet;

use ownership_core::{
    Grantees, OwnedEntity, OwnershipChecks, OwnershipPages, OwnershipScopes, Permitted, Subject,
    Target, holders,
};
use ownership_migration::sea_orm_migration::SchemaManager;
use ownership_tests::entities::document;
use ownership_tests::world::uid;
use ownership_tests::world::{self, Role, give, load};
use ownership_tests::{Backend, run_on};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QuerySelect,
    QueryTrait, Select, Set, Statement, TransactionTrait,
};

/// The schema the archive lives in; fixed, since the entity names it at compile time.
const ARCHIVE: &str = "rt_archive";

/// An archive of documents: the same table name as [`document`], in another schema.
mod archived {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(schema_name = "rt_archive", table_name = "document")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    run_on(
        Backend::Postgres,
        |db| async move { scoped_schema(&db).await },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql() {
    run_on(Backend::MySql, |db| async move { scoped_schema(&db).await }).await;
}

/// Creates the archive schema afresh, runs the scenario, drops the schema.
async fn scoped_schema(db: &DatabaseConnection) {
    let (drop, create) = match db.get_database_backend() {
        DbBackend::Postgres => (
            format!("DROP SCHEMA IF EXISTS {ARCHIVE} CASCADE"),
            format!("CREATE SCHEMA {ARCHIVE}"),
        ),
        _ => (
            format!("DROP DATABASE IF EXISTS {ARCHIVE}"),
            format!("CREATE DATABASE {ARCHIVE}"),
        ),
    };
    db.execute_unprepared(&drop).await.unwrap();
    db.execute_unprepared(&create).await.unwrap();
    ownership_migration::create_owned_table(&SchemaManager::new(db), archived::Entity)
        .await
        .expect("create the archive table in its schema");
    let outcome = tokio::spawn({
        let db = db.clone();
        async move { archive_and_documents_stay_apart(&db).await }
    })
    .await;
    db.execute_unprepared(&drop).await.unwrap();
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

async fn archived(db: &DatabaseConnection, id: i64, owner: i64, name: &str) {
    archived::ActiveModel {
        id: Set(id),
        user_profile_id: Set(owner),
        name: Set(name.to_owned()),
        body: Set(String::new()),
    }
    .insert(db)
    .await
    .expect("insert an archived document");
}

async fn archive_ids(db: &DatabaseConnection, select: Select<archived::Entity>) -> BTreeSet<i64> {
    select
        .select_only()
        .column(archived::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await
        .expect("run the archive query")
        .into_iter()
        .collect()
}

/// Every statement a subject's scopes, pages and checks of the archive build.
fn statements(subject: &Subject, backend: DbBackend) -> Vec<Statement> {
    type Archive = archived::Entity;
    let permitted = [
        Permitted::any_of(["view", "change"]),
        Permitted::all_of(["view", "change"]),
        Permitted::all_of(["view"]).objects_only(),
    ];
    let mut built = vec![
        Archive::find().owned_by(subject).build(backend),
        Archive::find()
            .with_read_permission_for(subject)
            .build(backend),
        Archive::find()
            .with_manage_permission_for(subject)
            .build(backend),
        Archive::find().shared_with(subject).build(backend),
        Archive::find_by_id(1)
            .with_read_permission_for(subject)
            .build(backend),
        Archive::update_many()
            .col_expr(archived::Column::Body, Expr::value("x"))
            .with_manage_permission_for(subject)
            .build(backend),
        Archive::delete_many()
            .with_manage_permission_for(subject)
            .build(backend),
        Archive::readable_page(subject, 2).after(1).build(backend),
        Archive::manageable_page(subject, 2).build(backend),
        Archive::shared_page(subject, 2).build(backend),
    ];
    for permitted in &permitted {
        built.push(
            Archive::find()
                .permitted_for(subject, permitted)
                .build(backend),
        );
        built.push(Archive::permitted_page(subject, permitted, 2).build(backend));
    }
    built
}

/// Fails if a statement reads or writes a table named `document` without its schema
/// (`FROM "document"`, `JOIN "document"`, `UPDATE "document"`).
fn assert_qualified(statement: &Statement) {
    let quote = match statement.db_backend {
        DbBackend::MySql => '`',
        _ => '"',
    };
    let sql = &statement.sql;
    for table in ["document", "document_user_grant", "document_group_grant"] {
        let unqualified = format!("{quote}{table}{quote}");
        for (at, _) in sql.match_indices(&unqualified) {
            let before = sql[..at].trim_end();
            let table_position = ["FROM", "JOIN", "UPDATE", "INTO"]
                .iter()
                .any(|keyword| before.ends_with(keyword));
            assert!(
                !table_position,
                "a statement names {table} without its schema: {sql}"
            );
        }
    }
}

async fn archive_and_documents_stay_apart(db: &DatabaseConnection) {
    assert_eq!(
        archived::Entity::MODEL_NAME,
        "rt_archive.document",
        "the default model name carries the schema"
    );
    let tenant = world::account(db, "tenant").await;
    let outsider = world::user(db, "outsider", Role::Regular).await;
    let outsider_profile = world::profile(db, outsider, tenant).await;
    let owner = world::user(db, "owner", Role::Regular).await;
    let owner_profile = world::profile(db, owner, tenant).await;
    let staff = world::user(db, "staff", Role::Staff).await;
    world::profile(db, staff, tenant).await;
    let root = world::user(db, "root", Role::Superuser).await;
    world::profile(db, root, tenant).await;

    // The outsider owns a document, and reads another by a grant; the archive holds rows
    // with the same ids, owned by someone else.
    let own = world::document(db, outsider_profile, "mine").await;
    let granted = world::document(db, owner_profile, "granted").await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(granted),
        Grantees::users([uid(outsider)]),
    )
    .await;
    archived(db, own, owner_profile, "archived a").await;
    archived(db, granted, owner_profile, "archived b").await;
    let elsewhere = granted + 1_000;
    archived(db, elsewhere, owner_profile, "archived c").await;

    let me = load(db, outsider).await;
    type Archive = archived::Entity;
    let nothing = BTreeSet::new();
    assert_eq!(
        archive_ids(db, Archive::find().with_read_permission_for(&me)).await,
        nothing
    );
    assert_eq!(
        archive_ids(db, Archive::find().with_manage_permission_for(&me)).await,
        nothing
    );
    assert_eq!(
        archive_ids(db, Archive::find().shared_with(&me)).await,
        nothing
    );
    assert_eq!(
        archive_ids(
            db,
            Archive::find().permitted_for(&me, &Permitted::any_of(["view"]))
        )
        .await,
        nothing
    );
    for id in [own, granted, elsewhere] {
        assert!(!Archive::can_read(db, &me, id).await.unwrap(), "read {id}");
        assert!(
            !Archive::can_manage(db, &me, id).await.unwrap(),
            "manage {id}"
        );
    }
    assert!(
        Archive::readable_page(&me, 10)
            .all(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        Archive::manageable_page(&me, 10)
            .all(db)
            .await
            .unwrap()
            .is_empty()
    );

    // The archive's own owner and a grant on the archive still count there.
    let owner_subject = load(db, owner).await;
    assert_eq!(
        archive_ids(
            db,
            Archive::find().with_manage_permission_for(&owner_subject)
        )
        .await,
        BTreeSet::from([own, granted, elsewhere])
    );
    give(
        db,
        "view",
        Target::object::<Archive>(elsewhere),
        Grantees::users([uid(outsider)]),
    )
    .await;
    assert_eq!(
        archive_ids(db, Archive::find().with_read_permission_for(&me)).await,
        BTreeSet::from([elsewhere])
    );
    let page: Vec<i64> = Archive::readable_page(&me, 10)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(page, vec![elsewhere]);
    assert!(Archive::can_read(db, &me, elsewhere).await.unwrap());

    // No statement for any kind of subject names the table without its schema; each runs
    // (the writes in a transaction rolled back).
    let backend = db.get_database_backend();
    for user in [outsider, owner, staff, root] {
        let subject = load(db, user).await;
        let txn = db.begin().await.unwrap();
        for statement in statements(&subject, backend) {
            assert_qualified(&statement);
            txn.execute_raw(statement)
                .await
                .expect("every statement runs");
        }
        txn.rollback().await.unwrap();
    }

    // Deleting the archived row with SeaORM's own delete takes its grant along, in the
    // archive's grant table, and leaves the documents' grants alone.
    assert_eq!(
        Archive::delete_by_id(elsewhere)
            .exec(db)
            .await
            .unwrap()
            .rows_affected,
        1
    );
    assert!(!Archive::can_read(db, &me, elsewhere).await.unwrap());
    assert!(document::Entity::can_read(db, &me, granted).await.unwrap());
    let left = holders(["view"]).users().unwrap().all(db).await.unwrap();
    assert_eq!(
        left,
        [uid(outsider)],
        "only the grant on the document is held"
    );
}
