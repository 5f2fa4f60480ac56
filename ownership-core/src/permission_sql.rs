//! The SQL the scopes and holder queries run against the permission tables, and the only
//! read-side code that knows their shape.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};

use crate::entity::{content_type, group_member, permission, permission_group, permission_user};
use crate::identity;

const PERMISSION: &str = "ownership_p";
const CONTENT_TYPE: &str = "ownership_ct";
const USER_GRANT: &str = "ownership_pu";
const GROUP_GRANT: &str = "ownership_pg";
const MEMBERSHIP: &str = "ownership_gm";
const GRANT: &str = "ownership_grant";

/// The ids of the permissions the user holds: granted to it directly, or, `with_groups`,
/// to a group it is a member of now.
pub(crate) fn held_by(user_id: i64, with_groups: bool) -> SelectStatement {
    let mut direct = Query::select();
    direct
        .column((USER_GRANT, permission_user::Column::PermissionId))
        .from_as(permission_user::Entity, USER_GRANT)
        .and_where(Expr::col((USER_GRANT, permission_user::Column::UserId)).eq(user_id));
    if with_groups {
        let through_groups = Query::select()
            .column((GROUP_GRANT, permission_group::Column::PermissionId))
            .from_as(permission_group::Entity, GROUP_GRANT)
            .and_where(
                Expr::col((GROUP_GRANT, permission_group::Column::GroupId))
                    .in_subquery(identity::groups_of(user_id)),
            )
            .to_owned();
        direct.union(UnionType::All, through_groups);
    }
    direct.to_owned()
}

/// Every (permission, user) pair a user holds: its own grants and, `with_groups`, those of
/// the groups it is a member of, as a table `ownership_grant(permission_id, user_id)`.
///
/// Callers filter the table once, so each list they filter by is bound once.
fn user_grants(with_groups: bool) -> SelectStatement {
    let mut direct = Query::select();
    direct
        .column((USER_GRANT, permission_user::Column::PermissionId))
        .column((USER_GRANT, permission_user::Column::UserId))
        .from_as(permission_user::Entity, USER_GRANT);
    if with_groups {
        let through_groups = Query::select()
            .column((GROUP_GRANT, permission_group::Column::PermissionId))
            .column((MEMBERSHIP, group_member::Column::UserId))
            .from_as(permission_group::Entity, GROUP_GRANT)
            .join_as(
                JoinType::InnerJoin,
                group_member::Entity,
                MEMBERSHIP,
                Expr::col((MEMBERSHIP, group_member::Column::GroupId))
                    .equals((GROUP_GRANT, permission_group::Column::GroupId)),
            )
            .to_owned();
        direct.union(UnionType::All, through_groups);
    }
    direct.to_owned()
}

/// The ids of the permissions the users hold, directly or through their groups.
pub(crate) fn held_by_users(users: &[i64]) -> SelectStatement {
    Query::select()
        .column((GRANT, permission_user::Column::PermissionId))
        .from_subquery(user_grants(true), GRANT)
        .and_where(Expr::col((GRANT, permission_user::Column::UserId)).is_in(users.iter().copied()))
        .to_owned()
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

/// Which grants a scope branch counts: whose, and of which names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held<'a> {
    pub(crate) user_id: i64,
    pub(crate) names: &'a [&'a str],
    pub(crate) with_groups: bool,
}

impl Held<'_> {
    /// The ids of the objects of `model_name` the user holds one of the names on, each by a
    /// grant on that very object.
    pub(crate) fn objects(&self, model_name: &str) -> SelectStatement {
        Query::select()
            .column((CONTENT_TYPE, content_type::Column::ObjectId))
            .from_as(content_type::Entity, CONTENT_TYPE)
            .join_as(
                JoinType::InnerJoin,
                permission::Entity,
                PERMISSION,
                Expr::col((PERMISSION, permission::Column::ContentTypeId))
                    .equals((CONTENT_TYPE, content_type::Column::Id)),
            )
            .and_where(Expr::col((CONTENT_TYPE, content_type::Column::ModelName)).eq(model_name))
            .and_where(
                Expr::col((PERMISSION, permission::Column::Name)).is_in(self.names.iter().copied()),
            )
            .and_where(
                Expr::col((PERMISSION, permission::Column::Id))
                    .in_subquery(held_by(self.user_id, self.with_groups)),
            )
            .to_owned()
    }

    /// `EXISTS (the user holds one of the names on every object of `model_name`, or on
    /// every object of every model)`.
    pub(crate) fn on_whole_model(&self, model_name: &str) -> Expr {
        Expr::exists(
            Query::select()
                .expr(Expr::cust("1"))
                .from_as(permission::Entity, PERMISSION)
                .and_where(Expr::col((PERMISSION, permission::Column::ContentTypeId)).is_null())
                .and_where(
                    Expr::col((PERMISSION, permission::Column::ModelName))
                        .eq(model_name)
                        .or(Expr::col((PERMISSION, permission::Column::ModelName)).is_null()),
                )
                .and_where(
                    Expr::col((PERMISSION, permission::Column::Name))
                        .is_in(self.names.iter().copied()),
                )
                .and_where(
                    Expr::col((PERMISSION, permission::Column::Id))
                        .in_subquery(held_by(self.user_id, self.with_groups)),
                )
                .to_owned(),
        )
    }
}

/// The users granted one of `permission_ids` directly, and, `with_groups`, the members of
/// groups granted one.
pub(crate) fn users_granted(permission_ids: SelectStatement, with_groups: bool) -> SelectStatement {
    Query::select()
        .column((GRANT, permission_user::Column::UserId))
        .from_subquery(user_grants(with_groups), GRANT)
        .and_where(
            Expr::col((GRANT, permission_user::Column::PermissionId)).in_subquery(permission_ids),
        )
        .to_owned()
}

/// The groups granted one of `permission_ids`.
pub(crate) fn groups_granted(permission_ids: SelectStatement) -> SelectStatement {
    Query::select()
        .column((GROUP_GRANT, permission_group::Column::GroupId))
        .from_as(permission_group::Entity, GROUP_GRANT)
        .and_where(
            Expr::col((GROUP_GRANT, permission_group::Column::PermissionId))
                .in_subquery(permission_ids),
        )
        .to_owned()
}
