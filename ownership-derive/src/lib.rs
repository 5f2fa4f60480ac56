//! `#[derive(Owned)]` for SeaORM entities whose rows belong to a user profile.
//!
//! The derive implements `OwnedEntity` from
//! [`ownership-core`](https://docs.rs/ownership-core), which re-exports it as
//! `ownership_core::Owned`; use it from there. It goes on the `Model` of a SeaORM entity and
//! checks at compile time that the entity has what ownership scopes rely on: one primary
//! key column (an integer, a UUID or a string), a NOT NULL owner column of such a type, and
//! a name column unique per owner. See
//! [`Owned`](derive@Owned) for the attributes and conventions.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `ownership_core::OwnedEntity` for the `Entity` of a SeaORM `Model`.
///
/// Place it next to `DeriveEntityModel`, in the classic format or under
/// `#[sea_orm::model]`:
///
/// ```
/// use ownership_core::{Owned, OwnedEntity};
/// use sea_orm::entity::prelude::*;
///
/// #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Owned)]
/// #[sea_orm(table_name = "document")]
/// #[owned(model_name = "doc", manage = "edit")]
/// pub struct Model {
///     #[sea_orm(primary_key)]
///     pub id: i64,
///     #[sea_orm(unique_key = "owner_title")]
///     #[owned(owner)]
///     pub owner_id: i64,
///     #[sea_orm(unique_key = "owner_title")]
///     #[owned(name)]
///     pub title: String,
///     #[owned(version)]
///     pub revision: i32,
/// }
///
/// #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// pub enum Relation {}
///
/// impl ActiveModelBehavior for ActiveModel {}
///
/// assert_eq!(Entity::MODEL_NAME, "doc");
/// assert_eq!(Entity::OWNER_NAME_KEY, "owner_title");
/// assert_eq!(Entity::READ_PERMISSION, "view");
/// assert!(matches!(Entity::owner_column(), Column::OwnerId));
/// ```
///
/// # Fields
///
/// - The owner is the field marked `#[owned(owner)]`, else the field `user_profile_id`. It
///   has the type of the profiles' key (an integer, `Uuid` or `String`), not an `Option`:
///   every row has an owner.
/// - The name is the field marked `#[owned(name)]`, else the field `name`.
/// - The version, optional, is the field marked `#[owned(version)]`.
/// - The primary key is the single `#[sea_orm(primary_key)]` field: an integer, a `Uuid` or
///   a `String`. Grants, checks, pages and holder questions take ids of that type.
///
/// The owner and the name must carry the same `#[sea_orm(unique_key = "..")]`, and no other
/// field may: SeaORM builds the unique (owner, name) index from it, and the key becomes
/// `OWNER_NAME_KEY`. None of these fields may be `#[sea_orm(ignore)]`, and each is a
/// different field.
///
/// # Struct settings
///
/// `#[owned(model_name = "..", read = "..", manage = "..", delete = "..")]`, each optional:
/// the model name permissions are scoped by and the permission names that grant reading and
/// managing a row and that the `all` level grants for deleting it (default: the trait's
/// `view`, `change` and `delete`). The default model name is the table name,
/// `"<schema>.<table>"` when the entity has `#[sea_orm(schema_name = "..")]`: tables of one
/// name in two schemas are two models, and a grant on one admits nothing of the other.
///
/// `#[owned(creator = "edit")]` declares `CREATOR_LEVEL`: the level (`view`, `edit` or
/// `all`) the user who creates a row through `insert_as` is granted on it, with the ACL
/// templates that apply (default: none).
///
/// `#[owned(staff_rows_readable_by_account = false)]` and
/// `#[owned(superuser_rows_readable_by_all_accounts = false)]` take the read scope's two
/// branches beyond management off the entity (each is `true` by default): a staff user's
/// rows are then not readable by the whole of its account, and a superuser's not by every
/// user with a profile; their owner, whoever manages them (the staff of the owner's
/// account), whoever holds a grant on them and superusers still read them.
/// Each takes a written `true` or `false`.
///
/// `#[owned(share(view = 2, change = 1, "publish.doc" = 0))]` declares `SHARE_ROOT`, the
/// root grants of the entity's capability shares: each permission name a share of a row may
/// hold, with its depth, how many more times the share may be passed on. A name is an
/// identifier (`r#type` is `type`) or a string for names that are not; it cannot be blank,
/// contain a NUL or exceed 150 characters, and is given once. A depth is a whole number
/// from 0 to 10 (`MAX_SHARE_DEPTH`). The order written is kept. Without the key the
/// trait's empty default stays: the rows cannot be shared.
///
/// Under `#[sea_orm::model]` the derive also sees the generated `ModelEx` and emits nothing
/// for it.
#[proc_macro_derive(Owned, attributes(owned))]
pub fn derive_owned(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
