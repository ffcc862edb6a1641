//! The generic webhook against a local receiver that records requests.

use std::time::Duration;

use muster_core::paging::SinkKind;
use muster_sinks::webhook::verify_signature;
use muster_sinks::{SendError, SinkConfig, WebhookConfig};
use serde_json::json;

use crate::fake::{Answer, Fake};
use crate::{closed_port, delivery, destination, envelope, notification, sinks};

fn signed(default_secret: Option<&str>, per_url: &[(&str, &str)]) -> SinkConfig {
    SinkConfig {
        webhook: WebhookConfig {
            default_secret: default_secret.map(Into::into),
            secrets_by_url: per_url
                .iter()
                .map(|(u, s)| ((*u).to_owned(), (*s).to_owned()))
                .collect(),
        },
        ..SinkConfig::default()
    }
}

#[tokio::test]
async fn a_signed_json_post_reaches_the_receiver() {
    let receiver = Fake::answering(Answer::new(204, "")).await;
    let sinks = sinks(&signed(Some("whsec_default"), &[]));
    let n = notification();
    let d = destination(SinkKind::Webhook, format!("{}/hooks/muster", receiver.url));
    sinks
        .send(&envelope(delivery(1), &d, &n))
        .await
        .expect("sent");

    let request = receiver.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks/muster");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some("muster/0.1.0"));
    let id = delivery(1).to_string();
    assert_eq!(request.header("idempotency-key"), Some(id.as_str()));
    assert_eq!(request.header("x-muster-event"), Some("page.triggered"));
    let timestamp = request.header("x-muster-timestamp").expect("a timestamp");
    let seconds: i64 = timestamp.parse().expect("unix seconds");
    let signature = request.header("x-muster-signature").expect("signed");
    assert!(verify_signature(
        "whsec_default",
        timestamp,
        &request.body,
        signature
    ));
    assert!(!verify_signature(
        "whsec_other",
        timestamp,
        &request.body,
        signature
    ));

    let sent_at = jiff::Timestamp::from_second(seconds)
        .expect("a time")
        .to_string();
    assert_eq!(
        request.json(),
        json!({
            "event": "page.triggered",
            "idempotency_key": id,
            "sent_at": sent_at,
            "recipient": "ada@example.com",
            "subject": "INC-42 SEV1 Login is down (P-7)",
            "body": "Login fails for every customer.\nPaged by Ada.",
            "summary": "Login is down",
            "drill": false,
            "page": {"id": "00000000-0000-0000-0000-000000000007", "number": "P-7"},
            "incident": {"number": "INC-42", "title": "Login is down", "severity": "SEV1"},
            "links": {
                "console": "https://muster.example.com/pages/P-7",
                "acknowledge": "https://muster.example.com/p/ack/tok1",
                "resolve": "https://muster.example.com/p/resolve/tok2",
            },
        })
    );
}

#[tokio::test]
async fn a_url_of_its_own_gets_its_own_secret_and_no_secret_means_unsigned() {
    let receiver = Fake::answering(Answer::new(200, "thanks")).await;
    let special = format!("{}/special", receiver.url);
    let sinks_signed = sinks(&signed(
        Some("whsec_default"),
        &[(&special, "whsec_special")],
    ));
    let n = notification();
    let d = destination(SinkKind::Webhook, special.clone());
    sinks_signed
        .send(&envelope(delivery(2), &d, &n))
        .await
        .expect("sent");
    let unsigned = sinks(&SinkConfig::default());
    unsigned
        .send(&envelope(delivery(3), &d, &n))
        .await
        .expect("sent");

    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert!(verify_signature(
        "whsec_special",
        first.header("x-muster-timestamp").expect("timestamp"),
        &first.body,
        first.header("x-muster-signature").expect("signed"),
    ));
    assert_eq!(requests[1].header("x-muster-signature"), None);
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_after_that_long() {
    let receiver =
        Fake::answering(Answer::new(503, "maintenance").header("retry-after", "7")).await;
    let n = notification();
    let d = destination(SinkKind::Webhook, format!("{}/hook", receiver.url));
    let error = sinks(&SinkConfig::default())
        .send(&envelope(delivery(4), &d, &n))
        .await
        .expect_err("503");
    assert_eq!(
        error,
        SendError::Retryable {
            reason: "webhook answered HTTP 503 Service Unavailable: maintenance".into(),
            retry_after: Some(Duration::from_secs(7)),
        }
    );
    assert_eq!(
        muster_sinks::outcome(Err(error)),
        muster_core::paging::AttemptOutcome::Retryable {
            reason: "webhook answered HTTP 503 Service Unavailable: maintenance".into(),
            retry_after: Some(jiff::SignedDuration::from_secs(7)),
        }
    );
}

#[tokio::test]
async fn a_400_is_permanent_and_quotes_the_receiver() {
    let receiver = Fake::answering(Answer::new(400, "{\"error\":\"unknown event\"}")).await;
    let n = notification();
    let d = destination(SinkKind::Webhook, format!("{}/hook", receiver.url));
    let error = sinks(&SinkConfig::default())
        .send(&envelope(delivery(5), &d, &n))
        .await
        .expect_err("400");
    assert_eq!(
        error,
        SendError::permanent(
            "webhook answered HTTP 400 Bad Request: {\"error\":\"unknown event\"}"
        )
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_is_permanent() {
    let receiver =
        Fake::answering(Answer::new(301, "").header("location", "https://hooks.example.com/moved"))
            .await;
    let n = notification();
    let d = destination(SinkKind::Webhook, format!("{}/old", receiver.url));
    let error = sinks(&SinkConfig::default())
        .send(&envelope(delivery(6), &d, &n))
        .await
        .expect_err("301");
    assert_eq!(
        error,
        SendError::permanent(
            "webhook answered HTTP 301 Moved Permanently: redirected to \
             https://hooks.example.com/moved; configure the final URL"
        )
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_retryable_and_the_reason_hides_the_url() {
    let n = notification();
    let d = destination(
        SinkKind::Webhook,
        format!("http://{}/hook/secret-token", closed_port()),
    );
    let error = sinks(&SinkConfig::default())
        .send(&envelope(delivery(7), &d, &n))
        .await
        .expect_err("nobody listens");
    assert!(error.is_retryable(), "{error:?}");
    assert!(!error.reason().contains("secret-token"), "{error:?}");

    let not_a_url = destination(SinkKind::Webhook, "hooks.example.com/x");
    let error = sinks(&SinkConfig::default())
        .send(&envelope(delivery(8), &not_a_url, &n))
        .await
        .expect_err("not a URL");
    assert!(!error.is_retryable());
}
