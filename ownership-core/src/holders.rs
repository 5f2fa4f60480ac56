//! Who holds a permission, and which permissions users and groups hold (Edgy's permission
//! manager): each answer is one statement, run as it is or composed as a subquery.

use std::collections::BTreeMap;

use std::marker::PhantomData;

use sea_orm::sea_query::{Expr, ExprTrait, IntoValueTuple, Query, SelectStatement};
use sea_orm::{Condition, ConnectionTrait, DbBackend, Value};

use crate::entity::object_grant::{NAME, OBJECT_ID};
use crate::error::{OwnershipError, check_key_type};
use crate::grant::MAX_BOUND_VALUES;
use crate::identity::{Identity, KeyedTable};
use crate::key::{GroupId, Key, UserId};
use crate::owned::OwnedEntity;
use crate::permission_sql::{self, GrantTables, HolderArm, MODEL_KEY, grant_column};
use crate::plan::{OwnedTable, deny};
use crate::registry;
use crate::scope::IdOf;

/// One object of one model, named by its model name and its id in the model's own key type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// The model name.
    pub model_name: String,
    /// The object's id, or `None` for an id no [`Key`] holds (an unsigned integer above
    /// `i64::MAX`), which no grant can name: it matches nothing.
    pub id: Option<Key>,
}

impl ObjectRef {
    /// The row with this id of an owned entity.
    pub fn of<E: OwnedEntity>(id: IdOf<E>) -> Self {
        Self {
            model_name: E::MODEL_NAME.to_owned(),
            id: id
                .into_value_tuple()
                .into_iter()
                .next()
                .as_ref()
                .and_then(Key::of_value),
        }
    }

    /// The object with this id of the model with this name.
    pub fn new(model_name: impl Into<String>, id: impl Into<Key>) -> Self {
        Self {
            model_name: model_name.into(),
            id: Some(id.into()),
        }
    }
}

/// A question "who holds one of these permissions", narrowed by model names and objects on
/// the same grant: build it with [`holders`], answer it with [`Holders::users`] or
/// [`Holders::groups`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holders {
    names: Vec<String>,
    model_names: Option<Vec<String>>,
    objects: Option<Vec<ObjectRef>>,
    include_null_model_name: bool,
    include_null_object: bool,
    direct_only: bool,
}

/// Who holds one of `names`. With no narrowing, any grant of one of the names counts,
/// whatever its model and object.
///
/// ```
/// use ownership_core::{ObjectRef, holders};
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
///
/// // Users who may view document 7: by a grant on it, on all documents, or on everything.
/// let viewers = holders(["view"])
///     .objects([ObjectRef::of::<document::Entity>(7)])
///     .users()?;
/// # Ok::<(), ownership_core::OwnershipError>(())
/// ```
pub fn holders<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Holders {
    Holders {
        names: names.into_iter().map(Into::into).collect(),
        model_names: None,
        objects: None,
        include_null_model_name: true,
        include_null_object: true,
        direct_only: false,
    }
}

impl Holders {
    /// Only grants narrowed to one of these models (and, unless
    /// [`include_null_model_name`](Self::include_null_model_name) is off, grants on every
    /// model).
    pub fn model_names<S: Into<String>>(
        mut self,
        model_names: impl IntoIterator<Item = S>,
    ) -> Self {
        self.model_names = Some(model_names.into_iter().map(Into::into).collect());
        self
    }

    /// Only grants on one of these objects (and, unless
    /// [`include_null_object`](Self::include_null_object) is off, grants on every object).
    /// An empty list matches nothing.
    pub fn objects(mut self, objects: impl IntoIterator<Item = ObjectRef>) -> Self {
        self.objects = Some(objects.into_iter().collect());
        self
    }

    /// Whether grants on every model count when model names are given (default: yes).
    pub fn include_null_model_name(mut self, include: bool) -> Self {
        self.include_null_model_name = include;
        self
    }

    /// Whether grants on every object count when objects are given (default: yes).
    pub fn include_null_object(mut self, include: bool) -> Self {
        self.include_null_object = include;
        self
    }

    /// For [`users`](Self::users): only users granted the permission themselves, not
    /// through a group.
    pub fn direct_only(mut self) -> Self {
        self.direct_only = true;
        self
    }

    /// The active users holding one of the permissions, directly or through a group
    /// they are a member of (inactive users hold nothing).
    pub fn users(&self) -> Result<HolderIds<UserId>, OwnershipError> {
        let users = &Identity::current().users;
        let holding = match permission_sql::users_granted(&self.arms()?, !self.direct_only) {
            Some(holders) => Expr::col((HOLDING, users.keyed.id.clone())).in_subquery(holders),
            None => return HolderIds::new(&users.keyed, deny()),
        };
        HolderIds::new(
            &users.keyed,
            Condition::all()
                .add(users.active.holds(HOLDING))
                .add(holding),
        )
    }

    /// The groups holding one of the permissions.
    pub fn groups(&self) -> Result<HolderIds<GroupId>, OwnershipError> {
        let groups = &Identity::current().groups.keyed;
        let holding = match permission_sql::groups_granted(&self.arms()?) {
            Some(holders) => {
                Condition::all().add(Expr::col((HOLDING, groups.id.clone())).in_subquery(holders))
            }
            None => deny(),
        };
        HolderIds::new(groups, holding)
    }

    /// The grant tables the question reads, each with the condition on its rows: name,
    /// model and object conditions on the same grant. The grants on whole models and on
    /// everything are one pair of tables, the grants on single rows one pair per owned
    /// entity; a pair no grant of which could match is left out. Empty lists match nothing.
    fn arms(&self) -> Result<Vec<HolderArm>, OwnershipError> {
        if self.names.is_empty() {
            return Ok(Vec::new());
        }
        let names = || Condition::all().add(grant_column(NAME).is_in(strs(&self.names)));
        let mut objects_by_model: BTreeMap<&str, Vec<&Key>> = BTreeMap::new();
        for object in self.objects.iter().flatten() {
            let ids = objects_by_model.entry(&object.model_name).or_default();
            ids.extend(&object.id);
        }
        let model_asked = |model_name: &str| {
            self.model_names
                .as_ref()
                .is_none_or(|m| m.iter().any(|n| n == model_name))
        };
        let mut arms = Vec::new();

        // Grants on a whole model or on everything.
        let mut model_keys = Condition::all();
        if let Some(model_names) = &self.model_names {
            let mut any = Condition::any();
            if !model_names.is_empty() {
                any = any.add(grant_column(MODEL_KEY).is_in(strs(model_names)));
            }
            if self.include_null_model_name {
                any = any.add(grant_column(MODEL_KEY).eq(""));
            }
            model_keys = model_keys.add(if any.is_empty() { deny() } else { any });
        }
        let whole_models_count = match &self.objects {
            None => true,
            // A grant on every object covers these objects only if it is on their model or
            // on every model.
            Some(objects) => {
                if !objects.is_empty() && self.include_null_object {
                    model_keys = model_keys.add(
                        Condition::any()
                            .add(grant_column(MODEL_KEY).is_in(objects_by_model.keys().copied()))
                            .add(grant_column(MODEL_KEY).eq("")),
                    );
                    true
                } else {
                    false
                }
            }
        };
        if whole_models_count {
            arms.push(HolderArm {
                tables: GrantTables::whole_model(),
                grants: names().add(model_keys),
            });
        }

        // Grants on single rows, one pair of tables per owned entity.
        for (model_name, table) in registry::owned_tables()? {
            if !model_asked(model_name) {
                continue;
            }
            let mut grants = names();
            if self.objects.is_some() {
                let Some(ids) = objects_by_model.get(model_name) else {
                    continue;
                };
                for id in ids {
                    check_key_type("object id", id, table.key)?;
                }
                grants = grants
                    .add(grant_column(OBJECT_ID).is_in(ids.iter().map(|&id| Value::from(id))));
            }
            arms.push(HolderArm {
                tables: GrantTables::objects_of(&table),
                grants,
            });
        }
        Ok(arms)
    }
}

/// The alias of the user or group table a holder question reads.
const HOLDING: &str = "ownership_holding";

/// The users or groups a [`Holders`] question finds: one statement selecting their ids.
#[derive(Clone, Debug)]
pub struct HolderIds<I> {
    ids: SelectStatement,
    table: &'static KeyedTable,
    kind: PhantomData<fn() -> I>,
}

impl<I: From<Key>> HolderIds<I> {
    /// The rows of `table` (aliased [`HOLDING`]) that `condition` admits.
    fn new(table: &'static KeyedTable, condition: Condition) -> Result<Self, OwnershipError> {
        let ids = Query::select()
            .column((HOLDING, table.id.clone()))
            .from_as(table.table.clone(), HOLDING)
            .cond_where(condition)
            .to_owned();
        check_bind_limit(&DbBackend::Postgres.build(&ids))?;
        Ok(Self {
            ids,
            table,
            kind: PhantomData,
        })
    }

    /// The ids as a subquery, to compose with the application's own queries
    /// (`users::Column::Id.in_subquery(holders.statement())`).
    pub fn statement(&self) -> SelectStatement {
        self.ids.clone()
    }

    /// The ids, ascending.
    pub async fn all<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<I>, OwnershipError> {
        let key = self.table.key;
        let select = Query::select()
            .expr(key.select(
                Expr::col((HOLDING, self.table.id.clone())),
                db.get_database_backend(),
            ))
            .from_subquery(self.ids.clone(), HOLDING)
            .to_owned();
        let mut ids = Vec::new();
        for row in db.query_all(&select).await? {
            ids.push(key.decode(&row, 0)?);
        }
        ids.sort_unstable();
        Ok(ids.into_iter().map(I::from).collect())
    }
}

/// A permission held by a user or a group: on every object of every model (no model name),
/// on every object of one model (no object id), or on one object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HeldPermission {
    /// The permission's name.
    pub name: String,
    /// The model, or `None` for every model.
    pub model_name: Option<String>,
    /// The object, or `None` for every object of the model.
    pub object_id: Option<Key>,
}

/// The permissions [`permissions_of`] finds: one statement over the grants on whole models
/// and the grant tables of every owned entity.
#[derive(Clone, Debug)]
pub struct HeldPermissions {
    users: Vec<UserId>,
    groups: Vec<GroupId>,
    tables: Vec<OwnedTable>,
}

impl HeldPermissions {
    /// The statement for `backend`, or `None` when there was no user and no group to ask
    /// about.
    pub fn build(&self, backend: DbBackend) -> Option<sea_orm::Statement> {
        permission_sql::permissions_held(&self.users, &self.groups, &self.tables, backend)
            .map(|statement| backend.build(&statement))
    }

    /// The permissions held, each once, ordered.
    pub async fn all<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Vec<HeldPermission>, OwnershipError> {
        let Some(statement) = self.build(db.get_database_backend()) else {
            return Ok(Vec::new());
        };
        let mut held = Vec::new();
        for row in db.query_all_raw(statement).await? {
            let model_key: String = row.try_get_by_index(1)?;
            held.push(HeldPermission {
                name: row.try_get_by_index(0)?,
                model_name: Some(model_key).filter(|key| !key.is_empty()),
                object_id: permission_sql::held_object(&row)?,
            });
        }
        held.sort_unstable();
        Ok(held)
    }
}

/// The permissions granted to these users (directly or through their groups) and to these
/// groups: on whole models, on everything, and on single rows of every owned entity, in
/// one statement. No user and no group, no permission.
pub fn permissions_of(
    users: impl IntoIterator<Item = UserId>,
    groups: impl IntoIterator<Item = GroupId>,
) -> Result<HeldPermissions, OwnershipError> {
    let identity = Identity::current();
    let users: Vec<UserId> = users.into_iter().collect();
    let groups: Vec<GroupId> = groups.into_iter().collect();
    identity.check_ids(&users, &groups)?;
    let held = HeldPermissions {
        users,
        groups,
        tables: registry::owned_tables()?.into_values().collect(),
    };
    if let Some(statement) = held.build(DbBackend::Postgres) {
        check_bind_limit(&statement)?;
    }
    Ok(held)
}

fn strs(values: &[String]) -> impl Iterator<Item = &str> {
    values.iter().map(String::as_str)
}

/// Whether one statement can bind all the values of `statement` (each list is bound once
/// per grant table it is checked against, and the lists add up).
fn check_bind_limit(statement: &sea_orm::Statement) -> Result<(), OwnershipError> {
    let bound = statement.values.as_ref().map_or(0, |values| values.0.len());
    if bound > MAX_BOUND_VALUES {
        return Err(OwnershipError::TooManyValues {
            what: "values bound by one statement",
            given: bound,
            limit: MAX_BOUND_VALUES,
        });
    }
    Ok(())
}
