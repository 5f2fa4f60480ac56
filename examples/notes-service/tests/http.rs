//! The notes service driven over real HTTP on 127.0.0.1, as several users: on SQLite, and
//! on PostgreSQL when `OWNERSHIP_TEST_POSTGRES_URL` is set (with `CI=true` it must be).
//! Each run gets a database of its own.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use notes_service::api::{ActionsOut, AppState, AuditOut, NoteOut, NotesPage, ShareOut, router};
use notes_service::seed::{Demo, demo};
use notes_service::{PoolSettings, connect};
use reqwest::{Client, Method, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use serde_json::{Value, json};

/// A running service and who may call it.
struct Service {
    base: String,
    demo: Demo,
    db: DatabaseConnection,
    client: Client,
}

impl Service {
    /// Starts the service on a free port of 127.0.0.1 over the database `url`.
    async fn start(url: &str, pool: PoolSettings) -> Self {
        let db = connect(url, &pool).await.expect("connect and migrate");
        let demo = demo(&db).await.expect("demo data");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let app = router(AppState { db: db.clone() });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base,
            demo,
            db,
            client: Client::new(),
        }
    }

    /// Sends a request as `user` (a demo user's name; `None`: no token), with a JSON body.
    async fn call(
        &self,
        user: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(user) = user {
            request = request.bearer_auth(&self.demo.user(user).token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("a response");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON, not {text:?}"))
        };
        (status, value)
    }

    async fn get(&self, user: &str, path: &str) -> (StatusCode, Value) {
        self.call(Some(user), Method::GET, path, None).await
    }

    /// Every note `user` can list, walking pages of `limit` in the order `query` asks
    /// (`sort=..&order=..`): forward, then backward from the end, which must give the
    /// same notes.
    async fn walk_ordered(&self, user: &str, limit: u64, query: &str) -> Vec<NoteOut> {
        let mut notes: Vec<NoteOut> = Vec::new();
        let mut pages = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let path = match &next {
                Some(cursor) => format!("/notes?limit={limit}&{query}&after={cursor}"),
                None => format!("/notes?limit={limit}&{query}"),
            };
            let (status, body) = self.get(user, &path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let page: NotesPage = serde_json::from_value(body).expect("a page");
            assert!(page.items.len() as u64 <= limit);
            // No empty last page: a cursor promises more notes.
            assert!(
                !page.items.is_empty() || next.is_none(),
                "an empty page after a cursor"
            );
            assert_eq!(
                page.prev_cursor.is_some(),
                next.is_some(),
                "a first page has no prev"
            );
            pages.push(page.items.iter().map(|note| note.id).collect::<Vec<_>>());
            let prev = page.prev_cursor.clone();
            notes.extend(page.items);
            match page.next_cursor {
                Some(cursor) => next = Some(cursor),
                None => {
                    // Back from the last page: the pages before it, one by one.
                    let mut before = prev;
                    for expected in pages.iter().rev().skip(1) {
                        let cursor = before.expect("a page before");
                        let path = format!("/notes?limit={limit}&{query}&before={cursor}");
                        let (status, body) = self.get(user, &path).await;
                        assert_eq!(status, StatusCode::OK, "{body}");
                        let page: NotesPage = serde_json::from_value(body).expect("a page");
                        let ids: Vec<i64> = page.items.iter().map(|note| note.id).collect();
                        assert_eq!(&ids, expected, "walking back");
                        before = page.prev_cursor;
                    }
                    assert!(before.is_none(), "a page before the first");
                    return notes;
                }
            }
        }
    }

    /// Every note `user` can list, in id order, walking pages of `limit`.
    async fn walk(&self, user: &str, limit: u64) -> Vec<NoteOut> {
        self.walk_ordered(user, limit, "sort=id").await
    }

    /// The titles `user` can list.
    async fn titles(&self, user: &str) -> BTreeSet<String> {
        self.walk(user, 2)
            .await
            .into_iter()
            .map(|note| note.title)
            .collect()
    }

    /// The id of the note titled `title`, as the superuser lists it.
    async fn id_of(&self, title: &str) -> i64 {
        self.walk("dan", 100)
            .await
            .into_iter()
            .find(|note| note.title == title)
            .unwrap_or_else(|| panic!("no note {title}"))
            .id
    }
}

fn titles<const N: usize>(titles: [&str; N]) -> BTreeSet<String> {
    titles.into_iter().map(str::to_owned).collect()
}

/// The whole scenario, on one backend.
async fn scenario(url: &str) {
    let service = Service::start(url, PoolSettings::default()).await;
    let s = &service;

    // Signing in: no token, or an unknown one, is 401 before any handler runs.
    assert_eq!(
        s.call(None, Method::GET, "/notes", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = s
        .client
        .get(format!("{}/notes", s.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .map(|response| (response.status(), ()))
        .expect("a response");
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Lists: the owner, staff of the workspace, a superuser, another workspace, no one.
    assert_eq!(s.titles("ada").await, titles(["plan", "draft", "budget"]));
    assert_eq!(s.titles("carol").await, titles(["plan", "draft", "budget"]));
    assert_eq!(
        s.titles("dan").await,
        titles(["plan", "draft", "budget", "secret"])
    );
    assert_eq!(s.titles("eve").await, titles(["secret"]));
    assert_eq!(s.titles("zoe").await, titles([]));
    let (plan, budget, secret) = (
        s.id_of("plan").await,
        s.id_of("budget").await,
        s.id_of("secret").await,
    );

    // 404 for a note one may not read, exactly as for one that does not exist.
    let hidden = s.get("eve", &format!("/notes/{plan}")).await;
    let missing = s.get("eve", "/notes/987654321").await;
    assert_eq!(hidden.0, StatusCode::NOT_FOUND);
    assert_eq!(hidden, missing);
    // 403 for one one reads but may not change or delete.
    assert_eq!(
        s.get("ada", &format!("/notes/{budget}")).await.0,
        StatusCode::OK
    );
    let change = json!({ "body": "mine now" });
    let (status, _) = s
        .call(
            Some("ada"),
            Method::PATCH,
            &format!("/notes/{budget}"),
            Some(change.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .call(
            Some("eve"),
            Method::PATCH,
            &format!("/notes/{budget}"),
            Some(change),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .call(
            Some("ada"),
            Method::DELETE,
            &format!("/notes/{budget}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Create, a taken title, a user without a workspace.
    let (status, body) = s
        .call(
            Some("ada"),
            Method::POST,
            "/notes",
            Some(json!({ "title": "ideas", "body": "b" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ideas: NoteOut = serde_json::from_value(body).expect("a note");
    let (status, _) = s
        .call(
            Some("ada"),
            Method::POST,
            "/notes",
            Some(json!({ "title": "ideas" })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = s
        .call(
            Some("zoe"),
            Method::POST,
            "/notes",
            Some(json!({ "title": "mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = s
        .call(
            Some("ada"),
            Method::PATCH,
            &format!("/notes/{}", ideas.id),
            Some(json!({ "title": "ideas v2" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "ideas v2");

    // Per-note actions, for one note and for a list (unreadable ones left out).
    let (_, body) = s.get("ada", &format!("/notes/{plan}/actions")).await;
    assert_eq!(
        body["actions"],
        json!(["read", "manage", "delete", "share"])
    );
    let (status, body) = s
        .get(
            "ada",
            &format!("/notes/actions?ids={plan},{budget},{secret}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<ActionsOut> = serde_json::from_value(body).expect("actions");
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed
            .iter()
            .find(|row| row.id == budget)
            .expect("budget")
            .actions,
        ["read"]
    );
    assert_eq!(
        s.get("eve", &format!("/notes/{plan}/actions")).await.0,
        StatusCode::NOT_FOUND
    );

    // Shares: with a user, with a team (bob is a reviewer), expiry, revocation.
    let share_with_bob = json!({
        "user_id": s.demo.user("bob").id,
        "permissions": ["view"],
        "expires_in_seconds": 3600,
    });
    let (status, body) = s
        .call(
            Some("ada"),
            Method::POST,
            &format!("/notes/{plan}/shares"),
            Some(share_with_bob.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let share: ShareOut = serde_json::from_value(body).expect("a share");
    assert!(share.expires_at.is_some());
    assert_eq!(
        s.get("bob", &format!("/notes/{plan}")).await.0,
        StatusCode::OK
    );
    let (_, body) = s.get("bob", &format!("/notes/{plan}/actions")).await;
    assert_eq!(body["actions"], json!(["read"]));
    let (status, _) = s
        .call(
            Some("bob"),
            Method::PATCH,
            &format!("/notes/{plan}"),
            Some(json!({ "body": "x" })),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Eve may not share a note she cannot read: 404, not 403.
    let (status, _) = s
        .call(
            Some("eve"),
            Method::POST,
            &format!("/notes/{plan}/shares"),
            Some(share_with_bob),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let draft = s.id_of("draft").await;
    let with_team = json!({ "team_id": s.demo.reviewers, "permissions": ["view", "change"] });
    let (status, _) = s
        .call(
            Some("ada"),
            Method::POST,
            &format!("/notes/{draft}/shares"),
            Some(with_team),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = s
        .call(
            Some("bob"),
            Method::PATCH,
            &format!("/notes/{draft}"),
            Some(json!({ "body": "reviewed" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = s.get("ada", &format!("/notes/{plan}/shares")).await;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    // A share id under another note's path is not found; under its own it is revoked.
    let (status, _) = s
        .call(
            Some("ada"),
            Method::DELETE,
            &format!("/notes/{draft}/shares/{}", share.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .call(
            Some("ada"),
            Method::DELETE,
            &format!("/notes/{plan}/shares/{}", share.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get("bob", &format!("/notes/{plan}")).await.0,
        StatusCode::NOT_FOUND
    );

    // The note's audit trail, newest first: the revocation, then the share, both by ada;
    // for those who may share the note only.
    let (status, body) = s.get("ada", &format!("/notes/{plan}/audit")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let trail: Vec<AuditOut> = serde_json::from_value(body).expect("a trail");
    let ada = s.demo.user("ada").id.to_string();
    let actions: Vec<&str> = trail.iter().map(|entry| entry.action.as_str()).collect();
    assert_eq!(actions, ["revoke_share", "share"]);
    assert!(
        trail
            .iter()
            .all(|entry| entry.actor.as_deref() == Some(ada.as_str()))
    );
    let bob = format!("user:{}", s.demo.user("bob").id);
    assert_eq!(trail[1].grantee.as_deref(), Some(bob.as_str()));
    assert_eq!(
        s.get("carol", &format!("/notes/{plan}/audit")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("bob", &format!("/notes/{draft}/audit")).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("eve", &format!("/notes/{plan}/audit")).await.0,
        StatusCode::NOT_FOUND
    );

    // Pages: many notes, walked two at a time and fifty at a time, each note once.
    for k in 0..7 {
        let (status, _) = s
            .call(
                Some("ada"),
                Method::POST,
                "/notes",
                Some(json!({ "title": format!("n{k}") })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let by_two: Vec<i64> = s.walk("ada", 2).await.iter().map(|note| note.id).collect();
    let by_fifty: Vec<i64> = s.walk("ada", 50).await.iter().map(|note| note.id).collect();
    assert_eq!(by_two, by_fifty);
    assert_eq!(by_two.len(), 3 + 1 + 7);
    assert_eq!(by_two.iter().collect::<BTreeSet<_>>().len(), by_two.len());
    // By title and by creation time, both ways: the order asked for, ties by id.
    let by_title = s.walk_ordered("ada", 3, "sort=title&order=asc").await;
    let mut titles: Vec<String> = by_title.iter().map(|note| note.title.clone()).collect();
    assert!(
        titles.windows(2).all(|pair| pair[0] <= pair[1]),
        "{titles:?}"
    );
    let by_title_desc = s.walk_ordered("ada", 3, "sort=title&order=desc").await;
    titles.reverse();
    assert_eq!(
        by_title_desc
            .iter()
            .map(|note| note.title.clone())
            .collect::<Vec<_>>(),
        titles
    );
    let newest_first = s.walk_ordered("ada", 4, "sort=created_at&order=desc").await;
    let keys: Vec<(i64, i64)> = newest_first
        .iter()
        .map(|note| (note.created_at, note.id))
        .collect();
    assert!(keys.windows(2).all(|pair| pair[0] > pair[1]), "{keys:?}");
    assert_eq!(newest_first.len(), by_two.len());
    // Bad requests: a size out of range, a made-up or foreign cursor, an unknown sort.
    assert_eq!(
        s.get("ada", "/notes?limit=0").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.get("ada", "/notes?after=zzz").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.get("ada", "/notes?sort=body").await.0,
        StatusCode::BAD_REQUEST
    );
    let (_, first) = s.get("ada", "/notes?limit=2&sort=title").await;
    let title_cursor = first["next_cursor"].as_str().expect("a cursor").to_owned();
    let (status, _) = s
        .get(
            "ada",
            &format!("/notes?sort=created_at&after={title_cursor}"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Delete: the owner may; then it is gone for everyone.
    let (status, _) = s
        .call(
            Some("ada"),
            Method::DELETE,
            &format!("/notes/{}", ideas.id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        s.get("dan", &format!("/notes/{}", ideas.id)).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(s.db.ping().await.is_ok());
}

/// With every pooled connection taken, a request waits the acquire timeout and gets a 503
/// with `Retry-After`, never a hang.
async fn an_exhausted_pool_is_a_503(url: &str) {
    let pool = PoolSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_millis(300),
    };
    let service = Service::start(url, pool).await;
    let held = service.db.begin().await.expect("the only connection");
    let response = service
        .client
        .get(format!("{}/notes", service.base))
        .bearer_auth(&service.demo.user("ada").token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    held.rollback().await.expect("release");
    let (status, _) = service.get("ada", "/notes").await;
    assert_eq!(status, StatusCode::OK);
}

/// A fresh SQLite file.
fn sqlite_url() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "notes-service-{}-{}.sqlite",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&path);
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A fresh PostgreSQL database on the server of `OWNERSHIP_TEST_POSTGRES_URL`, and a
/// connection to drop it with; `None` when the variable is unset (a failure under
/// `CI=true`).
async fn postgres_database() -> Option<(String, DatabaseConnection, String)> {
    let Ok(url) = std::env::var("OWNERSHIP_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "OWNERSHIP_TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "notes_service_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let admin = Database::connect(&url).await.expect("the server");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a database");
    let (base, _) = url.rsplit_once('/').expect("a database in the URL");
    Some((format!("{base}/{name}"), admin, name))
}

async fn drop_database(admin: DatabaseConnection, name: String) {
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .expect("drop the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_on_sqlite() {
    scenario(&sqlite_url()).await;
    an_exhausted_pool_is_a_503(&sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_on_postgres() {
    let Some((url, admin, name)) = postgres_database().await else {
        return;
    };
    scenario(&url).await;
    drop_database(admin, name).await;
    let Some((url, admin, name)) = postgres_database().await else {
        return;
    };
    an_exhausted_pool_is_a_503(&url).await;
    drop_database(admin, name).await;
}
