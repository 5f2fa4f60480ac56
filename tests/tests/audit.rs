//! The audit trail on every backend: each grant, revocation, share, policy and ACL-template
//! change writes its rows, with its actor, grantee, object and names, in its own
//! transaction (a change refused writes none); an object's and a user's history read back
//! newest first, page by page. And what the trail relies on: a failed operation ends its
//! transaction at once.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ownership_core::entity::audit::TABLE;
use ownership_core::{
    AclTemplate, Agent, AuditAction, AuditEntry, AuditGrantee, AuditPage, AuthorizedActiveModelExt,
    AuthorizedGrants, Grantees, Level, ManualClock, OwnershipError, OwnershipShares,
    PolicyAssignment, Principal, ShareRequest, Subject, Target, TypedGrantee, UserId,
    assign_policies, audit_trail_of_object, audit_trail_of_user, create_acl_template,
    create_policy, delete_acl_template, delete_policy, grant, grant_level, revoke, update_policy,
};
use ownership_tests::entities::{document, report, shared_doc};
use ownership_tests::world::{self, SmarterWorld, gid, load, uid};
use ownership_tests::{TEAM, on_every_backend};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};

on_every_backend!(
    a_failed_grant_or_share_releases_its_locks_at_once,
    grants_and_revocations_record_who_what_and_on_what,
    shares_record_their_receivers_and_emitters,
    policies_and_templates_record_their_changes,
    a_refused_change_writes_no_row,
    histories_read_back_newest_first_page_by_page,
);

/// A user handle no world creates.
const NOBODY: i64 = 987_654;

/// Enough entries for every history these tests read.
const ALL: AuditPage = AuditPage::newest(1_000);

const POLICY: &str =
    r#"{"clause": [{"effect": "allow", "action": "parcel.list", "object": ["parcel/$org/*"]}]}"#;

async fn new_shared_doc(db: &DatabaseConnection, owner_profile: i64, name: &str) -> i64 {
    shared_doc::ActiveModel {
        user_profile_id: Set(owner_profile),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a shared document")
    .id
}

/// How many rows the audit trail holds.
async fn rows(db: &DatabaseConnection) -> i64 {
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(TABLE)
        .to_owned();
    let row = db.query_one(&count).await.expect("count").expect("a row");
    row.try_get_by_index(0).expect("a count")
}

/// The history of the document `id`, newest first.
async fn of_document(db: &DatabaseConnection, id: i64) -> Vec<AuditEntry> {
    audit_trail_of_object::<document::Entity, _>(db, id, ALL)
        .await
        .expect("read the object's history")
}

/// The history of the user with handle `handle`, newest first.
async fn of_user(db: &DatabaseConnection, handle: i64) -> Vec<AuditEntry> {
    audit_trail_of_user(db, &uid(handle), ALL)
        .await
        .expect("read the user's history")
}

/// `(action, actor, grantee, names)` of entries, for comparing.
type Summary = (
    AuditAction,
    Option<UserId>,
    Option<AuditGrantee>,
    Vec<String>,
);

fn summary(entries: &[AuditEntry]) -> Vec<Summary> {
    entries
        .iter()
        .map(|entry| {
            (
                entry.action,
                entry.actor.clone(),
                entry.grantee.clone(),
                entry.names.clone(),
            )
        })
        .collect()
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn user(handle: i64) -> Option<AuditGrantee> {
    Some(AuditGrantee::User(uid(handle)))
}

fn group(handle: i64) -> Option<AuditGrantee> {
    Some(AuditGrantee::Group(gid(handle)))
}

/// `subject` reading the time from a clock standing at `ms` after the epoch.
fn at(subject: Subject, ms: u64) -> Subject {
    subject.with_clock(Arc::new(ManualClock::at(
        UNIX_EPOCH + Duration::from_millis(ms),
    )))
}

/// A failed operation rolls back before returning: a transaction left open holds its locks
/// (on SQLite the database's) until its connection is used again, and a write on another
/// connection of the pool waits for them.
async fn a_failed_grant_or_share_releases_its_locks_at_once(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let shared = new_shared_doc(db, w.profiles[2], "shared").await;
    let nobody = Grantees::users([uid(NOBODY)]);
    for round in 0..8 {
        let refused = grant(
            db,
            "view",
            &Target::object::<document::Entity>(w.s_r1),
            &nobody,
        )
        .await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        let refused =
            shared_doc::Entity::share(db, &r1, shared, &ShareRequest::to(Agent::User(uid(NOBODY))))
                .await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        // Checked and locked as R1's own, then refused: the row's lock goes with the
        // transaction, so deleting the row at once does not wait for it.
        let mine = world::document(db, w.profiles[2], &format!("mine {round}")).await;
        let refused = document::Entity::grant_as(db, &r1, "view", [mine], &nobody).await;
        assert!(matches!(refused, Err(OwnershipError::UnknownUsers(_))));
        document::Entity::delete_by_id(mine)
            .exec(db)
            .await
            .expect("delete the row at once");
    }
}

async fn grants_and_revocations_record_who_what_and_on_what(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r2]).await;
    let r1 = at(load(db, w.r1).await, 1_700_000_000_123);
    let before = rows(db).await;

    // The administrative functions act for nobody, at the system's time.
    let started = std::time::SystemTime::now() - Duration::from_secs(1);
    let to_both = Grantees::users([uid(w.r2)]).and_groups([gid(team)]);
    grant(
        db,
        "view",
        &Target::object::<document::Entity>(w.s_r1),
        &to_both,
    )
    .await
    .expect("grant");
    let history = of_document(db, w.s_r1).await;
    assert_eq!(
        summary(&history),
        vec![
            (AuditAction::Grant, None, group(team), names(&["view"])),
            (AuditAction::Grant, None, user(w.r2), names(&["view"])),
        ],
        "one row per grantee, users first, read newest first"
    );
    for entry in &history {
        assert_eq!(entry.model_name.as_deref(), Some("document"));
        assert_eq!(entry.object_id, Some(w.s_r1.to_string()));
        assert!(entry.at >= started && entry.at <= std::time::SystemTime::now());
        assert_eq!(entry.detail, None);
    }

    // A subject's grant records its user, at its clock's time.
    document::Entity::grant_level_as(
        db,
        &r1,
        Level::Edit,
        [w.s_r1],
        &Grantees::users([uid(w.a1)]),
    )
    .await
    .expect("R1 manages its document");
    let newest = &of_document(db, w.s_r1).await[0];
    assert_eq!(
        summary(std::slice::from_ref(newest)),
        vec![(
            AuditAction::Grant,
            Some(uid(w.r1)),
            user(w.a1),
            names(&["view", "change"])
        )]
    );
    assert_eq!(
        newest.at,
        UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)
    );

    // A revocation records what was asked, whether or not it was held.
    let removed = document::Entity::revoke_as(db, &r1, "view", [w.s_r1], &to_both)
        .await
        .expect("R1 manages its document");
    assert_eq!(removed, 2);
    let history = of_document(db, w.s_r1).await;
    assert_eq!(
        summary(&history[..2]),
        vec![
            (
                AuditAction::Revoke,
                Some(uid(w.r1)),
                group(team),
                names(&["view"])
            ),
            (
                AuditAction::Revoke,
                Some(uid(w.r1)),
                user(w.r2),
                names(&["view"])
            ),
        ]
    );
    let removed = revoke(
        db,
        "view",
        &Target::object::<document::Entity>(w.s_r1),
        &to_both,
    )
    .await
    .expect("revoke again");
    assert_eq!(removed, 0);
    assert_eq!(of_document(db, w.s_r1).await.len(), history.len() + 2);

    // Grants on a whole model, and on everything, have no object.
    grant_level::<document::Entity, _>(
        db,
        Level::View,
        &Target::model::<document::Entity>(),
        &Grantees::users([uid(w.r2)]),
    )
    .await
    .expect("grant on the model");
    grant(
        db,
        "audit",
        &Target::everything(),
        &Grantees::groups([gid(team)]),
    )
    .await
    .expect("grant on everything");
    let r2_history = of_user(db, w.r2).await;
    let on_model = &r2_history[0];
    assert_eq!(
        (
            on_model.model_name.as_deref(),
            on_model.object_id.as_deref()
        ),
        (Some("document"), None)
    );
    // Grants to several objects: one row per object and grantee.
    let [a, b] = world::documents(db, w.profiles[2], "pair").await;
    document::Entity::grant_as(db, &r1, "view", [a, b], &to_both)
        .await
        .expect("R1 manages both");
    for id in [a, b] {
        assert_eq!(of_document(db, id).await.len(), 2);
    }
    assert_eq!(rows(db).await - before, 2 + 1 + 2 + 2 + 1 + 1 + 4);
}

async fn shares_record_their_receivers_and_emitters(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r2]).await;
    let r1 = at(load(db, w.r1).await, 1_800_000_000_000);
    let r2 = at(load(db, w.r2).await, 1_800_000_000_500);
    let doc = new_shared_doc(db, w.profiles[2], "shared").await;
    let trail = async || {
        audit_trail_of_object::<shared_doc::Entity, _>(db, doc, ALL)
            .await
            .expect("read the history")
    };

    let expiry = UNIX_EPOCH + Duration::from_millis(1_900_000_000_000);
    let first = shared_doc::Entity::share(
        db,
        &r1,
        doc,
        &ShareRequest::to(Agent::User(uid(w.r2)))
            .names([("view", 2), ("change", 1)])
            .expires_at(expiry),
    )
    .await
    .expect("share");
    let passed = shared_doc::Entity::pass_on(
        db,
        &r2,
        first.uuid,
        &ShareRequest::to(Agent::Group(gid(team))),
    )
    .await
    .expect("pass on");
    let history = trail().await;
    assert_eq!(
        summary(&history),
        vec![
            (
                AuditAction::PassOn,
                Some(uid(w.r2)),
                group(team),
                names(&["change", "view"])
            ),
            (
                AuditAction::Share,
                Some(uid(w.r1)),
                user(w.r2),
                names(&["change", "view"])
            ),
        ]
    );
    assert_eq!(
        history[1].detail.as_deref(),
        Some(
            format!(
                r#"{{"depths":{{"change":1,"view":2}},"expires_at_ms":1900000000000,"origin":null,"share":"{}"}}"#,
                first.uuid
            )
            .as_str()
        )
    );
    assert!(history[0].detail.as_deref().is_some_and(|detail| {
        detail.contains(&format!(r#""origin":"{}""#, first.uuid))
            && detail.contains(&passed.uuid.to_string())
    }));
    assert_eq!(
        history[0].at,
        UNIX_EPOCH + Duration::from_millis(1_800_000_000_500)
    );

    shared_doc::Entity::share(
        db,
        &r1,
        doc,
        &ShareRequest::to(Agent::Anyone).names([("view", 0)]),
    )
    .await
    .expect("share with anyone");
    shared_doc::Entity::revoke_share(db, &r1, first.uuid)
        .await
        .expect("revoke");
    let history = trail().await;
    assert_eq!(
        summary(&history[..2]),
        vec![
            (
                AuditAction::RevokeShare,
                Some(uid(w.r1)),
                user(w.r2),
                names(&["change", "view"])
            ),
            (
                AuditAction::Share,
                Some(uid(w.r1)),
                Some(AuditGrantee::Anyone),
                names(&["view"])
            ),
        ]
    );
    assert!(
        history[0]
            .detail
            .as_deref()
            .is_some_and(|detail| detail.contains(&first.uuid.to_string()))
    );
}

async fn policies_and_templates_record_their_changes(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let team = world::group(db, "team", &[w.r1]).await;
    create_policy(db, "org", POLICY).await.expect("create");
    update_policy(db, "org", POLICY).await.expect("update");
    let acme = PolicyAssignment::new("org").with("org", "acme");
    assign_policies(db, &Principal::User(uid(w.r2)), std::slice::from_ref(&acme))
        .await
        .expect("assign");
    assign_policies(db, &Principal::Anonymous, &[acme])
        .await
        .expect("assign to anonymous");
    let r2_history = of_user(db, w.r2).await;
    assert_eq!(
        summary(&r2_history),
        vec![(
            AuditAction::AssignPolicies,
            None,
            user(w.r2),
            names(&["org"])
        )]
    );
    assert_eq!(r2_history[0].detail.as_deref(), Some(r#"[{"org":"acme"}]"#));
    assign_policies(db, &Principal::User(uid(w.r2)), &[])
        .await
        .expect("unassign");
    assign_policies(db, &Principal::Anonymous, &[])
        .await
        .expect("unassign");
    delete_policy(db, "org").await.expect("delete");

    let template = AclTemplate::new(
        TypedGrantee::new(TEAM, gid(team).into_key()),
        TypedGrantee::new("user", uid(w.a1).into_key()),
        Level::View,
    )
    .for_model::<report::Entity>();
    let id = create_acl_template(db, &template)
        .await
        .expect("a template");
    let a1_history = of_user(db, w.a1).await;
    assert_eq!(
        summary(&a1_history),
        vec![(
            AuditAction::CreateAclTemplate,
            None,
            user(w.a1),
            names(&["view"])
        )]
    );
    assert_eq!(a1_history[0].model_name.as_deref(), Some("report"));
    assert!(
        a1_history[0]
            .detail
            .as_deref()
            .is_some_and(|detail| detail.contains(&format!(r#""template":{id}"#)))
    );

    // An insert records the grants it made: the creator's level and the template's.
    let r1 = load(db, w.r1).await;
    let row = report::ActiveModel {
        user_profile_id: Set(w.profiles[2]),
        name: Set("q".to_owned()),
        ..Default::default()
    }
    .insert_as(db, &r1)
    .await
    .expect("insert a report");
    let history = audit_trail_of_object::<report::Entity, _>(db, row.id, ALL)
        .await
        .expect("read the history");
    let mut made = summary(&history);
    made.sort_by(|a, b| a.2.cmp(&b.2));
    let mut expected = vec![
        (
            AuditAction::GrantOnInsert,
            Some(uid(w.r1)),
            user(w.r1),
            names(&["change", "view"]),
        ),
        (
            AuditAction::GrantOnInsert,
            Some(uid(w.r1)),
            user(w.a1),
            names(&["view"]),
        ),
    ];
    expected.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(made, expected);

    assert!(delete_acl_template(db, id).await.expect("delete"));
    assert!(!delete_acl_template(db, id).await.expect("delete again"));
    // Policies and template deletions name no user: counted in the table.
    let policy_rows = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(TABLE)
        .and_where(Expr::col(ownership_core::entity::audit::ACTION).is_in([
            "create_policy",
            "update_policy",
            "delete_policy",
            "delete_acl_template",
        ]))
        .to_owned();
    let count: i64 = db
        .query_one(&policy_rows)
        .await
        .expect("count")
        .expect("a row")
        .try_get_by_index(0)
        .expect("a count");
    assert_eq!(count, 4, "create, update, delete, and one template deleted");
}

async fn a_refused_change_writes_no_row(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let r2 = load(db, w.r2).await;
    let doc = new_shared_doc(db, w.profiles[2], "shared").await;
    create_policy(db, "org", POLICY).await.expect("create");
    let before = rows(db).await;
    let nobody = Grantees::users([uid(NOBODY)]);
    let to_r2 = Grantees::users([uid(w.r2)]);
    let on_r1s = Target::object::<document::Entity>(w.s_r1);

    assert!(grant(db, "view", &on_r1s, &nobody).await.is_err());
    assert!(
        grant(
            db,
            "view",
            &Target::object::<document::Entity>(999_999),
            &to_r2
        )
        .await
        .is_err()
    );
    assert!(
        document::Entity::grant_as(db, &r2, "view", [w.s_r1], &to_r2)
            .await
            .is_err()
    );
    assert!(
        document::Entity::revoke_as(db, &r2, "view", [w.s_r1], &to_r2)
            .await
            .is_err()
    );
    assert!(
        shared_doc::Entity::share(db, &r1, doc, &ShareRequest::to(Agent::User(uid(NOBODY))))
            .await
            .is_err()
    );
    assert!(
        shared_doc::Entity::share(db, &r2, doc, &ShareRequest::to(Agent::Anyone))
            .await
            .is_err()
    );
    let share = shared_doc::Entity::share(db, &r1, doc, &ShareRequest::to(Agent::User(uid(w.r2))))
        .await
        .expect("share");
    let before = before + 1;
    assert!(
        shared_doc::Entity::revoke_share(db, &r2, share.uuid)
            .await
            .is_err()
    );
    assert!(create_policy(db, "org", POLICY).await.is_err());
    assert!(
        assign_policies(
            db,
            &Principal::User(uid(w.r2)),
            &[PolicyAssignment::new("none")]
        )
        .await
        .is_err()
    );
    assert!(
        assign_policies(
            db,
            &Principal::User(uid(NOBODY)),
            &[PolicyAssignment::new("org")]
        )
        .await
        .is_err()
    );
    assert!(update_policy(db, "none", POLICY).await.is_err());
    let unknown = AclTemplate::new(
        TypedGrantee::new("user", uid(w.r1).into_key()),
        TypedGrantee::new("user", uid(NOBODY).into_key()),
        Level::View,
    );
    assert!(create_acl_template(db, &unknown).await.is_err());
    assert_eq!(rows(db).await, before, "no refused change is recorded");
}

async fn histories_read_back_newest_first_page_by_page(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let on_doc = Target::object::<document::Entity>(w.s_r1);
    for name in ["a", "b", "c", "d", "e"] {
        grant(db, name, &on_doc, &Grantees::users([uid(w.r2)]))
            .await
            .expect("grant");
    }
    // R1 acts (grants to A1), and is granted to by itself: one entry, listed once.
    document::Entity::grant_as(db, &r1, "f", [w.s_r1], &Grantees::users([uid(w.a1)]))
        .await
        .expect("grant");
    document::Entity::grant_as(db, &r1, "g", [w.s_r1], &Grantees::users([uid(w.r1)]))
        .await
        .expect("grant");

    let history = of_document(db, w.s_r1).await;
    let names_read: Vec<&str> = history.iter().map(|e| e.names[0].as_str()).collect();
    assert_eq!(names_read, ["g", "f", "e", "d", "c", "b", "a"]);
    assert!(history.windows(2).all(|pair| pair[0].id > pair[1].id));

    let mut paged = Vec::new();
    let mut page = AuditPage::newest(3);
    loop {
        let entries = audit_trail_of_object::<document::Entity, _>(db, w.s_r1, page)
            .await
            .expect("a page");
        let Some(last) = entries.last() else { break };
        page = page.before(last.id);
        paged.extend(entries);
    }
    assert_eq!(paged, history, "pages read the same history");

    let r1_history = of_user(db, w.r1).await;
    let r1_names: Vec<&str> = r1_history.iter().map(|e| e.names[0].as_str()).collect();
    assert_eq!(r1_names, ["g", "f"], "as actor and as grantee, once each");
    let r2_history = of_user(db, w.r2).await;
    assert_eq!(r2_history.len(), 5);
    let second_page = audit_trail_of_user(
        db,
        &uid(w.r2),
        AuditPage::newest(2).before(r2_history[1].id),
    )
    .await
    .expect("a page");
    assert_eq!(second_page, r2_history[2..4]);
    assert!(of_user(db, NOBODY).await.is_empty());
    assert!(of_document(db, w.s_r2).await.is_empty());
}
