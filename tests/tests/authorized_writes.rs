//! Authorized writes (rule 9) on every backend: a subject inserts only rows it may manage,
//! updates and deletes only rows it manages, moves a row only to an owner it manages under;
//! a row it cannot read is not found, one it reads but does not manage is refused, and
//! nothing is written either way.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::{
    AuthorizedActiveModelExt, AuthorizedDeletes, AuthorizedGrants, CloneOptions, Grantees, Level,
    OwnedModelExt, OwnershipChecks, OwnershipError, OwnershipScopes, Permitted, Subject, Target,
    grant,
};
use ownership_tests::entities::{document, note, uuid_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, Role, SmarterWorld, load, new_document, uid, uuid_doc_id};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

on_every_backend!(
    an_insert_needs_an_owner_the_subject_manages,
    an_update_needs_the_row_managed,
    an_owner_change_needs_both_owners_managed,
    a_delete_needs_the_row_managed,
    a_grant_lets_its_holder_write,
    grants_and_revocations_need_the_rows_managed,
    a_level_grants_exactly_its_names,
    rows_keyed_by_uuid_are_written_alike,
    grants_on_many_rows_cost_the_statements_of_one,
    a_delete_by_a_grant_needs_the_delete_permission_too,
    scoped_bulk_writes_reach_the_rows_update_as_may,
    rows_keyed_by_i32_are_written_alike,
    a_refused_write_releases_its_locks_at_once,
    a_snapshot_without_a_profile_owns_through_none,
);

fn is_denied<T: std::fmt::Debug>(result: Result<T, OwnershipError>) -> bool {
    matches!(result, Err(OwnershipError::PermissionDenied { .. }))
}

fn is_not_found<T: std::fmt::Debug>(result: Result<T, OwnershipError>) -> bool {
    matches!(result, Err(OwnershipError::NotFound { .. }))
}

async fn document_count(db: &DatabaseConnection) -> u64 {
    document::Entity::find().count(db).await.expect("count")
}

async fn row(db: &DatabaseConnection, id: i64) -> Option<document::Model> {
    document::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("read")
}

/// The document `id` with a new body, as an update would send it.
async fn with_body(db: &DatabaseConnection, id: i64, body: &str) -> document::ActiveModel {
    let mut active = row(db, id).await.expect("the row").into_active_model();
    active.body = Set(body.to_owned());
    active
}

async fn an_insert_needs_an_owner_the_subject_manages(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let [sa_profile, a1_profile, r1_profile, r2_profile] = w.profiles;
    let (sa, a1, r1) = (
        load(db, w.sa).await,
        load(db, w.a1).await,
        load(db, w.r1).await,
    );
    let before = document_count(db).await;

    let own = new_document(r1_profile, "mine").insert_as(db, &r1).await;
    assert_eq!(own.expect("one's own profile").user_profile_id, r1_profile);
    for (subject, owner) in [
        (&r1, r2_profile),
        (&r1, a1_profile),
        (&a1, r2_profile),
        (&a1, sa_profile),
    ] {
        assert!(
            is_denied(new_document(owner, "theirs").insert_as(db, subject).await),
            "owner {owner}"
        );
    }
    // Staff: any profile of its accounts; a superuser: any profile.
    new_document(r1_profile, "by staff")
        .insert_as(db, &a1)
        .await
        .expect("staff");
    new_document(r2_profile, "by superuser")
        .insert_as(db, &sa)
        .await
        .expect("superuser");
    assert_eq!(document_count(db).await, before + 3);
    // Any profile that exists: a superuser's row for no profile is refused as any other.
    assert!(is_denied(
        new_document(r2_profile + 1_000_000, "for nobody")
            .insert_as(db, &sa)
            .await
    ));

    // A taken name is a typed duplicate; an inactive user and anyone not signed in may
    // create nothing.
    assert!(matches!(
        new_document(r1_profile, "mine").insert_as(db, &r1).await,
        Err(OwnershipError::DuplicateName { .. })
    ));
    world::deactivate(db, w.r1).await;
    assert!(is_denied(
        new_document(r1_profile, "late").insert_as(db, &r1).await
    ));
    let stale = load(db, w.r1).await;
    assert!(is_denied(
        new_document(r1_profile, "later")
            .insert_as(db, &stale)
            .await
    ));
    assert!(is_denied(
        new_document(r1_profile, "anonymous")
            .insert_as(db, &Subject::anonymous())
            .await
    ));
    assert_eq!(document_count(db).await, before + 3);
}

async fn a_snapshot_without_a_profile_owns_through_none(db: &DatabaseConnection) {
    let account = world::account(db, "late").await;
    let user = world::user(db, "late-regular", Role::Regular).await;
    let before_profile = load(db, user).await;
    let profile = world::profile(db, user, account).await;

    // As the scopes: the profile arrived after the snapshot, so it owns nothing through it
    // until it is loaded again.
    assert!(is_denied(
        new_document(profile, "too early")
            .insert_as(db, &before_profile)
            .await
    ));
    assert_eq!(document_count(db).await, 0);
    let reloaded = load(db, user).await;
    let created = new_document(profile, "in time")
        .insert_as(db, &reloaded)
        .await;
    assert_eq!(created.expect("its own profile").user_profile_id, profile);
}

async fn an_update_needs_the_row_managed(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;

    let changed = with_body(db, w.s_r1, "edited")
        .await
        .update_as(db, &r1)
        .await;
    assert_eq!(changed.expect("its own row").body, "edited");
    // Nothing to change is not an error (MySQL reports no row changed).
    with_body(db, w.s_r1, "edited")
        .await
        .update_as(db, &r1)
        .await
        .expect("unchanged");

    // A1's row is readable (a staff row of R1's account), not manageable; R2's row is not
    // readable; a missing row is not found.
    let a1_row = row(db, w.s_a1).await;
    assert!(is_denied(
        with_body(db, w.s_a1, "x").await.update_as(db, &r1).await
    ));
    assert_eq!(row(db, w.s_a1).await, a1_row);
    let r2_row = row(db, w.s_r2).await;
    assert!(is_not_found(
        with_body(db, w.s_r2, "x").await.update_as(db, &r1).await
    ));
    assert_eq!(row(db, w.s_r2).await, r2_row);
    let mut missing = with_body(db, w.s_r1, "x").await;
    missing.id = Set(i64::MAX);
    assert!(is_not_found(missing.update_as(db, &r1).await));

    // Staff manage the rows of their account's profiles.
    let a1 = load(db, w.a1).await;
    with_body(db, w.s_r1, "by staff")
        .await
        .update_as(db, &a1)
        .await
        .expect("staff");

    // Renaming onto a taken name is a typed duplicate, and changes nothing.
    new_document(w.profiles[2], "taken")
        .insert_as(db, &r1)
        .await
        .expect("insert");
    let mut rename = with_body(db, w.s_r1, "renamed").await;
    rename.name = Set("taken".to_owned());
    assert!(matches!(
        rename.update_as(db, &r1).await,
        Err(OwnershipError::DuplicateName { .. })
    ));
    assert_eq!(row(db, w.s_r1).await.expect("the row").body, "by staff");
}

async fn an_owner_change_needs_both_owners_managed(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let [sa_profile, a1_profile, r1_profile, r2_profile] = w.profiles;
    let (a1, r1) = (load(db, w.a1).await, load(db, w.r1).await);
    let move_to = |owner: i64| {
        let id = w.s_r1;
        async move {
            let mut active = row(db, id).await.expect("the row").into_active_model();
            active.user_profile_id = Set(owner);
            active
        }
    };

    // R1 may not give its row away; staff may not move a row out of its accounts.
    for (subject, owner) in [
        (&r1, r2_profile),
        (&r1, a1_profile),
        (&a1, r2_profile),
        (&a1, sa_profile),
    ] {
        assert!(
            is_denied(move_to(owner).await.update_as(db, subject).await),
            "to {owner}"
        );
        assert_eq!(
            row(db, w.s_r1).await.expect("the row").user_profile_id,
            r1_profile
        );
    }
    // Staff move it within the account; then R1 no longer manages it, but still reads it
    // (a staff row of its account).
    let moved = move_to(a1_profile)
        .await
        .update_as(db, &a1)
        .await
        .expect("within the account");
    assert_eq!(moved.user_profile_id, a1_profile);
    assert!(is_denied(
        move_to(r1_profile).await.update_as(db, &r1).await
    ));
}

async fn a_delete_needs_the_row_managed(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let before = document_count(db).await;

    assert!(is_denied(
        document::Entity::delete_as(db, &r1, w.s_a1).await
    ));
    assert!(is_not_found(
        document::Entity::delete_as(db, &r1, w.s_r2).await
    ));
    assert!(is_not_found(
        document::Entity::delete_as(db, &r1, i64::MAX).await
    ));
    assert!(is_not_found(document::Entity::delete_as(db, &r1, -1).await));
    assert_eq!(document_count(db).await, before);

    document::Entity::delete_as(db, &r1, w.s_r1)
        .await
        .expect("its own row");
    assert_eq!(row(db, w.s_r1).await, None);
    assert!(is_not_found(
        document::Entity::delete_as(db, &r1, w.s_r1).await
    ));

    let sa = load(db, w.sa).await;
    document::Entity::delete_as(db, &sa, w.s_r2)
        .await
        .expect("a superuser");
    assert_eq!(document_count(db).await, before - 2);
}

async fn a_grant_lets_its_holder_write(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let outsider = world::user(db, "outsider", Role::Regular).await;
    let target = Target::object::<document::Entity>(w.s_r1);
    grant(db, "change", &target, &Grantees::users([uid(outsider)]))
        .await
        .expect("grant");
    let holder = load(db, outsider).await;
    let changed = with_body(db, w.s_r1, "by the holder")
        .await
        .update_as(db, &holder)
        .await;
    assert_eq!(changed.expect("a change grant").body, "by the holder");
    // Sending the owner the row has is no move.
    let mut same_owner = with_body(db, w.s_r1, "same owner").await;
    same_owner.user_profile_id = Set(w.profiles[2]);
    same_owner
        .update_as(db, &holder)
        .await
        .expect("the same owner");
    let mut moved = with_body(db, w.s_r1, "moved").await;
    moved.user_profile_id = Set(w.profiles[3]);
    assert!(is_denied(moved.update_as(db, &holder).await));
    with_body(db, w.s_r1, "by the holder")
        .await
        .update_as(db, &holder)
        .await
        .expect("again");
    // Its grant is on that row alone.
    assert!(is_not_found(
        with_body(db, w.s_r2, "x")
            .await
            .update_as(db, &holder)
            .await
    ));
    assert_eq!(
        document::Entity::find()
            .filter(document::Column::Body.eq("by the holder"))
            .count(db)
            .await
            .expect("count"),
        1
    );
}

async fn grants_and_revocations_need_the_rows_managed(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (r1, r2) = (load(db, w.r1).await, load(db, w.r2).await);
    let to_r2 = Grantees::users([uid(w.r2)]);
    let reads = |id: i64| {
        let r2 = &r2;
        async move { document::Entity::can_read(db, r2, id).await.expect("check") }
    };

    document::Entity::grant_as(db, &r1, "view", [w.s_r1], &to_r2)
        .await
        .expect("its own row");
    assert!(reads(w.s_r1).await);
    // Again: idempotent.
    document::Entity::grant_as(db, &r1, "view", [w.s_r1], &to_r2)
        .await
        .expect("again");

    // A1's row is readable, not managed, by R1; R2's not even readable: refused, and the
    // rows asked with them get nothing either.
    let outsider = world::user(db, "outsider", Role::Regular).await;
    let to_outsider = Grantees::users([uid(outsider)]);
    assert!(is_denied(
        document::Entity::grant_as(db, &r1, "view", [w.s_a1], &to_r2).await
    ));
    assert!(is_not_found(
        document::Entity::grant_as(db, &r1, "change", [w.s_r1, w.s_r2], &to_outsider).await
    ));
    let outsider = load(db, outsider).await;
    assert!(
        !document::Entity::can_read(db, &outsider, w.s_r1)
            .await
            .expect("check")
    );
    assert!(!reads(w.s_a1).await);

    // R2 reads the row through its grant but may not revoke it; R1 may.
    assert!(is_denied(
        document::Entity::revoke_as(db, &r2, "view", [w.s_r1], &to_r2).await
    ));
    assert!(reads(w.s_r1).await);
    assert_eq!(
        document::Entity::revoke_as(db, &r1, "view", [w.s_r1], &to_r2)
            .await
            .expect("revoke"),
        1
    );
    assert!(!reads(w.s_r1).await);
}

async fn a_level_grants_exactly_its_names(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let [viewer, editor, admin] = [
        world::user(db, "viewer", Role::Regular).await,
        world::user(db, "editor", Role::Regular).await,
        world::user(db, "admin", Role::Regular).await,
    ];
    for (user, level) in [
        (viewer, Level::View),
        (editor, Level::Edit),
        (admin, Level::All),
    ] {
        // Twice: the grants are given once.
        for _ in 0..2 {
            document::Entity::grant_level_as(
                db,
                &r1,
                level,
                [w.s_r1],
                &Grantees::users([uid(user)]),
            )
            .await
            .expect("grant a level");
        }
    }
    let holds = |user: i64, name: &'static str| async move {
        let subject = load(db, user).await;
        document::Entity::find_by_id(w.s_r1)
            .permitted_for(&subject, &Permitted::any_of([name]).objects_only())
            .count(db)
            .await
            .expect("check")
            == 1
    };
    for (user, names) in [
        (viewer, [true, false, false]),
        (editor, [true, true, false]),
        (admin, [true, true, true]),
    ] {
        for (name, held) in ["view", "change", "delete"].into_iter().zip(names) {
            assert_eq!(holds(user, name).await, held, "user {user}, {name}");
        }
    }
    assert_eq!(
        Level::All.names::<document::Entity>(),
        ["view", "change", "delete"]
    );
    // Only on rows the granting subject manages.
    assert!(is_denied(
        document::Entity::grant_level_as(
            db,
            &r1,
            Level::All,
            [w.s_a1],
            &Grantees::users([uid(viewer)])
        )
        .await
    ));
}

async fn rows_keyed_by_uuid_are_written_alike(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let [_, _, r1_profile, r2_profile] = w.profiles;
    let (r1, r2) = (load(db, w.r1).await, load(db, w.r2).await);
    let draft = |id: i64, owner: i64| uuid_doc::ActiveModel {
        id: Set(uuid_doc_id(id)),
        user_profile_id: Set(owner),
        name: Set(format!("draft {id}")),
    };
    let mine = draft(1, r1_profile)
        .insert_as(db, &r1)
        .await
        .expect("its own");
    assert!(is_denied(draft(2, r1_profile).insert_as(db, &r2).await));

    let mut rename = mine.clone().into_active_model();
    rename.name = Set("renamed".to_owned());
    assert!(is_not_found(rename.clone().update_as(db, &r2).await));
    assert_eq!(
        rename.update_as(db, &r1).await.expect("its own").name,
        "renamed"
    );

    let mut moved = mine.clone().into_active_model();
    moved.user_profile_id = Set(r2_profile);
    assert!(is_denied(moved.update_as(db, &r1).await));

    assert!(is_not_found(
        uuid_doc::Entity::delete_as(db, &r2, mine.id).await
    ));
    assert!(is_not_found(
        uuid_doc::Entity::delete_as(db, &r1, uuid_doc_id(99)).await
    ));
    uuid_doc::Entity::delete_as(db, &r1, mine.id)
        .await
        .expect("its own");
    assert_eq!(uuid_doc::Entity::find().count(db).await.expect("count"), 0);
}

async fn grants_on_many_rows_cost_the_statements_of_one(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let rows: [i64; 12] = world::documents(db, w.profiles[2], "many").await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let to_r2 = Grantees::users([uid(w.r2)]);
    let mut counts = Vec::new();
    for ids in [&rows[..1], &rows[1..]] {
        document::Entity::grant_level_as(&counted, &r1, Level::All, ids.iter().copied(), &to_r2)
            .await
            .expect("R1 manages its rows");
        counts.push(statements.swap(0, Ordering::SeqCst));
    }
    assert_eq!(
        counts[0], counts[1],
        "one row or eleven, one level: {counts:?}"
    );
    let r2 = load(db, w.r2).await;
    for id in rows {
        assert!(
            document::Entity::can_manage(db, &r2, id)
                .await
                .expect("check")
        );
    }
}

async fn a_delete_by_a_grant_needs_the_delete_permission_too(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let [edited, all, deleted_only] = world::documents(db, w.profiles[2], "levels").await;
    let to_r2 = Grantees::users([uid(w.r2)]);
    for (id, level) in [(edited, Level::Edit), (all, Level::All)] {
        document::Entity::grant_level_as(db, &r1, level, [id], &to_r2)
            .await
            .expect("R1 manages its rows");
    }
    document::Entity::grant_as(db, &r1, "delete", [deleted_only], &to_r2)
        .await
        .expect("R1 manages its rows");
    let r2 = load(db, w.r2).await;
    // `edit` is view and change: the holder writes the row but may not delete it.
    with_body(db, edited, "edited")
        .await
        .update_as(db, &r2)
        .await
        .expect("an edit grant");
    assert!(is_denied(
        document::Entity::delete_as(db, &r2, edited).await
    ));
    // The delete permission alone is no right to manage, so none to delete.
    assert!(is_not_found(
        document::Entity::delete_as(db, &r2, deleted_only).await
    ));
    let in_bulk = document::Entity::delete_many()
        .filter(document::Column::Id.is_in([edited, deleted_only, all]))
        .with_delete_permission_for(&r2)
        .exec(db)
        .await
        .expect("a scoped bulk delete");
    assert_eq!(in_bulk.rows_affected, 1, "the bulk delete scope agrees");
    assert!(row(db, edited).await.is_some() && row(db, deleted_only).await.is_some());
    assert_eq!(row(db, all).await, None, "`all` deletes");
    let [again] = world::documents(db, w.profiles[2], "again").await;
    document::Entity::grant_level_as(db, &r1, Level::All, [again], &to_r2)
        .await
        .expect("R1 manages its rows");
    document::Entity::delete_as(db, &r2, again)
        .await
        .expect("`all` deletes");
    // The owner's right is ownership, with no grant.
    document::Entity::delete_as(db, &r1, edited)
        .await
        .expect("the owner deletes");
}

async fn scoped_bulk_writes_reach_the_rows_update_as_may(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let outsider = world::user(db, "outsider", Role::Regular).await;
    grant(
        db,
        "change",
        &Target::object::<document::Entity>(w.s_r2),
        &Grantees::users([uid(outsider)]),
    )
    .await
    .expect("grant");
    let every_row = [w.s_sa, w.s_a1, w.s_r1, w.s_r2];
    for user in [w.sa, w.a1, w.r1, w.r2, outsider] {
        let subject = load(db, user).await;
        let mut written_as = Vec::new();
        for id in every_row {
            let body = format!("as {user}");
            if with_body(db, id, &body)
                .await
                .update_as(db, &subject)
                .await
                .is_ok()
            {
                written_as.push(id);
            }
        }
        let bulk = format!("bulk {user}");
        document::Entity::update_many()
            .col_expr(
                document::Column::Body,
                sea_orm::sea_query::Expr::value(bulk.clone()),
            )
            .with_ownership_permission_for(&subject)
            .exec(db)
            .await
            .expect("a scoped bulk update");
        let mut written_in_bulk: Vec<i64> = document::Entity::find()
            .filter(document::Column::Body.eq(bulk))
            .all(db)
            .await
            .expect("read")
            .into_iter()
            .map(|row| row.id)
            .collect();
        written_in_bulk.sort_unstable();
        written_as.sort_unstable();
        assert_eq!(written_in_bulk, written_as, "user {user}");
    }
}

/// The writes bind an `i32` id as an `i32`: PostgreSQL refuses a statement it prepared for
/// one type (a check, SeaORM's own `find_by_id`) bound with another.
async fn rows_keyed_by_i32_are_written_alike(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (r1, r2) = (load(db, w.r1).await, load(db, w.r2).await);
    let note = note::ActiveModel {
        author_profile_id: Set(w.profiles[2]),
        title: Set("n".to_owned()),
        version: Set(0),
        text: Set(String::new()),
        ..Default::default()
    }
    .insert_as(db, &r1)
    .await
    .expect("R1's note");
    // Enough rounds for every connection of the pool to have prepared each statement.
    for round in 0..24 {
        // The application's own statements, then the same ones sent by the writes.
        assert!(
            note::Entity::find_by_id(note.id)
                .one(db)
                .await
                .expect("read")
                .is_some()
        );
        assert!(
            !note::Entity::can_read(db, &r2, note.id)
                .await
                .expect("check")
        );
        let mut renamed = note.clone().into_active_model();
        renamed.title = Set(format!("renamed {round}"));
        assert!(is_not_found(renamed.clone().update_as(db, &r2).await));
        renamed.update_as(db, &r1).await.expect("R1's own note");
        assert!(is_not_found(
            note::Entity::delete_as(db, &r2, note.id).await
        ));
        note::Entity::grant_as(db, &r1, "view", [note.id], &Grantees::users([uid(w.a1)]))
            .await
            .expect("R1 manages its note");
    }
    note::Entity::delete_as(db, &r1, note.id)
        .await
        .expect("R1's own note");
}

/// A write that fails rolls its transaction back before it returns: one merely dropped
/// keeps its locks until its connection is used again, and on SQLite the next write of any
/// other connection would find the database locked.
async fn a_refused_write_releases_its_locks_at_once(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    for round in 0..8 {
        let duplicate = new_document(w.profiles[2], "s_r1").insert_as(db, &r1).await;
        assert!(matches!(
            duplicate,
            Err(OwnershipError::DuplicateName { .. })
        ));
        let refused = with_body(db, w.s_r2, "x").await.update_as(db, &r1).await;
        assert!(is_not_found(refused));
        let original = row(db, w.s_r1).await.expect("the row");
        let clone = original
            .clone_owned(db, CloneOptions::new().name("s_r1"))
            .await;
        assert!(matches!(clone, Err(OwnershipError::DuplicateName { .. })));
        new_document(w.profiles[2], &format!("next {round}"))
            .insert_as(db, &r1)
            .await
            .expect("the next write");
    }
}
