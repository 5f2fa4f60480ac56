//! Granting and revoking permissions.
//!
//! A grant on every object of a model, or of every model, is a row of the plugin's
//! permission tables; a grant on single objects is a row of the owned entity's own grant
//! tables, which reference the object and go with it, whatever deletes it.
//!
//! Every operation is one transaction. Rows are written with `ON CONFLICT DO NOTHING`
//! (MySQL: `ON DUPLICATE KEY UPDATE` of a key column to itself), so granting twice, or two
//! callers granting at once, leaves one row and no duplicate-key error; the ids of the rows
//! just upserted are read with `FOR SHARE`, which on MySQL sees a row another transaction
//! committed after this one's snapshot (SQLite has no row locks and needs none). Grants
//! and revocations on single rows first lock those rows for update, so that those on one
//! row run one after another. Lists longer than a statement can bind are split over
//! several statements inside the transaction.

use std::collections::BTreeSet;

use sea_orm::sea_query::{
    DynIden, Expr, ExprTrait, IntoIden, IntoTableRef, IntoValueTuple, LockType, OnConflict, Order,
    Query, TableRef,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryFilter, QuerySelect,
    TransactionTrait, Value,
};

use crate::audit::{Actor, AuditAction, AuditGrantee, AuditRows};
use crate::entity::object_grant::{GROUP_ID, NAME, OBJECT_ID, USER_ID};
use crate::entity::{permission, permission_group, permission_user};
use crate::error::OwnershipError;
use crate::identity::{GranteeKind, Identity};
use crate::key::{GroupId, Key, KeyType, UserId};
use crate::owned::{Level, OwnedEntity};
use crate::plan::OwnedTable;
use crate::scope::IdOf;
use crate::trace;
use crate::transaction::finish;

/// The most values one statement binds. Below SQLite's limit (32,766), the lowest of the
/// three backends, with room for the few other parameters of a statement.
pub(crate) const MAX_BOUND_VALUES: usize = 30_000;

/// The longest permission or model name, in characters.
pub const MAX_NAME_CHARS: usize = 150;

/// Checks a permission or model name: not blank, at most [`MAX_NAME_CHARS`] characters.
pub(crate) fn check_name(what: &'static str, name: &str) -> Result<(), OwnershipError> {
    let problem = if name.trim().is_empty() {
        "is empty"
    } else if name.chars().count() > MAX_NAME_CHARS {
        "is longer than 150 characters"
    } else if name.contains('\0') {
        "contains a NUL character"
    } else {
        return Ok(());
    };
    Err(OwnershipError::InvalidName {
        what,
        problem,
        name: name.chars().take(40).collect(),
    })
}

/// The users and groups a permission is granted to or revoked from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grantees {
    users: BTreeSet<UserId>,
    groups: BTreeSet<GroupId>,
}

impl Grantees {
    /// These users.
    pub fn users(ids: impl IntoIterator<Item = UserId>) -> Self {
        Self::default().and_users(ids)
    }

    /// These groups.
    pub fn groups(ids: impl IntoIterator<Item = GroupId>) -> Self {
        Self::default().and_groups(ids)
    }

    /// These users too.
    pub fn and_users(mut self, ids: impl IntoIterator<Item = UserId>) -> Self {
        self.users.extend(ids);
        self
    }

    /// These groups too.
    pub fn and_groups(mut self, ids: impl IntoIterator<Item = GroupId>) -> Self {
        self.groups.extend(ids);
        self
    }

    /// These grantees of the type `grantee_type`, registered with
    /// [`Identity::grantee_type`] (`user` and `group` are built in): users or groups as
    /// the type resolves. An unregistered type is [`OwnershipError::UnknownGranteeType`].
    ///
    /// ```
    /// use ownership_core::{Grantees, GroupId};
    ///
    /// let grantees = Grantees::of_type("group", [7_i64, 9])?;
    /// assert_eq!(grantees, Grantees::groups([GroupId::from(7), GroupId::from(9)]));
    /// assert!(Grantees::of_type("department", [1_i64]).is_err());
    /// # Ok::<(), ownership_core::OwnershipError>(())
    /// ```
    pub fn of_type<K: Into<Key>>(
        grantee_type: &str,
        ids: impl IntoIterator<Item = K>,
    ) -> Result<Self, OwnershipError> {
        Self::default().and_of_type(grantee_type, ids)
    }

    /// These grantees of the type `grantee_type` too, as [`of_type`](Self::of_type).
    pub fn and_of_type<K: Into<Key>>(
        self,
        grantee_type: &str,
        ids: impl IntoIterator<Item = K>,
    ) -> Result<Self, OwnershipError> {
        let keys = ids.into_iter().map(Into::into);
        Ok(match Identity::current().grantee_kind(grantee_type)? {
            GranteeKind::Users => self.and_users(keys.map(UserId::from)),
            GranteeKind::Groups => self.and_groups(keys.map(GroupId::from)),
        })
    }

    fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }
}

/// What a permission covers: everything, one model, or some objects of one model.
#[derive(Clone, Debug)]
pub struct Target {
    scope: Scope,
}

#[derive(Clone, Debug)]
enum Scope {
    Everything,
    Model(String),
    Objects {
        table: Box<OwnedTable>,
        ids: BTreeSet<Key>,
        /// The primary-key column, to name it in an error.
        id_column: &'static str,
        /// The first id given that no key holds (see [`Key`]), as text.
        out_of_range: Option<String>,
    },
}

impl Target {
    /// Every object of every model.
    pub fn everything() -> Self {
        Self {
            scope: Scope::Everything,
        }
    }

    /// Every object of an owned entity.
    pub fn model<E: OwnedEntity>() -> Self {
        Self::model_named(E::MODEL_NAME)
    }

    /// Every object of the model with this name.
    pub fn model_named(model_name: impl Into<String>) -> Self {
        Self {
            scope: Scope::Model(model_name.into()),
        }
    }

    /// One object of an owned entity, by its id in the entity's own key type.
    pub fn object<E: OwnedEntity>(id: IdOf<E>) -> Self {
        Self::objects::<E>([id])
    }

    /// Some objects of an owned entity, by their ids in the entity's own key type. Granting
    /// on an id with no row is an error, so a row inserted later under that id can never
    /// inherit the grant.
    pub fn objects<E: OwnedEntity>(ids: impl IntoIterator<Item = IdOf<E>>) -> Self {
        let mut keys = BTreeSet::new();
        let mut out_of_range = None;
        for id in ids {
            let value = id.into_value_tuple().into_iter().next();
            match value.as_ref().and_then(Key::of_value) {
                Some(key) => {
                    keys.insert(key);
                }
                None => {
                    out_of_range.get_or_insert_with(|| match value {
                        Some(Value::BigUnsigned(Some(id))) => id.to_string(),
                        other => format!("{other:?}"),
                    });
                }
            }
        }
        Self::objects_of::<E>(keys, out_of_range)
    }

    /// Objects of an owned entity by their keys, every one of them held by a key.
    pub(crate) fn object_keys<E: OwnedEntity>(ids: BTreeSet<Key>) -> Self {
        Self::objects_of::<E>(ids, None)
    }

    fn objects_of<E: OwnedEntity>(ids: BTreeSet<Key>, out_of_range: Option<String>) -> Self {
        Self {
            scope: Scope::Objects {
                table: Box::new(OwnedTable::of::<E>()),
                ids,
                id_column: E::id_column().as_str(),
                out_of_range,
            },
        }
    }

    fn model_name(&self) -> Option<&str> {
        match &self.scope {
            Scope::Everything => None,
            Scope::Model(name) => Some(name),
            Scope::Objects { table, .. } => Some(table.model_name),
        }
    }

    /// The audit rows of `action` by `actor` of `names` on the target for `grantees`: one
    /// per object (or one for the whole model or everything) and grantee.
    fn audit_rows(
        &self,
        actor: Actor<'_>,
        action: AuditAction,
        grantees: &Grantees,
        names: &[&str],
        detail: Option<&str>,
    ) -> AuditRows {
        let objects: Vec<Option<&Key>> = match &self.scope {
            Scope::Objects { ids, .. } => ids.iter().map(Some).collect(),
            Scope::Everything | Scope::Model(_) => vec![None],
        };
        let grantees: Vec<AuditGrantee> = (grantees.users.iter().cloned())
            .map(AuditGrantee::User)
            .chain(grantees.groups.iter().cloned().map(AuditGrantee::Group))
            .collect();
        let mut audit = AuditRows::new(actor, action);
        for object in objects {
            for grantee in &grantees {
                audit.add((self.model_name(), object), Some(grantee), names, detail);
            }
        }
        audit
    }
}

/// Grants every permission name of `level` on rows of `E` (see [`Level::names`]) on
/// `target` to `grantees`, in one transaction: exactly those grants, each once however
/// often it is given. As [`grant`] otherwise.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = E::MODEL_NAME, what = "grant", actor = trace::NOBODY)
)]
pub async fn grant_level<E, C>(
    db: &C,
    level: Level,
    target: &Target,
    grantees: &Grantees,
) -> Result<(), OwnershipError>
where
    E: OwnedEntity,
    C: ConnectionTrait + TransactionTrait,
{
    grant_names(db, Actor::Nobody, &level.names::<E>(), target, grantees).await
}

/// Grants `permission` on `target` to `grantees`, in one transaction, and returns nothing
/// new for grants that already exist.
///
/// A user, group or object that does not exist is an error and nothing is written. No
/// grantee or no object is a no-op.
///
/// This is the administrative grant, for back-office code, migrations and tests: it acts
/// for nobody and checks no one's right to grant. A request made on behalf of a user goes
/// through [`grant_as`](crate::AuthorizedGrants::grant_as), which does.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = target.model_name().unwrap_or("every model"), what = "grant", actor = trace::NOBODY)
)]
pub async fn grant<C>(
    db: &C,
    permission: &str,
    target: &Target,
    grantees: &Grantees,
) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    grant_names(db, Actor::Nobody, &[permission], target, grantees).await
}

/// Grants each of `permissions` on `target` to `grantees`, in one transaction, as
/// [`grant`] grants one: the users, groups and objects are checked once for all names.
/// The audit trail records `actor`.
pub(crate) async fn grant_names<C>(
    db: &C,
    actor: Actor<'_>,
    permissions: &[&str],
    target: &Target,
    grantees: &Grantees,
) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    for permission in permissions {
        check_name("permission name", permission)?;
    }
    if let Some(model_name) = target.model_name() {
        check_name("model name", model_name)?;
    }
    if let Scope::Objects {
        table,
        id_column,
        out_of_range: Some(id),
        ..
    } = &target.scope
    {
        return Err(OwnershipError::ValueOutOfRange {
            model: table.model_name,
            column: id_column,
            value: id.clone(),
        });
    }
    if permissions.is_empty()
        || grantees.is_empty()
        || matches!(&target.scope, Scope::Objects { ids, .. } if ids.is_empty())
    {
        return Ok(());
    }
    let identity = Identity::current();
    identity.check_ids(&grantees.users, &grantees.groups)?;
    let txn = db.begin().await?;
    let result = write_grants(&txn, identity, actor, permissions, target, grantees).await;
    finish(txn, result).await
}

/// Writes the grants of [`grant_names`] and their audit rows by `actor` in `txn`, once the
/// users, groups and objects are found (and share-locked).
async fn write_grants(
    txn: &impl ConnectionTrait,
    identity: &Identity,
    actor: Actor<'_>,
    permissions: &[&str],
    target: &Target,
    grantees: &Grantees,
) -> Result<(), OwnershipError> {
    let missing = missing_keys(txn, identity.users.keyed.parts(), keys(&grantees.users)).await?;
    if !missing.is_empty() {
        return Err(OwnershipError::UnknownUsers(
            missing.into_iter().map(UserId::from).collect(),
        ));
    }
    let missing = missing_keys(txn, identity.groups.keyed.parts(), keys(&grantees.groups)).await?;
    if !missing.is_empty() {
        return Err(OwnershipError::UnknownGroups(
            missing.into_iter().map(GroupId::from).collect(),
        ));
    }
    if let Scope::Objects { table, ids, .. } = &target.scope {
        let missing = lock_objects(txn, table, ids).await?;
        if !missing.is_empty() {
            return Err(OwnershipError::UnknownObjects {
                model: table.model_name.to_owned(),
                ids: missing,
            });
        }
    }
    // Recorded before the grants: their rows are then locked last and held the least.
    let audit = target.audit_rows(actor, AuditAction::Grant, grantees, permissions, None);
    audit.write(txn).await?;
    match &target.scope {
        Scope::Everything | Scope::Model(_) => {
            let model_key = target.model_name().unwrap_or_default();
            let (mut user_rows, mut group_rows) = (Vec::new(), Vec::new());
            for &permission in permissions {
                let permission_id = upsert_permission(txn, permission, target.model_name()).await?;
                let granted = |grantee: Value| {
                    [
                        permission_id.into(),
                        grantee,
                        permission.into(),
                        model_key.into(),
                    ]
                };
                user_rows.extend(grantees.users.iter().map(|user| granted(user.into())));
                group_rows.extend(grantees.groups.iter().map(|group| granted(group.into())));
            }
            insert_grants(
                txn,
                permission_user::Entity.into_table_ref(),
                [
                    permission_user::Column::PermissionId.into_iden(),
                    permission_user::Column::UserId.into_iden(),
                    permission_user::Column::Name.into_iden(),
                    permission_user::Column::ModelKey.into_iden(),
                ],
                2,
                user_rows,
            )
            .await?;
            insert_grants(
                txn,
                permission_group::Entity.into_table_ref(),
                [
                    permission_group::Column::PermissionId.into_iden(),
                    permission_group::Column::GroupId.into_iden(),
                    permission_group::Column::Name.into_iden(),
                    permission_group::Column::ModelKey.into_iden(),
                ],
                2,
                group_rows,
            )
            .await?;
        }
        Scope::Objects { table, ids, .. } => {
            let rows = |grantees: Vec<Key>| {
                let mut rows = BTreeSet::new();
                for grantee in grantees {
                    for &permission in permissions {
                        for id in ids {
                            rows.insert((grantee.clone(), permission, id.clone()));
                        }
                    }
                }
                rows
            };
            insert_object_grants(
                txn,
                table,
                rows(keys(&grantees.users)),
                rows(keys(&grantees.groups)),
            )
            .await?;
        }
    }
    Ok(())
}

/// Inserts grants on single rows of `table`, each (grantee, permission name, row): to users
/// into its user grant table, to groups into its group grant table, skipping those that
/// exist.
pub(crate) async fn insert_object_grants(
    txn: &impl ConnectionTrait,
    table: &OwnedTable,
    to_users: BTreeSet<(Key, &str, Key)>,
    to_groups: BTreeSet<(Key, &str, Key)>,
) -> Result<(), DbErr> {
    for (grant_table, grantee_column, rows) in [
        (&table.user_grants, USER_ID, to_users),
        (&table.group_grants, GROUP_ID, to_groups),
    ] {
        insert_grants(
            txn,
            grant_table.clone(),
            [grantee_column, NAME, OBJECT_ID].map(IntoIden::into_iden),
            3,
            rows.into_iter()
                .map(|(grantee, permission, id)| [grantee.into(), permission.into(), id.into()])
                .collect(),
        )
        .await?;
    }
    Ok(())
}

/// Revokes `permission` on `target` from `grantees`, in one transaction, and returns how
/// many grants were removed. Revoking what was never granted removes nothing and is fine.
///
/// Only the grants to the listed users and groups go: a user keeps what its groups hold,
/// and the permission row stays for its other holders.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = target.model_name().unwrap_or("every model"), what = "revoke", actor = trace::NOBODY)
)]
pub async fn revoke<C>(
    db: &C,
    permission: &str,
    target: &Target,
    grantees: &Grantees,
) -> Result<u64, OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    revoke_name(db, Actor::Nobody, permission, target, grantees).await
}

/// Revokes `permission` as [`revoke`] does; the audit trail records `actor`.
pub(crate) async fn revoke_name<C>(
    db: &C,
    actor: Actor<'_>,
    permission: &str,
    target: &Target,
    grantees: &Grantees,
) -> Result<u64, OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    if grantees.is_empty() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let result = async {
        if let Scope::Objects { table, ids, .. } = &target.scope {
            lock_objects(&txn, table, ids).await?;
        }
        // Recorded before the `DELETE`, as a grant before its inserts.
        let audit = target.audit_rows(actor, AuditAction::Revoke, grantees, &[permission], None);
        audit.write(&txn).await?;
        delete_grants(&txn, permission, target, grantees).await
    }
    .await;
    finish(txn, result).await
}

/// Deletes the grants of [`revoke`] in `txn`; how many there were.
async fn delete_grants(
    txn: &impl ConnectionTrait,
    permission: &str,
    target: &Target,
    grantees: &Grantees,
) -> Result<u64, OwnershipError> {
    let mut removed = 0;
    match &target.scope {
        Scope::Everything | Scope::Model(_) => {
            // Each grant carries its permission's name and model key: no lookup of the id.
            let model_key = target.model_name().unwrap_or_default();
            for users in chunks(&keys(&grantees.users), MAX_BOUND_VALUES) {
                removed += permission_user::Entity::delete_many()
                    .filter(permission_user::Column::Name.eq(permission))
                    .filter(permission_user::Column::ModelKey.eq(model_key))
                    .filter(permission_user::Column::UserId.is_in(users))
                    .exec(txn)
                    .await?
                    .rows_affected;
            }
            for groups in chunks(&keys(&grantees.groups), MAX_BOUND_VALUES) {
                removed += permission_group::Entity::delete_many()
                    .filter(permission_group::Column::Name.eq(permission))
                    .filter(permission_group::Column::ModelKey.eq(model_key))
                    .filter(permission_group::Column::GroupId.is_in(groups))
                    .exec(txn)
                    .await?
                    .rows_affected;
            }
        }
        Scope::Objects { table, ids, .. } => {
            // An id no key holds has no grant to revoke: none could be given.
            for (grant_table, grantee_column, grantees) in [
                (&table.user_grants, USER_ID, keys(&grantees.users)),
                (&table.group_grants, GROUP_ID, keys(&grantees.groups)),
            ] {
                let ids: Vec<Key> = ids.iter().cloned().collect();
                for objects in chunks(&ids, MAX_BOUND_VALUES / 2) {
                    for grantees in chunks(&grantees, MAX_BOUND_VALUES / 2) {
                        let delete = Query::delete()
                            .from_table(grant_table.clone())
                            .and_where(Expr::col(NAME).eq(permission))
                            .and_where(Expr::col(OBJECT_ID).is_in(objects.clone()))
                            .and_where(Expr::col(grantee_column).is_in(grantees))
                            .to_owned();
                        removed += txn.execute(&delete).await?.rows_affected();
                    }
                }
            }
        }
    }
    Ok(removed)
}

/// The keys of typed ids, in order.
fn keys<I: AsRef<Key>>(ids: &BTreeSet<I>) -> Vec<Key> {
    ids.iter().map(|id| id.as_ref().clone()).collect()
}

/// `items` in pieces of at most `size`.
fn chunks<T: Clone>(items: &[T], size: usize) -> impl Iterator<Item = Vec<T>> + '_ {
    items.chunks(size).map(<[T]>::to_vec)
}

/// Locks the rows `ids` of `table` for update, in key order, and gives those of `ids` with
/// no row, ascending.
///
/// Grants and revocations on single rows take this lock first, so those on one row run one
/// after another (as shares and clones of one row do). Otherwise, on MySQL and MariaDB,
/// concurrent upserts of a grant a revocation has just deleted all hold the gap it left
/// and each waits for the others to insert into it: a deadlock. The lock also makes a concurrent delete of a row wait for
/// the grant, or the grant wait for the delete and then find the row gone (the foreign key
/// would refuse the grant then, with a less telling error).
pub(crate) async fn lock_objects(
    txn: &impl ConnectionTrait,
    table: &OwnedTable,
    ids: &BTreeSet<Key>,
) -> Result<Vec<Key>, DbErr> {
    let parts = (&table.table, &table.id, table.key);
    locking_missing_keys(txn, parts, ids.iter().cloned().collect(), LockType::Update).await
}

/// Those of `keys` with no row in `table`, ascending; the rows found stay share-locked
/// until the transaction ends.
pub(crate) async fn missing_keys(
    txn: &impl ConnectionTrait,
    parts: (&TableRef, &DynIden, KeyType),
    keys: Vec<Key>,
) -> Result<Vec<Key>, DbErr> {
    locking_missing_keys(txn, parts, keys, LockType::Share).await
}

/// Those of `keys` with no row in `table`, ascending; the rows found are locked with
/// `lock` in key order, so that two transactions locking overlapping rows take them in
/// the same order and neither waits for the other twice.
async fn locking_missing_keys(
    txn: &impl ConnectionTrait,
    (table, id, key): (&TableRef, &DynIden, KeyType),
    keys: Vec<Key>,
    lock: LockType,
) -> Result<Vec<Key>, DbErr> {
    let mut sorted = keys;
    sorted.sort_unstable();
    sorted.dedup();
    let mut found = BTreeSet::new();
    for chunk in chunks(&sorted, MAX_BOUND_VALUES) {
        let select = Query::select()
            .expr(key.select(Expr::col(id.clone()), txn.get_database_backend()))
            .from(table.clone())
            .and_where(Expr::col(id.clone()).is_in(chunk.into_iter().map(Value::from)))
            .order_by(id.clone(), Order::Asc)
            .lock(lock)
            .to_owned();
        for row in txn.query_all(&select).await? {
            found.insert(key.decode(&row, 0)?);
        }
    }
    sorted.retain(|key| !found.contains(key));
    Ok(sorted)
}

/// The id of the permission row for (name, model), created if missing.
async fn upsert_permission(
    txn: &impl ConnectionTrait,
    name: &str,
    model_name: Option<&str>,
) -> Result<i64, DbErr> {
    let model_key = model_name.unwrap_or_default();
    let insert = Query::insert()
        .into_table(permission::Entity)
        .columns([
            permission::Column::Name,
            permission::Column::ModelName,
            permission::Column::ModelKey,
        ])
        .values_panic([
            name.into(),
            model_name.map(str::to_owned).into(),
            model_key.into(),
        ])
        .on_conflict(do_nothing(permission_scope_key()))
        .to_owned();
    txn.execute(&insert).await?;
    permission::Entity::find()
        .select_only()
        .column(permission::Column::Id)
        .filter(permission::Column::Name.eq(name))
        .filter(permission::Column::ModelKey.eq(model_key))
        .lock_shared()
        .into_tuple::<i64>()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the permission just upserted".to_owned()))
}

/// Inserts `rows` of `columns` into a grant table, skipping the rows whose key (the first
/// `key_len` columns) exists.
async fn insert_grants<const N: usize>(
    txn: &impl ConnectionTrait,
    table: TableRef,
    columns: [DynIden; N],
    key_len: usize,
    rows: Vec<[sea_orm::Value; N]>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(MAX_BOUND_VALUES / N) {
        let mut insert = Query::insert();
        insert.into_table(table.clone()).columns(columns.clone());
        for row in chunk {
            insert.values_panic(row.clone().map(Expr::from));
        }
        insert.on_conflict(do_nothing(columns[..key_len].to_vec()));
        txn.execute(&insert).await?;
    }
    Ok(())
}

/// The permission table's unique key.
fn permission_scope_key() -> Vec<DynIden> {
    vec![
        permission::Column::Name.into_iden(),
        permission::Column::ModelKey.into_iden(),
    ]
}

/// `ON CONFLICT (key) DO NOTHING`; on MySQL `ON DUPLICATE KEY UPDATE k = k`, which unlike
/// `INSERT IGNORE` still fails on a foreign-key violation.
pub(crate) fn do_nothing(key: Vec<DynIden>) -> OnConflict {
    let first = key[0].clone();
    OnConflict::columns(key).do_nothing_on([first]).to_owned()
}
