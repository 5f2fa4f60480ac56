//! Policies, the source of access of django-tutelary's model: ordered allow/deny clauses
//! over actions and object paths. This module is the language: a policy body read and
//! validated, its variables given values, and the decision its clauses give for one action
//! on one path.
//!
//! The rules (rule 7 of the design): actions are dotted names, object paths slash-separated
//! segments; a pattern part `*` stands for exactly one part (never none, never two), an
//! object segment `$name` for the value its assignment gives; the last clause whose action
//! and object patterns both match decides, and no match denies. A clause with no object
//! list is about free-floating actions: it decides checks without an object, and never a
//! row; a clause with objects never decides a check without one.

use std::any::TypeId;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{LazyLock, Mutex, PoisonError};

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, DbBackend, Value};
use serde_json::Value as Json;

use crate::entity::policy_principal;
use crate::key::KeyType;
use crate::owned::{OwnedEntity, PathSegment};
use crate::plan::{OwnedTable, ReasonSource, ReasonValues, deny, reason_row};
use crate::policy_formula::{Decision, Fixed, Formula, MAX_NESTED_DENIES};

/// The one version of the policy format there is; a body may leave it out.
pub const POLICY_VERSION: &str = "2015-12-10";
/// The most characters a policy body may have.
pub const MAX_POLICY_BODY_CHARS: usize = 65_536;
/// The most characters an action or object pattern may have.
pub const MAX_PATTERN_CHARS: usize = 512;
/// The most parts (dotted components, slash-separated segments) a pattern may have.
pub const MAX_PATTERN_PARTS: usize = 32;

/// What is wrong with a policy body or with the variables of an assignment.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyProblem {
    /// The body is not JSON (comments aside), or not a JSON object.
    #[error("not a JSON object: {0}")]
    NotJson(String),
    /// The body is longer than [`MAX_POLICY_BODY_CHARS`].
    #[error("longer than {MAX_POLICY_BODY_CHARS} characters")]
    TooLong,
    /// A `version` other than [`POLICY_VERSION`].
    #[error("version {0:?} not recognised")]
    UnknownVersion(String),
    /// No `clause` array.
    #[error("no \"clause\" array")]
    NoClauses,
    /// A clause of the wrong shape: not an object, or a field of the wrong type.
    #[error("clause {clause}: {problem}")]
    MalformedClause {
        /// The clause's index, from 0.
        clause: usize,
        /// What is wrong.
        problem: String,
    },
    /// An effect other than `allow` or `deny`.
    #[error("clause {clause}: unknown effect {effect:?}")]
    UnknownEffect {
        /// The clause's index, from 0.
        clause: usize,
        /// The effect, as written.
        effect: String,
    },
    /// A clause with an empty action list.
    #[error("clause {clause}: no action")]
    NoAction {
        /// The clause's index, from 0.
        clause: usize,
    },
    /// An action or object pattern that is not a sequence of literal, `*` (and, in an
    /// object, `$variable`) parts.
    #[error("clause {clause}: invalid pattern {pattern:?}: {problem}")]
    InvalidPattern {
        /// The clause's index, from 0.
        clause: usize,
        /// The pattern (its first 64 characters).
        pattern: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// Two different patterns of one clause that some action or path matches both.
    #[error("clause {clause}: the patterns {first:?} and {second:?} overlap")]
    OverlappingPatterns {
        /// The clause's index, from 0.
        clause: usize,
        /// One pattern.
        first: String,
        /// The other.
        second: String,
    },
    /// An assignment gives no value for a variable the policy uses.
    #[error("no value for the variable ${0}")]
    MissingVariable(String),
    /// A variable value that cannot be a path segment: empty, too long or with a NUL.
    #[error(
        "the value of ${0} is empty, longer than {MAX_PATTERN_CHARS} characters or holds a NUL"
    )]
    InvalidVariableValue(String),
}

/// Whether a clause allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The matching actions are allowed.
    Allow,
    /// The matching actions are denied.
    Deny,
}

/// One part of a pattern: a dotted component of an action, a segment of an object path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Exactly this text.
    Literal(String),
    /// Any one part (`*`).
    Any,
    /// The value the assignment gives the variable (`$name`; object segments only).
    Variable(String),
}

/// A pattern: its parts, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    kind: Kind,
    parts: Vec<Part>,
}

impl Pattern {
    /// The parts.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Whether some action or path matches both patterns: as many parts, each pair equal
    /// or one of them a wildcard (a variable may take any value).
    fn overlaps(&self, other: &Pattern) -> bool {
        self.parts.len() == other.parts.len()
            && self.parts.iter().zip(&other.parts).all(|pair| match pair {
                (Part::Literal(a), Part::Literal(b)) => a == b,
                _ => true,
            })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, part) in self.parts.iter().enumerate() {
            if index > 0 {
                write!(f, "{}", self.kind.separator())?;
            }
            match part {
                Part::Literal(text) => {
                    for c in text.chars() {
                        if c == self.kind.separator() || matches!(c, '\\' | '*' | '$') {
                            write!(f, "\\{c}")?;
                        } else {
                            write!(f, "{c}")?;
                        }
                    }
                }
                Part::Any => f.write_str("*")?,
                Part::Variable(name) => write!(f, "${name}")?,
            }
        }
        Ok(())
    }
}

/// One clause of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Allow or deny.
    pub effect: Effect,
    /// The action patterns (never empty).
    pub actions: Vec<Pattern>,
    /// The object patterns, or `None` for a clause about free-floating actions.
    pub objects: Option<Vec<Pattern>>,
}

/// A policy body, read and validated: its clauses in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyBody {
    clauses: Vec<Clause>,
}

/// Which kind of pattern: the separator and whether variables may appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Action,
    Object,
}

impl Kind {
    fn separator(self) -> char {
        match self {
            Kind::Action => '.',
            Kind::Object => '/',
        }
    }
}

/// Splits `text` on the kind's separator into parts of (character, whether a backslash
/// escaped it). An empty part is an error in an action; in an object pattern it is
/// dropped (`a//b/` is `a/b`) unless `keep_empty`.
fn split(text: &str, kind: Kind, keep_empty: bool) -> Result<Vec<Vec<(char, bool)>>, &'static str> {
    let mut parts = Vec::new();
    let mut current = Vec::new();
    let mut chars = text.chars();
    let mut push = |current: &mut Vec<(char, bool)>| {
        if current.is_empty() && !keep_empty {
            return match kind {
                Kind::Object => Ok(()),
                Kind::Action => Err("an empty component"),
            };
        }
        parts.push(std::mem::take(current));
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.push((chars.next().ok_or("a trailing backslash")?, true)),
            c if c == kind.separator() => push(&mut current)?,
            c => current.push((c, false)),
        }
    }
    push(&mut current)?;
    Ok(parts)
}

/// Reads one action or object pattern.
fn pattern(text: &str, kind: Kind) -> Result<Pattern, &'static str> {
    if text.chars().count() > MAX_PATTERN_CHARS {
        return Err("too long");
    }
    if text.contains('\0') {
        return Err("it holds a NUL");
    }
    let mut parts = Vec::new();
    for raw in split(text, kind, false)? {
        let special = |(c, escaped): &(char, bool)| !escaped && matches!(c, '*' | '$');
        let part = match raw.as_slice() {
            [('*', false)] => Part::Any,
            [('$', false), name @ ..] => {
                if kind != Kind::Object {
                    return Err("a variable in an action");
                }
                let name: String = name.iter().map(|(c, _)| c).collect();
                if !is_variable_name(&name) {
                    return Err(
                        "a variable name is letters, digits and _, not starting with a digit",
                    );
                }
                Part::Variable(name)
            }
            raw if raw.iter().any(special) => {
                return Err(
                    "* and $ stand alone in a part (escape them with \\ to mean the character)",
                );
            }
            raw => Part::Literal(raw.iter().map(|(c, _)| c).collect()),
        };
        parts.push(part);
    }
    if parts.is_empty() {
        return Err("no part");
    }
    if parts.len() > MAX_PATTERN_PARTS {
        return Err("too many parts");
    }
    Ok(Pattern { kind, parts })
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The body without its comments: from `//` or `#` outside a string to the end of the line.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        let comment = c == '#' || (c == '/' && chars.peek() == Some(&'/'));
        if comment {
            for skipped in chars.by_ref() {
                if skipped == '\n' {
                    out.push('\n');
                    break;
                }
            }
            continue;
        }
        in_string = c == '"';
        out.push(c);
    }
    out
}

/// The first 64 characters of `text`, for a message.
fn shown(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Reads a list of patterns: an array of strings, or one string.
fn patterns(value: &Json, kind: Kind, clause: usize) -> Result<Vec<Pattern>, PolicyProblem> {
    let texts: Vec<&str> = match value {
        Json::String(one) => vec![one],
        Json::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str().ok_or_else(|| PolicyProblem::MalformedClause {
                    clause,
                    problem: "a pattern that is not a string".into(),
                })
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(PolicyProblem::MalformedClause {
                clause,
                problem: "patterns are a string or an array of strings".into(),
            });
        }
    };
    let mut read: Vec<Pattern> = Vec::with_capacity(texts.len());
    for text in texts {
        let next = pattern(text, kind).map_err(|problem| PolicyProblem::InvalidPattern {
            clause,
            pattern: shown(text),
            problem,
        })?;
        if let Some(earlier) = read.iter().find(|p| **p != next && p.overlaps(&next)) {
            return Err(PolicyProblem::OverlappingPatterns {
                clause,
                first: earlier.to_string(),
                second: next.to_string(),
            });
        }
        read.push(next);
    }
    Ok(read)
}

impl PolicyBody {
    /// Reads a policy body in django-tutelary's JSON format, `{"version": "2015-12-10",
    /// "clause": [{"effect": "allow", "action": ["parcel.view"], "object":
    /// ["parcel/$organization/*"]}, ..]}` (comments from `//` or `#` to the end of a line
    /// allowed; `version` optional), and validates it.
    ///
    /// A backslash takes the next character literally: `a\/b` is one segment `a/b`, `\*` a
    /// literal star (in JSON, a backslash is written `\\`).
    pub fn parse(text: &str) -> Result<Self, PolicyProblem> {
        if text.chars().count() > MAX_POLICY_BODY_CHARS {
            return Err(PolicyProblem::TooLong);
        }
        let json: Json = serde_json::from_str(&without_comments(text))
            .map_err(|err| PolicyProblem::NotJson(err.to_string()))?;
        let Json::Object(body) = json else {
            return Err(PolicyProblem::NotJson("not an object".into()));
        };
        match body.get("version") {
            None | Some(Json::Null) => {}
            Some(Json::String(version)) if version.is_empty() || version == POLICY_VERSION => {}
            Some(other) => {
                return Err(PolicyProblem::UnknownVersion(match other {
                    Json::String(version) => shown(version),
                    other => shown(&other.to_string()),
                }));
            }
        }
        let Some(Json::Array(items)) = body.get("clause") else {
            return Err(PolicyProblem::NoClauses);
        };
        let mut clauses = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let malformed = |problem: &str| PolicyProblem::MalformedClause {
                clause: index,
                problem: problem.to_owned(),
            };
            let Json::Object(fields) = item else {
                return Err(malformed("not an object"));
            };
            // A misspelt `object` would make a clause about objects one about free-floating
            // actions: a deny that denies no row.
            if let Some(key) = fields
                .keys()
                .find(|key| !matches!(key.as_str(), "effect" | "action" | "object"))
            {
                return Err(malformed(&format!(
                    "unknown key {:?} (a clause has \"effect\", \"action\" and \"object\")",
                    shown(key)
                )));
            }
            let effect = match fields.get("effect") {
                Some(Json::String(effect)) if effect == "allow" => Effect::Allow,
                Some(Json::String(effect)) if effect == "deny" => Effect::Deny,
                Some(Json::String(effect)) => {
                    return Err(PolicyProblem::UnknownEffect {
                        clause: index,
                        effect: shown(effect),
                    });
                }
                Some(_) => return Err(malformed("the effect is not a string")),
                None => return Err(malformed("no effect")),
            };
            let actions = match fields.get("action") {
                Some(value) => patterns(value, Kind::Action, index)?,
                None => return Err(malformed("no action")),
            };
            if actions.is_empty() {
                return Err(PolicyProblem::NoAction { clause: index });
            }
            let objects = match fields.get("object") {
                None | Some(Json::Null) => None,
                Some(value) => {
                    Some(patterns(value, Kind::Object, index)?).filter(|list| !list.is_empty())
                }
            };
            clauses.push(Clause {
                effect,
                actions,
                objects,
            });
        }
        Ok(Self { clauses })
    }

    /// The clauses, in order.
    pub fn clauses(&self) -> &[Clause] {
        &self.clauses
    }

    /// The names of the variables the object patterns use.
    pub fn variables(&self) -> BTreeSet<&str> {
        self.clauses
            .iter()
            .flat_map(|clause| clause.objects.iter().flatten())
            .flat_map(|pattern| pattern.parts.iter())
            .filter_map(|part| match part {
                Part::Variable(name) => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The clauses with every variable replaced by its value, as a literal segment (a
    /// value is never a pattern: `*` in a value is a star). A variable without a value is
    /// [`PolicyProblem::MissingVariable`]; values for variables the policy does not use are
    /// ignored. Substituted patterns of one clause that overlap are
    /// [`PolicyProblem::OverlappingPatterns`].
    pub fn resolve(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<Vec<ResolvedClause>, PolicyProblem> {
        for name in self.variables() {
            let value = values
                .get(name)
                .ok_or_else(|| PolicyProblem::MissingVariable(name.to_owned()))?;
            if value.is_empty() || value.contains('\0') || value.chars().count() > MAX_PATTERN_CHARS
            {
                return Err(PolicyProblem::InvalidVariableValue(name.to_owned()));
            }
        }
        let mut resolved = Vec::with_capacity(self.clauses.len());
        for (index, clause) in self.clauses.iter().enumerate() {
            let objects = match &clause.objects {
                None => None,
                Some(patterns) => {
                    let mut done: Vec<Pattern> = Vec::with_capacity(patterns.len());
                    for pattern in patterns {
                        let substituted = Pattern {
                            kind: pattern.kind,
                            parts: pattern
                                .parts
                                .iter()
                                .map(|part| match part {
                                    Part::Variable(name) => Part::Literal(values[name].clone()),
                                    other => other.clone(),
                                })
                                .collect(),
                        };
                        if let Some(earlier) = done
                            .iter()
                            .find(|p| **p != substituted && p.overlaps(&substituted))
                        {
                            return Err(PolicyProblem::OverlappingPatterns {
                                clause: index,
                                first: earlier.to_string(),
                                second: substituted.to_string(),
                            });
                        }
                        done.push(substituted);
                    }
                    Some(done)
                }
            };
            resolved.push(ResolvedClause {
                effect: clause.effect,
                actions: clause.actions.clone(),
                objects,
            });
        }
        Ok(resolved)
    }
}

/// A clause of an assigned policy, its variables replaced by their values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResolvedClause {
    /// Allow or deny.
    pub effect: Effect,
    /// The action patterns.
    pub actions: Vec<Pattern>,
    /// The object patterns (no variable left), or `None` for free-floating actions.
    pub objects: Option<Vec<Pattern>>,
}

/// The clauses a principal's assignment gives, in the order they decide in: policies in
/// assignment order, each policy's clauses in its order, variables replaced by the values
/// the assignment gave that policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AssignedClauses(Vec<ResolvedClause>);

impl AssignedClauses {
    /// The clauses of `policies`, each with its variables' values, in order; the first
    /// policy whose variables cannot be resolved is the error.
    pub fn assign<'a>(
        policies: impl IntoIterator<Item = (&'a PolicyBody, &'a BTreeMap<String, String>)>,
    ) -> Result<Self, PolicyProblem> {
        let mut clauses = Vec::new();
        for (body, values) in policies {
            clauses.extend(body.resolve(values)?);
        }
        Ok(Self(clauses))
    }

    /// The clauses, in order.
    pub fn clauses(&self) -> &[ResolvedClause] {
        &self.0
    }

    /// Whether the clauses allow `action` on the object at `path` (`None`: a free-floating
    /// action): the last clause whose action and object patterns both match decides, and
    /// no match denies. An action or path that no pattern can match (empty, with an empty
    /// component, a NUL, too long) is denied.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use ownership_core::{AssignedClauses, PolicyBody};
    ///
    /// let body = PolicyBody::parse(
    ///     r#"{"clause": [
    ///         {"effect": "allow", "action": ["parcel.*"], "object": ["parcel/$org/*"]},
    ///         {"effect": "deny", "action": ["parcel.edit"], "object": ["parcel/$org/locked"]}
    ///     ]}"#,
    /// )?;
    /// let values = BTreeMap::from([("org".to_owned(), "acme".to_owned())]);
    /// let clauses = AssignedClauses::assign([(&body, &values)])?;
    /// assert!(clauses.allows("parcel.edit", Some("parcel/acme/12")));
    /// assert!(!clauses.allows("parcel.edit", Some("parcel/acme/locked")));
    /// assert!(clauses.allows("parcel.view", Some("parcel/acme/locked")));
    /// assert!(!clauses.allows("parcel.view", Some("parcel/other/12")));
    /// # Ok::<(), ownership_core::PolicyProblem>(())
    /// ```
    pub fn allows(&self, action: &str, path: Option<&str>) -> bool {
        let Some(action) = action_parts(action) else {
            return false;
        };
        let segments = match path.map(path_segments) {
            None => None,
            Some(None) => return false,
            Some(Some(segments)) => Some(segments),
        };
        let known: Option<Vec<Segment<'_>>> = segments
            .as_ref()
            .map(|segments| segments.iter().map(|s| Segment::Known(s)).collect());
        decide(&self.0, &action, known.as_deref())
            .constant()
            .unwrap_or(false)
    }
}

/// Whether the pattern matches the literal parts, one for one.
fn matches_literally(pattern: &Pattern, parts: &[&str]) -> bool {
    pattern.parts.len() == parts.len()
        && pattern
            .parts
            .iter()
            .zip(parts)
            .all(|(part, text)| match part {
                Part::Literal(literal) => literal == text,
                Part::Any => true,
                Part::Variable(_) => false,
            })
}

/// Splits an action into its dotted components, `None` for an action no pattern can match
/// (an empty component, a NUL, too long).
pub(crate) fn action_parts(action: &str) -> Option<Vec<&str>> {
    if action.is_empty() || action.contains('\0') || action.chars().count() > MAX_PATTERN_CHARS {
        return None;
    }
    let parts: Vec<&str> = action.split('.').collect();
    (parts.iter().all(|part| !part.is_empty()) && parts.len() <= MAX_PATTERN_PARTS).then_some(parts)
}

/// The most characters a checked path may have: as many segments as a pattern, each as
/// long as a row's value may be.
const MAX_PATH_CHARS: usize = MAX_POLICY_BODY_CHARS;

/// Splits an object path into its segments, a backslash taking the next character as it
/// is; `None` for a path that names no object (empty) or that no pattern can match (a NUL,
/// too long, a trailing backslash), and for one with an empty segment (`a//b`, `a/`): a
/// row whose value is empty has no such segment, and its check must not find one.
pub fn path_segments(path: &str) -> Option<Vec<String>> {
    if path.contains('\0') || path.chars().count() > MAX_PATH_CHARS {
        return None;
    }
    let segments: Vec<String> = split(path, Kind::Object, true)
        .ok()?
        .into_iter()
        .map(|part| part.into_iter().map(|(c, _)| c).collect())
        .collect();
    let well_formed = segments.iter().all(|segment: &String| !segment.is_empty())
        && segments.len() <= MAX_PATTERN_PARTS;
    well_formed.then_some(segments)
}

/// One segment of the path a decision is taken on: known, or read from a row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Segment<'a> {
    /// This text.
    Known(&'a str),
    /// The row's value of the path's segment `index`; `always_present` when its column
    /// can hold neither NULL nor an empty value (a `NOT NULL` integer or UUID).
    Row { index: usize, always_present: bool },
}

/// When the object pattern matches the path: as many segments, a literal equal to a known
/// segment or to the row's, `*` any known segment or any present row segment.
fn object_match<'a>(pattern: &'a Pattern, path: &[Segment<'a>]) -> Formula<'a> {
    if pattern.parts.len() != path.len() {
        return Formula::False;
    }
    Formula::all(
        pattern
            .parts
            .iter()
            .zip(path)
            .map(|(part, segment)| match (part, segment) {
                (Part::Any, Segment::Known(_)) => Formula::True,
                (Part::Any, Segment::Row { always_present, .. }) if *always_present => {
                    Formula::True
                }
                (Part::Any, Segment::Row { index, .. }) => Formula::Present(*index),
                (Part::Literal(text), Segment::Known(known)) => {
                    if text == known {
                        Formula::True
                    } else {
                        Formula::False
                    }
                }
                (Part::Literal(text), Segment::Row { index, .. }) => Formula::equals(*index, text),
                // Resolved clauses hold no variable; one left over matches nothing.
                (Part::Variable(_), _) => Formula::False,
            }),
    )
}

/// The decision of `clauses` (in order: policies in assignment order, clauses in policy
/// order) for `action` on `path` (`None`: a free-floating action): the last clause whose
/// action and object patterns both match decides, and no match denies.
///
/// Clause by clause, the decision so far `d` becomes `m OR d` after an allowing clause
/// that matches when `m` holds, `NOT m AND d` after a denying one (see [`Decision`]); on a
/// row an allowing clause's literals are equalities on the path's columns.
pub(crate) fn decide<'a>(
    clauses: &'a [ResolvedClause],
    action: &[&str],
    path: Option<&[Segment<'a>]>,
) -> Formula<'a> {
    decide_nesting(clauses, action, path, MAX_NESTED_DENIES)
}

/// [`decide`], with denies nested at most `max_nested` deep before the decision is written
/// as a flat list of its clauses.
fn decide_nesting<'a>(
    clauses: &'a [ResolvedClause],
    action: &[&str],
    path: Option<&[Segment<'a>]>,
    max_nested: usize,
) -> Formula<'a> {
    let mut decision = Decision::new(max_nested);
    for clause in clauses {
        let Some(matched) = clause_match(clause, action, path) else {
            continue;
        };
        match clause.effect {
            Effect::Allow => decision.allow(matched),
            Effect::Deny => decision.deny(matched),
        }
    }
    decision.formula()
}

/// When `clause` matches `action` on `path`; `None` when none of its action patterns
/// matches the action.
fn clause_match<'a>(
    clause: &'a ResolvedClause,
    action: &[&str],
    path: Option<&[Segment<'a>]>,
) -> Option<Formula<'a>> {
    if !clause
        .actions
        .iter()
        .any(|pattern| matches_literally(pattern, action))
    {
        return None;
    }
    Some(match (&clause.objects, path) {
        (None, None) => Formula::True,
        (Some(objects), Some(path)) => {
            Formula::any(objects.iter().map(|pattern| object_match(pattern, path)))
        }
        _ => Formula::False,
    })
}

/// For each allowing clause that can decide `action` on `path`: its position in `clauses`
/// and when it decides (it matches and no later clause does). The last match wins, so at
/// most one of them holds for a path.
fn deciding_allows<'a>(
    clauses: &'a [ResolvedClause],
    action: &[&str],
    path: &[Segment<'a>],
) -> Vec<(usize, Formula<'a>)> {
    let matches: Vec<(usize, &ResolvedClause, Formula<'a>)> = clauses
        .iter()
        .enumerate()
        .filter_map(|(position, clause)| {
            clause_match(clause, action, Some(path)).map(|matched| (position, clause, matched))
        })
        .collect();
    matches
        .iter()
        .enumerate()
        .filter(|(_, (_, clause, _))| clause.effect == Effect::Allow)
        .map(|(k, (position, _, matched))| {
            let later = Formula::any(matches[k + 1..].iter().map(|(_, _, m)| m.clone()));
            let decides = Formula::all([matched.clone(), Formula::not(later)]);
            (*position, decides)
        })
        .filter(|(_, decides)| *decides != Formula::False)
        .collect()
}

/// What a row condition is compiled from: the entity, the actions and the clauses.
struct Compiled {
    entity: TypeId,
    actions: Vec<String>,
    clauses: AssignedClauses,
}

/// The most compiled conditions kept; past it they are all dropped and compiled again as
/// they are asked for.
const MAX_COMPILED: usize = 1024;

/// The row conditions compiled so far, by a hash of what they are compiled from: each a
/// function of its key alone, so never stale.
type CompiledConditions = HashMap<u64, Vec<(Compiled, Condition)>>;
static COMPILED: LazyLock<Mutex<CompiledConditions>> = LazyLock::new(Mutex::default);

/// Where an assigned clause comes from: the policy's name and the clause's position in its
/// body, from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ClauseOrigin {
    pub(crate) policy: String,
    pub(crate) clause: usize,
}

/// What a subject's snapshot holds of its policies: its principal, the principal's stamp
/// when loaded, and the clauses of its assigned policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LoadedPolicies {
    /// The principal's id.
    pub(crate) principal: i64,
    /// The principal's stamp when loaded.
    pub(crate) stamp: String,
    /// The assigned clauses, in order.
    pub(crate) clauses: AssignedClauses,
    /// Where each of the clauses comes from, in the same order.
    pub(crate) origins: Vec<ClauseOrigin>,
}

impl LoadedPolicies {
    /// `EXISTS (the principal with the snapshot's stamp)`: the assignments and policies are
    /// still the ones loaded.
    pub(crate) fn still_current(&self) -> Expr {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(policy_principal::Entity)
                .and_where(Expr::col(policy_principal::Column::Id).eq(self.principal))
                .and_where(Expr::col(policy_principal::Column::Stamp).eq(self.stamp.as_str()))
                .to_owned(),
        )
    }

    /// The condition on a row of `E` that the clauses allow every one of `actions` on its
    /// path: none for an entity without a path, an action it does not declare, or an
    /// action no pattern can match.
    ///
    /// Compiled once per process for the same clauses, entity and actions: a service loads
    /// its subject for every request, and the clauses of an assignment that did not change
    /// compile to the same condition every time.
    pub(crate) fn rows_allowed<E: OwnedEntity>(&self, actions: &[&str]) -> Condition {
        let entity = TypeId::of::<E>();
        let mut hasher = DefaultHasher::new();
        (entity, actions, &self.clauses).hash(&mut hasher);
        let hash = hasher.finish();
        let is_key = |key: &Compiled| {
            key.entity == entity && key.actions == actions && key.clauses == self.clauses
        };
        let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, condition)) = compiled
            .get(&hash)
            .and_then(|bucket| bucket.iter().find(|(key, _)| is_key(key)))
        {
            return condition.clone();
        }
        let condition = self.compile::<E>(actions);
        if compiled.len() >= MAX_COMPILED {
            compiled.clear();
        }
        let key = Compiled {
            entity,
            actions: actions.iter().map(|action| (*action).to_owned()).collect(),
            clauses: self.clauses.clone(),
        };
        compiled
            .entry(hash)
            .or_default()
            .push((key, condition.clone()));
        condition
    }

    /// [`rows_allowed`](Self::rows_allowed), compiled.
    fn compile<E: OwnedEntity>(&self, actions: &[&str]) -> Condition {
        let path = E::policy_path();
        if path.is_empty() || actions.is_empty() {
            return deny();
        }
        let segments = row_segments(path);
        let mut decisions = Vec::with_capacity(actions.len());
        for action in actions {
            let Some(parts) = declared_action::<E>(action) else {
                return deny();
            };
            decisions.push(decide(self.clauses.clauses(), &parts, Some(&segments)));
        }
        lowered(Formula::all(decisions), path)
    }

    /// For each clause that can decide `action` allowed on a row of `E`: its position
    /// among the assigned clauses, and the condition on the row under which it decides.
    fn deciding_clauses<E: OwnedEntity>(&self, action: &str) -> Vec<(usize, Condition)> {
        let path = E::policy_path();
        let Some(parts) = declared_action::<E>(action).filter(|_| !path.is_empty()) else {
            return Vec::new();
        };
        let segments = row_segments(path);
        deciding_allows(self.clauses.clauses(), &parts, &segments)
            .into_iter()
            .map(|(position, decides)| (position, lowered(decides, path)))
            .collect()
    }

    /// Where the assigned clause at `position` comes from.
    pub(crate) fn origin(&self, position: usize) -> Option<&ClauseOrigin> {
        self.origins.get(position)
    }
}

/// The parts of `action` if `E` declares it (or declares no actions) and a pattern can
/// match it.
fn declared_action<E: OwnedEntity>(action: &str) -> Option<Vec<&str>> {
    let declared = E::POLICY_ACTIONS.is_empty() || E::POLICY_ACTIONS.contains(&action);
    action_parts(action).filter(|_| declared)
}

/// The segments of a row's path: its literals known, its columns read from the row.
fn row_segments<'a, C: ColumnTrait>(path: &'a [PathSegment<C>]) -> Vec<Segment<'a>> {
    path.iter()
        .enumerate()
        .map(|(index, segment)| match segment {
            PathSegment::Literal(text) => Segment::Known(text),
            PathSegment::Column(column) => Segment::Row {
                index,
                always_present: always_present(*column),
            },
        })
        .collect()
}

/// The condition on a row's path columns that `formula` holds, in its simplest shape.
fn lowered<C: ColumnTrait>(formula: Formula<'_>, path: &[PathSegment<C>]) -> Condition {
    formula.regrouped().within(&Fixed::new()).lower(path)
}

/// The policy source's explanation: for each asked action, the assigned clause that
/// decides it allowed on the row, while the policies allow every asked action on it.
pub(crate) struct PolicyReasons<'a, E> {
    /// The snapshot's policies.
    pub(crate) policies: &'a LoadedPolicies,
    /// The actions asked.
    pub(crate) actions: Vec<String>,
    /// The key type of groups, for the reason rows' typed NULLs.
    pub(crate) group_key: KeyType,
    pub(crate) entity: PhantomData<E>,
}

impl<E: OwnedEntity> ReasonSource for PolicyReasons<'_, E> {
    fn reasons(&self, table: &OwnedTable, id: &Value, _: DbBackend) -> Vec<SelectStatement> {
        let asked: Vec<&str> = self.actions.iter().map(String::as_str).collect();
        let allowed = self.policies.rows_allowed::<E>(&asked);
        let mut arms = Vec::new();
        for action in &asked {
            for (position, decides) in self.policies.deciding_clauses::<E>(action) {
                let mut arm = Query::select();
                reason_row(
                    &mut arm,
                    "policy",
                    ReasonValues {
                        name: Some(Expr::val(*action)),
                        clause: Some(Expr::val(position as i64)),
                        ..ReasonValues::default()
                    },
                    self.group_key,
                );
                arm.from(table.table.clone())
                    .and_where(Expr::col(table.id.clone()).eq(id.clone()))
                    .cond_where(allowed.clone())
                    .cond_where(decides);
                arms.push(arm);
            }
        }
        arms
    }
}

/// Whether every row has a value of `column` as a path segment: a `NOT NULL` integer or
/// UUID (a text may be empty, which is no segment).
fn always_present<C: ColumnTrait>(column: C) -> bool {
    let def = column.def();
    !def.is_null()
        && matches!(
            KeyType::of_column(def.get_column_type()),
            Some(KeyType::Int | KeyType::Uuid)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> PolicyBody {
        PolicyBody::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn clauses(text: &str) -> AssignedClauses {
        AssignedClauses::assign([(&body(text), &BTreeMap::new())]).expect("no variables")
    }

    fn allowed(clauses: &AssignedClauses, action: &str, path: Option<&str>) -> bool {
        clauses.allows(action, path)
    }

    #[test]
    fn the_last_matching_clause_decides() {
        let c = clauses(
            r#"{"clause": [
                {"effect": "allow", "action": ["*.view", "*.edit"], "object": ["org/*/*/*"]},
                {"effect": "deny", "action": ["*.edit"], "object": ["org/acme/parcel/*"]}
            ]}"#,
        );
        assert!(allowed(&c, "parcel.view", Some("org/acme/parcel/1")));
        assert!(!allowed(&c, "parcel.edit", Some("org/acme/parcel/1")));
        assert!(allowed(&c, "parcel.edit", Some("org/other/parcel/1")));
        assert!(!allowed(&c, "parcel.delete", Some("org/acme/parcel/1")));
        // A later allow overrides an earlier deny.
        let c = clauses(
            r#"{"clause": [
                {"effect": "deny", "action": ["page.edit"], "object": ["page/*/*/*"]},
                {"effect": "allow", "action": ["page.edit"], "object": ["page/*/Personal/*"]}
            ]}"#,
        );
        assert!(allowed(&c, "page.edit", Some("page/x/Personal/1")));
        assert!(!allowed(&c, "page.edit", Some("page/x/Work/1")));
    }

    #[test]
    fn a_star_is_exactly_one_part() {
        let c =
            clauses(r#"{"clause": [{"effect": "allow", "action": ["a.*"], "object": ["x/*"]}]}"#);
        assert!(allowed(&c, "a.b", Some("x/1")));
        assert!(!allowed(&c, "a", Some("x/1")));
        assert!(!allowed(&c, "a.b.c", Some("x/1")));
        assert!(!allowed(&c, "a.b", Some("x")));
        assert!(!allowed(&c, "a.b", Some("x/1/2")));
        let c = clauses(r#"{"clause": [{"effect": "allow", "action": "*"}]}"#);
        assert!(allowed(&c, "statistics", None));
        assert!(!allowed(&c, "parcel.list", None));
    }

    #[test]
    fn free_floating_clauses_and_object_clauses_decide_apart() {
        let c = clauses(
            r#"{"clause": [
                {"effect": "allow", "action": ["statistics"]},
                {"effect": "allow", "action": ["parcel.view"], "object": ["*/*"]}
            ]}"#,
        );
        assert!(allowed(&c, "statistics", None));
        assert!(!allowed(&c, "statistics", Some("a/b")));
        assert!(!allowed(&c, "parcel.view", None));
        assert!(allowed(&c, "parcel.view", Some("a/b")));
        assert!(!allowed(&c, "parcel.view", Some("a")));
    }

    #[test]
    fn variables_are_values_never_patterns() {
        let b = body(
            r#"{"clause": [{"effect": "allow", "action": "p.view", "object": ["p/$org/*"]}]}"#,
        );
        assert_eq!(b.variables(), BTreeSet::from(["org"]));
        assert_eq!(
            b.resolve(&BTreeMap::new()),
            Err(PolicyProblem::MissingVariable("org".into()))
        );
        let star = AssignedClauses::assign([(&b, &BTreeMap::from([("org".into(), "*".into())]))])
            .expect("resolved");
        assert!(!allowed(&star, "p.view", Some("p/acme/1")));
        assert!(allowed(&star, "p.view", Some("p/\\*/1")));
        let slash =
            AssignedClauses::assign([(&b, &BTreeMap::from([("org".into(), "a/b".into())]))])
                .expect("resolved");
        assert!(allowed(&slash, "p.view", Some("p/a\\/b/1")));
        assert!(!allowed(&slash, "p.view", Some("p/a/b/1")));
    }

    #[test]
    fn bodies_are_validated() {
        let problem = |text: &str| PolicyBody::parse(text).expect_err(text);
        assert!(matches!(problem("blah!"), PolicyProblem::NotJson(_)));
        assert_eq!(
            problem(r#"{"version": "2015-12-10"}"#),
            PolicyProblem::NoClauses
        );
        assert_eq!(
            problem(r#"{"version": "2016-01-01", "clause": []}"#),
            PolicyProblem::UnknownVersion("2016-01-01".into())
        );
        assert_eq!(
            problem(r#"{"clause": [{"effect": "allows", "action": ["a"]}]}"#),
            PolicyProblem::UnknownEffect {
                clause: 0,
                effect: "allows".into()
            }
        );
        assert_eq!(
            problem(r#"{"clause": [{"effect": "allow", "action": []}]}"#),
            PolicyProblem::NoAction { clause: 0 }
        );
        assert!(matches!(
            problem(r#"{"clause": [{"effect": "allow", "action": ["a.*", "a.b"]}]}"#),
            PolicyProblem::OverlappingPatterns { clause: 0, .. }
        ));
        assert!(matches!(
            problem(
                r#"{"clause": [{"effect": "allow", "action": "a", "object": ["c/*/p/*", "*/*/p/*"]}]}"#
            ),
            PolicyProblem::OverlappingPatterns { clause: 0, .. }
        ));
        for bad in ["a/b*", "a/$1", "a/\u{0}", "a\\"] {
            let text = format!(
                r#"{{"clause": [{{"effect": "allow", "action": "a", "object": [{}]}}]}}"#,
                serde_json::to_string(bad).expect("a string")
            );
            assert!(
                matches!(problem(&text), PolicyProblem::InvalidPattern { .. }),
                "{bad:?}"
            );
        }
        assert!(matches!(
            problem(r#"{"clause": [{"effect": "deny", "action": "a", "objects": ["p/*"]}]}"#),
            PolicyProblem::MalformedClause { clause: 0, .. }
        ));
        let long = format!(
            r#"{{"clause": [{{"effect": "allow", "action": "a", "object": ["{}"]}}]}}"#,
            "x".repeat(10_000)
        );
        assert!(matches!(
            problem(&long),
            PolicyProblem::InvalidPattern { .. }
        ));
        // Patterns of different lengths, and the same pattern twice, do not overlap.
        body(
            r#"{"clause": [{"effect": "allow", "action": ["o.*", "o.*.*", "a.b", "a.b"], "object": ["*", "*/*"]}]}"#,
        );
    }

    #[test]
    fn a_checked_path_with_an_empty_segment_names_nothing() {
        let c = clauses(r#"{"clause": [{"effect": "allow", "action": "a", "object": ["p/*"]}]}"#);
        assert!(allowed(&c, "a", Some("p/x")));
        for path in ["p//x", "p/x/", "/p/x", "", "p/x\\"] {
            assert!(!allowed(&c, "a", Some(path)), "{path:?}");
        }
        assert!(allowed(&c, "a", Some(&format!("p/{}", "x".repeat(5_000)))));
    }

    #[test]
    fn comments_end_lines_outside_strings() {
        let b = body(
            "# a policy\n{\"version\": \"2015-12-10\", // optional\n\"clause\": [{\"effect\": \"allow\", \"action\": \"a\", \"object\": [\"http:#x//y\"]}]}",
        );
        assert_eq!(
            b.clauses()[0].objects.as_ref().expect("objects")[0].to_string(),
            "http:#x/y"
        );
    }
}

/// The formula a decision compiles to for a row, against the rule evaluated on the row
/// itself, over random clauses and rows (with NULL and empty segments).
#[cfg(test)]
mod row_decisions {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    const VALUES: [&str; 3] = ["a", "b", "c"];

    fn part() -> impl Strategy<Value = Part> {
        prop_oneof![
            (0..VALUES.len()).prop_map(|i| Part::Literal(VALUES[i].to_owned())),
            Just(Part::Any),
        ]
    }

    fn clause() -> impl Strategy<Value = ResolvedClause> {
        let object = vec(part(), 2..=4).prop_map(|parts| Pattern {
            kind: Kind::Object,
            parts,
        });
        (any::<bool>(), vec(object, 1..=2)).prop_map(|(allow, objects)| ResolvedClause {
            effect: if allow { Effect::Allow } else { Effect::Deny },
            actions: vec![Pattern {
                kind: Kind::Action,
                parts: vec![Part::Literal("view".to_owned())],
            }],
            objects: Some(objects),
        })
    }

    fn segment() -> impl Strategy<Value = Option<&'static str>> {
        prop_oneof![
            Just(None),
            Just(Some("")),
            (0..VALUES.len()).prop_map(|i| Some(VALUES[i])),
        ]
    }

    /// Rule 7 on a row: the last clause with a pattern matching it decides; an absent or
    /// empty segment matches no pattern part.
    fn rule(clauses: &[ResolvedClause], row: &[Option<&str>]) -> bool {
        let matches = |pattern: &Pattern| {
            pattern.parts.len() == row.len()
                && pattern.parts.iter().zip(row).all(|(part, value)| {
                    match (part, value.filter(|v| !v.is_empty())) {
                        (Part::Any, Some(_)) => true,
                        (Part::Literal(text), Some(value)) => text == value,
                        _ => false,
                    }
                })
        };
        clauses
            .iter()
            .rev()
            .find(|clause| clause.objects.iter().flatten().any(matches))
            .is_some_and(|clause| clause.effect == Effect::Allow)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn the_row_formula_decides_as_the_rule(
            clauses in vec(clause(), 0..14),
            mut row in vec(segment(), 3),
            last_always_present in any::<bool>(),
            max_nested in prop_oneof![Just(0), Just(1), Just(2), Just(MAX_NESTED_DENIES)],
        ) {
            if last_always_present && row[2].is_none_or(str::is_empty) {
                row[2] = Some("c");
            }
            let segments: Vec<Segment<'_>> = (0..3)
                .map(|index| Segment::Row {
                    index,
                    always_present: last_always_present && index == 2,
                })
                .collect();
            let formula = decide_nesting(&clauses, &["view"], Some(&segments), max_nested);
            let expected = rule(&clauses, &row);
            prop_assert_eq!(formula.holds(&row), expected, "{:?}", formula);
            let regrouped = formula.regrouped();
            prop_assert_eq!(regrouped.holds(&row), expected, "{:?}", regrouped);
            let simplified = regrouped.within(&Fixed::new());
            prop_assert_eq!(simplified.holds(&row), expected, "{:?}", simplified);
        }
    }
}
