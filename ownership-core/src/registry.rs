//! The owned entities linked into the program: the questions that span every model (who
//! holds a permission, what a user or group holds) read the grant tables of each.
//!
//! `#[derive(Owned)]` registers its entity here at link time, as SeaORM's own entity
//! registry does; an application lists nothing by hand.

use std::collections::BTreeMap;

use crate::error::OwnershipError;
use crate::owned::OwnedEntity;
use crate::plan::OwnedTable;

/// One owned entity, as `#[derive(Owned)]` registers it. Not built by hand.
#[doc(hidden)]
pub struct OwnedModel {
    table: fn() -> OwnedTable,
}

impl OwnedModel {
    /// The registration of `E`.
    pub const fn of<E: OwnedEntity>() -> Self {
        Self {
            table: OwnedTable::of::<E>,
        }
    }
}

inventory::collect!(OwnedModel);

/// The tables of every registered owned entity, by model name. Two entities with one model
/// name are an error: a grant on one of their objects would admit the row with that id in
/// both.
pub(crate) fn owned_tables() -> Result<BTreeMap<&'static str, OwnedTable>, OwnershipError> {
    let mut tables = BTreeMap::new();
    for model in inventory::iter::<OwnedModel> {
        let table = (model.table)();
        if let Some(other) = tables.insert(table.model_name, table.clone())
            && other.table != table.table
        {
            return Err(OwnershipError::DuplicateModelName {
                model: table.model_name,
            });
        }
    }
    Ok(tables)
}
