//! `ownership_permission`: a named right on every object of one model, or of every model.

use sea_orm::entity::prelude::*;

/// A permission on a whole model: a name (`view`, `change`, any name) and an optional model
/// name, held by the users and groups it is granted to.
///
/// | `model_name` | covers |
/// | --- | --- |
/// | NULL | every object of every model |
/// | set | every object of that model |
///
/// A grant on single objects is not a row here: it lives in the owned entity's own grant
/// tables ([`object_grant`](super::object_grant)), which the database empties with the row.
///
/// There is one row per (name, model name). Unique indexes do not dedupe NULLs on
/// PostgreSQL or MySQL, so the unique key is over `model_key`, a NOT NULL mirror of
/// `model_name` (`""` for NULL) that the grant operations keep in step. Rows are never
/// updated.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_permission")]
pub struct Model {
    /// The permission id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The permission's name.
    #[sea_orm(unique_key = "scope")]
    pub name: String,
    /// The model it is narrowed to; NULL for every model.
    pub model_name: Option<String>,
    /// `model_name`, or `""` for every model: part of the unique key.
    #[sea_orm(unique_key = "scope")]
    pub model_key: String,
    /// The grants to users.
    #[sea_orm(has_many)]
    pub user_grants: HasMany<super::permission_user::Entity>,
    /// The grants to groups.
    #[sea_orm(has_many)]
    pub group_grants: HasMany<super::permission_group::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
