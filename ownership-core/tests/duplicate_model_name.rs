//! Two owned entities on different tables that give one model name: a grant on an object of
//! one would admit the row with that id of the other, so the questions that read every owned
//! entity's grants refuse to answer.

use ownership_core::{OwnershipError, holders, permissions_of};

mod draft {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "draft")]
    #[owned(model_name = "paper")]
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

mod published {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "published")]
    #[owned(model_name = "paper")]
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

#[test]
fn two_entities_with_one_model_name_are_refused() {
    let is_duplicate =
        |err: OwnershipError| matches!(err, OwnershipError::DuplicateModelName { model: "paper" });
    assert!(holders(["view"]).users().is_err_and(is_duplicate));
    assert!(holders(["view"]).groups().is_err_and(is_duplicate));
    assert!(permissions_of([1.into()], []).is_err_and(is_duplicate));
}
