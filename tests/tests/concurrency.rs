//! Concurrent callers on PostgreSQL and MariaDB/MySQL: grants and revokes racing on the
//! same rows, inserts racing on the same (owner, name), clones of one row racing, shares racing on one row and a
//! revocation, shares to many receivers racing, policy assignments and updates racing, creates and deletes under an ACL
//! template racing, updates by a grantee racing grants, and transactions that fail
//! half-way.
//! SQLite serialises writers, so these scenarios run on the server backends only.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ownership_core::Key;
use ownership_core::entity::object_grant::OBJECT_ID;
use ownership_core::entity::{
    permission, permission_group, permission_user, policy_assignment, policy_principal,
};
use ownership_core::{
    AclTemplate, Agent, AuthorizedActiveModelExt, AuthorizedDeletes, CloneOptions, Grantees, Level,
    ObjectRef, OwnedActiveModelExt, OwnedEntity, OwnedModelExt, OwnershipChecks, OwnershipError,
    OwnershipScopes, OwnershipShares, Permitted, PolicyAssignment, Principal, Share, ShareRequest,
    Target, TypedGrantee, Uuid, assign_policies, create_acl_template, create_policy, delete_policy,
    grant, holders, revoke, update_policy,
};
use ownership_tests::entities::{document, shared_doc};
use ownership_tests::world::{self, Role, ids, set};
use ownership_tests::world::{gid, uid};
use ownership_tests::world::{load, new_document};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, PaginatorTrait, Set, Statement, TransactionTrait,
};
use tokio::sync::{Barrier, Mutex};
use tokio::task::JoinHandle;

/// How many callers race.
const TASKS: usize = 32;

/// The longest a scenario may take.
const LIMIT: Duration = Duration::from_secs(60);

/// Declares, for each named `async fn(&DatabaseConnection)`, a test on PostgreSQL and one
/// on MariaDB/MySQL: `name::postgres`, `name::mysql`.
macro_rules! on_server_backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    super::run(ownership_tests::Backend::Postgres, stringify!($scenario), |db| async move {
                        super::$scenario(&db).await
                    })
                    .await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn mysql() {
                    super::run(ownership_tests::Backend::MySql, stringify!($scenario), |db| async move {
                        super::$scenario(&db).await
                    })
                    .await;
                }
            }
        )*
    };
}

on_server_backends!(
    grant_and_revoke_race_on_one_grant,
    grants_and_revokes_across_rows_race,
    updates_by_a_grantee_and_grants_race,
    first_grants_on_a_new_object_race,
    inserts_of_one_name_race,
    clones_of_one_row_race,
    failed_grants_leave_nothing_behind,
    a_grant_racing_a_delete_leaves_no_grant_on_a_missing_object,
    shares_of_one_row_race,
    shares_to_many_and_their_revocations_race,
    policy_assignments_race,
    policy_changes_and_assignments_race,
    creates_and_deletes_under_a_template_race,
);

// ---------------------------------------------------------------------------------------
// Support
// ---------------------------------------------------------------------------------------

/// One scenario at a time per server, so each has the connections it asks for.
static POSTGRES: Mutex<()> = Mutex::const_new(());
static MYSQL: Mutex<()> = Mutex::const_new(());

/// Runs a scenario on a fresh database of `backend`, within [`LIMIT`].
async fn run<F, Fut>(backend: ownership_tests::Backend, name: &'static str, scenario: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let _one_at_a_time = match backend {
        ownership_tests::Backend::MySql => MYSQL.lock().await,
        _ => POSTGRES.lock().await,
    };
    ownership_tests::run_on(backend, |db| {
        let body = scenario(db);
        async move {
            let started = Instant::now();
            tokio::time::timeout(LIMIT, body)
                .await
                .unwrap_or_else(|_| panic!("{name} on {backend:?} took longer than {LIMIT:?}"));
            eprintln!("{name} on {backend:?}: {:?}", started.elapsed());
        }
    })
    .await;
}

/// One value of a one-row query.
async fn scalar<T: sea_orm::TryGetable>(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> T {
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .unwrap_or_else(|| panic!("{sql}: no row"))
        .try_get_by_index(0)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

/// Another pool of `size` connections to the same test database (schema on PostgreSQL).
async fn pool(db: &DatabaseConnection, size: u32) -> DatabaseConnection {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set"));
    let mut options = match db.get_database_backend() {
        DbBackend::Postgres => {
            let schema: String = scalar(db, "SELECT current_schema()::text", vec![]).await;
            let mut options = ConnectOptions::new(var("OWNERSHIP_TEST_POSTGRES_URL"));
            options.set_schema_search_path(schema);
            options
        }
        DbBackend::MySql => {
            let database: String = scalar(db, "SELECT DATABASE()", vec![]).await;
            ConnectOptions::new(ownership_tests::with_database(
                &var("OWNERSHIP_TEST_MYSQL_URL"),
                &database,
            ))
        }
        other => panic!("no concurrency scenarios on {other:?}"),
    };
    options
        .max_connections(size)
        .acquire_timeout(LIMIT)
        .sqlx_logging(false);
    Database::connect(options).await.expect("connect a pool")
}

/// How many rows each permission table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rows {
    users: u64,
    documents: u64,
    object_grants: u64,
    permissions: u64,
    user_grants: u64,
    group_grants: u64,
}

async fn rows(db: &DatabaseConnection) -> Rows {
    Rows {
        users: world::identity_counts(db).await.unwrap()[1],
        documents: document::Entity::find().count(db).await.unwrap(),
        object_grants: {
            let (users, groups) = world::object_grants(db).await;
            users + groups
        },
        permissions: permission::Entity::find().count(db).await.unwrap(),
        user_grants: permission_user::Entity::find().count(db).await.unwrap(),
        group_grants: permission_group::Entity::find().count(db).await.unwrap(),
    }
}

/// The grants to users on one document.
async fn on_document(db: &DatabaseConnection, id: i64) -> u64 {
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(document::Entity::user_grant_table())
        .and_where(Expr::col(OBJECT_ID).eq(id))
        .to_owned();
    let row = db.query_one(&count).await.unwrap().expect("a count");
    row.try_get_by_index::<i64>(0).unwrap() as u64
}

/// An account with one regular owner; returns the owner's user and profile.
async fn owner_profile(db: &DatabaseConnection) -> (i64, i64) {
    let account = world::account(db, "acme").await;
    let owner = world::user(db, "owner", Role::Regular).await;
    (owner, world::profile(db, owner, account).await)
}

/// The errors among `outcomes`, one line each.
fn failures<T, E: std::fmt::Display>(outcomes: &[(usize, Result<T, E>)]) -> Vec<String> {
    outcomes
        .iter()
        .filter_map(|(task, outcome)| {
            outcome
                .as_ref()
                .err()
                .map(|err| format!("task {task}: {err}"))
        })
        .collect()
}

/// Starts `TASKS` tasks that wait for each other, then run `op(task)` at once.
async fn all_at_once<T, F, Fut>(op: F) -> Vec<(usize, T)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut handles = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let barrier = barrier.clone();
        let call = op(task);
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            (task, call.await)
        }));
    }
    let mut out = Vec::with_capacity(TASKS);
    for handle in handles {
        out.push(handle.await.expect("a racing task panicked"));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Grants and revokes of one grant, at once
// ---------------------------------------------------------------------------------------

/// What one task did in one round.
#[derive(Debug)]
struct Done {
    round: usize,
    task: usize,
    granted: bool,
    /// When the call returned, in the order calls returned.
    sequence: u64,
    outcome: Result<u64, String>,
}

/// Grants and revokes of overlapping sets of rows, names and users, at once: every call
/// succeeds. The rows' locks order calls on one row, but their grants lie side by side in
/// the grant table's key, where one call's inserts go next to another's deletes.
async fn grants_and_revokes_across_rows_race(db: &DatabaseConnection) {
    const ROUNDS: u64 = 30;
    let wide = pool(db, TASKS as u32).await;
    let (_, owner) = owner_profile(db).await;
    let docs: [i64; 8] = world::documents(db, owner, "row").await;
    let mut users = Vec::new();
    for name in ["u0", "u1", "u2", "u3"] {
        users.push(world::user(db, name, Role::Regular).await);
    }
    for round in 0..ROUNDS {
        let outcomes = all_at_once(|task| {
            // A fixed pseudo-random choice per round and task: the same runs every time.
            let mut seed =
                (round * TASKS as u64 + task as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut next = |n: usize| {
                seed ^= seed >> 29;
                seed = seed.wrapping_mul(0xbf58_476d_1ce4_e5b9);
                (seed >> 33) as usize % n
            };
            let granting = next(2) == 0;
            let name = ["view", "change"][next(2)];
            let first = next(docs.len());
            let rows: Vec<i64> = (0..1 + next(3))
                .map(|k| docs[(first + 2 * k) % docs.len()])
                .collect();
            let to: Vec<_> = (0..1 + next(2))
                .map(|k| uid(users[(next(4) + k) % users.len()]))
                .collect();
            let wide = wide.clone();
            async move {
                let target = Target::objects::<document::Entity>(rows);
                let grantees = Grantees::users(to);
                if granting {
                    grant(&wide, name, &target, &grantees).await.map(|()| 0)
                } else {
                    revoke(&wide, name, &target, &grantees).await
                }
            }
        })
        .await;
        assert_eq!(failures(&outcomes), Vec::<String>::new(), "round {round}");
    }
}

/// Updates by a grantee (whose right the `UPDATE` reads from the grant table) racing
/// grants and revokes of another name to the same grantee on the neighbouring rows: every
/// call succeeds, and every update is written.
async fn updates_by_a_grantee_and_grants_race(db: &DatabaseConnection) {
    const ROUNDS: usize = 10;
    let wide = pool(db, TASKS as u32).await;
    let (_, owner) = owner_profile(db).await;
    let docs: [i64; TASKS] = world::documents(db, owner, "row").await;
    let u = world::user(db, "u", Role::Regular).await;
    grant(
        db,
        "change",
        &Target::objects::<document::Entity>(docs),
        &Grantees::users([uid(u)]),
    )
    .await
    .unwrap();
    let s = Arc::new(load(db, u).await);
    for round in 0..ROUNDS {
        let outcomes = all_at_once(|task| {
            let (wide, s, id) = (wide.clone(), s.clone(), docs[task]);
            async move {
                let target = Target::object::<document::Entity>(docs[(task + 1) % TASKS]);
                let grantees = Grantees::users([uid(u)]);
                match task % 4 {
                    0 | 2 => {
                        let mut row = document::Entity::find_by_id(id)
                            .one(&wide)
                            .await?
                            .expect("the row")
                            .into_active_model();
                        row.body = Set(format!("round {round}"));
                        row.update_as(&wide, &s).await.map(|_| 0)
                    }
                    1 => grant(&wide, "view", &target, &grantees).await.map(|()| 0),
                    _ => revoke(&wide, "view", &target, &grantees).await,
                }
            }
        })
        .await;
        assert_eq!(failures(&outcomes), Vec::<String>::new(), "round {round}");
        let written = document::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .filter(|row| row.body == format!("round {round}"))
            .count();
        assert_eq!(written, TASKS / 2, "round {round}: every update written");
    }
}

/// Every call succeeds, whatever the interleaving. On MariaDB a grant that finds the row a
/// racing revocation deleted (kept, marked, until purged) locks the gap the row leaves;
/// several such grants each wait for the others to insert there, a deadlock, unless calls
/// on one row run one after another. It shows about once in some hundreds of rounds.
async fn grant_and_revoke_race_on_one_grant(db: &DatabaseConnection) {
    const MIXED_ROUNDS: usize = 150;
    let wide = pool(db, TASKS as u32).await;
    let (_, owner) = owner_profile(db).await;
    let contested = world::document(db, owner, "contested").await;
    let bystander = world::document(db, owner, "bystander").await;
    let u = world::user(db, "u", Role::Regular).await;
    let s = load(db, u).await;

    // Rounds of mixed grants and revokes, then a round of grants only, then of revokes
    // only. The order calls return in is not the order they commit in, so the state after
    // a mixed round is checked for consistency only; after a round of one kind it is exact.
    let rounds: Vec<Vec<bool>> = (0..MIXED_ROUNDS)
        .map(|round| (0..TASKS).map(|task| (task + round) % 2 == 0).collect())
        .chain([vec![true; TASKS], vec![false; TASKS]])
        .collect();
    let start = Arc::new(Barrier::new(TASKS + 1));
    let done = Arc::new(Barrier::new(TASKS + 1));
    let sequence = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Done>();
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let (wide, start, done, sequence, tx) = (
            wide.clone(),
            start.clone(),
            done.clone(),
            sequence.clone(),
            tx.clone(),
        );
        let plan: Vec<bool> = rounds.iter().map(|round| round[task]).collect();
        handles.push(tokio::spawn(async move {
            let target = Target::object::<document::Entity>(contested);
            let grantees = Grantees::users([uid(u)]);
            for (round, granted) in plan.into_iter().enumerate() {
                start.wait().await;
                let outcome = if granted {
                    grant(&wide, "view", &target, &grantees).await.map(|()| 0)
                } else {
                    revoke(&wide, "view", &target, &grantees).await
                };
                let sequence = sequence.fetch_add(1, Ordering::SeqCst);
                tx.send(Done {
                    round,
                    task,
                    granted,
                    sequence,
                    outcome: outcome.map_err(|err: OwnershipError| err.to_string()),
                })
                .expect("the checker listens");
                done.wait().await;
            }
        }));
    }
    drop(tx);

    for (round, plan) in rounds.iter().enumerate() {
        start.wait().await;
        done.wait().await;
        let mut results = Vec::with_capacity(TASKS);
        while let Ok(result) = rx.try_recv() {
            results.push(result);
        }
        assert_eq!(results.len(), TASKS, "round {round}");
        assert!(results.iter().all(|r| r.round == round));
        let errors: Vec<String> = results
            .iter()
            .filter_map(|r| {
                r.outcome.as_ref().err().map(|err| {
                    let op = if r.granted { "grant" } else { "revoke" };
                    format!("task {} {op}: {err}", r.task)
                })
            })
            .collect();
        assert!(errors.is_empty(), "round {round}: {errors:#?}");
        let removed: u64 = results
            .iter()
            .filter(|r| !r.granted)
            .map(|r| *r.outcome.as_ref().unwrap())
            .sum();
        let grants = on_document(db, contested).await;
        assert!(
            grants <= 1,
            "round {round}: {grants} grant rows, however many grants raced"
        );
        let readable = document::Entity::can_read(db, &s, contested).await.unwrap();
        assert_eq!(readable, grants == 1, "round {round}: the check agrees");
        assert_eq!(
            holders(["view"])
                .objects([ObjectRef::of::<document::Entity>(contested)])
                .users()
                .unwrap()
                .all(db)
                .await
                .unwrap()
                .len() as u64,
            grants,
            "round {round}: holders agree"
        );
        assert_eq!(
            ids(db, document::Entity::find().with_read_permission_for(&s)).await,
            if grants == 1 {
                set([contested])
            } else {
                set([])
            },
            "round {round}: the read scope is the contested object or nothing"
        );
        // When every call of the round is of one kind, the last call to return decides
        // the state, whatever order the calls committed in.
        let last = results.iter().max_by_key(|r| r.sequence).unwrap();
        if plan.iter().all(|&granted| granted == plan[0]) {
            assert_eq!(
                grants,
                u64::from(last.granted),
                "round {round}: the state is what the last call (task {}) implies",
                last.task
            );
        }
        if plan.iter().all(|&granted| !granted) && round > 0 && rounds[round - 1].iter().all(|&g| g)
        {
            assert_eq!(
                removed, 1,
                "round {round}: exactly one of the racing revokes removed the grant"
            );
        }
    }
    for handle in handles {
        handle.await.expect("a racing task panicked");
    }
    assert!(!document::Entity::can_read(db, &s, bystander).await.unwrap());
    wide.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// First grants on a new object, at once
// ---------------------------------------------------------------------------------------

async fn first_grants_on_a_new_object_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let (_, owner) = owner_profile(db).await;
    let mut users = Vec::with_capacity(TASKS);
    for i in 0..TASKS {
        users.push(world::user(db, &format!("u{i}"), Role::Regular).await);
    }
    let all_users: BTreeSet<i64> = users.iter().copied().collect();

    // On one object nobody holds anything on yet: its content type and permission rows
    // are created by whichever caller gets there first.
    let fresh = world::document(db, owner, "fresh").await;
    let before = rows(db).await;
    let outcomes = all_at_once(|task| {
        let (wide, user) = (wide.clone(), users[task]);
        async move {
            grant(
                &wide,
                "view",
                &Target::object::<document::Entity>(fresh),
                &Grantees::users([uid(user)]),
            )
            .await
        }
    })
    .await;
    assert_eq!(
        failures(&outcomes),
        Vec::<String>::new(),
        "grants on one object"
    );
    assert_eq!(on_document(db, fresh).await, TASKS as u64);
    let after = rows(db).await;
    assert_eq!(
        (
            after.object_grants - before.object_grants,
            after.permissions - before.permissions,
            after.user_grants - before.user_grants
        ),
        (TASKS as u64, 0, 0)
    );
    for &user in &users {
        assert!(
            document::Entity::can_read(db, &load(db, user).await, fresh)
                .await
                .unwrap(),
            "user {user} reads the object it was granted"
        );
    }

    // The same on a whole model and on everything: one permission row each.
    for (name, target) in [
        ("change", Target::model::<document::Entity>()),
        ("delete", Target::everything()),
    ] {
        let before = rows(db).await;
        let outcomes = all_at_once(|task| {
            let (wide, user, target) = (wide.clone(), users[task], target.clone());
            async move { grant(&wide, name, &target, &Grantees::users([uid(user)])).await }
        })
        .await;
        assert_eq!(failures(&outcomes), Vec::<String>::new(), "{name}");
        let after = rows(db).await;
        assert_eq!(
            (
                after.permissions - before.permissions,
                after.user_grants - before.user_grants
            ),
            (1, TASKS as u64),
            "{name}"
        );
        let holding = holders([name]).users().unwrap().all(db).await.unwrap();
        assert_eq!(
            holding.into_iter().collect::<BTreeSet<_>>(),
            all_users.iter().map(|&id| uid(id)).collect()
        );
    }

    // Many new objects at once, every caller granting on all of them.
    let mut batch = Vec::new();
    for i in 0..20 {
        batch.push(world::document(db, owner, &format!("batch{i}")).await);
    }
    let before = rows(db).await;
    let outcomes = all_at_once(|task| {
        let (wide, user, batch) = (wide.clone(), users[task], batch.clone());
        async move {
            grant(
                &wide,
                "view",
                &Target::objects::<document::Entity>(batch),
                &Grantees::users([uid(user)]),
            )
            .await
        }
    })
    .await;
    assert_eq!(
        failures(&outcomes),
        Vec::<String>::new(),
        "grants on 20 objects"
    );
    let after = rows(db).await;
    assert_eq!(
        (
            after.object_grants - before.object_grants,
            after.permissions - before.permissions,
            after.user_grants - before.user_grants
        ),
        (20 * TASKS as u64, 0, 0)
    );
    let s = load(db, users[TASKS - 1]).await;
    let mut expected: BTreeSet<i64> = batch.iter().copied().collect();
    expected.insert(fresh);
    assert_eq!(
        ids(
            db,
            document::Entity::find().permitted_for(&s, &Permitted::all_of(["view"]))
        )
        .await,
        expected
    );
    wide.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Inserts of one (owner, name), at once
// ---------------------------------------------------------------------------------------

async fn inserts_of_one_name_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let (owner_user, owner) = owner_profile(db).await;
    let before = rows(db).await;
    let outcomes = all_at_once(|_| {
        let wide = wide.clone();
        async move { new_document(owner, "contested").insert_owned(&wide).await }
    })
    .await;
    let inserted: Vec<&document::Model> = outcomes
        .iter()
        .filter_map(|(_, outcome)| outcome.as_ref().ok())
        .collect();
    assert_eq!(inserted.len(), 1, "exactly one insert wins");
    let others: Vec<String> = outcomes
        .iter()
        .filter_map(|(task, outcome)| match outcome {
            Err(OwnershipError::DuplicateName {
                model,
                owner: o,
                name,
            }) if (*model, o, name.as_str()) == ("document", &owner.into(), "contested") => None,
            Err(err) => Some(format!("task {task}: {err:?}")),
            Ok(_) => None,
        })
        .collect();
    assert!(others.is_empty(), "the others are duplicates: {others:#?}");
    assert_eq!(rows(db).await.documents, before.documents + 1);

    // The same name at once through the owner's authorized insert: one row, and typed
    // duplicates for the others.
    let subject = Arc::new(load(db, owner_user).await);
    let outcomes = all_at_once(|_| {
        let (wide, subject) = (wide.clone(), subject.clone());
        async move {
            new_document(owner, "contested as")
                .insert_as(&wide, &subject)
                .await
        }
    })
    .await;
    let (inserted_as, refused): (Vec<_>, Vec<_>) = outcomes
        .into_iter()
        .partition(|(_, outcome)| outcome.is_ok());
    assert_eq!(inserted_as.len(), 1, "exactly one authorized insert wins");
    let unexpected: Vec<String> = refused
        .iter()
        .filter_map(|(task, outcome)| match outcome {
            Err(OwnershipError::DuplicateName { .. }) => None,
            other => Some(format!("task {task}: {other:?}")),
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "the others are duplicates: {unexpected:#?}"
    );
    assert_eq!(rows(db).await.documents, before.documents + 2);

    // Clones of one row at once, each looking for the first free "(clone)" name: every
    // caller gets a row under a free name or a typed duplicate, never a database error.
    let original = inserted[0].clone();
    let outcomes = all_at_once(|_| {
        let (wide, original) = (wide.clone(), original.clone());
        async move { original.clone_owned(&wide, CloneOptions::new()).await }
    })
    .await;
    let mut names = BTreeSet::new();
    let mut errors = Vec::new();
    for (task, outcome) in &outcomes {
        match outcome {
            Ok(clone) => {
                assert!(names.insert(clone.name.clone()), "{} twice", clone.name);
                assert!(clone.name.starts_with("contested (clone"));
            }
            Err(OwnershipError::DuplicateName { .. }) => {}
            Err(err) => errors.push(format!("task {task}: {err:?}")),
        }
    }
    assert!(errors.is_empty(), "clones: {errors:#?}");
    assert!(!names.is_empty(), "at least one clone is written");
    assert_eq!(
        rows(db).await.documents,
        before.documents + 2 + names.len() as u64
    );
    wide.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------
// Failing half-way
// ---------------------------------------------------------------------------------------

async fn failed_grants_leave_nothing_behind(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let mut docs = Vec::new();
    for i in 0..200 {
        docs.push(world::document(db, owner, &format!("d{i}")).await);
    }
    let u = world::user(db, "u", Role::Regular).await;
    let g = world::group(db, "g", &[u]).await;
    let missing_group = g + 1_000;
    let missing_doc = docs[199] + 1_000;
    let before = rows(db).await;

    // An existing user and a missing group: nothing for the user either.
    for target in [
        Target::objects::<document::Entity>(docs.clone()),
        Target::model::<document::Entity>(),
        Target::everything(),
    ] {
        match grant(
            db,
            "view",
            &target,
            &Grantees::users([uid(u)]).and_groups([gid(g), gid(missing_group)]),
        )
        .await
        {
            Err(OwnershipError::UnknownGroups(unknown)) => {
                assert_eq!(unknown, [gid(missing_group)])
            }
            other => panic!("expected UnknownGroups, got {other:?}"),
        }
        assert_eq!(rows(db).await, before);
    }
    // 200 objects, the last missing: nothing for the 199 others.
    let mut with_missing = docs[..199].to_vec();
    with_missing.push(missing_doc);
    match grant(
        db,
        "view",
        &Target::objects::<document::Entity>(with_missing),
        &Grantees::users([uid(u)]).and_groups([gid(g)]),
    )
    .await
    {
        Err(OwnershipError::UnknownObjects { model, ids }) => {
            assert_eq!(
                (model.as_str(), ids),
                ("document", vec![Key::Int(missing_doc)])
            );
        }
        other => panic!("expected UnknownObjects, got {other:?}"),
    }
    assert_eq!(rows(db).await, before);

    // A grantee deleted while the grant runs: the grant finds the user, writes the
    // content types and permissions, then waits on the user's row for its grant row; the
    // delete commits and the grant fails. None of what it wrote stays.
    let doomed = world::user(db, "doomed", Role::Regular).await;
    let before = rows(db).await;
    let granter = Granter::connect(db).await;
    let deleting = db.begin().await.unwrap();
    assert_eq!(world::try_delete_user(&deleting, doomed).await.unwrap(), 1);
    let objects = docs[..50].to_vec();
    let granting = granter.grant(
        "view",
        Target::objects::<document::Entity>(objects),
        Grantees::users([uid(u), uid(doomed)]),
    );
    assert!(
        granter.blocked_or_done(db, &granting).await,
        "the grant finished without waiting for the deleted user's row: {:?}",
        granting.await
    );
    deleting.commit().await.unwrap();
    let outcome = granting.await.expect("the grant task");
    assert!(
        matches!(
            outcome,
            Err(OwnershipError::Db(_)) | Err(OwnershipError::UnknownUsers(_))
        ),
        "a grant to a user deleted under it fails: {outcome:?}"
    );
    let after = rows(db).await;
    assert_eq!(
        after,
        Rows {
            users: before.users - 1,
            ..before
        },
        "nothing of the failed grant is left"
    );
    assert_eq!(
        ids(
            db,
            document::Entity::find()
                .permitted_for(&load(db, u).await, &Permitted::all_of(["view"]))
        )
        .await,
        set([])
    );
    granter.close().await;
}

/// A one-connection pool to run a grant on, and a way to see whether that connection is
/// waiting for a lock.
struct Granter {
    pool: DatabaseConnection,
    connection_id: i64,
    waiting_sql: &'static str,
    poll_every: Duration,
}

impl Granter {
    async fn connect(db: &DatabaseConnection) -> Self {
        let pool = pool(db, 1).await;
        let (connection_id, waiting_sql, poll_every) = match db.get_database_backend() {
            DbBackend::Postgres => (
                i64::from(scalar::<i32>(&pool, "SELECT pg_backend_pid()", vec![]).await),
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE pid = $1 AND wait_event_type = 'Lock'",
                Duration::from_millis(5),
            ),
            _ => (
                i64::try_from(scalar::<u64>(&pool, "SELECT CONNECTION_ID()", vec![]).await)
                    .unwrap(),
                "SELECT COUNT(*) FROM information_schema.INNODB_TRX \
                 WHERE trx_mysql_thread_id = ? AND trx_state = 'LOCK WAIT'",
                Duration::from_millis(150),
            ),
        };
        Self {
            pool,
            connection_id,
            waiting_sql,
            poll_every,
        }
    }

    fn grant(
        &self,
        name: &'static str,
        target: Target,
        grantees: Grantees,
    ) -> JoinHandle<Result<(), OwnershipError>> {
        let pool = self.pool.clone();
        tokio::spawn(async move { grant(&pool, name, &target, &grantees).await })
    }

    /// Waits until the grant is blocked on a lock (true) or has finished (false), as the
    /// server reports it.
    async fn blocked_or_done<T>(&self, db: &DatabaseConnection, task: &JoinHandle<T>) -> bool {
        loop {
            if task.is_finished() {
                return false;
            }
            let waiting: i64 = scalar(db, self.waiting_sql, vec![self.connection_id.into()]).await;
            if waiting > 0 {
                return true;
            }
            // MariaDB refreshes INNODB_TRX only when it has not been read for 100 ms.
            tokio::time::sleep(self.poll_every).await;
        }
    }

    async fn close(self) {
        self.pool.close().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// A grant racing the object's deletion
// ---------------------------------------------------------------------------------------

async fn a_grant_racing_a_delete_leaves_no_grant_on_a_missing_object(db: &DatabaseConnection) {
    let (_, owner) = owner_profile(db).await;
    let doomed = world::document(db, owner, "doomed").await;
    let kept = world::document(db, owner, "kept").await;
    let u = world::user(db, "u", Role::Regular).await;
    let s = load(db, u).await;

    // The deletion (SeaORM's own) runs in a transaction left open while a grant on the
    // object runs on another connection; then the deletion commits. Serialised either
    // way, no grant outlives the object: granted first, the deletion's cascade removes
    // it; deleted first, the grant finds no object.
    let granter = Granter::connect(db).await;
    let deleting = db.begin().await.unwrap();
    assert_eq!(
        document::Entity::delete_by_id(doomed)
            .exec(&deleting)
            .await
            .unwrap()
            .rows_affected,
        1
    );
    let granting = granter.grant(
        "view",
        Target::objects::<document::Entity>([doomed, kept]),
        Grantees::users([uid(u)]),
    );
    let blocked = granter.blocked_or_done(db, &granting).await;
    deleting.commit().await.unwrap();
    let outcome = granting.await.expect("the grant task");
    match &outcome {
        Ok(()) => {}
        Err(OwnershipError::UnknownObjects { ids, .. }) => assert_eq!(ids, &[Key::Int(doomed)]),
        Err(err) => panic!("grant racing a delete: {err:?}"),
    }
    granter.close().await;

    // Nothing points at the deleted object, and a row inserted under its id later (a
    // restore) inherits nothing.
    let grants = on_document(db, doomed).await;
    document::Entity::insert(document::ActiveModel {
        id: Set(doomed),
        ..new_document(owner, "restored")
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let inherited = document::Entity::can_read(db, &s, doomed).await.unwrap();
    assert_eq!(
        (grants, inherited),
        (0, false),
        "after the race (grant {}: {outcome:?}), the deleted object keeps grants, and the \
         restored row is readable",
        if blocked { "waited" } else { "did not wait" }
    );
}

// ---------------------------------------------------------------------------------------
// Shares of one row, and a revocation racing the shares passed on from it
// ---------------------------------------------------------------------------------------

/// The one share made among `outcomes`, all the others being typed duplicates.
fn one_made_and_duplicates(outcomes: &[(usize, Result<Share, OwnershipError>)]) -> &Share {
    let made: Vec<&Share> = outcomes
        .iter()
        .filter_map(|(_, outcome)| outcome.as_ref().ok())
        .collect();
    assert_eq!(made.len(), 1, "one share: {:#?}", failures(outcomes));
    let others: Vec<String> = outcomes
        .iter()
        .filter_map(|(task, outcome)| match outcome {
            Ok(_) | Err(OwnershipError::DuplicateShare { .. }) => None,
            Err(err) => Some(format!("task {task}: {err:?}")),
        })
        .collect();
    assert!(others.is_empty(), "the others are duplicates: {others:#?}");
    made[0]
}

/// The shares stored.
async fn stored_shares(db: &DatabaseConnection) -> i64 {
    scalar(db, "SELECT COUNT(*) FROM shared_doc_share", vec![]).await
}

async fn shares_of_one_row_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let (owner, profile) = owner_profile(db).await;
    let row = shared_doc::ActiveModel {
        user_profile_id: Set(profile),
        name: Set("contested".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a shared doc")
    .id;
    let mut receivers = Vec::new();
    for task in 0..TASKS {
        receivers.push(world::user(db, &format!("receiver{task}"), Role::Regular).await);
    }
    let owner = Arc::new(load(db, owner).await);
    let first = receivers[0];

    // Every caller shares the row with the same receiver at once: one share, and typed
    // duplicates.
    let outcomes = all_at_once(|_| {
        let (wide, owner) = (wide.clone(), owner.clone());
        async move {
            let request = ShareRequest::to(Agent::User(uid(first)));
            shared_doc::Entity::share(&wide, &owner, row, &request).await
        }
    })
    .await;
    let root = one_made_and_duplicates(&outcomes).uuid;
    assert_eq!(stored_shares(db).await, 1);

    // The receiver passes the share on to every other user while the owner revokes it:
    // each pass is done or finds the share gone, and nothing passed on outlives the
    // revocation.
    let receiver = Arc::new(load(db, first).await);
    let outcomes = all_at_once(|task| {
        let (wide, owner, receiver) = (wide.clone(), owner.clone(), receiver.clone());
        let to = receivers[task];
        async move {
            if task == 0 {
                shared_doc::Entity::revoke_share(&wide, &owner, root)
                    .await
                    .map(|()| None)
            } else {
                let request = ShareRequest::to(Agent::User(uid(to)));
                shared_doc::Entity::pass_on(&wide, &receiver, root, &request)
                    .await
                    .map(Some)
            }
        }
    })
    .await;
    let unexpected: Vec<String> = outcomes
        .iter()
        .filter_map(|(task, outcome)| match outcome {
            Ok(_) | Err(OwnershipError::NotFound { .. }) if *task > 0 => None,
            Ok(None) if *task == 0 => None,
            other => Some(format!("task {task}: {other:?}")),
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(
        stored_shares(db).await,
        0,
        "the revocation took every pass with it"
    );
    for &user in &receivers {
        let subject = load(db, user).await;
        assert!(
            !shared_doc::Entity::can_read(db, &subject, row)
                .await
                .unwrap()
        );
    }
    wide.close().await.unwrap();
}

/// One owner shares rows with many receivers at once, each task its own receiver on its
/// own row and on one common row; the receivers pass them on at once; the owner revokes
/// them all at once. Every call succeeds, a pass made twice at once is one pass and typed
/// duplicates, and nothing is left shared.
async fn shares_to_many_and_their_revocations_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let (owner, profile) = owner_profile(db).await;
    let mut rows = Vec::new();
    for task in 0..=TASKS {
        let row = shared_doc::ActiveModel {
            user_profile_id: Set(profile),
            name: Set(format!("row {task}")),
            ..Default::default()
        };
        rows.push(row.insert(db).await.expect("insert a shared doc").id);
    }
    let common = rows[TASKS];
    let mut receivers = Vec::new();
    for task in 0..TASKS {
        receivers.push(world::user(db, &format!("receiver{task}"), Role::Regular).await);
    }
    let owner = Arc::new(load(db, owner).await);
    let outcomes = all_at_once(|task| {
        let (wide, owner, row) = (wide.clone(), owner.clone(), rows[task]);
        let request = ShareRequest::to(Agent::User(uid(receivers[task])));
        async move {
            let own = shared_doc::Entity::share(&wide, &owner, row, &request).await?;
            let common = shared_doc::Entity::share(&wide, &owner, common, &request).await?;
            Ok::<_, OwnershipError>([own.uuid, common.uuid])
        }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    assert_eq!(stored_shares(db).await, 2 * TASKS as i64);

    let shares: Vec<[Uuid; 2]> = outcomes
        .into_iter()
        .map(|(_, made)| made.unwrap())
        .collect();

    // Each receiver passes both its shares on to one more user at once, and one receiver
    // passes its own share on to that user from every task at once: one pass, duplicates.
    let onward = world::user(db, "onward", Role::Regular).await;
    let mut held = Vec::new();
    for &receiver in &receivers {
        held.push(Arc::new(load(db, receiver).await));
    }
    let to_onward = ShareRequest::to(Agent::User(uid(onward)));
    let outcomes = all_at_once(|task| {
        let (wide, receiver, [own, common]) = (wide.clone(), held[task].clone(), shares[task]);
        let request = to_onward.clone();
        async move {
            shared_doc::Entity::pass_on(&wide, &receiver, own, &request).await?;
            shared_doc::Entity::pass_on(&wide, &receiver, common, &request).await
        }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    assert_eq!(stored_shares(db).await, 4 * TASKS as i64);
    let someone = world::user(db, "someone", Role::Regular).await;
    let outcomes = all_at_once(|_| {
        let (wide, receiver, [own, _]) = (wide.clone(), held[0].clone(), shares[0]);
        async move {
            let request = ShareRequest::to(Agent::User(uid(someone)));
            shared_doc::Entity::pass_on(&wide, &receiver, own, &request).await
        }
    })
    .await;
    one_made_and_duplicates(&outcomes);
    let outcomes = all_at_once(|task| {
        let (wide, owner, [own, common]) = (wide.clone(), owner.clone(), shares[task]);
        async move {
            shared_doc::Entity::revoke_share(&wide, &owner, common).await?;
            shared_doc::Entity::revoke_share(&wide, &owner, own).await
        }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    assert_eq!(stored_shares(db).await, 0);
    wide.close().await.unwrap();
}

/// Clones of one row at once, each taking the first free "(clone n)" name: every clone is
/// made, under a name of its own.
async fn clones_of_one_row_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let (_, owner) = owner_profile(db).await;
    let original = world::document(db, owner, "original").await;
    let row = document::Entity::find_by_id(original)
        .one(db)
        .await
        .unwrap()
        .expect("the row");
    let outcomes = all_at_once(|_| {
        let (wide, row) = (wide.clone(), row.clone());
        async move { row.clone_owned(&wide, CloneOptions::new()).await }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    let names: BTreeSet<String> = outcomes
        .into_iter()
        .map(|(_, clone)| clone.unwrap().name)
        .collect();
    assert_eq!(names.len(), TASKS, "a name each");
}

// ---------------------------------------------------------------------------------------
// Policy assignments, at once
// ---------------------------------------------------------------------------------------

/// A user's first policy assignments, made at once: each succeeds (none finds the user's
/// principal row missing and then collides with another's insert of it), and the user ends
/// with one principal row holding one list. Then many users' first assignments at once,
/// and then their lists replaced at once.
async fn policy_assignments_race(db: &DatabaseConnection) {
    let wide = pool(db, TASKS as u32).await;
    let body = r#"{"clause": [{"effect": "allow", "action": "doc.view", "object": ["doc/*"]}]}"#;
    create_policy(db, "reader", body).await.unwrap();
    let u = world::user(db, "u", Role::Regular).await;
    let outcomes = all_at_once(|_| {
        let wide = wide.clone();
        async move {
            let principal = Principal::User(uid(u));
            assign_policies(&wide, &principal, &[PolicyAssignment::new("reader")]).await
        }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    assert_eq!(policy_principal::Entity::find().count(db).await.unwrap(), 1);
    assert_eq!(
        policy_assignment::Entity::find().count(db).await.unwrap(),
        1
    );

    // Many users' first assignments at once: none of them has an assignment to replace, so
    // each clears an empty range of the same table before inserting its own.
    let mut users = Vec::new();
    for task in 0..TASKS {
        users.push(world::user(db, &format!("newcomer {task}"), Role::Regular).await);
    }
    let outcomes = all_at_once(|task| {
        let (wide, user) = (wide.clone(), users[task]);
        async move {
            let principal = Principal::User(uid(user));
            assign_policies(&wide, &principal, &[PolicyAssignment::new("reader")]).await
        }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    let assignments = policy_assignment::Entity::find().count(db).await.unwrap();
    assert_eq!(assignments, 1 + TASKS as u64);

    // And their lists replaced at once by shorter, equal and longer ones.
    create_policy(db, "writer", body).await.unwrap();
    let list = |task: usize| {
        ["reader", "writer"][..task % 3]
            .iter()
            .map(|&name| PolicyAssignment::new(name))
            .collect::<Vec<_>>()
    };
    let outcomes = all_at_once(|task| {
        let (wide, user, list) = (wide.clone(), users[task], list(task));
        async move { assign_policies(&wide, &Principal::User(uid(user)), &list).await }
    })
    .await;
    assert_eq!(failures(&outcomes), Vec::<String>::new());
    let assignments = policy_assignment::Entity::find().count(db).await.unwrap();
    let listed: usize = (0..TASKS).map(|task| list(task).len()).sum();
    assert_eq!(assignments, 1 + listed as u64);
}

/// Assignments of two policies racing updates of their bodies and an attempt to delete one:
/// an assignment is made or finds a policy deleted, an update is made or finds its policy
/// deleted, the delete is made only if nobody holds the policy; never a database error.
async fn policy_changes_and_assignments_race(db: &DatabaseConnection) {
    const ROUNDS: usize = 10;
    let wide = pool(db, TASKS as u32).await;
    let body = |n: usize| {
        format!(
            r#"{{"clause": [{{"effect": "allow", "action": "doc.v{n}", "object": ["doc/*"]}}]}}"#
        )
    };
    let mut users = Vec::new();
    for task in 0..TASKS {
        users.push(world::user(db, &format!("u{task}"), Role::Regular).await);
    }
    for round in 0..ROUNDS {
        for name in ["first", "second"] {
            create_policy(db, &format!("{name} {round}"), &body(0))
                .await
                .unwrap();
        }
        let outcomes = all_at_once(|task| {
            let (wide, user, body) = (wide.clone(), users[task], body(task));
            let (first, second) = (format!("first {round}"), format!("second {round}"));
            async move {
                match task % 4 {
                    0 => delete_policy(&wide, &second).await,
                    1 => update_policy(&wide, &first, &body).await,
                    2 => update_policy(&wide, &second, &body).await,
                    // Some take their policies away, changing rows that hold the policies
                    // updated; the others take both.
                    _ if task % 8 == 7 => {
                        assign_policies(&wide, &Principal::User(uid(user)), &[]).await
                    }
                    _ => {
                        let list = [PolicyAssignment::new(first), PolicyAssignment::new(second)];
                        assign_policies(&wide, &Principal::User(uid(user)), &list).await
                    }
                }
            }
        })
        .await;
        let unexpected: Vec<String> = outcomes
            .iter()
            .filter_map(|(task, outcome)| match outcome {
                Ok(()) | Err(OwnershipError::UnknownPolicies(_)) => None,
                Err(OwnershipError::PolicyInUse(_)) if task % 4 == 0 => None,
                Err(err) => Some(format!("task {task}: {err}")),
            })
            .collect();
        assert_eq!(unexpected, Vec::<String>::new(), "round {round}");
    }
}

// ---------------------------------------------------------------------------------------
// Creates and deletes of one owner's rows under an ACL template, at once
// ---------------------------------------------------------------------------------------

/// Rows created and deleted at once by one owner, each create writing its template's
/// grants and each delete taking its row's grants with it: every call succeeds, and the
/// rows left hold exactly their template grants.
async fn creates_and_deletes_under_a_template_race(db: &DatabaseConnection) {
    const ROUNDS: usize = 10;
    let wide = pool(db, TASKS as u32).await;
    let (owner, profile) = owner_profile(db).await;
    let team = world::group(db, "team", &[]).await;
    let template = AclTemplate::new(
        TypedGrantee::new("user", uid(owner).into_key()),
        TypedGrantee::new(ownership_tests::TEAM, gid(team).into_key()),
        Level::All,
    );
    create_acl_template(db, &template).await.unwrap();
    let s = Arc::new(load(db, owner).await);
    let create = |name: String| {
        let (wide, s) = (wide.clone(), s.clone());
        async move {
            let row = new_document(profile, &name).insert_as(&wide, &s).await?;
            Ok::<i64, OwnershipError>(row.id)
        }
    };
    let mut existing = Vec::new();
    for task in 0..TASKS / 2 {
        existing.push(create(format!("first {task}")).await.unwrap());
    }
    for round in 0..ROUNDS {
        let doomed = existing.clone();
        let outcomes = all_at_once(|task| {
            let (wide, s) = (wide.clone(), s.clone());
            let created = create(format!("round {round} task {task}"));
            let doomed = doomed.get(task).copied();
            async move {
                match doomed {
                    Some(id) => document::Entity::delete_as(&wide, &s, id)
                        .await
                        .map(|()| None),
                    None => created.await.map(Some),
                }
            }
        })
        .await;
        assert_eq!(failures(&outcomes), Vec::<String>::new(), "round {round}");
        existing = outcomes
            .into_iter()
            .filter_map(|(_, outcome)| outcome.unwrap())
            .collect();
        let (user_grants, group_grants) = world::object_grants(db).await;
        assert_eq!(
            (user_grants, group_grants),
            (0, 3 * existing.len() as u64),
            "round {round}: the template's three grants on each row left, none on the others"
        );
    }
}
