//! Capability shares: a row handed on to a user, a group or everyone, with a depth per
//! permission name that says how many more times it may be passed on.

/// The deepest a root grant may be: how many times a share may be passed on after the
/// first. A revocation deletes a share's whole chain through the database's cascades,
/// which MySQL follows at most 15 levels deep.
pub const MAX_SHARE_DEPTH: u32 = 10;

mod source;

pub(crate) use source::Received;
