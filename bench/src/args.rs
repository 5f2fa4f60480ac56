//! The command line, parsed by hand.

use std::path::PathBuf;

use crate::error::{BenchError, Result};

/// The usage text printed by `--help` and after an argument error.
pub const USAGE: &str = "\
usage: ownership-bench --data DIR --database-url URL [--out DIR] [--reference DIR] [--quick]
       ownership-bench policies --database-url URL [--rows N] [--out DIR] [--quick]
       ownership-bench writes --database-url URL [--rows N] [--out DIR] [--quick]

  --data DIR           the data set written by gen_dataset.py (CSV files and manifest.json)
  --database-url URL   postgres://..., mysql://... or sqlite:// (a file under --out);
                       the benchmark creates a fresh schema or database of its own
  --out DIR            where results go (default: bench-results)
  --reference DIR      the reference SQL (reference_schema.sql, reference_queries.sql),
                       used on PostgreSQL (default: shared/bench beside the workspace)
  --quick              smoke test: one timed run per item (answers are still checked)
  policies             the policy benchmark: a parcel table of --rows rows (default
                       1000000) with its own subjects and policies, no data set
  writes               the write benchmark: --rows inserts (default 1000, 100 with
                       --quick) each plain, by insert_as of a user without ACL templates
                       and by insert_as of a user with 50, no data set";

/// The policy benchmark's rows unless `--rows` says otherwise.
pub const DEFAULT_POLICY_ROWS: u64 = 1_000_000;

/// The write benchmark's inserts per way of inserting unless `--rows` says otherwise.
pub const DEFAULT_WRITE_ROWS: u64 = 1_000;

/// The same with `--quick`.
pub const QUICK_WRITE_ROWS: u64 = 100;

/// What the benchmark was asked to do.
#[derive(Clone, Debug)]
pub struct Args {
    /// The data set directory.
    pub data: PathBuf,
    /// The database server (or `sqlite://`) to run on.
    pub database_url: String,
    /// The output directory.
    pub out: PathBuf,
    /// The directory holding the reference SQL files.
    pub reference: PathBuf,
    /// Smoke-test mode: fewer timed runs.
    pub quick: bool,
}

/// What the policy benchmark was asked to do.
#[derive(Clone, Debug)]
pub struct PolicyArgs {
    /// The database server (or `sqlite://`) to run on.
    pub database_url: String,
    /// The output directory.
    pub out: PathBuf,
    /// How many parcels.
    pub rows: u64,
    /// Smoke-test mode: fewer timed runs.
    pub quick: bool,
}

/// What the write benchmark was asked to do.
#[derive(Clone, Debug)]
pub struct WriteArgs {
    /// The database server (or `sqlite://`) to run on.
    pub database_url: String,
    /// The output directory.
    pub out: PathBuf,
    /// How many timed inserts per way of inserting (`--quick` sets fewer).
    pub rows: u64,
}

/// What the command line asks for: a run, or the usage text.
#[derive(Debug)]
pub enum Command {
    /// Run the benchmark.
    Run(Args),
    /// Run the policy benchmark.
    Policies(PolicyArgs),
    /// Run the write benchmark.
    Writes(WriteArgs),
    /// Print the usage text.
    Help,
}

impl Args {
    /// The default reference SQL directory: `shared/bench` beside the workspace.
    fn default_reference() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench")
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command> {
    let mut data = None;
    let mut database_url = None;
    let mut out = PathBuf::from("bench-results");
    let mut reference = Args::default_reference();
    let mut quick = false;
    let mut rows = None;
    let mut args = args.into_iter().peekable();
    let policies = args.next_if(|first| first == "policies").is_some();
    let writes = !policies && args.next_if(|first| first == "writes").is_some();
    // The subcommands make their own tables, of `--rows` rows, and read no data set.
    let own_tables = policies || writes;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| BenchError::new(format!("{flag} needs a value\n\n{USAGE}")))
        };
        match flag.as_str() {
            "--data" if !own_tables => data = Some(PathBuf::from(value()?)),
            "--database-url" => database_url = Some(value()?),
            "--out" => out = PathBuf::from(value()?),
            "--reference" if !own_tables => reference = PathBuf::from(value()?),
            "--quick" => quick = true,
            "--rows" if own_tables => {
                let text = value()?;
                rows = Some(text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    BenchError::new(format!("--rows needs a positive number, not `{text}`"))
                })?);
            }
            "-h" | "--help" => return Ok(Command::Help),
            _ => {
                return Err(BenchError::new(format!(
                    "unknown argument `{arg}`\n\n{USAGE}"
                )));
            }
        }
    }
    let missing = |what: &str| BenchError::new(format!("{what} is required\n\n{USAGE}"));
    if policies {
        return Ok(Command::Policies(PolicyArgs {
            database_url: database_url.ok_or_else(|| missing("--database-url"))?,
            out,
            rows: rows.unwrap_or(DEFAULT_POLICY_ROWS),
            quick,
        }));
    }
    if writes {
        let default_rows = if quick {
            QUICK_WRITE_ROWS
        } else {
            DEFAULT_WRITE_ROWS
        };
        return Ok(Command::Writes(WriteArgs {
            database_url: database_url.ok_or_else(|| missing("--database-url"))?,
            out,
            rows: rows.unwrap_or(default_rows),
        }));
    }
    Ok(Command::Run(Args {
        data: data.ok_or_else(|| missing("--data"))?,
        database_url: database_url.ok_or_else(|| missing("--database-url"))?,
        out,
        reference,
        quick,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Command> {
        parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_flags_with_separate_and_inline_values() {
        let Command::Run(args) = run(&[
            "--data",
            "d",
            "--database-url=sqlite://",
            "--out",
            "o",
            "--quick",
        ])
        .unwrap() else {
            panic!("expected a run");
        };
        assert_eq!(args.data, PathBuf::from("d"));
        assert_eq!(args.database_url, "sqlite://");
        assert_eq!(args.out, PathBuf::from("o"));
        assert!(args.quick);
    }

    #[test]
    fn rejects_missing_and_unknown_arguments() {
        assert!(run(&["--data", "d"]).is_err());
        assert!(run(&["--data"]).is_err());
        assert!(run(&["--data", "d", "--database-url", "x", "--fast"]).is_err());
        assert!(matches!(run(&["--help"]).unwrap(), Command::Help));
    }

    #[test]
    fn parses_the_policy_benchmark() {
        let Command::Policies(args) =
            run(&["policies", "--database-url", "sqlite://", "--rows=500"]).unwrap()
        else {
            panic!("expected the policy benchmark");
        };
        assert_eq!(args.rows, 500);
        assert!(!args.quick);
        let Command::Policies(args) = run(&["policies", "--database-url", "x"]).unwrap() else {
            panic!("expected the policy benchmark");
        };
        assert_eq!(args.rows, DEFAULT_POLICY_ROWS);
        assert!(run(&["policies", "--database-url", "x", "--rows", "0"]).is_err());
        assert!(run(&["policies", "--database-url", "x", "--data", "d"]).is_err());
        assert!(run(&["--database-url", "x", "--data", "d", "--rows", "5"]).is_err());
    }

    #[test]
    fn parses_the_write_benchmark() {
        let rows_of = |args: &[&str]| match run(args).unwrap() {
            Command::Writes(args) => args.rows,
            other => panic!("expected the write benchmark, got {other:?}"),
        };
        assert_eq!(
            rows_of(&["writes", "--database-url", "x"]),
            DEFAULT_WRITE_ROWS
        );
        assert_eq!(
            rows_of(&["writes", "--database-url", "x", "--quick"]),
            QUICK_WRITE_ROWS
        );
        assert_eq!(
            rows_of(&["writes", "--database-url", "x", "--quick", "--rows=7"]),
            7
        );
        assert!(run(&["writes", "--database-url", "x", "--data", "d"]).is_err());
        assert!(run(&["writes"]).is_err());
    }
}
