//! A read scope on an update or delete would let a subject change rows it may only read.

use ownership_core::{OwnershipScopes, Subject};
use sea_orm::EntityTrait;

mod document {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn main() {
    let reader = Subject::anonymous();
    let _ = document::Entity::update_many().with_read_permission_for(&reader);
    let _ = document::Entity::delete_many().shared_with(&reader);
}
