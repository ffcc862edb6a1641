//! Text messages and calls against a local fake of Twilio's REST API that
//! checks auth, content type and form fields, and answers with Twilio's own
//! resource and error shapes.

use muster_core::paging::SinkKind;
use muster_sinks::{Health, SendError, SinkConfig, TwilioConfig};
use serde_json::json;

use crate::fake::{Answer, Fake, Request};
use crate::{delivery, destination, drill, envelope, notification, sinks};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "auth-token-1";
const FROM: &str = "+14155550100";

fn twilio_error(status: u16, code: u32, message: &str) -> Answer {
    Answer::json(
        status,
        json!({"code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status}),
    )
}

/// Twilio's API, for one account; `status` is the account's status.
fn twilio(status: &'static str) -> impl Fn(&Request) -> Answer + Send + Sync {
    move |request| {
        let basic = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("{SID}:{TOKEN}")
            )
        );
        if request.header("authorization") != Some(basic.as_str()) {
            return twilio_error(401, 20003, "Authenticate");
        }
        let account = format!("/2010-04-01/Accounts/{SID}");
        if request.method == "GET" && request.path == format!("{account}.json") {
            return Answer::json(
                200,
                json!({"sid": SID, "friendly_name": "muster", "status": status}),
            );
        }
        if request.method != "POST"
            || request.header("content-type") != Some("application/x-www-form-urlencoded")
        {
            return twilio_error(405, 20004, "Method not allowed");
        }
        let form = request.form();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let to = field("To");
        if to == "+15005550001" {
            return twilio_error(
                400,
                21211,
                &format!("The 'To' number {to} is not a valid phone number."),
            );
        }
        if to == "+15005550009" {
            return twilio_error(429, 20429, "Too Many Requests").header("retry-after", "3");
        }
        if to == "+15005550010" {
            return Answer::new(503, "");
        }
        let resource = if request.path == format!("{account}/Messages.json") {
            json!({"sid": "SM1", "status": "queued", "to": to, "from": field("From"), "body": field("Body")})
        } else if request.path == format!("{account}/Calls.json") {
            json!({"sid": "CA1", "status": "queued", "to": to, "from": field("From")})
        } else {
            return twilio_error(404, 20404, "The requested resource was not found");
        };
        Answer::json(201, resource)
    }
}

fn config(base_url: &str, auth_token: &str) -> SinkConfig {
    SinkConfig {
        twilio: Some(TwilioConfig {
            base_url: base_url.into(),
            account_sid: SID.into(),
            auth_token: auth_token.into(),
            from: FROM.into(),
        }),
        ..SinkConfig::default()
    }
}

#[tokio::test]
async fn a_text_message_is_created_with_the_idempotency_token() {
    let fake = Fake::start(twilio("active")).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    let n = drill();
    let d = destination(SinkKind::TwilioSms, "+14155550123");
    sinks
        .send(&envelope(delivery(1), &d, &n))
        .await
        .expect("created");
    let request = fake.only_request();
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    let id = delivery(1).to_string();
    assert_eq!(
        request.header("i-twilio-idempotency-token"),
        Some(id.as_str())
    );
    assert_eq!(
        request.form(),
        [
            ("To".to_owned(), "+14155550123".to_owned()),
            ("From".to_owned(), FROM.to_owned()),
            (
                "Body".to_owned(),
                "[DRILL] INC-42 SEV1 Login is down (P-7)\nAck: https://muster.example.com/p/ack/tok1"
                    .to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_call_reads_the_subject_out_twice() {
    let fake = Fake::start(twilio("active")).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    let n = notification();
    let d = destination(SinkKind::TwilioVoice, "+14155550123");
    sinks
        .send(&envelope(delivery(2), &d, &n))
        .await
        .expect("created");
    let request = fake.only_request();
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SID}/Calls.json")
    );
    let id = delivery(2).to_string();
    assert_eq!(
        request.header("i-twilio-idempotency-token"),
        Some(id.as_str())
    );
    assert_eq!(
        request.form(),
        [
            ("To".to_owned(), "+14155550123".to_owned()),
            ("From".to_owned(), FROM.to_owned()),
            (
                "Twiml".to_owned(),
                "<Response><Say>INC-42 SEV1 Login is down (P-7)</Say><Pause length=\"1\"/>\
                 <Say>INC-42 SEV1 Login is down (P-7)</Say></Response>"
                    .to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn twilio_errors_map_to_permanent_or_retryable() {
    let fake = Fake::start(twilio("active")).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    let n = notification();
    for kind in [SinkKind::TwilioSms, SinkKind::TwilioVoice] {
        let invalid = destination(kind, "+15005550001");
        assert_eq!(
            sinks.send(&envelope(delivery(3), &invalid, &n)).await,
            Err(SendError::permanent(
                "twilio answered HTTP 400 Bad Request: error 21211: \
                 The 'To' number +15005550001 is not a valid phone number."
            ))
        );
        let busy = destination(kind, "+15005550009");
        assert_eq!(
            sinks.send(&envelope(delivery(4), &busy, &n)).await,
            Err(SendError::Retryable {
                reason:
                    "twilio answered HTTP 429 Too Many Requests: error 20429: Too Many Requests"
                        .into(),
                retry_after: Some(std::time::Duration::from_secs(3)),
            })
        );
        let down = destination(kind, "+15005550010");
        let error = sinks
            .send(&envelope(delivery(5), &down, &n))
            .await
            .expect_err("503");
        assert!(error.is_retryable(), "{error:?}");
    }
    // Not a phone number: refused before asking Twilio.
    let requests_so_far = fake.requests().len();
    let bad = destination(SinkKind::TwilioSms, "ada@example.com");
    let error = sinks
        .send(&envelope(delivery(6), &bad, &n))
        .await
        .expect_err("not E.164");
    assert!(!error.is_retryable());
    assert_eq!(fake.requests().len(), requests_so_far);

    let wrong_token = crate::sinks(&config(&fake.url, "wrong"));
    let d = destination(SinkKind::TwilioSms, "+14155550123");
    assert_eq!(
        wrong_token.send(&envelope(delivery(7), &d, &n)).await,
        Err(SendError::permanent(
            "twilio answered HTTP 401 Unauthorized: error 20003: Authenticate"
        ))
    );
}

#[tokio::test]
async fn twilio_health_reads_the_account() {
    let active = Fake::start(twilio("active")).await;
    let sinks = sinks(&config(&active.url, TOKEN));
    for kind in [SinkKind::TwilioSms, SinkKind::TwilioVoice] {
        assert_eq!(
            sinks.get(kind).expect("configured").health().await,
            Health::Ok(format!("twilio account {SID} is active"))
        );
    }
    let request = &active.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, format!("/2010-04-01/Accounts/{SID}.json"));

    let suspended = Fake::start(twilio("suspended")).await;
    let sinks = crate::sinks(&config(&suspended.url, TOKEN));
    assert_eq!(
        sinks
            .get(SinkKind::TwilioSms)
            .expect("configured")
            .health()
            .await,
        Health::Failing(format!("twilio account {SID} is suspended"))
    );
    let sinks = crate::sinks(&config(&active.url, "wrong"));
    assert!(matches!(
        sinks.get(SinkKind::TwilioVoice).expect("configured").health().await,
        Health::Failing(reason) if reason.contains("20003")
    ));
}
