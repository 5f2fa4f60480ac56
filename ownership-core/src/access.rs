//! What a subject may do on given rows, answered in one statement: the access to one row
//! for one action (granted, forbidden, not found), and for a list of rows every action at
//! once, as a user interface shows them.
//!
//! Each answer is a column of `CASE WHEN <scope> THEN 1 ELSE 0 END`, the scope being the
//! very condition the lists and writes take for that action, in the form that tests one
//! row at a time: a check, a list and a write never disagree about a row.

use std::future::Future;

use tracing::{Instrument, Span};

use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, TryGetableMany, sea_query::IntoValueTuple,
};

use crate::condition::Statement;
use crate::error::OwnershipError;
use crate::key::as_bigint;
use crate::owned::OwnedEntity;
use crate::plan::storable;
use crate::scope::{IdOf, deletable, manageable, managed_in_own_right, readable};
use crate::subject::Subject;
use crate::trace;

/// Something a subject does to a row, as [`OwnershipAccess::check_access`] asks about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the row (the read scope).
    Read,
    /// Change the row (the manage scope, as `update_as` takes it).
    Manage,
    /// Delete the row (the delete scope, as `delete_as` takes it: manage and the delete
    /// permission).
    Delete,
    /// Share the row, grant or revoke on it (the manage scope in the subject's own right,
    /// not through a share, as `share`, `grant_as` and `revoke_as` take it).
    Share,
}

impl Action {
    /// Every action, in the order [`Actions`] lists them.
    pub const ALL: [Action; 4] = [Action::Read, Action::Manage, Action::Delete, Action::Share];

    /// The action's name: `read`, `manage`, `delete`, `share`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Manage => "manage",
            Action::Delete => "delete",
            Action::Share => "share",
        }
    }

    /// What a refusal of the action says it refused, as the authorized writes say it.
    fn refused(self) -> &'static str {
        match self {
            Action::Read => "read the row",
            Action::Manage => "change the row",
            Action::Delete => "delete the row",
            Action::Share => "share the object",
        }
    }

    /// The scope of the action, tested row by row.
    fn condition<E: OwnedEntity>(self, subject: &Subject) -> Condition {
        match self {
            Action::Read => readable::<E>(subject, Statement::Write),
            Action::Manage => manageable::<E>(subject, Statement::Write),
            Action::Delete => deletable::<E>(subject, Statement::Write),
            Action::Share => managed_in_own_right::<E>(subject),
        }
    }
}

/// The answer to "may this subject do this to this row": the 200 / 403 / 404 of a web
/// handler. A row the subject may not read is [`Access::NotFound`] whether or not it
/// exists, so an answer never tells a stranger that a row is there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// The subject may.
    Granted,
    /// The subject may read the row but not do this.
    Forbidden,
    /// No such row, or one the subject may not read.
    NotFound,
}

impl Access {
    /// `Ok` when granted; else the error the authorized writes give:
    /// [`OwnershipError::PermissionDenied`] or [`OwnershipError::NotFound`].
    pub fn require<E: OwnedEntity>(self, action: Action) -> Result<(), OwnershipError> {
        match self {
            Access::Granted => Ok(()),
            Access::Forbidden => Err(OwnershipError::PermissionDenied {
                model: E::MODEL_NAME,
                action: action.refused(),
            }),
            Access::NotFound => Err(OwnershipError::NotFound {
                model: E::MODEL_NAME,
                what: "object",
            }),
        }
    }
}

/// Every action a subject may take on a row it may read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Actions {
    /// May read it (always true in an answer: unreadable rows are left out).
    pub read: bool,
    /// May change it.
    pub manage: bool,
    /// May delete it.
    pub delete: bool,
    /// May share it, and grant or revoke on it.
    pub share: bool,
}

impl Actions {
    /// Whether the subject may take `action`.
    pub fn allows(&self, action: Action) -> bool {
        match action {
            Action::Read => self.read,
            Action::Manage => self.manage,
            Action::Delete => self.delete,
            Action::Share => self.share,
        }
    }

    /// The names of the actions allowed, in [`Action::ALL`]'s order.
    pub fn names(&self) -> Vec<&'static str> {
        Action::ALL
            .into_iter()
            .filter(|action| self.allows(*action))
            .map(Action::as_str)
            .collect()
    }

    /// The access for `action` to a row these are the actions on.
    pub fn access(&self, action: Action) -> Access {
        if !self.read {
            Access::NotFound
        } else if self.allows(action) {
            Access::Granted
        } else {
            Access::Forbidden
        }
    }
}

/// The actions on one row of a list, by its id.
#[derive(Clone, Debug, PartialEq)]
pub struct RowActions<Id> {
    /// The row's id.
    pub id: Id,
    /// What the subject may do on it.
    pub actions: Actions,
}

/// The most ids one question of [`OwnershipAccess::permitted_actions`] takes: every
/// backend limits the values one statement binds.
pub const MAX_ASKED_IDS: usize = 10_000;

/// Per-row answers for a subject, each in one statement (trait of every owned entity).
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
/// use ownership_core::{Access, Action, OwnershipAccess, OwnershipError, Subject};
///
/// async fn rename(db: &sea_orm::DatabaseConnection, me: &Subject, id: i64) -> Result<(), OwnershipError> {
///     // 404 for a row `me` may not read, 403 for one it reads but may not change.
///     document::Entity::check_access(db, me, id, Action::Manage)
///         .await?
///         .require::<document::Entity>(Action::Manage)?;
///     // For a list screen: which buttons to show on each row, in one statement.
///     for row in document::Entity::permitted_actions(db, me, [1, 2, 3]).await? {
///         println!("{}: {:?}", row.id, row.actions.names());
///     }
///     Ok(())
/// }
/// ```
pub trait OwnershipAccess: OwnedEntity {
    /// Whether the subject may take `action` on the row `id`: one statement.
    fn check_access<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        id: impl Into<IdOf<Self>>,
        action: Action,
    ) -> impl Future<Output = Result<Access, OwnershipError>> + Send + 'a {
        let statement = actions_statement::<Self>(db.get_database_backend(), subject, [id.into()]);
        let span = trace::run(Self::MODEL_NAME, "access check", subject);
        async move {
            let Some(statement) = statement else {
                return Ok(Access::NotFound);
            };
            let actions = read_actions::<Self, C>(db, statement, span).await?;
            Ok(match actions.first() {
                Some(row) => row.actions.access(action),
                None => Access::NotFound,
            })
        }
    }

    /// Every action the subject may take on the row `id`; `None` for a row it may not
    /// read, or none. One statement.
    fn actions_on<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        id: impl Into<IdOf<Self>>,
    ) -> impl Future<Output = Result<Option<Actions>, OwnershipError>> + Send + 'a {
        let statement = actions_statement::<Self>(db.get_database_backend(), subject, [id.into()]);
        let span = trace::run(Self::MODEL_NAME, "actions", subject);
        async move {
            let Some(statement) = statement else {
                return Ok(None);
            };
            let actions = read_actions::<Self, C>(db, statement, span).await?;
            Ok(actions.first().map(|row| row.actions))
        }
    }

    /// The actions the subject may take on each of the rows `ids` it may read, in id
    /// order, in one statement; rows it may not read, and ids with no row, are left out.
    /// More than [`MAX_ASKED_IDS`] ids is [`OwnershipError::TooManyValues`].
    fn permitted_actions<'a, C: ConnectionTrait>(
        db: &'a C,
        subject: &Subject,
        ids: impl IntoIterator<Item = IdOf<Self>>,
    ) -> impl Future<Output = Result<Vec<RowActions<IdOf<Self>>>, OwnershipError>> + Send + 'a {
        let ids: Vec<IdOf<Self>> = ids.into_iter().collect();
        let asked = ids.len();
        let statement = (asked <= MAX_ASKED_IDS)
            .then(|| actions_statement::<Self>(db.get_database_backend(), subject, ids))
            .flatten();
        let span = trace::run(Self::MODEL_NAME, "permitted actions", subject);
        async move {
            if asked > MAX_ASKED_IDS {
                return Err(OwnershipError::TooManyValues {
                    what: "ids asked about",
                    given: asked,
                    limit: MAX_ASKED_IDS,
                });
            }
            match statement {
                Some(statement) => read_actions::<Self, C>(db, statement, span).await,
                None => Ok(Vec::new()),
            }
        }
    }
}

impl<E: OwnedEntity> OwnershipAccess for E {}

/// `SELECT id, <read>, <manage>, <delete>, <share> FROM table WHERE id IN (ids)`, in id
/// order, each answer 1 or 0; `None` when no id is one the backend can store (no row has
/// it).
fn actions_statement<E: OwnedEntity>(
    backend: DbBackend,
    subject: &Subject,
    ids: impl IntoIterator<Item = IdOf<E>>,
) -> Option<SelectStatement> {
    let ids: Vec<_> = ids
        .into_iter()
        .flat_map(|id| id.into_value_tuple())
        .filter(|value| storable(value, backend))
        .collect();
    if ids.is_empty() {
        return None;
    }
    let mut select = Query::select();
    select
        .column(E::id_column())
        .from(E::default().table_ref())
        .and_where(E::id_column().is_in(ids))
        .order_by(E::id_column(), sea_orm::Order::Asc);
    for action in Action::ALL {
        let answer = Expr::case(action.condition::<E>(subject), 1).finally(0);
        select.expr(as_bigint(answer, backend));
    }
    Some(select)
}

/// Runs a statement of [`actions_statement`], keeping the rows the subject may read.
async fn read_actions<E: OwnedEntity, C: ConnectionTrait>(
    db: &C,
    statement: SelectStatement,
    span: Span,
) -> Result<Vec<RowActions<IdOf<E>>>, OwnershipError> {
    let mut answers = Vec::new();
    let rows = db.query_all(&statement).instrument(span.clone()).await?;
    trace::rows(&span, rows.len());
    for row in rows {
        let id = IdOf::<E>::try_get_many_by_index(&row).map_err(sea_orm::DbErr::from)?;
        let flag = |index: usize| -> Result<bool, OwnershipError> {
            Ok(row.try_get_by_index::<i64>(index)? == 1)
        };
        let actions = Actions {
            read: flag(1)?,
            manage: flag(2)?,
            delete: flag(3)?,
            share: flag(4)?,
        };
        if actions.read {
            answers.push(RowActions { id, actions });
        }
    }
    Ok(answers)
}
