//! The access plan: every way a subject reaches a row of an owned entity for one scope, as
//! the sources of access build it and before a compiler puts it together (a condition for a
//! query or a bulk write, a keyset page, a single-object check).
//!
//! The bottom of the crate's SQL: it names no source's tables. A source hands the plan
//! conditions, an owner set, or candidate lists behind [`CandidateSource`], so a new source
//! plugs in without a compiler knowing its tables.

use sea_orm::sea_query::{
    DynIden, Expr, ExprTrait, IntoColumnRef, IntoIden, JoinType, Order, SelectStatement, TableRef,
    UnionType,
};
use sea_orm::{ColumnTrait, Condition, DbBackend, IdenStatic, Value};

use crate::key::KeyType;
use crate::owned::OwnedEntity;

/// The alias of the owned table inside a page's candidate list.
pub(crate) const PAGE_ROW: &str = "ownership_page_row";
/// The alias of a per-owner or per-group list joined `LATERAL`.
pub(crate) const PAGE_PART: &str = "ownership_page_part";
/// The name every candidate list gives its id column.
pub(crate) const CANDIDATE_ID: &str = "ownership_candidate_id";
/// The name an owner set ([`AccessPlan::owners`]) gives its column of profile ids.
pub(crate) const OWNER_ID: &str = "ownership_owner_id";

/// Whether `backend` can bind `value`: SQLite and PostgreSQL have no unsigned 64-bit integer
/// and their drivers panic binding one above `i64::MAX`; no row has such an id there.
pub(crate) fn storable(value: &Value, backend: DbBackend) -> bool {
    backend == DbBackend::MySql
        || !matches!(value, Value::BigUnsigned(Some(v)) if i64::try_from(*v).is_err())
}

/// A condition no row satisfies; a constant the planner folds away.
pub(crate) fn deny() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// The `UNION` (without duplicates) of `lists`, named by the first one's column; `None` for
/// no list, and the list itself for one.
pub(crate) fn union(lists: Vec<SelectStatement>) -> Option<SelectStatement> {
    let mut lists = lists.into_iter();
    let mut first = lists.next()?;
    first.unions(lists.map(|list| (UnionType::Distinct, list)));
    Some(first)
}

/// The owned table a plan is compiled against: what a source needs to name its rows.
#[derive(Clone, Debug)]
pub(crate) struct OwnedTable {
    /// The model name permissions are scoped by.
    pub(crate) model_name: &'static str,
    /// The table, with its schema.
    pub(crate) table: TableRef,
    /// The primary-key column.
    pub(crate) id: DynIden,
    /// The primary key's type.
    pub(crate) key: KeyType,
    /// The owner column.
    pub(crate) owner: DynIden,
    /// The owner column's key type, which must be the profiles' key type.
    pub(crate) owner_key: Option<KeyType>,
    /// The table of grants on single rows to users.
    pub(crate) user_grants: TableRef,
    /// The table of grants on single rows to groups.
    pub(crate) group_grants: TableRef,
    /// The table of shares.
    pub(crate) shares: TableRef,
    /// The table of the names each share holds.
    pub(crate) share_names: TableRef,
}

impl OwnedTable {
    /// The table of an owned entity.
    pub(crate) fn of<E: OwnedEntity>() -> Self {
        Self {
            model_name: E::MODEL_NAME,
            table: E::default().table_ref(),
            id: E::id_column().as_str().into_iden(),
            key: KeyType::of_column(E::id_column().def().get_column_type()).unwrap_or(KeyType::Int),
            owner: E::owner_column().as_str().into_iden(),
            owner_key: KeyType::of_column(E::owner_column().def().get_column_type()),
            user_grants: E::user_grant_table(),
            group_grants: E::group_grant_table(),
            shares: E::share_table(),
            share_names: E::share_name_table(),
        }
    }
}

/// The name a candidate list of a page ordered by a column gives that column's value.
pub(crate) const CANDIDATE_KEY: &str = "ownership_candidate_key";

/// Where a page resumes: the row it comes after, in the page's order, by its value of the
/// order column (on a page ordered by a column) and its id.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Position {
    pub(crate) key: Option<Value>,
    pub(crate) id: Value,
}

/// Which rows a page's candidate list may take: in the order of `column` (`None`: the id
/// alone) then the id, both in direction `order`, those after `after`, whose owner is not
/// one of `excluded_owners` (a subquery of profile ids), the first `size`; on `backend`.
///
/// On a page ordered by a column, every list reads the owned table as [`PAGE_ROW`] for the
/// row's value of that column (see [`join_rows`](Self::join_rows)) and selects it as
/// [`CANDIDATE_KEY`] after [`CANDIDATE_ID`].
#[derive(Clone, Debug)]
pub(crate) struct Keyset {
    pub(crate) column: Option<DynIden>,
    pub(crate) order: Order,
    pub(crate) after: Option<Position>,
    pub(crate) excluded_owners: Option<SelectStatement>,
    pub(crate) size: u64,
    pub(crate) backend: DbBackend,
}

impl Keyset {
    /// Whether the backend can run a limited list per owner or group: MariaDB and SQLite
    /// have no `LATERAL`, there each branch is limited as a whole.
    pub(crate) fn lateral(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    /// `column` past `value` in the keyset's direction, or also equal to it if not
    /// `strict`. A value the backend cannot bind (see [`storable`]) lies past every row.
    fn beyond(&self, column: Expr, value: &Value, strict: bool) -> Expr {
        let descending = matches!(self.order, Order::Desc);
        if !storable(value, self.backend) {
            return Expr::cust(if descending { "1 = 1" } else { "1 = 0" });
        }
        match (descending, strict) {
            (false, true) => column.gt(value.clone()),
            (false, false) => column.gte(value.clone()),
            (true, true) => column.lt(value.clone()),
            (true, false) => column.lte(value.clone()),
        }
    }

    /// The rows after the cursor, given the row's order column `key` (on a page ordered by
    /// a column) and `id`; `None` without a cursor.
    ///
    /// `key >= v AND (key > v OR id > i)` rather than the row value `(key, id) > (v, i)`:
    /// its leading range is one an index on the key, or on (owner, key), reads on every
    /// backend, where MySQL reads a row-value comparison only as a filter.
    pub(crate) fn past(&self, key: Option<Expr>, id: Expr) -> Option<Expr> {
        let after = self.after.as_ref()?;
        let past_id = self.beyond(id, &after.id, true);
        Some(match (key, &after.key) {
            (Some(key), Some(value)) => self
                .beyond(key.clone(), value, false)
                .and(self.beyond(key, value, true).or(past_id)),
            _ => past_id,
        })
    }

    /// Narrows a list to rows after the cursor and takes its first `size` in the page's
    /// order, `id` being the list's id column; on a page ordered by a column, also selects
    /// the row's value of it.
    pub(crate) fn take(&self, list: &mut SelectStatement, id: impl IntoColumnRef + Clone) {
        let key = self.column.clone().map(|column| (PAGE_ROW, column));
        if let Some(key) = &key {
            list.expr_as(Expr::col(key.clone()), CANDIDATE_KEY);
        }
        if let Some(past) = self.past(key.clone().map(Expr::col), Expr::col(id.clone())) {
            list.and_where(past);
        }
        if let Some(key) = key {
            list.order_by(key, self.order.clone());
        }
        list.order_by(id, self.order.clone()).limit(self.size);
    }

    /// Adds the order column's value (on a page ordered by a column) to `list`, a select
    /// of [`CANDIDATE_ID`] from a list [`take`](Self::take) limited under the alias `part`.
    pub(crate) fn carry_key(&self, list: &mut SelectStatement, part: impl IntoIden) {
        if self.column.is_some() {
            list.expr_as(Expr::col((part, CANDIDATE_KEY)), CANDIDATE_KEY);
        }
    }

    /// `owner NOT IN (excluded owners)`, or nothing.
    pub(crate) fn not_owned(&self, owner: impl IntoColumnRef) -> Option<Expr> {
        self.excluded_owners
            .as_ref()
            .map(|excluded| Expr::col(owner).not_in_subquery(excluded.clone()))
    }

    /// Narrows a list to rows whose owner column `owner` passes [`not_owned`](Self::not_owned).
    pub(crate) fn skip_owned(&self, list: &mut SelectStatement, owner: impl IntoColumnRef) {
        if let Some(not_owned) = self.not_owned(owner) {
            list.and_where(not_owned);
        }
    }

    /// Joins `table` as [`PAGE_ROW`] to a list of its ids (`object_id`, read from another
    /// table) when the list needs the rows: to read the order column, or to leave out
    /// the rows whose owner does not pass [`not_owned`](Self::not_owned).
    pub(crate) fn join_rows(
        &self,
        list: &mut SelectStatement,
        table: &OwnedTable,
        object_id: Expr,
    ) {
        if self.excluded_owners.is_some() || self.column.is_some() {
            list.join_as(
                JoinType::InnerJoin,
                table.table.clone(),
                PAGE_ROW,
                Expr::col((PAGE_ROW, table.id.clone())).eq(object_id),
            );
            self.skip_owned(list, (PAGE_ROW, table.owner.clone()));
        }
    }
}

/// A source of candidate rows: the ids of the objects a subject reaches one way (grants;
/// later shares), named without the owned table's help.
pub(crate) trait CandidateSource {
    /// The candidate ids of `table`'s model, as uncorrelated subqueries of one column named
    /// [`CANDIDATE_ID`] whose union is the candidates: a compiler unions every source's
    /// lists at one level, so that the database merges duplicates once (and a union's
    /// column is named by its first list). Each the id of an existing row, since a count
    /// takes them without reading the rows; and a source that gives one list names each
    /// row once in it, since a count of that list alone counts its ids as they come.
    fn id_lists(&self, table: &OwnedTable) -> Vec<SelectStatement>;

    /// The same candidates as lists for a page: each one ordered range of an index, limited
    /// by `keyset`, selecting [`CANDIDATE_ID`] (and [`CANDIDATE_KEY`] on a page ordered by a
    /// column), each the id of an existing row of `table`
    /// (a candidate whose row no longer exists must not take the place of one that does:
    /// a source whose rows reference the owned table, as grants do, has none).
    fn page_lists(&self, table: &OwnedTable, keyset: &Keyset) -> Vec<SelectStatement>;
}

/// A source of the permission names a user holds on single rows (grants, shares): what a
/// question for every one of several names counts across sources, so that names held
/// through different sources together hold the set.
pub(crate) trait NameSource {
    /// `(object_id, name)` rows: each name of the question held on a row of `table`, as
    /// uncorrelated subqueries whose columns are named [`OBJECT_ID`](crate::entity::object_grant::OBJECT_ID)
    /// and [`NAME`](crate::entity::object_grant::NAME).
    fn held_names(&self, table: &OwnedTable) -> Vec<SelectStatement>;
}

/// The columns of a reason row ([`ReasonSource`]): its kind, the permission name (text),
/// the group (in the groups' key type, as [`KeyType::select`] gives it) and the share (its
/// UUID) it comes through; NULL where a column does not apply.
pub(crate) const REASON_COLUMNS: [&str; 5] = [
    "ownership_reason",
    "ownership_reason_name",
    "ownership_reason_group",
    "ownership_reason_share",
    "ownership_reason_clause",
];

/// A source that can say why it admits one row: the explanation of a branch, as the
/// source that built the branch describes it.
pub(crate) trait ReasonSource {
    /// Selects of the [`REASON_COLUMNS`], one row per reason this source admits the row
    /// `id` of `table` for (none when it does not), each uncorrelated, built for `backend`.
    /// The explaining compiler unions them and gates the user's on its check.
    fn reasons(&self, table: &OwnedTable, id: &Value, backend: DbBackend) -> Vec<SelectStatement>;
}

/// The values of a reason row beside its kind; a column left `None` is a NULL.
#[derive(Default)]
pub(crate) struct ReasonValues {
    /// A permission name, or the action a policy clause allows.
    pub(crate) name: Option<Expr>,
    /// The group a grant or share is to.
    pub(crate) group: Option<Expr>,
    /// A share's UUID.
    pub(crate) share: Option<Expr>,
    /// The position of a deciding policy clause among the subject's assigned clauses.
    pub(crate) clause: Option<Expr>,
}

/// `SELECT kind, name, group, share, clause`: a reason row's columns, a NULL of the
/// column's type where one does not apply (groups keyed by `group_key`), so that the arms
/// of a `UNION` agree on every backend.
pub(crate) fn reason_row(
    select: &mut SelectStatement,
    kind: impl Into<Expr>,
    values: ReasonValues,
    group_key: KeyType,
) {
    let [
        kind_column,
        name_column,
        group_column,
        share_column,
        clause_column,
    ] = REASON_COLUMNS;
    let or_null = |value: Option<Expr>, null: Value| value.unwrap_or_else(|| Expr::val(null));
    select
        .expr_as(kind.into(), kind_column)
        .expr_as(or_null(values.name, Value::String(None)), name_column)
        .expr_as(or_null(values.group, group_key.null()), group_column)
        .expr_as(or_null(values.share, Value::Uuid(None)), share_column)
        .expr_as(or_null(values.clause, Value::BigInt(None)), clause_column);
}

/// The ways a scope admits a row, before a compiler puts them together. Every part is an
/// uncorrelated subquery, evaluated once per statement.
///
/// The branches of the asking user (every row, owners, candidates) count only while
/// `user_check` holds in the database; the public sources count whoever asks.
#[derive(Default)]
pub(crate) struct AccessPlan<'a> {
    /// `EXISTS (the asking user exists with the snapshot's stamp and is active)`: ANDed with
    /// every branch of the user; without it, the plan has no branch of a user.
    pub(crate) user_check: Option<Expr>,
    /// Conditions that admit every row when true (superuser, a grant on the whole model),
    /// present only when the snapshot claims them.
    pub(crate) every_row: Vec<Expr>,
    /// The owner profiles whose rows are admitted, selected as [`OWNER_ID`].
    pub(crate) owners: Option<SelectStatement>,
    /// The sources that name candidate rows for the user (grants, shares it receives), each
    /// contributing its own.
    pub(crate) candidates: Vec<Box<dyn CandidateSource + 'a>>,
    /// The sources that name candidate rows for anyone asking, signed in or not (shares
    /// with anyone).
    pub(crate) public: Vec<Box<dyn CandidateSource + 'a>>,
    /// Conditions on a row's own columns that admit it (a policy decision), counted while
    /// `user_check` holds: tested row by row, in the filter form.
    pub(crate) row_decisions: Vec<Condition>,
    /// Why the user's branches admit a row, as their sources say it (read only to explain,
    /// gated on `user_check` like the branches).
    pub(crate) reasons: Vec<Box<dyn ReasonSource + 'a>>,
    /// Why the public sources admit a row.
    pub(crate) public_reasons: Vec<Box<dyn ReasonSource + 'a>>,
}

impl<'a> AccessPlan<'a> {
    /// A plan for a user, whose branches count while `user_check` holds.
    pub(crate) fn for_user(user_check: Expr) -> Self {
        Self {
            user_check: Some(user_check),
            ..Self::default()
        }
    }

    /// The user's check, if the plan has a branch of the user.
    pub(crate) fn user_check(&self) -> Option<&Expr> {
        let has_branch = !self.every_row.is_empty()
            || self.owners.is_some()
            || !self.candidates.is_empty()
            || !self.row_decisions.is_empty();
        self.user_check.as_ref().filter(|_| has_branch)
    }

    /// Whether no branch admits anything.
    pub(crate) fn is_empty(&self) -> bool {
        self.user_check().is_none() && self.public.is_empty()
    }
}
