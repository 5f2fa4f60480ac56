//! ACL templates (rule 8, django-object-acl): grants made on every object that a user, or
//! a member of a group, creates through the library.
//!
//! A template names its owner and its target by grantee type (see
//! [`Identity::grantee_type`]), a [`Level`] and a model (or every model). When a user
//! creates a row with [`insert_as`](crate::AuthorizedActiveModelExt::insert_as), the
//! templates whose owner is the user or one of its groups (as the database says then, not
//! a subject loaded earlier) grant their levels on the row to their targets, with the
//! entity's [`CREATOR_LEVEL`](OwnedEntity::CREATOR_LEVEL) to the user, in the insert's
//! transaction: one `SELECT` of the matching templates and at most two `INSERT`s, whatever
//! the number of templates, and one more into the audit trail; a grant several templates
//! give is written once.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{Expr, ExprTrait, Query, UnionType};
use sea_orm::{Condition, ConnectionTrait, DbBackend, DbErr, TransactionTrait, Value};

use crate::audit::{Actor, AuditAction, AuditGrantee, AuditRows, key_text};
use crate::entity::acl_template::{Column, Entity};
use crate::error::OwnershipError;
use crate::grant::{check_name, insert_object_grants, missing_keys};
use crate::identity::{GranteeKind, Identity};
use crate::key::{GroupId, Key, UserId};
use crate::owned::{Level, OwnedEntity};
use crate::plan::OwnedTable;
use crate::subject::Subject;
use crate::trace;
use crate::transaction::finish;

/// A grantee named by its type: a user or a group, as the type resolves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedGrantee {
    /// The grantee type, registered with [`Identity::grantee_type`] (`user` and `group` are
    /// built in).
    pub grantee_type: String,
    /// The user's or the group's id.
    pub id: Key,
}

impl TypedGrantee {
    /// The grantee `id` of the type `grantee_type`.
    pub fn new(grantee_type: impl Into<String>, id: impl Into<Key>) -> Self {
        Self {
            grantee_type: grantee_type.into(),
            id: id.into(),
        }
    }
}

/// An ACL template: on every object of its model that its owner (a user, or any member of
/// a group) creates through the library, its target is granted its level.
///
/// ```
/// use ownership_core::{AclTemplate, Level, TypedGrantee};
///
/// // What a member of team 1 creates, team 2 may view.
/// let template = AclTemplate::new(
///     TypedGrantee::new("group", 1_i64),
///     TypedGrantee::new("group", 2_i64),
///     Level::View,
/// )
/// .for_model_named("report");
/// assert_eq!(template.model_name.as_deref(), Some("report"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclTemplate {
    /// Whose creations the template applies to.
    pub owner: TypedGrantee,
    /// Who is granted the level.
    pub target: TypedGrantee,
    /// The level granted.
    pub level: Level,
    /// The model the template applies to, or `None` for every model.
    pub model_name: Option<String>,
}

impl AclTemplate {
    /// A template for every model: what `owner` creates, `target` gets `level` on.
    pub fn new(owner: TypedGrantee, target: TypedGrantee, level: Level) -> Self {
        Self {
            owner,
            target,
            level,
            model_name: None,
        }
    }

    /// The same, for rows of `E` only.
    pub fn for_model<E: OwnedEntity>(self) -> Self {
        self.for_model_named(E::MODEL_NAME)
    }

    /// The same, for rows of the model named `model_name` only.
    pub fn for_model_named(mut self, model_name: impl Into<String>) -> Self {
        self.model_name = Some(model_name.into());
        self
    }
}

/// A stored template with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedAclTemplate {
    /// The template's id, for [`delete_acl_template`].
    pub id: i64,
    /// The template.
    pub template: AclTemplate,
}

/// A grantee's type resolved: the kind, the id typed and checked against the identity's key
/// type.
fn resolve(identity: &Identity, grantee: &TypedGrantee) -> Result<GranteeKind, OwnershipError> {
    let kind = identity.grantee_kind(&grantee.grantee_type)?;
    match kind {
        GranteeKind::Users => identity.check_ids([&UserId::from(grantee.id.clone())], [])?,
        GranteeKind::Groups => identity.check_ids([], [&GroupId::from(grantee.id.clone())])?,
    }
    Ok(kind)
}

/// The template table's column for a grantee of `kind`, of its pair of user and group
/// columns, with its id; the other stays NULL.
fn grantee_value(
    kind: GranteeKind,
    id: &Key,
    (user_column, group_column): (Column, Column),
) -> (Column, Value) {
    match kind {
        GranteeKind::Users => (user_column, id.into()),
        GranteeKind::Groups => (group_column, id.into()),
    }
}

/// A grantee of `kind` as the audit trail names it.
fn audited(kind: GranteeKind, id: &Key) -> AuditGrantee {
    match kind {
        GranteeKind::Users => AuditGrantee::User(id.clone().into()),
        GranteeKind::Groups => AuditGrantee::Group(id.clone().into()),
    }
}

/// Stores `template` and returns its id. An unregistered grantee type is
/// [`OwnershipError::UnknownGranteeType`], a user or group that does not exist
/// [`OwnershipError::UnknownUsers`] or [`OwnershipError::UnknownGroups`]; nothing is
/// written then.
///
/// Templates are configuration, written by back-office code and migrations: like
/// [`grant`](fn@crate::grant), this checks no subject's right to write them.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "acl template", what = "create", actor = trace::NOBODY)
)]
pub async fn create_acl_template<C>(db: &C, template: &AclTemplate) -> Result<i64, OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let identity = Identity::current();
    let owner_kind = resolve(identity, &template.owner)?;
    let target_kind = resolve(identity, &template.target)?;
    if let Some(model_name) = &template.model_name {
        check_name("model name", model_name)?;
    }
    let txn = db.begin().await?;
    let result = async {
        for (kind, id) in [
            (owner_kind, &template.owner.id),
            (target_kind, &template.target.id),
        ] {
            let (parts, unknown): (_, fn(Key) -> OwnershipError) = match kind {
                GranteeKind::Users => (identity.users.keyed.parts(), |key| {
                    OwnershipError::UnknownUsers(vec![key.into()])
                }),
                GranteeKind::Groups => (identity.groups.keyed.parts(), |key| {
                    OwnershipError::UnknownGroups(vec![key.into()])
                }),
            };
            if let Some(missing) = missing_keys(&txn, parts, vec![id.clone()]).await?.pop() {
                return Err(unknown(missing));
            }
        }
        let mut values = vec![
            (
                Column::OwnerType,
                template.owner.grantee_type.clone().into(),
            ),
            (
                Column::TargetType,
                template.target.grantee_type.clone().into(),
            ),
            (Column::Level, template.level.as_str().into()),
            (Column::ModelName, template.model_name.clone().into()),
        ];
        values.push(grantee_value(
            owner_kind,
            &template.owner.id,
            (Column::OwnerUserId, Column::OwnerGroupId),
        ));
        values.push(grantee_value(
            target_kind,
            &template.target.id,
            (Column::TargetUserId, Column::TargetGroupId),
        ));
        let (columns, values): (Vec<_>, Vec<_>) = values.into_iter().unzip();
        let mut insert = Query::insert();
        insert
            .into_table(Entity)
            .columns(columns)
            .values_panic(values.into_iter().map(Expr::from));
        let id = if txn.get_database_backend() == DbBackend::MySql {
            txn.execute(&insert).await?.last_insert_id() as i64
        } else {
            insert.returning_col(Column::Id);
            txn.query_one(&insert)
                .await?
                .ok_or_else(|| DbErr::RecordNotInserted)?
                .try_get_by_index::<i64>(0)?
        };
        let mut audit = AuditRows::new(Actor::Nobody, AuditAction::CreateAclTemplate);
        let detail = serde_json::json!({
            "template": id,
            "owner_type": template.owner.grantee_type,
            "owner": key_text(&template.owner.id),
            "target_type": template.target.grantee_type,
        });
        audit.add(
            (template.model_name.as_deref(), None),
            Some(&audited(target_kind, &template.target.id)),
            &[template.level.as_str()],
            Some(&detail.to_string()),
        );
        audit.write(&txn).await?;
        Ok(id)
    }
    .await;
    finish(txn, result).await
}

/// Deletes the template `id`; whether there was one. The grants it made stay.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "acl template", what = "delete", actor = trace::NOBODY)
)]
pub async fn delete_acl_template<C>(db: &C, id: i64) -> Result<bool, OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let result = async {
        let delete = Query::delete()
            .from_table(Entity)
            .and_where(Expr::col(Column::Id).eq(id))
            .to_owned();
        let deleted = txn.execute(&delete).await?.rows_affected() > 0;
        if deleted {
            let mut audit = AuditRows::new(Actor::Nobody, AuditAction::DeleteAclTemplate);
            let detail = serde_json::json!({ "template": id }).to_string();
            audit.add((None, None), None, &[] as &[&str], Some(&detail));
            audit.write(&txn).await?;
        }
        Ok(deleted)
    }
    .await;
    finish(txn, result).await
}

/// Every stored template, by id.
pub async fn acl_templates<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<SavedAclTemplate>, OwnershipError> {
    let identity = Identity::current();
    let backend = db.get_database_backend();
    let (user, group) = (identity.user_key(), identity.group_key());
    let select = Query::select()
        .columns([
            Column::Id,
            Column::OwnerType,
            Column::TargetType,
            Column::Level,
            Column::ModelName,
        ])
        .expr(user.select(Expr::col(Column::OwnerUserId), backend))
        .expr(group.select(Expr::col(Column::OwnerGroupId), backend))
        .expr(user.select(Expr::col(Column::TargetUserId), backend))
        .expr(group.select(Expr::col(Column::TargetGroupId), backend))
        .from(Entity)
        .order_by(Column::Id, sea_orm::Order::Asc)
        .to_owned();
    let mut templates = Vec::new();
    for row in db.query_all(&select).await? {
        let grantee = |type_column: usize, user_column: usize| -> Result<TypedGrantee, DbErr> {
            let id = match user.decode_nullable(&row, user_column)? {
                Some(id) => id,
                None => group.decode(&row, user_column + 1)?,
            };
            Ok(TypedGrantee {
                grantee_type: row.try_get_by_index(type_column)?,
                id,
            })
        };
        templates.push(SavedAclTemplate {
            id: row.try_get_by_index(0)?,
            template: AclTemplate {
                owner: grantee(1, 5)?,
                target: grantee(2, 7)?,
                level: stored_level(&row.try_get_by_index::<String>(3)?)?,
                model_name: row.try_get_by_index(4)?,
            },
        });
    }
    Ok(templates)
}

/// A level read from the table, whose check admits only the three names.
fn stored_level(name: &str) -> Result<Level, DbErr> {
    Level::from_name(name).ok_or_else(|| DbErr::Type(format!("an unknown ACL level {name:?}")))
}

/// Grants, on the row `object` of `E` that `user` (the subject's) has just created, what
/// the templates owned by the user or its groups give on `E`'s model, and the entity's
/// creator level to the user: one `SELECT` and at most two `INSERT`s in `txn`, and one
/// more into the audit trail.
pub(crate) async fn apply<E: OwnedEntity>(
    txn: &impl ConnectionTrait,
    subject: &Subject,
    user: &Key,
    object: &Key,
) -> Result<(), OwnershipError> {
    let identity = Identity::current();
    let backend = txn.get_database_backend();
    // One arm per owner column, so each probes its own index (an `OR` of the two would
    // read the whole table); a template has one owner, so no row comes twice.
    let arm = |owner: Expr| {
        Query::select()
            .column(Column::Level)
            .expr(
                identity
                    .user_key()
                    .select(Expr::col(Column::TargetUserId), backend),
            )
            .expr(
                identity
                    .group_key()
                    .select(Expr::col(Column::TargetGroupId), backend),
            )
            .from(Entity)
            .cond_where(
                Condition::all().add(owner).add(
                    Condition::any()
                        .add(Expr::col(Column::ModelName).is_null())
                        .add(Expr::col(Column::ModelName).eq(E::MODEL_NAME)),
                ),
            )
            .to_owned()
    };
    let select =
        arm(Expr::col(Column::OwnerUserId).eq(Value::from(user)))
            .union(
                UnionType::All,
                arm(Expr::col(Column::OwnerGroupId)
                    .in_subquery(identity.groups_of(user, "membership"))),
            )
            .to_owned();
    let (mut to_users, mut to_groups) = (BTreeSet::new(), BTreeSet::new());
    let grant = |level: Level, rows: &mut BTreeSet<_>, grantee: Key| {
        for name in level.names::<E>() {
            rows.insert((grantee.clone(), name, object.clone()));
        }
    };
    if let Some(level) = E::CREATOR_LEVEL {
        grant(level, &mut to_users, user.clone());
    }
    for row in txn.query_all(&select).await? {
        let level = stored_level(&row.try_get_by_index::<String>(0)?)?;
        match identity.user_key().decode_nullable(&row, 1)? {
            Some(target) => grant(level, &mut to_users, target),
            None => grant(level, &mut to_groups, identity.group_key().decode(&row, 2)?),
        }
    }
    let mut names_of: BTreeMap<AuditGrantee, Vec<&str>> = BTreeMap::new();
    for (grantees, kind) in [
        (&to_users, GranteeKind::Users),
        (&to_groups, GranteeKind::Groups),
    ] {
        for (grantee, name, _) in grantees {
            names_of
                .entry(audited(kind, grantee))
                .or_default()
                .push(name);
        }
    }
    let mut audit = AuditRows::new(Actor::Subject(subject), AuditAction::GrantOnInsert);
    for (grantee, names) in &names_of {
        audit.add(
            (Some(E::MODEL_NAME), Some(object)),
            Some(grantee),
            names,
            None,
        );
    }
    insert_object_grants(txn, &OwnedTable::of::<E>(), to_users, to_groups).await?;
    audit.write(txn).await?;
    Ok(())
}
