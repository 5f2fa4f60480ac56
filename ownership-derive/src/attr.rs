//! Parsing of the `#[owned(..)]` helper attribute and of the few `#[sea_orm(..)]` keys the
//! derive needs to read.

use proc_macro2::{Ident, Span};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitBool, LitStr, Result, Token};

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
    /// `#[owned(staff_rows_readable_by_account = ..)]`.
    pub(crate) staff_rows_readable_by_account: Option<LitBool>,
    /// `#[owned(superuser_rows_readable_by_all_accounts = ..)]`.
    pub(crate) superuser_rows_readable_by_all_accounts: Option<LitBool>,
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

const STRUCT_KEYS: &str = "`model_name`, `read`, `manage`, `staff_rows_readable_by_account` or \
                           `superuser_rows_readable_by_all_accounts`";
const FIELD_KEYS: &str = "`owner`, `name` or `version`";

/// Parses the struct-level `#[owned(..)]` and `#[sea_orm(table_name = "..", schema_name =
/// "..")]`.
pub(crate) fn struct_attrs(attrs: &[Attribute]) -> Result<StructAttrs> {
    let mut parsed = StructAttrs::default();
    let mut errors = Errors::default();
    for attr in attrs {
        if attr.path().is_ident("owned") {
            // A bad key is reported and skipped, so every bad key of the list is reported.
            let result = attr.parse_nested_meta(|meta| {
                if let Err(error) = parsed.set_owned_key(&meta) {
                    errors.push(error);
                    skip_payload(&meta)?;
                }
                Ok(())
            });
            errors.take(result);
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

impl StructAttrs {
    /// Reads one key of the struct's `#[owned(..)]`.
    fn set_owned_key(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let key = path_name(meta);
        if let Some(slot) = self.name_slot(meta) {
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
        } else if let Some(slot) = self.flag_slot(meta) {
            if slot.is_some() {
                return Err(meta.error(format_args!("duplicate #[owned({key} = ..)]")));
            }
            *slot = Some(bool_value(meta, &key)?);
        } else {
            return Err(unknown_key(meta, "struct", STRUCT_KEYS));
        }
        Ok(())
    }

    /// Where a key that takes a name (a string) goes, if `meta` is one.
    fn name_slot(&mut self, meta: &ParseNestedMeta<'_>) -> Option<&mut Option<LitStr>> {
        if meta.path.is_ident("model_name") {
            Some(&mut self.model_name)
        } else if meta.path.is_ident("read") {
            Some(&mut self.read)
        } else if meta.path.is_ident("manage") {
            Some(&mut self.manage)
        } else {
            None
        }
    }

    /// Where a key that takes `true` or `false` goes, if `meta` is one.
    fn flag_slot(&mut self, meta: &ParseNestedMeta<'_>) -> Option<&mut Option<LitBool>> {
        if meta.path.is_ident("staff_rows_readable_by_account") {
            Some(&mut self.staff_rows_readable_by_account)
        } else if meta
            .path
            .is_ident("superuser_rows_readable_by_all_accounts")
        {
            Some(&mut self.superuser_rows_readable_by_all_accounts)
        } else {
            None
        }
    }
}

/// The `true` or `false` after `key =`. Written out rather than implied by the bare key:
/// the options default to `true`, so a bare key would read as a switch that does nothing.
fn bool_value(meta: &ParseNestedMeta<'_>, key: &str) -> Result<LitBool> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Err(meta.error(format_args!(
            "#[owned({key})] takes a value: `{key} = false` or `{key} = true`"
        )));
    }
    let value: Expr = meta.value()?.parse()?;
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(flag),
            ..
        }) => Ok(flag),
        other => Err(syn::Error::new_spanned(
            other,
            format_args!("#[owned({key} = ..)] takes `true` or `false`"),
        )),
    }
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

    #[test]
    fn read_options_take_a_bool() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[owned(staff_rows_readable_by_account = false, read = "see")]
            #[owned(superuser_rows_readable_by_all_accounts = true)]
        };
        let parsed = struct_attrs(&attrs).unwrap();
        assert!(!parsed.staff_rows_readable_by_account.unwrap().value);
        assert!(
            parsed
                .superuser_rows_readable_by_all_accounts
                .unwrap()
                .value
        );
        assert_eq!(parsed.read.unwrap().value(), "see");

        let bare: Vec<Attribute> = parse_quote!(#[owned(staff_rows_readable_by_account)]);
        let string: Vec<Attribute> =
            parse_quote!(#[owned(superuser_rows_readable_by_all_accounts = "false")]);
        let number: Vec<Attribute> = parse_quote!(#[owned(staff_rows_readable_by_account = 0)]);
        let twice: Vec<Attribute> = parse_quote! {
            #[owned(staff_rows_readable_by_account = false)]
            #[owned(staff_rows_readable_by_account = false)]
        };
        for attrs in [bare, string, number, twice] {
            assert!(struct_attrs(&attrs).is_err());
        }
    }

    #[test]
    fn every_bad_struct_key_is_reported() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[owned(staff_rows_readable_by_account = "no", wrote = "x", manage = "")]
            #[owned(model_name = 1)]
        };
        let error = struct_attrs(&attrs).err().unwrap();
        assert_eq!(error.into_iter().count(), 4);
    }
}
