//! Authorized writes (rule 9): a subject inserts, updates and deletes owned rows only where
//! it may manage them. An update or a delete is one statement whose `WHERE` holds the
//! manage scope; a row the subject may not read is [`OwnershipError::NotFound`], one it may
//! read but not manage [`OwnershipError::PermissionDenied`], and nothing is written then.

use std::future::Future;

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    Iterable, PrimaryKeyToColumn, QueryFilter, TransactionSession, TransactionTrait, Value,
};

use crate::error::OwnershipError;
use crate::key::Key;
use crate::owned::OwnedEntity;
use crate::ownership::{self, Flag};
use crate::scope::{IdOf, OwnershipScopes, readable_by};
use crate::subject::Subject;
use crate::write::{OwnedActiveModelExt, OwnerAndName};

type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// The condition that `subject` may own a row whose owner is the profile `owner` (rule 9): one of its profiles, for a staff user any profile of its accounts,
/// any profile for a superuser; always while the database confirms the user.
fn may_own(subject: &Subject, owner: &Key) -> Expr {
    let Some(user) = subject.active_user() else {
        return Expr::cust("1 = 0");
    };
    let mut owns = Expr::val(Value::from(owner)).in_subquery(ownership::managed_profiles(user));
    if user.is_superuser {
        owns = owns.or(ownership::user_is(user, Some(Flag::Superuser)));
    }
    ownership::user_is(user, None).and(owns)
}

/// The key of a column's value in `active`, set or unchanged.
fn key_of<A: ActiveModelTrait>(
    active: &A,
    column: <A::Entity as EntityTrait>::Column,
) -> Option<Key> {
    match active.get(column) {
        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => Key::of_value(&value),
        ActiveValue::NotSet => None,
    }
}

fn not_found<E: OwnedEntity>() -> OwnershipError {
    OwnershipError::NotFound {
        model: E::MODEL_NAME,
        what: "object",
    }
}

fn denied<E: OwnedEntity>(action: &'static str) -> OwnershipError {
    OwnershipError::PermissionDenied {
        model: E::MODEL_NAME,
        action,
    }
}

/// Why a write to the row `id` that changed nothing was refused: `PermissionDenied` if
/// the subject may read the row, `NotFound` if not.
async fn refusal<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    subject: &Subject,
    id: &Key,
    action: &'static str,
) -> Result<OwnershipError, OwnershipError> {
    let readable = E::find()
        .filter(E::id_column().eq(Value::from(id)))
        .filter(readable_by::<E>(subject))
        .one(db)
        .await?
        .is_some();
    Ok(if readable {
        denied::<E>(action)
    } else {
        not_found::<E>()
    })
}

/// Inserts and updates of owned rows by a subject, allowed where it may manage the row.
pub trait AuthorizedActiveModelExt: OwnedActiveModelExt
where
    Self::Entity: OwnedEntity,
    ModelOf<Self>: IntoActiveModel<Self>,
{
    /// Inserts the row if `subject` may manage it: its owner is one of the subject's
    /// profiles, any profile of the subject's accounts for a staff user, any profile for a
    /// superuser. Otherwise [`OwnershipError::PermissionDenied`] and nothing is written; a
    /// name the owner already uses is [`OwnershipError::DuplicateName`].
    fn insert_as<'a, C>(
        self,
        db: &'a C,
        subject: &'a Subject,
    ) -> impl Future<Output = Result<ModelOf<Self>, OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
        Self: 'a,
    {
        async move {
            let owner = key_of(&self, Self::Entity::owner_column())
                .ok_or_else(|| denied::<Self::Entity>("create a row without an owner"))?;
            let txn = db.begin().await?;
            let may = Query::select()
                .expr(Expr::val(1))
                .and_where(may_own(subject, &owner))
                .to_owned();
            if txn.query_one(&may).await?.is_none() {
                return Err(denied::<Self::Entity>("create the row for this owner"));
            }
            let model = self.insert_owned(&txn).await?;
            txn.commit().await?;
            Ok(model)
        }
    }

    /// Updates the row if `subject` may manage it, and, if the update gives the row
    /// another owner, may manage it under that owner too: one `UPDATE` whose `WHERE` holds
    /// the manage scope. A row the subject may not read is [`OwnershipError::NotFound`],
    /// one it may read but not manage (or not move to that owner)
    /// [`OwnershipError::PermissionDenied`]; nothing is written then. The entity's
    /// `before_save` and `after_save` run as for SeaORM's own update.
    fn update_as<'a, C>(
        self,
        db: &'a C,
        subject: &'a Subject,
    ) -> impl Future<Output = Result<ModelOf<Self>, OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
        Self: 'a,
    {
        async move {
            type E<A> = <A as ActiveModelTrait>::Entity;
            let id = key_of(&self, E::<Self>::id_column()).ok_or_else(not_found::<E<Self>>)?;
            let txn = db.begin().await?;
            let mut changes = self.before_save(&txn, false).await?;
            for key in <E<Self> as EntityTrait>::PrimaryKey::iter() {
                changes.not_set(key.into_column());
            }
            let new_owner = match changes.get(E::<Self>::owner_column()) {
                ActiveValue::Set(value) => Some(
                    Key::of_value(&value)
                        .ok_or_else(|| denied::<E<Self>>("give the row this owner"))?,
                ),
                _ => None,
            };
            let changed =
                <E<Self> as EntityTrait>::Column::iter().any(|column| changes.get(column).is_set());
            let row = || E::<Self>::find().filter(E::<Self>::id_column().eq(Value::from(&id)));
            let mut allowed = row().with_ownership_permission_for(subject);
            if let Some(owner) = &new_owner {
                allowed = allowed.filter(may_own(subject, owner));
            }
            let written = if changed {
                let conflict = OwnerAndName::of(&changes);
                let mut update = E::<Self>::update_many()
                    .set(changes)
                    .filter(E::<Self>::id_column().eq(Value::from(&id)))
                    .with_ownership_permission_for(subject);
                if let Some(owner) = &new_owner {
                    update = update.filter(may_own(subject, owner));
                }
                let result = update
                    .exec(&txn)
                    .await
                    .map_err(|err| conflict.explain::<E<Self>>(err))?;
                // MySQL counts the rows it changed, not those it matched: a row left as it
                // was is checked for below.
                result.rows_affected == 1 || allowed.clone().one(&txn).await?.is_some()
            } else {
                allowed.clone().one(&txn).await?.is_some()
            };
            if !written {
                return Err(refusal::<E<Self>, _>(&txn, subject, &id, "change the row").await?);
            }
            let model = row().one(&txn).await?.ok_or_else(not_found::<E<Self>>)?;
            let model = Self::after_save(model, &txn, false).await?;
            txn.commit().await?;
            Ok(model)
        }
    }
}

impl<A> AuthorizedActiveModelExt for A
where
    A: OwnedActiveModelExt,
    A::Entity: OwnedEntity,
    ModelOf<A>: IntoActiveModel<A>,
{
}

/// Deletes of owned rows by a subject, allowed where it may manage the row.
pub trait AuthorizedDeletes: OwnedEntity {
    /// Deletes the row `id` if `subject` may manage it: one `DELETE` whose `WHERE` holds
    /// the manage scope (its grants and shares go with it). A row the subject may not read
    /// is [`OwnershipError::NotFound`], one it may read but not manage
    /// [`OwnershipError::PermissionDenied`]; nothing is deleted then. As for SeaORM's
    /// `delete_by_id`, no `ActiveModelBehavior` hook runs.
    fn delete_as<'a, C>(
        db: &'a C,
        subject: &'a Subject,
        id: IdOf<Self>,
    ) -> impl Future<Output = Result<(), OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
        IdOf<Self>: 'a,
    {
        async move {
            use sea_orm::sea_query::IntoValueTuple;
            let id = id
                .into_value_tuple()
                .into_iter()
                .next()
                .as_ref()
                .and_then(Key::of_value)
                .ok_or_else(not_found::<Self>)?;
            let txn = db.begin().await?;
            let result = Self::delete_many()
                .filter(Self::id_column().eq(Value::from(&id)))
                .with_ownership_permission_for(subject)
                .exec(&txn)
                .await?;
            if result.rows_affected == 0 {
                return Err(refusal::<Self, _>(&txn, subject, &id, "delete the row").await?);
            }
            txn.commit().await?;
            Ok(())
        }
    }
}

impl<E: OwnedEntity> AuthorizedDeletes for E {}
