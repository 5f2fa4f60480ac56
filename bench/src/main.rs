//! Benchmark of `ownership-core` on the shared permission data set.
//!
//! ```text
//! cargo run --release -p ownership-bench -- --data DIR --database-url URL [--out DIR] [--quick]
//! ```
//!
//! Loads the data set into a fresh schema, with shares generated from it, times the four
//! guardian-equivalent queries answered by the library's public API (and, on PostgreSQL, by
//! the hand-written reference SQL on the same connection), times the library's own scopes
//! with the full rules, times Q1-Q4 and the read page again through an entity on the same
//! table that counts the shares, checks every answer against the ones computed in memory
//! from the CSV files and the shares, and writes the result files, a markdown table and the
//! plans of the library's statements.
//!
//! `policies` (see [`policies`]) and `writes` (see [`writes`]) are benchmarks of their own,
//! on tables they make without the data set.

mod answers;
mod args;
mod dataset;
mod db;
mod document;
mod error;
mod expected;
mod explain;
mod load;
mod policies;
mod queries;
mod reference;
mod report;
mod rng;
mod shares;
mod timing;
mod writes;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ownership_core::Subject;
use sea_orm::{DatabaseConnection, Statement};

use crate::answers::Answers;
use crate::args::{Args, Command, USAGE};
use crate::dataset::{Dataset, Sample};
use crate::document::{Documents, shareable};
use crate::error::{BenchError, Context, Result};
use crate::queries::{BenchUser, Scope};
use crate::report::{QUERIES, Run, ScopeTimings, WithShares};
use crate::timing::{Item, Measured, Runner, Stats};

/// Timed runs per item (the README's timing rule), and in `--quick` mode.
const RUNS: usize = 3;
const QUICK_RUNS: usize = 1;

/// The scale `--quick` is meant for.
const QUICK_SCALE: f64 = 0.01;

/// At most this many differences are printed per engine.
const SHOWN_DIFFERENCES: usize = 20;

/// Milliseconds since the Unix epoch, as the library compares a share's expiry.
fn unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match args::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(args)) => exit_code(run(&args).await),
        Ok(Command::Policies(args)) => exit_code(policies::run(&args).await),
        Ok(Command::Writes(args)) => exit_code(writes::run(&args).await),
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Success when every answer was the expected one.
fn exit_code(run: Result<bool>) -> ExitCode {
    match run {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// A (bench user, bench document) pair of Q3.
struct Pair<'a> {
    user: &'a BenchUser,
    doc: i64,
}

impl Item for Pair<'_> {
    fn kind(&self) -> &str {
        &self.user.kind
    }
}

impl Item for BenchUser {
    fn kind(&self) -> &str {
        &self.kind
    }
}

impl Item for Sample {
    fn kind(&self) -> &str {
        &self.kind
    }
}

/// The statement of one item per kind.
type Statements = BTreeMap<String, Statement>;

/// Plans to write: file stem (`q1_first_page`) and the statement of one item per kind.
type Plans = Vec<(String, Statements)>;

/// Prints a line for a finished measurement.
fn progress(name: &str, stats: &Stats) {
    println!(
        "  {name:<32} median {:>9.3} ms   p95 {:>9.3} ms   ({} runs)",
        stats.median_ms, stats.p95_ms, stats.n
    );
}

/// Timings and answers of Q1-Q4 by one engine.
type Results = (Vec<Stats>, Answers);

/// A way of answering Q1-Q4.
#[derive(Clone, Copy)]
enum Engine<'a> {
    /// The library, through the plain entity.
    Library,
    /// The hand-written reference SQL.
    Reference(&'a reference::Queries),
    /// The library, through the shareable entity.
    Shares,
}

/// What [`guardian_queries`] measured.
struct Guardian {
    /// The library, through the plain entity.
    library: Results,
    /// The reference SQL, where there is one.
    reference: Option<Results>,
    /// The library, through the shareable entity.
    shares: Results,
    /// Whether Q4 ran the same statement through both entities, for each document kind.
    q4_same_statement: bool,
}

impl Guardian {
    /// The results of `engine`.
    fn of(&mut self, engine: Engine<'_>) -> &mut Results {
        match engine {
            Engine::Library => &mut self.library,
            Engine::Reference(_) => self.reference.get_or_insert_with(Results::default),
            Engine::Shares => &mut self.shares,
        }
    }

    /// Prints the progress line of each engine's measurement of the query `name`, keeps
    /// the library's statements for their plans (Q4 through the shareable entity is the
    /// plain statement again), its timings, and its answers by `store`.
    fn keep<A>(
        &mut self,
        plans: &mut Plans,
        name: &str,
        engines: &[Engine<'_>],
        measured: Vec<Measured<A>>,
        store: impl Fn(&mut Answers, Vec<A>),
    ) {
        for (&engine, m) in engines.iter().zip(measured) {
            let label = match engine {
                Engine::Library => "library",
                Engine::Reference(_) => "reference",
                Engine::Shares => "shares",
            };
            progress(&format!("{label} {name}"), &m.stats);
            match engine {
                Engine::Library => plans.push((name.to_owned(), m.statements)),
                Engine::Shares if name != QUERIES[3].0 => {
                    plans.push((format!("{name}_with_shares"), m.statements))
                }
                _ => {}
            }
            let results = self.of(engine);
            results.0.push(m.stats);
            store(&mut results.1, m.answers);
        }
    }
}

/// Times Q1-Q4 through the plain entity, by the reference when there is one and through
/// the shareable entity, the engines taking turns on each item; returns their timings and
/// answers, and keeps the library's statements.
async fn guardian_queries(
    runner: &Runner,
    users: &[BenchUser],
    docs: &[Sample],
    reference: Option<&reference::Queries>,
    plans: &mut Plans,
) -> Result<Guardian> {
    let pairs: Vec<Pair<'_>> = users
        .iter()
        .flat_map(|user| docs.iter().map(move |d| Pair { user, doc: d.id }))
        .collect();
    let engines: Vec<Engine<'_>> = [Some(Engine::Library), reference.map(Engine::Reference)]
        .into_iter()
        .flatten()
        .chain([Engine::Shares])
        .collect();
    let mut out = Guardian {
        library: Results::default(),
        reference: None,
        shares: Results::default(),
        q4_same_statement: false,
    };
    let user_ids = || users.iter().map(|u| u.id);
    let doc_ids = || docs.iter().map(|d| d.id);
    let allowed = |answers: Vec<bool>| {
        let mut allowed: BTreeMap<i64, Vec<i64>> = user_ids().map(|id| (id, vec![])).collect();
        for (pair, yes) in pairs.iter().zip(answers) {
            if yes {
                allowed.entry(pair.user.id).or_default().push(pair.doc);
            }
        }
        allowed.values_mut().for_each(|docs| docs.sort_unstable());
        allowed
    };

    let (q1, q2, q3, q4) = (QUERIES[0].0, QUERIES[1].0, QUERIES[2].0, QUERIES[3].0);
    let measured = runner
        .measure_together(q1, users, &engines, async |db, u, engine| match engine {
            Engine::Library => queries::q1::<document::Entity>(db, &u.subject).await,
            Engine::Reference(sql) => sql.q1(db, u.id).await,
            Engine::Shares => queries::q1::<shareable::Entity>(db, &u.subject).await,
        })
        .await?;
    out.keep(plans, q1, &engines, measured, |answers, got| {
        answers.q1 = user_ids().zip(got).collect();
    });

    let measured = runner
        .measure_together(q2, users, &engines, async |db, u, engine| match engine {
            Engine::Library => queries::q2::<document::Entity>(db, &u.subject).await,
            Engine::Reference(sql) => sql.q2(db, u.id).await,
            Engine::Shares => queries::q2::<shareable::Entity>(db, &u.subject).await,
        })
        .await?;
    out.keep(plans, q2, &engines, measured, |answers, got| {
        answers.q2 = user_ids().zip(got).collect();
    });

    let measured = runner
        .measure_together(q3, &pairs, &engines, async |db, p, engine| match engine {
            Engine::Library => queries::q3::<document::Entity>(db, &p.user.subject, p.doc).await,
            Engine::Reference(sql) => sql.q3(db, p.user.id, p.doc).await,
            Engine::Shares => queries::q3::<shareable::Entity>(db, &p.user.subject, p.doc).await,
        })
        .await?;
    out.keep(plans, q3, &engines, measured, |answers, got| {
        answers.q3 = allowed(got);
    });

    // Holders are read from the grants, so Q4 asks the same question through the shareable
    // entity; timed all the same, to show it costs the same.
    let measured = runner
        .measure_together(q4, docs, &engines, async |db, d, engine| match engine {
            Engine::Library => queries::q4::<document::Entity>(db, d.id).await,
            Engine::Reference(sql) => sql.q4(db, d.id).await,
            Engine::Shares => queries::q4::<shareable::Entity>(db, d.id).await,
        })
        .await?;
    let statements_of = |engine_index: usize| measured[engine_index].statements.clone();
    let (plain, through_shares) = (statements_of(0), statements_of(engines.len() - 1));
    out.q4_same_statement = through_shares.iter().all(|(kind, statement)| {
        plain
            .get(kind)
            .is_some_and(|plain| plain.to_string() == statement.to_string())
    });
    out.keep(plans, q4, &engines, measured, |answers, got| {
        answers.q4 = doc_ids().zip(got).collect();
    });
    Ok(out)
}

/// Times the library's full-rules scopes per bench user, the read page through the plain
/// and the shareable entity taking turns; returns the scopes' timings, and the timings and
/// pages of the read page with shares.
async fn scopes(
    runner: &Runner,
    users: &[BenchUser],
    plans: &mut Plans,
) -> Result<(Vec<ScopeTimings>, (Stats, BTreeMap<i64, Vec<i64>>))> {
    let mut out = Vec::new();
    let mut with_shares = None;
    let user_ids = || users.iter().map(|u| u.id);
    for scope in Scope::ALL {
        let name = scope.name();
        let plain = if scope == Scope::ReadPage {
            let mut measured = runner
                .measure_together(name, users, &[false, true], async |db, u, shareable| {
                    if shareable {
                        queries::read_page::<shareable::Entity>(db, &u.subject).await
                    } else {
                        queries::read_page::<document::Entity>(db, &u.subject).await
                    }
                })
                .await?;
            let shared = measured.pop().expect("one measurement per entity");
            progress(&format!("shares {name}"), &shared.stats);
            plans.push((format!("{name}_with_shares"), shared.statements));
            with_shares = Some((shared.stats, user_ids().zip(shared.answers).collect()));
            let Measured {
                answers,
                stats,
                statements,
            } = measured.pop().expect("one measurement per entity");
            Measured {
                answers: answers.iter().map(|page| page.len() as u64).collect(),
                stats,
                statements,
            }
        } else {
            runner
                .measure(name, users, async |db, u| {
                    scope.run::<document::Entity>(db, &u.subject).await
                })
                .await?
        };
        progress(&format!("library {name}"), &plain.stats);
        plans.push((name.to_owned(), plain.statements));
        out.push((name, plain.stats, user_ids().zip(plain.answers).collect()));
    }
    let with_shares = with_shares.expect("the scopes include the read page");
    Ok((out, with_shares))
}

/// The bench users whose keyset read or shared page through the entity `E` differs from
/// the scope's first page; with the keyset read pages, by user.
async fn page_differences<E: Documents>(
    db: &DatabaseConnection,
    users: &[BenchUser],
    entity: &str,
) -> Result<(Vec<String>, BTreeMap<i64, Vec<i64>>)> {
    let mut differences = Vec::new();
    let mut read_pages = BTreeMap::new();
    for user in users {
        let s = &user.subject;
        for (scope, page, first_page) in [
            (
                "read",
                queries::read_page::<E>(db, s).await?,
                queries::read_first_page::<E>(db, s).await?,
            ),
            (
                "shared",
                queries::shared_page::<E>(db, s).await?,
                queries::shared_first_page::<E>(db, s).await?,
            ),
        ] {
            if page != first_page {
                differences.push(format!(
                    "{entity}: {scope} page of user {} ({}): keyset page {page:?}, scope's \
                     first page {first_page:?}",
                    user.id, user.kind
                ));
            }
            if scope == "read" {
                read_pages.insert(user.id, page);
            }
        }
    }
    Ok((differences, read_pages))
}

/// Writes `<dir>/<query>-<kind>.txt` for every recorded statement, in a cleared `dir`.
async fn write_plans(db: &DatabaseConnection, dir: &Path, plans: &Plans) -> Result<usize> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(format!("clear {}", dir.display()))?;
    }
    fs::create_dir_all(dir).context(format!("create {}", dir.display()))?;
    // Read before the EXPLAINs below prepare statements of their own.
    if let Some(plan_cache) = explain::plan_cache(db).await? {
        let path = dir.join("plan-cache.tsv");
        fs::write(&path, plan_cache).context(format!("write {}", path.display()))?;
    }
    let mut written = 0;
    for (name, statements) in plans {
        for (kind, statement) in statements {
            let plan = explain::plan(db, statement)
                .await
                .context(format!("explain {name} ({kind})"))?;
            let path = dir.join(format!("{name}-{kind}.txt"));
            fs::write(&path, plan).context(format!("write {}", path.display()))?;
            written += 1;
        }
    }
    Ok(written)
}

/// Prints the differences of one engine's answers from the expected ones.
fn print_differences(engine: &str, differences: &[String]) {
    if differences.is_empty() {
        println!("{engine} answers: equal to the expected answers");
        return;
    }
    eprintln!(
        "{engine} answers DIFFER from the expected answers ({} differences); the first:",
        differences.len()
    );
    for line in differences.iter().take(SHOWN_DIFFERENCES) {
        eprintln!("  {line}");
    }
}

/// How many keys `with` answers otherwise than `without`.
fn changed_answers<V: PartialEq>(with: &BTreeMap<i64, V>, without: &BTreeMap<i64, V>) -> usize {
    with.iter()
        .filter(|(key, value)| without.get(key) != Some(value))
        .count()
}

/// Runs the benchmark; `Ok(false)` when an answer differs from the expected one.
async fn run(args: &Args) -> Result<bool> {
    let started = Instant::now();
    fs::create_dir_all(&args.out).context(format!("create {}", args.out.display()))?;
    println!("reading the data set in {}", args.data.display());
    let data = Dataset::read(&args.data)?;
    if args.quick && data.scale > QUICK_SCALE {
        eprintln!(
            "warning: --quick is meant for a scale-{QUICK_SCALE} data set; this one is scale {}",
            data.scale
        );
    }
    // Shares expire against this time: before it, or at least a day after.
    let start_ms = unix_ms(SystemTime::now());
    let generated = shares::generate(&data, start_ms);
    let summary = shares::summary(&generated, start_ms);
    println!(
        "generated shares: {}",
        summary
            .iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let received = shares::Received::at(&data, &generated, start_ms);
    let expected = expected::answers(&data, None);
    let expected_with_shares = expected::answers(&data, Some(&received));

    let reference = if args.database_url.starts_with("postgres") {
        Some((
            reference::Schema::read(&args.reference)?,
            reference::Queries::read(&args.reference)?,
        ))
    } else {
        None
    };

    println!("creating a fresh database ({})", args.database_url);
    let bench = db::fresh(&args.database_url, &args.out).await?;
    let db = &bench.db;
    db::create_document_tables(db).await?;
    println!("loading into {} (scale {})", bench.server, data.scale);
    let mut load_steps = load::library_tables(db, &data, &generated).await?;
    if let Some((schema, _)) = &reference {
        load_steps.extend(load::reference_schema(db, schema, &args.data).await?);
    }
    let read_back = shares::read_back(db, &data, &generated).await?;

    let mut users = Vec::with_capacity(data.bench_users.len());
    for sample in &data.bench_users {
        let subject = Subject::load(db, sample.id.into()).await?;
        if subject.is_anonymous() {
            return Err(BenchError::new(format!(
                "bench user {} is not in users.csv",
                sample.id
            )));
        }
        users.push(BenchUser {
            id: sample.id,
            kind: sample.kind.clone(),
            subject,
        });
    }

    let runs = if args.quick { QUICK_RUNS } else { RUNS };
    println!(
        "timing {} users and {} documents, {runs} timed run(s) per item",
        users.len(),
        data.bench_docs.len()
    );
    let runner = Runner::new(db, runs);
    let mut plans = Plans::new();
    let queries = reference.as_ref().map(|(_, queries)| queries);
    let guardian = guardian_queries(&runner, &users, &data.bench_docs, queries, &mut plans).await?;
    let (scopes, (read_page_with_shares, read_pages_with_shares)) =
        scopes(&runner, &users, &mut plans).await?;

    let mut differences = expected.differences(&guardian.library.1);
    let (plain_pages, plain_read_pages) =
        page_differences::<document::Entity>(db, &users, "plain").await?;
    differences.extend(plain_pages);
    print_differences("library", &differences);
    if let Some((_, answers)) = &guardian.reference {
        let reference_differences = expected.differences(answers);
        print_differences("reference", &reference_differences);
        differences.extend(
            reference_differences
                .into_iter()
                .map(|line| format!("reference {line}")),
        );
    }
    let mut share_differences = read_back;
    share_differences.extend(expected_with_shares.differences(&guardian.shares.1));
    let (shared_pages, shared_read_pages) =
        page_differences::<shareable::Entity>(db, &users, "shareable").await?;
    share_differences.extend(shared_pages);
    let expected_pages = shares::read_pages(&plain_read_pages, &received, expected::PAGE);
    // How many answers the shares change: a check that shares could not fail says little.
    let changed = vec![
        (
            "Q1",
            changed_answers(&expected_with_shares.q1, &expected.q1),
        ),
        (
            "Q2",
            changed_answers(&expected_with_shares.q2, &expected.q2),
        ),
        (
            "Q3",
            changed_answers(&expected_with_shares.q3, &expected.q3),
        ),
        (
            "read page",
            changed_answers(&expected_pages, &plain_read_pages),
        ),
    ];
    println!(
        "bench users whose answers the shares change: {}",
        changed
            .iter()
            .map(|(question, n)| format!("{question} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for (user, want) in &expected_pages {
        for (how, got) in [
            ("timed", read_pages_with_shares.get(user)),
            ("checked", shared_read_pages.get(user)),
        ] {
            if got != Some(want) {
                share_differences.push(format!(
                    "read page of user {user} ({how}): expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    print_differences("library with shares", &share_differences);
    differences.extend(
        share_differences
            .into_iter()
            .map(|line| format!("with shares: {line}")),
    );

    let mut share_timings = guardian.shares.0;
    share_timings.push(read_page_with_shares);
    let run = Run {
        data: &data,
        slug: bench.slug(),
        server: bench.server.clone(),
        sea_orm: db::SEA_ORM_VERSION,
        runs,
        load: load_steps,
        library: guardian.library.0,
        library_answers: guardian.library.1,
        reference: guardian.reference,
        scopes,
        shares: WithShares {
            summary,
            timings: share_timings,
            answers: guardian.shares.1,
            changed,
            q4_same_statement: guardian.q4_same_statement,
        },
        differences,
    };
    let date = report::utc_now();
    let written = run.write(&args.out, &date)?;
    let plans_written = write_plans(db, &args.out.join("explain"), &plans).await?;
    println!("\n{}", run.markdown(&date));
    for path in written {
        println!("wrote {}", path.display());
    }
    println!(
        "wrote {plans_written} plans in {}",
        args.out.join("explain").display()
    );
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(run.differences.is_empty())
}
