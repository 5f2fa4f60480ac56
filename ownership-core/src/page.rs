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

use tracing::Instrument;

use sea_orm::sea_query::{
    Expr, ExprTrait, IntoIden, IntoValueTuple, JoinType, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, IdenStatic, ModelTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, Statement, Value,
};

use crate::cursor::{Cursor, CursorOrder, PageProblem, column_tag};
use crate::derived::derived;
use crate::error::OwnershipError;
use crate::owned::OwnedEntity;
use crate::ownership;
use crate::plan::{
    AccessPlan, CANDIDATE_ID, CANDIDATE_KEY, Keyset, OWNER_ID, OwnedTable, PAGE_PART, PAGE_ROW,
    Position, deny, union,
};
use crate::scope::IdOf;
use crate::scope::{self, Permitted};
use crate::subject::Subject;
use crate::trace;

/// The alias of the union of the candidate lists.
const PAGE_CANDIDATES: &str = "ownership_page_candidates";
/// The alias of the owner profiles a lateral owner list runs over.
const PAGE_OWNER: &str = "ownership_page_owner";
/// The most permission names a page reads one list each of (two with groups).
const MAX_LISTED_NAMES: usize = 16;

/// The rows of `E` owned by one of `owners` (a list of profile ids named [`OWNER_ID`]), after the
/// cursor, the first `size` of each owner: with `LATERAL` one ordered range of the (owner,
/// id) index, or (owner, column, id) on a page ordered by a column, per profile, otherwise
/// the first `size` of all of them.
fn owned_list<E: OwnedEntity>(owners: SelectStatement, keyset: &Keyset) -> SelectStatement {
    let mut rows = Query::select();
    rows.expr_as(Expr::col((PAGE_ROW, E::id_column())), CANDIDATE_ID)
        .from_as(E::default().table_ref(), PAGE_ROW);
    if !keyset.lateral() {
        rows.and_where(Expr::col((PAGE_ROW, E::owner_column())).in_subquery(owners));
        keyset.skip_owned(&mut rows, (PAGE_ROW, E::owner_column()));
        keyset.take(&mut rows, (PAGE_ROW, E::id_column()));
        return rows;
    }
    rows.and_where(Expr::col((PAGE_ROW, E::owner_column())).equals((PAGE_OWNER, OWNER_ID)));
    keyset.take(&mut rows, (PAGE_ROW, E::id_column()));
    let mut per_owner = Query::select();
    per_owner.expr_as(Expr::col((PAGE_PART, CANDIDATE_ID)), CANDIDATE_ID);
    keyset.carry_key(&mut per_owner, PAGE_PART);
    per_owner.from_subquery(owners, PAGE_OWNER).join_lateral(
        JoinType::InnerJoin,
        rows,
        PAGE_PART,
        Expr::cust("TRUE"),
    );
    // Skipped owners, not skipped rows: an owner's rows are not read to be thrown away.
    keyset.skip_owned(&mut per_owner, (PAGE_OWNER, OWNER_ID));
    per_owner
}

impl AccessPlan<'_> {
    /// The condition of a page: `id IN (the first rows of the union of every branch's first
    /// rows after the cursor)`, each list and the union in the keyset's order.
    ///
    /// A subject whose snapshot claims a branch that admits every row (a superuser, a grant
    /// on the whole model) gets the scope's own filter form instead: the table is read in the
    /// page's order and the page ends after its first rows, and the other branches, which count
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
            .map(|(k, list)| {
                let alias = format!("ownership_page_arm{k}");
                let mut arm = derived(list, CANDIDATE_ID, alias.clone());
                keyset.carry_key(&mut arm, alias);
                arm
            })
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
            .from_subquery(candidates, PAGE_CANDIDATES);
        if keyset.column.is_some() {
            first.order_by((PAGE_CANDIDATES, CANDIDATE_KEY), keyset.order.clone());
        }
        first
            .order_by((PAGE_CANDIDATES, CANDIDATE_ID), keyset.order.clone())
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

impl Listed<'_> {
    /// What a page of this scope is called in its tracing span.
    fn name(self) -> &'static str {
        match self {
            Listed::Read => "readable page",
            Listed::Manage => "manageable page",
            Listed::Shared => "shared page",
            Listed::Permitted(_) => "permitted page",
            Listed::Policy(_) => "policy page",
        }
    }
}

/// Where a page starts.
#[derive(Clone, Debug)]
enum Start {
    /// Just after the row with this id, on a page in id order.
    AfterId(Value),
    /// Just after the cursor's row.
    After(Cursor),
    /// Just before the cursor's row: the page ends there.
    Before(Cursor),
}

/// One page of a scope: the first `size` rows after a cursor (or the last before one) in
/// the order of the id, or of a column then the id, fetched in one statement that the
/// library builds whole (see [`OwnershipPages`]).
///
/// [`fetch`](Self::fetch) gives the rows with the cursors of the pages around them; ask
/// for the next page with `.after_cursor(next)`, the previous with `.before_cursor(prev)`.
/// A page in id order also takes the last id of the page before it: `.after(last_id)`.
#[derive(Clone, Debug)]
#[must_use = "a page does nothing until fetched with `fetch` or `all`"]
pub struct ScopePage<'a, E: OwnedEntity> {
    subject: &'a Subject,
    listed: Listed<'a>,
    /// The column rows are ordered by before their id; `None`: the id alone.
    column: Option<E::Column>,
    order: Order,
    start: Option<Start>,
    size: u64,
    entity: PhantomData<E>,
}

/// The rows of a page and the cursors of the pages around it, as
/// [`ScopePage::fetch`] gives them.
///
/// `next_cursor` is set only when a row follows the page, so walking forward never ends on
/// an empty page; `prev_cursor` only when the page starts after a cursor (a first page has
/// none) or, for a page read before a cursor, when a row precedes it. Both are strings
/// for a client (`Display`), read back with `parse`:
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
/// use ownership_core::{OwnershipError, OwnershipPages, Page, Subject};
///
/// /// `GET /documents?after=..` or `?before=..`: 50 documents by name, and the links of
/// /// the pages around them.
/// async fn documents_by_name(
///     db: &sea_orm::DatabaseConnection,
///     me: &Subject,
///     after: Option<&str>,
///     before: Option<&str>,
/// ) -> Result<(Vec<String>, Option<String>, Option<String>), OwnershipError> {
///     let mut page = document::Entity::readable_page(me, 50).order_by_asc(document::Column::Name);
///     if let Some(cursor) = after {
///         // A cursor a client altered is an `OwnershipError::InvalidPage`: a 400.
///         page = page.after_cursor(cursor.parse()?);
///     } else if let Some(cursor) = before {
///         page = page.before_cursor(cursor.parse()?);
///     }
///     let Page { items, next_cursor, prev_cursor } = page.fetch(db).await?;
///     let names = items.into_iter().map(|row| row.name).collect();
///     let next = next_cursor.map(|cursor| format!("/documents?after={cursor}"));
///     let prev = prev_cursor.map(|cursor| format!("/documents?before={cursor}"));
///     Ok((names, next, prev))
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Page<M> {
    /// The page's rows, in the page's order.
    pub items: Vec<M>,
    /// The position of the last row, when a row follows it: the next page is
    /// `.after_cursor(next_cursor)`.
    pub next_cursor: Option<Cursor>,
    /// The position of the first row, when a row may precede it: the previous page is
    /// `.before_cursor(prev_cursor)`.
    pub prev_cursor: Option<Cursor>,
}

/// The largest page: no table holds more rows than an `i64` counts, and SQLite and
/// PostgreSQL take a `LIMIT` only as an `i64` (their drivers panic on a larger one).
const MAX_PAGE_SIZE: u64 = i64::MAX as u64;

impl<'a, E: OwnedEntity> ScopePage<'a, E> {
    fn new(subject: &'a Subject, listed: Listed<'a>, size: u64) -> Self {
        Self {
            subject,
            listed,
            column: None,
            order: Order::Asc,
            start: None,
            size: Ord::min(size, MAX_PAGE_SIZE),
            entity: PhantomData,
        }
    }

    /// Orders the page by `column` ascending, rows with equal values by ascending id
    /// (replacing any order set before). The column must be an integer, string or UUID
    /// column that is not nullable, or the page is refused with
    /// [`PageProblem::UnorderableColumn`]. Strings compare as the database compares them
    /// (its collation). An index on (owner, column, id), and on (column, id) for subjects
    /// who see every row, lets each branch read just its first rows.
    pub fn order_by_asc(self, column: E::Column) -> Self {
        self.order_by(column, Order::Asc)
    }

    /// Orders the page by `column` descending, rows with equal values by descending id;
    /// as [`order_by_asc`](Self::order_by_asc) otherwise.
    pub fn order_by_desc(self, column: E::Column) -> Self {
        self.order_by(column, Order::Desc)
    }

    fn order_by(mut self, column: E::Column, order: Order) -> Self {
        // The id orders alone: a second id in the order would only cost.
        self.column = (column.as_str() != E::id_column().as_str()).then_some(column);
        self.order = order;
        self
    }

    /// Only rows whose id is greater than `id` (smaller on a page in descending id order):
    /// the page after the one that ended with `id`, on a page in id order; a page ordered by
    /// another column refuses it ([`PageProblem::CursorOfAnotherOrder`]). Ids compare in
    /// their own type (a UUID or string key in the database's order).
    pub fn after(mut self, id: IdOf<E>) -> Self {
        self.start = id.into_value_tuple().into_iter().next().map(Start::AfterId);
        self
    }

    /// The rows just after the cursor's row, in the page's order: the page after the one
    /// whose `next_cursor` it is. A cursor made for another order is refused when the page
    /// is fetched ([`OwnershipError::InvalidPage`]).
    pub fn after_cursor(mut self, cursor: Cursor) -> Self {
        self.start = Some(Start::After(cursor));
        self
    }

    /// The rows just before the cursor's row, still in the page's order: the page before
    /// the one whose `prev_cursor` it is. A cursor made for another order is refused when
    /// the page is fetched ([`OwnershipError::InvalidPage`]).
    pub fn before_cursor(mut self, cursor: Cursor) -> Self {
        self.start = Some(Start::Before(cursor));
        self
    }

    /// Whether the page ends at its cursor, read backward from it.
    fn backward(&self) -> bool {
        matches!(self.start, Some(Start::Before(_)))
    }

    /// The page's order as its cursors name it; refused for a column that cannot order a
    /// page (a NULL has no place in a keyset order).
    fn cursor_order(&self) -> Result<CursorOrder, PageProblem> {
        let id = E::id_column();
        let tag_of = |column: E::Column| {
            let def = column.def();
            column_tag(def.get_column_type())
                .filter(|_| !def.is_null())
                .ok_or(PageProblem::UnorderableColumn(column.as_str()))
        };
        let mut tags = Vec::new();
        if let Some(column) = self.column {
            tags.push(tag_of(column)?);
        }
        tags.push(tag_of(id)?);
        Ok(CursorOrder {
            column: self.column.unwrap_or(id).as_str(),
            descending: matches!(self.order, Order::Desc),
            tags,
        })
    }

    /// The cursor of `row` in the page's order.
    fn cursor_of(&self, order: &CursorOrder, row: &E::Model) -> Result<Cursor, PageProblem> {
        let mut values: Vec<Value> = self
            .column
            .map(|column| row.get(column))
            .into_iter()
            .collect();
        values.push(row.get(E::id_column()));
        order.cursor(values)
    }

    /// The query of up to `limit` rows of the page on `backend`: the entity's rows, the
    /// scope's condition with each branch limited, past the cursor, in the page's order
    /// (the reverse, read before a cursor).
    fn select(&self, backend: DbBackend, limit: u64) -> Result<Select<E>, PageProblem> {
        let cursor_order = self.cursor_order()?;
        let after = match &self.start {
            None => None,
            Some(Start::AfterId(id)) if self.column.is_none() => Some(Position {
                key: None,
                id: id.clone(),
            }),
            Some(Start::AfterId(_)) => return Err(PageProblem::CursorOfAnotherOrder),
            Some(Start::After(cursor) | Start::Before(cursor)) => {
                Some(cursor_order.position(cursor)?)
            }
        };
        let order = match (cursor_order.descending, self.backward()) {
            (false, false) | (true, true) => Order::Asc,
            (true, false) | (false, true) => Order::Desc,
        };
        let excluded_owners = match self.listed {
            Listed::Shared => self
                .subject
                .active_user()
                .map(ownership::confirmed_profiles_of),
            _ => None,
        };
        let keyset = Keyset {
            column: self.column.map(IntoIden::into_iden),
            order: order.clone(),
            after,
            excluded_owners,
            size: limit,
            backend,
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
        let key = self.column.map(|column| Expr::col(column.as_column_ref()));
        if let Some(past) = keyset.past(key, Expr::col(E::id_column().as_column_ref())) {
            select = select.filter(past);
        }
        if let Some(column) = self.column {
            select = select.order_by(column, order.clone());
        }
        Ok(select.order_by(E::id_column(), order).limit(limit))
    }

    /// The statement of up to `limit` rows of the page on `backend`.
    fn statement(&self, backend: DbBackend, limit: u64) -> Result<Statement, PageProblem> {
        let select = self.select(backend, limit)?;
        Ok(with_written_limit(select.build(backend), limit))
    }

    /// The statement [`all`](Self::all) runs on `backend`; for a page that is refused (see
    /// [`OwnershipError::InvalidPage`]), one that selects no row.
    pub fn build(&self, backend: DbBackend) -> Statement {
        self.statement(backend, self.size).unwrap_or_else(|_| {
            let nothing = E::find().filter(deny()).limit(self.size);
            with_written_limit(nothing.build(backend), self.size)
        })
    }

    /// Up to `limit` rows of the page, in the page's order; no statement for 0.
    async fn read<C: ConnectionTrait>(
        &self,
        db: &C,
        limit: u64,
    ) -> Result<Vec<E::Model>, OwnershipError> {
        let statement = self.statement(db.get_database_backend(), limit)?;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let span = trace::run(E::MODEL_NAME, self.listed.name(), self.subject);
        let mut rows = E::find()
            .from_raw_sql(statement)
            .all(db)
            .instrument(span.clone())
            .await?;
        trace::rows(&span, rows.len());
        if self.backward() {
            rows.reverse();
        }
        Ok(rows)
    }

    /// Fetches the page's rows: at most `size`, in the page's order. A page of size 0 is
    /// empty and runs no statement. A cursor made for another order, or an order column
    /// that cannot order a page, is [`OwnershipError::InvalidPage`].
    pub async fn all<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<E::Model>, OwnershipError> {
        self.read(db, self.size).await
    }

    /// Fetches the page with the cursors of the pages around it (see [`Page`]), in one
    /// statement: one row more than the page tells whether another follows it (or, read
    /// before a cursor, precedes it). A page of size 0 is empty and runs no statement.
    /// Refused as [`all`](Self::all) is.
    pub async fn fetch<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Page<E::Model>, OwnershipError> {
        let limit = match self.size {
            0 => 0,
            size => Ord::min(size + 1, MAX_PAGE_SIZE),
        };
        let mut items = self.read(db, limit).await?;
        let more = items.len() as u64 > self.size;
        let backward = self.backward();
        if more {
            // The extra row is the one farthest from the cursor.
            if backward {
                items.remove(0);
            } else {
                items.pop();
            }
        }
        let resumed = self.start.is_some();
        let (earlier, later) = if backward {
            (more, resumed)
        } else {
            (resumed, more)
        };
        let order = self.cursor_order()?;
        let cursor_at = |row: Option<&E::Model>, exists: bool| match row {
            Some(row) if exists => self.cursor_of(&order, row).map(Some),
            _ => Ok(None),
        };
        Ok(Page {
            prev_cursor: cursor_at(items.first(), earlier)?,
            next_cursor: cursor_at(items.last(), later)?,
            items,
        })
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
