//! Emitting the `OwnedEntity` impl.

use crate::ast::Input;
use crate::valid::{Owned, PathPart};
use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Result};

/// The impl for a `Model`, or nothing for the `ModelEx` that `#[sea_orm::model]` generates.
pub(crate) fn derive(node: &DeriveInput) -> Result<TokenStream> {
    // `#[sea_orm::model]` copies the derive list onto a generated `ModelEx` next to `Model`;
    // the impl is the entity's, and `Model` already yields it.
    if node.ident == "ModelEx" {
        return Ok(TokenStream::new());
    }
    let input = Input::from_syn(node)?;
    let owned = input.validate()?;
    Ok(impl_owned_entity(&owned))
}

fn impl_owned_entity(owned: &Owned<'_>) -> TokenStream {
    let Owned {
        model_name,
        owner_name_key,
        read,
        manage,
        delete,
        creator,
        share_root,
        staff_rows_readable_by_account,
        superuser_rows_readable_by_all_accounts,
        id,
        owner,
        name,
        version,
        policy,
    } = owned;
    let (id, owner, name) = (&id.column, &owner.column, &name.column);
    // Only what was given is emitted, so the trait's defaults stay the single source.
    let read = read.map(|read| quote!(const READ_PERMISSION: &'static str = #read;));
    let manage = manage.map(|manage| quote!(const MANAGE_PERMISSION: &'static str = #manage;));
    let delete = delete.map(|delete| quote!(const DELETE_PERMISSION: &'static str = #delete;));
    let creator = creator.as_ref().map(|level| {
        quote! {
            const CREATOR_LEVEL: ::core::option::Option<::ownership_core::Level> =
                ::core::option::Option::Some(::ownership_core::Level::#level);
        }
    });
    let share_root = share_root.map(|grants| {
        let (names, depths): (Vec<_>, Vec<_>) = grants
            .iter()
            .map(|grant| (grant.name.as_str(), grant.depth))
            .unzip();
        quote! {
            const SHARE_ROOT: &'static [(&'static str, u32)] = &[#((#names, #depths)),*];
        }
    });
    let staff_rows = staff_rows_readable_by_account
        .map(|flag| quote!(const STAFF_ROWS_READABLE_BY_ACCOUNT: bool = #flag;));
    let superuser_rows = superuser_rows_readable_by_all_accounts
        .map(|flag| quote!(const SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS: bool = #flag;));
    let version = version.map(|version| {
        let version = &version.column;
        quote! {
            fn version_column() -> ::core::option::Option<Self::Column> {
                ::core::option::Option::Some(Column::#version)
            }
        }
    });
    let policy = policy.as_ref().map(|policy| {
        let actions = &policy.actions;
        let segments = policy.path.iter().map(|part| match part {
            PathPart::Literal(text) => quote!(::ownership_core::PathSegment::Literal(#text)),
            PathPart::Column(field) => {
                let column = &field.column;
                quote!(::ownership_core::PathSegment::Column(Column::#column))
            }
        });
        quote! {
            const POLICY_ACTIONS: &'static [&'static str] = &[#(#actions),*];

            fn policy_path() -> &'static [::ownership_core::PathSegment<Self::Column>] {
                &[#(#segments),*]
            }
        }
    });
    // `Entity` and `Column` are the types `DeriveEntityModel` generates next to `Model`.
    quote! {
        #[automatically_derived]
        impl ::ownership_core::OwnedEntity for Entity {
            const MODEL_NAME: &'static str = #model_name;
            const OWNER_NAME_KEY: &'static str = #owner_name_key;
            #read
            #manage
            #delete
            #creator
            #share_root
            #staff_rows
            #superuser_rows

            fn id_column() -> Self::Column {
                Column::#id
            }

            fn owner_column() -> Self::Column {
                Column::#owner
            }

            fn name_column() -> Self::Column {
                Column::#name
            }

            #version
            #policy
        }

        // Registers the entity for the questions that read every owned entity's grants.
        ::ownership_core::__private::inventory::submit! {
            ::ownership_core::__private::OwnedModel::of::<Entity>()
        }
    }
}
