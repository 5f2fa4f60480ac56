//! `ownership_acl_template`: grants made on every object a user or a group's member creates
//! through the library.

use sea_orm::entity::prelude::*;

/// An ACL template: when its owner (a user, or any member of a group) creates an object of
/// its model (or of any model when `model_name` is NULL) through
/// [`insert_as`](crate::AuthorizedActiveModelExt::insert_as), its target (a user or a
/// group) is granted its level on the object, in the same transaction.
///
/// Exactly one of `owner_user_id` and `owner_group_id` is set, as is one of
/// `target_user_id` and `target_group_id`: the column the grantee type resolves to. Those
/// columns have the identity's user and group key types in the database (the `i64` here
/// is for the embedded identity; the library reads them with their own types) and
/// reference its users and groups with `ON DELETE CASCADE`: deleting a user or a group
/// deletes the templates that name it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_acl_template")]
pub struct Model {
    /// The template id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner's grantee type, as registered.
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub owner_type: String,
    /// The owner, when its type resolves to users.
    #[sea_orm(indexed)]
    pub owner_user_id: Option<i64>,
    /// The owner, when its type resolves to groups.
    #[sea_orm(indexed)]
    pub owner_group_id: Option<i64>,
    /// The target's grantee type, as registered.
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub target_type: String,
    /// The target, when its type resolves to users.
    pub target_user_id: Option<i64>,
    /// The target, when its type resolves to groups.
    pub target_group_id: Option<i64>,
    /// The level granted: `view`, `edit` or `all`.
    #[sea_orm(column_type = "String(StringLen::N(4))")]
    pub level: String,
    /// The model the template is for, or NULL for every model.
    #[sea_orm(column_type = "String(StringLen::N(150))", nullable)]
    pub model_name: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
