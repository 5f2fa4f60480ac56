//! The expected answers to Q1-Q4, computed in memory from the data set with the README's
//! guardian-equivalent semantics, independently of any database.
//!
//! - A document's owner (through any of its profiles) holds `view` and `change` on it.
//! - Q1/Q2: a superuser, or a holder of a model-wide `view` (directly or through a group),
//!   sees every document; anyone else sees its per-object `view` grants (direct or through
//!   a group) and what it owns.
//! - Q3: a superuser, a per-object `view` grant (direct or through a group) or ownership;
//!   model-wide grants do not count.
//! - Q4: the users holding any per-object grant on the document (directly, or as members of
//!   a group holding one) and the owner's user; superusers are not added.
//!
//! With shares, an unexpired share holding `view` counts in Q1-Q3 like a per-object `view`
//! grant to its receiver: the user, the members of the group, or anyone. A share holding
//! only `change` does not: `permitted_for` asks for the name itself. Q4 is unchanged, as
//! holders are read from the grants.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::answers::Answers;
use crate::dataset::{Dataset, Grant};
use crate::shares::{self, Received};

/// The first page size of Q1.
pub const PAGE: usize = 50;

/// The permission Q1-Q3 ask for.
const VIEW: &str = "view";

/// The grants to users, or to groups, indexed for the four queries.
#[derive(Default)]
struct Grants {
    /// Holder -> documents it holds `view` on.
    view_by_holder: HashMap<i64, Vec<i64>>,
    /// Holders of a model-wide `view`.
    view_model_wide: HashSet<i64>,
    /// Document -> holders of any per-object permission on it.
    any_by_document: HashMap<i64, Vec<i64>>,
}

impl Grants {
    fn index(grants: &[Grant]) -> Self {
        let mut out = Self::default();
        for grant in grants {
            match grant.document_id {
                None if grant.perm == VIEW => {
                    out.view_model_wide.insert(grant.holder);
                }
                None => {}
                Some(document) => {
                    if grant.perm == VIEW {
                        out.view_by_holder
                            .entry(grant.holder)
                            .or_default()
                            .push(document);
                    }
                    out.any_by_document
                        .entry(document)
                        .or_default()
                        .push(grant.holder);
                }
            }
        }
        out
    }
}

/// Computes the expected answers for the data set's bench users and documents, counting
/// the shares `received`, if given.
pub fn answers(data: &Dataset, received: Option<&Received>) -> Answers {
    let user_grants = Grants::index(&data.user_grants);
    let group_grants = Grants::index(&data.group_grants);
    let superusers: HashSet<i64> = data
        .users
        .iter()
        .filter(|u| u.is_superuser)
        .map(|u| u.id)
        .collect();
    let profile_user: HashMap<i64, i64> = data.profiles.iter().map(|p| (p.id, p.user_id)).collect();
    let mut groups_of: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut members_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(user, group) in &data.members {
        groups_of.entry(user).or_default().push(group);
        members_of.entry(group).or_default().push(user);
    }
    let mut owned_by_user: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut owner_user: HashMap<i64, i64> = HashMap::new();
    for doc in &data.documents {
        if let Some(&user) = profile_user.get(&doc.owner_profile_id) {
            owned_by_user.entry(user).or_default().push(doc.id);
            owner_user.insert(doc.id, user);
        }
    }
    let all_documents: BTreeSet<i64> = data.documents.iter().map(|d| d.id).collect();
    let no_groups = Vec::new();

    let mut out = Answers::default();
    for user in data.bench_users.iter().map(|u| u.id) {
        let groups = groups_of.get(&user).unwrap_or(&no_groups);
        // What the user may view object by object: grants to it or its groups, and ownership.
        let mut viewable: BTreeSet<i64> = BTreeSet::new();
        let direct = user_grants.view_by_holder.get(&user).into_iter().flatten();
        let via_groups = groups
            .iter()
            .filter_map(|g| group_grants.view_by_holder.get(g))
            .flatten();
        let owned = owned_by_user.get(&user).into_iter().flatten();
        viewable.extend(direct.chain(via_groups).chain(owned).copied());
        if let Some(received) = received {
            viewable.extend(received.objects(user, shares::VIEW));
        }

        let is_superuser = superusers.contains(&user);
        let sees_all = is_superuser
            || user_grants.view_model_wide.contains(&user)
            || groups
                .iter()
                .any(|g| group_grants.view_model_wide.contains(g));
        let listed = if sees_all { &all_documents } else { &viewable };
        out.q1
            .insert(user, listed.iter().take(PAGE).copied().collect());
        out.q2.insert(user, listed.len() as u64);
        out.q3.insert(
            user,
            data.bench_docs
                .iter()
                .map(|d| d.id)
                .filter(|d| is_superuser || viewable.contains(d))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        );
    }
    for doc in data.bench_docs.iter().map(|d| d.id) {
        let mut holders: BTreeSet<i64> = BTreeSet::new();
        holders.extend(user_grants.any_by_document.get(&doc).into_iter().flatten());
        for group in group_grants.any_by_document.get(&doc).into_iter().flatten() {
            holders.extend(members_of.get(group).into_iter().flatten());
        }
        holders.extend(owner_user.get(&doc));
        out.q4.insert(doc, holders.into_iter().collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{Document, Profile, Sample, User};
    use crate::shares::{Receiver, Share};

    fn user(id: i64, is_superuser: bool) -> User {
        User {
            id,
            username: format!("user{id}"),
            is_staff: is_superuser,
            is_superuser,
        }
    }

    fn grant(holder: i64, perm: &str, document_id: Option<i64>) -> Grant {
        Grant {
            holder,
            perm: perm.into(),
            document_id,
        }
    }

    fn sample(id: i64) -> Sample {
        Sample {
            id,
            kind: "k".into(),
        }
    }

    /// Users 1 (superuser), 2 (owns 10 through its second profile, views 11, changes 12,
    /// group 7 views 13), 3 (model-wide view through group 8); documents 10..=14.
    fn small() -> Dataset {
        Dataset {
            scale: 0.0,
            seed: 0,
            counts: serde_json::Value::Null,
            accounts: vec![(1, "a".into())],
            users: vec![user(1, true), user(2, false), user(3, false)],
            profiles: [(1, 1), (2, 2), (3, 3), (4, 2)]
                .map(|(id, user_id)| Profile {
                    id,
                    user_id,
                    account_id: 1,
                })
                .to_vec(),
            groups: vec![(7, "g7".into()), (8, "g8".into())],
            members: vec![(2, 7), (3, 8)],
            documents: (10..=14)
                .map(|id| Document {
                    id,
                    name: format!("d{id}"),
                    owner_profile_id: if id == 10 { 4 } else { 1 },
                    created_at: String::new(),
                })
                .collect(),
            user_grants: vec![grant(2, "view", Some(11)), grant(2, "change", Some(12))],
            group_grants: vec![grant(7, "view", Some(13)), grant(8, "view", None)],
            bench_users: vec![sample(1), sample(2), sample(3)],
            bench_docs: vec![sample(10), sample(12), sample(13), sample(14)],
        }
    }

    #[test]
    fn follows_the_guardian_semantics() {
        let a = answers(&small(), None);
        assert_eq!(a.q1[&1], vec![10, 11, 12, 13, 14]);
        assert_eq!(a.q1[&2], vec![10, 11, 13]);
        assert_eq!(a.q1[&3], vec![10, 11, 12, 13, 14]);
        assert_eq!(a.q2[&2], 3);
        assert_eq!(a.q3[&1], vec![10, 12, 13, 14]);
        assert_eq!(a.q3[&2], vec![10, 13]);
        assert_eq!(
            a.q3[&3],
            Vec::<i64>::new(),
            "model-wide grants do not count in Q3"
        );
        assert_eq!(a.q4[&10], vec![2]);
        assert_eq!(a.q4[&12], vec![1, 2]);
        assert_eq!(a.q4[&13], vec![1, 2]);
        assert_eq!(a.q4[&14], vec![1]);
    }

    #[test]
    fn a_share_holding_view_counts_like_a_view_grant_on_its_document() {
        let data = small();
        let share = |id, object, receiver, expires_ms, names: &[(&'static str, u32)]| Share {
            id,
            uuid: Default::default(),
            object,
            origin: None,
            emitter: 1,
            receiver,
            expires_ms,
            names: names.to_vec(),
            chain: 1,
        };
        let now = 1_000;
        let shares = [
            share(1, 14, Receiver::User(2), None, &[("view", 0)]),
            share(2, 12, Receiver::User(2), Some(now + 1), &[("change", 1)]),
            share(
                3,
                12,
                Receiver::Group(8),
                None,
                &[("change", 0), ("view", 2)],
            ),
            share(4, 12, Receiver::Anyone, Some(now), &[("view", 0)]),
        ];
        let received = Received::at(&data, &shares, now);
        let a = answers(&data, Some(&received));
        assert_eq!(
            a.q1[&2],
            vec![10, 11, 13, 14],
            "change alone does not count"
        );
        assert_eq!(a.q2[&2], 4);
        assert_eq!(
            a.q3[&2],
            vec![10, 13, 14],
            "an expired share does not count"
        );
        assert_eq!(
            a.q3[&3],
            vec![12],
            "a share to a group counts for its members"
        );
        assert_eq!(
            a.q4,
            answers(&data, None).q4,
            "holders are read from grants"
        );
    }
}
