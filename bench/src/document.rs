//! The benchmark's own owned entities: a document, as an application declares it, and the
//! same table declared shareable.

use ownership_core::{ObjectRef, OwnedEntity};
use sea_orm::entity::prelude::*;

/// An entity on the `document` table: the plain one, whose scopes read no shares, or the
/// shareable one, whose scopes also count them. The two answer the same questions on the
/// same rows and grants, so one run measures both.
pub trait Documents: OwnedEntity {
    /// A row's id.
    fn id(model: &Self::Model) -> i64;

    /// `find_by_id(id)`.
    fn find_id(id: i64) -> Select<Self>;

    /// The row `id`, as a holders question names it.
    fn object(id: i64) -> ObjectRef;
}

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

impl Documents for Entity {
    fn id(model: &Model) -> i64 {
        model.id
    }

    fn find_id(id: i64) -> Select<Self> {
        Entity::find_by_id(id)
    }

    fn object(id: i64) -> ObjectRef {
        ObjectRef::of::<Entity>(id)
    }
}

/// The same `document` table, declared with root grants: its scopes count the shares of
/// `document_share` beside the grants. Its model name is the plain entity's, so the grants
/// on the model and on single documents count for both.
pub mod shareable {
    use ownership_core::ObjectRef;
    use sea_orm::entity::prelude::*;

    /// A document of `documents.csv`, which may be shared.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
    #[sea_orm(table_name = "document")]
    #[owned(model_name = "document", share(view = 2, change = 1))]
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

    /// No relations, as for the plain entity.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl super::Documents for Entity {
        fn id(model: &Model) -> i64 {
            model.id
        }

        fn find_id(id: i64) -> Select<Self> {
            Entity::find_by_id(id)
        }

        fn object(id: i64) -> ObjectRef {
            ObjectRef::of::<Entity>(id)
        }
    }
}
