//! The ownership source: the owner profiles a subject reads or manages, and whether the
//! asking user exists and holds a flag, as SQL over the identity's tables (whichever
//! [`Identity`] is in use; this module knows no table of its own).
//!
//! Every subquery is uncorrelated (it never refers to the owned table), so the database
//! evaluates it once per statement. Whether the asking user exists (with the snapshot's
//! security stamp) and is active is checked once per scope, by [`user_is`] with no flag,
//! ANDed to all its branches.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};
use sea_orm::{DbBackend, Value};

use crate::derived::derived;
use crate::identity::{Identity, UserFlag};
use crate::key::Key;
use crate::owned::OwnedEntity;
use crate::plan::{OWNER_ID, OwnedTable, ReasonSource, ReasonValues, reason_row};
use crate::subject::SubjectUser;

/// The asking user's row.
const SUBJECT: &str = "ownership_subject";
/// A profile of the asking user.
const SUBJECT_PROFILE: &str = "ownership_subject_profile";
/// The profile that owns a row.
const OWNER_PROFILE: &str = "ownership_owner_profile";
/// The user behind the owning profile.
const OWNER_USER: &str = "ownership_owner_user";
/// A group membership of the asking user.
const SUBJECT_MEMBERSHIP: &str = "ownership_subject_membership";
/// The union of the profiles whose rows the asking user reads by ownership.
const READABLE_PROFILE: &str = "ownership_readable_profile";
/// The column of the asking user's accounts.
const ACCOUNT_ID: &str = "ownership_account_id";

/// A flag of the user, for [`user_is`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Flag {
    Staff,
    Superuser,
}

impl Flag {
    fn of(self, identity: &Identity) -> &UserFlag {
        match self {
            Flag::Staff => &identity.users.staff,
            Flag::Superuser => &identity.users.superuser,
        }
    }
}

/// `EXISTS (the user exists with the snapshot's stamp, is active [and has the flag])`.
///
/// The stamp makes sure the row is still the user the snapshot was loaded for, not a new
/// user given the id of a deleted one.
pub(crate) fn user_is(user: &SubjectUser, flag: Option<Flag>) -> Expr {
    let identity = Identity::current();
    let users = &identity.users;
    let mut select = Query::select();
    select
        .expr(Expr::cust("1"))
        .from_as(users.keyed.table.clone(), SUBJECT)
        .and_where(Expr::col((SUBJECT, users.keyed.id.clone())).eq(Value::from(&user.id)))
        .and_where(users.active.holds(SUBJECT));
    if let (Some(stamp), Some(value)) = (&users.security_stamp, &user.security_stamp) {
        select.and_where(Expr::col((SUBJECT, stamp.clone())).eq(value.as_str()));
    }
    if let Some(flag) = flag {
        select.and_where(flag.of(identity).holds(SUBJECT));
    }
    Expr::exists(select.to_owned())
}

/// The user's profiles, selecting the id of each as [`OWNER_ID`], or its account.
fn user_profiles(user: &Key, account: bool) -> SelectStatement {
    let profiles = &Identity::current().profiles;
    let (column, alias) = if account {
        (profiles.account.clone(), ACCOUNT_ID)
    } else {
        (profiles.keyed.id.clone(), OWNER_ID)
    };
    Query::select()
        .expr_as(Expr::col((SUBJECT_PROFILE, column)), alias)
        .from_as(profiles.keyed.table.clone(), SUBJECT_PROFILE)
        .and_where(Expr::col((SUBJECT_PROFILE, profiles.user.clone())).eq(Value::from(user)))
        .to_owned()
}

/// The ids of the user's profiles.
pub(crate) fn profiles_of(user: &Key) -> SelectStatement {
    user_profiles(user, false)
}

/// The ids of the user's profiles while the database confirms the user (see [`user_is`]),
/// none otherwise: the rows a subject owns, to leave out of what is shared with it. A
/// snapshot the database no longer confirms owns nothing, as a fresh load of that user
/// does not, so it keeps the rows shared with anyone that it once owned.
pub(crate) fn confirmed_profiles_of(user: &SubjectUser) -> SelectStatement {
    let mut profiles = profiles_of(user.id.key());
    profiles.and_where(user_is(user, None));
    profiles
}

/// The ids of the groups the user is a member of.
pub(crate) fn groups_of(user: &Key) -> SelectStatement {
    Identity::current().groups_of(user, SUBJECT_MEMBERSHIP)
}

/// `SELECT id AS OWNER_ID FROM profile [JOIN its user] WHERE condition`: the owner profiles
/// a branch accepts.
fn owner_profiles(condition: Expr, join_owner_user: bool) -> SelectStatement {
    let identity = Identity::current();
    let profiles = &identity.profiles;
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((OWNER_PROFILE, profiles.keyed.id.clone())),
            OWNER_ID,
        )
        .from_as(profiles.keyed.table.clone(), OWNER_PROFILE);
    if join_owner_user {
        let users = &identity.users.keyed;
        select.join_as(
            JoinType::InnerJoin,
            users.table.clone(),
            OWNER_USER,
            Expr::col((OWNER_USER, users.id.clone()))
                .equals((OWNER_PROFILE, profiles.user.clone())),
        );
    }
    select.and_where(condition).to_owned()
}

/// `owner profile in one of the user's accounts`.
fn in_accounts_of(user: &Key) -> Expr {
    let profiles = &Identity::current().profiles;
    Expr::col((OWNER_PROFILE, profiles.account.clone())).in_subquery(user_profiles(user, true))
}

/// `owner profile belongs to the user`.
fn is_own_profile(user: &Key) -> Expr {
    let profiles = &Identity::current().profiles;
    Expr::col((OWNER_PROFILE, profiles.user.clone())).eq(Value::from(user))
}

/// The profiles whose rows the user manages by ownership (rule 2 without grants): its own,
/// and, for a snapshot of a staff user, every profile in an account where it holds a
/// profile. Staff status is confirmed in the database.
pub(crate) fn managed_profiles(user: &SubjectUser) -> SelectStatement {
    let id = user.id.key();
    if !user.is_staff {
        return profiles_of(id);
    }
    let mine_or_staff = is_own_profile(id).or(user_is(user, Some(Flag::Staff)));
    owner_profiles(in_accounts_of(id).and(mine_or_staff), false)
}

/// Which of rule 3's ownership branches beyond management an entity admits: its
/// [`OwnedEntity`] read options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadArms {
    /// The profiles of staff users in the reader's accounts
    /// ([`OwnedEntity::STAFF_ROWS_READABLE_BY_ACCOUNT`]).
    pub(crate) staff: bool,
    /// The profiles of superusers, for a reader with a profile
    /// ([`OwnedEntity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS`]).
    pub(crate) superuser: bool,
}

impl ReadArms {
    /// The arms `E` asks for.
    pub(crate) fn of<E: OwnedEntity>() -> Self {
        Self {
            staff: E::STAFF_ROWS_READABLE_BY_ACCOUNT,
            superuser: E::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS,
        }
    }
}

/// The profiles whose rows the user reads by ownership (rule 3 without grants): those it
/// manages, and, as `arms` asks, those of staff users in its accounts and those of
/// superusers (for a user with at least one profile).
///
/// A union of arms that each start from an index (the user's profiles; the profiles of its
/// accounts; the superusers), rather than one condition over every profile and its user. An
/// arm the entity does not ask for is left out of the statement, not switched off inside
/// it; with neither, the profiles are those it manages, without a union.
pub(crate) fn readable_profiles(user: &SubjectUser, arms: ReadArms) -> SelectStatement {
    let identity = Identity::current();
    let id = user.id.key();
    let owner_is = |flag: Flag| flag.of(identity).holds(OWNER_USER);
    let mut extra = Vec::new();
    // An arm whose flag no user can hold reads nothing and is left out.
    if arms.staff && !identity.users.staff.is_never() {
        extra.push(owner_profiles(
            in_accounts_of(id).and(owner_is(Flag::Staff)),
            true,
        ));
    }
    if arms.superuser && !identity.users.superuser.is_never() {
        extra.push(owner_profiles(
            owner_is(Flag::Superuser).and(Expr::exists(profiles_of(id))),
            true,
        ));
    }
    let mut readable = managed_profiles(user);
    if extra.is_empty() {
        return readable;
    }
    readable.unions(extra.into_iter().map(|arm| (UnionType::All, arm)));
    derived(readable, OWNER_ID, READABLE_PROFILE)
}

/// Why a user's ownership admits a row (the reasons of the owner branch): one of its
/// profiles owns it; it is staff of the owner's account; and, for a read scope as `arms`
/// asks, the owner is a staff user of one of its accounts, or a superuser.
pub(crate) struct OwnershipReasons<'a> {
    pub(crate) user: &'a SubjectUser,
    /// The read scope's extra arms; `None` for a manage scope.
    pub(crate) read_arms: Option<ReadArms>,
}

impl OwnershipReasons<'_> {
    /// The reason `kind` when the row `id` of `table` is owned by one of `owners`.
    fn when_owned(
        table: &OwnedTable,
        id: &Value,
        kind: &'static str,
        owners: SelectStatement,
    ) -> SelectStatement {
        let mut select = Query::select();
        reason_row(
            &mut select,
            kind,
            ReasonValues::default(),
            Identity::current().groups.keyed.key,
        );
        select
            .from(table.table.clone())
            .and_where(Expr::col(table.id.clone()).eq(id.clone()))
            .and_where(Expr::col(table.owner.clone()).in_subquery(owners));
        select
    }
}

impl ReasonSource for OwnershipReasons<'_> {
    fn reasons(&self, table: &OwnedTable, id: &Value, _: DbBackend) -> Vec<SelectStatement> {
        let identity = Identity::current();
        let user = self.user.id.key();
        let owner_is = |flag: Flag| flag.of(identity).holds(OWNER_USER);
        let mut reasons = vec![Self::when_owned(table, id, "owner", profiles_of(user))];
        if self.user.is_staff {
            let staff = in_accounts_of(user).and(user_is(self.user, Some(Flag::Staff)));
            reasons.push(Self::when_owned(
                table,
                id,
                "account_staff",
                owner_profiles(staff, false),
            ));
        }
        let arms = self.read_arms.unwrap_or(ReadArms {
            staff: false,
            superuser: false,
        });
        if arms.staff && !identity.users.staff.is_never() {
            let owners = owner_profiles(in_accounts_of(user).and(owner_is(Flag::Staff)), true);
            reasons.push(Self::when_owned(
                table,
                id,
                "owned_by_account_staff",
                owners,
            ));
        }
        if arms.superuser && !identity.users.superuser.is_never() {
            let owners = owner_profiles(
                owner_is(Flag::Superuser).and(Expr::exists(profiles_of(user))),
                true,
            );
            reasons.push(Self::when_owned(table, id, "owned_by_superuser", owners));
        }
        reasons
    }
}

/// Why a superuser reaches every row: the database still holds its flag.
pub(crate) struct SuperuserReason<'a>(pub(crate) &'a SubjectUser);

impl ReasonSource for SuperuserReason<'_> {
    fn reasons(&self, _: &OwnedTable, _: &Value, _: DbBackend) -> Vec<SelectStatement> {
        let mut select = Query::select();
        reason_row(
            &mut select,
            "superuser",
            ReasonValues::default(),
            Identity::current().groups.keyed.key,
        );
        select.and_where(user_is(self.0, Some(Flag::Superuser)));
        vec![select]
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;
    use sea_orm::sea_query::SelectStatement;

    use super::{ReadArms, managed_profiles, readable_profiles};
    use crate::subject::SubjectUser;

    fn user(is_staff: bool) -> SubjectUser {
        SubjectUser {
            id: 7.into(),
            is_active: true,
            is_staff,
            is_superuser: false,
            security_stamp: Some("0".repeat(32)),
            profiles: Vec::new(),
            group_ids: Vec::new(),
            whole_model_grants: Vec::new(),
        }
    }

    fn sql(select: &SelectStatement) -> String {
        DbBackend::Postgres.build(select).to_string()
    }

    const STAFF_ARM: &str = r#""ownership_owner_user"."is_staff""#;
    const SUPERUSER_ARM: &str = r#""ownership_owner_user"."is_superuser""#;

    #[test]
    fn an_arm_left_off_is_not_in_the_statement() {
        for is_staff in [false, true] {
            let user = user(is_staff);
            let arms =
                |staff, superuser| sql(&readable_profiles(&user, ReadArms { staff, superuser }));

            // No arm: the profiles the user manages, as the manage scope asks for them.
            assert_eq!(arms(false, false), sql(&managed_profiles(&user)));
            let staff = arms(true, false);
            assert!(
                staff.contains(STAFF_ARM) && !staff.contains(SUPERUSER_ARM),
                "{staff}"
            );
            let superuser = arms(false, true);
            assert!(
                superuser.contains(SUPERUSER_ARM) && !superuser.contains(STAFF_ARM),
                "{superuser}"
            );
            let both = arms(true, true);
            assert!(
                both.contains(STAFF_ARM) && both.contains(SUPERUSER_ARM),
                "{both}"
            );
        }
    }
}
