#![doc = include_str!("../../README.md")]
#![warn(missing_docs)]

pub mod entity;
mod error;
mod identity;
mod owned;
mod scope;
mod subject;
mod write;

pub use error::OwnershipError;
pub use owned::OwnedEntity;
pub use ownership_derive::Owned;
pub use scope::{
    IdOf, OwnershipChecks, OwnershipScopes, manageable_by, owned_by, readable_by, shared_with,
};
pub use subject::{Subject, SubjectProfile, SubjectUser};
pub use write::{CloneOptions, OwnedActiveModelExt, OwnedModelExt};
