//! Integrations declared in the plan, over HTTP against the real server, on
//! SQLite and (when configured) PostgreSQL: an apply creates them and
//! answers their keys once, the keys take alerts, a Grafana signing secret
//! comes with the upload and never in a file, an integration the plan drops
//! is retired (its key 404s, its alerts stay), one made by hand is never
//! touched, and a rotated key replaces the old one at once.

#![allow(clippy::unwrap_used)]

use hmac::{Hmac, Mac};
use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

const CATALOG: &str = "\
kind: Team
name: storefront
escalation_policy: storefront-oncall
---
kind: EscalationPolicy
name: storefront-oncall
owner: storefront
review_every: 90d
last_reviewed: 2026-01-01
steps:
  - targets: [{team: storefront}]
---
kind: Service
name: checkout-api
owner: storefront
";

const ALERTMANAGER: &str = "\
kind: Integration
name: checkout-am
source: alertmanager
service: checkout-api
";

const GRAFANA: &str = "\
kind: Integration
name: storefront-grafana
source: grafana
team: storefront
signing_secret_env: GRAFANA_SIGNING_SECRET
";

const HEARTBEAT: &str = "\
kind: Integration
name: nightly
source: heartbeat
team: storefront
interval: 1d
";

const SECRET: &str = "grafana-hmac-s3cret";

/// The plan: the catalog, and these integration documents in integrations.yaml.
fn upload(integrations: &[&str], dry_run: bool, secrets: Value) -> Value {
    json!({
        "files": [
            {"path": "catalog.yaml", "text": CATALOG},
            {"path": "integrations.yaml", "text": integrations.join("---\n")},
        ],
        "dry_run": dry_run,
        "secrets": secrets,
    })
}

fn webhook(fingerprint: &str) -> String {
    json!({
        "receiver": "muster", "status": "firing", "version": "4", "groupKey": "{}:{}",
        "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": "firing", "labels": {"alertname": "TargetDown", "job": "checkout-api"},
            "annotations": {"summary": "checkout-api is down"}, "startsAt": "2026-12-01T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g",
            "fingerprint": fingerprint}]
    })
    .to_string()
}

fn grafana_webhook() -> String {
    json!({
        "receiver": "muster", "status": "firing", "orgId": 1, "version": "1",
        "groupKey": "{}:{alertname=\"High memory usage\"}", "truncatedAlerts": 0,
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "https://grafana.test/", "title": "[FIRING:1]", "state": "alerting",
        "message": "",
        "alerts": [{"status": "firing", "labels": {"alertname": "High memory usage"},
            "annotations": {"summary": "High memory usage"},
            "startsAt": "2026-12-01T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.test/alerting/1/edit", "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "", "dashboardURL": "", "panelURL": "", "values": {"B": 44.2}}]
    })
    .to_string()
}

async fn ingest(app: &TestApp, path: &str, headers: &[(&str, String)], body: String) -> StatusCode {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.body(body).send().await.unwrap().status()
}

fn sign(message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The integrations of an apply's answer by name: (action, key).
fn planned(answer: &Value) -> Vec<(String, String, Option<String>)> {
    answer["integrations"]
        .as_array()
        .unwrap_or_else(|| panic!("integrations in {answer}"))
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["action"].as_str().unwrap().to_owned(),
                i["key"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn key_of(answer: &Value, name: &str) -> String {
    planned(answer)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .and_then(|(_, _, key)| key)
        .unwrap_or_else(|| panic!("a key for {name} in {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_integrations_are_created_keyed_retired_and_rotated() {
    for app in TestApp::each().await {
        let admin = app.token("ada@example.com", UserRole::Admin).await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        let apply = |body: Value| {
            let app = &app;
            let admin = admin.clone();
            async move {
                app.call(&admin, Method::POST, "/api/v1/plan/apply", Some(body))
                    .await
            }
        };
        let all = [ALERTMANAGER, GRAFANA, HEARTBEAT];
        let secrets = json!({"GRAFANA_SIGNING_SECRET": SECRET, "UNUSED": "dropped"});

        // An apply without the secret the plan names is refused at its line.
        let (status, body) = apply(upload(&all, false, json!({}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "invalid_plan");
        let at = body["error"]["fields"]["integrations.yaml:10:1"]
            .as_str()
            .unwrap_or_else(|| panic!("the secret's line: {body}"));
        assert!(
            at.contains("[missing_secret]")
                && at.contains("signing_secret_env: GRAFANA_SIGNING_SECRET"),
            "{at}"
        );
        // A secret written in the plan is refused at its line, whatever is sent.
        let inline = "kind: Integration\nname: leaky\nsource: grafana\nteam: storefront\nsigning_secret: hunter2\n";
        let (status, body) = apply(upload(&[inline], false, secrets.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["error"]["fields"]["integrations.yaml:5:1"]
                .as_str()
                .is_some_and(|m| m.contains("[inline_secret]")),
            "{body}"
        );
        let (_, plan) = app.call(&admin, Method::GET, "/api/v1/plan", None).await;
        assert_eq!(plan["revision"], Value::Null, "nothing was applied");

        // A dry run needs no secret and makes no key.
        let (status, dry) = apply(upload(&all, true, json!({}))).await;
        assert_eq!(status, StatusCode::OK, "{dry}");
        assert_eq!(dry["changed"], true);
        let names: Vec<(String, String, Option<String>)> = planned(&dry);
        assert_eq!(
            names,
            [
                ("checkout-am".to_owned(), "create".to_owned(), None),
                ("nightly".to_owned(), "create".to_owned(), None),
                ("storefront-grafana".to_owned(), "create".to_owned(), None),
            ]
        );

        // Applied: every key once, each taking alerts.
        let (status, applied) = apply(upload(&all, false, secrets.clone())).await;
        assert_eq!(status, StatusCode::OK, "{applied}");
        assert_eq!(applied["revision"], 1);
        let am_key = key_of(&applied, "checkout-am");
        let grafana_key = key_of(&applied, "storefront-grafana");
        let beat_key = key_of(&applied, "nightly");
        assert_eq!(am_key.len(), 32);
        let created = &applied["integrations"][0];
        assert_eq!(created["endpoint"], "/ingest/alertmanager/{key}");
        assert_eq!(created["service"], "checkout-api");
        assert!(
            !applied.to_string().contains(SECRET),
            "the secret is never answered: {applied}"
        );
        let am_path = format!("/ingest/alertmanager/{am_key}");
        assert_eq!(
            ingest(&app, &am_path, &[], webhook("f1")).await,
            StatusCode::ACCEPTED
        );
        let grafana_path = format!("/ingest/grafana/{grafana_key}");
        let body = grafana_webhook();
        assert_eq!(
            ingest(&app, &grafana_path, &[], body.clone()).await,
            StatusCode::UNAUTHORIZED,
            "the secret sent with the plan signs its webhooks"
        );
        let signed = [("x-grafana-alerting-signature", sign(body.as_bytes()))];
        assert_eq!(
            ingest(&app, &grafana_path, &signed, body).await,
            StatusCode::ACCEPTED
        );
        let beat_path = format!("/ingest/heartbeat/{beat_key}");
        assert_eq!(
            ingest(&app, &beat_path, &[], String::new()).await,
            StatusCode::ACCEPTED
        );
        let (status, shown) = app
            .call(
                &viewer,
                Method::GET,
                "/api/v1/integrations/checkout-am",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        assert_eq!(
            (&shown["origin"], &shown["retired_at"], &shown["kind"]),
            (&json!("plan"), &Value::Null, &json!("alertmanager"))
        );
        assert!(shown.get("key").is_none(), "{shown}");
        let (status, source) = app
            .call(&admin, Method::GET, "/api/v1/plan/source", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(!source.to_string().contains(SECRET), "{source}");

        // One made by hand, which later applies never touch.
        let (status, by_hand) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/integrations",
                Some(json!({"name": "by-hand", "kind": "alertmanager", "service": "checkout-api"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{by_hand}");
        let hand_key = by_hand["key"].as_str().unwrap().to_owned();

        // Applied again: nothing changes, no key is handed out.
        let (status, again) = apply(upload(&all, false, secrets.clone())).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["changed"], false, "{again}");
        assert!(
            planned(&again)
                .iter()
                .all(|(_, action, key)| action == "unchanged" && key.is_none())
        );

        // A plan naming the hand-made one is refused, naming the field.
        let taken =
            "kind: Integration\nname: by-hand\nsource: alertmanager\nservice: checkout-api\n";
        let (status, body) = apply(upload(
            &[ALERTMANAGER, GRAFANA, HEARTBEAT, taken],
            false,
            secrets.clone(),
        ))
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "integration_made_by_hand");
        assert!(
            body["error"]["fields"]["name"]
                .as_str()
                .is_some_and(|m| m.contains("by-hand")),
            "{body}"
        );

        // Dropped from the plan: retired, its key 404s, its alerts stay.
        let (status, retired) = apply(upload(&[GRAFANA, HEARTBEAT], false, secrets.clone())).await;
        assert_eq!(status, StatusCode::OK, "{retired}");
        assert!(
            planned(&retired).contains(&("checkout-am".to_owned(), "retire".to_owned(), None)),
            "{retired}"
        );
        assert_eq!(
            ingest(&app, &am_path, &[], webhook("f2")).await,
            StatusCode::NOT_FOUND
        );
        let (_, shown) = app
            .call(
                &admin,
                Method::GET,
                "/api/v1/integrations/checkout-am",
                None,
            )
            .await;
        assert!(shown["retired_at"].is_string(), "{shown}");
        let (_, alerts) = app.call(&admin, Method::GET, "/api/v1/alerts", None).await;
        assert!(
            alerts["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["dedup_key"] == "f1"),
            "{alerts}"
        );
        assert_eq!(
            ingest(
                &app,
                &format!("/ingest/alertmanager/{hand_key}"),
                &[],
                webhook("h1")
            )
            .await,
            StatusCode::ACCEPTED,
            "the hand-made integration is untouched"
        );

        // Rotating: the new key works at once, the old one stops at once.
        let (status, body) = app
            .call(
                &viewer,
                Method::POST,
                "/api/v1/integrations/by-hand/rotate-key",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, rotated) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/integrations/by-hand/rotate-key",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        let new_key = rotated["key"].as_str().unwrap().to_owned();
        assert_ne!(new_key, hand_key);
        assert_eq!(rotated["name"], "by-hand");
        assert_eq!(
            ingest(
                &app,
                &format!("/ingest/alertmanager/{hand_key}"),
                &[],
                webhook("h2")
            )
            .await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ingest(
                &app,
                &format!("/ingest/alertmanager/{new_key}"),
                &[],
                webhook("h3")
            )
            .await,
            StatusCode::ACCEPTED
        );
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/integrations/checkout-am/rotate-key",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "integration_retired");
        assert!(body["error"]["fields"]["name"].is_string(), "{body}");
        for path in [
            "/api/v1/integrations/nosuch",
            "/api/v1/integrations/nosuch/rotate-key",
        ] {
            let method = if path.ends_with("key") {
                Method::POST
            } else {
                Method::GET
            };
            let (status, body) = app.call(&admin, method, path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
            assert_eq!(body["error"]["code"], "not_found");
        }

        // Declared again: back under a new key, its old one still refused.
        let (status, back) = apply(upload(&all, false, secrets.clone())).await;
        assert_eq!(status, StatusCode::OK, "{back}");
        let again_key = key_of(&back, "checkout-am");
        assert_eq!(back["integrations"][0]["revived"], true, "{back}");
        assert_ne!(again_key, am_key);
        assert_eq!(
            ingest(&app, &am_path, &[], webhook("f3")).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            ingest(
                &app,
                &format!("/ingest/alertmanager/{again_key}"),
                &[],
                webhook("f4")
            )
            .await,
            StatusCode::ACCEPTED
        );
        app.stop().await;
    }
}
