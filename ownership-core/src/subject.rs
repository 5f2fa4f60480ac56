//! Who is asking: resolved once per request, passed by reference to every scope.

use std::sync::Arc;

use crate::clock::{Clock, SubjectClock};
use crate::key::{AccountId, GroupId, ProfileId, UserId};
use crate::policy::LoadedPolicies;

/// Who is asking: anonymous, or a user with their flags, profiles and groups.
///
/// A subject is a snapshot taken by [`Subject::load`]; the scopes use it only to *narrow*
/// what they ask the database (an anonymous or inactive snapshot gets no branch of a user,
/// only the rows shared with anyone; a non-superuser snapshot gets no superuser branch). Every power
/// the snapshot claims is confirmed by the database when the scope runs, and with it that
/// the user row still carries the snapshot's security stamp, so a user deactivated,
/// demoted, removed from a group or deleted after the snapshot was taken keeps none of it,
/// nor does the snapshot get anything from a new user created later with the same id.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Subject {
    user: Option<SubjectUser>,
    clock: SubjectClock,
    policies: Option<LoadedPolicies>,
}

/// The user behind a [`Subject`], as loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectUser {
    /// The user id.
    pub id: UserId,
    /// Whether the user was active when loaded.
    pub is_active: bool,
    /// Whether the user was staff when loaded.
    pub is_staff: bool,
    /// Whether the user was a superuser when loaded.
    pub is_superuser: bool,
    /// The user's security stamp when loaded, if the identity has one: every scope
    /// requires the row with the user's id to still carry it, so the snapshot gets nothing
    /// once that row is another user's or the stamp was rotated.
    pub security_stamp: Option<String>,
    /// The user's profiles, one per account, ordered by id.
    pub profiles: Vec<SubjectProfile>,
    /// The ids of the user's groups, ascending.
    pub group_ids: Vec<GroupId>,
    /// The grants on every object of a model, or of every model, that the user held
    /// directly or through its groups, ordered.
    pub whole_model_grants: Vec<WholeModelGrant>,
}

/// A permission held on every object of one model, or of every model.
///
/// The scopes use the snapshot's list only to choose the shape of their statement (a
/// subject that sees every row is best served by reading the table in order); whether the
/// grant is still held is read from the tables when the scope runs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct WholeModelGrant {
    /// The permission's name.
    pub name: String,
    /// The model, or `None` for every model.
    pub model_name: Option<String>,
}

impl WholeModelGrant {
    /// Whether this grant covers `name` on every object of `model_name`.
    pub fn covers(&self, name: &str, model_name: &str) -> bool {
        self.name == name && self.model_name.as_deref().is_none_or(|m| m == model_name)
    }
}

/// One of a subject's user profiles: the user's membership in one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectProfile {
    /// The profile id (what owned rows store in their owner column).
    pub id: ProfileId,
    /// The account the profile belongs to.
    pub account_id: AccountId,
}

impl Subject {
    /// Nobody: an anonymous subject reaches only rows shared with anyone.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// The subject of a loaded user.
    pub(crate) fn of_user(user: SubjectUser) -> Self {
        Self {
            user: Some(user),
            ..Self::default()
        }
    }

    /// The same subject, deciding by these policies.
    pub(crate) fn with_policies(mut self, policies: Option<LoadedPolicies>) -> Self {
        self.policies = policies;
        self
    }

    /// The policies the subject was loaded with: its user's, or for an anonymous subject
    /// loaded with [`Subject::load_anonymous`] those of anyone not signed in.
    pub(crate) fn policies(&self) -> Option<&LoadedPolicies> {
        self.policies.as_ref()
    }

    /// The same subject, reading the current time from `clock` instead of the system's:
    /// its scopes count a share as unexpired until that clock passes the share's expiry.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = SubjectClock::Given(clock);
        self
    }

    /// The current time by the subject's clock, in milliseconds since the Unix epoch.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The user, or `None` for an anonymous subject.
    pub fn user(&self) -> Option<&SubjectUser> {
        self.user.as_ref()
    }

    /// The user id, or `None` for an anonymous subject.
    pub fn user_id(&self) -> Option<&UserId> {
        self.user.as_ref().map(|u| &u.id)
    }

    /// Whether nobody is asking.
    pub fn is_anonymous(&self) -> bool {
        self.user.is_none()
    }

    /// The user if the snapshot says it may be granted anything at all: known and active.
    pub(crate) fn active_user(&self) -> Option<&SubjectUser> {
        self.user.as_ref().filter(|u| u.is_active)
    }
}

impl SubjectUser {
    /// The ids of the user's profiles, ascending.
    pub fn profile_ids(&self) -> impl Iterator<Item = &ProfileId> + '_ {
        self.profiles.iter().map(|p| &p.id)
    }

    /// The ids of the accounts the user holds a profile in.
    pub fn account_ids(&self) -> impl Iterator<Item = &AccountId> + '_ {
        self.profiles.iter().map(|p| &p.account_id)
    }
}
