//! Slack, Mattermost and Teams incoming webhooks against local fakes that
//! check the request and answer as the services do.

use std::time::Duration;

use muster_core::paging::SinkKind;
use muster_sinks::{Health, SendError, SinkConfig, mattermost, slack, teams};

use crate::fake::{Answer, Fake, Request};
use crate::{delivery, destination, drill, envelope, notification, sinks};

/// Slack's incoming webhook: JSON only, and its answers are bare codes.
fn slack_answer(request: &Request) -> Answer {
    if request.method != "POST" || request.header("content-type") != Some("application/json") {
        return Answer::new(400, "invalid_payload");
    }
    match request.path.as_str() {
        "/services/T0/B0/ok" => Answer::new(200, "ok"),
        "/services/T0/B0/archived" => Answer::new(410, "channel_is_archived"),
        "/services/T0/B0/gone" => Answer::new(404, "no_service"),
        "/services/T0/B0/missing" => Answer::new(404, "channel_not_found"),
        "/services/T0/B0/revoked" => Answer::new(403, "invalid_token"),
        "/services/T0/B0/busy" => Answer::new(429, "rate_limited").header("retry-after", "30"),
        "/services/T0/B0/broken" => Answer::new(500, "rollup_error"),
        _ => Answer::new(404, "no_service"),
    }
}

#[tokio::test]
async fn slack_gets_block_kit_and_its_errors_are_read() {
    let fake = Fake::start(slack_answer).await;
    let sinks = sinks(&SinkConfig::default());
    let n = drill();
    let d = destination(SinkKind::Slack, format!("{}/services/T0/B0/ok", fake.url));
    let e = envelope(delivery(1), &d, &n);
    sinks.send(&e).await.expect("sent");
    let request = fake.only_request();
    assert_eq!(request.json(), slack::render(&e));
    assert_eq!(
        request.json()["text"],
        "[DRILL] INC-42 SEV1 Login is down (P-7)"
    );
    assert_eq!(
        request.json()["blocks"][2]["elements"][0]["url"],
        "https://muster.example.com/p/ack/tok1"
    );

    for (path, code) in [
        ("archived", "410 Gone: channel_is_archived"),
        ("gone", "404 Not Found: no_service"),
        ("missing", "404 Not Found: channel_not_found"),
        ("revoked", "403 Forbidden: invalid_token"),
    ] {
        let d = destination(
            SinkKind::Slack,
            format!("{}/services/T0/B0/{path}", fake.url),
        );
        assert_eq!(
            sinks.send(&envelope(delivery(2), &d, &n)).await,
            Err(SendError::permanent(format!("slack answered HTTP {code}"))),
            "{path}"
        );
    }
    let d = destination(SinkKind::Slack, format!("{}/services/T0/B0/busy", fake.url));
    assert_eq!(
        sinks.send(&envelope(delivery(3), &d, &n)).await,
        Err(SendError::Retryable {
            reason: "slack answered HTTP 429 Too Many Requests: rate_limited".into(),
            retry_after: Some(Duration::from_secs(30)),
        })
    );
    let d = destination(
        SinkKind::Slack,
        format!("{}/services/T0/B0/broken", fake.url),
    );
    let error = sinks
        .send(&envelope(delivery(4), &d, &n))
        .await
        .expect_err("500");
    assert!(error.is_retryable(), "{error:?}");
    assert!(matches!(
        sinks.get(SinkKind::Slack).expect("slack").health().await,
        Health::Ok(_)
    ));
}

/// Mattermost's incoming webhook: JSON with `text`, errors as JSON.
fn mattermost_answer(request: &Request) -> Answer {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(&request.body).ok();
    let has_text = parsed
        .as_ref()
        .and_then(|v| v["text"].as_str())
        .is_some_and(|t| !t.is_empty());
    if request.path != "/hooks/abc123" {
        return Answer::json(
            404,
            serde_json::json!({"id": "web.incoming_webhook.invalid.app_error", "message": "Invalid webhook.", "status_code": 404}),
        );
    }
    if !has_text {
        return Answer::json(
            400,
            serde_json::json!({"id": "web.incoming_webhook.text.app_error", "message": "No text specified.", "status_code": 400}),
        );
    }
    Answer::new(200, "ok").header("content-type", "text/plain")
}

#[tokio::test]
async fn mattermost_gets_markdown_as_muster() {
    let fake = Fake::start(mattermost_answer).await;
    let sinks = sinks(&SinkConfig::default());
    let n = notification();
    let d = destination(SinkKind::Mattermost, format!("{}/hooks/abc123", fake.url));
    let e = envelope(delivery(5), &d, &n);
    sinks.send(&e).await.expect("sent");
    let request = fake.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), mattermost::render(&e));
    assert_eq!(request.json()["username"], "muster");
    assert!(
        request.json()["text"]
            .as_str()
            .expect("text")
            .contains("[Acknowledge](https://muster.example.com/p/ack/tok1)")
    );

    let d = destination(SinkKind::Mattermost, format!("{}/hooks/deleted", fake.url));
    let error = sinks
        .send(&envelope(delivery(6), &d, &n))
        .await
        .expect_err("404");
    assert!(!error.is_retryable());
    assert!(error.reason().contains("Invalid webhook."), "{error:?}");
}

/// A Teams Workflows webhook: takes an Adaptive Card message, answers 202.
fn teams_answer(request: &Request) -> Answer {
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let card = &body["attachments"][0];
    let well_formed = body["type"] == "message"
        && card["contentType"] == "application/vnd.microsoft.card.adaptive"
        && card["content"]["type"] == "AdaptiveCard";
    if !well_formed {
        return Answer::json(
            400,
            serde_json::json!({"error": {"code": "InvalidRequestContent", "message": "The input body for trigger 'manual' of type 'Request' did not match its schema definition."}}),
        );
    }
    match request.path.as_str() {
        "/workflows/ok" => Answer::new(202, ""),
        "/workflows/legacy" => Answer::new(200, "1"),
        _ => Answer::json(
            404,
            serde_json::json!({"error": {"code": "WorkflowNotFound", "message": "The workflow was not found."}}),
        ),
    }
}

#[tokio::test]
async fn teams_gets_an_adaptive_card_and_202_is_success() {
    let fake = Fake::start(teams_answer).await;
    let sinks = sinks(&SinkConfig::default());
    let n = notification();
    let d = destination(SinkKind::Teams, format!("{}/workflows/ok", fake.url));
    let e = envelope(delivery(7), &d, &n);
    sinks.send(&e).await.expect("202 is success");
    let request = fake.only_request();
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), teams::render(&e));
    let actions = &request.json()["attachments"][0]["content"]["actions"];
    assert_eq!(actions[0]["type"], "Action.OpenUrl");
    assert_eq!(actions[0]["title"], "Acknowledge");

    let legacy = destination(SinkKind::Teams, format!("{}/workflows/legacy", fake.url));
    sinks
        .send(&envelope(delivery(8), &legacy, &n))
        .await
        .expect("200 is success");
    let gone = destination(SinkKind::Teams, format!("{}/workflows/deleted", fake.url));
    let error = sinks
        .send(&envelope(delivery(9), &gone, &n))
        .await
        .expect_err("404");
    assert!(!error.is_retryable());
    assert!(error.reason().contains("WorkflowNotFound"), "{error:?}");
}
