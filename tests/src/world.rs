//! Building worlds: accounts, users, profiles, groups and owned documents.

use std::collections::BTreeSet;

use ownership_core::entity::{account, group, group_member, user, user_profile};
use ownership_core::{Grantees, ObjectRef, OwnedEntity, ScopePage, Subject, Target, grant};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, ModelTrait, QuerySelect, Select,
    Set, Value,
};

use crate::entities::{admin_note, counter, document, hr_note, note};

/// What kind of user to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Active, neither staff nor superuser.
    Regular,
    /// Active staff.
    Staff,
    /// Active superuser (and staff).
    Superuser,
    /// Inactive, otherwise regular.
    Inactive,
}

/// Creates an account.
pub async fn account(db: &DatabaseConnection, name: &str) -> i64 {
    account::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert account")
    .id
}

/// A user to insert, its id and security stamp left to the database.
pub fn new_user(username: &str, role: Role) -> user::ActiveModel {
    user::ActiveModel {
        username: Set(username.to_owned()),
        is_active: Set(role != Role::Inactive),
        is_staff: Set(matches!(role, Role::Staff | Role::Superuser)),
        is_superuser: Set(role == Role::Superuser),
        ..Default::default()
    }
}

/// Creates a user.
pub async fn user(db: &DatabaseConnection, username: &str, role: Role) -> i64 {
    new_user(username, role)
        .insert(db)
        .await
        .expect("insert user")
        .id
}

/// Gives a user a profile in an account.
pub async fn profile(db: &DatabaseConnection, user_id: i64, account_id: i64) -> i64 {
    user_profile::ActiveModel {
        user_id: Set(user_id),
        account_id: Set(account_id),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert profile")
    .id
}

/// Creates a group with members.
pub async fn group(db: &DatabaseConnection, name: &str, members: &[i64]) -> i64 {
    let id = group::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert group")
    .id;
    for &user_id in members {
        group_member::ActiveModel {
            group_id: Set(id),
            user_id: Set(user_id),
        }
        .insert(db)
        .await
        .expect("insert group member");
    }
    id
}

/// Creates a document owned by a profile.
pub async fn document(db: &DatabaseConnection, owner_profile: i64, name: &str) -> i64 {
    document::ActiveModel {
        user_profile_id: Set(owner_profile),
        name: Set(name.to_owned()),
        body: Set(format!("body of {name}")),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert document")
    .id
}

/// The ids a document query selects.
pub async fn ids<C: ConnectionTrait>(db: &C, select: Select<document::Entity>) -> BTreeSet<i64> {
    select
        .select_only()
        .column(document::Column::Id)
        .into_tuple::<i64>()
        .all(db)
        .await
        .expect("run the scoped query")
        .into_iter()
        .collect()
}

/// Every id of a scope, read page after page: `first` (made with `size`), then each next
/// page after the last id seen, until a page is not full. An id that does not follow the
/// previous one in ascending order is an error.
pub async fn walk_pages<E: OwnedEntity>(
    db: &DatabaseConnection,
    first: ScopePage<'_, E>,
    size: u64,
) -> Result<Vec<i64>, DbErr> {
    let mut page = first;
    let mut ids = Vec::new();
    loop {
        let rows = page.all(db).await?;
        let full = rows.len() as u64 == size;
        for row in rows {
            let id = match row.get(E::id_column()) {
                Value::BigInt(Some(id)) => id,
                Value::Int(Some(id)) => i64::from(id),
                other => return Err(DbErr::Custom(format!("an id of {other:?}"))),
            };
            if ids.last().is_some_and(|&last| last >= id) {
                return Err(DbErr::Custom(format!(
                    "page ids out of order: {id} after {ids:?}"
                )));
            }
            ids.push(id);
        }
        match ids.last() {
            Some(&last) if full => page = page.after(last),
            _ => return Ok(ids),
        }
    }
}

/// The world of the Smarter platform's ownership tests: accounts P (platform), 1 and 2;
/// SA superuser staff in P, A1 staff in 1, R1 regular in 1, R2 regular in 2; each owns
/// one document.
pub struct SmarterWorld {
    /// Platform superuser and staff.
    pub sa: i64,
    /// Staff in account 1.
    pub a1: i64,
    /// Regular user in account 1.
    pub r1: i64,
    /// Regular user in account 2.
    pub r2: i64,
    /// The profiles of SA, A1, R1, R2.
    pub profiles: [i64; 4],
    /// SA's document.
    pub s_sa: i64,
    /// A1's document.
    pub s_a1: i64,
    /// R1's document.
    pub s_r1: i64,
    /// R2's document.
    pub s_r2: i64,
    /// Account 1.
    pub account_1: i64,
    /// Account 2.
    pub account_2: i64,
}

impl SmarterWorld {
    /// Builds the world.
    pub async fn build(db: &DatabaseConnection) -> Self {
        let platform = account(db, "P").await;
        let account_1 = account(db, "1").await;
        let account_2 = account(db, "2").await;
        let sa = user(db, "sa", Role::Superuser).await;
        let a1 = user(db, "a1", Role::Staff).await;
        let r1 = user(db, "r1", Role::Regular).await;
        let r2 = user(db, "r2", Role::Regular).await;
        let profiles = [
            profile(db, sa, platform).await,
            profile(db, a1, account_1).await,
            profile(db, r1, account_1).await,
            profile(db, r2, account_2).await,
        ];
        Self {
            sa,
            a1,
            r1,
            r2,
            profiles,
            s_sa: document(db, profiles[0], "s_sa").await,
            s_a1: document(db, profiles[1], "s_a1").await,
            s_r1: document(db, profiles[2], "s_r1").await,
            s_r2: document(db, profiles[3], "s_r2").await,
            account_1,
            account_2,
        }
    }
}

/// A set of ids, for comparing with a scope's answer.
pub fn set<const N: usize>(ids: [i64; N]) -> BTreeSet<i64> {
    ids.into_iter().collect()
}

/// Loads the subject of a user.
pub async fn load(db: &DatabaseConnection, user_id: i64) -> Subject {
    Subject::load(db, user_id).await.expect("load subject")
}

/// A document to insert, with an empty body.
pub fn new_document(owner: i64, name: &str) -> document::ActiveModel {
    document::ActiveModel {
        user_profile_id: Set(owner),
        name: Set(name.to_owned()),
        body: Set(String::new()),
        ..Default::default()
    }
}

/// `N` documents of one owner, named `{prefix}{i}`.
pub async fn documents<const N: usize>(
    db: &DatabaseConnection,
    owner: i64,
    prefix: &str,
) -> [i64; N] {
    let mut out = [0; N];
    for (i, id) in out.iter_mut().enumerate() {
        *id = document(db, owner, &format!("{prefix}{i}")).await;
    }
    out
}

/// Grants, failing the test on an error.
pub async fn give(db: &DatabaseConnection, name: &str, target: Target, grantees: Grantees) {
    grant(db, name, &target, &grantees)
        .await
        .unwrap_or_else(|err| panic!("grant {name:?}: {err}"));
}

/// A document as an object of the permission queries.
pub fn doc(id: i64) -> ObjectRef {
    ObjectRef::of::<document::Entity>(id)
}

/// The ids a note query selects.
pub async fn note_ids(db: &DatabaseConnection, select: Select<note::Entity>) -> BTreeSet<i64> {
    select
        .select_only()
        .column(note::Column::Id)
        .into_tuple::<i32>()
        .all(db)
        .await
        .expect("run the note query")
        .into_iter()
        .map(i64::from)
        .collect()
}

/// How many grants on single rows the test entities' grant tables hold: to users, and to
/// groups.
pub async fn object_grants<C: ConnectionTrait>(db: &C) -> (u64, u64) {
    let count = async |table| {
        let count = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from(table)
            .to_owned();
        let row = db
            .query_one(&count)
            .await
            .expect("count object grants")
            .expect("a count");
        row.try_get_by_index::<i64>(0).expect("a count") as u64
    };
    let mut to_users = 0;
    let mut to_groups = 0;
    for (users, groups) in [
        (
            document::Entity::user_grant_table(),
            document::Entity::group_grant_table(),
        ),
        (
            note::Entity::user_grant_table(),
            note::Entity::group_grant_table(),
        ),
        (
            hr_note::Entity::user_grant_table(),
            hr_note::Entity::group_grant_table(),
        ),
        (
            admin_note::Entity::user_grant_table(),
            admin_note::Entity::group_grant_table(),
        ),
        (
            counter::Entity::user_grant_table(),
            counter::Entity::group_grant_table(),
        ),
    ] {
        to_users += count(users).await;
        to_groups += count(groups).await;
    }
    (to_users, to_groups)
}
