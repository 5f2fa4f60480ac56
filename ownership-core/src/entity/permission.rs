//! `ownership_permission`: a named right on one object, one model or everything.

use sea_orm::entity::prelude::*;

/// A permission: a name (`view`, `change`, any name), narrowed by an optional model name and
/// an optional single object, held by the users and groups it is granted to.
///
/// | `model_name` | `content_type_id` | covers |
/// | --- | --- | --- |
/// | NULL | NULL | every object of every model |
/// | set | NULL | every object of that model |
/// | set | set | that one object |
///
/// There is one row per (name, model name, object). Unique indexes do not dedupe NULLs on
/// PostgreSQL or MySQL, so the unique key is over `model_key` and `object_key`, NOT NULL
/// mirrors of `model_name` (`""` for NULL) and `content_type_id` (`0` for NULL) that the
/// grant operations keep in step. Rows are never updated.
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
    /// The object it is narrowed to; NULL for every object.
    #[sea_orm(indexed)]
    pub content_type_id: Option<i64>,
    /// `model_name`, or `""` for every model: part of the unique key.
    #[sea_orm(unique_key = "scope")]
    pub model_key: String,
    /// `content_type_id`, or `0` for every object: part of the unique key.
    #[sea_orm(unique_key = "scope")]
    pub object_key: i64,
    /// The object, when narrowed to one (SeaORM spells an optional belongs-to `HasOne`).
    #[sea_orm(belongs_to, from = "content_type_id", to = "id", on_delete = "Cascade")]
    pub content_type: HasOne<super::content_type::Entity>,
    /// The grants to users.
    #[sea_orm(has_many)]
    pub user_grants: HasMany<super::permission_user::Entity>,
    /// The grants to groups.
    #[sea_orm(has_many)]
    pub group_grants: HasMany<super::permission_group::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
