//! The benchmark's own owned entity: a document, as an application declares it.

use sea_orm::entity::prelude::*;

/// A document of `documents.csv`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
#[sea_orm(table_name = "document")]
pub struct Model {
    /// The document id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owner profile.
    #[sea_orm(unique_key = "owner_name")]
    pub user_profile_id: i64,
    /// The name, unique per owner.
    #[sea_orm(unique_key = "owner_name")]
    pub name: String,
    /// The creation time, as text.
    pub created_at: String,
}

/// No relations: the migration helper adds the owner's foreign key.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
