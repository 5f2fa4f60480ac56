//! Counting a scope: how many rows a subject may read, manage or holds permissions on, in
//! one statement that counts the scope's candidates without reading their rows.
//!
//! `Entity::find().with_read_permission_for(&s).count(db)` gives the same number, and takes
//! any other filter, but it fetches every candidate row by primary key to test it against
//! the scope. The candidates themselves are already rows of the table: the owner branch
//! reads them from the `(owner, id)` index, and a source's candidate ids are ids of existing
//! rows (a grant cannot outlive its row). So the count is the size of their union, or, for a
//! subject a branch admits every row to (a superuser, a grant on the whole model), the size
//! of the table.

use std::future::Future;

use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait};

use tracing::{Instrument, Span};

use crate::condition::owned_ids;
use crate::error::OwnershipError;
use crate::owned::OwnedEntity;
use crate::plan::{AccessPlan, OwnedTable, union};
use crate::scope::{self, Permitted};
use crate::subject::Subject;
use crate::trace;

/// The alias of the union of the candidate ids.
const COUNTED: &str = "ownership_counted";

impl AccessPlan<'_> {
    /// `SELECT CASE WHEN <the user check> THEN <count> ELSE <count of the public ids> END`,
    /// where the count is `SELECT COUNT(*) FROM (owned ids UNION each source's candidate
    /// ids UNION the public ids)`, or, when the snapshot claims a branch that admits every
    /// row, `CASE WHEN <that branch holds> THEN (SELECT COUNT(*) FROM table) ELSE <the
    /// candidates' count> END`. Every part is an uncorrelated subquery, evaluated only when
    /// its `CASE` arm is taken: a subject who sees every row costs a count of the table.
    fn count_statement<E: OwnedEntity>(self) -> Option<SelectStatement> {
        if self.is_empty() {
            return None;
        }
        let table = OwnedTable::of::<E>();
        if !self.row_decisions.is_empty() {
            // Decided row by row: the rows of the table the scope's filter admits.
            let admitted = Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(table.table.clone())
                .cond_where(self.select_condition::<E>())
                .to_owned();
            return Some(admitted);
        }
        let public: Vec<SelectStatement> = self
            .public
            .iter()
            .flat_map(|source| source.id_lists(&table))
            .collect();
        let public_count = count_of_union(public.clone());
        let Some(user_check) = self.user_check().cloned() else {
            return Some(Query::select().expr(public_count).to_owned());
        };
        let mut lists: Vec<SelectStatement> = Vec::new();
        if let Some(owners) = self.owners {
            lists.push(owned_ids::<E>(owners));
        }
        lists.extend(
            self.candidates
                .iter()
                .flat_map(|source| source.id_lists(&table)),
        );
        lists.extend(public);
        let candidates = count_of_union(lists);
        let admitted = if self.every_row.is_empty() {
            candidates
        } else {
            let every_row = self
                .every_row
                .into_iter()
                .fold(Condition::any(), |any, branch| any.add(branch));
            let whole_table = count_of(Query::select().from(table.table).to_owned());
            Expr::case(every_row, whole_table)
                .finally(candidates)
                .into()
        };
        Some(
            Query::select()
                .expr(Expr::case(user_check, admitted).finally(public_count))
                .to_owned(),
        )
    }
}

/// `(SELECT COUNT(*) FROM (lists' union))`, or 0 for no list. Each row once: the union
/// merges the rows lists repeat, and a list alone names a row once (the owner list by its
/// primary key, a source's only list by the source's contract).
fn count_of_union(lists: Vec<SelectStatement>) -> Expr {
    match union(lists) {
        None => Expr::val(0i64),
        Some(candidates) => count_of(
            Query::select()
                .from_subquery(candidates, COUNTED)
                .to_owned(),
        ),
    }
}

/// `(SELECT COUNT(*) FROM ..)` of a select with its `FROM` set.
fn count_of(mut rows: SelectStatement) -> Expr {
    Expr::from(rows.expr(Expr::cust("COUNT(*)")).to_owned())
}

/// Counts the rows a plan admits, in one statement; none, without a statement, for a plan
/// with no branch. The statement is built before the first `await`, so the future holds
/// no plan.
async fn count<C: ConnectionTrait>(
    db: &C,
    statement: Option<SelectStatement>,
    span: Span,
) -> Result<u64, OwnershipError> {
    let Some(statement) = statement else {
        trace::rows(&span, 0);
        return Ok(0);
    };
    let counted: i64 = match db.query_one(&statement).instrument(span.clone()).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    let counted = u64::try_from(counted).unwrap_or_default();
    trace::rows(&span, usize::try_from(counted).unwrap_or(usize::MAX));
    Ok(counted)
}

/// Counts of the scopes, for every owned entity: the number
/// `Entity::find().<scope>(&s).count(db)` gives, in one statement that counts the scope's
/// candidates from the owner and grant indexes without reading their rows (or, for a
/// subject who sees every row, counts the table).
///
/// A count takes no other filter; `count` on a scoped `Select` does.
pub trait OwnershipCounts: OwnedEntity {
    /// How many rows the subject may read (rule 3).
    fn readable_count<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
    ) -> impl Future<Output = Result<u64, OwnershipError>> + Send + 'a {
        async move {
            let names = scope::read_names::<Self>();
            count(
                db,
                scope::read_plan::<Self>(subject, &names).count_statement::<Self>(),
                trace::run(Self::MODEL_NAME, "readable count", subject),
            )
            .await
        }
    }

    /// How many rows the subject may manage (rule 2).
    fn manageable_count<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
    ) -> impl Future<Output = Result<u64, OwnershipError>> + Send + 'a {
        async move {
            let names = scope::manage_names::<Self>();
            count(
                db,
                scope::manage_plan::<Self>(subject, &names).count_statement::<Self>(),
                trace::run(Self::MODEL_NAME, "manageable count", subject),
            )
            .await
        }
    }

    /// How many rows the subject holds the permissions `permitted` asks for on (rule 5).
    fn permitted_count<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
        permitted: &'a Permitted,
    ) -> impl Future<Output = Result<u64, OwnershipError>> + Send + 'a {
        async move {
            if permitted.names().is_empty() || permitted.check().is_err() {
                return Ok(0);
            }
            let names = permitted.names();
            count(
                db,
                permitted
                    .plan::<Self>(subject, &names)
                    .count_statement::<Self>(),
                trace::run(Self::MODEL_NAME, "permitted count", subject),
            )
            .await
        }
    }

    /// How many rows the subject's policies allow every one of `actions` on (rule 7), as
    /// [`policy_scope`](crate::OwnershipScopes::policy_scope) keeps them.
    fn policy_count<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
        actions: &'a [&'a str],
    ) -> impl Future<Output = Result<u64, OwnershipError>> + Send + 'a {
        async move {
            count(
                db,
                scope::policy_plan::<Self>(subject, actions).count_statement::<Self>(),
                trace::run(Self::MODEL_NAME, "policy count", subject),
            )
            .await
        }
    }
}

impl<E: OwnedEntity> OwnershipCounts for E {}
