//! The checks that make an entity usable by the ownership scopes, each failing with an error
//! that points at the culprit.

use crate::ast::{Field, Input};
use crate::attr::{Errors, PolicyAttr, Role, ShareGrant};
use proc_macro2::Span;
use syn::{GenericArgument, Ident, LitBool, LitStr, PathArguments, Result, Type};

/// The validated entity: which field plays which part, and the settings to emit.
pub(crate) struct Owned<'a> {
    /// `MODEL_NAME`: `#[owned(model_name)]`, else [`default_model_name`].
    pub(crate) model_name: LitStr,
    /// `OWNER_NAME_KEY`: the unique key the owner and name share.
    pub(crate) owner_name_key: &'a LitStr,
    /// `READ_PERMISSION`, if not the trait's default.
    pub(crate) read: Option<&'a LitStr>,
    /// `MANAGE_PERMISSION`, if not the trait's default.
    pub(crate) manage: Option<&'a LitStr>,
    /// `DELETE_PERMISSION`, if not the trait's default.
    pub(crate) delete: Option<&'a LitStr>,
    /// `CREATOR_LEVEL`: the `Level` variant named by `#[owned(creator = "..")]`, if given.
    pub(crate) creator: Option<Ident>,
    /// `SHARE_ROOT`, if not the trait's default.
    pub(crate) share_root: Option<&'a [ShareGrant]>,
    /// `STAFF_ROWS_READABLE_BY_ACCOUNT`, if given.
    pub(crate) staff_rows_readable_by_account: Option<&'a LitBool>,
    /// `SUPERUSER_ROWS_READABLE_BY_ALL_ACCOUNTS`, if given.
    pub(crate) superuser_rows_readable_by_all_accounts: Option<&'a LitBool>,
    /// The single primary-key field.
    pub(crate) id: &'a Field<'a>,
    /// The owner field.
    pub(crate) owner: &'a Field<'a>,
    /// The name field.
    pub(crate) name: &'a Field<'a>,
    /// The version field, if one is marked.
    pub(crate) version: Option<&'a Field<'a>>,
    /// `#[owned(policy(..))]`, checked.
    pub(crate) policy: Option<OwnedPolicy<'a>>,
}

/// The entity's policy path and actions, checked.
pub(crate) struct OwnedPolicy<'a> {
    /// The path's segments, in order.
    pub(crate) path: Vec<PathPart<'a>>,
    /// The actions, in the order written.
    pub(crate) actions: Vec<String>,
}

/// One segment of a policy path.
pub(crate) enum PathPart<'a> {
    /// A fixed segment.
    Literal(String),
    /// The value of this field's column (`{field}`).
    Column(&'a Field<'a>),
}

/// The field a convention picks when no field is marked with the role.
const OWNER_CONVENTION: &str = "user_profile_id";
const NAME_CONVENTION: &str = "name";

/// The types a key (the primary key, the owner) may have: an integer, a UUID or a string.
const KEY_TYPES: [&str; 10] = [
    "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "Uuid", "String",
];
const KEY_LIST: &str = "an integer (i8 to i64, u8 to u64), Uuid or String";

impl<'a> Input<'a> {
    /// Runs every check, reporting all failures together.
    pub(crate) fn validate(&'a self) -> Result<Owned<'a>> {
        if self.ident != "Model" {
            return Err(syn::Error::new(
                self.ident.span(),
                "#[derive(Owned)] goes on the `Model` struct of a SeaORM entity",
            ));
        }
        let mut errors = Errors::default();

        let owner = self.role_field(Role::Owner, Some(OWNER_CONVENTION), &mut errors);
        let name = self.role_field(Role::Name, Some(NAME_CONVENTION), &mut errors);
        let version = self.role_field(Role::Version, None, &mut errors);
        let id = self.primary_key(&mut errors);

        match owner {
            Some(owner) => {
                errors.take(check_owner_type(owner.ty));
            }
            None => errors.push(syn::Error::new(
                self.ident.span(),
                format_args!(
                    "no owner field: add `pub {OWNER_CONVENTION}: i64` or mark the owner \
                     field with #[owned(owner)]"
                ),
            )),
        };
        if let Some(name) = name {
            errors.take(check_name_type(name.ty));
        } else {
            errors.push(syn::Error::new(
                self.ident.span(),
                format_args!(
                    "no name field: add `pub {NAME_CONVENTION}: String` or mark the name \
                     field with #[owned(name)]"
                ),
            ));
        }

        // Each part must be its own column.
        let parts = [
            ("primary key", id),
            ("owner field", owner),
            ("name field", name),
            ("version field", version),
        ];
        for (i, &(part, field)) in parts.iter().enumerate() {
            let Some(field) = field else { continue };
            if let Some(ignore) = field.attrs.ignore {
                errors.push(syn::Error::new(
                    ignore,
                    format_args!(
                        "the {part} cannot be #[sea_orm(ignore)]: it must be a database column"
                    ),
                ));
            }
            for &(other, earlier) in &parts[..i] {
                if earlier.is_some_and(|earlier| std::ptr::eq(earlier, field)) {
                    errors.push(syn::Error::new(
                        field.ident.span(),
                        format_args!(
                            "`{}` cannot be both the {other} and the {part}",
                            field.name()
                        ),
                    ));
                }
            }
        }

        let owner_name_key = match (owner, name) {
            (Some(owner), Some(name)) if !std::ptr::eq(owner, name) => {
                errors.take(self.shared_unique_key(owner, name))
            }
            _ => None,
        };

        let model_name = match (&self.attrs.model_name, &self.attrs.table_name) {
            (Some(model_name), _) => Some(model_name.clone()),
            (None, Some(table)) => Some(default_model_name(table, self.attrs.schema_name.as_ref())),
            (None, None) => {
                errors.push(syn::Error::new(
                    self.ident.span(),
                    "no model name: add #[sea_orm(table_name = \"..\")] or #[owned(model_name = \"..\")]",
                ));
                None
            }
        };

        let policy = self
            .attrs
            .policy
            .as_ref()
            .and_then(|policy| self.policy(policy, &mut errors));

        let owned = match (model_name, owner_name_key, id, owner, name) {
            (Some(model_name), Some(owner_name_key), Some(id), Some(owner), Some(name)) => {
                Some(Owned {
                    model_name,
                    owner_name_key,
                    read: self.attrs.read.as_ref(),
                    manage: self.attrs.manage.as_ref(),
                    delete: self.attrs.delete.as_ref(),
                    creator: self.attrs.creator.clone(),
                    share_root: self.attrs.share.as_deref(),
                    staff_rows_readable_by_account: self
                        .attrs
                        .staff_rows_readable_by_account
                        .as_ref(),
                    superuser_rows_readable_by_all_accounts: self
                        .attrs
                        .superuser_rows_readable_by_all_accounts
                        .as_ref(),
                    id,
                    owner,
                    name,
                    version,
                    policy,
                })
            }
            _ => None,
        };
        errors.finish(())?;
        // Every part is known once no error was reported.
        owned.ok_or_else(|| syn::Error::new(Span::call_site(), "incomplete entity"))
    }

    /// Checks `#[owned(policy(..))]`: a path of literal segments and `{field}` segments
    /// naming columns of a key type (or an `Option` of one), and actions of dotted names;
    /// every problem is reported.
    fn policy(&'a self, policy: &PolicyAttr, errors: &mut Errors) -> Option<OwnedPolicy<'a>> {
        let mut ok = true;
        let mut fail = |errors: &mut Errors, span: Span, message: String| {
            errors.push(syn::Error::new(span, message));
            ok = false;
        };
        let mut path = Vec::new();
        match &policy.path {
            None => fail(
                errors,
                policy.span,
                "#[owned(policy(..))] needs a `path = \"..\"`, such as \
                 `path = \"parcel/{organization}/{id}\"`"
                    .to_owned(),
            ),
            Some(literal) => {
                let text = literal.value();
                let span = literal.span();
                if text.is_empty() {
                    fail(errors, span, "the policy path is empty".to_owned());
                }
                for segment in text.split('/').filter(|_| !text.is_empty()) {
                    if let Some(field) = segment
                        .strip_prefix('{')
                        .and_then(|rest| rest.strip_suffix('}'))
                    {
                        match self.fields.iter().find(|f| f.name() == field) {
                            None => fail(
                                errors,
                                span,
                                format!(
                                    "the policy path names `{{{field}}}`, which is not a field of the model"
                                ),
                            ),
                            Some(found) if found.attrs.ignore.is_some() => fail(
                                errors,
                                span,
                                format!(
                                    "the policy path names `{{{field}}}`, which is #[sea_orm(ignore)]: it must be a database column"
                                ),
                            ),
                            Some(found)
                                if !is_key_type(found.ty) && !option_of_key_type(found.ty) =>
                            {
                                fail(
                                    errors,
                                    span,
                                    format!(
                                        "the policy path names `{{{field}}}`, whose type is not {KEY_LIST} (or an Option of one)"
                                    ),
                                )
                            }
                            Some(found) => path.push(PathPart::Column(found)),
                        }
                    } else if segment.is_empty() {
                        fail(
                            errors,
                            span,
                            format!("the policy path {text:?} has an empty segment"),
                        );
                    } else if segment.contains(['{', '}', '*', '$', '\\']) {
                        fail(
                            errors,
                            span,
                            format!(
                                "the policy path segment {segment:?} is neither a literal nor a `{{field}}`"
                            ),
                        );
                    } else {
                        path.push(PathPart::Literal(segment.to_owned()));
                    }
                }
            }
        }
        let mut actions: Vec<String> = Vec::new();
        for action in &policy.actions {
            let text = action.value();
            let valid = !text.is_empty()
                && text.split('.').all(|part| {
                    !part.is_empty()
                        && !part.contains(['*', '$', '/', '\\'])
                        && !part.chars().any(char::is_whitespace)
                });
            if !valid {
                fail(
                    errors,
                    action.span(),
                    format!("the action {text:?} is not a dotted name such as \"parcel.edit\""),
                );
            } else if actions.contains(&text) {
                fail(errors, action.span(), format!("duplicate action {text:?}"));
            } else {
                actions.push(text);
            }
        }
        ok.then_some(OwnedPolicy { path, actions })
    }

    /// The field marked with `role`, else the one the convention names; a second marker is
    /// an error.
    fn role_field(
        &'a self,
        role: Role,
        convention: Option<&str>,
        errors: &mut Errors,
    ) -> Option<&'a Field<'a>> {
        let mut marked = self.fields.iter().filter_map(|field| {
            let mark = field.attrs.role.filter(|mark| mark.role == role)?;
            Some((field, mark))
        });
        let first = marked.next();
        for (_, mark) in marked {
            errors.push(syn::Error::new(
                mark.span,
                format_args!("#[owned({})] may appear on only one field", role.key()),
            ));
        }
        first.map(|(field, _)| field).or_else(|| {
            let convention = convention?;
            self.fields.iter().find(|field| field.name() == convention)
        })
    }

    /// The single primary-key field, of a key type.
    fn primary_key(&'a self, errors: &mut Errors) -> Option<&'a Field<'a>> {
        let mut keys = self
            .fields
            .iter()
            .filter_map(|field| Some((field, field.attrs.primary_key?)));
        let Some((first, _)) = keys.next() else {
            errors.push(syn::Error::new(
                self.ident.span(),
                "no primary key: mark the id field with #[sea_orm(primary_key)]",
            ));
            return None;
        };
        for (_, span) in keys {
            errors.push(syn::Error::new(
                span,
                "composite primary keys are not supported: an owned entity needs a single \
                 primary key column",
            ));
        }
        if !is_key_type(first.ty) {
            errors.push(syn::Error::new_spanned(
                first.ty,
                format_args!("the primary key must be {KEY_LIST}"),
            ));
        }
        Some(first)
    }

    /// The unique key the owner and name share, which must contain no other column: the
    /// database then rejects a second row with the same owner and name, and SeaORM names
    /// the index after the key.
    fn shared_unique_key(
        &'a self,
        owner: &'a Field<'a>,
        name: &'a Field<'a>,
    ) -> Result<&'a LitStr> {
        const WHY: &str = "names must be unique per owner, and SeaORM creates (and schema sync \
                           keeps) only the unique indexes an entity declares";
        let (owner_key, name_key) = match (&owner.attrs.unique_key, &name.attrs.unique_key) {
            (Some(owner_key), Some(name_key)) => (owner_key, name_key),
            (None, None) => {
                return Err(syn::Error::new(
                    owner.ident.span(),
                    format_args!(
                        "the owner field `{}` and the name field `{}` need a shared unique key: \
                         add #[sea_orm(unique_key = \"owner_name\")] to both; {WHY}",
                        owner.name(),
                        name.name(),
                    ),
                ));
            }
            (Some(key), None) | (None, Some(key)) => {
                let (missing, part, other) = if name.attrs.unique_key.is_none() {
                    (name, "name", "owner")
                } else {
                    (owner, "owner", "name")
                };
                return Err(syn::Error::new(
                    missing.ident.span(),
                    format_args!(
                        "the {part} field `{}` needs #[sea_orm(unique_key = \"{}\")], the unique \
                         key of the {other} field; {WHY}",
                        missing.name(),
                        key.value(),
                    ),
                ));
            }
        };
        if owner_key.value() != name_key.value() {
            return Err(syn::Error::new(
                name_key.span(),
                format_args!(
                    "the owner and name fields must share one unique key, but the owner field \
                     `{}` has \"{}\" and the name field `{}` has \"{}\"",
                    owner.name(),
                    owner_key.value(),
                    name.name(),
                    name_key.value(),
                ),
            ));
        }
        let mut errors = Errors::default();
        let others = self.fields.iter().filter(|field| {
            !std::ptr::eq(*field, owner)
                && !std::ptr::eq(*field, name)
                && field.attrs.ignore.is_none()
        });
        for field in others {
            if let Some(key) = &field.attrs.unique_key
                && key.value() == owner_key.value()
            {
                errors.push(syn::Error::new(
                    key.span(),
                    format_args!(
                        "the unique key \"{}\" must contain only the owner and the name field: \
                         with `{}` in it, names would be unique per (owner, name, {}) instead \
                         of per owner",
                        key.value(),
                        field.name(),
                        field.name(),
                    ),
                ));
            }
        }
        errors.finish(owner_key)
    }
}

/// The model name when none is given: the table name, qualified by the schema when the
/// entity names one, since tables of one name in two schemas are two models whose
/// permissions must not mix.
fn default_model_name(table: &LitStr, schema: Option<&LitStr>) -> LitStr {
    match schema {
        Some(schema) => LitStr::new(
            &format!("{}.{}", schema.value(), table.value()),
            table.span(),
        ),
        None => table.clone(),
    }
}

/// The owner must be a NOT NULL key: the id of the owning user profile.
fn check_owner_type(ty: &Type) -> Result<()> {
    if is_key_type(ty) {
        Ok(())
    } else if is_option(ty) {
        Err(syn::Error::new_spanned(
            ty,
            "the owner field cannot be an Option: every owned row has an owner, so the column \
             must be NOT NULL; use the profiles' key type, such as i64",
        ))
    } else {
        Err(syn::Error::new_spanned(
            ty,
            format_args!("the owner field must be a user profile id: {KEY_LIST}"),
        ))
    }
}

/// The name must be a NOT NULL `String`: clones derive new names from it.
fn check_name_type(ty: &Type) -> Result<()> {
    if last_segment(ty)
        .is_some_and(|segment| segment.arguments.is_none() && segment.ident == "String")
    {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            ty,
            "the name field must be a `String`: names are unique per owner, NOT NULL, and \
             clones derive their names from it",
        ))
    }
}

/// The last path segment, without generic arguments; `None` for non-path types.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        Type::Paren(paren) => last_segment(&paren.elem),
        _ => None,
    }
}

/// Whether `ty` names a key type (`i64`, `std::primitive::i64`, `Uuid`, `uuid::Uuid`,
/// `String`, ...). Aliases are not resolved: a macro only sees tokens.
fn is_key_type(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.arguments.is_none() && KEY_TYPES.iter().any(|key| segment.ident == key)
    })
}

/// Whether `ty` is `Option<T>` of a key type `T`.
fn option_of_key_type(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.ident == "Option"
            && matches!(&segment.arguments, PathArguments::AngleBracketed(args)
                if matches!(args.args.first(), Some(GenericArgument::Type(inner)) if is_key_type(inner)))
    })
}

/// Whether `ty` is `Option<..>`.
fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|segment| {
        segment.ident == "Option"
            && matches!(&segment.arguments, PathArguments::AngleBracketed(args)
                if matches!(args.args.first(), Some(GenericArgument::Type(_))))
    })
}

#[cfg(test)]
mod tests {
    use super::{default_model_name, is_key_type, is_option};
    use syn::{LitStr, Type, parse_quote};

    #[test]
    fn the_default_model_name_is_qualified_by_the_schema() {
        let table: LitStr = parse_quote!("document");
        let schema: LitStr = parse_quote!("rt_archive");
        assert_eq!(
            default_model_name(&table, Some(&schema)).value(),
            "rt_archive.document"
        );
        assert_eq!(default_model_name(&table, None).value(), "document");
    }

    #[test]
    fn key_types_are_recognised_by_their_last_segment() {
        let yes: [Type; 6] = [
            parse_quote!(i64),
            parse_quote!(std::primitive::u32),
            parse_quote!((i16)),
            parse_quote!(Uuid),
            parse_quote!(sea_orm::prelude::Uuid),
            parse_quote!(String),
        ];
        let no: [Type; 5] = [
            parse_quote!(Option<i64>),
            parse_quote!(i128),
            parse_quote!(&i64),
            parse_quote!(bool),
            parse_quote!(Vec<u8>),
        ];
        assert!(yes.iter().all(is_key_type));
        assert!(!no.iter().any(is_key_type));
    }

    #[test]
    fn options_are_recognised() {
        assert!(is_option(&parse_quote!(Option<i64>)));
        assert!(is_option(&parse_quote!(std::option::Option<i64>)));
        assert!(!is_option(&parse_quote!(i64)));
    }
}
