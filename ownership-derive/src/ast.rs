//! The derive input, parsed: the struct's settings and each field with its role, type and
//! `Column` variant.

use crate::attr::{self, Errors, FieldAttrs, StructAttrs};
use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Result, Type};

/// A `Model` struct with named fields.
pub(crate) struct Input<'a> {
    /// The struct's name.
    pub(crate) ident: &'a Ident,
    /// `#[owned(..)]` and `#[sea_orm(table_name = "..", schema_name = "..")]` on the struct.
    pub(crate) attrs: StructAttrs,
    /// The fields, in declaration order.
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field of the `Model`.
pub(crate) struct Field<'a> {
    /// The field's name as written, possibly raw (`r#type`).
    pub(crate) ident: &'a Ident,
    /// The field's type.
    pub(crate) ty: &'a Type,
    /// What its attributes say.
    pub(crate) attrs: FieldAttrs,
    /// The `Column` variant `DeriveEntityModel` generates for the field.
    pub(crate) column: Ident,
}

impl<'a> Input<'a> {
    /// Parses the input, reporting every malformed attribute at once.
    pub(crate) fn from_syn(node: &'a DeriveInput) -> Result<Self> {
        let named = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => &fields.named,
                _ => return Err(not_named_struct(node)),
            },
            _ => return Err(not_named_struct(node)),
        };
        let mut errors = Errors::default();
        let attrs = errors.take(attr::struct_attrs(&node.attrs));
        let fields: Vec<_> = named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let attrs = errors.take(attr::field_attrs(&field.attrs))?;
                let column = column_ident(ident, attrs.enum_name.as_ref());
                Some(Field {
                    ident,
                    ty: &field.ty,
                    attrs,
                    column,
                })
            })
            .collect();
        errors.finish(())?;
        Ok(Input {
            ident: &node.ident,
            attrs: attrs.unwrap_or_default(),
            fields,
        })
    }
}

impl Field<'_> {
    /// The field's name without a raw-identifier prefix: `type` for `r#type`.
    pub(crate) fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

fn not_named_struct(node: &DeriveInput) -> syn::Error {
    syn::Error::new(
        node.ident.span(),
        "#[derive(Owned)] goes on the `Model` struct of a SeaORM entity, a struct with named fields",
    )
}

/// Rust's strict and reserved keywords: a variant named like one is written raw (`r#type`).
const RUST_KEYWORDS: [&str; 49] = [
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "super", "trait", "true", "type", "union", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers: a variant named like one gets a trailing `_`.
const NON_RAW_KEYWORDS: [&str; 3] = ["crate", "Self", "self"];

/// The name of the `Column` variant `DeriveEntityModel` (sea-orm-macros 2.0.4) generates for
/// a field: the field name without `r#`, in UpperCamelCase, unless `enum_name` overrides
/// it; then escaped if it is a keyword.
///
/// The derive must name the very variant SeaORM generated, so this follows its rules
/// exactly, including cases that look odd (a leading `r#` is stripped repeatedly).
pub(crate) fn column_variant(field: &str, enum_name: Option<&str>) -> String {
    let name = match enum_name {
        Some(name) => name.to_owned(),
        None => {
            let mut bare = field;
            while let Some(rest) = bare.strip_prefix("r#") {
                bare = rest;
            }
            bare.to_upper_camel_case()
        }
    };
    if RUST_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else if NON_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The `Column` variant of a field, spanned at the field (or at its `enum_name`) so an error
/// about the variant points there.
fn column_ident(field: &Ident, enum_name: Option<&Ident>) -> Ident {
    let name = column_variant(
        &field.to_string(),
        enum_name.map(ToString::to_string).as_deref(),
    );
    let span = enum_name.map_or_else(|| field.span(), Ident::span);
    make_ident(&name, span)
}

/// An identifier from its written form; `Ident::new` rejects the `r#` prefix.
fn make_ident(name: &str, span: Span) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, span),
        None => Ident::new(name, span),
    }
}

#[cfg(test)]
mod tests {
    use super::{column_variant, make_ident};
    use proc_macro2::Span;

    #[test]
    fn snake_case_fields_become_upper_camel_case() {
        assert_eq!(column_variant("id", None), "Id");
        assert_eq!(column_variant("user_profile_id", None), "UserProfileId");
        assert_eq!(column_variant("name", None), "Name");
        assert_eq!(column_variant("owner_id2", None), "OwnerId2");
    }

    #[test]
    fn odd_field_names_follow_heck() {
        assert_eq!(column_variant("_hidden", None), "Hidden");
        assert_eq!(column_variant("trailing_", None), "Trailing");
        assert_eq!(column_variant("camelCase", None), "CamelCase");
        assert_eq!(column_variant("http_url", None), "HttpUrl");
    }

    #[test]
    fn raw_identifiers_lose_their_prefix() {
        assert_eq!(column_variant("r#type", None), "Type");
        assert_eq!(column_variant("r#struct_kind", None), "StructKind");
    }

    #[test]
    fn enum_name_overrides_the_field_name() {
        assert_eq!(column_variant("title", Some("Label")), "Label");
        // The override is taken as written, not re-cased.
        assert_eq!(column_variant("title", Some("label_text")), "label_text");
    }

    #[test]
    fn keywords_are_escaped() {
        // `self_` camel-cases to `Self`, which cannot be raw.
        assert_eq!(column_variant("self_", None), "Self_");
        assert_eq!(column_variant("x", Some("self")), "self_");
        assert_eq!(column_variant("x", Some("crate")), "crate_");
        assert_eq!(column_variant("x", Some("type")), "r#type");
        assert_eq!(column_variant("x", Some("yield")), "r#yield");
    }

    #[test]
    fn escaped_names_make_valid_identifiers() {
        assert_eq!(
            make_ident("r#type", Span::call_site()).to_string(),
            "r#type"
        );
        assert_eq!(make_ident("Self_", Span::call_site()).to_string(), "Self_");
    }
}
