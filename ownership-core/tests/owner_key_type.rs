//! An owned entity whose owner column is not of the profiles' key type: its owners could
//! never be one of the profiles, and `Identity::verify` names it.

use ownership_core::{Identity, OwnershipError};

mod ticket {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "ticket")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique_key = "owner_name")]
        pub user_profile_id: Uuid,
        #[sea_orm(unique_key = "owner_name")]
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn an_owner_column_of_another_key_type_is_named() {
    let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    // The embedded profiles are keyed by integers.
    let Err(OwnershipError::InvalidIdentity(problems)) = Identity::embedded().verify(&db).await
    else {
        panic!("expected InvalidIdentity");
    };
    let owners: Vec<&str> = problems
        .iter()
        .filter(|p| p.part == "owned entities")
        .map(|p| p.column.as_str())
        .collect();
    assert_eq!(owners, ["ticket.user_profile_id"], "{problems:?}");
}
