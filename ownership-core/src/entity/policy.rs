//! `ownership_policy`: a named policy, its body in django-tutelary's JSON format.

use sea_orm::entity::prelude::*;

/// A policy: a unique name and a body of ordered allow/deny clauses
/// ([`PolicyBody`](crate::PolicyBody)), validated when written by
/// [`create_policy`](crate::create_policy) and [`update_policy`](crate::update_policy).
/// Assignments reference it; a policy assigned to anyone cannot be deleted.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_policy")]
pub struct Model {
    /// The policy id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The policy's name, unique.
    #[sea_orm(unique)]
    pub name: String,
    /// The body, as written.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The assignments of the policy.
    #[sea_orm(has_many)]
    pub assignments: HasMany<super::policy_assignment::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
