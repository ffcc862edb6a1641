//! `kill -9` during a burst of concurrent writes loses no write that was
//! answered with 2xx: the real binary is started, killed, restarted, counted.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{admin_token, start, stored_notes};

use serde_json::json;

async fn crash_loses_no_acknowledged_write(database_url: &str) {
    let token = admin_token(database_url, "crash@example.com", "responder");
    let server = start(database_url);
    let http = reqwest::Client::new();
    let declared = http
        .post(format!("{}/api/v1/incidents", server.base))
        .bearer_auth(&token)
        .json(&json!({"title": "crash test"}))
        .send()
        .await
        .expect("declare");
    assert_eq!(declared.status(), 201);

    let acknowledged: Arc<Mutex<HashSet<String>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    let writers: Vec<_> = (0..16)
        .map(|writer| {
            let (http, token, base, acknowledged) = (
                http.clone(),
                token.clone(),
                server.base.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                for n in 0.. {
                    if Instant::now() > deadline {
                        break;
                    }
                    let text = format!("writer {writer} note {n}");
                    let sent = http
                        .post(format!("{base}/api/v1/incidents/INC-1/notes"))
                        .bearer_auth(&token)
                        .json(&json!({ "text": text }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            acknowledged.lock().expect("lock").insert(text);
                        }
                        // The server died mid-request: nothing was promised.
                        _ => break,
                    }
                }
            })
        })
        .collect();
    // Let the burst build up, then pull the plug.
    let burst = Instant::now();
    while acknowledged.lock().expect("lock").len() < 300
        && burst.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut server = server;
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    for writer in writers {
        let _ = writer.await;
    }
    let promised = acknowledged.lock().expect("lock").clone();
    assert!(
        promised.len() >= 100,
        "the burst was too small to mean anything: {}",
        promised.len()
    );
    drop(server);

    let restarted = start(database_url);
    let stored = stored_notes(&restarted.base, &token).await;
    let lost: Vec<&String> = promised.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged notes were lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    eprintln!(
        "kill -9 after {} acknowledged notes: all {} found after restart ({} stored in all)",
        promised.len(),
        promised.len(),
        stored.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("muster.db").display());
    crash_loses_no_acknowledged_write(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_kill_9() {
    let Some(base) = std::env::var("MUSTER_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        assert!(
            std::env::var("MUSTER_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
            "MUSTER_TEST_REQUIRE_ALL=1 but MUSTER_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipping: MUSTER_TEST_POSTGRES_URL is not set");
        return;
    };
    let (url, _guard) = muster_store_postgres::testing::fresh_database(&base).await;
    crash_loses_no_acknowledged_write(&url).await;
}
