//! Random worlds for the oracle suite: a proptest [`Strategy`] generating accounts, users,
//! profiles, groups, owned rows and grants, followed by a few operations (shares and
//! authorized writes among them) and moves of the subjects' clock, and the code writing a
//! generated world to a database through the public API.
//!
//! Generated entities are numbered from 0 in creation order; [`write_world`] maps those
//! numbers to the ids the database gave them and returns the oracle's copy of the world.

use std::collections::{BTreeMap, BTreeSet};

use ownership_core::entity::{permission, permission_group, permission_user};
use ownership_core::{Grantees, OwnershipError, Subject, Target, grant};
use proptest::prelude::*;
use proptest::sample::Index;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, Set};

use crate::entities::{document, note, shared_doc, uuid_doc};
use crate::oracle::{self, Level, Model, Power, Row};
use crate::world::{self, Flags, gid, note_id, uid, uuid_doc_id};

/// The permission names grants draw from.
pub const NAMES: [&str; 4] = ["view", "change", "delete", "share"];

/// The model names model-wide grants draw from: the entities' and one with no entity.
pub const MODEL_NAMES: [&str; 5] = ["document", "notes", "uuid_doc", "shared_doc", "other"];

/// The names share requests draw from: the root grants of `shared_doc` and one outside
/// them.
pub const SHARE_NAMES: [&str; 4] = ["view", "change", "delete", "publish"];

/// The names owned rows draw from (lower case, so that no backend's collation matters).
pub const ROW_NAMES: [&str; 5] = ["alpha", "beta", "gamma", "delta", "omega"];

/// A generated user's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenUser {
    /// Active.
    pub is_active: bool,
    /// Staff.
    pub is_staff: bool,
    /// Superuser.
    pub is_superuser: bool,
}

impl GenUser {
    /// The user's flags: active, staff, superuser.
    pub fn flags(&self) -> Flags {
        (self.is_active, self.is_staff, self.is_superuser)
    }

    /// The user as the oracle sees it.
    pub fn oracle_user(&self) -> oracle::User {
        oracle::User {
            is_active: self.is_active,
            is_staff: self.is_staff,
            is_superuser: self.is_superuser,
        }
    }
}

/// A generated profile: (user number, account number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenProfile {
    /// The user.
    pub user: usize,
    /// The account.
    pub account: usize,
}

/// A generated owned row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenRow {
    /// The owner, a profile number.
    pub owner: usize,
    /// The name.
    pub name: &'static str,
}

/// What a generated grant covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenTarget {
    /// One row of a model, by number.
    Object(Model, usize),
    /// Every object of the model with this name.
    Model(&'static str),
    /// Everything.
    Everything,
}

/// Who a generated grant goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenGrantee {
    /// A user, by number.
    User(usize),
    /// A group, by number.
    Group(usize),
}

/// A generated grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenGrant {
    /// The permission name.
    pub name: &'static str,
    /// What it covers.
    pub target: GenTarget,
    /// Who holds it.
    pub grantee: GenGrantee,
}

/// A generated world, its entities numbered from 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenWorld {
    /// How many accounts.
    pub accounts: usize,
    /// The users.
    pub users: Vec<GenUser>,
    /// The profiles, at most one per user and account.
    pub profiles: Vec<GenProfile>,
    /// How many groups.
    pub groups: usize,
    /// Memberships, as (group, user).
    pub members: Vec<(usize, usize)>,
    /// The documents, names unique per owner.
    pub documents: Vec<GenRow>,
    /// The notes, names unique per owner.
    pub notes: Vec<GenRow>,
    /// The UUID-keyed documents, names unique per owner.
    pub uuid_docs: Vec<GenRow>,
    /// The documents that can be shared, names unique per owner.
    pub shared_docs: Vec<GenRow>,
    /// The grants.
    pub grants: Vec<GenGrant>,
}

/// A target drawn before the world's sizes are known.
#[derive(Clone, Copy, Debug)]
pub enum TargetChoice {
    /// One row of a model, picked among all rows ever created.
    Object(Model, Index),
    /// Every object of one of [`MODEL_NAMES`].
    Model(usize),
    /// Everything.
    Everything,
}

/// A grantee drawn before the world's sizes are known.
#[derive(Clone, Copy, Debug)]
pub enum GranteeChoice {
    /// A user, picked among all users ever created.
    User(Index),
    /// A group, picked among all groups ever created.
    Group(Index),
}

/// An operation applied to a written world; its references are picked among everything
/// the world ever held, so some name what was deleted.
#[derive(Clone, Debug)]
pub enum GenOp {
    /// Grant one of [`NAMES`].
    Grant {
        /// Index into [`NAMES`].
        name: usize,
        /// What.
        target: TargetChoice,
        /// To whom.
        grantee: GranteeChoice,
    },
    /// Revoke one of [`NAMES`], whether granted or not.
    Revoke {
        /// Index into [`NAMES`].
        name: usize,
        /// What.
        target: TargetChoice,
        /// From whom.
        grantee: GranteeChoice,
    },
    /// Revoke one of the grants that exist.
    RevokeExisting(Index),
    /// Grant one name on several objects to several users and groups at once.
    BulkGrant {
        /// Index into [`NAMES`].
        name: usize,
        /// The objects' model.
        model: Model,
        /// The objects.
        objects: Vec<Index>,
        /// The users.
        users: Vec<Index>,
        /// The groups.
        groups: Vec<Index>,
    },
    /// SeaORM's `delete_by_id` of one row.
    DeleteObject(Model, Index),
    /// Delete a user.
    DeleteUser(Index),
    /// Delete one of the users that may be deleted (owning no rows) and create a new user,
    /// with these flags, under its id.
    ReplaceUser(Index, GenUser),
    /// Delete a profile.
    DeleteProfile(Index),
    /// Give a user a profile in an account where it has none (after subjects were
    /// loaded: their snapshots do not know it).
    AddProfile {
        /// The user.
        user: Index,
        /// The account.
        account: Index,
    },
    /// Delete a group.
    DeleteGroup(Index),
    /// Take a power from a user (deactivate, or demote from staff or superuser).
    Withdraw(Index, Power),
    /// Remove one of the memberships that exist.
    LeaveGroup(Index),
    /// `clone_owned` of a document.
    CloneDocument {
        /// Which document.
        document: Index,
        /// A new owner profile, if any.
        owner: Option<Index>,
        /// A name from [`ROW_NAMES`], if any.
        name: Option<usize>,
    },
    /// `update_owned` of a document moved to another profile.
    TransferDocument {
        /// Which document.
        document: Index,
        /// The new owner profile.
        to: Index,
    },
    /// Shares made, passed on and revoked, one after the other.
    Shares(Vec<GenShareOp>),
    /// Authorized writes (rule 9), one after the other.
    Writes(Vec<GenWrite>),
}

/// Who a share is to, drawn before the world is known.
#[derive(Clone, Copy, Debug)]
pub enum AgentChoice {
    /// A user, picked among all users ever created (the one deleted after loading
    /// included).
    User(Index),
    /// A group, picked among all groups ever created.
    Group(Index),
    /// Anyone.
    Anyone,
}

/// Who makes a share operation or an authorized write: one of the subjects of the step.
#[derive(Clone, Copy, Debug)]
pub enum ActorChoice {
    /// Picked among the subjects the oracle expects to be allowed (a manager of the row,
    /// a receiver of the share, its emitter, one who may own the new row), or among all
    /// when there is none.
    Allowed(Index),
    /// Picked among all subjects.
    Any(Index),
}

/// The owner profile an authorized write gives a row, drawn before the world is known.
#[derive(Clone, Copy, Debug)]
pub enum OwnerChoice {
    /// Picked among the existing profiles the oracle expects the actor may own rows of, or
    /// among every profile ever created when there is none.
    Ownable(Index),
    /// Picked among the profiles the actor's user holds now (which a snapshot loaded
    /// before may not know), or among every profile ever created when there is none.
    Actors(Index),
    /// Picked among every profile ever created, deleted ones included.
    Any(Index),
}

/// The name an authorized write gives a row, drawn before the world is known.
#[derive(Clone, Copy, Debug)]
pub enum NameChoice {
    /// One of [`ROW_NAMES`], by index.
    Any(usize),
    /// Picked among the names the row's owner already uses on that model (a duplicate), or
    /// among [`ROW_NAMES`] when it uses none.
    Taken(Index),
}

/// What `grant_as`, `grant_level_as` or `revoke_as` changes.
#[derive(Clone, Copy, Debug)]
pub enum GenGrantChange {
    /// `grant_as` of one of [`NAMES`], by index.
    Grant(usize),
    /// `grant_level_as` of a level.
    Level(Level),
    /// `revoke_as` of one of [`NAMES`], by index, whether granted or not.
    Revoke(usize),
    /// `revoke_as` of one of the grants that exist on a row of the model (its name, its row
    /// and its grantee), or nothing when there is none.
    RevokeExisting(Index),
}

/// An authorized write (rule 9) on a model by one of the step's subjects; its rows are
/// picked among all rows ever created, so some name deleted ones.
#[derive(Clone, Debug)]
pub enum GenWrite {
    /// `insert_as` of a new row.
    Insert {
        /// The model.
        model: Model,
        /// The row's owner.
        owner: OwnerChoice,
        /// The name.
        name: NameChoice,
        /// Who inserts: allowed if it may own some existing profile.
        actor: ActorChoice,
    },
    /// `update_as` of a row, renamed and/or moved to another owner (or neither).
    Update {
        /// The model.
        model: Model,
        /// The row.
        row: Index,
        /// A new name, if any.
        name: Option<NameChoice>,
        /// A new owner, if any.
        owner: Option<OwnerChoice>,
        /// Who updates: allowed if it manages the row.
        actor: ActorChoice,
    },
    /// `delete_as` of a row.
    Delete {
        /// The model.
        model: Model,
        /// The row.
        row: Index,
        /// Who deletes: allowed if it may delete the row (manage it and hold its delete
        /// permission alike).
        actor: ActorChoice,
    },
    /// `grant_as`, `grant_level_as` or `revoke_as` on a few rows for a few users (the
    /// deleted one among them) and groups.
    Grants {
        /// The model.
        model: Model,
        /// What changes.
        change: GenGrantChange,
        /// The rows.
        rows: Vec<Index>,
        /// The users.
        users: Vec<Index>,
        /// The groups.
        groups: Vec<Index>,
        /// Who grants or revokes: allowed if it manages every row in its own right.
        actor: ActorChoice,
    },
}

impl GenWrite {
    /// The model written.
    pub fn model(&self) -> Model {
        match self {
            GenWrite::Insert { model, .. }
            | GenWrite::Update { model, .. }
            | GenWrite::Delete { model, .. }
            | GenWrite::Grants { model, .. } => *model,
        }
    }
}

/// The share a pass-on or revocation names.
#[derive(Clone, Copy, Debug)]
pub enum ShareChoice {
    /// Picked among the unexpired shares holding a name that may be passed on (depth 1 or
    /// more), or among those that exist when there is none.
    Passable(Index),
    /// Picked among the shares that exist.
    Live(Index),
    /// Picked among every share ever made, revoked ones included.
    Ever(Index),
    /// A uuid no share has.
    Unknown,
}

/// What a generated share asks for.
#[derive(Clone, Debug)]
pub struct GenShareRequest {
    /// Who receives it.
    pub receiver: AgentChoice,
    /// Names from [`SHARE_NAMES`] with the depth asked for; `None`: every name that may be
    /// handed on.
    pub names: Option<Vec<(usize, u32)>>,
    /// The expiry, in milliseconds after the subjects' clock (0: now, refused); `None`:
    /// never, or the origin's.
    pub expires_in_ms: Option<i64>,
}

/// A share operation on `shared_doc`.
#[derive(Clone, Debug)]
pub enum GenShareOp {
    /// `share` of a row, picked among all rows ever created.
    Share {
        /// The row.
        row: Index,
        /// Who shares.
        actor: ActorChoice,
        /// What is asked for.
        request: GenShareRequest,
    },
    /// `pass_on` of a share.
    PassOn {
        /// The share.
        share: ShareChoice,
        /// Who passes it on.
        actor: ActorChoice,
        /// What is asked for.
        request: GenShareRequest,
    },
    /// `revoke_share` of a share.
    Revoke {
        /// The share.
        share: ShareChoice,
        /// Who revokes it.
        actor: ActorChoice,
    },
}

/// A `holders(..)` question drawn before the world is known.
#[derive(Clone, Debug)]
pub struct GenHolders {
    /// Names from [`NAMES`], `"unknown"` and `"View"`.
    pub names: Vec<&'static str>,
    /// `.model_names(..)`, if any.
    pub model_names: Option<Vec<&'static str>>,
    /// `.objects(..)`, if any: rows picked among all rows ever created.
    pub objects: Option<Vec<(Model, Index)>>,
    /// `.include_null_model_name(..)`.
    pub include_null_model_name: bool,
    /// `.include_null_object(..)`.
    pub include_null_object: bool,
    /// `.direct_only()`.
    pub direct_only: bool,
}

/// One case of the oracle suite: a world, the operations applied to it in turn, and the
/// questions asked after each step.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The world.
    pub world: GenWorld,
    /// Shares made once the world is written, before its first check.
    pub setup_shares: Vec<GenShareOp>,
    /// The operations.
    pub ops: Vec<GenOp>,
    /// How far the subjects' clock moves after each operation, in milliseconds.
    pub clock_moves: Vec<u64>,
    /// The name lists `permitted_for` is asked with (each with all 16 option combinations).
    pub name_lists: Vec<Vec<&'static str>>,
    /// The `holders(..)` questions.
    pub holders: Vec<GenHolders>,
}

fn gen_user() -> impl Strategy<Value = GenUser> {
    (
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.35),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(is_active, is_staff, is_superuser)| GenUser {
            is_active,
            is_staff,
            is_superuser,
        })
}

fn target_choice() -> impl Strategy<Value = TargetChoice> {
    prop_oneof![
        3 => (model(), any::<Index>()).prop_map(|(m, i)| TargetChoice::Object(m, i)),
        2 => (0..MODEL_NAMES.len()).prop_map(TargetChoice::Model),
        1 => Just(TargetChoice::Everything),
    ]
}

fn grantee_choice() -> impl Strategy<Value = GranteeChoice> {
    prop_oneof![
        2 => any::<Index>().prop_map(GranteeChoice::User),
        1 => any::<Index>().prop_map(GranteeChoice::Group),
    ]
}

fn model() -> impl Strategy<Value = Model> {
    prop_oneof![
        Just(Model::Document),
        Just(Model::Note),
        Just(Model::UuidDoc),
        Just(Model::SharedDoc)
    ]
}

/// Picks `index` among `len` things, or nothing when there are none.
fn pick(index: Index, len: usize) -> Option<usize> {
    (len > 0).then(|| index.index(len))
}

/// Owned rows with owners among `profiles` profiles, names unique per owner.
fn rows(raw: Vec<(Index, usize)>, profiles: usize) -> Vec<GenRow> {
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .filter_map(|(owner, name)| {
            let owner = pick(owner, profiles)?;
            let name = ROW_NAMES[name % ROW_NAMES.len()];
            seen.insert((owner, name)).then_some(GenRow { owner, name })
        })
        .collect()
}

/// Generated worlds: 1-4 accounts, 1-8 users, 0-3 profiles per user in distinct accounts,
/// 0-3 groups, 0-10 documents, 0-6 notes, 0-6 UUID-keyed documents, 0-6 documents that can
/// be shared and 0-15 grants.
pub fn world() -> impl Strategy<Value = GenWorld> {
    let users = prop::collection::vec(
        (gen_user(), prop::collection::btree_set(0..4usize, 0..=3)),
        1..=8,
    );
    let groups = prop::collection::vec(prop::collection::btree_set(0..8usize, 0..=4), 0..=3);
    let raw_rows = |max| prop::collection::vec((any::<Index>(), 0..ROW_NAMES.len()), 0..=max);
    let grants = prop::collection::vec((0..NAMES.len(), target_choice(), grantee_choice()), 0..=15);
    let raw = (raw_rows(10), raw_rows(6), raw_rows(6), raw_rows(6));
    (1..=4usize, users, groups, raw, grants).prop_map(
        |(accounts, users, groups, (documents, notes, uuid_docs, shared_docs), grants)| {
            let mut profiles = Vec::new();
            for (user, (_, in_accounts)) in users.iter().enumerate() {
                let in_accounts: BTreeSet<usize> =
                    in_accounts.iter().map(|a| a % accounts).collect();
                profiles.extend(
                    in_accounts
                        .into_iter()
                        .map(|account| GenProfile { user, account }),
                );
            }
            let user_count = users.len();
            let members: BTreeSet<(usize, usize)> = groups
                .iter()
                .enumerate()
                .flat_map(|(g, members)| members.iter().map(move |&u| (g, u % user_count)))
                .collect();
            let documents = rows(documents, profiles.len());
            let notes = rows(notes, profiles.len());
            let uuid_docs = rows(uuid_docs, profiles.len());
            let shared_docs = rows(shared_docs, profiles.len());
            let grants = grants
                .into_iter()
                .filter_map(|(name, target, grantee)| {
                    let target = match target {
                        TargetChoice::Object(Model::Document, i) => {
                            GenTarget::Object(Model::Document, pick(i, documents.len())?)
                        }
                        TargetChoice::Object(Model::Note, i) => {
                            GenTarget::Object(Model::Note, pick(i, notes.len())?)
                        }
                        TargetChoice::Object(Model::UuidDoc, i) => {
                            GenTarget::Object(Model::UuidDoc, pick(i, uuid_docs.len())?)
                        }
                        TargetChoice::Object(Model::SharedDoc, i) => {
                            GenTarget::Object(Model::SharedDoc, pick(i, shared_docs.len())?)
                        }
                        TargetChoice::Model(m) => GenTarget::Model(MODEL_NAMES[m]),
                        TargetChoice::Everything => GenTarget::Everything,
                    };
                    let grantee = match grantee {
                        GranteeChoice::User(i) => GenGrantee::User(pick(i, users.len())?),
                        GranteeChoice::Group(i) => GenGrantee::Group(pick(i, groups.len())?),
                    };
                    Some(GenGrant {
                        name: NAMES[name],
                        target,
                        grantee,
                    })
                })
                .collect();
            GenWorld {
                accounts,
                users: users.iter().map(|(u, _)| *u).collect(),
                profiles,
                groups: groups.len(),
                members: members.into_iter().collect(),
                documents,
                notes,
                uuid_docs,
                shared_docs,
                grants,
            }
        },
    )
}

/// One operation.
pub fn op() -> impl Strategy<Value = GenOp> {
    let indices =
        |range: std::ops::RangeInclusive<usize>| prop::collection::vec(any::<Index>(), range);
    prop_oneof![
        4 => (0..NAMES.len(), target_choice(), grantee_choice())
            .prop_map(|(name, target, grantee)| GenOp::Grant { name, target, grantee }),
        1 => (0..NAMES.len(), target_choice(), grantee_choice())
            .prop_map(|(name, target, grantee)| GenOp::Revoke { name, target, grantee }),
        2 => any::<Index>().prop_map(GenOp::RevokeExisting),
        2 => (0..NAMES.len(), model(), indices(1..=3), indices(0..=3), indices(0..=2)).prop_map(
            |(name, model, objects, users, groups)| GenOp::BulkGrant {
                name,
                model,
                objects,
                users,
                groups,
            }
        ),
        2 => (model(), any::<Index>()).prop_map(|(m, i)| GenOp::DeleteObject(m, i)),
        2 => any::<Index>().prop_map(GenOp::DeleteUser),
        2 => (any::<Index>(), gen_user()).prop_map(|(user, flags)| GenOp::ReplaceUser(user, flags)),
        1 => any::<Index>().prop_map(GenOp::DeleteProfile),
        1 => (any::<Index>(), any::<Index>())
            .prop_map(|(user, account)| GenOp::AddProfile { user, account }),
        1 => any::<Index>().prop_map(GenOp::DeleteGroup),
        1 => (
            any::<Index>(),
            prop_oneof![Just(Power::Active), Just(Power::Staff), Just(Power::Superuser)]
        )
            .prop_map(|(user, power)| GenOp::Withdraw(user, power)),
        1 => any::<Index>().prop_map(GenOp::LeaveGroup),
        2 => (
            any::<Index>(),
            prop::option::of(any::<Index>()),
            prop::option::of(0..ROW_NAMES.len())
        )
            .prop_map(|(document, owner, name)| GenOp::CloneDocument { document, owner, name }),
        2 => (any::<Index>(), any::<Index>())
            .prop_map(|(document, to)| GenOp::TransferDocument { document, to }),
        8 => prop::collection::vec(share_op(3, 4, 2), 1..=4).prop_map(GenOp::Shares),
        8 => prop::collection::vec(write(), 1..=4).prop_map(GenOp::Writes),
    ]
}

/// The models authorized writes go to: mostly documents, and `shared_doc`, whose shares
/// let their receivers manage rows but not grant on them.
fn write_model() -> impl Strategy<Value = Model> {
    prop_oneof![
        3 => Just(Model::Document),
        1 => Just(Model::Note),
        1 => Just(Model::UuidDoc),
        2 => Just(Model::SharedDoc),
    ]
}

fn owner_choice() -> impl Strategy<Value = OwnerChoice> {
    prop_oneof![
        4 => any::<Index>().prop_map(OwnerChoice::Ownable),
        1 => any::<Index>().prop_map(OwnerChoice::Actors),
        2 => any::<Index>().prop_map(OwnerChoice::Any),
    ]
}

fn name_choice() -> impl Strategy<Value = NameChoice> {
    prop_oneof![
        3 => (0..ROW_NAMES.len()).prop_map(NameChoice::Any),
        1 => any::<Index>().prop_map(NameChoice::Taken),
    ]
}

fn grant_change() -> impl Strategy<Value = GenGrantChange> {
    prop_oneof![
        3 => (0..NAMES.len()).prop_map(GenGrantChange::Grant),
        2 => prop_oneof![Just(Level::View), Just(Level::Edit), Just(Level::All)]
            .prop_map(GenGrantChange::Level),
        1 => (0..NAMES.len()).prop_map(GenGrantChange::Revoke),
        2 => any::<Index>().prop_map(GenGrantChange::RevokeExisting),
    ]
}

/// One authorized write: inserts, updates (renames, moves, both, or neither), deletes,
/// and grants or revocations on rows.
pub fn write() -> impl Strategy<Value = GenWrite> {
    let indices =
        |range: std::ops::RangeInclusive<usize>| prop::collection::vec(any::<Index>(), range);
    let change = prop_oneof![
        3 => name_choice().prop_map(|name| (Some(name), None)),
        3 => owner_choice().prop_map(|owner| (None, Some(owner))),
        1 => (name_choice(), owner_choice()).prop_map(|(name, owner)| (Some(name), Some(owner))),
        1 => Just((None, None)),
    ];
    prop_oneof![
        3 => (write_model(), owner_choice(), name_choice(), actor_choice()).prop_map(
            |(model, owner, name, actor)| GenWrite::Insert { model, owner, name, actor }
        ),
        3 => (write_model(), any::<Index>(), change, actor_choice()).prop_map(
            |(model, row, (name, owner), actor)| GenWrite::Update { model, row, name, owner, actor }
        ),
        2 => (write_model(), any::<Index>(), actor_choice())
            .prop_map(|(model, row, actor)| GenWrite::Delete { model, row, actor }),
        4 => (
            write_model(),
            grant_change(),
            indices(1..=3),
            indices(0..=2),
            indices(0..=1),
            actor_choice()
        )
            .prop_map(|(model, change, rows, users, groups, actor)| GenWrite::Grants {
                model,
                change,
                rows,
                users,
                groups,
                actor,
            }),
    ]
}

fn agent_choice() -> impl Strategy<Value = AgentChoice> {
    prop_oneof![
        4 => any::<Index>().prop_map(AgentChoice::User),
        2 => any::<Index>().prop_map(AgentChoice::Group),
        2 => Just(AgentChoice::Anyone),
    ]
}

fn actor_choice() -> impl Strategy<Value = ActorChoice> {
    prop_oneof![
        3 => any::<Index>().prop_map(ActorChoice::Allowed),
        1 => any::<Index>().prop_map(ActorChoice::Any),
    ]
}

fn share_choice() -> impl Strategy<Value = ShareChoice> {
    prop_oneof![
        4 => any::<Index>().prop_map(ShareChoice::Passable),
        3 => any::<Index>().prop_map(ShareChoice::Live),
        1 => any::<Index>().prop_map(ShareChoice::Ever),
        1 => Just(ShareChoice::Unknown),
    ]
}

/// Expiries: never, now (refused), a millisecond or a few seconds after the clock, so that
/// the clock's moves ([`clock_move`]) reach them, some exactly.
fn expiry() -> impl Strategy<Value = Option<i64>> {
    prop_oneof![
        8 => Just(None),
        1 => Just(Some(0)),
        2 => Just(Some(1)),
        10 => (1..=4i64).prop_map(|seconds| Some(seconds * 1000)),
    ]
}

/// How far the clock moves after a step: not at all, a millisecond, just under a second,
/// or a few seconds.
fn clock_move() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        1 => Just(1u64),
        1 => Just(999u64),
        3 => (1..=3u64).prop_map(|seconds| seconds * 1000),
    ]
}

fn share_request() -> impl Strategy<Value = GenShareRequest> {
    (
        agent_choice(),
        prop::option::weighted(
            0.5,
            prop::collection::vec((0..SHARE_NAMES.len(), 0..=3u32), 0..=3),
        ),
        expiry(),
    )
        .prop_map(|(receiver, names, expires_in_ms)| GenShareRequest {
            receiver,
            names,
            expires_in_ms,
        })
}

/// One share operation: sharing, passing on and revoking weighted `share`, `pass_on` and
/// `revoke`.
pub fn share_op(share: u32, pass_on: u32, revoke: u32) -> impl Strategy<Value = GenShareOp> {
    prop_oneof![
        share => (any::<Index>(), actor_choice(), share_request())
            .prop_map(|(row, actor, request)| GenShareOp::Share { row, actor, request }),
        pass_on => (share_choice(), actor_choice(), share_request())
            .prop_map(|(share, actor, request)| GenShareOp::PassOn { share, actor, request }),
        revoke => (share_choice(), actor_choice())
            .prop_map(|(share, actor)| GenShareOp::Revoke { share, actor }),
    ]
}

/// The names questions draw from: the granted ones, one never granted, and one differing
/// from a granted one only in case.
const ASKED_NAMES: [&str; 6] = ["view", "change", "delete", "share", "unknown", "View"];

fn holders_question() -> impl Strategy<Value = GenHolders> {
    let name = prop::sample::select(ASKED_NAMES.to_vec());
    (
        prop::collection::vec(name, 0..=2),
        prop::option::of(prop::sample::subsequence(MODEL_NAMES.to_vec(), 0..=2)),
        prop::option::of(prop::collection::vec((model(), any::<Index>()), 0..=3)),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(
                names,
                model_names,
                objects,
                include_null_model_name,
                include_null_object,
                direct_only,
            )| GenHolders {
                names,
                model_names,
                objects,
                include_null_model_name,
                include_null_object,
                direct_only,
            },
        )
}

/// The most operations a scenario applies.
pub const MAX_OPS: usize = 6;

/// Scenarios: a world, 0-10 share operations on it (mostly shares, then passes on), 1-6
/// operations each followed by a move of the clock, two random name lists (besides the
/// fixed ones of the suite) and 3-5 holders questions.
pub fn scenario() -> impl Strategy<Value = Scenario> {
    let name = prop::sample::select(ASKED_NAMES.to_vec());
    (
        world(),
        prop::collection::vec(share_op(5, 4, 1), 0..=10),
        prop::collection::vec(op(), 1..=MAX_OPS),
        prop::collection::vec(clock_move(), MAX_OPS),
        prop::collection::vec(prop::collection::vec(name, 0..=3), 2),
        prop::collection::vec(holders_question(), 3..=5),
    )
        .prop_map(
            |(world, setup_shares, ops, clock_moves, name_lists, holders)| Scenario {
                world,
                setup_shares,
                ops,
                clock_moves,
                name_lists,
                holders,
            },
        )
}

/// A written world: the database ids of the generated entities (by number), the oracle's
/// copy of the world, and a subject loaded for a user deleted right after.
pub struct Written {
    /// Account ids.
    pub accounts: Vec<i64>,
    /// User ids.
    pub users: Vec<i64>,
    /// Profile ids.
    pub profiles: Vec<i64>,
    /// Group ids.
    pub groups: Vec<i64>,
    /// Row ids of each model, in creation order (clones are appended by the caller).
    pub rows: BTreeMap<Model, Vec<i64>>,
    /// The world as the oracle sees it.
    pub world: oracle::World,
    /// The id of a superuser, staff, member of every group with grants on everything,
    /// deleted after loading.
    pub deleted_user: i64,
    /// Its subject, loaded before it was deleted.
    pub deleted_subject: Subject,
}

/// Deletes every row of the plugin's tables and of the test entities, children first.
pub async fn clear(db: &DatabaseConnection) -> Result<(), DbErr> {
    permission_user::Entity::delete_many().exec(db).await?;
    permission_group::Entity::delete_many().exec(db).await?;
    permission::Entity::delete_many().exec(db).await?;
    note::Entity::delete_many().exec(db).await?;
    document::Entity::delete_many().exec(db).await?;
    uuid_doc::Entity::delete_many().exec(db).await?;
    // Their shares go with the rows.
    shared_doc::Entity::delete_many().exec(db).await?;
    world::clear_identity(db).await
}

/// The library's target for a generated one.
pub fn target(model: Model, ids: impl IntoIterator<Item = i64>) -> Target {
    match model {
        Model::Document => Target::objects::<document::Entity>(ids),
        Model::Note => Target::objects::<note::Entity>(ids.into_iter().map(note_id)),
        Model::UuidDoc => Target::objects::<uuid_doc::Entity>(ids.into_iter().map(uuid_doc_id)),
        Model::SharedDoc => Target::objects::<shared_doc::Entity>(ids),
    }
}

/// The ids of the rows just written for `rows`, in their generated order, found by (owner,
/// name), which a generated world keeps unique per entity; `key` reads a model's (owner,
/// name, id).
async fn ids_in_generated_order<E: EntityTrait>(
    db: &DatabaseConnection,
    rows: &[GenRow],
    profiles: &[i64],
    key: impl Fn(E::Model) -> (i64, String, i64),
) -> Result<Vec<i64>, DbErr> {
    let by_key: BTreeMap<(i64, String), i64> = E::find()
        .all(db)
        .await?
        .into_iter()
        .map(|model| {
            let (owner, name, id) = key(model);
            ((owner, name), id)
        })
        .collect();
    Ok(rows
        .iter()
        .map(|row| by_key[&(profiles[row.owner], row.name.to_owned())])
        .collect())
}

/// Writes a generated world to an empty database: identity rows and owned rows in bulk
/// with the entities' `insert_many`, grants with [`grant`].
pub async fn write_world(
    db: &DatabaseConnection,
    gen_world: &GenWorld,
) -> Result<Written, OwnershipError> {
    let mut world = oracle::World::default();

    // Identity rows one at a time, through the identity in use (the embedded tables or the
    // application's).
    let mut accounts = Vec::new();
    for i in 0..gen_world.accounts {
        accounts.push(world::account(db, &format!("a{i}")).await);
    }
    world.accounts = accounts.iter().copied().collect();

    let mut users = Vec::new();
    for (i, u) in gen_world.users.iter().enumerate() {
        let id = world::try_user_with_flags(db, None, &format!("u{i}"), u.flags()).await?;
        world.users.insert(id, u.oracle_user());
        users.push(id);
    }

    let mut profiles = Vec::new();
    for p in &gen_world.profiles {
        let (user, account) = (users[p.user], accounts[p.account]);
        let id = world::try_profile(db, user, account).await?;
        world.profiles.insert(id, oracle::Profile { user, account });
        profiles.push(id);
    }

    let mut groups = Vec::new();
    for i in 0..gen_world.groups {
        groups.push(world::group(db, &format!("g{i}"), &[]).await);
    }
    world.groups = groups.iter().copied().collect();
    for &(g, u) in &gen_world.members {
        world::join_group(db, groups[g], users[u]).await;
    }
    world.members = gen_world
        .members
        .iter()
        .map(|&(g, u)| (groups[g], users[u]))
        .collect();

    document::Entity::insert_many(gen_world.documents.iter().map(|d| document::ActiveModel {
        user_profile_id: Set(profiles[d.owner]),
        name: Set(d.name.to_owned()),
        body: Set(format!("body of {}", d.name)),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    let documents =
        ids_in_generated_order::<document::Entity>(db, &gen_world.documents, &profiles, |d| {
            (d.user_profile_id, d.name, d.id)
        })
        .await?;

    note::Entity::insert_many(gen_world.notes.iter().map(|n| note::ActiveModel {
        author_profile_id: Set(profiles[n.owner]),
        title: Set(n.name.to_owned()),
        version: Set(1),
        text: Set(format!("text of {}", n.name)),
        ..Default::default()
    }))
    .exec_without_returning(db)
    .await?;
    let notes = ids_in_generated_order::<note::Entity>(db, &gen_world.notes, &profiles, |n| {
        (n.author_profile_id, n.title, i64::from(n.id))
    })
    .await?;

    // Handles 1, 2, ... in the generated order; the UUIDs sort as the handles do.
    let uuid_docs: Vec<i64> = (1..=gen_world.uuid_docs.len() as i64).collect();
    if !uuid_docs.is_empty() {
        uuid_doc::Entity::insert_many(gen_world.uuid_docs.iter().zip(&uuid_docs).map(
            |(row, &handle)| uuid_doc::ActiveModel {
                id: Set(uuid_doc_id(handle)),
                user_profile_id: Set(profiles[row.owner]),
                name: Set(row.name.to_owned()),
            },
        ))
        .exec_without_returning(db)
        .await?;
    }

    shared_doc::Entity::insert_many(gen_world.shared_docs.iter().map(|d| {
        shared_doc::ActiveModel {
            user_profile_id: Set(profiles[d.owner]),
            name: Set(d.name.to_owned()),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await?;
    let shared_docs =
        ids_in_generated_order::<shared_doc::Entity>(db, &gen_world.shared_docs, &profiles, |d| {
            (d.user_profile_id, d.name, d.id)
        })
        .await?;

    for (model, gen_rows, ids) in [
        (Model::Document, &gen_world.documents, &documents),
        (Model::Note, &gen_world.notes, &notes),
        (Model::UuidDoc, &gen_world.uuid_docs, &uuid_docs),
        (Model::SharedDoc, &gen_world.shared_docs, &shared_docs),
    ] {
        for (row, &id) in gen_rows.iter().zip(ids) {
            world.add_row(
                model,
                id,
                Row {
                    owner: profiles[row.owner],
                    name: row.name.to_owned(),
                },
            );
        }
    }

    for g in &gen_world.grants {
        let (target, oracle_target) = match g.target {
            GenTarget::Everything => (Target::everything(), oracle::Target::Everything),
            GenTarget::Model(name) => (
                Target::model_named(name),
                oracle::Target::Model(name.to_owned()),
            ),
            GenTarget::Object(model, i) => {
                let id = match model {
                    Model::Document => documents[i],
                    Model::Note => notes[i],
                    Model::UuidDoc => uuid_docs[i],
                    Model::SharedDoc => shared_docs[i],
                };
                (
                    target(model, [id]),
                    oracle::Target::Objects(model, BTreeSet::from([id])),
                )
            }
        };
        let (grantees, users_set, groups_set) = match g.grantee {
            GenGrantee::User(u) => (
                Grantees::users([uid(users[u])]),
                BTreeSet::from([users[u]]),
                BTreeSet::new(),
            ),
            GenGrantee::Group(x) => (
                Grantees::groups([gid(groups[x])]),
                BTreeSet::new(),
                BTreeSet::from([groups[x]]),
            ),
        };
        grant(db, g.name, &target, &grantees).await?;
        world
            .grant(g.name, &oracle_target, &users_set, &groups_set)
            .expect("generated grants name existing users, groups and rows");
    }

    // A user with every power, loaded and then deleted: its subject must get nothing.
    let ghost = world::try_user_with_flags(db, None, "deleted", (true, true, true)).await?;
    world::try_profile(db, ghost, accounts[0]).await?;
    for &g in &groups {
        world::join_group(db, g, ghost).await;
    }
    for name in NAMES {
        grant(
            db,
            name,
            &Target::everything(),
            &Grantees::users([uid(ghost)]),
        )
        .await?;
    }
    let deleted_subject = Subject::load(db, uid(ghost)).await?;
    world::try_delete_user(db, ghost).await?;

    Ok(Written {
        accounts,
        users,
        profiles,
        groups,
        rows: BTreeMap::from([
            (Model::Document, documents),
            (Model::Note, notes),
            (Model::UuidDoc, uuid_docs),
            (Model::SharedDoc, shared_docs),
        ]),
        world,
        deleted_user: ghost,
        deleted_subject,
    })
}
