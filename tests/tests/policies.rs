//! Policies (rule 7) on every backend: writing policies and assigning them. Every refused
//! write is a typed error and leaves the tables as they were.

use ownership_core::entity::{policy, policy_assignment, policy_principal};
use ownership_core::{
    OwnershipError, PolicyAssignment, PolicyProblem, Principal, assign_policies, assigned_policies,
    create_policy, delete_policy, update_policy,
};
use ownership_tests::on_every_backend;
use ownership_tests::world::{Role, uid, user};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QuerySelect};

on_every_backend!(
    policies_are_validated_when_written,
    an_assignment_is_checked_and_replaces_the_previous_one,
    a_policy_changes_only_if_its_assignments_still_fit,
    an_assigned_policy_cannot_be_deleted,
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
