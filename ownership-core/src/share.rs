//! Shares as a source of access: the rows a subject receives unexpired shares of, holding
//! some permission names, as the plan's candidate lists. The operations that make and
//! revoke shares are in `sharing`.
//!
//! A share counts like a grant of its names on its row to its receiver: a user, the
//! members of a group (read from the memberships when the statement runs), or anyone.
//! Expiry is compared inside the statement with the subject's clock, read when the scope
//! is built.

use sea_orm::sea_query::{Expr, ExprTrait, Func, JoinType, Query, SelectStatement};
use sea_orm::{Condition, DbBackend, Value};

use crate::derived::derived_as;
use crate::entity::object_share::{
    EXPIRES_UNIX_MS, ID, NAME, OBJECT_ID, RECEIVER_GROUP_ID, RECEIVER_USER_ID, SHARE_ID, TO_ANYONE,
    UUID,
};
use crate::identity::Identity;
use crate::key::Key;
use crate::plan::{
    CANDIDATE_ID, CandidateSource, Keyset, NameSource, OwnedTable, PAGE_PART, ReasonSource,
    ReasonValues, reason_row, union,
};

/// The deepest a root grant may be: how many times a share may be passed on after the
/// first. A revocation deletes a share's whole chain through the database's cascades,
/// which MySQL follows at most 15 levels deep.
pub const MAX_SHARE_DEPTH: u32 = 10;

/// A name row of a share, in every statement of this source.
const SHARE_NAME: &str = "ownership_share_name";
/// A share, joined to its name row for its UUID.
const SHARE: &str = "ownership_share";
/// A group membership of the receiving user.
const MEMBERSHIP: &str = "ownership_share_membership";
/// The (object, name) pairs counted per object for a question of every name.
const HELD_PAIR: &str = "ownership_shared_pair";
/// The objects shared under every name, or the union of the receivers' objects.
const SHARED_OBJECT: &str = "ownership_shared_object";

/// Who a share is addressed to, as one arm of this source.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Receiver<'a> {
    /// This user.
    User(&'a Key),
    /// The groups this user is a member of when the statement runs.
    GroupsOf(&'a Key),
    /// Anyone.
    Anyone,
}

impl Receiver<'_> {
    /// The condition on a share (aliased `alias`) that it is addressed to this receiver;
    /// a share to a user or to anyone names no group, which makes its receiver one prefix
    /// of the (user, group, object) index.
    pub(crate) fn addressed(self, alias: &'static str) -> Condition {
        let user = Expr::col((alias, RECEIVER_USER_ID));
        let group = Expr::col((alias, RECEIVER_GROUP_ID));
        match self {
            Receiver::User(id) => Condition::all()
                .add(user.eq(Value::from(id)))
                .add(group.is_null()),
            Receiver::GroupsOf(id) => Condition::all()
                .add(group.in_subquery(Identity::current().groups_of(id, MEMBERSHIP))),
            Receiver::Anyone => with_anyone(alias),
        }
    }
}

/// The condition on a share (aliased `alias`) that it is with anyone: its flag, which the
/// planner estimates from the column's statistics (written as the column itself, not
/// compared with a bound value, which a generic plan would take for either value), and its
/// receivers, which the (user, group, object) index reads.
pub(crate) fn with_anyone(alias: &'static str) -> Condition {
    Condition::all()
        .add(Expr::col((alias, TO_ANYONE)))
        .add(Expr::col((alias, RECEIVER_USER_ID)).is_null())
        .add(Expr::col((alias, RECEIVER_GROUP_ID)).is_null())
}

/// A share (aliased `alias`) not expired at `now_ms`.
pub(crate) fn unexpired(alias: &'static str, now_ms: i64) -> Condition {
    let expires = Expr::col((alias, EXPIRES_UNIX_MS));
    Condition::any()
        .add(expires.clone().is_null())
        .add(expires.gt(now_ms))
}

/// The unexpired shares a subject receives that hold some of `names`: a source of candidate
/// rows, and of held names for a question of every name.
#[derive(Clone, Debug)]
pub(crate) struct Received<'a> {
    /// Who receives: the user, its groups, anyone; never none.
    receivers: Vec<Receiver<'a>>,
    names: &'a [&'a str],
    /// Whether a row must be shared under every one of the names, not one of them.
    every_name: bool,
    /// The subject's time, in milliseconds since the Unix epoch.
    now_ms: i64,
}

impl<'a> Received<'a> {
    /// The shares of rows with the user, `with_groups` with the groups it is a member of
    /// when the statement runs, and `with_anyone` with anyone; `None` for an entity whose
    /// rows cannot be shared (`root`, its root grants, is empty or names none of `names`).
    pub(crate) fn by_user(
        root: &[(&str, u32)],
        user: &'a Key,
        with_groups: bool,
        with_anyone: bool,
        names: &'a [&'a str],
        every_name: bool,
        now_ms: i64,
    ) -> Option<Self> {
        let mut receivers = vec![Receiver::User(user)];
        if with_groups {
            receivers.push(Receiver::GroupsOf(user));
        }
        if with_anyone {
            receivers.push(Receiver::Anyone);
        }
        Self::of(root, receivers, names, every_name, now_ms)
    }

    /// The shares with anyone; `None` for an entity whose rows cannot be shared.
    pub(crate) fn by_anyone(
        root: &[(&str, u32)],
        names: &'a [&'a str],
        every_name: bool,
        now_ms: i64,
    ) -> Option<Self> {
        Self::of(root, vec![Receiver::Anyone], names, every_name, now_ms)
    }

    fn of(
        root: &[(&str, u32)],
        receivers: Vec<Receiver<'a>>,
        names: &'a [&'a str],
        every_name: bool,
        now_ms: i64,
    ) -> Option<Self> {
        // A share holds only names of the root grants: a name outside them is held by none.
        let shareable = names
            .iter()
            .any(|name| root.iter().any(|(root, _)| root == name));
        shareable.then_some(Self {
            receivers,
            names,
            every_name,
            now_ms,
        })
    }

    /// Whether a row must be held under several names at once.
    fn needs_several(&self) -> bool {
        self.every_name && self.names.len() > 1
    }

    /// One select per receiver: `SELECT object_id AS object_alias [, name] FROM share_name
    /// WHERE <addressed to the receiver> AND <unexpired> AND name IN (names)`, on the name
    /// rows alone, which repeat their share's row, receiver and expiry.
    fn arms(
        &self,
        table: &OwnedTable,
        object_alias: &'static str,
        with_name: bool,
    ) -> Vec<SelectStatement> {
        self.receivers
            .iter()
            .map(|receiver| {
                self.arm(
                    table,
                    receiver.addressed(SHARE_NAME),
                    object_alias,
                    with_name,
                )
            })
            .collect()
    }

    /// The select of one arm, for the name rows `addressed` selects.
    fn arm(
        &self,
        table: &OwnedTable,
        addressed: Condition,
        object_alias: &'static str,
        with_name: bool,
    ) -> SelectStatement {
        let mut arm = Query::select();
        arm.expr_as(Expr::col((SHARE_NAME, OBJECT_ID)), object_alias);
        if with_name {
            arm.expr_as(Expr::col((SHARE_NAME, NAME)), NAME);
        }
        arm.from_as(table.share_names.clone(), SHARE_NAME)
            .cond_where(addressed)
            .cond_where(unexpired(SHARE_NAME, self.now_ms))
            .and_where(Expr::col((SHARE_NAME, NAME)).is_in(self.names.iter().copied()));
        arm
    }

    /// The rows shared under every one of several names: one grouped subquery, `GROUP BY
    /// object HAVING COUNT(DISTINCT name) = n`.
    fn shared_under_every_name(&self, table: &OwnedTable) -> SelectStatement {
        let pairs =
            union(self.arms(table, OBJECT_ID, true)).expect("a share source has a receiver");
        let mut objects = Query::select();
        objects
            .column((HELD_PAIR, OBJECT_ID))
            .from_subquery(pairs, HELD_PAIR)
            .group_by_col((HELD_PAIR, OBJECT_ID))
            .and_having(
                Expr::expr(Func::count_distinct(Expr::col((HELD_PAIR, NAME))))
                    .eq(self.names.len() as i64),
            );
        derived_as(objects, OBJECT_ID, SHARED_OBJECT, CANDIDATE_ID)
    }
}

impl ReasonSource for Received<'_> {
    /// Each unexpired share of the row, to a receiver of this source, holding one of the
    /// names: its name row, with its share's UUID (and the group, for one to a group).
    fn reasons(&self, table: &OwnedTable, id: &Value, backend: DbBackend) -> Vec<SelectStatement> {
        let group_key = Identity::current().groups.keyed.key;
        self.receivers
            .iter()
            .map(|receiver| {
                let (kind, group) = match receiver {
                    Receiver::User(_) => ("user_share", None),
                    Receiver::GroupsOf(_) => (
                        "group_share",
                        Some(group_key.select(Expr::col((SHARE_NAME, RECEIVER_GROUP_ID)), backend)),
                    ),
                    Receiver::Anyone => ("public_share", None),
                };
                let mut select = Query::select();
                reason_row(
                    &mut select,
                    kind,
                    ReasonValues {
                        name: Some(Expr::col((SHARE_NAME, NAME))),
                        group,
                        share: Some(Expr::col((SHARE, UUID))),
                        clause: None,
                    },
                    group_key,
                );
                select
                    .from_as(table.share_names.clone(), SHARE_NAME)
                    .join_as(
                        JoinType::InnerJoin,
                        table.shares.clone(),
                        SHARE,
                        Expr::col((SHARE, ID)).equals((SHARE_NAME, SHARE_ID)),
                    )
                    .and_where(Expr::col((SHARE_NAME, OBJECT_ID)).eq(id.clone()))
                    .cond_where(receiver.addressed(SHARE_NAME))
                    .cond_where(unexpired(SHARE_NAME, self.now_ms))
                    .and_where(Expr::col((SHARE_NAME, NAME)).is_in(self.names.iter().copied()));
                select
            })
            .collect()
    }
}

impl NameSource for Received<'_> {
    fn held_names(&self, table: &OwnedTable) -> Vec<SelectStatement> {
        self.arms(table, OBJECT_ID, true)
    }
}

impl CandidateSource for Received<'_> {
    /// The rows shared under one of the names, one list per receiver; or under every one of
    /// them, one list ([`shared_under_every_name`](Received::shared_under_every_name)).
    fn id_lists(&self, table: &OwnedTable) -> Vec<SelectStatement> {
        if self.needs_several() {
            return vec![self.shared_under_every_name(table)];
        }
        let mut arms = self.arms(table, CANDIDATE_ID, false);
        if let [arm] = arms.as_mut_slice() {
            // Alone, a list names each row once: a row may be shared with a receiver
            // several times, from different origins, and under several names.
            arm.distinct();
        }
        arms
    }

    /// One limited list per receiver (shares to the user, to its groups, to anyone), each
    /// read in object order; or, for every one of several names, the first rows of the
    /// grouped question. A share never outlives its row, so a list joins the owned table
    /// only to leave out the rows of excluded owners, or, on a page ordered by a column, to
    /// read it.
    fn page_lists(&self, table: &OwnedTable, keyset: &Keyset) -> Vec<SelectStatement> {
        if self.needs_several() {
            let mut list = Query::select();
            list.column((SHARED_OBJECT, CANDIDATE_ID))
                .from_subquery(self.shared_under_every_name(table), SHARED_OBJECT);
            keyset.join_rows(&mut list, table, Expr::col((SHARED_OBJECT, CANDIDATE_ID)));
            keyset.take(&mut list, (SHARED_OBJECT, CANDIDATE_ID));
            return vec![list];
        }
        let identity = Identity::current();
        self.receivers
            .iter()
            .map(|receiver| {
                // With `LATERAL`, the shares to the user's groups are one limited range of
                // the (group, object) index per group, as grants to groups are.
                let per_group = match receiver {
                    Receiver::GroupsOf(user) if keyset.lateral() => Some(*user),
                    _ => None,
                };
                let addressed = match per_group {
                    Some(_) => Condition::all().add(
                        Expr::col((SHARE_NAME, RECEIVER_GROUP_ID))
                            .eq(identity.membership_group(MEMBERSHIP)),
                    ),
                    None => receiver.addressed(SHARE_NAME),
                };
                let mut list = self.arm(table, addressed, CANDIDATE_ID, false);
                // A row may be shared with a receiver several times, and a duplicate would
                // take the place of another row under the limit.
                list.distinct();
                keyset.join_rows(&mut list, table, Expr::col((SHARE_NAME, OBJECT_ID)));
                keyset.take(&mut list, (SHARE_NAME, OBJECT_ID));
                let Some(user) = per_group else {
                    return list;
                };
                let mut per_group =
                    identity.per_group_of(user, MEMBERSHIP, list, PAGE_PART, CANDIDATE_ID);
                keyset.carry_key(&mut per_group, PAGE_PART);
                per_group
            })
            .collect()
    }
}
