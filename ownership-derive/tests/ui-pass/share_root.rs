//! `#[owned(share(..))]` declares the root grants in the order written, with string names
//! for permissions that are not identifiers; without it the trait's empty default stays.

use ownership_core::{MAX_NAME_CHARS, MAX_SHARE_DEPTH, OwnedEntity};

mod shared {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document")]
    #[owned(share(view = 2, change = 1, delete = 0, "publish.doc" = 10))]
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

mod unshared {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "note")]
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

// The derive repeats these limits, as it cannot depend on the core; they must agree.
const _: () = assert!(MAX_SHARE_DEPTH == 10 && MAX_NAME_CHARS == 150);

fn main() {
    assert_eq!(
        <shared::Entity as OwnedEntity>::SHARE_ROOT,
        [("view", 2), ("change", 1), ("delete", 0), ("publish.doc", 10)]
    );
    assert!(<unshared::Entity as OwnedEntity>::SHARE_ROOT.is_empty());
}
