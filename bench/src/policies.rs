//! The policy benchmark: a `parcel` table whose rows have three-segment paths
//! (organization, project, id), subjects whose assigned policies hold 1, 10 and 100
//! clauses, and the policy scope's first page and count timed beside hand-written SQL on the
//! same connection, the two in turns; every answer of both is checked against the one
//! computed in memory.
//!
//! Each subject is drawn as what it may view (its [`Intent`]): whole organizations, single
//! projects elsewhere, projects and parcels denied inside its organizations, and parcels
//! allowed again inside a denied project. Its clauses say that in django-tutelary's format,
//! one block per organization in an order for which "last match wins" gives the intent,
//! with clauses on other actions in between (which a view decision passes over); the
//! reference SQL says it as a developer would write it knowing the intent; the expected
//! answers follow from the intent alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::time::Instant;

use ownership_core::{
    OwnershipCounts, OwnershipPages, PolicyAssignment, Principal, Subject, UserId, assign_policies,
    create_policy,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Statement, Value};
use serde_json::json;

use crate::args::PolicyArgs;
use crate::db;
use crate::error::{BenchError, Context, Result};
use crate::load::{self, Cell, Rows, Sink};
use crate::report::{utc_now, write_files};
use crate::rng::Rng;
use crate::timing::{Item, Measured, Runner, Stats};
use crate::{Plans, QUICK_RUNS, RUNS, progress, write_plans};

/// The parcels of the benchmark, with the path and actions their policies name.
pub mod parcel {
    use sea_orm::entity::prelude::*;

    /// A parcel: its organization, its project (none for a parcel not in a project yet,
    /// which no path pattern names) and its id make its path.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "parcel")]
    #[owned(policy(
        path = "parcel/{organization}/{project}/{id}",
        actions("parcel.list", "parcel.view", "parcel.edit", "parcel.delete")
    ))]
    pub struct Model {
        /// The parcel id.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The owner profile.
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        /// The parcel's name, unique per owner.
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
        /// The organization's slug.
        pub organization: String,
        /// The project's slug, unique within its organization.
        pub project: Option<String>,
    }

    /// No relations: the migration helper adds the owner's foreign key.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The action every question asks about.
const VIEW: &str = "parcel.view";

/// Organizations, and projects in each.
const ORGANIZATIONS: u16 = 100;
const PROJECTS: u16 = 50;

/// The part of parcels not in a project.
const WITHOUT_PROJECT: f64 = 0.02;

/// The clauses of each kind of subject, and the subjects of each kind.
const CLAUSES: [usize; 3] = [1, 10, 100];
const SUBJECTS_PER_KIND: usize = 5;

/// The most clauses in one policy: a subject's clauses come in several policies, assigned
/// in order.
const CLAUSES_PER_POLICY: usize = 25;

/// The rows of a first page.
const PAGE: usize = 50;

/// The generator's seed.
const SEED: u64 = 0x5eed_0f5a_a4e5_0002;

/// The owner of every parcel (its profile has the same id); subjects follow it.
const OWNER: i64 = 1;

/// A parcel's path values: organization and project numbers.
#[derive(Clone, Copy, Debug)]
struct Parcel {
    organization: u16,
    project: Option<u16>,
}

fn organization_slug(organization: u16) -> String {
    format!("org-{organization:03}")
}

fn project_slug(project: u16) -> String {
    format!("project-{project:02}")
}

/// What a subject may view; its clauses, its reference SQL and its expected answers all
/// follow from it. A parcel without a project is in none of these.
#[derive(Clone, Debug, Default)]
struct Intent {
    /// Whole organizations.
    organizations: BTreeSet<u16>,
    /// Single projects, in organizations not above.
    projects: BTreeSet<(u16, u16)>,
    /// Projects denied, in the organizations above.
    denied_projects: BTreeSet<(u16, u16)>,
    /// Parcels denied, among those the above allow.
    denied_parcels: BTreeSet<i64>,
    /// Parcels allowed again, in the denied projects.
    readmitted: BTreeSet<i64>,
}

impl Intent {
    fn allows(&self, id: i64, parcel: Parcel) -> bool {
        let Some(project) = parcel.project else {
            return false;
        };
        let key = (parcel.organization, project);
        self.readmitted.contains(&id)
            || ((self.organizations.contains(&parcel.organization) || self.projects.contains(&key))
                && !self.denied_projects.contains(&key)
                && !self.denied_parcels.contains(&id))
    }
}

/// One clause, as its JSON.
fn clause(effect: &str, actions: &[&str], object: Option<String>) -> serde_json::Value {
    match object {
        Some(object) => json!({"effect": effect, "action": actions, "object": [object]}),
        None => json!({"effect": effect, "action": actions}),
    }
}

fn parcel_path(organization: u16, project: u16, id: &str) -> String {
    format!(
        "parcel/{}/{}/{id}",
        organization_slug(organization),
        project_slug(project)
    )
}

/// The policy every subject is assigned first: its first organization, by variable.
const MEMBER_POLICY: &str = "organization-member";

fn member_policy() -> String {
    json!({
        "version": "2015-12-10",
        "clause": [clause("allow", &["parcel.*"], Some("parcel/$organization/*/*".to_owned()))],
    })
    .to_string()
}

/// A subject of the benchmark: its intent, its policies, and once loaded its snapshot and
/// reference statements.
struct PolicySubject {
    kind: String,
    user: i64,
    intent: Intent,
    /// The value of the member policy's variable.
    first_organization: u16,
    /// Its own policies' bodies, in assignment order after the member policy.
    policies: Vec<String>,
}

impl Item for PolicySubject {
    fn kind(&self) -> &str {
        &self.kind
    }
}

/// Draws `count` distinct values with `draw`, giving up after many repeats (a tiny table).
fn distinct<T: Ord>(count: usize, mut draw: impl FnMut() -> T) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    let mut tries = 0;
    while set.len() < count && tries < count * 100 {
        set.insert(draw());
        tries += 1;
    }
    set
}

/// `count` parcels of `parcels` (indexed by id - 1) that `wanted` accepts.
fn pick_parcels(
    rng: &mut Rng,
    parcels: &[Parcel],
    count: usize,
    wanted: impl Fn(i64, Parcel) -> bool,
) -> BTreeSet<i64> {
    let candidates: Vec<i64> = (1..)
        .zip(parcels)
        .filter(|&(id, parcel)| wanted(id, *parcel))
        .map(|(id, _)| id)
        .collect();
    if candidates.is_empty() {
        return BTreeSet::new();
    }
    distinct(count.min(candidates.len()), || rng.pick(&candidates))
}

/// A clause on some other action than [`VIEW`]: what policies hold beside the view rules.
fn other_clause(rng: &mut Rng) -> serde_json::Value {
    let organization = rng.below(u64::from(ORGANIZATIONS)) as u16;
    let project = rng.below(u64::from(PROJECTS)) as u16;
    match rng.below(4) {
        0 => clause(
            "allow",
            &["parcel.edit"],
            Some(parcel_path(organization, project, "*")),
        ),
        1 => clause("deny", &["parcel.delete"], Some("parcel/*/*/*".to_owned())),
        2 => clause("allow", &["report.read", "project.list"], None),
        _ => clause(
            "deny",
            &["parcel.edit", "parcel.delete"],
            Some(format!("parcel/{}/*/*", organization_slug(organization))),
        ),
    }
}

/// A subject with `clauses` clauses in all.
fn subject(rng: &mut Rng, parcels: &[Parcel], user: i64, clauses: usize) -> PolicySubject {
    let mut intent = Intent::default();
    let organizations = (clauses / 10).max(1);
    intent.organizations = distinct(organizations, || rng.below(u64::from(ORGANIZATIONS)) as u16);
    let first_organization = *intent.organizations.first().expect("one organization");
    let sized = |part: usize| if clauses >= 10 { clauses / part } else { 0 };
    let in_own = |rng: &mut Rng, own: &BTreeSet<u16>| {
        let organizations: Vec<u16> = own.iter().copied().collect();
        (
            rng.pick(&organizations),
            rng.below(u64::from(PROJECTS)) as u16,
        )
    };
    let own = intent.organizations.clone();
    intent.projects = distinct(sized(5), || {
        loop {
            let key = (
                rng.below(u64::from(ORGANIZATIONS)) as u16,
                rng.below(u64::from(PROJECTS)) as u16,
            );
            if !own.contains(&key.0) {
                break key;
            }
        }
    });
    intent.denied_projects = distinct(sized(5), || in_own(rng, &own));
    let region = intent.clone();
    intent.denied_parcels = pick_parcels(rng, parcels, sized(10), |id, parcel| {
        region.allows(id, parcel)
    });
    let denied = intent.denied_projects.clone();
    intent.readmitted = pick_parcels(rng, parcels, sized(10), |_, parcel| {
        parcel
            .project
            .is_some_and(|project| denied.contains(&(parcel.organization, project)))
    });

    // One block per organization: allowed, then its denials, then what is allowed again;
    // the single projects and the parcels denied in them in a block of their own.
    let path_of = |id: i64| {
        let parcel = parcels[(id - 1) as usize];
        parcel_path(
            parcel.organization,
            parcel.project.expect("picked parcels are in a project"),
            &id.to_string(),
        )
    };
    let mut blocks: Vec<Vec<serde_json::Value>> = Vec::new();
    for &organization in &intent.organizations {
        let mut block = Vec::new();
        if organization != first_organization {
            let object = format!("parcel/{}/*/*", organization_slug(organization));
            block.push(clause(
                "allow",
                &["parcel.view", "parcel.list"],
                Some(object),
            ));
        }
        for &(_, project) in intent
            .denied_projects
            .iter()
            .filter(|(o, _)| *o == organization)
        {
            let object = parcel_path(organization, project, "*");
            block.push(clause("deny", &["parcel.*"], Some(object)));
        }
        for &id in &intent.denied_parcels {
            if parcels[(id - 1) as usize].organization == organization {
                block.push(clause("deny", &["parcel.view"], Some(path_of(id))));
            }
        }
        for &id in &intent.readmitted {
            if parcels[(id - 1) as usize].organization == organization {
                block.push(clause("allow", &["parcel.view"], Some(path_of(id))));
            }
        }
        blocks.push(block);
    }
    let mut block: Vec<serde_json::Value> = intent
        .projects
        .iter()
        .map(|&(organization, project)| {
            let object = parcel_path(organization, project, "*");
            clause("allow", &["parcel.*"], Some(object))
        })
        .collect();
    for &id in &intent.denied_parcels {
        if !intent
            .organizations
            .contains(&parcels[(id - 1) as usize].organization)
        {
            block.push(clause("deny", &["parcel.view"], Some(path_of(id))));
        }
    }
    blocks.push(block);
    let mut own_clauses: Vec<serde_json::Value> = blocks.into_iter().flatten().collect();
    // The member policy's clause is the first one.
    while own_clauses.len() + 1 < clauses {
        let at = rng.below(own_clauses.len() as u64 + 1) as usize;
        own_clauses.insert(at, other_clause(rng));
    }
    let policies = own_clauses
        .chunks(CLAUSES_PER_POLICY)
        .map(|chunk| json!({"clause": chunk}).to_string())
        .collect();
    PolicySubject {
        kind: format!("{clauses} clause{}", if clauses == 1 { "" } else { "s" }),
        user,
        intent,
        first_organization,
        policies,
    }
}

/// A statement written by hand: its SQL with placeholders, and its values.
struct Reference {
    sql: String,
    values: Vec<Value>,
    backend: DbBackend,
}

impl Reference {
    fn new(backend: DbBackend) -> Self {
        Self {
            sql: String::new(),
            values: Vec::new(),
            backend,
        }
    }

    /// A placeholder for `value`.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// `(a, b, ...)` of placeholders for `values`.
    fn list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        let placeholders: Vec<String> = values.into_iter().map(|v| self.bind(v)).collect();
        format!("({})", placeholders.join(", "))
    }

    fn statement(&self) -> Statement {
        Statement::from_sql_and_values(self.backend, &self.sql, self.values.clone())
    }
}

/// Projects grouped by organization.
fn by_organization(keys: &BTreeSet<(u16, u16)>) -> BTreeMap<u16, Vec<String>> {
    let mut grouped: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for &(organization, project) in keys {
        grouped
            .entry(organization)
            .or_default()
            .push(project_slug(project));
    }
    grouped
}

/// The reference statement: `SELECT {select} FROM parcel WHERE {the intent} {tail}`.
fn reference(backend: DbBackend, intent: &Intent, select: &str, tail: &str) -> Statement {
    let mut r = Reference::new(backend);
    let mut allowed = Vec::new();
    if !intent.organizations.is_empty() {
        let list = r.list(intent.organizations.iter().map(|&o| organization_slug(o)));
        allowed.push(format!("organization IN {list}"));
    }
    for (organization, projects) in by_organization(&intent.projects) {
        let organization = r.bind(organization_slug(organization));
        let projects = r.list(projects);
        allowed.push(format!(
            "(organization = {organization} AND project IN {projects})"
        ));
    }
    let mut condition = format!("({})", allowed.join(" OR "));
    for (organization, projects) in by_organization(&intent.denied_projects) {
        let organization = r.bind(organization_slug(organization));
        let projects = r.list(projects);
        write!(
            condition,
            " AND NOT (organization = {organization} AND project IN {projects})"
        )
        .expect("writing to a String cannot fail");
    }
    if !intent.denied_parcels.is_empty() {
        let list = r.list(intent.denied_parcels.iter().copied());
        write!(condition, " AND id NOT IN {list}").expect("writing to a String cannot fail");
    }
    if !intent.readmitted.is_empty() {
        let list = r.list(intent.readmitted.iter().copied());
        condition = format!("{condition} OR id IN {list}");
    }
    r.sql =
        format!("SELECT {select} FROM parcel WHERE project IS NOT NULL AND ({condition}) {tail}");
    r.statement()
}

/// The two ways of answering a question.
#[derive(Clone, Copy)]
enum Engine {
    Library,
    Reference,
}

/// A loaded subject with its reference statements.
struct Loaded<'a> {
    of: &'a PolicySubject,
    subject: Subject,
    reference_page: Statement,
    reference_count: Statement,
}

impl Item for Loaded<'_> {
    fn kind(&self) -> &str {
        &self.of.kind
    }
}

async fn first_page(
    db: &DatabaseConnection,
    loaded: &Loaded<'_>,
    engine: Engine,
) -> Result<Vec<i64>> {
    Ok(match engine {
        Engine::Library => parcel::Entity::policy_page(&loaded.subject, &[VIEW], PAGE as u64)
            .all(db)
            .await?
            .into_iter()
            .map(|parcel| parcel.id)
            .collect(),
        // Read into the same models, as an application runs its own SQL through SeaORM.
        Engine::Reference => parcel::Entity::find()
            .from_raw_sql(loaded.reference_page.clone())
            .all(db)
            .await?
            .into_iter()
            .map(|parcel| parcel.id)
            .collect(),
    })
}

async fn count(db: &DatabaseConnection, loaded: &Loaded<'_>, engine: Engine) -> Result<u64> {
    Ok(match engine {
        Engine::Library => parcel::Entity::policy_count(db, &loaded.subject, &[VIEW]).await?,
        Engine::Reference => {
            let row = db
                .query_one_raw(loaded.reference_count.clone())
                .await?
                .ok_or_else(|| BenchError::new("COUNT(*) returned no row"))?;
            u64::try_from(row.try_get_by_index::<i64>(0)?)
                .map_err(|_| BenchError::new("negative count"))?
        }
    })
}

/// Loads the owner, the subjects' users and the parcels, then creates and assigns the
/// policies through the library.
async fn load(
    db: &DatabaseConnection,
    parcels: &[Parcel],
    subjects: &[PolicySubject],
) -> Result<()> {
    let organizations: Vec<String> = (0..ORGANIZATIONS).map(organization_slug).collect();
    let projects: Vec<String> = (0..PROJECTS).map(project_slug).collect();
    let names: Vec<String> = (1..=parcels.len())
        .map(|id| format!("parcel {id}"))
        .collect();
    let usernames: Vec<(i64, String)> = std::iter::once((OWNER, "owner".to_owned()))
        .chain(
            subjects
                .iter()
                .map(|s| (s.user, format!("reader-{}", s.user))),
        )
        .collect();
    let sink = Sink::open(db).await?;
    sink.write_account_members((OWNER, "owners"), &usernames, &[(OWNER, OWNER)])
        .await?;
    sink.write(Rows {
        table: "parcel",
        columns: &["id", "user_profile_id", "name", "organization", "project"],
        rows: Box::new(
            (1..)
                .zip(parcels.iter().zip(&names))
                .map(|(id, (parcel, name))| {
                    vec![
                        Cell::Int(id),
                        Cell::Int(OWNER),
                        Cell::Text(name),
                        Cell::Text(&organizations[usize::from(parcel.organization)]),
                        Cell::MaybeText(parcel.project.map(|p| projects[usize::from(p)].as_str())),
                    ]
                }),
        ),
    })
    .await?;
    sink.finish().await?;
    load::analyze(db, &["ownership_user", "ownership_user_profile", "parcel"]).await?;

    create_policy(db, MEMBER_POLICY, &member_policy()).await?;
    for subject in subjects {
        let mut assigned = vec![PolicyAssignment::new(MEMBER_POLICY).with(
            "organization",
            organization_slug(subject.first_organization),
        )];
        for (index, body) in subject.policies.iter().enumerate() {
            let name = format!("reader-{}-{index}", subject.user);
            create_policy(db, &name, body)
                .await
                .context(format!("create {name}"))?;
            assigned.push(PolicyAssignment::new(name));
        }
        assign_policies(db, &Principal::User(UserId::from(subject.user)), &assigned).await?;
    }
    Ok(())
}

/// Compares the answers of an engine with the expected ones; one line per difference.
fn differences<A: PartialEq + std::fmt::Debug>(
    question: &str,
    engine: &str,
    loaded: &[Loaded<'_>],
    got: &[A],
    expected: impl Fn(&Intent) -> A,
) -> Vec<String> {
    loaded
        .iter()
        .zip(got)
        .filter_map(|(loaded, got)| {
            let want = expected(&loaded.of.intent);
            (got != &want).then(|| {
                format!(
                    "{question} ({engine}) of user {}: expected {want:?}, got {got:?}",
                    loaded.of.user
                )
            })
        })
        .collect()
}

/// One question's timings: library and reference, per kind.
fn table_rows(question: &str, library: &Stats, reference: &Stats) -> String {
    let mut out = String::new();
    for (kind, library_ms) in &library.by_kind {
        let reference_ms = reference.by_kind[kind];
        writeln!(
            out,
            "| {question} | {kind} | {library_ms:.3} | {reference_ms:.3} | {:.2} |",
            library_ms / reference_ms
        )
        .expect("writing to a String cannot fail");
    }
    writeln!(
        out,
        "| {question} | all | {:.3} | {:.3} | {:.2} |",
        library.median_ms,
        reference.median_ms,
        library.median_ms / reference.median_ms
    )
    .expect("writing to a String cannot fail");
    out
}

/// Runs the policy benchmark; `Ok(false)` when an answer differs from the expected one.
pub async fn run(args: &PolicyArgs) -> Result<bool> {
    let started = Instant::now();
    fs::create_dir_all(&args.out).context(format!("create {}", args.out.display()))?;
    let mut rng = Rng::seeded(SEED ^ args.rows);
    let parcels: Vec<Parcel> = (0..args.rows)
        .map(|_| Parcel {
            organization: rng.below(u64::from(ORGANIZATIONS)) as u16,
            project: (!rng.chance(WITHOUT_PROJECT)).then(|| rng.below(u64::from(PROJECTS)) as u16),
        })
        .collect();
    let mut subjects = Vec::new();
    for clauses in CLAUSES {
        for _ in 0..SUBJECTS_PER_KIND {
            let user = OWNER + 1 + subjects.len() as i64;
            subjects.push(subject(&mut rng, &parcels, user, clauses));
        }
    }

    println!("creating a fresh database ({})", args.database_url);
    let bench = db::fresh(&args.database_url, &args.out).await?;
    let db = &bench.db;
    let manager = ownership_migration::sea_orm_migration::SchemaManager::new(db);
    ownership_migration::create_owned_table(&manager, parcel::Entity)
        .await
        .context("create the parcel table")?;
    // The application's index on its path: organization, then project.
    db.execute_unprepared("CREATE INDEX parcel_path ON parcel (organization, project)")
        .await
        .context("create the path index")?;
    println!("loading {} parcels into {}", args.rows, bench.server);
    let loading = Instant::now();
    load(db, &parcels, &subjects).await?;
    println!("  loaded in {:.1} s", loading.elapsed().as_secs_f64());

    let backend = db.get_database_backend();
    let mut loaded = Vec::with_capacity(subjects.len());
    for of in &subjects {
        let subject = Subject::load(db, UserId::from(of.user)).await?;
        let page_tail = format!("ORDER BY id LIMIT {PAGE}");
        loaded.push(Loaded {
            of,
            subject,
            // The columns the library's page reads: the whole row.
            reference_page: reference(
                backend,
                &of.intent,
                "id, user_profile_id, name, organization, project",
                &page_tail,
            ),
            reference_count: reference(backend, &of.intent, "COUNT(*)", ""),
        });
    }
    let expected_page = |intent: &Intent| -> Vec<i64> {
        (1..)
            .zip(&parcels)
            .filter(|&(id, parcel)| intent.allows(id, *parcel))
            .map(|(id, _)| id)
            .take(PAGE)
            .collect()
    };
    let expected_count = |intent: &Intent| -> u64 {
        (1..)
            .zip(&parcels)
            .filter(|&(id, parcel)| intent.allows(id, *parcel))
            .count() as u64
    };

    let runs = if args.quick { QUICK_RUNS } else { RUNS };
    println!(
        "timing {} subjects ({} per kind), {runs} timed run(s) per item, engines in turns",
        loaded.len(),
        SUBJECTS_PER_KIND
    );
    let runner = Runner::new(db, runs);
    let engines = [Engine::Library, Engine::Reference];
    let pages = runner
        .measure_together("policy first page", &loaded, &engines, first_page)
        .await?;
    let counts = runner
        .measure_together("policy count", &loaded, &engines, count)
        .await?;

    let mut found = Vec::new();
    for (engine, measured) in ["library", "reference"].into_iter().zip(&pages) {
        progress(&format!("first page ({engine})"), &measured.stats);
        found.extend(differences(
            "first page",
            engine,
            &loaded,
            &measured.answers,
            expected_page,
        ));
    }
    for (engine, measured) in ["library", "reference"].into_iter().zip(&counts) {
        progress(&format!("count ({engine})"), &measured.stats);
        found.extend(differences(
            "count",
            engine,
            &loaded,
            &measured.answers,
            expected_count,
        ));
    }
    if found.is_empty() {
        println!("answers: equal to the expected answers");
    } else {
        eprintln!("answers DIFFER from the expected ones ({}):", found.len());
        for line in found.iter().take(20) {
            eprintln!("  {line}");
        }
    }

    let date = utc_now();
    let counted = |measured: &Measured<u64>| -> BTreeMap<String, u64> {
        let mut rows = BTreeMap::new();
        for (loaded, count) in loaded.iter().zip(&measured.answers) {
            rows.insert(
                format!("user {} ({})", loaded.of.user, loaded.of.kind),
                *count,
            );
        }
        rows
    };
    let mut markdown = format!(
        "Policy benchmark, {} parcels, {} (ownership-core; SeaORM {}), {date}, {runs} timed \
         run(s) per item, engines in turns; medians in ms.\n\n\
         | question | subjects | library | reference | ratio |\n\
         | --- | --- | ---: | ---: | ---: |\n",
        args.rows,
        bench.server,
        db::SEA_ORM_VERSION
    );
    markdown.push_str(&table_rows("first page", &pages[0].stats, &pages[1].stats));
    markdown.push_str(&table_rows("count", &counts[0].stats, &counts[1].stats));
    println!("\n{markdown}");
    let slug = bench.slug();
    let result = json!({
        "date": date,
        "server": bench.server,
        "rows": args.rows,
        "runs": runs,
        "first_page": {"library": pages[0].stats.to_json(), "reference": pages[1].stats.to_json()},
        "count": {"library": counts[0].stats.to_json(), "reference": counts[1].stats.to_json()},
        "counts": counted(&counts[0]),
        "differences": found,
    });
    write_files(
        &args.out,
        [
            (format!("policies-{slug}.md"), markdown),
            (
                format!("policies-{slug}.json"),
                serde_json::to_string_pretty(&result).expect("JSON values serialize"),
            ),
        ],
    )?;
    let plans: Plans = vec![
        ("policy_first_page".to_owned(), pages[0].statements.clone()),
        ("policy_count".to_owned(), counts[0].statements.clone()),
        (
            "reference_first_page".to_owned(),
            pages[1].statements.clone(),
        ),
        ("reference_count".to_owned(), counts[1].statements.clone()),
    ];
    let dir = args.out.join("explain-policies");
    let written = write_plans(db, &dir, &plans).await?;
    println!("wrote {written} plans in {}", dir.display());
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(found.is_empty())
}
