//! Loading a subject: its user, profiles and groups from the identity's tables, and the
//! grants on whole models it holds from the permission tables. Above both, so neither the
//! snapshot's types nor a source imports the other.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ConnectionTrait, Value};

use crate::entity::{policy, policy_assignment, policy_principal};
use crate::error::OwnershipError;
use crate::identity::{Identity, UserFlag};
use crate::key::UserId;
use crate::key::as_bigint;
use crate::permission_sql;
use crate::policies::variables_of;
use crate::policy::{AssignedClauses, ClauseOrigin, LoadedPolicies, PolicyBody};
use crate::subject::{Subject, SubjectProfile, SubjectUser, WholeModelGrant};

/// The alias of the user table a load reads.
const LOADED: &str = "ownership_loaded";
/// The alias of the profile table a load reads.
const LOADED_PROFILE: &str = "ownership_loaded_profile";
/// The aliases of the policy tables a load reads.
const LOADED_PRINCIPAL: &str = "ownership_loaded_principal";
const LOADED_ASSIGNMENT: &str = "ownership_loaded_assignment";
const LOADED_POLICY: &str = "ownership_loaded_policy";

/// The policies of the principal `principal` selects (a condition on the principal table
/// aliased [`LOADED_PRINCIPAL`]), in one statement, so the stamp and the list agree: `None`
/// for a principal without a row, or whose list no longer reads (a body or variables
/// edited outside the library), which then decides nothing, as if it had no policy.
async fn load_policies<C: ConnectionTrait>(
    db: &C,
    principal: Expr,
) -> Result<Option<LoadedPolicies>, OwnershipError> {
    let select = Query::select()
        .column((LOADED_PRINCIPAL, policy_principal::Column::Id))
        .column((LOADED_PRINCIPAL, policy_principal::Column::Stamp))
        .column((LOADED_POLICY, policy::Column::Body))
        .column((LOADED_ASSIGNMENT, policy_assignment::Column::Variables))
        .column((LOADED_POLICY, policy::Column::Name))
        .from_as(policy_principal::Entity, LOADED_PRINCIPAL)
        .join_as(
            JoinType::LeftJoin,
            policy_assignment::Entity,
            LOADED_ASSIGNMENT,
            Expr::col((LOADED_ASSIGNMENT, policy_assignment::Column::PrincipalId))
                .equals((LOADED_PRINCIPAL, policy_principal::Column::Id)),
        )
        .join_as(
            JoinType::LeftJoin,
            policy::Entity,
            LOADED_POLICY,
            Expr::col((LOADED_POLICY, policy::Column::Id))
                .equals((LOADED_ASSIGNMENT, policy_assignment::Column::PolicyId)),
        )
        .and_where(principal)
        .order_by(
            (LOADED_ASSIGNMENT, policy_assignment::Column::Position),
            Order::Asc,
        )
        .to_owned();
    let rows = db.query_all(&select).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let principal: i64 = first.try_get_by_index(0)?;
    let stamp: String = first.try_get_by_index(1)?;
    let mut assigned = Vec::with_capacity(rows.len());
    let mut origins = Vec::new();
    for row in &rows {
        // A principal with an empty list comes back once, with NULL assignment columns.
        let Some(body) = row.try_get_by_index::<Option<String>>(2)? else {
            continue;
        };
        let variables: String = row.try_get_by_index(3)?;
        let name: String = row.try_get_by_index(4)?;
        let Ok(body) = PolicyBody::parse(&body) else {
            return Ok(None);
        };
        origins.extend((0..body.clauses().len()).map(|clause| ClauseOrigin {
            policy: name.clone(),
            clause,
        }));
        assigned.push((body, variables_of(&variables)));
    }
    let Ok(clauses) = AssignedClauses::assign(assigned.iter().map(|(body, values)| (body, values)))
    else {
        return Ok(None);
    };
    Ok(Some(LoadedPolicies {
        principal,
        stamp,
        clauses,
        origins,
    }))
}

impl Subject {
    /// Loads a user with their flags, profiles, groups, whole-model grants and policies in
    /// four queries, from the tables of the [`Identity`] in use.
    ///
    /// An unknown user id yields an anonymous subject (denied everything), not an error:
    /// a session pointing at a deleted user must not fail open or leak existence. An id of
    /// another key type than the user table's is [`OwnershipError::WrongKeyType`].
    #[tracing::instrument(
        name = "ownership.load_subject",
        level = "debug",
        skip_all,
        fields(user = %user_id, profiles, groups)
    )]
    pub async fn load<C: ConnectionTrait>(db: &C, user_id: UserId) -> Result<Self, OwnershipError> {
        let identity = Identity::current();
        let users = &identity.users;
        let id = user_id.key();
        identity.check_ids([&user_id], [])?;
        let backend = db.get_database_backend();
        let flag =
            |flag: &UserFlag| as_bigint(Expr::case(flag.holds(LOADED), 1).finally(0), backend);
        // The user's row with each of its profiles (or none), in one query.
        let profiles = &identity.profiles;
        let mut select = Query::select();
        select
            .expr(flag(&users.active))
            .expr(flag(&users.staff))
            .expr(flag(&users.superuser))
            .expr(profiles.keyed.key.select(
                Expr::col((LOADED_PROFILE, profiles.keyed.id.clone())),
                backend,
            ))
            .expr(profiles.account_key.select(
                Expr::col((LOADED_PROFILE, profiles.account.clone())),
                backend,
            ))
            .from_as(users.keyed.table.clone(), LOADED)
            .join_as(
                JoinType::LeftJoin,
                profiles.keyed.table.clone(),
                LOADED_PROFILE,
                Expr::col((LOADED_PROFILE, profiles.user.clone()))
                    .equals((LOADED, users.keyed.id.clone())),
            )
            .and_where(Expr::col((LOADED, users.keyed.id.clone())).eq(Value::from(id)))
            .order_by((LOADED_PROFILE, profiles.keyed.id.clone()), Order::Asc);
        if let Some(stamp) = &users.security_stamp {
            select.column((LOADED, stamp.clone()));
        }
        let rows = db.query_all(&select).await?;
        let Some(row) = rows.first() else {
            return Ok(Self::anonymous());
        };
        let is_set = |index| row.try_get_by_index::<i64>(index).map(|value| value == 1);
        let (is_active, is_staff, is_superuser) = (is_set(0)?, is_set(1)?, is_set(2)?);
        let security_stamp = match users.security_stamp {
            Some(_) => Some(row.try_get_by_index::<String>(5)?),
            None => None,
        };
        let mut loaded_profiles = Vec::new();
        for row in &rows {
            // A user with no profile comes back once, with NULL profile columns.
            if let Some(id) = profiles.keyed.key.decode_nullable(row, 3)? {
                loaded_profiles.push(SubjectProfile {
                    id: id.into(),
                    account_id: profiles.account_key.decode(row, 4)?.into(),
                });
            }
        }

        let groups = &identity.groups;
        let select = Query::select()
            .expr(
                groups
                    .keyed
                    .key
                    .select(Expr::col(groups.group.clone()), backend),
            )
            .from(groups.memberships.clone())
            .and_where(Expr::col(groups.member.clone()).eq(Value::from(id)))
            .order_by(groups.group.clone(), Order::Asc)
            .to_owned();
        let mut group_ids = Vec::new();
        for row in db.query_all(&select).await? {
            group_ids.push(groups.keyed.key.decode(&row, 0)?.into());
        }

        let mut whole_model_grants = Vec::new();
        for row in db
            .query_all(&permission_sql::whole_model_grants_of(id))
            .await?
        {
            let model_key: String = row.try_get_by_index(1)?;
            whole_model_grants.push(WholeModelGrant {
                name: row.try_get_by_index(0)?,
                model_name: Some(model_key).filter(|key| !key.is_empty()),
            });
        }
        whole_model_grants.sort_unstable();
        let span = tracing::Span::current();
        span.record("profiles", loaded_profiles.len());
        span.record("groups", group_ids.len());
        let policies = load_policies(
            db,
            Expr::col((LOADED_PRINCIPAL, policy_principal::Column::UserId)).eq(Value::from(id)),
        )
        .await?;
        Ok(Self::of_user(SubjectUser {
            id: user_id,
            is_active,
            is_staff,
            is_superuser,
            security_stamp,
            profiles: loaded_profiles,
            group_ids,
            whole_model_grants,
        })
        .with_policies(policies))
    }

    /// Anyone not signed in, deciding by the policies assigned to the anonymous principal
    /// (one query). [`Subject::anonymous`] gets no policy at all.
    #[tracing::instrument(name = "ownership.load_anonymous", level = "debug", skip_all)]
    pub async fn load_anonymous<C: ConnectionTrait>(db: &C) -> Result<Self, OwnershipError> {
        let policies = load_policies(
            db,
            Expr::col((LOADED_PRINCIPAL, policy_principal::Column::Anonymous)).eq(true),
        )
        .await?;
        Ok(Self::anonymous().with_policies(policies))
    }
}
