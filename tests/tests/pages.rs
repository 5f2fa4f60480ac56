//! Keyset pages and counts of the scopes on every backend: page after page they list
//! exactly the scope's rows in id order, and a count gives their number, in one statement
//! each.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::{
    Grantees, OwnershipCounts, OwnershipPages, OwnershipScopes, Permitted, ScopePage, Subject,
    Target,
};
use ownership_tests::entities::document;
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, Role, SmarterWorld, documents, give, ids, load, walk_pages};
use ownership_tests::world::{gid, uid};
use sea_orm::{DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, Select};

on_every_backend!(
    pages_list_each_scope_in_order,
    a_grant_on_a_missing_row_does_not_shorten_a_page,
    empty_and_denied_pages,
    pages_larger_than_any_table_list_the_whole_scope,
    one_statement_per_page,
    counts_give_the_number_of_rows_of_each_scope,
);

/// Every id of a scope, page after page of `size`.
async fn walk(
    db: &DatabaseConnection,
    first: ScopePage<'_, document::Entity>,
    size: u64,
) -> Vec<i64> {
    walk_pages(db, first, size).await.expect("walk the pages")
}

/// The ids of a scoped query, in id order.
async fn ordered(db: &DatabaseConnection, select: Select<document::Entity>) -> Vec<i64> {
    ids(db, select).await.into_iter().collect()
}

/// A world where every branch of the read scope holds more rows than a small page: own
/// rows in two accounts, a staff colleague's, a superuser's, direct grants of both names
/// and grants through two groups (some on r1's own rows), interleaved in id order.
async fn busy_world(db: &DatabaseConnection) -> (SmarterWorld, i64) {
    let w = SmarterWorld::build(db).await;
    let second = world::profile(db, w.r1, w.account_2).await;
    let [sa, a1, r1, r2] = w.profiles;
    let mut r1_rows = Vec::new();
    let mut r2_rows = Vec::new();
    for round in 0..4 {
        for (owner, prefix) in [
            (sa, "sa"),
            (a1, "a1"),
            (r1, "r1"),
            (second, "r1b"),
            (r2, "r2"),
        ] {
            let [id] = documents::<1>(db, owner, &format!("{prefix}-{round}-")).await;
            if owner == r2 {
                r2_rows.push(id);
            }
            if owner == r1 {
                r1_rows.push(id);
            }
        }
    }
    let other = world::user(db, "other", Role::Regular).await;
    let readers = world::group(db, "readers", &[w.r1, other]).await;
    let editors = world::group(db, "editors", &[w.r1]).await;
    let doc = |i: usize| Target::object::<document::Entity>(r2_rows[i]);
    give(db, "view", doc(0), Grantees::users([uid(w.r1)])).await;
    // Two names on one object, directly: one candidate, counted once.
    give(db, "change", doc(0), Grantees::users([uid(w.r1)])).await;
    give(db, "change", doc(1), Grantees::users([uid(w.r1)])).await;
    give(db, "view", doc(2), Grantees::groups([gid(readers)])).await;
    give(db, "change", doc(1), Grantees::groups([gid(editors)])).await;
    give(db, "view", doc(3), Grantees::groups([gid(readers)])).await;
    // One object through two of r1's groups: a list over both must not count it twice,
    // or it takes the place of doc(3), which no other branch gives r1.
    give(db, "view", doc(2), Grantees::groups([gid(editors)])).await;
    give(db, "change", doc(2), Grantees::users([uid(other)])).await;
    // Grants on r1's own rows, directly and through a group: a shared page leaves them out.
    let own = |i: usize| Target::object::<document::Entity>(r1_rows[i]);
    give(db, "view", own(0), Grantees::users([uid(w.r1)])).await;
    give(db, "change", own(1), Grantees::groups([gid(readers)])).await;
    (w, other)
}

async fn pages_list_each_scope_in_order(db: &DatabaseConnection) {
    let (w, other) = busy_world(db).await;
    let find = document::Entity::find;
    for user in [w.sa, w.a1, w.r1, w.r2, other] {
        let s = load(db, user).await;
        let read = ordered(db, find().with_read_permission_for(&s)).await;
        let manage = ordered(db, find().with_manage_permission_for(&s)).await;
        let shared = ordered(db, find().shared_with(&s)).await;
        let asks = [
            Permitted::any_of(["view"]),
            Permitted::any_of(["view", "change"]),
            Permitted::any_of(["view", "change"]).without_groups(),
            Permitted::all_of(["view", "change"]),
            Permitted::any_of(["change"]).without_superuser_bypass(),
        ];
        for size in [1, 2, 3, 50] {
            let read_pages = walk(db, document::Entity::readable_page(&s, size), size).await;
            assert_eq!(read_pages, read, "read pages of {size}, user {user}");
            let manage_pages = walk(db, document::Entity::manageable_page(&s, size), size).await;
            assert_eq!(manage_pages, manage, "manage pages of {size}, user {user}");
            let shared_pages = walk(db, document::Entity::shared_page(&s, size), size).await;
            assert_eq!(shared_pages, shared, "shared pages of {size}, user {user}");
            for ask in &asks {
                let permitted = ordered(db, find().permitted_for(&s, ask)).await;
                let pages = walk(db, document::Entity::permitted_page(&s, ask, size), size).await;
                assert_eq!(pages, permitted, "{ask:?} pages of {size}, user {user}");
            }
        }
    }
    // The world is busy enough for the walks above to cross pages in every branch.
    let r1 = load(db, w.r1).await;
    assert!(
        ordered(db, find().with_read_permission_for(&r1))
            .await
            .len()
            > 20
    );
}

async fn a_grant_on_a_missing_row_does_not_shorten_a_page(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let rows = documents::<4>(db, w.profiles[3], "r2-").await;
    give(
        db,
        "view",
        Target::objects::<document::Entity>(rows),
        Grantees::users([uid(w.r1)]),
    )
    .await;
    // Deleted with SeaORM's own delete: its grant goes with it, and never takes a place.
    document::Entity::delete_by_id(rows[0])
        .exec(db)
        .await
        .unwrap();
    let r1 = load(db, w.r1).await;
    let permitted = Permitted::any_of(["view"]).without_superuser_bypass();
    let first: Vec<i64> = document::Entity::permitted_page(&r1, &permitted, 2)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(first, [rows[1], rows[2]]);
}

/// Whether a page has no row.
async fn is_empty(db: &DatabaseConnection, page: ScopePage<'_, document::Entity>) -> bool {
    page.all(db).await.expect("fetch a page").is_empty()
}

async fn empty_and_denied_pages(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let anonymous = Subject::anonymous();
    assert!(is_empty(db, document::Entity::readable_page(&anonymous, 10)).await);
    let inactive = world::user(db, "inactive", Role::Inactive).await;
    world::profile(db, inactive, w.account_1).await;
    let inactive = load(db, inactive).await;
    assert!(is_empty(db, document::Entity::manageable_page(&inactive, 10)).await);
    let sa = load(db, w.sa).await;
    assert!(is_empty(db, document::Entity::readable_page(&sa, 0)).await);
    let nothing = Permitted::any_of(Vec::<String>::new());
    assert!(is_empty(db, document::Entity::permitted_page(&sa, &nothing, 10)).await);
    // Past the last row.
    let past_the_end = document::Entity::readable_page(&sa, 10).after(w.s_r2);
    assert!(is_empty(db, past_the_end).await);
}

async fn pages_larger_than_any_table_list_the_whole_scope(db: &DatabaseConnection) {
    let (w, _) = busy_world(db).await;
    let find = document::Entity::find;
    let any = Permitted::any_of(["view", "change"]);
    // A superuser's pages take the filter form, everyone else's the candidate lists.
    for user in [w.sa, w.r1] {
        let s = load(db, user).await;
        let read = ordered(db, find().with_read_permission_for(&s)).await;
        let manage = ordered(db, find().with_manage_permission_for(&s)).await;
        let shared = ordered(db, find().shared_with(&s)).await;
        let permitted = ordered(db, find().permitted_for(&s, &any)).await;
        // Past what SQLite's and PostgreSQL's drivers can bind: one page holds every row.
        for size in [u64::MAX, i64::MAX as u64 + 1] {
            let read_page = walk(db, document::Entity::readable_page(&s, size), size).await;
            assert_eq!(read_page, read, "read page of {size}, user {user}");
            let manage_page = walk(db, document::Entity::manageable_page(&s, size), size).await;
            assert_eq!(manage_page, manage, "manage page of {size}, user {user}");
            let shared_page = walk(db, document::Entity::shared_page(&s, size), size).await;
            assert_eq!(shared_page, shared, "shared page of {size}, user {user}");
            let permitted_page = document::Entity::permitted_page(&s, &any, size);
            let permitted_page = walk(db, permitted_page, size).await;
            assert_eq!(
                permitted_page, permitted,
                "permitted page of {size}, user {user}"
            );
        }
    }
}

async fn one_statement_per_page(db: &DatabaseConnection) {
    let (w, _) = busy_world(db).await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let r1 = load(db, w.r1).await;
    let page = document::Entity::readable_page(&r1, 5).after(w.s_a1);
    assert_eq!(page.all(&counted).await.unwrap().len(), 5);
    assert_eq!(
        statements.swap(0, Ordering::SeqCst),
        1,
        "one statement a page"
    );
    document::Entity::readable_page(&r1, 0)
        .all(&counted)
        .await
        .unwrap();
    assert_eq!(
        statements.load(Ordering::SeqCst),
        0,
        "none for an empty page"
    );

    // Bound parameters only: neither the user id nor the cursor appears in the SQL. The
    // page size alone is written into it, as the statement's final `LIMIT`.
    for backend in [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite] {
        let statement = page.build(backend);
        let sql = &statement.sql;
        assert!(!sql.contains(&format!("= {}", w.r1)), "{sql}");
        assert!(!sql.contains(&format!("> {}", w.s_a1)), "{sql}");
        assert!(sql.ends_with(" LIMIT 5"), "{sql}");
    }
}

/// A count is the number of rows of its scope, for every kind of subject: the superuser
/// (counted over the table), staff, plain users with grants directly and through groups on
/// rows they also own (counted once), and nobody.
async fn counts_give_the_number_of_rows_of_each_scope(db: &DatabaseConnection) {
    let (w, other) = busy_world(db).await;
    let find = document::Entity::find;
    let mut subjects = vec![Subject::anonymous()];
    for user in [w.sa, w.a1, w.r1, w.r2, other] {
        subjects.push(load(db, user).await);
    }
    let asks = [
        Permitted::any_of(["view"]),
        Permitted::any_of(["view", "change"]).without_groups(),
        Permitted::any_of(["view", "change"])
            .without_groups()
            .objects_only()
            .without_superuser_bypass(),
        Permitted::all_of(["view", "change"]),
        Permitted::any_of(["change"]).without_superuser_bypass(),
        Permitted::any_of(Vec::<String>::new()),
    ];
    for s in &subjects {
        let read = find().with_read_permission_for(s).count(db).await.unwrap();
        assert_eq!(
            document::Entity::readable_count(db, s).await.unwrap(),
            read,
            "read count of {:?}",
            s.user_id()
        );
        let manage = find()
            .with_manage_permission_for(s)
            .count(db)
            .await
            .unwrap();
        assert_eq!(
            document::Entity::manageable_count(db, s).await.unwrap(),
            manage,
            "manage count of {:?}",
            s.user_id()
        );
        for ask in &asks {
            let permitted = find().permitted_for(s, ask).count(db).await.unwrap();
            assert_eq!(
                document::Entity::permitted_count(db, s, ask).await.unwrap(),
                permitted,
                "{ask:?} count of {:?}",
                s.user_id()
            );
        }
    }
    let r1 = load(db, w.r1).await;
    assert!(document::Entity::readable_count(db, &r1).await.unwrap() > 20);
}
