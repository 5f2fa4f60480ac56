//! Keyset pages of a scope: the first rows in id order after a given id, in a statement the
//! library builds whole.
//!
//! A scope is a condition added to the caller's query, so it never sees the caller's
//! `ORDER BY` and `LIMIT` and must hand the database every candidate row. A page knows both:
//! each way into the scope (the rows of one owner profile, one permission name granted to
//! the user, to one of its groups) contributes only its own first rows after the cursor,
//! read in order from an index, and the page is the first rows of their union. The first
//! `n` rows of a union lie within the union of the first `n` rows of each part, so the page
//! is exactly the scope's.

use std::marker::PhantomData;

use sea_orm::sea_query::{
    Expr, ExprTrait, IntoValueTuple, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select, Statement, Value,
};

use crate::derived::derived;
use crate::error::OwnershipError;
use crate::owned::OwnedEntity;
use crate::ownership;
use crate::plan::{
    AccessPlan, CANDIDATE_ID, Keyset, OWNER_ID, OwnedTable, PAGE_PART, PAGE_ROW, deny, storable,
    union,
};
use crate::scope::IdOf;
use crate::scope::{self, Permitted};
use crate::subject::Subject;

/// The alias of the union of the candidate lists.
const PAGE_CANDIDATES: &str = "ownership_page_candidates";
/// The alias of the owner profiles a lateral owner list runs over.
const PAGE_OWNER: &str = "ownership_page_owner";
/// The most permission names a page reads one list each of (two with groups).
const MAX_LISTED_NAMES: usize = 16;

/// The rows of `E` owned by one of `owners` (a list of profile ids named [`OWNER_ID`]), after the
/// cursor, the first `size` of each owner: with `LATERAL` one ordered range of the (owner,
/// id) index per profile, otherwise the first `size` of all of them.
fn owned_list<E: OwnedEntity>(owners: SelectStatement, keyset: &Keyset) -> SelectStatement {
    let mut rows = Query::select();
    rows.expr_as(Expr::col((PAGE_ROW, E::id_column())), CANDIDATE_ID)
        .from_as(E::default().table_ref(), PAGE_ROW);
    if !keyset.lateral {
        rows.and_where(Expr::col((PAGE_ROW, E::owner_column())).in_subquery(owners));
        keyset.skip_owned(&mut rows, (PAGE_ROW, E::owner_column()));
        keyset.take(&mut rows, (PAGE_ROW, E::id_column()));
        return rows;
    }
    rows.and_where(Expr::col((PAGE_ROW, E::owner_column())).equals((PAGE_OWNER, OWNER_ID)));
    keyset.take(&mut rows, (PAGE_ROW, E::id_column()));
    let mut per_owner = Query::select();
    per_owner
        .expr_as(Expr::col((PAGE_PART, CANDIDATE_ID)), CANDIDATE_ID)
        .from_subquery(owners, PAGE_OWNER)
        .join_lateral(JoinType::InnerJoin, rows, PAGE_PART, Expr::cust("TRUE"));
    // Skipped owners, not skipped rows: an owner's rows are not read to be thrown away.
    keyset.skip_owned(&mut per_owner, (PAGE_OWNER, OWNER_ID));
    per_owner
}

impl AccessPlan<'_> {
    /// The condition of a page: `id IN (the first rows of the union of every branch's first
    /// rows after the cursor)`.
    ///
    /// A subject whose snapshot claims a branch that admits every row (a superuser, a grant
    /// on the whole model) gets the scope's own filter form instead: the table is read in id
    /// order and the page ends after its first rows, and the other branches, which count
    /// only if the database no longer confirms that claim, are cheaper to plan unlimited.
    /// Every form leaves out the rows the keyset's [`not_owned`](Keyset::not_owned) excludes.
    fn page_condition<E: OwnedEntity>(self, keyset: &Keyset) -> Condition {
        if self.is_empty() {
            return deny();
        }
        let user_check = self.user_check().cloned();
        if user_check.is_some() && (!self.every_row.is_empty() || !self.row_decisions.is_empty()) {
            let mut condition = Condition::all().add(self.select_condition::<E>());
            if let Some(not_owned) = keyset.not_owned(E::owner_column()) {
                condition = condition.add(not_owned);
            }
            return condition;
        }
        let table = OwnedTable::of::<E>();
        let mut user_lists = Vec::new();
        if user_check.is_some() {
            if let Some(owners) = self.owners {
                user_lists.push(owned_list::<E>(owners, keyset));
            }
            for source in &self.candidates {
                user_lists.extend(source.page_lists(&table, keyset));
            }
        }
        let public_lists: Vec<SelectStatement> = self
            .public
            .iter()
            .flat_map(|source| source.page_lists(&table, keyset))
            .collect();
        let public_count = public_lists.len();
        let mut arms: Vec<SelectStatement> = user_lists
            .into_iter()
            .chain(public_lists)
            .enumerate()
            .map(|(k, list)| derived(list, CANDIDATE_ID, format!("ownership_page_arm{k}")))
            .collect();
        let user_arms = arms.len() - public_count;
        let gate = match user_check {
            // The user's lists count only while the user is confirmed; public ones always.
            Some(user_check) if public_count > 0 && user_arms > 0 => {
                // Each user list gated on its own: one union of every list, whose rows the
                // database merges once.
                for arm in &mut arms[..user_arms] {
                    arm.and_where(user_check.clone());
                }
                None
            }
            user_check => user_check.filter(|_| user_arms > 0),
        };
        let Some(candidates) = union(arms) else {
            return deny();
        };
        // Every candidate is a row of the table (owner lists read it, a grant or share
        // cannot outlive its row), so the page is the first `size` candidates: limiting them
        // here lets the database fetch just those rows by primary key, whatever it guessed
        // about how many candidates there would be.
        let mut first = Query::select();
        first
            .column((PAGE_CANDIDATES, CANDIDATE_ID))
            .from_subquery(candidates, PAGE_CANDIDATES)
            .order_by((PAGE_CANDIDATES, CANDIDATE_ID), Order::Asc)
            .limit(keyset.size);
        let first = derived(first, CANDIDATE_ID, PAGE_CANDIDATES);
        let mut condition = Condition::all();
        if let Some(user_check) = gate {
            condition = condition.add(user_check);
        }
        condition.add(E::id_column().in_subquery(first))
    }
}

/// The scope a [`ScopePage`] lists.
#[derive(Clone, Copy, Debug)]
enum Listed<'a> {
    Read,
    Manage,
    Shared,
    Permitted(&'a Permitted),
    Policy(&'a [&'a str]),
}

/// One page of a scope in id order: the first `size` rows after a cursor, fetched in one
/// statement that the library builds whole (see [`OwnershipPages`]).
///
/// Ask for the next page with the last id of this one: `.after(last_id)`.
#[derive(Clone, Debug)]
#[must_use = "a page does nothing until fetched with `all`"]
pub struct ScopePage<'a, E: OwnedEntity> {
    subject: &'a Subject,
    listed: Listed<'a>,
    after: Option<Value>,
    size: u64,
    entity: PhantomData<E>,
}

/// The largest page: no table holds more rows than an `i64` counts, and SQLite and
/// PostgreSQL take a `LIMIT` only as an `i64` (their drivers panic on a larger one).
const MAX_PAGE_SIZE: u64 = i64::MAX as u64;

impl<'a, E: OwnedEntity> ScopePage<'a, E> {
    fn new(subject: &'a Subject, listed: Listed<'a>, size: u64) -> Self {
        Self {
            subject,
            listed,
            after: None,
            size: Ord::min(size, MAX_PAGE_SIZE),
            entity: PhantomData,
        }
    }

    /// Only rows whose id is greater than `id`: the page after the one that ended with
    /// `id`. Ids compare in their own type (a UUID or string key in the database's order).
    pub fn after(mut self, id: IdOf<E>) -> Self {
        self.after = id.into_value_tuple().into_iter().next();
        self
    }

    /// The query of the page on `backend`: the entity's rows, the scope's condition with
    /// each branch limited, `id > after`, `ORDER BY id LIMIT size`.
    fn select(&self, backend: DbBackend) -> Select<E> {
        if self
            .after
            .as_ref()
            .is_some_and(|after| !storable(after, backend))
        {
            // No row of this backend has an id after one it cannot store.
            return E::find().filter(deny()).limit(self.size);
        }
        let excluded_owners = match self.listed {
            Listed::Shared => self
                .subject
                .active_user()
                .map(ownership::confirmed_profiles_of),
            _ => None,
        };
        let keyset = Keyset {
            after: self.after.clone(),
            excluded_owners,
            size: self.size,
            // MariaDB and SQLite have no LATERAL; there each branch is limited as a whole.
            lateral: backend == DbBackend::Postgres,
        };
        let condition = match self.listed {
            Listed::Read | Listed::Shared => {
                let names = scope::read_names::<E>();
                scope::read_plan::<E>(self.subject, &names).page_condition::<E>(&keyset)
            }
            Listed::Manage => {
                let names = scope::manage_names::<E>();
                scope::manage_plan::<E>(self.subject, &names).page_condition::<E>(&keyset)
            }
            Listed::Permitted(permitted)
                if permitted.is_one_union() && permitted.names().len() <= MAX_LISTED_NAMES =>
            {
                let names = permitted.names();
                permitted
                    .plan::<E>(self.subject, &names)
                    .page_condition::<E>(&keyset)
            }
            // All of several names is an intersection, which per-branch limits would cut
            // short, no name permits nothing, and a list per name of a long list of names
            // would make a statement too long to plan (SQLite refuses more than 500 arms
            // of a union): the page is the plain scope's.
            Listed::Permitted(permitted) => scope::permitted_for::<E>(self.subject, permitted),
            Listed::Policy(actions) => {
                scope::policy_plan::<E>(self.subject, actions).page_condition::<E>(&keyset)
            }
        };
        let mut select = E::find().filter(condition);
        if let Some(after) = &self.after {
            select = select.filter(E::id_column().gt(after.clone()));
        }
        select.order_by_asc(E::id_column()).limit(self.size)
    }

    /// The statement [`all`](Self::all) runs on `backend`.
    pub fn build(&self, backend: DbBackend) -> Statement {
        with_written_limit(self.select(backend).build(backend), self.size)
    }

    /// Fetches the page: at most `size` rows, ascending by id. A page of size 0 is empty
    /// and runs no statement.
    pub async fn all<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<E::Model>, OwnershipError> {
        if self.size == 0 {
            return Ok(Vec::new());
        }
        let statement = self.build(db.get_database_backend());
        Ok(E::find().from_raw_sql(statement).all(db).await?)
    }
}

/// `statement` with its final `LIMIT size` written into the SQL instead of bound; unchanged
/// if it does not end with that bound limit.
///
/// PostgreSQL plans a prepared statement for its values a few times, then keeps one generic
/// plan if that costs no more. It costs a bound `LIMIT` as if it kept a tenth of the rows,
/// so a page read from the table in id order (the form a subject who sees every row gets)
/// would never get a generic plan and be planned again at every execution, which costs
/// several times the execution. Only digits of a `u64` are written: no text from the caller
/// reaches the SQL, and every other value stays bound.
fn with_written_limit(mut statement: Statement, size: u64) -> Statement {
    let Some(values) = statement.values.as_mut() else {
        return statement;
    };
    let placeholder = match statement.db_backend {
        DbBackend::Postgres => format!("${}", values.0.len()),
        _ => "?".to_owned(),
    };
    let bound_limit = format!(" LIMIT {placeholder}");
    if values.0.last() == Some(&Value::BigUnsigned(Some(size)))
        && statement.sql.ends_with(&bound_limit)
    {
        values.0.pop();
        statement
            .sql
            .truncate(statement.sql.len() - bound_limit.len());
        statement.sql.push_str(&format!(" LIMIT {size}"));
    }
    statement
}

/// Keyset pages of the scopes, for every owned entity: the fast way to list a scope page by
/// page.
///
/// `Entity::find().with_read_permission_for(&s).order_by_asc(..).limit(n)` gives the same
/// rows and composes with any filter, but the database must first collect every row the
/// subject may read to find the first `n`. A page is built by the library, which knows the
/// order and the limit: every branch of the scope hands over only its own first `n` rows
/// after the cursor, read in order from an index (on PostgreSQL one range per owner profile
/// and per group, with `LATERAL`), so a page costs about the same for a subject who may read
/// ten rows as for one who may read a hundred thousand. A page takes no other filter, since
/// a filter applied after each branch's limit would cut pages short.
///
/// ```
/// # mod document {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
/// #     #[sea_orm(table_name = "document")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub user_profile_id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub name: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use ownership_core::{OwnershipError, OwnershipPages, Subject};
///
/// async fn every_readable_name(
///     db: &sea_orm::DatabaseConnection,
///     me: &Subject,
/// ) -> Result<Vec<String>, OwnershipError> {
///     let mut names = Vec::new();
///     let mut page = document::Entity::readable_page(me, 50);
///     loop {
///         let rows = page.all(db).await?;
///         let Some(last) = rows.last() else { break };
///         page = page.after(last.id);
///         names.extend(rows.into_iter().map(|row| row.name));
///     }
///     Ok(names)
/// }
/// ```
pub trait OwnershipPages: OwnedEntity {
    /// The first `size` rows the subject may read (rule 3), by id. A `size` above
    /// `i64::MAX` is taken as `i64::MAX`: every row.
    fn readable_page(subject: &Subject, size: u64) -> ScopePage<'_, Self> {
        ScopePage::new(subject, Listed::Read, size)
    }

    /// The first `size` rows the subject may manage (rule 2), by id. A `size` above
    /// `i64::MAX` is taken as `i64::MAX`: every row.
    fn manageable_page(subject: &Subject, size: u64) -> ScopePage<'_, Self> {
        ScopePage::new(subject, Listed::Manage, size)
    }

    /// The first `size` rows the subject may read but does not own (rule 4), by id. A
    /// `size` above `i64::MAX` is taken as `i64::MAX`: every row.
    fn shared_page(subject: &Subject, size: u64) -> ScopePage<'_, Self> {
        ScopePage::new(subject, Listed::Shared, size)
    }

    /// The first `size` rows on which the subject holds the permissions `permitted` asks
    /// for (rule 5), by id. Branches are limited for any of the names, or for one name; all
    /// of several names is an intersection, listed as the plain scope lists it. A `size`
    /// above `i64::MAX` is taken as `i64::MAX`: every row.
    fn permitted_page<'a>(
        subject: &'a Subject,
        permitted: &'a Permitted,
        size: u64,
    ) -> ScopePage<'a, Self> {
        ScopePage::new(subject, Listed::Permitted(permitted), size)
    }

    /// The first `size` rows the subject's policies allow every one of `actions` on (rule
    /// 7), by id: the policy scope's condition read in id order.
    fn policy_page<'a>(
        subject: &'a Subject,
        actions: &'a [&'a str],
        size: u64,
    ) -> ScopePage<'a, Self> {
        ScopePage::new(subject, Listed::Policy(actions), size)
    }
}

impl<E: OwnedEntity> OwnershipPages for E {}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Statement, Value};

    use super::with_written_limit;

    fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(backend, sql, values)
    }

    #[test]
    fn writes_the_final_bound_limit_into_the_sql() {
        let bound = statement(
            DbBackend::Postgres,
            "SELECT id FROM t WHERE a = $1 LIMIT $2",
            vec![7i64.into(), 50u64.into()],
        );
        let written = with_written_limit(bound, 50);
        assert_eq!(written.sql, "SELECT id FROM t WHERE a = $1 LIMIT 50");
        assert_eq!(written.values.unwrap().0, vec![Value::from(7i64)]);

        let bound = statement(
            DbBackend::Sqlite,
            "SELECT id FROM t LIMIT ?",
            vec![3u64.into()],
        );
        assert_eq!(with_written_limit(bound, 3).sql, "SELECT id FROM t LIMIT 3");
    }

    #[test]
    fn leaves_any_other_statement_as_built() {
        let cases = [
            // The last value is not the limit.
            (
                "SELECT id FROM t WHERE a = $1 LIMIT $2",
                vec![50i64.into(), 7i64.into()],
            ),
            // The statement does not end with a bound limit.
            ("SELECT id FROM t WHERE a = $1", vec![50u64.into()]),
            (
                "SELECT id FROM t LIMIT $1 OFFSET $2",
                vec![50u64.into(), 50u64.into()],
            ),
        ];
        for (sql, values) in cases {
            let built = statement(DbBackend::Postgres, sql, values);
            assert_eq!(with_written_limit(built.clone(), 50), built);
        }
    }
}
