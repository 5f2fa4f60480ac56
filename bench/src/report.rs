//! The result files: `library-<engine>.json` and `reference-<engine>.json` in the shared
//! result shape, and `results-<engine>.md`, a table of the library against the reference
//! and of the library with shares against itself without them.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json, json};

use crate::answers::Answers;
use crate::dataset::Dataset;
use crate::error::{Context, Result};
use crate::load::Step;
use crate::queries::Scope;
use crate::timing::Stats;

/// The four guardian-equivalent queries, as named in the result files, with their titles.
pub const QUERIES: [(&str, &str); 4] = [
    ("q1_first_page", "Q1 first page"),
    ("q2_count", "Q2 count"),
    ("q3_has_perm", "Q3 check"),
    ("q4_users_with_perms", "Q4 users with perms"),
];

/// Within this factor of the reference median, a guardian-equivalent query meets its bar.
pub const QUERY_BAR: f64 = 1.5;

/// Within this factor of the reference Q1 median, the full read scope's first page meets its
/// bar.
pub const READ_BAR: f64 = 2.0;

/// The questions timed with shares: Q1-Q4, then the full read scope's first page.
pub const WITH_SHARES: [(&str, &str); 5] = [
    QUERIES[0],
    QUERIES[1],
    QUERIES[2],
    QUERIES[3],
    ("read_page", "read page"),
];

/// Within this factor of its median without shares, a question with shares meets its bar.
pub const SHARES_BAR: f64 = 1.2;

/// Timings of one engine: one [`Stats`] per query of [`QUERIES`], in that order.
pub type Timings = Vec<Stats>;

/// The questions asked again through the shareable entity.
pub struct WithShares {
    /// The generated shares' counts, in report order.
    pub summary: Vec<(&'static str, usize)>,
    /// One [`Stats`] per question of [`WITH_SHARES`], in that order.
    pub timings: Timings,
    /// The answers to Q1-Q4 with shares.
    pub answers: Answers,
    /// Per question, how many bench users' expected answers the shares change.
    pub changed: Vec<(&'static str, usize)>,
    /// Whether Q4 ran the same statement through both entities.
    pub q4_same_statement: bool,
}

/// One full-rules scope: its name, its timings, and per bench user the rows of its page
/// (or its count).
pub type ScopeTimings = (&'static str, Stats, Vec<(i64, u64)>);

/// Everything one run measured.
pub struct Run<'a> {
    /// The data set.
    pub data: &'a Dataset,
    /// `postgres`, `mysql` or `sqlite`.
    pub slug: &'static str,
    /// The database server and version.
    pub server: String,
    /// The SeaORM version.
    pub sea_orm: &'static str,
    /// Timed runs per item.
    pub runs: usize,
    /// How long each load step took.
    pub load: Vec<Step>,
    /// The library's Q1-Q4.
    pub library: Timings,
    /// The library's answers.
    pub library_answers: Answers,
    /// The reference SQL's Q1-Q4 (PostgreSQL only).
    pub reference: Option<(Timings, Answers)>,
    /// The library's full-rules scopes.
    pub scopes: Vec<ScopeTimings>,
    /// Q1-Q4 and the read page with shares.
    pub shares: WithShares,
    /// Differences from the expected answers, one line each (empty: all equal).
    pub differences: Vec<String>,
}

/// Writes each `(file name, text)` into `out`, printing the path written.
pub fn write_files(out: &Path, files: impl IntoIterator<Item = (String, String)>) -> Result<()> {
    for (name, text) in files {
        let path = out.join(name);
        fs::write(&path, text).context(format!("write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn results_json(timings: &Timings) -> Json {
    Json::Object(
        QUERIES
            .iter()
            .zip(timings)
            .map(|((name, _), stats)| (name.to_string(), stats.to_json()))
            .collect(),
    )
}

impl Run<'_> {
    fn library_engine(&self) -> String {
        format!("ownership-core (sea-orm {}, {})", self.sea_orm, self.server)
    }

    fn reference_engine(&self) -> String {
        format!(
            "reference SQL (sea-orm {} raw statements, {})",
            self.sea_orm, self.server
        )
    }

    fn header(&self, engine: String, date: &str) -> Map<String, Json> {
        let mut object = Map::new();
        object.insert("engine".into(), json!(engine));
        object.insert("date".into(), json!(date));
        object.insert("scale".into(), json!(self.data.scale));
        object.insert("seed".into(), json!(self.data.seed));
        object.insert("counts".into(), self.data.counts.clone());
        object.insert("timed_runs_per_item".into(), json!(self.runs));
        object
    }

    /// Writes the result files into `out`, dated `date`; returns their paths.
    pub fn write(&self, out: &Path, date: &str) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        let mut save = |name: String, text: String| -> Result<()> {
            let path = out.join(name);
            fs::write(&path, text).context(format!("write {}", path.display()))?;
            written.push(path);
            Ok(())
        };

        let mut library = self.header(self.library_engine(), date);
        library.insert("results".into(), results_json(&self.library));
        library.insert("answers".into(), self.library_answers.to_json());
        let mut scopes = Map::new();
        for (name, stats, _) in &self.scopes {
            scopes.insert(name.to_string(), stats.to_json());
        }
        library.insert("full_rules".into(), Json::Object(scopes));
        let mut rows = Map::new();
        for (name, _, per_user) in &self.scopes {
            let per_user: Map<String, Json> = per_user
                .iter()
                .map(|(user, n)| (user.to_string(), json!(n)))
                .collect();
            rows.insert(name.to_string(), Json::Object(per_user));
        }
        library.insert("full_rules_rows".into(), Json::Object(rows));
        library.insert("with_shares".into(), self.shares_json());
        library.insert(
            "load_s".into(),
            Json::Object(
                self.load
                    .iter()
                    .map(|(step, took)| (step.clone(), json!(took.as_secs_f64())))
                    .collect(),
            ),
        );
        save(
            format!("library-{}.json", self.slug),
            serde_json::to_string_pretty(&Json::Object(library))?,
        )?;

        if let Some((timings, answers)) = &self.reference {
            let mut reference = self.header(self.reference_engine(), date);
            reference.insert("results".into(), results_json(timings));
            reference.insert("answers".into(), answers.to_json());
            save(
                format!("reference-{}.json", self.slug),
                serde_json::to_string_pretty(&Json::Object(reference))?,
            )?;
        }
        save(format!("results-{}.md", self.slug), self.markdown(date))?;
        Ok(written)
    }

    /// The timings without shares of the questions of [`WITH_SHARES`], in that order: Q1-Q4
    /// through the plain entity, then its read page.
    fn without_shares(&self) -> Vec<Option<&Stats>> {
        let read = self
            .scopes
            .iter()
            .find(|(name, _, _)| *name == Scope::ReadPage.name())
            .map(|(_, stats, _)| stats);
        self.library.iter().map(Some).chain([read]).collect()
    }

    /// The `with_shares` object of the library's result file: the shares' counts, the
    /// timings with shares, their ratios to those without (overall and per kind), and the
    /// answers with shares.
    fn shares_json(&self) -> Json {
        let mut results = Map::new();
        let mut ratios = Map::new();
        let without = self.without_shares();
        for (((name, _), with), without) in
            WITH_SHARES.iter().zip(&self.shares.timings).zip(without)
        {
            results.insert(name.to_string(), with.to_json());
            if let Some(without) = without {
                let by_kind: Map<String, Json> = with
                    .by_kind
                    .iter()
                    .filter_map(|(kind, w)| {
                        let ratio = w / without.by_kind.get(kind)?;
                        Some((kind.clone(), json!(round_ratio(ratio))))
                    })
                    .collect();
                ratios.insert(
                    name.to_string(),
                    json!({
                        "median": round_ratio(with.median_ms / without.median_ms),
                        "by_kind": by_kind,
                    }),
                );
            }
        }
        json!({
            "shares": crate::shares::summary_json(&self.shares.summary),
            "results": results,
            "with_over_without": ratios,
            "bar": SHARES_BAR,
            "q4_same_statement": self.shares.q4_same_statement,
            "answers": self.shares.answers.to_json(),
            "users_whose_answers_shares_change": Json::Object(
                self.shares
                    .changed
                    .iter()
                    .map(|(question, n)| ((*question).to_owned(), json!(n)))
                    .collect(),
            ),
        })
    }

    /// The questions with shares against themselves without: overall, then per kind.
    fn against_no_shares(&self, w: &mut String) {
        let summary: Vec<String> = self
            .shares
            .summary
            .iter()
            .map(|(name, count)| format!("{} {count}", name.replace('_', " ")))
            .collect();
        let _ = writeln!(
            w,
            "\n## With shares (bar: within {SHARES_BAR}× of the same question without them)\n"
        );
        let changed: Vec<String> = self
            .shares
            .changed
            .iter()
            .map(|(question, n)| format!("{question} {n}"))
            .collect();
        let _ = writeln!(
            w,
            "Generated from the data set, expiries against the run's start: {}. Bench users \
             whose expected answers the shares change: {} (of {}).\n",
            summary.join(", "),
            changed.join(", "),
            self.data.bench_users.len()
        );
        let _ = writeln!(
            w,
            "*Without*: the plain `document` entity, whose scopes read no shares. *With*: the \
             same table declared with root grants (`view = 2, change = 1`), whose scopes also \
             count every unexpired share to the user, its groups or anyone. Same rows, grants \
             and connection, the two entities taking turns on each item. Q4 lists \
             holders, which are read from the grants only: with shares it is the same \
             question{}.\n",
            if self.shares.q4_same_statement {
                " and the same statement"
            } else {
                ", though **not the same statement**"
            }
        );
        let _ = writeln!(
            w,
            "| question | without median | with median | without p95 | with p95 | with / without | \
             within {SHARES_BAR}× |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---|");
        let without = self.without_shares();
        for (((_, title), with), without) in
            WITH_SHARES.iter().zip(&self.shares.timings).zip(&without)
        {
            let Some(without) = without else { continue };
            let ratio = with.median_ms / without.median_ms;
            let _ = writeln!(
                w,
                "| {title} | {} | {} | {} | {} | {ratio:.2} | {} |",
                ms(without.median_ms),
                ms(with.median_ms),
                ms(without.p95_ms),
                ms(with.p95_ms),
                verdict_mark(ratio <= SHARES_BAR)
            );
        }
        let _ = writeln!(
            w,
            "\n### Per kind (medians; Q4 by document kind, the others by user kind)\n"
        );
        let _ = writeln!(
            w,
            "| question | kind | without | with | with / without | within {SHARES_BAR}× |"
        );
        let _ = writeln!(w, "|---|---|---:|---:|---:|---|");
        for (((_, title), with), without) in
            WITH_SHARES.iter().zip(&self.shares.timings).zip(&without)
        {
            let Some(without) = without else { continue };
            for (kind, with) in &with.by_kind {
                if let Some(without) = without.by_kind.get(kind) {
                    let ratio = with / without;
                    let _ = writeln!(
                        w,
                        "| {title} | {kind} | {} | {} | {ratio:.2} | {} |",
                        ms(*without),
                        ms(*with),
                        verdict_mark(ratio <= SHARES_BAR)
                    );
                }
            }
        }
    }

    /// The library's Q1-Q4 against the reference: overall, then per kind.
    fn against_reference(&self, w: &mut String, reference: &Timings) {
        let _ = writeln!(
            w,
            "| query | library median | library p95 | reference median | reference p95 | \
             library / reference | within {QUERY_BAR}× |"
        );
        let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---|");
        for (i, (_, title)) in QUERIES.iter().enumerate() {
            let (lib, r) = (&self.library[i], &reference[i]);
            let ratio = lib.median_ms / r.median_ms;
            let _ = writeln!(
                w,
                "| {title} | {} | {} | {} | {} | {ratio:.2} | {} |",
                ms(lib.median_ms),
                ms(lib.p95_ms),
                ms(r.median_ms),
                ms(r.p95_ms),
                verdict_mark(ratio <= QUERY_BAR)
            );
        }
        let _ = writeln!(
            w,
            "\n### Per kind (medians; Q1-Q3 by user kind, Q4 by document kind)\n"
        );
        let _ = writeln!(
            w,
            "| query | kind | library | reference | library / reference | within {QUERY_BAR}× |"
        );
        let _ = writeln!(w, "|---|---|---:|---:|---:|---|");
        for (i, (_, title)) in QUERIES.iter().enumerate() {
            for (kind, lib) in &self.library[i].by_kind {
                if let Some(r) = reference[i].by_kind.get(kind) {
                    let ratio = lib / r;
                    let _ = writeln!(
                        w,
                        "| {title} | {kind} | {} | {} | {ratio:.2} | {} |",
                        ms(*lib),
                        ms(*r),
                        verdict_mark(ratio <= QUERY_BAR)
                    );
                }
            }
        }
    }

    /// The markdown report.
    pub fn markdown(&self, date: &str) -> String {
        let mut md = String::new();
        let w = &mut md;
        let _ = writeln!(
            w,
            "# ownership-core benchmark: {}, scale {}, seed {}\n",
            self.server, self.data.scale, self.data.seed
        );
        let _ = writeln!(
            w,
            "{date}. {}. One connection; per item one untimed warm-up, then {} timed run(s); \
             milliseconds, median and p95 (nearest rank) over all timed runs.\n",
            self.library_engine(),
            self.runs
        );
        let verdict = if self.differences.is_empty() {
            "equal to the expected answers on Q1-Q4 for every bench user and document, with \
             and without shares, and on the read page with shares"
        } else {
            "**different from the expected answers** (see the run's output)"
        };
        let _ = writeln!(w, "Answers: {verdict}.\n");

        let reference = self.reference.as_ref().map(|(timings, _)| timings);
        let _ = writeln!(w, "## Guardian-equivalent queries\n");
        match reference {
            Some(reference) => self.against_reference(w, reference),
            None => {
                let rows: Vec<(&str, &Stats)> = QUERIES
                    .iter()
                    .map(|(_, title)| *title)
                    .zip(&self.library)
                    .collect();
                let _ = writeln!(
                    w,
                    "No reference SQL on this engine. Median per kind: Q1-Q3 by user kind, Q4 \
                     by document kind.\n"
                );
                stats_table(w, "query", &rows);
            }
        }

        let _ = writeln!(
            w,
            "\n## Full rules (the library's own scopes, per bench user, median per kind)\n"
        );
        let rows: Vec<(&str, &Stats)> = self
            .scopes
            .iter()
            .map(|(name, stats, _)| (*name, stats))
            .collect();
        stats_table(w, "scope", &rows);

        let read = self
            .scopes
            .iter()
            .find(|(name, _, _)| *name == Scope::ReadPage.name());
        if let (Some((_, read, _)), Some(reference)) = (read, reference) {
            let q1 = &reference[0];
            let _ = writeln!(
                w,
                "\n### Full read scope, first page, against reference Q1 (bar: within \
                 {READ_BAR}×)\n"
            );
            let _ = writeln!(
                w,
                "| kind | read_page median | reference Q1 median | ratio | within {READ_BAR}× |"
            );
            let _ = writeln!(w, "|---|---:|---:|---:|---|");
            let mut row = |kind: &str, lib: f64, r: f64| {
                let ratio = lib / r;
                let _ = writeln!(
                    w,
                    "| {kind} | {} | {} | {ratio:.2} | {} |",
                    ms(lib),
                    ms(r),
                    verdict_mark(ratio <= READ_BAR)
                );
            };
            row("all", read.median_ms, q1.median_ms);
            for (kind, lib) in &read.by_kind {
                if let Some(r) = q1.by_kind.get(kind) {
                    row(kind, *lib, *r);
                }
            }
        }

        self.against_no_shares(w);

        let _ = writeln!(w, "\n## Load\n\n| step | seconds |\n|---|---:|");
        for (step, took) in &self.load {
            let _ = writeln!(w, "| {step} | {:.1} |", took.as_secs_f64());
        }
        md
    }
}

/// A table of timings: one row per query, median, p95, max, then the median of each kind.
fn stats_table(w: &mut String, what: &str, rows: &[(&str, &Stats)]) {
    let kinds: BTreeSet<&String> = rows.iter().flat_map(|(_, s)| s.by_kind.keys()).collect();
    let _ = write!(w, "| {what} | median | p95 | max |");
    for kind in &kinds {
        let _ = write!(w, " {kind} |");
    }
    let _ = write!(w, "\n|---|---:|---:|---:|");
    for _ in &kinds {
        let _ = write!(w, "---:|");
    }
    let _ = writeln!(w);
    for (name, stats) in rows {
        let _ = write!(
            w,
            "| {name} | {} | {} | {} |",
            ms(stats.median_ms),
            ms(stats.p95_ms),
            ms(stats.max_ms)
        );
        for kind in &kinds {
            let cell = stats.by_kind.get(*kind).map_or("-".into(), |v| ms(*v));
            let _ = write!(w, " {cell} |");
        }
        let _ = writeln!(w);
    }
}

/// A duration in milliseconds, with precision that suits its size.
fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    }
}

/// A ratio to the second decimal, for the result files.
fn round_ratio(ratio: f64) -> f64 {
    (ratio * 100.0).round() / 100.0
}

fn verdict_mark(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_iso_8601_utc() {
        let now = utc_now();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
        assert_eq!(&now[4..5], "-");
        assert_eq!(&now[10..11], "T");
    }
}
