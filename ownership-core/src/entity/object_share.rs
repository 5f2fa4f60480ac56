//! The layout of an owned entity's share tables: capability shares of single rows.
//!
//! An entity that declares root grants (`#[owned(share(..))]`) has two more tables next to
//! its table, named by [`OwnedEntity::share_table`](crate::OwnedEntity::share_table) and
//! [`share_name_table`](crate::OwnedEntity::share_name_table) and created by
//! `ownership_migration::create_owned_table` (or `create_share_tables` for a table the
//! application creates itself).
//!
//! `<table>_share`, one row per share:
//!
//! | column | type | |
//! | --- | --- | --- |
//! | [`ID`] | 64-bit integer, generated | the primary key |
//! | [`UUID`] | UUID, unique | the share's public handle |
//! | [`OBJECT_ID`] | the entity's primary-key type | references the row, `ON DELETE CASCADE` |
//! | [`ORIGIN_ID`] | 64-bit integer, nullable | the share this one was passed on from, `ON DELETE CASCADE`; NULL for a first share |
//! | [`EMITTER_ID`] | the user key | who made the share, `ON DELETE CASCADE` |
//! | [`RECEIVER_USER_ID`] | the user key, nullable | the receiving user, `ON DELETE CASCADE` |
//! | [`RECEIVER_GROUP_ID`] | the group key, nullable | the receiving group, `ON DELETE CASCADE`; both receivers NULL: anyone |
//! | [`TO_ANYONE`] | boolean | true exactly when both receivers are NULL: the share is with anyone |
//! | [`EXPIRES_UNIX_MS`] | 64-bit integer, nullable | expiry in milliseconds since the Unix epoch (UTC); NULL: never |
//!
//! `<table>_share_name`, the permission names a share holds, primary key (share, name):
//!
//! | column | type | |
//! | --- | --- | --- |
//! | [`SHARE_ID`] | 64-bit integer | references the share, `ON DELETE CASCADE` |
//! | [`NAME`] | text | the permission's name |
//! | [`DEPTH`] | integer | how many more times the name may be passed on |
//! | [`OBJECT_ID`], [`RECEIVER_USER_ID`], [`RECEIVER_GROUP_ID`], [`TO_ANYONE`], [`EXPIRES_UNIX_MS`] | as in the share | the share's own values, written with it; they reference the row, user and group as the share's do, so a changed key changes both |
//!
//! A share never changes once written, so its name rows carry what the scopes ask (the
//! row, the receiver, the expiry), and a scope reads a receiver's shares as one range of
//! the name table's (receiver, object) index, without a join to the shares. Whatever
//! writes shares other than the library must write the same values in both tables.
//!
//! The cascades do the revoking: deleting an object deletes its shares, deleting a share
//! deletes every share passed on from it, at every depth, and their names.

pub use super::object_grant::{NAME, OBJECT_ID};

/// The share's generated primary key.
pub const ID: &str = "id";
/// The share's public handle, a random UUID.
pub const UUID: &str = "uuid";
/// The share this one was passed on from.
pub const ORIGIN_ID: &str = "origin_id";
/// The user who made the share.
pub const EMITTER_ID: &str = "emitter_id";
/// The receiving user.
pub const RECEIVER_USER_ID: &str = "receiver_user_id";
/// The receiving group.
pub const RECEIVER_GROUP_ID: &str = "receiver_group_id";
/// Whether the share is with anyone. Both receivers NULL say the same; the column is there
/// for the query planner, which estimates the shares with anyone (usually very few) from
/// its statistics, where it would take the two columns' NULLs as independent and expect
/// thousands.
pub const TO_ANYONE: &str = "to_anyone";
/// The expiry, in milliseconds since the Unix epoch.
pub const EXPIRES_UNIX_MS: &str = "expires_unix_ms";
/// The share a name row belongs to, in `<table>_share_name`.
pub const SHARE_ID: &str = "share_id";
/// How many more times a name may be passed on, in `<table>_share_name`.
pub const DEPTH: &str = "depth";
