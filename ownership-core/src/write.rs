//! Writing owned rows: inserts and updates that report a taken name as a typed error, and
//! cloning a row under a new name, owner or version.

use std::collections::BTreeSet;
use std::future::Future;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, UnionType, Value};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ActiveValue, ConnectionTrait, DbErr, EntityTrait,
    IdenStatic, IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn, PrimaryKeyTrait,
    TransactionTrait,
};

use crate::error::{OwnershipError, is_owner_name_conflict};
use crate::grant::lock_objects;
use crate::key::{Key, ProfileId};
use crate::owned::OwnedEntity;
use crate::plan::OwnedTable;
use crate::transaction::finish;

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
pub(crate) struct OwnerAndName {
    owner: Option<ProfileId>,
    name: Option<String>,
}

impl OwnerAndName {
    pub(crate) fn of<A: ActiveModelTrait>(active: &A) -> Self
    where
        A::Entity: OwnedEntity,
    {
        let value_of = |column| match active.get(column) {
            ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Some(v),
            ActiveValue::NotSet => None,
        };
        Self {
            owner: value_of(A::Entity::owner_column())
                .and_then(|v| Key::of_value(&v))
                .map(ProfileId::from),
            name: value_of(A::Entity::name_column()).and_then(|v| match v {
                Value::String(Some(name)) => Some(name),
                _ => None,
            }),
        }
    }

    pub(crate) fn explain<E: OwnedEntity>(self, err: DbErr) -> OwnershipError {
        match (self.owner, self.name) {
            (Some(owner), Some(name)) if is_owner_name_conflict::<E>(&err) => {
                OwnershipError::DuplicateName {
                    model: E::MODEL_NAME,
                    owner,
                    name,
                }
            }
            // Through `From`, so an `OwnershipError` that an `ActiveModelBehavior` hook
            // returned as a `DbErr` comes back typed.
            _ => err.into(),
        }
    }
}

/// What a clone changes; everything else but the primary key is copied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CloneOptions {
    name: Option<String>,
    owner: Option<ProfileId>,
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
    pub fn owner(mut self, profile_id: ProfileId) -> Self {
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
    /// ... that the target owner does not use yet, as the database compares names (MariaDB's
    /// default collation ignores case, accents and trailing spaces). Clones of one row are
    /// made one after another under the row's lock, so clones made at once each get a name
    /// of their own.
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
        Some(id) => id
            .key()
            .value_like(&current_owner)
            .ok_or(OwnershipError::ValueOutOfRange {
                model,
                column: owner_column.as_str(),
                value: id.to_string(),
            })?,
    };

    let txn = db.begin().await?;
    let result = async {
        // Clones of one row are made one after another, under its lock, taken first: the
        // free name each finds is then free of the others' clones too.
        if let Some(id) = Key::of_value(&original.get(E::id_column())) {
            lock_objects(&txn, &OwnedTable::of::<E>(), &BTreeSet::from([id])).await?;
        }
        let name = match options.name {
            Some(name) => name,
            None => {
                let Value::String(Some(base)) = original.get(name_column) else {
                    return Err(DbErr::Type(format!("{model}: the name column is not text")).into());
                };
                free_clone_name::<E, _>(&txn, owner.clone(), &base).await?
            }
        };

        // Every column is written explicitly (a loaded model's values are only
        // "unchanged"), except the primary key, which the database assigns.
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
            owner: Key::of_value(&owner).map(ProfileId::from),
            name: Some(name.clone()),
        };
        active.set(owner_column, owner);
        active.set(name_column, name.into());
        if let Some((column, value)) = version {
            active.try_set(column, value)?;
        }
        active
            .insert(&txn)
            .await
            .map_err(|err| key.explain::<E>(err))
    }
    .await;
    finish(txn, result).await
}

/// How many candidate names one statement asks about: each is a term of one compound
/// `SELECT`, and SQLite refuses more than 500 of those.
const CANDIDATES_PER_STATEMENT: i64 = 100;
/// The alias of the candidate names, and of their columns.
const CANDIDATE: &str = "ownership_clone_candidate";
const CANDIDATE_NUMBER: &str = "number";
const CANDIDATE_NAME: &str = "name";
/// The alias of the owned table inside the candidate query.
const TAKEN: &str = "ownership_clone_taken";

/// The first of `"<base> (clone)"`, `"<base> (clone 2)"`, ... the owner does not use.
///
/// The database decides which names are taken, under the comparison its unique (owner,
/// name) index uses: MariaDB's default collation, for one, also ignores accents and
/// trailing spaces, which no comparison in Rust could follow for every collation. Each
/// statement asks about the next batch of candidates; of `n` taken names at most `n`
/// candidates are taken, so the search ends.
async fn free_clone_name<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    owner: Value,
    base: &str,
) -> Result<String, DbErr> {
    let candidate = |number: i64| match number {
        1 => format!("{base} (clone)"),
        number => format!("{base} (clone {number})"),
    };
    let mut first = 1;
    loop {
        let query = first_free_candidate::<E>(owner.clone(), first, &candidate);
        if let Some(row) = db.query_one(&query).await? {
            return Ok(candidate(row.try_get_by_index(0)?));
        }
        first += CANDIDATES_PER_STATEMENT;
    }
}

/// `SELECT number FROM (the candidates numbered first, first + 1, ...) WHERE the owner has
/// no row by that name ORDER BY number LIMIT 1`, every name and number bound.
fn first_free_candidate<E: OwnedEntity>(
    owner: Value,
    first: i64,
    candidate: impl Fn(i64) -> String,
) -> SelectStatement {
    let arm = |number: i64| {
        Query::select()
            .expr_as(Expr::val(number), CANDIDATE_NUMBER)
            .expr_as(Expr::val(candidate(number)), CANDIDATE_NAME)
            .to_owned()
    };
    let mut names = arm(first);
    names.unions((first + 1..first + CANDIDATES_PER_STATEMENT).map(|n| (UnionType::All, arm(n))));
    let taken = Query::select()
        .expr(Expr::cust("1"))
        .from_as(E::default().table_ref(), TAKEN)
        .and_where(Expr::col((TAKEN, E::owner_column())).eq(owner))
        .and_where(Expr::col((TAKEN, E::name_column())).equals((CANDIDATE, CANDIDATE_NAME)))
        .to_owned();
    Query::select()
        .column((CANDIDATE, CANDIDATE_NUMBER))
        .from_subquery(names, CANDIDATE)
        .and_where(Expr::not_exists(taken))
        .order_by((CANDIDATE, CANDIDATE_NUMBER), Order::Asc)
        .limit(1)
        .to_owned()
}
