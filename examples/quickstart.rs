//! Quickstart: a SQLite database with a platform, two accounts, staff and regular users and
//! their documents, a document granted to a group and one shared and passed on; prints what
//! each user owns, reads, manages and sees shared, then revokes the share.
//!
//! Run with `cargo run --example quickstart` (an in-memory database; pass a SQLite URL such
//! as `sqlite://quickstart.sqlite?mode=rwc` as the first argument to keep it).

use ownership_core::entity::{account, group, group_member, user, user_profile};
use ownership_core::prelude::*;
use ownership_examples::document;
use ownership_examples::migration::Migrator;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QueryTrait, Select, Set,
};
use sea_orm_migration::MigratorTrait;

async fn add_user(
    db: &DatabaseConnection,
    username: &str,
    staff: bool,
    superuser: bool,
    account_id: i64,
) -> Result<(i64, i64), OwnershipError> {
    let user = user::ActiveModel {
        username: Set(username.to_owned()),
        is_active: Set(true),
        is_staff: Set(staff),
        is_superuser: Set(superuser),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let profile = user_profile::ActiveModel {
        user_id: Set(user.id),
        account_id: Set(account_id),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((user.id, profile.id))
}

async fn add_document(
    db: &DatabaseConnection,
    owner_profile: i64,
    name: &str,
) -> Result<document::Model, OwnershipError> {
    document::ActiveModel {
        user_profile_id: Set(owner_profile),
        name: Set(name.to_owned()),
        body: Set(format!("the text of {name}")),
        ..Default::default()
    }
    .insert_owned(db)
    .await
}

async fn names(
    db: &DatabaseConnection,
    query: Select<document::Entity>,
) -> Result<String, OwnershipError> {
    let docs = query.order_by_asc(document::Column::Name).all(db).await?;
    let names: Vec<String> = docs.into_iter().map(|d| d.name).collect();
    Ok(if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(", ")
    })
}

// One error type throughout: `?` turns SeaORM's `DbErr` into an `OwnershipError`, which
// keeps the library's refusals typed.
#[tokio::main]
async fn main() -> Result<(), OwnershipError> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite::memory:".to_owned());
    let mut options = ConnectOptions::new(url);
    // One connection: each connection to `sqlite::memory:` is a database of its own.
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    println!("Migrated: the ownership and permission tables, and `document`.\n");

    let mut accounts = Vec::new();
    for name in ["platform", "acme", "globex"] {
        let account = account::ActiveModel {
            name: Set(name.to_owned()),
            ..Default::default()
        }
        .insert(&db)
        .await?;
        accounts.push(account.id);
    }
    let [platform, acme, globex] = accounts[..] else {
        unreachable!("three accounts were created")
    };
    let people = [
        ("admin", true, true, platform), // the platform's superuser
        ("alice", true, false, acme),    // staff of acme
        ("bob", false, false, acme),     // regular user of acme
        ("carol", false, false, globex), // regular user of globex
        ("dan", false, false, globex),   // regular user of globex
    ];
    let mut users = Vec::new();
    for (username, staff, superuser, account) in people {
        let (user_id, profile_id) = add_user(&db, username, staff, superuser, account).await?;
        users.push((username, user_id, profile_id));
    }
    for (username, _, profile_id) in &users {
        add_document(&db, *profile_id, &format!("{username}'s plan")).await?;
    }
    let bob_notes = add_document(&db, users[2].2, "bob's notes").await?;

    // The database enforces unique (owner, name); the error is typed.
    match add_document(&db, users[2].2, "bob's notes").await {
        Err(OwnershipError::DuplicateName { owner, name, .. }) => {
            println!("A second {name:?} for profile {owner} is refused: the name is taken.")
        }
        other => panic!("expected a duplicate name error, got {other:?}"),
    }
    let copy = bob_notes.clone_owned(&db, CloneOptions::new()).await?;
    println!("Cloning {:?} gives {:?}.\n", bob_notes.name, copy.name);

    // Carol (globex) reviews bob's plan through a group: grant `view` to the group.
    let reviewers = group::ActiveModel {
        name: Set("reviewers".to_owned()),
        ..Default::default()
    }
    .insert(&db)
    .await?;
    group_member::ActiveModel {
        group_id: Set(reviewers.id),
        user_id: Set(users[3].1),
    }
    .insert(&db)
    .await?;
    let bobs_plan = document::Entity::find()
        .filter(document::Column::Name.eq("bob's plan"))
        .one(&db)
        .await?
        .expect("bob's plan exists");
    let on_bobs_plan = Target::object::<document::Entity>(bobs_plan.id);
    grant(
        &db,
        "view",
        &on_bobs_plan,
        &Grantees::groups([reviewers.id.into()]),
    )
    .await?;
    let viewers = holders(["view"])
        .objects([ObjectRef::of::<document::Entity>(bobs_plan.id)])
        .users()?;
    let viewers: Vec<String> = user::Entity::find()
        .filter(user::Column::Id.in_subquery(viewers.statement()))
        .order_by_asc(user::Column::Username)
        .all(&db)
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect();
    println!("Granted `view` on bob's plan to the group reviewers: {viewers:?} hold it.");

    // Bob shares his notes with carol: she may read them and pass that on once.
    let bob = Subject::load(&db, users[2].1.into()).await?;
    let carol = Subject::load(&db, users[3].1.into()).await?;
    let to_carol = ShareRequest::to(Agent::User(users[3].1.into())).names([("view", 1)]);
    let share = document::Entity::share(&db, &bob, bob_notes.id, &to_carol).await?;
    // Carol passes it on to dan, one level down: dan cannot pass it on again.
    let to_dan = ShareRequest::to(Agent::User(users[4].1.into()));
    let passed = document::Entity::pass_on(&db, &carol, share.uuid, &to_dan).await?;
    let held = |share: &Share| {
        let names: Vec<String> = share
            .names
            .iter()
            .map(|held| format!("{} to pass on {} more time(s)", held.name, held.depth))
            .collect();
        names.join(", ")
    };
    println!(
        "Bob shared his notes with carol ({}), who passed them on to dan ({}).\n",
        held(&share),
        held(&passed)
    );

    for (username, user_id, _) in &users {
        let me = Subject::load(&db, (*user_id).into()).await?;
        println!("{username}:");
        let find = document::Entity::find;
        println!("  owns:    {}", names(&db, find().owned_by(&me)).await?);
        println!(
            "  reads:   {}",
            names(&db, find().with_read_permission_for(&me)).await?
        );
        println!(
            "  manages: {}",
            names(&db, find().with_manage_permission_for(&me)).await?
        );
        println!("  shared:  {}", names(&db, find().shared_with(&me)).await?);
        let granted = find().permitted_for(&me, &Permitted::all_of(["view"]));
        println!("  granted `view`: {}", names(&db, granted).await?);
        let may_edit = document::Entity::can_manage(&db, &me, bob_notes.id).await?;
        println!("  may edit bob's notes: {may_edit}");
    }
    let anonymous = Subject::anonymous();
    println!(
        "anonymous reads: {}",
        names(
            &db,
            document::Entity::find().with_read_permission_for(&anonymous)
        )
        .await?
    );

    // Revoking bob's share revokes carol's to dan with it, in the database.
    document::Entity::revoke_share(&db, &bob, share.uuid).await?;
    let dan = Subject::load(&db, users[4].1.into()).await?;
    let dan_reads = document::Entity::can_read(&db, &dan, bob_notes.id).await?;
    println!("\nBob revoked his share; dan may read bob's notes: {dan_reads}");

    // A long list page by page: one statement a page, each after the last id shown.
    println!();
    let readable = document::Entity::readable_count(&db, &bob).await?;
    println!("bob reads {readable} documents:");
    let mut page = document::Entity::readable_page(&bob, 2);
    for number in 1.. {
        let rows = page.all(&db).await?;
        let Some(last) = rows.last() else { break };
        page = page.after(last.id);
        let names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
        println!("bob reads, page {number}: {}", names.join(", "));
    }

    let statement = document::Entity::find()
        .with_read_permission_for(&bob)
        .build(db.get_database_backend());
    println!(
        "\nThe read scope for bob is one statement:\n{}",
        statement.sql
    );
    println!("with parameters {:?}", statement.values);
    Ok(())
}
