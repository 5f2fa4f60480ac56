//! Runs the notes service: `cargo run -p notes-service`.
//!
//! `DATABASE_URL` (default: a fresh SQLite file in the temporary directory) and `ADDRESS`
//! (default `127.0.0.1:3000`) configure it. On a fresh database it creates demo users and
//! prints a token for each.

use notes_service::{PoolSettings, api, connect, seed};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn")),
        )
        .init();
    let url = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => {
            let path = std::env::temp_dir().join("notes-service.sqlite");
            let _ = std::fs::remove_file(&path);
            format!("sqlite://{}?mode=rwc", path.display())
        }
    };
    let address = std::env::var("ADDRESS").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let db = connect(&url, &PoolSettings::default()).await?;
    let demo = seed::demo(&db).await?;
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("notes service on http://{address}");
    for user in &demo.users {
        println!(
            "  {:<6} {:<8} curl -H 'Authorization: Bearer {}' http://{address}/notes",
            user.name, user.role, user.token
        );
    }
    axum::serve(listener, api::router(api::AppState { db }))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
