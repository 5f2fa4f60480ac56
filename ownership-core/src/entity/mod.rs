//! The plugin's tables: the identity tables it ships as its embedded default (like Django's
//! auth tables), the permission tables of grants on whole models and on everything, and the
//! layout of each owned entity's own tables of grants on single rows ([`object_grant`]) and of shares ([`object_share`]),
//! the policy tables: the policies, their principals and the principals' ordered lists,
//! the ACL templates, and the layout of the audit trail ([`audit`]).
//!
//! Every table name starts with `ownership_`, so none collides with an application's own
//! `user` or `group` table (both are reserved words in SQL, too). The entities use SeaORM's
//! 2.0 dense format, so both dense and classic application entities can relate to them.
//!
//! All SQL the scopes run against these tables is written in one private module
//! (`identity`), so replacing the user table with an application's own stays a local change.

pub mod account;
pub mod acl_template;
pub mod audit;
pub mod group;
pub mod group_member;
pub mod object_grant;
pub mod object_share;
pub mod permission;
pub mod permission_group;
pub mod permission_user;
pub mod policy;
pub mod policy_assignment;
pub mod policy_principal;
pub mod user;
pub mod user_profile;
