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
use crate::{OwnedEntity, Subject};

/// A condition no row satisfies; a constant the planner folds away.
fn deny() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

/// Rows owned by one of the subject's profiles (rule 1).
pub fn owned_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    match subject.active_user() {
        Some(user) if !user.profiles.is_empty() => {
            Condition::all().add(E::owner_column().in_subquery(identity::profiles_of(user.id)))
        }
        _ => deny(),
    }
}

/// Rows the subject may manage (rule 2): everything for a superuser; for staff, what any
/// profile in the subject's accounts owns; otherwise what the subject owns.
pub fn manageable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    let Some(user) = subject.active_user() else {
        return deny();
    };
    let mut any = Condition::any();
    if user.is_superuser {
        any = any.add(identity::user_is(user.id, Flag::Superuser));
    }
    if !user.profiles.is_empty() {
        any = any
            .add(E::owner_column().in_subquery(identity::managed_profiles(user.id, user.is_staff)));
    }
    if any.is_empty() { deny() } else { any }
}

/// Rows the subject may read (rule 3): what it may manage, plus what staff users of its
/// accounts own, plus what superusers own.
pub fn readable_by<E: OwnedEntity>(subject: &Subject) -> Condition {
    let Some(user) = subject.active_user() else {
        return deny();
    };
    let mut any = Condition::any();
    if user.is_superuser {
        any = any.add(identity::user_is(user.id, Flag::Superuser));
    }
    if !user.profiles.is_empty() {
        any = any.add(
            E::owner_column().in_subquery(identity::readable_profiles(user.id, user.is_staff)),
        );
    }
    if any.is_empty() { deny() } else { any }
}

/// Rows the subject may read but does not own (rule 4).
pub fn shared_with<E: OwnedEntity>(subject: &Subject) -> Condition {
    Condition::all()
        .add(readable_by::<E>(subject))
        .add(owned_by::<E>(subject).not())
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
