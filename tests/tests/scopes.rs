//! The ownership scopes (rules 1-4 of the design) on every backend.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::entity::user_profile;
use ownership_core::{OwnershipChecks, OwnershipScopes, Subject};
use ownership_tests::entities::{document, note};
use ownership_tests::on_every_backend;
use ownership_tests::world::load;
use ownership_tests::world::uid;
use ownership_tests::world::{self, Role, SmarterWorld, ids, set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QueryTrait, Set,
};

on_every_backend!(
    smarter_scenario,
    anonymous_and_unknown_subjects_see_nothing,
    multi_profile_user,
    inactive_user_sees_nothing,
    user_without_profile,
    snapshot_cannot_outlive_the_database,
    scopes_chain_with_filter_order_paginate_count,
    checks_agree_with_lists,
    scoped_bulk_update_and_delete,
    scopes_work_on_dense_entities_and_joins,
    one_statement_per_scope_and_four_to_load,
);

/// The four scopes of one subject.
struct Scopes {
    owned: BTreeSet<i64>,
    read: BTreeSet<i64>,
    manage: BTreeSet<i64>,
    shared: BTreeSet<i64>,
}

async fn scopes(db: &DatabaseConnection, subject: &Subject) -> Scopes {
    let find = document::Entity::find;
    let scopes = Scopes {
        owned: ids(db, find().owned_by(subject)).await,
        read: ids(db, find().with_read_permission_for(subject)).await,
        manage: ids(db, find().with_manage_permission_for(subject)).await,
        shared: ids(db, find().shared_with(subject)).await,
    };
    assert_eq!(
        ids(db, find().with_ownership_permission_for(subject)).await,
        scopes.manage,
        "Smarter's name for the manage scope is the manage scope"
    );
    assert!(scopes.manage.is_subset(&scopes.read), "manage implies read");
    assert!(
        scopes.owned.is_subset(&scopes.manage),
        "owning implies managing"
    );
    scopes
}

async fn smarter_scenario(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let all = set([w.s_sa, w.s_a1, w.s_r1, w.s_r2]);

    let sa = scopes(db, &load(db, w.sa).await).await;
    assert_eq!(sa.read, all);
    assert_eq!(sa.manage, all);
    assert_eq!(sa.owned, set([w.s_sa]));

    let a1 = scopes(db, &load(db, w.a1).await).await;
    assert!(a1.read.is_superset(&set([w.s_a1, w.s_r1, w.s_sa])));
    assert!(!a1.read.contains(&w.s_r2));
    assert_eq!(a1.manage, set([w.s_a1, w.s_r1]));
    assert_eq!(a1.owned, set([w.s_a1]));

    let r1 = scopes(db, &load(db, w.r1).await).await;
    assert!(r1.read.is_superset(&set([w.s_r1, w.s_a1, w.s_sa])));
    assert!(!r1.read.contains(&w.s_r2));
    assert_eq!(r1.manage, set([w.s_r1]));
    assert_eq!(r1.shared, set([w.s_a1, w.s_sa]));

    let r2 = scopes(db, &load(db, w.r2).await).await;
    assert!(r2.read.is_superset(&set([w.s_r2, w.s_sa])));
    assert!(!r2.read.contains(&w.s_a1) && !r2.read.contains(&w.s_r1));
    assert_eq!(r2.manage, set([w.s_r2]));
    assert_eq!(r2.shared, set([w.s_sa]));
}

async fn anonymous_and_unknown_subjects_see_nothing(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let unknown = load(db, w.sa + w.a1 + w.r1 + w.r2 + 1000).await;
    assert!(unknown.is_anonymous());
    for subject in [Subject::anonymous(), unknown] {
        let s = scopes(db, &subject).await;
        assert!(s.owned.is_empty() && s.read.is_empty());
        assert!(s.manage.is_empty() && s.shared.is_empty());
        assert!(
            !document::Entity::can_read(db, &subject, w.s_sa)
                .await
                .unwrap()
        );
    }
}

async fn multi_profile_user(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    // M is regular in account 1 and staff-less in account 2, owning one document in each.
    let m = world::user(db, "m", Role::Regular).await;
    let m1 = world::profile(db, m, w.account_1).await;
    let m2 = world::profile(db, m, w.account_2).await;
    let d1 = world::document(db, m1, "plan").await;
    let d2 = world::document(db, m2, "plan").await;

    let subject = load(db, m).await;
    assert_eq!(subject.user().unwrap().profiles.len(), 2);
    let s = scopes(db, &subject).await;
    assert_eq!(s.owned, set([d1, d2]));
    assert_eq!(s.manage, set([d1, d2]));
    assert_eq!(s.read, set([d1, d2, w.s_a1, w.s_sa]));
    assert_eq!(s.shared, set([w.s_a1, w.s_sa]));

    // A1 is staff in account 1 only: manages M's document there, not the one in account 2.
    let a1 = scopes(db, &load(db, w.a1).await).await;
    assert!(a1.manage.contains(&d1) && !a1.manage.contains(&d2));
    assert!(!a1.read.contains(&d2));
    // R2 (account 2) does not see M's documents: M is no staff.
    let r2 = scopes(db, &load(db, w.r2).await).await;
    assert!(!r2.read.contains(&d1) && !r2.read.contains(&d2));
}

async fn inactive_user_sees_nothing(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let inactive = world::user(db, "gone", Role::Inactive).await;
    let profile = world::profile(db, inactive, w.account_1).await;
    world::document(db, profile, "old").await;
    let s = scopes(db, &load(db, inactive).await).await;
    assert!(s.owned.is_empty() && s.read.is_empty() && s.manage.is_empty());
}

async fn user_without_profile(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let loner = world::user(db, "loner", Role::Staff).await;
    let s = scopes(db, &load(db, loner).await).await;
    assert!(s.read.is_empty() && s.manage.is_empty() && s.owned.is_empty());

    // A superuser needs no profile to read and manage everything.
    let root = world::user(db, "root", Role::Superuser).await;
    let s = scopes(db, &load(db, root).await).await;
    let all = set([w.s_sa, w.s_a1, w.s_r1, w.s_r2]);
    assert_eq!((s.read, s.manage), (all.clone(), all));
    assert!(s.owned.is_empty());
}

/// Whatever the snapshot says, the database decides: changes after loading take effect at
/// the next query.
async fn snapshot_cannot_outlive_the_database(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let sa = load(db, w.sa).await;
    world::set_role(db, w.sa, Role::Staff).await; // demoted to staff in P
    let s = scopes(db, &sa).await;
    assert_eq!(s.manage, set([w.s_sa]), "no superuser power left");

    let a1 = load(db, w.a1).await;
    world::set_role(db, w.a1, Role::Regular).await; // no longer staff
    assert_eq!(scopes(db, &a1).await.manage, set([w.s_a1]));

    let r1 = load(db, w.r1).await;
    world::set_role(db, w.r1, Role::Inactive).await; // deactivated
    let s = scopes(db, &r1).await;
    assert!(s.owned.is_empty() && s.read.is_empty());

    // A deleted user: R2 owns a document, so first hand it over, then delete the user.
    let r2 = load(db, w.r2).await;
    let mut doc = document::Entity::find_by_id(w.s_r2)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    doc.user_profile_id = Set(w.profiles[0]);
    doc.update(db).await.unwrap();
    world::delete_user(db, w.r2).await;
    let s = scopes(db, &r2).await;
    assert!(s.read.is_empty() && s.manage.is_empty());
}

async fn scopes_chain_with_filter_order_paginate_count(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    for i in 0..7 {
        world::document(db, w.profiles[2], &format!("plan {i}")).await;
    }
    world::document(db, w.profiles[3], "plan of r2").await;
    let r1 = load(db, w.r1).await;
    let query = || {
        document::Entity::find()
            .with_read_permission_for(&r1)
            .filter(document::Column::Name.starts_with("plan"))
            .order_by_desc(document::Column::Id)
    };
    assert_eq!(query().count(db).await.unwrap(), 7);
    let pages = query().paginate(db, 3);
    assert_eq!(pages.num_pages().await.unwrap(), 3);
    let first: Vec<String> = pages
        .fetch_page(0)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(first, ["plan 6", "plan 5", "plan 4"]);
    let last = pages.fetch_page(2).await.unwrap();
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].name, "plan 0");
    // A filter chained after an OR-shaped scope must not widen it.
    let widened = document::Entity::find()
        .with_read_permission_for(&r1)
        .filter(Expr::cust("1 = 1"))
        .filter(document::Column::Id.eq(w.s_r2));
    assert!(ids(db, widened).await.is_empty());
}

async fn checks_agree_with_lists(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let docs = [w.s_sa, w.s_a1, w.s_r1, w.s_r2, i64::MAX];
    for user_id in [w.sa, w.a1, w.r1, w.r2] {
        let subject = load(db, user_id).await;
        let s = scopes(db, &subject).await;
        for doc in docs {
            let can_read = document::Entity::can_read(db, &subject, doc).await.unwrap();
            let can_manage = document::Entity::can_manage(db, &subject, doc)
                .await
                .unwrap();
            assert_eq!(can_read, s.read.contains(&doc), "read {user_id} {doc}");
            assert_eq!(
                can_manage,
                s.manage.contains(&doc),
                "manage {user_id} {doc}"
            );
        }
    }
}

async fn scoped_bulk_update_and_delete(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let a1 = load(db, w.a1).await;
    let updated = document::Entity::update_many()
        .col_expr(document::Column::Body, Expr::value("edited"))
        .with_manage_permission_for(&a1)
        .exec(db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 2);
    let edited = ids(
        db,
        document::Entity::find().filter(document::Column::Body.eq("edited")),
    )
    .await;
    assert_eq!(edited, set([w.s_a1, w.s_r1]));

    let r2 = load(db, w.r2).await;
    let deleted = document::Entity::delete_many()
        .with_manage_permission_for(&r2)
        .exec(db)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 1);
    let left = ids(db, document::Entity::find()).await;
    assert_eq!(left, set([w.s_sa, w.s_a1, w.s_r1]));

    let anonymous = Subject::anonymous();
    let deleted = document::Entity::delete_many()
        .with_manage_permission_for(&anonymous)
        .exec(db)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 0);
}

async fn scopes_work_on_dense_entities_and_joins(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    for (i, profile) in w.profiles.into_iter().enumerate() {
        note::ActiveModel {
            author_profile_id: Set(profile),
            title: Set(format!("note {i}")),
            version: Set(1),
            text: Set(String::new()),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    let r1 = load(db, w.r1).await;
    let mine = note::Entity::find().owned_by(&r1).count(db).await.unwrap();
    assert_eq!(mine, 1);
    if world::app_mode() {
        // The note's relation names the embedded profiles, which an application with its
        // own identity does not have.
        return;
    }
    let rows = note::Entity::find()
        .with_read_permission_for(&r1)
        .find_also_related(user_profile::Entity)
        .order_by_asc(note::Column::Id)
        .all(db)
        .await
        .unwrap();
    let seen: Vec<(String, Option<i64>)> = rows
        .into_iter()
        .map(|(n, p)| (n.title, p.map(|p| p.id)))
        .collect();
    assert_eq!(
        seen,
        [
            ("note 0".to_owned(), Some(w.profiles[0])),
            ("note 1".to_owned(), Some(w.profiles[1])),
            ("note 2".to_owned(), Some(w.profiles[2])),
        ]
    );
}

async fn one_statement_per_scope_and_four_to_load(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });

    let m = world::profile(db, w.r1, w.account_2).await;
    world::document(db, m, "second").await;
    let r1 = Subject::load(&counted, uid(w.r1)).await.unwrap();
    assert_eq!(r1.user().unwrap().profiles.len(), 2);
    assert_eq!(
        statements.swap(0, Ordering::SeqCst),
        4,
        "load takes four queries: the user with its profiles, its groups, its whole-model grants, its policies"
    );

    for query in [
        document::Entity::find().owned_by(&r1),
        document::Entity::find().with_read_permission_for(&r1),
        document::Entity::find().with_manage_permission_for(&r1),
        document::Entity::find().shared_with(&r1),
    ] {
        query.all(&counted).await.unwrap();
        assert_eq!(
            statements.swap(0, Ordering::SeqCst),
            1,
            "one statement per scope"
        );
    }

    // Bound parameters only: the user id never appears in the SQL text.
    let sql = document::Entity::find()
        .with_read_permission_for(&r1)
        .build(DbBackend::Postgres)
        .sql;
    assert!(sql.contains("$1"));
    assert!(!sql.contains(&format!("= {}", w.r1)), "{sql}");
}
