//! The layout of an owned entity's own grant tables: grants on single rows.
//!
//! Each owned entity has two, next to its table: `<table>_user_grant` (a permission name
//! held by a user on one row) and `<table>_group_grant` (the same for a group), named by
//! [`OwnedEntity::user_grant_table`](crate::OwnedEntity::user_grant_table) and
//! [`group_grant_table`](crate::OwnedEntity::group_grant_table) and created by
//! `ownership_migration::create_owned_table` (or `create_grant_tables` for a table the
//! application creates itself).
//!
//! | column | type | |
//! | --- | --- | --- |
//! | [`OBJECT_ID`] | the entity's primary-key type | references the row, `ON DELETE CASCADE` |
//! | [`USER_ID`] / [`GROUP_ID`] | the grantee's key | references the user or group, `ON DELETE CASCADE` |
//! | [`NAME`] | text | the permission's name |
//!
//! The primary key is (grantee, name, object): the objects a user or group holds a name on
//! are one range of it, in id order, and granting twice leaves one row. A second index,
//! (object, name, grantee), answers who holds what on an object and serves the cascade.
//! Because the row references its object, deleting the object by any path (the library,
//! SeaORM's `delete_by_id` or `delete_many`, raw SQL) deletes its grants in the database,
//! and a new row given the same id inherits none of them.

/// The column referencing the owned row.
pub const OBJECT_ID: &str = "object_id";
/// The column referencing the user, in `<table>_user_grant`.
pub const USER_ID: &str = "user_id";
/// The column referencing the group, in `<table>_group_grant`.
pub const GROUP_ID: &str = "group_id";
/// The permission's name.
pub const NAME: &str = "name";
