//! Authorized writes (rule 9): a subject inserts, updates and deletes owned rows only where
//! it may manage them. An update or a delete is one statement whose `WHERE` holds the
//! manage scope; a row the subject may not read is [`OwnershipError::NotFound`], one it may
//! read but not manage [`OwnershipError::PermissionDenied`], and nothing is written then.

use std::collections::BTreeSet;
use std::future::Future;

use tracing::Instrument;

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QueryTrait,
    SelectExt, TransactionTrait, Value,
};

use crate::acl_template;
use crate::audit::Actor;
use crate::error::OwnershipError;
use crate::grant::{Grantees, MAX_BOUND_VALUES, Target, grant_names, revoke_name};
use crate::identity::Identity;
use crate::key::Key;
use crate::owned::{Level, OwnedEntity};
use crate::ownership::{self, Flag};
use crate::plan::{OwnedTable, deny};
use crate::scope::{IdOf, OwnershipScopes, managed_in_own_right, readable_by};
use crate::subject::Subject;
use crate::trace::{self, Who};
use crate::transaction::finish;
use crate::write::{OwnedActiveModelExt, OwnerAndName};

type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// The condition that `subject` may own a row whose owner is the profile `owner` (rule 9):
/// one of its profiles, for a staff user any profile of its accounts, any existing profile
/// for a superuser; always while the database confirms the user. A profile that does not
/// exist is no one's, so the write is refused before the foreign key would refuse it. As
/// in the scopes, a snapshot loaded before its user had a profile owns through no profile.
fn may_own(subject: &Subject, owner: &Key) -> Expr {
    let Some(user) = subject.active_user() else {
        return deny().into();
    };
    let mut owns: Expr = if user.profiles.is_empty() {
        deny().into()
    } else {
        Expr::val(Value::from(owner)).in_subquery(ownership::managed_profiles(user))
    };
    if user.is_superuser {
        let (profiles, id, _) = Identity::current().profiles.keyed.parts();
        let exists = Query::select()
            .expr(Expr::val(1))
            .from(profiles.clone())
            .and_where(Expr::col(id.clone()).eq(Value::from(owner)))
            .to_owned();
        owns = owns.or(ownership::user_is(user, Some(Flag::Superuser)).and(Expr::exists(exists)));
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

/// `NotFound` for `what` (`object`, `share`) of `E`.
pub(crate) fn not_found<E: OwnedEntity>(what: &'static str) -> OwnershipError {
    OwnershipError::NotFound {
        model: E::MODEL_NAME,
        what,
    }
}

/// `PermissionDenied` for `action` on `E`.
pub(crate) fn denied<E: OwnedEntity>(action: &'static str) -> OwnershipError {
    OwnershipError::PermissionDenied {
        model: E::MODEL_NAME,
        action,
    }
}

/// The key of a row id; an id no key holds names no row.
pub(crate) fn object_key<E: OwnedEntity>(id: IdOf<E>) -> Result<Key, OwnershipError> {
    use sea_orm::sea_query::IntoValueTuple;
    id.into_value_tuple()
        .into_iter()
        .next()
        .as_ref()
        .and_then(Key::of_value)
        .ok_or(not_found::<E>("object"))
}

/// `Ok` if the subject manages the row `object` in its own right, not through a share
/// (the row is locked until the transaction ends); else `PermissionDenied` for `action`
/// if it may read it, `NotFound` if not.
pub(crate) async fn check_manages<E: OwnedEntity, C: ConnectionTrait>(
    txn: &C,
    subject: &Subject,
    object: &Key,
    action: &'static str,
) -> Result<(), OwnershipError> {
    check_manages_all::<E, _>(txn, subject, &BTreeSet::from([object.clone()]), action).await
}

/// `Ok` if the subject manages every row of `objects` in its own right (the rows are
/// locked until the transaction ends); else the error of the first row, in key order, it
/// does not: `PermissionDenied` for `action` if it may read that row, `NotFound` if not.
/// Two statements per [`MAX_BOUND_VALUES`] rows, and one more for a refusal.
pub(crate) async fn check_manages_all<E: OwnedEntity, C: ConnectionTrait>(
    txn: &C,
    subject: &Subject,
    objects: &BTreeSet<Key>,
    action: &'static str,
) -> Result<(), OwnershipError> {
    let table = OwnedTable::of::<E>();
    let backend = txn.get_database_backend();
    let keys_of = async |mut select: SelectStatement| -> Result<BTreeSet<Key>, OwnershipError> {
        select
            .clear_selects()
            .expr(table.key.select(Expr::col(E::id_column()), backend));
        let mut keys = BTreeSet::new();
        for row in txn.query_all(&select).await? {
            keys.insert(table.key.decode(&row, 0)?);
        }
        Ok(keys)
    };
    let objects_list: Vec<Key> = objects.iter().cloned().collect();
    let (mut found, mut managed) = (BTreeSet::new(), BTreeSet::new());
    for chunk in objects_list.chunks(MAX_BOUND_VALUES) {
        let rows = || {
            E::find().filter(
                E::id_column().is_in(chunk.iter().map(|key| key.column_value(&E::id_column()))),
            )
        };
        // Locking the rows first, in key order, makes a concurrent delete wait, and the
        // check below see the latest committed grants.
        let mut lock = rows().order_by_asc(E::id_column()).into_query();
        lock.lock_exclusive();
        found.extend(keys_of(lock).await?);
        let own_right = rows().filter(managed_in_own_right::<E>(subject));
        managed.extend(keys_of(own_right.into_query()).await?);
    }
    let Some(refused) = objects.iter().find(|key| !managed.contains(key)) else {
        return Ok(());
    };
    if !found.contains(refused) {
        return Err(not_found::<E>("object"));
    }
    Err(refusal::<E, _>(txn, subject, refused, action).await?)
}

/// Why a write to the row `id` was refused: `PermissionDenied` if the subject may read
/// the row, `NotFound` if not.
async fn refusal<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    subject: &Subject,
    id: &Key,
    action: &'static str,
) -> Result<OwnershipError, OwnershipError> {
    let readable = E::find()
        .filter(E::id_column().eq(id.column_value(&E::id_column())))
        .filter(readable_by::<E>(subject))
        .exists(db)
        .await?;
    Ok(if readable {
        denied::<E>(action)
    } else {
        not_found::<E>("object")
    })
}

/// Inserts and updates of owned rows by a subject, allowed where it may manage the row.
pub trait AuthorizedActiveModelExt: OwnedActiveModelExt
where
    Self::Entity: OwnedEntity,
    ModelOf<Self>: IntoActiveModel<Self>,
{
    /// Inserts the row if `subject` may manage it: its owner is one of the subject's
    /// profiles, any profile of the subject's accounts for a staff user, any existing
    /// profile for a superuser. Otherwise [`OwnershipError::PermissionDenied`] and nothing
    /// is written; a
    /// name the owner already uses is [`OwnershipError::DuplicateName`].
    ///
    /// In the same transaction, the ACL templates owned by the subject's user or one of
    /// its groups grant their levels on the new row, and the user gets the entity's
    /// [`CREATOR_LEVEL`](OwnedEntity::CREATOR_LEVEL) (see [`AclTemplate`](crate::AclTemplate)):
    /// one more `SELECT` and at most two `INSERT`s, however many templates apply, and one
    /// `INSERT` of what they granted into the audit trail.
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
            let result = async {
                let may = Query::select()
                    .expr(Expr::val(1))
                    .and_where(may_own(subject, &owner))
                    .to_owned();
                if txn.query_one(&may).await?.is_none() {
                    return Err(denied::<Self::Entity>("create the row for this owner"));
                }
                let model = self.insert_owned(&txn).await?;
                // `may_own` confirmed an active user.
                if let Some(user) = subject.active_user() {
                    let object = Key::of_value(&model.get(Self::Entity::id_column()))
                        .ok_or_else(|| not_found::<Self::Entity>("object"))?;
                    acl_template::apply::<Self::Entity>(&txn, subject, user.id.key(), &object)
                        .await?;
                }
                Ok(model)
            }
            .await;
            finish(txn, result).await
        }
        .instrument(trace::write(
            Self::Entity::MODEL_NAME,
            "insert",
            &Who(subject),
        ))
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
            let id = key_of(&self, E::<Self>::id_column())
                .ok_or_else(|| not_found::<E<Self>>("object"))?;
            let txn = db.begin().await?;
            let result = async {
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
                let changed = <E<Self> as EntityTrait>::Column::iter()
                    .any(|column| changes.get(column).is_set());
                // Giving the row the owner it has is no move.
                let moved = new_owner.as_ref().map(|owner| {
                    Condition::any()
                        .add(
                            E::<Self>::owner_column()
                                .eq(owner.column_value(&E::<Self>::owner_column())),
                        )
                        .add(may_own(subject, owner))
                });
                let id_value = id.column_value(&E::<Self>::id_column());
                let row = || E::<Self>::find().filter(E::<Self>::id_column().eq(id_value.clone()));
                let mut allowed = row().with_ownership_permission_for(subject);
                if let Some(moved) = &moved {
                    allowed = allowed.filter(moved.clone());
                }
                let written = if changed {
                    let conflict = OwnerAndName::of(&changes);
                    let mut update = E::<Self>::update_many()
                        .set(changes)
                        .filter(E::<Self>::id_column().eq(id_value.clone()))
                        .with_ownership_permission_for(subject);
                    if let Some(moved) = moved {
                        update = update.filter(moved);
                    }
                    let result = update
                        .exec(&txn)
                        .await
                        .map_err(|err| conflict.explain::<E<Self>>(err))?;
                    // MySQL counts the rows it changed, not those it matched: a row left as it
                    // was is checked for below.
                    result.rows_affected == 1 || allowed.exists(&txn).await?
                } else {
                    allowed.exists(&txn).await?
                };
                if !written {
                    return Err(refusal::<E<Self>, _>(&txn, subject, &id, "change the row").await?);
                }
                let model = row()
                    .one(&txn)
                    .await?
                    .ok_or_else(|| not_found::<E<Self>>("object"))?;
                let model = Self::after_save(model, &txn, false).await?;
                Ok(model)
            }
            .await;
            finish(txn, result).await
        }
        .instrument(trace::write(
            Self::Entity::MODEL_NAME,
            "update",
            &Who(subject),
        ))
    }
}

impl<A> AuthorizedActiveModelExt for A
where
    A: OwnedActiveModelExt,
    A::Entity: OwnedEntity,
    ModelOf<A>: IntoActiveModel<A>,
{
}

/// Deletes of owned rows by a subject, allowed where it may manage and delete the row.
pub trait AuthorizedDeletes: OwnedEntity {
    /// Deletes the row `id` if `subject` may manage it and holds its delete permission
    /// ([`OwnedEntity::DELETE_PERMISSION`]) alike: by ownership, which gives both, or by
    /// grants or shares of both names (django-object-acl's [`Level::All`], not
    /// [`Level::Edit`]). One `DELETE` whose `WHERE` holds that scope; the row's grants and
    /// shares go with it. A row the subject may not read is [`OwnershipError::NotFound`],
    /// one it may read but not delete [`OwnershipError::PermissionDenied`]; nothing is
    /// deleted then. As for SeaORM's
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
            let id = object_key::<Self>(id)?;
            let txn = db.begin().await?;
            let result = async {
                let result = Self::delete_many()
                    .filter(Self::id_column().eq(id.column_value(&Self::id_column())))
                    .with_delete_permission_for(subject)
                    .exec(&txn)
                    .await?;
                if result.rows_affected == 0 {
                    return Err(refusal::<Self, _>(&txn, subject, &id, "delete the row").await?);
                }
                Ok(())
            }
            .await;
            finish(txn, result).await
        }
        .instrument(trace::write(Self::MODEL_NAME, "delete", &Who(subject)))
    }
}

impl<E: OwnedEntity> AuthorizedDeletes for E {}

/// Grants and revocations on rows by a subject (rule 9): allowed on rows it manages in its
/// own right, by ownership or a grant of the manage permission (not through a share, which
/// is passed on within its depths instead). Grants on a whole model or on everything stay
/// with the administrative [`grant`](fn@crate::grant) and [`revoke`](crate::revoke), for code that acts for no subject.
pub trait AuthorizedGrants: OwnedEntity {
    /// Grants `permission` on the rows `ids` to `grantees` if `subject` manages every one
    /// of them in its own right; otherwise the first row refused is
    /// [`OwnershipError::NotFound`] (the subject may not read it) or
    /// [`OwnershipError::PermissionDenied`], and nothing is written. As [`grant`](fn@crate::grant)
    /// otherwise: idempotent, unknown users or groups refused.
    fn grant_as<'a, C>(
        db: &'a C,
        subject: &'a Subject,
        permission: &'a str,
        ids: impl IntoIterator<Item = IdOf<Self>> + Send + 'a,
        grantees: &'a Grantees,
    ) -> impl Future<Output = Result<(), OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
    {
        async move {
            let names = [permission];
            change_grants::<Self, _>(db, subject, ids, Change::Grant(&names), grantees)
                .await
                .map(drop)
        }
    }

    /// Grants every permission name of `level` (see [`Level::names`]) on the rows `ids` to
    /// `grantees` if `subject` manages every one of them in its own right, as
    /// [`grant_as`](Self::grant_as) grants one.
    fn grant_level_as<'a, C>(
        db: &'a C,
        subject: &'a Subject,
        level: Level,
        ids: impl IntoIterator<Item = IdOf<Self>> + Send + 'a,
        grantees: &'a Grantees,
    ) -> impl Future<Output = Result<(), OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
    {
        async move {
            let names = level.names::<Self>();
            change_grants::<Self, _>(db, subject, ids, Change::Grant(&names), grantees)
                .await
                .map(drop)
        }
    }

    /// Revokes `permission` on the rows `ids` from `grantees` if `subject` manages every
    /// one of them in its own right, as [`grant_as`](Self::grant_as) grants; returns how
    /// many grants were removed.
    fn revoke_as<'a, C>(
        db: &'a C,
        subject: &'a Subject,
        permission: &'a str,
        ids: impl IntoIterator<Item = IdOf<Self>> + Send + 'a,
        grantees: &'a Grantees,
    ) -> impl Future<Output = Result<u64, OwnershipError>> + Send + 'a
    where
        C: ConnectionTrait + TransactionTrait,
    {
        change_grants::<Self, _>(db, subject, ids, Change::Revoke(permission), grantees)
    }
}

impl<E: OwnedEntity> AuthorizedGrants for E {}

/// A change of grants on rows.
enum Change<'a> {
    /// Grant these names.
    Grant(&'a [&'a str]),
    /// Revoke this name.
    Revoke(&'a str),
}

/// Makes `change` on the rows `ids` for `grantees` in one transaction, once every row is
/// checked (and locked) as one `subject` manages in its own right; returns how many grants
/// a revocation removed.
async fn change_grants<E, C>(
    db: &C,
    subject: &Subject,
    ids: impl IntoIterator<Item = IdOf<E>>,
    change: Change<'_>,
    grantees: &Grantees,
) -> Result<u64, OwnershipError>
where
    E: OwnedEntity,
    C: ConnectionTrait + TransactionTrait,
{
    let (action, what) = match change {
        Change::Grant(_) => ("grant on the row", "grant"),
        Change::Revoke(_) => ("revoke on the row", "revoke"),
    };
    let span = trace::write(E::MODEL_NAME, what, &Who(subject));
    async move {
        let txn = db.begin().await?;
        let result = async {
            let mut keys = BTreeSet::new();
            for id in ids {
                keys.insert(object_key::<E>(id)?);
            }
            check_manages_all::<E, _>(&txn, subject, &keys, action).await?;
            let target = Target::object_keys::<E>(keys);
            let removed = match change {
                Change::Grant(names) => {
                    grant_names(&txn, Actor::Subject(subject), names, &target, grantees).await?;
                    0
                }
                Change::Revoke(name) => {
                    revoke_name(&txn, Actor::Subject(subject), name, &target, grantees).await?
                }
            };
            Ok(removed)
        }
        .await;
        finish(txn, result).await
    }
    .instrument(span)
    .await
}
