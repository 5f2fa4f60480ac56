//! ACL templates and grantee types (rule 8) on every backend: what a user, or a member of a
//! group, creates through `insert_as` gets the grants of the templates owned by it, for its
//! model or every model, once each, with the entity's creator level; a grantee type nobody
//! registered, or a grantee that does not exist, writes nothing.

use ownership_core::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use ownership_core::{
    AclTemplate, AuthorizedActiveModelExt, AuthorizedGrants, Grantees, Level, OwnedActiveModelExt,
    OwnedEntity, OwnershipChecks, OwnershipError, Subject, TypedGrantee, acl_templates,
    create_acl_template, delete_acl_template,
};
use ownership_tests::entities::{invoice, report};
use ownership_tests::world::{self, Role, SmarterWorld, gid, grantee_handle, load, uid};
use ownership_tests::{TEAM, on_every_backend};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, Set};

on_every_backend!(
    the_creator_gets_the_entitys_level,
    a_team_template_gives_one_grant_on_its_model_only,
    a_template_for_every_model_applies_to_every_model,
    each_level_grants_its_names,
    templates_follow_the_membership_in_the_database,
    a_refused_insert_applies_no_template,
    unregistered_types_and_unknown_grantees_write_nothing,
    templates_are_listed_deleted_and_go_with_their_grantees,
    grantees_are_named_by_type,
    templates_cost_the_same_statements_however_many_apply,
);

/// Who a grant on a row is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum To {
    User(i64),
    Group(i64),
}

/// Every grant on the row `id` of `E`, sorted: one entry per stored row.
async fn grants_on<E: OwnedEntity>(db: &DatabaseConnection, id: i64) -> Vec<(To, String)> {
    let mut grants = Vec::new();
    for (table, column, to_user) in [
        (E::user_grant_table(), USER_ID, true),
        (E::group_grant_table(), GROUP_ID, false),
    ] {
        let select = Query::select()
            .columns([column, NAME])
            .from(table)
            .and_where(Expr::col(OBJECT_ID).eq(id))
            .to_owned();
        for row in db.query_all(&select).await.expect("read grants") {
            let handle = grantee_handle(&row, 0, to_user).expect("a grantee");
            let to = if to_user {
                To::User(handle)
            } else {
                To::Group(handle)
            };
            grants.push((to, row.try_get_by_index(1).expect("a name")));
        }
    }
    grants.sort();
    grants
}

/// `(to, name)` pairs, sorted, for comparing with [`grants_on`].
fn expected(grants: &[(To, &str)]) -> Vec<(To, String)> {
    let mut grants: Vec<_> = grants
        .iter()
        .map(|(to, name)| (*to, (*name).to_owned()))
        .collect();
    grants.sort();
    grants
}

async fn new_report(db: &DatabaseConnection, subject: &Subject, owner: i64, name: &str) -> i64 {
    report::ActiveModel {
        user_profile_id: Set(owner),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert_as(db, subject)
    .await
    .expect("insert a report")
    .id
}

async fn new_invoice(db: &DatabaseConnection, subject: &Subject, owner: i64, name: &str) -> i64 {
    invoice::ActiveModel {
        user_profile_id: Set(owner),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert_as(db, subject)
    .await
    .expect("insert an invoice")
    .id
}

fn team(handle: i64) -> TypedGrantee {
    TypedGrantee::new(TEAM, gid(handle).into_key())
}

fn person(handle: i64) -> TypedGrantee {
    TypedGrantee::new("user", uid(handle).into_key())
}

/// Teams 1 (R1) and 2 (R2) in the Smarter world.
async fn teams(db: &DatabaseConnection, w: &SmarterWorld) -> (i64, i64) {
    (
        world::group(db, "team 1", &[w.r1]).await,
        world::group(db, "team 2", &[w.r2]).await,
    )
}

async fn the_creator_gets_the_entitys_level(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let r1 = load(db, w.r1).await;
    let r1_profile = w.profiles[2];

    let own = new_report(db, &r1, r1_profile, "q1").await;
    assert_eq!(
        grants_on::<report::Entity>(db, own).await,
        expected(&[(To::User(w.r1), "view"), (To::User(w.r1), "change")]),
        "a report's creator gets `edit`"
    );
    // Staff creating for a member of its account: the grant is the creator's.
    let a1 = load(db, w.a1).await;
    let for_r1 = new_report(db, &a1, r1_profile, "q2").await;
    assert_eq!(
        grants_on::<report::Entity>(db, for_r1).await,
        expected(&[(To::User(w.a1), "view"), (To::User(w.a1), "change")])
    );
    let invoice = new_invoice(db, &r1, r1_profile, "i1").await;
    assert!(grants_on::<invoice::Entity>(db, invoice).await.is_empty());
    // The plain insert acts for nobody: no creator, no grant.
    let plain = report::ActiveModel {
        user_profile_id: Set(r1_profile),
        name: Set("q3".to_owned()),
        ..Default::default()
    }
    .insert_owned(db)
    .await
    .expect("a plain insert")
    .id;
    assert!(grants_on::<report::Entity>(db, plain).await.is_empty());
}

async fn a_team_template_gives_one_grant_on_its_model_only(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, t2) = teams(db, &w).await;
    let view_reports =
        AclTemplate::new(team(t1), team(t2), Level::View).for_model::<report::Entity>();
    create_acl_template(db, &view_reports)
        .await
        .expect("a template");
    // The same grant twice more: again, and through the built-in `group` type.
    create_acl_template(db, &view_reports)
        .await
        .expect("a template");
    let by_group_type = AclTemplate {
        owner: TypedGrantee::new("group", gid(t1).into_key()),
        target: TypedGrantee::new("group", gid(t2).into_key()),
        ..view_reports.clone()
    };
    create_acl_template(db, &by_group_type)
        .await
        .expect("a template");

    let (r1, r2) = (load(db, w.r1).await, load(db, w.r2).await);
    let report = new_report(db, &r1, w.profiles[2], "q1").await;
    assert_eq!(
        grants_on::<report::Entity>(db, report).await,
        expected(&[
            (To::User(w.r1), "view"),
            (To::User(w.r1), "change"),
            (To::Group(t2), "view"),
        ]),
        "team 2 gets exactly one view grant"
    );
    assert!(
        report::Entity::can_read(db, &r2, report)
            .await
            .expect("check")
    );
    assert!(
        !report::Entity::can_manage(db, &r2, report)
            .await
            .expect("check")
    );

    let invoice = new_invoice(db, &r1, w.profiles[2], "i1").await;
    assert!(
        grants_on::<invoice::Entity>(db, invoice).await.is_empty(),
        "a template for reports does nothing on an invoice"
    );
    // Team 2's own reports: the template's owner is team 1.
    let theirs = new_report(db, &r2, w.profiles[3], "q2").await;
    assert_eq!(
        grants_on::<report::Entity>(db, theirs).await,
        expected(&[(To::User(w.r2), "view"), (To::User(w.r2), "change")])
    );
}

async fn a_template_for_every_model_applies_to_every_model(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (_, t2) = teams(db, &w).await;
    create_acl_template(db, &AclTemplate::new(person(w.r1), team(t2), Level::Edit))
        .await
        .expect("a template");
    let (r1, r2) = (load(db, w.r1).await, load(db, w.r2).await);
    let report = new_report(db, &r1, w.profiles[2], "q1").await;
    let invoice = new_invoice(db, &r1, w.profiles[2], "i1").await;
    assert_eq!(
        grants_on::<report::Entity>(db, report).await,
        expected(&[
            (To::User(w.r1), "view"),
            (To::User(w.r1), "change"),
            (To::Group(t2), "view"),
            (To::Group(t2), "change"),
        ])
    );
    assert_eq!(
        grants_on::<invoice::Entity>(db, invoice).await,
        expected(&[(To::Group(t2), "view"), (To::Group(t2), "change")])
    );
    // `edit` implies view: a member of team 2 reads and writes the invoice.
    assert!(
        invoice::Entity::can_read(db, &r2, invoice)
            .await
            .expect("check")
    );
    let renamed = invoice::ActiveModel {
        id: Set(invoice),
        name: Set("i1, checked".to_owned()),
        ..Default::default()
    }
    .update_as(db, &r2)
    .await
    .expect("team 2 may edit");
    assert_eq!(renamed.name, "i1, checked");
}

async fn each_level_grants_its_names(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (_, t2) = teams(db, &w).await;
    let r2 = w.r2;
    for (target, level) in [
        (team(t2), Level::View),
        (person(r2), Level::All),
        (person(w.a1), Level::Edit),
    ] {
        let template = AclTemplate::new(person(w.r1), target, level).for_model::<invoice::Entity>();
        create_acl_template(db, &template)
            .await
            .expect("a template");
    }
    let r1 = load(db, w.r1).await;
    let invoice = new_invoice(db, &r1, w.profiles[2], "i1").await;
    assert_eq!(
        grants_on::<invoice::Entity>(db, invoice).await,
        expected(&[
            (To::Group(t2), "view"),
            (To::User(r2), "view"),
            (To::User(r2), "change"),
            (To::User(r2), "void"),
            (To::User(w.a1), "view"),
            (To::User(w.a1), "change"),
        ]),
        "`all` grants the entity's own delete name"
    );
}

async fn templates_follow_the_membership_in_the_database(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, t2) = teams(db, &w).await;
    create_acl_template(db, &AclTemplate::new(team(t1), team(t2), Level::View))
        .await
        .expect("a template");
    let r1 = load(db, w.r1).await;
    let a1 = load(db, w.a1).await;
    world::leave_group(db, t1, w.r1).await;
    world::join_group(db, t1, w.a1).await;
    // Both subjects were loaded before: the database's membership decides.
    let by_former_member = new_report(db, &r1, w.profiles[2], "q1").await;
    assert!(
        !grants_on::<report::Entity>(db, by_former_member)
            .await
            .iter()
            .any(|(to, _)| *to == To::Group(t2))
    );
    let by_new_member = new_report(db, &a1, w.profiles[1], "q2").await;
    assert!(
        grants_on::<report::Entity>(db, by_new_member)
            .await
            .contains(&(To::Group(t2), "view".to_owned()))
    );
}

async fn a_refused_insert_applies_no_template(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, t2) = teams(db, &w).await;
    create_acl_template(db, &AclTemplate::new(team(t1), team(t2), Level::All))
        .await
        .expect("a template");
    let r1 = load(db, w.r1).await;
    let refused = report::ActiveModel {
        user_profile_id: Set(w.profiles[3]),
        name: Set("not mine".to_owned()),
        ..Default::default()
    }
    .insert_as(db, &r1)
    .await;
    assert!(
        matches!(refused, Err(OwnershipError::PermissionDenied { .. })),
        "{refused:?}"
    );
    // A duplicate name fails too, and takes its grants with it.
    new_report(db, &r1, w.profiles[2], "q1").await;
    let duplicate = report::ActiveModel {
        user_profile_id: Set(w.profiles[2]),
        name: Set("q1".to_owned()),
        ..Default::default()
    }
    .insert_as(db, &r1)
    .await;
    assert!(
        matches!(duplicate, Err(OwnershipError::DuplicateName { .. })),
        "{duplicate:?}"
    );
    let (to_users, to_groups) = grant_counts::<report::Entity>(db).await;
    assert_eq!(
        (to_users, to_groups),
        (2, 3),
        "only the first report's grants"
    );
}

/// How many grants to users and to groups `E`'s grant tables hold.
async fn grant_counts<E: OwnedEntity>(db: &DatabaseConnection) -> (i64, i64) {
    let mut counts = [0; 2];
    for (count, table) in counts
        .iter_mut()
        .zip([E::user_grant_table(), E::group_grant_table()])
    {
        let select = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(table)
            .to_owned();
        let row = db.query_one(&select).await.expect("count").expect("a row");
        *count = row.try_get_by_index::<i64>(0).expect("a count");
    }
    (counts[0], counts[1])
}

async fn unregistered_types_and_unknown_grantees_write_nothing(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, _) = teams(db, &w).await;
    for template in [
        AclTemplate::new(
            TypedGrantee::new("department", 1_i64),
            team(t1),
            Level::View,
        ),
        AclTemplate::new(
            team(t1),
            TypedGrantee::new("department", 1_i64),
            Level::View,
        ),
    ] {
        let result = create_acl_template(db, &template).await;
        assert!(
            matches!(&result, Err(OwnershipError::UnknownGranteeType(name)) if name == "department"),
            "{result:?}"
        );
    }
    let unknown_user = uid(w.r2 + 1_000_000);
    let result = create_acl_template(
        db,
        &AclTemplate::new(
            team(t1),
            TypedGrantee::new("user", unknown_user.clone().into_key()),
            Level::View,
        ),
    )
    .await;
    assert!(
        matches!(&result, Err(OwnershipError::UnknownUsers(users)) if users == &[unknown_user]),
        "{result:?}"
    );
    // A group id where the type resolves to users: the key types differ in the
    // application's identity, and no user has the group's id in the embedded one.
    let result = create_acl_template(
        db,
        &AclTemplate::new(
            team(t1),
            TypedGrantee::new("user", gid(t1 + 1_000_000).into_key()),
            Level::View,
        ),
    )
    .await;
    assert!(result.is_err(), "{result:?}");
    let result = create_acl_template(
        db,
        &AclTemplate::new(team(t1), team(t1), Level::View).for_model_named(""),
    )
    .await;
    assert!(
        matches!(result, Err(OwnershipError::InvalidName { .. })),
        "{result:?}"
    );
    assert!(acl_templates(db).await.expect("templates").is_empty());
    let result = Grantees::of_type("department", [1_i64]);
    assert!(
        matches!(&result, Err(OwnershipError::UnknownGranteeType(_))),
        "{result:?}"
    );
}

async fn templates_are_listed_deleted_and_go_with_their_grantees(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, t2) = teams(db, &w).await;
    let first = AclTemplate::new(team(t1), person(w.r2), Level::Edit).for_model::<report::Entity>();
    // A user with no profile, so nothing of its own keeps it from being deleted.
    let auditor = world::user(db, "auditor", Role::Regular).await;
    let second = AclTemplate::new(person(auditor), team(t2), Level::All);
    let third = AclTemplate::new(person(w.a1), person(w.r1), Level::View);
    let mut ids = Vec::new();
    for template in [&first, &second, &third] {
        ids.push(create_acl_template(db, template).await.expect("a template"));
    }
    let listed = acl_templates(db).await.expect("templates");
    let listed: Vec<_> = listed
        .iter()
        .map(|saved| (saved.id, &saved.template))
        .collect();
    assert_eq!(
        listed,
        vec![(ids[0], &first), (ids[1], &second), (ids[2], &third)]
    );

    assert!(delete_acl_template(db, ids[2]).await.expect("delete"));
    assert!(!delete_acl_template(db, ids[2]).await.expect("delete again"));
    // Deleting team 1 deletes the template it owns; deleting the auditor the one it owns.
    world::delete_group(db, t1).await;
    let left: Vec<_> = acl_templates(db)
        .await
        .expect("templates")
        .into_iter()
        .map(|saved| saved.id)
        .collect();
    assert_eq!(left, vec![ids[1]]);
    world::delete_user(db, auditor).await;
    assert!(acl_templates(db).await.expect("templates").is_empty());
}

async fn grantees_are_named_by_type(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (_, t2) = teams(db, &w).await;
    let r1 = load(db, w.r1).await;
    let report = new_report(db, &r1, w.profiles[2], "q1").await;
    let grantees = Grantees::of_type(TEAM, [gid(t2).into_key()])
        .and_then(|grantees| grantees.and_of_type("user", [uid(w.a1).into_key()]))
        .expect("registered types");
    report::Entity::grant_level_as(db, &r1, Level::View, [report], &grantees)
        .await
        .expect("R1 manages its report");
    assert_eq!(
        grants_on::<report::Entity>(db, report).await,
        expected(&[
            (To::User(w.r1), "view"),
            (To::User(w.r1), "change"),
            (To::User(w.a1), "view"),
            (To::Group(t2), "view"),
        ])
    );
}

/// How many statements `insert_as` of a report by `subject` runs, and the new row's id.
async fn insert_statements(
    db: &DatabaseConnection,
    subject: &Subject,
    owner: i64,
    name: &str,
) -> (usize, i64) {
    let statements = Arc::new(AtomicUsize::new(0));
    let mut counted = db.clone();
    let counter = statements.clone();
    counted.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let id = new_report(&counted, subject, owner, name).await;
    (statements.load(Ordering::SeqCst), id)
}

async fn templates_cost_the_same_statements_however_many_apply(db: &DatabaseConnection) {
    let w = SmarterWorld::build(db).await;
    let (t1, t2) = teams(db, &w).await;
    let r1 = load(db, w.r1).await;
    let (without, _) = insert_statements(db, &r1, w.profiles[2], "q0").await;
    create_acl_template(db, &AclTemplate::new(team(t1), team(t2), Level::View))
        .await
        .expect("a template");
    let (with_one, _) = insert_statements(db, &r1, w.profiles[2], "q1").await;
    let mut targets = vec![To::Group(t2)];
    for n in 0..49 {
        let (target, to) = match n % 3 {
            0 => {
                let group = world::group(db, &format!("team {n}"), &[]).await;
                (team(group), To::Group(group))
            }
            1 => (person(w.a1), To::User(w.a1)),
            _ => (team(t2), To::Group(t2)),
        };
        let owner = if n % 2 == 0 { team(t1) } else { person(w.r1) };
        let level = [Level::View, Level::Edit, Level::All][n % 3];
        create_acl_template(db, &AclTemplate::new(owner, target, level))
            .await
            .expect("a template");
        targets.push(to);
    }
    let (with_fifty, id) = insert_statements(db, &r1, w.profiles[2], "q50").await;
    assert_eq!(
        with_one, with_fifty,
        "one template or fifty: the same statements"
    );
    // Without a template the creator's level is written already; a template to a group
    // adds the INSERT into the group grants.
    assert_eq!(with_one, without + 1, "one INSERT more");
    let grants = grants_on::<report::Entity>(db, id).await;
    let distinct: std::collections::BTreeSet<_> = grants.iter().collect();
    assert_eq!(distinct.len(), grants.len(), "each grant once");
    assert!(
        targets
            .iter()
            .all(|to| grants.iter().any(|(held, _)| held == to))
    );
}
