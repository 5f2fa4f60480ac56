//! The axum integration (feature `axum`): a request's subject as an extractor, and the
//! library's errors as HTTP responses, so that a handler is the query and a `?`.
//!
//! ```
//! # mod document {
//! #     use sea_orm::entity::prelude::*;
//! #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, ownership_core::Owned)]
//! #     #[sea_orm(table_name = "document")]
//! #     pub struct Model {
//! #         #[sea_orm(primary_key)]
//! #         pub id: i64,
//! #         #[sea_orm(unique_key = "owner_name")]
//! #         pub user_profile_id: i64,
//! #         #[sea_orm(unique_key = "owner_name")]
//! #         pub name: String,
//! #     }
//! #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
//! #     pub enum Relation {}
//! #     impl ActiveModelBehavior for ActiveModel {}
//! # }
//! use axum::extract::{Path, State};
//! use axum::http::request::Parts;
//! use ownership_core::prelude::*;
//! use ownership_core::web::{CurrentSubject, ResolveSubject, bearer_token};
//! use sea_orm::DatabaseConnection;
//!
//! #[derive(Clone)]
//! struct App {
//!     db: DatabaseConnection,
//! }
//!
//! impl ResolveSubject for App {
//!     type Rejection = OwnershipError;
//!
//!     async fn resolve(&self, parts: &Parts) -> Result<Subject, OwnershipError> {
//!         match bearer_token(parts) {
//!             // The application's own lookup of the token's user goes here.
//!             Some(_token) => Subject::load(&self.db, UserId::from(1)).await,
//!             None => Ok(Subject::anonymous()),
//!         }
//!     }
//! }
//!
//! /// 404 for a row the caller may not read (or none), 403 for one it reads but may not
//! /// change: the error is the response.
//! async fn rename(
//!     State(app): State<App>,
//!     CurrentSubject(me): CurrentSubject,
//!     Path(id): Path<i64>,
//! ) -> Result<String, OwnershipError> {
//!     document::Entity::check_access(&app.db, &me, id, Action::Manage)
//!         .await?
//!         .require::<document::Entity>(Action::Manage)?;
//!     Ok("renamed".to_owned())
//! }
//!
//! let app: axum::Router = axum::Router::new()
//!     .route("/documents/{id}/rename", axum::routing::post(rename))
//!     .with_state(App { db: DatabaseConnection::default() });
//! ```

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sea_orm::error::ConnAcquireErr;
use sea_orm::{DbErr, SqlErr};

use crate::cursor::PageProblem;
use crate::error::OwnershipError;
use crate::subject::Subject;

/// How an application turns a request into the [`Subject`] it acts as: implemented by the
/// router's state, read by the [`CurrentSubject`] extractor.
///
/// Typically: read a token ([`bearer_token`]), look its user up in the application's own
/// tables, and [`Subject::load`] that user; no token is [`Subject::anonymous`], or a 401
/// if the application wants every request signed in.
pub trait ResolveSubject: Send + Sync {
    /// The response of a request whose subject cannot be resolved (an unknown token: 401).
    type Rejection: IntoResponse;

    /// The subject of the request `parts`.
    fn resolve(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Subject, Self::Rejection>> + Send;
}

/// The subject a request acts as, resolved once per request by the state's
/// [`ResolveSubject`].
#[derive(Clone, Debug)]
pub struct CurrentSubject(pub Subject);

impl<S: ResolveSubject> FromRequestParts<S> for CurrentSubject {
    type Rejection = S::Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        state.resolve(parts).await.map(CurrentSubject)
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case), or
/// `None` for no such header, another scheme or an empty token.
pub fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl OwnershipError {
    /// The HTTP status of the error: 404 for a row the subject may not read or a missing
    /// share, 403 for a refusal, 409 for a conflict with stored data, 400 for a request
    /// the library refuses as given, 503 when no database connection came free in time,
    /// 500 for the rest (a misconfigured program or a database failure).
    pub fn status(&self) -> StatusCode {
        use OwnershipError::*;
        match self {
            NotFound { .. } | ShareExpired { .. } => StatusCode::NOT_FOUND,
            PermissionDenied { .. } => StatusCode::FORBIDDEN,
            DuplicateName { .. } | DuplicateShare { .. } | DuplicatePolicy(_) | PolicyInUse(_) => {
                StatusCode::CONFLICT
            }
            ValueOutOfRange { .. }
            | InvalidName { .. }
            | UnknownGranteeType(_)
            | UnknownUsers(_)
            | UnknownGroups(_)
            | UnknownObjects { .. }
            | TooManyValues { .. }
            | WrongKeyType { .. }
            | NotShareable { .. }
            | NothingToShare { .. }
            | ExpiryNotInFuture { .. }
            | InvalidPolicy { .. }
            | UnknownPolicies(_) => StatusCode::BAD_REQUEST,
            // The order column is the application's choice, not the client's.
            InvalidPage(PageProblem::UnorderableColumn(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            InvalidPage(_) => StatusCode::BAD_REQUEST,
            Db(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Db(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                StatusCode::CONFLICT
            }
            NoVersionField { .. }
            | PrimaryKeyNotAutoIncrement { .. }
            | DuplicateModelName { .. }
            | InvalidIdentity(_)
            | IdentityAlreadyInstalled
            | Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `{"error": "<status reason>", "message": "<what happened>"}` with the error's
/// [`status`](OwnershipError::status). A server error says only that it happened: the
/// database's message may name tables and values, so it goes to the log, not the client.
/// A 503 asks the client to retry after a second.
impl IntoResponse for OwnershipError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
            status
                .canonical_reason()
                .unwrap_or("server error")
                .to_owned()
        } else {
            self.to_string()
        };
        let body = serde_json::json!({
            "error": status.canonical_reason().unwrap_or("error"),
            "message": message,
        });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut request = Request::builder();
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        request.body(()).expect("a request").into_parts().0
    }

    #[test]
    fn a_bearer_token_is_read_from_its_header_only() {
        assert_eq!(bearer_token(&parts(Some("Bearer abc"))), Some("abc"));
        assert_eq!(bearer_token(&parts(Some("bearer  abc "))), Some("abc"));
        assert_eq!(bearer_token(&parts(Some("Basic abc"))), None);
        assert_eq!(bearer_token(&parts(Some("Bearer "))), None);
        assert_eq!(bearer_token(&parts(Some("Bearer"))), None);
        assert_eq!(bearer_token(&parts(None)), None);
    }

    #[test]
    fn errors_become_their_statuses_and_server_errors_say_nothing_more() {
        let not_found = OwnershipError::NotFound {
            model: "document",
            what: "object",
        };
        assert_eq!(not_found.into_response().status(), StatusCode::NOT_FOUND);
        let denied = OwnershipError::PermissionDenied {
            model: "document",
            action: "change the row",
        };
        assert_eq!(denied.status(), StatusCode::FORBIDDEN);
        let altered = OwnershipError::InvalidPage(PageProblem::MalformedCursor);
        assert_eq!(altered.status(), StatusCode::BAD_REQUEST);
        let unorderable = OwnershipError::InvalidPage(PageProblem::UnorderableColumn("body"));
        assert_eq!(unorderable.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let busy = OwnershipError::Db(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        let response = busy.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "1");
        let secret = OwnershipError::Db(DbErr::Custom("table secret_salaries".to_owned()));
        let response = secret.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_text(response);
        assert!(!body.contains("secret_salaries"), "{body}");
    }

    /// The body of a response built from a string.
    fn body_text(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let bytes = runtime
            .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .expect("the body");
        String::from_utf8(bytes.to_vec()).expect("utf-8")
    }
}
