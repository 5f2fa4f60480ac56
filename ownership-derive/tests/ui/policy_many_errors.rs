use ownership_core::Owned;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
#[sea_orm(table_name = "parcel")]
#[owned(policy(
    path = "parcel//{organisation}/{archived}/{note}/p*/{id}",
    actions("parcel.view", "parcel.*", "parcel.view", "parcel..edit")
))]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub user_profile_id: i64,
    #[sea_orm(unique_key = "owner_name")]
    pub name: String,
    pub organization: String,
    pub archived: bool,
    #[sea_orm(ignore)]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

fn main() {}
