//! The shares of the benchmark: generated in memory from the data set with a fixed seed
//! (the shared generator knows nothing of shares), loaded next to the grants, and indexed
//! for the expected answers.
//!
//! Shares go where grants go: their documents and receivers are drawn from the per-object
//! grants, so the users and documents with many grants also receive many shares. Most are
//! addressed to a user, some to a group, a very few to anyone (such a share reaches every
//! subject). About 30% are passed on from another share, in chains of two or three shares,
//! each holding its origin's names that may be passed on, one level shallower, and expiring
//! no later than its origin. Every bench user receives a few shares of its own, so that the
//! answers with shares differ from those without for most of them (not for a subject who
//! sees every document anyway).
//!
//! An expiry is either before the run starts or at least a day after: the answers are the
//! same whenever during the run a statement reads the clock.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, SystemTime};

use ownership_core::{Agent, OwnershipShares, Share as StoredShare, SharedName, Subject, Uuid};
use sea_orm::DatabaseConnection;
use serde_json::{Value as Json, json};

use crate::dataset::Dataset;
use crate::document::shareable;
use crate::error::Result;
use crate::rng::Rng;

/// Shares at scale 1; the count is proportional to the scale.
const SHARES_AT_SCALE_1: f64 = 200_000.0;

/// The fewest shares of a run, whatever its scale.
const MIN_SHARES: usize = 100;

/// The part of the shares passed on from another share.
const PASSED: f64 = 0.3;

/// How often a share passed on is passed on once more (a chain of three).
const PASSED_AGAIN: f64 = 0.4;

/// One share with anyone per this many shares, and at least [`MIN_ANYONE`].
const SHARES_PER_ANYONE: usize = 10_000;
const MIN_ANYONE: usize = 2;

/// The part of first shares addressed to a group (the rest, but those with anyone, to a
/// user), and of shares passed on.
const TO_GROUP: f64 = 0.15;
const PASSED_TO_GROUP: f64 = 0.1;

/// First shares addressed to each bench user.
const PER_BENCH_USER: usize = 4;

/// The part of first shares already expired when the run starts; a share passed on also
/// expires with its origin.
const EXPIRED: f64 = 0.12;
const PASSED_EXPIRED: f64 = 0.05;

/// The part of shares that never expire; the others expire in a day to a year.
const NEVER_EXPIRES: f64 = 0.4;

/// Mixed into the data set's seed.
const SEED: u64 = 0x5eed_0f5a_a4e5_0001;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The names of a first share (as the shareable entity's root grants allow: `view` up to
/// depth 2, `change` up to 1), with their weights.
const FIRST_NAMES: [(&[(&str, u32)], u32); 7] = [
    (&[("view", 2)], 35),
    (&[("change", 1), ("view", 2)], 25),
    (&[("view", 1)], 10),
    (&[("view", 0)], 10),
    (&[("change", 1)], 10),
    (&[("change", 0)], 5),
    (&[("change", 0), ("view", 1)], 5),
];

/// The permission names a share holds, as bits.
pub const VIEW: u8 = 1;
/// See [`VIEW`].
pub const CHANGE: u8 = 2;

/// Who a share is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Receiver {
    /// One user.
    User(i64),
    /// The members of a group.
    Group(i64),
    /// Anyone.
    Anyone,
}

/// One generated share, as loaded into `document_share` and `document_share_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// Its row id, from 1 in generation order: an origin always comes first.
    pub id: i64,
    /// Its public handle.
    pub uuid: Uuid,
    /// The document.
    pub object: i64,
    /// The share it was passed on from.
    pub origin: Option<i64>,
    /// The user who made it: the document's owner, or a receiver of the origin.
    pub emitter: i64,
    /// Who receives it.
    pub receiver: Receiver,
    /// Expiry, in milliseconds since the Unix epoch; `None`: never.
    pub expires_ms: Option<i64>,
    /// The names it holds and their depths, by name.
    pub names: Vec<(&'static str, u32)>,
    /// 1 for a first share, 2 or 3 along a chain.
    pub chain: u8,
}

impl Share {
    /// Its names as bits.
    pub fn bits(&self) -> u8 {
        self.names.iter().fold(0, |bits, (name, _)| {
            bits | match *name {
                "view" => VIEW,
                "change" => CHANGE,
                _ => 0,
            }
        })
    }

    /// Whether it no longer counts at `now_ms`: the library's `expires <= now`.
    pub fn is_expired_at(&self, now_ms: i64) -> bool {
        self.expires_ms.is_some_and(|expires| expires <= now_ms)
    }

    /// Whether it holds a name that may be passed on.
    fn passable(&self) -> bool {
        self.names.iter().any(|(_, depth)| *depth >= 1)
    }
}

/// What the generator draws from.
struct Pools {
    /// Documents, once per per-object grant on them (all documents if none has one).
    documents: Vec<i64>,
    /// Users, once per per-object grant they hold (all users if none holds one).
    users: Vec<i64>,
    /// Groups with members, once per per-object grant they hold (all such groups if none
    /// holds one).
    groups: Vec<i64>,
    owner_user: HashMap<i64, i64>,
    members_of: HashMap<i64, Vec<i64>>,
}

impl Pools {
    fn of(data: &Dataset) -> Self {
        let profile_user: HashMap<i64, i64> =
            data.profiles.iter().map(|p| (p.id, p.user_id)).collect();
        let owner_user = data
            .documents
            .iter()
            .filter_map(|d| Some((d.id, *profile_user.get(&d.owner_profile_id)?)))
            .collect();
        let mut members_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for &(user, group) in &data.members {
            members_of.entry(group).or_default().push(user);
        }
        let or_all = |drawn: Vec<i64>, all: Vec<i64>| if drawn.is_empty() { all } else { drawn };
        let per_object = data.user_grants.iter().chain(&data.group_grants);
        let documents = or_all(
            per_object.filter_map(|g| g.document_id).collect(),
            data.documents.iter().map(|d| d.id).collect(),
        );
        let users = or_all(
            data.user_grants
                .iter()
                .filter(|g| g.document_id.is_some())
                .map(|g| g.holder)
                .collect(),
            data.users.iter().map(|u| u.id).collect(),
        );
        let mut with_members: Vec<i64> = members_of.keys().copied().collect();
        with_members.sort_unstable();
        let groups = or_all(
            data.group_grants
                .iter()
                .filter(|g| g.document_id.is_some() && members_of.contains_key(&g.holder))
                .map(|g| g.holder)
                .collect(),
            with_members,
        );
        Self {
            documents,
            users,
            groups,
            owner_user,
            members_of,
        }
    }
}

/// The generator's state: the shares so far, and the (origin, receiver, document) triples
/// taken, of which the library allows one share each.
struct Generator<'a> {
    rng: Rng,
    pools: &'a Pools,
    start_ms: i64,
    shares: Vec<Share>,
    taken: HashSet<(Option<i64>, Receiver, i64)>,
}

/// How many times a draw that collides with a share already made is tried again.
const ATTEMPTS: usize = 100;

impl Generator<'_> {
    /// An expiry: already past with probability `expired`, never, or in a day to a year.
    fn expiry(&mut self, expired: f64) -> Option<i64> {
        if self.rng.chance(expired) {
            let ago = HOUR_MS + self.rng.below(60 * DAY_MS as u64) as i64;
            Some(self.start_ms - ago)
        } else if self.rng.chance(NEVER_EXPIRES / (1.0 - expired)) {
            None
        } else {
            Some(self.start_ms + DAY_MS + self.rng.below(365 * DAY_MS as u64) as i64)
        }
    }

    fn first_names(&mut self) -> Vec<(&'static str, u32)> {
        let total: u32 = FIRST_NAMES.iter().map(|(_, weight)| weight).sum();
        let mut at = self.rng.below(u64::from(total)) as u32;
        for (names, weight) in FIRST_NAMES {
            if at < weight {
                return names.to_vec();
            }
            at -= weight;
        }
        unreachable!("the weights add up to the total")
    }

    fn push(&mut self, mut share: Share) -> usize {
        share.id = self.shares.len() as i64 + 1;
        share.uuid = self.rng.uuid();
        self.taken
            .insert((share.origin, share.receiver, share.object));
        self.shares.push(share);
        self.shares.len() - 1
    }

    /// A first share, by the document's owner, to `receiver` (drawn when `None`); `false`
    /// if every draw collided.
    fn first(&mut self, receiver: Option<Receiver>) -> bool {
        let pools = self.pools;
        for _ in 0..ATTEMPTS {
            let object = self.rng.pick(&pools.documents);
            let Some(&owner) = pools.owner_user.get(&object) else {
                continue;
            };
            let receiver = receiver.unwrap_or_else(|| {
                if !pools.groups.is_empty() && self.rng.chance(TO_GROUP) {
                    Receiver::Group(self.rng.pick(&pools.groups))
                } else {
                    Receiver::User(self.rng.pick(&pools.users))
                }
            });
            if receiver == Receiver::User(owner) || self.taken.contains(&(None, receiver, object)) {
                continue;
            }
            let names = self.first_names();
            let expires_ms = self.expiry(EXPIRED);
            self.push(Share {
                id: 0,
                uuid: Uuid::nil(),
                object,
                origin: None,
                emitter: owner,
                receiver,
                expires_ms,
                names,
                chain: 1,
            });
            return true;
        }
        false
    }

    /// Passes the share at `origin` on, by one of its receivers, to another user or group;
    /// the index of the new share, or `None` if every draw collided.
    fn pass_on(&mut self, origin: usize) -> Option<usize> {
        let pools = self.pools;
        let from = self.shares[origin].clone();
        let emitter = match from.receiver {
            Receiver::User(user) => user,
            Receiver::Group(group) => self.rng.pick(&pools.members_of[&group]),
            Receiver::Anyone => self.rng.pick(&pools.users),
        };
        for _ in 0..ATTEMPTS {
            let receiver = if !pools.groups.is_empty() && self.rng.chance(PASSED_TO_GROUP) {
                Receiver::Group(self.rng.pick(&pools.groups))
            } else {
                Receiver::User(self.rng.pick(&pools.users))
            };
            if receiver == Receiver::User(emitter)
                || receiver == from.receiver
                || self.taken.contains(&(Some(from.id), receiver, from.object))
            {
                continue;
            }
            let mut names: Vec<(&'static str, u32)> = from
                .names
                .iter()
                .filter(|(_, depth)| *depth >= 1)
                .map(|(name, depth)| (*name, depth - 1))
                .collect();
            // Now and then only some of what may be passed on.
            if names.len() > 1 && self.rng.chance(0.25) {
                names.remove(self.rng.below(names.len() as u64) as usize);
            }
            let own = self.expiry(PASSED_EXPIRED);
            let expires_ms = match (from.expires_ms, own) {
                (None, own) => own,
                (Some(limit), None) => Some(limit),
                (Some(limit), Some(own)) => Some(own.min(limit)),
            };
            return Some(self.push(Share {
                id: 0,
                uuid: Uuid::nil(),
                object: from.object,
                origin: Some(from.id),
                emitter,
                receiver,
                expires_ms,
                names,
                chain: from.chain + 1,
            }));
        }
        None
    }
}

/// How many shares a data set of `scale` gets.
pub fn count_at(scale: f64) -> usize {
    ((SHARES_AT_SCALE_1 * scale).round() as usize).max(MIN_SHARES)
}

/// The shares of the data set, for a run that starts at `start_ms`: the same data set gives
/// the same shares, with their expiries at the same offsets from the start.
pub fn generate(data: &Dataset, start_ms: i64) -> Vec<Share> {
    let pools = Pools::of(data);
    if pools.documents.is_empty() || pools.users.is_empty() {
        return Vec::new();
    }
    let total = count_at(data.scale);
    let passed = (total as f64 * PASSED).round() as usize;
    let mut generator = Generator {
        rng: Rng::seeded(SEED ^ data.seed as u64),
        pools: &pools,
        start_ms,
        shares: Vec::with_capacity(total),
        taken: HashSet::with_capacity(total),
    };
    for sample in &data.bench_users {
        for _ in 0..PER_BENCH_USER {
            generator.first(Some(Receiver::User(sample.id)));
        }
    }
    for _ in 0..(total / SHARES_PER_ANYONE).max(MIN_ANYONE) {
        generator.first(Some(Receiver::Anyone));
    }
    let mut misses = 0;
    while generator.shares.len() < total - passed && misses < ATTEMPTS {
        if !generator.first(None) {
            misses += 1;
        }
    }
    let passable: Vec<usize> = (0..generator.shares.len())
        .filter(|&i| generator.shares[i].passable())
        .collect();
    misses = 0;
    while !passable.is_empty() && generator.shares.len() < total && misses < ATTEMPTS {
        let origin = generator.rng.pick(&passable);
        let Some(passed) = generator.pass_on(origin) else {
            misses += 1;
            continue;
        };
        if generator.shares.len() < total
            && generator.shares[passed].passable()
            && generator.rng.chance(PASSED_AGAIN)
        {
            generator.pass_on(passed);
        }
    }
    generator.shares
}

/// The counts of a run's shares, for the reports: name and count, in report order.
pub fn summary(shares: &[Share], start_ms: i64) -> Vec<(&'static str, usize)> {
    let count = |keep: &dyn Fn(&Share) -> bool| shares.iter().filter(|s| keep(s)).count();
    vec![
        ("shares", shares.len()),
        ("first", count(&|s| s.origin.is_none())),
        ("passed_on_once", count(&|s| s.chain == 2)),
        ("passed_on_twice", count(&|s| s.chain == 3)),
        (
            "to_a_user",
            count(&|s| matches!(s.receiver, Receiver::User(_))),
        ),
        (
            "to_a_group",
            count(&|s| matches!(s.receiver, Receiver::Group(_))),
        ),
        ("to_anyone", count(&|s| s.receiver == Receiver::Anyone)),
        ("expired_at_start", count(&|s| s.is_expired_at(start_ms))),
        ("never_expire", count(&|s| s.expires_ms.is_none())),
        ("holding_view", count(&|s| s.bits() & VIEW != 0)),
        ("holding_change_only", count(&|s| s.bits() == CHANGE)),
        ("names", shares.iter().map(|s| s.names.len()).sum()),
    ]
}

/// The summary as a JSON object.
pub fn summary_json(summary: &[(&str, usize)]) -> Json {
    Json::Object(
        summary
            .iter()
            .map(|(name, count)| ((*name).to_owned(), json!(count)))
            .collect(),
    )
}

/// The unexpired shares at one time, by receiver, with the group memberships: what each
/// user receives.
pub struct Received {
    by_user: HashMap<i64, Vec<(i64, u8)>>,
    by_group: HashMap<i64, Vec<(i64, u8)>>,
    anyone: Vec<(i64, u8)>,
    groups_of: HashMap<i64, Vec<i64>>,
}

impl Received {
    /// The shares unexpired at `now_ms`, received as the data set's memberships say.
    pub fn at(data: &Dataset, shares: &[Share], now_ms: i64) -> Self {
        let mut out = Self {
            by_user: HashMap::new(),
            by_group: HashMap::new(),
            anyone: Vec::new(),
            groups_of: HashMap::new(),
        };
        for &(user, group) in &data.members {
            out.groups_of.entry(user).or_default().push(group);
        }
        for share in shares.iter().filter(|s| !s.is_expired_at(now_ms)) {
            let held = (share.object, share.bits());
            match share.receiver {
                Receiver::User(user) => out.by_user.entry(user).or_default().push(held),
                Receiver::Group(group) => out.by_group.entry(group).or_default().push(held),
                Receiver::Anyone => out.anyone.push(held),
            }
        }
        out
    }

    /// The documents `user` receives a share of holding one of the names `bits`: shares
    /// to it, to one of its groups, to anyone.
    pub fn objects(&self, user: i64, bits: u8) -> BTreeSet<i64> {
        let groups = self.groups_of.get(&user).into_iter().flatten();
        self.by_user
            .get(&user)
            .into_iter()
            .chain(groups.filter_map(|group| self.by_group.get(group)))
            .flatten()
            .chain(&self.anyone)
            .filter(|(_, held)| held & bits != 0)
            .map(|(object, _)| *object)
            .collect()
    }
}

/// How the library reads some of the loaded shares back, against the generated ones: every
/// share of a few documents (a first share to a user, to a group and to anyone, and the
/// documents of the first chains of two and three), listed by the document's owner, and the
/// first chain of three as its last share's chain. One line per difference.
pub async fn read_back(
    db: &DatabaseConnection,
    data: &Dataset,
    shares: &[Share],
) -> Result<Vec<String>> {
    let mut differences = Vec::new();
    let first = |keep: &dyn Fn(&Share) -> bool| shares.iter().find(|s| keep(s));
    let probes = [
        first(&|s| matches!(s.receiver, Receiver::User(_))),
        first(&|s| matches!(s.receiver, Receiver::Group(_))),
        first(&|s| s.receiver == Receiver::Anyone),
        first(&|s| s.chain == 2),
        first(&|s| s.chain == 3),
    ];
    let documents: BTreeSet<i64> = probes.iter().flatten().map(|s| s.object).collect();
    let pools = Pools::of(data);
    let by_id: HashMap<i64, &Share> = shares.iter().map(|s| (s.id, s)).collect();
    for document in documents {
        let Some(&owner) = pools.owner_user.get(&document) else {
            continue;
        };
        let owner = Subject::load(db, owner.into()).await?;
        let stored = shareable::Entity::shares_of(db, &owner, document).await?;
        let generated: Vec<StoredShare> = shares
            .iter()
            .filter(|s| s.object == document)
            .map(|s| as_stored(s, &by_id))
            .collect();
        if stored != generated {
            differences.push(format!(
                "shares of document {document} read back: expected {generated:?}, got {stored:?}"
            ));
        }
        if let Some(last) = probes[4].filter(|s| s.object == document) {
            let chain = shareable::Entity::share_chain(db, &owner, last.uuid).await?;
            let mut expected = vec![as_stored(last, &by_id)];
            while let Some(origin) = expected[0].origin {
                let Some(share) = shares.iter().find(|s| s.uuid == origin) else {
                    break;
                };
                expected.insert(0, as_stored(share, &by_id));
            }
            if chain != expected {
                differences.push(format!(
                    "chain of share {} read back: expected {expected:?}, got {chain:?}",
                    last.id
                ));
            }
        }
    }
    Ok(differences)
}

/// A generated share as the library returns it.
fn as_stored(share: &Share, by_id: &HashMap<i64, &Share>) -> StoredShare {
    let mut names: Vec<SharedName> = share
        .names
        .iter()
        .map(|(name, depth)| SharedName {
            name: (*name).to_owned(),
            depth: *depth,
        })
        .collect();
    names.sort();
    StoredShare {
        uuid: share.uuid,
        object_id: share.object.into(),
        origin: share.origin.and_then(|id| by_id.get(&id)).map(|s| s.uuid),
        emitter: share.emitter.into(),
        receiver: match share.receiver {
            Receiver::User(user) => Agent::User(user.into()),
            Receiver::Group(group) => Agent::Group(group.into()),
            Receiver::Anyone => Agent::Anyone,
        },
        expires_at: share.expires_ms.map(|ms| {
            SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
        }),
        names,
    }
}

/// Per bench user, the first page of what it reads with shares, from the first page of
/// what it reads without them (`plain`, as the database answered) and the documents it
/// receives a share of holding `view` or `change`. A read scope with shares is the scope
/// without them plus those documents, and a row of the scope without them past its first
/// page cannot enter the first page of the union.
pub fn read_pages(
    plain: &BTreeMap<i64, Vec<i64>>,
    received: &Received,
    page: usize,
) -> BTreeMap<i64, Vec<i64>> {
    plain
        .iter()
        .map(|(&user, ids)| {
            let mut union = received.objects(user, VIEW | CHANGE);
            union.extend(ids);
            (user, union.into_iter().take(page).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Document, Grant, Profile, Sample, User};

    /// `users` users (one profile each), 4 groups (user `u` in group `(u - 1) % 8 + 1` if
    /// that is at most 4), `documents` documents owned round-robin, each user and group
    /// holding grants on 10 documents; bench users 1..=5.
    fn data_of(users: i64, documents: i64, scale: f64) -> Dataset {
        let users: Vec<i64> = (1..=users).collect();
        let n_users = users.len() as i64;
        let grant = |holder: i64, document: i64| Grant {
            holder,
            perm: "view".into(),
            document_id: Some(document),
        };
        Dataset {
            scale,
            seed: 42,
            counts: Json::Null,
            accounts: vec![(1, "a".into())],
            users: users
                .iter()
                .map(|&id| User {
                    id,
                    username: format!("u{id}"),
                    is_staff: false,
                    is_superuser: false,
                })
                .collect(),
            profiles: users
                .iter()
                .map(|&id| Profile {
                    id,
                    user_id: id,
                    account_id: 1,
                })
                .collect(),
            groups: (1..=4).map(|g| (g, format!("g{g}"))).collect(),
            members: users
                .iter()
                .map(|&u| (u, (u - 1) % 8 + 1))
                .filter(|m| m.1 <= 4)
                .collect(),
            documents: (1..=documents)
                .map(|id| Document {
                    id,
                    name: format!("d{id}"),
                    owner_profile_id: id % n_users + 1,
                    created_at: String::new(),
                })
                .collect(),
            user_grants: users
                .iter()
                .flat_map(|&u| (0..10).map(move |k| grant(u, (u * 7 + k * 13) % documents + 1)))
                .collect(),
            group_grants: (1..=4)
                .flat_map(|g| (0..10).map(move |k| grant(g, (g * 11 + k * 17) % documents + 1)))
                .collect(),
            bench_users: (1..=5)
                .map(|id| Sample {
                    id,
                    kind: "k".into(),
                })
                .collect(),
            bench_docs: Vec::new(),
        }
    }

    fn data() -> Dataset {
        data_of(40, 400, 0.001)
    }

    const START: i64 = 1_700_000_000_000;

    #[test]
    fn scale_1_gets_200_000_shares_and_a_tiny_scale_a_handful() {
        assert_eq!(count_at(1.0), 200_000);
        assert_eq!(count_at(0.01), 2_000);
        assert_eq!(count_at(0.0001), MIN_SHARES);
        // Data with as many shares as scale 1, on fewer users and documents.
        let shares = generate(&data_of(2_000, 20_000, 1.0), START);
        let summary: HashMap<&str, usize> = summary(&shares, START).into_iter().collect();
        assert_eq!(summary["shares"], 200_000);
        assert_eq!(summary["to_anyone"], 20);
        assert_proportions(&summary);
    }

    /// About 30% passed on, some twice, and 10-20% expired.
    fn assert_proportions(summary: &HashMap<&str, usize>) {
        let total = summary["shares"] as f64;
        let passed = (summary["passed_on_once"] + summary["passed_on_twice"]) as f64;
        assert!((0.25..=0.35).contains(&(passed / total)), "{summary:?}");
        assert!(summary["passed_on_twice"] > 0, "{summary:?}");
        let expired = summary["expired_at_start"] as f64 / total;
        assert!((0.1..=0.2).contains(&expired), "{summary:?}");
    }

    #[test]
    fn shares_are_deterministic_and_follow_the_sharing_rules() {
        let data = data();
        let shares = generate(&data, START);
        assert_eq!(
            shares,
            generate(&data, START),
            "same data, same start: same shares"
        );
        assert_eq!(shares.len(), count_at(data.scale));
        let by_id: HashMap<i64, &Share> = shares.iter().map(|s| (s.id, s)).collect();
        let mut taken = HashSet::new();
        for (k, share) in shares.iter().enumerate() {
            assert_eq!(share.id, k as i64 + 1);
            assert!(!share.names.is_empty(), "{share:?}");
            assert!(taken.insert((share.origin, share.receiver, share.object)));
            assert_eq!(share.uuid.get_version_num(), 4);
            if let Some(expires) = share.expires_ms {
                assert!(!(START..START + DAY_MS).contains(&expires), "{share:?}");
            }
            let Some(origin) = share.origin else {
                assert_eq!(share.chain, 1);
                continue;
            };
            let origin = by_id[&origin];
            assert!(origin.id < share.id && origin.object == share.object);
            assert_eq!(share.chain, origin.chain + 1);
            for (name, depth) in &share.names {
                assert!(
                    origin.names.contains(&(name, depth + 1)),
                    "{share:?} from {origin:?}"
                );
            }
            match (origin.expires_ms, share.expires_ms) {
                (Some(limit), Some(expires)) => assert!(expires <= limit),
                (Some(_), None) => panic!("outlives its origin: {share:?}"),
                _ => {}
            }
        }
        let summary: HashMap<&str, usize> = summary(&shares, START).into_iter().collect();
        assert!(summary["to_anyone"] >= MIN_ANYONE);
        assert_proportions(&summary);
        for user in 1..=5 {
            assert!(
                shares.iter().any(|s| s.receiver == Receiver::User(user)),
                "bench user {user} receives shares"
            );
        }
    }

    #[test]
    fn first_shares_hold_only_the_root_grants() {
        use ownership_core::OwnedEntity;
        let root = shareable::Entity::SHARE_ROOT;
        for (names, _) in FIRST_NAMES {
            for (name, depth) in names {
                assert!(
                    root.iter().any(|(r, d)| r == name && depth <= d),
                    "{name} = {depth} is not within the root grants {root:?}"
                );
            }
        }
    }

    #[test]
    fn received_shares_are_unexpired_and_reach_members_and_everyone() {
        let data = data();
        let share = |id, object, receiver, expires_ms, names: &[(&'static str, u32)]| Share {
            id,
            uuid: Uuid::nil(),
            object,
            origin: None,
            emitter: 40,
            receiver,
            expires_ms,
            names: names.to_vec(),
            chain: 1,
        };
        let shares = [
            share(1, 10, Receiver::User(1), None, &[("view", 0)]),
            share(2, 11, Receiver::User(1), Some(START), &[("view", 0)]),
            share(3, 12, Receiver::User(1), Some(START + 1), &[("change", 0)]),
            share(4, 13, Receiver::Group(1), None, &[("view", 1)]),
            share(5, 14, Receiver::Anyone, None, &[("view", 0)]),
        ];
        let received = Received::at(&data, &shares, START);
        // User 1 is in group 1, user 2 in group 2.
        assert_eq!(received.objects(1, VIEW), BTreeSet::from([10, 13, 14]));
        assert_eq!(
            received.objects(1, VIEW | CHANGE),
            BTreeSet::from([10, 12, 13, 14])
        );
        assert_eq!(received.objects(2, VIEW | CHANGE), BTreeSet::from([14]));
        let plain = BTreeMap::from([(1, vec![1, 2, 20]), (2, vec![])]);
        let pages = read_pages(&plain, &received, 4);
        assert_eq!(pages[&1], [1, 2, 10, 12]);
        assert_eq!(pages[&2], [14]);
    }
}
