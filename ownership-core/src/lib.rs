#![doc = include_str!("../../README.md")]
#![warn(missing_docs)]

mod condition;
mod derived;
pub mod entity;
mod error;
mod grant;
mod holders;
mod identity;
mod load;
mod owned;
mod page;
mod permission_sql;
mod plan;
mod scope;
mod subject;
mod write;

pub use error::OwnershipError;
pub use grant::{Grantees, MAX_NAME_CHARS, ObjectGrants, Target, grant, revoke};
pub use holders::{Holders, ObjectRef, holders, permissions_of};
pub use owned::OwnedEntity;
pub use ownership_derive::Owned;
pub use page::{OwnershipPages, ScopePage};
pub use scope::{
    IdOf, OwnershipChecks, OwnershipScopes, Permitted, manageable_by, owned_by, permitted_for,
    readable_by, shared_with,
};
pub use subject::{Subject, SubjectProfile, SubjectUser, WholeModelGrant};
pub use write::{CloneOptions, OwnedActiveModelExt, OwnedModelExt};

/// Everything a request handler needs, in one import: `use ownership_core::prelude::*;`.
///
/// The subject, the derive, every trait whose methods the scopes, pages, checks, writes and
/// grant removal are called through, the grant and holder functions with their arguments,
/// and the error.
pub mod prelude {
    pub use crate::{
        CloneOptions, Grantees, ObjectGrants, ObjectRef, Owned, OwnedActiveModelExt, OwnedEntity,
        OwnedModelExt, OwnershipChecks, OwnershipError, OwnershipPages, OwnershipScopes, Permitted,
        Subject, Target, grant, holders, permissions_of, revoke,
    };
}
