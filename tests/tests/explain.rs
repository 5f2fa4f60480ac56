//! Why a subject may act on a row, on every backend: each kind of reason is named as the
//! rules give it (ownership, staff, the read options, superuser, grants to the user or a
//! group on the row, the model or everything, shares to the user, a group or anyone), a
//! row the subject may not read has none, and the read reasons are never empty exactly
//! where the read scope admits the row.

use std::collections::BTreeSet;

use ownership_core::{
    Access, Action, Agent, GrantOn, Grantees, OwnershipExplain, OwnershipScopes, OwnershipShares,
    Reason, ShareRequest, Subject, Target, Via, grant,
};
use ownership_tests::entities::{document, shared_doc};
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, SmarterWorld, gid, load, uid};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

on_every_backend!(
    ownership_reasons_follow_the_rules,
    grants_are_named_with_their_grantee_and_target,
    shares_are_named_with_their_receiver,
    a_row_out_of_reach_has_no_reason_and_every_readable_row_has_one,
    other_actions_explain_their_own_scopes,
);

async fn reasons(
    db: &DatabaseConnection,
    subject: &Subject,
    id: i64,
    action: Action,
) -> Vec<Reason> {
    let explanation = document::Entity::explain(db, subject, id, action)
        .await
        .expect("explain");
    if explanation.access != Access::Granted {
        assert!(explanation.reasons.is_empty());
    }
    explanation.reasons
}

async fn ownership_reasons_follow_the_rules(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (sa, a1, r1) = (
        load(db, w.sa).await,
        load(db, w.a1).await,
        load(db, w.r1).await,
    );
    assert_eq!(
        reasons(db, &r1, w.s_r1, Action::Read).await,
        [Reason::Owner]
    );
    assert_eq!(
        reasons(db, &a1, w.s_r1, Action::Manage).await,
        [Reason::AccountStaff]
    );
    // Staff own their rows, manage them as staff of their account, and read them as rows
    // of a staff user of their account: every reason that holds is named.
    assert_eq!(
        reasons(db, &a1, w.s_a1, Action::Read).await,
        [
            Reason::Owner,
            Reason::AccountStaff,
            Reason::OwnedByAccountStaff
        ]
    );
    assert_eq!(
        reasons(db, &a1, w.s_a1, Action::Manage).await,
        [Reason::Owner, Reason::AccountStaff]
    );
    assert_eq!(
        reasons(db, &r1, w.s_a1, Action::Read).await,
        [Reason::OwnedByAccountStaff]
    );
    assert_eq!(
        reasons(db, &r1, w.s_sa, Action::Read).await,
        [Reason::OwnedBySuperuser]
    );
    assert_eq!(
        reasons(db, &sa, w.s_r2, Action::Delete).await,
        [Reason::Superuser]
    );
}

async fn grants_are_named_with_their_grantee_and_target(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r2]).await;
    let view = |to: Via, on: GrantOn| Reason::Grant {
        name: "view".to_owned(),
        to,
        on,
    };
    grant(
        db,
        "view",
        &Target::object::<document::Entity>(w.s_r1),
        &Grantees::users([uid(w.r2)]),
    )
    .await
    .expect("grant to r2");
    grant(
        db,
        "view",
        &Target::object::<document::Entity>(w.s_r1),
        &Grantees::groups([gid(team)]),
    )
    .await
    .expect("grant to the team");
    let r2 = load(db, w.r2).await;
    assert_eq!(
        reasons(db, &r2, w.s_r1, Action::Read).await,
        [
            view(Via::User, GrantOn::Object),
            view(Via::Group(gid(team)), GrantOn::Object)
        ]
    );
    // On the model and on everything: counted once the snapshot holds them.
    grant(
        db,
        "view",
        &Target::model::<document::Entity>(),
        &Grantees::users([uid(w.r2)]),
    )
    .await
    .expect("model grant");
    grant(
        db,
        "view",
        &Target::everything(),
        &Grantees::groups([gid(team)]),
    )
    .await
    .expect("global grant");
    assert_eq!(reasons(db, &r2, w.s_a1, Action::Read).await, []);
    let r2 = load(db, w.r2).await;
    assert_eq!(
        reasons(db, &r2, w.s_a1, Action::Read).await,
        [
            view(Via::User, GrantOn::Model),
            view(Via::Group(gid(team)), GrantOn::Everything)
        ]
    );
}

async fn shares_are_named_with_their_receiver(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r2]).await;
    let r1 = load(db, w.r1).await;
    let id = shared_doc::ActiveModel {
        user_profile_id: Set(w.profiles[2]),
        name: Set("shared".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("a shared doc")
    .id;
    let mut made = Vec::new();
    for receiver in [
        Agent::User(uid(w.r2)),
        Agent::Group(gid(team)),
        Agent::Anyone,
    ] {
        let request = ShareRequest::to(receiver).names([("view", 0)]);
        made.push(
            shared_doc::Entity::share(db, &r1, id, &request)
                .await
                .expect("share")
                .uuid,
        );
    }
    let share = |share, to| Reason::Share {
        share,
        name: "view".to_owned(),
        to,
    };
    let r2 = load(db, w.r2).await;
    let explained = shared_doc::Entity::explain(db, &r2, id, Action::Read)
        .await
        .expect("explain");
    let mut expected = vec![
        share(made[0], Via::User),
        share(made[1], Via::Group(gid(team))),
        share(made[2], Via::Anyone),
    ];
    expected.sort();
    assert_eq!(explained.reasons, expected);
    let anonymous = shared_doc::Entity::explain(db, &Subject::anonymous(), id, Action::Read)
        .await
        .expect("explain");
    assert_eq!(anonymous.reasons, [share(made[2], Via::Anyone)]);
}

async fn a_row_out_of_reach_has_no_reason_and_every_readable_row_has_one(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r1]).await;
    let extra = world::documents::<4>(db, w.profiles[3], "extra").await;
    grant(
        db,
        "view",
        &Target::object::<document::Entity>(extra[0]),
        &Grantees::users([uid(w.r1)]),
    )
    .await
    .expect("grant");
    grant(
        db,
        "change",
        &Target::object::<document::Entity>(extra[1]),
        &Grantees::groups([gid(team)]),
    )
    .await
    .expect("grant");
    let mut ids = vec![w.s_sa, w.s_a1, w.s_r1, w.s_r2, extra[3] + 1_000];
    ids.extend(extra);
    for user in [w.sa, w.a1, w.r1, w.r2] {
        let subject = load(db, user).await;
        let readable: BTreeSet<i64> = world::ids(
            db,
            document::Entity::find().with_read_permission_for(&subject),
        )
        .await;
        for &id in &ids {
            let explained = reasons(db, &subject, id, Action::Read).await;
            assert_eq!(
                !explained.is_empty(),
                readable.contains(&id),
                "user {user}, row {id}: {explained:?}"
            );
        }
    }
    // A deactivated user's snapshot has no reason left anywhere.
    let r1 = load(db, w.r1).await;
    world::deactivate(db, w.r1).await;
    for &id in &ids {
        assert_eq!(reasons(db, &r1, id, Action::Read).await, []);
    }
}

async fn other_actions_explain_their_own_scopes(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    grant(
        db,
        "change",
        &Target::object::<document::Entity>(w.s_r1),
        &Grantees::users([uid(w.r2)]),
    )
    .await
    .expect("grant");
    let r2 = load(db, w.r2).await;
    let change = Reason::Grant {
        name: "change".to_owned(),
        to: Via::User,
        on: GrantOn::Object,
    };
    assert_eq!(
        reasons(db, &r2, w.s_r1, Action::Manage).await,
        std::slice::from_ref(&change)
    );
    assert_eq!(
        reasons(db, &r2, w.s_r1, Action::Share).await,
        std::slice::from_ref(&change)
    );
    let delete = document::Entity::explain(db, &r2, w.s_r1, Action::Delete)
        .await
        .expect("explain");
    assert_eq!(delete.access, Access::Forbidden);
    assert!(delete.reasons.is_empty());
    grant(
        db,
        "delete",
        &Target::object::<document::Entity>(w.s_r1),
        &Grantees::users([uid(w.r2)]),
    )
    .await
    .expect("grant");
    let delete_too = Reason::Grant {
        name: "delete".to_owned(),
        to: Via::User,
        on: GrantOn::Object,
    };
    assert_eq!(
        reasons(db, &r2, w.s_r1, Action::Delete).await,
        [change, delete_too]
    );
}
