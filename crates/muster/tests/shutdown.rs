//! SIGTERM stops the server gracefully: requests already in flight get their
//! answers, and every write answered 2xx is there after a restart.

mod common;

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{admin_token, start, stored_notes};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_in_flight_requests_finish() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "ops@example.com", "responder");
    let mut server = start(&database);
    let http = reqwest::Client::new();
    let declared = http
        .post(format!("{}/api/v1/incidents", server.base))
        .bearer_auth(&token)
        .json(&json!({"title": "shutdown test"}))
        .send()
        .await
        .expect("declare");
    assert_eq!(declared.status(), 201);

    let answered: Arc<Mutex<HashSet<String>>> = Arc::default();
    let broken: Arc<Mutex<Vec<String>>> = Arc::default();
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (http, token, base) = (http.clone(), token.clone(), server.base.clone());
            let (answered, broken) = (answered.clone(), broken.clone());
            tokio::spawn(async move {
                for n in 0..100_000 {
                    let text = format!("writer {writer} note {n}");
                    let sent = http
                        .post(format!("{base}/api/v1/incidents/INC-1/notes"))
                        .bearer_auth(&token)
                        .json(&json!({ "text": text }))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            answered.lock().expect("lock").insert(text);
                        }
                        Ok(response) => {
                            broken
                                .lock()
                                .expect("lock")
                                .push(format!("{text}: {}", response.status()));
                            break;
                        }
                        // Refused, or a kept-alive connection closed before this
                        // request was read: the server never took it on, and the
                        // client was told nothing was saved.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while answered.lock().expect("lock").len() < 200 && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "a graceful stop exits 0, got {exit:?}");
    for writer in writers {
        let _ = writer.await;
    }
    let broken = broken.lock().expect("lock").clone();
    // A request the server took on is answered with its real outcome, not an
    // error made up because the process was stopping.
    assert!(
        broken.is_empty(),
        "requests failed by the shutdown: {broken:?}"
    );
    let promised = answered.lock().expect("lock").clone();
    drop(server);

    let restarted = start(&database);
    let stored = stored_notes(&restarted.base, &token).await;
    assert!(
        promised.is_subset(&stored),
        "answered notes missing after a graceful stop"
    );
}
