//! `ownership_policy_principal`: whom a list of policies is assigned to, a user or anyone
//! not signed in, with the stamp that dates the list.

use sea_orm::entity::prelude::*;

/// A principal of policy assignments: one user (`user_id` set, `anonymous` NULL) or the
/// anonymous principal (`user_id` NULL, `anonymous` true), each at most once. Deleting the
/// user deletes its principal and assignments.
///
/// `stamp` is a random value replaced whenever the principal's list or one of its
/// policies changes: a [`Subject`](crate::Subject) loaded before carries the old one, and
/// every policy scope requires the row to still carry it, so a stale snapshot gets nothing
/// from its policies rather than what they no longer say.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_policy_principal")]
pub struct Model {
    /// The principal id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user, or NULL for the anonymous principal (of the identity's user key type in
    /// the database).
    #[sea_orm(unique)]
    pub user_id: Option<i64>,
    /// True for the anonymous principal, NULL for a user's.
    #[sea_orm(unique)]
    pub anonymous: Option<bool>,
    /// Replaced whenever the assignments or their policies change (32 hex digits).
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub stamp: String,
    /// The principal's assignments.
    #[sea_orm(has_many)]
    pub assignments: HasMany<super::policy_assignment::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
