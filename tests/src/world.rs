//! Building worlds: accounts, users, profiles, groups and owned documents.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicI64, Ordering};

use ownership_core::entity::{account, group, group_member, user, user_profile};
use ownership_core::{
    Grantees, GroupId, Holders, IdOf, Identity, Key, ObjectRef, OwnedEntity, ScopePage, Subject,
    Target, UserId, Uuid, grant,
};
use sea_orm::sea_query::{Expr, FromValueTuple, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ModelTrait, NotSet, PaginatorTrait, QueryFilter, QueryResult, QuerySelect, Select, Set, Value,
};

use crate::app_identity::{self, app_user, team, team_member, tenant, tenant_member};
use crate::entities::{admin_note, counter, document, hr_note, note, parcel};

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

/// Whether the tests run against the application's own identity
/// ([`app_identity`]) rather than the embedded tables.
pub fn app_mode() -> bool {
    !Identity::current().is_embedded()
}

/// The next handle of a user or group in application mode, unique in the process.
fn next_handle() -> i64 {
    static NEXT: AtomicI64 = AtomicI64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The user id of a user handle: the integer itself with the embedded tables, its UUID
/// with the application's.
pub fn uid(handle: i64) -> UserId {
    if app_mode() {
        app_identity::user_key(handle).into()
    } else {
        handle.into()
    }
}

/// The group id of a group handle: the integer itself with the embedded tables, its slug
/// with the application's.
pub fn gid(handle: i64) -> GroupId {
    if app_mode() {
        app_identity::group_key(handle).into()
    } else {
        handle.into()
    }
}

/// The handle of a user, profile or group id, whichever identity made it.
pub fn handle(key: &Key) -> i64 {
    match key {
        Key::Int(id) => *id,
        Key::Uuid(id) => app_identity::user_handle(*id),
        Key::Text(slug) => app_identity::group_handle(slug),
    }
}

/// The handles of typed ids.
pub fn int_keys<I: AsRef<Key>>(ids: impl IntoIterator<Item = I>) -> BTreeSet<i64> {
    ids.into_iter().map(|id| handle(id.as_ref())).collect()
}

/// The users a holders question answers, by handle, or the database's error.
pub async fn try_holder_users(
    db: &DatabaseConnection,
    question: &Holders,
) -> Result<BTreeSet<i64>, DbErr> {
    let users = question.users().expect("build the holders query");
    Ok(int_keys(users.all(db).await?))
}

/// The users a holders question answers, by handle.
pub async fn holder_users(db: &DatabaseConnection, question: Holders) -> BTreeSet<i64> {
    try_holder_users(db, &question)
        .await
        .expect("run the holders query")
}

/// The groups a holders question answers, by handle.
pub async fn holder_groups(db: &DatabaseConnection, question: Holders) -> BTreeSet<i64> {
    let groups = question.groups().expect("build the holders query");
    int_keys(groups.all(db).await.expect("run the holders query"))
}

/// Creates an account.
pub async fn account(db: &DatabaseConnection, name: &str) -> i64 {
    if app_mode() {
        return tenant::ActiveModel {
            title: Set(name.to_owned()),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert tenant")
        .id;
    }
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

/// The application's row of a user with this handle.
fn new_app_user(handle: i64, username: &str, role: Role) -> app_user::ActiveModel {
    app_user::ActiveModel {
        id: Set(app_identity::user_key(handle)),
        email: Set(format!("{username}@example.test")),
        role: Set(match role {
            Role::Staff => "staff",
            Role::Superuser => "admin",
            Role::Regular | Role::Inactive => "member",
        }
        .to_owned()),
        disabled: Set(role == Role::Inactive),
        login_token: Set(format!("{:032x}", next_handle())),
    }
}

/// Creates a user.
pub async fn user(db: &DatabaseConnection, username: &str, role: Role) -> i64 {
    if app_mode() {
        let handle = next_handle();
        new_app_user(handle, username, role)
            .insert(db)
            .await
            .expect("insert app user");
        return handle;
    }
    new_user(username, role)
        .insert(db)
        .await
        .expect("insert user")
        .id
}

/// Gives a user a new role (its flags), as the database sees it from then on.
pub async fn set_role(db: &DatabaseConnection, user_id: i64, role: Role) {
    if app_mode() {
        let mut row = new_app_user(user_id, "", role);
        row.email = NotSet;
        row.login_token = NotSet;
        row.update(db).await.expect("update app user");
        return;
    }
    user::ActiveModel {
        id: Set(user_id),
        is_active: Set(role != Role::Inactive),
        is_staff: Set(matches!(role, Role::Staff | Role::Superuser)),
        is_superuser: Set(role == Role::Superuser),
        ..Default::default()
    }
    .update(db)
    .await
    .expect("update user");
}

/// Deletes a user (its profiles and memberships go with it).
pub async fn delete_user(db: &DatabaseConnection, user_id: i64) {
    try_delete_user(db, user_id).await.expect("delete user");
}

/// Takes a user's activity away, keeping its other flags.
pub async fn deactivate(db: &DatabaseConnection, user_id: i64) {
    let (_, staff, superuser) = flags_of(db, user_id)
        .await
        .expect("read the user")
        .expect("the user exists");
    try_set_flags(db, user_id, (false, staff, superuser))
        .await
        .expect("deactivate the user");
}

/// How many rows the identity's tables hold: accounts, users, profiles, groups and group
/// memberships.
pub async fn identity_counts(db: &DatabaseConnection) -> Result<[u64; 5], DbErr> {
    if app_mode() {
        return Ok([
            tenant::Entity::find().count(db).await?,
            app_user::Entity::find().count(db).await?,
            tenant_member::Entity::find().count(db).await?,
            team::Entity::find().count(db).await?,
            team_member::Entity::find().count(db).await?,
        ]);
    }
    Ok([
        account::Entity::find().count(db).await?,
        user::Entity::find().count(db).await?,
        user_profile::Entity::find().count(db).await?,
        group::Entity::find().count(db).await?,
        group_member::Entity::find().count(db).await?,
    ])
}

/// The user flags of the embedded tables, as the application's identity stores them: a
/// role for every combination of staff and superuser, and `disabled`.
fn app_role(is_staff: bool, is_superuser: bool) -> &'static str {
    match (is_staff, is_superuser) {
        (false, false) => "member",
        (true, false) => "staff",
        (true, true) => "admin",
        (false, true) => "root",
    }
}

/// A user's flags: active, staff, superuser.
pub type Flags = (bool, bool, bool);

/// Creates a user with these flags, under `id` if given (a deleted user's, say), and returns
/// its handle.
pub async fn try_user_with_flags(
    db: &DatabaseConnection,
    id: Option<i64>,
    username: &str,
    (is_active, is_staff, is_superuser): Flags,
) -> Result<i64, DbErr> {
    if app_mode() {
        let handle = id.unwrap_or_else(next_handle);
        app_user::ActiveModel {
            id: Set(app_identity::user_key(handle)),
            email: Set(format!("{username}@example.test")),
            role: Set(app_role(is_staff, is_superuser).to_owned()),
            disabled: Set(!is_active),
            login_token: Set(format!("{:032x}", next_handle())),
        }
        .insert(db)
        .await?;
        return Ok(handle);
    }
    let mut row = user::ActiveModel {
        username: Set(username.to_owned()),
        is_active: Set(is_active),
        is_staff: Set(is_staff),
        is_superuser: Set(is_superuser),
        ..Default::default()
    };
    if let Some(id) = id {
        row.id = Set(id);
    }
    Ok(row.insert(db).await?.id)
}

/// An application user's flags, read from its `role` and `disabled` columns.
fn app_user_flags(u: &app_user::Model) -> Flags {
    let staff = matches!(u.role.as_str(), "staff" | "admin");
    let superuser = matches!(u.role.as_str(), "admin" | "root");
    (!u.disabled, staff, superuser)
}

fn embedded_user_flags(u: &user::Model) -> Flags {
    (u.is_active, u.is_staff, u.is_superuser)
}

/// Every user's flags, by handle.
pub async fn user_flags(db: &DatabaseConnection) -> Result<BTreeMap<i64, Flags>, DbErr> {
    if app_mode() {
        return Ok(app_user::Entity::find()
            .all(db)
            .await?
            .iter()
            .map(|u| (app_identity::user_handle(u.id), app_user_flags(u)))
            .collect());
    }
    Ok(user::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|u| (u.id, embedded_user_flags(u)))
        .collect())
}

/// One user's flags, if the user exists.
pub async fn flags_of(db: &DatabaseConnection, user_id: i64) -> Result<Option<Flags>, DbErr> {
    if app_mode() {
        let found = app_user::Entity::find_by_id(app_identity::user_key(user_id))
            .one(db)
            .await?;
        return Ok(found.as_ref().map(app_user_flags));
    }
    let found = user::Entity::find_by_id(user_id).one(db).await?;
    Ok(found.as_ref().map(embedded_user_flags))
}

/// Sets a user's flags, as the database sees them from then on; how many users changed.
pub async fn try_set_flags(
    db: &DatabaseConnection,
    user_id: i64,
    (is_active, is_staff, is_superuser): Flags,
) -> Result<u64, DbErr> {
    if app_mode() {
        return Ok(app_user::Entity::update_many()
            .col_expr(
                app_user::Column::Role,
                Expr::value(app_role(is_staff, is_superuser)),
            )
            .col_expr(app_user::Column::Disabled, Expr::value(!is_active))
            .filter(app_user::Column::Id.eq(app_identity::user_key(user_id)))
            .exec(db)
            .await?
            .rows_affected);
    }
    Ok(user::Entity::update_many()
        .col_expr(user::Column::IsActive, Expr::value(is_active))
        .col_expr(user::Column::IsStaff, Expr::value(is_staff))
        .col_expr(user::Column::IsSuperuser, Expr::value(is_superuser))
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes a user; how many went.
pub async fn try_delete_user<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<u64, DbErr> {
    Ok(if app_mode() {
        app_user::Entity::delete_by_id(app_identity::user_key(user_id))
            .exec(db)
            .await?
    } else {
        user::Entity::delete_by_id(user_id).exec(db).await?
    }
    .rows_affected)
}

/// Deletes a profile; how many went.
pub async fn try_delete_profile(db: &DatabaseConnection, id: i64) -> Result<u64, DbErr> {
    Ok(if app_mode() {
        tenant_member::Entity::delete_by_id(id).exec(db).await?
    } else {
        user_profile::Entity::delete_by_id(id).exec(db).await?
    }
    .rows_affected)
}

/// Gives a user a profile in an account; the profile's id.
pub async fn try_profile(
    db: &DatabaseConnection,
    user_id: i64,
    account_id: i64,
) -> Result<i64, DbErr> {
    if app_mode() {
        return Ok(tenant_member::ActiveModel {
            person_id: Set(app_identity::user_key(user_id)),
            tenant_id: Set(account_id),
            ..Default::default()
        }
        .insert(db)
        .await?
        .id);
    }
    Ok(user_profile::ActiveModel {
        user_id: Set(user_id),
        account_id: Set(account_id),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

/// Every profile: id, user handle, account.
pub async fn profiles(db: &DatabaseConnection) -> Result<Vec<(i64, i64, i64)>, DbErr> {
    if app_mode() {
        return Ok(tenant_member::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, app_identity::user_handle(p.person_id), p.tenant_id))
            .collect());
    }
    Ok(user_profile::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.user_id, p.account_id))
        .collect())
}

/// Deletes a group; how many went.
pub async fn try_delete_group(db: &DatabaseConnection, group_id: i64) -> Result<u64, DbErr> {
    Ok(if app_mode() {
        team::Entity::delete_by_id(app_identity::group_key(group_id))
            .exec(db)
            .await?
    } else {
        group::Entity::delete_by_id(group_id).exec(db).await?
    }
    .rows_affected)
}

/// Removes a user from a group; how many memberships went.
pub async fn try_leave_group(
    db: &DatabaseConnection,
    group_id: i64,
    user_id: i64,
) -> Result<u64, DbErr> {
    Ok(if app_mode() {
        team_member::Entity::delete_many()
            .filter(team_member::Column::TeamSlug.eq(app_identity::group_key(group_id)))
            .filter(team_member::Column::PersonId.eq(app_identity::user_key(user_id)))
            .exec(db)
            .await?
    } else {
        group_member::Entity::delete_many()
            .filter(group_member::Column::GroupId.eq(group_id))
            .filter(group_member::Column::UserId.eq(user_id))
            .exec(db)
            .await?
    }
    .rows_affected)
}

/// Every group's handle, and every membership as (group, user).
pub async fn groups_and_members(
    db: &DatabaseConnection,
) -> Result<(BTreeSet<i64>, BTreeSet<(i64, i64)>), DbErr> {
    if app_mode() {
        let groups = team::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| app_identity::group_handle(&t.slug))
            .collect();
        let members = team_member::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| {
                (
                    app_identity::group_handle(&m.team_slug),
                    app_identity::user_handle(m.person_id),
                )
            })
            .collect();
        return Ok((groups, members));
    }
    let groups = group::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let members = group_member::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.group_id, m.user_id))
        .collect();
    Ok((groups, members))
}

/// The handle of a user (`user`) or group id in column `index` of a row of a grant table.
pub fn grantee_handle(row: &QueryResult, index: usize, user: bool) -> Result<i64, DbErr> {
    match (app_mode(), user) {
        (false, _) => row.try_get_by_index(index),
        (true, true) => row
            .try_get_by_index::<Uuid>(index)
            .map(app_identity::user_handle),
        (true, false) => row
            .try_get_by_index::<String>(index)
            .map(|slug| app_identity::group_handle(&slug)),
    }
}

/// Deletes every user, profile, account, group and membership of the identity in use.
pub async fn clear_identity(db: &DatabaseConnection) -> Result<(), DbErr> {
    if app_mode() {
        team_member::Entity::delete_many().exec(db).await?;
        tenant_member::Entity::delete_many().exec(db).await?;
        team::Entity::delete_many().exec(db).await?;
        tenant::Entity::delete_many().exec(db).await?;
        app_user::Entity::delete_many().exec(db).await?;
    } else {
        group_member::Entity::delete_many().exec(db).await?;
        user_profile::Entity::delete_many().exec(db).await?;
        group::Entity::delete_many().exec(db).await?;
        account::Entity::delete_many().exec(db).await?;
        user::Entity::delete_many().exec(db).await?;
    }
    Ok(())
}

/// Gives a user a profile in an account.
pub async fn profile(db: &DatabaseConnection, user_id: i64, account_id: i64) -> i64 {
    if app_mode() {
        return tenant_member::ActiveModel {
            person_id: Set(app_identity::user_key(user_id)),
            tenant_id: Set(account_id),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("insert tenant member")
        .id;
    }
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
    if app_mode() {
        let handle = next_handle();
        team::ActiveModel {
            slug: Set(app_identity::group_key(handle)),
        }
        .insert(db)
        .await
        .expect("insert team");
        for &user_id in members {
            join_group(db, handle, user_id).await;
        }
        return handle;
    }
    let id = group::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert group")
    .id;
    for &user_id in members {
        join_group(db, id, user_id).await;
    }
    id
}

/// Adds a user to a group.
pub async fn join_group(db: &DatabaseConnection, group_id: i64, user_id: i64) {
    if app_mode() {
        team_member::ActiveModel {
            team_slug: Set(app_identity::group_key(group_id)),
            person_id: Set(app_identity::user_key(user_id)),
        }
        .insert(db)
        .await
        .expect("insert team member");
        return;
    }
    group_member::ActiveModel {
        group_id: Set(group_id),
        user_id: Set(user_id),
    }
    .insert(db)
    .await
    .expect("insert group member");
}

/// Removes a user from a group.
pub async fn leave_group(db: &DatabaseConnection, group_id: i64, user_id: i64) {
    if app_mode() {
        team_member::Entity::delete_by_id((
            app_identity::group_key(group_id),
            app_identity::user_key(user_id),
        ))
        .exec(db)
        .await
        .expect("delete team member");
    } else {
        group_member::Entity::delete_by_id((group_id, user_id))
            .exec(db)
            .await
            .expect("delete group member");
    }
}

/// Deletes a group (its memberships and grants go with it).
pub async fn delete_group(db: &DatabaseConnection, group_id: i64) {
    if app_mode() {
        team::Entity::delete_by_id(app_identity::group_key(group_id))
            .exec(db)
            .await
            .expect("delete team");
    } else {
        group::Entity::delete_by_id(group_id)
            .exec(db)
            .await
            .expect("delete group");
    }
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

/// Creates a parcel owned by a profile, in an organization and a project (or none).
pub async fn parcel(
    db: &DatabaseConnection,
    owner_profile: i64,
    name: &str,
    organization: &str,
    project: Option<&str>,
) -> i64 {
    parcel::ActiveModel {
        user_profile_id: Set(owner_profile),
        name: Set(name.to_owned()),
        organization: Set(organization.to_owned()),
        project: Set(project.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("insert a parcel")
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
/// previous one in ascending order is an error. For entities with integer keys.
pub async fn walk_pages<E: OwnedEntity>(
    db: &DatabaseConnection,
    first: ScopePage<'_, E>,
    size: u64,
) -> Result<Vec<i64>, DbErr> {
    let keys = walk_page_keys(db, first, size).await?;
    keys.iter()
        .map(|key| {
            key.as_int()
                .ok_or_else(|| DbErr::Custom(format!("not an integer id: {key}")))
        })
        .collect()
}

/// [`walk_pages`] for any key type: the ids as keys, ascending in the database's order
/// (checked against the keys' own order, so string keys must sort alike in both).
pub async fn walk_page_keys<E: OwnedEntity>(
    db: &DatabaseConnection,
    first: ScopePage<'_, E>,
    size: u64,
) -> Result<Vec<Key>, DbErr> {
    let mut page = first;
    let mut ids: Vec<Key> = Vec::new();
    loop {
        let rows = page.all(db).await?;
        let full = rows.len() as u64 == size;
        let mut last = None;
        for row in rows {
            let value = row.get(E::id_column());
            let id = match &value {
                Value::BigInt(Some(id)) => Key::Int(*id),
                Value::Int(Some(id)) => Key::Int((*id).into()),
                Value::Uuid(Some(id)) => Key::Uuid(*id),
                Value::String(Some(id)) => Key::Text(id.clone()),
                other => return Err(DbErr::Custom(format!("an id of {other:?}"))),
            };
            if ids.last().is_some_and(|before| *before >= id) {
                return Err(DbErr::Custom(format!(
                    "page ids out of order: {id} after {ids:?}"
                )));
            }
            ids.push(id);
            last = Some(value);
        }
        match last {
            Some(last) if full => page = page.after(IdOf::<E>::from_value_tuple(last)),
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
    /// Account P.
    pub platform: i64,
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
            platform,
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
    Subject::load(db, uid(user_id)).await.expect("load subject")
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

/// The id of the UUID-keyed document with this integer handle: its first half is constant,
/// so the UUIDs sort as their handles do (the database orders UUIDs bytewise).
pub fn uuid_doc_id(handle: i64) -> Uuid {
    Uuid::from_u64_pair(0x00D0_C000_0000_0000, handle as u64)
}

/// The handle of a UUID made by [`uuid_doc_id`].
pub fn uuid_doc_handle(id: Uuid) -> i64 {
    id.as_u64_pair().1 as i64
}

/// A note id of the tests' integers (notes are keyed by `i32`).
pub fn note_id<I: TryInto<i32>>(id: I) -> i32 {
    id.try_into()
        .unwrap_or_else(|_| panic!("a note id fits an i32"))
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
