//! Capability shares (django-caps): handing a row on to a user, a group or anyone, passing a
//! share on, revoking it with everything passed on from it, and looking it up by its uuid.
//!
//! An entity opts in with its root grants, `#[owned(share(view = 2, change = 1))]`: the
//! names a share may hold, each with how many more times it may be passed on. Every
//! operation is one transaction that writes nothing when it fails. The scopes count an
//! unexpired share like a grant of its names on its row to its receiver (see `share`).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::SystemTime;

use tracing::Instrument;

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{
    Condition, ConnectionTrait, DbErr, QueryFilter, QueryResult, Select, TransactionTrait, Value,
};

use crate::audit::{Actor, AuditAction, AuditGrantee, AuditRows};
use crate::authorized::{check_manages, denied, not_found, object_key};
use crate::clock::{from_unix_ms, unix_ms};
use crate::entity::object_share::{
    DEPTH, EMITTER_ID, EXPIRES_UNIX_MS, ID, NAME, OBJECT_ID, ORIGIN_ID, RECEIVER_GROUP_ID,
    RECEIVER_USER_ID, SHARE_ID, TO_ANYONE, UUID,
};
use crate::error::OwnershipError;
use crate::grant::{check_name, lock_objects, missing_keys};
use crate::identity::Identity;
use crate::key::{GroupId, Key, UserId, Uuid};
use crate::owned::OwnedEntity;
use crate::ownership;
use crate::plan::{AccessPlan, OwnedTable};
use crate::scope::{IdOf, add_received, row_in_scope, subject_plan};
use crate::share::{Receiver, unexpired, with_anyone};
use crate::subject::Subject;
use crate::trace::{self, Who};
use crate::transaction::finish;

/// A share, in the statements of the operations.
const SHARE: &str = "ownership_share";

/// The share a share was passed on from, joined to read its uuid.
const ORIGIN: &str = "ownership_origin_share";
/// A name row, read with its share.
const NAME_ROW: &str = "ownership_share_name_row";

/// Who a share is addressed to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Agent {
    /// One user.
    User(UserId),
    /// The members of a group, as they are when a scope runs.
    Group(GroupId),
    /// Anyone, signed in or not.
    Anyone,
}

/// One permission name a share holds, with how many more times it may be passed on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SharedName {
    /// The permission name.
    pub name: String,
    /// How many more times it may be passed on: 0, not again.
    pub depth: u32,
}

/// A share of one row, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The share's public handle.
    pub uuid: Uuid,
    /// The shared row's id, in the entity's key type.
    pub object_id: Key,
    /// The share this one was passed on from; `None` for a share made by someone who
    /// manages the row.
    pub origin: Option<Uuid>,
    /// The user who made it.
    pub emitter: UserId,
    /// Who receives it.
    pub receiver: Agent,
    /// When it stops counting; `None`: never.
    pub expires_at: Option<SystemTime>,
    /// The names it holds, by name.
    pub names: Vec<SharedName>,
}

impl Share {
    /// Whether the share holds `name`, at any depth.
    pub fn holds(&self, name: &str) -> bool {
        self.names.iter().any(|held| held.name == name)
    }

    /// Whether the share has expired at `time`.
    pub fn is_expired_at(&self, time: SystemTime) -> bool {
        self.expires_at.is_some_and(|expires| expires <= time)
    }
}

/// What a new share is to be: its receiver, the names it asks for (capped by what may be
/// handed on; by default everything that may), and its expiry (by default none, or its
/// origin's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareRequest {
    receiver: Agent,
    names: Option<BTreeMap<String, u32>>,
    expires_at: Option<SystemTime>,
}

impl ShareRequest {
    /// A share to `receiver`, of every name that may be handed on, at the deepest depth
    /// allowed, expiring with its origin (a first share: never).
    pub fn to(receiver: Agent) -> Self {
        Self {
            receiver,
            names: None,
            expires_at: None,
        }
    }

    /// Only these names, each at most at this depth. A name asked for twice is asked for at
    /// the smaller depth; names that may not be handed on are dropped.
    pub fn names<S: Into<String>>(mut self, names: impl IntoIterator<Item = (S, u32)>) -> Self {
        let mut asked = BTreeMap::new();
        for (name, depth) in names {
            let depth_asked = asked.entry(name.into()).or_insert(depth);
            *depth_asked = Ord::min(*depth_asked, depth);
        }
        self.names = Some(asked);
        self
    }

    /// Stops counting at `time`; a share passed on expires at the latest with its origin.
    pub fn expires_at(mut self, time: SystemTime) -> Self {
        self.expires_at = Some(time);
        self
    }
}

/// The shares of an owned entity's rows, for every entity that declares root grants.
///
/// Each method is one transaction; on an error nothing is written. A row the subject may
/// not read, or a share it does not receive, is [`OwnershipError::NotFound`] (whether or not
/// it exists); one it may read but not act on is [`OwnershipError::PermissionDenied`].
pub trait OwnershipShares: OwnedEntity {
    /// Shares the row `id` as `request` asks, by a subject who manages it in its own right
    /// (as owner, staff, superuser or by a grant; a share that lets a receiver manage the
    /// row is passed on instead, within its depths): the names asked for, each capped at
    /// its root depth, names outside the root grants dropped (none asked for: the root
    /// grants as declared).
    fn share<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        subject: &'a Subject,
        id: IdOf<Self>,
        request: &'a ShareRequest,
    ) -> impl Future<Output = Result<Share, OwnershipError>> + Send + 'a {
        let object = object_key::<Self>(id);
        async move { make_share::<Self, C>(db, subject, Origin::Object(object?), request).await }
            .instrument(trace::write(Self::MODEL_NAME, "share", &Who(subject)))
    }

    /// Passes the share `uuid` on, by one of its receivers, while it has not expired: each
    /// name held at depth 1 or more, at most at one less (none asked for: every such name),
    /// expiring at the latest with it. A share left with nothing to pass is an error.
    fn pass_on<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        subject: &'a Subject,
        uuid: Uuid,
        request: &'a ShareRequest,
    ) -> impl Future<Output = Result<Share, OwnershipError>> + Send + 'a {
        make_share::<Self, C>(db, subject, Origin::Share(uuid), request).instrument(trace::write(
            Self::MODEL_NAME,
            "pass on",
            &Who(subject),
        ))
    }

    /// Revokes the share `uuid`, by the user who made it or by a subject who manages its
    /// row in its own right: deletes it and every share passed on from it, at every depth.
    fn revoke_share<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        subject: &'a Subject,
        uuid: Uuid,
    ) -> impl Future<Output = Result<(), OwnershipError>> + Send + 'a {
        revoke::<Self, C>(db, subject, uuid).instrument(trace::write(
            Self::MODEL_NAME,
            "revoke share",
            &Who(subject),
        ))
    }

    /// The shares of the row `id`, expired ones included, oldest first, for a subject who
    /// manages it in its own right.
    fn shares_of<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        subject: &'a Subject,
        id: IdOf<Self>,
    ) -> impl Future<Output = Result<Vec<Share>, OwnershipError>> + Send + 'a {
        let object = object_key::<Self>(id);
        async move { list_shares::<Self, C>(db, subject, object?).await }
    }

    /// The share `uuid` and those it was passed on from, first share first: for its
    /// receivers, the user who made it, and whoever manages its row in its own right.
    fn share_chain<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        subject: &'a Subject,
        uuid: Uuid,
    ) -> impl Future<Output = Result<Vec<Share>, OwnershipError>> + Send + 'a {
        chain::<Self, C>(db, subject, uuid)
    }

    /// The unexpired share `uuid`, for one of its receivers (django-caps' `access`); for
    /// anyone else it does not exist.
    fn access<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
        uuid: Uuid,
    ) -> impl Future<Output = Result<Share, OwnershipError>> + Send + 'a {
        async move {
            let table = shareable::<Self>()?;
            let now_ms = subject.now_ms();
            let mut select = share_select(&table, db);
            select
                .and_where(Expr::col((SHARE, UUID)).eq(uuid))
                .cond_where(received_by(subject))
                .cond_where(unexpired(SHARE, now_ms));
            let mut shares = read_shares(db, &table, select).await?;
            shares.pop().ok_or(not_found::<Self>("share"))
        }
    }

    /// Whether the subject holds the capability `name` on the row `id`: its owner within
    /// the root grants, anyone else through an unexpired share holding it. Outside the root
    /// grants nobody holds a capability.
    fn has_capability<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        name: &str,
        id: impl Into<IdOf<Self>>,
    ) -> impl Future<Output = Result<bool, OwnershipError>> + Send + 'a {
        row_in_scope::<Self, C>(db, id.into(), |row| row.with_capability_for(subject, name))
    }
}

impl<E: OwnedEntity> OwnershipShares for E {}

/// The share scopes of a `SELECT`: django-caps' `available` and capability filters.
pub trait ShareScopes<E: OwnedEntity>: Sized {
    /// Keep the rows available to the subject: those it owns and those shared with it (to
    /// it, to one of its groups, to anyone) by an unexpired share.
    fn available_to(self, subject: &Subject) -> Self;

    /// Keep the rows on which the subject holds the capability `name` (see
    /// [`OwnershipShares::has_capability`]).
    fn with_capability_for(self, subject: &Subject, name: &str) -> Self;
}

impl<E: OwnedEntity> ShareScopes<E> for Select<E> {
    fn available_to(self, subject: &Subject) -> Self {
        let names: Vec<&str> = E::SHARE_ROOT.iter().map(|(name, _)| *name).collect();
        self.filter(owned_and_shared::<E>(subject, &names))
    }

    fn with_capability_for(self, subject: &Subject, name: &str) -> Self {
        if !E::SHARE_ROOT.iter().any(|(root, _)| *root == name) {
            return self.filter(crate::plan::deny());
        }
        self.filter(owned_and_shared::<E>(subject, &[name]))
    }
}

/// The rows the subject owns, and those shared with it holding one of `names`.
fn owned_and_shared<E: OwnedEntity>(subject: &Subject, names: &[&str]) -> Condition {
    let now_ms = subject.now_ms();
    let plan: AccessPlan = subject_plan::<E>(subject, names, false, |user, plan| {
        if !user.profiles.is_empty() {
            plan.owners = Some(ownership::profiles_of(user.id.key()));
        }
        add_received::<E>(plan, user, names, now_ms);
    });
    plan.select_condition::<E>()
}

/// Where a new share comes from: a row, shared by someone who manages it, or a share,
/// passed on by one of its receivers.
enum Origin {
    Object(Key),
    Share(Uuid),
}

/// The owned table of `E`, if its rows can be shared.
fn shareable<E: OwnedEntity>() -> Result<OwnedTable, OwnershipError> {
    if E::SHARE_ROOT.is_empty() {
        return Err(OwnershipError::NotShareable {
            model: E::MODEL_NAME,
        });
    }
    Ok(OwnedTable::of::<E>())
}

/// `SELECT` of a share's columns, with its origin's uuid, in [`read_shares`]'s order.
fn share_select(table: &OwnedTable, db: &impl ConnectionTrait) -> SelectStatement {
    let backend = db.get_database_backend();
    let identity = Identity::current();
    Query::select()
        .column((SHARE, ID))
        .column((SHARE, UUID))
        .expr(table.key.select(Expr::col((SHARE, OBJECT_ID)), backend))
        .column((ORIGIN, UUID))
        .expr(
            identity
                .user_key()
                .select(Expr::col((SHARE, EMITTER_ID)), backend),
        )
        .expr(
            identity
                .user_key()
                .select(Expr::col((SHARE, RECEIVER_USER_ID)), backend),
        )
        .expr(
            identity
                .group_key()
                .select(Expr::col((SHARE, RECEIVER_GROUP_ID)), backend),
        )
        .column((SHARE, EXPIRES_UNIX_MS))
        .from_as(table.shares.clone(), SHARE)
        .join_as(
            JoinType::LeftJoin,
            table.shares.clone(),
            ORIGIN,
            Expr::col((ORIGIN, ID)).equals((SHARE, ORIGIN_ID)),
        )
        .order_by((SHARE, ID), Order::Asc)
        .to_owned()
}

/// A share row read by [`share_select`], before its names.
struct ShareRow {
    id: i64,
    share: Share,
}

fn decode_share(row: &QueryResult, table: &OwnedTable) -> Result<ShareRow, DbErr> {
    let identity = Identity::current();
    let receiver = match (
        identity.user_key().decode_nullable(row, 5)?,
        identity.group_key().decode_nullable(row, 6)?,
    ) {
        (Some(user), _) => Agent::User(user.into()),
        (None, Some(group)) => Agent::Group(group.into()),
        (None, None) => Agent::Anyone,
    };
    Ok(ShareRow {
        id: row.try_get_by_index(0)?,
        share: Share {
            uuid: row.try_get_by_index(1)?,
            object_id: table.key.decode(row, 2)?,
            origin: row.try_get_by_index(3)?,
            emitter: identity.user_key().decode(row, 4)?.into(),
            receiver,
            expires_at: row.try_get_by_index::<Option<i64>>(7)?.map(from_unix_ms),
            names: Vec::new(),
        },
    })
}

/// The shares `select` (a [`share_select`]) finds, with their names, in its order.
async fn read_shares(
    db: &impl ConnectionTrait,
    table: &OwnedTable,
    select: SelectStatement,
) -> Result<Vec<Share>, OwnershipError> {
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        rows.push(decode_share(&row, table)?);
    }
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names = Query::select()
        .column((NAME_ROW, SHARE_ID))
        .column((NAME_ROW, NAME))
        .column((NAME_ROW, DEPTH))
        .from_as(table.share_names.clone(), NAME_ROW)
        .and_where(Expr::col((NAME_ROW, SHARE_ID)).is_in(rows.iter().map(|row| row.id)))
        .order_by((NAME_ROW, NAME), Order::Asc)
        .to_owned();
    let mut by_share: BTreeMap<i64, Vec<SharedName>> = BTreeMap::new();
    for row in db.query_all(&names).await? {
        let depth: i32 = row.try_get_by_index(2)?;
        by_share
            .entry(row.try_get_by_index(0)?)
            .or_default()
            .push(SharedName {
                name: row.try_get_by_index(1)?,
                depth: u32::try_from(depth).unwrap_or_default(),
            });
    }
    Ok(rows
        .into_iter()
        .map(|mut row| {
            row.share.names = by_share.remove(&row.id).unwrap_or_default();
            row.share
        })
        .collect())
}

/// The row shared by the share `uuid`; `None` if there is no such share.
async fn share_row(
    db: &impl ConnectionTrait,
    table: &OwnedTable,
    uuid: Uuid,
) -> Result<Option<Key>, DbErr> {
    let select = Query::select()
        .expr(
            table
                .key
                .select(Expr::col(OBJECT_ID), db.get_database_backend()),
        )
        .from(table.shares.clone())
        .and_where(Expr::col(UUID).eq(uuid))
        .to_owned();
    match db.query_one(&select).await? {
        Some(row) => Ok(Some(table.key.decode(&row, 0)?)),
        None => Ok(None),
    }
}

/// The share `uuid` that satisfies `narrow`, with its row id, locked until the
/// transaction ends (a revocation or a concurrent pass-on waits); `None` if there is none.
async fn locked_share(
    txn: &impl ConnectionTrait,
    table: &OwnedTable,
    uuid: Uuid,
    narrow: Condition,
) -> Result<Option<(i64, Share)>, OwnershipError> {
    let find = Query::select()
        .column((SHARE, ID))
        .from_as(table.shares.clone(), SHARE)
        .and_where(Expr::col((SHARE, UUID)).eq(uuid))
        .cond_where(narrow)
        .to_owned();
    let Some(row) = txn.query_one(&find).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get_by_index(0)?;
    // Locked by its primary key alone: InnoDB locks a record found through the uuid index
    // with the gap before it, where a concurrent pass-on inserts its own uuid, and the two
    // deadlock. Only the share's row is locked: PostgreSQL locks no row of an outer join's
    // nullable side, and MariaDB cannot name the table to lock.
    let lock = Query::select()
        .column(ID)
        .from(table.shares.clone())
        .and_where(Expr::col(ID).eq(id))
        .lock_exclusive()
        .to_owned();
    if txn.query_one(&lock).await?.is_none() {
        // Revoked since it was found.
        return Ok(None);
    }
    let mut select = share_select(table, txn);
    select.and_where(Expr::col((SHARE, ID)).eq(id));
    Ok(read_shares(txn, table, select)
        .await?
        .pop()
        .map(|share| (id, share)))
}

/// Shares addressed to the subject: to anyone, and, while the database confirms the
/// subject's user, to that user and to the groups it is a member of.
fn received_by(subject: &Subject) -> Condition {
    let mut any = Condition::any().add(Receiver::Anyone.addressed(SHARE));
    if let Some(user) = subject.active_user() {
        any = any.add(
            Condition::all().add(ownership::user_is(user, None)).add(
                Condition::any()
                    .add(Receiver::User(user.id.key()).addressed(SHARE))
                    .add(Receiver::GroupsOf(user.id.key()).addressed(SHARE)),
            ),
        );
    }
    any
}

/// Whether the subject is a user the database confirms: it exists with the snapshot's
/// stamp and is active.
async fn is_confirmed(
    txn: &impl ConnectionTrait,
    subject: &Subject,
) -> Result<bool, OwnershipError> {
    let Some(user) = subject.active_user() else {
        return Ok(false);
    };
    // A `CASE` rather than a `WHERE`: MySQL takes no `WHERE` without a `FROM`.
    let select = Query::select()
        .expr(Expr::case(ownership::user_is(user, None), 1i64).finally(0i64))
        .to_owned();
    let confirmed: Option<i64> = match txn.query_one(&select).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => None,
    };
    Ok(confirmed == Some(1))
}

/// Shares made by the subject's user, while the database confirms it.
fn emitted_by(subject: &Subject) -> Condition {
    match subject.active_user() {
        Some(user) => Condition::all()
            .add(ownership::user_is(user, None))
            .add(Expr::col((SHARE, EMITTER_ID)).eq(Value::from(&user.id))),
        None => crate::plan::deny(),
    }
}

/// The names a new share holds: of those that may be handed on (`available`, name → the
/// deepest depth allowed), the ones asked for, each at most at its allowed depth.
fn names_to_share(
    available: &BTreeMap<String, u32>,
    asked: Option<&BTreeMap<String, u32>>,
) -> Result<BTreeMap<String, u32>, OwnershipError> {
    let Some(asked) = asked else {
        return Ok(available.clone());
    };
    let mut names = BTreeMap::new();
    for (name, depth) in asked {
        check_name("permission name", name)?;
        if let Some(allowed) = available.get(name) {
            names.insert(name.clone(), Ord::min(*depth, *allowed));
        }
    }
    Ok(names)
}

/// `Ok` if the receiver exists (a user or group of the identity's key type).
async fn check_receiver(
    txn: &impl ConnectionTrait,
    receiver: &Agent,
) -> Result<(), OwnershipError> {
    let identity = Identity::current();
    match receiver {
        Agent::Anyone => Ok(()),
        Agent::User(user) => {
            identity.check_ids([user], [])?;
            if missing_keys(txn, identity.users.keyed.parts(), vec![user.key().clone()])
                .await?
                .is_empty()
            {
                Ok(())
            } else {
                Err(OwnershipError::UnknownUsers(vec![user.clone()]))
            }
        }
        Agent::Group(group) => {
            identity.check_ids([], [group])?;
            if missing_keys(
                txn,
                identity.groups.keyed.parts(),
                vec![group.key().clone()],
            )
            .await?
            .is_empty()
            {
                Ok(())
            } else {
                Err(OwnershipError::UnknownGroups(vec![group.clone()]))
            }
        }
    }
}

/// The condition that a share (aliased [`SHARE`]) is addressed to exactly `receiver`.
fn addressed_to(receiver: &Agent) -> Condition {
    let user = Expr::col((SHARE, RECEIVER_USER_ID));
    let group = Expr::col((SHARE, RECEIVER_GROUP_ID));
    match receiver {
        Agent::User(id) => Condition::all()
            .add(user.eq(Value::from(id)))
            .add(group.is_null()),
        Agent::Group(id) => Condition::all()
            .add(group.eq(Value::from(id)))
            .add(user.is_null()),
        Agent::Anyone => with_anyone(SHARE),
    }
}

/// Shares a row, or passes a share on.
async fn make_share<E: OwnedEntity, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    subject: &Subject,
    origin: Origin,
    request: &ShareRequest,
) -> Result<Share, OwnershipError> {
    let table = shareable::<E>()?;
    let now_ms = subject.now_ms();
    if let Some(asked) = &request.names {
        for name in asked.keys() {
            check_name("permission name", name)?;
        }
    }
    if request.expires_at.is_some_and(|at| unix_ms(at) <= now_ms) {
        return Err(OwnershipError::ExpiryNotInFuture {
            model: E::MODEL_NAME,
        });
    }
    let action = match origin {
        Origin::Object(_) => AuditAction::Share,
        Origin::Share(_) => AuditAction::PassOn,
    };
    // Shares of one row are made one after another, under the row's lock, taken first: the
    // duplicate check below then reads, with no lock of its own, every share made before.
    // A locking read there would lock the gap where the new share goes, which other rows'
    // shares made at once can share, and on MariaDB their inserts would deadlock. The row
    // of a share passed on is read before the transaction: a share never changes rows.
    let passed_on_row = match origin {
        Origin::Object(_) => None,
        Origin::Share(uuid) => share_row(db, &table, uuid).await?,
    };
    let txn = db.begin().await?;
    let result = async {
        if let Some(object) = passed_on_row {
            lock_objects(&txn, &table, &BTreeSet::from([object])).await?;
        }
        let (object, origin_id, available, origin_expiry) = match origin {
            Origin::Object(object) => {
                // Locks the row.
                check_manages::<E, _>(&txn, subject, &object, "share the object").await?;
                let root = E::SHARE_ROOT
                    .iter()
                    .map(|(name, depth)| ((*name).to_owned(), *depth))
                    .collect();
                (object, None, root, None)
            }
            Origin::Share(uuid) => {
                let Some((id, share)) =
                    locked_share(&txn, &table, uuid, received_by(subject)).await?
                else {
                    return Err(not_found::<E>("share"));
                };
                // A share needs an emitter the database confirms: a receiver of a share with
                // anyone may be anonymous, or a user deactivated or deleted since loading.
                if !is_confirmed(&txn, subject).await? {
                    return Err(denied::<E>("pass a share on without signing in"));
                }
                if share.expires_at.is_some_and(|at| unix_ms(at) <= now_ms) {
                    return Err(OwnershipError::ShareExpired {
                        model: E::MODEL_NAME,
                        uuid,
                    });
                }
                let passable = share
                    .names
                    .iter()
                    .filter(|held| held.depth >= 1)
                    .map(|held| (held.name.clone(), held.depth - 1))
                    .collect();
                (
                    share.object_id,
                    Some(id),
                    passable,
                    share.expires_at.map(unix_ms),
                )
            }
        };
        let names = names_to_share(&available, request.names.as_ref())?;
        if names.is_empty() {
            return Err(OwnershipError::NothingToShare {
                model: E::MODEL_NAME,
            });
        }
        let Some(emitter) = subject.active_user() else {
            return Err(denied::<E>("share without signing in"));
        };
        let expires_ms = match (request.expires_at.map(unix_ms), origin_expiry) {
            (Some(asked), Some(origin)) => Some(Ord::min(asked, origin)),
            (asked, origin) => asked.or(origin),
        };
        check_receiver(&txn, &request.receiver).await?;
        let mut same = Query::select();
        same.column((SHARE, UUID))
            .from_as(table.shares.clone(), SHARE)
            .and_where(Expr::col((SHARE, OBJECT_ID)).eq(Value::from(&object)))
            .and_where(match origin_id {
                Some(origin) => Expr::col((SHARE, ORIGIN_ID)).eq(origin),
                None => Expr::col((SHARE, ORIGIN_ID)).is_null(),
            })
            .cond_where(addressed_to(&request.receiver));
        if let Some(existing) = txn.query_one(&same).await? {
            return Err(OwnershipError::DuplicateShare {
                model: E::MODEL_NAME,
                existing: existing.try_get_by_index(0)?,
            });
        }
        let identity = Identity::current();
        let (receiver_user, receiver_group) = match &request.receiver {
            Agent::User(user) => (Value::from(user), identity.group_key().null()),
            Agent::Group(group) => (identity.user_key().null(), Value::from(group)),
            Agent::Anyone => (identity.user_key().null(), identity.group_key().null()),
        };
        let to_anyone = matches!(request.receiver, Agent::Anyone);
        let uuid = Uuid::new_v4();
        let insert = Query::insert()
            .into_table(table.shares.clone())
            .columns([
                UUID,
                OBJECT_ID,
                ORIGIN_ID,
                EMITTER_ID,
                RECEIVER_USER_ID,
                RECEIVER_GROUP_ID,
                TO_ANYONE,
                EXPIRES_UNIX_MS,
            ])
            .values_panic([
                uuid.into(),
                Value::from(&object).into(),
                Value::BigInt(origin_id).into(),
                Value::from(&emitter.id).into(),
                receiver_user.clone().into(),
                receiver_group.clone().into(),
                to_anyone.into(),
                Value::BigInt(expires_ms).into(),
            ])
            .to_owned();
        txn.execute(&insert).await?;
        let id_of_new = Query::select()
            .column(ID)
            .from(table.shares.clone())
            .and_where(Expr::col(UUID).eq(uuid))
            .to_owned();
        let share_id: i64 = txn
            .query_one(&id_of_new)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the share just inserted".to_owned()))?
            .try_get_by_index(0)?;
        let mut insert_names = Query::insert();
        insert_names.into_table(table.share_names.clone()).columns([
            SHARE_ID,
            NAME,
            DEPTH,
            OBJECT_ID,
            RECEIVER_USER_ID,
            RECEIVER_GROUP_ID,
            TO_ANYONE,
            EXPIRES_UNIX_MS,
        ]);
        for (name, depth) in &names {
            insert_names.values_panic([
                share_id.into(),
                name.as_str().into(),
                i64::from(*depth).into(),
                Value::from(&object).into(),
                receiver_user.clone().into(),
                receiver_group.clone().into(),
                to_anyone.into(),
                Value::BigInt(expires_ms).into(),
            ]);
        }
        txn.execute(&insert_names).await?;
        let mut created = share_select(&table, &txn);
        created.and_where(Expr::col((SHARE, ID)).eq(share_id));
        let share = read_shares(&txn, &table, created)
            .await?
            .pop()
            .ok_or_else(|| DbErr::RecordNotFound("the share just inserted".to_owned()))?;
        audit_rows::<E>(subject, action, &share).write(&txn).await?;
        Ok(share)
    }
    .await;
    finish(txn, result).await
}

/// The audit row of `action` by `subject` on `share`: its row, receiver and names, and
/// as detail its uuid, origin, depths and expiry.
fn audit_rows<E: OwnedEntity>(subject: &Subject, action: AuditAction, share: &Share) -> AuditRows {
    let receiver = match &share.receiver {
        Agent::User(user) => AuditGrantee::User(user.clone()),
        Agent::Group(group) => AuditGrantee::Group(group.clone()),
        Agent::Anyone => AuditGrantee::Anyone,
    };
    let names: Vec<&str> = share.names.iter().map(|held| held.name.as_str()).collect();
    let depths: BTreeMap<&str, u32> = share
        .names
        .iter()
        .map(|held| (held.name.as_str(), held.depth))
        .collect();
    let detail = serde_json::json!({
        "share": share.uuid.to_string(),
        "origin": share.origin.map(|origin| origin.to_string()),
        "depths": depths,
        "expires_at_ms": share.expires_at.map(unix_ms),
    });
    let mut audit = AuditRows::new(Actor::Subject(subject), action);
    audit.add(
        (Some(E::MODEL_NAME), Some(&share.object_id)),
        Some(&receiver),
        &names,
        Some(&detail.to_string()),
    );
    audit
}

async fn revoke<E: OwnedEntity, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    subject: &Subject,
    uuid: Uuid,
) -> Result<(), OwnershipError> {
    let table = shareable::<E>()?;
    let txn = db.begin().await?;
    let result = async {
        let Some((id, share)) = locked_share(&txn, &table, uuid, Condition::all()).await? else {
            return Err(not_found::<E>("share"));
        };
        let by_emitter = is_share(&txn, &table, id, emitted_by(subject)).await?;
        if !by_emitter {
            let object = share.object_id.clone();
            match check_manages::<E, _>(&txn, subject, &object, "revoke the share").await {
                Ok(()) => {}
                Err(OwnershipError::NotFound { .. } | OwnershipError::PermissionDenied { .. }) => {
                    // Nobody learns of a share it neither receives, made, nor manages the row of.
                    return Err(if is_share(&txn, &table, id, received_by(subject)).await? {
                        denied::<E>("revoke the share")
                    } else {
                        not_found::<E>("share")
                    });
                }
                Err(other) => return Err(other),
            }
        }
        // Recorded before the `DELETE`, which then holds its locks the least.
        audit_rows::<E>(subject, AuditAction::RevokeShare, &share)
            .write(&txn)
            .await?;
        let delete = Query::delete()
            .from_table(table.shares.clone())
            .and_where(Expr::col(ID).eq(id))
            .to_owned();
        txn.execute(&delete).await?;
        Ok(())
    }
    .await;
    finish(txn, result).await
}

/// Whether the share with row id `id` satisfies `condition`.
async fn is_share(
    txn: &impl ConnectionTrait,
    table: &OwnedTable,
    id: i64,
    condition: Condition,
) -> Result<bool, OwnershipError> {
    let select = Query::select()
        .expr(Expr::cust("1"))
        .from_as(table.shares.clone(), SHARE)
        .and_where(Expr::col((SHARE, ID)).eq(id))
        .cond_where(condition)
        .to_owned();
    Ok(txn.query_one(&select).await?.is_some())
}

async fn list_shares<E: OwnedEntity, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    subject: &Subject,
    object: Key,
) -> Result<Vec<Share>, OwnershipError> {
    let table = shareable::<E>()?;
    let txn = db.begin().await?;
    let result = async {
        check_manages::<E, _>(&txn, subject, &object, "list the object's shares").await?;
        let mut select = share_select(&table, &txn);
        select.and_where(Expr::col((SHARE, OBJECT_ID)).eq(Value::from(&object)));
        let shares = read_shares(&txn, &table, select).await?;
        Ok(shares)
    }
    .await;
    finish(txn, result).await
}

async fn chain<E: OwnedEntity, C: ConnectionTrait + TransactionTrait>(
    db: &C,
    subject: &Subject,
    uuid: Uuid,
) -> Result<Vec<Share>, OwnershipError> {
    let table = shareable::<E>()?;
    let txn = db.begin().await?;
    let result = async {
        let visible = Condition::any()
            .add(received_by(subject))
            .add(emitted_by(subject));
        let found = locked_share(&txn, &table, uuid, visible).await?;
        let last = match found {
            Some((_, share)) => share,
            None => {
                let Some((_, share)) = locked_share(&txn, &table, uuid, Condition::all()).await?
                else {
                    return Err(not_found::<E>("share"));
                };
                let object = share.object_id.clone();
                check_manages::<E, _>(&txn, subject, &object, "read the share's chain")
                    .await
                    .map_err(|_| not_found::<E>("share"))?;
                share
            }
        };
        let mut chain = vec![last];
        // At most MAX_SHARE_DEPTH + 1 shares long: each passed-on share holds a depth below its
        // origin's.
        while let Some(origin) = chain.last().and_then(|share| share.origin) {
            let mut select = share_select(&table, &txn);
            select.and_where(Expr::col((SHARE, UUID)).eq(origin));
            match read_shares(&txn, &table, select).await?.pop() {
                Some(share) => chain.push(share),
                None => break,
            }
        }
        chain.reverse();
        Ok(chain)
    }
    .await;
    finish(txn, result).await
}
