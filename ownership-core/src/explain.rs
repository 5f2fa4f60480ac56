//! Why a subject may do something to a row: every branch of the action's access plan that
//! admits the row, as the source that built the branch names it (owner, staff of the
//! owner's account, superuser, a grant to the user or to one of its groups on the row, the
//! model or everything, a share, the policies).
//!
//! The reasons come from the same plan as the scope, each under the same check of the
//! user, so a row the scope admits has at least one reason and a row it leaves out has
//! none (the oracle suite holds the two to that).

use std::future::Future;

use tracing::{Instrument, Span};

use sea_orm::sea_query::{SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};

use crate::access::{Access, Action, OwnershipAccess};
use crate::error::OwnershipError;
use crate::identity::Identity;
use crate::key::{GroupId, Uuid};
use crate::owned::OwnedEntity;
use crate::plan::{AccessPlan, OwnedTable, storable};
use crate::scope::{
    IdOf, manage_names, manage_plan, own_right_plan, policy_plan, read_names, read_plan,
};
use crate::subject::Subject;
use crate::trace;

/// Who a grant or a share reaching the subject is to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The subject's user itself.
    User,
    /// A group the user is a member of now.
    Group(GroupId),
    /// Anyone (a share with anyone).
    Anyone,
}

/// What a grant is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantOn {
    /// The row itself.
    Object,
    /// Every row of the row's model.
    Model,
    /// Every row of every model.
    Everything,
}

/// One reason a subject may take an action on a row.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// One of the subject's profiles owns the row.
    Owner,
    /// The subject is a staff user with a profile in the account of the row's owner.
    AccountStaff,
    /// The row's owner is a staff user of an account where the subject has a profile (a
    /// read option, [`OwnedEntity::STAFF_ROWS_READABLE_BY_ACCOUNT`]).
    OwnedByAccountStaff,
    /// The row's owner is a superuser (a read option,
    /// [`OwnedEntity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS`]).
    OwnedBySuperuser,
    /// The subject is a superuser.
    Superuser,
    /// A grant of the permission `name`, to the user or one of its groups.
    Grant {
        /// The permission name.
        name: String,
        /// Whom it is to.
        to: Via,
        /// What it is on.
        on: GrantOn,
    },
    /// An unexpired share of the row holding the permission `name`.
    Share {
        /// The share's UUID.
        share: Uuid,
        /// The permission name.
        name: String,
        /// Whom it is to.
        to: Via,
    },
    /// A clause of one of the subject's assigned policies decides that the action is
    /// allowed on the row's path: the last clause matching it allows it.
    Policy {
        /// The action asked.
        action: String,
        /// The policy's name.
        policy: String,
        /// The clause's position in the policy's body, from 0.
        clause: usize,
    },
}

/// The answer of [`OwnershipExplain::explain`]: whether the subject may take the action,
/// and why. A row the subject may not read has no reasons, whether or not it exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Granted, forbidden or not found, as [`OwnershipAccess::check_access`] answers.
    pub access: Access,
    /// Every reason the subject may take the action, sorted; empty unless granted.
    pub reasons: Vec<Reason>,
}

/// "Why may this subject do this to this row", for a user interface or an audit (trait
/// of every owned entity).
///
/// ```
/// # mod document {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
/// #     #[sea_orm(table_name = "document")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub user_profile_id: i64,
/// #         #[sea_orm(unique_key = "owner_name")]
/// #         pub name: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use ownership_core::{Action, OwnershipError, OwnershipExplain, Reason, Subject};
///
/// async fn why(db: &sea_orm::DatabaseConnection, me: &Subject, id: i64) -> Result<(), OwnershipError> {
///     let explanation = document::Entity::explain(db, me, id, Action::Read).await?;
///     for reason in &explanation.reasons {
///         match reason {
///             Reason::Owner => println!("you own it"),
///             Reason::Grant { name, to, on } => println!("a grant of {name} to {to:?} on {on:?}"),
///             other => println!("{other:?}"),
///         }
///     }
///     Ok(())
/// }
/// ```
pub trait OwnershipExplain: OwnedEntity {
    /// Whether the subject may take `action` on the row `id`, and every reason it may:
    /// two statements, the access and the reasons of the action's plan (for
    /// [`Action::Delete`], the reasons of managing the row and of holding the delete
    /// permission; for [`Action::Share`], those of managing it in one's own right).
    fn explain<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
        id: IdOf<Self>,
        action: Action,
    ) -> impl Future<Output = Result<Explanation, OwnershipError>> + Send + 'a {
        let backend = db.get_database_backend();
        let key = first_value::<Self>(id).filter(|key| storable(key, backend));
        let names: Vec<&str> = match action {
            Action::Read => read_names::<Self>().to_vec(),
            Action::Manage | Action::Share => manage_names::<Self>().to_vec(),
            Action::Delete => vec![Self::MANAGE_PERMISSION, Self::DELETE_PERMISSION],
        };
        // Built before the first await: a plan borrows its sources, which are not `Send`.
        let reasons = key.as_ref().and_then(|key| {
            let plan = match action {
                Action::Read => read_plan::<Self>(subject, &names),
                Action::Manage | Action::Delete => manage_plan::<Self>(subject, &names),
                Action::Share => own_right_plan::<Self>(subject, &names),
            };
            plan.reasons_statement::<Self>(key, backend)
        });
        async move {
            let Some(key) = key else {
                return Ok(Explanation {
                    access: Access::NotFound,
                    reasons: Vec::new(),
                });
            };
            let access = Self::check_access(db, subject, key_id::<Self>(key), action).await?;
            let reasons = match reasons {
                Some(statement) if access == Access::Granted => {
                    run_reasons(
                        db,
                        subject,
                        statement,
                        trace::run(Self::MODEL_NAME, "explain", subject),
                    )
                    .await?
                }
                _ => Vec::new(),
            };
            Ok(Explanation { access, reasons })
        }
    }

    /// Why the subject's policies allow every one of `actions` on the row `id`: for each
    /// action, the assigned clause that decides it ([`Reason::Policy`]); none unless they
    /// allow every one. One statement.
    fn explain_policy<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &'a Subject,
        id: IdOf<Self>,
        actions: &'a [&'a str],
    ) -> impl Future<Output = Result<Vec<Reason>, OwnershipError>> + Send + 'a {
        let backend = db.get_database_backend();
        let statement = first_value::<Self>(id)
            .filter(|key| storable(key, backend))
            .and_then(|key| {
                policy_plan::<Self>(subject, actions).reasons_statement::<Self>(&key, backend)
            });
        async move {
            match statement {
                Some(statement) => {
                    let span = trace::run(Self::MODEL_NAME, "explain policy", subject);
                    run_reasons(db, subject, statement, span).await
                }
                None => Ok(Vec::new()),
            }
        }
    }
}

impl<E: OwnedEntity> OwnershipExplain for E {}

/// The value of a row id.
fn first_value<E: OwnedEntity>(id: IdOf<E>) -> Option<Value> {
    use sea_orm::sea_query::IntoValueTuple;
    id.into_value_tuple().into_iter().next()
}

/// The row id of a value taken from one.
fn key_id<E: OwnedEntity>(value: Value) -> IdOf<E> {
    use sea_orm::sea_query::{FromValueTuple, ValueTuple};
    IdOf::<E>::from_value_tuple(ValueTuple::One(value))
}

impl AccessPlan<'_> {
    /// The explaining compiler: one `UNION ALL` of every source's reason rows for the row
    /// `id`, the user's gated on its check as its branches are; `None` when no branch could
    /// admit it.
    fn reasons_statement<E: OwnedEntity>(
        self,
        id: &Value,
        backend: DbBackend,
    ) -> Option<SelectStatement> {
        let table = OwnedTable::of::<E>();
        let mut arms: Vec<SelectStatement> = Vec::new();
        if let Some(user_check) = self.user_check().cloned() {
            for source in &self.reasons {
                for mut arm in source.reasons(&table, id, backend) {
                    arm.and_where(user_check.clone());
                    arms.push(arm);
                }
            }
        }
        for source in &self.public_reasons {
            arms.extend(source.reasons(&table, id, backend));
        }
        let mut arms = arms.into_iter();
        let mut first = arms.next()?;
        first.unions(arms.map(|arm| (UnionType::All, arm)));
        Some(first)
    }
}

/// Runs a statement of [`AccessPlan::reasons_statement`]: the reasons, sorted, each once.
async fn run_reasons<C: ConnectionTrait>(
    db: &C,
    subject: &Subject,
    statement: SelectStatement,
    span: Span,
) -> Result<Vec<Reason>, OwnershipError> {
    let mut reasons = Vec::new();
    let rows = db.query_all(&statement).instrument(span.clone()).await?;
    trace::rows(&span, rows.len());
    for row in rows {
        reasons.push(decode(&row, subject)?);
    }
    reasons.sort();
    reasons.dedup();
    Ok(reasons)
}

/// A reason from its row of the plan's reason columns.
fn decode(row: &QueryResult, subject: &Subject) -> Result<Reason, OwnershipError> {
    let kind: String = row.try_get_by_index(0)?;
    let name = || -> Result<String, OwnershipError> { Ok(row.try_get_by_index(1)?) };
    let group = || -> Result<Via, OwnershipError> {
        let key = Identity::current().groups.keyed.key.decode(row, 2)?;
        Ok(Via::Group(GroupId::from(key)))
    };
    let share = || -> Result<Uuid, OwnershipError> { Ok(row.try_get_by_index(3)?) };
    let grant = |to: Via, on: GrantOn| -> Result<Reason, OwnershipError> {
        Ok(Reason::Grant {
            name: name()?,
            to,
            on,
        })
    };
    let shared = |to: Via| -> Result<Reason, OwnershipError> {
        Ok(Reason::Share {
            share: share()?,
            name: name()?,
            to,
        })
    };
    Ok(match kind.as_str() {
        "owner" => Reason::Owner,
        "account_staff" => Reason::AccountStaff,
        "owned_by_account_staff" => Reason::OwnedByAccountStaff,
        "owned_by_superuser" => Reason::OwnedBySuperuser,
        "superuser" => Reason::Superuser,
        "policy" => {
            let position: i64 = row.try_get_by_index(4)?;
            let origin = usize::try_from(position)
                .ok()
                .and_then(|position| subject.policies()?.origin(position))
                .ok_or_else(|| {
                    sea_orm::DbErr::Type(format!("no assigned policy clause {position}"))
                })?;
            Reason::Policy {
                action: name()?,
                policy: origin.policy.clone(),
                clause: origin.clause,
            }
        }
        "user_grant" => grant(Via::User, GrantOn::Object)?,
        "group_grant" => grant(group()?, GrantOn::Object)?,
        "user_model_grant" => grant(Via::User, GrantOn::Model)?,
        "group_model_grant" => grant(group()?, GrantOn::Model)?,
        "user_global_grant" => grant(Via::User, GrantOn::Everything)?,
        "group_global_grant" => grant(group()?, GrantOn::Everything)?,
        "user_share" => shared(Via::User)?,
        "group_share" => shared(group()?)?,
        "public_share" => shared(Via::Anyone)?,
        other => {
            return Err(sea_orm::DbErr::Type(format!("an unknown reason {other:?}")).into());
        }
    })
}
