//! `ownership_account`: a tenant.

use sea_orm::entity::prelude::*;

/// An account (tenant). Users belong to accounts through user profiles.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ownership_account")]
pub struct Model {
    /// The account id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Unique account name.
    #[sea_orm(unique)]
    pub name: String,
    /// The profiles (users) in this account.
    #[sea_orm(has_many)]
    pub profiles: HasMany<super::user_profile::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
