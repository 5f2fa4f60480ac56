//! Writing owned rows: inserts and updates that report a taken name as a typed error, and
//! cloning a row under a new name, owner or version.

use std::collections::HashSet;
use std::future::Future;

use sea_orm::sea_query::{Expr, ExprTrait, Func, Value};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DbErr,
    EntityTrait, IdenStatic, IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryFilter, QuerySelect, TransactionSession, TransactionTrait,
};

use crate::OwnedEntity;
use crate::error::{OwnershipError, is_owner_name_conflict};

type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// Inserts and updates of owned rows that turn a unique (owner, name) violation into
/// [`OwnershipError::DuplicateName`].
pub trait OwnedActiveModelExt: ActiveModelBehavior + Send
where
    Self::Entity: OwnedEntity,
    ModelOf<Self>: IntoActiveModel<Self>,
{
    /// Inserts the row; a name the owner already uses is a typed error.
    fn insert_owned<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
    ) -> impl Future<Output = Result<ModelOf<Self>, OwnershipError>> + Send + 'a
    where
        Self: 'a,
    {
        let key = OwnerAndName::of::<Self>(&self);
        let insert = self.insert(db);
        async move { insert.await.map_err(|err| key.explain::<Self::Entity>(err)) }
    }

    /// Updates the row; renaming onto, or moving to an owner with, a taken name is a typed
    /// error.
    fn update_owned<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
    ) -> impl Future<Output = Result<ModelOf<Self>, OwnershipError>> + Send + 'a
    where
        Self: 'a,
    {
        let key = OwnerAndName::of::<Self>(&self);
        let update = self.update(db);
        async move { update.await.map_err(|err| key.explain::<Self::Entity>(err)) }
    }
}

impl<A> OwnedActiveModelExt for A
where
    A: ActiveModelBehavior + Send,
    A::Entity: OwnedEntity,
    ModelOf<A>: IntoActiveModel<A>,
{
}

/// The owner and name a write is about to store, kept to name them in a conflict.
struct OwnerAndName {
    owner: Option<i64>,
    name: Option<String>,
}

impl OwnerAndName {
    fn of<A: ActiveModelTrait>(active: &A) -> Self
    where
        A::Entity: OwnedEntity,
    {
        let value_of = |column| match active.get(column) {
            ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Some(v),
            ActiveValue::NotSet => None,
        };
        Self {
            owner: value_of(A::Entity::owner_column()).and_then(|v| integer_of(&v)),
            name: value_of(A::Entity::name_column()).and_then(|v| match v {
                Value::String(Some(name)) => Some(name),
                _ => None,
            }),
        }
    }

    fn explain<E: OwnedEntity>(self, err: DbErr) -> OwnershipError {
        match (self.owner, self.name) {
            (Some(owner), Some(name)) if is_owner_name_conflict::<E>(&err) => {
                OwnershipError::DuplicateName {
                    model: E::MODEL_NAME,
                    owner,
                    name,
                }
            }
            _ => OwnershipError::Db(err),
        }
    }
}

/// The value of any integer variant, if it fits an `i64`.
fn integer_of(value: &Value) -> Option<i64> {
    match *value {
        Value::TinyInt(Some(v)) => Some(v.into()),
        Value::SmallInt(Some(v)) => Some(v.into()),
        Value::Int(Some(v)) => Some(v.into()),
        Value::BigInt(Some(v)) => Some(v),
        Value::TinyUnsigned(Some(v)) => Some(v.into()),
        Value::SmallUnsigned(Some(v)) => Some(v.into()),
        Value::Unsigned(Some(v)) => Some(v.into()),
        Value::BigUnsigned(Some(v)) => i64::try_from(v).ok(),
        _ => None,
    }
}

/// `value` as the same integer variant as `like`, if it fits.
fn integer_like(like: &Value, value: i64) -> Option<Value> {
    Some(match like {
        Value::TinyInt(_) => Value::TinyInt(Some(value.try_into().ok()?)),
        Value::SmallInt(_) => Value::SmallInt(Some(value.try_into().ok()?)),
        Value::Int(_) => Value::Int(Some(value.try_into().ok()?)),
        Value::BigInt(_) => Value::BigInt(Some(value)),
        Value::TinyUnsigned(_) => Value::TinyUnsigned(Some(value.try_into().ok()?)),
        Value::SmallUnsigned(_) => Value::SmallUnsigned(Some(value.try_into().ok()?)),
        Value::Unsigned(_) => Value::Unsigned(Some(value.try_into().ok()?)),
        Value::BigUnsigned(_) => Value::BigUnsigned(Some(value.try_into().ok()?)),
        _ => return None,
    })
}

/// What a clone changes; everything else but the primary key is copied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloneOptions {
    name: Option<String>,
    owner: Option<i64>,
    version: Option<Value>,
}

impl CloneOptions {
    /// Clone under the same owner with the first free `"<name> (clone)"`,
    /// `"<name> (clone 2)"`, ... name.
    pub fn new() -> Self {
        Self::default()
    }

    /// The clone's name (a taken name is a [`OwnershipError::DuplicateName`]).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The clone's owner profile id.
    pub fn owner(mut self, profile_id: i64) -> Self {
        self.owner = Some(profile_id);
        self
    }

    /// The clone's version (the entity needs an `#[owned(version)]` field).
    pub fn version(mut self, version: impl Into<Value>) -> Self {
        self.version = Some(version.into());
        self
    }
}

/// Cloning an owned row (a model of an entity that derives `Owned`).
pub trait OwnedModelExt: ModelTrait + Sized {
    /// Inserts a copy of this row with a new name, owner and/or version, in one
    /// transaction, and returns it.
    ///
    /// Without a name the clone gets the first of `"<name> (clone)"`, `"<name> (clone 2)"`,
    /// ... that the target owner does not use yet.
    fn clone_owned<'a, C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &'a C,
        options: CloneOptions,
    ) -> impl Future<Output = Result<Self, OwnershipError>> + Send + 'a;
}

impl<M, E> OwnedModelExt for M
where
    M: ModelTrait<Entity = E> + IntoActiveModel<E::ActiveModel> + 'static,
    E: OwnedEntity<Model = M>,
    E::ActiveModel: Send,
{
    fn clone_owned<'a, C: ConnectionTrait + TransactionTrait>(
        &self,
        db: &'a C,
        options: CloneOptions,
    ) -> impl Future<Output = Result<Self, OwnershipError>> + Send + 'a {
        clone_in_transaction::<E, C>(db, self.clone(), options)
    }
}

async fn clone_in_transaction<E, C>(
    db: &C,
    original: E::Model,
    options: CloneOptions,
) -> Result<E::Model, OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
    E: OwnedEntity,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: Send,
{
    let model = E::MODEL_NAME;
    let owner_column = E::owner_column();
    let name_column = E::name_column();
    if !<E::PrimaryKey as PrimaryKeyTrait>::auto_increment() {
        return Err(OwnershipError::PrimaryKeyNotAutoIncrement { model });
    }
    let version = match (options.version, E::version_column()) {
        (None, _) => None,
        (Some(value), Some(column)) => Some((column, value)),
        (Some(_), None) => return Err(OwnershipError::NoVersionField { model }),
    };
    let current_owner = original.get(owner_column);
    let owner = match options.owner {
        None => current_owner,
        Some(id) => integer_like(&current_owner, id).ok_or(OwnershipError::ValueOutOfRange {
            model,
            column: owner_column.as_str(),
            value: id.to_string(),
        })?,
    };

    let txn = db.begin().await?;
    let name = match options.name {
        Some(name) => name,
        None => {
            let Value::String(Some(base)) = original.get(name_column) else {
                return Err(DbErr::Type(format!("{model}: the name column is not text")).into());
            };
            free_clone_name::<E, _>(&txn, owner.clone(), &base).await?
        }
    };

    // Every column is written explicitly (a loaded model's values are only "unchanged"),
    // except the primary key, which the database assigns.
    let mut active = original.into_active_model();
    for column in E::Column::iter() {
        match active.get(column).into_value() {
            Some(value) => active.set(column, value),
            None => active.not_set(column),
        }
    }
    for key in E::PrimaryKey::iter() {
        active.not_set(key.into_column());
    }
    let key = OwnerAndName {
        owner: integer_of(&owner),
        name: Some(name.clone()),
    };
    active.set(owner_column, owner);
    active.set(name_column, name.into());
    if let Some((column, value)) = version {
        active.try_set(column, value)?;
    }
    let clone = active
        .insert(&txn)
        .await
        .map_err(|err| key.explain::<E>(err))?;
    txn.commit().await?;
    Ok(clone)
}

/// The first of `"<base> (clone)"`, `"<base> (clone 2)"`, ... the owner does not use.
///
/// Names are compared ignoring case, so a database whose collation does (MySQL's default)
/// never sees a clash; of `n` taken names at most `n` candidates are taken, so the search
/// ends by the `n + 1`-th.
async fn free_clone_name<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    owner: Value,
    base: &str,
) -> Result<String, DbErr> {
    let prefix = format!("{base} (clone");
    // An `i32`: PostgreSQL has `substr(text, int, int)` and no bigint variant.
    let prefix_len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    let starts_with_prefix = Expr::expr(
        Func::cust("SUBSTR")
            .arg(Expr::col((E::default(), E::name_column())))
            .arg(1)
            .arg(prefix_len),
    )
    .eq(prefix.clone());
    let taken: HashSet<String> = E::find()
        .select_only()
        .column(E::name_column())
        .filter(E::owner_column().eq(owner))
        .filter(starts_with_prefix)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .map(|name| name.to_lowercase())
        .collect();
    let candidate = |n: usize| match n {
        1 => format!("{prefix})"),
        n => format!("{prefix} {n})"),
    };
    Ok((1..)
        .map(candidate)
        .find(|name| !taken.contains(&name.to_lowercase()))
        .expect("fewer names are taken than candidates exist"))
}
