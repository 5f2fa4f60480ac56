//! Parsing of the `#[owned(..)]` helper attribute and of the few `#[sea_orm(..)]` keys the
//! derive needs to read.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Lit, LitBool, LitInt, LitStr, Result, Token, token};

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

/// One `name = depth` of `#[owned(share(..))]`: a root grant of the entity's shares.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct ShareGrant {
    /// The permission name, without a raw-identifier prefix.
    pub(crate) name: String,
    /// How many more times a share holding the permission may be passed on.
    pub(crate) depth: u32,
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

/// `#[owned(policy(path = "..", actions("..", ..)))]`: the entity's path for policies and
/// the actions its policies name.
pub(crate) struct PolicyAttr {
    /// The span of `policy`, for errors about the whole.
    pub(crate) span: Span,
    /// `path = ".."`.
    pub(crate) path: Option<LitStr>,
    /// `actions(..)`, in the order written.
    pub(crate) actions: Vec<LitStr>,
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
    /// `#[owned(delete = "..")]`.
    pub(crate) delete: Option<LitStr>,
    /// `#[owned(creator = "..")]`: the `Level` variant the creator of a row gets on it.
    pub(crate) creator: Option<Ident>,
    /// `#[owned(share(..))]`, in the order written.
    pub(crate) share: Option<Vec<ShareGrant>>,
    /// `#[owned(policy(..))]`.
    pub(crate) policy: Option<PolicyAttr>,
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

const STRUCT_KEYS: &str = "`model_name`, `read`, `manage`, `delete`, `creator`, `share`, `policy`, \
                           `staff_rows_readable_by_account` or \
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
        } else if meta.path.is_ident("creator") {
            if self.creator.is_some() {
                return Err(meta.error("duplicate #[owned(creator = ..)]"));
            }
            self.creator = Some(creator_level(&meta.value()?.parse()?)?);
        } else if let Some(slot) = self.flag_slot(meta) {
            if slot.is_some() {
                return Err(meta.error(format_args!("duplicate #[owned({key} = ..)]")));
            }
            *slot = Some(bool_value(meta, &key)?);
        } else if meta.path.is_ident("share") {
            if self.share.is_some() {
                return Err(meta.error("duplicate #[owned(share(..))]"));
            }
            // Set even when the list is malformed, so a second `share` is reported too.
            let share = self.share.insert(Vec::new());
            return share_grants(meta, share);
        } else if meta.path.is_ident("policy") {
            if self.policy.is_some() {
                return Err(meta.error("duplicate #[owned(policy(..))]"));
            }
            let policy = self.policy.insert(PolicyAttr {
                span: meta.path.span(),
                path: None,
                actions: Vec::new(),
            });
            return policy_attr(meta, policy);
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
        } else if meta.path.is_ident("delete") {
            Some(&mut self.delete)
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

/// The `Level` variant `#[owned(creator = "..")]` names: `view`, `edit` or `all`.
fn creator_level(level: &LitStr) -> Result<Ident> {
    let variant = match level.value().as_str() {
        "view" => "View",
        "edit" => "Edit",
        "all" => "All",
        other => {
            return Err(syn::Error::new(
                level.span(),
                format_args!(
                    "unknown level {other:?} in #[owned(creator = ..)]: `view`, `edit` or `all`"
                ),
            ));
        }
    };
    Ok(Ident::new(variant, level.span()))
}

/// Reads the keys of `policy(..)`: `path = ".."` and `actions("..", ..)`, each once; a bad
/// key is reported and the rest still read.
fn policy_attr(meta: &ParseNestedMeta<'_>, policy: &mut PolicyAttr) -> Result<()> {
    let mut errors = Errors::default();
    let result = meta.parse_nested_meta(|inner| {
        if inner.path.is_ident("path") {
            let path: LitStr = inner.value()?.parse()?;
            if policy.path.is_some() {
                errors.push(inner.error("duplicate `path` in #[owned(policy(..))]"));
            }
            policy.path = Some(path);
        } else if inner.path.is_ident("actions") {
            let content;
            syn::parenthesized!(content in inner.input);
            let actions =
                syn::punctuated::Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            if !policy.actions.is_empty() {
                errors.push(inner.error("duplicate `actions` in #[owned(policy(..))]"));
            }
            policy.actions.extend(actions);
        } else {
            errors.push(unknown_key(&inner, "policy", "`path` or `actions`"));
            skip_payload(&inner)?;
        }
        Ok(())
    });
    errors.take(result);
    errors.finish(())
}

/// The deepest a root grant may be: `ownership_core::MAX_SHARE_DEPTH`, repeated because the
/// core depends on this crate and cannot be imported here.
const MAX_SHARE_DEPTH: u32 = 10;
/// The longest permission name: `ownership_core::MAX_NAME_CHARS`, repeated for that reason.
const MAX_NAME_CHARS: usize = 150;

const SHARE_NEEDS_GRANTS: &str =
    "#[owned(share(..))] needs at least one `name = depth`, such as `share(view = 1)`";

/// Reads the list of `share(..)` into `grants`, checking each entry; a bad entry is
/// reported and skipped, so every bad entry of the list is reported.
fn share_grants(meta: &ParseNestedMeta<'_>, grants: &mut Vec<ShareGrant>) -> Result<()> {
    if !meta.input.peek(token::Paren) {
        return Err(meta.error(SHARE_NEEDS_GRANTS));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    if content.is_empty() {
        return Err(meta.error(SHARE_NEEDS_GRANTS));
    }
    let mut errors = Errors::default();
    // Every well-formed name, kept apart from `grants` so that a name repeated after a bad
    // depth is still reported.
    let mut seen = Vec::new();
    while !content.is_empty() {
        match share_entry(&content) {
            Ok((name, span, depth)) => {
                let name = check_share_name(&name, span).and_then(|()| {
                    if seen.contains(&name) {
                        return Err(syn::Error::new(
                            span,
                            format_args!("duplicate permission \"{name}\" in #[owned(share(..))]"),
                        ));
                    }
                    seen.push(name.clone());
                    Ok(name)
                });
                let name = errors.take(name);
                let depth = errors.take(share_depth(depth));
                if let (Some(name), Some(depth)) = (name, depth) {
                    grants.push(ShareGrant { name, depth });
                }
            }
            Err(error) => {
                errors.push(error);
                skip_to_comma(&content)?;
            }
        }
        // `share_entry` and `skip_to_comma` stop at a comma or at the end.
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    errors.finish(())
}

/// One `name = depth`, up to the comma after it: the name, its span, and the depth's tokens,
/// judged later so that any malformed depth gets the same message.
fn share_entry(input: ParseStream<'_>) -> Result<(String, Span, TokenStream)> {
    let (name, span) = if input.peek(LitStr) {
        let name: LitStr = input.parse()?;
        (name.value(), name.span())
    } else if input.peek(Ident::peek_any) {
        // Keywords are names too; `r#type` is `type`.
        let name = Ident::parse_any(input)?;
        (name.unraw().to_string(), name.span())
    } else {
        return Err(input.error(
            "expected a permission name: an identifier or a string, such as `view` or \
             `\"publish.doc\"`",
        ));
    };
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(
            span,
            format_args!("#[owned(share(..))] needs a depth for \"{name}\": `name = depth`"),
        ));
    }
    let eq: Token![=] = input.parse()?;
    let depth = input.step(|cursor| {
        let mut depth = TokenStream::new();
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, TokenTree::Punct(punct) if punct.as_char() == ',') {
                break;
            }
            depth.extend([tree]);
            rest = next;
        }
        Ok((depth, rest))
    })?;
    if depth.is_empty() {
        return Err(syn::Error::new(eq.span, share_depth_message()));
    }
    Ok((name, span, depth))
}

fn share_depth_message() -> String {
    format!(
        "#[owned(share(..))] depths are whole numbers from 0 to {MAX_SHARE_DEPTH}: how many \
         more times a share may be passed on"
    )
}

/// The depth of a root grant: an integer literal from 0 to [`MAX_SHARE_DEPTH`].
fn share_depth(tokens: TokenStream) -> Result<u32> {
    // `LitInt` also takes a negative such as `-1`, caught below as not a whole number.
    let literal = match syn::parse2::<LitInt>(tokens.clone()) {
        Ok(literal) if is_integer_suffix(literal.suffix()) => literal,
        _ => return Err(syn::Error::new_spanned(tokens, share_depth_message())),
    };
    let digits = literal.base10_digits();
    if digits.starts_with('-') {
        return Err(syn::Error::new_spanned(tokens, share_depth_message()));
    }
    match digits.parse::<u32>() {
        Ok(depth) if depth <= MAX_SHARE_DEPTH => Ok(depth),
        // Digits that overflow `u32` are too deep as well.
        _ => Err(syn::Error::new_spanned(
            tokens,
            format_args!(
                "#[owned(share(..))] depths are at most {MAX_SHARE_DEPTH} \
                 (`ownership_core::MAX_SHARE_DEPTH`)"
            ),
        )),
    }
}

/// Whether a literal's suffix is none or an integer type's: `2abc` lexes as an integer
/// literal too, and an attribute's tokens are never checked by the compiler.
fn is_integer_suffix(suffix: &str) -> bool {
    const INTEGER_SUFFIXES: [&str; 13] = [
        "", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    INTEGER_SUFFIXES.contains(&suffix)
}

/// A permission name must pass the core's checks, which otherwise fail at run time.
fn check_share_name(name: &str, span: Span) -> Result<()> {
    let problem = if name.trim().is_empty() {
        "cannot be empty".to_owned()
    } else if name.contains('\0') {
        "cannot contain a NUL character".to_owned()
    } else if name.chars().count() > MAX_NAME_CHARS {
        format!("is longer than {MAX_NAME_CHARS} characters")
    } else {
        return Ok(());
    };
    Err(syn::Error::new(
        span,
        format_args!("#[owned(share(..))] permission name {problem}"),
    ))
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
    skip_to_comma(meta.input)
}

/// Consumes the tokens up to the next top-level comma.
fn skip_to_comma(input: ParseStream<'_>) -> Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if let TokenTree::Punct(punct) = &tree
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
    use super::{Role, ShareGrant, field_attrs, struct_attrs};
    use syn::{Attribute, parse_quote};

    /// The grants `share(..)` declares, or the messages of its errors.
    fn share(attrs: &[Attribute]) -> Result<Vec<(String, u32)>, Vec<String>> {
        match struct_attrs(attrs) {
            Ok(parsed) => Ok(parsed
                .share
                .unwrap()
                .into_iter()
                .map(|ShareGrant { name, depth }| (name, depth))
                .collect()),
            Err(error) => Err(error.into_iter().map(|error| error.to_string()).collect()),
        }
    }

    fn grants(list: &[(&str, u32)]) -> Vec<(String, u32)> {
        list.iter()
            .map(|&(name, depth)| (name.to_owned(), depth))
            .collect()
    }

    /// The messages of the errors of `attrs`, which must fail.
    fn share_errors(attrs: &[Attribute]) -> Vec<String> {
        share(attrs).unwrap_err()
    }

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

    #[test]
    fn share_names_are_identifiers_or_strings_in_the_order_written() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[owned(share(view = 2, "publish.doc" = 1, r#type = 0, change = 10, delete = 3u32,))]
        };
        assert_eq!(
            share(&attrs).unwrap(),
            grants(&[
                ("view", 2),
                ("publish.doc", 1),
                ("type", 0),
                ("change", 10),
                ("delete", 3),
            ])
        );
        let keyword: Vec<Attribute> = parse_quote!(#[owned(read = "see", share(match = 1))]);
        assert_eq!(share(&keyword).unwrap(), grants(&[("match", 1)]));
        // Without the key, nothing is set and the trait's default stays.
        let none: Vec<Attribute> = parse_quote!(#[owned(read = "see")]);
        assert!(struct_attrs(&none).unwrap().share.is_none());
    }

    #[test]
    fn a_share_list_needs_entries() {
        let bare: Vec<Attribute> = parse_quote!(#[owned(share)]);
        let empty: Vec<Attribute> = parse_quote!(#[owned(share())]);
        let valued: Vec<Attribute> = parse_quote!(#[owned(share = "view")]);
        for attrs in [bare, empty, valued] {
            let errors = share_errors(&attrs);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("needs at least one `name = depth`"));
        }
    }

    #[test]
    fn share_is_given_once() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[owned(share(view = 1))]
            #[owned(share(change = 1))]
        };
        assert_eq!(share_errors(&attrs), ["duplicate #[owned(share(..))]"]);
    }

    #[test]
    fn share_depths_are_whole_numbers_up_to_ten() {
        let not_numbers: [Vec<Attribute>; 8] = [
            parse_quote!(#[owned(share(view = "2"))]),
            parse_quote!(#[owned(share(view = true))]),
            parse_quote!(#[owned(share(view = -1))]),
            parse_quote!(#[owned(share(view = 2.5))]),
            parse_quote!(#[owned(share(view = 1 + 1))]),
            parse_quote!(#[owned(share(view = MAX))]),
            parse_quote!(#[owned(share(view = 2abc))]),
            parse_quote!(#[owned(share(view =))]),
        ];
        for attrs in not_numbers {
            let errors = share_errors(&attrs);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains("depths are whole numbers from 0 to 10"),
                "{errors:?}"
            );
        }
        let too_deep: [Vec<Attribute>; 2] = [
            parse_quote!(#[owned(share(view = 11))]),
            parse_quote!(#[owned(share(view = 99999999999999999999))]),
        ];
        for attrs in too_deep {
            let errors = share_errors(&attrs);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains("depths are at most 10"), "{errors:?}");
        }
        let edges: Vec<Attribute> = parse_quote!(#[owned(share(view = 0, change = 10))]);
        assert_eq!(
            share(&edges).unwrap(),
            grants(&[("view", 0), ("change", 10)])
        );
    }

    #[test]
    fn share_names_are_checked_as_the_core_checks_them() {
        let long = "p".repeat(151);
        let bad_names: [(Vec<Attribute>, &str); 4] = [
            (parse_quote!(#[owned(share("" = 1))]), "cannot be empty"),
            (parse_quote!(#[owned(share(" " = 1))]), "cannot be empty"),
            (
                parse_quote!(#[owned(share("a\0b" = 1))]),
                "cannot contain a NUL character",
            ),
            (
                parse_quote!(#[owned(share(#long = 1))]),
                "is longer than 150 characters",
            ),
        ];
        for (attrs, problem) in bad_names {
            let errors = share_errors(&attrs);
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(errors[0].contains(problem), "{errors:?}");
        }
        let longest = "p".repeat(150);
        let attrs: Vec<Attribute> = parse_quote!(#[owned(share(#longest = 1))]);
        assert_eq!(share(&attrs).unwrap(), grants(&[(&longest, 1)]));

        // A string and an identifier of the same name are the same permission.
        let twice: Vec<Attribute> = parse_quote!(#[owned(share(view = 1, "view" = 2))]);
        assert_eq!(
            share_errors(&twice),
            ["duplicate permission \"view\" in #[owned(share(..))]"]
        );
        let not_names: [Vec<Attribute>; 3] = [
            parse_quote!(#[owned(share(1 = 1))]),
            parse_quote!(#[owned(share(a::b = 1))]),
            parse_quote!(#[owned(share(view))]),
        ];
        for attrs in not_names {
            assert_eq!(share_errors(&attrs).len(), 1);
        }
    }

    #[test]
    fn every_bad_share_entry_is_reported() {
        let attrs: Vec<Attribute> = parse_quote! {
            #[owned(share(view = 11, "" = 1, change = -1, view = 1, 2 = 2, ok = 1, " " = x))]
            #[owned(share(delete = 0), wrote = "x")]
        };
        let errors = share_errors(&attrs);
        assert_eq!(errors.len(), 9, "{errors:?}");
        // The repeated name is reported although its first depth was bad.
        assert!(errors[3].starts_with("duplicate permission \"view\""));
        assert_eq!(errors[7], "duplicate #[owned(share(..))]");
        assert!(errors[8].starts_with("unknown #[owned] struct attribute `wrote`"));
    }
}
