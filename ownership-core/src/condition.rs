//! Compiles an access plan into one condition for a `SELECT`, an `UPDATE` or a `DELETE`.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition};

use crate::derived::derived;
use crate::owned::OwnedEntity;
use crate::plan::{AccessPlan, CANDIDATE_ID, OwnedTable, deny};

/// The alias of the owned table inside a candidate subquery.
const CANDIDATE: &str = "ownership_candidate";
/// The alias of the union of the candidate ids.
const CANDIDATES: &str = "ownership_candidates";

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
    /// - Filter form, `every_row OR owner IN (..) OR id IN (..)`: the table is read in the
    ///   query's order and each row tested. Taken when a branch admits every row (the
    ///   subject likely sees all of the table, so an ordered first page stops early), and
    ///   for an `UPDATE` or `DELETE`, since MySQL refuses a subquery on the table written.
    /// - Candidate form, `id IN (ids owned UNION candidate ids)`: the database collects
    ///   the candidate ids from the owner and grant indexes and fetches only those rows.
    ///   An `OR` of subqueries cannot be planned that way, hence the union. It is a
    ///   `UNION`, not `UNION ALL`: a subquery known to be duplicate-free lets PostgreSQL
    ///   turn the semi-join into a join and walk the sorted candidates against the primary
    ///   key in the query's order, so a first page stops after its last row.
    pub(crate) fn condition<E: OwnedEntity>(self, statement: Statement) -> Condition {
        if self.is_empty() {
            return deny();
        }
        let table = OwnedTable::of::<E>();
        let candidate_ids: Vec<SelectStatement> = self
            .candidates
            .iter()
            .map(|source| source.ids(&table))
            .collect();
        match self.owners {
            Some(owners)
                if !candidate_ids.is_empty()
                    && self.every_row.is_empty()
                    && statement == Statement::Select =>
            {
                let mut candidates = Query::select();
                candidates
                    .expr_as(Expr::col((CANDIDATE, E::id_column())), CANDIDATE_ID)
                    .from_as(E::default().table_ref(), CANDIDATE)
                    .and_where(Expr::col((CANDIDATE, E::owner_column())).in_subquery(owners))
                    .unions(
                        candidate_ids
                            .into_iter()
                            .map(|ids| (UnionType::Distinct, ids)),
                    );
                // A union's column is named by its first arm.
                let candidates = derived(candidates, CANDIDATE_ID, CANDIDATES);
                Condition::all().add(E::id_column().in_subquery(candidates))
            }
            owners => {
                let mut any = Condition::any();
                for every_row in self.every_row {
                    any = any.add(every_row);
                }
                if let Some(owners) = owners {
                    any = any.add(E::owner_column().in_subquery(owners));
                }
                for ids in candidate_ids {
                    any = any.add(E::id_column().in_subquery(ids));
                }
                any
            }
        }
    }
}
