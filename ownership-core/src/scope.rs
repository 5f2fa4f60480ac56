//! The ownership scopes: conditions added to any query of an owned entity.
//!
//! Each scope is one [`Condition`] built here once and used by every query type
//! ([`Select`], [`UpdateMany`], [`DeleteMany`]) and by the single-object checks, so a list,
//! a bulk write and a check can never disagree about a row.

use std::future::Future;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, DeleteMany, EntityTrait, PrimaryKeyTrait,
    QueryFilter, Select, SelectExt, UpdateMany,
};

use crate::identity::{self, Flag};
use crate::permission_sql::Held;
use crate::subject::SubjectUser;
use crate::{OwnedEntity, Subject};

/// A condition no row satisfies; a constant the planner folds away.
fn deny() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// The branches `build` returns for the subject's user, ANDed with "the user exists and is
/// active" checked in the database; nothing for an anonymous or inactive snapshot, or when
/// there is no branch.
fn for_active_user(subject: &Subject, build: impl FnOnce(&SubjectUser) -> Condition) -> Condition {
    let Some(user) = subject.active_user() else {
        return deny();
    };
    let branches = build(user);
    if branches.is_empty() {
        return deny();
    }
    Condition::all()
        .add(identity::user_is(user.id, None))
        .add(branches)
}

/// Rows held through grants of one of `names`: on the row itself, or (`whole_model`) on
/// the entity's model or on everything.
fn granted<E: OwnedEntity>(held: Held<'_>, whole_model: bool) -> Condition {
    let on_objects = E::id_column().in_subquery(held.objects(E::MODEL_NAME));
    let mut any = Condition::any().add(on_objects);
    if whole_model {
        any = any.add(held.on_whole_model(E::MODEL_NAME));
    }
    any
}

/// Rows owned by one of the subject's profiles (rule 1).
pub fn owned_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    for_active_user(subject, |user| {
        let mut any = Condition::any();
        if !user.profiles.is_empty() {
            any = any.add(E::owner_column().in_subquery(identity::profiles_of(user.id)));
        }
        any
    })
}

/// Rows the subject may manage (rule 2): everything for a superuser; for staff, what any
/// profile in the subject's accounts owns; otherwise what the subject owns; plus every row
/// the subject or one of its groups holds the entity's manage permission on (on the row, on
/// the model or on everything).
pub fn manageable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    for_active_user(subject, |user| {
        let mut any = Condition::any();
        if user.is_superuser {
            any = any.add(identity::user_is(user.id, Some(Flag::Superuser)));
        }
        if !user.profiles.is_empty() {
            let profiles = identity::managed_profiles(user.id, user.is_staff);
            any = any.add(E::owner_column().in_subquery(profiles));
        }
        let names = [E::MANAGE_PERMISSION];
        let held = Held {
            user_id: user.id,
            names: &names,
            with_groups: true,
        };
        any.add(granted::<E>(held, true))
    })
}

/// Rows the subject may read (rule 3): what it may manage, plus what staff users of its
/// accounts own, plus what superusers own, plus every row the subject or one of its groups
/// holds the entity's read permission on.
pub fn readable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    for_active_user(subject, |user| {
        let mut any = Condition::any();
        if user.is_superuser {
            any = any.add(identity::user_is(user.id, Some(Flag::Superuser)));
        }
        if !user.profiles.is_empty() {
            let profiles = identity::readable_profiles(user.id, user.is_staff);
            any = any.add(E::owner_column().in_subquery(profiles));
        }
        // Manage implies read: the manage permission counts for reading too.
        let names = [E::READ_PERMISSION, E::MANAGE_PERMISSION];
        let held = Held {
            user_id: user.id,
            names: &names,
            with_groups: true,
        };
        any.add(granted::<E>(held, true))
    })
}

/// Rows the subject may read but does not own (rule 4).
pub fn shared_with<E: OwnedEntity>(subject: &Subject) -> Condition {
    Condition::all()
        .add(readable_by::<E>(subject))
        .add(owned_by::<E>(subject).not())
}

/// Which permissions [`permitted_for`] asks for, and how (django-guardian's
/// `get_objects_for_user` options).
///
/// By default every listed permission must be held (all-of), grants to the subject's
/// groups count, grants on the whole model (or on everything) count, and a superuser is
/// permitted everything. An empty list permits nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permitted {
    names: Vec<String>,
    any: bool,
    with_groups: bool,
    accept_model_wide: bool,
    superuser_bypass: bool,
}

impl Permitted {
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
}

/// Rows on which the subject holds the permissions `permitted` asks for (rule 5).
pub fn permitted_for<E: OwnedEntity>(subject: &Subject, permitted: &Permitted) -> Condition {
    if permitted.names.is_empty() {
        return deny();
    }
    for_active_user(subject, |user| {
        let mut any = Condition::any();
        if permitted.superuser_bypass && user.is_superuser {
            any = any.add(identity::user_is(user.id, Some(Flag::Superuser)));
        }
        let names: Vec<&str> = permitted.names.iter().map(String::as_str).collect();
        let held = |names| Held {
            user_id: user.id,
            names,
            with_groups: permitted.with_groups,
        };
        if permitted.any {
            any.add(granted::<E>(held(&names), permitted.accept_model_wide))
        } else {
            let each = names.iter().fold(Condition::all(), |all, name| {
                all.add(granted::<E>(
                    held(std::slice::from_ref(name)),
                    permitted.accept_model_wide,
                ))
            });
            any.add(each)
        }
    })
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
pub trait OwnershipScopes<E: OwnedEntity>: QueryFilter + Sized {
    /// Keep the rows owned by one of the subject's profiles.
    fn owned_by(self, subject: &Subject) -> Self {
        self.filter(owned_by::<E>(subject))
    }

    /// Keep the rows the subject may read.
    fn with_read_permission_for(self, subject: &Subject) -> Self {
        self.filter(readable_by::<E>(subject))
    }

    /// Keep the rows the subject may manage (change, delete).
    fn with_ownership_permission_for(self, subject: &Subject) -> Self {
        self.filter(manageable_by::<E>(subject))
    }

    /// Keep the rows the subject may read but does not own.
    fn shared_with(self, subject: &Subject) -> Self {
        self.filter(shared_with::<E>(subject))
    }

    /// Keep the rows on which the subject holds the permissions `permitted` asks for.
    fn permitted_for(self, subject: &Subject, permitted: &Permitted) -> Self {
        self.filter(permitted_for::<E>(subject, permitted))
    }
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
    ) -> impl Future<Output = Result<bool, DbErr>> + Send + 'a {
        Self::find_by_id(id)
            .with_read_permission_for(subject)
            .exists(db)
    }

    /// Whether the subject may manage the row with this id (false if it does not exist).
    fn can_manage<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        id: impl Into<IdOf<Self>>,
    ) -> impl Future<Output = Result<bool, DbErr>> + Send + 'a {
        Self::find_by_id(id)
            .with_ownership_permission_for(subject)
            .exists(db)
    }
}

impl<E: OwnedEntity> OwnershipChecks for E {}
