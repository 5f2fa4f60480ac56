//! The data set written by `gen_dataset.py`: its CSV files parsed into memory.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::error::{BenchError, Context, Result};

/// A user of `users.csv` (every user is active).
#[derive(Clone, Debug)]
pub struct User {
    /// The user id.
    pub id: i64,
    /// The login name.
    pub username: String,
    /// Staff flag.
    pub is_staff: bool,
    /// Superuser flag.
    pub is_superuser: bool,
}

/// A profile of `user_profiles.csv` (its role is not used by the library).
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// The profile id.
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// The account.
    pub account_id: i64,
}

/// A document of `documents.csv`.
#[derive(Clone, Debug)]
pub struct Document {
    /// The document id.
    pub id: i64,
    /// The name, unique per owner.
    pub name: String,
    /// The owner profile.
    pub owner_profile_id: i64,
    /// The creation time, as written in the CSV.
    pub created_at: String,
}

/// A grant of `user_grants.csv` or `group_grants.csv`.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The user or group granted the permission.
    pub holder: i64,
    /// The permission name.
    pub perm: String,
    /// The document, or `None` for a model-wide grant (on every document).
    pub document_id: Option<i64>,
}

/// A bench user or bench document: an id and the kind it stands for.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The user or document id.
    pub id: i64,
    /// Its kind (`heavy`, `popular`, ...).
    pub kind: String,
}

/// The whole data set.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// `manifest.json`'s scale.
    pub scale: f64,
    /// `manifest.json`'s seed.
    pub seed: i64,
    /// `manifest.json`'s counts, as written.
    pub counts: Json,
    /// Accounts: id and name.
    pub accounts: Vec<(i64, String)>,
    /// Users.
    pub users: Vec<User>,
    /// User profiles.
    pub profiles: Vec<Profile>,
    /// Groups: id and name.
    pub groups: Vec<(i64, String)>,
    /// Group memberships: user id and group id.
    pub members: Vec<(i64, i64)>,
    /// Documents.
    pub documents: Vec<Document>,
    /// Grants to users.
    pub user_grants: Vec<Grant>,
    /// Grants to groups.
    pub group_grants: Vec<Grant>,
    /// The users to time.
    pub bench_users: Vec<Sample>,
    /// The documents to time.
    pub bench_docs: Vec<Sample>,
}

/// One parsed CSV file: its path (for messages) and its data rows.
struct Csv {
    path: PathBuf,
    text: String,
}

impl Csv {
    fn read(dir: &Path, name: &str, header: &[&str]) -> Result<Self> {
        let path = dir.join(name);
        let text = fs::read_to_string(&path).map_err(|err| {
            BenchError::new(format!(
                "cannot read {}: {err} (write the data set with \
                 `python3 ../shared/bench/gen_dataset.py --out DIR --scale S`)",
                path.display()
            ))
        })?;
        let first = text.lines().next().unwrap_or_default().trim_end();
        if first.split(',').ne(header.iter().copied()) {
            return Err(BenchError::new(format!(
                "{}: expected the header `{}`, found `{first}`",
                path.display(),
                header.join(",")
            )));
        }
        Ok(Self { path, text })
    }

    /// Parses each data row with `row`, which gets the row's fields (exactly as many as
    /// the header has).
    fn rows<T>(&self, mut row: impl FnMut(&Fields<'_>) -> Result<T>) -> Result<Vec<T>> {
        let mut lines = self.text.lines();
        let width = lines.next().map_or(0, |h| h.split(',').count());
        let mut out = Vec::new();
        for (index, line) in lines.enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').collect();
            let at = || format!("{}:{}", self.path.display(), index + 2);
            if fields.len() != width || line.contains('"') {
                return Err(BenchError::new(format!(
                    "{}: expected {width} plain fields, found `{line}`",
                    at()
                )));
            }
            out.push(row(&Fields(fields)).context(at())?);
        }
        Ok(out)
    }
}

/// The fields of one CSV row.
struct Fields<'a>(Vec<&'a str>);

impl Fields<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        self.0[i]
            .parse()
            .map_err(|_| BenchError::new(format!("`{}` is not an integer", self.0[i])))
    }

    fn optional_int(&self, i: usize) -> Result<Option<i64>> {
        if self.0[i].is_empty() {
            Ok(None)
        } else {
            self.int(i).map(Some)
        }
    }

    fn text(&self, i: usize) -> String {
        self.0[i].to_owned()
    }

    fn bool(&self, i: usize) -> Result<bool> {
        match self.0[i] {
            "True" | "true" | "t" | "1" => Ok(true),
            "False" | "false" | "f" | "0" => Ok(false),
            other => Err(BenchError::new(format!("`{other}` is not a boolean"))),
        }
    }
}

impl Dataset {
    /// Reads the data set in `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(BenchError::new(format!(
                "the data directory {} does not exist (write it with \
                 `python3 ../shared/bench/gen_dataset.py --out DIR --scale S`)",
                dir.display()
            )));
        }
        let manifest_path = dir.join("manifest.json");
        let manifest: Json = serde_json::from_str(
            &fs::read_to_string(&manifest_path).context(manifest_path.display())?,
        )
        .context(manifest_path.display())?;
        let number = |key: &str| {
            manifest[key].as_f64().ok_or_else(|| {
                BenchError::new(format!("{}: no number `{key}`", manifest_path.display()))
            })
        };
        let grants = |name: &str, holder: &str| -> Result<Vec<Grant>> {
            Csv::read(dir, name, &[holder, "perm", "document_id"])?.rows(|f| {
                Ok(Grant {
                    holder: f.int(0)?,
                    perm: f.text(1),
                    document_id: f.optional_int(2)?,
                })
            })
        };
        let samples = |name: &str, id: &str| -> Result<Vec<Sample>> {
            Csv::read(dir, name, &[id, "kind"])?.rows(|f| {
                Ok(Sample {
                    id: f.int(0)?,
                    kind: f.text(1),
                })
            })
        };
        Ok(Self {
            scale: number("scale")?,
            seed: number("seed")? as i64,
            counts: manifest["counts"].clone(),
            accounts: Csv::read(dir, "accounts.csv", &["id", "name"])?
                .rows(|f| Ok((f.int(0)?, f.text(1))))?,
            users: Csv::read(
                dir,
                "users.csv",
                &["id", "username", "is_staff", "is_superuser"],
            )?
            .rows(|f| {
                Ok(User {
                    id: f.int(0)?,
                    username: f.text(1),
                    is_staff: f.bool(2)?,
                    is_superuser: f.bool(3)?,
                })
            })?,
            profiles: Csv::read(
                dir,
                "user_profiles.csv",
                &["id", "user_id", "account_id", "role"],
            )?
            .rows(|f| {
                Ok(Profile {
                    id: f.int(0)?,
                    user_id: f.int(1)?,
                    account_id: f.int(2)?,
                })
            })?,
            groups: Csv::read(dir, "groups.csv", &["id", "name"])?
                .rows(|f| Ok((f.int(0)?, f.text(1))))?,
            members: Csv::read(dir, "group_members.csv", &["user_id", "group_id"])?
                .rows(|f| Ok((f.int(0)?, f.int(1)?)))?,
            documents: Csv::read(
                dir,
                "documents.csv",
                &["id", "name", "owner_profile_id", "created_at"],
            )?
            .rows(|f| {
                Ok(Document {
                    id: f.int(0)?,
                    name: f.text(1),
                    owner_profile_id: f.int(2)?,
                    created_at: f.text(3),
                })
            })?,
            user_grants: grants("user_grants.csv", "user_id")?,
            group_grants: grants("group_grants.csv", "group_id")?,
            bench_users: samples("bench_users.csv", "user_id")?,
            bench_docs: samples("bench_docs.csv", "document_id")?,
        })
    }
}
