//! Granting and revoking permissions, and removing an object's grants with the object.
//!
//! Every operation is one transaction. Rows are written with `ON CONFLICT DO NOTHING`
//! (MySQL: `ON DUPLICATE KEY UPDATE` of a key column to itself), so granting twice, or two
//! callers granting at once, leaves one row and no duplicate-key error; the ids of the rows
//! just upserted are read with `FOR SHARE`, which on MySQL sees a row another transaction
//! committed after this one's snapshot (SQLite has no row locks and needs none). Lists longer than a
//! statement can bind are split over several statements inside the transaction.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;

use sea_orm::sea_query::{DynIden, Expr, ExprTrait, Func, IntoIden, OnConflict, Query, TableRef};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    TransactionSession, TransactionTrait,
};

use crate::OwnedEntity;
use crate::entity::{content_type, group, permission, permission_group, permission_user, user};
use crate::error::OwnershipError;

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
    users: BTreeSet<i64>,
    groups: BTreeSet<i64>,
}

impl Grantees {
    /// These users.
    pub fn users(ids: impl IntoIterator<Item = i64>) -> Self {
        Self::default().and_users(ids)
    }

    /// These groups.
    pub fn groups(ids: impl IntoIterator<Item = i64>) -> Self {
        Self::default().and_groups(ids)
    }

    /// These users too.
    pub fn and_users(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.users.extend(ids);
        self
    }

    /// These groups too.
    pub fn and_groups(mut self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.groups.extend(ids);
        self
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
        model_name: String,
        table: TableRef,
        id_column: DynIden,
        ids: BTreeSet<i64>,
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

    /// One object of an owned entity.
    pub fn object<E: OwnedEntity>(id: i64) -> Self {
        Self::objects::<E>([id])
    }

    /// Some objects of an owned entity. Granting on an id with no row is an error, so a
    /// row inserted later under that id can never inherit the grant.
    pub fn objects<E: OwnedEntity>(ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            scope: Scope::Objects {
                model_name: E::MODEL_NAME.to_owned(),
                table: E::default().table_ref(),
                id_column: E::id_column().into_iden(),
                ids: ids.into_iter().collect(),
            },
        }
    }

    fn model_name(&self) -> Option<&str> {
        match &self.scope {
            Scope::Everything => None,
            Scope::Model(name)
            | Scope::Objects {
                model_name: name, ..
            } => Some(name),
        }
    }
}

/// Grants `permission` on `target` to `grantees`, in one transaction, and returns nothing
/// new for grants that already exist.
///
/// A user, group or object that does not exist is an error and nothing is written. No
/// grantee or no object is a no-op.
pub async fn grant<C>(
    db: &C,
    permission: &str,
    target: &Target,
    grantees: &Grantees,
) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    check_name("permission name", permission)?;
    if let Some(model_name) = target.model_name() {
        check_name("model name", model_name)?;
    }
    if grantees.is_empty() || matches!(&target.scope, Scope::Objects { ids, .. } if ids.is_empty())
    {
        return Ok(());
    }
    let txn = db.begin().await?;
    let missing = missing_ids(&txn, user::Entity, user::Column::Id, &grantees.users).await?;
    if !missing.is_empty() {
        return Err(OwnershipError::UnknownUsers(missing));
    }
    let missing = missing_ids(&txn, group::Entity, group::Column::Id, &grantees.groups).await?;
    if !missing.is_empty() {
        return Err(OwnershipError::UnknownGroups(missing));
    }
    let model_key = target.model_name().unwrap_or_default();
    let permissions = match &target.scope {
        Scope::Everything | Scope::Model(_) => {
            let id = upsert_permission(&txn, permission, target.model_name()).await?;
            vec![(id, None)]
        }
        Scope::Objects {
            model_name,
            table,
            id_column,
            ids,
        } => {
            // Locking the rows makes a concurrent delete wait for this grant, or this grant
            // wait for the delete and then find the rows gone.
            let missing = missing_ids(&txn, table.clone(), id_column.clone(), ids).await?;
            if !missing.is_empty() {
                return Err(OwnershipError::UnknownObjects {
                    model: model_name.clone(),
                    ids: missing,
                });
            }
            let content_types = upsert_content_types(&txn, model_name, ids).await?;
            upsert_object_permissions(&txn, permission, model_name, &content_types).await?
        }
    };
    let granted = Granted {
        name: permission,
        model_key,
        permissions: &permissions,
    };
    insert_grants(
        &txn,
        permission_user::Entity,
        [
            permission_user::Column::PermissionId,
            permission_user::Column::UserId,
            permission_user::Column::Name,
            permission_user::Column::ModelKey,
            permission_user::Column::ObjectId,
        ],
        &granted,
        &grantees.users,
    )
    .await?;
    insert_grants(
        &txn,
        permission_group::Entity,
        [
            permission_group::Column::PermissionId,
            permission_group::Column::GroupId,
            permission_group::Column::Name,
            permission_group::Column::ModelKey,
            permission_group::Column::ObjectId,
        ],
        &granted,
        &grantees.groups,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes `permission` on `target` from `grantees`, in one transaction, and returns how
/// many grants were removed. Revoking what was never granted removes nothing and is fine.
///
/// Only the grants to the listed users and groups go: a user keeps what its groups hold,
/// and the permission row stays for its other holders.
pub async fn revoke<C>(
    db: &C,
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
    let permission_ids = existing_permissions(&txn, permission, target).await?;
    let mut removed = 0;
    for ids in permission_ids.chunks(MAX_BOUND_VALUES / 2) {
        for users in chunks(&grantees.users, MAX_BOUND_VALUES / 2) {
            removed += permission_user::Entity::delete_many()
                .filter(permission_user::Column::PermissionId.is_in(ids.iter().copied()))
                .filter(permission_user::Column::UserId.is_in(users))
                .exec(&txn)
                .await?
                .rows_affected;
        }
        for groups in chunks(&grantees.groups, MAX_BOUND_VALUES / 2) {
            removed += permission_group::Entity::delete_many()
                .filter(permission_group::Column::PermissionId.is_in(ids.iter().copied()))
                .filter(permission_group::Column::GroupId.is_in(groups))
                .exec(&txn)
                .await?
                .rows_affected;
        }
    }
    txn.commit().await?;
    Ok(removed)
}

/// Removing an owned entity's rows together with the grants on them.
pub trait ObjectGrants: OwnedEntity {
    /// Deletes the rows with these ids and, in the same transaction, their content types
    /// and with them every permission on them, so an id used again inherits nothing.
    /// Returns how many rows were deleted.
    ///
    /// The rows go first: deleting them waits for any grant that has share-locked them, so
    /// the content types deleted next include the ones such a grant created.
    fn delete_with_grants<'a, C: ConnectionTrait + TransactionTrait>(
        db: &'a C,
        ids: impl IntoIterator<Item = i64> + Send + 'a,
    ) -> impl Future<Output = Result<u64, DbErr>> + Send + 'a {
        let ids: Vec<i64> = ids.into_iter().collect();
        async move {
            let txn = db.begin().await?;
            let mut deleted = 0;
            for chunk in ids.chunks(MAX_BOUND_VALUES) {
                deleted += Self::delete_many()
                    .filter(Self::id_column().is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?
                    .rows_affected;
                content_type::Entity::delete_many()
                    .filter(content_type::Column::ModelName.eq(Self::MODEL_NAME))
                    .filter(content_type::Column::ObjectId.is_in(chunk.iter().copied()))
                    .exec(&txn)
                    .await?;
            }
            txn.commit().await?;
            Ok(deleted)
        }
    }

    /// Deletes the content types, and so the permissions, of rows that no longer exist
    /// (deleted without [`ObjectGrants::delete_with_grants`]). Returns how many content
    /// types were removed. One statement.
    fn purge_orphan_grants<C: ConnectionTrait>(
        db: &C,
    ) -> impl Future<Output = Result<u64, DbErr>> + Send + '_ {
        let existing = Query::select()
            .column(Self::id_column())
            .from(Self::default().table_ref())
            .to_owned();
        let purge = content_type::Entity::delete_many()
            .filter(content_type::Column::ModelName.eq(Self::MODEL_NAME))
            .filter(content_type::Column::ObjectId.not_in_subquery(existing));
        async move { Ok(purge.exec(db).await?.rows_affected) }
    }
}

impl<E: OwnedEntity> ObjectGrants for E {}

/// `ids` in pieces of at most `size`.
fn chunks(ids: &BTreeSet<i64>, size: usize) -> impl Iterator<Item = Vec<i64>> + '_ {
    let ids: Vec<i64> = ids.iter().copied().collect();
    (0..ids.len())
        .step_by(size)
        .map(move |start| ids[start..(start + size).min(ids.len())].to_vec())
}

/// Those of `ids` with no row in `table`, ascending; the rows found stay share-locked until
/// the transaction ends.
async fn missing_ids(
    txn: &impl ConnectionTrait,
    table: impl Into<TableRef>,
    id_column: impl IntoIden,
    ids: &BTreeSet<i64>,
) -> Result<Vec<i64>, DbErr> {
    let table = table.into();
    let id_column = id_column.into_iden();
    // Read every integer id as a BIGINT: PostgreSQL's driver decodes an `int4` column only
    // into an `i32`. MySQL spells the 64-bit integer cast SIGNED.
    let bigint = match txn.get_database_backend() {
        DbBackend::MySql => "SIGNED",
        _ => "BIGINT",
    };
    let mut found = BTreeSet::new();
    for chunk in chunks(ids, MAX_BOUND_VALUES) {
        let select = Query::select()
            .expr(Func::cast_as(Expr::col(id_column.clone()), bigint))
            .from(table.clone())
            .and_where(Expr::col(id_column.clone()).is_in(chunk))
            .lock_shared()
            .to_owned();
        for row in txn.query_all(&select).await? {
            found.insert(row.try_get_by_index::<i64>(0)?);
        }
    }
    Ok(ids.difference(&found).copied().collect())
}

/// The id of the permission row for (name, model, no object), created if missing.
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
            permission::Column::ObjectKey,
        ])
        .values_panic([
            name.into(),
            model_name.map(str::to_owned).into(),
            model_key.into(),
            0i64.into(),
        ])
        .on_conflict(do_nothing(permission_scope_key()))
        .to_owned();
    txn.execute(&insert).await?;
    permission::Entity::find()
        .select_only()
        .column(permission::Column::Id)
        .filter(permission::Column::Name.eq(name))
        .filter(permission::Column::ModelKey.eq(model_key))
        .filter(permission::Column::ObjectKey.eq(0i64))
        .lock_shared()
        .into_tuple::<i64>()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the permission just upserted".to_owned()))
}

/// The content type id of each object, created where missing.
async fn upsert_content_types(
    txn: &impl ConnectionTrait,
    model_name: &str,
    object_ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, i64>, DbErr> {
    let mut by_object = HashMap::with_capacity(object_ids.len());
    for chunk in chunks(object_ids, MAX_BOUND_VALUES / 2) {
        let mut insert = Query::insert();
        insert.into_table(content_type::Entity).columns([
            content_type::Column::ModelName,
            content_type::Column::ObjectId,
        ]);
        for &object_id in &chunk {
            insert.values_panic([model_name.into(), object_id.into()]);
        }
        insert.on_conflict(do_nothing(vec![
            content_type::Column::ModelName.into_iden(),
            content_type::Column::ObjectId.into_iden(),
        ]));
        txn.execute(&insert).await?;
        let rows: Vec<(i64, i64)> = content_type::Entity::find()
            .select_only()
            .columns([content_type::Column::ObjectId, content_type::Column::Id])
            .filter(content_type::Column::ModelName.eq(model_name))
            .filter(content_type::Column::ObjectId.is_in(chunk))
            .lock_shared()
            .into_tuple()
            .all(txn)
            .await?;
        by_object.extend(rows);
    }
    Ok(by_object)
}

/// The permission rows for (name, model, each content type), created where missing: each
/// permission's id with its object's id.
async fn upsert_object_permissions(
    txn: &impl ConnectionTrait,
    name: &str,
    model_name: &str,
    content_types: &HashMap<i64, i64>,
) -> Result<Vec<(i64, Option<i64>)>, DbErr> {
    let object_of: HashMap<i64, i64> = content_types
        .iter()
        .map(|(&object_id, &content_type_id)| (content_type_id, object_id))
        .collect();
    let content_type_ids: BTreeSet<i64> = object_of.keys().copied().collect();
    let mut permissions = Vec::with_capacity(content_type_ids.len());
    for chunk in chunks(&content_type_ids, MAX_BOUND_VALUES / 5) {
        let mut insert = Query::insert();
        insert.into_table(permission::Entity).columns([
            permission::Column::Name,
            permission::Column::ModelName,
            permission::Column::ContentTypeId,
            permission::Column::ModelKey,
            permission::Column::ObjectKey,
        ]);
        for &content_type_id in &chunk {
            insert.values_panic([
                name.into(),
                model_name.into(),
                content_type_id.into(),
                model_name.into(),
                content_type_id.into(),
            ]);
        }
        insert.on_conflict(do_nothing(permission_scope_key()));
        txn.execute(&insert).await?;
        let rows: Vec<(i64, i64)> = permission::Entity::find()
            .select_only()
            .columns([permission::Column::Id, permission::Column::ObjectKey])
            .filter(permission::Column::Name.eq(name))
            .filter(permission::Column::ModelKey.eq(model_name))
            .filter(permission::Column::ObjectKey.is_in(chunk))
            .lock_shared()
            .into_tuple()
            .all(txn)
            .await?;
        permissions.extend(
            rows.into_iter()
                .map(|(id, content_type_id)| (id, object_of.get(&content_type_id).copied())),
        );
    }
    Ok(permissions)
}

/// The ids of the permission rows `target` names, without creating any.
async fn existing_permissions(
    txn: &impl ConnectionTrait,
    name: &str,
    target: &Target,
) -> Result<Vec<i64>, DbErr> {
    let base = || {
        Query::select()
            .column((permission::Entity, permission::Column::Id))
            .from(permission::Entity)
            .and_where(Expr::col((permission::Entity, permission::Column::Name)).eq(name))
            .to_owned()
    };
    let mut selects = Vec::new();
    match &target.scope {
        Scope::Everything | Scope::Model(_) => {
            let model_key = target.model_name().unwrap_or_default();
            selects.push(
                base()
                    .and_where(
                        Expr::col((permission::Entity, permission::Column::ModelKey)).eq(model_key),
                    )
                    .and_where(
                        Expr::col((permission::Entity, permission::Column::ObjectKey)).eq(0i64),
                    )
                    .to_owned(),
            );
        }
        Scope::Objects {
            model_name, ids, ..
        } => {
            for chunk in chunks(ids, MAX_BOUND_VALUES) {
                let content_types = Query::select()
                    .column(content_type::Column::Id)
                    .from(content_type::Entity)
                    .and_where(content_type::Column::ModelName.eq(model_name.as_str()))
                    .and_where(content_type::Column::ObjectId.is_in(chunk))
                    .to_owned();
                selects.push(
                    base()
                        .and_where(
                            Expr::col((permission::Entity, permission::Column::ContentTypeId))
                                .in_subquery(content_types),
                        )
                        .to_owned(),
                );
            }
        }
    }
    let mut ids = Vec::new();
    for select in selects {
        for row in txn.query_all(&select).await? {
            ids.push(row.try_get_by_index::<i64>(0)?);
        }
    }
    Ok(ids)
}

/// The permissions a grant writes grant rows for: one name and model key, and each
/// permission's id with the id of its object (`None` for every object).
struct Granted<'a> {
    name: &'a str,
    model_key: &'a str,
    permissions: &'a [(i64, Option<i64>)],
}

/// Inserts a grant row for each (permission, grantee) into a grant table, skipping
/// existing ones. `columns` are the table's permission, grantee, name, model key and
/// object columns, in that order.
async fn insert_grants<C: IntoIden + Copy>(
    txn: &impl ConnectionTrait,
    table: impl IntoIden,
    columns: [C; 5],
    granted: &Granted<'_>,
    grantees: &BTreeSet<i64>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    let rows: Vec<(i64, Option<i64>, i64)> = granted
        .permissions
        .iter()
        .flat_map(|&(permission_id, object_id)| {
            grantees
                .iter()
                .map(move |&grantee_id| (permission_id, object_id, grantee_id))
        })
        .collect();
    for chunk in rows.chunks(MAX_BOUND_VALUES / columns.len()) {
        let mut insert = Query::insert();
        insert.into_table(table.clone()).columns(columns);
        for &(permission_id, object_id, grantee_id) in chunk {
            insert.values_panic([
                permission_id.into(),
                grantee_id.into(),
                granted.name.into(),
                granted.model_key.into(),
                object_id.into(),
            ]);
        }
        insert.on_conflict(do_nothing(vec![
            columns[0].into_iden(),
            columns[1].into_iden(),
        ]));
        txn.execute(&insert).await?;
    }
    Ok(())
}

/// The permission table's unique key.
fn permission_scope_key() -> Vec<DynIden> {
    vec![
        permission::Column::Name.into_iden(),
        permission::Column::ModelKey.into_iden(),
        permission::Column::ObjectKey.into_iden(),
    ]
}

/// `ON CONFLICT (key) DO NOTHING`; on MySQL `ON DUPLICATE KEY UPDATE k = k`, which unlike
/// `INSERT IGNORE` still fails on a foreign-key violation.
fn do_nothing(key: Vec<DynIden>) -> OnConflict {
    let first = key[0].clone();
    OnConflict::columns(key).do_nothing_on([first]).to_owned()
}
