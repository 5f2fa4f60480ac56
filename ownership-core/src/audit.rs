//! The audit trail: who granted, revoked, shared or assigned what to whom, on which object
//! and when. Each change writes its rows in its own transaction, so a change that fails
//! leaves none; the trail is read back per object or per user, newest first, and nothing
//! in the library changes or deletes it.
//!
//! Above the identity and the keys, below every module that changes grants, shares,
//! policies or templates: those hand it their rows; it names none of their tables.

use std::time::SystemTime;

use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use crate::clock::{from_unix_ms, unix_ms};
use crate::entity::audit::{
    ACTION, ACTOR_USER_ID, AT_MS, DETAIL, GRANTEE_GROUP_ID, GRANTEE_TYPE, GRANTEE_USER_ID, ID,
    MODEL_NAME, MODEL_NAME_CHARS, NAMES, OBJECT_ID, OBJECT_ID_CHARS, TABLE,
};
use crate::error::OwnershipError;
use crate::identity::Identity;
use crate::key::{GroupId, Key, UserId};
use crate::owned::OwnedEntity;
use crate::scope::IdOf;
use crate::subject::Subject;

/// What a row of the audit trail records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditAction {
    /// Permission names granted: [`grant`](fn@crate::grant),
    /// [`grant_level`](crate::grant_level) and their subject variants.
    Grant,
    /// One permission name revoked, as asked, whether or not it was held (how many grants
    /// went is what the revocation returns).
    Revoke,
    /// The grants made on a row inserted with
    /// [`insert_as`](crate::AuthorizedActiveModelExt::insert_as): the entity's creator
    /// level and what the ACL templates give.
    GrantOnInsert,
    /// A row shared by a subject who manages it; the grantee is the receiver, the detail
    /// holds the share's uuid, its origin's (none), the depth of each name and the expiry
    /// in milliseconds since the Unix epoch (or none):
    /// `{"share": .., "origin": null, "depths": {"view": 2}, "expires_at_ms": null}`.
    Share,
    /// A share passed on by one of its receivers; the detail as for [`Share`](Self::Share),
    /// with the origin's uuid.
    PassOn,
    /// A share revoked, with every share passed on from it; the detail as for
    /// [`Share`](Self::Share), of the share revoked.
    RevokeShare,
    /// A principal's list of policies replaced; the names are the policies in order, the
    /// detail the values of their variables, one JSON object per policy.
    AssignPolicies,
    /// A policy created; the detail is its body.
    CreatePolicy,
    /// A policy's body replaced; the detail is the new body.
    UpdatePolicy,
    /// A policy deleted.
    DeletePolicy,
    /// An ACL template created; the grantee is its target, the name its level, the detail
    /// holds its id and its owner.
    CreateAclTemplate,
    /// An ACL template deleted; the detail holds its id.
    DeleteAclTemplate,
}

impl AuditAction {
    const ALL: [AuditAction; 12] = [
        AuditAction::Grant,
        AuditAction::Revoke,
        AuditAction::GrantOnInsert,
        AuditAction::Share,
        AuditAction::PassOn,
        AuditAction::RevokeShare,
        AuditAction::AssignPolicies,
        AuditAction::CreatePolicy,
        AuditAction::UpdatePolicy,
        AuditAction::DeletePolicy,
        AuditAction::CreateAclTemplate,
        AuditAction::DeleteAclTemplate,
    ];

    /// The name stored in the table: `grant`, `revoke`, `grant_on_insert`, `share`,
    /// `pass_on`, `revoke_share`, `assign_policies`, `create_policy`, `update_policy`,
    /// `delete_policy`, `create_acl_template`, `delete_acl_template`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Grant => "grant",
            AuditAction::Revoke => "revoke",
            AuditAction::GrantOnInsert => "grant_on_insert",
            AuditAction::Share => "share",
            AuditAction::PassOn => "pass_on",
            AuditAction::RevokeShare => "revoke_share",
            AuditAction::AssignPolicies => "assign_policies",
            AuditAction::CreatePolicy => "create_policy",
            AuditAction::UpdatePolicy => "update_policy",
            AuditAction::DeletePolicy => "delete_policy",
            AuditAction::CreateAclTemplate => "create_acl_template",
            AuditAction::DeleteAclTemplate => "delete_acl_template",
        }
    }

    /// The action stored under `name`.
    fn from_stored(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// Whom a change was about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuditGrantee {
    /// A user: granted to, shared with, assigned policies.
    User(UserId),
    /// A group: granted to or shared with.
    Group(GroupId),
    /// Anyone, signed in or not: a share with anyone.
    Anyone,
    /// Anyone not signed in: the anonymous principal's policies.
    Anonymous,
}

impl AuditGrantee {
    /// The name stored in the grantee type column.
    fn type_name(&self) -> &'static str {
        match self {
            AuditGrantee::User(_) => "user",
            AuditGrantee::Group(_) => "group",
            AuditGrantee::Anyone => "anyone",
            AuditGrantee::Anonymous => "anonymous",
        }
    }
}

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// The row's id: later rows have greater ids.
    pub id: i64,
    /// When the change was made: by the acting subject's clock, by the system's for the
    /// administrative functions.
    pub at: SystemTime,
    /// The user who made the change; `None` for the administrative functions, which act
    /// for nobody.
    pub actor: Option<UserId>,
    /// What was done.
    pub action: AuditAction,
    /// The model; `None`: every model, or no model (a policy).
    pub model_name: Option<String>,
    /// The object's key as text (a UUID hyphenated, a string key as it is, at most
    /// [`OBJECT_ID_CHARS`] characters); `None`: every object of the model.
    pub object_id: Option<String>,
    /// Whom the change was about; `None` for a policy's own changes.
    pub grantee: Option<AuditGrantee>,
    /// The permission names, the level, or the policies, as [`AuditAction`] says.
    pub names: Vec<String>,
    /// What else the action records, as [`AuditAction`] says.
    pub detail: Option<String>,
}

/// Which entries of a trail to read: at most `limit`, newest first, optionally only those
/// written before a given entry (the next page after one that ended with it).
///
/// ```
/// use ownership_core::AuditPage;
///
/// let first = AuditPage::newest(50);
/// // After a page whose last (oldest) entry had the id 1234:
/// let next = first.before(1234);
/// assert_ne!(first, next);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditPage {
    limit: u64,
    before: Option<i64>,
}

impl AuditPage {
    /// The `limit` newest entries.
    pub const fn newest(limit: u64) -> Self {
        Self {
            limit,
            before: None,
        }
    }

    /// The same number of entries, among those older than the entry `id`.
    pub const fn before(mut self, id: i64) -> Self {
        self.before = Some(id);
        self
    }

    /// Narrows `select` of the audit table to the page, newest first.
    fn apply(self, select: &mut SelectStatement) {
        if let Some(before) = self.before {
            select.and_where(Expr::col(ID).lt(before));
        }
        select.order_by(ID, Order::Desc).limit(self.limit);
    }
}

/// The trail of the row `id` of `E`: every grant, revocation and share naming it, newest
/// first, within `page`. Grants on every object of the model are not the object's: they
/// have no object.
///
/// One statement, a range of the (model name, object, id) index.
pub async fn audit_trail_of_object<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    id: IdOf<E>,
    page: AuditPage,
) -> Result<Vec<AuditEntry>, OwnershipError> {
    use sea_orm::sea_query::IntoValueTuple;
    let Some(key) = id
        .into_value_tuple()
        .into_iter()
        .next()
        .as_ref()
        .and_then(Key::of_value)
    else {
        // No key holds the id: nothing was ever recorded of it.
        return Ok(Vec::new());
    };
    let mut select = entry_select(db);
    select
        .and_where(Expr::col(MODEL_NAME).eq(cut(E::MODEL_NAME, MODEL_NAME_CHARS)))
        .and_where(Expr::col(OBJECT_ID).eq(key_text(&key)));
    page.apply(&mut select);
    read(db, select).await
}

/// The trail of the user `user`: every change it made and every change about it (granted
/// to it, shared with it, its policies), newest first, within `page`. Changes about its
/// groups are the groups', not the user's.
///
/// One statement: the newest entries of the (actor, id) and (grantee user, id) indexes,
/// merged.
pub async fn audit_trail_of_user<C: ConnectionTrait>(
    db: &C,
    user: &UserId,
    page: AuditPage,
) -> Result<Vec<AuditEntry>, OwnershipError> {
    Identity::current().check_ids([user], [])?;
    let arm = |column: &'static str, alias: &'static str| {
        let mut newest = Query::select();
        newest
            .column(ID)
            .from(TABLE)
            .and_where(Expr::col(column).eq(Value::from(user)));
        page.apply(&mut newest);
        // Wrapped, since SQLite takes no `ORDER BY` or `LIMIT` in an arm of a `UNION`.
        Query::select()
            .column(ID)
            .from_subquery(newest, alias)
            .to_owned()
    };
    let ids = arm(ACTOR_USER_ID, "ownership_by_user")
        .union(
            UnionType::Distinct,
            arm(GRANTEE_USER_ID, "ownership_about_user"),
        )
        .to_owned();
    let mut select = entry_select(db);
    select.and_where(Expr::col(ID).in_subquery(ids));
    page.apply(&mut select);
    read(db, select).await
}

/// `SELECT` of every column of the audit table, in [`decode`]'s order.
fn entry_select(db: &impl ConnectionTrait) -> SelectStatement {
    let backend = db.get_database_backend();
    let identity = Identity::current();
    Query::select()
        .columns([ID, AT_MS])
        .expr(
            identity
                .user_key()
                .select(Expr::col(ACTOR_USER_ID), backend),
        )
        .columns([ACTION, MODEL_NAME, OBJECT_ID, GRANTEE_TYPE])
        .expr(
            identity
                .user_key()
                .select(Expr::col(GRANTEE_USER_ID), backend),
        )
        .expr(
            identity
                .group_key()
                .select(Expr::col(GRANTEE_GROUP_ID), backend),
        )
        .columns([NAMES, DETAIL])
        .from(TABLE)
        .to_owned()
}

/// The entries `select` (an [`entry_select`]) finds, in its order.
async fn read(
    db: &impl ConnectionTrait,
    select: SelectStatement,
) -> Result<Vec<AuditEntry>, OwnershipError> {
    let mut entries = Vec::new();
    for row in db.query_all(&select).await? {
        entries.push(decode(&row)?);
    }
    Ok(entries)
}

fn decode(row: &QueryResult) -> Result<AuditEntry, DbErr> {
    let identity = Identity::current();
    let action: String = row.try_get_by_index(3)?;
    let grantee = match row.try_get_by_index::<Option<String>>(6)?.as_deref() {
        None => None,
        Some("user") => Some(AuditGrantee::User(
            identity.user_key().decode(row, 7)?.into(),
        )),
        Some("group") => Some(AuditGrantee::Group(
            identity.group_key().decode(row, 8)?.into(),
        )),
        Some("anyone") => Some(AuditGrantee::Anyone),
        Some("anonymous") => Some(AuditGrantee::Anonymous),
        Some(other) => {
            return Err(DbErr::Type(format!(
                "an unknown audit grantee type {other:?}"
            )));
        }
    };
    let names: String = row.try_get_by_index(9)?;
    Ok(AuditEntry {
        id: row.try_get_by_index(0)?,
        at: from_unix_ms(row.try_get_by_index(1)?),
        actor: identity
            .user_key()
            .decode_nullable(row, 2)?
            .map(UserId::from),
        action: AuditAction::from_stored(&action)
            .ok_or_else(|| DbErr::Type(format!("an unknown audit action {action:?}")))?,
        model_name: row.try_get_by_index(4)?,
        object_id: row.try_get_by_index(5)?,
        grantee,
        names: serde_json::from_str(&names)
            .map_err(|err| DbErr::Type(format!("audit names {names:?}: {err}")))?,
        detail: row.try_get_by_index(10)?,
    })
}

/// An object's key as the trail keeps it: an integer in decimal, a UUID hyphenated, a
/// string as it is, cut to [`OBJECT_ID_CHARS`] characters.
pub(crate) fn key_text(key: &Key) -> String {
    match key {
        Key::Int(value) => value.to_string(),
        Key::Uuid(value) => value.to_string(),
        Key::Text(value) => cut(value, OBJECT_ID_CHARS),
    }
}

/// The first `chars` characters of `text`: what a column of that width keeps.
fn cut(text: &str, chars: u32) -> String {
    text.chars().take(chars as usize).collect()
}

/// Who makes a change.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Actor<'a> {
    /// Nobody: an administrative function, timed by the system's clock.
    Nobody,
    /// The subject's user, timed by the subject's clock.
    Subject(&'a Subject),
}

/// The most rows one `INSERT` writes: at 10 values a row, well below the lowest limit of
/// bound values (SQLite's 32,766).
const ROWS_PER_INSERT: usize = 2_000;

/// One row of a change, as [`AuditRows::add`] takes it.
struct AuditRow {
    model_name: Option<String>,
    object_id: Option<String>,
    grantee: Option<AuditGrantee>,
    names: String,
    detail: Option<String>,
}

/// The rows one change adds to the trail, written with [`write`](Self::write) in the
/// change's transaction.
pub(crate) struct AuditRows {
    actor: Option<Key>,
    at_ms: i64,
    action: AuditAction,
    rows: Vec<AuditRow>,
}

impl AuditRows {
    /// No row yet of `action` by `actor`, timed now.
    pub(crate) fn new(actor: Actor<'_>, action: AuditAction) -> Self {
        let (actor, at_ms) = match actor {
            Actor::Nobody => (None, unix_ms(SystemTime::now())),
            Actor::Subject(subject) => (
                subject.user_id().map(|user| user.key().clone()),
                subject.now_ms(),
            ),
        };
        Self {
            actor,
            at_ms,
            action,
            rows: Vec::new(),
        }
    }

    /// One more row: the change to `grantee` on `object` of `model_name` (`None`: every
    /// one), of `names`, with `detail`.
    pub(crate) fn add<S: AsRef<str>>(
        &mut self,
        (model_name, object): (Option<&str>, Option<&Key>),
        grantee: Option<&AuditGrantee>,
        names: &[S],
        detail: Option<&str>,
    ) {
        let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
        self.rows.push(AuditRow {
            model_name: model_name.map(|name| cut(name, MODEL_NAME_CHARS)),
            object_id: object.map(key_text),
            grantee: grantee.cloned(),
            names: serde_json::to_string(&names).expect("strings are JSON"),
            detail: detail.map(str::to_owned),
        });
    }

    /// Writes the rows into the trail, in `txn`: one `INSERT` per [`ROWS_PER_INSERT`].
    pub(crate) async fn write(self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        // A NULL key is written as the keyword, which every backend takes in a column of
        // any key type; a bound NULL has a type PostgreSQL may refuse there.
        let key_or_null = |key: Option<&Key>| key.map_or_else(Expr::null, Expr::val);
        let actor = key_or_null(self.actor.as_ref());
        for chunk in self.rows.chunks(ROWS_PER_INSERT) {
            let mut insert = Query::insert();
            insert.into_table(TABLE).columns([
                AT_MS,
                ACTOR_USER_ID,
                ACTION,
                MODEL_NAME,
                OBJECT_ID,
                GRANTEE_TYPE,
                GRANTEE_USER_ID,
                GRANTEE_GROUP_ID,
                NAMES,
                DETAIL,
            ]);
            for row in chunk {
                let (grantee_user, grantee_group) = match &row.grantee {
                    Some(AuditGrantee::User(user)) => (Some(user.key()), None),
                    Some(AuditGrantee::Group(group)) => (None, Some(group.key())),
                    _ => (None, None),
                };
                insert.values_panic([
                    Expr::val(self.at_ms),
                    actor.clone(),
                    Expr::val(self.action.as_str()),
                    Expr::val(row.model_name.clone()),
                    Expr::val(row.object_id.clone()),
                    Expr::val(row.grantee.as_ref().map(|g| g.type_name().to_owned())),
                    key_or_null(grantee_user),
                    key_or_null(grantee_group),
                    Expr::val(row.names.clone()),
                    Expr::val(row.detail.clone()),
                ]);
            }
            txn.execute(&insert).await?;
        }
        Ok(())
    }
}
