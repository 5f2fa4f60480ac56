//! An in-memory model of the ownership and permission rules, written from the design's
//! rules (`The rules`, `Invariants`) and the decisions recorded in the README, to check the
//! library's SQL against.
//!
//! A [`World`] holds accounts, users, profiles, groups, memberships, owned rows, grants and
//! capability shares, keyed by their database ids (shares by their uuids), and the time of
//! the subjects' clock. Each rule is one method, with the rule it implements quoted in its
//! doc comment; the answers are plain sets, computed by walking the world, never by
//! building SQL. The writes a subject makes (rule 9) are decided from those sets, and
//! applied to the world when allowed. A subject is a [`Who`]: its user id (`None` is
//! anonymous, and an id with no user is a user that no longer exists), which of the users
//! ever given that id it was loaded for, and the whole-model grants it held when loaded.

use std::collections::{BTreeMap, BTreeSet};

use ownership_core::Uuid;

/// Who is asking: the user id, and the grants on a whole model or on everything that the
/// subject held when loaded. README: "A grant on a whole model or on everything is part of
/// the snapshot, like the superuser flag: a scope counts such grants only if the subject,
/// when loaded, held one on that model or on everything for one of the permissions the
/// scope asks about".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Who {
    /// The user id; `None` for anonymous.
    pub user: Option<i64>,
    /// Which user with that id the subject was loaded for: the id's
    /// [incarnation](World::incarnation) then.
    pub incarnation: u32,
    /// (permission name, model name or `None` for every model) of each such grant.
    pub whole_model_grants: BTreeSet<(String, Option<String>)>,
    /// Whether the snapshot holds a profile. README: "a user with no profile gets no
    /// ownership branch", decided by the snapshot: one loaded before its user had a profile
    /// gets none until it is loaded again.
    pub has_profiles: bool,
}

impl Who {
    /// Whether the snapshot held a whole-model grant of one of `names` covering `model`.
    fn claims<S: AsRef<str>>(&self, names: &[S], model: Model) -> bool {
        self.whole_model_grants.iter().any(|(name, on)| {
            names.iter().any(|n| n.as_ref() == name)
                && on.as_deref().is_none_or(|on| on == model.name())
        })
    }
}

/// The owned models of the test entities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Model {
    /// `entities::document`: model name `document`, read `view`, manage `change`.
    Document,
    /// `entities::note`: model name `notes`, read `view`, manage `change`.
    Note,
    /// `entities::uuid_doc`, keyed by UUID: model name `uuid_doc`, read `view`, manage
    /// `change`. Its rows are named here by integer handles (see `world::uuid_doc_id`).
    UuidDoc,
    /// `entities::shared_doc`, keyed by `i64`, the one whose rows can be shared: model name
    /// `shared_doc`, read `view`, manage `change`, root grants `view: 2, change: 1,
    /// delete: 0`.
    SharedDoc,
}

impl Model {
    /// Every model.
    pub const ALL: [Model; 4] = [
        Model::Document,
        Model::Note,
        Model::UuidDoc,
        Model::SharedDoc,
    ];

    /// The model name permissions are narrowed by.
    pub fn name(self) -> &'static str {
        match self {
            Model::Document => "document",
            Model::Note => "notes",
            Model::UuidDoc => "uuid_doc",
            Model::SharedDoc => "shared_doc",
        }
    }

    /// Rule 6: "An owned entity that allows sharing declares its root grants: permission
    /// name → depth (how many more times it may be passed on), e.g. `view: 2, change: 1,
    /// delete: 0`"; the other entities declare none.
    pub fn root_grants(self) -> &'static [(&'static str, u32)] {
        match self {
            Model::SharedDoc => &[("view", 2), ("change", 1), ("delete", 0)],
            Model::Document | Model::Note | Model::UuidDoc => &[],
        }
    }

    /// Whether `name` is one of the root grants.
    pub fn is_root_name(self, name: &str) -> bool {
        self.root_grants().iter().any(|(root, _)| *root == name)
    }

    /// "the read permission (default `view`)".
    pub fn read_permission(self) -> &'static str {
        "view"
    }

    /// "the model's manage permission (default `change`)".
    pub fn manage_permission(self) -> &'static str {
        "change"
    }

    /// Rule 8: the entity's "delete permission" (README: `#[owned(delete = "..")]`,
    /// default `delete`).
    pub fn delete_permission(self) -> &'static str {
        "delete"
    }

    /// Rule 8: "Levels: `view`; `edit` gives view and edit; `all` gives view, edit and
    /// delete (the entity's read, manage and delete permission names)", each name once.
    pub fn level_names(self, level: Level) -> Vec<&'static str> {
        let all = [
            self.read_permission(),
            self.manage_permission(),
            self.delete_permission(),
        ];
        let count = match level {
            Level::View => 1,
            Level::Edit => 2,
            Level::All => 3,
        };
        let mut names: Vec<&'static str> = Vec::new();
        for name in &all[..count] {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names
    }
}

/// Rule 8: django-object-acl's levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `view`.
    View,
    /// `edit`: view and edit.
    Edit,
    /// `all`: view, edit and delete.
    All,
}

/// A user's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User {
    /// Active: only an active user is given anything.
    pub is_active: bool,
    /// Staff: manages what its accounts' profiles own.
    pub is_staff: bool,
    /// Superuser: reads and manages everything.
    pub is_superuser: bool,
}

/// One user's membership in one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The user.
    pub user: i64,
    /// The account.
    pub account: i64,
}

/// An owned row: its owner profile and its name, unique together.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    /// The owner profile.
    pub owner: i64,
    /// The name.
    pub name: String,
}

/// A permission: a name narrowed by an optional model name and an optional single object
/// (an object always comes with its model name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Permission {
    /// The permission's name.
    pub name: String,
    /// The model it is narrowed to; `None` for every model.
    pub model_name: Option<String>,
    /// The object's id, when narrowed to one object of `model_name`.
    pub object: Option<i64>,
}

/// Who a permission is granted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// A user, directly.
    User(i64),
    /// A group: every member holds it.
    Group(i64),
}

/// What a grant or revoke covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every object of every model (NULL model name and NULL object).
    Everything,
    /// Every object of the model with this name (NULL object).
    Model(String),
    /// These objects of one model.
    Objects(Model, BTreeSet<i64>),
}

/// The options of `permitted_for`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    /// The permission names.
    pub names: Vec<String>,
    /// Any of the names (`Permitted::any_of`) rather than all of them.
    pub any: bool,
    /// Grants to the subject's groups count (not `without_groups`).
    pub with_groups: bool,
    /// Grants on the model or on everything count (not `objects_only`).
    pub model_wide: bool,
    /// A superuser is permitted everything (not `without_superuser_bypass`).
    pub superuser_bypass: bool,
}

impl Ask {
    /// The 16 option combinations for one list of names.
    pub fn all_options(names: &[String]) -> Vec<Ask> {
        let mut asks = Vec::with_capacity(16);
        for any in [false, true] {
            for with_groups in [true, false] {
                for model_wide in [true, false] {
                    for superuser_bypass in [true, false] {
                        asks.push(Ask {
                            names: names.to_vec(),
                            any,
                            with_groups,
                            model_wide,
                            superuser_bypass,
                        });
                    }
                }
            }
        }
        asks
    }
}

/// A `holders(..)` question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldersQuestion {
    /// The permission names.
    pub names: Vec<String>,
    /// `.model_names(..)`, if given.
    pub model_names: Option<Vec<String>>,
    /// `.objects(..)`, if given: (model name, id).
    pub objects: Option<Vec<(String, i64)>>,
    /// `.include_null_model_name(..)` (default true).
    pub include_null_model_name: bool,
    /// `.include_null_object(..)` (default true).
    pub include_null_object: bool,
    /// `.direct_only()`.
    pub direct_only: bool,
}

/// Vocabulary: "**Agent**: who a share is addressed to: a user, a group, or anonymous
/// (everyone)."
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Agent {
    /// One user.
    User(i64),
    /// The members of a group.
    Group(i64),
    /// Anyone, signed in or not.
    Anyone,
}

/// Whom a grant or share that admits a row is to, seen from the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via {
    /// The subject's user.
    User,
    /// A group the user is a member of now.
    Group(i64),
    /// Anyone (a share with anyone).
    Anyone,
}

/// What a grant that admits a row is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantOn {
    /// The row itself.
    Object,
    /// Every row of the row's model (NULL object).
    Model,
    /// Every row of every model (NULL model name and NULL object).
    Everything,
}

/// One way rule 3 admits a row to a subject's read scope, as `explain` names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// One of the subject's profiles owns the row.
    Owner,
    /// The subject is staff with a profile in the account of the row's owner.
    AccountStaff,
    /// The row's owner is a staff user of an account where the subject has a profile.
    OwnedByAccountStaff,
    /// The row's owner is a superuser, and the subject has a profile.
    OwnedBySuperuser,
    /// The subject is a superuser.
    Superuser,
    /// A grant of the permission `name`.
    Grant {
        /// The permission name.
        name: String,
        /// Whom it is to.
        to: Via,
        /// What it is on.
        on: GrantOn,
    },
    /// An unexpired share of the row holding the permission `name`.
    Share {
        /// The share's uuid.
        share: Uuid,
        /// The permission name.
        name: String,
        /// Whom it is to.
        to: Via,
    },
}

/// Vocabulary: "**Share**: a capability handed from one agent to another on one object:
/// permission names with a depth each, an optional expiry, a random uuid, an origin
/// share." Shares are of `shared_doc` rows, the one model with root grants; the world keys
/// them by their uuids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// The shared row.
    pub object: i64,
    /// The share it was passed on from; `None` for a first share.
    pub origin: Option<Uuid>,
    /// The user who made it.
    pub emitter: i64,
    /// Who receives it.
    pub receiver: Agent,
    /// When it stops counting, in milliseconds since the Unix epoch; `None`: never.
    pub expires_ms: Option<i64>,
    /// The names it holds, each with how many more times it may be passed on.
    pub names: BTreeMap<String, u32>,
}

/// What a new share asks for: its receiver, its names with a depth each (`None`: every
/// name that may be handed on, at the deepest depth allowed), and its expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareAsk {
    /// Who is to receive it.
    pub receiver: Agent,
    /// The names asked for, each at most at this depth.
    pub names: Option<BTreeMap<String, u32>>,
    /// The expiry asked for, in milliseconds since the Unix epoch.
    pub expires_ms: Option<i64>,
}

/// A power a user can lose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Power {
    /// Being active.
    Active,
    /// Being staff.
    Staff,
    /// Being a superuser.
    Superuser,
}

/// Why the oracle expects a write to be refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A grant names users that do not exist (ascending).
    UnknownUsers(Vec<i64>),
    /// A grant names groups that do not exist (ascending).
    UnknownGroups(Vec<i64>),
    /// A grant names objects that do not exist (ascending).
    UnknownObjects(Model, Vec<i64>),
    /// Deleting a user or profile that still owns rows.
    StillOwnsRows,
    /// The owner already has a row with this name.
    DuplicateName {
        /// The owner profile.
        owner: i64,
        /// The taken name.
        name: String,
    },
    /// A row cannot be given to a profile that does not exist.
    NoSuchProfile(i64),
    /// Rule 9: "A row the subject may not read is `NotFound`"; rule 6: a share "for
    /// anyone else [than its receivers] does not exist".
    NotFound,
    /// Rule 9: a row "it may read but not manage is `PermissionDenied`".
    PermissionDenied,
    /// Rule 6: "If nothing is left to pass, the share is refused with an error, never
    /// created empty."
    NothingToShare,
    /// Rule 6: "One share per (origin, receiver, object)": the share already there.
    DuplicateShare(Uuid),
    /// Rule 6: "an expired share cannot be passed on".
    ShareExpired(Uuid),
    /// An expiry not after the current time: "Every bad input ... is a typed error".
    ExpiryNotInFuture,
}

/// A world: everything the rules look at, by database id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct World {
    /// The accounts.
    pub accounts: BTreeSet<i64>,
    /// The users and their flags.
    pub users: BTreeMap<i64, User>,
    /// The profiles.
    pub profiles: BTreeMap<i64, Profile>,
    /// The groups.
    pub groups: BTreeSet<i64>,
    /// Memberships, as (group, user).
    pub members: BTreeSet<(i64, i64)>,
    /// The owned rows of each model.
    pub rows: BTreeMap<Model, BTreeMap<i64, Row>>,
    /// The grants.
    pub grants: BTreeSet<(Permission, Grantee)>,
    /// How many times each user id was given to a new user after its user was deleted;
    /// absent for never.
    pub incarnations: BTreeMap<i64, u32>,
    /// The shares, by uuid.
    pub shares: BTreeMap<Uuid, Share>,
    /// The time the subjects' clock shows, in milliseconds since the Unix epoch.
    pub now_ms: i64,
}

impl World {
    // -----------------------------------------------------------------------------------
    // Who the subject is
    // -----------------------------------------------------------------------------------

    /// Rule 0: "Every rule below gives **nothing** to an anonymous subject, to an inactive
    /// user, and to a user that no longer exists." A new user given the id of a deleted one
    /// is another user: the deleted one still no longer exists.
    ///
    /// The subject's user and flags if it may be given anything at all.
    pub fn entitled(&self, who: &Who) -> Option<(i64, User)> {
        let id = who.user?;
        let user = *self.users.get(&id)?;
        (user.is_active && self.incarnation(id) == who.incarnation).then_some((id, user))
    }

    /// How many times `user`'s id was given to a new user after its user was deleted: 0
    /// for the first user with that id.
    pub fn incarnation(&self, user: i64) -> u32 {
        self.incarnations.get(&user).copied().unwrap_or_default()
    }

    /// "User profile: one user's membership in one account; a user may hold several."
    pub fn profiles_of(&self, user: i64) -> BTreeSet<i64> {
        self.profiles
            .iter()
            .filter(|(_, p)| p.user == user)
            .map(|(&id, _)| id)
            .collect()
    }

    /// Rule 0: "a user with no profile belongs to no account".
    pub fn accounts_of(&self, user: i64) -> BTreeSet<i64> {
        self.profiles
            .values()
            .filter(|p| p.user == user)
            .map(|p| p.account)
            .collect()
    }

    /// "Group: a named set of users."
    pub fn groups_of(&self, user: i64) -> BTreeSet<i64> {
        self.members
            .iter()
            .filter(|&&(_, member)| member == user)
            .map(|&(group, _)| group)
            .collect()
    }

    /// The user behind an owner profile.
    fn owner_user(&self, owner: i64) -> Option<User> {
        let profile = self.profiles.get(&owner)?;
        self.users.get(&profile.user).copied()
    }

    /// The rows of a model.
    pub fn rows_of(&self, model: Model) -> impl Iterator<Item = (i64, &Row)> {
        self.rows
            .get(&model)
            .into_iter()
            .flat_map(|rows| rows.iter().map(|(&id, row)| (id, row)))
    }

    /// A row of a model, if it exists.
    pub fn row(&self, model: Model, id: i64) -> Option<&Row> {
        self.rows.get(&model).and_then(|rows| rows.get(&id))
    }

    /// The ids of a model's rows.
    pub fn ids_of(&self, model: Model) -> BTreeSet<i64> {
        self.rows_of(model).map(|(id, _)| id).collect()
    }

    // -----------------------------------------------------------------------------------
    // Grants
    // -----------------------------------------------------------------------------------

    /// Vocabulary: "NULL model name or NULL object widens it to all models or all
    /// objects"; rules 2, 3 and 5: a permission counts "on that object, model-wide (NULL
    /// object) or globally (NULL model name and NULL object)". With `model_wide` off only
    /// the grant on the object itself counts (`objects_only`).
    pub fn covers(permission: &Permission, model: Model, id: i64, model_wide: bool) -> bool {
        match (&permission.model_name, permission.object) {
            (Some(name), Some(object)) => name == model.name() && object == id,
            (Some(name), None) => model_wide && name == model.name(),
            (None, None) => model_wide,
            (None, Some(_)) => false,
        }
    }

    /// Rules 2, 3 and 5: "`s`, or a group of `s`, holds" the permission `name` on the row.
    pub fn holds(
        &self,
        user: i64,
        name: &str,
        model: Model,
        id: i64,
        with_groups: bool,
        model_wide: bool,
    ) -> bool {
        self.grants_held(user, name, model, id, model_wide)
            .any(|reason| with_groups || matches!(reason, Reason::Grant { to: Via::User, .. }))
    }

    /// The grants of the permission `name` that `user`, or a group it is a member of now,
    /// holds on the row (see [`World::covers`]), each as the reason it gives.
    fn grants_held(
        &self,
        user: i64,
        name: &str,
        model: Model,
        id: i64,
        model_wide: bool,
    ) -> impl Iterator<Item = Reason> {
        let groups = self.groups_of(user);
        self.grants.iter().filter_map(move |(permission, grantee)| {
            if permission.name != name || !Self::covers(permission, model, id, model_wide) {
                return None;
            }
            let to = match *grantee {
                Grantee::User(u) if u == user => Via::User,
                Grantee::Group(g) if groups.contains(&g) => Via::Group(g),
                Grantee::User(_) | Grantee::Group(_) => return None,
            };
            let on = match (&permission.model_name, permission.object) {
                (_, Some(_)) => GrantOn::Object,
                (Some(_), None) => GrantOn::Model,
                (None, None) => GrantOn::Everything,
            };
            Some(Reason::Grant {
                name: name.to_owned(),
                to,
                on,
            })
        })
    }

    // -----------------------------------------------------------------------------------
    // The scopes
    // -----------------------------------------------------------------------------------

    /// Rule 1: "`owned_by(s)`: the owner is one of `s`'s profiles."
    pub fn owned_by(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        if !who.has_profiles {
            return BTreeSet::new();
        }
        self.owned_now(who, model)
    }

    /// The rows owned by one of the profiles the entitled subject's user holds now.
    fn owned_now(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        let Some((user, _)) = self.entitled(who) else {
            return BTreeSet::new();
        };
        let profiles = self.profiles_of(user);
        self.rows_of(model)
            .filter(|(_, row)| profiles.contains(&row.owner))
            .map(|(id, _)| id)
            .collect()
    }

    /// Rule 2: "`with_manage_permission_for(s)` (manage): superuser: everything. Staff:
    /// everything owned by any profile in an account where `s` holds a profile. Otherwise:
    /// what `s` owns. Plus every object for which `s`, or a group of `s`, holds the model's
    /// manage permission (default `change`), on that object, model-wide (NULL object) or
    /// globally (NULL model name and NULL object), or through an unexpired share (rule 6)."
    pub fn manage(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        self.managed_by(who, model, model.manage_permission())
    }

    /// Rule 2 with the permission `name` in place of the manage permission: ownership,
    /// grants of `name` and unexpired shares holding it.
    fn managed_by(&self, who: &Who, model: Model, name: &str) -> BTreeSet<i64> {
        let mut rows = self.in_own_right(who, model, name);
        rows.extend(self.shared_rows(who, model, &[name], true));
        rows
    }

    /// Rule 2 without its shares: what the subject manages "in its own right", as owner,
    /// staff, superuser or by a grant. Rule 6: "A subject who may manage an object (rule 2)
    /// may share it"; a share that lets its receiver manage the row is passed on instead,
    /// within its depths ("A receiver ... may pass it on").
    pub fn managed_in_own_right(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        self.in_own_right(who, model, model.manage_permission())
    }

    /// Rule 2 without its shares, with the permission `name` in place of the manage
    /// permission.
    fn in_own_right(&self, who: &Who, model: Model, name: &str) -> BTreeSet<i64> {
        let Some((user, flags)) = self.entitled(who) else {
            return BTreeSet::new();
        };
        let model_wide = who.claims(&[name], model);
        self.rows_of(model)
            .filter(|&(id, row)| self.manages(who, user, flags, model, id, row, name, model_wide))
            .map(|(id, _)| id)
            .collect()
    }

    /// Whether `user` manages the row by ownership or holds `name` on it (the manage
    /// permission, for rule 2); `model_wide`: whether its whole-model grants count.
    #[allow(clippy::too_many_arguments)]
    fn manages(
        &self,
        who: &Who,
        user: i64,
        flags: User,
        model: Model,
        id: i64,
        row: &Row,
        name: &str,
        model_wide: bool,
    ) -> bool {
        self.may_own_as(who, user, flags, row.owner)
            || self.holds(user, name, model, id, true, model_wide)
    }

    /// Rule 2's ownership part, for the entitled `user` with `flags`: whether it manages
    /// the rows of the profile `owner` as superuser, as staff of the owner's account or as
    /// their owner. Rule 0: "The ownership branches need at least one profile". README: a
    /// superuser may own rows of "any existing profile": one that does not exist is no
    /// one's.
    fn may_own_as(&self, who: &Who, user: i64, flags: User, owner: i64) -> bool {
        self.profiles.contains_key(&owner)
            && !self.ownership_reasons(who, user, flags, owner).is_empty()
    }

    /// Rule 2's ownership part as the reasons it gives the entitled `user` with `flags` on
    /// the rows of the profile `owner`: superuser, staff of the owner's account, owner.
    /// Rule 0: "The ownership branches need at least one profile".
    fn ownership_reasons(&self, who: &Who, user: i64, flags: User, owner: i64) -> Vec<Reason> {
        let owner_account = self.profiles.get(&owner).map(|p| p.account);
        let staff_of_owner_account =
            flags.is_staff && owner_account.is_some_and(|a| self.accounts_of(user).contains(&a));
        [
            (Reason::Superuser, flags.is_superuser),
            (
                Reason::Owner,
                who.has_profiles && self.profiles_of(user).contains(&owner),
            ),
            (
                Reason::AccountStaff,
                who.has_profiles && staff_of_owner_account,
            ),
        ]
        .into_iter()
        .filter(|&(_, admits)| admits)
        .map(|(reason, _)| reason)
        .collect()
    }

    /// Rule 3: "`with_read_permission_for(s)`: superuser: everything. Otherwise the union
    /// of: what `s` may manage; what is owned by a staff profile in one of `s`'s accounts;
    /// what is owned by a superuser's profile; every object for which `s`, or a group of
    /// `s`, holds the read permission (default `view`), on that object, model-wide or
    /// globally, or through an unexpired share." Rule 0: the ownership branches "need at
    /// least one profile". The owners' flags count as they are: the rule does not ask
    /// whether the staff or superuser owner is active. "Manage implies read": a share
    /// holding the manage permission admits the row too. A row is read when one of its
    /// [reasons](World::read_reasons) admits it.
    pub fn read(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        self.rows_of(model)
            .map(|(id, _)| id)
            .filter(|&id| !self.read_reasons(who, model, id).is_empty())
            .collect()
    }

    /// Every way rule 3 (see [`World::read`]) admits the row `id` of `model` to the read
    /// scope of `who`: none for a row it may not read, or that does not exist.
    pub fn read_reasons(&self, who: &Who, model: Model, id: i64) -> BTreeSet<Reason> {
        let names = [model.read_permission(), model.manage_permission()];
        let mut reasons: BTreeSet<Reason> = self.shares_held(who, model, id, &names).collect();
        let (Some(row), Some((user, flags))) = (self.row(model, id), self.entitled(who)) else {
            return reasons;
        };
        reasons.extend(self.ownership_reasons(who, user, flags, row.owner));
        // The read options: rows of staff owners in the subject's accounts, and of
        // superuser owners, for a subject with a profile.
        let owner = self.owner_user(row.owner);
        let owner_account = self.profiles.get(&row.owner).map(|p| p.account);
        let accounts = self.accounts_of(user);
        let has_profile = who.has_profiles && !accounts.is_empty();
        if has_profile
            && owner.is_some_and(|o| o.is_staff)
            && owner_account.is_some_and(|a| accounts.contains(&a))
        {
            reasons.insert(Reason::OwnedByAccountStaff);
        }
        if has_profile && owner.is_some_and(|o| o.is_superuser) {
            reasons.insert(Reason::OwnedBySuperuser);
        }
        // The read and manage permissions are asked about together.
        let model_wide = who.claims(&names, model);
        for name in names {
            reasons.extend(self.grants_held(user, name, model, id, model_wide));
        }
        reasons
    }

    /// Rule 4: "`shared_with(s)`: readable by `s` and not owned by `s`", owned as the
    /// database says now, whatever profiles the snapshot holds. Rule 0 gives a subject that
    /// is anonymous, inactive or no longer exists nothing, ownership included: what it
    /// reads (shares with anyone) is all shared with it.
    pub fn shared_with(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        let owned = self.owned_now(who, model);
        self.read(who, model)
            .into_iter()
            .filter(|id| !owned.contains(id))
            .collect()
    }

    /// Rule 5: "`permitted_for(s, names)`: objects for which `s`, or a group of `s`, holds
    /// the listed names (all of them by default, any of them on request), each on that
    /// object, on that model (NULL object), or on every model (NULL model name and NULL
    /// object)." `Permitted`: "An empty list permits nothing", "a superuser is permitted
    /// everything" unless `without_superuser_bypass`; `without_groups` counts only the
    /// subject's own grants, `objects_only` only grants on the objects themselves.
    ///
    /// Rule 6: "An unexpired share counts in the scopes like a grant of its names on that
    /// object to its receiver (rules 2, 3, 5)": a grant's names and the shares' names
    /// together may hold the set ("a direct grant and a group grant may together hold the
    /// set"); `without_groups` leaves out the shares to the subject's groups as it leaves out
    /// their grants; a share is on the object itself, so `objects_only` keeps it. Rule 0:
    /// a subject given nothing else still receives the shares with anyone, which must then
    /// hold every name themselves.
    pub fn permitted_for(&self, who: &Who, model: Model, ask: &Ask) -> BTreeSet<i64> {
        if ask.names.is_empty() {
            return BTreeSet::new();
        }
        let entitled = self.entitled(who);
        if ask.superuser_bypass && entitled.is_some_and(|(_, flags)| flags.is_superuser) {
            return self.ids_of(model);
        }
        // Any-of asks about the names together, all-of about each name on its own.
        let claims_any = who.claims(&ask.names, model);
        let held = |id: i64, shared: &BTreeSet<&str>, name: &String| {
            let claimed = if ask.any {
                claims_any
            } else {
                who.claims(std::slice::from_ref(name), model)
            };
            shared.contains(name.as_str())
                || entitled.is_some_and(|(user, _)| {
                    self.holds(
                        user,
                        name,
                        model,
                        id,
                        ask.with_groups,
                        ask.model_wide && claimed,
                    )
                })
        };
        self.rows_of(model)
            .filter(|&(id, _)| {
                let shared = self.shared_names(who, model, id, ask.with_groups);
                let held = |name: &String| held(id, &shared, name);
                if ask.any {
                    ask.names.iter().any(held)
                } else {
                    ask.names.iter().all(held)
                }
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// "A single-object check answers exactly 'is this row in the scope'": `can_read`.
    pub fn can_read(&self, who: &Who, model: Model, id: i64) -> bool {
        self.read(who, model).contains(&id)
    }

    /// "A single-object check answers exactly 'is this row in the scope'": `can_manage`.
    pub fn can_manage(&self, who: &Who, model: Model, id: i64) -> bool {
        self.manage(who, model).contains(&id)
    }

    // -----------------------------------------------------------------------------------
    // Shares (rule 6)
    // -----------------------------------------------------------------------------------

    /// Rule 6: "Expiry is compared inside the statement with a time the library reads from
    /// a clock the application can replace": a share counts while it never expires or its
    /// expiry is after the subjects' clock, in milliseconds.
    pub fn unexpired(&self, share: &Share) -> bool {
        share.expires_ms.is_none_or(|expires| expires > self.now_ms)
    }

    /// Rule 6: "A receiver (the user, a member of the receiving group, anyone for an
    /// anonymous share)", expired or not. Rule 0: "Every rule gives nothing to an anonymous
    /// subject, to an inactive user, and to a user that no longer exists, except what is
    /// shared with ... anonymous": a share to a user or a group reaches only an entitled
    /// subject, its groups as the memberships are now. `with_groups` off (rule 5's
    /// `without_groups`): not through a group.
    pub fn receives(&self, who: &Who, share: &Share, with_groups: bool) -> bool {
        match share.receiver {
            Agent::Anyone => true,
            Agent::User(receiver) => self.entitled(who).is_some_and(|(user, _)| user == receiver),
            Agent::Group(group) => {
                with_groups
                    && self
                        .entitled(who)
                        .is_some_and(|(user, _)| self.members.contains(&(group, user)))
            }
        }
    }

    /// The unexpired shares of a row of `model` that `who` receives, with their uuids.
    fn received_on(
        &self,
        who: &Who,
        model: Model,
        id: i64,
        with_groups: bool,
    ) -> impl Iterator<Item = (&Uuid, &Share)> {
        let shareable = model == Model::SharedDoc;
        self.shares.iter().filter(move |(_, share)| {
            shareable
                && share.object == id
                && self.unexpired(share)
                && self.receives(who, share, with_groups)
        })
    }

    /// Rule 6: "A receiver uses every name it holds, whatever the depth": the names `who`
    /// holds on a row through unexpired shares. "Outside its root grants nobody ... holds a
    /// capability": a share holds only root names.
    pub fn shared_names(
        &self,
        who: &Who,
        model: Model,
        id: i64,
        with_groups: bool,
    ) -> BTreeSet<&str> {
        self.received_on(who, model, id, with_groups)
            .flat_map(|(_, share)| share.names.keys().map(String::as_str))
            .collect()
    }

    /// The unexpired shares of the row that `who` receives, each name of `names` they hold
    /// as the reason it gives.
    fn shares_held(
        &self,
        who: &Who,
        model: Model,
        id: i64,
        names: &[&str],
    ) -> impl Iterator<Item = Reason> {
        self.received_on(who, model, id, true)
            .flat_map(move |(&uuid, share)| {
                let to = match share.receiver {
                    Agent::User(_) => Via::User,
                    Agent::Group(group) => Via::Group(group),
                    Agent::Anyone => Via::Anyone,
                };
                share
                    .names
                    .keys()
                    .filter(|name| names.contains(&name.as_str()))
                    .map(move |name| Reason::Share {
                        share: uuid,
                        name: name.clone(),
                        to,
                    })
            })
    }

    /// Rule 6: "An unexpired share counts in the scopes like a grant of its names on that
    /// object to its receiver": the rows of `model` on which `who` holds one of `names`
    /// through a share.
    pub fn shared_rows(
        &self,
        who: &Who,
        model: Model,
        names: &[&str],
        with_groups: bool,
    ) -> BTreeSet<i64> {
        self.rows_of(model)
            .map(|(id, _)| id)
            .filter(|&id| {
                let held = self.shared_names(who, model, id, with_groups);
                names.iter().any(|name| held.contains(name))
            })
            .collect()
    }

    /// django-caps' `available`: the rows the subject owns (rule 1) and those shared with
    /// it (to it, to one of its groups, to anyone) by an unexpired share, whatever root
    /// name it holds.
    pub fn available_to(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        let roots: Vec<&str> = model.root_grants().iter().map(|(name, _)| *name).collect();
        let mut rows = self.owned_by(who, model);
        rows.extend(self.shared_rows(who, model, &roots, true));
        rows
    }

    /// The rows on which the subject holds the capability `name`: rule 6, "Outside its root
    /// grants nobody, the owner included, holds a capability (the owner's rights on shares
    /// are bounded by the root grants)"; within them the owner (rule 1) holds every one,
    /// and a receiver those its unexpired shares hold.
    pub fn with_capability_for(&self, who: &Who, model: Model, name: &str) -> BTreeSet<i64> {
        if !model.is_root_name(name) {
            return BTreeSet::new();
        }
        let mut rows = self.owned_by(who, model);
        rows.extend(self.shared_rows(who, model, &[name], true));
        rows
    }

    /// `has_capability`: a single-object check, "is this row in the scope" of
    /// [`World::with_capability_for`].
    pub fn has_capability(&self, who: &Who, model: Model, name: &str, id: i64) -> bool {
        self.with_capability_for(who, model, name).contains(&id)
    }

    /// Rule 6: "Looking a share up by its uuid answers only its receivers; for anyone else
    /// it does not exist (no hint that it does)"; django-caps' `access` finds only an
    /// unexpired share.
    pub fn access(&self, who: &Who, uuid: &Uuid) -> Option<&Share> {
        self.shares
            .get(uuid)
            .filter(|share| self.unexpired(share) && self.receives(who, share, true))
    }

    /// Whether a share's receiver exists: a grant "names users that do not exist" or
    /// groups is refused, and so is a share to them.
    fn check_receiver(&self, receiver: Agent) -> Result<(), Refusal> {
        match receiver {
            Agent::User(user) if !self.users.contains_key(&user) => {
                Err(Refusal::UnknownUsers(vec![user]))
            }
            Agent::Group(group) if !self.groups.contains(&group) => {
                Err(Refusal::UnknownGroups(vec![group]))
            }
            _ => Ok(()),
        }
    }

    /// Rule 6: "the names asked for, each capped at its root depth (no names asked: the
    /// root grants as declared); names not in the root grants are dropped", and for a share
    /// passed on "each name held with depth ≥ 1, at most at depth − 1 (no names asked:
    /// every such name at depth − 1)": of the names `available` (name → deepest depth
    /// allowed), those asked for, at most at the depth asked. "If nothing is left to pass,
    /// the share is refused with an error, never created empty."
    fn names_to_share(
        available: &BTreeMap<String, u32>,
        asked: Option<&BTreeMap<String, u32>>,
    ) -> Result<BTreeMap<String, u32>, Refusal> {
        let names: BTreeMap<String, u32> = match asked {
            None => available.clone(),
            Some(asked) => asked
                .iter()
                .filter_map(|(name, &depth)| {
                    available
                        .get(name)
                        .map(|&allowed| (name.clone(), depth.min(allowed)))
                })
                .collect(),
        };
        if names.is_empty() {
            Err(Refusal::NothingToShare)
        } else {
            Ok(names)
        }
    }

    /// An expiry asked for must be after the subject's time: "Every bad input ... is a
    /// typed error".
    fn check_expiry(&self, ask: &ShareAsk) -> Result<(), Refusal> {
        match ask.expires_ms {
            Some(expires) if expires <= self.now_ms => Err(Refusal::ExpiryNotInFuture),
            _ => Ok(()),
        }
    }

    /// `share`: rule 6, "A subject who may manage an object (rule 2) may share it with an
    /// agent", in its own right (see [`World::check_managed_in_own_right`]); "One share per
    /// (origin, receiver, object)": a first share has no origin. On success the share to
    /// add, made by the subject's user (see [`World::add_share`]).
    pub fn share(
        &self,
        who: &Who,
        model: Model,
        id: i64,
        ask: &ShareAsk,
    ) -> Result<Share, Refusal> {
        self.check_expiry(ask)?;
        self.check_managed_in_own_right(who, model, &BTreeSet::from([id]))?;
        let (emitter, _) = self.entitled(who).expect("who manages a row is entitled");
        let root = model
            .root_grants()
            .iter()
            .map(|&(name, depth)| (name.to_owned(), depth))
            .collect();
        let names = Self::names_to_share(&root, ask.names.as_ref())?;
        self.check_receiver(ask.receiver)?;
        let duplicate = self.shares.iter().find(|(_, share)| {
            share.object == id && share.origin.is_none() && share.receiver == ask.receiver
        });
        if let Some((&existing, _)) = duplicate {
            return Err(Refusal::DuplicateShare(existing));
        }
        Ok(Share {
            object: id,
            origin: None,
            emitter,
            receiver: ask.receiver,
            expires_ms: ask.expires_ms,
            names,
        })
    }

    /// `pass_on`: rule 6, "A receiver ... of an unexpired share may pass it on"; for
    /// anyone else the share "does not exist"; "an expired share cannot be passed on";
    /// "The new share's expiry is at most its origin's"; "One share per (origin,
    /// receiver, object)". Rule 0: a subject that is anonymous, inactive or no longer
    /// exists receives the shares with anyone, but is given no right of its own to make a
    /// share (anonymous is refused: a share is made by a user).
    pub fn pass_on(&self, who: &Who, uuid: &Uuid, ask: &ShareAsk) -> Result<Share, Refusal> {
        self.check_expiry(ask)?;
        let Some(origin) = self
            .shares
            .get(uuid)
            .filter(|share| self.receives(who, share, true))
        else {
            return Err(Refusal::NotFound);
        };
        let Some((emitter, _)) = self.entitled(who) else {
            return Err(Refusal::PermissionDenied);
        };
        if !self.unexpired(origin) {
            return Err(Refusal::ShareExpired(*uuid));
        }
        let passable = origin
            .names
            .iter()
            .filter(|&(_, &depth)| depth >= 1)
            .map(|(name, &depth)| (name.clone(), depth - 1))
            .collect();
        let names = Self::names_to_share(&passable, ask.names.as_ref())?;
        self.check_receiver(ask.receiver)?;
        let duplicate = self
            .shares
            .iter()
            .find(|(_, share)| share.origin == Some(*uuid) && share.receiver == ask.receiver);
        if let Some((&existing, _)) = duplicate {
            return Err(Refusal::DuplicateShare(existing));
        }
        let expires_ms = match (ask.expires_ms, origin.expires_ms) {
            (Some(asked), Some(theirs)) => Some(asked.min(theirs)),
            (asked, theirs) => asked.or(theirs),
        };
        Ok(Share {
            object: origin.object,
            origin: Some(*uuid),
            emitter,
            receiver: ask.receiver,
            expires_ms,
            names,
        })
    }

    /// Adds a share the library made under `uuid`.
    pub fn add_share(&mut self, uuid: Uuid, share: Share) {
        self.shares.insert(uuid, share);
    }

    /// `revoke_share`: by the user who made the share (entitled, rule 0) or by a subject
    /// who manages its row in its own right. Rule 6: "Deleting (revoking) a share deletes
    /// every share passed on from it, at every depth"; "Looking a share up by its uuid
    /// answers only its receivers; for anyone else it does not exist": a receiver (expired
    /// or not) is refused, anyone else finds nothing. Returns how many shares went.
    pub fn revoke_share(&mut self, who: &Who, uuid: &Uuid) -> Result<usize, Refusal> {
        let Some(share) = self.shares.get(uuid) else {
            return Err(Refusal::NotFound);
        };
        let by_emitter = self
            .entitled(who)
            .is_some_and(|(user, _)| user == share.emitter);
        let by_manager = self
            .managed_in_own_right(who, Model::SharedDoc)
            .contains(&share.object);
        if !(by_emitter || by_manager) {
            return Err(if self.receives(who, share, true) {
                Refusal::PermissionDenied
            } else {
                Refusal::NotFound
            });
        }
        let uuid = *uuid;
        Ok(self.remove_shares(|found, _| found == uuid))
    }

    /// Removes the shares `doomed` picks and, rule 6, "every share passed on from it, at
    /// every depth"; returns how many went.
    fn remove_shares(&mut self, doomed: impl Fn(Uuid, &Share) -> bool) -> usize {
        let mut gone: BTreeSet<Uuid> = self
            .shares
            .iter()
            .filter(|&(&uuid, share)| doomed(uuid, share))
            .map(|(&uuid, _)| uuid)
            .collect();
        loop {
            let passed_on: Vec<Uuid> = self
                .shares
                .iter()
                .filter(|(uuid, share)| {
                    !gone.contains(uuid) && share.origin.is_some_and(|o| gone.contains(&o))
                })
                .map(|(&uuid, _)| uuid)
                .collect();
            if passed_on.is_empty() {
                break;
            }
            gone.extend(passed_on);
        }
        self.shares.retain(|uuid, _| !gone.contains(uuid));
        gone.len()
    }

    // -----------------------------------------------------------------------------------
    // Holders and holdings
    // -----------------------------------------------------------------------------------

    /// Whether a grant's permission answers a holders question: "the name, model and
    /// object conditions hold on the same grant"; "an empty list of permissions, sources
    /// or objects matches nothing" (an empty list of model names leaves only the grants on
    /// every model: "Only grants narrowed to one of these models (and, unless
    /// `include_null_model_name` is off, grants on every model)"); `include_null_model_name(false)` and
    /// `include_null_object(false)` "exclude grants on every model or every object"; with
    /// objects, a NULL-object grant counts only when its model name is one of the objects'
    /// models or NULL; names match exactly.
    pub fn answers(question: &HoldersQuestion, permission: &Permission) -> bool {
        if !question.names.contains(&permission.name) {
            return false;
        }
        if let Some(model_names) = &question.model_names {
            let on_listed = permission
                .model_name
                .as_ref()
                .is_some_and(|m| model_names.contains(m));
            let on_every_model =
                question.include_null_model_name && permission.model_name.is_none();
            if !(on_listed || on_every_model) {
                return false;
            }
        }
        if let Some(objects) = &question.objects {
            if objects.is_empty() {
                return false;
            }
            let on_listed = match (&permission.model_name, permission.object) {
                (Some(model_name), Some(id)) => objects.contains(&(model_name.clone(), id)),
                _ => false,
            };
            let on_every_object = question.include_null_object
                && permission.object.is_none()
                && permission
                    .model_name
                    .as_ref()
                    .is_none_or(|m| objects.iter().any(|(model, _)| model == m));
            if !(on_listed || on_every_object) {
                return false;
            }
        }
        true
    }

    /// `holders(..).users()`: "The active users holding one of the permissions, directly
    /// or through a group they are a member of (inactive users hold nothing)";
    /// `direct_only`: "only users granted the permission themselves, not through a group".
    pub fn holder_users(&self, question: &HoldersQuestion) -> BTreeSet<i64> {
        let matching: Vec<Grantee> = self
            .grants
            .iter()
            .filter(|(permission, _)| Self::answers(question, permission))
            .map(|&(_, grantee)| grantee)
            .collect();
        self.users
            .iter()
            .filter(|(_, user)| user.is_active)
            .map(|(&id, _)| id)
            .filter(|&id| {
                let groups = self.groups_of(id);
                matching.iter().any(|grantee| match *grantee {
                    Grantee::User(u) => u == id,
                    Grantee::Group(g) => !question.direct_only && groups.contains(&g),
                })
            })
            .collect()
    }

    /// `holders(..).groups()`: "The groups holding one of the permissions."
    pub fn holder_groups(&self, question: &HoldersQuestion) -> BTreeSet<i64> {
        self.grants
            .iter()
            .filter(|(permission, _)| Self::answers(question, permission))
            .filter_map(|(_, grantee)| match *grantee {
                Grantee::Group(g) => Some(g),
                Grantee::User(_) => None,
            })
            .collect()
    }

    /// `permissions_of(users, groups)`: "The permissions granted to these users (directly
    /// or through their groups) and to these groups. No source, no permission." Activity
    /// does not matter here.
    pub fn permissions_of(&self, users: &[i64], groups: &[i64]) -> BTreeSet<Permission> {
        let mut sources: BTreeSet<Grantee> = users.iter().map(|&u| Grantee::User(u)).collect();
        for &user in users {
            sources.extend(self.groups_of(user).into_iter().map(Grantee::Group));
        }
        sources.extend(groups.iter().map(|&g| Grantee::Group(g)));
        self.grants
            .iter()
            .filter(|(_, grantee)| sources.contains(grantee))
            .map(|(permission, _)| permission.clone())
            .collect()
    }

    // -----------------------------------------------------------------------------------
    // Writes
    // -----------------------------------------------------------------------------------

    /// The permissions a target names, for one permission name.
    fn permissions_for(name: &str, target: &Target) -> Vec<Permission> {
        match target {
            Target::Everything => vec![Permission {
                name: name.to_owned(),
                model_name: None,
                object: None,
            }],
            Target::Model(model_name) => vec![Permission {
                name: name.to_owned(),
                model_name: Some(model_name.clone()),
                object: None,
            }],
            Target::Objects(model, ids) => ids
                .iter()
                .map(|&id| Permission {
                    name: name.to_owned(),
                    model_name: Some(model.name().to_owned()),
                    object: Some(id),
                })
                .collect(),
        }
    }

    /// `grant`: "A user, group or object that does not exist is an error and nothing is
    /// written. No grantee or no object is a no-op." Invariant: "Grants are idempotent:
    /// granting twice leaves one row". On a refusal, every reason that applies.
    pub fn grant(
        &mut self,
        name: &str,
        target: &Target,
        users: &BTreeSet<i64>,
        groups: &BTreeSet<i64>,
    ) -> Result<(), Vec<Refusal>> {
        let no_objects = matches!(target, Target::Objects(_, ids) if ids.is_empty());
        if (users.is_empty() && groups.is_empty()) || no_objects {
            return Ok(());
        }
        let mut refusals = Vec::new();
        let unknown_users: Vec<i64> = users
            .iter()
            .copied()
            .filter(|u| !self.users.contains_key(u))
            .collect();
        if !unknown_users.is_empty() {
            refusals.push(Refusal::UnknownUsers(unknown_users));
        }
        let unknown_groups: Vec<i64> = groups
            .iter()
            .copied()
            .filter(|g| !self.groups.contains(g))
            .collect();
        if !unknown_groups.is_empty() {
            refusals.push(Refusal::UnknownGroups(unknown_groups));
        }
        if let Target::Objects(model, ids) = target {
            let existing = self.ids_of(*model);
            let unknown: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !existing.contains(id))
                .collect();
            if !unknown.is_empty() {
                refusals.push(Refusal::UnknownObjects(*model, unknown));
            }
        }
        if !refusals.is_empty() {
            return Err(refusals);
        }
        for permission in Self::permissions_for(name, target) {
            for &user in users {
                self.grants
                    .insert((permission.clone(), Grantee::User(user)));
            }
            for &group in groups {
                self.grants
                    .insert((permission.clone(), Grantee::Group(group)));
            }
        }
        Ok(())
    }

    /// `revoke`: "Revoking what was never granted removes nothing and is fine"; "Only the
    /// grants to the listed users and groups go". Returns how many grants went.
    pub fn revoke(
        &mut self,
        name: &str,
        target: &Target,
        users: &BTreeSet<i64>,
        groups: &BTreeSet<i64>,
    ) -> u64 {
        let mut removed = 0;
        for permission in Self::permissions_for(name, target) {
            let grantees = users
                .iter()
                .map(|&u| Grantee::User(u))
                .chain(groups.iter().map(|&g| Grantee::Group(g)));
            for grantee in grantees {
                if self.grants.remove(&(permission.clone(), grantee)) {
                    removed += 1;
                }
            }
        }
        removed
    }

    /// Deleting rows (SeaORM's `delete_by_id`); invariant: "Deleting an owned object, by
    /// whatever path (the library, SeaORM's own `delete_by_id` ...), removes its grants and
    /// shares in the database; an id used again never inherits them", and with a share,
    /// rule 6, every share passed on from it. Returns how many rows went.
    pub fn delete_objects(&mut self, model: Model, ids: &BTreeSet<i64>) -> u64 {
        let rows = self.rows.entry(model).or_default();
        let mut deleted = 0;
        for id in ids {
            if rows.remove(id).is_some() {
                deleted += 1;
            }
        }
        self.grants.retain(|(permission, _)| {
            !(permission.model_name.as_deref() == Some(model.name())
                && permission.object.is_some_and(|o| ids.contains(&o)))
        });
        if model == Model::SharedDoc {
            self.remove_shares(|_, share| ids.contains(&share.object));
        }
        deleted
    }

    /// Whether a profile owns any row.
    fn owns_rows(&self, profile: i64) -> bool {
        Model::ALL
            .into_iter()
            .any(|model| self.rows_of(model).any(|(_, row)| row.owner == profile))
    }

    /// Whether one of a user's profiles owns a row, which keeps the user from being deleted.
    fn user_owns_rows(&self, user: i64) -> bool {
        self.profiles_of(user)
            .into_iter()
            .any(|p| self.owns_rows(p))
    }

    /// Whether `user` exists and may be deleted (see [`World::delete_user`]).
    pub fn may_delete_user(&self, user: i64) -> bool {
        self.users.contains_key(&user) && !self.user_owns_rows(user)
    }

    /// Deleting a user: its profiles, memberships and grants go with it, and the shares
    /// it made or received with everything passed on from them. Invariant: "Deleting a
    /// user, profile or group never widens anyone's access and never leaves a grant
    /// pointing at nothing"; README: "deleting a user, account or profile that still
    /// owns rows fails instead of deleting the rows or leaving them ownerless". Returns how
    /// many users went.
    pub fn delete_user(&mut self, user: i64) -> Result<u64, Refusal> {
        if !self.users.contains_key(&user) {
            return Ok(0);
        }
        if self.user_owns_rows(user) {
            return Err(Refusal::StillOwnsRows);
        }
        self.users.remove(&user);
        self.profiles.retain(|_, p| p.user != user);
        self.members.retain(|&(_, member)| member != user);
        self.grants
            .retain(|(_, grantee)| *grantee != Grantee::User(user));
        self.remove_shares(|_, share| share.emitter == user || share.receiver == Agent::User(user));
        Ok(1)
    }

    /// Deleting a user (see [`World::delete_user`]), then creating a new user with its id
    /// and `flags`: another user, with nothing of the old one's, and the id's next
    /// incarnation.
    pub fn replace_user(&mut self, user: i64, flags: User) -> Result<(), Refusal> {
        self.delete_user(user)?;
        self.users.insert(user, flags);
        *self.incarnations.entry(user).or_default() += 1;
        Ok(())
    }

    /// Deleting a profile: refused while it owns rows (see [`World::delete_user`]).
    pub fn delete_profile(&mut self, profile: i64) -> Result<u64, Refusal> {
        if !self.profiles.contains_key(&profile) {
            return Ok(0);
        }
        if self.owns_rows(profile) {
            return Err(Refusal::StillOwnsRows);
        }
        self.profiles.remove(&profile);
        Ok(1)
    }

    /// Whether a user may be given a profile in an account: both exist, and the user has
    /// no profile there yet (one profile per user and account).
    pub fn can_add_profile(&self, user: i64, account: i64) -> bool {
        self.users.contains_key(&user)
            && self.accounts.contains(&account)
            && !self
                .profiles
                .values()
                .any(|p| p.user == user && p.account == account)
    }

    /// Deleting a group: its memberships, grants and the shares to it (with everything
    /// passed on from them) go with it, so "a deleted group never keeps lending its
    /// permissions to anyone".
    pub fn delete_group(&mut self, group: i64) -> u64 {
        if !self.groups.remove(&group) {
            return 0;
        }
        self.members.retain(|&(g, _)| g != group);
        self.grants
            .retain(|(_, grantee)| *grantee != Grantee::Group(group));
        self.remove_shares(|_, share| share.receiver == Agent::Group(group));
        1
    }

    /// Clearing a user's flag. README: "deactivating, demoting or deleting a user takes
    /// effect at their next query, whatever they had loaded". Returns how many users
    /// exist with that id.
    pub fn withdraw(&mut self, user: i64, power: Power) -> u64 {
        let Some(flags) = self.users.get_mut(&user) else {
            return 0;
        };
        match power {
            Power::Active => flags.is_active = false,
            Power::Staff => flags.is_staff = false,
            Power::Superuser => flags.is_superuser = false,
        }
        1
    }

    /// Removing a user from a group. README: "Scopes read grants when they run, so a
    /// revoke, or a removal from a group, takes effect at the subject's next query."
    /// Returns how many memberships went.
    pub fn leave_group(&mut self, group: i64, user: i64) -> u64 {
        u64::from(self.members.remove(&(group, user)))
    }

    /// Whether `owner` has a row of `model` named `name`, other than `except`.
    fn name_taken(&self, model: Model, owner: i64, name: &str, except: Option<i64>) -> bool {
        self.rows_of(model)
            .any(|(id, row)| Some(id) != except && row.owner == owner && row.name == name)
    }

    /// `clone_owned`: "copies a row under a new name, owner and/or version (without a
    /// name: the first free `"<name> (clone)"`, `"<name> (clone 2)"`, ...)"; a taken name
    /// is `DuplicateName`. Returns the clone's owner and name; the caller adds the row
    /// under the id the database gave it with [`World::add_row`].
    pub fn clone_row(
        &self,
        model: Model,
        id: i64,
        owner: Option<i64>,
        name: Option<&str>,
    ) -> Result<Row, Refusal> {
        let original = self.rows[&model][&id].clone();
        let owner = owner.unwrap_or(original.owner);
        if !self.profiles.contains_key(&owner) {
            return Err(Refusal::NoSuchProfile(owner));
        }
        let name = match name {
            Some(name) if self.name_taken(model, owner, name, None) => {
                return Err(Refusal::DuplicateName {
                    owner,
                    name: name.to_owned(),
                });
            }
            Some(name) => name.to_owned(),
            None => (1..)
                .map(|n| match n {
                    1 => format!("{} (clone)", original.name),
                    n => format!("{} (clone {n})", original.name),
                })
                .find(|candidate| !self.name_taken(model, owner, candidate, None))
                .expect("a free name exists"),
        };
        Ok(Row { owner, name })
    }

    /// Adds a row.
    pub fn add_row(&mut self, model: Model, id: i64, row: Row) {
        self.rows.entry(model).or_default().insert(id, row);
    }

    /// `update_owned` moving a row to another owner: "renaming onto, or moving to an owner
    /// with, a taken name is a typed error"; the owner must be an existing profile.
    pub fn transfer(&mut self, model: Model, id: i64, to: i64) -> Result<(), Refusal> {
        let name = self.rows[&model][&id].name.clone();
        self.rewrite(model, id, Row { owner: to, name })
    }

    /// Whether `row` may be stored as the row `except` of `model`, or as a new row: the
    /// owner must be an existing profile, and invariant: "Unique (owner, name) is enforced
    /// by the database. A duplicate is a typed error that names the conflict."
    fn check_storable(&self, model: Model, row: &Row, except: Option<i64>) -> Result<(), Refusal> {
        if !self.profiles.contains_key(&row.owner) {
            return Err(Refusal::NoSuchProfile(row.owner));
        }
        if self.name_taken(model, row.owner, &row.name, except) {
            return Err(Refusal::DuplicateName {
                owner: row.owner,
                name: row.name.clone(),
            });
        }
        Ok(())
    }

    /// Replaces the existing row `id` of `model` by `row`, if it may be stored (see
    /// [`World::check_storable`]).
    fn rewrite(&mut self, model: Model, id: i64, row: Row) -> Result<(), Refusal> {
        self.check_storable(model, &row, Some(id))?;
        *self
            .rows
            .get_mut(&model)
            .and_then(|rows| rows.get_mut(&id))
            .expect("the row exists") = row;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Authorized writes (rule 9)
    // -----------------------------------------------------------------------------------

    /// Rule 9: "`insert_as(s, row)` succeeds only if `s` may manage the new row (its owner
    /// is one of `s`'s profiles; for staff, any profile of `s`'s accounts; anything for a
    /// superuser)", any existing profile (see [`World::may_own_as`]); a new row has no
    /// grant, so only the ownership part of rule 2 counts, for an entitled subject (rule 0).
    pub fn may_own(&self, who: &Who, owner: i64) -> bool {
        self.entitled(who)
            .is_some_and(|(user, flags)| self.may_own_as(who, user, flags, owner))
    }

    /// Rule 9: "A row the subject may not read is `NotFound`; one it may read but not
    /// manage is `PermissionDenied`".
    fn refusal(&self, who: &Who, model: Model, id: i64) -> Refusal {
        if self.can_read(who, model, id) {
            Refusal::PermissionDenied
        } else {
            Refusal::NotFound
        }
    }

    /// Rule 9: "granting, revoking and sharing on an object need `s` to manage it" in its
    /// own right ([`World::managed_in_own_right`]): the first of `ids` (ascending) it does
    /// not manage so is refused (see [`World::refusal`]).
    pub fn check_managed_in_own_right(
        &self,
        who: &Who,
        model: Model,
        ids: &BTreeSet<i64>,
    ) -> Result<(), Refusal> {
        let managed = self.managed_in_own_right(who, model);
        match ids.iter().find(|id| !managed.contains(id)) {
            Some(&id) => Err(self.refusal(who, model, id)),
            None => Ok(()),
        }
    }

    /// `insert_as`: rule 9 (see [`World::may_own`]), "nothing is written" when refused;
    /// then the row must be storable (see [`World::check_storable`]). On success the row
    /// to add under the id the database gives it ([`World::add_row`]).
    pub fn insert_as(
        &self,
        who: &Who,
        model: Model,
        owner: i64,
        name: &str,
    ) -> Result<Row, Refusal> {
        if !self.may_own(who, owner) {
            return Err(Refusal::PermissionDenied);
        }
        let row = Row {
            owner,
            name: name.to_owned(),
        };
        self.check_storable(model, &row, None)?;
        Ok(row)
    }

    /// `update_as`: rule 9, "`update_as` and `delete_as` change a row only if `s` may
    /// manage it" (rule 2, shares included); "changing a row's owner needs `s` to manage it
    /// under both owners", as it would a new row ([`World::may_own`]); giving the row the
    /// owner it has changes no owner. Then the row must be storable. Applied when allowed.
    pub fn update_as(
        &mut self,
        who: &Who,
        model: Model,
        id: i64,
        owner: Option<i64>,
        name: Option<&str>,
    ) -> Result<(), Refusal> {
        let Some(row) = self.row(model, id).cloned() else {
            return Err(Refusal::NotFound);
        };
        let moved = owner.filter(|&owner| owner != row.owner);
        if !self.can_manage(who, model, id) || moved.is_some_and(|to| !self.may_own(who, to)) {
            return Err(self.refusal(who, model, id));
        }
        let changed = Row {
            owner: owner.unwrap_or(row.owner),
            name: name.map_or(row.name, str::to_owned),
        };
        self.rewrite(model, id, changed)
    }

    /// Rule 9: "`update_as` and `delete_as` change a row only if `s` may manage it";
    /// README: "`delete_as` asks the delete permission beside (`#[owned(delete = "..")]`,
    /// default `delete`), held the same way: ownership gives both, a grantee needs both
    /// names (django-object-acl's `all` level; `edit` writes but does not delete), in one
    /// `DELETE` whose `WHERE` holds both scopes": rule 2, and rule 2 with the delete
    /// permission in place of the manage permission.
    pub fn deletable(&self, who: &Who, model: Model) -> BTreeSet<i64> {
        let deleting = self.managed_by(who, model, model.delete_permission());
        self.manage(who, model)
            .into_iter()
            .filter(|id| deleting.contains(id))
            .collect()
    }

    /// `delete_as`: a row is deleted only if it is [deletable](World::deletable), with its
    /// grants and shares ([`World::delete_objects`]).
    pub fn delete_as(&mut self, who: &Who, model: Model, id: i64) -> Result<(), Refusal> {
        if !self.deletable(who, model).contains(&id) {
            return Err(self.refusal(who, model, id));
        }
        self.delete_objects(model, &BTreeSet::from([id]));
        Ok(())
    }

    /// `grant_as` (one name) and `grant_level_as` (a level's names): rule 9 (see
    /// [`World::check_managed_in_own_right`]), then [`World::grant`] of each name on the
    /// rows `ids`, all or nothing.
    pub fn grant_as(
        &mut self,
        who: &Who,
        model: Model,
        names: &[&str],
        ids: &BTreeSet<i64>,
        users: &BTreeSet<i64>,
        groups: &BTreeSet<i64>,
    ) -> Result<(), Vec<Refusal>> {
        self.check_managed_in_own_right(who, model, ids)
            .map_err(|refusal| vec![refusal])?;
        let target = Target::Objects(model, ids.clone());
        let mut granted = self.clone();
        for name in names {
            granted.grant(name, &target, users, groups)?;
        }
        *self = granted;
        Ok(())
    }

    /// `revoke_as`: rule 9 (see [`World::check_managed_in_own_right`]), then
    /// [`World::revoke`] on the rows `ids`. Returns how many grants went.
    pub fn revoke_as(
        &mut self,
        who: &Who,
        model: Model,
        name: &str,
        ids: &BTreeSet<i64>,
        users: &BTreeSet<i64>,
        groups: &BTreeSet<i64>,
    ) -> Result<u64, Refusal> {
        self.check_managed_in_own_right(who, model, ids)?;
        Ok(self.revoke(name, &Target::Objects(model, ids.clone()), users, groups))
    }
}
