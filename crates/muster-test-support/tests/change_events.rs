//! PagerDuty change events (`POST /v2/change/enqueue`) on SQLite and (when
//! configured) PostgreSQL, from PagerDuty's own Python client and by hand:
//! kept on the service's timeline, answered as PagerDuty answers, and
//! refused with PagerDuty's bodies when malformed or for an unknown key.

#![allow(clippy::unwrap_used)]

use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_events_land_on_the_service_timeline() {
    let python = muster_test_support::peers::python_with("pagerduty").await;
    if python.is_none() {
        muster_test_support::skip(
            "python3 with pagerduty is not installed (python3 -m pip install pagerduty)",
        );
    }
    for app in TestApp::each().await {
        let key = app.checkout_integration("pagerduty_events").await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        let http = reqwest::Client::new();
        let sent = http
            .post(app.url("/v2/change/enqueue"))
            .json(&json!({
                "routing_key": key,
                "payload": {"summary": "Deployed checkout-api v42", "timestamp": "2026-12-01T10:00:00Z",
                            "source": "ci-runner-7", "custom_details": {"build": "220"}},
                "links": [{"href": "https://ci.example/220", "text": "Build 220"}],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), StatusCode::ACCEPTED);
        let body: Value = sent.json().await.unwrap();
        assert_eq!(
            body,
            json!({"status": "success", "message": "Event processed"})
        );

        if let Some(python) = &python {
            let script = r#"
import sys
import pagerduty
client = pagerduty.EventsApiV2Client(sys.argv[1], base_url="https://events.muster.test")
# The client insists on https:// in its URL setter; muster listens on plain
# HTTP on loopback here, so only that check is stepped around.
client._url = sys.argv[2]
client.send_change_event(payload={"summary": "Feature flag checkout-v2 on", "source": "flags"},
                         links=[{"href": "https://flags.example/checkout-v2", "text": "Flag"}])
"#;
            let output = tokio::process::Command::new(python)
                .args(["-c", script, &key, &app.base_url()])
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "the PagerDuty client failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }

        let (status, list) = app
            .call(
                &viewer,
                Method::GET,
                "/api/v1/changes?service=checkout-api",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let changes = list["changes"].as_array().unwrap();
        assert_eq!(
            changes.len(),
            if python.is_some() { 2 } else { 1 },
            "{list}"
        );
        let deploy = changes
            .iter()
            .find(|c| c["summary"] == "Deployed checkout-api v42")
            .unwrap();
        assert_eq!(deploy["service"], "checkout-api");
        assert_eq!(deploy["happened_at"], "2026-12-01T10:00:00Z");
        assert_eq!(deploy["details"]["build"], "220");
        assert_eq!(deploy["links"][0]["text"], "Build 220");

        // PagerDuty's refusals, and nothing stored for them.
        for (body, status, word) in [
            (
                json!({"routing_key": key, "payload": {}}),
                StatusCode::BAD_REQUEST,
                "invalid event",
            ),
            (
                json!({"routing_key": "0123456789abcdef0123456789abcdef", "payload": {"summary": "x"}}),
                StatusCode::NOT_FOUND,
                "",
            ),
        ] {
            let refused = http
                .post(app.url("/v2/change/enqueue"))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), status);
            let answer: Value = refused.json().await.unwrap();
            assert!(answer["status"].is_string(), "{answer}");
            if !word.is_empty() {
                assert_eq!(answer["status"], word, "{answer}");
            }
        }
        let not_json = http
            .post(app.url("/v2/change/enqueue"))
            .body("{nope")
            .send()
            .await
            .unwrap();
        assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
        let (_, all) = app
            .call(&viewer, Method::GET, "/api/v1/changes", None)
            .await;
        assert_eq!(all["changes"].as_array().unwrap().len(), changes.len());
        let (status, _) = app
            .call(
                &viewer,
                Method::GET,
                "/api/v1/changes?since=yesterday",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
