//! Alerts attached to incidents by hand over the real server, on SQLite
//! and (when configured) PostgreSQL: Alertmanager's webhook brings two
//! storms, an incident is opened from one alert, the other alert is
//! attached to an incident declared apart; the webhook resolves them, and
//! both incidents are mitigated with the attachments on their timelines.
//! Refusals answer in the API's error shape and write nothing.

#![allow(clippy::unwrap_used)]

use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::Method;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One Alertmanager notification: one alert, in a group of its own.
fn notification(status: &str, fingerprint: &str) -> String {
    json!({
        "receiver": "muster", "status": status, "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{fingerprint}\"}}"), "truncatedAlerts": 0,
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": status, "labels": {"alertname": fingerprint, "job": "checkout-api"},
            "annotations": {"summary": format!("{fingerprint} on checkout-api")},
            "startsAt": "2026-12-01T09:00:00Z",
            "endsAt": if status == "resolved" { "2026-12-01T09:30:00Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.test/g", "fingerprint": fingerprint}]
    })
    .to_string()
}

async fn webhook(app: &TestApp, key: &str, status: &str, fingerprint: &str) {
    let answer = reqwest::Client::new()
        .post(app.url(&format!("/ingest/alertmanager/{key}")))
        .header("content-type", "application/json")
        .body(notification(status, fingerprint))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
}

fn alert_id(app_alerts: &[muster_core::alert::Alert], key: &str) -> String {
    app_alerts
        .iter()
        .find(|a| a.dedup_key == key)
        .map(|a| a.id.to_string())
        .unwrap()
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

async fn kinds(app: &TestApp, token: &str, incident: &str) -> Vec<(String, Value)> {
    let (status, page) = app
        .call(
            token,
            Method::GET,
            &format!("/api/v1/incidents/{incident}/timeline?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_attached_by_hand_mitigate_their_incidents_when_they_resolve() {
    for app in TestApp::each().await {
        let key = app.checkout_integration("alertmanager").await;
        let token = app.token("ada@example.com", UserRole::Admin).await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        webhook(&app, &key, "firing", "CheckoutDown").await;
        webhook(&app, &key, "firing", "CheckoutSlow").await;
        app.settle().await;
        let stored = app.stored_alerts().await;
        let (down, slow) = (
            alert_id(&stored, "CheckoutDown"),
            alert_id(&stored, "CheckoutSlow"),
        );

        // By hand: an incident from the first alert.
        let (status, opened) = app
            .call(
                &token,
                Method::POST,
                &format!("/api/v1/alerts/{down}/incident"),
                Some(json!({"severity": "SEV2"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{opened}");
        assert_eq!(opened["reference"], "INC-1");
        assert_eq!(opened["title"], "CheckoutDown on checkout-api");
        let (status, again) = app
            .call(
                &token,
                Method::POST,
                &format!("/api/v1/alerts/{down}/incident"),
                None,
            )
            .await;
        assert_error(status, &again, StatusCode::CONFLICT, "alert_attached");
        assert!(again["error"]["fields"]["alert"].is_string(), "{again}");

        // The second alert, attached to an incident declared apart.
        let (status, declared) = app
            .call(
                &token,
                Method::POST,
                "/api/v1/incidents",
                Some(json!({"title": "Checkout slow", "severity": "SEV3"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{declared}");
        assert_eq!(declared["reference"], "INC-2");
        let attach = format!("/api/v1/alerts/{slow}/attach");
        let (status, attached) = app
            .call(
                &token,
                Method::POST,
                &attach,
                Some(json!({"incident": "INC-2"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{attached}");
        assert_eq!(attached["changed"], true);
        assert_eq!(attached["mitigate_on_resolve"], true, "on by default");
        assert_eq!(attached["incident"]["reference"], "INC-2");
        assert_eq!(attached["alert"]["id"], slow.as_str());
        assert!(attached["group_id"].is_string());
        let (status, again) = app
            .call(
                &token,
                Method::POST,
                &attach,
                Some(json!({"incident": "2"})),
            )
            .await;
        assert_eq!(
            (status, again["changed"].clone()),
            (StatusCode::OK, json!(false))
        );

        // Refusals, each in the API's shape.
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                &attach,
                Some(json!({"incident": "INC-1"})),
            )
            .await;
        assert_error(status, &body, StatusCode::CONFLICT, "alert_attached");
        let message = body["error"]["fields"]["alert"].as_str().unwrap();
        assert!(message.contains("INC-2"), "names where it is: {body}");
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                &attach,
                Some(json!({"incident": "INC-99"})),
            )
            .await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                "/api/v1/alerts/0190a0b0-0000-7000-8000-000000000000/attach",
                Some(json!({"incident": "INC-2"})),
            )
            .await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
        for (bad, field) in [
            (json!({"incident": "yesterday"}), "incident"),
            (json!({}), "incident"),
            (json!({"incident": "INC-2", "mitigate": false}), "mitigate"),
            (
                json!({"incident": "INC-2", "mitigate_on_resolve": "no"}),
                "mitigate_on_resolve",
            ),
        ] {
            let (status, body) = app.call(&token, Method::POST, &attach, Some(bad)).await;
            assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_input");
            assert!(
                body["error"]["fields"][field].is_string(),
                "{field}: {body}"
            );
        }
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                "/api/v1/alerts/INC-1/attach",
                Some(json!({"incident": "INC-2"})),
            )
            .await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_input");
        let (status, body) = app
            .call(
                &viewer,
                Method::POST,
                &attach,
                Some(json!({"incident": "INC-2"})),
            )
            .await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
        // A resolved incident takes no alerts.
        let (status, third) = app
            .call(
                &token,
                Method::POST,
                "/api/v1/incidents",
                Some(json!({"title": "Over already"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{third}");
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                "/api/v1/incidents/INC-3/resolve",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        webhook(&app, &key, "firing", "CheckoutLate").await;
        let late = alert_id(&app.stored_alerts().await, "CheckoutLate");
        let (status, body) = app
            .call(
                &token,
                Method::POST,
                &format!("/api/v1/alerts/{late}/attach"),
                Some(json!({"incident": "INC-3"})),
            )
            .await;
        assert_error(status, &body, StatusCode::CONFLICT, "incident_resolved");
        assert!(body["error"]["fields"]["incident"].is_string(), "{body}");
        let timeline = kinds(&app, &token, "INC-3").await;
        assert!(
            timeline.iter().all(|(kind, _)| kind != "alert_attached"),
            "nothing written: {timeline:?}"
        );

        // Monitoring says both are resolved: both incidents are mitigated.
        webhook(&app, &key, "resolved", "CheckoutDown").await;
        webhook(&app, &key, "resolved", "CheckoutSlow").await;
        app.settle().await;
        let me: Value = app
            .call(&token, Method::GET, "/api/v1/users/me", None)
            .await
            .1;
        for incident in ["INC-1", "INC-2"] {
            let (_, shown) = app
                .call(
                    &token,
                    Method::GET,
                    &format!("/api/v1/incidents/{incident}"),
                    None,
                )
                .await;
            assert_eq!(shown["status"], "mitigated", "{:?}: {shown}", app.backend);
            let timeline = kinds(&app, &token, incident).await;
            let attached: Vec<&Value> = timeline
                .iter()
                .filter(|(kind, _)| kind == "alert_attached")
                .map(|(_, e)| e)
                .collect();
            assert_eq!(attached.len(), 1, "{incident}: {timeline:?}");
            assert_eq!(attached[0]["actor_id"], me["id"], "who attached it");
            assert!(
                timeline.iter().any(|(kind, _)| kind == "alerts_resolved"),
                "{incident}: {timeline:?}"
            );
        }
    }
}
