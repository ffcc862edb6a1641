//! ntfy against a local fake that checks the publish request and answers
//! like an ntfy server (including its JSON errors and health endpoint).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use muster_core::paging::SinkKind;
use muster_sinks::{Health, NtfyConfig, SendError, SinkConfig};

use crate::fake::{Answer, Fake, Request};
use crate::{delivery, destination, drill, envelope, notification, sinks};

fn ntfy_error(status: u16, code: u32, error: &str) -> Answer {
    Answer::json(
        status,
        serde_json::json!({"code": code, "http": status, "error": error, "link": "https://ntfy.sh/docs/publish/"}),
    )
}

/// An ntfy server whose topic `locked` needs the token `tk_good`, whose
/// topic `busy` is rate limited, and whose health is `healthy`.
fn ntfy_server(healthy: Arc<Mutex<bool>>) -> impl Fn(&Request) -> Answer + Send + Sync {
    move |request| {
        if request.method == "GET" && request.path == "/v1/health" {
            let healthy = *healthy.lock().expect("not poisoned");
            return Answer::json(200, serde_json::json!({"healthy": healthy}));
        }
        if request.method != "POST" {
            return ntfy_error(405, 40501, "method not allowed");
        }
        let topic = request.path.trim_start_matches('/');
        if topic == "locked" && request.header("authorization") != Some("Bearer tk_good") {
            return ntfy_error(403, 40301, "forbidden");
        }
        if topic == "busy" {
            return ntfy_error(
                429,
                42901,
                "limit reached: too many requests, please be nice",
            )
            .header("retry-after", "12");
        }
        Answer::json(
            200,
            serde_json::json!({
                "id": "hwQ2YpKdmg", "time": 1_800_000_000, "expires": 1_800_043_200,
                "event": "message", "topic": topic, "message": request.text(),
            }),
        )
    }
}

fn config(base_url: &str, token: Option<&str>) -> SinkConfig {
    SinkConfig {
        ntfy: NtfyConfig {
            base_url: base_url.into(),
            token: token.map(Into::into),
        },
        ..SinkConfig::default()
    }
}

#[tokio::test]
async fn a_page_is_published_with_title_priority_tags_and_actions() {
    let fake = Fake::start(ntfy_server(Arc::new(Mutex::new(true)))).await;
    let sinks = sinks(&config(&fake.url, Some("tk_good")));
    let mut n = drill();
    n.subject = "[DRILL] INC-42 SEV1 Café payments are down (P-7)".into();
    let d = destination(SinkKind::Ntfy, "locked");
    sinks
        .send(&envelope(delivery(1), &d, &n))
        .await
        .expect("published");
    let request = fake.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/locked");
    assert_eq!(
        request.text(),
        "Login fails for every customer.\nPaged by Ada."
    );
    let encoded = request.header("title").expect("a title");
    assert!(
        encoded.starts_with("=?UTF-8?B?") && encoded.ends_with("?="),
        "{encoded}"
    );
    let decoded = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        &encoded[10..encoded.len() - 2],
    )
    .expect("base64");
    assert_eq!(
        String::from_utf8(decoded).expect("UTF-8"),
        "[DRILL] INC-42 SEV1 Café payments are down (P-7)"
    );
    assert_eq!(request.header("priority"), Some("5"));
    assert_eq!(request.header("tags"), Some("rotating_light,drill"));
    assert_eq!(
        request.header("click"),
        Some("https://muster.example.com/pages/P-7")
    );
    assert_eq!(
        request.header("actions"),
        Some(
            "http, Acknowledge, https://muster.example.com/p/ack/tok1, method=POST, clear=true; \
             view, Open, https://muster.example.com/pages/P-7"
        )
    );
    assert_eq!(request.header("authorization"), Some("Bearer tk_good"));
}

#[tokio::test]
async fn ntfy_errors_and_other_servers() {
    let fake = Fake::start(ntfy_server(Arc::new(Mutex::new(true)))).await;
    let other = Fake::start(ntfy_server(Arc::new(Mutex::new(true)))).await;
    let n = notification();

    let without_token = sinks(&config(&fake.url, None));
    let d = destination(SinkKind::Ntfy, "locked");
    let error = without_token
        .send(&envelope(delivery(2), &d, &n))
        .await
        .expect_err("403");
    assert!(
        matches!(&error, SendError::Permanent { reason }
            if reason.starts_with("ntfy answered HTTP 403 Forbidden: {") && reason.contains("40301")),
        "{error:?}"
    );

    let with_token = sinks(&config(&fake.url, Some("tk_good")));
    let d = destination(SinkKind::Ntfy, "busy");
    let error = with_token
        .send(&envelope(delivery(3), &d, &n))
        .await
        .expect_err("429");
    assert!(
        matches!(error, SendError::Retryable { retry_after: Some(d), .. } if d == Duration::from_secs(12)),
        "{error:?}"
    );

    // A topic URL on another server is published there, without our token.
    let d = destination(SinkKind::Ntfy, format!("{}/elsewhere", other.url));
    with_token
        .send(&envelope(delivery(4), &d, &n))
        .await
        .expect("published");
    let request = other.only_request();
    assert_eq!(request.path, "/elsewhere");
    assert_eq!(request.header("authorization"), None);

    let bad = destination(SinkKind::Ntfy, "not a topic");
    let error = with_token
        .send(&envelope(delivery(5), &bad, &n))
        .await
        .expect_err("bad topic");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn ntfy_health_reads_the_health_endpoint() {
    let healthy = Arc::new(Mutex::new(true));
    let fake = Fake::start(ntfy_server(healthy.clone())).await;
    let sinks = sinks(&config(&fake.url, None));
    let ntfy = sinks.get(SinkKind::Ntfy).expect("ntfy");
    assert_eq!(
        ntfy.health().await,
        Health::Ok(format!("{} reports itself healthy", fake.url))
    );
    *healthy.lock().expect("not poisoned") = false;
    assert!(matches!(ntfy.health().await, Health::Failing(_)));
    let down = Fake::answering(Answer::new(502, "bad gateway")).await;
    let sinks = crate::sinks(&config(&down.url, None));
    assert!(matches!(
        sinks.get(SinkKind::Ntfy).expect("ntfy").health().await,
        Health::Failing(_)
    ));
}
