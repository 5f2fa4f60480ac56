//! The policy source against a model of rule 7, on every backend: random policies (clause
//! order, effects, action and object wildcards, variables), assigned in random order with
//! random values, over parcels whose path values include separators, wildcard and `LIKE`
//! characters, quotes, other cases, empty strings and NULL. For every action and a pair of
//! actions, the compiled scope must list exactly the rows the model allows, the check of
//! each row's path must agree, and the explanation of each row must name the clause the
//! model finds deciding.
//!
//! `OWNERSHIP_WORLDS` sets how many worlds each backend checks (default 300 on SQLite, 100 on
//! PostgreSQL and MariaDB); `PROPTEST_RNG_SEED` reproduces a run.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use ownership_core::entity::{policy, policy_assignment, policy_principal};
use ownership_core::{
    OwnershipError, OwnershipExplain, OwnershipScopes, PolicyAssignment, PolicyProblem, Principal,
    Reason, assign_policies, create_policy, policy_check,
};
use ownership_tests::entities::parcel;
use ownership_tests::world::{self, Role, account, load, profile, uid, user};
use ownership_tests::{Backend, TestDb, count_from_env};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sea_orm::{DatabaseConnection, EntityTrait};

/// The values a parcel's organization or project may hold; `None` is NULL.
const VALUES: [&str; 13] = [
    "a", "b", "A", "a ", "á", "1", "a/b", "*", "%", "_", "'", "$org", "",
];
/// The literal segments a pattern may hold (escaped as a policy writes them); digits
/// also name parcel ids.
const LITERALS: [&str; 13] = [
    "a", "b", "A", "a ", "á", "1", "2", "01", "a\\/b", "\\*", "%", "_", "'",
];
/// The action patterns a clause may hold.
const ACTION_PATTERNS: [&str; 7] = [
    "parcel.view",
    "parcel.edit",
    "parcel.*",
    "*.view",
    "*.edit",
    "*",
    "*.*.*",
];
/// The actions asked.
const ACTIONS: [&str; 3] = ["parcel.view", "parcel.edit", "parcel.list"];

/// One generated clause.
#[derive(Clone, Debug)]
struct Clause {
    allow: bool,
    action: &'static str,
    /// The object patterns' segments, or `None` for a free-floating clause.
    objects: Option<Vec<Vec<String>>>,
}

/// One generated world.
#[derive(Clone, Debug)]
struct World {
    /// Each policy's clauses.
    policies: Vec<Vec<Clause>>,
    /// The assignment: which policy, with which value of `$org`.
    assigned: Vec<(usize, &'static str)>,
    /// Each parcel's organization and project.
    parcels: Vec<(Option<&'static str>, Option<&'static str>)>,
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("*".to_owned()),
        1 => Just("$org".to_owned()),
        4 => proptest::sample::select(&LITERALS[..]).prop_map(str::to_owned),
    ]
}

fn clause() -> impl Strategy<Value = Clause> {
    let pattern = (
        prop_oneof![4 => Just("parcel".to_owned()), 1 => Just("*".to_owned())],
        proptest::collection::vec(segment(), 1..=4),
    )
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect::<Vec<_>>());
    let objects = prop_oneof![
        1 => Just(None),
        8 => proptest::collection::vec(pattern, 1..=2).prop_map(Some),
    ];
    (
        any::<bool>(),
        proptest::sample::select(&ACTION_PATTERNS[..]),
        objects,
    )
        .prop_map(|(allow, action, objects)| Clause {
            allow,
            action,
            objects,
        })
}

fn value() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        1 => Just(None),
        6 => proptest::sample::select(&VALUES[..]).prop_map(Some),
    ]
}

fn world() -> impl Strategy<Value = World> {
    let policies = proptest::collection::vec(proptest::collection::vec(clause(), 1..=5), 1..=3);
    policies.prop_flat_map(|policies| {
        let count = policies.len();
        let assigned =
            proptest::collection::vec((0..count, proptest::sample::select(&VALUES[..9])), 0..=4);
        let parcels = proptest::collection::vec((value(), value()), 1..=8);
        (Just(policies), assigned, parcels).prop_map(|(policies, assigned, parcels)| World {
            policies,
            assigned,
            parcels,
        })
    })
}

/// A segment of an object pattern as the model reads it.
#[derive(Clone, Debug)]
enum Part {
    /// `*`: any present segment.
    Any,
    /// Exactly this text.
    Literal(String),
}

/// A generated pattern segment as the model reads it: `*`, the value of `$org`, or the
/// literal unescaped (`\*` is a star, no wildcard).
fn model_part(segment: &str, org: &str) -> Part {
    match segment {
        "*" => Part::Any,
        "$org" => Part::Literal(org.to_owned()),
        literal => Part::Literal(literal.replace("\\/", "/").replace("\\*", "*")),
    }
}

/// An assigned clause in deciding order: the policy's name and the clause's position in
/// it, allow or deny, the action pattern, the object patterns.
#[derive(Debug)]
struct ModelClause {
    policy: String,
    position: usize,
    allow: bool,
    action: &'static str,
    objects: Option<Vec<Vec<Part>>>,
}

/// Whether an action pattern matches the action: as many dotted parts, `*` any one.
fn action_matches(pattern: &str, action: &str) -> bool {
    let (pattern, action): (Vec<&str>, Vec<&str>) =
        (pattern.split('.').collect(), action.split('.').collect());
    pattern.len() == action.len()
        && pattern
            .iter()
            .zip(&action)
            .all(|(p, a)| *p == "*" || p == a)
}

/// The model of rule 7 for one row's segments (`None`: absent, matching nothing) or a
/// free-floating action (`path` `None`): the last matching clause decides, no match denies.
fn model_allows(clauses: &[ModelClause], action: &str, path: Option<&[Option<String>]>) -> bool {
    deciding(clauses, action, path).is_some_and(|clause| clause.allow)
}

/// The last clause matching `action` on `path`, which decides it.
fn deciding<'c>(
    clauses: &'c [ModelClause],
    action: &str,
    path: Option<&[Option<String>]>,
) -> Option<&'c ModelClause> {
    let mut decision = None;
    for clause in clauses {
        if !action_matches(clause.action, action) {
            continue;
        }
        let matched = match (&clause.objects, path) {
            (None, None) => true,
            (Some(objects), Some(path)) => objects.iter().any(|object| {
                object.len() == path.len()
                    && object
                        .iter()
                        .zip(path)
                        .all(|(part, segment)| match (part, segment) {
                            (_, None) => false,
                            (Part::Any, Some(_)) => true,
                            (Part::Literal(text), Some(segment)) => text == segment,
                        })
            }),
            _ => false,
        };
        if matched {
            decision = Some(clause);
        }
    }
    decision
}

/// The world's clauses in deciding order, variables replaced.
fn assigned_clauses(world: &World) -> Vec<ModelClause> {
    let mut clauses = Vec::new();
    for (policy, org) in &world.assigned {
        for (position, clause) in world.policies[*policy].iter().enumerate() {
            let objects = clause.objects.as_ref().map(|patterns| {
                patterns
                    .iter()
                    .map(|segments| {
                        segments
                            .iter()
                            .map(|segment| model_part(segment, org))
                            .collect()
                    })
                    .collect()
            });
            clauses.push(ModelClause {
                policy: format!("p{policy}"),
                position,
                allow: clause.allow,
                action: clause.action,
                objects,
            });
        }
    }
    clauses
}

/// A policy body of the clauses, as JSON.
fn body(clauses: &[Clause]) -> String {
    let clauses: Vec<String> = clauses
        .iter()
        .map(|clause| {
            let effect = if clause.allow { "allow" } else { "deny" };
            let object = match &clause.objects {
                None => String::new(),
                Some(patterns) => {
                    let patterns: Vec<String> = patterns
                        .iter()
                        .map(|segments| serde_json_string(&segments.join("/")))
                        .collect();
                    format!(r#", "object": [{}]"#, patterns.join(", "))
                }
            };
            format!(
                r#"{{"effect": "{effect}", "action": ["{}"]{object}}}"#,
                clause.action
            )
        })
        .collect();
    format!(r#"{{"clause": [{}]}}"#, clauses.join(", "))
}

/// `text` as a JSON string.
fn serde_json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A segment of a check's path: `/` and `\` escaped.
fn path_segment(value: &str) -> String {
    value.replace('\\', "\\\\").replace('/', "\\/")
}

/// Checks one world (the `n`th on this database) against the model; the number of
/// comparisons made.
async fn check_world(
    db: &DatabaseConnection,
    n: usize,
    world: &World,
) -> Result<usize, TestCaseError> {
    policy_assignment::Entity::delete_many()
        .exec(db)
        .await
        .expect("clear");
    policy_principal::Entity::delete_many()
        .exec(db)
        .await
        .expect("clear");
    policy::Entity::delete_many().exec(db).await.expect("clear");
    parcel::Entity::delete_many().exec(db).await.expect("clear");

    let home = account(db, &format!("home {n}")).await;
    let owner = user(db, &format!("owner {n}"), Role::Regular).await;
    let owner_profile = profile(db, owner, home).await;
    let alice = user(db, &format!("alice {n}"), Role::Regular).await;

    // A policy whose patterns overlap within a clause is refused, and only for that; the
    // world keeps those that were created, and assigns only them.
    let mut created = BTreeSet::new();
    for (k, clauses) in world.policies.iter().enumerate() {
        match create_policy(db, &format!("p{k}"), &body(clauses)).await {
            Ok(()) => {
                created.insert(k);
            }
            Err(OwnershipError::InvalidPolicy {
                problem: PolicyProblem::OverlappingPatterns { .. },
                ..
            }) => {}
            Err(other) => return Err(TestCaseError::fail(format!("create p{k}: {other}"))),
        }
    }
    let assigned: Vec<(usize, &'static str)> = world
        .assigned
        .iter()
        .copied()
        .filter(|(policy, _)| created.contains(policy))
        .collect();
    let list: Vec<PolicyAssignment> = assigned
        .iter()
        .map(|(policy, org)| PolicyAssignment::new(format!("p{policy}")).with("org", *org))
        .collect();
    assign_policies(db, &Principal::User(uid(alice)), &list)
        .await
        .map_err(|err| TestCaseError::fail(format!("assign: {err}")))?;
    let world = World {
        assigned,
        ..world.clone()
    };
    let clauses = assigned_clauses(&world);

    let mut rows = BTreeMap::new();
    for (k, (organization, project)) in world.parcels.iter().enumerate() {
        let organization = organization.unwrap_or("");
        let id = world::parcel(
            db,
            owner_profile,
            &format!("parcel {k}"),
            organization,
            *project,
        )
        .await;
        let present = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);
        rows.insert(
            id,
            vec![
                Some("parcel".to_owned()),
                present(Some(organization)),
                present(*project),
                Some(id.to_string()),
            ],
        );
    }

    let subject = load(db, alice).await;
    let mut asked: Vec<Vec<&str>> = ACTIONS.iter().map(|action| vec![*action]).collect();
    asked.push(vec!["parcel.view", "parcel.edit"]);
    let mut comparisons = 0;
    for actions in &asked {
        let expected: BTreeSet<i64> = rows
            .iter()
            .filter(|(_, path)| {
                actions
                    .iter()
                    .all(|action| model_allows(&clauses, action, Some(path)))
            })
            .map(|(id, _)| *id)
            .collect();
        let listed: BTreeSet<i64> = parcel::Entity::find()
            .policy_scope(&subject, actions)
            .all(db)
            .await
            .expect("list")
            .iter()
            .map(|row| row.id)
            .collect();
        prop_assert_eq!(
            &listed,
            &expected,
            "actions {:?}, clauses {:#?}, rows {:?}",
            actions,
            clauses,
            rows
        );
        comparisons += 1;
    }
    for (id, path) in &rows {
        for actions in &asked {
            let explained = parcel::Entity::explain_policy(db, &subject, *id, actions)
                .await
                .expect("explain");
            let deciding: Vec<&ModelClause> = actions
                .iter()
                .filter_map(|action| deciding(&clauses, action, Some(path)))
                .collect();
            let expected: BTreeSet<Reason> =
                if deciding.len() == actions.len() && deciding.iter().all(|clause| clause.allow) {
                    actions
                        .iter()
                        .zip(deciding)
                        .map(|(action, clause)| Reason::Policy {
                            action: (*action).to_owned(),
                            policy: clause.policy.clone(),
                            clause: clause.position,
                        })
                        .collect()
                } else {
                    BTreeSet::new()
                };
            prop_assert_eq!(
                explained.into_iter().collect::<BTreeSet<_>>(),
                expected,
                "explanation of parcel {} {:?} for {:?}",
                id,
                path,
                actions
            );
            comparisons += 1;
        }
        // An absent segment is written empty: such a path names no object.
        let text: Vec<String> = path
            .iter()
            .map(|segment| path_segment(segment.as_deref().unwrap_or("")))
            .collect();
        let text = text.join("/");
        for action in ACTIONS {
            let checked = policy_check(db, &subject, action, Some(&text))
                .await
                .expect("check");
            prop_assert_eq!(
                checked,
                model_allows(&clauses, action, Some(path)),
                "check of {} ({}) for {}",
                text,
                id,
                action
            );
            comparisons += 1;
        }
    }
    for action in ACTIONS {
        let checked = policy_check(db, &subject, action, None)
            .await
            .expect("check");
        prop_assert_eq!(checked, model_allows(&clauses, action, None));
        comparisons += 1;
    }
    Ok(comparisons)
}

fn run(backend: Backend, default_worlds: u32) {
    let worlds = count_from_env("OWNERSHIP_WORLDS", default_worlds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let Some(test_db) = runtime.block_on(TestDb::create(backend)) else {
        return;
    };
    let mut runner = TestRunner::new(Config {
        cases: worlds,
        failure_persistence: None,
        ..Config::default()
    });
    let comparisons = AtomicUsize::new(0);
    let checked = AtomicUsize::new(0);
    let result = runner.run(&world(), |world| {
        let n = checked.fetch_add(1, Ordering::Relaxed);
        let done = runtime.block_on(check_world(&test_db.db, n, &world))?;
        comparisons.fetch_add(done, Ordering::Relaxed);
        Ok(())
    });
    runtime.block_on(test_db.drop_database());
    if let Err(err) = result {
        panic!("policy oracle: {err}");
    }
    println!(
        "policy oracle: {worlds} worlds, {} comparisons, disagreements 0",
        comparisons.into_inner()
    );
}

#[test]
fn sqlite() {
    run(Backend::Sqlite, 300);
}

#[test]
fn postgres() {
    run(Backend::Postgres, 100);
}

#[test]
fn mysql() {
    run(Backend::MySql, 100);
}
