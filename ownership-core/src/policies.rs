//! Writing policies and their assignments: creating, changing and deleting a policy,
//! assigning an ordered list of policies to a principal, and reading a list back.
//!
//! Every write validates first and writes nothing when something is wrong. A write that
//! changes what a principal's policies say replaces the principal's stamp in the same
//! transaction, so that a subject loaded before the change gets nothing from its policies
//! from its next query on.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait, Value,
};

use crate::audit::{Actor, AuditAction, AuditGrantee, AuditRows};
use crate::entity::{policy, policy_assignment, policy_principal};
use crate::error::OwnershipError;
use crate::grant::{MAX_BOUND_VALUES, check_name, do_nothing, missing_keys};
use crate::identity::Identity;
use crate::key::UserId;
use crate::policy::{PolicyBody, PolicyProblem};
use crate::scope;
use crate::subject::Subject;
use crate::trace;
use crate::transaction::finish;

/// Whom a list of policies is assigned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A user: its subject decides by these policies.
    User(UserId),
    /// Anyone not signed in: an anonymous subject decides by these policies.
    Anonymous,
}

/// One policy of a principal's list, with the values of its variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyAssignment {
    /// The policy's name.
    pub policy: String,
    /// The value of each variable the policy uses (values of variables it does not use
    /// are kept and ignored).
    pub variables: BTreeMap<String, String>,
}

impl PolicyAssignment {
    /// The policy named `policy`, with no variable yet.
    pub fn new(policy: impl Into<String>) -> Self {
        Self {
            policy: policy.into(),
            variables: BTreeMap::new(),
        }
    }

    /// The same, with `$name` taking `value`: a literal path segment, never a pattern.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }
}

/// The first 40 characters of a name, for an error.
fn shown(name: &str) -> String {
    name.chars().take(40).collect()
}

/// The problem of the policy `name` as an error.
fn invalid(name: &str) -> impl FnOnce(PolicyProblem) -> OwnershipError + '_ {
    move |problem| OwnershipError::InvalidPolicy {
        policy: shown(name),
        problem,
    }
}

/// Reads `body` as a policy body, the problem as the policy's error.
fn parse(name: &str, body: &str) -> Result<PolicyBody, OwnershipError> {
    PolicyBody::parse(body).map_err(invalid(name))
}

/// A new random stamp: 32 hex digits.
fn new_stamp() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Creates the policy `name` with `body` (django-tutelary's JSON format, validated by
/// [`PolicyBody::parse`]). An invalid name or body is an error, as is a name taken; nothing
/// is written then.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "policy", what = "create", actor = trace::NOBODY)
)]
pub async fn create_policy<C>(db: &C, name: &str, body: &str) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    check_name("policy name", name)?;
    parse(name, body)?;
    let insert = Query::insert()
        .into_table(policy::Entity)
        .columns([policy::Column::Name, policy::Column::Body])
        .values_panic([name.into(), body.into()])
        .to_owned();
    let txn = db.begin().await?;
    let result = async {
        txn.execute(&insert).await.map_err(|err| {
            if err
                .sql_err()
                .is_some_and(|sql| matches!(sql, SqlErr::UniqueConstraintViolation(_)))
            {
                OwnershipError::DuplicatePolicy(shown(name))
            } else {
                err.into()
            }
        })?;
        Ok(audit_rows(AuditAction::CreatePolicy, name, Some(body))
            .write(&txn)
            .await?)
    }
    .await;
    finish(txn, result).await
}

/// The audit row of `action` on the policy `name`, with `detail`.
fn audit_rows(action: AuditAction, name: &str, detail: Option<&str>) -> AuditRows {
    let mut audit = AuditRows::new(Actor::Nobody, action);
    audit.add((None, None), None, &[name], detail);
    audit
}

/// Replaces the body of the policy `name`, in one transaction: from the next query on,
/// every principal it is assigned to decides by the new body, and subjects loaded before
/// get nothing from their policies until loaded again. An invalid body, an unknown policy,
/// or a new body using a variable that one of its assignments gives no value for is an
/// error; nothing is written then.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "policy", what = "update", actor = trace::NOBODY)
)]
pub async fn update_policy<C>(db: &C, name: &str, body: &str) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let parsed = parse(name, body)?;
    let txn = db.begin().await?;
    let result = async {
        let id = policy_id(&txn, name).await?;
        // The principals holding the policy are restamped, which locks them, before their
        // lists are locked, in the order an assignment takes them: updates and assignments at
        // once then wait for each other instead of deadlocking. By their ids, in key order,
        // not by a subquery of the assignments: on MariaDB that would read, and wait for,
        // the assignments of other policies being updated at once. None can take the policy
        // up meanwhile: an assignment of it waits for the policy's lock.
        let principals: Vec<i64> = policy_assignment::Entity::find()
            .select_only()
            .column(policy_assignment::Column::PrincipalId)
            .distinct()
            .filter(policy_assignment::Column::PolicyId.eq(id))
            .order_by_asc(policy_assignment::Column::PrincipalId)
            .into_tuple()
            .all(&txn)
            .await?;
        for chunk in principals.chunks(MAX_BOUND_VALUES) {
            let restamp = Query::update()
                .table(policy_principal::Entity)
                .value(policy_principal::Column::Stamp, new_stamp())
                .and_where(Expr::col(policy_principal::Column::Id).is_in(chunk.iter().copied()))
                .to_owned();
            txn.execute(&restamp).await?;
        }
        let assignments = policy_assignment::Entity::find()
            .filter(policy_assignment::Column::PolicyId.eq(id))
            .lock_exclusive()
            .all(&txn)
            .await?;
        for assignment in &assignments {
            parsed
                .resolve(&variables_of(&assignment.variables))
                .map_err(invalid(name))?;
        }
        let update = Query::update()
            .table(policy::Entity)
            .value(policy::Column::Body, body)
            .and_where(Expr::col(policy::Column::Id).eq(id))
            .to_owned();
        txn.execute(&update).await?;
        Ok(audit_rows(AuditAction::UpdatePolicy, name, Some(body))
            .write(&txn)
            .await?)
    }
    .await;
    finish(txn, result).await
}

/// Deletes the policy `name`. A policy assigned to a principal is
/// [`OwnershipError::PolicyInUse`], an unknown one [`OwnershipError::UnknownPolicies`];
/// nothing is written then.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "policy", what = "delete", actor = trace::NOBODY)
)]
pub async fn delete_policy<C>(db: &C, name: &str) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    let result = async {
        let id = policy_id(&txn, name).await?;
        let assigned = policy_assignment::Entity::find()
            .filter(policy_assignment::Column::PolicyId.eq(id))
            .lock_shared()
            .one(&txn)
            .await?;
        if assigned.is_some() {
            return Err(OwnershipError::PolicyInUse(shown(name)));
        }
        policy::Entity::delete_by_id(id).exec(&txn).await?;
        Ok(audit_rows(AuditAction::DeletePolicy, name, None)
            .write(&txn)
            .await?)
    }
    .await;
    finish(txn, result).await
}

/// Assigns `policies` to `principal`, in order (a later policy's clauses decide over an
/// earlier one's), replacing its previous list; an empty list takes every policy away.
/// In one transaction, and from the next query on: a subject loaded before gets nothing
/// from its policies until loaded again.
///
/// An unknown policy ([`OwnershipError::UnknownPolicies`]), a policy whose variables are not
/// all given or whose substituted patterns overlap ([`OwnershipError::InvalidPolicy`]) and
/// an unknown user ([`OwnershipError::UnknownUsers`]) are errors; nothing is written then.
#[tracing::instrument(
    name = "ownership.write",
    level = "debug",
    skip_all,
    fields(entity = "policy", what = "assign", actor = trace::NOBODY)
)]
pub async fn assign_policies<C>(
    db: &C,
    principal: &Principal,
    policies: &[PolicyAssignment],
) -> Result<(), OwnershipError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let identity = Identity::current();
    if let Principal::User(user) = principal {
        identity.check_ids([user], [])?;
    }
    let txn = db.begin().await?;
    let result = async {
        if let Principal::User(user) = principal {
            let missing =
                missing_keys(&txn, identity.users.keyed.parts(), vec![user.key().clone()]).await?;
            if !missing.is_empty() {
                return Err(OwnershipError::UnknownUsers(vec![user.clone()]));
            }
        }
        let names: Vec<&str> = policies.iter().map(|p| p.policy.as_str()).collect();
        let found: BTreeMap<String, (i64, String)> = if names.is_empty() {
            BTreeMap::new()
        } else {
            policy::Entity::find()
                .filter(policy::Column::Name.is_in(names.iter().copied()))
                .lock_shared()
                .all(&txn)
                .await?
                .into_iter()
                .map(|row| (row.name, (row.id, row.body)))
                .collect()
        };
        let mut unknown: Vec<String> = names
            .iter()
            .filter(|name| !found.contains_key(**name))
            .map(|name| shown(name))
            .collect();
        if !unknown.is_empty() {
            unknown.sort_unstable();
            unknown.dedup();
            return Err(OwnershipError::UnknownPolicies(unknown));
        }
        for assignment in policies {
            let (_, body) = &found[&assignment.policy];
            parse(&assignment.policy, body)?
                .resolve(&assignment.variables)
                .map_err(invalid(&assignment.policy))?;
        }
        let length = i32::try_from(policies.len()).map_err(|_| OwnershipError::TooManyValues {
            what: "policies assigned",
            given: policies.len(),
            limit: i32::MAX as usize,
        })?;
        let principal_id = principal_row(&txn, principal).await?;
        // The new list overwrites the old place by place, then what is left of the old one
        // goes. Clearing the list first would, on MariaDB, lock the gap an empty list
        // leaves, where other principals' first lists are inserted at the same time, and
        // those inserts deadlock.
        if !policies.is_empty() {
            let mut insert = Query::insert();
            insert.into_table(policy_assignment::Entity).columns([
                policy_assignment::Column::PrincipalId,
                policy_assignment::Column::Position,
                policy_assignment::Column::PolicyId,
                policy_assignment::Column::Variables,
            ]);
            for (position, assignment) in (0..length).zip(policies) {
                let (policy_id, _) = found[&assignment.policy];
                let variables =
                    serde_json::to_string(&assignment.variables).expect("a map of strings is JSON");
                insert.values_panic([
                    principal_id.into(),
                    position.into(),
                    policy_id.into(),
                    variables.into(),
                ]);
            }
            insert.on_conflict(
                OnConflict::columns([
                    policy_assignment::Column::PrincipalId,
                    policy_assignment::Column::Position,
                ])
                .update_columns([
                    policy_assignment::Column::PolicyId,
                    policy_assignment::Column::Variables,
                ])
                .to_owned(),
            );
            txn.execute(&insert).await?;
        }
        let rest = Query::delete()
            .from_table(policy_assignment::Entity)
            .and_where(Expr::col(policy_assignment::Column::PrincipalId).eq(principal_id))
            .and_where(Expr::col(policy_assignment::Column::Position).gte(length))
            .to_owned();
        txn.execute(&rest).await?;
        let grantee = match principal {
            Principal::User(user) => AuditGrantee::User(user.clone()),
            Principal::Anonymous => AuditGrantee::Anonymous,
        };
        let variables: Vec<_> = policies.iter().map(|p| &p.variables).collect();
        let detail = serde_json::to_string(&variables).expect("maps of strings are JSON");
        let mut audit = AuditRows::new(Actor::Nobody, AuditAction::AssignPolicies);
        audit.add((None, None), Some(&grantee), &names, Some(&detail));
        audit.write(&txn).await?;
        Ok(())
    }
    .await;
    finish(txn, result).await
}

/// The policies assigned to `principal`, in order, with their variables' values; none
/// for a principal never assigned any.
pub async fn assigned_policies<C>(
    db: &C,
    principal: &Principal,
) -> Result<Vec<PolicyAssignment>, OwnershipError>
where
    C: ConnectionTrait,
{
    let Some(principal_id) = find_principal(db, principal, false).await? else {
        return Ok(Vec::new());
    };
    let rows = policy_assignment::Entity::find()
        .find_also_related(policy::Entity)
        .filter(policy_assignment::Column::PrincipalId.eq(principal_id))
        .order_by_asc(policy_assignment::Column::Position)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(assignment, policy)| {
            Some(PolicyAssignment {
                policy: policy?.name,
                variables: variables_of(&assignment.variables),
            })
        })
        .collect())
}

/// Whether the subject's policies allow `action` on the object at `path` (`None`: a
/// free-floating action), in django-tutelary's path syntax (`parcel/acme/12`, a backslash
/// taking the next character literally): the last matching clause decides, no match
/// denies, and the answer is the one [`policy_scope`](crate::OwnershipScopes::policy_scope)
/// gives a row with that path.
///
/// Decided from the subject's snapshot; an allowed answer is confirmed in one statement
/// that the user is still active with the snapshot's stamp and that its policies are
/// still the ones loaded. A subject without policies, an inactive user and an action or
/// path no pattern can match are denied without a statement.
pub async fn policy_check<C>(
    db: &C,
    subject: &Subject,
    action: &str,
    path: Option<&str>,
) -> Result<bool, OwnershipError>
where
    C: ConnectionTrait,
{
    let Some((policies, gate)) = scope::policies_of(subject) else {
        return Ok(false);
    };
    if !policies.clauses.allows(action, path) {
        return Ok(false);
    }
    let confirmed = Query::select()
        .expr(Expr::case(gate, 1).finally(0))
        .to_owned();
    let answer: i32 = match db.query_one(&confirmed).await? {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(answer == 1)
}

/// The id of the policy `name`, locked against a concurrent change.
async fn policy_id(txn: &impl ConnectionTrait, name: &str) -> Result<i64, OwnershipError> {
    policy::Entity::find()
        .select_only()
        .column(policy::Column::Id)
        .filter(policy::Column::Name.eq(name))
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(txn)
        .await?
        .ok_or_else(|| OwnershipError::UnknownPolicies(vec![shown(name)]))
}

/// The variables' values stored as a JSON object of strings; an object that does not
/// read as one gives no value, so the policy's variables are missing (its clauses deny).
pub(crate) fn variables_of(stored: &str) -> BTreeMap<String, String> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// The condition selecting `principal`'s row.
fn principal_condition(principal: &Principal) -> Expr {
    match principal {
        Principal::User(user) => Expr::col(policy_principal::Column::UserId).eq(Value::from(user)),
        Principal::Anonymous => Expr::col(policy_principal::Column::Anonymous).eq(true),
    }
}

/// The id of `principal`'s row, locked when `lock`; `None` when it has none.
async fn find_principal(
    db: &impl ConnectionTrait,
    principal: &Principal,
    lock: bool,
) -> Result<Option<i64>, OwnershipError> {
    let mut select = Query::select();
    select
        .column(policy_principal::Column::Id)
        .from(policy_principal::Entity)
        .and_where(principal_condition(principal));
    if lock {
        select.lock_exclusive();
    }
    match db.query_one(&select).await? {
        Some(row) => Ok(Some(row.try_get_by_index(0)?)),
        None => Ok(None),
    }
}

/// The id of `principal`'s row, created if missing, with a new stamp.
///
/// The row is inserted unless it exists, and only then looked up and locked: callers racing
/// on a principal with no row yet each find the one row, where looking first would have
/// them all find none and all but one collide inserting it (on MariaDB, deadlock on the gap
/// their lookups locked).
async fn principal_row(
    txn: &impl ConnectionTrait,
    principal: &Principal,
) -> Result<i64, OwnershipError> {
    let (column, value) = match principal {
        Principal::User(user) => (policy_principal::Column::UserId, Value::from(user)),
        Principal::Anonymous => (policy_principal::Column::Anonymous, true.into()),
    };
    let insert = Query::insert()
        .into_table(policy_principal::Entity)
        .columns([column, policy_principal::Column::Stamp])
        .values_panic([value.into(), new_stamp().into()])
        .on_conflict(do_nothing(vec![column.into_iden()]))
        .to_owned();
    txn.execute(&insert).await?;
    let id = find_principal(txn, principal, true).await?.ok_or_else(|| {
        OwnershipError::Db(DbErr::RecordNotFound(
            "the policy principal just upserted".to_owned(),
        ))
    })?;
    let restamp = Query::update()
        .table(policy_principal::Entity)
        .value(policy_principal::Column::Stamp, new_stamp())
        .and_where(Expr::col(policy_principal::Column::Id).eq(id))
        .to_owned();
    txn.execute(&restamp).await?;
    Ok(id)
}
