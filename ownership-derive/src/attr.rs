//! Parsing of the `#[owned(..)]` helper attribute and of the few `#[sea_orm(..)]` keys the
//! derive needs to read.

use proc_macro2::{Ident, Span};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Result, Token};

/// What a field is to the derive, as marked by `#[owned(..)]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    /// `#[owned(owner)]`: the user profile id the row belongs to.
    Owner,
    /// `#[owned(name)]`: the name, unique per owner.
    Name,
    /// `#[owned(version)]`: the version a clone may be given.
    Version,
}

impl Role {
    /// Every role, in the order messages list them.
    pub(crate) const ALL: [Role; 3] = [Role::Owner, Role::Name, Role::Version];

    /// The key that marks the role: `owner` in `#[owned(owner)]`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Name => "name",
            Role::Version => "version",
        }
    }

    fn from_key(key: &Ident) -> Option<Self> {
        Role::ALL.into_iter().find(|role| key == role.key())
    }
}

/// A role marker, with the span of its key for errors about it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RoleMark {
    pub(crate) role: Role,
    pub(crate) span: Span,
}

/// What the derive reads from a field's attributes.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// The field's `#[owned(..)]` role, if any.
    pub(crate) role: Option<RoleMark>,
    /// `#[sea_orm(primary_key)]`, with the span of `primary_key`.
    pub(crate) primary_key: Option<Span>,
    /// `#[sea_orm(unique_key = "..")]`; the last one wins, as in `DeriveEntityModel`.
    pub(crate) unique_key: Option<LitStr>,
    /// `#[sea_orm(enum_name = "..")]`: overrides the `Column` variant name.
    pub(crate) enum_name: Option<Ident>,
    /// `#[sea_orm(ignore)]`, with the span of `ignore`: the field has no column.
    pub(crate) ignore: Option<Span>,
}

/// What the derive reads from the struct's attributes.
#[derive(Default)]
pub(crate) struct StructAttrs {
    /// `#[owned(model_name = "..")]`.
    pub(crate) model_name: Option<LitStr>,
    /// `#[owned(read = "..")]`.
    pub(crate) read: Option<LitStr>,
    /// `#[owned(manage = "..")]`.
    pub(crate) manage: Option<LitStr>,
    /// `#[sea_orm(table_name = "..")]`, the default model name.
    pub(crate) table_name: Option<LitStr>,
    /// `#[sea_orm(schema_name = "..")]`, which qualifies the default model name.
    pub(crate) schema_name: Option<LitStr>,
}

/// Collects errors so one compile reports every problem it can, not only the first.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Records the error of `result`, if any, and returns its value otherwise.
    pub(crate) fn take<T>(&mut self, result: Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// `Ok(value)` if no error was recorded, else every recorded error.
    pub(crate) fn finish<T>(self, value: T) -> Result<T> {
        match self.0 {
            Some(errors) => Err(errors),
            None => Ok(value),
        }
    }
}

const STRUCT_KEYS: &str = "`model_name`, `read` or `manage`";
const FIELD_KEYS: &str = "`owner`, `name` or `version`";

/// Parses the struct-level `#[owned(..)]` and `#[sea_orm(table_name = "..", schema_name =
/// "..")]`.
pub(crate) fn struct_attrs(attrs: &[Attribute]) -> Result<StructAttrs> {
    let mut parsed = StructAttrs::default();
    let mut errors = Errors::default();
    for attr in attrs {
        if attr.path().is_ident("owned") {
            errors.take(attr.parse_nested_meta(|meta| {
                let slot = if meta.path.is_ident("model_name") {
                    &mut parsed.model_name
                } else if meta.path.is_ident("read") {
                    &mut parsed.read
                } else if meta.path.is_ident("manage") {
                    &mut parsed.manage
                } else {
                    return Err(unknown_key(&meta, "struct", STRUCT_KEYS));
                };
                let key = path_name(&meta);
                if slot.is_some() {
                    return Err(meta.error(format_args!("duplicate #[owned({key} = ..)]")));
                }
                let value: LitStr = meta.value()?.parse()?;
                if value.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        value.span(),
                        format_args!("#[owned({key} = ..)] cannot be empty"),
                    ));
                }
                *slot = Some(value);
                Ok(())
            }));
        } else if attr.path().is_ident("sea_orm") {
            errors.take(attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("table_name") {
                    parsed.table_name = Some(meta.value()?.parse()?);
                    Ok(())
                } else if meta.path.is_ident("schema_name") {
                    parsed.schema_name = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    skip_payload(&meta)
                }
            }));
        }
    }
    errors.finish(parsed)
}

/// Parses a field's `#[owned(..)]` and the `#[sea_orm(..)]` keys that matter here.
pub(crate) fn field_attrs(attrs: &[Attribute]) -> Result<FieldAttrs> {
    let mut parsed = FieldAttrs::default();
    let mut errors = Errors::default();
    for attr in attrs {
        if attr.path().is_ident("owned") {
            errors.take(attr.parse_nested_meta(|meta| {
                let role = meta
                    .path
                    .get_ident()
                    .and_then(Role::from_key)
                    .ok_or_else(|| unknown_key(&meta, "field", FIELD_KEYS))?;
                if !(meta.input.is_empty() || meta.input.peek(Token![,])) {
                    return Err(meta.error(format_args!("#[owned({})] takes no value", role.key())));
                }
                if let Some(previous) = parsed.role {
                    return Err(meta.error(if previous.role == role {
                        format!("duplicate #[owned({})]", role.key())
                    } else {
                        format!(
                            "a field can carry only one #[owned] role, and this one is \
                             already marked #[owned({})]",
                            previous.role.key()
                        )
                    }));
                }
                parsed.role = Some(RoleMark {
                    role,
                    span: meta.path.span(),
                });
                Ok(())
            }));
        } else if attr.path().is_ident("sea_orm") {
            errors.take(attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("primary_key") {
                    parsed.primary_key = Some(meta.path.span());
                } else if meta.path.is_ident("ignore") {
                    parsed.ignore = Some(meta.path.span());
                } else if meta.path.is_ident("unique_key") {
                    parsed.unique_key = Some(meta.value()?.parse()?);
                    return Ok(());
                } else if meta.path.is_ident("enum_name") {
                    let value: LitStr = meta.value()?.parse()?;
                    parsed.enum_name = Some(value.parse()?);
                    return Ok(());
                }
                // SeaORM has many more keys (column_type, default_value, belongs_to, ...);
                // they are not ours to judge, so whatever follows them is skipped.
                skip_payload(&meta)
            }));
        }
    }
    errors.finish(parsed)
}

/// The key of `meta` as written, for messages.
fn path_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn unknown_key(meta: &ParseNestedMeta<'_>, level: &str, expected: &str) -> syn::Error {
    meta.error(format_args!(
        "unknown #[owned] {level} attribute `{}`; expected {expected}",
        path_name(meta)
    ))
}

/// Consumes whatever follows a key up to the next top-level comma: `= value`, `(..)` or
/// nothing, so any `#[sea_orm(..)]` key is accepted whatever its form.
fn skip_payload(meta: &ParseNestedMeta<'_>) -> Result<()> {
    meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if let proc_macro2::TokenTree::Punct(punct) = &tree
                && punct.as_char() == ','
            {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

#[cfg(test)]
mod tests {
    use super::{Role, field_attrs, struct_attrs};
    use syn::{Attribute, parse_quote};

    #[test]
    fn unknown_sea_orm_keys_are_skipped_whatever_their_form() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[sea_orm(schema_name = "public", model_ex, odd(a, b), table_name = "doc")]
        };
        let parsed = struct_attrs(&attrs).unwrap();
        assert_eq!(parsed.table_name.unwrap().value(), "doc");
        assert_eq!(parsed.schema_name.unwrap().value(), "public");

        let attrs: Vec<Attribute> = parse_quote! {
            #[sea_orm(column_type = "String(StringLen::N(255))", default_value = -1, indexed)]
            #[sea_orm(odd(x, y = 2), unique_key = "owner_name", enum_name = "Label", nullable)]
            #[owned(name)]
        };
        let parsed = field_attrs(&attrs).unwrap();
        assert_eq!(parsed.unique_key.unwrap().value(), "owner_name");
        assert_eq!(parsed.enum_name.unwrap(), "Label");
        assert_eq!(parsed.role.unwrap().role, Role::Name);
        assert!(parsed.primary_key.is_none() && parsed.ignore.is_none());
    }

    #[test]
    fn the_last_unique_key_wins_as_in_sea_orm() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[sea_orm(unique_key = "first", primary_key)]
            #[sea_orm(unique_key = "second", ignore)]
        };
        let parsed = field_attrs(&attrs).unwrap();
        assert_eq!(parsed.unique_key.unwrap().value(), "second");
        assert!(parsed.primary_key.is_some() && parsed.ignore.is_some());
    }

    #[test]
    fn owned_keys_are_checked() {
        let unknown: Vec<Attribute> = parse_quote!(#[owned(onwer)]);
        let valued: Vec<Attribute> = parse_quote!(#[owned(owner = "x")]);
        let twice: Vec<Attribute> = parse_quote!(#[owned(owner)] #[owned(owner)]);
        for attrs in [unknown, valued, twice] {
            assert!(field_attrs(&attrs).is_err());
        }
        let duplicate: Vec<Attribute> = parse_quote!(#[owned(read = "a", read = "b")]);
        let blank: Vec<Attribute> = parse_quote!(#[owned(manage = " ")]);
        let not_a_string: Vec<Attribute> = parse_quote!(#[owned(model_name = doc)]);
        let schema_not_a_string: Vec<Attribute> = parse_quote!(#[sea_orm(schema_name = 1)]);
        for attrs in [duplicate, blank, not_a_string, schema_not_a_string] {
            assert!(struct_attrs(&attrs).is_err());
        }
    }
}
