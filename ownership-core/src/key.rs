//! Keys: the id of a user, profile, account, group or owned row in its own type, how each
//! key type is read back, and the typed ids the API takes so that one kind of id cannot
//! stand in for another.
//!
//! At the bottom of the crate, below the plan: it names no table.

use std::fmt;

use sea_orm::sea_query::{ColumnType, Expr, Func};
use sea_orm::{ColumnTrait, DbBackend, DbErr, QueryResult, Value};

pub use sea_orm::prelude::Uuid;

/// `expr` as a signed 64-bit integer, the type every integer id is read back as: PostgreSQL's
/// driver decodes an `int4` only into an `i32`, and MySQL gives a union of integer columns
/// of different widths the type `DECIMAL`. MySQL spells the type `SIGNED`.
pub(crate) fn as_bigint(expr: impl Into<Expr>, backend: DbBackend) -> Expr {
    let bigint = match backend {
        DbBackend::MySql => "SIGNED",
        _ => "BIGINT",
    };
    Func::cast_as(expr.into(), bigint).into()
}

/// A primary-key value in its own type: an integer, a UUID or a string.
///
/// Compared and bound in that type, never cast to text, so every lookup by it is an index
/// probe. The typed ids ([`UserId`], [`ProfileId`], [`AccountId`], [`GroupId`]) each hold
/// one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// An integer key (`i32` or `i64` columns).
    Int(i64),
    /// A UUID key.
    Uuid(Uuid),
    /// A string key.
    Text(String),
}

impl Key {
    /// The integer, for an integer key.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Key::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// The UUID, for a UUID key.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            Key::Uuid(value) => Some(*value),
            _ => None,
        }
    }

    /// The string, for a string key.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Key::Text(value) => Some(value),
            _ => None,
        }
    }

    /// The key a column value holds: any integer that fits an `i64`, a UUID, a string;
    /// `None` for anything else (an unsigned integer above `i64::MAX`, which no key of
    /// SQLite or PostgreSQL holds).
    pub(crate) fn of_value(value: &Value) -> Option<Self> {
        Some(match value {
            Value::TinyInt(Some(v)) => Key::Int((*v).into()),
            Value::SmallInt(Some(v)) => Key::Int((*v).into()),
            Value::Int(Some(v)) => Key::Int((*v).into()),
            Value::BigInt(Some(v)) => Key::Int(*v),
            Value::TinyUnsigned(Some(v)) => Key::Int((*v).into()),
            Value::SmallUnsigned(Some(v)) => Key::Int((*v).into()),
            Value::Unsigned(Some(v)) => Key::Int((*v).into()),
            Value::BigUnsigned(Some(v)) => Key::Int(i64::try_from(*v).ok()?),
            Value::Uuid(Some(v)) => Key::Uuid(*v),
            Value::String(Some(v)) => Key::Text(v.clone()),
            _ => return None,
        })
    }

    /// This key as a value of `column`'s own type (an `i32` column's key binds as an
    /// `i32`). A statement the application also sends with the column's own values (a
    /// `find_by_id`, a check) is then bound alike, as PostgreSQL requires of a statement it
    /// prepared once. A key the column's type cannot hold stays as it is (no row has it).
    pub(crate) fn column_value(&self, column: &impl ColumnTrait) -> Value {
        let like = match column.def().get_column_type() {
            ColumnType::TinyInteger => Value::TinyInt(None),
            ColumnType::SmallInteger => Value::SmallInt(None),
            ColumnType::Integer => Value::Int(None),
            ColumnType::TinyUnsigned => Value::TinyUnsigned(None),
            ColumnType::SmallUnsigned => Value::SmallUnsigned(None),
            ColumnType::Unsigned => Value::Unsigned(None),
            ColumnType::BigUnsigned => Value::BigUnsigned(None),
            _ => return self.into(),
        };
        self.value_like(&like).unwrap_or_else(|| self.into())
    }

    /// This key as a value of the same variant as `like` (an `i32` column's value for an
    /// `i32` column), if it fits.
    pub(crate) fn value_like(&self, like: &Value) -> Option<Value> {
        Some(match (self, like) {
            (Key::Int(v), Value::TinyInt(_)) => Value::TinyInt(Some((*v).try_into().ok()?)),
            (Key::Int(v), Value::SmallInt(_)) => Value::SmallInt(Some((*v).try_into().ok()?)),
            (Key::Int(v), Value::Int(_)) => Value::Int(Some((*v).try_into().ok()?)),
            (Key::Int(v), Value::BigInt(_)) => Value::BigInt(Some(*v)),
            (Key::Int(v), Value::TinyUnsigned(_)) => {
                Value::TinyUnsigned(Some((*v).try_into().ok()?))
            }
            (Key::Int(v), Value::SmallUnsigned(_)) => {
                Value::SmallUnsigned(Some((*v).try_into().ok()?))
            }
            (Key::Int(v), Value::Unsigned(_)) => Value::Unsigned(Some((*v).try_into().ok()?)),
            (Key::Int(v), Value::BigUnsigned(_)) => Value::BigUnsigned(Some((*v).try_into().ok()?)),
            (Key::Uuid(v), Value::Uuid(_)) => Value::Uuid(Some(*v)),
            (Key::Text(v), Value::String(_)) => Value::String(Some(v.clone())),
            _ => return None,
        })
    }

    /// The kind of key this is.
    pub fn kind(&self) -> KeyType {
        match self {
            Key::Int(_) => KeyType::Int,
            Key::Uuid(_) => KeyType::Uuid,
            Key::Text(_) => KeyType::Text,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(value) => value.fmt(f),
            Key::Uuid(value) => value.fmt(f),
            Key::Text(value) => write!(f, "{value:?}"),
        }
    }
}

impl From<Key> for Value {
    fn from(key: Key) -> Self {
        match key {
            Key::Int(value) => value.into(),
            Key::Uuid(value) => value.into(),
            Key::Text(value) => value.into(),
        }
    }
}

impl From<&Key> for Value {
    fn from(key: &Key) -> Self {
        key.clone().into()
    }
}

macro_rules! key_from {
    ($($source:ty => |$value:ident| $key:expr),* $(,)?) => {
        $(impl From<$source> for Key {
            fn from($value: $source) -> Self {
                $key
            }
        })*
    };
}

key_from! {
    i64 => |value| Key::Int(value),
    i32 => |value| Key::Int(value.into()),
    u32 => |value| Key::Int(value.into()),
    Uuid => |value| Key::Uuid(value),
    String => |value| Key::Text(value),
    &str => |value| Key::Text(value.to_owned()),
}

/// The type of a key column: how its values are bound and read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyType {
    /// An integer column of any width.
    Int,
    /// A UUID column.
    Uuid,
    /// A string column.
    Text,
}

impl KeyType {
    /// The key type of a column of this SeaORM type, or `None` for a type no key may have.
    pub fn of_column(column_type: &ColumnType) -> Option<Self> {
        Some(match column_type {
            ColumnType::TinyInteger
            | ColumnType::SmallInteger
            | ColumnType::Integer
            | ColumnType::BigInteger
            | ColumnType::TinyUnsigned
            | ColumnType::SmallUnsigned
            | ColumnType::Unsigned
            | ColumnType::BigUnsigned => KeyType::Int,
            ColumnType::Uuid => KeyType::Uuid,
            ColumnType::String(_) | ColumnType::Char(_) | ColumnType::Text => KeyType::Text,
            _ => return None,
        })
    }

    /// `expr` as selected for [`decode`](Self::decode): an integer widened to 64 bits (see
    /// [`as_bigint`]), any other key as it is.
    pub(crate) fn select(self, expr: impl Into<Expr>, backend: DbBackend) -> Expr {
        match self {
            KeyType::Int => as_bigint(expr, backend),
            KeyType::Uuid | KeyType::Text => expr.into(),
        }
    }

    /// A NULL of this key type: bound as a typed parameter, every backend takes it in a
    /// column of the type (PostgreSQL resolves a `UNION`'s column types pair by pair, and
    /// an untyped NULL in the first arms would make the column text).
    pub(crate) fn null(self) -> Value {
        match self {
            KeyType::Int => Value::BigInt(None),
            KeyType::Uuid => Value::Uuid(None),
            KeyType::Text => Value::String(None),
        }
    }

    /// The key in column `index` of `row`, selected with [`select`](Self::select).
    pub(crate) fn decode(self, row: &QueryResult, index: usize) -> Result<Key, DbErr> {
        self.decode_nullable(row, index)?.ok_or_else(|| {
            DbErr::Type(format!(
                "column {index}: a NULL where a {self:?} key was expected"
            ))
        })
    }

    /// The key in column `index` of `row`, or `None` for a NULL (an outer join's missing
    /// side).
    pub(crate) fn decode_nullable(
        self,
        row: &QueryResult,
        index: usize,
    ) -> Result<Option<Key>, DbErr> {
        Ok(match self {
            KeyType::Int => row.try_get_by_index::<Option<i64>>(index)?.map(Key::Int),
            KeyType::Uuid => row.try_get_by_index::<Option<Uuid>>(index)?.map(Key::Uuid),
            KeyType::Text => row
                .try_get_by_index::<Option<String>>(index)?
                .map(Key::Text),
        })
    }
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Made from the application's own key with `From` (`i64`, `i32`, `u32`, [`Uuid`],
        /// `String`, `&str`, [`Key`]); an id of another kind does not convert into it, so
        /// passing one where this one belongs does not compile.
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Key);

        impl $name {
            /// The key this id holds.
            pub fn key(&self) -> &Key {
                &self.0
            }

            /// The key this id holds, taken out.
            pub fn into_key(self) -> Key {
                self.0
            }
        }

        impl AsRef<Key> for $name {
            fn as_ref(&self) -> &Key {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Key> for $name {
            fn from(key: Key) -> Self {
                Self(key)
            }
        }

        impl From<&$name> for Value {
            fn from(id: &$name) -> Self {
                (&id.0).into()
            }
        }

        typed_id!(@from $name: i64, i32, u32, Uuid, String, &str);
    };
    (@from $name:ident: $($source:ty),*) => {
        $(impl From<$source> for $name {
            fn from(value: $source) -> Self {
                Self(value.into())
            }
        })*
    };
}

typed_id! {
    /// The id of a user: the row a [`Subject`](crate::Subject) is loaded from, and a
    /// grantee.
    UserId
}

typed_id! {
    /// The id of a user profile: one user's membership in one account, and what an owned
    /// row's owner column holds.
    ProfileId
}

typed_id! {
    /// The id of an account (a tenant).
    AccountId
}

typed_id! {
    /// The id of a group of users: a grantee.
    GroupId
}
