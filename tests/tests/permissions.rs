//! The permission layer (grants, holders and rule 5 of the design, and grants inside the
//! ownership scopes of rules 2 and 3) on every backend.

use std::collections::BTreeSet;

use ownership_core::Key;
use ownership_core::entity::{permission, permission_group, permission_user};
use ownership_core::{
    Grantees, HeldPermission, ObjectRef, OwnershipChecks, OwnershipError, OwnershipScopes,
    Permitted, Subject, Target, grant, holders, permissions_of, revoke,
};
use ownership_tests::entities::{document, note};
use ownership_tests::on_every_backend;
use ownership_tests::world::note_id;
use ownership_tests::world::{self, Role, SmarterWorld, ids, set};
use ownership_tests::world::{doc, documents, give, int_keys, load, note_ids};
use ownership_tests::world::{gid, holder_groups, holder_users, uid};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

on_every_backend!(
    guardian_objects_for_user,
    guardian_objects_through_groups,
    model_wide_and_global_grants,
    edgy_holders_and_permissions_of,
    ownership_scopes_include_grants,
    grants_are_idempotent_and_revocable,
    permissions_fail_closed,
    bad_grants_are_errors_and_write_nothing,
    names_match_only_themselves,
    names_differing_in_case_accent_or_trailing_space_are_distinct,
    deleting_objects_users_and_groups_removes_grants,
    grants_die_with_their_rows_on_every_delete_path,
    bulk_grants_and_dense_entities,
);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Revokes, failing the test on an error; returns how many grants went.
async fn take(db: &DatabaseConnection, name: &str, target: Target, grantees: Grantees) -> u64 {
    revoke(db, name, &target, &grantees)
        .await
        .unwrap_or_else(|err| panic!("revoke {name:?}: {err}"))
}

/// The documents `permitted_for` keeps.
async fn permitted(
    db: &DatabaseConnection,
    subject: &Subject,
    permitted: Permitted,
) -> BTreeSet<i64> {
    ids(
        db,
        document::Entity::find().permitted_for(subject, &permitted),
    )
    .await
}

/// The permissions `permissions_of` finds, ordered.
async fn permission_rows(
    db: &DatabaseConnection,
    users: &[i64],
    groups: &[i64],
) -> Vec<HeldPermission> {
    permissions_of(
        users.iter().map(|&id| uid(id)),
        groups.iter().map(|&id| gid(id)),
    )
    .expect("build the permissions query")
    .all(db)
    .await
    .expect("run the permissions query")
}

/// How many rows each grant table holds: grants on single rows (the entities' own tables),
/// and permissions on whole models with their grants.
#[derive(Debug, Default, PartialEq, Eq)]
struct Rows {
    object_user_grants: u64,
    object_group_grants: u64,
    permissions: u64,
    user_grants: u64,
    group_grants: u64,
}

async fn rows(db: &DatabaseConnection) -> Rows {
    let (object_user_grants, object_group_grants) = world::object_grants(db).await;
    Rows {
        object_user_grants,
        object_group_grants,
        permissions: permission::Entity::find().count(db).await.unwrap(),
        user_grants: permission_user::Entity::find().count(db).await.unwrap(),
        group_grants: permission_group::Entity::find().count(db).await.unwrap(),
    }
}

/// An account with one regular owner; returns the owner's profile.
async fn owner_profile(db: &DatabaseConnection) -> i64 {
    let account = world::account(db, "acme").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    world::profile(db, owner, account).await
}

async fn new_note(db: &DatabaseConnection, owner: i64, title: &str) -> i64 {
    let note = note::ActiveModel {
        author_profile_id: Set(owner),
        title: Set(title.to_owned()),
        version: Set(1),
        text: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert note");
    i64::from(note.id)
}

// ---------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------

/// django-guardian's `get_objects_for_user` with one user's own grants.
async fn guardian_objects_for_user(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [g1, g2, g3, g4] = documents(db, owner, "g").await;
    // Joe holds no profile: grants count without one.
    let joe = world::user(db, "joe", Role::Regular).await;
    let other = world::user(db, "other", Role::Regular).await;
    give(
        db,
        "change",
        Target::objects::<document::Entity>([g1, g2, g3]),
        Grantees::users([uid(joe)]),
    )
    .await;
    give(
        db,
        "delete",
        Target::object::<document::Entity>(g2),
        Grantees::users([uid(joe)]),
    )
    .await;
    // Someone else's grants give Joe nothing.
    give(
        db,
        "delete",
        Target::objects::<document::Entity>([g1, g4]),
        Grantees::users([uid(other)]),
    )
    .await;

    let s = load(db, joe).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change", "delete"])).await,
        set([g2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["delete", "change"])).await,
        set([g2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change", "delete", "change"])).await,
        set([g2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["change", "delete"])).await,
        set([g1, g2, g3])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([g1, g2, g3])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["delete"])).await,
        set([g2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["delete"])).await,
        set([g2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change", "delete", "view"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["view", "delete"])).await,
        set([g2])
    );

    let other = load(db, other).await;
    assert_eq!(
        permitted(db, &other, Permitted::all_of(["delete"])).await,
        set([g1, g4])
    );
    assert_eq!(
        permitted(db, &other, Permitted::all_of(["change", "delete"])).await,
        set([])
    );
}

/// django-guardian's `get_objects_for_user` with group grants (`use_groups`).
async fn guardian_objects_through_groups(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [c0, c1, c2, c3, c4, c5] = documents(db, owner, "c").await;
    let joe = world::user(db, "joe", Role::Regular).await;
    let ann = world::user(db, "ann", Role::Regular).await;
    let g1 = world::group(db, "G1", &[joe, ann]).await;
    let g2 = world::group(db, "G2", &[joe]).await;
    let g3 = world::group(db, "G3", &[joe]).await;
    let on = |ids: &[i64]| Target::objects::<document::Entity>(ids.iter().copied());

    give(db, "change", on(&[c0, c1]), Grantees::users([uid(joe)])).await;
    give(db, "delete", on(&[c1, c2]), Grantees::users([uid(joe)])).await;
    give(
        db,
        "change",
        on(&[c3]),
        Grantees::groups([gid(g1), gid(g2)]),
    )
    .await;
    give(db, "change", on(&[c4]), Grantees::groups([gid(g3)])).await;
    give(db, "delete", on(&[c0]), Grantees::groups([gid(g1)])).await;

    let s = load(db, joe).await;
    assert_eq!(int_keys(&s.user().unwrap().group_ids), set([g1, g2, g3]));
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([c0, c1, c3, c4])
    );
    // c0: change held directly and delete through G1 together satisfy the set.
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change", "delete"])).await,
        set([c0, c1])
    );
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["change", "delete"])).await,
        set([c0, c1, c2, c3, c4])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"]).without_groups()).await,
        set([c0, c1])
    );
    assert_eq!(
        permitted(
            db,
            &s,
            Permitted::all_of(["change", "delete"]).without_groups()
        )
        .await,
        set([c1])
    );
    assert_eq!(
        permitted(
            db,
            &s,
            Permitted::any_of(["change", "delete"]).without_groups()
        )
        .await,
        set([c0, c1, c2])
    );
    assert!(
        !permitted(db, &s, Permitted::any_of(["change", "delete"]))
            .await
            .contains(&c5)
    );

    // Ann shares G1 only.
    let ann = load(db, ann).await;
    assert_eq!(
        permitted(db, &ann, Permitted::all_of(["change"])).await,
        set([c3])
    );
    assert_eq!(
        permitted(db, &ann, Permitted::all_of(["delete"])).await,
        set([c0])
    );
    assert_eq!(
        permitted(db, &ann, Permitted::all_of(["change", "delete"])).await,
        set([])
    );
    assert_eq!(
        permitted(
            db,
            &ann,
            Permitted::any_of(["change", "delete"]).without_groups()
        )
        .await,
        set([])
    );
}

/// Grants on a whole model (NULL object) and on everything (NULL model name and object).
async fn model_wide_and_global_grants(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2, d3] = documents(db, owner, "d").await;
    let n1 = new_note(db, owner, "n1").await;
    let n2 = new_note(db, owner, "n2").await;
    let u = world::user(db, "u", Role::Regular).await;
    let v = world::user(db, "v", Role::Regular).await;
    let w = world::user(db, "w", Role::Regular).await;
    let member = world::user(db, "member", Role::Regular).await;
    let team = world::group(db, "team", &[member]).await;

    // U: change on d1, then on every document; delete on d2 only.
    give(
        db,
        "change",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]),
    )
    .await;
    let s = load(db, u).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([d1])
    );
    give(
        db,
        "change",
        Target::model::<document::Entity>(),
        Grantees::users([uid(u)]),
    )
    .await;
    give(
        db,
        "delete",
        Target::object::<document::Entity>(d2),
        Grantees::users([uid(u)]),
    )
    .await;
    let d4 = world::document(db, owner, "d4 (after the grant)").await;
    let all_documents = set([d1, d2, d3, d4]);
    let all_notes = set([n1, n2]);
    // A grant on a whole model is part of the snapshot, like the superuser flag: it counts
    // once the subject is loaded again.
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([d1])
    );
    let s = load(db, u).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        all_documents
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"]).objects_only()).await,
        set([d1])
    );
    // A model-wide grant and an object grant together hold the set.
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change", "delete"])).await,
        set([d2])
    );
    assert_eq!(
        permitted(
            db,
            &s,
            Permitted::all_of(["change", "delete"]).objects_only()
        )
        .await,
        set([])
    );
    // Nothing of it leaks into another model.
    let notes = |s: &Subject, p: Permitted| note::Entity::find().permitted_for(s, &p);
    assert_eq!(
        note_ids(db, notes(&s, Permitted::any_of(["change", "delete"]))).await,
        set([])
    );

    // V: view on every note, by the model's name: notes only, not documents.
    give(
        db,
        "view",
        Target::model_named("notes"),
        Grantees::users([uid(v)]),
    )
    .await;
    let s = load(db, v).await;
    assert_eq!(
        note_ids(db, notes(&s, Permitted::all_of(["view"]))).await,
        all_notes
    );
    assert_eq!(
        note_ids(db, notes(&s, Permitted::all_of(["view"]).objects_only())).await,
        set([])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        set([])
    );
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        all_notes
    );

    // W: delete on everything, like a model-wide grant on every model.
    give(
        db,
        "delete",
        Target::everything(),
        Grantees::users([uid(w)]),
    )
    .await;
    let s = load(db, w).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["delete"])).await,
        all_documents
    );
    assert_eq!(
        note_ids(db, notes(&s, Permitted::all_of(["delete"]))).await,
        all_notes
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["delete"]).objects_only()).await,
        set([])
    );
    assert_eq!(
        note_ids(db, notes(&s, Permitted::all_of(["delete"]).objects_only())).await,
        set([])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([])
    );

    // A global grant to a group counts for its members, unless groups are left out.
    give(
        db,
        "view",
        Target::everything(),
        Grantees::groups([gid(team)]),
    )
    .await;
    let s = load(db, member).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        all_documents
    );
    assert_eq!(
        note_ids(db, notes(&s, Permitted::all_of(["view"]))).await,
        all_notes
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"]).without_groups()).await,
        set([])
    );
}

/// Edgy's permission manager: who holds a permission, and what a user or group holds.
async fn edgy_holders_and_permissions_of(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let n1 = new_note(db, owner, "n1").await;
    let alice = world::user(db, "alice", Role::Regular).await;
    let bob = world::user(db, "bob", Role::Regular).await;
    let carol = world::user(db, "carol", Role::Regular).await;
    let dave = world::user(db, "dave", Role::Regular).await;
    let frank = world::user(db, "frank", Role::Regular).await;
    let idle = world::user(db, "idle", Role::Inactive).await;
    let team = world::group(db, "team", &[bob]).await;
    let bystanders = world::group(db, "bystanders", &[carol]).await;

    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(alice), uid(idle)]).and_groups([gid(team)]),
    )
    .await;
    give(
        db,
        "change",
        Target::object::<document::Entity>(d2),
        Grantees::users([uid(alice)]),
    )
    .await;

    let view_d1 = || holders(["view"]).objects([doc(d1)]);
    assert_eq!(
        holder_users(db, view_d1()).await,
        set([alice, bob]),
        "an inactive user holds nothing"
    );
    assert_eq!(holder_groups(db, view_d1()).await, set([team]));
    assert_eq!(
        holder_users(db, view_d1().direct_only()).await,
        set([alice])
    );
    assert_eq!(holder_users(db, holders(["view"])).await, set([alice, bob]));
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([doc(d2)])
                .include_null_object(false)
        )
        .await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view", "change"]).objects([doc(d2)])).await,
        set([alice])
    );
    assert_eq!(holder_users(db, holders(["edit"])).await, set([]));
    assert_eq!(holder_groups(db, holders(["edit"])).await, set([]));
    assert_eq!(
        holder_users(
            db,
            holders(["view"]).objects([ObjectRef::of::<note::Entity>(note_id(n1))])
        )
        .await,
        set([])
    );

    let held = |name: &str, model_name: Option<&str>, object_id: Option<i64>| HeldPermission {
        name: name.to_owned(),
        model_name: model_name.map(str::to_owned),
        object_id: object_id.map(Key::Int),
    };
    let viewing_d1 = held("view", Some("document"), Some(d1));
    assert_eq!(
        permission_rows(db, &[alice], &[]).await,
        [
            held("change", Some("document"), Some(d2)),
            viewing_d1.clone()
        ]
    );
    assert_eq!(
        permission_rows(db, &[], &[team]).await,
        std::slice::from_ref(&viewing_d1)
    );
    // Bob holds it through the team; the team's holdings do not include Alice's.
    assert_eq!(
        permission_rows(db, &[bob], &[]).await,
        std::slice::from_ref(&viewing_d1)
    );
    assert_eq!(permission_rows(db, &[bob], &[team]).await, [viewing_d1]);
    assert!(
        permission_rows(db, &[carol], &[bystanders])
            .await
            .is_empty()
    );

    // Carol: view on everything. Dave: view on every document. Frank: view on every note.
    give(
        db,
        "view",
        Target::everything(),
        Grantees::users([uid(carol)]),
    )
    .await;
    give(
        db,
        "view",
        Target::model::<document::Entity>(),
        Grantees::users([uid(dave)]),
    )
    .await;
    give(
        db,
        "view",
        Target::model::<note::Entity>(),
        Grantees::users([uid(frank)]),
    )
    .await;

    let on_documents = || holders(["view"]).model_names(["document"]);
    assert_eq!(
        holder_users(db, on_documents().include_null_model_name(false)).await,
        set([alice, bob, dave])
    );
    assert_eq!(
        holder_users(db, on_documents()).await,
        set([alice, bob, carol, dave])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .model_names(["notes"])
                .include_null_model_name(false)
        )
        .await,
        set([frank])
    );
    assert_eq!(
        holder_users(db, view_d1().include_null_object(false)).await,
        set([alice, bob])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([doc(d2)])
                .include_null_object(false)
        )
        .await,
        set([])
    );
    assert_eq!(
        holder_users(
            db,
            view_d1()
                .model_names(["document"])
                .include_null_model_name(false)
        )
        .await,
        set([alice, bob, dave])
    );
    // Grants on every object count for d1 only on its model or on every model: Frank's
    // grant on every note does not.
    assert_eq!(
        holder_users(db, view_d1()).await,
        set([alice, bob, carol, dave])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).objects([doc(d2)])).await,
        set([carol, dave])
    );

    assert_eq!(
        permission_rows(db, &[carol], &[]).await,
        [held("view", None, None)]
    );
    assert_eq!(
        permission_rows(db, &[dave], &[]).await,
        [held("view", Some("document"), None)]
    );
}

/// Grants widen the ownership scopes (rules 2 and 3): read permission into read, manage
/// permission into manage and read.
async fn ownership_scopes_include_grants(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r2b = world::document(db, w.profiles[3], "r2b").await;
    let readers = world::group(db, "readers", &[w.r1]).await;
    let editors = world::group(db, "editors", &[w.r1]).await;
    let all = set([w.s_sa, w.s_a1, w.s_r1, w.s_r2, r2b]);
    let r1 = load(db, w.r1).await;
    let a1 = load(db, w.a1).await;
    let find = document::Entity::find;

    struct Scopes {
        read: BTreeSet<i64>,
        manage: BTreeSet<i64>,
        shared: BTreeSet<i64>,
    }
    let scopes = async |s: &Subject| {
        let scopes = Scopes {
            read: ids(db, find().with_read_permission_for(s)).await,
            manage: ids(db, find().with_manage_permission_for(s)).await,
            shared: ids(db, find().shared_with(s)).await,
        };
        assert!(scopes.manage.is_subset(&scopes.read), "manage implies read");
        for id in all.iter().copied().chain([i64::MAX]) {
            let can_read = document::Entity::can_read(db, s, id).await.unwrap();
            let can_manage = document::Entity::can_manage(db, s, id).await.unwrap();
            assert_eq!(can_read, scopes.read.contains(&id), "can_read {id}");
            assert_eq!(can_manage, scopes.manage.contains(&id), "can_manage {id}");
        }
        scopes
    };

    let before = scopes(&r1).await;
    assert_eq!(before.read, set([w.s_sa, w.s_a1, w.s_r1]));
    assert_eq!(before.manage, set([w.s_r1]));

    // `view` through a group: read and shared, not manage.
    give(
        db,
        "view",
        Target::object::<document::Entity>(w.s_r2),
        Grantees::groups([gid(readers)]),
    )
    .await;
    let s = scopes(&r1).await;
    assert_eq!(s.read, set([w.s_sa, w.s_a1, w.s_r1, w.s_r2]));
    assert_eq!(s.shared, set([w.s_sa, w.s_a1, w.s_r2]));
    assert_eq!(s.manage, set([w.s_r1]));
    assert!(document::Entity::can_read(db, &r1, w.s_r2).await.unwrap());
    assert!(!document::Entity::can_manage(db, &r1, w.s_r2).await.unwrap());

    // `change` through a group: manage, and so read.
    give(
        db,
        "change",
        Target::object::<document::Entity>(r2b),
        Grantees::groups([gid(editors)]),
    )
    .await;
    let s = scopes(&r1).await;
    assert_eq!(s.read, all);
    assert_eq!(s.shared, set([w.s_sa, w.s_a1, w.s_r2, r2b]));
    assert_eq!(s.manage, set([w.s_r1, r2b]));
    assert!(document::Entity::can_manage(db, &r1, r2b).await.unwrap());

    // Other names count for neither scope; nor does a grant on another model.
    give(
        db,
        "delete",
        Target::object::<document::Entity>(w.s_r2),
        Grantees::users([uid(w.r1)]),
    )
    .await;
    give(
        db,
        "change",
        Target::model::<note::Entity>(),
        Grantees::users([uid(w.r1)]),
    )
    .await;
    assert_eq!(scopes(&r1).await.manage, set([w.s_r1, r2b]));

    // Nobody outside the groups gains anything; the owner keeps its own.
    let s = scopes(&a1).await;
    assert_eq!(s.read, set([w.s_sa, w.s_a1, w.s_r1]));
    assert_eq!(s.manage, set([w.s_a1, w.s_r1]));
    let s = scopes(&load(db, w.r2).await).await;
    assert_eq!(s.manage, set([w.s_r2, r2b]));

    // Model-wide `view` reads everything, manages nothing more; global `change` manages all.
    // Grants on a whole model are part of the snapshot: they count once it is loaded again.
    give(
        db,
        "view",
        Target::model::<document::Entity>(),
        Grantees::users([uid(w.a1)]),
    )
    .await;
    assert_eq!(scopes(&a1).await.read, set([w.s_sa, w.s_a1, w.s_r1]));
    let a1 = load(db, w.a1).await;
    let s = scopes(&a1).await;
    assert_eq!(s.read, all);
    assert_eq!(s.manage, set([w.s_a1, w.s_r1]));
    give(
        db,
        "change",
        Target::everything(),
        Grantees::users([uid(w.a1)]),
    )
    .await;
    let a1 = load(db, w.a1).await;
    let s = scopes(&a1).await;
    assert_eq!((s.read, s.manage), (all.clone(), all.clone()));
    assert_eq!(s.shared, set([w.s_sa, w.s_r1, w.s_r2, r2b]));
}

async fn grants_are_idempotent_and_revocable(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2, d3] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    let on = |id: i64| Target::object::<document::Entity>(id);

    // Twice, and a duplicate in one call: one row each.
    give(db, "view", on(d1), Grantees::users([uid(u)])).await;
    give(db, "view", on(d1), Grantees::users([uid(u), uid(u)])).await;
    let once = Rows {
        object_user_grants: 1,
        ..Rows::default()
    };
    assert_eq!(rows(db).await, once);
    assert_eq!(take(db, "view", on(d1), Grantees::users([uid(u)])).await, 1);
    assert_eq!(take(db, "view", on(d1), Grantees::users([uid(u)])).await, 0);
    assert_eq!(rows(db).await.object_user_grants, 0);

    // Grants on NULL scopes are deduplicated too, on every backend.
    for _ in 0..2 {
        give(
            db,
            "change",
            Target::model::<document::Entity>(),
            Grantees::users([uid(u)]).and_groups([gid(g)]),
        )
        .await;
        give(
            db,
            "change",
            Target::everything(),
            Grantees::users([uid(u)]).and_groups([gid(g)]),
        )
        .await;
    }
    let after = rows(db).await;
    assert_eq!(
        (after.permissions, after.user_grants, after.group_grants),
        (2, 2, 2)
    );
    assert_eq!(
        take(
            db,
            "change",
            Target::model::<document::Entity>(),
            Grantees::users([uid(u)]).and_groups([gid(g)])
        )
        .await,
        2
    );
    assert_eq!(
        take(
            db,
            "change",
            Target::everything(),
            Grantees::users([uid(u)])
        )
        .await,
        1
    );
    assert_eq!(
        take(
            db,
            "change",
            Target::everything(),
            Grantees::groups([gid(g)])
        )
        .await,
        1
    );
    assert_eq!(rows(db).await.user_grants + rows(db).await.group_grants, 0);

    // Never granted: nothing to revoke, no error, nothing created.
    let before = rows(db).await;
    assert_eq!(take(db, "nope", on(d2), Grantees::users([uid(u)])).await, 0);
    assert_eq!(
        take(
            db,
            "nope",
            Target::model::<document::Entity>(),
            Grantees::users([uid(u)])
        )
        .await,
        0
    );
    assert_eq!(
        take(db, "nope", Target::everything(), Grantees::groups([gid(g)])).await,
        0
    );
    assert_eq!(take(db, "view", on(d1), Grantees::default()).await, 0);
    assert_eq!(rows(db).await, before);

    // Revoking from the user leaves what its group holds.
    give(
        db,
        "view",
        on(d2),
        Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await;
    let s = load(db, u).await;
    assert_eq!(take(db, "view", on(d2), Grantees::users([uid(u)])).await, 1);
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d2])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"]).without_groups()).await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).direct_only()).await,
        set([])
    );
    assert_eq!(holder_users(db, holders(["view"])).await, set([u]));

    // A subject loaded before a revoke loses the power at its next query.
    let v = world::user(db, "v", Role::Regular).await;
    give(db, "change", on(d3), Grantees::users([uid(v)])).await;
    let s = load(db, v).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([d3])
    );
    assert!(document::Entity::can_manage(db, &s, d3).await.unwrap());
    assert_eq!(
        take(db, "change", on(d3), Grantees::users([uid(v)])).await,
        1
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([])
    );
    assert!(!document::Entity::can_manage(db, &s, d3).await.unwrap());
    assert!(!document::Entity::can_read(db, &s, d3).await.unwrap());

    // Leaving a group after loading removes the group's grants from the subject's scopes.
    let x = world::user(db, "x", Role::Regular).await;
    let crew = world::group(db, "crew", &[x]).await;
    give(db, "change", on(d3), Grantees::groups([gid(crew)])).await;
    let s = load(db, x).await;
    assert_eq!(int_keys(&s.user().unwrap().group_ids), set([crew]));
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([d3])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_manage_permission_for(&s)).await,
        set([d3])
    );
    world::leave_group(db, crew, x).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["change"])).await,
        set([])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_manage_permission_for(&s)).await,
        set([])
    );
    assert_eq!(
        ids(db, document::Entity::find().with_read_permission_for(&s)).await,
        set([])
    );
}

async fn permissions_fail_closed(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let all = ids(db, document::Entity::find()).await;
    assert_eq!(all.len(), 2);
    let u = world::user(db, "u", Role::Regular).await;
    let su = world::user(db, "su", Role::Superuser).await;
    let idle = world::user(db, "idle", Role::Inactive).await;
    let leaving = world::user(db, "leaving", Role::Regular).await;
    let dave = world::user(db, "dave", Role::Regular).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u), uid(su)]),
    )
    .await;
    give(
        db,
        "view",
        Target::everything(),
        Grantees::users([uid(idle), uid(leaving)]),
    )
    .await;
    give(
        db,
        "view",
        Target::model::<document::Entity>(),
        Grantees::users([uid(dave)]),
    )
    .await;

    let s = load(db, u).await;
    let root = load(db, su).await;
    for subject in [&s, &root] {
        assert_eq!(
            permitted(db, subject, Permitted::all_of(Vec::<String>::new())).await,
            set([])
        );
        assert_eq!(
            permitted(db, subject, Permitted::any_of(Vec::<String>::new())).await,
            set([])
        );
        assert_eq!(
            permitted(
                db,
                subject,
                Permitted::any_of(Vec::<String>::new()).without_superuser_bypass()
            )
            .await,
            set([])
        );
    }
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d1])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["unknown"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["unknown"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view", "unknown"])).await,
        set([])
    );

    // The superuser is permitted everything, unless only grants are asked for.
    assert_eq!(
        permitted(db, &root, Permitted::all_of(["unknown"])).await,
        all
    );
    assert_eq!(permitted(db, &root, Permitted::any_of(["view"])).await, all);
    assert_eq!(
        permitted(
            db,
            &root,
            Permitted::all_of(["view"]).without_superuser_bypass()
        )
        .await,
        set([d1])
    );
    assert_eq!(
        permitted(
            db,
            &root,
            Permitted::all_of(["unknown"]).without_superuser_bypass()
        )
        .await,
        set([])
    );
    // A superuser demoted after loading keeps only the grants.
    world::set_role(db, su, Role::Staff).await;
    assert_eq!(
        permitted(db, &root, Permitted::all_of(["unknown"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &root, Permitted::all_of(["view"])).await,
        set([d1])
    );

    // Anonymous, inactive and deactivated-after-loading subjects get nothing, even with a
    // grant on everything.
    let gone = load(db, leaving).await;
    assert_eq!(permitted(db, &gone, Permitted::all_of(["view"])).await, all);
    world::set_role(db, leaving, Role::Inactive).await;
    for subject in [Subject::anonymous(), load(db, idle).await, gone] {
        for p in [
            Permitted::all_of(["view"]),
            Permitted::any_of(["view"]),
            Permitted::all_of(["view"]).without_superuser_bypass(),
        ] {
            assert_eq!(permitted(db, &subject, p).await, set([]), "{subject:?}");
        }
        assert_eq!(
            ids(
                db,
                document::Entity::find().with_read_permission_for(&subject)
            )
            .await,
            set([])
        );
        assert!(!document::Entity::can_read(db, &subject, d2).await.unwrap());
    }

    // Holders and permissions_of: no names, no objects, no sources answer nothing.
    assert_eq!(
        holder_users(db, holders(["view"])).await,
        set([u, su, dave])
    );
    assert_eq!(
        holder_users(db, holders(Vec::<String>::new())).await,
        set([])
    );
    assert_eq!(
        holder_groups(db, holders(Vec::<String>::new())).await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).objects([])).await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).objects([]).include_null_object(true)).await,
        set([])
    );
    assert!(permission_rows(db, &[], &[]).await.is_empty());
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .model_names(Vec::<String>::new())
                .include_null_model_name(false)
        )
        .await,
        set([])
    );
    // NULL-scoped grants are left out on request.
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .model_names(["document"])
                .include_null_model_name(false)
        )
        .await,
        set([u, su, dave])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([doc(d1)])
                .include_null_object(false)
        )
        .await,
        set([u, su])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([doc(d2)])
                .include_null_object(false)
        )
        .await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view"]).objects([doc(d2)])).await,
        set([dave])
    );
    // An unknown user or group holds nothing.
    assert!(
        permission_rows(db, &[i64::MAX], &[i64::MAX])
            .await
            .is_empty()
    );
}

async fn bad_grants_are_errors_and_write_nothing(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    give(
        db,
        "view",
        Target::object::<document::Entity>(d1),
        Grantees::users([uid(u)]),
    )
    .await;
    let before = rows(db).await;
    let missing_user = u + 1000;
    let missing_group = g + 1000;
    let missing_doc = d2 + 1000;
    let both = Target::objects::<document::Entity>([d1, d2]);

    match grant(
        db,
        "view",
        &both,
        &Grantees::users([uid(u), uid(missing_user + 1), uid(missing_user)]),
    )
    .await
    {
        Err(OwnershipError::UnknownUsers(unknown)) => {
            assert_eq!(int_keys(&unknown), set([missing_user, missing_user + 1]));
        }
        other => panic!("expected UnknownUsers, got {other:?}"),
    }
    assert_eq!(rows(db).await, before);

    match grant(
        db,
        "view",
        &both,
        &Grantees::users([uid(u)]).and_groups([gid(g), gid(missing_group)]),
    )
    .await
    {
        Err(OwnershipError::UnknownGroups(unknown)) => {
            assert_eq!(unknown, vec![gid(missing_group)])
        }
        other => panic!("expected UnknownGroups, got {other:?}"),
    }
    assert_eq!(rows(db).await, before);

    let some_missing = Target::objects::<document::Entity>([d1, d2, missing_doc]);
    match grant(
        db,
        "edit",
        &some_missing,
        &Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await
    {
        Err(OwnershipError::UnknownObjects { model, ids }) => {
            assert_eq!(
                (model.as_str(), ids),
                ("document", vec![Key::Int(missing_doc)])
            );
        }
        other => panic!("expected UnknownObjects, got {other:?}"),
    }
    assert_eq!(rows(db).await, before);
    let missing_note = Target::object::<note::Entity>(1);
    assert!(matches!(
        grant(db, "view", &missing_note, &Grantees::users([uid(u)])).await,
        Err(OwnershipError::UnknownObjects { model, ids }) if model == "notes" && ids == [Key::Int(1)]
    ));
    assert_eq!(rows(db).await, before);

    for name in [
        String::new(),
        "   ".to_owned(),
        "\t\n".to_owned(),
        "x".repeat(151),
        "é".repeat(151),
        "vi\0ew".to_owned(),
    ] {
        for target in [
            Target::object::<document::Entity>(d2),
            Target::model::<document::Entity>(),
            Target::everything(),
        ] {
            match grant(db, &name, &target, &Grantees::users([uid(u)])).await {
                Err(OwnershipError::InvalidName { what, .. }) => {
                    assert_eq!(what, "permission name", "{name:?}");
                }
                other => panic!("expected InvalidName for {name:?}, got {other:?}"),
            }
        }
        assert_eq!(rows(db).await, before, "{name:?}");
    }
    for model_name in ["", " ", &"m".repeat(151)] {
        assert!(matches!(
            grant(
                db,
                "view",
                &Target::model_named(model_name),
                &Grantees::users([uid(u)])
            )
            .await,
            Err(OwnershipError::InvalidName {
                what: "model name",
                ..
            })
        ));
    }
    assert_eq!(rows(db).await, before);

    // 150 characters, multi-byte ones included, is the longest name and it works.
    for name in ["x".repeat(150), "é".repeat(150), "🔑".repeat(150)] {
        give(
            db,
            &name,
            Target::object::<document::Entity>(d2),
            Grantees::users([uid(u)]),
        )
        .await;
        let s = load(db, u).await;
        assert_eq!(
            permitted(db, &s, Permitted::all_of([name.as_str()])).await,
            set([d2])
        );
    }
}

/// Names are data: quotes, LIKE wildcards, semicolons and Unicode are stored and matched
/// as they are.
async fn names_match_only_themselves(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let docs: [i64; 8] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let names = [
        "view",
        "v%",
        "v_ew",
        "%",
        "it's \"quoted\" `here`",
        "view'; DELETE FROM document; --",
        "back\\slash",
        "voir 👁 ñ 日本",
    ];
    for (name, &id) in names.iter().zip(&docs) {
        give(
            db,
            name,
            Target::object::<document::Entity>(id),
            Grantees::users([uid(u)]),
        )
        .await;
    }
    assert_eq!(ids(db, document::Entity::find()).await.len(), docs.len());
    let s = load(db, u).await;
    for (name, &id) in names.iter().zip(&docs) {
        assert_eq!(
            permitted(db, &s, Permitted::all_of([*name])).await,
            set([id]),
            "{name:?}"
        );
        assert_eq!(
            holder_users(
                db,
                holders([*name])
                    .objects([doc(id)])
                    .include_null_object(false)
            )
            .await,
            set([u]),
            "{name:?}"
        );
        let held = holder_users(
            db,
            holders([*name])
                .objects([doc(docs[0])])
                .include_null_object(false),
        )
        .await;
        assert_eq!(held.is_empty(), *name != "view", "{name:?}");
    }
    let stored: BTreeSet<String> = permission_rows(db, &[u], &[])
        .await
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(stored, names.iter().map(|n| n.to_string()).collect());
    assert_eq!(permitted(db, &s, Permitted::all_of(["v"])).await, set([]));
    assert_eq!(permitted(db, &s, Permitted::all_of(["vi%"])).await, set([]));
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["v_", "voir"])).await,
        set([])
    );
    // Revoking by a wildcard-looking name removes only that name.
    assert_eq!(
        take(
            db,
            "%",
            Target::objects::<document::Entity>(docs.iter().copied()),
            Grantees::users([uid(u)])
        )
        .await,
        1
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([docs[0]])
    );
}

/// Permission names compare exactly: not case-insensitively, accent-insensitively, or with
/// trailing spaces ignored.
async fn names_differing_in_case_accent_or_trailing_space_are_distinct(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let shared = world::document(db, owner, "shared").await;
    let docs: [i64; 4] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    // Names match exactly on every backend, MySQL's default collations notwithstanding.
    let names = ["view", "View", "vïew", "view "];
    for (name, &id) in names.iter().zip(&docs) {
        give(
            db,
            name,
            Target::objects::<document::Entity>([shared, id]),
            Grantees::users([uid(u)]),
        )
        .await;
    }
    assert_eq!(rows(db).await.object_user_grants, 8);
    let s = load(db, u).await;
    for (name, &id) in names.iter().zip(&docs) {
        assert_eq!(
            permitted(db, &s, Permitted::all_of([*name])).await,
            set([shared, id]),
            "{name:?}"
        );
    }
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["VIEW"])).await,
        set([])
    );
}

async fn deleting_objects_users_and_groups_removes_grants(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let [d1, d2, d3] = documents(db, owner, "d").await;
    let u = world::user(db, "u", Role::Regular).await;
    let member = world::user(db, "member", Role::Regular).await;
    let g = world::group(db, "g", &[member]).await;
    let on = |id: i64| Target::object::<document::Entity>(id);
    give(
        db,
        "view",
        on(d1),
        Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await;
    give(db, "change", on(d1), Grantees::users([uid(u)])).await;
    give(db, "view", on(d2), Grantees::users([uid(u)])).await;
    let s = load(db, u).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d1, d2])
    );

    // SeaORM's own delete: the row, and in the database every grant on it.
    assert_eq!(
        document::Entity::delete_by_id(d1)
            .exec(db)
            .await
            .unwrap()
            .rows_affected,
        1
    );
    assert!(
        document::Entity::find_by_id(d1)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        rows(db).await,
        Rows {
            object_user_grants: 1,
            ..Rows::default()
        }
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d2])
    );
    assert_eq!(
        document::Entity::delete_by_id(d1)
            .exec(db)
            .await
            .unwrap()
            .rows_affected,
        0
    );

    // The id used again inherits nothing.
    document::ActiveModel {
        id: Set(d1),
        user_profile_id: Set(owner),
        name: Set("reborn".to_owned()),
        body: Set(String::new()),
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        permitted(db, &s, Permitted::any_of(["view", "change"])).await,
        set([d2])
    );
    assert!(!document::Entity::can_read(db, &s, d1).await.unwrap());
    let m = load(db, member).await;
    assert_eq!(
        permitted(db, &m, Permitted::all_of(["view"])).await,
        set([])
    );
    assert_eq!(
        holder_users(db, holders(["view", "change"]).objects([doc(d1)])).await,
        set([])
    );

    // A delete in raw SQL takes the row's grants along too, and only the row's: a note
    // with the same id keeps its own.
    let n = {
        let mut last = 0;
        for i in 0..5 {
            last = new_note(db, owner, &format!("n{i}")).await;
        }
        last
    };
    give(db, "view", on(d3), Grantees::users([uid(u)])).await;
    give(
        db,
        "view",
        Target::object::<note::Entity>(note_id(n)),
        Grantees::users([uid(u)]),
    )
    .await;
    assert!(
        note::Entity::find_by_id(d3 as i32)
            .one(db)
            .await
            .unwrap()
            .is_some(),
        "a note has the id of d3"
    );
    give(
        db,
        "view",
        Target::object::<note::Entity>(note_id(d3)),
        Grantees::users([uid(u)]),
    )
    .await;
    let raw_delete = Query::delete()
        .from_table(document::Entity)
        .and_where(Expr::col(document::Column::Id).eq(d3))
        .to_owned();
    assert_eq!(db.execute(&raw_delete).await.unwrap().rows_affected(), 1);
    assert_eq!(
        rows(db).await,
        Rows {
            object_user_grants: 3,
            ..Rows::default()
        },
        "the grants on d2, on note {n} and on note {d3} stay"
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([d2])
    );
    assert_eq!(
        note_ids(
            db,
            note::Entity::find().permitted_for(&s, &Permitted::all_of(["view"]))
        )
        .await,
        set([n, d3])
    );

    // Deleting a group removes its grants and lends nothing to its former members.
    give(db, "view", Target::everything(), Grantees::groups([gid(g)])).await;
    let m = load(db, member).await; // a grant on everything is part of the snapshot
    assert_eq!(
        permitted(db, &m, Permitted::all_of(["view"])).await.len(),
        2
    );
    world::delete_group(db, g).await;
    let after = rows(db).await;
    assert_eq!((after.group_grants, after.object_group_grants), (0, 0));
    assert_eq!(
        permitted(db, &m, Permitted::all_of(["view"])).await,
        set([])
    );
    assert_eq!(holder_groups(db, holders(["view"])).await, set([]));
    let again = world::group(db, "g", &[member]).await;
    assert_eq!(
        permitted(db, &load(db, member).await, Permitted::all_of(["view"])).await,
        set([]),
        "group {again} is new"
    );

    // Deleting a user removes its grants; a user created next inherits nothing.
    give(
        db,
        "view",
        Target::model::<document::Entity>(),
        Grantees::users([uid(u)]),
    )
    .await;
    let before = rows(db).await;
    world::delete_user(db, u).await;
    let after = rows(db).await;
    assert_eq!(
        (after.user_grants, after.object_user_grants),
        (before.user_grants - 1, before.object_user_grants - 3)
    );
    assert_eq!(
        permission_user::Entity::find()
            .filter(permission_user::Column::UserId.eq(sea_orm::Value::from(&uid(u))))
            .count(db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([])
    );
    let next = world::user(db, "next", Role::Regular).await;
    let next = load(db, next).await;
    assert_eq!(
        permitted(db, &next, Permitted::any_of(["view", "change"])).await,
        set([])
    );
    assert_eq!(
        note_ids(
            db,
            note::Entity::find().permitted_for(&next, &Permitted::all_of(["view"]))
        )
        .await,
        set([])
    );
    assert_eq!(holder_users(db, holders(["view", "change"])).await, set([]));
}

/// Whatever deletes a row (SeaORM's `delete_by_id`, a `delete_many` narrowed by a scope, a
/// raw SQL `DELETE`), the database deletes its grants with it: a row inserted again under
/// its id is held by nobody, directly or through a group.
async fn grants_die_with_their_rows_on_every_delete_path(db: &DatabaseConnection) {
    let account = world::account(db, "acme").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    let owner_profile = world::profile(db, owner, account).await;
    let u = world::user(db, "u", Role::Regular).await;
    let member = world::user(db, "member", Role::Regular).await;
    let g = world::group(db, "g", &[member]).await;
    let owner_subject = load(db, owner).await;
    let deletes = ["delete_by_id", "scoped delete_many", "raw DELETE"];
    for (round, how) in deletes.into_iter().enumerate() {
        let id = world::document(db, owner_profile, &format!("doomed {round}")).await;
        give(
            db,
            "view",
            Target::object::<document::Entity>(id),
            Grantees::users([uid(u)]).and_groups([gid(g)]),
        )
        .await;
        give(
            db,
            "change",
            Target::object::<document::Entity>(id),
            Grantees::users([uid(u)]),
        )
        .await;
        for reader in [u, member] {
            let reader = load(db, reader).await;
            assert!(document::Entity::can_read(db, &reader, id).await.unwrap());
        }
        let deleted = match how {
            "delete_by_id" => {
                let done = document::Entity::delete_by_id(id).exec(db).await;
                done.unwrap().rows_affected
            }
            "scoped delete_many" => {
                let done = document::Entity::delete_many()
                    .filter(document::Column::Id.eq(id))
                    .with_manage_permission_for(&owner_subject)
                    .exec(db)
                    .await;
                done.unwrap().rows_affected
            }
            _ => {
                let delete = Query::delete()
                    .from_table(document::Entity)
                    .and_where(Expr::col(document::Column::Id).eq(id))
                    .to_owned();
                db.execute(&delete).await.unwrap().rows_affected()
            }
        };
        assert_eq!(deleted, 1, "{how}");
        assert_eq!(
            world::object_grants(db).await,
            (0, 0),
            "{how}: the grants went with the row"
        );

        // The id used again: nobody holds anything on the new row.
        document::ActiveModel {
            id: Set(id),
            ..world::new_document(owner_profile, &format!("reborn {round}"))
        }
        .insert(db)
        .await
        .unwrap();
        for reader in [u, member] {
            let reader = load(db, reader).await;
            assert!(
                !document::Entity::can_read(db, &reader, id).await.unwrap(),
                "{how}: the new row inherits no grant"
            );
            assert!(!document::Entity::can_manage(db, &reader, id).await.unwrap());
        }
        let on_row = || {
            holders(["view", "change"])
                .objects([doc(id)])
                .include_null_object(false)
        };
        assert_eq!(holder_users(db, on_row()).await, set([]), "{how}");
        assert_eq!(holder_groups(db, on_row()).await, set([]), "{how}");
        assert!(
            permission_rows(db, &[u, member], &[g]).await.is_empty(),
            "{how}: nothing held"
        );
    }
}

async fn bulk_grants_and_dense_entities(db: &DatabaseConnection) {
    let owner = owner_profile(db).await;
    let granted: [i64; 40] = documents(db, owner, "bulk").await;
    let others: [i64; 5] = documents(db, owner, "other").await;
    let [u1, u2, u3, m1, m2, outsider] = [
        world::user(db, "u1", Role::Regular).await,
        world::user(db, "u2", Role::Regular).await,
        world::user(db, "u3", Role::Regular).await,
        world::user(db, "m1", Role::Regular).await,
        world::user(db, "m2", Role::Regular).await,
        world::user(db, "outsider", Role::Regular).await,
    ];
    let g1 = world::group(db, "g1", &[m1]).await;
    let g2 = world::group(db, "g2", &[m2, u1]).await;
    let objects = || Target::objects::<document::Entity>(granted.iter().copied());
    let everyone = Grantees::users([uid(u1), uid(u2), uid(u3)]).and_groups([gid(g1), gid(g2)]);

    give(db, "view", objects(), everyone.clone()).await;
    assert_eq!(
        rows(db).await,
        Rows {
            object_user_grants: 120,
            object_group_grants: 80,
            ..Rows::default()
        }
    );
    let granted_set: BTreeSet<i64> = granted.iter().copied().collect();
    for user_id in [u1, u2, u3, m1, m2] {
        let s = load(db, user_id).await;
        assert_eq!(
            permitted(db, &s, Permitted::all_of(["view"])).await,
            granted_set
        );
        let readable = ids(db, document::Entity::find().with_read_permission_for(&s)).await;
        assert_eq!(readable, granted_set);
        assert!(others.iter().all(|id| !readable.contains(id)));
    }
    let s = load(db, outsider).await;
    assert_eq!(
        permitted(db, &s, Permitted::all_of(["view"])).await,
        set([])
    );
    // Again: nothing new.
    give(db, "view", objects(), everyone).await;
    assert_eq!(rows(db).await.object_user_grants, 120);

    assert_eq!(
        take(db, "view", objects(), Grantees::users([uid(u2)])).await,
        40
    );
    assert_eq!(rows(db).await.object_user_grants, 80);
    assert_eq!(
        permitted(db, &load(db, u2).await, Permitted::all_of(["view"])).await,
        set([])
    );
    assert_eq!(
        permitted(db, &load(db, u3).await, Permitted::all_of(["view"])).await,
        granted_set
    );
    assert_eq!(
        take(db, "view", objects(), Grantees::groups([gid(g1)])).await,
        40
    );
    assert_eq!(
        permitted(db, &load(db, m1).await, Permitted::all_of(["view"])).await,
        set([])
    );
    // U1 keeps it through G2 after losing the direct grants.
    assert_eq!(
        take(db, "view", objects(), Grantees::users([uid(u1)])).await,
        40
    );
    let s1 = load(db, u1).await;
    assert_eq!(
        permitted(db, &s1, Permitted::all_of(["view"])).await,
        granted_set
    );
    assert_eq!(
        permitted(db, &s1, Permitted::all_of(["view"]).without_groups()).await,
        set([])
    );

    // A dense entity with an i32 id and its own model name.
    let n1 = new_note(db, owner, "n1").await;
    let n2 = new_note(db, owner, "n2").await;
    let reader = world::user(db, "reader", Role::Regular).await;
    give(
        db,
        "view",
        Target::object::<note::Entity>(note_id(n1)),
        Grantees::users([uid(reader)]),
    )
    .await;
    let s = load(db, reader).await;
    let view = Permitted::all_of(["view"]);
    assert_eq!(
        note_ids(db, note::Entity::find().permitted_for(&s, &view)).await,
        set([n1])
    );
    assert_eq!(
        note_ids(db, note::Entity::find().with_read_permission_for(&s)).await,
        set([n1])
    );
    assert!(note::Entity::can_read(db, &s, n1 as i32).await.unwrap());
    assert!(!note::Entity::can_read(db, &s, n2 as i32).await.unwrap());
    // The document with the same id is another object.
    assert!(
        granted.contains(&n1),
        "note {n1} shares its id with a granted document"
    );
    assert_eq!(permitted(db, &s, view.clone()).await, set([]));
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([ObjectRef::of::<note::Entity>(note_id(n1))])
                .include_null_object(false)
        )
        .await,
        set([reader])
    );
    assert_eq!(
        holder_users(
            db,
            holders(["view"])
                .objects([doc(n1)])
                .include_null_object(false)
        )
        .await,
        set([u3, m2, u1])
    );
    assert_eq!(
        take(
            db,
            "view",
            Target::object::<note::Entity>(note_id(n1)),
            Grantees::users([uid(reader)])
        )
        .await,
        1
    );
    assert_eq!(
        note_ids(db, note::Entity::find().permitted_for(&s, &view)).await,
        set([])
    );
}
