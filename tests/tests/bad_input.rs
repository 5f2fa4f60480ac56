//! Bad input on every backend: empty lists, unknown names, hostile strings, lists longer
//! than a statement can bind, extreme ids and stale or missing identities. Each yields a
//! typed error or an empty result, never a wider one, and never loses data.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Instant;

use ownership_core::Key;
use ownership_core::entity::{permission, permission_group, permission_user};
use ownership_core::{
    CloneOptions, Grantees, ObjectRef, OwnedActiveModelExt, OwnedModelExt, OwnershipChecks,
    OwnershipError, OwnershipPages, OwnershipScopes, Permitted, Subject, Target, grant, holders,
    permissions_of, revoke,
};
use ownership_tests::entities::{counter, document, note};
use ownership_tests::on_every_backend;
use ownership_tests::world::note_id;
use ownership_tests::world::{self, Role, ids, set, walk_pages};
use ownership_tests::world::{doc, documents, give, load, new_document, note_ids};
use ownership_tests::world::{gid, holder_groups, holder_users, try_holder_users, uid};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

on_every_backend!(
    long_permission_name_lists_are_answered_or_refused,
    unsigned_ids_beyond_i64_are_checked_without_a_panic,
    a_snapshot_from_before_a_profile_shares_none_of_its_rows,
    empty_lists_match_nothing_and_write_nothing,
    unknown_permission_names_match_nothing,
    hostile_permission_and_model_names_match_only_themselves,
    overlong_and_nul_names_are_refused_and_match_nothing,
    hostile_document_names_are_stored_filtered_and_cloned_exactly,
    id_lists_beyond_every_bind_limit,
    lists_at_the_bind_limit_are_answered_in_full,
    extreme_ids_are_unknown_or_exact,
    inactive_users_get_nothing,
    users_without_a_profile_get_only_their_grants,
    a_loaded_subject_keeps_nothing_the_database_no_longer_grants,
    grants_to_missing_users_or_groups_write_nothing,
    duplicate_names_are_typed_errors_and_write_nothing,
    model_wide_grants_on_unknown_models_give_nothing,
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// How many rows every table holds: compared before and after an operation that must
/// write nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counts {
    accounts: u64,
    users: u64,
    profiles: u64,
    groups: u64,
    memberships: u64,
    documents: u64,
    notes: u64,
    object_grants: u64,
    permissions: u64,
    user_grants: u64,
    group_grants: u64,
}

async fn counts(db: &DatabaseConnection) -> Counts {
    let [accounts, users, profiles, groups, memberships] =
        world::identity_counts(db).await.unwrap();
    Counts {
        accounts,
        users,
        profiles,
        groups,
        memberships,
        documents: document::Entity::find().count(db).await.unwrap(),
        notes: note::Entity::find().count(db).await.unwrap(),
        object_grants: {
            let (users, groups) = world::object_grants(db).await;
            users + groups
        },
        permissions: permission::Entity::find().count(db).await.unwrap(),
        user_grants: permission_user::Entity::find().count(db).await.unwrap(),
        group_grants: permission_group::Entity::find().count(db).await.unwrap(),
    }
}

/// The documents `permitted_for` keeps.
async fn permitted(db: &DatabaseConnection, subject: &Subject, p: Permitted) -> BTreeSet<i64> {
    ids(db, document::Entity::find().permitted_for(subject, &p)).await
}

/// The permission names `permissions_of` answers for these sources.
async fn names_held(db: &DatabaseConnection, users: &[i64], groups: &[i64]) -> BTreeSet<String> {
    permissions_of(
        users.iter().map(|&id| uid(id)),
        groups.iter().map(|&id| gid(id)),
    )
    .expect("build the permissions query")
    .all(db)
    .await
    .expect("run the permissions query")
    .into_iter()
    .map(|p| p.name)
    .collect()
}

/// Every read and manage scope of documents and notes for `subject`, and its checks on
/// `probe`, are empty or false.
async fn sees_nothing(db: &DatabaseConnection, subject: &Subject, probe: &[i64], why: &str) {
    let scopes = [
        ("owned_by", document::Entity::find().owned_by(subject)),
        (
            "read",
            document::Entity::find().with_read_permission_for(subject),
        ),
        (
            "manage",
            document::Entity::find().with_manage_permission_for(subject),
        ),
        ("shared_with", document::Entity::find().shared_with(subject)),
        (
            "permitted view",
            document::Entity::find().permitted_for(subject, &Permitted::all_of(["view"])),
        ),
        (
            "permitted any",
            document::Entity::find()
                .permitted_for(subject, &Permitted::any_of(["view", "change", "delete"])),
        ),
    ];
    for (scope, select) in scopes {
        assert_eq!(ids(db, select).await, set([]), "{why}: documents, {scope}");
    }
    let permitted = Permitted::any_of(["view", "change", "delete"]);
    let pages = [
        (
            "readable_page",
            document::Entity::readable_page(subject, 50),
        ),
        (
            "manageable_page",
            document::Entity::manageable_page(subject, 50),
        ),
        ("shared_page", document::Entity::shared_page(subject, 50)),
        (
            "permitted_page",
            document::Entity::permitted_page(subject, &permitted, 50),
        ),
    ];
    for (page, first) in pages {
        let rows = first.all(db).await.unwrap();
        assert!(rows.is_empty(), "{why}: documents, {page}: {rows:?}");
    }
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(subject)).await,
        set([]),
        "{why}: notes, read"
    );
    assert_eq!(
        note_ids(
            db,
            note::Entity::find().permitted_for(subject, &Permitted::any_of(["view", "change"]))
        )
        .await,
        set([]),
        "{why}: notes, permitted"
    );
    for &id in probe {
        assert!(
            !document::Entity::can_read(db, subject, id).await.unwrap(),
            "{why}: can_read {id}"
        );
        assert!(
            !document::Entity::can_manage(db, subject, id).await.unwrap(),
            "{why}: can_manage {id}"
        );
    }
}

/// An account with one regular owner; returns the owner and the owner's profile.
async fn owner_profile(db: &DatabaseConnection) -> (i64, i64) {
    let account = world::account(db, "acme").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    (owner, world::profile(db, owner, account).await)
}

fn new_note(owner: i64, title: &str) -> note::ActiveModel {
    note::ActiveModel {
        author_profile_id: Set(owner),
        title: Set(title.to_owned()),
        version: Set(1),
        text: Set(String::new()),
        ..Default::default()
    }
}

/// An empty answer, or an error: never rows.
fn empty_or_error<T: Debug, E: Debug>(answer: Result<BTreeSet<T>, E>, what: &str) {
    if let Ok(rows) = &answer {
        assert!(rows.is_empty(), "{what}: expected nothing, got {rows:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Empty lists
// ---------------------------------------------------------------------------------------

async fn empty_lists_match_nothing_and_write_nothing(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let n1 = new_note(owner, "n1").insert_owned(db).await.unwrap().id;
    let u = world::user(db, "u", Role::Regular).await;
    let su = world::user(db, "su", Role::Superuser).await;
    let g = world::group(db, "g", &[u]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        "change",
        Target::model::<document::Entity>(),
        Grantees::groups([gid(g)]),
    )
    .await;
    give(db, "view", Target::everything(), Grantees::users([uid(su)])).await;
    let none = Vec::<String>::new;

    // No permission asked for: nothing, for a grantee and for a superuser alike.
    for who in [u, su] {
        let s = load(db, who).await;
        for p in [
            Permitted::all_of(none()),
            Permitted::any_of(none()),
            Permitted::all_of(none()).without_groups().objects_only(),
            Permitted::any_of(none()).without_superuser_bypass(),
        ] {
            assert_eq!(permitted(db, &s, p.clone()).await, set([]), "{who}: {p:?}");
            assert_eq!(
                note_ids(db, note::Entity::find().permitted_for(&s, &p)).await,
                set([]),
                "{who}: notes, {p:?}"
            );
            assert!(
                document::Entity::find()
                    .filter(document::Column::Id.eq(d1))
                    .permitted_for(&s, &p)
                    .one(db)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }
    // For contrast, the same subjects with a name.
    assert_eq!(
        permitted(db, &load(db, u).await, Permitted::all_of(["view"])).await,
        set([d1])
    );
    assert_eq!(
        permitted(db, &load(db, su).await, Permitted::all_of(["view"])).await,
        set([d1, d2])
    );

    // No source: no permission.
    assert!(names_held(db, &[], &[]).await.is_empty());
    let no_source = permissions_of(Vec::new(), Vec::new()).unwrap();
    assert!(no_source.build(db.get_database_backend()).is_none());
    assert!(no_source.all(db).await.unwrap().is_empty());
    assert_eq!(names_held(db, &[u], &[]).await.len(), 2);

    // No names, no models, no objects: nobody holds anything.
    assert_eq!(holder_users(db, holders(none())).await, set([]));
    assert_eq!(holder_groups(db, holders(none())).await, set([]));
    for include_null_object in [true, false] {
        let q = holders(["view", "change"])
            .objects([])
            .include_null_object(include_null_object);
        assert_eq!(holder_users(db, q.clone()).await, set([]));
        assert_eq!(holder_groups(db, q).await, set([]));
    }
    assert_eq!(
        holder_users(
            db,
            holders(["view", "change"])
                .model_names(none())
                .include_null_model_name(false)
        )
        .await,
        set([])
    );
    // With no model names, only grants on every model are left: su's, not u's.
    assert_eq!(
        holder_users(db, holders(["view", "change"]).model_names(none())).await,
        set([su])
    );

    // Granting or revoking on no objects, or to nobody, is a no-op.
    let before = counts(db).await;
    let no_objects = Target::objects::<document::Entity>([]);
    let no_notes = Target::objects::<note::Entity>([]);
    for target in [&no_objects, &no_notes] {
        grant(
            db,
            "view",
            target,
            &Grantees::users([uid(u)]).and_groups([gid(g)]),
        )
        .await
        .unwrap();
        assert_eq!(
            revoke(
                db,
                "view",
                target,
                &Grantees::users([uid(u), uid(su)]).and_groups([gid(g)])
            )
            .await
            .unwrap(),
            0
        );
    }
    for target in [
        Target::object::<document::Entity>(d1),
        Target::object::<note::Entity>(note_id(n1)),
        Target::model::<document::Entity>(),
        Target::everything(),
    ] {
        grant(db, "view", &target, &Grantees::default())
            .await
            .unwrap();
        assert_eq!(
            revoke(db, "view", &target, &Grantees::default())
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            revoke(db, "view", &target, &Grantees::users([]).and_groups([]))
                .await
                .unwrap(),
            0
        );
    }
    assert_eq!(counts(db).await, before);
    assert_eq!(
        permitted(db, &load(db, u).await, Permitted::all_of(["view"])).await,
        set([d1])
    );
}

// ---------------------------------------------------------------------------------------
// Unknown permission names
// ---------------------------------------------------------------------------------------

/// "Not owned by the subject" is read from the database: a snapshot taken before the user
/// had any profile must not list the user's own rows, readable through a grant, as shared.
async fn a_snapshot_from_before_a_profile_shares_none_of_its_rows(db: &DatabaseConnection) {
    let (_, other) = owner_profile(db).await;
    let u = world::user(db, "u", Role::Regular).await;
    let before_profile = load(db, u).await;
    let account = world::account(db, "later").await;
    let mine = world::profile(db, u, account).await;
    let [own] = documents(db, mine, "own").await;
    let [theirs] = documents(db, other, "theirs").await;
    give(
        db,
        "view",
        Target::objects::<document::Entity>([own, theirs]),
        Grantees::users([uid(u)]),
    )
    .await;
    for subject in [&before_profile, &load(db, u).await] {
        assert_eq!(
            ids(
                db,
                document::Entity::find().with_read_permission_for(subject)
            )
            .await,
            set([own, theirs])
        );
        assert_eq!(
            ids(db, document::Entity::find().shared_with(subject)).await,
            set([theirs])
        );
        let shared: BTreeSet<i64> = walk_pages(db, document::Entity::shared_page(subject, 1), 1)
            .await
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(shared, set([theirs]));
    }
}

/// A check of an id no signed 64-bit column can hold (one from a URL, say) answers false;
/// PostgreSQL's driver panics binding such a value, so it is never bound there. SQLite's
/// driver takes no `u64` at all.
async fn unsigned_ids_beyond_i64_are_checked_without_a_panic(db: &DatabaseConnection) {
    if db.get_database_backend() == DbBackend::Sqlite {
        return;
    }
    let (owner_user, owner) = owner_profile(db).await;
    counter::Entity::insert(counter::ActiveModel {
        id: Set(7),
        user_profile_id: Set(owner),
        name: Set("c".to_owned()),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let s = load(db, owner_user).await;
    assert!(counter::Entity::can_read(db, &s, 7u64).await.unwrap());
    assert!(counter::Entity::can_manage(db, &s, 7u64).await.unwrap());
    for id in [i64::MAX as u64 + 1, u64::MAX] {
        assert!(
            !counter::Entity::can_read(db, &s, id).await.unwrap(),
            "{id}"
        );
        assert!(
            !counter::Entity::can_manage(db, &s, id).await.unwrap(),
            "{id}"
        );
    }
}

/// `permitted_for` with as many names as a question may ask for: answered exactly, all-of
/// and any-of, as a scope, a page and a bulk write, on a worker thread's stack (a conjunct
/// per name once nested the statement as deep as the list was long, and overflowed the
/// stack before anything ran). One name more matches nothing.
async fn long_permission_name_lists_are_answered_or_refused(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2, d3] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    let su = world::user(db, "su", Role::Superuser).await;
    // u holds 40 names on d1, half directly and half through its group, and the first
    // of them on d2; "change" on every document.
    let held: Vec<String> = (0..40).map(|k| format!("perm{k:03}")).collect();
    for (k, name) in held.iter().enumerate() {
        let grantees = if k % 2 == 0 {
            Grantees::users([uid(u)])
        } else {
            Grantees::groups([gid(g)])
        };
        give(db, name, Target::object::<document::Entity>(d1), grantees).await;
    }
    give(
        db,
        &held[0],
        Target::object::<document::Entity>(d2),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        "change",
        Target::model::<document::Entity>(),
        Grantees::users([uid(u)]),
    )
    .await;
    let s = load(db, u).await;
    let root = load(db, su).await;
    let unknown = |count: usize| (0..count).map(|k| format!("unknown{k:04}"));
    let longest = |names: &[String]| -> Vec<String> {
        let mut all = names.to_vec();
        all.extend(unknown(Permitted::MAX_NAMES - names.len()));
        all
    };

    let cases = [
        // Every held name, and the model-wide one.
        (Permitted::all_of(held.clone()), set([d1])),
        (
            Permitted::all_of(held.iter().cloned().chain(["change".to_owned()])),
            set([d1]),
        ),
        (
            Permitted::all_of(held.iter().cloned().chain(["change".to_owned()])).objects_only(),
            set([]),
        ),
        (Permitted::all_of(held.clone()).without_groups(), set([])),
        (Permitted::all_of(longest(&held)), set([])),
        (Permitted::any_of(longest(&held)), set([d1, d2])),
        (
            Permitted::any_of(longest(&["change".to_owned()])),
            set([d1, d2, d3]),
        ),
        (
            Permitted::any_of(longest(&["change".to_owned()])).objects_only(),
            set([]),
        ),
    ];
    for (case, (permitted, expected)) in cases.iter().enumerate() {
        assert!(permitted.check().is_ok());
        assert_eq!(
            ids(db, document::Entity::find().permitted_for(&s, permitted)).await,
            *expected,
            "case {case}"
        );
        let paged: BTreeSet<i64> =
            walk_pages(db, document::Entity::permitted_page(&s, permitted, 2), 2)
                .await
                .unwrap()
                .into_iter()
                .collect();
        assert_eq!(paged, *expected);
        // The superuser bypass, for every one of the names.
        assert_eq!(
            ids(db, document::Entity::find().permitted_for(&root, permitted)).await,
            set([d1, d2, d3])
        );
    }
    let touched = document::Entity::update_many()
        .col_expr(document::Column::Body, Expr::value("touched"))
        .permitted_for(&s, &Permitted::all_of(longest(&held)))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(touched.rows_affected, 0);
    let touched = document::Entity::update_many()
        .col_expr(document::Column::Body, Expr::value("touched"))
        .permitted_for(&s, &Permitted::any_of(longest(&held)))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(touched.rows_affected, 2);

    // A name held both on the model and on every model counts once.
    give(
        db,
        "change",
        Target::everything(),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        &held[1],
        Target::everything(),
        Grantees::users([uid(u)]),
    )
    .await;
    let reloaded = load(db, u).await;
    for permitted in [
        Permitted::all_of([held[1].as_str(), "change"]),
        Permitted::all_of([held[1].as_str(), "change"]).without_groups(),
    ] {
        assert_eq!(
            ids(
                db,
                document::Entity::find().permitted_for(&reloaded, &permitted)
            )
            .await,
            set([d1, d2, d3])
        );
    }
    assert_eq!(
        ids(
            db,
            document::Entity::find()
                .permitted_for(&reloaded, &Permitted::all_of([held[0].as_str(), "change"]))
        )
        .await,
        set([d1, d2])
    );

    // Holders of objects of thousands of models: one condition per model, answered.
    let objects: Vec<ObjectRef> = std::iter::once(doc(d1))
        .chain((0..3_000).map(|k| ObjectRef {
            model_name: format!("model{k}"),
            id: Some(Key::Int(d1)),
        }))
        .collect();
    assert_eq!(
        holder_users(db, holders([held[0].as_str()]).objects(objects)).await,
        set([u])
    );

    // One name over the limit: refused by `check`, nothing matched, even for a superuser.
    let over = Permitted::any_of(unknown(Permitted::MAX_NAMES).chain(["view".to_owned()]));
    assert!(matches!(
        over.check(),
        Err(OwnershipError::TooManyValues { .. })
    ));
    for subject in [&s, &root] {
        assert_eq!(
            ids(db, document::Entity::find().permitted_for(subject, &over)).await,
            set([])
        );
        assert!(
            document::Entity::permitted_page(subject, &over, 10)
                .all(db)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

async fn unknown_permission_names_match_nothing(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2, d3] = documents(db, owner, "d").await;
    let n1 = i64::from(new_note(owner, "n1").insert_owned(db).await.unwrap().id);
    let u = world::user(db, "u", Role::Regular).await;
    let su = world::user(db, "su", Role::Superuser).await;
    let g = world::group(db, "g", &[u]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        "change",
        Target::model::<document::Entity>(),
        Grantees::groups([gid(g)]),
    )
    .await;
    give(
        db,
        "delete",
        Target::everything(),
        Grantees::users([uid(u), uid(su)]),
    )
    .await;
    give(
        db,
        "view",
        Target::object::<note::Entity>(note_id(n1)),
        Grantees::users([uid(u)]),
    )
    .await;
    let s = load(db, u).await;
    let root = load(db, su).await;
    let all = set([d1, d2, d3]);

    for unknown in ["unknown", "VIEW", "view ", "views", "vie", "", " "] {
        for p in [
            Permitted::all_of([unknown]),
            Permitted::any_of([unknown]),
            Permitted::all_of([unknown, "view"]),
            Permitted::all_of([unknown, "delete"]),
            Permitted::all_of([unknown]).objects_only(),
            Permitted::all_of([unknown]).without_groups(),
        ] {
            assert_eq!(permitted(db, &s, p.clone()).await, set([]), "{p:?}");
            assert_eq!(
                note_ids(db, note::Entity::find().permitted_for(&s, &p)).await,
                set([]),
                "notes, {p:?}"
            );
            assert_eq!(
                permitted(db, &root, p.clone().without_superuser_bypass()).await,
                set([]),
                "superuser without bypass, {p:?}"
            );
        }
        // An unknown name next to a known one adds nothing to any-of.
        assert_eq!(
            permitted(db, &s, Permitted::any_of([unknown, "view"])).await,
            set([d1])
        );
        assert_eq!(
            permitted(db, &s, Permitted::any_of([unknown, "change"])).await,
            all
        );
        // The superuser bypass is documented: everything, whatever the names.
        assert_eq!(
            permitted(db, &root, Permitted::all_of([unknown])).await,
            all
        );

        for q in [
            holders([unknown]),
            holders([unknown]).objects([doc(d1), doc(d2)]),
            holders([unknown]).model_names(["document", "notes"]),
            holders([unknown])
                .objects([doc(d1)])
                .include_null_object(false),
            holders([unknown]).direct_only(),
        ] {
            assert_eq!(holder_users(db, q.clone()).await, set([]), "{q:?}");
            assert_eq!(holder_groups(db, q).await, set([]));
        }
        assert_eq!(
            holder_users(db, holders([unknown, "view"]).objects([doc(d1)])).await,
            set([u])
        );

        // Revoking an unknown name removes nothing.
        let before = counts(db).await;
        for target in [
            Target::object::<document::Entity>(d1),
            Target::model::<document::Entity>(),
            Target::everything(),
        ] {
            let removed = revoke(
                db,
                unknown,
                &target,
                &Grantees::users([uid(u)]).and_groups([gid(g)]),
            )
            .await;
            assert!(
                matches!(removed, Ok(0) | Err(OwnershipError::InvalidName { .. })),
                "{unknown:?}: {removed:?}"
            );
        }
        assert_eq!(counts(db).await, before);
    }
    // The scopes with the entities' own permissions are untouched by all of that.
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        all
    );
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        set([n1])
    );
}

// ---------------------------------------------------------------------------------------
// Hostile names
// ---------------------------------------------------------------------------------------

/// Names with SQL, LIKE and escape metacharacters and Unicode beyond ASCII: each is data.
const HOSTILE: [&str; 20] = [
    "view",
    "v_ew",
    "vi%",
    "%",
    "_",
    "%%",
    "it's",
    "say \"hi\"",
    "a;b",
    "view'; DELETE FROM document; --",
    "x -- y",
    "back\\slash",
    "\\%",
    "\\",
    "🔑👁\u{200d}🗨",
    "\u{202e}weiv\u{202c}",
    "שלום עולם",
    "é",
    "e\u{301}",
    "Z\u{351}\u{35b}a\u{308}lgo\u{327}",
];

async fn hostile_permission_and_model_names_match_only_themselves(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let docs: [i64; HOSTILE.len()] = documents(db, owner, "d").await;
    let mut users = Vec::new();
    for (i, name) in HOSTILE.iter().enumerate() {
        let u = world::user(db, &format!("u{i}"), Role::Regular).await;
        give(
            db,
            name,
            Target::object::<document::Entity>(docs[i]),
            Grantees::users([uid(u)]),
        )
        .await;
        users.push(u);
    }
    assert_eq!(counts(db).await.object_grants, HOSTILE.len() as u64);
    for (i, name) in HOSTILE.iter().enumerate() {
        let s = load(db, users[i]).await;
        let others: Vec<&str> = HOSTILE.iter().copied().filter(|n| n != name).collect();
        assert_eq!(
            permitted(db, &s, Permitted::all_of([*name])).await,
            set([docs[i]]),
            "{name:?}"
        );
        assert_eq!(
            permitted(db, &s, Permitted::any_of(others.iter().copied())).await,
            set([]),
            "{name:?} against the other names"
        );
        assert_eq!(
            holder_users(db, holders([*name])).await,
            set([users[i]]),
            "{name:?}"
        );
        assert_eq!(
            holder_users(db, holders([*name]).objects(docs.iter().map(|&d| doc(d)))).await,
            set([users[i]]),
            "{name:?}"
        );
        assert_eq!(
            names_held(db, &[users[i]], &[]).await,
            BTreeSet::from([name.to_string()]),
            "{name:?} is stored as given"
        );
    }
    // The wildcards in both directions, spelled out.
    let v_ew = load(db, users[1]).await;
    let view = load(db, users[0]).await;
    assert_eq!(
        permitted(db, &v_ew, Permitted::all_of(["view"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &view, Permitted::all_of(["v_ew"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &view, Permitted::any_of(["%", "_", "vi%", "v%"])).await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["v%", "%view%", "v__w"])).await,
        set([])
    );
    // Revoking a wildcard-looking name removes that name only.
    let removed = revoke(
        db,
        "%",
        &Target::objects::<document::Entity>(docs),
        &Grantees::users(users.iter().map(|&id| uid(id))),
    )
    .await
    .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(counts(db).await.object_grants, HOSTILE.len() as u64 - 1);

    // Model names: a grant on every object of an oddly named model covers that model only,
    // never documents or notes.
    let n1 = i64::from(new_note(owner, "n1").insert_owned(db).await.unwrap().id);
    let model_names = [
        "d_cument",
        "docu%",
        "%",
        "_",
        "Document",
        "document ",
        "document'; --",
        "\\",
        "note",
        "🔑 модель",
        "e\u{301}",
    ];
    let mut model_users = Vec::new();
    for (i, model_name) in model_names.iter().enumerate() {
        let w = world::user(db, &format!("w{i}"), Role::Regular).await;
        for name in ["browse", "view", "change"] {
            give(
                db,
                name,
                Target::model_named(*model_name),
                Grantees::users([uid(w)]),
            )
            .await;
        }
        model_users.push(w);
    }
    for (i, model_name) in model_names.iter().enumerate() {
        let s = load(db, model_users[i]).await;
        sees_nothing(db, &s, &[docs[0], n1], model_name).await;
        assert_eq!(
            holder_users(
                db,
                holders(["browse"])
                    .model_names([*model_name])
                    .include_null_model_name(false)
            )
            .await,
            set([model_users[i]]),
            "{model_name:?}"
        );
    }
    for model_name in ["document", "notes", "doc%", "d%", "docu_ent"] {
        assert_eq!(
            holder_users(
                db,
                holders(["browse"])
                    .model_names([model_name])
                    .include_null_model_name(false)
            )
            .await,
            set([]),
            "{model_name:?}"
        );
    }
    assert_eq!(
        holder_users(
            db,
            holders(["browse"]).objects([doc(docs[0]), ObjectRef::of::<note::Entity>(note_id(n1))])
        )
        .await,
        set([])
    );
}

async fn overlong_and_nul_names_are_refused_and_match_nothing(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let su = world::user(db, "su", Role::Superuser).await;
    let g = world::group(db, "g", &[u]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await;
    give(
        db,
        "view",
        Target::model::<document::Entity>(),
        Grantees::users([uid(su)]),
    )
    .await;
    let s = load(db, u).await;
    let root = load(db, su).await;
    let before = counts(db).await;

    let ten_kb = 10 * 1024;
    let long = [
        "x".repeat(ten_kb),
        "%".repeat(ten_kb),
        "_".repeat(ten_kb),
        format!("view{}", "'".repeat(ten_kb)),
        "🔑".repeat(ten_kb / 4),
        "\u{5d0}\u{301}".repeat(ten_kb / 4),
    ];
    for name in &long {
        let short: String = name.chars().take(8).collect();
        for target in [
            Target::object::<document::Entity>(d2),
            Target::model::<document::Entity>(),
            Target::everything(),
        ] {
            assert!(
                matches!(
                    grant(db, name, &target, &Grantees::users([uid(u)])).await,
                    Err(OwnershipError::InvalidName { what: "permission name", ref name, .. })
                        if name.chars().count() <= 40
                ),
                "{short:?}.. as a permission name"
            );
        }
        assert!(
            matches!(
                grant(
                    db,
                    "view",
                    &Target::model_named(name.as_str()),
                    &Grantees::users([uid(u)])
                )
                .await,
                Err(OwnershipError::InvalidName {
                    what: "model name",
                    ..
                })
            ),
            "{short:?}.. as a model name"
        );
        let removed = revoke(
            db,
            name,
            &Target::object::<document::Entity>(d1),
            &Grantees::users([uid(u)]).and_groups([gid(g)]),
        )
        .await;
        assert!(
            matches!(removed, Ok(0) | Err(OwnershipError::InvalidName { .. })),
            "{short:?}..: {removed:?}"
        );
        assert_eq!(counts(db).await, before, "{short:?}..");

        // In queries a long name is just a name nobody holds.
        assert_eq!(holder_users(db, holders([name.as_str()])).await, set([]));
        assert_eq!(holder_groups(db, holders([name.as_str()])).await, set([]));
        assert_eq!(
            holder_users(
                db,
                holders(["view"])
                    .model_names([name.as_str()])
                    .include_null_model_name(false)
            )
            .await,
            set([])
        );
        assert_eq!(
            holder_users(
                db,
                holders(["view"]).objects([ObjectRef {
                    model_name: name.clone(),
                    id: Some(Key::Int(d1)),
                }])
            )
            .await,
            set([])
        );
        assert_eq!(
            permitted(db, &s, Permitted::all_of([name.as_str()])).await,
            set([])
        );
        assert_eq!(
            permitted(db, &s, Permitted::any_of([name.as_str(), "view"])).await,
            set([d1])
        );
        assert_eq!(
            permitted(
                db,
                &root,
                Permitted::any_of([name.as_str()]).without_superuser_bypass()
            )
            .await,
            set([])
        );
    }

    // A NUL is refused on a grant; in a query it matches nothing or is refused by the
    // database (PostgreSQL cannot bind it as text).
    for name in ["vi\0ew", "\0", "view\0"] {
        assert!(matches!(
            grant(
                db,
                name,
                &Target::object::<document::Entity>(d1),
                &Grantees::users([uid(u)])
            )
            .await,
            Err(OwnershipError::InvalidName {
                what: "permission name",
                ..
            })
        ));
        assert!(matches!(
            grant(
                db,
                "view",
                &Target::model_named(format!("document{name}")),
                &Grantees::users([uid(u)])
            )
            .await,
            Err(OwnershipError::InvalidName {
                what: "model name",
                ..
            })
        ));
        assert_eq!(counts(db).await, before);
        empty_or_error(
            try_holder_users(db, &holders([name])).await,
            "holders of a NUL name",
        );
        empty_or_error(
            try_holder_users(
                db,
                &holders(["view"])
                    .model_names([format!("document{name}")])
                    .include_null_model_name(false),
            )
            .await,
            "holders on a NUL model name",
        );
        let with_nul = document::Entity::find()
            .permitted_for(&s, &Permitted::all_of([name]))
            .select_only()
            .column(document::Column::Id)
            .into_tuple::<i64>()
            .all(db)
            .await
            .map(|rows| rows.into_iter().collect::<BTreeSet<_>>());
        empty_or_error(with_nul, "permitted_for a NUL name");
    }
    assert_eq!(counts(db).await, before);
}

async fn hostile_document_names_are_stored_filtered_and_cloned_exactly(db: &DatabaseConnection) {
    let (owner_id, owner) = owner_profile(db).await;
    let outsider = world::user(db, "outsider", Role::Regular).await;
    let account = world::account(db, "elsewhere").await;
    world::profile(db, outsider, account).await;
    let hostile = [
        "it's \"100%\" a_b\\c; -- DROP 👁 שלום e\u{301}",
        "%",
        "_",
        "\\",
        "'; DELETE FROM document; --",
        "\u{202e}cod\u{202c} ñ 日本 🔑",
    ];
    let mut stored = Vec::new();
    for name in hostile {
        let row = new_document(owner, name).insert_owned(db).await.unwrap();
        let reloaded = document::Entity::find_by_id(row.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reloaded.name, name, "stored as given");
        stored.push(row);
    }
    let plain = world::document(db, owner, "100X aXb").await;
    let me = load(db, owner_id).await;
    let stranger = load(db, outsider).await;
    let readable = ids(db, document::Entity::find().with_read_permission_for(&me)).await;
    assert_eq!(readable.len(), hostile.len() + 1);

    // SeaORM's `contains` binds its argument as a LIKE pattern, unescaped: whatever it
    // matches, the scope keeps exactly the readable part of it.
    for needle in ["%", "_", "\\", "'", "--", "👁", "e\u{301}", "100%"] {
        let unscoped = ids(
            db,
            document::Entity::find().filter(document::Column::Name.contains(needle)),
        )
        .await;
        let scoped = ids(
            db,
            document::Entity::find()
                .with_read_permission_for(&me)
                .filter(document::Column::Name.contains(needle))
                .order_by_asc(document::Column::Id),
        )
        .await;
        let expected: BTreeSet<i64> = unscoped.intersection(&readable).copied().collect();
        assert_eq!(scoped, expected, "{needle:?}");
        assert_eq!(
            ids(
                db,
                document::Entity::find()
                    .with_read_permission_for(&stranger)
                    .filter(document::Column::Name.contains(needle))
            )
            .await,
            set([]),
            "{needle:?} for a stranger"
        );
    }
    // An escaped pattern finds the names holding a literal `%` or `_`, and only those.
    let literally = |c: char| {
        Expr::col(document::Column::Name).like(LikeExpr::new(format!("%!{c}%")).escape('!'))
    };
    let with = |c: char| -> BTreeSet<i64> {
        stored
            .iter()
            .filter(|row| row.name.contains(c))
            .map(|row| row.id)
            .collect()
    };
    for c in ['%', '_'] {
        assert_eq!(
            ids(
                db,
                document::Entity::find()
                    .with_read_permission_for(&me)
                    .filter(literally(c))
            )
            .await,
            with(c),
            "{c:?}"
        );
    }
    assert!(!with('%').contains(&plain));

    // Clones are named after the original, character for character.
    for row in &stored {
        let first = row.clone_owned(db, CloneOptions::new()).await.unwrap();
        let second = row.clone_owned(db, CloneOptions::new()).await.unwrap();
        assert_eq!(first.name, format!("{} (clone)", row.name));
        assert_eq!(second.name, format!("{} (clone 2)", row.name));
        assert_eq!(first.user_profile_id, owner);
        // The hostile name is a name like any other: taken is taken.
        match new_document(owner, &row.name).insert_owned(db).await {
            Err(OwnershipError::DuplicateName { name, owner: o, .. }) => {
                assert_eq!((name.as_str(), o), (row.name.as_str(), owner.into()));
            }
            other => panic!("expected DuplicateName for {:?}, got {other:?}", row.name),
        }
    }
    assert_eq!(counts(db).await.documents, 3 * hostile.len() as u64 + 1);

    // A name too long for the column (MySQL's VARCHAR(255)) is an error and nothing is
    // written; where it fits, it is stored whole, never truncated.
    for name in ["x".repeat(10 * 1024), "%".repeat(300), "🔑".repeat(256)] {
        let before = counts(db).await;
        match new_document(owner, &name).insert_owned(db).await {
            Ok(row) => {
                let reloaded = document::Entity::find_by_id(row.id)
                    .one(db)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(reloaded.name, name, "stored whole");
                let clone = row.clone_owned(db, CloneOptions::new()).await.unwrap();
                assert_eq!(clone.name, format!("{name} (clone)"));
            }
            Err(OwnershipError::Db(_)) => assert_eq!(counts(db).await, before),
            Err(other) => panic!("a name too long for the column: {other:?}"),
        }
    }
    // A clone whose "(clone)" suffix no longer fits: an error, and nothing written.
    let near_limit = new_document(owner, &"n".repeat(250))
        .insert_owned(db)
        .await
        .unwrap();
    let before = counts(db).await;
    match near_limit.clone_owned(db, CloneOptions::new()).await {
        Ok(clone) => assert_eq!(clone.name, format!("{} (clone)", near_limit.name)),
        Err(OwnershipError::Db(_)) => assert_eq!(counts(db).await, before),
        Err(other) => panic!("clone of a 250-character name: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Lists beyond the bind limits
// ---------------------------------------------------------------------------------------

/// More values than any backend binds in one statement: SQLite 32,766, PostgreSQL and
/// MySQL 65,535.
const MANY: usize = 70_000;

async fn id_lists_beyond_every_bind_limit(db: &DatabaseConnection) {
    let started = Instant::now();
    let (owner_id, owner) = owner_profile(db).await;
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;

    let txn = db.begin().await.unwrap();
    for start in (0..MANY).step_by(1_000) {
        let rows =
            (start..(start + 1_000).min(MANY)).map(|i| new_document(owner, &format!("b{i}")));
        document::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let doc_ids: Vec<i64> = document::Entity::find()
        .select_only()
        .column(document::Column::Id)
        .order_by_asc(document::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(doc_ids.len(), MANY);
    let inserted = started.elapsed();
    let refs: Vec<ObjectRef> = doc_ids.iter().map(|&id| doc(id)).collect();
    let all = || Target::objects::<document::Entity>(doc_ids.iter().copied());
    let missing_doc = doc_ids[MANY - 1] + 1;

    // A list longer than a statement can bind is refused before it reaches the database.
    match holders(["view"]).objects(refs.clone()).users() {
        Err(OwnershipError::TooManyValues { given, limit, .. }) => {
            assert!(given >= MANY, "{given}");
            assert!(limit < MANY, "{limit}");
        }
        other => panic!("expected TooManyValues, got {:?}", other.map(|_| ())),
    }
    assert!(matches!(
        holders(["view"]).objects(refs.clone()).groups(),
        Err(OwnershipError::TooManyValues { given, .. }) if given >= MANY
    ));
    let many_names: Vec<String> = (0..MANY).map(|i| format!("p{i}")).collect();
    assert!(matches!(
        holders(many_names.clone()).users(),
        Err(OwnershipError::TooManyValues { given, .. }) if given >= MANY
    ));
    assert!(matches!(
        holders(["view"]).model_names(many_names.clone()).groups(),
        Err(OwnershipError::TooManyValues { given, .. }) if given >= MANY
    ));
    let many_users: Vec<i64> = std::iter::once(u)
        .chain((1..MANY as i64).map(|i| u + 1_000 + i))
        .collect();
    assert!(matches!(
        permissions_of(many_users.iter().map(|&id| uid(id)), []),
        Err(OwnershipError::TooManyValues { given, .. }) if given >= MANY
    ));
    assert!(matches!(
        permissions_of([], many_users.iter().map(|&id| gid(id))),
        Err(OwnershipError::TooManyValues { given, .. }) if given >= MANY
    ));

    // Grants to 70,000 users, nearly all unknown, or on 70,000 objects and one unknown:
    // typed errors, nothing written.
    let before = counts(db).await;
    match grant(
        db,
        "view",
        &all(),
        &Grantees::users(many_users.iter().map(|&id| uid(id))),
    )
    .await
    {
        Err(OwnershipError::UnknownUsers(unknown)) => {
            assert_eq!(unknown.len(), MANY - 1);
            assert_eq!(unknown.first(), Some(&uid(u + 1_001)));
        }
        other => panic!(
            "expected UnknownUsers, got {:?}",
            other.map_err(|e| e.to_string().len())
        ),
    }
    let unknown_groups = many_users.iter().filter(|&&id| id != g).count();
    match grant(
        db,
        "view",
        &all(),
        &Grantees::groups(many_users.iter().map(|&id| gid(id))),
    )
    .await
    {
        Err(OwnershipError::UnknownGroups(unknown)) => assert_eq!(unknown.len(), unknown_groups),
        other => panic!(
            "expected UnknownGroups, got {:?}",
            other.map_err(|e| e.to_string().len())
        ),
    }
    let one_missing =
        Target::objects::<document::Entity>(doc_ids.iter().copied().chain([missing_doc]));
    match grant(db, "view", &one_missing, &Grantees::users([uid(u)])).await {
        Err(OwnershipError::UnknownObjects { model, ids }) => {
            assert_eq!(
                (model.as_str(), ids),
                ("document", vec![Key::Int(missing_doc)])
            );
        }
        other => panic!("expected UnknownObjects, got {other:?}"),
    }
    assert_eq!(counts(db).await, before);

    // Granting on 70,000 objects works, split inside one transaction.
    let granting = Instant::now();
    give(db, "view", all(), Grantees::users([uid(u)])).await;
    let granted = granting.elapsed();
    let after = counts(db).await;
    assert_eq!(
        (after.object_grants, after.permissions, after.user_grants),
        (MANY as u64, 0, 0)
    );
    let s = load(db, u).await;
    let viewable = document::Entity::find()
        .permitted_for(&s, &Permitted::all_of(["view"]))
        .count(db)
        .await
        .unwrap();
    assert_eq!(viewable, MANY as u64);
    assert!(
        document::Entity::can_read(db, &s, doc_ids[MANY - 1])
            .await
            .unwrap()
    );
    assert_eq!(
        document::Entity::find()
            .with_read_permission_for(&load(db, owner_id).await)
            .count(db)
            .await
            .unwrap(),
        MANY as u64
    );

    // A question of more names than `Permitted::MAX_NAMES` matches nothing, never a wider
    // answer, and `check` names the problem.
    let mut names_and_view = many_names.clone();
    names_and_view.push("view".to_owned());
    let too_many = Permitted::any_of(names_and_view);
    assert!(matches!(
        too_many.check(),
        Err(OwnershipError::TooManyValues { given, limit, .. })
            if given == MANY + 1 && limit == Permitted::MAX_NAMES
    ));
    assert_eq!(
        document::Entity::find()
            .permitted_for(&s, &too_many)
            .count(db)
            .await
            .unwrap(),
        0
    );

    // Revoking on 70,000 objects.
    let revoking = Instant::now();
    let removed = revoke(
        db,
        "view",
        &all(),
        &Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await
    .unwrap();
    assert_eq!(removed, MANY as u64);
    let after = counts(db).await;
    assert_eq!((after.object_grants, after.user_grants), (0, 0));
    assert_eq!(
        document::Entity::find()
            .permitted_for(&s, &Permitted::all_of(["view"]))
            .count(db)
            .await
            .unwrap(),
        0
    );
    // Revoking from 70,000 users and 70,000 groups (one real of each).
    let first = || Target::object::<document::Entity>(doc_ids[0]);
    give(
        db,
        "change",
        first(),
        Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await;
    let groups: Vec<i64> = std::iter::once(g)
        .chain(many_users[1..].iter().copied())
        .collect();
    assert_eq!(
        revoke(
            db,
            "change",
            &first(),
            &Grantees::users(many_users.iter().map(|&id| uid(id)))
                .and_groups(groups.iter().map(|&id| gid(id)))
        )
        .await
        .unwrap(),
        2
    );
    let revoked = revoking.elapsed();

    // Deleting all of them takes their grants along.
    give(db, "view", all(), Grantees::users([uid(u)])).await;
    assert_eq!(
        document::Entity::delete_many()
            .exec(db)
            .await
            .unwrap()
            .rows_affected,
        MANY as u64
    );
    let after = counts(db).await;
    assert_eq!((after.documents, after.object_grants), (0, 0));
    eprintln!(
        "{MANY} ids: inserted in {inserted:?}, granted in {granted:?}, revoked in \
         {revoked:?}, all in {:?}",
        started.elapsed()
    );
}

/// The most values one `holders` or `permissions_of` statement binds, read from the error
/// for a longer list.
fn bind_limit() -> usize {
    let refs = (0..MANY as i64).map(doc);
    match holders(["view"]).objects(refs).users() {
        Err(OwnershipError::TooManyValues { given, limit, .. }) if given >= MANY => limit,
        other => panic!("expected TooManyValues, got {:?}", other.map(|_| ())),
    }
}

/// The values a holder statement binds besides its one long list (names, model names).
const OTHER_VALUES: usize = 16;

/// The owned entities linked into this test program, each with its own pair of grant
/// tables: document, note, hr_note, admin_note, counter, uuid_doc, slug_doc, shared_doc,
/// parcel, report, invoice.
const OWNED_ENTITIES: usize = 11;

/// A list of the accepted length is answered in full, on every backend.
async fn lists_at_the_bind_limit_are_answered_in_full(db: &DatabaseConnection) {
    // Each list is bound once per grant table the question checks it against, so a list as
    // long as the statement can take besides its few other values, divided by that number
    // of tables, is answered, on SQLite too: objects and model names are checked against
    // one pair of tables (the objects' entity's, the whole-model grants'), names and users
    // against every pair, groups against every group table.
    let room = bind_limit() - OTHER_VALUES;
    let every_pair = 2 * (1 + OWNED_ENTITIES);
    let (_, owner) = owner_profile(db).await;
    let [d1] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let m = world::user(db, "m", Role::Regular).await;
    let g = world::group(db, "g", &[m]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await;
    give(
        db,
        "change",
        Target::model::<document::Entity>(),
        Grantees::users([uid(u)]),
    )
    .await;
    // Long lists of objects, model names, users, groups and names, the real ones among them.
    let objects: Vec<ObjectRef> = std::iter::once(doc(d1))
        .chain((1..(room / 2) as i64).map(|i| doc(d1 + i)))
        .collect();
    let model_names: Vec<String> = std::iter::once("document".to_owned())
        .chain((1..room / 2).map(|i| format!("model{i}")))
        .collect();
    let users: Vec<i64> = std::iter::once(u)
        .chain((1..(room / every_pair) as i64).map(|i| m + i))
        .collect();
    let groups: Vec<i64> = std::iter::once(g)
        .chain((1..(room / (1 + OWNED_ENTITIES)) as i64).map(|i| g + i))
        .collect();
    let names: Vec<String> = std::iter::once("view".to_owned())
        .chain((1..room / every_pair).map(|i| format!("p{i}")))
        .collect();
    assert!(
        objects.len() * 2 < 32_766 && names.len() > 1_000,
        "long lists, that fit in one statement on SQLite"
    );

    let mut failed: Vec<String> = Vec::new();
    for (what, question, expected) in [
        (
            "objects",
            holders(["view"]).objects(objects.clone()),
            set([u, m]),
        ),
        (
            "objects, no NULL object",
            holders(["view"])
                .objects(objects.clone())
                .include_null_object(false),
            set([u, m]),
        ),
        (
            "model names",
            holders(["change"]).model_names(model_names.clone()),
            set([u]),
        ),
        ("names", holders(names.clone()), set([u, m])),
    ] {
        match try_holder_users(db, &question).await {
            Ok(users) if users == expected => {}
            Ok(users) => failed.push(format!("{what}: {users:?}, not {expected:?}")),
            Err(err) => failed.push(format!("{what}: {err}")),
        }
    }
    for (what, users, groups, expected) in [
        ("permissions_of users", &users[..], &[][..], 2),
        ("permissions_of groups", &[][..], &groups[..], 1),
    ] {
        let held = permissions_of(
            users.iter().map(|&id| uid(id)),
            groups.iter().map(|&id| gid(id)),
        )
        .expect("within the limit")
        .all(db)
        .await;
        match held {
            Ok(held) if held.len() == expected => {}
            Ok(held) => failed.push(format!("{what}: {} rows, not {expected}", held.len())),
            Err(err) => failed.push(format!("{what}: {err}")),
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

// ---------------------------------------------------------------------------------------
// Extreme ids
// ---------------------------------------------------------------------------------------

const EXTREME: [i64; 6] = [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX];

/// The ids in their keys' order: the extremes' UUIDs and slugs sort otherwise than the
/// integers they are made from.
fn sorted<T: Ord>(ids: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut ids: Vec<T> = ids.into_iter().collect();
    ids.sort();
    ids
}

async fn extreme_ids_are_unknown_or_exact(db: &DatabaseConnection) {
    let (owner_id, owner) = owner_profile(db).await;
    let [d1] = documents(db, owner, "d").await;
    let original_note = new_note(owner, "memo").insert_owned(db).await.unwrap();
    let u = world::user(db, "u", Role::Regular).await;
    let su = world::user(db, "su", Role::Superuser).await;
    let g = world::group(db, "g", &[u]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]),
    )
    .await;
    let root = load(db, su).await;
    let before = counts(db).await;

    for id in EXTREME {
        // Nobody: an unknown user is anonymous, not an error.
        let nobody = Subject::load(db, uid(id)).await.unwrap();
        assert!(nobody.is_anonymous(), "{id}");
        sees_nothing(db, &nobody, &[d1], &format!("user {id}")).await;
        // No row: even a superuser cannot read or manage it.
        for subject in [&root, &load(db, owner_id).await] {
            assert!(!document::Entity::can_read(db, subject, id).await.unwrap());
            assert!(!document::Entity::can_manage(db, subject, id).await.unwrap());
        }
        assert_eq!(
            holder_users(
                db,
                holders(["view"])
                    .objects([doc(id)])
                    .include_null_object(false)
            )
            .await,
            set([])
        );
        assert!(names_held(db, &[id], &[id]).await.is_empty());
        assert_eq!(
            revoke(
                db,
                "view",
                &Target::object::<document::Entity>(id),
                &Grantees::users([uid(id), uid(u)]).and_groups([gid(id), gid(g)])
            )
            .await
            .unwrap(),
            0
        );
    }
    for id in [i32::MIN, -1, 0, i32::MAX] {
        assert!(!note::Entity::can_read(db, &root, id).await.unwrap());
        assert!(!note::Entity::can_manage(db, &root, id).await.unwrap());
    }

    // Grants on such objects or to such users and groups are typed errors.
    match grant(
        db,
        "view",
        &Target::objects::<document::Entity>(EXTREME.into_iter().chain([d1])),
        &Grantees::users([uid(u)]),
    )
    .await
    {
        Err(OwnershipError::UnknownObjects { model, ids }) => {
            assert_eq!(
                (model.as_str(), ids),
                ("document", EXTREME.map(Key::Int).to_vec())
            );
        }
        other => panic!("expected UnknownObjects, got {other:?}"),
    }
    // The note's id is an i32, and its targets take i32 ids: its extremes are unknown.
    let note_extremes = [i32::MIN, -1, 0, i32::MAX];
    match grant(
        db,
        "view",
        &Target::objects::<note::Entity>(note_extremes),
        &Grantees::users([uid(u)]),
    )
    .await
    {
        Err(OwnershipError::UnknownObjects { model, ids }) => {
            let expected = note_extremes.map(|id| Key::Int(id.into())).to_vec();
            assert_eq!((model.as_str(), ids), ("notes", expected));
        }
        other => panic!("expected UnknownObjects, got {other:?}"),
    }
    match grant(
        db,
        "view",
        &Target::everything(),
        &Grantees::users(EXTREME.into_iter().chain([u]).map(uid)),
    )
    .await
    {
        Err(OwnershipError::UnknownUsers(unknown)) => {
            assert_eq!(sorted(unknown), sorted(EXTREME.map(uid)))
        }
        other => panic!("expected UnknownUsers, got {other:?}"),
    }
    match grant(
        db,
        "view",
        &Target::model::<document::Entity>(),
        &Grantees::users([uid(u)]).and_groups(EXTREME.into_iter().chain([g]).map(gid)),
    )
    .await
    {
        Err(OwnershipError::UnknownGroups(unknown)) => {
            assert_eq!(sorted(unknown), sorted(EXTREME.map(gid)))
        }
        other => panic!("expected UnknownGroups, got {other:?}"),
    }
    assert_eq!(counts(db).await, before);

    // Rows pointing at a profile that does not exist: a database error (the foreign key),
    // and nothing written.
    for owner_id in EXTREME {
        for options in [
            CloneOptions::new().owner(owner_id.into()),
            CloneOptions::new().owner(owner_id.into()).name("copy"),
        ] {
            assert!(
                matches!(
                    original_note.clone_owned(db, options).await,
                    Err(OwnershipError::Db(_))
                ),
                "note clone to owner {owner_id}"
            );
        }
        let original_doc = document::Entity::find_by_id(d1)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            original_doc
                .clone_owned(db, CloneOptions::new().owner(owner_id.into()))
                .await,
            Err(OwnershipError::Db(_))
        ));
        assert!(matches!(
            new_document(owner_id, "orphan").insert_owned(db).await,
            Err(OwnershipError::Db(_))
        ));
        assert!(matches!(
            new_note(owner_id, "orphan").insert_owned(db).await,
            Err(OwnershipError::Db(_))
        ));
        let mut moved = original_doc.into_active_model();
        moved.user_profile_id = Set(owner_id);
        assert!(matches!(
            moved.update_owned(db).await,
            Err(OwnershipError::Db(_))
        ));
    }
    assert_eq!(counts(db).await, before);
    assert_eq!(
        document::Entity::find_by_id(d1)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .user_profile_id,
        owner
    );

    // Rows that do have extreme ids (given explicitly; inserted last, since MySQL cannot
    // auto-increment past the largest): grants on them are exact to the id.
    let extremes = [i64::MIN, -1, i64::MAX];
    for (i, id) in extremes.into_iter().enumerate() {
        document::Entity::insert(document::ActiveModel {
            id: Set(id),
            ..new_document(owner, &format!("extreme{i}"))
        })
        .exec_without_returning(db)
        .await
        .unwrap();
    }
    let [low, minus_one, high] = extremes;
    let v = world::user(db, "v", Role::Regular).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(high),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        "change",
        Target::objects::<document::Entity>([low, minus_one]),
        Grantees::users([uid(v)]),
    )
    .await;
    let s = load(db, u).await;
    let t = load(db, v).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d1, high])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        set([d1, high])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_manage_permission_for(&t)).await,
        set([low, minus_one])
    );
    assert!(document::Entity::can_read(db, &s, high).await.unwrap());
    assert!(!document::Entity::can_read(db, &s, low).await.unwrap());
    assert!(!document::Entity::can_manage(db, &s, high).await.unwrap());
    assert!(document::Entity::can_manage(db, &t, low).await.unwrap());
    assert!(!document::Entity::can_manage(db, &t, high).await.unwrap());
    assert_eq!(
        holder_users(
            db,
            holders(["view", "change"])
                .objects([doc(high)])
                .include_null_object(false)
        )
        .await,
        set([u])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view", "change"])
                .objects([doc(low)])
                .include_null_object(false)
        )
        .await,
        set([v])
    );
    // Deleting the largest takes its grants along and leaves the others' alone.
    assert_eq!(
        document::Entity::delete_by_id(high)
            .exec(db)
            .await
            .unwrap()
            .rows_affected,
        1
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d1])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_manage_permission_for(&t)).await,
        set([low, minus_one])
    );
}

// ---------------------------------------------------------------------------------------
// Identities: inactive, without a profile, gone, missing
// ---------------------------------------------------------------------------------------

async fn inactive_users_get_nothing(db: &DatabaseConnection) {
    let acme = world::account(db, "acme").await;
    let idle = world::user(db, "idle", Role::Inactive).await;
    let idle_profile = world::profile(db, idle, acme).await;
    let boss = world::user(db, "boss", Role::Superuser).await;
    // An inactive superuser and staff, too.
    let idle_root = world::user(db, "idle_root", Role::Superuser).await;
    let idle_staff = world::user(db, "idle_staff", Role::Staff).await;
    for id in [idle_root, idle_staff] {
        world::profile(db, id, acme).await;
        world::deactivate(db, id).await;
    }
    let boss_profile = world::profile(db, boss, acme).await;
    let own = world::document(db, idle_profile, "own").await;
    let bosses = world::document(db, boss_profile, "boss's").await;
    let [shared] = documents(db, boss_profile, "shared").await;
    let own_note = i64::from(
        new_note(idle_profile, "n")
            .insert_owned(db)
            .await
            .unwrap()
            .id,
    );
    let g = world::group(db, "g", &[idle, idle_root, idle_staff]).await;
    for name in ["view", "change", "delete"] {
        for target in [
            Target::object::<document::Entity>(shared),
            Target::model::<document::Entity>(),
            Target::everything(),
        ] {
            give(
                db,
                name,
                target,
                Grantees::users([uid(idle), uid(idle_root), uid(idle_staff)]).and_groups([gid(g)]),
            )
            .await;
        }
    }
    let before = counts(db).await;

    for who in [idle, idle_root, idle_staff] {
        let s = load(db, who).await;
        assert!(!s.is_anonymous());
        sees_nothing(db, &s, &[own, bosses, shared, own_note], "inactive").await;
        for p in [
            Permitted::all_of(["view"]),
            Permitted::any_of(["view", "change"]).without_groups(),
            Permitted::all_of(["view"]).objects_only(),
            Permitted::all_of(["delete"]).without_superuser_bypass(),
        ] {
            assert_eq!(permitted(db, &s, p).await, set([]));
        }
        // Bulk writes through the scopes touch nothing.
        let updated = document::Entity::update_many()
            .col_expr(document::Column::Body, Expr::value("overwritten"))
            .with_manage_permission_for(&s)
            .exec(db)
            .await
            .unwrap();
        assert_eq!(updated.rows_affected, 0);
        let deleted = document::Entity::delete_many()
            .with_manage_permission_for(&s)
            .exec(db)
            .await
            .unwrap();
        assert_eq!(deleted.rows_affected, 0);
        let deleted = note::Entity::delete_many()
            .permitted_for(&s, &Permitted::any_of(["delete"]))
            .exec(db)
            .await
            .unwrap();
        assert_eq!(deleted.rows_affected, 0);
    }
    assert_eq!(counts(db).await, before);
    assert!(
        document::Entity::find()
            .filter(document::Column::Body.eq("overwritten"))
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
    // Holders list active users only; the group still holds its grants.
    assert_eq!(holder_users(db, holders(["view"])).await, set([]));
    assert_eq!(holder_groups(db, holders(["view"])).await, set([g]));
    // A loaded snapshot that says "active" does not outlive a deactivation.
    let active = world::user(db, "active", Role::Regular).await;
    world::group(db, "g2", &[active]).await;
    give(
        db,
        "view",
        Target::everything(),
        Grantees::users([uid(active)]),
    )
    .await;
    let snapshot = load(db, active).await;
    assert_eq!(
        ids(
            db,
            document::Entity::find().with_read_permission_for(&snapshot)
        )
        .await,
        set([own, bosses, shared])
    );
    world::deactivate(db, active).await;
    sees_nothing(db, &snapshot, &[own, bosses, shared], "deactivated").await;
}

async fn users_without_a_profile_get_only_their_grants(db: &DatabaseConnection) {
    let acme = world::account(db, "acme").await;
    let root = world::user(db, "root", Role::Superuser).await;
    let staff = world::user(db, "staff", Role::Staff).await;
    let regular = world::user(db, "regular", Role::Regular).await;
    let [root_p, staff_p, regular_p] = [
        world::profile(db, root, acme).await,
        world::profile(db, staff, acme).await,
        world::profile(db, regular, acme).await,
    ];
    let of_root = world::document(db, root_p, "root's").await;
    let of_staff = world::document(db, staff_p, "staff's").await;
    let [r1, r2, r3] = documents(db, regular_p, "r").await;
    let of_regular_note = i64::from(new_note(regular_p, "n").insert_owned(db).await.unwrap().id);
    let everything = set([of_root, of_staff, r1, r2, r3]);

    let lone = world::user(db, "lone", Role::Regular).await;
    let lone_staff = world::user(db, "lone_staff", Role::Staff).await;
    let lone_root = world::user(db, "lone_root", Role::Superuser).await;
    for who in [lone, lone_staff] {
        let s = load(db, who).await;
        assert!(s.user().unwrap().profiles.is_empty());
        // No ownership branch: not the superuser's rows, not the staff's, not its own.
        sees_nothing(db, &s, &[of_root, of_staff, r1], "no profile, no grant").await;
    }
    // A superuser with no profile still sees everything.
    let s = load(db, lone_root).await;
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        everything
    );
    assert_eq!(
        ids(db, document::Entity::find().owned_by(&s)).await,
        set([])
    );

    // Grants count.
    let g = world::group(db, "g", &[lone_staff]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(r1),
        Grantees::users([uid(lone), uid(lone_staff)]),
    )
    .await;
    give(
        db,
        "change",
        Target::object::<document::Entity>(r2),
        Grantees::users([uid(lone)]).and_groups([gid(g)]),
    )
    .await;
    give(
        db,
        "view",
        Target::object::<note::Entity>(note_id(of_regular_note)),
        Grantees::users([uid(lone)]),
    )
    .await;
    for who in [lone, lone_staff] {
        let s = load(db, who).await;
        assert_eq!(
            ids(db, document::Entity::find().with_read_permission_for(&s)).await,
            set([r1, r2])
        );
        assert_eq!(
            ids(db, document::Entity::find().with_manage_permission_for(&s)).await,
            set([r2])
        );
        assert_eq!(
            ids(db, document::Entity::find().shared_with(&s)).await,
            set([r1, r2])
        );
        assert_eq!(
            ids(db, document::Entity::find().owned_by(&s)).await,
            set([])
        );
        assert!(!document::Entity::can_read(db, &s, of_root).await.unwrap());
        assert!(!document::Entity::can_read(db, &s, r3).await.unwrap());
    }
    let s = load(db, lone).await;
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        set([of_regular_note])
    );
}

async fn a_loaded_subject_keeps_nothing_the_database_no_longer_grants(db: &DatabaseConnection) {
    let home = world::account(db, "home").await;
    let side = world::account(db, "side").await;
    let boss = world::user(db, "boss", Role::Staff).await;
    let boss_p = world::profile(db, boss, side).await;
    let staff_doc = world::document(db, boss_p, "staff's").await;
    let x = world::user(db, "x", Role::Regular).await;
    let x_home = world::profile(db, x, home).await;
    let x_side = world::profile(db, x, side).await;
    let owned = world::document(db, x_home, "x's").await;
    let elsewhere = world::account(db, "elsewhere").await;
    let other = world::user(db, "other", Role::Regular).await;
    let other_p = world::profile(db, other, elsewhere).await;
    let [granted_doc, group_doc] = documents(db, other_p, "d").await;
    let g = world::group(db, "g", &[x]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(group_doc),
        Grantees::groups([gid(g)]),
    )
    .await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(granted_doc),
        Grantees::users([uid(x)]),
    )
    .await;
    let s = load(db, x).await;
    let readable = || ids(db, document::Entity::find().with_read_permission_for(&s));
    assert_eq!(
        readable().await,
        set([owned, staff_doc, granted_doc, group_doc])
    );

    // The group is deleted: its grant goes with it.
    world::delete_group(db, g).await;
    assert_eq!(readable().await, set([owned, staff_doc, granted_doc]));
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([granted_doc])
    );
    // The profile in the staff's account is deleted: the staff's rows are no longer read.
    world::try_delete_profile(db, x_side).await.unwrap();
    assert_eq!(readable().await, set([owned, granted_doc]));
    assert!(!document::Entity::can_read(db, &s, staff_doc).await.unwrap());

    // A user deleted after loading (it owns nothing, so the delete is allowed): nothing,
    // and no grant is left pointing at it.
    let y = world::user(db, "y", Role::Staff).await;
    world::profile(db, y, side).await;
    let g2 = world::group(db, "g2", &[y]).await;
    give(
        db,
        "view",
        Target::everything(),
        Grantees::users([uid(y)]).and_groups([gid(g2)]),
    )
    .await;
    let stale = load(db, y).await;
    assert_eq!(
        ids(
            db,
            document::Entity::find().with_read_permission_for(&stale)
        )
        .await,
        set([owned, staff_doc, granted_doc, group_doc])
    );
    assert_eq!(
        ids(
            db,
            document::Entity::find().with_manage_permission_for(&stale)
        )
        .await,
        set([staff_doc])
    );
    let grants_before = counts(db).await.user_grants;
    world::delete_user(db, y).await;
    sees_nothing(
        db,
        &stale,
        &[owned, staff_doc, granted_doc, group_doc],
        "deleted",
    )
    .await;
    assert_eq!(counts(db).await.user_grants, grants_before - 1);
    assert!(!holder_users(db, holders(["view"])).await.contains(&y));
    // The remaining user's own rows and direct grant are unaffected.
    assert_eq!(readable().await, set([owned, granted_doc]));

    // A new user given y's id (an explicit id: sequences never hand one out twice, but an
    // import may) is another user. The stale snapshot names that id, yet gets nothing the
    // new superuser holds, owns or is granted; the new user's own snapshot gets it all.
    let again = world::try_user_with_flags(db, Some(y), "y again", (true, true, true))
        .await
        .unwrap();
    assert_eq!(again, y);
    let again_p = world::profile(db, y, side).await;
    let again_doc = world::document(db, again_p, "y again's").await;
    let g3 = world::group(db, "g3", &[y]).await;
    give(
        db,
        "view",
        Target::everything(),
        Grantees::users([uid(y)]).and_groups([gid(g3)]),
    )
    .await;
    give(
        db,
        "change",
        Target::object::<document::Entity>(owned),
        Grantees::users([uid(y)]),
    )
    .await;
    let everything = [owned, staff_doc, granted_doc, group_doc, again_doc];
    sees_nothing(
        db,
        &stale,
        &everything,
        "a deleted user's id given to a new user",
    )
    .await;
    let fresh = load(db, y).await;
    assert_ne!(
        fresh.user().unwrap().security_stamp,
        stale.user().unwrap().security_stamp
    );
    for select in [
        document::Entity::find().with_read_permission_for(&fresh),
        document::Entity::find().with_manage_permission_for(&fresh),
    ] {
        assert_eq!(ids(db, select).await, set(everything));
    }
    assert_eq!(
        ids(db, document::Entity::find().owned_by(&fresh)).await,
        set([again_doc])
    );
    let first_page = document::Entity::readable_page(&fresh, 50).all(db).await;
    assert_eq!(first_page.unwrap().len(), everything.len());
    assert!(
        document::Entity::can_manage(db, &fresh, owned)
            .await
            .unwrap()
    );
    // x reads what a superuser owns: the new user's row now.
    assert_eq!(readable().await, set([owned, granted_doc, again_doc]));
}

async fn grants_to_missing_users_or_groups_write_nothing(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    let gone_user = world::user(db, "gone", Role::Regular).await;
    let gone_group = world::group(db, "gone", &[]).await;
    world::delete_user(db, gone_user).await;
    world::delete_group(db, gone_group).await;
    let before = counts(db).await;
    let targets = [
        Target::objects::<document::Entity>([d1, d2]),
        Target::model::<document::Entity>(),
        Target::everything(),
    ];
    for target in &targets {
        match grant(
            db,
            "view",
            target,
            &Grantees::users([uid(u), uid(gone_user)]).and_groups([gid(g)]),
        )
        .await
        {
            Err(OwnershipError::UnknownUsers(unknown)) => {
                assert_eq!(unknown, vec![uid(gone_user)])
            }
            other => panic!("expected UnknownUsers, got {other:?}"),
        }
        match grant(
            db,
            "view",
            target,
            &Grantees::users([uid(u)]).and_groups([gid(gone_group), gid(g)]),
        )
        .await
        {
            Err(OwnershipError::UnknownGroups(unknown)) => {
                assert_eq!(unknown, vec![gid(gone_group)])
            }
            other => panic!("expected UnknownGroups, got {other:?}"),
        }
        // Both missing: the users are reported.
        assert!(matches!(
            grant(
                db,
                "view",
                target,
                &Grantees::users([uid(gone_user)]).and_groups([gid(gone_group)])
            )
            .await,
            Err(OwnershipError::UnknownUsers(_))
        ));
        assert_eq!(
            revoke(
                db,
                "view",
                target,
                &Grantees::users([uid(gone_user)]).and_groups([gid(gone_group)])
            )
            .await
            .unwrap(),
            0
        );
        assert_eq!(counts(db).await, before);
    }
    assert_eq!(
        permitted(db, &load(db, u).await, Permitted::any_of(["view"])).await,
        set([])
    );
}

async fn duplicate_names_are_typed_errors_and_write_nothing(db: &DatabaseConnection) {
    let acme = world::account(db, "acme").await;
    let a = world::user(db, "a", Role::Regular).await;
    let b = world::user(db, "b", Role::Regular).await;
    let pa = world::profile(db, a, acme).await;
    let pb = world::profile(db, b, acme).await;
    let plan = new_document(pa, "plan 100%")
        .insert_owned(db)
        .await
        .unwrap();
    let draft = new_document(pa, "draft").insert_owned(db).await.unwrap();
    let other = new_document(pb, "plan 100%")
        .insert_owned(db)
        .await
        .unwrap();
    let memo = new_note(pa, "memo").insert_owned(db).await.unwrap();
    let memo2 = new_note(pa, "memo 2").insert_owned(db).await.unwrap();
    let before = counts(db).await;
    // Insert.
    expect_duplicate(
        new_document(pa, "plan 100%").insert_owned(db).await,
        "document",
        pa,
        "plan 100%",
    );
    expect_duplicate(
        new_note(pa, "memo").insert_owned(db).await,
        "notes",
        pa,
        "memo",
    );
    // Update: renaming onto a taken name, or moving to an owner that uses it.
    let mut renamed = draft.clone().into_active_model();
    renamed.name = Set("plan 100%".to_owned());
    expect_duplicate(renamed.update_owned(db).await, "document", pa, "plan 100%");
    let mut moved = other.clone().into_active_model();
    moved.user_profile_id = Set(pa);
    expect_duplicate(moved.update_owned(db).await, "document", pa, "plan 100%");
    let mut retitled = memo2.clone().into_active_model();
    retitled.title = Set("memo".to_owned());
    expect_duplicate(retitled.update_owned(db).await, "notes", pa, "memo");
    // Clone: onto a taken name, or to an owner that uses it.
    expect_duplicate(
        draft
            .clone_owned(db, CloneOptions::new().name("plan 100%"))
            .await,
        "document",
        pa,
        "plan 100%",
    );
    expect_duplicate(
        plan.clone_owned(db, CloneOptions::new().owner(pb.into()).name("plan 100%"))
            .await,
        "document",
        pb,
        "plan 100%",
    );
    expect_duplicate(
        memo2
            .clone_owned(db, CloneOptions::new().name("memo").version(7))
            .await,
        "notes",
        pa,
        "memo",
    );
    assert_eq!(counts(db).await, before);
    for (row, name, owner) in [
        (&plan, "plan 100%", pa),
        (&draft, "draft", pa),
        (&other, "plan 100%", pb),
    ] {
        let now = document::Entity::find_by_id(row.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((now.name.as_str(), now.user_profile_id), (name, owner));
    }
    let now = note::Entity::find_by_id(memo2.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.title.as_str(), now.version), ("memo 2", 1));
    assert_eq!(
        note::Entity::find_by_id(memo.id).one(db).await.unwrap(),
        Some(memo)
    );

    // A name differing only in case: a duplicate where the column's collation ignores
    // case (MySQL's default), a new row elsewhere; never a plain database error.
    match new_document(pa, "PLAN 100%").insert_owned(db).await {
        Ok(row) => assert_eq!(row.name, "PLAN 100%"),
        Err(err) => {
            assert!(
                matches!(err, OwnershipError::DuplicateName { .. }),
                "{err:?}"
            );
            assert_eq!(counts(db).await, before);
        }
    }
}

/// Fails unless `result` is the duplicate of `name` for `owner`.
fn expect_duplicate<T: Debug>(
    result: Result<T, OwnershipError>,
    model: &str,
    owner: i64,
    name: &str,
) {
    match result {
        Err(OwnershipError::DuplicateName {
            model: m,
            owner: o,
            name: n,
        }) => assert_eq!((m, o, n.as_str()), (model, owner.into(), name)),
        other => panic!("expected DuplicateName for {name:?}, got {other:?}"),
    }
}

// A grant on one object of a model that is not owned cannot be written with this API:
// `Target::object::<E>` and `Target::objects::<E>` require `E: OwnedEntity`, so such a
// call does not compile. What can be written is a grant on every object of a model name
// that no entity uses; it covers nothing that exists.
async fn model_wide_grants_on_unknown_models_give_nothing(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let n1 = i64::from(new_note(owner, "n1").insert_owned(db).await.unwrap().id);
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    // The note entity's table is `note`, its model name `notes`: only the model name counts.
    for model_name in [
        "ghost",
        "note",
        "Document",
        "documents",
        "user",
        "ownership_user",
    ] {
        for name in ["view", "change", "delete"] {
            give(
                db,
                name,
                Target::model_named(model_name),
                Grantees::users([uid(u)]).and_groups([gid(g)]),
            )
            .await;
        }
    }
    let s = load(db, u).await;
    sees_nothing(db, &s, &[d1, d2], "grants on unknown models").await;
    assert!(!note::Entity::can_read(db, &s, n1 as i32).await.unwrap());
    assert_eq!(
        holder_users(
            db,
            holders(["view"]).objects([doc(d1), ObjectRef::of::<note::Entity>(note_id(n1))])
        )
        .await,
        set([])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .model_names(["document", "notes"])
                .include_null_model_name(false)
        )
        .await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).model_names(["ghost"])).await,
        set([u])
    );
    // The real model names do give, to a subject loaded after the grant: a grant on a whole
    // model is part of the snapshot, like the superuser flag.
    give(
        db,
        "view",
        Target::model_named("notes"),
        Grantees::users([uid(u)]),
    )
    .await;
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        set([])
    );
    let s = load(db, u).await;
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        set([n1])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        set([])
    );
}
