//! Counting a scope: how many rows a subject may read, manage or holds permissions on, in
//! one statement that counts the scope's candidates without reading their rows.
//!
//! `Entity::find().with_read_permission_for(&s).count(db)` gives the same number, and takes
//! any other filter, but it fetches every candidate row by primary key to test it against
//! the scope. The candidates themselves are already rows of the table: the owner branch
//! reads them from the `(owner, id)` index, and a source's candidate ids are ids of existing
//! rows (a grant cannot outlive its row). So the count is the size of their union.

use std::future::Future;

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{Condition, ConnectionTrait};

use crate::identity;
use crate::plan::{AccessPlan, CANDIDATE_ID, OwnedTable};
use crate::scope::{self, Permitted};
use crate::subject::SubjectUser;
use crate::{OwnedEntity, OwnershipError, Subject};

/// The alias of the union of the candidate ids.
const COUNTED: &str = "ownership_counted";
/// The alias of the owned table in the owner branch's list.
const COUNTED_ROW: &str = "ownership_counted_row";

impl AccessPlan<'_> {
    /// `SELECT COUNT(*) FROM (owned ids UNION each source's candidate ids) WHERE the user
    /// exists with the snapshot's stamp and is active`, or `None` when a branch may admit
    /// every row: such a subject is counted by the table, through the scope's condition.
    fn count_statement<E: OwnedEntity>(self, user: &SubjectUser) -> Option<SelectStatement> {
        if !self.every_row.is_empty() {
            return None;
        }
        let table = OwnedTable::of::<E>();
        let mut lists: Vec<SelectStatement> = Vec::new();
        if let Some(owners) = self.owners {
            lists.push(
                Query::select()
                    .expr_as(Expr::col((COUNTED_ROW, E::id_column())), CANDIDATE_ID)
                    .from_as(E::default().table_ref(), COUNTED_ROW)
                    .and_where(Expr::col((COUNTED_ROW, E::owner_column())).in_subquery(owners))
                    .to_owned(),
            );
        }
        lists.extend(self.candidates.iter().map(|source| source.ids(&table)));
        // Each row once: a row reached by several branches is merged by the union, one
        // a single branch names several times (several grants on it) by `DISTINCT`.
        let single = lists.len() == 1;
        let mut lists = lists.into_iter();
        let Some(mut candidates) = lists.next() else {
            return Some(Query::select().expr(Expr::val(0i64)).to_owned());
        };
        if single {
            candidates.distinct();
        }
        candidates.unions(lists.map(|list| (UnionType::Distinct, list)));
        Some(
            Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(candidates, COUNTED)
                .and_where(identity::user_is(user, None))
                .to_owned(),
        )
    }
}

/// Counts the rows of `E` the subject's plan admits: one statement, the plan's own count
/// (`count_statement(user)`) when it has one, the scope's condition counted over the table
/// otherwise.
async fn count<E, C>(
    db: &C,
    subject: &Subject,
    count_statement: impl FnOnce(&SubjectUser) -> Option<SelectStatement>,
    scope: Condition,
) -> Result<u64, OwnershipError>
where
    E: OwnedEntity,
    C: ConnectionTrait,
{
    let Some(user) = subject.active_user() else {
        return Ok(0);
    };
    let statement = count_statement(user).unwrap_or_else(|| {
        Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(E::default().table_ref())
            .cond_where(scope)
            .to_owned()
    });
    let counted: i64 = match db.query_one(&statement).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(counted).unwrap_or_default())
}

/// Counts of the scopes, for every owned entity: the number
/// `Entity::find().<scope>(&s).count(db)` gives, in one statement that counts the scope's
/// candidates from the owner and grant indexes without reading their rows.
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
            count::<Self, C>(
                db,
                subject,
                |user| scope::read_plan::<Self>(user, &names).count_statement::<Self>(user),
                scope::readable_by::<Self>(subject),
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
            count::<Self, C>(
                db,
                subject,
                |user| scope::manage_plan::<Self>(user, &names).count_statement::<Self>(user),
                scope::manageable_by::<Self>(subject),
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
            count::<Self, C>(
                db,
                subject,
                |user| {
                    permitted
                        .plan::<Self>(user, &names)
                        .count_statement::<Self>(user)
                },
                scope::permitted_for::<Self>(subject, permitted),
            )
            .await
        }
    }
}

impl<E: OwnedEntity> OwnershipCounts for E {}
