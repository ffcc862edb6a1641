//! Integrations with settings over HTTP, on SQLite and (when configured)
//! PostgreSQL: a generic integration reads any JSON through its mapping
//! (muster's own format by default), a Grafana integration with a signing
//! secret refuses unsigned webhooks and never shows the secret, and a
//! heartbeat integration records beats. Bad settings are refused at
//! creation with the offending field.

#![allow(clippy::unwrap_used)]

use hmac::{Hmac, Mac};
use muster_core::UserRole;
use muster_core::alert::AlertStatus;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

/// POSTs `body` to an ingest endpoint with `headers`: the status and body.
async fn post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Creates an integration for checkout-api over the API: the status, the
/// answer and its key.
async fn create(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value, String) {
    let (status, answer) = app
        .call(token, Method::POST, "/api/v1/integrations", Some(body))
        .await;
    let key = answer["key"].as_str().unwrap_or_default().to_owned();
    (status, answer, key)
}

/// The team and service the integrations belong to, and an admin's token.
async fn setup(app: &TestApp) -> String {
    app.checkout_integration("alertmanager").await;
    app.token("ada@example.com", UserRole::Admin).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generic_integration_reads_any_json_through_its_mapping() {
    for app in TestApp::each().await {
        let token = setup(&app).await;
        let mapping = json!({
            "summary": "/check/title", "dedup_key": "/check/id", "status": "/state",
            "severity": "/check/priority", "source": "/host", "labels": "/tags",
            "links": "/urls", "resolved_values": ["UP", "GREEN"]
        });
        let (status, created, key) = create(
            &app,
            &token,
            json!({"name": "uptime", "kind": "generic", "service": "checkout-api", "mapping": mapping}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["endpoint"], "/ingest/generic/{key}");
        assert_eq!(created["mapping"]["summary"], "/check/title");
        assert_eq!(created["mapping"]["resolved_values"][1], "GREEN");

        let path = format!("/ingest/generic/{key}");
        let down = json!({
            "check": {"id": 4711, "title": "Checkout health check failing", "priority": "high"},
            "state": "DOWN", "host": "checkout-3", "tags": {"env": "prod", "tier": 1},
            "urls": ["https://uptime.test/4711"]
        });
        let (status, body) = post(&app, &path, &[], down.to_string()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(
            (
                body["status"].clone(),
                body["integration"].clone(),
                body["opened"].clone()
            ),
            (json!("accepted"), json!("uptime"), json!(1))
        );
        let stored = app.stored_alerts().await;
        assert_eq!(stored.len(), 1, "{:?}", app.backend);
        let alert = &stored[0];
        assert_eq!(alert.dedup_key, "4711");
        assert_eq!(alert.summary, "Checkout health check failing");
        assert_eq!(alert.severity.as_str(), "error", "high reads as error");
        assert_eq!(alert.source, "checkout-3");
        assert_eq!(alert.labels["tier"], "1");
        assert_eq!(alert.links[0].href, "https://uptime.test/4711");

        let up = json!({"check": {"id": 4711, "title": "Checkout health check"}, "state": "green"});
        let (status, body) = post(&app, &path, &[], up.to_string()).await;
        assert_eq!(
            (status, body["updated"].clone()),
            (StatusCode::ACCEPTED, json!(1))
        );
        assert_eq!(app.stored_alerts().await[0].status, AlertStatus::Resolved);

        // Refusals store nothing, and say why and where.
        let (status, body) = post(&app, &path, &[], "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], "invalid_payload");
        let (status, body) = post(&app, &path, &[], json!({"check": {"id": 1}}).to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["fields"]["/check/title"].is_string(),
            "{body}"
        );
        let oversize = format!("{{\"pad\":\"{}\"}}", "x".repeat(muster_ingest::MAX_BODY));
        let (status, body) = post(&app, &path, &[], oversize).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (StatusCode::PAYLOAD_TOO_LARGE, json!("too_large"))
        );
        let (status, _) = post(
            &app,
            "/ingest/generic/0123456789abcdef0123456789abcdef",
            &[],
            up.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(&app, &format!("/ingest/alertmanager/{key}"), &[], "{}").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a generic key elsewhere");
        assert_eq!(app.stored_alerts().await.len(), 1);

        // No mapping: muster's own format.
        let (status, created, key) = create(
            &app,
            &token,
            json!({"name": "scripts", "kind": "generic", "service": "checkout-api"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["mapping"]["summary"], "/summary");
        let path = format!("/ingest/generic/{key}");
        let own = json!({"summary": "Nightly export failed", "severity": "warning", "labels": {"job": "export"}});
        let (status, body) = post(&app, &path, &[], own.to_string()).await;
        assert_eq!(
            (status, body["opened"].clone()),
            (StatusCode::ACCEPTED, json!(1)),
            "{body}"
        );
        let resolve = json!({"summary": "Nightly export failed", "status": "resolved"});
        let (_, body) = post(&app, &path, &[], resolve.to_string()).await;
        assert_eq!(body["updated"], 1, "keyed by the summary: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_at_creation_by_field() {
    for app in TestApp::each().await {
        let token = setup(&app).await;
        for (body, field) in [
            (
                json!({"name": "g1", "kind": "generic", "service": "checkout-api",
                       "mapping": {"summary": "check.title"}}),
                "mapping.summary",
            ),
            (
                json!({"name": "g2", "kind": "generic", "service": "checkout-api",
                       "mapping": {"summary": "/a", "dedup_key": "id"}}),
                "mapping.dedup_key",
            ),
            (
                json!({"name": "g3", "kind": "grafana", "service": "checkout-api",
                       "mapping": {"summary": "/a"}}),
                "mapping",
            ),
            (
                json!({"name": "h1", "kind": "heartbeat", "service": "checkout-api"}),
                "interval_seconds",
            ),
            (
                json!({"name": "h2", "kind": "heartbeat", "service": "checkout-api",
                       "interval_seconds": 5}),
                "interval_seconds",
            ),
            (
                json!({"name": "h3", "kind": "heartbeat", "service": "checkout-api",
                       "interval_seconds": 60, "grace_seconds": 1}),
                "grace_seconds",
            ),
            (
                json!({"name": "a1", "kind": "alertmanager", "service": "checkout-api",
                       "signing_secret": "s"}),
                "signing_secret",
            ),
            (
                json!({"name": "s1", "kind": "grafana", "service": "checkout-api",
                       "signing_secret": "  "}),
                "signing_secret",
            ),
        ] {
            let (status, answer, _) = create(&app, &token, body.clone()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
            assert!(
                answer["error"]["fields"][field].is_string(),
                "{field} for {body}: {answer}"
            );
        }
        // A typo in a mapping is not a narrower mapping.
        let (status, answer, _) = create(
            &app,
            &token,
            json!({"name": "g4", "kind": "generic", "service": "checkout-api",
                   "mapping": {"summary": "/a", "dedup_kye": "/id"}}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer.to_string().contains("dedup_kye"), "{answer}");
        let (_, list) = app
            .call(&token, Method::GET, "/api/v1/integrations", None)
            .await;
        assert_eq!(list["integrations"].as_array().unwrap().len(), 1, "{list}");
    }
}

fn sign(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn grafana_webhook() -> String {
    json!({
        "receiver": "muster", "status": "firing", "orgId": 1, "version": "1",
        "groupKey": "{}:{alertname=\"High memory usage\"}", "truncatedAlerts": 0,
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "https://grafana.test/", "title": "[FIRING:1]", "state": "alerting",
        "message": "",
        "alerts": [{"status": "firing", "labels": {"alertname": "High memory usage", "zone": "us-1"},
            "annotations": {"summary": "High memory usage in us-1"},
            "startsAt": "2026-12-01T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.test/alerting/1/edit", "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "", "dashboardURL": "", "panelURL": "", "values": {"B": 44.2}}]
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grafana_integration_with_a_secret_takes_only_signed_webhooks() {
    for app in TestApp::each().await {
        let token = setup(&app).await;
        let secret = "grafana-hmac-s3cret";
        let (status, created, key) = create(
            &app,
            &token,
            json!({"name": "grafana-signed", "kind": "grafana", "service": "checkout-api",
                   "signing_secret": secret}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["signature_required"], true);
        let (_, list) = app
            .call(&token, Method::GET, "/api/v1/integrations", None)
            .await;
        for shown in [created.to_string(), list.to_string()] {
            assert!(!shown.contains(secret), "the secret is write-only: {shown}");
        }

        let path = format!("/ingest/grafana/{key}");
        let body = grafana_webhook();
        let good = sign(secret, body.as_bytes());
        let header = "x-grafana-alerting-signature";
        let (status, answer) = post(&app, &path, &[(header, good.clone())], body.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(answer["opened"], 1);

        let wrong = sign("another secret", body.as_bytes());
        for headers in [vec![(header, wrong)], vec![]] {
            let (status, answer) = post(&app, &path, &headers, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
            assert_eq!(answer["error"]["code"], "invalid_signature");
        }
        let tampered = body.replace("us-1", "us-2");
        let (status, _) = post(&app, &path, &[(header, good)], tampered).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the signature is of the body"
        );
        assert_eq!(app.stored_alerts().await.len(), 1, "nothing more stored");

        // Signed with a timestamp: recent ones pass, stale ones do not.
        let (status, created, stamped_key) = create(
            &app,
            &token,
            json!({"name": "grafana-stamped", "kind": "grafana", "service": "checkout-api",
                   "signing_secret": secret, "timestamp_header": "X-Grafana-Alerting-Timestamp"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let path = format!("/ingest/grafana/{stamped_key}");
        let now = jiff::Timestamp::now().as_second();
        for (at, expected) in [
            (now, StatusCode::ACCEPTED),
            (now - 3600, StatusCode::UNAUTHORIZED),
        ] {
            let stamp = at.to_string();
            let signature = sign(secret, format!("{stamp}:{body}").as_bytes());
            let (status, answer) = post(
                &app,
                &path,
                &[(header, signature), ("x-grafana-alerting-timestamp", stamp)],
                body.clone(),
            )
            .await;
            assert_eq!(status, expected, "{answer}");
        }

        // Without a secret, nothing changes: unsigned webhooks are taken.
        let (_, created, open_key) = create(
            &app,
            &token,
            json!({"name": "grafana-open", "kind": "grafana", "service": "checkout-api"}),
        )
        .await;
        assert_eq!(created["signature_required"], false);
        let (status, answer) = post(&app, &format!("/ingest/grafana/{open_key}"), &[], body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heartbeat_integration_records_beats() {
    for app in TestApp::each().await {
        let token = setup(&app).await;
        let (status, created, key) = create(
            &app,
            &token,
            json!({"name": "nightly-backup", "kind": "heartbeat", "service": "checkout-api",
                   "interval_seconds": 86400}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["endpoint"], "/ingest/heartbeat/{key}");
        assert_eq!(
            (
                created["interval_seconds"].clone(),
                created["grace_seconds"].clone()
            ),
            (json!(86400), json!(8640)),
            "a tenth of the interval as grace"
        );
        assert!(created["last_beat_at"].is_null());

        let path = format!("/ingest/heartbeat/{key}");
        let (status, beat) = post(&app, &path, &[], "").await;
        assert_eq!(status, StatusCode::ACCEPTED, "{beat}");
        assert_eq!(
            (
                beat["status"].clone(),
                beat["integration"].clone(),
                beat["beats"].clone()
            ),
            (json!("accepted"), json!("nightly-backup"), json!(1))
        );
        assert!(beat["last_beat_at"].is_string());
        let (status, beat) = post(&app, &path, &[], "backup done in 41 min").await;
        assert_eq!(
            (status, beat["beats"].clone()),
            (StatusCode::ACCEPTED, json!(2))
        );
        // cron's `curl URL` is a GET.
        let got = reqwest::get(app.url(&path)).await.unwrap();
        assert_eq!(got.status(), StatusCode::ACCEPTED);

        let (_, list) = app
            .call(&token, Method::GET, "/api/v1/integrations", None)
            .await;
        let shown = list["integrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == "nightly-backup")
            .cloned()
            .unwrap();
        assert!(shown["last_beat_at"].is_string(), "{shown}");

        let (status, body) = post(
            &app,
            "/ingest/heartbeat/0123456789abcdef0123456789abcdef",
            &[],
            "",
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (StatusCode::NOT_FOUND, json!("unknown_key"))
        );
        let pagerduty = app.checkout_integration("pagerduty_events").await;
        let (status, _) = post(&app, &format!("/ingest/heartbeat/{pagerduty}"), &[], "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "another kind's key");
        assert!(
            app.stored_alerts().await.is_empty(),
            "a beat is not an alert"
        );
    }
}
