//! The policy source's condition on a row's path: a formula over the path's segments,
//! simplified as it is built, and its lowering into a condition on the path's columns.
//!
//! The shapes it keeps are the ones a person would write by hand and an index can serve:
//! alternatives that fix the same leading segment are grouped under it, values of one
//! segment that lead to the same rest become one `IN` list, and a deny only narrows the
//! alternatives it can overlap (a deny in one organization leaves the others' alternatives
//! as they were), and what a conjunction already fixes is left out of the tests inside it.
//! No `NOT` stands directly before a comparison, long lists are written as balanced trees,
//! and a decision whose denies nest deeply is written as one flat `CASE` of its clauses,
//! so that neither an operator precedence mode nor a backend's limit on expression depth
//! depends on how many clauses there are.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, Value};

use crate::key::KeyType;
use crate::owned::PathSegment;
use crate::plan::deny;

/// A condition on a row's path segments. An empty or absent (NULL) segment value is never
/// present, and is none of a [`OneOf`](Formula::OneOf)'s values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Formula<'a> {
    /// Always.
    True,
    /// Never.
    False,
    /// The row's segment `index` is present.
    Present(usize),
    /// The row's segment `index` is present and one of these texts (never empty).
    OneOf(usize, BTreeSet<&'a str>),
    /// Every one (at least two, none of them `All`).
    All(Vec<Formula<'a>>),
    /// At least one (at least two, none of them `Any`).
    Any(Vec<Formula<'a>>),
    /// Not this one.
    Not(Box<Formula<'a>>),
    /// The first of these that holds decides (`true`: it allows); none holding denies. A
    /// decision whose denies nest too deeply is written so: one flat list of its clauses,
    /// the last one first.
    FirstHolding(Vec<(Formula<'a>, bool)>),
}

impl<'a> Formula<'a> {
    /// The row's segment `index` is `text`.
    pub(crate) fn equals(index: usize, text: &'a str) -> Formula<'a> {
        Formula::OneOf(index, BTreeSet::from([text]))
    }

    /// Every one of `items`: nested conjunctions flattened, the values each segment may
    /// take intersected, constants folded.
    pub(crate) fn all(items: impl IntoIterator<Item = Formula<'a>>) -> Formula<'a> {
        let mut values: Fixed<'a> = BTreeMap::new();
        let mut present = BTreeSet::new();
        let mut rest = BTreeSet::new();
        let mut pending: Vec<Formula<'a>> = items.into_iter().collect();
        while let Some(item) = pending.pop() {
            match item {
                Formula::True => {}
                Formula::False => return Formula::False,
                Formula::All(inner) => pending.extend(inner),
                Formula::Present(index) => {
                    present.insert(index);
                }
                Formula::OneOf(index, texts) => match values.get_mut(&index) {
                    Some(held) => held.retain(|text| texts.contains(text)),
                    None => {
                        values.insert(index, texts);
                    }
                },
                other => {
                    rest.insert(other);
                }
            }
        }
        // `NOT s IN (a) AND NOT s IN (b)` is `NOT s IN (a, b)`; beside `s IN (...)`, the
        // values left out of it.
        let mut excluded: Fixed<'a> = BTreeMap::new();
        rest.retain(|item| match item {
            Formula::Not(inner) => match inner.as_ref() {
                Formula::OneOf(index, texts) => {
                    excluded
                        .entry(*index)
                        .or_default()
                        .extend(texts.iter().copied());
                    false
                }
                _ => true,
            },
            _ => true,
        });
        for (index, texts) in excluded {
            match values.get_mut(&index) {
                Some(held) => held.retain(|text| !texts.contains(text)),
                None => {
                    rest.insert(Formula::Not(Box::new(Formula::OneOf(index, texts))));
                }
            }
        }
        if values.values().any(BTreeSet::is_empty) {
            return Formula::False;
        }
        // A value is present: the segments with values need no `Present` of their own.
        present.retain(|index| !values.contains_key(index));
        // Equalities first: a database tests conditions of equal cost in the order given,
        // and an equality rules out most rows at once.
        let kept: Vec<Formula<'a>> = values
            .into_iter()
            .map(|(index, texts)| Formula::OneOf(index, texts))
            .chain(present.into_iter().map(Formula::Present))
            .chain(rest)
            .collect();
        Formula::joined(kept, Formula::True, Formula::All)
    }

    /// At least one of `items`: nested alternatives flattened, constants folded.
    pub(crate) fn any(items: impl IntoIterator<Item = Formula<'a>>) -> Formula<'a> {
        match Formula::arms(items) {
            Ok(arms) => Formula::joined(arms, Formula::False, Formula::Any),
            Err(always) => always,
        }
    }

    /// [`any`](Formula::any), its alternatives [grouped](Formula::grouped).
    fn any_grouped(items: impl IntoIterator<Item = Formula<'a>>) -> Formula<'a> {
        match Formula::arms(items) {
            Ok(arms) => Formula::joined(Formula::grouped(arms), Formula::False, Formula::Any),
            Err(always) => always,
        }
    }

    /// The distinct alternatives of `items`, nested ones flattened and `False` left out;
    /// `Err(True)` when one of them always holds.
    fn arms(items: impl IntoIterator<Item = Formula<'a>>) -> Result<Vec<Formula<'a>>, Formula<'a>> {
        let mut arms = BTreeSet::new();
        let mut pending: Vec<Formula<'a>> = items.into_iter().collect();
        while let Some(item) = pending.pop() {
            match item {
                Formula::False => {}
                Formula::True => return Err(Formula::True),
                Formula::Any(inner) => pending.extend(inner),
                other => {
                    arms.insert(other);
                }
            }
        }
        Ok(arms.into_iter().collect())
    }

    /// The formula with every set of alternatives in it [grouped](Formula::grouped): done
    /// once, on a finished decision.
    pub(crate) fn regrouped(self) -> Formula<'a> {
        match self {
            Formula::All(items) => Formula::all(items.into_iter().map(Formula::regrouped)),
            Formula::Any(arms) => Formula::any_grouped(arms.into_iter().map(Formula::regrouped)),
            Formula::Not(item) => Formula::not(item.regrouped()),
            atom => atom,
        }
    }

    /// `none` for no item, the item for one, `many` of them for more.
    fn joined(
        mut items: Vec<Formula<'a>>,
        none: Formula<'a>,
        many: fn(Vec<Formula<'a>>) -> Formula<'a>,
    ) -> Formula<'a> {
        match items.len() {
            0 => none,
            1 => items.pop().expect("one item"),
            _ => many(items),
        }
    }

    /// Alternatives regrouped: those that fix a segment to the same single value share
    /// it (`a AND x OR a AND y` is `a AND (x OR y)`), the leading segment first; then those
    /// that differ only in one segment's values become one alternative with their values
    /// together (`s = 1 AND x OR s = 2 AND x` is `s IN (1, 2) AND x`).
    fn grouped(arms: Vec<Formula<'a>>) -> Vec<Formula<'a>> {
        let mut arms = arms;
        let indexes: BTreeSet<usize> = arms.iter().flat_map(Formula::fixed_indexes).collect();
        for &index in &indexes {
            arms = Formula::sharing(arms, index);
        }
        for &index in indexes.iter().rev() {
            arms = Formula::merging(arms, index);
        }
        arms
    }

    /// The one value the formula (at its top) gives segment `index`, if it gives one.
    fn single_value(&self, index: usize) -> Option<&'a str> {
        let atom = match self {
            Formula::All(items) => items
                .iter()
                .find(|item| matches!(item, Formula::OneOf(i, _) if *i == index))?,
            other => other,
        };
        match atom {
            Formula::OneOf(at, texts) if *at == index && texts.len() == 1 => texts.first().copied(),
            _ => None,
        }
    }

    /// A hash of what [`split`](Formula::split) leaves besides segment `index`'s values,
    /// without building it: formulas whose rests are equal have equal hashes.
    fn rest_hash(&self, index: usize) -> Option<u64> {
        let mut hasher = DefaultHasher::new();
        match self {
            Formula::OneOf(at, _) if *at == index => {}
            Formula::All(items) => {
                let at = items
                    .iter()
                    .position(|item| matches!(item, Formula::OneOf(i, _) if *i == index))?;
                for (i, item) in items.iter().enumerate() {
                    if i != at {
                        item.hash(&mut hasher);
                    }
                }
            }
            _ => return None,
        }
        Some(hasher.finish())
    }

    /// The segments the formula itself (at its top) gives values.
    fn fixed_indexes(&self) -> Vec<usize> {
        match self {
            Formula::OneOf(index, _) => vec![*index],
            Formula::All(items) => items.iter().flat_map(Formula::fixed_indexes).collect(),
            _ => Vec::new(),
        }
    }

    /// The formula split into its values of segment `index` (at its top) and the rest.
    fn split(&self, index: usize) -> Option<(&BTreeSet<&'a str>, Formula<'a>)> {
        match self {
            Formula::OneOf(at, texts) if *at == index => Some((texts, Formula::True)),
            Formula::All(items) => {
                let at = items
                    .iter()
                    .position(|item| matches!(item, Formula::OneOf(i, _) if *i == index))?;
                let Formula::OneOf(_, texts) = &items[at] else {
                    unreachable!("found above")
                };
                let rest = items
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != at)
                    .map(|(_, item)| item.clone());
                Some((texts, Formula::all(rest)))
            }
            _ => None,
        }
    }

    /// Alternatives fixing segment `index` to the same single value, two or more, made
    /// one: that value and the alternatives of their rests.
    fn sharing(arms: Vec<Formula<'a>>, index: usize) -> Vec<Formula<'a>> {
        let mut sharers: HashMap<&'a str, usize> = HashMap::new();
        for arm in &arms {
            if let Some(text) = arm.single_value(index) {
                *sharers.entry(text).or_default() += 1;
            }
        }
        if sharers.values().all(|&count| count < 2) {
            return arms;
        }
        let mut groups: BTreeMap<&'a str, Vec<Formula<'a>>> = BTreeMap::new();
        let mut kept = Vec::new();
        for arm in arms {
            match arm.single_value(index) {
                Some(text) if sharers[text] >= 2 => {
                    let (_, rest) = arm.split(index).expect("a value of the segment");
                    groups.entry(text).or_default().push(rest);
                }
                _ => kept.push(arm),
            }
        }
        for (text, rests) in groups {
            let value = Formula::equals(index, text);
            if rests.len() == 1 {
                kept.push(Formula::all(rests.into_iter().chain([value])));
            } else {
                kept.push(Formula::all([value, Formula::any_grouped(rests)]));
            }
        }
        kept
    }

    /// Alternatives that differ only in the values of segment `index` made one.
    fn merging(arms: Vec<Formula<'a>>, index: usize) -> Vec<Formula<'a>> {
        let mut alike: HashMap<u64, usize> = HashMap::new();
        for arm in &arms {
            if let Some(hash) = arm.rest_hash(index) {
                *alike.entry(hash).or_default() += 1;
            }
        }
        if alike.values().all(|&count| count < 2) {
            return arms;
        }
        let mut merged: Vec<(BTreeSet<&'a str>, Formula<'a>)> = Vec::new();
        let mut position: HashMap<Formula<'a>, usize> = HashMap::new();
        let mut kept = Vec::new();
        for arm in arms {
            let candidate = arm.rest_hash(index).is_some_and(|hash| alike[&hash] >= 2);
            match arm.split(index).filter(|_| candidate) {
                Some((texts, rest)) => match position.get(&rest) {
                    Some(&at) => merged[at].0.extend(texts.iter().copied()),
                    None => {
                        position.insert(rest.clone(), merged.len());
                        merged.push((texts.clone(), rest));
                    }
                },
                None => kept.push(arm),
            }
        }
        kept.extend(
            merged
                .into_iter()
                .map(|(texts, rest)| Formula::all([Formula::OneOf(index, texts), rest])),
        );
        kept
    }

    /// The first of `cases` that holds decides (`true`: it allows); none holding denies.
    /// Cases that never hold are left out, and those after one that always holds.
    fn first_holding(cases: impl IntoIterator<Item = (Formula<'a>, bool)>) -> Formula<'a> {
        let mut kept = Vec::new();
        for (condition, allows) in cases {
            match condition {
                Formula::False => {}
                Formula::True => {
                    kept.push((Formula::True, allows));
                    break;
                }
                other => kept.push((other, allows)),
            }
        }
        if kept.iter().all(|(_, allows)| !allows) {
            return Formula::False;
        }
        match kept.as_slice() {
            [(Formula::True, allows)] => {
                if *allows {
                    Formula::True
                } else {
                    Formula::False
                }
            }
            _ => Formula::FirstHolding(kept),
        }
    }

    /// Not this one.
    pub(crate) fn not(item: Formula<'a>) -> Formula<'a> {
        match item {
            Formula::True => Formula::False,
            Formula::False => Formula::True,
            Formula::Not(inner) => *inner,
            other => Formula::Not(Box::new(other)),
        }
    }

    /// The values the formula requires of segments: wherever it holds, segment `index`
    /// is one of `fixed()[index]`.
    fn fixed(&self) -> Fixed<'a> {
        match self {
            Formula::OneOf(index, texts) => BTreeMap::from([(*index, texts.clone())]),
            Formula::All(items) => {
                let mut fixed = Fixed::new();
                for item in items {
                    for (index, texts) in item.fixed() {
                        match fixed.get_mut(&index) {
                            Some(held) => held.retain(|text| texts.contains(text)),
                            None => {
                                fixed.insert(index, texts);
                            }
                        }
                    }
                }
                fixed
            }
            Formula::Any(arms) => fixed_by_any(arms.iter().map(Formula::fixed)),
            _ => BTreeMap::new(),
        }
    }

    /// The formula where the values `known` are already required of segments: what they
    /// decide is left out (`s = 1 AND NOT (s = 1 AND t = 2)` is `s = 1 AND NOT t = 2`).
    pub(crate) fn within(self, known: &Fixed<'a>) -> Formula<'a> {
        match self {
            Formula::Present(index) if known.contains_key(&index) => Formula::True,
            Formula::OneOf(index, texts) => match known.get(&index) {
                Some(held) if held.is_subset(&texts) => Formula::True,
                Some(held) => {
                    let left: BTreeSet<&'a str> = held.intersection(&texts).copied().collect();
                    if left.is_empty() {
                        Formula::False
                    } else {
                        Formula::OneOf(index, left)
                    }
                }
                None => Formula::OneOf(index, texts),
            },
            Formula::All(items) => {
                // The segment values this conjunction requires hold inside its other items.
                let (atoms, others): (Vec<_>, Vec<_>) = items
                    .into_iter()
                    .partition(|item| matches!(item, Formula::OneOf(..) | Formula::Present(_)));
                let atoms: Vec<Formula<'a>> = atoms.into_iter().map(|a| a.within(known)).collect();
                let mut inner = known.clone();
                for atom in &atoms {
                    if let Formula::OneOf(index, texts) = atom {
                        inner.insert(*index, texts.clone());
                    }
                }
                let others: Vec<Formula<'a>> =
                    others.into_iter().map(|o| o.within(&inner)).collect();
                Formula::all(atoms.into_iter().chain(others))
            }
            Formula::Any(arms) => Formula::any(arms.into_iter().map(|arm| arm.within(known))),
            Formula::Not(item) => Formula::not(item.within(known)),
            Formula::FirstHolding(cases) => Formula::first_holding(
                cases
                    .into_iter()
                    .map(|(condition, allows)| (condition.within(known), allows)),
            ),
            constant => constant,
        }
    }

    /// Whether it holds where every segment is known; `None` while it reads a row.
    pub(crate) fn constant(&self) -> Option<bool> {
        match self {
            Formula::True => Some(true),
            Formula::False => Some(false),
            _ => None,
        }
    }

    /// Whether it holds for a row whose segments are `row` (`None`: NULL).
    #[cfg(test)]
    pub(crate) fn holds(&self, row: &[Option<&str>]) -> bool {
        let value = |index: &usize| row[*index].filter(|text| !text.is_empty());
        match self {
            Formula::True => true,
            Formula::False => false,
            Formula::Present(index) => value(index).is_some(),
            Formula::OneOf(index, texts) => value(index).is_some_and(|text| texts.contains(&text)),
            Formula::All(items) => items.iter().all(|item| item.holds(row)),
            Formula::Any(arms) => arms.iter().any(|arm| arm.holds(row)),
            Formula::Not(item) => !item.holds(row),
            Formula::FirstHolding(cases) => cases
                .iter()
                .find(|(condition, _)| condition.holds(row))
                .is_some_and(|(_, allows)| *allows),
        }
    }

    /// The condition on a row's columns: segment `index` is `path[index]`'s column.
    pub(crate) fn lower<C: ColumnTrait>(&self, path: &[PathSegment<C>]) -> Condition {
        match self {
            Formula::True => Condition::all(),
            Formula::False => deny(),
            other => Condition::all().add(other.expr(path, &BTreeSet::new(), false)),
        }
    }

    /// The expression on the row's columns.
    ///
    /// `present`: segments known to be present (a conjunct beside it says so), whose
    /// columns need no `NULL` test: a row where one is NULL fails that conjunct, whatever
    /// this gives. `exact`: whether the expression must be true or false, never NULL, as
    /// under a `NOT`; elsewhere a NULL rules the row out as false would, so a test that a
    /// value is there or is one of some needs no `IS NOT NULL` beside it.
    fn expr<C: ColumnTrait>(
        &self,
        path: &[PathSegment<C>],
        present: &BTreeSet<usize>,
        exact: bool,
    ) -> Expr {
        let column = |index: &usize| match path.get(*index) {
            Some(PathSegment::Column(column)) => Some((*column, !present.contains(index))),
            _ => None,
        };
        let never = || Expr::from(deny());
        match self {
            Formula::True => Expr::from(Condition::all()),
            Formula::False => never(),
            Formula::Present(index) => column(index)
                .map_or_else(never, |(c, unknown)| holds_segment(c, unknown, exact, true)),
            // A NULL is one of no values: only an exact test needs the `IS NOT NULL`.
            Formula::OneOf(index, texts) => column(index).map_or_else(never, |(c, unknown)| {
                one_of(c, unknown && exact, texts, true)
            }),
            Formula::Not(item) => match item.as_ref() {
                Formula::Present(index) => column(index)
                    .map_or_else(never, |(c, unknown)| holds_segment(c, unknown, true, false)),
                Formula::OneOf(index, texts) => column(index)
                    .map_or_else(never, |(c, unknown)| one_of(c, unknown, texts, false)),
                other => other.expr(path, present, true).not(),
            },
            Formula::All(items) => {
                let mut inner = present.clone();
                inner.extend(items.iter().filter_map(|item| match item {
                    Formula::Present(index) | Formula::OneOf(index, _) => Some(*index),
                    _ => None,
                }));
                let exprs = items
                    .iter()
                    .map(|item| match item {
                        Formula::Present(_) | Formula::OneOf(..) => item.expr(path, present, exact),
                        other => other.expr(path, &inner, exact),
                    })
                    .collect();
                balanced(exprs, |a, b| a.and(b))
            }
            Formula::Any(arms) => balanced(
                arms.iter()
                    .map(|arm| arm.expr(path, present, exact))
                    .collect(),
                |a, b| a.or(b),
            ),
            // `CASE WHEN .. THEN 1 .. ELSE 0 END = 1`: flat however many cases, the same on
            // every backend (a number, where MySQL has no boolean), and never NULL: a
            // condition that is NULL is passed over as a false one is.
            Formula::FirstHolding(cases) => {
                let mut case = CaseStatement::new();
                for (condition, allows) in cases {
                    case = case.case(
                        Condition::all().add(condition.expr(path, present, false)),
                        Expr::val(i32::from(*allows)),
                    );
                }
                Into::<Expr>::into(case.finally(Expr::val(0))).eq(1)
            }
        }
    }
}

/// The values a formula requires of segments: where it holds, segment `index` is one of
/// `fixed[index]`.
pub(crate) type Fixed<'a> = BTreeMap<usize, BTreeSet<&'a str>>;

/// What alternatives requiring these values require together: the segments all of them
/// fix, to any of their values.
fn fixed_by_any<'a>(mut arms: impl Iterator<Item = Fixed<'a>>) -> Fixed<'a> {
    let mut fixed = arms.next().unwrap_or_default();
    for other in arms {
        fixed.retain(|index, _| other.contains_key(index));
        for (index, texts) in &mut fixed {
            texts.extend(other[index].iter().copied());
        }
    }
    fixed
}

/// How many denies a decision nests in one another before it is written as a flat list
/// of its clauses instead ([`Formula::FirstHolding`]): deeper nesting would exceed SQLite's
/// limit on expression depth, and the stack of whatever walks the expression.
pub(crate) const MAX_NESTED_DENIES: usize = 16;

/// A decision built clause by clause (rule 7, last match wins): its alternatives, each
/// with the values it requires and how many denies nest in it. A deny narrows only the
/// alternatives it can overlap, so a deny in one organization leaves the alternatives of
/// the others as they were. Every matching clause is kept too, for the flat form.
#[derive(Debug)]
pub(crate) struct Decision<'a> {
    arms: Vec<Arm<'a>>,
    clauses: Vec<(Formula<'a>, bool)>,
    max_nested: usize,
    too_deep: bool,
}

/// One alternative of a [`Decision`].
#[derive(Debug)]
struct Arm<'a> {
    formula: Formula<'a>,
    fixed: Fixed<'a>,
    nested: usize,
}

impl<'a> Decision<'a> {
    /// A decision allowing nothing yet, whose denies may nest `max_nested` deep.
    pub(crate) fn new(max_nested: usize) -> Self {
        Self {
            arms: Vec::new(),
            clauses: Vec::new(),
            max_nested,
            too_deep: false,
        }
    }

    /// After an allowing clause that matches where `matched` holds: `matched OR d`.
    pub(crate) fn allow(&mut self, matched: Formula<'a>) {
        if matched == Formula::False {
            return;
        }
        self.clauses.push((matched.clone(), true));
        let arms = match matched {
            Formula::Any(arms) => arms,
            other => vec![other],
        };
        for formula in arms {
            let fixed = formula.fixed();
            self.arms.push(Arm {
                formula,
                fixed,
                nested: 0,
            });
        }
    }

    /// After a denying clause that matches where `matched` holds: `NOT matched AND d`.
    pub(crate) fn deny(&mut self, matched: Formula<'a>) {
        if matched == Formula::False {
            return;
        }
        self.clauses.push((matched.clone(), false));
        if self.too_deep {
            return;
        }
        let fixed = matched.fixed();
        let (apart, overlapping): (Vec<_>, Vec<_>) = std::mem::take(&mut self.arms)
            .into_iter()
            .partition(|arm| disjoint(&fixed, &arm.fixed));
        self.arms = apart;
        if overlapping.is_empty() {
            return;
        }
        let nested = 1 + overlapping.iter().map(|arm| arm.nested).max().unwrap_or(0);
        if nested > self.max_nested {
            self.too_deep = true;
            self.arms.clear();
            return;
        }
        let fixed = fixed_by_any(overlapping.iter().map(|arm| arm.fixed.clone()));
        let arms = overlapping.into_iter().map(|arm| arm.formula);
        let formula = Formula::all([Formula::not(matched), Formula::any(arms)]);
        if formula != Formula::False {
            self.arms.push(Arm {
                formula,
                fixed,
                nested,
            });
        }
    }

    /// The decision as one formula: its alternatives, or where its denies nest too
    /// deeply, `(any allowing clause) AND (the last matching clause allows)` as a flat
    /// list.
    pub(crate) fn formula(self) -> Formula<'a> {
        if !self.too_deep {
            return Formula::any(self.arms.into_iter().map(|arm| arm.formula));
        }
        let allowing = Formula::any(
            self.clauses
                .iter()
                .filter(|(_, allows)| *allows)
                .map(|(matched, _)| matched.clone()),
        );
        Formula::all([
            allowing,
            Formula::first_holding(self.clauses.into_iter().rev()),
        ])
    }
}

/// Whether two formulas requiring these values can never both hold.
fn disjoint(one: &Fixed<'_>, other: &Fixed<'_>) -> bool {
    one.iter().any(|(index, texts)| {
        other
            .get(index)
            .is_some_and(|others| texts.is_disjoint(others))
    })
}

/// `items` joined by `join` as a balanced tree: `(a AND b) AND (c AND d)`, so that the
/// expression is as deep as the logarithm of the count.
fn balanced(mut items: Vec<Expr>, join: fn(Expr, Expr) -> Expr) -> Expr {
    if items.len() == 1 {
        return items.pop().expect("one item");
    }
    let right = items.split_off(items.len() / 2);
    join(balanced(items, join), balanced(right, join))
}

/// Whether the column is declared `NULL`-able: a `NOT NULL` column needs no `IS NOT NULL`.
fn nullable<C: ColumnTrait>(column: C) -> bool {
    column.def().is_null()
}

/// `column` holds a segment (not NULL and, for text, not empty), or with `holds` false,
/// it does not; without a `NOT` before a comparison. `may_be_null`: whether the column may
/// be NULL here (it is nullable, and no conjunct beside rules it out); `exact`: whether a
/// NULL result must be avoided (see [`Formula::expr`]).
fn holds_segment<C: ColumnTrait>(column: C, may_be_null: bool, exact: bool, holds: bool) -> Expr {
    let text = match KeyType::of_column(column.def().get_column_type()) {
        Some(KeyType::Text) => true,
        Some(_) => false,
        // A path column has a key's type (the derive checks it).
        None => return deny().into(),
    };
    let nullable = may_be_null && nullable(column);
    let mut parts = Vec::new();
    if holds {
        // For text, `> ''` is NULL on a NULL, which only an exact test must rule out.
        if nullable && (exact || !text) {
            parts.push(column.is_not_null());
        }
        // No text sorts before the empty one: `> ''` is `<> ''`, and an index range.
        if text {
            parts.push(column.gt(""));
        }
        if parts.is_empty() {
            return Condition::all().into();
        }
        balanced(parts, |a, b| a.and(b))
    } else {
        if nullable {
            parts.push(column.is_null());
        }
        if text {
            parts.push(column.eq(""));
        }
        if parts.is_empty() {
            return deny().into();
        }
        balanced(parts, |a, b| a.or(b))
    }
}

/// `column` holds one of `texts` (compared in the column's type: an integer or UUID column
/// only the values that Rust writes as the text, so `042` matches no integer), or with
/// `holds` false, it does not; without a `NOT` before a comparison. `may_be_null` as for
/// [`holds_segment`].
fn one_of<C: ColumnTrait>(
    column: C,
    may_be_null: bool,
    texts: &BTreeSet<&str>,
    holds: bool,
) -> Expr {
    let Some(key_type) = KeyType::of_column(column.def().get_column_type()) else {
        return if holds {
            deny().into()
        } else {
            Condition::all().into()
        };
    };
    let values: Vec<Value> = texts
        .iter()
        .filter_map(|text| value_of(key_type, text))
        .collect();
    let nullable = may_be_null && nullable(column);
    if holds {
        let listed = match values.len() {
            0 => return deny().into(),
            1 => column.eq(values.into_iter().next().expect("one value")),
            _ => column.is_in(values),
        };
        if nullable {
            column.is_not_null().and(listed)
        } else {
            listed
        }
    } else {
        let unlisted = match values.len() {
            0 => return Condition::all().into(),
            1 => column.ne(values.into_iter().next().expect("one value")),
            _ => column.is_not_in(values),
        };
        if nullable {
            column.is_null().or(unlisted)
        } else {
            unlisted
        }
    }
}

/// The value of a column of `key_type` that Rust writes as `text`, if there is one.
fn value_of(key_type: KeyType, text: &str) -> Option<Value> {
    Some(match key_type {
        // An empty segment is no segment: a text naming it names nothing.
        KeyType::Text if text.is_empty() => return None,
        KeyType::Text => text.into(),
        // Any value an integer column of any width or sign holds: a deny naming the
        // largest `u64` must not be read as naming nothing.
        KeyType::Int => match (text.parse::<i64>(), text.parse::<u64>()) {
            (Ok(number), _) if number.to_string() == text => number.into(),
            (_, Ok(number)) if number.to_string() == text => number.into(),
            _ => return None,
        },
        KeyType::Uuid => {
            let uuid = uuid::Uuid::parse_str(text).ok()?;
            (uuid.hyphenated().to_string() == text).then_some(uuid.into())?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integer_segment_names_any_value_of_the_column_as_rust_writes_it() {
        let largest = u64::MAX.to_string();
        assert_eq!(
            value_of(KeyType::Int, &largest),
            Some(Value::from(u64::MAX))
        );
        assert_eq!(value_of(KeyType::Int, "42"), Some(Value::from(42_i64)));
        assert_eq!(value_of(KeyType::Int, "-7"), Some(Value::from(-7_i64)));
        for never in ["042", "+42", "x", "4 2", "-0", ""] {
            assert_eq!(value_of(KeyType::Int, never), None, "{never:?}");
        }
        assert_eq!(value_of(KeyType::Text, ""), None);
    }
}
