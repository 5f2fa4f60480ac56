//! `ownership_content_type`: one object of one model, the target of object permissions.

use sea_orm::entity::prelude::*;

/// Identifies one object: a model name and that object's integer id, unique together.
/// Created when a permission on the object is first granted; deleting the object through
/// the plugin deletes this row, and with it every permission on the object.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_content_type")]
pub struct Model {
    /// The content type id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The object's model name (an owned entity's `MODEL_NAME`).
    #[sea_orm(unique_key = "model_object")]
    pub model_name: String,
    /// The object's primary key, compared as an integer.
    #[sea_orm(unique_key = "model_object")]
    pub object_id: i64,
    /// The permissions on this object.
    #[sea_orm(has_many)]
    pub permissions: HasMany<super::permission::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
