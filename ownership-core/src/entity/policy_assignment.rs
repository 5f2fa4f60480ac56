//! `ownership_policy_assignment`: one policy in a principal's ordered list, with the
//! values of its variables.

use sea_orm::entity::prelude::*;

/// The policy at `position` in a principal's list (from 0), with the values its variables
/// take there, a JSON object of strings. Deleting the principal deletes its list; a
/// policy in a list cannot be deleted.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_policy_assignment")]
pub struct Model {
    /// The principal.
    #[sea_orm(primary_key, auto_increment = false)]
    pub principal_id: i64,
    /// The place in the principal's list, from 0: later policies' clauses decide over
    /// earlier ones'.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    /// The policy.
    #[sea_orm(indexed)]
    pub policy_id: i64,
    /// The variables' values, a JSON object of strings.
    #[sea_orm(column_type = "Text")]
    pub variables: String,
    /// The principal.
    #[sea_orm(belongs_to, from = "principal_id", to = "id", on_delete = "Cascade")]
    pub principal: BelongsTo<super::policy_principal::Entity>,
    /// The policy.
    #[sea_orm(belongs_to, from = "policy_id", to = "id", on_delete = "Restrict")]
    pub policy: BelongsTo<super::policy::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
