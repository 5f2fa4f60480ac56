//! The answers to Q1-Q4, how two sets of answers differ, and their JSON form.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde_json::{Value as Json, json};
use sha1::{Digest, Sha1};

/// The answers of one engine (or of the in-memory evaluator) to the four queries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answers {
    /// Q1: per bench user, the ids of the first page (50 by id) of documents it may view.
    pub q1: BTreeMap<i64, Vec<i64>>,
    /// Q2: per bench user, how many documents it may view.
    pub q2: BTreeMap<i64, u64>,
    /// Q3: per bench user, the bench documents it may view, ascending.
    pub q3: BTreeMap<i64, Vec<i64>>,
    /// Q4: per bench document, the ids of the users holding a permission on it, ascending.
    pub q4: BTreeMap<i64, Vec<i64>>,
}

/// The first 12 hex digits of the SHA-1 of the ids joined by commas (`1,5,9`).
pub fn digest(sorted_ids: &[i64]) -> String {
    let joined = sorted_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut hex = String::with_capacity(40);
    for byte in Sha1::digest(joined.as_bytes()) {
        write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
    }
    hex.truncate(12);
    hex
}

/// At most this many ids of a list in a message.
const SHOWN: usize = 12;

fn show(ids: impl IntoIterator<Item = i64>) -> String {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut shown: Vec<String> = ids.iter().take(SHOWN).map(i64::to_string).collect();
    if ids.len() > SHOWN {
        shown.push(format!("... ({} in all)", ids.len()));
    }
    format!("[{}]", shown.join(", "))
}

/// How two id sets differ: the expected ids missing from `actual`, and the extra ones.
fn set_difference(expected: &[i64], actual: &[i64]) -> String {
    let expected: BTreeSet<i64> = expected.iter().copied().collect();
    let actual: BTreeSet<i64> = actual.iter().copied().collect();
    format!(
        "missing {}, unexpected {}",
        show(expected.difference(&actual).copied()),
        show(actual.difference(&expected).copied())
    )
}

/// Compares per-key answers, appending one line per difference.
fn compare<V: PartialEq>(
    out: &mut Vec<String>,
    query: &str,
    key_name: &str,
    expected: &BTreeMap<i64, V>,
    actual: &BTreeMap<i64, V>,
    describe: impl Fn(&V, &V) -> String,
) {
    for (key, want) in expected {
        match actual.get(key) {
            None => out.push(format!("{query} {key_name} {key}: no answer")),
            Some(got) if got != want => {
                out.push(format!("{query} {key_name} {key}: {}", describe(want, got)))
            }
            Some(_) => {}
        }
    }
    for key in actual.keys().filter(|key| !expected.contains_key(key)) {
        out.push(format!("{query} {key_name} {key}: answered but not asked"));
    }
}

impl Answers {
    /// Every difference between the expected answers (`self`) and `actual`, one line each.
    pub fn differences(&self, actual: &Answers) -> Vec<String> {
        let mut out = Vec::new();
        compare(&mut out, "Q1", "user", &self.q1, &actual.q1, |want, got| {
            format!(
                "expected {}, got {} ({})",
                show(want.iter().copied()),
                show(got.iter().copied()),
                set_difference(want, got)
            )
        });
        compare(&mut out, "Q2", "user", &self.q2, &actual.q2, |want, got| {
            format!("expected {want}, got {got}")
        });
        compare(&mut out, "Q3", "user", &self.q3, &actual.q3, |want, got| {
            format!(
                "allowed documents differ: {} (expected allowed: missing = wrongly denied, \
                 unexpected = wrongly allowed)",
                set_difference(want, got)
            )
        });
        compare(
            &mut out,
            "Q4",
            "document",
            &self.q4,
            &actual.q4,
            |want, got| {
                format!(
                    "expected {} users, got {}: {}",
                    want.len(),
                    got.len(),
                    set_difference(want, got)
                )
            },
        );
        out
    }

    /// The answers in the result file's shape; Q4 as `[n_users, digest]`.
    pub fn to_json(&self) -> Json {
        fn keyed<V>(map: &BTreeMap<i64, V>, value: impl Fn(&V) -> Json) -> Json {
            Json::Object(
                map.iter()
                    .map(|(key, v)| (key.to_string(), value(v)))
                    .collect(),
            )
        }
        json!({
            "q1": keyed(&self.q1, |ids| json!(ids)),
            "q2": keyed(&self.q2, |count| json!(count)),
            "q3": keyed(&self.q3, |ids| json!(ids)),
            "q4": keyed(&self.q4, |ids| json!([ids.len(), digest(ids)])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_the_sha1_prefix_of_the_joined_ids() {
        // Python: hashlib.sha1(b"1,2,3").hexdigest()[:12]
        assert_eq!(digest(&[1, 2, 3]), "b85e2d4914e2");
        assert_eq!(digest(&[]), "da39a3ee5e6b");
    }

    #[test]
    fn differences_name_the_query_the_key_and_the_ids() {
        let mut expected = Answers::default();
        expected.q3.insert(7, vec![1, 2]);
        expected.q2.insert(7, 3);
        let mut actual = expected.clone();
        assert!(expected.differences(&actual).is_empty());
        actual.q3.insert(7, vec![2, 5]);
        actual.q2.insert(7, 4);
        let lines = expected.differences(&actual);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("Q2 user 7: expected 3, got 4"));
        assert!(lines[1].contains("missing [1], unexpected [5]"));
    }
}
