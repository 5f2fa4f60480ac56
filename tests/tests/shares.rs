//! Capability shares (rule 6) on every backend: what a share holds, passing it on, expiry,
//! revocation down the chain, lookup by uuid, receivers (a user, a group's members,
//! anyone), capabilities and availability, shares beside grants, and bad requests.
//!
//! Every scope is asked every way a caller can (the list, keyset pages, counts and one
//! check per row) and must agree.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ownership_core::{
    Agent, Grantees, ManualClock, OwnedEntity, OwnershipChecks, OwnershipCounts, OwnershipError,
    OwnershipPages, OwnershipScopes, OwnershipShares, Permitted, Share, ShareRequest, ShareScopes,
    SharedName, Subject, Target, Uuid,
};
use ownership_tests::entities::{document, shared_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{
    self, Role, account, gid, give, group, load, profile, uid, user, walk_pages,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Select, Set,
};

on_every_backend!(
    a_share_holds_the_root_grants_asked_for_and_no_more,
    a_share_counts_like_a_grant_in_every_scope,
    passing_on_lowers_every_depth_and_never_outlives_the_origin,
    an_expired_share_stops_counting_in_every_scope_at_once,
    revoking_a_share_removes_everything_passed_on_from_it,
    shares_die_with_their_rows_receivers_and_emitters,
    a_share_follows_its_row_to_a_new_key,
    a_share_is_found_by_its_uuid_only_by_its_receivers,
    a_group_share_reaches_members_and_a_share_with_anyone_everyone,
    capabilities_stay_within_the_root_grants,
    a_grant_and_a_share_together_hold_every_name,
    bad_share_requests_are_typed_errors_and_write_nothing,
);

/// The page size scopes are walked with: small, so a page that dropped or repeated a row
/// would show.
const PAGE: u64 = 2;

/// An owner with a profile and rows, and users who read nothing of them by ownership (each
/// in an account of their own), one of them in a group.
struct World {
    owner: i64,
    alice: i64,
    bob: i64,
    carol: i64,
    /// A group with bob as its only member.
    team: i64,
    /// The owner's rows.
    docs: [i64; 3],
}

async fn world(db: &DatabaseConnection) -> World {
    let home = account(db, "home").await;
    let owner = user(db, "owner", Role::Regular).await;
    let owner_profile = profile(db, owner, home).await;
    let mut users = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let id = user(db, name, Role::Regular).await;
        let own = account(db, &format!("{name}'s")).await;
        profile(db, id, own).await;
        users.push(id);
    }
    let team = group(db, "team", &[users[1]]).await;
    let mut docs = [0; 3];
    for (k, id) in docs.iter_mut().enumerate() {
        *id = shared_doc::ActiveModel {
            user_profile_id: Set(owner_profile),
            name: Set(format!("doc{k}")),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert a shared doc")
        .id;
    }
    World {
        owner,
        alice: users[0],
        bob: users[1],
        carol: users[2],
        team,
        docs,
    }
}

fn to_user(id: i64) -> ShareRequest {
    ShareRequest::to(Agent::User(uid(id)))
}

fn names(share: &Share) -> Vec<(&str, u32)> {
    share
        .names
        .iter()
        .map(|SharedName { name, depth }| (name.as_str(), *depth))
        .collect()
}

async fn share(db: &DatabaseConnection, by: &Subject, id: i64, request: ShareRequest) -> Share {
    shared_doc::Entity::share(db, by, id, &request)
        .await
        .unwrap_or_else(|err| panic!("share {id}: {err}"))
}

async fn pass_on(
    db: &DatabaseConnection,
    by: &Subject,
    uuid: Uuid,
    request: ShareRequest,
) -> Share {
    shared_doc::Entity::pass_on(db, by, uuid, &request)
        .await
        .unwrap_or_else(|err| panic!("pass {uuid} on: {err}"))
}

/// The number of shares and of share names stored.
async fn stored(db: &DatabaseConnection) -> (i64, i64) {
    let mut counts = [0i64; 2];
    for (count, table) in counts
        .iter_mut()
        .zip(["shared_doc_share", "shared_doc_share_name"])
    {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .expect("count stored rows")
            .expect("a count");
        *count = row.try_get_by_index(0).expect("read a count");
    }
    (counts[0], counts[1])
}

/// Inserts a shared doc under the free key `id`, owned as the row `beside` is.
async fn insert_beside(db: &DatabaseConnection, id: i64, beside: i64) {
    let owner = shared_doc::Entity::find_by_id(beside)
        .one(db)
        .await
        .expect("read a row")
        .expect("the row beside")
        .user_profile_id;
    shared_doc::ActiveModel {
        id: Set(id),
        user_profile_id: Set(owner),
        name: Set(format!("again {id}")),
    }
    .insert(db)
    .await
    .expect("insert a row under a free key");
}

async fn ids<E: OwnedEntity>(db: &DatabaseConnection, select: Select<E>) -> BTreeSet<i64> {
    select
        .select_only()
        .column(E::id_column())
        .into_tuple::<i64>()
        .all(db)
        .await
        .expect("run the scoped query")
        .into_iter()
        .collect()
}

/// What the subject reads and manages of the shared docs, asked as lists, pages, counts
/// and checks, which must agree.
async fn reach(
    db: &DatabaseConnection,
    subject: &Subject,
    rows: &[i64],
) -> (BTreeSet<i64>, BTreeSet<i64>) {
    type E = shared_doc::Entity;
    let read = ids(db, E::find().with_read_permission_for(subject)).await;
    let managed = ids(db, E::find().with_manage_permission_for(subject)).await;
    let read_pages: BTreeSet<i64> = walk_pages(db, E::readable_page(subject, PAGE), PAGE)
        .await
        .expect("walk the read pages")
        .into_iter()
        .collect();
    assert_eq!(read_pages, read, "read pages");
    let managed_pages: BTreeSet<i64> = walk_pages(db, E::manageable_page(subject, PAGE), PAGE)
        .await
        .expect("walk the manage pages")
        .into_iter()
        .collect();
    assert_eq!(managed_pages, managed, "manage pages");
    assert_eq!(
        E::readable_count(db, subject).await.expect("count"),
        read.len() as u64,
        "read count"
    );
    assert_eq!(
        E::manageable_count(db, subject).await.expect("count"),
        managed.len() as u64,
        "manage count"
    );
    for &id in rows {
        assert_eq!(
            E::can_read(db, subject, id).await.expect("check"),
            read.contains(&id),
            "can_read({id})"
        );
        assert_eq!(
            E::can_manage(db, subject, id).await.expect("check"),
            managed.contains(&id),
            "can_manage({id})"
        );
    }
    assert!(managed.is_subset(&read), "manage implies read");
    (read, managed)
}

fn set(ids: &[i64]) -> BTreeSet<i64> {
    ids.iter().copied().collect()
}

async fn a_share_holds_the_root_grants_asked_for_and_no_more(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let all = share(db, &owner, w.docs[0], to_user(w.alice)).await;
    assert_eq!(names(&all), [("change", 1), ("delete", 0), ("view", 2)]);
    assert_eq!(all.origin, None);
    assert_eq!(all.emitter, uid(w.owner));
    assert_eq!(all.receiver, Agent::User(uid(w.alice)));
    assert_eq!(all.expires_at, None);
    assert_eq!(all.object_id, w.docs[0].into());

    let capped = share(
        db,
        &owner,
        w.docs[1],
        to_user(w.alice).names([("view", 9), ("delete", 3), ("publish", 1), ("view", 1)]),
    )
    .await;
    assert_eq!(names(&capped), [("delete", 0), ("view", 1)]);
    let before = stored(db).await;
    let outside = shared_doc::Entity::share(
        db,
        &owner,
        w.docs[2],
        &to_user(w.alice).names([("publish", 1)]),
    )
    .await;
    assert!(
        matches!(outside, Err(OwnershipError::NothingToShare { .. })),
        "{outside:?}"
    );
    let again = shared_doc::Entity::share(db, &owner, w.docs[0], &to_user(w.alice)).await;
    assert!(
        matches!(again, Err(OwnershipError::DuplicateShare { existing, .. }) if existing == all.uuid),
        "{again:?}"
    );
    assert_eq!(stored(db).await, before, "refused shares write nothing");
}

async fn a_share_counts_like_a_grant_in_every_scope(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    assert_eq!(reach(db, &alice, &w.docs).await, (set(&[]), set(&[])));
    share(db, &owner, w.docs[0], to_user(w.alice).names([("view", 0)])).await;
    share(
        db,
        &owner,
        w.docs[1],
        to_user(w.alice).names([("change", 0)]),
    )
    .await;
    assert_eq!(
        reach(db, &alice, &w.docs).await,
        (set(&[w.docs[0], w.docs[1]]), set(&[w.docs[1]])),
        "view reads, change manages and reads"
    );
    let shared = ids(db, shared_doc::Entity::find().shared_with(&alice)).await;
    assert_eq!(shared, set(&[w.docs[0], w.docs[1]]));
    let view = Permitted::all_of(["view"]);
    let permitted = ids(db, shared_doc::Entity::find().permitted_for(&alice, &view)).await;
    assert_eq!(permitted, set(&[w.docs[0]]));
    let pages: BTreeSet<i64> = walk_pages(
        db,
        shared_doc::Entity::permitted_page(&alice, &view, PAGE),
        PAGE,
    )
    .await
    .expect("walk the permitted pages")
    .into_iter()
    .collect();
    assert_eq!(pages, permitted);
    assert_eq!(
        shared_doc::Entity::permitted_count(db, &alice, &view)
            .await
            .expect("count"),
        1
    );
    // The owner's own reach is unchanged, and a user no share names still reads nothing.
    let owner_reach = reach(db, &owner, &w.docs).await;
    assert_eq!(owner_reach, (set(&w.docs), set(&w.docs)));
    let carol = load(db, w.carol).await;
    assert_eq!(reach(db, &carol, &w.docs).await, (set(&[]), set(&[])));
    // A share writes through the manage scope only where it holds the manage name.
    let renamed = shared_doc::Entity::update_many()
        .col_expr(
            shared_doc::Column::Name,
            sea_orm::sea_query::Expr::value("renamed"),
        )
        .with_manage_permission_for(&alice)
        .exec(db)
        .await
        .expect("scoped update");
    assert_eq!(renamed.rows_affected, 1);
}

async fn passing_on_lowers_every_depth_and_never_outlives_the_origin(db: &DatabaseConnection) {
    let w = world(db).await;
    let clock = Arc::new(ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_000_000)));
    let now = clock_now(&clock);
    let owner = load(db, w.owner).await.with_clock(clock.clone());
    let alice = load(db, w.alice).await.with_clock(clock.clone());
    let bob = load(db, w.bob).await.with_clock(clock.clone());
    let hour = Duration::from_secs(3600);
    let root = share(
        db,
        &owner,
        w.docs[0],
        to_user(w.alice).expires_at(now + hour),
    )
    .await;
    assert_eq!(root.expires_at, Some(now + hour));

    let passed = pass_on(db, &alice, root.uuid, to_user(w.bob)).await;
    assert_eq!(
        names(&passed),
        [("change", 0), ("view", 1)],
        "depth 0 is not passed on"
    );
    assert_eq!(passed.origin, Some(root.uuid));
    assert_eq!(passed.emitter, uid(w.alice));
    assert_eq!(
        passed.expires_at, root.expires_at,
        "the origin's expiry by default"
    );

    let later = pass_on(
        db,
        &alice,
        root.uuid,
        to_user(w.carol)
            .names([("view", 5)])
            .expires_at(now + 10 * hour),
    )
    .await;
    assert_eq!(names(&later), [("view", 1)]);
    assert_eq!(
        later.expires_at, root.expires_at,
        "clamped to the origin's expiry"
    );
    let sooner = pass_on(
        db,
        &bob,
        passed.uuid,
        ShareRequest::to(Agent::Group(gid(w.team))).expires_at(now + hour / 2),
    )
    .await;
    assert_eq!(names(&sooner), [("view", 0)]);
    assert_eq!(sooner.expires_at, Some(now + hour / 2));

    let before = stored(db).await;
    let at_zero = shared_doc::Entity::pass_on(
        db,
        &alice,
        root.uuid,
        &to_user(w.carol).names([("delete", 0)]),
    )
    .await;
    assert!(
        matches!(at_zero, Err(OwnershipError::NothingToShare { .. })),
        "{at_zero:?}"
    );
    let bob_again = shared_doc::Entity::pass_on(db, &bob, sooner.uuid, &to_user(w.alice)).await;
    assert!(
        matches!(bob_again, Err(OwnershipError::NothingToShare { .. })),
        "bob receives the group share, whose names are all at depth 0: {bob_again:?}"
    );
    let twice = shared_doc::Entity::pass_on(db, &alice, root.uuid, &to_user(w.bob)).await;
    assert!(
        matches!(twice, Err(OwnershipError::DuplicateShare { .. })),
        "{twice:?}"
    );
    let not_receiver = shared_doc::Entity::pass_on(db, &bob, root.uuid, &to_user(w.carol)).await;
    assert!(
        matches!(not_receiver, Err(OwnershipError::NotFound { .. })),
        "{not_receiver:?}"
    );
    clock.advance(2 * hour);
    let expired = shared_doc::Entity::pass_on(db, &alice, root.uuid, &to_user(w.owner)).await;
    assert!(
        matches!(expired, Err(OwnershipError::ShareExpired { .. })),
        "{expired:?}"
    );
    assert_eq!(stored(db).await, before, "refused passes write nothing");
}

fn clock_now(clock: &ManualClock) -> SystemTime {
    use ownership_core::Clock;
    clock.now()
}

async fn an_expired_share_stops_counting_in_every_scope_at_once(db: &DatabaseConnection) {
    let w = world(db).await;
    let clock = Arc::new(ManualClock::at(UNIX_EPOCH + Duration::from_secs(5_000_000)));
    let now = clock_now(&clock);
    let owner = load(db, w.owner).await.with_clock(clock.clone());
    let alice = load(db, w.alice).await.with_clock(clock.clone());
    let minute = Duration::from_secs(60);
    let short = share(
        db,
        &owner,
        w.docs[0],
        to_user(w.alice).expires_at(now + minute),
    )
    .await;
    share(
        db,
        &owner,
        w.docs[1],
        to_user(w.alice).expires_at(now + 2 * minute),
    )
    .await;
    let public = share(
        db,
        &owner,
        w.docs[2],
        ShareRequest::to(Agent::Anyone)
            .names([("view", 0)])
            .expires_at(now + minute),
    )
    .await;
    let anonymous = Subject::anonymous().with_clock(clock.clone());
    assert_eq!(reach(db, &alice, &w.docs).await.0, set(&w.docs));
    assert_eq!(reach(db, &anonymous, &w.docs).await.0, set(&[w.docs[2]]));
    assert!(
        shared_doc::Entity::access(db, &alice, short.uuid)
            .await
            .is_ok()
    );

    clock.advance(minute);
    assert_eq!(
        reach(db, &alice, &w.docs).await,
        (set(&[w.docs[1]]), set(&[w.docs[1]])),
        "a share expires at its expiry, not after"
    );
    assert_eq!(reach(db, &anonymous, &w.docs).await.0, set(&[]));
    for uuid in [short.uuid, public.uuid] {
        let gone = shared_doc::Entity::access(db, &alice, uuid).await;
        assert!(
            matches!(gone, Err(OwnershipError::NotFound { .. })),
            "{gone:?}"
        );
    }
    // A subject on the system clock, long after these expiries, sees none of them.
    let now_alice = load(db, w.alice).await;
    assert_eq!(reach(db, &now_alice, &w.docs).await.0, set(&[]));
}

async fn revoking_a_share_removes_everything_passed_on_from_it(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    let bob = load(db, w.bob).await;
    let carol = load(db, w.carol).await;
    let root = share(db, &owner, w.docs[0], to_user(w.alice)).await;
    let to_bob = pass_on(db, &alice, root.uuid, to_user(w.bob)).await;
    let to_carol = pass_on(db, &bob, to_bob.uuid, to_user(w.carol)).await;
    let sibling = pass_on(db, &alice, root.uuid, to_user(w.carol)).await;
    assert_eq!(stored(db).await.0, 4);
    assert!(
        shared_doc::Entity::can_read(db, &carol, w.docs[0])
            .await
            .unwrap()
    );

    // Carol receives the share from bob but neither made it nor manages the row.
    let by_receiver = shared_doc::Entity::revoke_share(db, &carol, to_carol.uuid).await;
    assert!(
        matches!(by_receiver, Err(OwnershipError::PermissionDenied { .. })),
        "{by_receiver:?}"
    );
    // Carol does not receive alice's share to bob: it does not exist for her.
    let by_stranger = shared_doc::Entity::revoke_share(db, &carol, to_bob.uuid).await;
    assert!(
        matches!(by_stranger, Err(OwnershipError::NotFound { .. })),
        "{by_stranger:?}"
    );
    assert_eq!(stored(db).await.0, 4);

    shared_doc::Entity::revoke_share(db, &alice, to_bob.uuid)
        .await
        .expect("the emitter revokes");
    let left: Vec<Uuid> = shared_doc::Entity::shares_of(db, &owner, w.docs[0])
        .await
        .expect("list the shares")
        .into_iter()
        .map(|share| share.uuid)
        .collect();
    assert_eq!(
        left,
        [root.uuid, sibling.uuid],
        "bob's share and carol's from it are gone"
    );
    assert!(
        !shared_doc::Entity::can_read(db, &bob, w.docs[0])
            .await
            .unwrap()
    );
    assert!(
        shared_doc::Entity::can_read(db, &carol, w.docs[0])
            .await
            .unwrap(),
        "through alice's sibling share"
    );

    shared_doc::Entity::revoke_share(db, &owner, root.uuid)
        .await
        .expect("whoever manages the row revokes");
    assert_eq!(
        stored(db).await,
        (0, 0),
        "the whole tree and its names are gone"
    );
    for subject in [&alice, &bob, &carol] {
        assert_eq!(reach(db, subject, &w.docs).await.0, set(&[]));
    }
    let twice = shared_doc::Entity::revoke_share(db, &owner, root.uuid).await;
    assert!(
        matches!(twice, Err(OwnershipError::NotFound { .. })),
        "{twice:?}"
    );
}

async fn shares_die_with_their_rows_receivers_and_emitters(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    let root = share(db, &owner, w.docs[0], to_user(w.alice)).await;
    pass_on(db, &alice, root.uuid, to_user(w.bob)).await;
    share(db, &owner, w.docs[1], to_user(w.carol)).await;
    share(
        db,
        &owner,
        w.docs[2],
        ShareRequest::to(Agent::Group(gid(w.team))),
    )
    .await;
    assert_eq!(stored(db).await.0, 4);
    // SeaORM's own delete: the row's shares, and what was passed on from them, go too.
    shared_doc::Entity::delete_by_id(w.docs[0])
        .exec(db)
        .await
        .expect("delete a row");
    assert_eq!(stored(db).await.0, 2);
    // The same id again inherits nothing.
    insert_beside(db, w.docs[0], w.docs[1]).await;
    let bob = load(db, w.bob).await;
    assert!(
        !shared_doc::Entity::can_read(db, &alice, w.docs[0])
            .await
            .unwrap()
    );
    assert!(
        !shared_doc::Entity::can_read(db, &bob, w.docs[0])
            .await
            .unwrap()
    );
    // A deleted receiver's and a deleted group's shares go with them.
    world::delete_user(db, w.carol).await;
    world::delete_group(db, w.team).await;
    assert_eq!(stored(db).await, (0, 0));
}

/// A row whose key changes takes its shares along, in the share and in every name row
/// the scopes read: the old key, given to a new row, inherits nothing.
async fn a_share_follows_its_row_to_a_new_key(db: &DatabaseConnection) {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    share(db, &owner, w.docs[0], to_user(w.alice)).await;
    let moved = w.docs[2] + 100;
    shared_doc::Entity::update_many()
        .col_expr(shared_doc::Column::Id, Expr::value(moved))
        .filter(shared_doc::Column::Id.eq(w.docs[0]))
        .exec(db)
        .await
        .expect("change a row's key");
    let (read, _) = reach(db, &alice, &[w.docs[0], moved]).await;
    assert_eq!(read, set(&[moved]));
    insert_beside(db, w.docs[0], moved).await;
    let (read, _) = reach(db, &alice, &[w.docs[0], moved]).await;
    assert_eq!(read, set(&[moved]));
}

async fn a_share_is_found_by_its_uuid_only_by_its_receivers(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    let bob = load(db, w.bob).await;
    let carol = load(db, w.carol).await;
    let root = share(db, &owner, w.docs[0], to_user(w.alice)).await;
    let to_team = pass_on(
        db,
        &alice,
        root.uuid,
        ShareRequest::to(Agent::Group(gid(w.team))),
    )
    .await;
    assert_eq!(
        shared_doc::Entity::access(db, &alice, root.uuid)
            .await
            .unwrap(),
        root
    );
    assert_eq!(
        shared_doc::Entity::access(db, &bob, to_team.uuid)
            .await
            .unwrap(),
        to_team
    );
    for (subject, uuid) in [
        (&carol, root.uuid),
        (&bob, root.uuid),
        (&owner, root.uuid),
        (&carol, to_team.uuid),
        (&alice, Uuid::new_v4()),
        (&Subject::anonymous(), root.uuid),
    ] {
        let found = shared_doc::Entity::access(db, subject, uuid).await;
        assert!(
            matches!(found, Err(OwnershipError::NotFound { .. })),
            "{found:?}"
        );
    }
    let chain = shared_doc::Entity::share_chain(db, &bob, to_team.uuid)
        .await
        .expect("a receiver reads the chain");
    assert_eq!(chain, [root.clone(), to_team.clone()]);
    assert_eq!(
        shared_doc::Entity::share_chain(db, &owner, to_team.uuid)
            .await
            .unwrap(),
        chain,
        "whoever manages the row reads it too"
    );
    let hidden = shared_doc::Entity::share_chain(db, &carol, to_team.uuid).await;
    assert!(
        matches!(hidden, Err(OwnershipError::NotFound { .. })),
        "{hidden:?}"
    );
    let listed = shared_doc::Entity::shares_of(db, &alice, w.docs[0]).await;
    assert!(
        matches!(listed, Err(OwnershipError::PermissionDenied { .. })),
        "alice reads but does not manage: {listed:?}"
    );
    let listed = shared_doc::Entity::shares_of(db, &carol, w.docs[0]).await;
    assert!(
        matches!(listed, Err(OwnershipError::NotFound { .. })),
        "{listed:?}"
    );
}

async fn a_group_share_reaches_members_and_a_share_with_anyone_everyone(db: &DatabaseConnection) {
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    share(
        db,
        &owner,
        w.docs[0],
        ShareRequest::to(Agent::Group(gid(w.team))).names([("view", 0)]),
    )
    .await;
    let public = share(
        db,
        &owner,
        w.docs[1],
        ShareRequest::to(Agent::Anyone).names([("view", 1)]),
    )
    .await;
    let bob = load(db, w.bob).await;
    let alice = load(db, w.alice).await;
    assert_eq!(
        reach(db, &bob, &w.docs).await.0,
        set(&[w.docs[0], w.docs[1]])
    );
    assert_eq!(reach(db, &alice, &w.docs).await.0, set(&[w.docs[1]]));
    assert_eq!(
        reach(db, &Subject::anonymous(), &w.docs).await,
        (set(&[w.docs[1]]), set(&[]))
    );
    assert_eq!(
        ids(
            db,
            shared_doc::Entity::find().shared_with(&Subject::anonymous())
        )
        .await,
        set(&[w.docs[1]])
    );
    // Leaving the group ends its share at the next query of a subject loaded before.
    world::leave_group(db, w.team, w.bob).await;
    assert_eq!(reach(db, &bob, &w.docs).await.0, set(&[w.docs[1]]));
    // An inactive user, and a snapshot of one deactivated after loading, keep only what
    // anyone gets.
    let carol = load(db, w.carol).await;
    world::deactivate(db, w.carol).await;
    let inactive = load(db, w.carol).await;
    assert_eq!(reach(db, &inactive, &w.docs).await.0, set(&[w.docs[1]]));
    assert_eq!(reach(db, &carol, &w.docs).await.0, set(&[w.docs[1]]));
    // Passing a share on needs a user the database confirms: not anonymous, not a user
    // deactivated since it was loaded.
    let before = stored(db).await;
    for subject in [&Subject::anonymous(), &carol, &inactive] {
        let passed = shared_doc::Entity::pass_on(db, subject, public.uuid, &to_user(w.alice)).await;
        assert!(
            matches!(passed, Err(OwnershipError::PermissionDenied { .. })),
            "{passed:?}"
        );
    }
    assert_eq!(stored(db).await, before);
    pass_on(db, &alice, public.uuid, to_user(w.bob)).await;
}

async fn capabilities_stay_within_the_root_grants(db: &DatabaseConnection) {
    type E = shared_doc::Entity;
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    for name in ["view", "change", "delete"] {
        assert!(
            E::has_capability(db, &owner, name, w.docs[0])
                .await
                .unwrap(),
            "{name}"
        );
    }
    assert!(
        !E::has_capability(db, &owner, "publish", w.docs[0])
            .await
            .unwrap()
    );
    assert!(
        !E::has_capability(db, &alice, "view", w.docs[0])
            .await
            .unwrap()
    );
    share(db, &owner, w.docs[0], to_user(w.alice).names([("view", 1)])).await;
    share(
        db,
        &owner,
        w.docs[1],
        ShareRequest::to(Agent::Anyone).names([("delete", 0)]),
    )
    .await;
    for (id, name, held) in [
        (w.docs[0], "view", true),
        (w.docs[0], "change", false),
        (w.docs[1], "delete", true),
        (w.docs[1], "view", false),
        (w.docs[2], "view", false),
    ] {
        assert_eq!(
            E::has_capability(db, &alice, name, id).await.unwrap(),
            held,
            "{id} {name}"
        );
        let listed = ids(db, E::find().with_capability_for(&alice, name)).await;
        assert_eq!(listed.contains(&id), held, "{id} {name} in {listed:?}");
    }
    assert_eq!(
        ids(db, E::find().available_to(&alice)).await,
        set(&[w.docs[0], w.docs[1]])
    );
    assert_eq!(ids(db, E::find().available_to(&owner)).await, set(&w.docs));
    assert_eq!(
        ids(db, E::find().available_to(&Subject::anonymous())).await,
        set(&[w.docs[1]])
    );
    // A superuser reads everything but holds no capability it was not given.
    let admin = user(db, "admin", Role::Superuser).await;
    let admin = load(db, admin).await;
    assert!(E::can_read(db, &admin, w.docs[0]).await.unwrap());
    assert!(
        !E::has_capability(db, &admin, "view", w.docs[0])
            .await
            .unwrap()
    );
}

async fn a_grant_and_a_share_together_hold_every_name(db: &DatabaseConnection) {
    type E = shared_doc::Entity;
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    give(
        db,
        "change",
        Target::object::<E>(w.docs[0]),
        Grantees::users([uid(w.alice)]),
    )
    .await;
    share(db, &owner, w.docs[0], to_user(w.alice).names([("view", 0)])).await;
    share(
        db,
        &owner,
        w.docs[1],
        to_user(w.alice).names([("view", 0), ("change", 0)]),
    )
    .await;
    share(
        db,
        &owner,
        w.docs[2],
        ShareRequest::to(Agent::Anyone).names([("view", 0)]),
    )
    .await;
    give(
        db,
        "change",
        Target::object::<E>(w.docs[2]),
        Grantees::users([uid(w.alice)]),
    )
    .await;
    let alice = load(db, w.alice).await;
    let both = Permitted::all_of(["view", "change"]);
    let expected = set(&w.docs);
    assert_eq!(
        ids(db, E::find().permitted_for(&alice, &both)).await,
        expected
    );
    assert_eq!(E::permitted_count(db, &alice, &both).await.unwrap(), 3);
    let pages: BTreeSet<i64> = walk_pages(db, E::permitted_page(&alice, &both, PAGE), PAGE)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(pages, expected);
    // Without the grants only the share holding both names counts.
    let anonymous_both = ids(db, E::find().permitted_for(&Subject::anonymous(), &both)).await;
    assert_eq!(anonymous_both, set(&[]));
    let bob = load(db, w.bob).await;
    let view = Permitted::any_of(["view", "publish"]);
    assert_eq!(
        ids(db, E::find().permitted_for(&bob, &view)).await,
        set(&[w.docs[2]])
    );
}

async fn bad_share_requests_are_typed_errors_and_write_nothing(db: &DatabaseConnection) {
    type E = shared_doc::Entity;
    let w = world(db).await;
    let owner = load(db, w.owner).await;
    let alice = load(db, w.alice).await;
    let root = share(db, &owner, w.docs[0], to_user(w.alice)).await;
    let before = stored(db).await;
    let past = SystemTime::now() - Duration::from_secs(1);
    let no_user = uid(9_000_000);
    let no_group = gid(9_000_000);
    let cases: Vec<(&str, Result<Share, OwnershipError>)> = vec![
        (
            "expiry in the past",
            E::share(db, &owner, w.docs[1], &to_user(w.alice).expires_at(past)).await,
        ),
        (
            "expiry now",
            E::share(
                db,
                &owner,
                w.docs[1],
                &to_user(w.alice).expires_at(SystemTime::now() - Duration::from_millis(1)),
            )
            .await,
        ),
        (
            "no such row",
            E::share(db, &owner, i64::MAX, &to_user(w.alice)).await,
        ),
        (
            "negative id",
            E::share(db, &owner, -1, &to_user(w.alice)).await,
        ),
        (
            "no such user",
            E::share(
                db,
                &owner,
                w.docs[1],
                &ShareRequest::to(Agent::User(no_user)),
            )
            .await,
        ),
        (
            "no such group",
            E::share(
                db,
                &owner,
                w.docs[1],
                &ShareRequest::to(Agent::Group(no_group)),
            )
            .await,
        ),
        (
            "no names",
            E::share(
                db,
                &owner,
                w.docs[1],
                &to_user(w.alice).names(Vec::<(String, u32)>::new()),
            )
            .await,
        ),
        (
            "empty name",
            E::share(db, &owner, w.docs[1], &to_user(w.alice).names([("", 1)])).await,
        ),
        (
            "NUL in a name",
            E::share(
                db,
                &owner,
                w.docs[1],
                &to_user(w.alice).names([("vi\0ew", 1)]),
            )
            .await,
        ),
        (
            "huge name",
            E::share(
                db,
                &owner,
                w.docs[1],
                &to_user(w.alice).names([("v".repeat(10_000), 1)]),
            )
            .await,
        ),
        (
            "reads but may not manage",
            E::share(db, &alice, w.docs[0], &to_user(w.bob)).await,
        ),
        (
            "cannot read",
            E::share(db, &alice, w.docs[1], &to_user(w.bob)).await,
        ),
        (
            "anonymous",
            E::share(db, &Subject::anonymous(), w.docs[1], &to_user(w.bob)).await,
        ),
        (
            "unknown share",
            E::pass_on(db, &alice, Uuid::new_v4(), &to_user(w.bob)).await,
        ),
        (
            "nil uuid",
            E::pass_on(db, &alice, Uuid::nil(), &to_user(w.bob)).await,
        ),
        (
            "not shareable",
            document::Entity::share(db, &owner, w.docs[1], &to_user(w.alice)).await,
        ),
        (
            "wrong key type",
            E::share(
                db,
                &owner,
                w.docs[1],
                &ShareRequest::to(Agent::User(wrong_key())),
            )
            .await,
        ),
    ];
    for (case, outcome) in cases {
        let expected = match case {
            "expiry in the past" | "expiry now" => {
                matches!(outcome, Err(OwnershipError::ExpiryNotInFuture { .. }))
            }
            "no such row" | "negative id" | "cannot read" | "anonymous" | "unknown share"
            | "nil uuid" => {
                matches!(outcome, Err(OwnershipError::NotFound { .. }))
            }
            "no such user" => matches!(outcome, Err(OwnershipError::UnknownUsers(_))),
            "no such group" => matches!(outcome, Err(OwnershipError::UnknownGroups(_))),
            "no names" => matches!(outcome, Err(OwnershipError::NothingToShare { .. })),
            "empty name" | "NUL in a name" | "huge name" => {
                matches!(outcome, Err(OwnershipError::InvalidName { .. }))
            }
            "reads but may not manage" => {
                matches!(outcome, Err(OwnershipError::PermissionDenied { .. }))
            }
            "not shareable" => matches!(outcome, Err(OwnershipError::NotShareable { .. })),
            "wrong key type" => matches!(outcome, Err(OwnershipError::WrongKeyType { .. })),
            _ => unreachable!(),
        };
        assert!(expected, "{case}: {outcome:?}");
    }
    assert_eq!(stored(db).await, before, "nothing written");
    assert_eq!(E::access(db, &alice, root.uuid).await.unwrap(), root);
}

/// A user id of the other key type than the identity's users.
fn wrong_key() -> ownership_core::UserId {
    if world::app_mode() {
        7i64.into()
    } else {
        Uuid::new_v4().into()
    }
}
