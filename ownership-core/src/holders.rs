//! Who holds a permission, and which permissions users and groups hold (Edgy's permission
//! manager): each answer is a chainable `Select`.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
};

use crate::OwnedEntity;
use crate::entity::{group, permission, user};
use crate::error::OwnershipError;
use crate::grant::MAX_BOUND_VALUES;
use crate::identity;
use crate::permission_sql::{self, GrantColumn};

/// One object of one model, named by its model name and integer id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// The model name.
    pub model_name: String,
    /// The object's id.
    pub id: i64,
}

impl ObjectRef {
    /// The row with this id of an owned entity.
    pub fn of<E: OwnedEntity>(id: i64) -> Self {
        Self {
            model_name: E::MODEL_NAME.to_owned(),
            id,
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
    pub fn users(&self) -> Result<Select<user::Entity>, OwnershipError> {
        let holders = permission_sql::users_granted(self.matching(), !self.direct_only);
        within_bind_limit(
            user::Entity::find()
                .filter(identity::is_true((user::Entity, user::Column::IsActive)))
                .filter(user::Column::Id.in_subquery(holders)),
        )
    }

    /// The ids of [`users`](Self::users), as a subquery to compose with other conditions
    /// (`user::Column::Id.in_subquery(..)`).
    pub fn user_ids(&self) -> Result<SelectStatement, OwnershipError> {
        Ok(self
            .users()?
            .select_only()
            .column(user::Column::Id)
            .into_query())
    }

    /// The groups holding one of the permissions.
    pub fn groups(&self) -> Result<Select<group::Entity>, OwnershipError> {
        let holders = permission_sql::groups_granted(self.matching());
        within_bind_limit(group::Entity::find().filter(group::Column::Id.in_subquery(holders)))
    }

    /// The condition on grants (over the name, model key and object copied onto each
    /// grant row): name, model and object conditions on the same grant. Empty lists match
    /// nothing.
    fn matching(&self) -> Condition {
        let name = GrantColumn::Name.expr();
        let model_key = || GrantColumn::ModelKey.expr();
        let object_id = || GrantColumn::ObjectId.expr();
        let every_model = || model_key().eq("");
        let mut condition = Condition::all().add(name.is_in(strs(&self.names)));
        if self.names.is_empty() {
            condition = condition.add(Expr::cust("1 = 0"));
        }
        if let Some(model_names) = &self.model_names {
            let mut any = Condition::any();
            if !model_names.is_empty() {
                any = any.add(model_key().is_in(strs(model_names)));
            }
            if self.include_null_model_name {
                any = any.add(every_model());
            }
            if any.is_empty() {
                any = any.add(Expr::cust("1 = 0"));
            }
            condition = condition.add(any);
        }
        if let Some(objects) = &self.objects {
            let mut by_model: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
            for object in objects {
                by_model
                    .entry(&object.model_name)
                    .or_default()
                    .push(object.id);
            }
            let mut any = any_of_balanced(
                by_model
                    .iter()
                    .map(|(model_name, ids)| {
                        model_key()
                            .eq(*model_name)
                            .and(object_id().is_in(ids.iter().copied()))
                    })
                    .collect(),
            );
            if self.include_null_object {
                // A grant on every object covers these objects only if it is on their model
                // or on every model.
                any = any.add(
                    Condition::all().add(object_id().is_null()).add(
                        Condition::any()
                            .add(model_key().is_in(by_model.keys().copied()))
                            .add(every_model()),
                    ),
                );
            }
            if objects.is_empty() {
                any = Condition::all().add(Expr::cust("1 = 0"));
            }
            condition = condition.add(any);
        }
        condition
    }
}

/// The permissions granted to these users (directly or through their groups) and to these
/// groups. No source, no permission.
pub fn permissions_of(
    users: impl IntoIterator<Item = i64>,
    groups: impl IntoIterator<Item = i64>,
) -> Result<Select<permission::Entity>, OwnershipError> {
    let users: Vec<i64> = users.into_iter().collect();
    let groups: Vec<i64> = groups.into_iter().collect();
    let mut any = Condition::any();
    if !users.is_empty() {
        any = any.add(permission::Column::Id.in_subquery(permission_sql::held_by_users(&users)));
    }
    if !groups.is_empty() {
        any = any.add(permission::Column::Id.in_subquery(permission_sql::held_by_groups(&groups)));
    }
    if any.is_empty() {
        any = any.add(Expr::cust("1 = 0"));
    }
    within_bind_limit(permission::Entity::find().filter(any))
}

/// `a OR b OR ..`, nested as a balanced tree of pairs: a flat list would be written out as a
/// chain as deep as it is long, and a few thousand models would overflow the stack.
fn any_of_balanced(mut conditions: Vec<Expr>) -> Condition {
    if conditions.len() <= 2 {
        return conditions
            .into_iter()
            .fold(Condition::any(), |any, condition| any.add(condition));
    }
    let second_half = conditions.split_off(conditions.len() / 2);
    Condition::any()
        .add(any_of_balanced(conditions))
        .add(any_of_balanced(second_half))
}

fn strs(values: &[String]) -> impl Iterator<Item = &str> {
    values.iter().map(String::as_str)
}

/// `select`, if one statement can bind all its values (each list is bound once per grant
/// table it is checked against, and the lists add up).
fn within_bind_limit<E: EntityTrait>(select: Select<E>) -> Result<Select<E>, OwnershipError> {
    let bound = select
        .build(DbBackend::Postgres)
        .values
        .map_or(0, |values| values.0.len());
    if bound > MAX_BOUND_VALUES {
        return Err(OwnershipError::TooManyValues {
            what: "values bound by one statement",
            given: bound,
            limit: MAX_BOUND_VALUES,
        });
    }
    Ok(select)
}
