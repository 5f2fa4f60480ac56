//! Compiles an access plan into one condition for a `SELECT`, an `UPDATE` or a `DELETE`.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};

use crate::derived::derived;
use crate::owned::OwnedEntity;
use crate::plan::{AccessPlan, CANDIDATE_ID, OwnedTable, deny, union};

/// The alias of the owned table inside a candidate subquery.
const CANDIDATE: &str = "ownership_candidate";
/// The alias of the union of the candidate ids.
const CANDIDATES: &str = "ownership_candidates";
/// The alias of the union of the user's candidate ids, beside public ones.
const USER_CANDIDATES: &str = "ownership_user_candidates";

/// The statement a condition goes into. A `SELECT` gets the candidate form; an `UPDATE` or
/// `DELETE` the filter form, since MySQL refuses a subquery on the table being written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statement {
    /// A query.
    Select,
    /// An `UPDATE` or a `DELETE`.
    Write,
}

impl AccessPlan<'_> {
    /// The condition for a `SELECT`.
    pub(crate) fn select_condition<E: OwnedEntity>(self) -> Condition {
        self.condition::<E>(Statement::Select)
    }

    /// One condition, in one of two forms with the same meaning.
    ///
    /// - Filter form, `(user check AND (every_row OR owner IN (..) OR id IN (..))) OR id IN
    ///   (public ids)`: the table is read in the query's order and each row tested. Taken
    ///   when a branch admits every row (the subject likely sees all of the table, so an
    ///   ordered first page stops early), and for an `UPDATE` or `DELETE`, since MySQL
    ///   refuses a subquery on the table written.
    /// - Candidate form, `id IN (ids owned UNION candidate ids)`: the database collects
    ///   the candidate ids from the owner and grant indexes and fetches only those rows.
    ///   An `OR` of subqueries cannot be planned that way, hence the union. It is a
    ///   `UNION`, not `UNION ALL`: a subquery known to be duplicate-free lets PostgreSQL
    ///   turn the semi-join into a join and walk the sorted candidates against the primary
    ///   key in the query's order, so a first page stops after its last row. Public ids
    ///   join the union; the user's part of it is read only while the user check holds.
    ///   A single branch is tested on its own (`owner IN (..)` reads the owner index).
    pub(crate) fn condition<E: OwnedEntity>(self, statement: Statement) -> Condition {
        if self.is_empty() {
            return deny();
        }
        let table = OwnedTable::of::<E>();
        let user_check = self.user_check().cloned();
        let public: Vec<SelectStatement> = self
            .public
            .iter()
            .flat_map(|source| source.id_lists(&table))
            .collect();
        let candidate_ids: Vec<SelectStatement> = match user_check {
            Some(_) => self
                .candidates
                .iter()
                .flat_map(|source| source.id_lists(&table))
                .collect(),
            None => Vec::new(),
        };
        let owners = self.owners.filter(|_| user_check.is_some());
        let (every_row, row_decisions) = match user_check {
            Some(_) => (self.every_row, self.row_decisions),
            None => (Vec::new(), Vec::new()),
        };
        let user_lists = usize::from(owners.is_some()) + candidate_ids.len();
        let candidate_form = statement == Statement::Select
            && every_row.is_empty()
            && row_decisions.is_empty()
            && (user_lists > 1 || (user_lists == 1 && !public.is_empty()) || user_lists == 0);
        if candidate_form {
            let mut lists = Vec::new();
            if let Some(owners) = owners {
                lists.push(owned_ids::<E>(owners));
            }
            lists.extend(candidate_ids);
            let mut arms = Vec::new();
            match (user_check, union(lists)) {
                (Some(user_check), Some(user)) if public.is_empty() => {
                    let candidates = derived(user, CANDIDATE_ID, CANDIDATES);
                    return Condition::all()
                        .add(user_check)
                        .add(E::id_column().in_subquery(candidates));
                }
                (Some(user_check), Some(user)) => {
                    // Read only while the user is confirmed; the public ids are not gated.
                    let mut gated = derived(user, CANDIDATE_ID, USER_CANDIDATES);
                    gated.and_where(user_check);
                    arms.push(gated);
                }
                _ => {}
            }
            arms.extend(public);
            return match union(arms) {
                Some(candidates) => Condition::all().add(E::id_column().in_subquery(derived(
                    candidates,
                    CANDIDATE_ID,
                    CANDIDATES,
                ))),
                None => deny(),
            };
        }
        let mut any = Condition::any();
        if let Some(user_check) = user_check {
            let mut branches = Condition::any();
            for every_row in every_row {
                branches = branches.add(every_row);
            }
            if let Some(owners) = owners {
                branches = branches.add(E::owner_column().in_subquery(owners));
            }
            for ids in candidate_ids {
                branches = branches.add(E::id_column().in_subquery(ids));
            }
            for decision in row_decisions {
                branches = branches.add(decision);
            }
            any = any.add(Condition::all().add(user_check).add(branches));
        }
        for ids in public {
            any = any.add(E::id_column().in_subquery(ids));
        }
        any
    }
}

/// The ids of the rows of `E` owned by one of `owners`, from the (owner, id) index.
pub(crate) fn owned_ids<E: OwnedEntity>(owners: SelectStatement) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col((CANDIDATE, E::id_column())), CANDIDATE_ID)
        .from_as(E::default().table_ref(), CANDIDATE)
        .and_where(Expr::col((CANDIDATE, E::owner_column())).in_subquery(owners))
        .to_owned()
}
