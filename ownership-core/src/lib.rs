#![doc = include_str!("../../README.md")]
#![warn(missing_docs)]

mod access;
mod acl_template;
mod audit;
mod authorized;
mod clock;
mod condition;
mod count;
mod cursor;
mod derived;
pub mod entity;
mod error;
mod explain;
mod grant;
pub mod guide;
mod holders;
mod identity;
mod key;
mod load;
mod owned;
mod ownership;
mod page;
mod permission_sql;
mod plan;
mod policies;
mod policy;
mod policy_formula;
mod registry;
mod scope;
mod share;
mod sharing;
mod subject;
mod trace;
mod transaction;
#[cfg(feature = "axum")]
pub mod web;
mod write;

pub use access::{Access, Action, Actions, MAX_ASKED_IDS, OwnershipAccess, RowActions};
pub use acl_template::{
    AclTemplate, SavedAclTemplate, TypedGrantee, acl_templates, create_acl_template,
    delete_acl_template,
};
pub use audit::{
    AuditAction, AuditEntry, AuditGrantee, AuditPage, audit_trail_of_object, audit_trail_of_user,
};
pub use authorized::{AuthorizedActiveModelExt, AuthorizedDeletes, AuthorizedGrants};
pub use clock::{Clock, ManualClock, SystemClock};
pub use count::OwnershipCounts;
pub use cursor::{Cursor, PageProblem};
pub use error::{IdentityProblem, OwnershipError};
pub use explain::{Explanation, GrantOn, OwnershipExplain, Reason, Via};
pub use grant::{Grantees, MAX_NAME_CHARS, Target, grant, grant_level, revoke};
pub use holders::{
    HeldPermission, HeldPermissions, HolderIds, Holders, ObjectRef, holders, permissions_of,
};
pub use identity::{
    GranteeKind, Groups, Identity, KeyColumn, MAX_GRANTEE_TYPE_CHARS, Profiles, UserFlag, Users,
};
pub use key::{AccountId, GroupId, Key, KeyType, ProfileId, UserId, Uuid};
pub use owned::{Level, OwnedEntity, PathSegment};
pub use ownership_derive::Owned;
pub use page::{OwnershipPages, Page, ScopePage};
pub use policies::{
    PolicyAssignment, Principal, assign_policies, assigned_policies, create_policy, delete_policy,
    policy_check, update_policy,
};
pub use policy::{
    AssignedClauses, Clause, Effect, MAX_PATTERN_CHARS, MAX_PATTERN_PARTS, MAX_POLICY_BODY_CHARS,
    POLICY_VERSION, Part, Pattern, PolicyBody, PolicyProblem, ResolvedClause, path_segments,
};
pub use scope::{
    IdOf, OwnershipChecks, OwnershipScopes, Permitted, manageable_by, owned_by, permitted_for,
    readable_by, shared_with,
};
pub use share::MAX_SHARE_DEPTH;
pub use sharing::{Agent, OwnershipShares, Share, ShareRequest, ShareScopes, SharedName};
pub use subject::{Subject, SubjectProfile, SubjectUser, WholeModelGrant};
pub use write::{CloneOptions, OwnedActiveModelExt, OwnedModelExt};

/// What `#[derive(Owned)]` expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::OwnedModel;
    pub use inventory;
}

/// Everything a request handler needs, in one import: `use ownership_core::prelude::*;`.
///
/// The subject, the derive, every trait whose methods the scopes, pages, checks, writes and
/// grant helpers are called through, the grant and holder functions with their arguments,
/// and the error.
pub mod prelude {
    pub use crate::{
        Access, AccountId, Action, Actions, Agent, AuthorizedActiveModelExt, AuthorizedDeletes,
        AuthorizedGrants, CloneOptions, Grantees, GroupId, Level, ObjectRef, Owned,
        OwnedActiveModelExt, OwnedEntity, OwnedModelExt, OwnershipAccess, OwnershipChecks,
        OwnershipCounts, OwnershipError, OwnershipPages, OwnershipScopes, OwnershipShares,
        Permitted, ProfileId, Share, ShareRequest, ShareScopes, Subject, Target, UserId, grant,
        holders, permissions_of, revoke,
    };
}
