//! The oracle suite: random worlds, each followed by a few random operations, where after
//! every step each scope, check, holders question and holding of every subject is compared
//! with an in-memory model of the rules (`ownership_tests::oracle`).
//!
//! The subjects of a step are every user as loaded now (and as loaded before the
//! operations, when that differs), anonymous, and a user deleted after loading, all reading
//! the time from one manual clock per world, moved forward after each operation. Each is
//! asked the four scopes, `permitted_for` with all 16 option combinations of one of the
//! scenario's name lists (a different list at each step), `available_to` and
//! `with_capability_for` with each root name of `shared_doc` and one outside them, on each
//! entity, in one `UNION ALL` statement per entity, and `can_read` / `can_manage` on every
//! id the entity ever had and one it never had (`has_capability` too on `shared_doc`, with
//! one name per id). The keyset pages of read, manage, shared and three of the
//! `permitted_for` option sets are walked two rows at a time and must list the oracle's
//! rows in id order. Each subject looks a few shares up by uuid (`access`). One subject a
//! step, each in turn, is asked the per-row answers on each entity: `permitted_actions` on
//! every id (its read, manage, delete and share flags), `check_access` for one row and
//! action, and `explain` of reading every id, whose access and reasons (owner, staff,
//! the read options, superuser, each grant and share that admits the row) must be the
//! oracle's.
//!
//! Shares of `shared_doc` rows are made once the world is written and by the operations:
//! `share`, `pass_on` and `revoke_share` by one of the step's subjects, mostly one the
//! oracle expects to be allowed; each outcome (the share made, or the kind of error) must
//! be the oracle's, and the share tables must then hold exactly the oracle's shares, so a
//! refused operation wrote nothing.
//!
//! The authorized writes (rule 9) are operations too, on every entity: `insert_as` (an
//! owner the actor may own or not, a name its owner may already use), `update_as` (a
//! rename, a move to another owner, both or neither), `delete_as`, and `grant_as`,
//! `grant_level_as` and `revoke_as` on a few rows for a few users and groups, each by one
//! of the step's subjects, mostly one the oracle expects to be allowed. Each outcome (the
//! row written, how many grants went, or the kind of error: `NotFound`,
//! `PermissionDenied`, `DuplicateName`, `UnknownUsers`, ...) must be the oracle's, and the
//! tables (owned rows, grants, shares) must then hold exactly the oracle's world, so a
//! refused write wrote nothing. The run prints how many share operations and writes ended
//! each way.
//!
//! `OWNERSHIP_WORLDS` sets how many worlds each backend checks (default: 500 on SQLite, 100
//! on PostgreSQL and MariaDB); `OWNERSHIP_WORKERS` spreads them over that many threads
//! (default 1), each with its own database and seed. A disagreement fails with the shrunk
//! scenario, the subject, both answers and the SQL of the disagreeing query.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ownership_core::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use ownership_core::entity::object_share;
use ownership_core::entity::{permission, permission_group, permission_user};
use ownership_core::{
    Access, Action, Actions, Agent, AuthorizedActiveModelExt, AuthorizedDeletes, AuthorizedGrants,
    CloneOptions, Grantees, HeldPermission, HolderIds, IdOf, Key, Level, ManualClock, ObjectRef,
    OwnedActiveModelExt, OwnedEntity, OwnedModelExt, OwnershipAccess, OwnershipChecks,
    OwnershipCounts, OwnershipError, OwnershipExplain, OwnershipPages, OwnershipScopes,
    OwnershipShares, Permitted, ProfileId, ScopePage, Share, ShareRequest, ShareScopes, Subject,
    Target, Uuid, grant, holders, permissions_of, revoke,
};
use ownership_core::{GrantOn, Reason, Via};
use ownership_tests::app_identity;
use ownership_tests::entities::{document, note, shared_doc, uuid_doc};
use ownership_tests::oracle::{
    self, Ask, Grantee, HoldersQuestion, Model, Power, Profile, Refusal, Row, ShareAsk, Who, World,
};
use ownership_tests::random_world::{
    ActorChoice, AgentChoice, GenGrantChange, GenHolders, GenOp, GenShareOp, GenShareRequest,
    GenUser, GenWrite, GranteeChoice, MODEL_NAMES, NAMES, NameChoice, OwnerChoice, ROW_NAMES,
    SHARE_NAMES, Scenario, ShareChoice, TargetChoice, Written, clear, scenario, write_world,
};
use ownership_tests::world::{self, gid, uid};
use ownership_tests::world::{uuid_doc_handle, uuid_doc_id, walk_page_keys};
use ownership_tests::{Backend, TestDb, count_from_env};
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use sea_orm::ActiveValue::{NotSet, Unchanged};
use sea_orm::sea_query::{Alias, Expr, Query, UnionType};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr,
    EntityName, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, QueryTrait, Select, Set,
    SqlErr,
};

/// The name lists every scenario asks `permitted_for` with, besides its two random ones.
const FIXED_NAME_LISTS: [&[&str]; 3] = [
    &["view"],
    &["change", "delete"],
    &["view", "change", "delete", "share"],
];

#[test]
fn sqlite() {
    run(Backend::Sqlite, 500);
}

#[test]
fn postgres() {
    run(Backend::Postgres, 100);
}

#[test]
fn mysql() {
    run(Backend::MySql, 100);
}

#[test]
fn the_oracle_names_the_entities_models_and_permissions() {
    for (model, name, read, manage) in [
        (
            Model::Document,
            document::Entity::MODEL_NAME,
            document::Entity::READ_PERMISSION,
            document::Entity::MANAGE_PERMISSION,
        ),
        (
            Model::Note,
            note::Entity::MODEL_NAME,
            note::Entity::READ_PERMISSION,
            note::Entity::MANAGE_PERMISSION,
        ),
        (
            Model::UuidDoc,
            uuid_doc::Entity::MODEL_NAME,
            uuid_doc::Entity::READ_PERMISSION,
            uuid_doc::Entity::MANAGE_PERMISSION,
        ),
        (
            Model::SharedDoc,
            shared_doc::Entity::MODEL_NAME,
            shared_doc::Entity::READ_PERMISSION,
            shared_doc::Entity::MANAGE_PERMISSION,
        ),
    ] {
        assert_eq!(model.name(), name);
        assert_eq!(model.read_permission(), read);
        assert_eq!(model.manage_permission(), manage);
    }
    for (model, delete) in [
        (Model::Document, document::Entity::DELETE_PERMISSION),
        (Model::Note, note::Entity::DELETE_PERMISSION),
        (Model::UuidDoc, uuid_doc::Entity::DELETE_PERMISSION),
        (Model::SharedDoc, shared_doc::Entity::DELETE_PERMISSION),
    ] {
        assert_eq!(model.delete_permission(), delete, "{model:?}");
    }
    for (model, root) in [
        (Model::Document, document::Entity::SHARE_ROOT),
        (Model::Note, note::Entity::SHARE_ROOT),
        (Model::UuidDoc, uuid_doc::Entity::SHARE_ROOT),
        (Model::SharedDoc, shared_doc::Entity::SHARE_ROOT),
    ] {
        assert_eq!(model.root_grants(), root, "{model:?}");
    }
}

/// What a run counted, summed over its workers.
#[derive(Default)]
struct Stats {
    worlds: AtomicU64,
    subjects: AtomicU64,
    comparisons: AtomicU64,
    /// How many share operations ended each way ("share: Ok", "pass_on: NotFound", ...).
    share_outcomes: Outcomes,
    /// How many authorized writes ended each way ("insert_as: Ok", "delete_as: NotFound",
    /// ...).
    write_outcomes: Outcomes,
}

impl Stats {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// How many operations of each kind ended each way.
#[derive(Default)]
struct Outcomes(Mutex<BTreeMap<String, u64>>);

impl Outcomes {
    fn record(&self, operation: &str, outcome: &str) {
        let mut outcomes = self.0.lock().expect("the outcomes");
        *outcomes
            .entry(format!("{operation}: {outcome}"))
            .or_default() += 1;
    }

    /// "operation: outcome count" for each, in order.
    fn summary(&self) -> String {
        let outcomes = self.0.lock().expect("the outcomes");
        let outcomes: Vec<String> = outcomes.iter().map(|(k, n)| format!("{k} {n}")).collect();
        outcomes.join(", ")
    }
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
    }
}

/// Checks `OWNERSHIP_WORLDS` worlds (default `default_worlds`) on `backend`, spread over
/// `OWNERSHIP_WORKERS` threads (default 1), each with its own database and random seed.
fn run(backend: Backend, default_worlds: u32) {
    let worlds = count_from_env("OWNERSHIP_WORLDS", default_worlds);
    let workers = count_from_env("OWNERSHIP_WORKERS", 1).min(worlds);
    let stats = Stats::default();
    let failed = AtomicBool::new(false);
    let started = Instant::now();
    let outcomes: Vec<WorkerOutcome> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let share = worlds / workers + u32::from(worker < worlds % workers);
                let (stats, failed) = (&stats, &failed);
                scope.spawn(move || run_worker(backend, worker, share, stats, failed))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("an oracle worker"))
            .collect()
    });
    let elapsed = started.elapsed();
    let name = backend_name(backend);
    for outcome in outcomes {
        let WorkerOutcome::Failed(error) = outcome else {
            continue;
        };
        match *error {
            TestError::Fail(reason, scenario) => {
                panic!("oracle {name}: {reason}\n\nminimal scenario: {scenario:#?}")
            }
            TestError::Abort(reason) => panic!("oracle {name}: aborted: {reason}"),
        }
    }
    let worlds = stats.worlds.load(Ordering::Relaxed);
    if worlds == 0 {
        return;
    }
    println!(
        "oracle {name}: worlds {worlds}, subjects {}, comparisons {}, disagreements 0",
        stats.subjects.load(Ordering::Relaxed),
        stats.comparisons.load(Ordering::Relaxed)
    );
    println!(
        "oracle {name}: share operations: {}",
        stats.share_outcomes.summary()
    );
    println!(
        "oracle {name}: authorized writes: {}",
        stats.write_outcomes.summary()
    );
    println!(
        "oracle {name}: {:.1}s with {workers} worker(s), {:.1} ms per world",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / worlds as f64
    );
}

/// How one worker's share of the worlds went.
enum WorkerOutcome {
    Passed,
    /// The backend is not configured.
    Skipped,
    Failed(Box<TestError<Scenario>>),
}

/// Checks `worlds` worlds on a database of the worker's own. Stops early, passing, once
/// another worker has failed, so that a long run reports the first disagreement soon.
fn run_worker(
    backend: Backend,
    worker: u32,
    worlds: u32,
    stats: &Stats,
    failed: &AtomicBool,
) -> WorkerOutcome {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let Some(test_db) = runtime.block_on(TestDb::create(backend)) else {
        return WorkerOutcome::Skipped;
    };
    let db = runtime.block_on(connect_with_large_statement_cache(&test_db));
    let defaults = Config::default();
    // A seed given with PROPTEST_RNG_SEED reproduces a run; each worker offsets it so that
    // the workers do not check the same worlds.
    let rng_seed = match defaults.rng_seed {
        RngSeed::Fixed(seed) => RngSeed::Fixed(seed.wrapping_add(u64::from(worker))),
        RngSeed::Random => RngSeed::Random,
    };
    let mut runner = TestRunner::new(Config {
        cases: worlds,
        failure_persistence: None,
        max_shrink_time: 180_000,
        rng_seed,
        ..defaults
    });
    let result = runner.run(&scenario(), |scenario| {
        if failed.load(Ordering::Relaxed) {
            return Ok(());
        }
        runtime.block_on(check_scenario(&db, backend, &scenario, stats))
    });
    if result.is_err() {
        failed.store(true, Ordering::Relaxed);
    }
    runtime.block_on(async {
        let _ = db.close().await;
        test_db.drop_database().await;
    });
    match result {
        Ok(()) => WorkerOutcome::Passed,
        Err(err) => WorkerOutcome::Failed(Box::new(err)),
    }
}

/// How many prepared statements each connection keeps. The suite runs hundreds of
/// distinct statements (the scopes' SQL differs with the subject's profiles and groups);
/// with the drivers' default of 100, statements are evicted and prepared again all the
/// time, and on MySQL every eviction sends a reply-less `COM_STMT_CLOSE` that stalls the
/// next statement behind TCP's delayed acknowledgement.
const STATEMENT_CACHE: usize = 2_500;

/// A second connection pool to the test database, with a large statement cache and, on
/// MySQL, few enough connections to stay far below the server's limit of prepared
/// statements.
async fn connect_with_large_statement_cache(test_db: &TestDb) -> DatabaseConnection {
    let db = &test_db.db;
    let backend = db.get_database_backend();
    let ask =
        |sql: &str| db.query_one_raw(sea_orm::Statement::from_string(backend, sql.to_owned()));
    let mut options = match test_db.backend() {
        Backend::Sqlite => {
            let row = ask("PRAGMA database_list").await.expect("the SQLite file");
            let file: String = row.expect("a main database").try_get_by_index(2).unwrap();
            let mut options = ConnectOptions::new(format!("sqlite://{file}?mode=rwc"));
            // A throwaway file needs no durability: without these, every write waits for
            // fsync and recreates the rollback journal.
            options.map_sqlx_sqlite_opts(|o| {
                o.statement_cache_capacity(STATEMENT_CACHE)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Off)
            });
            options
        }
        Backend::Postgres => {
            let row = ask("SELECT current_schema()").await.expect("the schema");
            let schema: String = row.expect("a schema").try_get_by_index(0).unwrap();
            let url = std::env::var("OWNERSHIP_TEST_POSTGRES_URL").expect("the PostgreSQL URL");
            let mut options = ConnectOptions::new(url);
            options
                .set_schema_search_path(schema)
                .map_sqlx_postgres_opts(|o| o.statement_cache_capacity(STATEMENT_CACHE));
            options
        }
        Backend::MySql => {
            let row = ask("SELECT DATABASE()").await.expect("the database");
            let database: String = row.expect("a database").try_get_by_index(0).unwrap();
            let url = std::env::var("OWNERSHIP_TEST_MYSQL_URL").expect("the MySQL URL");
            let mut options = ConnectOptions::new(url);
            options.map_sqlx_mysql_opts(move |o| {
                o.database(&database)
                    .statement_cache_capacity(STATEMENT_CACHE)
            });
            options
        }
    };
    options.max_connections(4).sqlx_logging(false);
    Database::connect(options)
        .await
        .expect("connect to the test database")
}

// ---------------------------------------------------------------------------------------
// The questions asked of every subject
// ---------------------------------------------------------------------------------------

/// One scope of one subject.
#[derive(Clone, Debug)]
enum Question {
    Owned,
    Read,
    Manage,
    Shared,
    Permitted(Ask),
    /// `available_to`.
    Available,
    /// `with_capability_for` with one name.
    Capability(&'static str),
}

impl Question {
    /// The four scopes, then `permitted_for` with one name list and all 16 options, then
    /// `available_to` and `with_capability_for` with each of [`SHARE_NAMES`].
    fn for_names(names: &[&str]) -> Vec<Question> {
        let mut questions = vec![
            Question::Owned,
            Question::Read,
            Question::Manage,
            Question::Shared,
        ];
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        questions.extend(
            Ask::all_options(&names)
                .into_iter()
                .map(Question::Permitted),
        );
        questions.push(Question::Available);
        questions.extend(SHARE_NAMES.into_iter().map(Question::Capability));
        questions
    }

    fn expected(&self, world: &World, who: &Who, model: Model) -> BTreeSet<i64> {
        match self {
            Question::Owned => world.owned_by(who, model),
            Question::Read => world.read(who, model),
            Question::Manage => world.manage(who, model),
            Question::Shared => world.shared_with(who, model),
            Question::Permitted(ask) => world.permitted_for(who, model, ask),
            Question::Available => world.available_to(who, model),
            Question::Capability(name) => world.with_capability_for(who, model, name),
        }
    }

    fn select<E: OwnedEntity>(&self, subject: &Subject) -> Select<E> {
        let find = E::find();
        match self {
            Question::Owned => find.owned_by(subject),
            Question::Read => find.with_read_permission_for(subject),
            Question::Manage => find.with_manage_permission_for(subject),
            Question::Shared => find.shared_with(subject),
            Question::Permitted(ask) => find.permitted_for(subject, &permitted(ask)),
            Question::Available => find.available_to(subject),
            Question::Capability(name) => find.with_capability_for(subject, name),
        }
    }

    /// The keyset page of this scope, for the scopes that have one.
    fn page<'a, E: OwnedEntity>(
        &self,
        subject: &'a Subject,
        permitted: &'a Option<Permitted>,
        size: u64,
    ) -> Option<ScopePage<'a, E>> {
        match (self, permitted) {
            (Question::Read, _) => Some(E::readable_page(subject, size)),
            (Question::Manage, _) => Some(E::manageable_page(subject, size)),
            (Question::Shared, _) => Some(E::shared_page(subject, size)),
            (Question::Permitted(_), Some(permitted)) => {
                Some(E::permitted_page(subject, permitted, size))
            }
            _ => None,
        }
    }

    fn describe(&self, model: Model) -> String {
        let entity = entity_name(model);
        let scope = match self {
            Question::Owned => "owned_by(&s)".to_owned(),
            Question::Read => "with_read_permission_for(&s)".to_owned(),
            Question::Manage => "with_manage_permission_for(&s)".to_owned(),
            Question::Shared => "shared_with(&s)".to_owned(),
            Question::Available => "available_to(&s)".to_owned(),
            Question::Capability(name) => format!("with_capability_for(&s, {name:?})"),
            Question::Permitted(ask) => {
                let mut p = format!(
                    "permitted_for(&s, &Permitted::{}({:?})",
                    if ask.any { "any_of" } else { "all_of" },
                    ask.names
                );
                if !ask.with_groups {
                    p.push_str(".without_groups()");
                }
                if !ask.model_wide {
                    p.push_str(".objects_only()");
                }
                if !ask.superuser_bypass {
                    p.push_str(".without_superuser_bypass()");
                }
                p.push(')');
                p
            }
        };
        format!("{entity}::Entity::find().{scope}")
    }
}

fn permitted(ask: &Ask) -> Permitted {
    let mut p = if ask.any {
        Permitted::any_of(ask.names.clone())
    } else {
        Permitted::all_of(ask.names.clone())
    };
    if !ask.with_groups {
        p = p.without_groups();
    }
    if !ask.model_wide {
        p = p.objects_only();
    }
    if !ask.superuser_bypass {
        p = p.without_superuser_bypass();
    }
    p
}

/// An id of a model read back from a query.
fn id_of(model: Model, row: &sea_orm::QueryResult, index: usize) -> Result<i64, DbErr> {
    match model {
        Model::Document | Model::SharedDoc => row.try_get_by_index::<i64>(index),
        Model::Note => row.try_get_by_index::<i32>(index).map(i64::from),
        Model::UuidDoc => row.try_get_by_index::<Uuid>(index).map(uuid_doc_handle),
    }
}

/// The integer the oracle names a row by, of the library's key of it.
fn handle_of(key: &Key) -> i64 {
    match key {
        Key::Int(id) => *id,
        Key::Uuid(id) => uuid_doc_handle(*id),
        Key::Text(text) => panic!("no oracle entity has string keys: {text:?}"),
    }
}

/// The ids one scoped query selects.
async fn ids_of<E: OwnedEntity>(
    db: &DatabaseConnection,
    model: Model,
    select: Select<E>,
) -> Result<BTreeSet<i64>, DbErr> {
    let query = select.select_only().column(E::id_column()).into_query();
    db.query_all(&query)
        .await?
        .iter()
        .map(|row| id_of(model, row, 0))
        .collect()
}

/// The answers of every question for one subject and model, in one statement: the
/// questions' selects joined with `UNION ALL`, each row labelled with its question.
async fn answers_of<E: OwnedEntity>(
    db: &DatabaseConnection,
    model: Model,
    subject: &Subject,
    questions: &[Question],
) -> Result<Vec<BTreeSet<i64>>, DbErr> {
    let mut selects = questions.iter().enumerate().map(|(k, question)| {
        question
            .select::<E>(subject)
            .select_only()
            .expr_as(Expr::cust(format!("'{k}'")), "question")
            .column(E::id_column())
            .into_query()
    });
    let mut union = selects.next().expect("at least one question");
    union.unions(selects.map(|select| (UnionType::All, select)));
    let mut answers = vec![BTreeSet::new(); questions.len()];
    for row in db.query_all(&union).await? {
        let label: String = row.try_get_by_index(0)?;
        let k: usize = label
            .parse()
            .map_err(|_| DbErr::Custom(format!("question label {label:?}")))?;
        answers[k].insert(id_of(model, &row, 1)?);
    }
    Ok(answers)
}

/// The questions whose keyset pages are walked: read, manage, shared, and `permitted_for`
/// all-of and any-of with the default options, and any-of with none of them.
const PAGED_QUESTIONS: [usize; 6] = [1, 2, 3, 4, 12, 19];

/// Rows per keyset page: small, so that most scopes take several pages and every branch's
/// limit is reached.
const PAGE_SIZE: u64 = 2;

/// The walked pages of the [`PAGED_QUESTIONS`] a subject is asked.
async fn pages_of<E: OwnedEntity>(
    db: &DatabaseConnection,
    subject: &Subject,
    questions: &[Question],
) -> Result<Vec<(usize, Vec<i64>)>, DbErr> {
    let mut pages = Vec::new();
    for k in PAGED_QUESTIONS {
        let Some(question) = questions.get(k) else {
            continue;
        };
        let permitted = match question {
            Question::Permitted(ask) => Some(permitted(ask)),
            _ => None,
        };
        if let Some(first) = question.page::<E>(subject, &permitted, PAGE_SIZE) {
            let keys = walk_page_keys(db, first, PAGE_SIZE).await?;
            pages.push((k, keys.iter().map(handle_of).collect()));
        }
    }
    Ok(pages)
}

/// The counts of the [`PAGED_QUESTIONS`] that have one (every one but the shared scope).
async fn counts_of<E: OwnedEntity>(
    db: &DatabaseConnection,
    subject: &Subject,
    questions: &[Question],
) -> Result<Vec<(usize, u64)>, OwnershipError> {
    let mut counts = Vec::new();
    for k in PAGED_QUESTIONS {
        let counted = match questions.get(k) {
            Some(Question::Read) => E::readable_count(db, subject).await?,
            Some(Question::Manage) => E::manageable_count(db, subject).await?,
            Some(Question::Permitted(ask)) => {
                E::permitted_count(db, subject, &permitted(ask)).await?
            }
            _ => continue,
        };
        counts.push((k, counted));
    }
    Ok(counts)
}

/// What the library answered for one subject and one model.
struct ModelAnswers {
    scopes: Vec<BTreeSet<i64>>,
    /// Question index and the ids its keyset pages listed, in order.
    pages: Vec<(usize, Vec<i64>)>,
    /// Question index and the number its count gave.
    counts: Vec<(usize, u64)>,
    can_read: Vec<(i64, bool)>,
    can_manage: Vec<(i64, bool)>,
    /// `has_capability` with one of [`SHARE_NAMES`] per id (`shared_doc` only).
    capabilities: Vec<(i64, &'static str, bool)>,
}

/// What the library answered for one subject.
struct SubjectAnswers {
    models: BTreeMap<Model, ModelAnswers>,
    /// `access` of each uuid asked.
    access: Vec<(Uuid, Result<Share, OwnershipError>)>,
}

async fn can(
    db: &DatabaseConnection,
    model: Model,
    subject: &Subject,
    id: i64,
    manage: bool,
) -> Result<bool, OwnershipError> {
    match (model, manage) {
        (Model::Document, false) => document::Entity::can_read(db, subject, id).await,
        (Model::Document, true) => document::Entity::can_manage(db, subject, id).await,
        (Model::Note, false) => note::Entity::can_read(db, subject, note_id(id)).await,
        (Model::Note, true) => note::Entity::can_manage(db, subject, note_id(id)).await,
        (Model::UuidDoc, false) => uuid_doc::Entity::can_read(db, subject, uuid_doc_id(id)).await,
        (Model::UuidDoc, true) => uuid_doc::Entity::can_manage(db, subject, uuid_doc_id(id)).await,
        (Model::SharedDoc, false) => shared_doc::Entity::can_read(db, subject, id).await,
        (Model::SharedDoc, true) => shared_doc::Entity::can_manage(db, subject, id).await,
    }
}

fn note_id(id: i64) -> i32 {
    i32::try_from(id).expect("note ids fit an i32")
}

/// The name `has_capability` is asked with on the `k`-th id checked, for the subject's
/// `rotation`: each name in turn.
fn capability_name(rotation: usize, k: usize) -> &'static str {
    SHARE_NAMES[(rotation + k) % SHARE_NAMES.len()]
}

/// Everything the library answers for one subject: `rotation` picks the names
/// `has_capability` is asked with, `uuids` the shares looked up.
async fn subject_answers(
    db: DatabaseConnection,
    subject: Subject,
    questions: Arc<Vec<Question>>,
    check_ids: Arc<BTreeMap<Model, Vec<i64>>>,
    rotation: usize,
    uuids: Vec<Uuid>,
) -> Result<SubjectAnswers, DbErr> {
    let mut out = BTreeMap::new();
    for model in Model::ALL {
        let (scopes, pages, counts) = match model {
            Model::Document => (
                answers_of::<document::Entity>(&db, model, &subject, &questions).await?,
                pages_of::<document::Entity>(&db, &subject, &questions).await?,
                counts_of::<document::Entity>(&db, &subject, &questions)
                    .await
                    .map_err(DbErr::from)?,
            ),
            Model::Note => (
                answers_of::<note::Entity>(&db, model, &subject, &questions).await?,
                pages_of::<note::Entity>(&db, &subject, &questions).await?,
                counts_of::<note::Entity>(&db, &subject, &questions)
                    .await
                    .map_err(DbErr::from)?,
            ),
            Model::UuidDoc => (
                answers_of::<uuid_doc::Entity>(&db, model, &subject, &questions).await?,
                pages_of::<uuid_doc::Entity>(&db, &subject, &questions).await?,
                counts_of::<uuid_doc::Entity>(&db, &subject, &questions)
                    .await
                    .map_err(DbErr::from)?,
            ),
            Model::SharedDoc => (
                answers_of::<shared_doc::Entity>(&db, model, &subject, &questions).await?,
                pages_of::<shared_doc::Entity>(&db, &subject, &questions).await?,
                counts_of::<shared_doc::Entity>(&db, &subject, &questions)
                    .await
                    .map_err(DbErr::from)?,
            ),
        };
        let mut can_read = Vec::new();
        let mut can_manage = Vec::new();
        let mut capabilities = Vec::new();
        for (k, &id) in check_ids[&model].iter().enumerate() {
            can_read.push((id, can(&db, model, &subject, id, false).await?));
            can_manage.push((id, can(&db, model, &subject, id, true).await?));
            if model == Model::SharedDoc {
                let name = capability_name(rotation, k);
                let held = shared_doc::Entity::has_capability(&db, &subject, name, id)
                    .await
                    .map_err(DbErr::from)?;
                capabilities.push((id, name, held));
            }
        }
        out.insert(
            model,
            ModelAnswers {
                scopes,
                pages,
                counts,
                can_read,
                can_manage,
                capabilities,
            },
        );
    }
    let mut access = Vec::new();
    for uuid in uuids {
        access.push((uuid, shared_doc::Entity::access(&db, &subject, uuid).await));
    }
    Ok(SubjectAnswers {
        models: out,
        access,
    })
}

// ---------------------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------------------

async fn check_scenario(
    db: &DatabaseConnection,
    backend: Backend,
    scenario: &Scenario,
    stats: &Stats,
) -> Result<(), TestCaseError> {
    Stats::add(&stats.worlds, 1);
    let fail = |what: &str, err: &dyn std::fmt::Display| {
        TestCaseError::fail(format!("{what}: {err}\nworld: {:#?}", scenario.world))
    };
    clear(db)
        .await
        .map_err(|err| fail("clearing the database", &err))?;
    let mut written = write_world(db, &scenario.world)
        .await
        .map_err(|err| fail("writing the world", &err))?;
    let clock = Arc::new(ManualClock::at(
        UNIX_EPOCH + Duration::from_millis(CLOCK_START_MS as u64),
    ));
    written.deleted_subject = written.deleted_subject.clone().with_clock(clock.clone());
    let mut initial = BTreeMap::new();
    for &user in &written.users {
        let subject = Subject::load(db, uid(user))
            .await
            .map_err(|err| fail("loading a subject", &err))?;
        initial.insert(user, subject.with_clock(clock.clone()));
    }
    let mut world = written.world.clone();
    world.now_ms = CLOCK_START_MS;
    let mut case = Case {
        db,
        backend,
        scenario,
        stats,
        question_sets: FIXED_NAME_LISTS
            .iter()
            .copied()
            .chain(scenario.name_lists.iter().map(Vec::as_slice))
            .map(|names| Arc::new(Question::for_names(names)))
            .collect(),
        world,
        rows_ever: written.rows.clone(),
        written,
        initial,
        clock,
        shares_ever: Vec::new(),
        unknown_share: Uuid::new_v4(),
        log: vec!["the generated world is written".to_owned()],
    };
    if !scenario.setup_shares.is_empty() {
        case.share_ops(&scenario.setup_shares).await?;
        case.log.push(format!(
            "{} share operation(s) on the written world",
            scenario.setup_shares.len()
        ));
    }
    case.check_step().await?;
    for (op, &clock_move) in scenario.ops.iter().zip(&scenario.clock_moves) {
        case.apply(op).await?;
        if clock_move > 0 {
            case.clock.advance(Duration::from_millis(clock_move));
            case.world.now_ms += clock_move as i64;
            let last = case.log.last_mut().expect("a step was logged");
            let _ = write!(
                last,
                "; the clock moves {clock_move} ms to {}",
                case.world.now_ms
            );
        }
        case.check_step().await?;
    }
    Ok(())
}

/// Where each world's clock starts, in milliseconds since the Unix epoch.
const CLOCK_START_MS: i64 = 1_800_000_000_000;

/// How many shares each subject looks up by uuid at each step, at most.
const ACCESS_SAMPLE: usize = 3;

/// One scenario under way: the oracle's world and what happened so far.
struct Case<'a> {
    db: &'a DatabaseConnection,
    backend: Backend,
    scenario: &'a Scenario,
    stats: &'a Stats,
    /// The questions for each name list `permitted_for` is asked with.
    question_sets: Vec<Arc<Vec<Question>>>,
    written: Written,
    /// The oracle's world, kept in step with the database.
    world: World,
    /// Every row id each model ever had, in creation order.
    rows_ever: BTreeMap<Model, Vec<i64>>,
    /// Each user's subject as loaded before the first operation.
    initial: BTreeMap<i64, Subject>,
    /// The clock every subject reads.
    clock: Arc<ManualClock>,
    /// Every share made, in order, revoked ones included.
    shares_ever: Vec<Uuid>,
    /// A uuid no share has.
    unknown_share: Uuid,
    /// What was done, for the report.
    log: Vec<String>,
}

/// A subject to check: a label, who it is for the oracle, and the snapshot.
struct Asker {
    label: String,
    who: Who,
    subject: Subject,
    /// The four scopes and `permitted_for` with one of the name lists, a different one at
    /// each step, and the share scopes.
    questions: Arc<Vec<Question>>,
}

/// One of the subjects of a step: a label, who it is for the oracle, and the snapshot.
struct Someone {
    label: String,
    who: Who,
    subject: Subject,
}

/// The oracle's view of a subject: the user id it was loaded for, which user with that id
/// it was (the id's incarnation when loaded), the whole-model grants its snapshot holds,
/// and whether it holds a profile.
fn who_is(user: Option<i64>, incarnation: u32, subject: &Subject) -> Who {
    Who {
        user,
        incarnation,
        whole_model_grants: subject
            .user()
            .map(|u| {
                u.whole_model_grants
                    .iter()
                    .map(|g| (g.name.clone(), g.model_name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        has_profiles: subject.user().is_some_and(|u| !u.profiles.is_empty()),
    }
}

fn pick(index: Index, ids: &[i64]) -> Option<i64> {
    (!ids.is_empty()).then(|| ids[index.index(ids.len())])
}

fn pick_uuid(index: Index, uuids: &[Uuid]) -> Option<Uuid> {
    (!uuids.is_empty()).then(|| uuids[index.index(uuids.len())])
}

fn library_target(target: &oracle::Target) -> Target {
    match target {
        oracle::Target::Everything => Target::everything(),
        oracle::Target::Model(name) => Target::model_named(name.clone()),
        oracle::Target::Objects(model, ids) => {
            ownership_tests::random_world::target(*model, ids.iter().copied())
        }
    }
}

/// Whether a database error is a foreign key refusing the write. SQLite reports an
/// `ON DELETE RESTRICT` refusal with the code of a trigger (1811), which SeaORM does not
/// classify, so its message is recognised too.
fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) || err.to_string().contains("FOREIGN KEY constraint failed")
}

/// Whether the typed ids of an error are the ids of these handles, in order.
fn same_ids<I: AsRef<Key>>(ids: &[i64], got: &[I]) -> bool {
    ids.iter()
        .copied()
        .eq(got.iter().map(|id| world::handle(id.as_ref())))
}

/// Whether a library error is one of the refusals the oracle expects.
fn refused_as_expected(err: &OwnershipError, refusals: &[Refusal]) -> bool {
    refusals.iter().any(|refusal| match (refusal, err) {
        (Refusal::UnknownUsers(ids), OwnershipError::UnknownUsers(got)) => same_ids(ids, got),
        (Refusal::UnknownGroups(ids), OwnershipError::UnknownGroups(got)) => same_ids(ids, got),
        (
            Refusal::UnknownObjects(model, ids),
            OwnershipError::UnknownObjects { model: m, ids: got },
        ) => model.name() == m && ids.iter().copied().eq(got.iter().map(handle_of)),
        (
            Refusal::DuplicateName { owner, name },
            OwnershipError::DuplicateName {
                owner: o, name: n, ..
            },
        ) => ProfileId::from(*owner) == *o && name == n,
        (Refusal::NoSuchProfile(_), OwnershipError::Db(err)) => is_foreign_key_violation(err),
        (Refusal::StillOwnsRows, OwnershipError::Db(err)) => is_foreign_key_violation(err),
        (Refusal::NotFound, OwnershipError::NotFound { .. })
        | (Refusal::PermissionDenied, OwnershipError::PermissionDenied { .. })
        | (Refusal::NothingToShare, OwnershipError::NothingToShare { .. })
        | (Refusal::ExpiryNotInFuture, OwnershipError::ExpiryNotInFuture { .. }) => true,
        (Refusal::DuplicateShare(uuid), OwnershipError::DuplicateShare { existing, .. }) => {
            uuid == existing
        }
        (Refusal::ShareExpired(expected), OwnershipError::ShareExpired { uuid, .. }) => {
            expected == uuid
        }
        _ => false,
    })
}

/// A share operation's outcome, in a line.
fn shown_share(outcome: &Result<Share, OwnershipError>) -> String {
    match outcome {
        Ok(share) => format!("{:?}", to_oracle_share(share)),
        Err(err) => format!("{err:?}"),
    }
}

/// The kind of a share operation's outcome, for the counts of a run.
fn outcome_kind<T>(outcome: &Result<T, OwnershipError>) -> String {
    match outcome {
        Ok(_) => "Ok".to_owned(),
        Err(err) => {
            let shown = format!("{err:?}");
            let end = shown.find([' ', '(', '{']).unwrap_or(shown.len());
            shown[..end].to_owned()
        }
    }
}

/// Milliseconds since the Unix epoch.
fn unix_ms(time: SystemTime) -> i64 {
    let after = time.duration_since(UNIX_EPOCH).expect("a time after 1970");
    i64::try_from(after.as_millis()).expect("a time in range")
}

/// A share as the oracle names it: its uuid and the share.
fn to_oracle_share(share: &Share) -> (Uuid, oracle::Share) {
    let receiver = match &share.receiver {
        Agent::User(user) => oracle::Agent::User(world::handle(user.as_ref())),
        Agent::Group(group) => oracle::Agent::Group(world::handle(group.as_ref())),
        Agent::Anyone => oracle::Agent::Anyone,
    };
    let shared = oracle::Share {
        object: handle_of(&share.object_id),
        origin: share.origin,
        emitter: world::handle(share.emitter.as_ref()),
        receiver,
        expires_ms: share.expires_at.map(unix_ms),
        names: share
            .names
            .iter()
            .map(|held| (held.name.clone(), held.depth))
            .collect(),
    };
    (share.uuid, shared)
}

/// Every row of an owned entity, by id, as the oracle holds it.
async fn rows_of<E: OracleEntity>(db: &DatabaseConnection) -> Result<BTreeMap<i64, Row>, DbErr> {
    Ok(E::find()
        .all(db)
        .await?
        .into_iter()
        .map(E::oracle_row)
        .collect())
}

/// An owned test entity as the oracle names it: its model, the ids of the oracle's
/// handles, and its rows built from and read back as the oracle's.
trait OracleEntity: OwnedEntity {
    const MODEL: Model;

    /// The id of the row the oracle names `handle`.
    fn id(handle: i64) -> IdOf<Self>;

    /// The handle the oracle names the row `id` by.
    fn handle(id: IdOf<Self>) -> i64;

    /// A new row owned by the profile `owner`, named `name`; `handle` names its id where
    /// the application gives the ids (elsewhere the database does).
    fn new_row(handle: i64, owner: i64, name: &str) -> Self::ActiveModel;

    /// An update of the row `handle` that sends its owner and name as given (and no other
    /// column).
    fn change(handle: i64, owner: ActiveValue<i64>, name: ActiveValue<String>)
    -> Self::ActiveModel;

    /// A row's handle and the row, as the oracle names them.
    fn oracle_row(model: Self::Model) -> (i64, Row);
}

impl OracleEntity for document::Entity {
    const MODEL: Model = Model::Document;

    fn id(handle: i64) -> i64 {
        handle
    }

    fn handle(id: i64) -> i64 {
        id
    }

    fn new_row(_: i64, owner: i64, name: &str) -> document::ActiveModel {
        document::ActiveModel {
            user_profile_id: Set(owner),
            name: Set(name.to_owned()),
            body: Set(format!("body of {name}")),
            ..Default::default()
        }
    }

    fn change(
        handle: i64,
        owner: ActiveValue<i64>,
        name: ActiveValue<String>,
    ) -> document::ActiveModel {
        document::ActiveModel {
            id: Unchanged(handle),
            user_profile_id: owner,
            name,
            ..Default::default()
        }
    }

    fn oracle_row(model: document::Model) -> (i64, Row) {
        let row = Row {
            owner: model.user_profile_id,
            name: model.name,
        };
        (model.id, row)
    }
}

impl OracleEntity for note::Entity {
    const MODEL: Model = Model::Note;

    fn id(handle: i64) -> i32 {
        note_id(handle)
    }

    fn handle(id: i32) -> i64 {
        i64::from(id)
    }

    fn new_row(_: i64, owner: i64, name: &str) -> note::ActiveModel {
        note::ActiveModel {
            author_profile_id: Set(owner),
            title: Set(name.to_owned()),
            version: Set(1),
            text: Set(format!("text of {name}")),
            ..Default::default()
        }
    }

    fn change(
        handle: i64,
        owner: ActiveValue<i64>,
        name: ActiveValue<String>,
    ) -> note::ActiveModel {
        note::ActiveModel {
            id: Unchanged(note_id(handle)),
            author_profile_id: owner,
            title: name,
            ..Default::default()
        }
    }

    fn oracle_row(model: note::Model) -> (i64, Row) {
        let row = Row {
            owner: model.author_profile_id,
            name: model.title,
        };
        (i64::from(model.id), row)
    }
}

impl OracleEntity for uuid_doc::Entity {
    const MODEL: Model = Model::UuidDoc;

    fn id(handle: i64) -> Uuid {
        uuid_doc_id(handle)
    }

    fn handle(id: Uuid) -> i64 {
        uuid_doc_handle(id)
    }

    fn new_row(handle: i64, owner: i64, name: &str) -> uuid_doc::ActiveModel {
        uuid_doc::ActiveModel {
            id: Set(uuid_doc_id(handle)),
            user_profile_id: Set(owner),
            name: Set(name.to_owned()),
        }
    }

    fn change(
        handle: i64,
        owner: ActiveValue<i64>,
        name: ActiveValue<String>,
    ) -> uuid_doc::ActiveModel {
        uuid_doc::ActiveModel {
            id: Unchanged(uuid_doc_id(handle)),
            user_profile_id: owner,
            name,
        }
    }

    fn oracle_row(model: uuid_doc::Model) -> (i64, Row) {
        let row = Row {
            owner: model.user_profile_id,
            name: model.name,
        };
        (uuid_doc_handle(model.id), row)
    }
}

impl OracleEntity for shared_doc::Entity {
    const MODEL: Model = Model::SharedDoc;

    fn id(handle: i64) -> i64 {
        handle
    }

    fn handle(id: i64) -> i64 {
        id
    }

    fn new_row(_: i64, owner: i64, name: &str) -> shared_doc::ActiveModel {
        shared_doc::ActiveModel {
            user_profile_id: Set(owner),
            name: Set(name.to_owned()),
            ..Default::default()
        }
    }

    fn change(
        handle: i64,
        owner: ActiveValue<i64>,
        name: ActiveValue<String>,
    ) -> shared_doc::ActiveModel {
        shared_doc::ActiveModel {
            id: Unchanged(handle),
            user_profile_id: owner,
            name,
        }
    }

    fn oracle_row(model: shared_doc::Model) -> (i64, Row) {
        let row = Row {
            owner: model.user_profile_id,
            name: model.name,
        };
        (model.id, row)
    }
}

/// Whether a write's outcome is the oracle's: `same` compares what was done; a refusal must
/// be one of those the oracle expects.
fn same_outcome<T, U>(
    got: &Result<T, OwnershipError>,
    expected: &Result<U, Vec<Refusal>>,
    same: impl FnOnce(&T, &U) -> bool,
) -> bool {
    match (got, expected) {
        (Ok(done), Ok(expected)) => same(done, expected),
        (Err(err), Err(refusals)) => refused_as_expected(err, refusals),
        _ => false,
    }
}

/// A column as an update of a loaded row sends it: set if `given`, else unchanged as
/// `stored`.
fn sent<T: Into<sea_orm::Value>>(given: Option<T>, stored: Option<T>) -> ActiveValue<T> {
    match (given, stored) {
        (Some(given), _) => Set(given),
        (None, Some(stored)) => Unchanged(stored),
        (None, None) => NotSet,
    }
}

/// A change of grants on rows by a subject, drawn.
struct GrantChange {
    names: Names,
    ids: BTreeSet<i64>,
    users: BTreeSet<i64>,
    groups: BTreeSet<i64>,
}

/// What a change of grants grants or revokes.
#[derive(Debug)]
enum Names {
    /// `grant_as` of one name.
    Grant(&'static str),
    /// `grant_level_as`.
    Level(oracle::Level),
    /// `revoke_as` of one name.
    Revoke(String),
}

/// The library's level of the oracle's.
fn library_level(level: oracle::Level) -> Level {
    match level {
        oracle::Level::View => Level::View,
        oracle::Level::Edit => Level::Edit,
        oracle::Level::All => Level::All,
    }
}

/// The receiver of a share or name row whose user, group and anyone flag are the columns
/// from `first` on; an error for columns that disagree.
fn stored_receiver(row: &sea_orm::QueryResult, first: usize) -> Result<oracle::Agent, DbErr> {
    let receiver = match (
        nullable_handle(row, first, true)?,
        nullable_handle(row, first + 1, false)?,
    ) {
        (Some(user), None) => oracle::Agent::User(user),
        (None, Some(group)) => oracle::Agent::Group(group),
        (None, None) => oracle::Agent::Anyone,
        (Some(_), Some(_)) => {
            return Err(DbErr::Custom("a share to a user and a group".to_owned()));
        }
    };
    let to_anyone: bool = row.try_get_by_index(first + 3)?;
    if to_anyone != matches!(receiver, oracle::Agent::Anyone) {
        return Err(DbErr::Custom(format!(
            "a share to {receiver:?} flagged as to anyone: {to_anyone}"
        )));
    }
    Ok(receiver)
}

/// The handle in a nullable user or group key column of the identity in use.
fn nullable_handle(
    row: &sea_orm::QueryResult,
    index: usize,
    user: bool,
) -> Result<Option<i64>, DbErr> {
    match (world::app_mode(), user) {
        (false, _) => row.try_get_by_index(index),
        (true, true) => Ok(row
            .try_get_by_index::<Option<Uuid>>(index)?
            .map(app_identity::user_handle)),
        (true, false) => Ok(row
            .try_get_by_index::<Option<String>>(index)?
            .map(|slug| app_identity::group_handle(&slug))),
    }
}

/// A world in a few lines.
fn describe(world: &World) -> String {
    let mut out = String::new();
    let flags = |u: &oracle::User| {
        let mut f = Vec::new();
        if !u.is_active {
            f.push("inactive");
        }
        if u.is_staff {
            f.push("staff");
        }
        if u.is_superuser {
            f.push("superuser");
        }
        if f.is_empty() {
            "regular".to_owned()
        } else {
            f.join(" ")
        }
    };
    let _ = writeln!(out, "  accounts: {:?}", world.accounts);
    for (id, u) in &world.users {
        let profiles: Vec<String> = world
            .profiles
            .iter()
            .filter(|(_, p)| p.user == *id)
            .map(|(pid, p)| format!("profile {pid} in account {}", p.account))
            .collect();
        let _ = writeln!(
            out,
            "  user {id}: {}; {}; groups {:?}",
            flags(u),
            if profiles.is_empty() {
                "no profile".to_owned()
            } else {
                profiles.join(", ")
            },
            world.groups_of(*id)
        );
    }
    let _ = writeln!(out, "  groups: {:?}", world.groups);
    for model in Model::ALL {
        for (id, row) in world.rows_of(model) {
            let _ = writeln!(
                out,
                "  {} {id}: {:?} owned by profile {}",
                model.name(),
                row.name,
                row.owner
            );
        }
    }
    for (p, grantee) in &world.grants {
        let on = match (&p.model_name, p.object) {
            (Some(m), Some(o)) => format!("{m} {o}"),
            (Some(m), None) => format!("every {m}"),
            _ => "everything".to_owned(),
        };
        let to = match grantee {
            Grantee::User(u) => format!("user {u}"),
            Grantee::Group(g) => format!("group {g}"),
        };
        let _ = writeln!(out, "  grant {:?} on {on} to {to}", p.name);
    }
    let _ = writeln!(out, "  clock: {} ms", world.now_ms);
    for (uuid, share) in &world.shares {
        let expires = match share.expires_ms {
            Some(at) if at > world.now_ms => format!("expires at {at}"),
            Some(at) => format!("expired at {at}"),
            None => "never expires".to_owned(),
        };
        let _ = writeln!(
            out,
            "  share {uuid} of shared_doc {} from {:?} by user {} to {:?}: {:?}, {expires}",
            share.object, share.origin, share.emitter, share.receiver, share.names
        );
    }
    out
}

impl Case<'_> {
    fn count(&self, comparisons: u64) {
        Stats::add(&self.stats.comparisons, comparisons);
    }

    /// A failure, with everything needed to see why.
    fn failure(&self, what: &str, details: &str) -> TestCaseError {
        let mut out = format!(
            "the library disagrees with the oracle on {:?} after step {}: {what}\n{details}\n",
            self.backend,
            self.log.len() - 1
        );
        let _ = writeln!(
            out,
            "world (database ids) at this step:\n{}",
            describe(&self.world)
        );
        let _ = writeln!(out, "steps:");
        for (i, step) in self.log.iter().enumerate() {
            let _ = writeln!(out, "  {i}. {step}");
        }
        TestCaseError::fail(out)
    }

    fn db_failure(&self, what: &str, err: &dyn std::fmt::Display) -> TestCaseError {
        self.failure(what, &format!("database error: {err}"))
    }

    // -----------------------------------------------------------------------------------
    // Operations
    // -----------------------------------------------------------------------------------

    fn resolve_target(&self, target: &TargetChoice) -> Option<oracle::Target> {
        Some(match *target {
            TargetChoice::Object(model, i) => {
                oracle::Target::Objects(model, BTreeSet::from([pick(i, &self.rows_ever[&model])?]))
            }
            TargetChoice::Model(m) => oracle::Target::Model(MODEL_NAMES[m].to_owned()),
            TargetChoice::Everything => oracle::Target::Everything,
        })
    }

    fn resolve_grantee(&self, grantee: &GranteeChoice) -> Option<(BTreeSet<i64>, BTreeSet<i64>)> {
        Some(match *grantee {
            GranteeChoice::User(i) => (
                BTreeSet::from([pick(i, &self.written.users)?]),
                BTreeSet::new(),
            ),
            GranteeChoice::Group(i) => (
                BTreeSet::new(),
                BTreeSet::from([pick(i, &self.written.groups)?]),
            ),
        })
    }

    async fn apply(&mut self, op: &GenOp) -> Result<(), TestCaseError> {
        match op {
            GenOp::Grant {
                name,
                target,
                grantee,
            } => {
                let (Some(target), Some((users, groups))) =
                    (self.resolve_target(target), self.resolve_grantee(grantee))
                else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                self.grant(NAMES[*name], target, users, groups).await
            }
            GenOp::BulkGrant {
                name,
                model,
                objects,
                users,
                groups,
            } => {
                let ids: BTreeSet<i64> = objects
                    .iter()
                    .filter_map(|&i| pick(i, &self.rows_ever[model]))
                    .collect();
                if ids.is_empty() {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                }
                let users = users
                    .iter()
                    .filter_map(|&i| pick(i, &self.written.users))
                    .collect();
                let groups = groups
                    .iter()
                    .filter_map(|&i| pick(i, &self.written.groups))
                    .collect();
                self.grant(
                    NAMES[*name],
                    oracle::Target::Objects(*model, ids),
                    users,
                    groups,
                )
                .await
            }
            GenOp::Revoke {
                name,
                target,
                grantee,
            } => {
                let (Some(target), Some((users, groups))) =
                    (self.resolve_target(target), self.resolve_grantee(grantee))
                else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                self.revoke(NAMES[*name], target, users, groups).await
            }
            GenOp::RevokeExisting(i) => {
                let grants: Vec<_> = self.world.grants.iter().cloned().collect();
                if grants.is_empty() {
                    self.log
                        .push("skipped revoking a grant: there is none".to_owned());
                    return Ok(());
                }
                let (permission, grantee) = grants[i.index(grants.len())].clone();
                let target = match (&permission.model_name, permission.object) {
                    (Some(m), Some(o)) => {
                        let model = Model::ALL
                            .into_iter()
                            .find(|model| model.name() == m)
                            .expect("a grant on an object names one of the models");
                        oracle::Target::Objects(model, BTreeSet::from([o]))
                    }
                    (Some(m), None) => oracle::Target::Model(m.clone()),
                    _ => oracle::Target::Everything,
                };
                let (users, groups) = match grantee {
                    Grantee::User(u) => (BTreeSet::from([u]), BTreeSet::new()),
                    Grantee::Group(g) => (BTreeSet::new(), BTreeSet::from([g])),
                };
                self.revoke(&permission.name, target, users, groups).await
            }
            GenOp::DeleteObject(model, i) => {
                let Some(id) = pick(*i, &self.rows_ever[model]) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                let got = match model {
                    Model::Document => document::Entity::delete_by_id(id).exec(self.db).await,
                    Model::SharedDoc => shared_doc::Entity::delete_by_id(id).exec(self.db).await,
                    Model::Note => note::Entity::delete_by_id(id as i32).exec(self.db).await,
                    Model::UuidDoc => {
                        uuid_doc::Entity::delete_by_id(uuid_doc_id(id))
                            .exec(self.db)
                            .await
                    }
                }
                .map(|deleted| deleted.rows_affected);
                let expected = self.world.delete_objects(*model, &BTreeSet::from([id]));
                self.log.push(format!(
                    "{}::Entity::delete_by_id({id}).exec(db) -> {got:?}",
                    model.name()
                ));
                self.count(1);
                match got {
                    Ok(n) if n == expected => Ok(()),
                    got => Err(self.failure(
                        "delete_by_id",
                        &format!("library: {got:?}\noracle:  Ok({expected})"),
                    )),
                }
            }
            GenOp::DeleteUser(i) => {
                let id = pick(*i, &self.written.users).expect("a world has users");
                let got = world::try_delete_user(self.db, id).await;
                let expected = self.world.delete_user(id);
                self.deleted("user", id, got, expected)
            }
            GenOp::ReplaceUser(i, flags) => {
                let deletable: Vec<i64> = self
                    .written
                    .users
                    .iter()
                    .copied()
                    .filter(|&u| self.world.may_delete_user(u))
                    .collect();
                let Some(id) = pick(*i, &deletable) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                self.replace_user(id, flags).await
            }
            GenOp::DeleteProfile(i) => {
                let Some(id) = pick(*i, &self.written.profiles) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                let got = world::try_delete_profile(self.db, id).await;
                let expected = self.world.delete_profile(id);
                self.deleted("user profile", id, got, expected)
            }
            GenOp::AddProfile { user, account } => {
                let user = pick(*user, &self.written.users).expect("a world has users");
                let Some(account) = pick(*account, &self.written.accounts) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                if !self.world.can_add_profile(user, account) {
                    self.log.push(format!(
                        "skipped a profile of user {user} in account {account}: \
                         the user is gone or has one there"
                    ));
                    return Ok(());
                }
                let added = world::try_profile(self.db, user, account)
                    .await
                    .map_err(|err| self.db_failure("adding a profile", &err))?;
                self.world.profiles.insert(added, Profile { user, account });
                self.written.profiles.push(added);
                self.log.push(format!(
                    "user {user} gets profile {added} in account {account}"
                ));
                Ok(())
            }
            GenOp::DeleteGroup(i) => {
                let Some(id) = pick(*i, &self.written.groups) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                let got = world::try_delete_group(self.db, id).await;
                let expected = self.world.delete_group(id);
                self.deleted("group", id, got, Ok(expected))
            }
            GenOp::Withdraw(i, power) => {
                let id = pick(*i, &self.written.users).expect("a world has users");
                let err = |err: DbErr| self.db_failure("updating a user", &err);
                let got = match world::flags_of(self.db, id).await.map_err(err)? {
                    Some((active, staff, superuser)) => {
                        let flags = match power {
                            Power::Active => (false, staff, superuser),
                            Power::Staff => (active, false, superuser),
                            Power::Superuser => (active, staff, false),
                        };
                        world::try_set_flags(self.db, id, flags)
                            .await
                            .map_err(err)?
                    }
                    None => 0,
                };
                self.world.withdraw(id, *power);
                self.log
                    .push(format!("take {power:?} from user {id} -> {got} row(s)"));
                Ok(())
            }
            GenOp::LeaveGroup(i) => {
                let members: Vec<(i64, i64)> = self.world.members.iter().copied().collect();
                let Some(k) = (!members.is_empty()).then(|| i.index(members.len())) else {
                    self.log
                        .push("skipped leaving a group: there is no membership".to_owned());
                    return Ok(());
                };
                let (group, member) = members[k];
                let got = world::try_leave_group(self.db, group, member).await;
                let expected = self.world.leave_group(group, member);
                let shown = got.as_ref().copied();
                self.log
                    .push(format!("user {member} leaves group {group} -> {shown:?}"));
                self.count(1);
                match shown {
                    Ok(n) if n == expected => Ok(()),
                    _ => Err(self.failure(
                        "removing a membership",
                        &format!("library: {shown:?}\noracle:  Ok({expected})"),
                    )),
                }
            }
            GenOp::CloneDocument {
                document: i,
                owner,
                name,
            } => {
                let Some(id) = pick(*i, &self.rows_ever[&Model::Document]) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                let owner = owner.and_then(|o| pick(o, &self.written.profiles));
                let name = name.map(|n| ROW_NAMES[n]);
                self.clone_document(id, owner, name).await
            }
            GenOp::TransferDocument { document: i, to } => {
                let (Some(id), Some(to)) = (
                    pick(*i, &self.rows_ever[&Model::Document]),
                    pick(*to, &self.written.profiles),
                ) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                self.transfer_document(id, to).await
            }
            GenOp::Shares(ops) => self.share_ops(ops).await,
            GenOp::Writes(writes) => self.writes(writes).await,
        }
    }

    async fn grant(
        &mut self,
        name: &str,
        target: oracle::Target,
        users: BTreeSet<i64>,
        groups: BTreeSet<i64>,
    ) -> Result<(), TestCaseError> {
        let grantees = Grantees::users(users.iter().map(|&id| uid(id)))
            .and_groups(groups.iter().map(|&id| gid(id)));
        let got = grant(self.db, name, &library_target(&target), &grantees).await;
        let expected = self.world.grant(name, &target, &users, &groups);
        self.log.push(format!(
            "grant {name:?} on {target:?} to users {users:?} and groups {groups:?} -> {got:?}"
        ));
        self.count(1);
        match (&got, &expected) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(err), Err(refusals)) if refused_as_expected(err, refusals) => Ok(()),
            _ => Err(self.failure("grant", &format!("library: {got:?}\noracle:  {expected:?}"))),
        }
    }

    async fn revoke(
        &mut self,
        name: &str,
        target: oracle::Target,
        users: BTreeSet<i64>,
        groups: BTreeSet<i64>,
    ) -> Result<(), TestCaseError> {
        let grantees = Grantees::users(users.iter().map(|&id| uid(id)))
            .and_groups(groups.iter().map(|&id| gid(id)));
        let got = revoke(self.db, name, &library_target(&target), &grantees).await;
        let expected = self.world.revoke(name, &target, &users, &groups);
        self.log.push(format!(
            "revoke {name:?} on {target:?} from users {users:?} and groups {groups:?} -> {got:?}"
        ));
        self.count(1);
        match got {
            Ok(n) if n == expected => Ok(()),
            got => Err(self.failure(
                "revoke",
                &format!("library: {got:?}\noracle:  Ok({expected})"),
            )),
        }
    }

    fn deleted(
        &mut self,
        what: &str,
        id: i64,
        got: Result<u64, DbErr>,
        expected: Result<u64, Refusal>,
    ) -> Result<(), TestCaseError> {
        let shown = got.as_ref().copied();
        self.log.push(format!("delete {what} {id} -> {shown:?}"));
        self.count(1);
        let agrees = match (&got, &expected) {
            (Ok(r), Ok(n)) => r == n,
            (Err(err), Err(Refusal::StillOwnsRows)) => is_foreign_key_violation(err),
            _ => false,
        };
        if agrees {
            Ok(())
        } else {
            Err(self.failure(
                &format!("deleting {what} {id}"),
                &format!("library: {shown:?}\noracle:  {expected:?}"),
            ))
        }
    }

    /// Deletes a user and creates a new one with its id, given explicitly.
    async fn replace_user(&mut self, id: i64, flags: &GenUser) -> Result<(), TestCaseError> {
        let deleted = world::try_delete_user(self.db, id)
            .await
            .map_err(|err| self.db_failure(&format!("deleting user {id}"), &err))?;
        let created =
            world::try_user_with_flags(self.db, Some(id), &format!("u{id} again"), flags.flags())
                .await
                .map_err(|err| self.db_failure(&format!("creating a user with id {id}"), &err))?;
        self.world
            .replace_user(id, flags.oracle_user())
            .expect("the user may be deleted");
        self.log.push(format!(
            "delete user {id} -> {} row(s), then create {flags:?} with its id -> id {}",
            deleted, created
        ));
        self.count(1);
        if (deleted, created) == (1, id) {
            Ok(())
        } else {
            Err(self.failure(
                &format!("replacing user {id}"),
                &format!(
                    "library: {deleted} row(s) deleted, id {created} created\noracle:  1 row deleted, id {id} created"
                ),
            ))
        }
    }

    async fn clone_document(
        &mut self,
        id: i64,
        owner: Option<i64>,
        name: Option<&str>,
    ) -> Result<(), TestCaseError> {
        let original = document::Entity::find_by_id(id)
            .one(self.db)
            .await
            .map_err(|err| self.db_failure("loading a document", &err))?;
        let Some(original) = original else {
            self.log
                .push(format!("skipped cloning document {id}: deleted"));
            return Ok(());
        };
        let mut options = CloneOptions::new();
        if let Some(owner) = owner {
            options = options.owner(owner.into());
        }
        if let Some(name) = name {
            options = options.name(name);
        }
        let got = original.clone_owned(self.db, options).await;
        let expected = self.world.clone_row(Model::Document, id, owner, name);
        self.log.push(format!(
            "clone document {id} (owner {owner:?}, name {name:?}) -> {:?}",
            got.as_ref().map(|m| (m.id, m.user_profile_id, &m.name))
        ));
        self.count(1);
        let agrees = match (&got, &expected) {
            (Ok(clone), Ok(row)) => {
                clone.user_profile_id == row.owner
                    && clone.name == row.name
                    && clone.body == original.body
                    && !self.world.ids_of(Model::Document).contains(&clone.id)
            }
            (Err(err), Err(refusal)) => refused_as_expected(err, std::slice::from_ref(refusal)),
            _ => false,
        };
        if !agrees {
            return Err(self.failure(
                "clone_owned",
                &format!("library: {got:?}\noracle:  {expected:?}"),
            ));
        }
        if let (Ok(clone), Ok(row)) = (got, expected) {
            self.world.add_row(Model::Document, clone.id, row);
            self.rows_ever
                .get_mut(&Model::Document)
                .expect("documents")
                .push(clone.id);
        }
        Ok(())
    }

    /// Applies share operations one after the other, each by one of the step's subjects.
    async fn share_ops(&mut self, ops: &[GenShareOp]) -> Result<(), TestCaseError> {
        let subjects = self.subjects().await?;
        for op in ops {
            self.share_op(op, &subjects).await?;
        }
        Ok(())
    }

    /// The subject a share operation is made by: one of those `allowed` admits, when asked
    /// for and there is one, else any.
    fn actor(
        choice: ActorChoice,
        subjects: &[Someone],
        allowed: impl Fn(&Who) -> bool,
    ) -> &Someone {
        let (index, only_allowed) = match choice {
            ActorChoice::Allowed(index) => (index, true),
            ActorChoice::Any(index) => (index, false),
        };
        let fitting: Vec<&Someone> = subjects.iter().filter(|s| allowed(&s.who)).collect();
        if only_allowed && !fitting.is_empty() {
            fitting[index.index(fitting.len())]
        } else {
            &subjects[index.index(subjects.len())]
        }
    }

    /// The uuid a share operation names.
    fn pick_share(&self, choice: ShareChoice) -> Uuid {
        // In the order the shares were made, not by their random uuids, so that a scenario
        // run again picks the same shares.
        let among = |index: Index, keep: &dyn Fn(&oracle::Share) -> bool| {
            let uuids: Vec<Uuid> = self
                .shares_ever
                .iter()
                .copied()
                .filter(|uuid| self.world.shares.get(uuid).is_some_and(keep))
                .collect();
            (!uuids.is_empty()).then(|| uuids[index.index(uuids.len())])
        };
        match choice {
            ShareChoice::Passable(index) => among(index, &|share| {
                self.world.unexpired(share) && share.names.values().any(|&depth| depth >= 1)
            })
            .or_else(|| among(index, &|_| true)),
            ShareChoice::Live(index) => among(index, &|_| true),
            ShareChoice::Ever(index) => pick_uuid(index, &self.shares_ever),
            ShareChoice::Unknown => None,
        }
        .unwrap_or(self.unknown_share)
    }

    /// The library's request and the oracle's for a generated one: a receiver picked among
    /// every user (the deleted one included) and group ever created (anyone when there is no
    /// group), names asked for twice at the smaller depth (`ShareRequest::names`), an expiry
    /// after the clock.
    fn share_request(&self, request: &GenShareRequest) -> (ShareRequest, ShareAsk) {
        let receiver = match request.receiver {
            AgentChoice::User(i) => {
                let mut users = self.written.users.clone();
                users.push(self.written.deleted_user);
                pick(i, &users).map(oracle::Agent::User)
            }
            AgentChoice::Group(i) => pick(i, &self.written.groups).map(oracle::Agent::Group),
            AgentChoice::Anyone => None,
        }
        .unwrap_or(oracle::Agent::Anyone);
        let mut library = ShareRequest::to(match receiver {
            oracle::Agent::User(user) => Agent::User(uid(user)),
            oracle::Agent::Group(group) => Agent::Group(gid(group)),
            oracle::Agent::Anyone => Agent::Anyone,
        });
        let names = request.names.as_ref().map(|asked| {
            let asked: Vec<(&str, u32)> = asked
                .iter()
                .map(|&(name, depth)| (SHARE_NAMES[name], depth))
                .collect();
            library = library.clone().names(asked.clone());
            let mut names: BTreeMap<String, u32> = BTreeMap::new();
            for (name, depth) in asked {
                let at = names.entry(name.to_owned()).or_insert(depth);
                *at = (*at).min(depth);
            }
            names
        });
        let expires_ms = request.expires_in_ms.map(|after| self.world.now_ms + after);
        if let Some(at) = expires_ms {
            library = library.expires_at(UNIX_EPOCH + Duration::from_millis(at as u64));
        }
        let ask = ShareAsk {
            receiver,
            names,
            expires_ms,
        };
        (library, ask)
    }

    async fn share_op(
        &mut self,
        op: &GenShareOp,
        subjects: &[Someone],
    ) -> Result<(), TestCaseError> {
        match op {
            GenShareOp::Share {
                row,
                actor,
                request,
            } => {
                let Some(id) = pick(*row, &self.rows_ever[&Model::SharedDoc]) else {
                    self.log.push(format!("skipped {op:?}: nothing to pick"));
                    return Ok(());
                };
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world
                        .managed_in_own_right(who, Model::SharedDoc)
                        .contains(&id)
                });
                let (library, ask) = self.share_request(request);
                let got = shared_doc::Entity::share(self.db, &actor.subject, id, &library).await;
                let expected = self.world.share(&actor.who, Model::SharedDoc, id, &ask);
                self.log.push(format!(
                    "{}: share shared_doc {id} asking {ask:?} -> {}",
                    actor.label,
                    shown_share(&got)
                ));
                self.made("share", got, expected).await
            }
            GenShareOp::PassOn {
                share,
                actor,
                request,
            } => {
                let uuid = self.pick_share(*share);
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world
                        .shares
                        .get(&uuid)
                        .is_some_and(|share| self.world.receives(who, share, true))
                });
                let (library, ask) = self.share_request(request);
                let got =
                    shared_doc::Entity::pass_on(self.db, &actor.subject, uuid, &library).await;
                let expected = self.world.pass_on(&actor.who, &uuid, &ask);
                self.log.push(format!(
                    "{}: pass share {uuid} on asking {ask:?} -> {}",
                    actor.label,
                    shown_share(&got)
                ));
                self.made("pass_on", got, expected).await
            }
            GenShareOp::Revoke { share, actor } => {
                let uuid = self.pick_share(*share);
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world.shares.get(&uuid).is_some_and(|share| {
                        self.world
                            .entitled(who)
                            .is_some_and(|(user, _)| user == share.emitter)
                            || self
                                .world
                                .managed_in_own_right(who, Model::SharedDoc)
                                .contains(&share.object)
                    })
                });
                let got = shared_doc::Entity::revoke_share(self.db, &actor.subject, uuid).await;
                let expected = self.world.revoke_share(&actor.who, &uuid);
                self.log.push(format!(
                    "{}: revoke share {uuid} -> {got:?} (oracle: {expected:?})",
                    actor.label
                ));
                self.stats
                    .share_outcomes
                    .record("revoke_share", &outcome_kind(&got));
                self.count(1);
                let agrees = match (&got, &expected) {
                    (Ok(()), Ok(_)) => true,
                    (Err(err), Err(refusal)) => {
                        refused_as_expected(err, std::slice::from_ref(refusal))
                    }
                    _ => false,
                };
                if !agrees {
                    return Err(self.failure(
                        "revoke_share",
                        &format!(
                            "subject: {}: {:?}\nlibrary: {got:?}\noracle:  {expected:?}",
                            actor.label, actor.subject
                        ),
                    ));
                }
                self.check_share_tables("revoke_share").await
            }
        }
    }

    /// Compares a share made (or refused) with the oracle's, records it, and compares the
    /// share tables.
    async fn made(
        &mut self,
        operation: &str,
        got: Result<Share, OwnershipError>,
        expected: Result<oracle::Share, Refusal>,
    ) -> Result<(), TestCaseError> {
        self.stats
            .share_outcomes
            .record(operation, &outcome_kind(&got));
        self.count(1);
        let agrees = match (&got, &expected) {
            (Ok(made), Ok(share)) => {
                to_oracle_share(made).1 == *share && !self.shares_ever.contains(&made.uuid)
            }
            (Err(err), Err(refusal)) => refused_as_expected(err, std::slice::from_ref(refusal)),
            _ => false,
        };
        if !agrees {
            return Err(self.failure(
                operation,
                &format!("library: {got:?}\noracle:  {expected:?}"),
            ));
        }
        if let (Ok(made), Ok(share)) = (got, expected) {
            let mut chain = 1;
            let mut origin = share.origin;
            while let Some(uuid) = origin {
                chain += 1;
                origin = self.world.shares.get(&uuid).and_then(|share| share.origin);
            }
            self.stats
                .share_outcomes
                .record("shares made, chain length", &chain.to_string());
            self.world.add_share(made.uuid, share);
            self.shares_ever.push(made.uuid);
        }
        self.check_share_tables(operation).await
    }

    /// The shares the tables hold, as the oracle names them.
    async fn stored_shares(&self) -> Result<BTreeMap<Uuid, oracle::Share>, DbErr> {
        use object_share::{
            DEPTH, EMITTER_ID, EXPIRES_UNIX_MS, ID, ORIGIN_ID, RECEIVER_GROUP_ID, RECEIVER_USER_ID,
            SHARE_ID, TO_ANYONE, UUID,
        };
        let select = Query::select()
            .columns([
                ID,
                UUID,
                object_share::OBJECT_ID,
                ORIGIN_ID,
                EMITTER_ID,
                RECEIVER_USER_ID,
                RECEIVER_GROUP_ID,
                EXPIRES_UNIX_MS,
                TO_ANYONE,
            ])
            .from(shared_doc::Entity::share_table())
            .to_owned();
        let mut by_id: BTreeMap<i64, (Uuid, Option<i64>, oracle::Share)> = BTreeMap::new();
        for row in self.db.query_all(&select).await? {
            let receiver = stored_receiver(&row, 5)?;
            let share = oracle::Share {
                object: row.try_get_by_index(2)?,
                origin: None,
                emitter: world::grantee_handle(&row, 4, true)?,
                receiver,
                expires_ms: row.try_get_by_index(7)?,
                names: BTreeMap::new(),
            };
            by_id.insert(
                row.try_get_by_index(0)?,
                (row.try_get_by_index(1)?, row.try_get_by_index(3)?, share),
            );
        }
        let names = Query::select()
            .columns([
                SHARE_ID,
                NAME,
                DEPTH,
                object_share::OBJECT_ID,
                RECEIVER_USER_ID,
                RECEIVER_GROUP_ID,
                EXPIRES_UNIX_MS,
                TO_ANYONE,
            ])
            .from(shared_doc::Entity::share_name_table())
            .to_owned();
        for row in self.db.query_all(&names).await? {
            let share_id: i64 = row.try_get_by_index(0)?;
            let depth: i32 = row.try_get_by_index(2)?;
            let Some((_, _, share)) = by_id.get_mut(&share_id) else {
                return Err(DbErr::Custom(format!("a name of no share: {share_id}")));
            };
            // A name row repeats its share's row, receiver and expiry for the scopes.
            let copied = (
                row.try_get_by_index(3)?,
                stored_receiver(&row, 4)?,
                row.try_get_by_index(6)?,
            );
            if copied != (share.object, share.receiver, share.expires_ms) {
                return Err(DbErr::Custom(format!(
                    "a name row of share {share_id} says {copied:?}, its share {:?}",
                    (share.object, share.receiver, share.expires_ms)
                )));
            }
            share.names.insert(
                row.try_get_by_index(1)?,
                u32::try_from(depth).unwrap_or(u32::MAX),
            );
        }
        let uuids: BTreeMap<i64, Uuid> =
            by_id.iter().map(|(&id, (uuid, ..))| (id, *uuid)).collect();
        Ok(by_id
            .into_values()
            .map(|(uuid, origin, mut share)| {
                share.origin = origin.map(|origin| uuids.get(&origin).copied().unwrap_or_default());
                (uuid, share)
            })
            .collect())
    }

    /// The share tables hold exactly the oracle's shares.
    async fn check_share_tables(&self, after: &str) -> Result<(), TestCaseError> {
        let stored = self
            .stored_shares()
            .await
            .map_err(|err| self.db_failure("reading the share tables", &err))?;
        self.count(1);
        if stored != self.world.shares {
            return Err(self.failure(
                &format!("the share tables after {after}"),
                &format!("library: {stored:#?}\noracle:  {:#?}", self.world.shares),
            ));
        }
        Ok(())
    }

    async fn transfer_document(&mut self, id: i64, to: i64) -> Result<(), TestCaseError> {
        let original = document::Entity::find_by_id(id)
            .one(self.db)
            .await
            .map_err(|err| self.db_failure("loading a document", &err))?;
        let Some(original) = original else {
            self.log
                .push(format!("skipped moving document {id}: deleted"));
            return Ok(());
        };
        let mut active = original.into_active_model();
        active.user_profile_id = Set(to);
        let got = active.update_owned(self.db).await;
        let expected = self.world.transfer(Model::Document, id, to);
        self.log.push(format!(
            "move document {id} to profile {to} with update_owned -> {:?}",
            got.as_ref().map(|m| m.user_profile_id)
        ));
        self.count(1);
        let agrees = match (&got, &expected) {
            (Ok(moved), Ok(())) => moved.user_profile_id == to,
            (Err(err), Err(refusal)) => refused_as_expected(err, std::slice::from_ref(refusal)),
            _ => false,
        };
        if agrees {
            Ok(())
        } else {
            Err(self.failure(
                "update_owned",
                &format!("library: {got:?}\noracle:  {expected:?}"),
            ))
        }
    }

    /// Applies authorized writes one after the other, each by one of the step's subjects
    /// (writes change no snapshot: grants on rows are not part of one).
    async fn writes(&mut self, writes: &[GenWrite]) -> Result<(), TestCaseError> {
        let subjects = self.subjects().await?;
        for write in writes {
            match write.model() {
                Model::Document => self.write::<document::Entity>(write, &subjects).await?,
                Model::Note => self.write::<note::Entity>(write, &subjects).await?,
                Model::UuidDoc => self.write::<uuid_doc::Entity>(write, &subjects).await?,
                Model::SharedDoc => self.write::<shared_doc::Entity>(write, &subjects).await?,
            }
        }
        Ok(())
    }

    async fn write<E: OracleEntity>(
        &mut self,
        write: &GenWrite,
        subjects: &[Someone],
    ) -> Result<(), TestCaseError>
    where
        E::ActiveModel: Send,
        E::Model: IntoActiveModel<E::ActiveModel>,
    {
        let model = E::MODEL;
        match write {
            GenWrite::Insert {
                owner, name, actor, ..
            } => {
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world
                        .profiles
                        .keys()
                        .any(|&profile| self.world.may_own(who, profile))
                });
                let Some(owner) = self.pick_owner(*owner, &actor.who) else {
                    self.log.push(format!("skipped {write:?}: nothing to pick"));
                    return Ok(());
                };
                let name = self.pick_name(model, *name, Some(owner));
                self.insert_as::<E>(actor, owner, &name).await
            }
            GenWrite::Update {
                row,
                name,
                owner,
                actor,
                ..
            } => {
                let Some(id) = pick(*row, &self.rows_ever[&model]) else {
                    self.log.push(format!("skipped {write:?}: nothing to pick"));
                    return Ok(());
                };
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world.can_manage(who, model, id)
                });
                let owner = owner.and_then(|owner| self.pick_owner(owner, &actor.who));
                // A taken name is one the row's owner after the update uses.
                let name_owner = owner.or(self.world.row(model, id).map(|row| row.owner));
                let name = name.map(|name| self.pick_name(model, name, name_owner));
                self.update_as::<E>(actor, id, owner, name.as_deref()).await
            }
            GenWrite::Delete { row, actor, .. } => {
                let Some(id) = pick(*row, &self.rows_ever[&model]) else {
                    self.log.push(format!("skipped {write:?}: nothing to pick"));
                    return Ok(());
                };
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world.deletable(who, model).contains(&id)
                });
                let got = E::delete_as(self.db, &actor.subject, E::id(id)).await;
                let expected = self.world.delete_as(&actor.who, model, id);
                self.log.push(format!(
                    "{}: {}::Entity::delete_as({id}) -> {got:?}",
                    actor.label,
                    entity_name(model)
                ));
                let agrees =
                    same_outcome(&got, &expected.clone().map_err(|r| vec![r]), |_, _| true);
                self.compare_write("delete_as", actor, &got, &expected, agrees)
                    .await
            }
            GenWrite::Grants {
                change,
                rows,
                users,
                groups,
                actor,
                ..
            } => {
                let Some(change) = self.grant_change::<E>(*change, rows, users, groups) else {
                    self.log.push(format!("skipped {write:?}: nothing to pick"));
                    return Ok(());
                };
                let actor = Self::actor(*actor, subjects, |who| {
                    self.world
                        .check_managed_in_own_right(who, model, &change.ids)
                        .is_ok()
                });
                self.grants_as::<E>(actor, &change).await
            }
        }
    }

    /// The owner profile an authorized write by `actor` names.
    fn pick_owner(&self, choice: OwnerChoice, actor: &Who) -> Option<i64> {
        let ever = &self.written.profiles;
        let among = |index: Index, keep: &dyn Fn(i64) -> bool| {
            let fitting: Vec<i64> = ever.iter().copied().filter(|&p| keep(p)).collect();
            pick(index, &fitting).or_else(|| pick(index, ever))
        };
        match choice {
            OwnerChoice::Ownable(index) => among(index, &|profile| {
                self.world.profiles.contains_key(&profile) && self.world.may_own(actor, profile)
            }),
            OwnerChoice::Actors(index) => among(index, &|profile| {
                self.world
                    .profiles
                    .get(&profile)
                    .is_some_and(|p| Some(p.user) == actor.user)
            }),
            OwnerChoice::Any(index) => pick(index, ever),
        }
    }

    /// The name an authorized write gives a row of `model` owned by `owner` (`None`: a
    /// row gone).
    fn pick_name(&self, model: Model, choice: NameChoice, owner: Option<i64>) -> String {
        let index = match choice {
            NameChoice::Any(name) => return ROW_NAMES[name].to_owned(),
            NameChoice::Taken(index) => index,
        };
        let taken: Vec<&str> = self
            .world
            .rows_of(model)
            .filter(|(_, row)| Some(row.owner) == owner)
            .map(|(_, row)| row.name.as_str())
            .collect();
        if taken.is_empty() {
            ROW_NAMES[index.index(ROW_NAMES.len())].to_owned()
        } else {
            taken[index.index(taken.len())].to_owned()
        }
    }

    /// The change, rows, users and groups of a change of grants: drawn among every row,
    /// user (the deleted one included) and group ever created, or those of a grant that
    /// exists on a row. `None` when there is nothing to pick.
    fn grant_change<E: OracleEntity>(
        &self,
        change: GenGrantChange,
        rows: &[Index],
        users: &[Index],
        groups: &[Index],
    ) -> Option<GrantChange> {
        let model = E::MODEL;
        let names = match change {
            GenGrantChange::Grant(name) => Names::Grant(NAMES[name]),
            GenGrantChange::Level(level) => Names::Level(level),
            GenGrantChange::Revoke(name) => Names::Revoke(NAMES[name].to_owned()),
            GenGrantChange::RevokeExisting(index) => return self.existing_grant(model, index),
        };
        let ids: BTreeSet<i64> = rows
            .iter()
            .filter_map(|&i| pick(i, &self.rows_ever[&model]))
            .collect();
        if ids.is_empty() {
            return None;
        }
        let mut every_user = self.written.users.clone();
        every_user.push(self.written.deleted_user);
        Some(GrantChange {
            names,
            ids,
            users: users.iter().filter_map(|&i| pick(i, &every_user)).collect(),
            groups: groups
                .iter()
                .filter_map(|&i| pick(i, &self.written.groups))
                .collect(),
        })
    }

    /// The revocation of one of the grants that exist on a row of `model`: its name, its
    /// row and its grantee. `None` when there is none.
    fn existing_grant(&self, model: Model, index: Index) -> Option<GrantChange> {
        let on_rows: Vec<&(oracle::Permission, Grantee)> = self
            .world
            .grants
            .iter()
            .filter(|(permission, _)| {
                permission.object.is_some()
                    && permission.model_name.as_deref() == Some(model.name())
            })
            .collect();
        if on_rows.is_empty() {
            return None;
        }
        let (permission, grantee) = on_rows[index.index(on_rows.len())];
        let (users, groups) = match *grantee {
            Grantee::User(user) => (BTreeSet::from([user]), BTreeSet::new()),
            Grantee::Group(group) => (BTreeSet::new(), BTreeSet::from([group])),
        };
        Some(GrantChange {
            names: Names::Revoke(permission.name.clone()),
            ids: BTreeSet::from([permission.object?]),
            users,
            groups,
        })
    }

    async fn insert_as<E: OracleEntity>(
        &mut self,
        actor: &Someone,
        owner: i64,
        name: &str,
    ) -> Result<(), TestCaseError>
    where
        E::ActiveModel: Send,
        E::Model: IntoActiveModel<E::ActiveModel>,
    {
        let model = E::MODEL;
        // Used where the application gives the ids: one no row ever had.
        let handle = self.rows_ever[&model].iter().max().map_or(1, |max| max + 1);
        let got = E::new_row(handle, owner, name)
            .insert_as(self.db, &actor.subject)
            .await
            .map(E::oracle_row);
        let expected = self.world.insert_as(&actor.who, model, owner, name);
        self.log.push(format!(
            "{}: insert_as of a {} owned by profile {owner} named {name:?} -> {got:?}",
            actor.label,
            entity_name(model)
        ));
        let agrees = same_outcome(
            &got,
            &expected.clone().map_err(|r| vec![r]),
            |(id, row), expected| row == expected && !self.world.ids_of(model).contains(id),
        );
        if let (Ok((id, row)), true) = (&got, agrees) {
            self.world.add_row(model, *id, row.clone());
            let ever = self.rows_ever.get_mut(&model).expect("every model");
            if !ever.contains(id) {
                ever.push(*id);
            }
        }
        self.compare_write("insert_as", actor, &got, &expected, agrees)
            .await
    }

    async fn update_as<E: OracleEntity>(
        &mut self,
        actor: &Someone,
        id: i64,
        owner: Option<i64>,
        name: Option<&str>,
    ) -> Result<(), TestCaseError>
    where
        E::ActiveModel: Send,
        E::Model: IntoActiveModel<E::ActiveModel>,
    {
        let model = E::MODEL;
        // As SeaORM sends a row it loaded and changed (a row gone has no stored values).
        let row = self.world.row(model, id);
        let change = E::change(
            id,
            sent(owner, row.map(|row| row.owner)),
            sent(name.map(str::to_owned), row.map(|row| row.name.clone())),
        );
        let got = change
            .update_as(self.db, &actor.subject)
            .await
            .map(E::oracle_row);
        let expected = self.world.update_as(&actor.who, model, id, owner, name);
        self.log.push(format!(
            "{}: update_as of {} {id} (owner {owner:?}, name {name:?}) -> {got:?}",
            actor.label,
            entity_name(model)
        ));
        let agrees = same_outcome(
            &got,
            &expected.clone().map_err(|r| vec![r]),
            |(got_id, row), ()| *got_id == id && self.world.row(model, id) == Some(row),
        );
        self.compare_write("update_as", actor, &got, &expected, agrees)
            .await
    }

    async fn grants_as<E: OracleEntity>(
        &mut self,
        actor: &Someone,
        change: &GrantChange,
    ) -> Result<(), TestCaseError> {
        let model = E::MODEL;
        let GrantChange {
            names,
            ids,
            users,
            groups,
        } = change;
        let grantees = Grantees::users(users.iter().map(|&id| uid(id)))
            .and_groups(groups.iter().map(|&id| gid(id)));
        let library_ids: Vec<IdOf<E>> = ids.iter().map(|&id| E::id(id)).collect();
        let (db, subject, who) = (self.db, &actor.subject, &actor.who);
        // Grants report no count; a revocation how many grants went.
        let (operation, got, expected) = match names {
            Names::Grant(name) => (
                "grant_as",
                E::grant_as(db, subject, name, library_ids, &grantees)
                    .await
                    .map(|()| None),
                self.world
                    .grant_as(who, model, &[name], ids, users, groups)
                    .map(|()| None),
            ),
            Names::Level(level) => (
                "grant_level_as",
                E::grant_level_as(db, subject, library_level(*level), library_ids, &grantees)
                    .await
                    .map(|()| None),
                self.world
                    .grant_as(who, model, &model.level_names(*level), ids, users, groups)
                    .map(|()| None),
            ),
            Names::Revoke(name) => (
                "revoke_as",
                E::revoke_as(db, subject, name, library_ids, &grantees)
                    .await
                    .map(Some),
                self.world
                    .revoke_as(who, model, name, ids, users, groups)
                    .map(Some)
                    .map_err(|refusal| vec![refusal]),
            ),
        };
        self.log.push(format!(
            "{}: {operation} {names:?} on {} {ids:?} for users {users:?} and groups {groups:?} \
             -> {got:?}",
            actor.label,
            entity_name(model)
        ));
        let agrees = same_outcome(&got, &expected, |got, expected| got == expected);
        self.compare_write(operation, actor, &got, &expected, agrees)
            .await
    }

    /// Records an authorized write's outcome, fails if it is not the oracle's, and
    /// compares the tables with the oracle's world, so that a refused write is seen to
    /// have written nothing.
    async fn compare_write<T: std::fmt::Debug, U: std::fmt::Debug>(
        &self,
        operation: &str,
        actor: &Someone,
        got: &Result<T, OwnershipError>,
        expected: &U,
        agrees: bool,
    ) -> Result<(), TestCaseError> {
        self.stats
            .write_outcomes
            .record(operation, &outcome_kind(got));
        self.count(1);
        if !agrees {
            return Err(self.failure(
                operation,
                &format!(
                    "subject: {}: {:?}\nlibrary: {got:?}\noracle:  {expected:?}",
                    actor.label, actor.subject
                ),
            ));
        }
        self.check_tables().await
    }

    // -----------------------------------------------------------------------------------
    // Checks
    // -----------------------------------------------------------------------------------

    async fn check_step(&mut self) -> Result<(), TestCaseError> {
        self.check_tables().await?;
        self.check_subjects().await?;
        self.check_holders().await?;
        self.check_permissions_of().await
    }

    /// The tables hold what the oracle holds: identities, rows, grants and shares (so no
    /// grant or share on a row that no longer exists).
    async fn check_tables(&self) -> Result<(), TestCaseError> {
        let db = self.db;
        let err = |e: DbErr| self.db_failure("reading the tables", &e);
        let users: BTreeMap<i64, oracle::User> = world::user_flags(db)
            .await
            .map_err(err)?
            .into_iter()
            .map(|(id, (is_active, is_staff, is_superuser))| {
                (
                    id,
                    oracle::User {
                        is_active,
                        is_staff,
                        is_superuser,
                    },
                )
            })
            .collect();
        let profiles: BTreeMap<i64, oracle::Profile> = world::profiles(db)
            .await
            .map_err(err)?
            .into_iter()
            .map(|(id, user, account)| (id, oracle::Profile { user, account }))
            .collect();
        let (groups, members) = world::groups_and_members(db).await.map_err(err)?;
        let documents = rows_of::<document::Entity>(db).await.map_err(err)?;
        let notes = rows_of::<note::Entity>(db).await.map_err(err)?;
        let uuid_docs = rows_of::<uuid_doc::Entity>(db).await.map_err(err)?;
        let shared_docs = rows_of::<shared_doc::Entity>(db).await.map_err(err)?;
        let permissions = permission::Entity::find().all(db).await.map_err(err)?;
        let permissions: BTreeMap<i64, oracle::Permission> = permissions
            .into_iter()
            .map(|p| {
                let permission = oracle::Permission {
                    name: p.name,
                    model_name: p.model_name,
                    object: None,
                };
                (p.id, permission)
            })
            .collect();
        let distinct: BTreeSet<&oracle::Permission> = permissions.values().collect();
        self.count(1);
        if distinct.len() != permissions.len() {
            return Err(self.failure(
                "one permission row per (name, model)",
                &format!("library: {permissions:?}"),
            ));
        }
        let mut grants = BTreeSet::new();
        for (table, grantee, user) in [
            (permission_user::Entity.table_ref(), USER_ID, true),
            (permission_group::Entity.table_ref(), GROUP_ID, false),
        ] {
            let select = Query::select()
                .columns([Alias::new("permission_id"), Alias::new(grantee)])
                .from(table)
                .to_owned();
            for row in db.query_all(&select).await.map_err(err)? {
                let permission = permissions[&row.try_get_by_index::<i64>(0).map_err(err)?].clone();
                let holder = world::grantee_handle(&row, 1, user).map_err(err)?;
                let holder = if user {
                    Grantee::User(holder)
                } else {
                    Grantee::Group(holder)
                };
                grants.insert((permission, holder));
            }
        }
        for model in Model::ALL {
            let (user_grants, group_grants) = match model {
                Model::Document => (
                    document::Entity::user_grant_table(),
                    document::Entity::group_grant_table(),
                ),
                Model::Note => (
                    note::Entity::user_grant_table(),
                    note::Entity::group_grant_table(),
                ),
                Model::UuidDoc => (
                    uuid_doc::Entity::user_grant_table(),
                    uuid_doc::Entity::group_grant_table(),
                ),
                Model::SharedDoc => (
                    shared_doc::Entity::user_grant_table(),
                    shared_doc::Entity::group_grant_table(),
                ),
            };
            for (table, grantee, kind, user) in [
                (
                    user_grants,
                    USER_ID,
                    Grantee::User as fn(i64) -> Grantee,
                    true,
                ),
                (group_grants, GROUP_ID, Grantee::Group, false),
            ] {
                let select = Query::select()
                    .columns([NAME, OBJECT_ID, grantee])
                    .from(table)
                    .to_owned();
                for row in db.query_all(&select).await.map_err(err)? {
                    // Each object column has the type of its entity's key.
                    let object = id_of(model, &row, 1).map_err(err)?;
                    let permission = oracle::Permission {
                        name: row.try_get_by_index(0).map_err(err)?,
                        model_name: Some(model.name().to_owned()),
                        object: Some(object),
                    };
                    let holder = world::grantee_handle(&row, 2, user).map_err(err)?;
                    grants.insert((permission, kind(holder)));
                }
            }
        }

        let w = &self.world;
        let empty = BTreeMap::new();
        let comparisons: [(&str, String, String); 9] = [
            ("users", format!("{users:?}"), format!("{:?}", w.users)),
            (
                "profiles",
                format!("{profiles:?}"),
                format!("{:?}", w.profiles),
            ),
            ("groups", format!("{groups:?}"), format!("{:?}", w.groups)),
            (
                "memberships",
                format!("{members:?}"),
                format!("{:?}", w.members),
            ),
            (
                "documents",
                format!("{documents:?}"),
                format!("{:?}", w.rows.get(&Model::Document).unwrap_or(&empty)),
            ),
            (
                "notes",
                format!("{notes:?}"),
                format!("{:?}", w.rows.get(&Model::Note).unwrap_or(&empty)),
            ),
            (
                "UUID-keyed docs",
                format!("{uuid_docs:?}"),
                format!("{:?}", w.rows.get(&Model::UuidDoc).unwrap_or(&empty)),
            ),
            (
                "shared docs",
                format!("{shared_docs:?}"),
                format!("{:?}", w.rows.get(&Model::SharedDoc).unwrap_or(&empty)),
            ),
            ("grants", format!("{grants:?}"), format!("{:?}", w.grants)),
        ];
        self.count(comparisons.len() as u64 + 1);
        for (what, got, expected) in comparisons {
            if got != expected {
                return Err(self.failure(
                    &format!("the {what} table(s)"),
                    &format!("library: {got}\noracle:  {expected}"),
                ));
            }
        }
        // No share left on a deleted row, from or to a deleted user, to a deleted group,
        // or passed on from a revoked share.
        self.check_share_tables("this step").await
    }

    /// The subjects of this step: every user as loaded now, and as loaded at the start when
    /// that differs (for an id given to a new user since, the deleted user it was then);
    /// anonymous; the deleted user.
    /// Every subject reads the time from the world's clock.
    async fn subjects(&self) -> Result<Vec<Someone>, TestCaseError> {
        let mut subjects = Vec::new();
        for &user in &self.written.users {
            let now = Subject::load(self.db, uid(user))
                .await
                .map_err(|err| self.db_failure("loading a subject", &err))?
                .with_clock(self.clock.clone());
            let initial = &self.initial[&user];
            if *initial != now {
                subjects.push(Someone {
                    label: format!("user {user} as loaded before the operations"),
                    who: who_is(Some(user), 0, initial),
                    subject: initial.clone(),
                });
            }
            let incarnation = self.world.incarnation(user);
            subjects.push(Someone {
                label: format!("user {user}"),
                who: who_is(Some(user), incarnation, &now),
                subject: now,
            });
        }
        let anonymous = Subject::anonymous().with_clock(self.clock.clone());
        subjects.push(Someone {
            label: "anonymous".to_owned(),
            who: who_is(None, 0, &anonymous),
            subject: anonymous,
        });
        let deleted = self.written.deleted_user;
        subjects.push(Someone {
            label: format!("user {deleted} deleted after loading"),
            who: who_is(Some(deleted), 0, &self.written.deleted_subject),
            subject: self.written.deleted_subject.clone(),
        });
        Ok(subjects)
    }

    /// The subjects of this step (see [`Case::subjects`]), each with its questions.
    async fn askers(&self) -> Result<Vec<Asker>, TestCaseError> {
        let step = self.log.len();
        let sets = self.question_sets.len();
        Ok(self
            .subjects()
            .await?
            .into_iter()
            .enumerate()
            .map(|(k, someone)| Asker {
                label: someone.label,
                who: someone.who,
                subject: someone.subject,
                questions: self.question_sets[(step + k) % sets].clone(),
            })
            .collect())
    }

    /// The shares subject `k` looks up at this step: a window of every share ever made
    /// and a uuid no share has, moved along at each step and for each subject.
    fn access_sample(&self, k: usize) -> Vec<Uuid> {
        let mut pool = self.shares_ever.clone();
        pool.push(self.unknown_share);
        if pool.len() <= ACCESS_SAMPLE {
            return pool;
        }
        let start = self.log.len() + k;
        (0..ACCESS_SAMPLE)
            .map(|j| pool[(start + j) % pool.len()])
            .collect()
    }

    async fn check_subjects(&self) -> Result<(), TestCaseError> {
        let askers = self.askers().await?;
        Stats::add(&self.stats.subjects, askers.len() as u64);
        // Every row id ever used, plus one never used.
        let check_ids: BTreeMap<Model, Vec<i64>> = Model::ALL
            .into_iter()
            .map(|model| {
                let mut ids: Vec<i64> = self.rows_ever[&model].clone();
                ids.push(ids.iter().copied().max().unwrap_or(0) + 1000);
                (model, ids)
            })
            .collect();
        let check_ids = Arc::new(check_ids);
        let mut tasks = tokio::task::JoinSet::new();
        let step = self.log.len();
        for (k, asker) in askers.iter().enumerate() {
            let (db, subject) = (self.db.clone(), asker.subject.clone());
            let (questions, check_ids) = (asker.questions.clone(), check_ids.clone());
            let uuids = self.access_sample(k);
            let rotation = step + k;
            tasks.spawn(async move {
                let answers =
                    subject_answers(db, subject, questions, check_ids, rotation, uuids).await;
                (k, answers)
            });
        }
        let mut answers: BTreeMap<usize, _> = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (k, result) = joined.expect("a subject's queries");
            answers.insert(k, result);
        }
        for (k, asker) in askers.iter().enumerate() {
            let answers = answers
                .remove(&k)
                .expect("answers of every subject")
                .map_err(|err| self.db_failure(&format!("asking for {}", asker.label), &err))?;
            for model in Model::ALL {
                self.compare_subject(asker, model, &answers.models[&model])
                    .await?;
            }
            self.compare_access(asker, &answers.access)?;
        }
        // The per-row answers cost a statement or two a row: one subject a step, each in
        // turn, is asked them.
        self.check_row_answers(&askers[step % askers.len()], &check_ids)
            .await
    }

    /// `permitted_actions` on every id of each model, `check_access` on one of them, and
    /// `explain` of reading each, for one subject.
    async fn check_row_answers(
        &self,
        asker: &Asker,
        check_ids: &BTreeMap<Model, Vec<i64>>,
    ) -> Result<(), TestCaseError> {
        for (k, model) in Model::ALL.into_iter().enumerate() {
            let ids = &check_ids[&model];
            // A different row and action at each step.
            let step = self.log.len();
            let checked = (
                ids[(step + k) % ids.len()],
                Action::ALL[step % Action::ALL.len()],
            );
            match model {
                Model::Document => {
                    self.compare_row_answers::<document::Entity>(asker, ids, checked)
                        .await?
                }
                Model::Note => {
                    self.compare_row_answers::<note::Entity>(asker, ids, checked)
                        .await?
                }
                Model::UuidDoc => {
                    self.compare_row_answers::<uuid_doc::Entity>(asker, ids, checked)
                        .await?
                }
                Model::SharedDoc => {
                    self.compare_row_answers::<shared_doc::Entity>(asker, ids, checked)
                        .await?
                }
            }
        }
        Ok(())
    }

    /// The actions `permitted_actions` gives each of `ids` the subject reads are the
    /// oracle's, so is the access `check_access` answers for `checked` (a row and an
    /// action), and `explain` of reading each of `ids` gives the oracle's access and
    /// reasons.
    async fn compare_row_answers<E: OracleEntity>(
        &self,
        asker: &Asker,
        ids: &[i64],
        checked: (i64, Action),
    ) -> Result<(), TestCaseError> {
        let (db, subject, model) = (self.db, &asker.subject, E::MODEL);
        let name = entity_name(model);
        let rows = ActionRows::of(&self.world, &asker.who, model);
        let disagreement =
            |call: &str, got: &dyn std::fmt::Debug, expected: &dyn std::fmt::Debug| {
                self.failure(
                    &format!("{name}::Entity::{call}"),
                    &format!(
                        "subject: {}: {:?}\nlibrary: {got:?}\noracle:  {expected:?}",
                        asker.label, asker.subject
                    ),
                )
            };

        let call = format!("permitted_actions(db, &s, {ids:?})");
        let got: Vec<(i64, Actions)> =
            E::permitted_actions(db, subject, ids.iter().map(|&id| E::id(id)))
                .await
                .map_err(|err| self.db_failure(&call, &err))?
                .into_iter()
                .map(|row| (E::handle(row.id), row.actions))
                .collect();
        let expected: Vec<(i64, Actions)> = rows
            .read
            .iter()
            .filter(|id| ids.contains(id))
            .map(|&id| (id, rows.actions(id)))
            .collect();
        if got != expected {
            return Err(disagreement(&call, &got, &expected));
        }

        let (id, action) = checked;
        let call = format!("check_access(db, &s, {id}, {action:?})");
        let got = E::check_access(db, subject, E::id(id), action)
            .await
            .map_err(|err| self.db_failure(&call, &err))?;
        let expected = rows.access(id, action);
        if got != expected {
            return Err(disagreement(&call, &got, &expected));
        }

        for &id in ids {
            let call = format!("explain(db, &s, {id}, Action::Read)");
            let explanation = E::explain(db, subject, E::id(id), Action::Read)
                .await
                .map_err(|err| self.db_failure(&call, &err))?;
            let got = (explanation.access, oracle_reasons(&explanation.reasons));
            let expected = (
                rows.access(id, Action::Read),
                Some(self.world.read_reasons(&asker.who, model, id)),
            );
            if got != expected {
                return Err(disagreement(&call, &explanation, &expected));
            }
        }
        self.count(ids.len() as u64 + 2);
        Ok(())
    }

    /// `access(uuid)` finds the oracle's share, or `NotFound` where the oracle has none.
    fn compare_access(
        &self,
        asker: &Asker,
        found: &[(Uuid, Result<Share, OwnershipError>)],
    ) -> Result<(), TestCaseError> {
        for (uuid, got) in found {
            let expected = self.world.access(&asker.who, uuid);
            let agrees = match (got, expected) {
                (Ok(share), Some(share_expected)) => {
                    to_oracle_share(share) == (*uuid, share_expected.clone())
                }
                (Err(OwnershipError::NotFound { .. }), None) => true,
                _ => false,
            };
            if !agrees {
                return Err(self.failure(
                    &format!("shared_doc::Entity::access(db, &s, {uuid})"),
                    &format!(
                        "subject: {}: {:?}\nlibrary: {got:?}\noracle:  {expected:?}",
                        asker.label, asker.subject
                    ),
                ));
            }
        }
        self.count(found.len() as u64);
        Ok(())
    }

    async fn compare_subject(
        &self,
        asker: &Asker,
        model: Model,
        answers: &ModelAnswers,
    ) -> Result<(), TestCaseError> {
        let who = &asker.who;
        for (question, got) in asker.questions.iter().zip(&answers.scopes) {
            let expected = question.expected(&self.world, who, model);
            if *got != expected {
                return Err(self
                    .scope_failure(asker, model, question, got, &expected)
                    .await);
            }
        }
        for (k, got) in &answers.pages {
            let question = &asker.questions[*k];
            let expected: Vec<i64> = question
                .expected(&self.world, who, model)
                .into_iter()
                .collect();
            if *got != expected {
                return Err(self.failure(
                    &format!("the keyset pages of {}", question.describe(model)),
                    &format!(
                        "subject: {}: {:?}\nlibrary: {got:?}\noracle:  {expected:?}",
                        asker.label, asker.subject
                    ),
                ));
            }
        }
        self.count(answers.pages.len() as u64);
        for (k, got) in &answers.counts {
            let question = &asker.questions[*k];
            let expected = question.expected(&self.world, who, model).len() as u64;
            if *got != expected {
                return Err(self.failure(
                    &format!("the count of {}", question.describe(model)),
                    &format!(
                        "subject: {}: {:?}\nlibrary: {got}\noracle:  {expected}",
                        asker.label, asker.subject
                    ),
                ));
            }
        }
        self.count(answers.counts.len() as u64);
        let read = &answers.scopes[1];
        let manage = &answers.scopes[2];
        if !manage.is_subset(read) {
            return Err(self.failure(
                "manage implies read",
                &format!(
                    "subject: {}: {:?}\nlibrary: manage {manage:?}, read {read:?}",
                    asker.label, asker.subject
                ),
            ));
        }
        self.count(answers.scopes.len() as u64 + 1);
        for (checks, manage) in [(&answers.can_read, false), (&answers.can_manage, true)] {
            for &(id, got) in checks {
                let expected = if manage {
                    self.world.can_manage(who, model, id)
                } else {
                    self.world.can_read(who, model, id)
                };
                if got != expected {
                    let question = if manage {
                        Question::Manage
                    } else {
                        Question::Read
                    };
                    let backend = self.db.get_database_backend();
                    let sql = match model {
                        Model::Document => sql_for_id(
                            question.select::<document::Entity>(&asker.subject),
                            id,
                            backend,
                        ),
                        Model::Note => {
                            sql_for_id(question.select::<note::Entity>(&asker.subject), id, backend)
                        }
                        Model::UuidDoc => sql_for_id(
                            question.select::<uuid_doc::Entity>(&asker.subject),
                            id,
                            backend,
                        ),
                        Model::SharedDoc => sql_for_id(
                            question.select::<shared_doc::Entity>(&asker.subject),
                            id,
                            backend,
                        ),
                    };
                    let call = if manage { "can_manage" } else { "can_read" };
                    return Err(self.failure(
                        &format!("{}::Entity::{call}(db, &s, {id})", entity_name(model)),
                        &format!(
                            "subject: {}: {:?}\nlibrary: {got}\noracle:  {expected}\nSQL: {sql}",
                            asker.label, asker.subject
                        ),
                    ));
                }
            }
            self.count(checks.len() as u64);
        }
        for &(id, name, got) in &answers.capabilities {
            let expected = self.world.has_capability(who, model, name, id);
            if got != expected {
                let sql = sql_for_id(
                    shared_doc::Entity::find().with_capability_for(&asker.subject, name),
                    id,
                    self.db.get_database_backend(),
                );
                return Err(self.failure(
                    &format!("shared_doc::Entity::has_capability(db, &s, {name:?}, {id})"),
                    &format!(
                        "subject: {}: {:?}\nlibrary: {got}\noracle:  {expected}\nSQL: {sql}",
                        asker.label, asker.subject
                    ),
                ));
            }
        }
        self.count(answers.capabilities.len() as u64);
        Ok(())
    }

    /// A scope disagreement, with the scope run again on its own and its SQL.
    async fn scope_failure(
        &self,
        asker: &Asker,
        model: Model,
        question: &Question,
        got: &BTreeSet<i64>,
        expected: &BTreeSet<i64>,
    ) -> TestCaseError {
        let backend = self.db.get_database_backend();
        let (alone, sql) = match model {
            Model::Document => {
                let select = question.select::<document::Entity>(&asker.subject);
                let sql = select.build(backend).to_string();
                (ids_of(self.db, model, select).await, sql)
            }
            Model::Note => {
                let select = question.select::<note::Entity>(&asker.subject);
                let sql = select.build(backend).to_string();
                (ids_of(self.db, model, select).await, sql)
            }
            Model::UuidDoc => {
                let select = question.select::<uuid_doc::Entity>(&asker.subject);
                let sql = select.build(backend).to_string();
                (ids_of(self.db, model, select).await, sql)
            }
            Model::SharedDoc => {
                let select = question.select::<shared_doc::Entity>(&asker.subject);
                let sql = select.build(backend).to_string();
                (ids_of(self.db, model, select).await, sql)
            }
        };
        self.failure(
            &question.describe(model),
            &format!(
                "subject: {}: {:?}\nlibrary: {got:?} (run alone: {alone:?})\noracle:  {expected:?}\nSQL: {sql}",
                asker.label, asker.subject
            ),
        )
    }

    fn holders_question(&self, spec: &GenHolders) -> HoldersQuestion {
        let objects = spec.objects.as_ref().map(|objects| {
            objects
                .iter()
                .map(|&(model, i)| {
                    let id = pick(i, &self.rows_ever[&model]).unwrap_or(1000);
                    (model.name().to_owned(), id)
                })
                .collect()
        });
        HoldersQuestion {
            names: spec.names.iter().map(|n| (*n).to_owned()).collect(),
            model_names: spec
                .model_names
                .as_ref()
                .map(|m| m.iter().map(|n| (*n).to_owned()).collect()),
            objects,
            include_null_model_name: spec.include_null_model_name,
            include_null_object: spec.include_null_object,
            direct_only: spec.direct_only,
        }
    }

    async fn check_holders(&self) -> Result<(), TestCaseError> {
        for spec in &self.scenario.holders {
            let question = self.holders_question(spec);
            let mut asked = holders(question.names.clone())
                .include_null_model_name(question.include_null_model_name)
                .include_null_object(question.include_null_object);
            if let Some(model_names) = &question.model_names {
                asked = asked.model_names(model_names.clone());
            }
            if let Some(objects) = &question.objects {
                asked = asked.objects(objects.iter().map(|(model_name, id)| ObjectRef {
                    model_name: model_name.clone(),
                    id: Some(if model_name == Model::UuidDoc.name() {
                        Key::Uuid(uuid_doc_id(*id))
                    } else {
                        Key::Int(*id)
                    }),
                }));
            }
            if question.direct_only {
                asked = asked.direct_only();
            }
            let expected = self.world.holder_users(&question);
            self.compare_holders("holders(..).users()", &question, asked.users(), expected)
                .await?;
            let expected = self.world.holder_groups(&question);
            self.compare_holders("holders(..).groups()", &question, asked.groups(), expected)
                .await?;
            self.count(2);
        }
        Ok(())
    }

    /// Compares the ids a holder query selects (users or groups) with the oracle's.
    async fn compare_holders<I: From<Key> + AsRef<Key>>(
        &self,
        what: &str,
        question: &HoldersQuestion,
        asked: Result<HolderIds<I>, OwnershipError>,
        expected: BTreeSet<i64>,
    ) -> Result<(), TestCaseError> {
        let ids = asked.map_err(|err| self.db_failure(what, &err))?;
        let sql = self
            .db
            .get_database_backend()
            .build(&ids.statement())
            .to_string();
        let got: BTreeSet<i64> = ids
            .all(self.db)
            .await
            .map_err(|err| self.db_failure(what, &err))?
            .iter()
            .map(|id| world::handle(id.as_ref()))
            .collect();
        if got != expected {
            return Err(self.failure(
                what,
                &format!(
                    "question: {question:?}\nlibrary: {got:?}\noracle:  {expected:?}\nSQL: {sql}"
                ),
            ));
        }
        Ok(())
    }

    async fn check_permissions_of(&self) -> Result<(), TestCaseError> {
        let users = &self.written.users;
        let groups = &self.written.groups;
        let mut sources: Vec<(Vec<i64>, Vec<i64>)> =
            users.iter().map(|&u| (vec![u], vec![])).collect();
        sources.extend(groups.iter().map(|&g| (vec![], vec![g])));
        sources.push((users.clone(), groups.clone()));
        sources.push((vec![], vec![]));
        sources.push((vec![self.written.deleted_user], vec![]));
        for (users, groups) in sources {
            let held = permissions_of(
                users.iter().map(|&id| uid(id)),
                groups.iter().map(|&id| gid(id)),
            )
            .map_err(|err| self.db_failure("permissions_of", &err))?;
            let sql = held
                .build(self.db.get_database_backend())
                .map(|statement| statement.to_string())
                .unwrap_or_default();
            let got: BTreeSet<oracle::Permission> = held
                .all(self.db)
                .await
                .map_err(|err| self.db_failure("permissions_of", &err))?
                .into_iter()
                .map(to_oracle_permission)
                .collect();
            let expected = self.world.permissions_of(&users, &groups);
            if got != expected {
                return Err(self.failure(
                    &format!("permissions_of({users:?}, {groups:?})"),
                    &format!("library: {got:?}\noracle:  {expected:?}\nSQL: {sql}"),
                ));
            }
            self.count(1);
        }
        Ok(())
    }
}

/// The rows of one model the oracle lets one subject take each action on.
struct ActionRows {
    read: BTreeSet<i64>,
    manage: BTreeSet<i64>,
    delete: BTreeSet<i64>,
    /// Managed in the subject's own right, not through a share.
    share: BTreeSet<i64>,
}

impl ActionRows {
    fn of(world: &World, who: &Who, model: Model) -> Self {
        ActionRows {
            read: world.read(who, model),
            manage: world.manage(who, model),
            delete: world.deletable(who, model),
            share: world.managed_in_own_right(who, model),
        }
    }

    fn rows(&self, action: Action) -> &BTreeSet<i64> {
        match action {
            Action::Read => &self.read,
            Action::Manage => &self.manage,
            Action::Delete => &self.delete,
            Action::Share => &self.share,
        }
    }

    /// The actions on the row `id`.
    fn actions(&self, id: i64) -> Actions {
        Actions {
            read: self.read.contains(&id),
            manage: self.manage.contains(&id),
            delete: self.delete.contains(&id),
            share: self.share.contains(&id),
        }
    }

    /// A row the subject does not read is not found; one it reads, granted or forbidden.
    fn access(&self, id: i64, action: Action) -> Access {
        if !self.read.contains(&id) {
            Access::NotFound
        } else if self.rows(action).contains(&id) {
            Access::Granted
        } else {
            Access::Forbidden
        }
    }
}

/// Reasons as the oracle names them; `None` if one is a policy's, which the oracle's
/// worlds never assign.
fn oracle_reasons(reasons: &[Reason]) -> Option<BTreeSet<oracle::Reason>> {
    let via = |to: &Via| match to {
        Via::User => oracle::Via::User,
        Via::Group(group) => oracle::Via::Group(world::handle(group.as_ref())),
        Via::Anyone => oracle::Via::Anyone,
    };
    reasons
        .iter()
        .map(|reason| {
            Some(match reason {
                Reason::Owner => oracle::Reason::Owner,
                Reason::AccountStaff => oracle::Reason::AccountStaff,
                Reason::OwnedByAccountStaff => oracle::Reason::OwnedByAccountStaff,
                Reason::OwnedBySuperuser => oracle::Reason::OwnedBySuperuser,
                Reason::Superuser => oracle::Reason::Superuser,
                Reason::Grant { name, to, on } => oracle::Reason::Grant {
                    name: name.clone(),
                    to: via(to),
                    on: match on {
                        GrantOn::Object => oracle::GrantOn::Object,
                        GrantOn::Model => oracle::GrantOn::Model,
                        GrantOn::Everything => oracle::GrantOn::Everything,
                    },
                },
                Reason::Share { share, name, to } => oracle::Reason::Share {
                    share: *share,
                    name: name.clone(),
                    to: via(to),
                },
                Reason::Policy { .. } => return None,
            })
        })
        .collect()
}

fn entity_name(model: Model) -> &'static str {
    match model {
        Model::Document => "document",
        Model::Note => "note",
        Model::UuidDoc => "uuid_doc",
        Model::SharedDoc => "shared_doc",
    }
}

/// A permission held as the oracle names it.
fn to_oracle_permission(held: HeldPermission) -> oracle::Permission {
    oracle::Permission {
        name: held.name,
        model_name: held.model_name,
        object: held.object_id.as_ref().map(handle_of),
    }
}

/// The SQL of a scope narrowed to one id, as the single-object checks run it.
fn sql_for_id<E: OwnedEntity>(select: Select<E>, id: i64, backend: sea_orm::DbBackend) -> String {
    select
        .filter(E::id_column().eq(id))
        .build(backend)
        .to_string()
}
