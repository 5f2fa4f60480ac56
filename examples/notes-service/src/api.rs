//! The HTTP API: every handler is the library's query or write for the request's subject,
//! and the library's errors are the responses (404 for a note the caller may not read or
//! that does not exist, alike; 403 for one it reads but may not change; 409; 400).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use ownership_core::prelude::*;
use ownership_core::web::{CurrentSubject, ResolveSubject, bearer_token};
use ownership_core::{
    AuditEntry, AuditGrantee, AuditPage, Cursor, OwnershipAccess, Page, audit_trail_of_object,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::{api_tokens, memberships, notes};

/// What every handler shares: the connection pool.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
}

/// The SHA-256 of a token, in hex, as `api_tokens` stores it.
pub fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// An error of the API: the library's, or one of the service's own.
#[derive(Debug)]
pub enum ApiError {
    /// No bearer token, or one no user has: 401.
    Unauthorized,
    /// A request the service refuses as given: 400.
    BadRequest(String),
    /// The library's error, with its own status.
    Ownership(OwnershipError),
}

impl From<OwnershipError> for ApiError {
    fn from(error: OwnershipError) -> Self {
        ApiError::Ownership(error)
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        ApiError::Ownership(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Ownership(error) => return error.into_response(),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "a valid bearer token is needed"),
            ApiError::BadRequest(message) => {
                let body = serde_json::json!({ "error": "Bad Request", "message": message });
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        };
        let body = serde_json::json!({ "error": status.canonical_reason(), "message": message });
        (status, Json(body)).into_response()
    }
}

impl ResolveSubject for AppState {
    type Rejection = ApiError;

    /// The user of the request's bearer token, loaded as a subject: its flags, memberships
    /// and teams as they are now, each confirmed again by every query.
    async fn resolve(&self, parts: &Parts) -> Result<Subject, ApiError> {
        let token = bearer_token(parts).ok_or(ApiError::Unauthorized)?;
        let stored = api_tokens::Entity::find_by_id(token_digest(token))
            .one(&self.db)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(Subject::load(&self.db, UserId::from(stored.user_id)).await?)
    }
}

/// The signed-in user: a request without a valid token gets 401 before its handler runs.
pub struct SignedIn(pub Subject);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentSubject(subject) = CurrentSubject::from_request_parts(parts, state).await?;
        Ok(SignedIn(subject))
    }
}

/// The routes of the API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/notes", get(list_notes).post(create_note))
        .route("/notes/actions", get(actions_of_notes))
        .route(
            "/notes/{id}",
            get(get_note).patch(update_note).delete(delete_note),
        )
        .route("/notes/{id}/actions", get(actions_of_note))
        .route("/notes/{id}/shares", get(list_shares).post(share_note))
        .route("/notes/{id}/shares/{share_id}", delete(revoke_share))
        .route("/notes/{id}/audit", get(audit_of_note))
        .with_state(state)
}

/// A note as the API shows it.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct NoteOut {
    /// Its id.
    pub id: i64,
    /// Its owner membership.
    pub membership_id: Uuid,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// When it was created, in Unix milliseconds.
    pub created_at: i64,
}

impl From<notes::Model> for NoteOut {
    fn from(note: notes::Model) -> Self {
        Self {
            id: note.id,
            membership_id: note.membership_id,
            title: note.title,
            body: note.body,
            created_at: note.created_at,
        }
    }
}

/// A page of notes, with the cursors of the pages around it: `next_cursor` only when more
/// notes follow, `prev_cursor` only when some precede.
#[derive(Debug, Serialize, Deserialize)]
pub struct NotesPage {
    /// The notes of the page.
    pub items: Vec<NoteOut>,
    /// What to pass as `after` for the next page.
    pub next_cursor: Option<String>,
    /// What to pass as `before` for the previous page.
    pub prev_cursor: Option<String>,
}

/// The query of a list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// `id` (default), `title` or `created_at`: ties are ordered by id.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
    /// The `next_cursor` of the page before.
    pub after: Option<String>,
    /// The `prev_cursor` of the page after.
    pub before: Option<String>,
    /// The page size, 1 to 100 (default 20).
    pub limit: Option<u64>,
}

/// The largest page a client may ask for.
const MAX_LIMIT: u64 = 100;

/// The page size a client asked for: 1 to [`MAX_LIMIT`], 20 by default.
fn page_size(asked: Option<u64>) -> Result<u64, ApiError> {
    let limit = asked.unwrap_or(20);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

/// `GET /notes`: the notes the caller may read, a page at a time, one statement a page
/// whatever the caller may read; a cursor altered by the client is a 400, never more rows.
async fn list_notes(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Json<NotesPage>, ApiError> {
    let limit = page_size(query.limit)?;
    let column = match query.sort.as_deref().unwrap_or("id") {
        "id" => notes::Column::Id,
        "title" => notes::Column::Title,
        "created_at" => notes::Column::CreatedAt,
        _ => {
            return Err(ApiError::BadRequest(
                "sort by id, title or created_at".to_owned(),
            ));
        }
    };
    let page = notes::Entity::readable_page(&me, limit);
    let mut page = match query.order.as_deref().unwrap_or("asc") {
        "asc" => page.order_by_asc(column),
        "desc" => page.order_by_desc(column),
        _ => return Err(ApiError::BadRequest("order is asc or desc".to_owned())),
    };
    match (query.after, query.before) {
        (Some(after), None) => page = page.after_cursor(cursor(&after)?),
        (None, Some(before)) => page = page.before_cursor(cursor(&before)?),
        (None, None) => {}
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest("one of after and before".to_owned()));
        }
    }
    let Page {
        items,
        next_cursor,
        prev_cursor,
    } = page.fetch(&app.db).await?;
    Ok(Json(NotesPage {
        items: items.into_iter().map(NoteOut::from).collect(),
        next_cursor: next_cursor.map(|cursor| cursor.to_string()),
        prev_cursor: prev_cursor.map(|cursor| cursor.to_string()),
    }))
}

/// A cursor a client sent back; an altered one is a 400 (`InvalidPage`).
fn cursor(text: &str) -> Result<Cursor, ApiError> {
    Ok(text.parse().map_err(OwnershipError::from)?)
}

/// `GET /notes/{id}`.
async fn get_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<NoteOut>, ApiError> {
    let note = notes::Entity::find_by_id(id)
        .with_read_permission_for(&me)
        .one(&app.db)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(note.into()))
}

/// The 404 of a note the caller may not read, or that does not exist.
fn not_found() -> ApiError {
    ApiError::Ownership(OwnershipError::NotFound {
        model: "note",
        what: "object",
    })
}

/// The body of `POST /notes`.
#[derive(Debug, Deserialize)]
pub struct NewNote {
    /// The title, unique among the owner's notes.
    pub title: String,
    /// The text.
    #[serde(default)]
    pub body: String,
    /// The workspace to create it in; by default the caller's first.
    pub workspace_id: Option<Uuid>,
}

/// `POST /notes`: a note owned by the caller's membership in the workspace asked for.
async fn create_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Json(new): Json<NewNote>,
) -> Result<(StatusCode, Json<NoteOut>), ApiError> {
    let user_id = me
        .user()
        .and_then(|user| user.id.key().as_uuid())
        .ok_or(ApiError::Unauthorized)?;
    let mut membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .order_by_asc(memberships::Column::Id);
    if let Some(workspace) = new.workspace_id {
        membership = membership.filter(memberships::Column::WorkspaceId.eq(workspace));
    }
    let membership = membership
        .one(&app.db)
        .await?
        .ok_or_else(|| ApiError::BadRequest("not a member of that workspace".to_owned()))?;
    let note = notes::ActiveModel {
        membership_id: Set(membership.id),
        title: Set(new.title),
        body: Set(new.body),
        created_at: Set(crate::now_ms()),
        ..Default::default()
    }
    .insert_as(&app.db, &me)
    .await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// The body of `PATCH /notes/{id}`: the fields to change.
#[derive(Debug, Deserialize)]
pub struct NoteChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new text.
    pub body: Option<String>,
}

/// `PATCH /notes/{id}`: 404 for a note the caller may not read, 403 for one it may not
/// change; the write's `WHERE` holds the manage scope, so a right lost in between writes
/// nothing.
async fn update_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    Json(changes): Json<NoteChanges>,
) -> Result<Json<NoteOut>, ApiError> {
    let note = notes::Entity::find_by_id(id)
        .with_read_permission_for(&me)
        .one(&app.db)
        .await?
        .ok_or_else(not_found)?;
    let mut active: notes::ActiveModel = note.into();
    if let Some(title) = changes.title {
        active.title = Set(title);
    }
    if let Some(body) = changes.body {
        active.body = Set(body);
    }
    Ok(Json(active.update_as(&app.db, &me).await?.into()))
}

/// `DELETE /notes/{id}`: 404 / 403 as for a change; deleting needs the delete permission
/// beside the manage one.
async fn delete_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    notes::Entity::delete_as(&app.db, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the caller may do on one note.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ActionsOut {
    /// The note.
    pub id: i64,
    /// `read`, `manage`, `delete`, `share`: those allowed.
    pub actions: Vec<String>,
}

/// `GET /notes/{id}/actions`: which buttons to show, in one statement.
async fn actions_of_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<ActionsOut>, ApiError> {
    let actions = notes::Entity::actions_on(&app.db, &me, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(ActionsOut {
        id,
        actions: actions.names().into_iter().map(str::to_owned).collect(),
    }))
}

/// The query of `GET /notes/actions`.
#[derive(Debug, Deserialize)]
pub struct IdsQuery {
    /// Comma-separated note ids.
    pub ids: String,
}

/// `GET /notes/actions?ids=1,2,3`: the actions on each of the notes the caller may read,
/// in one statement; the others are left out.
async fn actions_of_notes(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Query(query): Query<IdsQuery>,
) -> Result<Json<Vec<ActionsOut>>, ApiError> {
    let ids = query
        .ids
        .split(',')
        .filter(|id| !id.is_empty())
        .map(str::parse::<i64>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::BadRequest("ids are comma-separated integers".to_owned()))?;
    let rows = notes::Entity::permitted_actions(&app.db, &me, ids).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| ActionsOut {
                id: row.id,
                actions: row.actions.names().into_iter().map(str::to_owned).collect(),
            })
            .collect(),
    ))
}

/// The body of `POST /notes/{id}/shares`: a user or a team, the permissions (`view`,
/// `change`, `delete`; by default `view`) and an optional lifetime.
#[derive(Debug, Deserialize)]
pub struct ShareIn {
    /// The user to share with.
    pub user_id: Option<Uuid>,
    /// The team to share with: its members as they are when a query runs.
    pub team_id: Option<Uuid>,
    /// The permissions the share holds.
    #[serde(default = "view_only")]
    pub permissions: Vec<String>,
    /// How long the share counts, in seconds; by default until revoked.
    pub expires_in_seconds: Option<u64>,
}

fn view_only() -> Vec<String> {
    vec!["view".to_owned()]
}

/// A share as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ShareOut {
    /// The share's id, to revoke it.
    pub id: Uuid,
    /// The note.
    pub note_id: i64,
    /// The permissions it holds.
    pub permissions: Vec<String>,
    /// When it stops counting, in Unix milliseconds.
    pub expires_at: Option<i64>,
}

impl ShareOut {
    fn of(share: Share, note_id: i64) -> Self {
        Self {
            id: share.uuid,
            note_id,
            permissions: share.names.into_iter().map(|held| held.name).collect(),
            expires_at: share.expires_at.map(|at| {
                at.duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis() as i64)
            }),
        }
    }
}

/// `POST /notes/{id}/shares`: by a caller who manages the note in its own right; the
/// receiver cannot pass it on.
async fn share_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    Json(share): Json<ShareIn>,
) -> Result<(StatusCode, Json<ShareOut>), ApiError> {
    let receiver = match (share.user_id, share.team_id) {
        (Some(user), None) => Agent::User(UserId::from(user)),
        (None, Some(team)) => Agent::Group(GroupId::from(team)),
        _ => {
            return Err(ApiError::BadRequest(
                "share with exactly one of user_id and team_id".to_owned(),
            ));
        }
    };
    let mut request =
        ShareRequest::to(receiver).names(share.permissions.into_iter().map(|name| (name, 0)));
    if let Some(seconds) = share.expires_in_seconds {
        request = request.expires_at(SystemTime::now() + Duration::from_secs(seconds));
    }
    let made = notes::Entity::share(&app.db, &me, id, &request).await?;
    Ok((StatusCode::CREATED, Json(ShareOut::of(made, id))))
}

/// `GET /notes/{id}/shares`: for a caller who manages the note in its own right.
async fn list_shares(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ShareOut>>, ApiError> {
    let shares = notes::Entity::shares_of(&app.db, &me, id).await?;
    Ok(Json(
        shares
            .into_iter()
            .map(|share| ShareOut::of(share, id))
            .collect(),
    ))
}

/// `DELETE /notes/{id}/shares/{share_id}`: by the user who made it or a caller who manages
/// the note; every share passed on from it goes too.
async fn revoke_share(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path((id, share_id)): Path<(i64, Uuid)>,
) -> Result<StatusCode, ApiError> {
    // The share must be one of this note's: a share id under another note's path is 404.
    let chain = notes::Entity::share_chain(&app.db, &me, share_id).await?;
    if chain.last().and_then(|share| share.object_id.as_int()) != Some(id) {
        return Err(not_found());
    }
    notes::Entity::revoke_share(&app.db, &me, share_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An audit entry as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct AuditOut {
    /// The entry's id: pass it as `before` for older entries.
    pub id: i64,
    /// When, in Unix milliseconds.
    pub at: i64,
    /// Who made the change, if a user did.
    pub actor: Option<String>,
    /// `grant`, `share`, `revoke_share`, ...
    pub action: String,
    /// Whom it was about: `user:<id>`, `group:<id>`, `anyone`.
    pub grantee: Option<String>,
    /// The permission names.
    pub names: Vec<String>,
}

impl From<AuditEntry> for AuditOut {
    fn from(entry: AuditEntry) -> Self {
        Self {
            id: entry.id,
            at: entry
                .at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as i64),
            actor: entry.actor.map(|actor| actor.to_string()),
            action: entry.action.as_str().to_owned(),
            grantee: entry.grantee.map(|grantee| match grantee {
                AuditGrantee::User(user) => format!("user:{user}"),
                AuditGrantee::Group(group) => format!("group:{group}"),
                other => format!("{other:?}").to_lowercase(),
            }),
            names: entry.names,
        }
    }
}

/// The query of `GET /notes/{id}/audit`.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    /// Only entries older than this one.
    pub before: Option<i64>,
    /// How many, 1 to 100 (default 20).
    pub limit: Option<u64>,
}

/// `GET /notes/{id}/audit`: who granted, shared and revoked what on the note, newest first,
/// for a caller who may share it (404 / 403 otherwise, as for a change).
async fn audit_of_note(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<i64>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<AuditOut>>, ApiError> {
    let limit = page_size(query.limit)?;
    notes::Entity::check_access(&app.db, &me, id, Action::Share)
        .await?
        .require::<notes::Entity>(Action::Share)?;
    let mut page = AuditPage::newest(limit);
    if let Some(before) = query.before {
        page = page.before(before);
    }
    let entries = audit_trail_of_object::<notes::Entity, _>(&app.db, id, page).await?;
    Ok(Json(entries.into_iter().map(AuditOut::from).collect()))
}
