//! Per-row answers on every backend: the access to one row for one action (granted,
//! forbidden, not found) and the actions on a list of rows agree with the scopes the lists
//! and writes take, row by row, for every kind of subject; each is one statement, and a
//! row the subject may not read is not found whether or not it exists.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::{
    Access, Action, Actions, Agent, AuthorizedGrants, Grantees, Level, MAX_ASKED_IDS,
    OwnershipAccess, OwnershipError, OwnershipScopes, OwnershipShares, ShareRequest, Subject,
};
use ownership_tests::entities::{document, shared_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, SmarterWorld, load, uid};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

on_every_backend!(
    the_answers_agree_with_the_scopes_for_every_subject,
    each_level_allows_its_actions,
    a_stranger_gets_not_found_for_rows_that_exist_and_rows_that_do_not,
    a_list_of_ids_is_answered_in_one_statement,
    a_share_allows_what_it_holds_and_no_sharing,
    a_stale_subject_gets_nothing_after_deactivation,
);

/// The ids of the documents a scope admits.
async fn scope_ids(
    db: &DatabaseConnection,
    narrow: impl FnOnce(sea_orm::Select<document::Entity>) -> sea_orm::Select<document::Entity>,
) -> BTreeSet<i64> {
    world::ids(db, narrow(document::Entity::find())).await
}

/// The ids whose answer allows `action`, from one list question over `ids`.
async fn allowed(
    db: &DatabaseConnection,
    subject: &Subject,
    ids: &[i64],
    action: Action,
) -> BTreeSet<i64> {
    document::Entity::permitted_actions(db, subject, ids.iter().copied())
        .await
        .expect("permitted actions")
        .into_iter()
        .filter(|row| row.actions.allows(action))
        .map(|row| row.id)
        .collect()
}

async fn the_answers_agree_with_the_scopes_for_every_subject(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let extra = world::documents::<3>(db, w.profiles[3], "extra").await;
    let r1 = load(db, w.r1).await;
    document::Entity::grant_level_as(
        db,
        &load(db, w.r2).await,
        Level::View,
        [extra[0]],
        &Grantees::users([uid(w.r1)]),
    )
    .await
    .expect("view to r1");
    document::Entity::grant_level_as(
        db,
        &load(db, w.r2).await,
        Level::Edit,
        [extra[1]],
        &Grantees::users([uid(w.r1)]),
    )
    .await
    .expect("edit to r1");
    document::Entity::grant_level_as(
        db,
        &load(db, w.r2).await,
        Level::All,
        [extra[2]],
        &Grantees::users([uid(w.a1)]),
    )
    .await
    .expect("all to a1");
    let mut ids = vec![w.s_sa, w.s_a1, w.s_r1, w.s_r2];
    ids.extend(extra);
    ids.push(extra[2] + 1_000); // no such row
    let subjects = [
        load(db, w.sa).await,
        load(db, w.a1).await,
        r1,
        load(db, w.r2).await,
        Subject::anonymous(),
    ];
    for subject in &subjects {
        let read = scope_ids(db, |q| q.with_read_permission_for(subject)).await;
        let manage = scope_ids(db, |q| q.with_manage_permission_for(subject)).await;
        let delete = scope_ids(db, |q| q.with_delete_permission_for(subject)).await;
        let asked: BTreeSet<i64> = ids.iter().copied().collect();
        for (action, scope) in [
            (Action::Read, &read),
            (Action::Manage, &manage),
            (Action::Delete, &delete),
        ] {
            let expected: BTreeSet<i64> = scope.intersection(&asked).copied().collect();
            assert_eq!(
                allowed(db, subject, &ids, action).await,
                expected,
                "{action:?}"
            );
            for &id in &ids {
                let access = document::Entity::check_access(db, subject, id, action)
                    .await
                    .expect("access");
                let want = if !read.contains(&id) {
                    Access::NotFound
                } else if scope.contains(&id) {
                    Access::Granted
                } else {
                    Access::Forbidden
                };
                assert_eq!(access, want, "{action:?} on {id}");
            }
        }
    }
}

async fn each_level_allows_its_actions(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let [viewed, edited, all] = world::documents(db, w.profiles[2], "levels").await;
    let to_r2 = Grantees::users([uid(w.r2)]);
    for (id, level) in [
        (viewed, Level::View),
        (edited, Level::Edit),
        (all, Level::All),
    ] {
        document::Entity::grant_level_as(db, &r1, level, [id], &to_r2)
            .await
            .expect("grant");
    }
    let r2 = load(db, w.r2).await;
    let answer = |id| document::Entity::actions_on(db, &r2, id);
    let actions = |read, manage, delete, share| Actions {
        read,
        manage,
        delete,
        share,
    };
    // Sharing and granting go with managing the row in one's own right: a grant of the
    // manage permission is such a right, a share of it is not.
    assert_eq!(
        answer(viewed).await.unwrap(),
        Some(actions(true, false, false, false))
    );
    assert_eq!(
        answer(edited).await.unwrap(),
        Some(actions(true, true, false, true))
    );
    assert_eq!(
        answer(all).await.unwrap(),
        Some(actions(true, true, true, true))
    );
    // The owner may do everything; the names read back in order.
    let own = document::Entity::actions_on(db, &r1, viewed)
        .await
        .unwrap()
        .expect("own row");
    assert_eq!(own.names(), ["read", "manage", "delete", "share"]);
    assert_eq!(
        document::Entity::check_access(db, &r2, viewed, Action::Manage)
            .await
            .unwrap(),
        Access::Forbidden
    );
    assert!(matches!(
        Access::Forbidden.require::<document::Entity>(Action::Manage),
        Err(OwnershipError::PermissionDenied {
            model: "document",
            ..
        })
    ));
    assert!(matches!(
        Access::NotFound.require::<document::Entity>(Action::Read),
        Err(OwnershipError::NotFound {
            model: "document",
            ..
        })
    ));
    assert!(
        Access::Granted
            .require::<document::Entity>(Action::Delete)
            .is_ok()
    );
}

async fn a_stranger_gets_not_found_for_rows_that_exist_and_rows_that_do_not(
    db: &DatabaseConnection,
) {
    let w = SmarterWorld::build(db).await;
    let r2 = load(db, w.r2).await;
    for id in [w.s_r1, w.s_r1 + 1_000_000, i64::MAX, -1] {
        for action in Action::ALL {
            assert_eq!(
                document::Entity::check_access(db, &r2, id, action)
                    .await
                    .unwrap(),
                Access::NotFound,
                "{action:?} on {id}"
            );
        }
        assert_eq!(
            document::Entity::actions_on(db, &r2, id).await.unwrap(),
            None
        );
    }
    let anonymous = Subject::anonymous();
    assert!(
        document::Entity::permitted_actions(db, &anonymous, [w.s_sa, w.s_a1, w.s_r1, w.s_r2])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        document::Entity::permitted_actions(db, &r2, [])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_list_of_ids_is_answered_in_one_statement(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let a1 = load(db, w.a1).await;
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let answers = document::Entity::permitted_actions(
        &counted,
        &a1,
        [w.s_r2, w.s_r1, w.s_a1, w.s_sa, w.s_r1],
    )
    .await
    .expect("answers");
    assert_eq!(statements.load(Ordering::SeqCst), 1);
    // Staff of account 1 manages its account's rows, reads the superuser's, not R2's; in
    // id order, each once.
    let ids: Vec<i64> = answers.iter().map(|row| row.id).collect();
    let mut expected = vec![w.s_sa, w.s_a1, w.s_r1];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let of = |id| answers.iter().find(|row| row.id == id).unwrap().actions;
    assert!(of(w.s_r1).manage && of(w.s_r1).delete && of(w.s_r1).share);
    assert!(of(w.s_sa).read && !of(w.s_sa).manage);

    let too_many = (0..=MAX_ASKED_IDS as i64).collect::<Vec<_>>();
    assert!(matches!(
        document::Entity::permitted_actions(db, &a1, too_many).await,
        Err(OwnershipError::TooManyValues { .. })
    ));
}

async fn a_share_allows_what_it_holds_and_no_sharing(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let id = shared_doc::ActiveModel {
        user_profile_id: Set(w.profiles[2]),
        name: Set("shared".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a shared doc")
    .id;
    shared_doc::Entity::share(
        db,
        &r1,
        id,
        &ShareRequest::to(Agent::User(uid(w.r2))).names([("view", 1), ("change", 0)]),
    )
    .await
    .expect("share");
    let r2 = load(db, w.r2).await;
    let actions = shared_doc::Entity::actions_on(db, &r2, id).await.unwrap();
    assert_eq!(
        actions,
        Some(Actions {
            read: true,
            manage: true,
            delete: false,
            share: false
        })
    );
    assert_eq!(
        shared_doc::Entity::check_access(db, &r2, id, Action::Share)
            .await
            .unwrap(),
        Access::Forbidden
    );
}

async fn a_stale_subject_gets_nothing_after_deactivation(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    assert_eq!(
        document::Entity::check_access(db, &r1, w.s_r1, Action::Delete)
            .await
            .unwrap(),
        Access::Granted
    );
    world::deactivate(db, w.r1).await;
    assert_eq!(
        document::Entity::check_access(db, &r1, w.s_r1, Action::Read)
            .await
            .unwrap(),
        Access::NotFound
    );
    assert!(
        document::Entity::permitted_actions(db, &r1, [w.s_r1])
            .await
            .unwrap()
            .is_empty()
    );
}
