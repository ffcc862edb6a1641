//! `kill -9` during an alert storm loses no alert whose webhook was answered
//! 2xx, and never leaves a webhook's batch stored in part: 16 senders POST
//! Alertmanager notifications of several alerts each to the real binary,
//! which is killed mid-storm, restarted on the same database, and counted.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{admin_token, start};
use serde_json::{Value, json};
use tokio::sync::Notify;

const SENDERS: usize = 16;
const ALERTS_PER_REQUEST: usize = 5;
/// Pull the plug once this many alerts were answered 2xx.
const KILL_AFTER: usize = 300;
/// The most `GET /api/v1/alerts` lists at once (it has no cursor). At the
/// kill at most one request per sender is in flight, so what is stored stays
/// far below this, and one listing is the whole store; the test checks that.
const LIST_LIMIT: usize = 1000;

/// One Alertmanager notification (payload version 4) carrying one firing
/// alert per fingerprint.
fn notification(fingerprints: &[String]) -> String {
    let alerts: Vec<Value> = fingerprints
        .iter()
        .map(|f| {
            json!({"status": "firing",
                "labels": {"alertname": "StormAlert", "instance": f, "severity": "warning"},
                "annotations": {"summary": format!("storm alert {f}")},
                "startsAt": "2026-12-01T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.test/g", "fingerprint": f})
        })
        .collect();
    json!({
        "receiver": "muster", "status": "firing", "version": "4",
        "groupKey": "{}:{alertname=\"StormAlert\"}", "truncatedAlerts": 0,
        "groupLabels": {"alertname": "StormAlert"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test", "alerts": alerts
    })
    .to_string()
}

/// The request an alert was sent in: `s03-r0012-a4` was in `s03-r0012`.
fn request_of(fingerprint: &str) -> &str {
    fingerprint
        .rsplit_once("-a")
        .map_or(fingerprint, |(request, _)| request)
}

/// A service and an Alertmanager integration for it; the integration's key.
async fn alertmanager_key(http: &reqwest::Client, base: &str, token: &str) -> String {
    let service = http
        .put(format!("{base}/api/v1/services/storm-api"))
        .bearer_auth(token)
        .json(&json!({"name": "Storm API"}))
        .send()
        .await
        .expect("PUT service");
    assert!(service.status().is_success(), "{:?}", service.text().await);
    let created = http
        .post(format!("{base}/api/v1/integrations"))
        .bearer_auth(token)
        .json(&json!({"name": "storm", "kind": "alertmanager", "service": "storm-api"}))
        .send()
        .await
        .expect("POST integration");
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("JSON");
    created["key"].as_str().expect("the key").to_owned()
}

/// The dedup key of every stored alert, in one listing.
async fn stored_keys(base: &str, token: &str) -> HashSet<String> {
    let list: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/alerts?limit={LIST_LIMIT}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET alerts")
        .error_for_status()
        .expect("2xx")
        .json()
        .await
        .expect("JSON");
    let keys: HashSet<String> = list["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["dedup_key"].as_str().map(str::to_owned))
        .collect();
    assert!(
        keys.len() < LIST_LIMIT,
        "{} alerts fill the listing, so it may not be all of them: lower KILL_AFTER",
        keys.len()
    );
    keys
}

async fn storm_loses_no_acknowledged_alert(database_url: &str) {
    let token = admin_token(database_url, "storm@example.com", "admin");
    let server = start(database_url);
    let http = reqwest::Client::new();
    let key = alertmanager_key(&http, &server.base, &token).await;

    // The fingerprints of every request answered 2xx, request by request.
    let acknowledged: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let enough = Arc::new(Notify::new());
    // Requests the kill cut off after they were sent (not refused connections).
    let cut_off: Arc<AtomicUsize> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (http, url, acknowledged, enough, cut_off) = (
                http.clone(),
                format!("{}/ingest/alertmanager/{key}", server.base),
                acknowledged.clone(),
                enough.clone(),
                cut_off.clone(),
            );
            tokio::spawn(async move {
                for n in 0.. {
                    if Instant::now() > deadline {
                        break;
                    }
                    let fingerprints: Vec<String> = (0..ALERTS_PER_REQUEST)
                        .map(|i| format!("s{sender:02}-r{n:04}-a{i}"))
                        .collect();
                    let sent = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(notification(&fingerprints))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            let mut promised = acknowledged.lock().expect("lock");
                            promised.push(fingerprints);
                            if promised.len() * ALERTS_PER_REQUEST >= KILL_AFTER {
                                enough.notify_one();
                            }
                        }
                        // Throttled: nothing of it was stored; back off as
                        // Alertmanager would and send the next one.
                        Ok(response) if response.status() == 429 => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Ok(response) => panic!(
                            "sender {sender}: {} {:?}",
                            response.status(),
                            response.text().await
                        ),
                        // The server died mid-request: nothing was promised.
                        Err(error) => {
                            if !error.is_connect() {
                                cut_off.fetch_add(1, Ordering::Relaxed);
                            }
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    // `notify_one` keeps its permit if nobody waits yet, so the signal of the
    // request that crossed the line is never missed.
    let crossed = tokio::time::timeout(Duration::from_secs(20), enough.notified())
        .await
        .is_ok();
    let mut server = server;
    server.child.kill().expect("kill -9");
    let _ = server.child.wait();
    for sender in senders {
        sender.await.expect("a sender panicked");
    }
    let promised = acknowledged.lock().expect("lock").clone();
    let promised_alerts = promised.len() * ALERTS_PER_REQUEST;
    assert!(
        crossed && promised_alerts >= KILL_AFTER,
        "the storm was too small to mean anything: {promised_alerts} alerts answered"
    );
    drop(server);

    let restarted = start(database_url);
    let stored = stored_keys(&restarted.base, &token).await;
    let lost: Vec<&String> = promised
        .iter()
        .flatten()
        .filter(|f| !stored.contains(*f))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged alerts were lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    // Every request, answered or cut off by the kill, is stored whole or not
    // at all: its batch was one transaction.
    let mut by_request: BTreeMap<&str, usize> = BTreeMap::new();
    for fingerprint in &stored {
        *by_request.entry(request_of(fingerprint)).or_default() += 1;
    }
    let partial: Vec<(&&str, &usize)> = by_request
        .iter()
        .filter(|(_, count)| **count != ALERTS_PER_REQUEST)
        .collect();
    assert!(
        partial.is_empty(),
        "{} requests were stored in part, e.g. {:?} ({ALERTS_PER_REQUEST} alerts each)",
        partial.len(),
        partial.first()
    );
    eprintln!(
        "kill -9 after {promised_alerts} acknowledged alerts in {} webhooks ({} cut off \
         mid-request): all found after restart ({} stored in all, {} webhooks, none in part)",
        promised.len(),
        cut_off.load(Ordering::Relaxed),
        stored.len(),
        by_request.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_alert_through_kill_9() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("muster.db").display());
    storm_loses_no_acknowledged_alert(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_alert_through_kill_9() {
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
    storm_loses_no_acknowledged_alert(&url).await;
}
