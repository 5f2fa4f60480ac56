//! Page cursors: the position of a row in a keyset page's order, written as a short
//! URL-safe string for a client to hand back.
//!
//! The text is `column.direction.value[.value]`: the order column's name, `a` or `d`, then
//! the row's value of that column (on a page ordered by a column) and its id, each a type
//! tag and the value's text. Every byte outside `[A-Za-z0-9_-]` is written `~` and two hex
//! digits, so the text needs no escaping in a URL and holds no `.` but its separators.

use std::fmt::{self, Write};
use std::str::FromStr;

use sea_orm::{ColumnType, Value};

use crate::plan::Position;

/// What is wrong with a keyset page's order or cursor
/// ([`OwnershipError::InvalidPage`](crate::OwnershipError::InvalidPage)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageProblem {
    /// The text is not a cursor this library wrote.
    #[error("the cursor is malformed")]
    MalformedCursor,
    /// The cursor was made for a page in another order (another column or direction).
    #[error("the cursor was made for a page in another order")]
    CursorOfAnotherOrder,
    /// The cursor's values are not of the types of the page's order column and id.
    #[error("the cursor's values are not of the types of the page's order column and id")]
    CursorOfAnotherType,
    /// The column cannot order a page: it is nullable, or not of an integer, string or
    /// UUID type.
    #[error("column {0} cannot order a page: it is nullable, or not an integer, string or UUID")]
    UnorderableColumn(&'static str),
}

/// The position of a row in a keyset page's order: where the next page starts
/// ([`ScopePage::after_cursor`](crate::ScopePage::after_cursor)) or the previous one ends
/// ([`ScopePage::before_cursor`](crate::ScopePage::before_cursor)).
///
/// Opaque to clients: written with `Display` as a short URL-safe string, read back with
/// `FromStr`, which refuses any text this library would not write. A cursor names the order
/// it was made for, and a page refuses one of another order or whose values are not of its
/// order column's and id's types
/// ([`OwnershipError::InvalidPage`](crate::OwnershipError::InvalidPage)). It is not signed:
/// a client may make up a position, which moves its page but never widens its scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Cursor {
    /// The name of the order column (the id column on a page in id order).
    column: String,
    descending: bool,
    /// The row's value of the order column (unless it is the id), then its id.
    values: Vec<Value>,
}

/// The order of a page, as its cursors name it: the column (the id column on an id page),
/// the direction, and the type tags of the cursor's values.
#[derive(Clone, Debug)]
pub(crate) struct CursorOrder {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    pub(crate) tags: Vec<char>,
}

impl CursorOrder {
    /// The cursor of a row whose values of the order column (unless it is the id) and id
    /// are `values`; refused if they are not of the order's types (a column whose model
    /// field reads as another type than its column type says).
    pub(crate) fn cursor(&self, values: Vec<Value>) -> Result<Cursor, PageProblem> {
        if !self.fits(&values) {
            return Err(PageProblem::UnorderableColumn(self.column));
        }
        Ok(Cursor {
            column: self.column.to_owned(),
            descending: self.descending,
            values,
        })
    }

    /// Where `cursor` puts a page in this order.
    pub(crate) fn position(&self, cursor: &Cursor) -> Result<Position, PageProblem> {
        if cursor.column != self.column || cursor.descending != self.descending {
            return Err(PageProblem::CursorOfAnotherOrder);
        }
        if !self.fits(&cursor.values) {
            return Err(PageProblem::CursorOfAnotherType);
        }
        let mut values = cursor.values.clone();
        let id = values.pop().ok_or(PageProblem::CursorOfAnotherType)?;
        Ok(Position {
            key: values.pop(),
            id,
        })
    }

    /// Whether `values` are one value, not NULL, of each of the order's types.
    fn fits(&self, values: &[Value]) -> bool {
        values.len() == self.tags.len()
            && values
                .iter()
                .zip(&self.tags)
                .all(|(value, tag)| type_tag(value) == Some(*tag) && value_text(value).is_some())
    }
}

/// The tag of the type of the values a column of this type holds, for the types a cursor
/// carries.
pub(crate) fn column_tag(column_type: &ColumnType) -> Option<char> {
    type_tag(&match column_type {
        ColumnType::TinyInteger => Value::TinyInt(None),
        ColumnType::SmallInteger => Value::SmallInt(None),
        ColumnType::Integer => Value::Int(None),
        ColumnType::BigInteger => Value::BigInt(None),
        ColumnType::TinyUnsigned => Value::TinyUnsigned(None),
        ColumnType::SmallUnsigned => Value::SmallUnsigned(None),
        ColumnType::Unsigned => Value::Unsigned(None),
        ColumnType::BigUnsigned => Value::BigUnsigned(None),
        ColumnType::Uuid => Value::Uuid(None),
        ColumnType::String(_) | ColumnType::Char(_) | ColumnType::Text => Value::String(None),
        _ => return None,
    })
}

/// The tag of a value's type, for the types a cursor carries.
fn type_tag(value: &Value) -> Option<char> {
    Some(match value {
        Value::TinyInt(_) => 'b',
        Value::SmallInt(_) => 'h',
        Value::Int(_) => 'i',
        Value::BigInt(_) => 'l',
        Value::TinyUnsigned(_) => 'B',
        Value::SmallUnsigned(_) => 'H',
        Value::Unsigned(_) => 'I',
        Value::BigUnsigned(_) => 'L',
        Value::String(_) => 's',
        Value::Uuid(_) => 'u',
        _ => return None,
    })
}

/// The text of a value a cursor carries; `None` for NULL or another type.
fn value_text(value: &Value) -> Option<String> {
    Some(match value {
        Value::TinyInt(Some(v)) => v.to_string(),
        Value::SmallInt(Some(v)) => v.to_string(),
        Value::Int(Some(v)) => v.to_string(),
        Value::BigInt(Some(v)) => v.to_string(),
        Value::TinyUnsigned(Some(v)) => v.to_string(),
        Value::SmallUnsigned(Some(v)) => v.to_string(),
        Value::Unsigned(Some(v)) => v.to_string(),
        Value::BigUnsigned(Some(v)) => v.to_string(),
        Value::String(Some(v)) => v.clone(),
        Value::Uuid(Some(v)) => v.to_string(),
        _ => return None,
    })
}

/// The value of type `tag` whose text is `text`.
fn parse_value(tag: char, text: &str) -> Option<Value> {
    fn number<T: FromStr>(text: &str) -> Option<T> {
        text.parse().ok()
    }
    Some(match tag {
        'b' => Value::TinyInt(Some(number(text)?)),
        'h' => Value::SmallInt(Some(number(text)?)),
        'i' => Value::Int(Some(number(text)?)),
        'l' => Value::BigInt(Some(number(text)?)),
        'B' => Value::TinyUnsigned(Some(number(text)?)),
        'H' => Value::SmallUnsigned(Some(number(text)?)),
        'I' => Value::Unsigned(Some(number(text)?)),
        'L' => Value::BigUnsigned(Some(number(text)?)),
        's' => Value::String(Some(text.to_owned())),
        'u' => Value::Uuid(Some(number(text)?)),
        _ => return None,
    })
}

/// Writes `text` with every byte outside `[A-Za-z0-9_-]` as `~` and two hex digits.
fn escape(text: &str, out: &mut fmt::Formatter<'_>) -> fmt::Result {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            out.write_char(char::from(byte))?;
        } else {
            write!(out, "~{byte:02x}")?;
        }
    }
    Ok(())
}

/// The text [`escape`] wrote; `None` for a malformed escape or bytes that are not UTF-8.
fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, after)) = rest.split_first() {
        if byte == b'~' {
            let hex = std::str::from_utf8(after.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &after[2..];
        } else {
            bytes.push(byte);
            rest = after;
        }
    }
    String::from_utf8(bytes).ok()
}

impl fmt::Display for Cursor {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape(&self.column, out)?;
        out.write_str(if self.descending { ".d" } else { ".a" })?;
        for value in &self.values {
            // Every value of a cursor has a tag and a text: `CursorOrder` checks them.
            let (Some(tag), Some(text)) = (type_tag(value), value_text(value)) else {
                return Err(fmt::Error);
            };
            write!(out, ".{tag}")?;
            escape(&text, out)?;
        }
        Ok(())
    }
}

impl FromStr for Cursor {
    type Err = PageProblem;

    /// Reads a cursor [`Display`](fmt::Display) wrote; any other text, however close, is
    /// [`PageProblem::MalformedCursor`] (with `?`, an
    /// [`OwnershipError::InvalidPage`](crate::OwnershipError::InvalidPage)).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || PageProblem::MalformedCursor;
        let mut fields = text.split('.');
        let column = fields.next().and_then(unescape).ok_or_else(malformed)?;
        let descending = match fields.next() {
            Some("a") => false,
            Some("d") => true,
            _ => return Err(malformed()),
        };
        let values = fields
            .map(|field| {
                let mut chars = field.chars();
                let tag = chars.next()?;
                parse_value(tag, &unescape(chars.as_str())?)
            })
            .collect::<Option<Vec<Value>>>()
            .ok_or_else(malformed)?;
        let cursor = Cursor {
            column,
            descending,
            values,
        };
        // Only the text this library writes: no second spelling of one cursor.
        if !(1..=2).contains(&cursor.values.len()) || cursor.to_string() != text {
            return Err(malformed());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::Value;

    use super::{Cursor, CursorOrder, PageProblem};
    use crate::key::Uuid;

    fn by_name() -> CursorOrder {
        CursorOrder {
            column: "name",
            descending: false,
            tags: vec!['s', 'l'],
        }
    }

    fn problem(text: &str) -> Option<PageProblem> {
        text.parse::<Cursor>().err()
    }

    #[test]
    fn writes_a_short_url_safe_text_and_reads_it_back() {
        let cursor = by_name()
            .cursor(vec!["Plan A.1 ~é/?".into(), 42i64.into()])
            .unwrap();
        let text = cursor.to_string();
        assert_eq!(text, "name.a.sPlan~20A~2e1~20~7e~c3~a9~2f~3f.l42");
        assert_eq!(text.parse::<Cursor>().unwrap(), cursor);

        let uuid = Uuid::from_u128(7);
        let values = vec![
            Value::from(-3i8),
            Value::from(i16::MIN),
            Value::from(i32::MAX),
            Value::from(i64::MIN),
            Value::from(u8::MAX),
            Value::from(7u16),
            Value::from(u32::MAX),
            Value::from(u64::MAX),
            Value::from(String::new()),
            Value::from(uuid),
        ];
        for value in values {
            let cursor = Cursor {
                column: "created_at".to_owned(),
                descending: true,
                values: vec![value, uuid.into()],
            };
            assert_eq!(cursor.to_string().parse::<Cursor>().unwrap(), cursor);
        }
    }

    #[test]
    fn refuses_any_other_text() {
        for text in [
            "",
            "name",
            "name.a",
            "name.x.l1",
            "name.a.l1.l2.l3",
            "name.a.x1",
            "name.a.l",
            "name.a.lone",
            "name.a.l99999999999999999999",
            "name.a.i2147483648",
            "name.a.s~2",
            "name.a.s~zz.l1",
            "name.a.s~ff.l1",
            "name.a.l+1",
            "name.a.l~2b1",
            "name.a.s~41.l1",
            "name.a.u00000000-0000-0000-0000-00000000000g",
        ] {
            assert_eq!(
                problem(text),
                Some(PageProblem::MalformedCursor),
                "{text:?}"
            );
        }
    }

    #[test]
    fn positions_a_page_only_in_its_own_order() {
        let position = by_name()
            .position(&"name.a.sx.l5".parse().unwrap())
            .unwrap();
        assert_eq!(position.key, Some(Value::from("x")));
        assert_eq!(position.id, Value::from(5i64));
        for (text, expected) in [
            ("name.d.sx.l5", PageProblem::CursorOfAnotherOrder),
            ("title.a.sx.l5", PageProblem::CursorOfAnotherOrder),
            ("name.a.l5", PageProblem::CursorOfAnotherType),
            ("name.a.sx.i5", PageProblem::CursorOfAnotherType),
            ("name.a.l1.l5", PageProblem::CursorOfAnotherType),
        ] {
            let cursor: Cursor = text.parse().unwrap();
            assert_eq!(by_name().position(&cursor), Err(expected), "{text}");
        }
    }
}
