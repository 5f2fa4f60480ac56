//! UUID and string primary keys, and a UUID owner (for profiles keyed by UUID).

use ownership_core::{Owned, OwnedEntity};

mod by_uuid {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, super::Owned)]
    #[sea_orm(table_name = "by_uuid")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: Uuid,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod by_slug {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, super::Owned)]
    #[sea_orm(table_name = "by_slug")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub slug: String,
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
    assert!(matches!(by_uuid::Entity::id_column(), by_uuid::Column::Id));
    assert!(matches!(by_slug::Entity::id_column(), by_slug::Column::Slug));
    assert_eq!(<by_slug::Entity as OwnedEntity>::MODEL_NAME, "by_slug");
}
