//! The trait `#[derive(Owned)]` implements: what the scopes need to know about an owned entity.

use sea_orm::EntityTrait;

/// An entity whose rows each belong to one user profile and carry a name unique per owner.
///
/// Implemented by `#[derive(Owned)]` on the entity's `Model`; everything else in this crate
/// (scopes, checks, clone, typed duplicate errors) is generic over it. Implementing it by
/// hand is possible but the derive also validates the entity at compile time.
pub trait OwnedEntity: EntityTrait {
    /// The model name permissions are scoped by. No two entities may share one: a grant on
    /// an object admits the row with its id in every entity of its model name. The derive's
    /// default is the table name, `"<schema>.<table>"` when the entity has
    /// `#[sea_orm(schema_name = "..")]`.
    const MODEL_NAME: &'static str;
    /// The `#[sea_orm(unique_key = "..")]` shared by the owner and name columns; SeaORM
    /// names the index it creates for it `idx-<table>-<key>`.
    const OWNER_NAME_KEY: &'static str;
    /// The permission name that lets a subject read a row (default `view`).
    const READ_PERMISSION: &'static str = "view";
    /// The permission name that lets a subject manage a row (default `change`).
    const MANAGE_PERMISSION: &'static str = "change";

    /// The single integer primary-key column.
    fn id_column() -> Self::Column;
    /// The owner column: a user profile id.
    fn owner_column() -> Self::Column;
    /// The name column, unique together with the owner.
    fn name_column() -> Self::Column;
    /// The version column, if the entity has one (`#[owned(version)]`).
    fn version_column() -> Option<Self::Column> {
        None
    }

    /// The name SeaORM gives the unique (owner, name) index: `idx-<table>-<key>`.
    fn owner_name_index() -> String {
        format!(
            "idx-{}-{}",
            Self::default().table_name(),
            Self::OWNER_NAME_KEY
        )
    }
}
