//! The layout of `ownership_audit`, the audit trail: one row per grantee and object of each
//! grant, revocation, share, policy and ACL-template change made through the library,
//! written in the change's own transaction. Read it with
//! [`audit_trail_of_object`](crate::audit_trail_of_object) and
//! [`audit_trail_of_user`](crate::audit_trail_of_user); the library offers no way to change
//! or delete a row, so it has no entity here.
//!
//! | column | type | |
//! | --- | --- | --- |
//! | [`ID`] | 64-bit integer, generated | the primary key, in the order the rows were written |
//! | [`AT_MS`] | 64-bit integer | when, in milliseconds since the Unix epoch (UTC) |
//! | [`ACTOR_USER_ID`] | the user key, nullable | the user acting; NULL for the administrative functions |
//! | [`ACTION`] | text, at most [`ACTION_CHARS`] | what was done ([`AuditAction`](crate::AuditAction)) |
//! | [`MODEL_NAME`] | text, at most [`MODEL_NAME_CHARS`], nullable | the model; NULL: every model |
//! | [`OBJECT_ID`] | text, at most [`OBJECT_ID_CHARS`], nullable | the object's key as text; NULL: every object |
//! | [`GRANTEE_TYPE`] | text, nullable | `user`, `group`, `anyone` or `anonymous`; NULL: no grantee |
//! | [`GRANTEE_USER_ID`] | the user key, nullable | the user granted to, shared with or assigned to |
//! | [`GRANTEE_GROUP_ID`] | the group key, nullable | the group granted to or shared with |
//! | [`NAMES`] | text | a JSON array of strings: the permission names, level or policies |
//! | [`DETAIL`] | text, nullable | what else the action records |
//!
//! No column references a user, group or object: the trail outlives them. Indexes:
//! (model name, object, id), (actor, id) and (grantee user, id), each read newest first.

/// The table's name.
pub const TABLE: &str = "ownership_audit";
/// The generated primary key.
pub const ID: &str = "id";
/// When the change was made, in milliseconds since the Unix epoch.
pub const AT_MS: &str = "at_ms";
/// The acting user.
pub const ACTOR_USER_ID: &str = "actor_user_id";
/// What was done.
pub const ACTION: &str = "action";
/// The model the change is about.
pub const MODEL_NAME: &str = "model_name";
/// The object the change is about, its key as text.
pub const OBJECT_ID: &str = "object_id";
/// The kind of grantee.
pub const GRANTEE_TYPE: &str = "grantee_type";
/// The grantee, when a user.
pub const GRANTEE_USER_ID: &str = "grantee_user_id";
/// The grantee, when a group.
pub const GRANTEE_GROUP_ID: &str = "grantee_group_id";
/// The names, as a JSON array.
pub const NAMES: &str = "names";
/// The rest.
pub const DETAIL: &str = "detail";

/// The longest action name.
pub const ACTION_CHARS: u32 = 32;
/// The longest grantee type.
pub const GRANTEE_TYPE_CHARS: u32 = 16;
/// The longest model name kept, as long as a model name a grant takes; a longer name (one
/// a revocation was asked for) is kept cut.
pub const MODEL_NAME_CHARS: u32 = 150;
/// The longest object key text kept: a longer string key is kept cut to this many
/// characters, and read back by the same cut.
pub const OBJECT_ID_CHARS: u32 = 255;
