//! The SQL the scopes and holder queries run against the permission tables, and the only
//! read-side code that knows their shape.

use sea_orm::Condition;
use sea_orm::sea_query::{Expr, ExprTrait, Func, JoinType, Query, SelectStatement, UnionType};

use crate::derived::derived;
use crate::entity::{group_member, permission_group, permission_user};
use crate::identity;
use crate::plan::{CANDIDATE_ID, CandidateSource, Keyset, OwnedTable, PAGE_PART, PAGE_ROW};
use crate::subject::SubjectUser;

const USER_GRANT: &str = "ownership_pu";
const GROUP_GRANT: &str = "ownership_pg";
const MEMBERSHIP: &str = "ownership_gm";
const GRANT: &str = "ownership_grant";
/// The union of a user's direct and group grants of a scope's names.
const GRANTED_OBJECT: &str = "ownership_granted_object";
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

/// What a holder question reads off the grants users hold.
#[derive(Clone, Copy, Debug)]
enum HeldColumn {
    PermissionId,
    UserId,
}

/// `column` of every grant users hold, their own and, `with_groups`, those of the groups
/// they are members of, that satisfies `grants(user)`: a condition over the grant's
/// [`GrantColumn`]s (both arms alias the grant table `ownership_grant`) and over `user`,
/// the column naming the user in that arm.
///
/// The condition goes into each arm rather than around the union, so that every database
/// reads each grant table through its indexes: MariaDB would first materialize the union
/// of every grant. Each list in the condition is so bound once per grant table.
fn user_grants(
    column: HeldColumn,
    with_groups: bool,
    grants: impl Fn(Expr) -> Condition,
) -> SelectStatement {
    // The column of each arm, named after the user grant table's.
    let (output, direct_column, group_column) = match column {
        HeldColumn::PermissionId => (
            permission_user::Column::PermissionId,
            Expr::col((GRANT, permission_user::Column::PermissionId)),
            Expr::col((GRANT, permission_group::Column::PermissionId)),
        ),
        HeldColumn::UserId => (
            permission_user::Column::UserId,
            Expr::col((GRANT, permission_user::Column::UserId)),
            Expr::col((MEMBERSHIP, group_member::Column::UserId)),
        ),
    };
    let mut direct = Query::select();
    direct
        .expr_as(direct_column, output)
        .from_as(permission_user::Entity, GRANT)
        .cond_where(grants(Expr::col((GRANT, permission_user::Column::UserId))));
    if !with_groups {
        return direct;
    }
    let through_groups = Query::select()
        .expr_as(group_column, output)
        .from_as(permission_group::Entity, GRANT)
        .join_as(
            JoinType::InnerJoin,
            group_member::Entity,
            MEMBERSHIP,
            Expr::col((MEMBERSHIP, group_member::Column::GroupId))
                .equals((GRANT, permission_group::Column::GroupId)),
        )
        .cond_where(grants(Expr::col((
            MEMBERSHIP,
            group_member::Column::UserId,
        ))))
        .to_owned();
    direct.union(UnionType::All, through_groups);
    derived(direct, output, HOLDER)
}

/// The name, model key and object copied onto every grant row. Both grant tables name
/// these columns alike, so one column serves either table and the union of the two.
#[derive(Clone, Copy, Debug)]
pub(crate) enum GrantColumn {
    Name,
    ModelKey,
    ObjectId,
}

impl GrantColumn {
    /// The column of the grant table (or union of grant tables) aliased `table`.
    fn of(self, table: &'static str) -> Expr {
        Expr::col((table, self.user_grant_column()))
    }

    /// The column of the user grant table, whose names both tables share.
    fn user_grant_column(self) -> permission_user::Column {
        match self {
            GrantColumn::Name => permission_user::Column::Name,
            GrantColumn::ModelKey => permission_user::Column::ModelKey,
            GrantColumn::ObjectId => permission_user::Column::ObjectId,
        }
    }

    /// The column as holder questions see it, through the `ownership_grant` alias of
    /// [`users_granted`] and [`groups_granted`].
    pub(crate) fn expr(self) -> Expr {
        self.of(GRANT)
    }
}

/// The ids of the permissions the users hold, directly or through their groups.
pub(crate) fn held_by_users(users: &[i64]) -> SelectStatement {
    user_grants(HeldColumn::PermissionId, true, |user| {
        Condition::all().add(user.is_in(users.iter().copied()))
    })
}

/// The ids of the permissions granted to these groups.
pub(crate) fn held_by_groups(groups: &[i64]) -> SelectStatement {
    Query::select()
        .column((GROUP_GRANT, permission_group::Column::PermissionId))
        .from_as(permission_group::Entity, GROUP_GRANT)
        .and_where(
            Expr::col((GROUP_GRANT, permission_group::Column::GroupId))
                .is_in(groups.iter().copied()),
        )
        .to_owned()
}

/// Which grants a scope branch counts: whose, of which names, and how.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held<'a> {
    /// The user, as loaded.
    pub(crate) user: &'a SubjectUser,
    pub(crate) names: &'a [&'a str],
    pub(crate) with_groups: bool,
    /// Whether grants on every object of the model, or of every model, count.
    pub(crate) whole_model: bool,
    /// Whether an object must be held under every one of the names, not under one of them.
    pub(crate) every_name: bool,
}

impl Held<'_> {
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

    /// `SELECT <columns> FROM <grant table> WHERE <grantee> AND model_key IN (..) AND name
    /// IN (names) [AND object_id IS NULL]`: one range of the table's `held` index per
    /// grantee, for the user's own grants and, `with_groups`, those of its groups.
    fn grant_rows(
        &self,
        names: &[&str],
        model_keys: &[&str],
        whole_model: bool,
        columns: &[GrantColumn],
    ) -> SelectStatement {
        grants_of_user(self.user.id, self.with_groups, columns, |grants| {
            let mut narrow = Condition::all()
                .add(
                    GrantColumn::ModelKey
                        .of(grants)
                        .is_in(model_keys.iter().copied()),
                )
                .add(GrantColumn::Name.of(grants).is_in(names.iter().copied()));
            if whole_model {
                narrow = narrow.add(GrantColumn::ObjectId.of(grants).is_null());
            }
            narrow
        })
    }

    /// The ids of the objects of `model_name` granted under one of `names`, each by a grant
    /// on that very object (or, `whole_model`, the ids of grants on every object: none).
    fn granted_ids(
        &self,
        names: &[&str],
        model_keys: &[&str],
        whole_model: bool,
    ) -> SelectStatement {
        let rows = self.grant_rows(names, model_keys, whole_model, &[GrantColumn::ObjectId]);
        if self.with_groups {
            derived(rows, permission_user::Column::ObjectId, GRANTED_OBJECT)
        } else {
            rows
        }
    }

    /// The names of `names` held on every object of `model_name`, or of every model,
    /// without duplicates (a name may be held on the model and on every model), since
    /// they are counted.
    fn names_on_whole_model(&self, names: &[&str], model_name: &str) -> SelectStatement {
        let rows = self.grant_rows(names, &[model_name, ""], true, &[GrantColumn::Name]);
        derived(rows, permission_user::Column::Name, WHOLE_MODEL_NAME)
            .distinct()
            .to_owned()
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
        if self.needs_several() {
            let every_name = self.names.len() as i64;
            return Self::count_of(self.names_on_whole_model(self.names, model_name))
                .eq(every_name);
        }
        Expr::exists(self.granted_ids(self.names, &[model_name, ""], true))
    }
}

impl CandidateSource for Held<'_> {
    /// The ids of the objects of the table's model the user holds the names on: one of them, or
    /// every one when every name is needed, each by a grant on that very object (or, for
    /// every name, by a grant on the whole model the snapshot claims and the database still
    /// holds).
    ///
    /// Every name is one grouped subquery, `GROUP BY object HAVING COUNT(DISTINCT name) =
    /// n`, whatever the number of names: a conjunct per name would nest the statement as
    /// deep as the list is long.
    fn ids(&self, table: &OwnedTable) -> SelectStatement {
        let model_name = table.model_name;
        if !self.needs_several() {
            return self.granted_ids(self.names, &[model_name], false);
        }
        let held = |column: GrantColumn| column.of(HELD_NAME);
        let mut objects = Query::select();
        objects
            .column((HELD_NAME, permission_user::Column::ObjectId))
            .from_subquery(
                self.grant_rows(
                    self.names,
                    &[model_name],
                    false,
                    &[GrantColumn::ObjectId, GrantColumn::Name],
                ),
                HELD_NAME,
            )
            .group_by_col((HELD_NAME, permission_user::Column::ObjectId));
        let every_name = self.names.len() as i64;
        let claimed = if self.whole_model {
            self.claimed_whole_model(model_name)
        } else {
            Vec::new()
        };
        let needed = if claimed.is_empty() {
            Expr::val(every_name)
        } else {
            // A name held on the whole model is held on this object: count it once, there.
            objects.and_where(
                held(GrantColumn::Name)
                    .not_in_subquery(self.names_on_whole_model(&claimed, model_name)),
            );
            Expr::val(every_name).sub(Self::count_of(
                self.names_on_whole_model(&claimed, model_name),
            ))
        };
        objects.and_having(Expr::expr(Func::count_distinct(held(GrantColumn::Name))).eq(needed));
        derived(
            objects.to_owned(),
            permission_user::Column::ObjectId,
            HELD_OBJECT,
        )
    }

    /// The objects of the table's model the user holds one of the names on, each by a grant on that very
    /// object, as limited lists for a page: one per name directly and one per name through
    /// groups, each one ordered range of the `held` index (with `LATERAL`, one range per
    /// group). A grant whose object no longer exists is skipped inside its list, so it
    /// never takes the place of a row that does.
    fn page_lists(&self, table: &OwnedTable, keyset: &Keyset) -> Vec<SelectStatement> {
        let owned = table;
        let list = |grants: &'static str, object_id: Expr, name: &str| {
            let mut list = Query::select();
            list.expr_as(object_id.clone(), CANDIDATE_ID)
                .join_as(
                    JoinType::InnerJoin,
                    owned.table.clone(),
                    PAGE_ROW,
                    Expr::col((PAGE_ROW, owned.id.clone())).eq(object_id),
                )
                .and_where(GrantColumn::ModelKey.of(grants).eq(owned.model_name))
                .and_where(GrantColumn::Name.of(grants).eq(name));
            keyset.skip_owned(&mut list, (PAGE_ROW, owned.owner.clone()));
            list
        };
        let mut lists = Vec::new();
        for name in self.names {
            let object_id = GrantColumn::ObjectId.of(USER_GRANT);
            let mut direct = list(USER_GRANT, object_id, name);
            direct
                .from_as(permission_user::Entity, USER_GRANT)
                .and_where(
                    Expr::col((USER_GRANT, permission_user::Column::UserId)).eq(self.user.id),
                );
            keyset.take(&mut direct, (USER_GRANT, permission_user::Column::ObjectId));
            lists.push(direct);
            if !self.with_groups {
                continue;
            }
            let object_id = GrantColumn::ObjectId.of(GROUP_GRANT);
            let mut through_groups = list(GROUP_GRANT, object_id, name);
            through_groups.from_as(permission_group::Entity, GROUP_GRANT);
            let group = Expr::col((GROUP_GRANT, permission_group::Column::GroupId));
            if !keyset.lateral {
                // Distinct: two of the user's groups may hold the name on one object, and a
                // duplicate would take the place of another object under the limit.
                through_groups
                    .distinct()
                    .and_where(group.in_subquery(identity::groups_of(self.user.id)));
                keyset.take(
                    &mut through_groups,
                    (GROUP_GRANT, permission_group::Column::ObjectId),
                );
                lists.push(through_groups);
                continue;
            }
            through_groups.and_where(group.equals((MEMBERSHIP, group_member::Column::GroupId)));
            keyset.take(
                &mut through_groups,
                (GROUP_GRANT, permission_group::Column::ObjectId),
            );
            lists.push(
                Query::select()
                    .expr_as(Expr::col((PAGE_PART, CANDIDATE_ID)), CANDIDATE_ID)
                    .from_as(group_member::Entity, MEMBERSHIP)
                    .join_lateral(
                        JoinType::InnerJoin,
                        through_groups,
                        PAGE_PART,
                        Expr::cust("TRUE"),
                    )
                    .and_where(
                        Expr::col((MEMBERSHIP, group_member::Column::UserId)).eq(self.user.id),
                    )
                    .to_owned(),
            );
        }
        lists
    }
}

/// The (name, model key) of every grant on every object that the user holds directly or
/// through a group it is a member of now.
pub(crate) fn whole_model_grants_of(user_id: i64) -> SelectStatement {
    grants_of_user(
        user_id,
        true,
        &[GrantColumn::Name, GrantColumn::ModelKey],
        |grants| Condition::all().add(GrantColumn::ObjectId.of(grants).is_null()),
    )
}

/// `columns` of the grants one user holds that satisfy `narrow(alias of the grant table)`:
/// its own and, `with_groups`, as a `UNION` (duplicate-free, like the candidate sets it goes
/// into) with those of the groups it is a member of now. The columns are named as in the
/// user grant table.
fn grants_of_user(
    user_id: i64,
    with_groups: bool,
    columns: &[GrantColumn],
    narrow: impl Fn(&'static str) -> Condition,
) -> SelectStatement {
    let arm = |grants: &'static str| {
        let mut select = Query::select();
        for column in columns {
            select.expr_as(column.of(grants), column.user_grant_column());
        }
        select.cond_where(narrow(grants));
        select
    };
    let mut direct = arm(USER_GRANT);
    direct
        .from_as(permission_user::Entity, USER_GRANT)
        .and_where(Expr::col((USER_GRANT, permission_user::Column::UserId)).eq(user_id));
    if with_groups {
        let mut through_groups = arm(GROUP_GRANT);
        through_groups
            .from_as(permission_group::Entity, GROUP_GRANT)
            .and_where(
                Expr::col((GROUP_GRANT, permission_group::Column::GroupId))
                    .in_subquery(identity::groups_of(user_id)),
            );
        direct.union(UnionType::Distinct, through_groups);
    }
    direct
}

/// The users holding a grant that satisfies `grants` (over [`GrantColumn`]s): granted
/// directly, and, `with_groups`, through a group they are a member of.
pub(crate) fn users_granted(grants: Condition, with_groups: bool) -> SelectStatement {
    user_grants(HeldColumn::UserId, with_groups, |_| grants.clone())
}

/// The groups holding a grant that satisfies `grants` (over [`GrantColumn`]s).
pub(crate) fn groups_granted(grants: Condition) -> SelectStatement {
    Query::select()
        .column((GRANT, permission_group::Column::GroupId))
        .from_as(permission_group::Entity, GRANT)
        .cond_where(grants)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Iden;

    use crate::entity::{permission_group, permission_user};

    /// [`super::GrantColumn`] names a column of either grant table by the user table's
    /// column: the two must stay spelled alike.
    #[test]
    fn both_grant_tables_name_the_copied_columns_alike() {
        let pairs = [
            (
                permission_user::Column::Name,
                permission_group::Column::Name,
            ),
            (
                permission_user::Column::ModelKey,
                permission_group::Column::ModelKey,
            ),
            (
                permission_user::Column::ObjectId,
                permission_group::Column::ObjectId,
            ),
        ];
        for (user, group) in pairs {
            assert_eq!(user.to_string(), group.to_string());
        }
    }
}
