//! `kill -9` during a burst of concurrent writes loses no write that was
//! answered with 2xx: the real binary is started, killed, restarted, counted.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_muster");

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `muster serve` on a free port and waits for it to say where it listens.
fn start(database_url: &str) -> Server {
    let mut child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", database_url])
        .env("MUSTER_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start muster serve");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let address = rest.split_whitespace().next().unwrap_or_default().to_owned();
                let _ = sender.send(address);
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("muster serve did not report its address");
    Server { child, base }
}

fn admin_token(database_url: &str) -> String {
    let output = Command::new(BINARY)
        .args(["admin", "token", "--email", "crash@example.com", "--role", "responder", "--database-url", database_url])
        .output()
        .expect("run muster admin token");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
}

async fn crash_loses_no_acknowledged_write(database_url: &str) {
    let token = admin_token(database_url);
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
            let (http, token, base, acknowledged) = (http.clone(), token.clone(), server.base.clone(), acknowledged.clone());
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
    while acknowledged.lock().expect("lock").len() < 300 && burst.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut server = server;
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    for writer in writers {
        let _ = writer.await;
    }
    let promised = acknowledged.lock().expect("lock").clone();
    assert!(promised.len() >= 100, "the burst was too small to mean anything: {}", promised.len());
    drop(server);

    let restarted = start(database_url);
    let page: Value = http
        .get(format!("{}/api/v1/incidents/INC-1/timeline?limit=1000", restarted.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("timeline")
        .json()
        .await
        .expect("json");
    let mut stored: HashSet<String> = HashSet::new();
    let mut cursor = page["next_cursor"].as_str().map(str::to_owned);
    let mut entries = page["entries"].as_array().cloned().unwrap_or_default();
    while let Some(next) = cursor.take() {
        let more: Value = http
            .get(format!("{}/api/v1/incidents/INC-1/timeline?limit=1000&cursor={next}", restarted.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("timeline")
            .json()
            .await
            .expect("json");
        cursor = more["next_cursor"].as_str().map(str::to_owned);
        entries.extend(more["entries"].as_array().cloned().unwrap_or_default());
    }
    for entry in entries {
        if let Some(text) = entry["text"].as_str().filter(|_| entry["kind"] == "note") {
            stored.insert(text.to_owned());
        }
    }
    let lost: Vec<&String> = promised.difference(&stored).collect();
    assert!(lost.is_empty(), "{} acknowledged notes were lost, e.g. {:?}", lost.len(), lost.first());
    eprintln!("kill -9 after {} acknowledged notes: all {} found after restart ({} stored in all)", promised.len(), promised.len(), stored.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("muster.db").display());
    crash_loses_no_acknowledged_write(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_kill_9() {
    let Some(base) = std::env::var("MUSTER_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) else {
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
