//! Benchmark of `ownership-core` on the shared permission data set.
//!
//! ```text
//! cargo run --release -p ownership-bench -- --data DIR --database-url URL [--out DIR] [--quick]
//! ```
//!
//! Loads the data set into a fresh schema, times the four guardian-equivalent queries
//! answered by the library's public API (and, on PostgreSQL, by the hand-written reference
//! SQL on the same connection), times the library's own scopes with the full rules, checks
//! every answer against the ones computed in memory from the CSV files, and writes the
//! result files, a markdown table and the plans of the library's statements.

mod answers;
mod args;
mod dataset;
mod db;
mod document;
mod error;
mod expected;
mod explain;
mod load;
mod queries;
mod reference;
mod report;
mod timing;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ownership_core::Subject;
use sea_orm::{DatabaseConnection, Statement};

use crate::answers::Answers;
use crate::args::{Args, Command, USAGE};
use crate::dataset::{Dataset, Sample};
use crate::error::{BenchError, Context, Result};
use crate::queries::{BenchUser, Scope};
use crate::report::{QUERIES, Run, ScopeTimings};
use crate::timing::{Item, Measured, Runner, Stats};

/// Timed runs per item (the README's timing rule), and in `--quick` mode.
const RUNS: usize = 3;
const QUICK_RUNS: usize = 1;

/// The scale `--quick` is meant for.
const QUICK_SCALE: f64 = 0.01;

/// At most this many differences are printed per engine.
const SHOWN_DIFFERENCES: usize = 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match args::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Run(args)) => match run(&args).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
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

/// Plans to write: file stem (`q1_first_page`) and the statement of one item per kind.
type Plans = Vec<(String, BTreeMap<String, Statement>)>;

/// Prints a line for a finished measurement.
fn progress(name: &str, stats: &Stats) {
    println!(
        "  {name:<32} median {:>9.3} ms   p95 {:>9.3} ms   ({} runs)",
        stats.median_ms, stats.p95_ms, stats.n
    );
}

/// Times the library's Q1-Q4, each followed by the reference's when there is one; returns
/// the timings and answers of both, and the library's statements.
async fn guardian_queries(
    runner: &Runner,
    users: &[BenchUser],
    docs: &[Sample],
    reference: Option<&reference::Queries>,
    plans: &mut Plans,
) -> Result<((Vec<Stats>, Answers), Option<(Vec<Stats>, Answers)>)> {
    let pairs: Vec<Pair<'_>> = users
        .iter()
        .flat_map(|user| docs.iter().map(move |d| Pair { user, doc: d.id }))
        .collect();
    let mut library = (Vec::new(), Answers::default());
    let mut by_reference = reference.map(|_| (Vec::new(), Answers::default()));
    let user_ids = || users.iter().map(|u| u.id);
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
    let mut keep = |name: &str, stats: &Stats, statements: BTreeMap<String, Statement>| {
        progress(&format!("library {name}"), stats);
        plans.push((name.to_owned(), statements));
    };

    let (q1, q2, q3, q4) = (QUERIES[0].0, QUERIES[1].0, QUERIES[2].0, QUERIES[3].0);
    let m = runner
        .measure(q1, users, async |db, u| queries::q1(db, &u.subject).await)
        .await?;
    keep(q1, &m.stats, m.statements);
    library.0.push(m.stats);
    library.1.q1 = user_ids().zip(m.answers).collect();
    if let (Some(sql), Some(out)) = (reference, by_reference.as_mut()) {
        let m = runner
            .measure(q1, users, async |db, u| sql.q1(db, u.id).await)
            .await?;
        progress(&format!("reference {q1}"), &m.stats);
        out.0.push(m.stats);
        out.1.q1 = user_ids().zip(m.answers).collect();
    }

    let m = runner
        .measure(q2, users, async |db, u| queries::q2(db, &u.subject).await)
        .await?;
    keep(q2, &m.stats, m.statements);
    library.0.push(m.stats);
    library.1.q2 = user_ids().zip(m.answers).collect();
    if let (Some(sql), Some(out)) = (reference, by_reference.as_mut()) {
        let m = runner
            .measure(q2, users, async |db, u| sql.q2(db, u.id).await)
            .await?;
        progress(&format!("reference {q2}"), &m.stats);
        out.0.push(m.stats);
        out.1.q2 = user_ids().zip(m.answers).collect();
    }

    let m = runner
        .measure(q3, &pairs, async |db, p| {
            queries::q3(db, &p.user.subject, p.doc).await
        })
        .await?;
    keep(q3, &m.stats, m.statements);
    library.0.push(m.stats);
    library.1.q3 = allowed(m.answers);
    if let (Some(sql), Some(out)) = (reference, by_reference.as_mut()) {
        let m = runner
            .measure(q3, &pairs, async |db, p| sql.q3(db, p.user.id, p.doc).await)
            .await?;
        progress(&format!("reference {q3}"), &m.stats);
        out.0.push(m.stats);
        out.1.q3 = allowed(m.answers);
    }

    let m = runner
        .measure(q4, docs, async |db, d| queries::q4(db, d.id).await)
        .await?;
    keep(q4, &m.stats, m.statements);
    library.0.push(m.stats);
    library.1.q4 = docs.iter().map(|d| d.id).zip(m.answers).collect();
    if let (Some(sql), Some(out)) = (reference, by_reference.as_mut()) {
        let m = runner
            .measure(q4, docs, async |db, d| sql.q4(db, d.id).await)
            .await?;
        progress(&format!("reference {q4}"), &m.stats);
        out.0.push(m.stats);
        out.1.q4 = docs.iter().map(|d| d.id).zip(m.answers).collect();
    }
    Ok((library, by_reference))
}

/// Times the library's full-rules scopes per bench user.
async fn scopes(
    runner: &Runner,
    users: &[BenchUser],
    plans: &mut Plans,
) -> Result<Vec<ScopeTimings>> {
    let mut out = Vec::new();
    for scope in Scope::ALL {
        let Measured {
            answers,
            stats,
            statements,
        } = runner
            .measure(scope.name(), users, async |db, u| {
                scope.run(db, &u.subject).await
            })
            .await?;
        progress(&format!("library {}", scope.name()), &stats);
        plans.push((scope.name().to_owned(), statements));
        out.push((
            scope.name(),
            stats,
            users.iter().map(|u| u.id).zip(answers).collect(),
        ));
    }
    Ok(out)
}

/// The bench users whose keyset read or shared page differs from the scope's first page.
async fn page_differences(db: &DatabaseConnection, users: &[BenchUser]) -> Result<Vec<String>> {
    let mut differences = Vec::new();
    for user in users {
        let s = &user.subject;
        for (scope, page, first_page) in [
            (
                "read",
                queries::read_page(db, s).await?,
                queries::read_first_page(db, s).await?,
            ),
            (
                "shared",
                queries::shared_page(db, s).await?,
                queries::shared_first_page(db, s).await?,
            ),
        ] {
            if page != first_page {
                differences.push(format!(
                    "{scope} page of user {} ({}): keyset page {page:?}, scope's first page \
                     {first_page:?}",
                    user.id, user.kind
                ));
            }
        }
    }
    Ok(differences)
}

/// Writes `explain/<query>-<kind>.txt` for every recorded library statement.
async fn write_plans(db: &DatabaseConnection, out: &Path, plans: &Plans) -> Result<usize> {
    let dir = out.join("explain");
    if dir.exists() {
        fs::remove_dir_all(&dir).context(format!("clear {}", dir.display()))?;
    }
    fs::create_dir_all(&dir).context(format!("create {}", dir.display()))?;
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
    let expected = expected::answers(&data);

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
    println!("loading into {} (scale {})", bench.server, data.scale);
    let mut load_steps = load::library_tables(db, &data).await?;
    if let Some((schema, _)) = &reference {
        load_steps.extend(load::reference_schema(db, schema, &args.data).await?);
    }

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
    let ((library, library_answers), by_reference) =
        guardian_queries(&runner, &users, &data.bench_docs, queries, &mut plans).await?;
    let scopes = scopes(&runner, &users, &mut plans).await?;

    let mut differences = expected.differences(&library_answers);
    differences.extend(page_differences(db, &users).await?);
    print_differences("library", &differences);
    if let Some((_, answers)) = &by_reference {
        let reference_differences = expected.differences(answers);
        print_differences("reference", &reference_differences);
        differences.extend(
            reference_differences
                .into_iter()
                .map(|line| format!("reference {line}")),
        );
    }

    let run = Run {
        data: &data,
        slug: bench.slug(),
        server: bench.server.clone(),
        sea_orm: db::SEA_ORM_VERSION,
        runs,
        load: load_steps,
        library,
        library_answers,
        reference: by_reference,
        scopes,
        differences,
    };
    let date = report::utc_now();
    let written = run.write(&args.out, &date)?;
    let plans_written = write_plans(db, &args.out, &plans).await?;
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
