//! The SQL the scopes and holder questions run against the grant tables, and the only
//! read-side code that knows their shape: the plugin's tables of grants on whole models and
//! on everything, and each owned entity's own tables of grants on single rows.

use sea_orm::sea_query::{
    Expr, ExprTrait, Func, IntoIden, JoinType, Query, SelectStatement, TableRef, UnionType,
};
use sea_orm::{Condition, DbBackend, DbErr, EntityName, QueryResult, Value};

use crate::derived::{derived, derived_as};
use crate::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use crate::entity::{permission_group, permission_user};
use crate::identity::Identity;
use crate::key::{GroupId, Key, KeyType, UserId, as_bigint};
use crate::ownership;
use crate::plan::{
    CANDIDATE_ID, CandidateSource, Keyset, NameSource, OwnedTable, PAGE_PART, ReasonSource,
    ReasonValues, reason_row, union,
};
use crate::subject::SubjectUser;

/// The column of the whole-model grant tables naming the model (`""` for every model).
pub(crate) const MODEL_KEY: &str = "model_key";

const USER_GRANT: &str = "ownership_pu";
const GROUP_GRANT: &str = "ownership_pg";
const MEMBERSHIP: &str = "ownership_gm";
/// The grant table of one arm of a holder question, whichever table it is.
const GRANT: &str = "ownership_grant";
/// The (object, name) pairs a user holds, counted per object for an all-of question.
const HELD_NAME: &str = "ownership_held_name";
/// The objects held under every name of an all-of question.
const HELD_OBJECT: &str = "ownership_held_object";
/// The names a user holds on a whole model.
const WHOLE_MODEL_NAME: &str = "ownership_whole_model_name";
/// The names counted by a scalar `COUNT(*)`.
const COUNTED_NAME: &str = "ownership_counted_name";
/// The union of the holders of a permission, direct and through groups.
const HOLDER: &str = "ownership_holder";

/// A pair of grant tables, to users and to groups: either the plugin's tables of grants on
/// whole models and on everything, or one owned entity's tables of grants on its rows.
/// Both pairs spell the grantee and name columns alike ([`USER_ID`], [`GROUP_ID`],
/// [`NAME`]); the first adds [`MODEL_KEY`], the second [`OBJECT_ID`].
#[derive(Clone, Debug)]
pub(crate) struct GrantTables {
    users: TableRef,
    groups: TableRef,
}

impl GrantTables {
    /// The grants on every object of a model, or of every model.
    pub(crate) fn whole_model() -> Self {
        Self {
            users: permission_user::Entity.table_ref(),
            groups: permission_group::Entity.table_ref(),
        }
    }

    /// The grants on single rows of one owned entity.
    pub(crate) fn objects_of(table: &OwnedTable) -> Self {
        Self {
            users: table.user_grants.clone(),
            groups: table.group_grants.clone(),
        }
    }
}

/// `column` of the grant table aliased `table`.
fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}

/// `columns` of the grants in `tables` one user holds that satisfy `narrow(alias of the
/// grant table)`: its own and, `with_groups`, as a `UNION` (duplicate-free, like the
/// candidate sets it goes into) with those of the groups it is a member of now.
fn grants_of_user(
    user: &Key,
    with_groups: bool,
    tables: &GrantTables,
    columns: &[&'static str],
    narrow: impl Fn(&'static str) -> Condition,
) -> SelectStatement {
    let columns: Vec<_> = columns.iter().map(|&column| (column, column)).collect();
    union(grant_arms(user, with_groups, tables, &columns, narrow))
        .expect("the user's own grants are always an arm")
}

/// The arms of [`grants_of_user`], apart: the user's own grants and, `with_groups`, those
/// of the groups it is a member of now (where two groups may hold one grant); each
/// selecting `(column, alias)` pairs.
///
/// The condition goes into each arm rather than around their union, so that every
/// database reads each grant table through its indexes.
fn grant_arms(
    user: &Key,
    with_groups: bool,
    tables: &GrantTables,
    columns: &[(&'static str, &'static str)],
    narrow: impl Fn(&'static str) -> Condition,
) -> Vec<SelectStatement> {
    let arm = |grants: &'static str, table: &TableRef, grantee: Expr| {
        let mut select = Query::select();
        for &(column, alias) in columns {
            select.expr_as(col(grants, column), alias);
        }
        select
            .from_as(table.clone(), grants)
            .cond_where(narrow(grants))
            .and_where(grantee);
        select
    };
    let mut arms = vec![arm(
        USER_GRANT,
        &tables.users,
        col(USER_GRANT, USER_ID).eq(Value::from(user)),
    )];
    if with_groups {
        arms.push(arm(
            GROUP_GRANT,
            &tables.groups,
            col(GROUP_GRANT, GROUP_ID).in_subquery(ownership::groups_of(user)),
        ));
    }
    arms
}

/// Which grants a scope branch counts: whose, of which names, and how.
pub(crate) struct Held<'a> {
    /// The user, as loaded.
    pub(crate) user: &'a SubjectUser,
    pub(crate) names: &'a [&'a str],
    pub(crate) with_groups: bool,
    /// Whether grants on every object of the model, or of every model, count.
    pub(crate) whole_model: bool,
    /// Whether an object must be held under every one of the names, not under one of them.
    pub(crate) every_name: bool,
    /// The names another source holds on single rows, counted with the grants when every
    /// one of several names is needed.
    pub(crate) also: Option<Box<dyn NameSource + 'a>>,
}

impl<'a> Held<'a> {
    /// The ids of the rows of `table` the user holds every one of the names on, each by a
    /// grant on that very row, by a grant on the whole model the snapshot claims and the
    /// database still holds, or through another source.
    ///
    /// One grouped subquery, `GROUP BY object HAVING COUNT(DISTINCT name) = n`, whatever
    /// the number of names: a conjunct per name would nest the statement as deep as the
    /// list is long.
    fn held_under_every_name(&self, table: &OwnedTable) -> SelectStatement {
        let mut held = self.object_grants(table, self.names, &[OBJECT_ID, NAME]);
        if let Some(also) = &self.also {
            held.unions(
                also.held_names(table)
                    .into_iter()
                    .map(|pairs| (UnionType::Distinct, pairs)),
            );
        }
        let mut objects = Query::select();
        objects
            .column((HELD_NAME, OBJECT_ID))
            .from_subquery(held, HELD_NAME)
            .group_by_col((HELD_NAME, OBJECT_ID));
        let every_name = self.names.len() as i64;
        let claimed = if self.whole_model {
            self.claimed_whole_model(table.model_name)
        } else {
            Vec::new()
        };
        let needed = if claimed.is_empty() {
            Expr::val(every_name)
        } else {
            // A name held on the whole model is held on this object: count it once, there.
            let on_whole_model = self.names_on_whole_model(&claimed, table.model_name);
            objects.and_where(col(HELD_NAME, NAME).not_in_subquery(on_whole_model.clone()));
            Expr::val(every_name).sub(Self::count_of(on_whole_model))
        };
        objects.and_having(Expr::expr(Func::count_distinct(col(HELD_NAME, NAME))).eq(needed));
        derived_as(objects.to_owned(), OBJECT_ID, HELD_OBJECT, CANDIDATE_ID)
    }

    /// Whether an object must be held under several names at once: an intersection, not a
    /// union of grants.
    fn needs_several(&self) -> bool {
        self.every_name && self.names.len() > 1
    }

    /// The names the snapshot holds on every object of `model_name` (or of every model).
    fn claimed_whole_model(&self, model_name: &str) -> Vec<&str> {
        self.names
            .iter()
            .copied()
            .filter(|name| {
                self.user
                    .whole_model_grants
                    .iter()
                    .any(|grant| grant.covers(name, model_name))
            })
            .collect()
    }

    /// Whether the snapshot holds the names on every object of `model_name` (or of every
    /// model): one of them, or every one when every name is needed.
    pub(crate) fn claims_whole_model(&self, model_name: &str) -> bool {
        let claimed = self.claimed_whole_model(model_name).len();
        if self.needs_several() {
            claimed == self.names.len()
        } else {
            claimed > 0
        }
    }

    /// The names of `names` the user holds on every object of `model_name`, or of every
    /// model, without duplicates (a name may be held on the model and on every model),
    /// since they are counted.
    fn names_on_whole_model(&self, names: &[&str], model_name: &str) -> SelectStatement {
        let rows = grants_of_user(
            self.user.id.key(),
            self.with_groups,
            &GrantTables::whole_model(),
            &[NAME],
            |grants| {
                Condition::all()
                    .add(col(grants, MODEL_KEY).is_in([model_name, ""]))
                    .add(col(grants, NAME).is_in(names.iter().copied()))
            },
        );
        derived(rows, NAME, WHOLE_MODEL_NAME).distinct().to_owned()
    }

    /// `(SELECT COUNT(*) FROM names)`.
    fn count_of(names: SelectStatement) -> Expr {
        Expr::from(
            Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from_subquery(names, COUNTED_NAME)
                .to_owned(),
        )
    }

    /// Whether the user holds the names on every object of `model_name`, or on every
    /// object of every model: one of them, or every one when every name is needed.
    pub(crate) fn on_whole_model(&self, model_name: &str) -> Expr {
        let held = self.names_on_whole_model(self.names, model_name);
        if self.needs_several() {
            Self::count_of(held).eq(self.names.len() as i64)
        } else {
            Expr::exists(held)
        }
    }

    /// `columns` of the user's grants of `names` on single rows of `table`.
    fn object_grants(
        &self,
        table: &OwnedTable,
        names: &[&str],
        columns: &[&'static str],
    ) -> SelectStatement {
        grants_of_user(
            self.user.id.key(),
            self.with_groups,
            &GrantTables::objects_of(table),
            columns,
            |grants| Condition::all().add(col(grants, NAME).is_in(names.iter().copied())),
        )
    }
}

impl CandidateSource for Held<'_> {
    /// The rows of `table` the user holds one of the names on by a grant on that very row,
    /// one list for its own grants and one for its groups'; or every one of them, one list
    /// ([`held_under_every_name`](Held::held_under_every_name)).
    fn id_lists(&self, table: &OwnedTable) -> Vec<SelectStatement> {
        if self.needs_several() {
            return vec![self.held_under_every_name(table)];
        }
        let mut arms = grant_arms(
            self.user.id.key(),
            self.with_groups,
            &GrantTables::objects_of(table),
            &[(OBJECT_ID, CANDIDATE_ID)],
            |grants| Condition::all().add(col(grants, NAME).is_in(self.names.iter().copied())),
        );
        if let [own] = arms.as_mut_slice()
            && self.names.len() > 1
        {
            // Alone, a list names each row once: the user holds one grant per name and
            // object, so a row repeats only under several names.
            own.distinct();
        }
        arms
    }

    /// The rows of `table` the user holds one of the names on, each by a grant on that very
    /// row, as limited lists for a page: one per name directly and one per name through
    /// groups, each one ordered range of the grant table's primary key (with `LATERAL`,
    /// one range per group). A grant never outlives its row, so a list joins the owned
    /// table only to leave out the rows of excluded owners, or, on a page ordered by a
    /// column, to read it: then each list sorts its grants by the rows' column.
    fn page_lists(&self, table: &OwnedTable, keyset: &Keyset) -> Vec<SelectStatement> {
        let list = |grants: &'static str, grant_table: &TableRef, name: &str| {
            let object_id = col(grants, OBJECT_ID);
            let mut list = Query::select();
            list.expr_as(object_id.clone(), CANDIDATE_ID)
                .from_as(grant_table.clone(), grants)
                .and_where(col(grants, NAME).eq(name));
            keyset.join_rows(&mut list, table, object_id);
            list
        };
        let mut lists = Vec::new();
        for name in self.names {
            let mut direct = list(USER_GRANT, &table.user_grants, name);
            direct.and_where(col(USER_GRANT, USER_ID).eq(Value::from(&self.user.id)));
            keyset.take(&mut direct, (USER_GRANT, OBJECT_ID));
            lists.push(direct);
            if !self.with_groups {
                continue;
            }
            let mut through_groups = list(GROUP_GRANT, &table.group_grants, name);
            let group = col(GROUP_GRANT, GROUP_ID);
            if !keyset.lateral() {
                // Distinct: two of the user's groups may hold the name on one object, and a
                // duplicate would take the place of another object under the limit.
                through_groups
                    .distinct()
                    .and_where(group.in_subquery(ownership::groups_of(self.user.id.key())));
                keyset.take(&mut through_groups, (GROUP_GRANT, OBJECT_ID));
                lists.push(through_groups);
                continue;
            }
            let identity = Identity::current();
            through_groups.and_where(group.eq(identity.membership_group(MEMBERSHIP)));
            keyset.take(&mut through_groups, (GROUP_GRANT, OBJECT_ID));
            let mut per_group = identity.per_group_of(
                self.user.id.key(),
                MEMBERSHIP,
                through_groups,
                PAGE_PART,
                CANDIDATE_ID,
            );
            keyset.carry_key(&mut per_group, PAGE_PART);
            lists.push(per_group);
        }
        lists
    }
}

/// Why a user's grants admit a row: each grant of one of `names` on the row itself, to the
/// user or to a group it is a member of now, and each grant of one of the names the
/// snapshot claims on the whole model or on everything (those the branch counts).
pub(crate) struct GrantReasons<'a> {
    pub(crate) user: &'a SubjectUser,
    pub(crate) names: &'a [&'a str],
    pub(crate) with_groups: bool,
    /// The names the branch counts on the whole model or on everything: all of them, once
    /// the snapshot claims one.
    pub(crate) whole_model_names: Vec<&'a str>,
}

impl<'a> GrantReasons<'a> {
    /// The reasons of the grants `held` counts on rows of `model_name`.
    pub(crate) fn of(held: &Held<'a>, model_name: &str) -> Self {
        // As the scope's branch does: once the snapshot claims the model, every name of the
        // branch held on it counts, not only the names the snapshot claimed.
        let whole_model_names = if held.whole_model && held.claims_whole_model(model_name) {
            held.names.to_vec()
        } else {
            Vec::new()
        };
        Self {
            user: held.user,
            names: held.names,
            with_groups: held.with_groups,
            whole_model_names,
        }
    }

    /// One select per grant table: `SELECT kind, name, group FROM grants WHERE <to the user
    /// or its groups> AND narrow`, `kind` the direct or the group kind.
    fn arms(
        &self,
        tables: &GrantTables,
        kinds: [Expr; 2],
        narrow: impl Fn(&'static str) -> Condition,
        backend: DbBackend,
    ) -> Vec<SelectStatement> {
        let user = self.user.id.key();
        let group_key = Identity::current().groups.keyed.key;
        let [direct_kind, group_kind] = kinds;
        let mut direct = Query::select();
        direct
            .from_as(tables.users.clone(), USER_GRANT)
            .cond_where(narrow(USER_GRANT))
            .and_where(col(USER_GRANT, USER_ID).eq(Value::from(user)));
        reason_row(
            &mut direct,
            direct_kind,
            ReasonValues {
                name: Some(col(USER_GRANT, NAME)),
                ..ReasonValues::default()
            },
            group_key,
        );
        let mut arms = vec![direct];
        if self.with_groups {
            let group = group_key.select(col(GROUP_GRANT, GROUP_ID), backend);
            let mut through_group = Query::select();
            through_group
                .from_as(tables.groups.clone(), GROUP_GRANT)
                .cond_where(narrow(GROUP_GRANT))
                .and_where(col(GROUP_GRANT, GROUP_ID).in_subquery(ownership::groups_of(user)));
            reason_row(
                &mut through_group,
                group_kind,
                ReasonValues {
                    name: Some(col(GROUP_GRANT, NAME)),
                    group: Some(group),
                    ..ReasonValues::default()
                },
                group_key,
            );
            arms.push(through_group);
        }
        arms
    }
}

impl ReasonSource for GrantReasons<'_> {
    fn reasons(&self, table: &OwnedTable, id: &Value, backend: DbBackend) -> Vec<SelectStatement> {
        let on_object = |grants: &'static str| {
            Condition::all()
                .add(col(grants, OBJECT_ID).eq(id.clone()))
                .add(col(grants, NAME).is_in(self.names.iter().copied()))
        };
        let mut reasons = self.arms(
            &GrantTables::objects_of(table),
            [Expr::val("user_grant"), Expr::val("group_grant")],
            on_object,
            backend,
        );
        if !self.whole_model_names.is_empty() {
            // A grant on every model has the empty model key.
            let kind =
                |grants: &'static str, on_model: &'static str, on_everything: &'static str| {
                    let kind: Expr = Expr::case(col(grants, MODEL_KEY).eq(""), on_everything)
                        .finally(on_model)
                        .into();
                    kind
                };
            let on_model = |grants: &'static str| {
                Condition::all()
                    .add(col(grants, MODEL_KEY).is_in([table.model_name, ""]))
                    .add(col(grants, NAME).is_in(self.whole_model_names.iter().copied()))
            };
            reasons.extend(self.arms(
                &GrantTables::whole_model(),
                [
                    kind(USER_GRANT, "user_model_grant", "user_global_grant"),
                    kind(GROUP_GRANT, "group_model_grant", "group_global_grant"),
                ],
                on_model,
                backend,
            ));
        }
        reasons
    }
}

/// The (name, model key) of every grant on every object that the user holds directly or
/// through a group it is a member of now.
pub(crate) fn whole_model_grants_of(user: &Key) -> SelectStatement {
    grants_of_user(
        user,
        true,
        &GrantTables::whole_model(),
        &[NAME, MODEL_KEY],
        |_| Condition::all(),
    )
}

/// One pair of grant tables in a holder question, with the condition on their rows: over
/// `grant_column(..)`, the columns of whichever table the arm reads.
#[derive(Clone, Debug)]
pub(crate) struct HolderArm {
    pub(crate) tables: GrantTables,
    pub(crate) grants: Condition,
}

/// A column of the grant table of a [`HolderArm`].
pub(crate) fn grant_column(column: &'static str) -> Expr {
    col(GRANT, column)
}

/// The users holding a grant an arm admits: granted directly, and, `with_groups`, through a
/// group they are a member of; `None` for no arm.
pub(crate) fn users_granted(arms: &[HolderArm], with_groups: bool) -> Option<SelectStatement> {
    let memberships = &Identity::current().groups;
    let mut selects = Vec::new();
    for arm in arms {
        selects.push(
            Query::select()
                .expr_as(grant_column(USER_ID), USER_ID)
                .from_as(arm.tables.users.clone(), GRANT)
                .cond_where(arm.grants.clone())
                .to_owned(),
        );
        if with_groups {
            selects.push(
                Query::select()
                    .expr_as(Expr::col((MEMBERSHIP, memberships.member.clone())), USER_ID)
                    .from_as(arm.tables.groups.clone(), GRANT)
                    .join_as(
                        JoinType::InnerJoin,
                        memberships.memberships.clone(),
                        MEMBERSHIP,
                        Expr::col((MEMBERSHIP, memberships.group.clone()))
                            .equals((GRANT, GROUP_ID.into_iden())),
                    )
                    .cond_where(arm.grants.clone())
                    .to_owned(),
            );
        }
    }
    union_all(selects, USER_ID)
}

/// The groups holding a grant an arm admits; `None` for no arm.
pub(crate) fn groups_granted(arms: &[HolderArm]) -> Option<SelectStatement> {
    let selects = arms
        .iter()
        .map(|arm| {
            Query::select()
                .expr_as(grant_column(GROUP_ID), GROUP_ID)
                .from_as(arm.tables.groups.clone(), GRANT)
                .cond_where(arm.grants.clone())
                .to_owned()
        })
        .collect();
    union_all(selects, GROUP_ID)
}

/// The `UNION ALL` of `selects`, each selecting `column`, as one subquery; `None` for none.
fn union_all(selects: Vec<SelectStatement>, column: &'static str) -> Option<SelectStatement> {
    let mut selects = selects.into_iter();
    let mut first = selects.next()?;
    let mut several = false;
    for select in selects {
        first.union(UnionType::All, select);
        several = true;
    }
    Some(if several {
        derived(first, column, HOLDER)
    } else {
        first
    })
}

/// `(name, model key, object id)` of every grant these users hold (directly or through
/// the groups they are members of) or these groups hold: on whole models and everything
/// (no object id), and on single rows of each of `tables` (model key the table's model
/// name), as one `UNION` without duplicates. `None` when there is no grantee.
pub(crate) fn permissions_held(
    users: &[UserId],
    groups: &[GroupId],
    tables: &[OwnedTable],
    backend: DbBackend,
) -> Option<SelectStatement> {
    if users.is_empty() && groups.is_empty() {
        return None;
    }
    let mut arms = held_arms(
        &GrantTables::whole_model(),
        users,
        groups,
        grant_column(MODEL_KEY),
        object_columns(None, backend),
    );
    for table in tables {
        arms.extend(held_arms(
            &GrantTables::objects_of(table),
            users,
            groups,
            Expr::val(table.model_name),
            object_columns(Some(table.key), backend),
        ));
    }
    let mut arms = arms.into_iter();
    let mut union = arms.next()?;
    for arm in arms {
        union.union(UnionType::Distinct, arm);
    }
    Some(union)
}

/// The key types of the object columns of [`permissions_held`], in column order after the
/// name and the model key: the object id of a grant in the column of its key type, NULL in
/// the others, so the arms of tables keyed by different types union without casting an id
/// to another type.
const HELD_OBJECT_TYPES: [KeyType; 3] = [KeyType::Int, KeyType::Uuid, KeyType::Text];

/// The object columns of an arm of [`permissions_held`]: the grant's object id in the column
/// of `key`, a NULL of each column's type elsewhere (every column, for grants on whole
/// models).
fn object_columns(key: Option<KeyType>, backend: DbBackend) -> Vec<Expr> {
    HELD_OBJECT_TYPES
        .iter()
        .map(|&column| {
            if key == Some(column) {
                column.select(grant_column(OBJECT_ID), backend)
            } else {
                typed_null(column, backend)
            }
        })
        .collect()
}

/// A NULL of a key type's column, so that every arm of a union agrees on each column's type.
fn typed_null(key: KeyType, backend: DbBackend) -> Expr {
    let null = Expr::cust("NULL");
    match (key, backend) {
        (_, DbBackend::Sqlite) => null,
        (KeyType::Int, _) => as_bigint(null, backend),
        (KeyType::Uuid, DbBackend::MySql) => Func::cast_as(null, "BINARY(16)").into(),
        (KeyType::Uuid, _) => Func::cast_as(null, "UUID").into(),
        (KeyType::Text, DbBackend::MySql) => Func::cast_as(null, "CHAR").into(),
        (KeyType::Text, _) => Func::cast_as(null, "TEXT").into(),
    }
}

/// The object id of a row of [`permissions_held`], whichever column holds it.
pub(crate) fn held_object(row: &QueryResult) -> Result<Option<Key>, DbErr> {
    for (index, key) in HELD_OBJECT_TYPES.iter().enumerate() {
        if let Some(id) = key.decode_nullable(row, 2 + index)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The arms of [`permissions_held`] for one pair of grant tables: the users' own grants,
/// and the grants of the groups given or of the groups the users are members of.
fn held_arms(
    tables: &GrantTables,
    users: &[UserId],
    groups: &[GroupId],
    model_key: Expr,
    objects: Vec<Expr>,
) -> Vec<SelectStatement> {
    let arm = |grants: &TableRef, grantee: Condition| {
        let mut select = Query::select();
        select
            .expr_as(grant_column(NAME), NAME)
            .expr_as(model_key.clone(), MODEL_KEY);
        for (object, key) in objects.iter().zip(HELD_OBJECT_TYPES) {
            select.expr_as(
                object.clone(),
                format!("{OBJECT_ID}_{key:?}").to_lowercase(),
            );
        }
        select
            .from_as(grants.clone(), GRANT)
            .cond_where(grantee)
            .to_owned()
    };
    let mut arms = Vec::new();
    let mut of_groups = Condition::any();
    if !users.is_empty() {
        arms.push(arm(
            &tables.users,
            Condition::all().add(grant_column(USER_ID).is_in(users.iter().map(Value::from))),
        ));
        let memberships = &Identity::current().groups;
        of_groups = of_groups.add(
            grant_column(GROUP_ID).in_subquery(
                Query::select()
                    .column(memberships.group.clone())
                    .from(memberships.memberships.clone())
                    .and_where(
                        Expr::col(memberships.member.clone()).is_in(users.iter().map(Value::from)),
                    )
                    .to_owned(),
            ),
        );
    }
    if !groups.is_empty() {
        of_groups = of_groups.add(grant_column(GROUP_ID).is_in(groups.iter().map(Value::from)));
    }
    arms.push(arm(&tables.groups, of_groups));
    arms
}

#[cfg(test)]
mod tests {
    use sea_orm::IdenStatic;

    use super::MODEL_KEY;
    use crate::entity::object_grant::{GROUP_ID, NAME, USER_ID};
    use crate::entity::{permission_group, permission_user};

    /// The whole-model grant tables and every entity's grant tables are read through one
    /// set of column names: the entities must keep spelling them alike.
    #[test]
    fn every_grant_table_names_the_shared_columns_alike() {
        assert_eq!(permission_user::Column::UserId.as_str(), USER_ID);
        assert_eq!(permission_group::Column::GroupId.as_str(), GROUP_ID);
        for name in [
            permission_user::Column::Name.as_str(),
            permission_group::Column::Name.as_str(),
        ] {
            assert_eq!(name, NAME);
        }
        for model_key in [
            permission_user::Column::ModelKey.as_str(),
            permission_group::Column::ModelKey.as_str(),
        ] {
            assert_eq!(model_key, MODEL_KEY);
        }
    }
}
