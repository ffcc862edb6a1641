//! Alert ingestion over HTTP, on SQLite and (when configured) PostgreSQL:
//! the Alertmanager webhook and PagerDuty's Events API v2 answer as their
//! senders expect, repeats update instead of duplicating, and bad requests
//! (unknown key, malformed, oversize) are refused with nothing stored.

#![allow(clippy::unwrap_used)]

use muster_core::UserRole;
use muster_core::alert::AlertStatus;
use muster_store::alerts::AlertFilter;
use muster_test_support::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(
    app: &TestApp,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value, Option<String>) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, response.json().await.unwrap_or(Value::Null), retry)
}

fn notification(status: &str) -> String {
    json!({
        "receiver": "muster", "status": status, "version": "4",
        "groupKey": "{}:{alertname=\"HighLatency\"}", "truncatedAlerts": 0,
        "groupLabels": {"alertname": "HighLatency"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [
            {"status": status, "labels": {"alertname": "HighLatency", "instance": "c-1", "severity": "critical"},
             "annotations": {"summary": "p99 above 500 ms on c-1"}, "startsAt": "2026-12-01T09:00:00Z",
             "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g", "fingerprint": "c1"},
            {"status": "firing", "labels": {"alertname": "HighLatency", "instance": "c-2"},
             "annotations": {"summary": "p99 above 500 ms on c-2"}, "startsAt": "2026-12-01T09:00:00Z",
             "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g", "fingerprint": "c2"}
        ]
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alertmanager_webhook_stores_deduplicates_and_resolves() {
    for app in TestApp::each().await {
        let key = app.checkout_integration("alertmanager").await;
        let path = format!("/ingest/alertmanager/{key}");
        let (status, body, _) = post(&app, &path, notification("firing")).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(
            (body["opened"].clone(), body["updated"].clone()),
            (json!(2), json!(0))
        );
        let (_, again, _) = post(&app, &path, notification("firing")).await;
        assert_eq!(again["updated"], 2, "a repeat updates: {again}");
        let (_, resolved, _) = post(&app, &path, notification("resolved")).await;
        assert_eq!(resolved["updated"], 2, "{resolved}");

        let alerts = app
            .store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(alerts.len(), 2, "{:?}", app.backend);
        let c1 = alerts.iter().find(|a| a.dedup_key == "c1").unwrap();
        assert_eq!((c1.status, c1.occurrences), (AlertStatus::Resolved, 2));
        assert_eq!(c1.severity.as_str(), "critical");

        // Refusals store nothing.
        let (status, body, _) = post(
            &app,
            "/ingest/alertmanager/0123456789abcdef0123456789abcdef",
            notification("firing"),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (StatusCode::NOT_FOUND, json!("unknown_key"))
        );
        let (status, body, _) = post(
            &app,
            &format!("/ingest/grafana/{key}"),
            notification("firing"),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "an Alertmanager key on the Grafana endpoint: {body}"
        );
        let broken = notification("firing").replace(r#","fingerprint":"c2""#, "");
        let (status, body, _) = post(&app, &path, broken).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["fields"]["alerts[1].fingerprint"].is_string(),
            "{body}"
        );
        let (status, body, _) = post(&app, &path, "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let oversize = format!("{{\"pad\":\"{}\"}}", "x".repeat(muster_ingest::MAX_BODY));
        let (status, body, _) = post(&app, &path, oversize).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (StatusCode::PAYLOAD_TOO_LARGE, json!("too_large"))
        );
        let after = app
            .store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(after.len(), 2, "nothing more was stored");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_events_answer_as_pagerduty_does() {
    for app in TestApp::each().await {
        let key = app.checkout_integration("pagerduty_events").await;
        let trigger = json!({
            "routing_key": key, "event_action": "trigger", "dedup_key": "db-7/disk",
            "payload": {"summary": "Disk at 97% on db-7", "source": "db-7", "severity": "critical"}
        });
        let (status, body, _) = post(&app, "/v2/enqueue", trigger.to_string()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(
            body,
            json!({"status": "success", "message": "Event processed", "dedup_key": "db-7/disk"})
        );

        let keyless = json!({"routing_key": key, "event_action": "trigger",
            "payload": {"summary": "s", "source": "h", "severity": "info"}});
        let (_, body, _) = post(&app, "/v2/enqueue", keyless.to_string()).await;
        assert!(
            body["dedup_key"].as_str().is_some_and(|k| !k.is_empty()),
            "{body}"
        );

        for action in ["acknowledge", "resolve"] {
            let event =
                json!({"routing_key": key, "event_action": action, "dedup_key": "db-7/disk"});
            let (status, body, _) = post(&app, "/v2/enqueue", event.to_string()).await;
            assert_eq!(status, StatusCode::ACCEPTED, "{action}: {body}");
        }

        let (status, body, _) = post(&app, "/v2/enqueue", "not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"status": "Unrecognized object", "message": "Event object format is unrecognized", "errors": ["JSON parse error"]})
        );
        let short = json!({"routing_key": "short", "event_action": "trigger",
            "payload": {"summary": "s", "source": "h", "severity": "info"}});
        let (status, body, _) = post(&app, "/v2/enqueue", short.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["status"], "invalid event");
        assert_eq!(
            body["errors"][0],
            "Length of 'routing_key' is incorrect (should be 32 characters)"
        );
        let unknown = json!({"routing_key": "0123456789abcdef0123456789abcdef", "event_action": "resolve", "dedup_key": "x"});
        let (status, _, _) = post(&app, "/v2/enqueue", unknown.to_string()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let oversize = format!("{{\"pad\":\"{}\"}}", "x".repeat(muster_ingest::MAX_BODY));
        let (status, _, _) = post(&app, "/v2/enqueue", oversize).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

        let alerts = app
            .store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        let disk = alerts.iter().find(|a| a.dedup_key == "db-7/disk").unwrap();
        assert_eq!(disk.status, AlertStatus::Resolved);
        assert!(disk.acknowledged_at.is_some());
    }
}

/// PagerDuty's own Python client (PyPI `pagerduty`, `EventsApiV2Client`)
/// pointed at muster by its base URL: trigger, acknowledge, resolve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerdutys_official_client_triggers_acknowledges_and_resolves() {
    let Some(python) = muster_test_support::peers::python_with("pagerduty").await else {
        muster_test_support::skip(
            "python3 with pagerduty is not installed (python3 -m pip install pagerduty)",
        );
        return;
    };
    for app in TestApp::each().await {
        let key = app.checkout_integration("pagerduty_events").await;
        let script = r#"
import json, sys
import pagerduty
# The client insists on https:// in its URL setter; muster here listens on
# plain HTTP on loopback, so only that check is stepped around. Every request
# and answer still goes through the client's own code.
def client_for(key):
    client = pagerduty.EventsApiV2Client(key, base_url="https://events.muster.test")
    client._url = sys.argv[2]
    return client
client = client_for(sys.argv[1])
key = client.trigger("Checkout error rate above 5%", "checkout-api-7", severity="error",
                     custom_details={"rate": "7.5%"}, links=[{"href": "https://grafana.test/d/1", "text": "Dashboard"}])
client.acknowledge(key)
again = client.trigger("Checkout error rate above 5%", "checkout-api-7", dedup_key=key,
                       custom_details={"rate": "9.1%"})
client.resolve(key)
try:
    client_for("0123456789abcdef0123456789abcdef").resolve("nope")
    refused = None
except pagerduty.Error as error:
    refused = getattr(getattr(error, "response", None), "status_code", "error")
print(json.dumps({"key": key, "again": again, "refused": refused}))
"#;
        let output = tokio::process::Command::new(&python)
            .args(["-c", script, &key, &app.base_url()])
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "the PagerDuty client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let result: Value = serde_json::from_slice(&output.stdout).unwrap();
        let dedup_key = result["key"].as_str().unwrap().to_owned();
        assert_eq!(result["again"], dedup_key.as_str());
        assert_eq!(result["refused"], 404, "{result}");
        let alerts = app
            .store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(alerts.len(), 1, "{alerts:#?}");
        let alert = &alerts[0];
        assert_eq!(alert.dedup_key, dedup_key);
        assert_eq!(alert.status, AlertStatus::Resolved);
        assert_eq!(alert.occurrences, 2);
        assert!(alert.acknowledged_at.is_some());
        assert_eq!(alert.annotations["rate"], "9.1%", "the latest details win");
        assert_eq!(alert.links[0].text, "Dashboard");
    }
}

/// `GET /api/v1/alerts/{id}`, then acknowledge and resolve by hand: the same
/// decision as a source's signal, one versioned change, never on a newer
/// alert that opened under the same key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_shown_acknowledged_and_resolved_by_hand() {
    use reqwest::Method;
    for app in TestApp::each().await {
        let key = app.checkout_integration("alertmanager").await;
        let path = format!("/ingest/alertmanager/{key}");
        let firing = notification("firing");
        let (status, _, _) = post(&app, &path, firing.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (status, _, _) = post(&app, &path, firing.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let stored = app
            .store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        let id_of = |key: &str| {
            stored
                .iter()
                .find(|a| a.dedup_key == key)
                .unwrap()
                .id
                .to_string()
        };
        let (c1, c2) = (id_of("c1"), id_of("c2"));
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        let responder = app.token("rita@example.com", UserRole::Responder).await;
        let backend = format!("{:?}", app.backend);

        let (status, shown) = app
            .call(&viewer, Method::GET, &format!("/api/v1/alerts/{c1}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{backend}: {shown}");
        assert_eq!(shown["status"], "firing");
        assert_eq!(shown["summary"], "p99 above 500 ms on c-1");
        assert_eq!(shown["labels"]["instance"], "c-1");
        assert_eq!(shown["annotations"]["summary"], "p99 above 500 ms on c-1");
        assert_eq!(shown["links"][0]["href"], "http://prometheus.test/g");
        assert_eq!(shown["occurrences"], 2);
        assert_eq!(shown["version"], 2);
        assert_eq!(shown["group_key"], "{}:{alertname=\"HighLatency\"}");
        assert_eq!(shown["integration_name"], "alertmanager-checkout");
        assert_eq!(shown["integration_kind"], "alertmanager");
        assert_eq!(shown["service"], "checkout-api");
        assert!(shown["first_seen"].is_string() && shown["last_seen"].is_string());

        // Bad ids.
        let (status, body) = app
            .call(&viewer, Method::GET, "/api/v1/alerts/not-a-uuid", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"]["fields"]["id"].is_string(), "{body}");
        let unknown = "0190a0b0-0000-7000-8000-000000000000";
        for (method, suffix) in [
            (Method::GET, ""),
            (Method::POST, "/acknowledge"),
            (Method::POST, "/resolve"),
        ] {
            let (status, body) = app
                .call(
                    &responder,
                    method,
                    &format!("/api/v1/alerts/{unknown}{suffix}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{suffix}: {body}");
            assert_eq!(body["error"]["code"], "not_found");
        }

        // Viewers read, never act.
        let ack = format!("/api/v1/alerts/{c1}/acknowledge");
        let (status, _) = app.call(&viewer, Method::POST, &ack, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let (status, acked) = app.call(&responder, Method::POST, &ack, None).await;
        assert_eq!(status, StatusCode::OK, "{acked}");
        assert_eq!(acked["status"], "acknowledged");
        assert!(acked["acknowledged_at"].is_string());
        assert_eq!(acked["version"], 3, "one versioned change");
        assert_eq!(acked["occurrences"], 2, "a hand is not an occurrence");
        assert_eq!(acked["integration_name"], "alertmanager-checkout");
        let (status, again) = app.call(&responder, Method::POST, &ack, None).await;
        assert_eq!(status, StatusCode::OK, "acknowledging twice is fine");
        assert_eq!(
            (again["version"].clone(), again["acknowledged_at"].clone()),
            (json!(3), acked["acknowledged_at"].clone()),
            "and changes nothing"
        );
        // The source's next repeat keeps it acknowledged.
        post(&app, &path, firing.clone()).await;
        let (_, repeated) = app
            .call(&viewer, Method::GET, &format!("/api/v1/alerts/{c1}"), None)
            .await;
        assert_eq!(
            (repeated["status"].clone(), repeated["occurrences"].clone()),
            (json!("acknowledged"), json!(3))
        );

        // The source resolves c1: acknowledging is refused, resolving again
        // answers it as it is.
        let (status, _, _) = post(&app, &path, notification("resolved")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (status, body) = app.call(&responder, Method::POST, &ack, None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "alert_resolved");
        let resolve = format!("/api/v1/alerts/{c1}/resolve");
        let (status, body) = app.call(&responder, Method::POST, &resolve, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "resolved");

        // c2 (still firing: the resolved notification above resolves only
        // c1) is resolved by hand; then the source fires it again, which opens
        // a new alert the old id must not reach.
        let resolve = format!("/api/v1/alerts/{c2}/resolve");
        let (status, body) = app.call(&responder, Method::POST, &resolve, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "resolved");
        assert!(body["resolved_at"].is_string());
        let (_, opened, _) = post(&app, &path, firing.clone()).await;
        assert_eq!(opened["opened"], 2, "c1 and c2 open anew: {opened}");
        let (status, body) = app
            .call(
                &responder,
                Method::POST,
                &format!("/api/v1/alerts/{c2}/acknowledge"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, body) = app.call(&responder, Method::POST, &resolve, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let open = app
            .store
            .alerts(&AlertFilter {
                statuses: vec![AlertStatus::Firing],
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(open.len(), 2, "{backend}: the new alerts stay firing");
        assert!(
            open.iter()
                .all(|a| a.version == 1 && a.id.to_string() != c2)
        );
    }
}

/// Alertmanager's webhook with `count` distinct alerts in one group.
fn storm(count: usize) -> String {
    let alerts: Vec<Value> = (0..count)
        .map(|i| {
            json!({"status": "firing", "labels": {"alertname": "DiskFull", "instance": format!("d-{i}")},
                   "annotations": {"summary": format!("disk full on d-{i}")}, "startsAt": "2026-12-01T09:00:00Z",
                   "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g",
                   "fingerprint": format!("d{i}")})
        })
        .collect();
    json!({
        "receiver": "muster", "status": "firing", "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0,
        "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test", "alerts": alerts
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_list_pages_with_a_cursor() {
    use reqwest::Method;
    for app in TestApp::each().await {
        let backend = format!("{:?}", app.backend);
        let key = app.checkout_integration("alertmanager").await;
        // One webhook: all seven share a last-seen millisecond.
        let (status, body, _) = post(&app, &format!("/ingest/alertmanager/{key}"), storm(7)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{backend}: {body}");
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;

        let mut keys = Vec::new();
        let mut path = "/api/v1/alerts?limit=3".to_owned();
        let mut pages = 0;
        loop {
            let (status, page) = app.call(&viewer, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{backend}: {page}");
            pages += 1;
            let alerts = page["alerts"].as_array().unwrap();
            assert!(alerts.len() <= 3, "{page}");
            keys.extend(
                alerts
                    .iter()
                    .map(|a| a["dedup_key"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/alerts?limit=3&cursor={cursor}"),
                None => break,
            }
            assert!(pages < 10, "{backend}: the pages never end");
        }
        assert_eq!(pages, 3, "{backend}: 3 + 3 + 1");
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 7, "{backend}: every alert once: {keys:?}");

        // A page that is exactly full says there is no next one.
        let (_, whole) = app
            .call(&viewer, Method::GET, "/api/v1/alerts?limit=7", None)
            .await;
        assert_eq!(whole["alerts"].as_array().unwrap().len(), 7);
        assert!(whole["next_cursor"].is_null(), "{whole}");

        for bad in [
            "nonsense",
            "12_not-a-uuid",
            "_0190a0b0-0000-7000-8000-000000000000",
        ] {
            let (status, body) = app
                .call(
                    &viewer,
                    Method::GET,
                    &format!("/api/v1/alerts?cursor={bad}"),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{backend}: {bad}: {body}");
            assert_eq!(body["error"]["code"], "invalid_input", "{body}");
            assert!(body["error"]["fields"]["cursor"].is_string(), "{body}");
        }
    }
}
