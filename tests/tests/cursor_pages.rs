//! Keyset pages in the order of a column, walked with their cursors both ways on every
//! backend: page after page they list exactly the rows of the scope's query in that order,
//! never end on an empty page, refuse a cursor of another page, and neither skip nor repeat
//! a row when rows are inserted between two pages.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::{
    Agent, Cursor, Grantees, OwnedEntity, OwnershipError, OwnershipPages, OwnershipScopes,
    OwnershipShares, Page, PageProblem, Permitted, PolicyAssignment, Principal, ScopePage,
    ShareRequest, Subject, Target, Uuid, assign_policies, create_policy,
};
use ownership_tests::entities::{document, note, parcel, shared_doc, uuid_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, Role, SmarterWorld, documents, gid, give, load, uid};
use sea_orm::sea_query::Order;
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, ModelTrait, QueryOrder, Select, Set, Value,
};

on_every_backend!(
    pages_by_name_walk_each_scope_both_ways,
    pages_by_an_integer_column_and_by_uuid_ids,
    shared_pages_by_name_for_receivers_and_anyone,
    policy_pages_by_a_column,
    foreign_and_malformed_cursors_are_refused,
    rows_inserted_between_pages_do_not_move_the_others,
    one_statement_per_fetched_page,
);

/// The scope a walk lists.
#[derive(Clone, Copy, Debug)]
enum Listing<'p> {
    Read,
    Manage,
    Shared,
    Permitted(&'p Permitted),
    Policy(&'p [&'p str]),
}

impl<'p> Listing<'p> {
    /// The scope's page of `size`, by id.
    fn page<'a, E: OwnedEntity>(self, s: &'a Subject, size: u64) -> ScopePage<'a, E>
    where
        'p: 'a,
    {
        match self {
            Listing::Read => E::readable_page(s, size),
            Listing::Manage => E::manageable_page(s, size),
            Listing::Shared => E::shared_page(s, size),
            Listing::Permitted(permitted) => E::permitted_page(s, permitted, size),
            Listing::Policy(actions) => E::policy_page(s, actions, size),
        }
    }

    /// The scope's plain query.
    fn query<E: OwnedEntity>(self, s: &Subject) -> Select<E> {
        let find = E::find();
        match self {
            Listing::Read => find.with_read_permission_for(s),
            Listing::Manage => find.with_manage_permission_for(s),
            Listing::Shared => find.shared_with(s),
            Listing::Permitted(permitted) => find.permitted_for(s, permitted),
            Listing::Policy(actions) => find.policy_scope(s, actions),
        }
    }
}

/// The order of a walk: by a column (`None`: the id alone), then the id, descending or not.
#[derive(Clone, Copy, Debug)]
struct By<C> {
    column: Option<C>,
    descending: bool,
}

impl<C: Copy> By<C> {
    /// Every order by `column` and by the id, each way.
    fn every(column: C) -> [Self; 4] {
        [
            By::new(Some(column), false),
            By::new(Some(column), true),
            By::new(None, false),
            By::new(None, true),
        ]
    }

    fn new(column: Option<C>, descending: bool) -> Self {
        Self { column, descending }
    }
}

fn id_of<E: OwnedEntity>(row: &E::Model) -> Value {
    row.get(E::id_column())
}

/// `page` in the order `by`.
fn ordered<E: OwnedEntity>(page: ScopePage<'_, E>, by: By<E::Column>) -> ScopePage<'_, E> {
    let column = by.column.unwrap_or(E::id_column());
    if by.descending {
        page.order_by_desc(column)
    } else {
        page.order_by_asc(column)
    }
}

/// The ids `select` gives in the order `by`: what the pages must list.
async fn expected<E: OwnedEntity>(
    db: &DatabaseConnection,
    select: Select<E>,
    by: By<E::Column>,
) -> Vec<Value> {
    let order = if by.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut select = select;
    if let Some(column) = by.column {
        select = select.order_by(column, order.clone());
    }
    let rows = select
        .order_by(E::id_column(), order)
        .all(db)
        .await
        .expect("run the scope's query");
    rows.iter().map(id_of::<E>).collect()
}

fn ids_of<E: OwnedEntity>(pages: &[Page<E::Model>]) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|page| page.items.iter().map(id_of::<E>))
        .collect()
}

async fn fetch<E: OwnedEntity>(db: &DatabaseConnection, page: ScopePage<'_, E>) -> Page<E::Model> {
    page.fetch(db).await.expect("fetch a page")
}

/// Walks the pages of `first` (of `size`) forward by their next cursors, then back from
/// the last by their previous cursors: both walks must list `expected`, every page but the
/// last must be full, and no page but the first of an empty scope may be empty.
async fn check_walk<E: OwnedEntity>(
    db: &DatabaseConnection,
    first: &ScopePage<'_, E>,
    size: u64,
    expected: &[Value],
    label: &str,
) {
    let mut forward = vec![fetch(db, first.clone()).await];
    assert_eq!(forward[0].prev_cursor, None, "{label}: a first page");
    let listed: Vec<Value> = first
        .all(db)
        .await
        .expect("all")
        .iter()
        .map(id_of::<E>)
        .collect();
    assert_eq!(listed, ids_of::<E>(&forward), "{label}: all and fetch");
    while let Some(next) = forward.last().and_then(|page| page.next_cursor.clone()) {
        assert_eq!(
            forward.last().map(|page| page.items.len() as u64),
            Some(size),
            "{label}: a page followed by another is full"
        );
        let page = fetch(db, first.clone().after_cursor(next)).await;
        assert!(
            !page.items.is_empty(),
            "{label}: an empty page after a cursor"
        );
        assert!(page.prev_cursor.is_some(), "{label}: a page after another");
        forward.push(page);
    }
    assert_eq!(ids_of::<E>(&forward), expected, "{label}: forward");

    let mut backward = forward.split_off(forward.len() - 1);
    while let Some(prev) = backward.last().and_then(|page| page.prev_cursor.clone()) {
        let page = fetch(db, first.clone().before_cursor(prev)).await;
        assert!(
            !page.items.is_empty(),
            "{label}: an empty page before a cursor"
        );
        assert!(page.next_cursor.is_some(), "{label}: a page before another");
        backward.push(page);
    }
    backward.reverse();
    assert_eq!(ids_of::<E>(&backward), expected, "{label}: backward");
}

/// Walks `listing` for `s` in every order `orders`, with each size in `sizes`.
async fn check_walks<E: OwnedEntity>(
    db: &DatabaseConnection,
    s: &Subject,
    listing: Listing<'_>,
    orders: &[By<E::Column>],
    sizes: &[u64],
) {
    for &by in orders {
        let expected = expected(db, listing.query::<E>(s), by).await;
        for &size in sizes {
            let first = ordered(listing.page::<E>(s, size), by);
            let label = format!("{listing:?} of {:?} by {by:?}, size {size}", s.user_id());
            check_walk(db, &first, size, &expected, &label).await;
        }
    }
}

/// A world where every branch of the read scope holds rows with the same names: each of
/// SA, A1, R1 (in two accounts) and R2 owns documents `same-0` to `same-2` and two of its
/// own; R1 holds grants on R2's rows directly and through two groups, and on its own rows.
/// Returns the world and `other`, a member of one of R1's groups.
async fn named_world(db: &DatabaseConnection) -> (SmarterWorld, i64) {
    let w = SmarterWorld::build(db).await;
    let second = world::profile(db, w.r1, w.account_2).await;
    let [sa, a1, r1, r2] = w.profiles;
    let mut r2_rows = Vec::new();
    let mut r1_rows = Vec::new();
    for (owner, prefix) in [
        (sa, "sa"),
        (a1, "a1"),
        (r1, "r1"),
        (second, "r1b"),
        (r2, "r2"),
    ] {
        let same = documents::<3>(db, owner, "same-").await;
        let own = documents::<2>(db, owner, &format!("{prefix}-")).await;
        if owner == r2 {
            r2_rows.extend(same.into_iter().chain(own));
        } else if owner == r1 {
            r1_rows.extend(same);
        }
    }
    let other = world::user(db, "other", Role::Regular).await;
    let readers = world::group(db, "readers", &[w.r1, other]).await;
    let editors = world::group(db, "editors", &[w.r1]).await;
    let on = |ids: &[i64]| Target::objects::<document::Entity>(ids.iter().copied());
    give(db, "view", on(&r2_rows[..2]), Grantees::users([uid(w.r1)])).await;
    give(
        db,
        "change",
        on(&r2_rows[1..3]),
        Grantees::users([uid(w.r1)]),
    )
    .await;
    give(
        db,
        "view",
        on(&r2_rows[2..4]),
        Grantees::groups([gid(readers)]),
    )
    .await;
    give(
        db,
        "change",
        on(&r2_rows[3..]),
        Grantees::groups([gid(editors)]),
    )
    .await;
    give(
        db,
        "view",
        on(&r1_rows[..2]),
        Grantees::groups([gid(readers)]),
    )
    .await;
    (w, other)
}

async fn pages_by_name_walk_each_scope_both_ways(db: &DatabaseConnection) {
    let (w, other) = named_world(db).await;
    let mut subjects = vec![Subject::anonymous()];
    for user in [w.sa, w.a1, w.r1, w.r2, other] {
        subjects.push(load(db, user).await);
    }
    let any = Permitted::any_of(["view", "change"]);
    let all = Permitted::all_of(["view", "change"]);
    let change = Permitted::any_of(["change"]).without_superuser_bypass();
    let orders = By::every(document::Column::Name);
    for s in &subjects {
        check_walks::<document::Entity>(db, s, Listing::Read, &orders, &[1, 4]).await;
        for listing in [
            Listing::Manage,
            Listing::Shared,
            Listing::Permitted(&any),
            Listing::Permitted(&all),
            Listing::Permitted(&change),
        ] {
            check_walks::<document::Entity>(db, s, listing, &orders, &[3]).await;
        }
        // Past the widest scope: one page, with no cursor either way.
        check_walks::<document::Entity>(db, s, Listing::Read, &orders[..2], &[u64::MAX]).await;
    }
    let r1 = load(db, w.r1).await;
    let read = document::Entity::find().with_read_permission_for(&r1);
    assert!(
        expected(db, read, orders[0]).await.len() > 15,
        "a busy world"
    );
}

async fn pages_by_an_integer_column_and_by_uuid_ids(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let readers = world::group(db, "readers", &[w.r1]).await;
    let mut r2_notes = Vec::new();
    let mut r2_uuid_docs = Vec::new();
    for (k, owner) in w.profiles.into_iter().cycle().take(16).enumerate() {
        let note = note::ActiveModel {
            author_profile_id: Set(owner),
            title: Set(format!("note {k}")),
            // Many notes of one version, a timestamp's ties.
            version: Set((k % 3) as i32),
            text: Set(String::new()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert a note");
        let uuid_doc = uuid_doc::ActiveModel {
            id: Set(Uuid::from_u128(((k as u128 * 7) % 16) << 100 | k as u128)),
            user_profile_id: Set(owner),
            name: Set(format!("doc {}", k / 4)),
        }
        .insert(db)
        .await
        .expect("insert a uuid doc");
        if owner == w.profiles[3] {
            r2_notes.push(note.id);
            r2_uuid_docs.push(uuid_doc.id);
        }
    }
    give(
        db,
        "view",
        Target::objects::<note::Entity>(r2_notes[..2].iter().copied()),
        Grantees::groups([gid(readers)]),
    )
    .await;
    give(
        db,
        "view",
        Target::objects::<uuid_doc::Entity>(r2_uuid_docs[1..3].iter().copied()),
        Grantees::users([uid(w.r1)]),
    )
    .await;
    for user in [w.sa, w.a1, w.r1] {
        let s = load(db, user).await;
        for listing in [Listing::Read, Listing::Manage, Listing::Shared] {
            let orders = By::every(note::Column::Version);
            check_walks::<note::Entity>(db, &s, listing, &orders, &[2]).await;
            let orders = By::every(uuid_doc::Column::Name);
            check_walks::<uuid_doc::Entity>(db, &s, listing, &orders, &[3]).await;
        }
    }
}

async fn shared_pages_by_name_for_receivers_and_anyone(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r2]).await;
    let r1 = load(db, w.r1).await;
    let mut rows = Vec::new();
    for (owner, prefix) in [(w.profiles[2], "r1"), (w.profiles[1], "a1")] {
        for k in 0..4 {
            // `same 0` and `same 1` under both owners: ties.
            let name = if k < 2 { "same" } else { prefix };
            let row = shared_doc::ActiveModel {
                user_profile_id: Set(owner),
                name: Set(format!("{name} {k}")),
                ..Default::default()
            };
            rows.push(row.insert(db).await.expect("insert a shared doc").id);
        }
    }
    let a1 = load(db, w.a1).await;
    for (k, &id) in rows.iter().enumerate() {
        let sharer = if k < 4 { &r1 } else { &a1 };
        let agent = match k % 3 {
            0 => Agent::User(uid(w.r2)),
            1 => Agent::Group(gid(team)),
            _ => Agent::Anyone,
        };
        shared_doc::Entity::share(db, sharer, id, &ShareRequest::to(agent))
            .await
            .expect("share");
    }
    let orders = By::every(shared_doc::Column::Name);
    let mut subjects = vec![Subject::anonymous()];
    for user in [w.r2, w.r1, w.sa] {
        subjects.push(load(db, user).await);
    }
    let view = Permitted::any_of(["view"]);
    for s in &subjects {
        for listing in [Listing::Read, Listing::Shared, Listing::Permitted(&view)] {
            check_walks::<shared_doc::Entity>(db, s, listing, &orders, &[1, 3]).await;
        }
    }
}

async fn policy_pages_by_a_column(db: &DatabaseConnection) {
    let home = world::account(db, "home").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    let owner_profile = world::profile(db, owner, home).await;
    let alice = world::user(db, "alice", Role::Regular).await;
    for k in 0..9 {
        let organization = ["acme", "other", "acme"][k % 3];
        world::parcel(
            db,
            owner_profile,
            &format!("parcel {k}"),
            organization,
            Some("p"),
        )
        .await;
    }
    let body = r#"{"clause": [
        {"effect": "allow", "action": "parcel.list", "object": ["parcel/*/*/*"]},
        {"effect": "deny", "action": "parcel.list", "object": ["parcel/other/p/*"]}
    ]}"#;
    create_policy(db, "listing", body).await.expect("create");
    let public = r#"{"clause": [{"effect": "allow", "action": "parcel.list", "object": ["parcel/other/*/*"]}]}"#;
    create_policy(db, "public", public).await.expect("create");
    for (principal, policy) in [
        (Principal::User(uid(alice)), "listing"),
        (Principal::Anonymous, "public"),
    ] {
        assign_policies(db, &principal, &[PolicyAssignment::new(policy)])
            .await
            .expect("assign");
    }
    let actions: &[&str] = &["parcel.list"];
    let orders = By::every(parcel::Column::Organization);
    for s in [load(db, alice).await, Subject::anonymous()] {
        check_walks::<parcel::Entity>(db, &s, Listing::Policy(actions), &orders, &[2]).await;
    }
}

/// The problem a page is refused with.
async fn refusal(db: &DatabaseConnection, page: ScopePage<'_, document::Entity>) -> PageProblem {
    let all = page.all(db).await.map(|_| ());
    let fetched = page.fetch(db).await.map(|_| ());
    match (all, fetched) {
        (Err(OwnershipError::InvalidPage(a)), Err(OwnershipError::InvalidPage(b))) if a == b => a,
        other => panic!("not refused alike: {other:?}"),
    }
}

async fn foreign_and_malformed_cursors_are_refused(db: &DatabaseConnection) {
    let (w, _) = named_world(db).await;
    let r1 = load(db, w.r1).await;
    let by_name = document::Entity::readable_page(&r1, 2).order_by_asc(document::Column::Name);
    let next = by_name
        .fetch(db)
        .await
        .unwrap()
        .next_cursor
        .expect("a next page");
    let by_id = document::Entity::readable_page(&r1, 2);
    let id_cursor = by_id
        .fetch(db)
        .await
        .unwrap()
        .next_cursor
        .expect("a next page");
    let another_order = PageProblem::CursorOfAnotherOrder;
    let foreign = [
        (
            by_id.clone().after_cursor(next.clone()),
            another_order.clone(),
        ),
        (
            by_name.clone().after_cursor(id_cursor.clone()),
            another_order.clone(),
        ),
        (
            by_name.clone().before_cursor(id_cursor),
            another_order.clone(),
        ),
        (
            by_name
                .clone()
                .order_by_desc(document::Column::Name)
                .after_cursor(next.clone()),
            another_order.clone(),
        ),
        (
            by_name
                .clone()
                .order_by_asc(document::Column::Body)
                .before_cursor(next),
            another_order.clone(),
        ),
        (by_name.clone().after(w.s_r1), another_order),
        (
            by_name
                .clone()
                .after_cursor("name.a.i5.l1".parse().unwrap()),
            PageProblem::CursorOfAnotherType,
        ),
        (
            by_name.clone().after_cursor("name.a.l1".parse().unwrap()),
            PageProblem::CursorOfAnotherType,
        ),
    ];
    for (page, problem) in foreign {
        assert_eq!(refusal(db, page.clone()).await, problem, "{page:?}");
        // Built anyway, the page selects nothing.
        let statement = page.build(db.get_database_backend());
        let rows = document::Entity::find()
            .from_raw_sql(statement)
            .all(db)
            .await
            .unwrap();
        assert!(rows.is_empty());
    }
    for text in ["", "name", "name.a.s~zz.l1", "name.a.l99999999999999999999"] {
        assert!(matches!(
            text.parse::<Cursor>(),
            Err(PageProblem::MalformedCursor)
        ));
    }
    // A NULL has no place in a keyset order.
    let anyone = Subject::anonymous();
    let by_project =
        parcel::Entity::readable_page(&anyone, 2).order_by_asc(parcel::Column::Project);
    assert!(matches!(
        by_project.fetch(db).await,
        Err(OwnershipError::InvalidPage(PageProblem::UnorderableColumn(
            "project"
        )))
    ));
}

/// Rows inserted before and after the cursor between two pages of a walk: every row that
/// was there throughout comes exactly once, in order, whichever way the walk goes.
async fn rows_inserted_between_pages_do_not_move_the_others(db: &DatabaseConnection) {
    let (w, _) = named_world(db).await;
    let r1 = load(db, w.r1).await;
    let profile = w.profiles[2];
    let mut inserted = 0;
    for by in By::every(document::Column::Name) {
        let first = ordered(document::Entity::readable_page(&r1, 3), by);
        let before = expected(
            db,
            document::Entity::find().with_read_permission_for(&r1),
            by,
        )
        .await;
        let mut seen = Vec::new();
        let mut page = first.fetch(db).await.unwrap();
        loop {
            seen.extend(page.items.iter().map(id_of::<document::Entity>));
            let Some(next) = page.next_cursor.clone() else {
                break;
            };
            // A name before every other and one after, and one among the ties; between the
            // first pages only, or rows after the cursor would keep the walk going.
            if seen.len() < 12 {
                for name in ["", "same-1", "zzz"] {
                    world::document(db, profile, &format!("{name}{inserted}")).await;
                    inserted += 1;
                }
            }
            page = first.clone().after_cursor(next).fetch(db).await.unwrap();
        }
        let kept: Vec<Value> = seen
            .iter()
            .filter(|id| before.contains(id))
            .cloned()
            .collect();
        assert_eq!(kept, before, "forward by {by:?}");
        let mut distinct = seen.clone();
        distinct.sort_by_key(|id| format!("{id:?}"));
        distinct.dedup();
        assert_eq!(distinct.len(), seen.len(), "a row twice, by {by:?}");
    }
}

async fn one_statement_per_fetched_page(db: &DatabaseConnection) {
    let (w, _) = named_world(db).await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let r1 = load(db, w.r1).await;
    let first = document::Entity::readable_page(&r1, 4).order_by_desc(document::Column::Name);
    let page = first.fetch(&counted).await.unwrap();
    let next = page.next_cursor.expect("a next page");
    let page = first
        .clone()
        .after_cursor(next)
        .fetch(&counted)
        .await
        .unwrap();
    let prev = page.prev_cursor.expect("a previous page");
    first
        .clone()
        .before_cursor(prev)
        .fetch(&counted)
        .await
        .unwrap();
    assert_eq!(
        statements.swap(0, Ordering::SeqCst),
        3,
        "one statement a page"
    );
    let empty = document::Entity::readable_page(&r1, 0).order_by_asc(document::Column::Name);
    assert_eq!(empty.fetch(&counted).await.unwrap().items, []);
    assert_eq!(
        statements.load(Ordering::SeqCst),
        0,
        "none for an empty page"
    );

    // Bound parameters only, the page size alone written into the SQL; an id page keeps
    // its shape, with no column but the id read from the candidate lists.
    let cursor: Cursor = "name.a.sx~27y.l7".parse().unwrap();
    for backend in [
        sea_orm::DbBackend::Postgres,
        sea_orm::DbBackend::MySql,
        sea_orm::DbBackend::Sqlite,
    ] {
        let by_name = document::Entity::readable_page(&r1, 5)
            .order_by_asc(document::Column::Name)
            .after_cursor(cursor.clone())
            .build(backend);
        assert!(!by_name.sql.contains("x'y"), "{}", by_name.sql);
        assert!(by_name.sql.ends_with(" LIMIT 5"), "{}", by_name.sql);
        assert!(
            by_name.sql.contains("ownership_candidate_key"),
            "{}",
            by_name.sql
        );
        let by_id = document::Entity::readable_page(&r1, 5)
            .after(w.s_a1)
            .build(backend);
        assert!(
            !by_id.sql.contains("ownership_candidate_key"),
            "{}",
            by_id.sql
        );
    }
}
