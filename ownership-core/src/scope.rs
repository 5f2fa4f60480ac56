//! The ownership scopes: conditions added to any query of an owned entity.
//!
//! Each scope is one [`Condition`] built here once and used by every query type
//! ([`Select`], [`UpdateMany`], [`DeleteMany`]) and by the single-object checks, so a list,
//! a bulk write and a check can never disagree about a row.

use std::future::Future;
use std::marker::PhantomData;

use tracing::Instrument;

use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};
use sea_orm::sea_query::{FromValueTuple, IntoValueTuple};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DeleteMany, EntityTrait, PrimaryKeyTrait,
    QueryFilter, Select, SelectExt, UpdateMany,
};

use crate::condition::Statement;

use crate::error::OwnershipError;
use crate::identity::Identity;
use crate::owned::OwnedEntity;
use crate::ownership::{self, Flag, OwnershipReasons, ReadArms, SuperuserReason};
use crate::permission_sql::{GrantReasons, Held};
use crate::plan::{AccessPlan, deny, storable};
use crate::policy::{LoadedPolicies, PolicyReasons};
use crate::share::Received;
use crate::subject::Subject;
use crate::subject::SubjectUser;
use crate::trace;

/// The access plan of a scope for the subject: the branches `build` adds for an active
/// user, which count while the database confirms that user (it exists with the snapshot's
/// security stamp and is active), and the shares with anyone holding `names` (one of them,
/// or `every_name`), which count for every subject, signed in or not.
pub(crate) fn subject_plan<'a, E: OwnedEntity>(
    subject: &'a Subject,
    names: &'a [&'a str],
    every_name: bool,
    build: impl FnOnce(&'a SubjectUser, &mut AccessPlan<'a>),
) -> AccessPlan<'a> {
    let mut plan = match subject.active_user() {
        Some(user) => {
            let mut plan = AccessPlan::for_user(ownership::user_is(user, None));
            build(user, &mut plan);
            plan
        }
        None => AccessPlan::default(),
    };
    if let Some(shared) = Received::by_anyone(E::SHARE_ROOT, names, every_name, subject.now_ms()) {
        plan.public_reasons.push(Box::new(shared.clone()));
        plan.public.push(Box::new(shared));
    }
    plan
}

/// The policies the subject decides by, with the condition under which they count: the
/// principal still has the snapshot's stamp and, for a user, the user is still active with
/// its stamp. `None` for a subject without policies or an inactive user.
pub(crate) fn policies_of(subject: &Subject) -> Option<(&LoadedPolicies, Expr)> {
    let policies = subject.policies()?;
    let gate = match subject.user() {
        None => policies.still_current(),
        Some(user) if user.is_active => {
            ownership::user_is(user, None).and(policies.still_current())
        }
        Some(_) => return None,
    };
    Some((policies, gate))
}

/// The access plan of a policy scope: the rows the subject's policies allow `actions` on,
/// while the database confirms the user (for a user) and the policies the snapshot holds.
pub(crate) fn policy_plan<'a, E: OwnedEntity>(
    subject: &'a Subject,
    actions: &[&str],
) -> AccessPlan<'a> {
    let Some((policies, gate)) = policies_of(subject) else {
        return AccessPlan::default();
    };
    let mut plan = AccessPlan::for_user(gate);
    plan.row_decisions.push(policies.rows_allowed::<E>(actions));
    plan.reasons.push(Box::new(PolicyReasons::<E> {
        policies,
        actions: actions.iter().map(|action| (*action).to_owned()).collect(),
        group_key: Identity::current().groups.keyed.key,
        entity: PhantomData,
    }));
    plan
}

/// Adds the grants `held` counts to `plan`: on the row itself, and on the entity's model
/// or on everything, when the snapshot holds such a grant and `held` counts it.
fn add_granted<'a, E: OwnedEntity>(plan: &mut AccessPlan<'a>, held: Held<'a>) {
    plan.reasons
        .push(Box::new(GrantReasons::of(&held, E::MODEL_NAME)));
    if held.whole_model && held.claims_whole_model(E::MODEL_NAME) {
        plan.every_row.push(held.on_whole_model(E::MODEL_NAME));
    }
    plan.candidates.push(Box::new(held));
}

/// Adds the superuser branch, for a subject loaded as a superuser.
fn add_superuser<'a>(plan: &mut AccessPlan<'a>, user: &'a SubjectUser) {
    if user.is_superuser {
        plan.reasons.push(Box::new(SuperuserReason(user)));
        plan.every_row
            .push(ownership::user_is(user, Some(Flag::Superuser)));
    }
}

/// Rows owned by one of the subject's profiles (rule 1).
pub fn owned_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "owned", subject).entered();
    match subject.active_user() {
        Some(user) if !user.profiles.is_empty() => Condition::all()
            .add(ownership::user_is(user, None))
            .add(E::owner_column().in_subquery(ownership::profiles_of(user.id.key()))),
        _ => deny(),
    }
}

/// Rules 2 and 3 share a shape: the superuser branch, the rows of the owner profiles the
/// user manages (rule 2; `read_arms` `None`) or reads (rule 3, with the entity's read
/// arms), and grants of `names` on the row, the model or everything, directly or through
/// groups.
fn ownership_and_grants<'a, E: OwnedEntity>(
    plan: &mut AccessPlan<'a>,
    user: &'a SubjectUser,
    read_arms: Option<ReadArms>,
    names: &'a [&'a str],
) {
    add_superuser(plan, user);
    if !user.profiles.is_empty() {
        plan.owners = Some(match read_arms {
            Some(arms) => ownership::readable_profiles(user, arms),
            None => ownership::managed_profiles(user),
        });
        plan.reasons
            .push(Box::new(OwnershipReasons { user, read_arms }));
    }
    let held = Held {
        user,
        names,
        with_groups: true,
        whole_model: true,
        every_name: false,
        also: None,
    };
    add_granted::<E>(plan, held);
}

/// Adds the unexpired shares of rows holding one of `names` to the user or its groups
/// (those with anyone are the plan's public part).
pub(crate) fn add_received<'a, E: OwnedEntity>(
    plan: &mut AccessPlan<'a>,
    user: &'a SubjectUser,
    names: &'a [&'a str],
    now_ms: i64,
) {
    if let Some(shared) = Received::by_user(
        E::SHARE_ROOT,
        user.id.key(),
        true,
        false,
        names,
        false,
        now_ms,
    ) {
        plan.reasons.push(Box::new(shared.clone()));
        plan.candidates.push(Box::new(shared));
    }
}

/// The names whose grants admit a row to the manage scope.
pub(crate) fn manage_names<E: OwnedEntity>() -> [&'static str; 1] {
    [E::MANAGE_PERMISSION]
}

/// The names whose grants admit a row to the read scope. Manage implies read: the manage
/// permission counts for reading too.
pub(crate) fn read_names<E: OwnedEntity>() -> [&'static str; 2] {
    [E::READ_PERMISSION, E::MANAGE_PERMISSION]
}

/// The access plan of the manage scope (rule 2).
pub(crate) fn manage_plan<'a, E: OwnedEntity>(
    subject: &'a Subject,
    names: &'a [&'a str],
) -> AccessPlan<'a> {
    let now_ms = subject.now_ms();
    subject_plan::<E>(subject, names, false, |user, plan| {
        ownership_and_grants::<E>(plan, user, None, names);
        add_received::<E>(plan, user, names, now_ms);
    })
}

/// Rows the subject manages in its own right: the manage scope without shares, which is
/// what sharing a row, revoking others' shares of it and listing them take. A receiver
/// whose share lets it manage a row passes that share on, within its depths, but cannot
/// make a first share of the row with the depths of the root grants.
pub(crate) fn managed_in_own_right<E: OwnedEntity>(subject: &Subject) -> Condition {
    own_right_plan::<E>(subject, &manage_names::<E>()).select_condition::<E>()
}

/// The access plan of [`managed_in_own_right`]: the manage scope's branches without shares.
pub(crate) fn own_right_plan<'a, E: OwnedEntity>(
    subject: &'a Subject,
    names: &'a [&'a str],
) -> AccessPlan<'a> {
    let Some(user) = subject.active_user() else {
        return AccessPlan::default();
    };
    let mut plan = AccessPlan::for_user(ownership::user_is(user, None));
    ownership_and_grants::<E>(&mut plan, user, None, names);
    plan
}

/// The access plan of the read scope (rule 3), with the ownership branches `E`'s read
/// options ask for. Every read list, page and check goes through here.
pub(crate) fn read_plan<'a, E: OwnedEntity>(
    subject: &'a Subject,
    names: &'a [&'a str],
) -> AccessPlan<'a> {
    let now_ms = subject.now_ms();
    let arms = ReadArms::of::<E>();
    subject_plan::<E>(subject, names, false, |user, plan| {
        ownership_and_grants::<E>(plan, user, Some(arms), names);
        add_received::<E>(plan, user, names, now_ms);
    })
}

/// The condition of [`manageable_by`] for a statement.
pub(crate) fn manageable<E: OwnedEntity>(subject: &Subject, statement: Statement) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "manage", subject).entered();
    manage_plan::<E>(subject, &manage_names::<E>()).condition::<E>(statement)
}

/// Rows the subject may delete, in the shape `statement` needs: those it manages (rule 2)
/// and holds the entity's delete permission on, the same way (by ownership, which gives
/// every right, or by a grant or share of that name). django-object-acl's `edit` level is
/// no right to delete; `all` is.
pub(crate) fn deletable<E: OwnedEntity>(subject: &Subject, statement: Statement) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "delete", subject).entered();
    let managed = manageable::<E>(subject, statement);
    if E::DELETE_PERMISSION == E::MANAGE_PERMISSION {
        return managed;
    }
    let names = [E::DELETE_PERMISSION];
    let holds_delete = manage_plan::<E>(subject, &names).condition::<E>(statement);
    Condition::all().add(managed).add(holds_delete)
}

/// Rows the subject may manage (rule 2): everything for a superuser; for staff, what any
/// profile in the subject's accounts owns; otherwise what the subject owns; plus every row
/// the subject or one of its groups holds the entity's manage permission on (on the row, on
/// the model or on everything, or by an unexpired share, which may be to anyone).
///
/// The condition is shaped for a `SELECT`; the [`OwnershipScopes`] methods shape it for
/// `update_many` and `delete_many` too.
pub fn manageable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    manageable::<E>(subject, Statement::Select)
}

/// Rows the subject may read (rule 3): what it may manage, plus what staff users of its
/// accounts own, plus what superusers own, plus every row the subject or one of its groups
/// holds the entity's read permission on (or an unexpired share of it holding the read or
/// manage permission; a share to anyone counts for an anonymous subject too). The staff
/// branch counts only while the entity's [`OwnedEntity::STAFF_ROWS_READABLE_BY_ACCOUNT`]
/// is true, the superuser branch only while its
/// [`OwnedEntity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS`] is (both are by default).
///
/// A read scope narrows only a `SELECT`: a write takes the manage scope (see
/// [`OwnershipScopes`]).
pub fn readable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    readable::<E>(subject, Statement::Select)
}

/// The condition of [`readable_by`] in the shape `statement` needs: the filter form of a
/// write tests one row at a time, as a per-row answer in a select list wants.
pub(crate) fn readable<E: OwnedEntity>(subject: &Subject, statement: Statement) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "read", subject).entered();
    read_plan::<E>(subject, &read_names::<E>()).condition::<E>(statement)
}

/// `owner NOT IN (the user's profiles)`, read from the database when the statement runs:
/// a snapshot taken before the user got a profile must not count that profile's rows as
/// someone else's, and one the database no longer confirms owns nothing.
fn not_owned_by(owner: impl IntoColumnRef, user: &SubjectUser) -> Expr {
    Expr::col(owner).not_in_subquery(ownership::confirmed_profiles_of(user))
}

/// Rows the subject may read but does not own (rule 4).
pub fn shared_with<E: OwnedEntity>(subject: &Subject) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "shared", subject).entered();
    let readable = Condition::all().add(readable_by::<E>(subject));
    match subject.active_user() {
        Some(user) => readable.add(not_owned_by(E::owner_column(), user)),
        None => readable,
    }
}

/// Which permissions [`permitted_for`] asks for, and how (django-guardian's
/// `get_objects_for_user` options).
///
/// By default every listed permission must be held (all-of), grants to the subject's
/// groups count, grants on the whole model (or on everything) count, and a superuser is
/// permitted everything. An empty list permits nothing, and so does a list of more than
/// [`Permitted::MAX_NAMES`] names, which [`Permitted::check`] reports as an error for a
/// caller that passes on names it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permitted {
    names: Vec<String>,
    any: bool,
    with_groups: bool,
    accept_model_wide: bool,
    superuser_bypass: bool,
}

impl Permitted {
    /// The most names one question asks for; a scope asked for more matches nothing. Each
    /// name is bound a few times in the statement, and every backend limits the values one
    /// statement binds.
    pub const MAX_NAMES: usize = 1_000;

    /// Objects on which every one of `names` is held (a direct and a group grant may
    /// together hold the set).
    pub fn all_of<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut names: Vec<String> = names.into_iter().map(Into::into).collect();
        names.sort_unstable();
        names.dedup();
        Self {
            names,
            any: false,
            with_groups: true,
            accept_model_wide: true,
            superuser_bypass: true,
        }
    }

    /// Objects on which at least one of `names` is held.
    pub fn any_of<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            any: true,
            ..Self::all_of(names)
        }
    }

    /// Count only grants to the subject itself, not to its groups.
    pub fn without_groups(mut self) -> Self {
        self.with_groups = false;
        self
    }

    /// Count only grants on the objects themselves, not on the whole model or on
    /// everything.
    pub fn objects_only(mut self) -> Self {
        self.accept_model_wide = false;
        self
    }

    /// Do not permit everything to a superuser: only what is granted.
    pub fn without_superuser_bypass(mut self) -> Self {
        self.superuser_bypass = false;
        self
    }

    /// Whether a scope can answer this question: an error if it asks for more than
    /// [`MAX_NAMES`](Self::MAX_NAMES) names, where the scope would match nothing.
    ///
    /// ```
    /// use ownership_core::{OwnershipError, Permitted};
    ///
    /// let asked = (0..=Permitted::MAX_NAMES).map(|k| format!("perm{k}"));
    /// assert!(matches!(
    ///     Permitted::any_of(asked).check(),
    ///     Err(OwnershipError::TooManyValues { .. })
    /// ));
    /// assert!(Permitted::all_of(["view", "change"]).check().is_ok());
    /// ```
    pub fn check(&self) -> Result<(), OwnershipError> {
        if self.names.len() > Self::MAX_NAMES {
            return Err(OwnershipError::TooManyValues {
                what: "permission names asked for",
                given: self.names.len(),
                limit: Self::MAX_NAMES,
            });
        }
        Ok(())
    }

    /// The names asked for, sorted and without duplicates.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// Whether the rows are those of one union of branches: any of some names, or a single
    /// name (all of several names is an intersection; no name permits nothing).
    pub(crate) fn is_one_union(&self) -> bool {
        !self.names.is_empty() && (self.any || self.names.len() == 1)
    }

    /// The access plan admitting a row on which the subject holds `names` (the names asked
    /// for), under the options asked for: one of them, or every one for all-of, whether
    /// granted or shared (a grant and a share may together hold the set).
    pub(crate) fn plan<'a, E: OwnedEntity>(
        &self,
        subject: &'a Subject,
        names: &'a [&'a str],
    ) -> AccessPlan<'a> {
        let now_ms = subject.now_ms();
        let every_name = !self.any;
        subject_plan::<E>(subject, names, every_name, |user, plan| {
            if self.superuser_bypass {
                add_superuser(plan, user);
            }
            let several = every_name && names.len() > 1;
            // For every one of several names the user's shares, those with anyone among
            // them, are counted with its grants; otherwise they are a source of their own.
            let shared = Received::by_user(
                E::SHARE_ROOT,
                user.id.key(),
                self.with_groups,
                several,
                names,
                every_name,
                now_ms,
            );
            let mut held = Held {
                user,
                names,
                with_groups: self.with_groups,
                whole_model: self.accept_model_wide,
                every_name,
                also: None,
            };
            if let Some(shared) = &shared {
                plan.reasons.push(Box::new(shared.clone()));
            }
            match shared {
                Some(shared) if several => held.also = Some(Box::new(shared)),
                Some(shared) => plan.candidates.push(Box::new(shared)),
                None => {}
            }
            add_granted::<E>(plan, held);
        })
    }
}

/// The condition of [`permitted_for`] for a statement.
fn permitted<E: OwnedEntity>(
    subject: &Subject,
    permitted: &Permitted,
    statement: Statement,
) -> Condition {
    let _span = trace::scope(E::MODEL_NAME, "permitted", subject).entered();
    if permitted.names.is_empty() || permitted.check().is_err() {
        return deny();
    }
    let names = permitted.names();
    permitted
        .plan::<E>(subject, &names)
        .condition::<E>(statement)
}

/// Rows on which the subject holds the permissions `permitted` asks for (rule 5).
///
/// The condition is shaped for a `SELECT`; the [`OwnershipScopes`] method shapes it for
/// `update_many` and `delete_many` too.
pub fn permitted_for<E: OwnedEntity>(subject: &Subject, permitted: &Permitted) -> Condition {
    self::permitted::<E>(subject, permitted, Statement::Select)
}

/// The ownership scopes, chainable on every query of an owned entity.
///
/// Each method adds one condition to the query's `WHERE`; the query stays a single SQL
/// statement and keeps working with `filter`, `order_by_*`, joins, `paginate` and `count`.
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
/// use ownership_core::{OwnershipScopes, Subject};
/// use sea_orm::{DbBackend, EntityTrait, QueryTrait};
///
/// let anonymous = Subject::anonymous();
/// let sql = document::Entity::find()
///     .with_read_permission_for(&anonymous)
///     .build(DbBackend::Postgres)
///     .to_string();
/// assert!(sql.ends_with("WHERE 1 = 0"));
/// ```
pub trait OwnershipScopes<E: OwnedEntity>: QueryFilter + Sized + sealed::ScopedStatement {
    /// Keep the rows owned by one of the subject's profiles.
    fn owned_by(self, subject: &Subject) -> Self {
        self.filter(owned_by::<E>(subject))
    }

    /// Keep the rows the subject may read. Only on a `SELECT`: reading a row is no right to
    /// write it.
    fn with_read_permission_for(self, subject: &Subject) -> Self
    where
        Self: sealed::ReadQuery,
    {
        self.filter(readable_by::<E>(subject))
    }

    /// Keep the rows the subject may manage (change, delete). On an `UPDATE` or `DELETE`
    /// the scope is a filter on the written table itself, so the write touches only them.
    fn with_manage_permission_for(self, subject: &Subject) -> Self {
        self.filter(manageable::<E>(subject, Self::STATEMENT))
    }

    /// Keep the rows the subject may delete: those it manages and holds the entity's delete
    /// permission on alike (ownership gives both; a grantee needs both names, as
    /// [`AuthorizedDeletes::delete_as`](crate::AuthorizedDeletes::delete_as) asks). The
    /// scope for a bulk `delete_many`, where the manage scope would let a holder of
    /// [`Level::Edit`](crate::Level::Edit) delete.
    fn with_delete_permission_for(self, subject: &Subject) -> Self {
        self.filter(deletable::<E>(subject, Self::STATEMENT))
    }

    /// [`with_manage_permission_for`](Self::with_manage_permission_for) under the name the
    /// ownership rules were first written with (Smarter's `with_ownership_permission_for`),
    /// for code ported from them.
    fn with_ownership_permission_for(self, subject: &Subject) -> Self {
        self.with_manage_permission_for(subject)
    }

    /// Keep the rows the subject may read but does not own. Only on a `SELECT`, like
    /// [`with_read_permission_for`](Self::with_read_permission_for).
    fn shared_with(self, subject: &Subject) -> Self
    where
        Self: sealed::ReadQuery,
    {
        self.filter(shared_with::<E>(subject))
    }

    /// Keep the rows on which the subject holds the permissions `permitted` asks for.
    fn permitted_for(self, subject: &Subject, permitted: &Permitted) -> Self {
        self.filter(self::permitted::<E>(subject, permitted, Self::STATEMENT))
    }

    /// Keep the rows on whose path ([`OwnedEntity::policy_path`]) the subject's policies
    /// allow every one of `actions` (rule 7): the last matching clause of its assigned
    /// policies decides, and no match denies. The decision is compiled into comparisons
    /// of the path's columns with the clauses' literals, one condition of the statement.
    ///
    /// Nothing for a subject without policies (see [`Subject::load_anonymous`] for anyone
    /// not signed in), an inactive user, an entity without a path, or an action the entity
    /// does not declare; nothing either once the subject's assignments or one of their
    /// policies changed after it was loaded, until it is loaded again.
    fn policy_scope(self, subject: &Subject, actions: &[&str]) -> Self {
        let _span = trace::scope(E::MODEL_NAME, "policy", subject).entered();
        self.filter(policy_plan::<E>(subject, actions).condition::<E>(Self::STATEMENT))
    }
}

mod sealed {
    use crate::condition::Statement;

    /// The query types the scopes apply to, and the statement each becomes.
    pub trait ScopedStatement {
        /// What the query builds.
        const STATEMENT: Statement;
    }

    /// The queries that only read, the ones a read scope may narrow.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` writes rows, and a read scope cannot narrow a write",
        label = "reading a row is no right to change or delete it",
        note = "narrow an update or delete with `with_manage_permission_for`, `owned_by` \
                or `permitted_for` with the permission the write needs"
    )]
    pub trait ReadQuery {}
}

impl<E: OwnedEntity> sealed::ScopedStatement for Select<E> {
    const STATEMENT: Statement = Statement::Select;
}
impl<E: OwnedEntity> sealed::ReadQuery for Select<E> {}
impl<E: OwnedEntity> sealed::ScopedStatement for UpdateMany<E> {
    const STATEMENT: Statement = Statement::Write;
}
impl<E: OwnedEntity> sealed::ScopedStatement for DeleteMany<E> {
    const STATEMENT: Statement = Statement::Write;
}

impl<E: OwnedEntity> OwnershipScopes<E> for Select<E> {}
impl<E: OwnedEntity> OwnershipScopes<E> for UpdateMany<E> {}
impl<E: OwnedEntity> OwnershipScopes<E> for DeleteMany<E> {}

/// The primary-key value type of an entity.
pub type IdOf<E> = <<E as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType;

/// Single-object checks: "is this row in the scope", answered by the scope's own condition.
pub trait OwnershipChecks: OwnedEntity {
    /// Whether the subject may read the row with this id (false if it does not exist).
    fn can_read<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        id: impl Into<IdOf<Self>>,
    ) -> impl Future<Output = Result<bool, OwnershipError>> + Send + 'a {
        row_in_scope::<Self, C>(db, id.into(), |row| row.with_read_permission_for(subject))
            .instrument(trace::run(Self::MODEL_NAME, "read check", subject))
    }

    /// Whether the subject may manage the row with this id (false if it does not exist).
    fn can_manage<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        id: impl Into<IdOf<Self>>,
    ) -> impl Future<Output = Result<bool, OwnershipError>> + Send + 'a {
        row_in_scope::<Self, C>(db, id.into(), |row| row.with_manage_permission_for(subject))
            .instrument(trace::run(Self::MODEL_NAME, "manage check", subject))
    }
}

/// Whether the row with this id is in the scope `narrow` adds to its query: the scope's
/// own condition on one id, so a check and a list never disagree. An id the database
/// cannot store names no row, and is answered without a statement.
pub(crate) fn row_in_scope<'a, E: OwnedEntity, C: ConnectionTrait>(
    db: &'a C,
    id: IdOf<E>,
    narrow: impl FnOnce(Select<E>) -> Select<E>,
) -> impl Future<Output = Result<bool, OwnershipError>> + Send + 'a {
    let (storable, id) = storable_id::<E>(id, db.get_database_backend());
    let check = narrow(E::find_by_id(id)).exists(db);
    async move {
        if storable {
            Ok(check.await?)
        } else {
            Ok(false)
        }
    }
}

/// Whether `id` is one `backend` can store (see [`storable`]), with the id.
pub(crate) fn storable_id<E: EntityTrait>(id: IdOf<E>, backend: DbBackend) -> (bool, IdOf<E>) {
    let key = id.into_value_tuple();
    let storable = key
        .clone()
        .into_iter()
        .all(|value| storable(&value, backend));
    (storable, IdOf::<E>::from_value_tuple(key))
}

impl<E: OwnedEntity> OwnershipChecks for E {}
