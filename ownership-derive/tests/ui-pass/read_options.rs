//! The read options are set one by one: one given, the other keeps the trait's default;
//! an explicit `true` is the default spelled out.

use ownership_core::OwnedEntity;

mod private_to_staff {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "hr_note")]
    #[owned(staff_rows_readable_by_account = false)]
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

mod private_to_superusers {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "root_note")]
    #[owned(superuser_rows_readable_by_all_accounts = false)]
    #[owned(staff_rows_readable_by_account = true)]
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
    assert!(!private_to_staff::Entity::STAFF_ROWS_READABLE_BY_ACCOUNT);
    assert!(private_to_staff::Entity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS);
    assert!(private_to_superusers::Entity::STAFF_ROWS_READABLE_BY_ACCOUNT);
    assert!(!private_to_superusers::Entity::SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS);
}
