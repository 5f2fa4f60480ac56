//! A bounded load run of the notes service on loopback: the service in this process, a
//! number of concurrent HTTP clients for a number of seconds, each a demo user doing a mix
//! of list, get and update; then the figures, and the process stops by itself.
//!
//! `cargo run --release -p notes-service --bin load -- [--clients 64] [--seconds 20]
//! [--notes 2000] [--database-url URL]` (default: a fresh SQLite file).

use std::time::{Duration, Instant};

use notes_service::api::{AppState, NotesPage, router};
use notes_service::entities::memberships;
use notes_service::seed::demo;
use notes_service::{PoolSettings, connect, now_ms};
use ownership_core::OwnedActiveModelExt;
use reqwest::{Client, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

/// The run's settings.
struct Settings {
    clients: usize,
    seconds: u64,
    notes: usize,
    url: String,
}

fn settings() -> Result<Settings, String> {
    let mut settings = Settings {
        clients: 64,
        seconds: 20,
        notes: 2_000,
        url: {
            let path = std::env::temp_dir().join("notes-service-load.sqlite");
            let _ = std::fs::remove_file(&path);
            format!("sqlite://{}?mode=rwc", path.display())
        },
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--clients" => settings.clients = number()?,
            "--seconds" => settings.seconds = number()? as u64,
            "--notes" => settings.notes = number()?,
            "--database-url" => settings.url = value,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(settings)
}

/// What one client saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
    unavailable: usize,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = settings()?;
    let db = connect(&settings.url, &PoolSettings::default()).await?;
    let demo = demo(&db).await?;
    // Notes spread over the workspace members, so that lists have pages to walk.
    let owners = ["ada", "bob", "carol", "eve"];
    for k in 0..settings.notes {
        let owner = demo.user(owners[k % owners.len()]).id;
        let membership = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(owner))
            .one(&db)
            .await?
            .ok_or("a demo member")?;
        notes_service::entities::notes::ActiveModel {
            membership_id: Set(membership.id),
            title: Set(format!("note {k}")),
            body: Set("text".to_owned()),
            created_at: Set(now_ms()),
            ..Default::default()
        }
        .insert_owned(&db)
        .await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(axum::serve(listener, router(AppState { db })).into_future());

    let deadline = Instant::now() + Duration::from_secs(settings.seconds);
    let started = Instant::now();
    let mut clients = Vec::new();
    for k in 0..settings.clients {
        let user = demo.users[k % 5].clone();
        let base = base.clone();
        clients.push(tokio::spawn(async move {
            let client = Client::new();
            let mut tally = Tally::default();
            let mut ids: Vec<i64> = Vec::new();
            let mut step = k;
            while Instant::now() < deadline {
                step += 1;
                let request = match (step % 10, ids.is_empty()) {
                    (0..=5, _) | (_, true) => client.get(format!("{base}/notes?limit=20")),
                    (6..=8, false) => client.get(format!("{base}/notes/{}", ids[step % ids.len()])),
                    _ => client
                        .patch(format!("{base}/notes/{}", ids[step % ids.len()]))
                        .json(&serde_json::json!({ "body": format!("edit {step}") })),
                };
                let sent = Instant::now();
                let response = request.bearer_auth(&user.token).send().await;
                let elapsed = sent.elapsed();
                match response {
                    Ok(response) => {
                        let status = response.status();
                        let text = response.text().await.unwrap_or_default();
                        tally.latencies.push(elapsed);
                        if status == StatusCode::SERVICE_UNAVAILABLE {
                            tally.unavailable += 1;
                        } else if status.is_server_error() {
                            tally.errors += 1;
                        } else if ids.is_empty()
                            && let Ok(page) = serde_json::from_str::<NotesPage>(&text)
                        {
                            ids = page.items.iter().map(|note| note.id).collect();
                        }
                    }
                    Err(_) => tally.errors += 1,
                }
            }
            tally
        }));
    }
    let mut latencies = Vec::new();
    let (mut errors, mut unavailable) = (0, 0);
    for client in clients {
        let tally = client.await?;
        latencies.extend(tally.latencies);
        errors += tally.errors;
        unavailable += tally.unavailable;
    }
    let wall = started.elapsed();
    server.abort();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |latency| latency.as_secs_f64() * 1e3)
    };
    let backend = settings.url.split(':').next().unwrap_or("?");
    println!(
        "{backend}: {} clients, {:.1} s, {} notes: {} requests, {:.0} requests/s, p50 {:.2} ms, \
         p99 {:.2} ms, errors {errors}, 503s {unavailable}",
        settings.clients,
        wall.as_secs_f64(),
        settings.notes,
        latencies.len(),
        latencies.len() as f64 / wall.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
    );
    if errors > 0 || unavailable > 0 {
        return Err("the run had failed requests".into());
    }
    Ok(())
}
