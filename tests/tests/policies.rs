//! Policies (rule 7) on every backend: writing policies and assigning them, and what they
//! allow. Every refused write is a typed error and leaves the tables as they were. Every
//! scope is asked every way a caller can (the list, keyset pages, the count, a check per
//! row) and must agree.

use std::collections::BTreeSet;

use ownership_core::entity::{policy, policy_assignment, policy_principal};
use ownership_core::{
    OwnershipCounts, OwnershipError, OwnershipExplain, OwnershipPages, OwnershipScopes,
    PolicyAssignment, PolicyProblem, Principal, Reason, Subject, assign_policies,
    assigned_policies, create_policy, delete_policy, policy_check, update_policy,
};
use ownership_tests::entities::parcel;
use ownership_tests::on_every_backend;
use ownership_tests::world::{self, Role, account, deactivate, load, profile, uid, user};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

on_every_backend!(
    policies_are_validated_when_written,
    an_assignment_is_checked_and_replaces_the_previous_one,
    a_policy_changes_only_if_its_assignments_still_fit,
    an_assigned_policy_cannot_be_deleted,
    nothing_is_allowed_without_a_matching_clause,
    the_last_matching_clause_decides_across_policies_in_order,
    a_star_is_one_segment_and_an_absent_segment_matches_nothing,
    variables_and_action_wildcards_are_resolved_per_assignment,
    every_listed_action_must_be_allowed,
    anyone_not_signed_in_has_the_anonymous_policies,
    a_stale_or_inactive_subject_gets_nothing_from_policies,
    writes_are_narrowed_by_policies,
    bad_inputs_are_refused_or_match_nothing,
    many_alternating_clauses_make_a_statement_every_backend_runs,
    an_explanation_names_the_clause_that_decides,
);

/// Allows the `parcel` actions on one organization's parcels, denies editing a locked one.
const ORG_POLICY: &str = r#"{
    "version": "2015-12-10",
    "clause": [
        # Everything on the organization's parcels...
        {"effect": "allow", "action": ["parcel.*"], "object": ["parcel/$org/*"]},
        // ...but its locked parcels stay as they are.
        {"effect": "deny", "action": ["parcel.edit"], "object": ["parcel/$org/locked"]}
    ]
}"#;

/// Lets anyone list parcels.
const DEFAULT_POLICY: &str =
    r#"{"clause": [{"effect": "allow", "action": "parcel.list", "object": ["parcel/*/*"]}]}"#;

/// How many rows each policy table holds.
async fn table_sizes(db: &DatabaseConnection) -> [u64; 3] {
    [
        policy::Entity::find().count(db).await.expect("count"),
        policy_principal::Entity::find()
            .count(db)
            .await
            .expect("count"),
        policy_assignment::Entity::find()
            .count(db)
            .await
            .expect("count"),
    ]
}

async fn policies_are_validated_when_written(db: &DatabaseConnection) {
    create_policy(db, "org", ORG_POLICY).await.expect("create");
    let before = table_sizes(db).await;
    let refused = [
        (
            "a name taken",
            matches!(
                create_policy(db, "org", DEFAULT_POLICY).await,
                Err(OwnershipError::DuplicatePolicy(name)) if name == "org"
            ),
        ),
        (
            "an empty name",
            matches!(
                create_policy(db, " ", DEFAULT_POLICY).await,
                Err(OwnershipError::InvalidName { .. })
            ),
        ),
        (
            "no JSON",
            matches!(
                create_policy(db, "bad", "blah!").await,
                Err(OwnershipError::InvalidPolicy {
                    problem: PolicyProblem::NotJson(_),
                    ..
                })
            ),
        ),
        (
            "an unknown effect",
            matches!(
                create_policy(
                    db,
                    "bad",
                    r#"{"clause": [{"effect": "permit", "action": "a"}]}"#
                )
                .await,
                Err(OwnershipError::InvalidPolicy {
                    problem: PolicyProblem::UnknownEffect { .. },
                    ..
                })
            ),
        ),
        (
            "overlapping objects",
            matches!(
                create_policy(
                    db,
                    "bad",
                    r#"{"clause": [{"effect": "allow", "action": "a", "object": ["p/*", "p/q"]}]}"#
                )
                .await,
                Err(OwnershipError::InvalidPolicy {
                    problem: PolicyProblem::OverlappingPatterns { .. },
                    ..
                })
            ),
        ),
    ];
    for (what, refused_as_expected) in refused {
        assert!(refused_as_expected, "{what}");
    }
    assert_eq!(
        table_sizes(db).await,
        before,
        "a refused policy writes nothing"
    );
}

async fn an_assignment_is_checked_and_replaces_the_previous_one(db: &DatabaseConnection) {
    let alice = user(db, "alice", Role::Regular).await;
    create_policy(db, "org", ORG_POLICY).await.expect("create");
    create_policy(db, "default", DEFAULT_POLICY)
        .await
        .expect("create");
    let alice_principal = Principal::User(uid(alice));

    let missing = assign_policies(db, &alice_principal, &[PolicyAssignment::new("org")]).await;
    assert!(
        matches!(
            &missing,
            Err(OwnershipError::InvalidPolicy { policy, problem: PolicyProblem::MissingVariable(name) })
                if policy == "org" && name == "org"
        ),
        "{missing:?}"
    );
    let unknown = assign_policies(
        db,
        &alice_principal,
        &[
            PolicyAssignment::new("nope"),
            PolicyAssignment::new("default"),
        ],
    )
    .await;
    assert!(
        matches!(&unknown, Err(OwnershipError::UnknownPolicies(names)) if names == &["nope"]),
        "{unknown:?}"
    );
    let nobody = user(db, "nobody", Role::Regular).await;
    let ghost = Principal::User(uid(nobody + 1000));
    assert!(matches!(
        assign_policies(db, &ghost, &[PolicyAssignment::new("default")]).await,
        Err(OwnershipError::UnknownUsers(_))
    ));
    assert_eq!(
        table_sizes(db).await,
        [2, 0, 0],
        "refused assignments write nothing"
    );

    let list = [
        PolicyAssignment::new("default"),
        PolicyAssignment::new("org")
            .with("org", "acme")
            .with("unused", "x"),
    ];
    assign_policies(db, &alice_principal, &list)
        .await
        .expect("assign");
    assert_eq!(
        assigned_policies(db, &alice_principal).await.expect("read"),
        list
    );
    // A new list replaces the old one; an empty one clears it.
    let again = [PolicyAssignment::new("org").with("org", "other")];
    assign_policies(db, &alice_principal, &again)
        .await
        .expect("assign");
    assert_eq!(
        assigned_policies(db, &alice_principal).await.expect("read"),
        again
    );
    assign_policies(db, &alice_principal, &[])
        .await
        .expect("clear");
    assert!(
        assigned_policies(db, &alice_principal)
            .await
            .expect("read")
            .is_empty()
    );

    // The anonymous principal has a list of its own.
    assign_policies(
        db,
        &Principal::Anonymous,
        &[PolicyAssignment::new("default")],
    )
    .await
    .expect("assign to anonymous");
    assign_policies(
        db,
        &Principal::Anonymous,
        &[PolicyAssignment::new("default")],
    )
    .await
    .expect("assign to anonymous again");
    assert_eq!(
        assigned_policies(db, &Principal::Anonymous)
            .await
            .expect("read"),
        [PolicyAssignment::new("default")]
    );
    assert_eq!(table_sizes(db).await, [2, 2, 1]);
}

async fn a_policy_changes_only_if_its_assignments_still_fit(db: &DatabaseConnection) {
    let alice = user(db, "alice", Role::Regular).await;
    create_policy(db, "default", DEFAULT_POLICY)
        .await
        .expect("create");
    assign_policies(
        db,
        &Principal::User(uid(alice)),
        &[PolicyAssignment::new("default")],
    )
    .await
    .expect("assign");
    let body = || async {
        policy::Entity::find()
            .one(db)
            .await
            .expect("read")
            .expect("the policy")
            .body
    };
    let stamp = || async {
        // The stamp alone: the user column has the identity's key type.
        policy_principal::Entity::find()
            .select_only()
            .column(policy_principal::Column::Stamp)
            .into_tuple::<String>()
            .one(db)
            .await
            .expect("read")
            .expect("the principal")
    };
    let stamp_before = stamp().await;
    // The new body uses a variable the assignment gives no value for.
    let refused = update_policy(db, "default", ORG_POLICY).await;
    assert!(
        matches!(
            &refused,
            Err(OwnershipError::InvalidPolicy {
                problem: PolicyProblem::MissingVariable(_),
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(matches!(
        update_policy(db, "default", r#"{"clause": 1}"#).await,
        Err(OwnershipError::InvalidPolicy {
            problem: PolicyProblem::NoClauses,
            ..
        })
    ));
    assert!(matches!(
        update_policy(db, "missing", DEFAULT_POLICY).await,
        Err(OwnershipError::UnknownPolicies(_))
    ));
    assert_eq!(body().await, DEFAULT_POLICY);
    assert_eq!(
        stamp().await,
        stamp_before,
        "a refused update changes no stamp"
    );
    let changed =
        r#"{"clause": [{"effect": "deny", "action": "parcel.list", "object": ["parcel/*/*"]}]}"#;
    update_policy(db, "default", changed).await.expect("update");
    assert_eq!(body().await, changed);
    assert_ne!(
        stamp().await,
        stamp_before,
        "the principals of a changed policy get a new stamp"
    );
}

async fn an_assigned_policy_cannot_be_deleted(db: &DatabaseConnection) {
    let alice = user(db, "alice", Role::Regular).await;
    create_policy(db, "default", DEFAULT_POLICY)
        .await
        .expect("create");
    let principal = Principal::User(uid(alice));
    assign_policies(db, &principal, &[PolicyAssignment::new("default")])
        .await
        .expect("assign");
    assert!(matches!(
        delete_policy(db, "default").await,
        Err(OwnershipError::PolicyInUse(name)) if name == "default"
    ));
    assert!(matches!(
        delete_policy(db, "missing").await,
        Err(OwnershipError::UnknownPolicies(_))
    ));
    assert_eq!(table_sizes(db).await, [1, 1, 1]);
    assign_policies(db, &principal, &[]).await.expect("clear");
    delete_policy(db, "default").await.expect("delete");
    assert_eq!(table_sizes(db).await, [0, 1, 0]);
}

/// Parcels of two organizations, in projects and not, owned by one profile.
struct Parcels {
    /// Every parcel's id with its (organization, project).
    all: Vec<(i64, &'static str, Option<&'static str>)>,
    /// A user with no policy yet.
    alice: i64,
}

async fn parcels(db: &DatabaseConnection) -> Parcels {
    let home = account(db, "home").await;
    let owner = user(db, "owner", Role::Regular).await;
    let owner_profile = profile(db, owner, home).await;
    let alice = user(db, "alice", Role::Regular).await;
    let mut all = Vec::new();
    for (k, (organization, project)) in [
        ("acme", Some("north")),
        ("acme", Some("south")),
        ("acme", None),
        ("other", Some("north")),
        ("acme", Some("north")),
        ("Acme", Some("north")),
    ]
    .into_iter()
    .enumerate()
    {
        let id = world::parcel(
            db,
            owner_profile,
            &format!("parcel {k}"),
            organization,
            project,
        )
        .await;
        all.push((id, organization, project));
    }
    Parcels { all, alice }
}

impl Parcels {
    /// The ids of the parcels `keep` keeps.
    fn ids(&self, keep: impl Fn(&str, Option<&str>, i64) -> bool) -> BTreeSet<i64> {
        self.all
            .iter()
            .filter(|(id, organization, project)| keep(organization, *project, *id))
            .map(|(id, ..)| *id)
            .collect()
    }
}

/// The parcel's path, as a check names it.
fn path_of(organization: &str, project: &str, id: i64) -> String {
    format!("parcel/{organization}/{project}/{id}")
}

/// The parcels `subject` may take `actions` on, asked as a list, page by page, as a count
/// and row by row (every parcel, by its path); all must agree.
async fn allowed(
    db: &DatabaseConnection,
    world: &Parcels,
    subject: &Subject,
    actions: &[&str],
) -> BTreeSet<i64> {
    let listed: BTreeSet<i64> = parcel::Entity::find()
        .policy_scope(subject, actions)
        .all(db)
        .await
        .expect("list")
        .iter()
        .map(|row| row.id)
        .collect();
    let mut paged = BTreeSet::new();
    let mut page = parcel::Entity::policy_page(subject, actions, 2);
    loop {
        let rows = page.all(db).await.expect("page");
        let Some(last) = rows.last() else { break };
        let last = last.id;
        assert!(rows.len() <= 2, "a page holds at most its size");
        for row in rows {
            assert!(paged.insert(row.id), "a row on two pages");
        }
        page = page.after(last);
    }
    assert_eq!(paged, listed, "pages and the list disagree for {actions:?}");
    let counted = parcel::Entity::policy_count(db, subject, actions)
        .await
        .expect("count");
    assert_eq!(
        counted,
        listed.len() as u64,
        "the count and the list disagree"
    );
    for (id, organization, project) in &world.all {
        // A parcel without a project has an empty segment: its path names no object.
        let path = path_of(organization, project.unwrap_or(""), *id);
        let mut checked = !actions.is_empty();
        for action in actions {
            checked &= policy_check(db, subject, action, Some(&path))
                .await
                .expect("check");
        }
        assert_eq!(
            checked,
            listed.contains(id),
            "the check of {path} and the list disagree for {actions:?}"
        );
    }
    listed
}

/// A policy to assign: its name, its body (created if no policy has the name), and its
/// variables' values.
type Given<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Assigns the list to `user`, creating the policies not created yet.
async fn give(db: &DatabaseConnection, user: i64, policies: &[Given<'_>]) {
    let mut list = Vec::new();
    for (name, body, variables) in policies {
        if policy::Entity::find()
            .filter(policy::Column::Name.eq(*name))
            .one(db)
            .await
            .expect("read")
            .is_none()
        {
            create_policy(db, name, body).await.expect("create");
        }
        let mut assignment = PolicyAssignment::new(*name);
        for (variable, value) in *variables {
            assignment = assignment.with(*variable, *value);
        }
        list.push(assignment);
    }
    assign_policies(db, &Principal::User(uid(user)), &list)
        .await
        .expect("assign");
}

async fn nothing_is_allowed_without_a_matching_clause(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let alice = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &alice, &["parcel.view"])
            .await
            .is_empty()
    );
    give(
        db,
        world.alice,
        &[(
            "elsewhere",
            r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["parcel/nowhere/*/*"]},
                           {"effect": "allow", "action": "parcel.edit", "object": ["parcel/*/*/*"]},
                           {"effect": "allow", "action": "parcel.view"}]}"#,
            &[],
        )],
    )
    .await;
    let alice = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &alice, &["parcel.view"])
            .await
            .is_empty()
    );
    // An action the entity does not declare, and one no pattern can match, admit nothing.
    assert!(
        allowed(db, &world, &alice, &["parcel.move"])
            .await
            .is_empty()
    );
    assert!(
        allowed(db, &world, &alice, &["parcel..edit"])
            .await
            .is_empty()
    );
    assert!(allowed(db, &world, &alice, &[]).await.is_empty());
    // The free-floating clause decides a check without an object, and no row.
    assert!(
        policy_check(db, &alice, "parcel.view", None)
            .await
            .expect("check")
    );
    assert!(
        !policy_check(db, &alice, "parcel.edit", None)
            .await
            .expect("check")
    );
}

async fn the_last_matching_clause_decides_across_policies_in_order(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let allow_all = (
        "allow all",
        r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["parcel/*/*/*"]}]}"#,
        &[][..],
    );
    let deny_north = (
        "deny north",
        r#"{"clause": [{"effect": "deny", "action": "parcel.view", "object": ["parcel/*/north/*"]}]}"#,
        &[][..],
    );
    give(db, world.alice, &[allow_all, deny_north]).await;
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        world.ids(|_, project, _| project.is_some_and(|p| p != "north"))
    );
    // The other order: the allow comes last and decides.
    give(db, world.alice, &[deny_north, allow_all]).await;
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        world.ids(|_, project, _| project.is_some())
    );
    // Within one policy: allow, deny, allow again.
    let layered = (
        "layered",
        r#"{"clause": [
            {"effect": "allow", "action": "parcel.view", "object": ["parcel/acme/*/*"]},
            {"effect": "deny", "action": "parcel.view", "object": ["parcel/acme/north/*"]},
            {"effect": "allow", "action": "parcel.view", "object": ["parcel/*/north/*"]}
        ]}"#,
        &[][..],
    );
    give(db, world.alice, &[layered]).await;
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        world.ids(|organization, project, _| {
            project == Some("north") || (organization == "acme" && project.is_some())
        })
    );
}

async fn a_star_is_one_segment_and_an_absent_segment_matches_nothing(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let short = (
        "short",
        r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["parcel/*/*", "parcel/*/*/*/*", "*"]}]}"#,
        &[][..],
    );
    give(db, world.alice, &[short]).await;
    let alice = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &alice, &["parcel.view"])
            .await
            .is_empty()
    );
    let exact = (
        "exact",
        r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["*/acme/*/*"]}]}"#,
        &[][..],
    );
    give(db, world.alice, &[exact]).await;
    let alice = load(db, world.alice).await;
    // Case matters, and the parcel with no project has no third segment.
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        world.ids(|organization, project, _| organization == "acme" && project.is_some())
    );
    // An integer segment is the number as Rust writes it: `0{id}` is not `{id}`.
    let (id, ..) = world.all[0];
    let literal = format!(
        r#"{{"clause": [{{"effect": "allow", "action": "parcel.view", "object": ["parcel/acme/north/{id}", "parcel/acme/north/0{id}"]}}]}}"#
    );
    create_policy(db, "literal", &literal)
        .await
        .expect("create");
    assign_policies(
        db,
        &Principal::User(uid(world.alice)),
        &[PolicyAssignment::new("literal")],
    )
    .await
    .expect("assign");
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        BTreeSet::from([id]),
        "an integer segment is matched as written, 0{id} is not {id}"
    );
}

async fn variables_and_action_wildcards_are_resolved_per_assignment(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let org =
        r#"{"clause": [{"effect": "allow", "action": "parcel.*", "object": ["parcel/$org/*/*"]}]}"#;
    give(
        db,
        world.alice,
        &[
            ("org", org, &[("org", "other")]),
            ("org", org, &[("org", "acme")]),
        ],
    )
    .await;
    let alice = load(db, world.alice).await;
    let either = world.ids(|organization, project, _| {
        (organization == "acme" || organization == "other") && project.is_some()
    });
    assert_eq!(allowed(db, &world, &alice, &["parcel.view"]).await, either);
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.delete"]).await,
        either
    );
    // A value is a segment, never a pattern.
    give(db, world.alice, &[("org", org, &[("org", "*")])]).await;
    let alice = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &alice, &["parcel.view"])
            .await
            .is_empty()
    );
}

async fn every_listed_action_must_be_allowed(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let body = r#"{"clause": [
        {"effect": "allow", "action": ["parcel.view", "parcel.list"], "object": ["parcel/*/*/*"]},
        {"effect": "allow", "action": "parcel.edit", "object": ["parcel/acme/*/*"]},
        {"effect": "deny", "action": "parcel.edit", "object": ["parcel/*/south/*"]}
    ]}"#;
    give(db, world.alice, &[("mixed", body, &[])]).await;
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view", "parcel.edit"]).await,
        world.ids(|organization, project, _| {
            organization == "acme" && project.is_some_and(|p| p != "south")
        })
    );
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view", "parcel.list"]).await,
        world.ids(|_, project, _| project.is_some())
    );
}

async fn anyone_not_signed_in_has_the_anonymous_policies(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let nobody = Subject::load_anonymous(db).await.expect("load");
    assert!(
        allowed(db, &world, &nobody, &["parcel.list"])
            .await
            .is_empty()
    );
    create_policy(
        db,
        "public",
        r#"{"clause": [{"effect": "allow", "action": "parcel.list", "object": ["parcel/other/*/*"]}]}"#,
    )
    .await
    .expect("create");
    assign_policies(
        db,
        &Principal::Anonymous,
        &[PolicyAssignment::new("public")],
    )
    .await
    .expect("assign");
    let nobody = Subject::load_anonymous(db).await.expect("load");
    let public = world.ids(|organization, project, _| organization == "other" && project.is_some());
    assert_eq!(allowed(db, &world, &nobody, &["parcel.list"]).await, public);
    // A plain anonymous subject has no policy, and a user does not get anyone's.
    assert!(
        allowed(db, &world, &Subject::anonymous(), &["parcel.list"])
            .await
            .is_empty()
    );
    let alice = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &alice, &["parcel.list"])
            .await
            .is_empty()
    );
    // Taking the list away counts at once for a snapshot loaded before.
    assign_policies(db, &Principal::Anonymous, &[])
        .await
        .expect("clear");
    assert!(
        allowed(db, &world, &nobody, &["parcel.list"])
            .await
            .is_empty()
    );
}

async fn a_stale_or_inactive_subject_gets_nothing_from_policies(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let all =
        r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["parcel/*/*/*"]}]}"#;
    give(db, world.alice, &[("all", all, &[])]).await;
    let before = load(db, world.alice).await;
    let every = world.ids(|_, project, _| project.is_some());
    assert_eq!(allowed(db, &world, &before, &["parcel.view"]).await, every);

    // The same list assigned again: a snapshot from before gets nothing until reloaded.
    give(db, world.alice, &[("all", all, &[])]).await;
    assert!(
        allowed(db, &world, &before, &["parcel.view"])
            .await
            .is_empty()
    );
    let now = load(db, world.alice).await;
    assert_eq!(allowed(db, &world, &now, &["parcel.view"]).await, every);

    // A changed policy body: likewise.
    update_policy(
        db,
        "all",
        r#"{"clause": [{"effect": "allow", "action": "parcel.view", "object": ["parcel/other/*/*"]}]}"#,
    )
    .await
    .expect("update");
    assert!(allowed(db, &world, &now, &["parcel.view"]).await.is_empty());
    let now = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &now, &["parcel.view"]).await,
        world.ids(|organization, project, _| organization == "other" && project.is_some())
    );

    // An inactive user is denied everything, loaded before or after.
    deactivate(db, world.alice).await;
    assert!(allowed(db, &world, &now, &["parcel.view"]).await.is_empty());
    let inactive = load(db, world.alice).await;
    assert!(
        allowed(db, &world, &inactive, &["parcel.view"])
            .await
            .is_empty()
    );
}

async fn writes_are_narrowed_by_policies(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let body = r#"{"clause": [
        {"effect": "allow", "action": ["parcel.edit", "parcel.delete"], "object": ["parcel/acme/*/*"]},
        {"effect": "deny", "action": "parcel.delete", "object": ["parcel/*/north/*"]}
    ]}"#;
    give(db, world.alice, &[("writer", body, &[])]).await;
    let alice = load(db, world.alice).await;
    let edited = parcel::Entity::update_many()
        .col_expr(parcel::Column::Name, sea_orm::sea_query::Expr::cust("name"))
        .policy_scope(&alice, &["parcel.edit"])
        .exec(db)
        .await
        .expect("update");
    assert_eq!(
        edited.rows_affected,
        world
            .ids(|organization, project, _| organization == "acme" && project.is_some())
            .len() as u64
    );
    let deleted = parcel::Entity::delete_many()
        .policy_scope(&alice, &["parcel.delete"])
        .exec(db)
        .await
        .expect("delete");
    let expected =
        world.ids(|organization, project, _| organization == "acme" && project == Some("south"));
    assert_eq!(deleted.rows_affected, expected.len() as u64);
    let left: BTreeSet<i64> = parcel::Entity::find()
        .all(db)
        .await
        .expect("read")
        .iter()
        .map(|row| row.id)
        .collect();
    assert_eq!(left, world.ids(|_, _, id| !expected.contains(&id)));
}

async fn bad_inputs_are_refused_or_match_nothing(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let refused = |result: Result<(), OwnershipError>| match result {
        Err(OwnershipError::InvalidPolicy { problem, .. }) => problem,
        other => panic!("expected a refused policy, got {other:?}"),
    };
    let long = format!(
        r#"{{"clause": [{{"effect": "allow", "action": "parcel.view", "object": ["parcel/{}/*/*"]}}]}}"#,
        "x".repeat(10_000)
    );
    assert!(matches!(
        refused(create_policy(db, "long", &long).await),
        PolicyProblem::InvalidPattern { .. }
    ));
    let huge = format!(r#"{{"clause": [], "padding": "{}"}}"#, "x".repeat(70_000));
    assert_eq!(
        refused(create_policy(db, "huge", &huge).await),
        PolicyProblem::TooLong
    );
    for body in [
        "",
        "[]",
        r#"{"clause": {}}"#,
        r#"{"clause": [{"effect": "allow"}]}"#,
        r#"{"clause": [{"effect": "allow", "action": [1]}]}"#,
        r#"{"clause": [{"effect": "allow", "action": "a", "object": 7}]}"#,
    ] {
        create_policy(db, "bad", body)
            .await
            .expect_err("a malformed body is refused");
    }
    assert_eq!(table_sizes(db).await, [0, 0, 0], "nothing was written");

    // A value with a NUL cannot be a segment; values with pattern characters are literals.
    create_policy(
        db,
        "org",
        r#"{"clause": [{"effect": "allow", "action": "parcel.*", "object": ["parcel/$org/*/*"]}]}"#,
    )
    .await
    .expect("create");
    let principal = Principal::User(uid(world.alice));
    assert_eq!(
        refused(
            assign_policies(
                db,
                &principal,
                &[PolicyAssignment::new("org").with("org", "a\0")]
            )
            .await
        ),
        PolicyProblem::InvalidVariableValue("org".into())
    );
    for value in ["%", "_", "'", "a/b", "*", "$org", "acme' OR '1'='1"] {
        assign_policies(
            db,
            &principal,
            &[PolicyAssignment::new("org").with("org", value)],
        )
        .await
        .expect("assign");
        let alice = load(db, world.alice).await;
        assert!(
            allowed(db, &world, &alice, &["parcel.view"])
                .await
                .is_empty(),
            "the value {value:?} names no organization of the parcels"
        );
    }

    // Actions and paths no pattern can match are denied, never widened.
    assign_policies(
        db,
        &principal,
        &[PolicyAssignment::new("org").with("org", "acme")],
    )
    .await
    .expect("assign");
    let alice = load(db, world.alice).await;
    let long_action = "parcel.".repeat(2_000);
    for action in [
        "",
        "parcel.view\0",
        "parcel.",
        ".view",
        long_action.as_str(),
    ] {
        assert!(
            allowed(db, &world, &alice, &[action]).await.is_empty(),
            "{action:?}"
        );
        assert!(
            !policy_check(db, &alice, action, Some("parcel/acme/north/1"))
                .await
                .expect("check")
        );
    }
    for path in [
        "",
        "parcel/acme/north/1\0",
        "parcel/acme/north/1\\",
        "parcel/acme",
    ] {
        assert!(
            !policy_check(db, &alice, "parcel.view", Some(path))
                .await
                .expect("check"),
            "{path:?}"
        );
    }
    assert!(
        policy_check(db, &alice, "parcel.view", Some("parcel/acme/*/1"))
            .await
            .expect("check"),
        "a star in a path is a segment like any other, matched by the pattern's star"
    );
}

/// Hundreds of allows and denies that all overlap, one after the other: each deny narrows
/// everything allowed before it. The statement stays within every backend's limits on
/// expression depth, and decides as the clauses do.
async fn many_alternating_clauses_make_a_statement_every_backend_runs(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let mut given = Vec::new();
    let bodies: Vec<String> = (0..4)
        .map(|part| {
            let clauses: Vec<String> = (0..300)
                .map(|k| {
                    let n = part * 300 + k;
                    if n % 2 == 0 {
                        r#"{"effect": "allow", "action": "parcel.view", "object": "parcel/acme/*/*"}"#
                            .to_owned()
                    } else {
                        // Overlapping the allows, naming no parcel there is.
                        format!(
                            r#"{{"effect": "deny", "action": "parcel.view", "object": "parcel/*/north/{}"}}"#,
                            100_000 + n
                        )
                    }
                })
                .collect();
            format!(r#"{{"clause": [{}]}}"#, clauses.join(", "))
        })
        .collect();
    let last =
        r#"{"clause": [{"effect": "deny", "action": "parcel.*", "object": "parcel/*/south/*"}]}"#;
    let names: Vec<String> = (0..4).map(|part| format!("alternating {part}")).collect();
    for (name, body) in names.iter().zip(&bodies) {
        given.push((name.as_str(), body.as_str(), &[][..]));
    }
    given.push(("no south", last, &[][..]));
    give(db, world.alice, &given).await;
    let alice = load(db, world.alice).await;
    assert_eq!(
        allowed(db, &world, &alice, &["parcel.view"]).await,
        world.ids(|organization, project, _| organization == "acme" && project == Some("north"))
    );
}

async fn an_explanation_names_the_clause_that_decides(db: &DatabaseConnection) {
    let world = parcels(db).await;
    let [
        acme_north,
        acme_south,
        acme_none,
        other_north,
        _,
        upper_acme_north,
    ] = world.all.iter().map(|(id, ..)| *id).collect::<Vec<_>>()[..]
    else {
        panic!("six parcels");
    };
    let base = (
        "base",
        r#"{"clause": [
            {"effect": "allow", "action": "parcel.view", "object": ["parcel/*/*/*"]},
            {"effect": "allow", "action": "parcel.edit", "object": ["parcel/acme/*/*"]}
        ]}"#,
        &[][..],
    );
    let north = (
        "north",
        r#"{"clause": [
            {"effect": "deny", "action": "parcel.view", "object": ["parcel/acme/north/*"]},
            {"effect": "allow", "action": "parcel.view", "object": ["parcel/*/north/*"]}
        ]}"#,
        &[][..],
    );
    give(db, world.alice, &[base, north]).await;
    let alice = load(db, world.alice).await;
    let why = |id: i64, actions: &'static [&'static str]| {
        let alice = &alice;
        async move {
            parcel::Entity::explain_policy(db, alice, id, actions)
                .await
                .expect("explain")
        }
    };
    let by = |action: &str, policy: &str, clause: usize| Reason::Policy {
        action: action.to_owned(),
        policy: policy.to_owned(),
        clause,
    };
    // The last matching clause decides, across policies in assignment order.
    for id in [acme_north, other_north, upper_acme_north] {
        assert_eq!(
            why(id, &["parcel.view"]).await,
            [by("parcel.view", "north", 1)]
        );
    }
    assert_eq!(
        why(acme_south, &["parcel.view"]).await,
        [by("parcel.view", "base", 0)]
    );
    // One reason per action, and none unless every action is allowed.
    assert_eq!(
        why(acme_south, &["parcel.view", "parcel.edit"]).await,
        [by("parcel.edit", "base", 1), by("parcel.view", "base", 0)]
    );
    assert!(
        why(other_north, &["parcel.view", "parcel.edit"])
            .await
            .is_empty()
    );
    assert!(why(acme_none, &["parcel.view"]).await.is_empty());

    // A matching deny after the allow decides: no reason.
    let deny_north = (
        "deny north",
        r#"{"clause": [{"effect": "deny", "action": "parcel.view", "object": ["parcel/acme/north/*"]}]}"#,
        &[][..],
    );
    give(db, world.alice, &[base, deny_north]).await;
    let alice = load(db, world.alice).await;
    let readable = allowed(db, &world, &alice, &["parcel.view"]).await;
    for (id, ..) in &world.all {
        let reasons = parcel::Entity::explain_policy(db, &alice, *id, &["parcel.view"])
            .await
            .expect("explain");
        if readable.contains(id) {
            assert_eq!(reasons, [by("parcel.view", "base", 0)], "parcel {id}");
        } else {
            assert!(reasons.is_empty(), "parcel {id}");
        }
    }
    assert!(!readable.contains(&acme_north));
}
