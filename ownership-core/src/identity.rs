//! The SQL the scopes run against the identity tables, and the only code that knows their
//! shape: bringing an application's own user table means changing this module.
//!
//! Every subquery is uncorrelated (it never refers to the owned table), so the database
//! evaluates it once per statement, and it starts from the asking user's row with
//! `is_active` checked: a user deactivated or deleted after it was loaded gets nothing.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement};

use crate::entity::{user, user_profile as profile};

/// The asking user's row.
const SUBJECT: &str = "ownership_subject";
/// A profile of the asking user.
const SUBJECT_PROFILE: &str = "ownership_subject_profile";
/// The profile that owns a row.
const OWNER_PROFILE: &str = "ownership_owner_profile";
/// The user behind the owning profile.
const OWNER_USER: &str = "ownership_owner_user";

/// A flag of the user table, for [`user_is`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Flag {
    Staff,
    Superuser,
}

impl Flag {
    fn column(self) -> user::Column {
        match self {
            Flag::Staff => user::Column::IsStaff,
            Flag::Superuser => user::Column::IsSuperuser,
        }
    }
}

/// `EXISTS (the user is active and has the flag)`.
pub(crate) fn user_is(user_id: i64, flag: Flag) -> Expr {
    Expr::exists(
        Query::select()
            .expr(Expr::cust("1"))
            .from_as(user::Entity, SUBJECT)
            .and_where(Expr::col((SUBJECT, user::Column::Id)).eq(user_id))
            .and_where(Expr::col((SUBJECT, user::Column::IsActive)).eq(true))
            .and_where(Expr::col((SUBJECT, flag.column())).eq(true))
            .to_owned(),
    )
}

/// The profiles of the user, if active, selecting `column` of each.
fn active_user_profiles(user_id: i64, column: profile::Column) -> SelectStatement {
    Query::select()
        .column((SUBJECT_PROFILE, column))
        .from_as(profile::Entity, SUBJECT_PROFILE)
        .join_as(
            JoinType::InnerJoin,
            user::Entity,
            SUBJECT,
            Expr::col((SUBJECT, user::Column::Id))
                .equals((SUBJECT_PROFILE, profile::Column::UserId)),
        )
        .and_where(Expr::col((SUBJECT_PROFILE, profile::Column::UserId)).eq(user_id))
        .and_where(Expr::col((SUBJECT, user::Column::IsActive)).eq(true))
        .to_owned()
}

/// The ids of the user's profiles (empty unless the user is active).
pub(crate) fn profiles_of(user_id: i64) -> SelectStatement {
    active_user_profiles(user_id, profile::Column::Id)
}

/// The ids of the accounts the user holds a profile in (empty unless the user is active).
fn accounts_of(user_id: i64) -> SelectStatement {
    active_user_profiles(user_id, profile::Column::AccountId)
}

/// `SELECT id FROM profile [JOIN its user] WHERE condition`, the owner profiles a branch
/// accepts.
fn owner_profiles(condition: Expr, join_owner_user: bool) -> SelectStatement {
    let mut select = Query::select();
    select
        .column((OWNER_PROFILE, profile::Column::Id))
        .from_as(profile::Entity, OWNER_PROFILE);
    if join_owner_user {
        select.join_as(
            JoinType::InnerJoin,
            user::Entity,
            OWNER_USER,
            Expr::col((OWNER_USER, user::Column::Id))
                .equals((OWNER_PROFILE, profile::Column::UserId)),
        );
    }
    select.and_where(condition).to_owned()
}

/// `owner profile in one of the user's accounts`.
fn in_accounts_of(user_id: i64) -> Expr {
    Expr::col((OWNER_PROFILE, profile::Column::AccountId)).in_subquery(accounts_of(user_id))
}

/// `owner profile belongs to the user`.
fn is_own_profile(user_id: i64) -> Expr {
    Expr::col((OWNER_PROFILE, profile::Column::UserId)).eq(user_id)
}

/// The profiles whose rows the user manages by ownership (rule 2 without grants): its own,
/// and, when `as_staff`, every profile in an account where it holds a profile. Staff status
/// is confirmed in the database.
pub(crate) fn managed_profiles(user_id: i64, as_staff: bool) -> SelectStatement {
    let mine_or_staff = if as_staff {
        is_own_profile(user_id).or(user_is(user_id, Flag::Staff))
    } else {
        is_own_profile(user_id)
    };
    owner_profiles(in_accounts_of(user_id).and(mine_or_staff), false)
}

/// The profiles whose rows the user reads by ownership (rule 3 without grants): those it
/// manages, those of staff users in its accounts, and those of superusers (for a user with
/// at least one profile).
pub(crate) fn readable_profiles(user_id: i64, as_staff: bool) -> SelectStatement {
    let owner_is = |flag: Flag| Expr::col((OWNER_USER, flag.column())).eq(true);
    let mut in_my_accounts_when = is_own_profile(user_id).or(owner_is(Flag::Staff));
    if as_staff {
        in_my_accounts_when = in_my_accounts_when.or(user_is(user_id, Flag::Staff));
    }
    let condition = in_accounts_of(user_id)
        .and(in_my_accounts_when)
        .or(owner_is(Flag::Superuser).and(Expr::exists(profiles_of(user_id))));
    owner_profiles(condition, true)
}
