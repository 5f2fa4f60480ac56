//! The timing rule: per item one untimed warm-up, then timed runs; the median and the p95
//! (nearest rank) over all timed runs, and the median per kind.
//!
//! The warm-up runs on a clone of the connection that records every statement, so each
//! call is also checked to be exactly one statement, and the statement of the first item of
//! each kind is kept for its plan.
//!
//! Writes are timed otherwise, since each call writes a row of its own: a few untimed
//! rounds first (the statements of the first call kept, however many), then one timed
//! call per engine per round, the engines in turns as for reads.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use sea_orm::{DatabaseConnection, Statement};
use serde_json::{Value as Json, json};

use crate::error::{BenchError, Result};

/// Something timed: a bench user, a (user, document) pair or a bench document.
pub trait Item {
    /// The kind its timings are grouped under.
    fn kind(&self) -> &str;
}

/// The statistics of one timed query, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// How many timed runs.
    pub n: usize,
    /// The median over all timed runs.
    pub median_ms: f64,
    /// The 95th percentile, nearest rank.
    pub p95_ms: f64,
    /// The slowest run.
    pub max_ms: f64,
    /// The median of each kind's timed runs.
    pub by_kind: BTreeMap<String, f64>,
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

impl Stats {
    /// The statistics of `(kind, milliseconds)` samples.
    pub fn of(samples: &[(String, f64)]) -> Self {
        let all = sorted(samples.iter().map(|(_, ms)| *ms).collect());
        let mut kinds: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (kind, ms) in samples {
            kinds.entry(kind.clone()).or_default().push(*ms);
        }
        // Nearest rank: the smallest value with at least 95% of the values at or below it.
        let rank = (all.len() * 95).div_ceil(100).max(1);
        Self {
            n: all.len(),
            median_ms: median(&all),
            p95_ms: all.get(rank - 1).copied().unwrap_or(f64::NAN),
            max_ms: all.last().copied().unwrap_or(f64::NAN),
            by_kind: kinds
                .into_iter()
                .map(|(kind, values)| (kind, median(&sorted(values))))
                .collect(),
        }
    }

    /// The result file's shape: `{"n", "median_ms", "p95_ms", "max_ms", "by_kind"}`.
    pub fn to_json(&self) -> Json {
        let round = |ms: f64| (ms * 10_000.0).round() / 10_000.0;
        json!({
            "n": self.n,
            "median_ms": round(self.median_ms),
            "p95_ms": round(self.p95_ms),
            "max_ms": round(self.max_ms),
            "by_kind": self.by_kind.iter().map(|(k, v)| (k.clone(), json!(round(*v)))).collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// What timing one query over its items gave.
pub struct Measured<A> {
    /// The answer of each item, in item order.
    pub answers: Vec<A>,
    /// The timings.
    pub stats: Stats,
    /// The statement of the first item of each kind.
    pub statements: BTreeMap<String, Statement>,
}

/// What timing one way of writing gave.
pub struct Written<A> {
    /// The answer of every call, the warm-ups' first.
    pub answers: Vec<A>,
    /// The timings of the timed calls.
    pub stats: Stats,
    /// The time of all timed calls together, in milliseconds.
    pub total_ms: f64,
    /// The statements of the first warm-up call, in order.
    pub statements: Vec<Statement>,
}

/// The engines' order in round `round` of `engines`: each in turn, the first rotating from
/// round to round.
fn turns(round: usize, engines: usize) -> impl Iterator<Item = usize> {
    (0..engines).map(move |turn| (round + turn) % engines)
}

/// Times calls on one connection, with the warm-up on a recording clone of it.
pub struct Runner {
    db: DatabaseConnection,
    recording: DatabaseConnection,
    log: Arc<Mutex<Vec<Statement>>>,
    runs: usize,
}

impl Runner {
    /// A runner doing `runs` timed runs per item on `db`.
    pub fn new(db: &DatabaseConnection, runs: usize) -> Self {
        let log: Arc<Mutex<Vec<Statement>>> = Arc::default();
        let mut recording = db.clone();
        let sink = Arc::clone(&log);
        recording.set_metric_callback(move |info| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(info.statement.clone());
        });
        Self {
            db: db.clone(),
            recording,
            log,
            runs,
        }
    }

    fn take_log(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Times `call` on every item: the warm-up (recorded, and required to be exactly one
    /// statement), then the timed runs. `name` names the query in messages.
    pub async fn measure<I: Item, A>(
        &self,
        name: &str,
        items: &[I],
        call: impl AsyncFn(&DatabaseConnection, &I) -> Result<A>,
    ) -> Result<Measured<A>> {
        let mut measured = self
            .measure_together(name, items, &[()], async |db, item, ()| {
                call(db, item).await
            })
            .await?;
        Ok(measured.remove(0))
    }

    /// Times several ways of answering the same question (`engines`) on every item, taking
    /// turns: per item each engine's warm-up, then round after round of one timed run per
    /// engine, the first engine of each round rotating, so that whatever drifts on the
    /// machine (caches, background work) falls on every engine alike and leaves their
    /// ratios. Returns one measurement per engine, in the order of `engines`.
    pub async fn measure_together<I: Item, E: Copy, A>(
        &self,
        name: &str,
        items: &[I],
        engines: &[E],
        call: impl AsyncFn(&DatabaseConnection, &I, E) -> Result<A>,
    ) -> Result<Vec<Measured<A>>> {
        let mut answers: Vec<Vec<A>> = engines.iter().map(|_| Vec::new()).collect();
        let mut samples: Vec<Vec<(String, f64)>> = engines.iter().map(|_| Vec::new()).collect();
        let mut statements: Vec<BTreeMap<String, Statement>> =
            engines.iter().map(|_| BTreeMap::new()).collect();
        for item in items {
            let kind = item.kind();
            let context = || format!("{name} ({kind})");
            for (index, &engine) in engines.iter().enumerate() {
                self.take_log();
                let answer = call(&self.recording, item, engine)
                    .await
                    .map_err(|err| err.context(context()))?;
                let mut log = self.take_log();
                if log.len() != 1 {
                    return Err(BenchError::new(format!(
                        "{name} ({kind}) ran {} statements for one call, not one:\n{}",
                        log.len(),
                        log.iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join("\n")
                    )));
                }
                statements[index]
                    .entry(kind.to_owned())
                    .or_insert_with(|| log.remove(0));
                answers[index].push(answer);
            }
            for round in 0..self.runs {
                for index in turns(round, engines.len()) {
                    let start = Instant::now();
                    call(&self.db, item, engines[index])
                        .await
                        .map_err(|err| err.context(context()))?;
                    samples[index].push((kind.to_owned(), start.elapsed().as_secs_f64() * 1000.0));
                }
            }
        }
        Ok(answers
            .into_iter()
            .zip(samples)
            .zip(statements)
            .map(|((answers, samples), statements)| Measured {
                answers,
                stats: Stats::of(&samples),
                statements,
            })
            .collect())
    }

    /// Times several ways of writing (`engines`): `warm_ups` untimed rounds of one call
    /// each on the recording connection, keeping the statements of each engine's first
    /// call, then `count` timed rounds, the engines taking turns as in
    /// [`measure_together`](Self::measure_together). A write may run any number of
    /// statements. `call` is given the call's number, unique per engine (the warm-ups
    /// first), so that every call can write a row of its own. `name` names the writes in
    /// messages and is the kind of their timings.
    pub async fn measure_writes<E: Copy, A>(
        &self,
        name: &str,
        engines: &[E],
        warm_ups: usize,
        count: usize,
        call: impl AsyncFn(&DatabaseConnection, usize, E) -> Result<A>,
    ) -> Result<Vec<Written<A>>> {
        let mut answers: Vec<Vec<A>> = engines.iter().map(|_| Vec::new()).collect();
        let mut samples: Vec<Vec<(String, f64)>> = engines.iter().map(|_| Vec::new()).collect();
        let mut statements: Vec<Vec<Statement>> = engines.iter().map(|_| Vec::new()).collect();
        for number in 0..warm_ups + count {
            let timed = number >= warm_ups;
            for index in turns(number, engines.len()) {
                let context = || format!("{name}, call {number}");
                let answer = if timed {
                    let start = Instant::now();
                    let answer = call(&self.db, number, engines[index])
                        .await
                        .map_err(|err| err.context(context()))?;
                    samples[index].push((name.to_owned(), start.elapsed().as_secs_f64() * 1000.0));
                    answer
                } else {
                    self.take_log();
                    let answer = call(&self.recording, number, engines[index])
                        .await
                        .map_err(|err| err.context(context()))?;
                    let log = self.take_log();
                    if number == 0 {
                        statements[index] = log;
                    }
                    answer
                };
                answers[index].push(answer);
            }
        }
        Ok(answers
            .into_iter()
            .zip(samples)
            .zip(statements)
            .map(|((answers, samples), statements)| Written {
                answers,
                total_ms: samples.iter().map(|(_, ms)| ms).sum(),
                stats: Stats::of(&samples),
                statements,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_leads_a_round_in_turn() {
        let rounds: Vec<Vec<usize>> = (0..4).map(|round| turns(round, 3).collect()).collect();
        assert_eq!(rounds, [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);
    }

    #[test]
    fn median_p95_and_kinds() {
        let samples: Vec<(String, f64)> = (1..=20)
            .map(|i| (if i <= 10 { "a" } else { "b" }.to_owned(), i as f64))
            .collect();
        let stats = Stats::of(&samples);
        assert_eq!(stats.n, 20);
        assert_eq!(stats.median_ms, 10.5);
        assert_eq!(stats.p95_ms, 19.0);
        assert_eq!(stats.max_ms, 20.0);
        assert_eq!(stats.by_kind["a"], 5.5);
        assert_eq!(stats.by_kind["b"], 15.5);
        assert_eq!(Stats::of(&[("a".into(), 3.0)]).p95_ms, 3.0);
    }
}
