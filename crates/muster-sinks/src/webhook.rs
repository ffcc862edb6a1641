//! The generic webhook: a signed JSON POST to the destination's URL.
//!
//! # Request
//!
//! ```text
//! POST <destination address>
//! Content-Type: application/json
//! Idempotency-Key: <delivery id>          (the same on every retry)
//! X-Muster-Event: page.triggered          (page.escalated, page.team_paged)
//! X-Muster-Timestamp: 1800000000          (unix seconds of this attempt)
//! X-Muster-Signature: v1=<hex>            (only when a secret is configured)
//! ```
//!
//! ```json
//! {
//!   "event": "page.triggered",
//!   "idempotency_key": "0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a",
//!   "sent_at": "2027-01-15T08:00:00Z",
//!   "recipient": "ada@example.com",
//!   "subject": "INC-42 SEV1 Login is down (P-7)",
//!   "body": "Login fails for every customer.\nPaged by Ada.",
//!   "summary": "Login is down",
//!   "drill": false,
//!   "page": {"id": "0190a5c4-0000-7000-8000-000000000007", "number": "P-7"},
//!   "incident": {"number": "INC-42", "title": "Login is down", "severity": "SEV1"},
//!   "links": {"console": "https://…", "acknowledge": "https://…", "resolve": "https://…"}
//! }
//! ```
//!
//! `page` and `incident` are `null` when the notification has none; every
//! member of `links` is a URL or `null`. The acknowledge and resolve links
//! are one-time links that act on a bodyless POST.
//!
//! # Signature
//!
//! `v1=` followed by the hex HMAC-SHA256, keyed with the shared secret, of
//! `"{X-Muster-Timestamp}.{raw body}"` (as Stripe and Slack do it). A
//! receiver recomputes it over the bytes it received, compares in constant
//! time ([`verify_signature`]) and rejects timestamps older than a few
//! minutes, so a captured request cannot be replayed later. Several `v1=`
//! values separated by commas may come while secrets are being rotated; one
//! matching is enough.

use std::borrow::Cow;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use muster_core::paging::SinkKind;
use serde::Serialize;
use sha2::Sha256;

use crate::config::{ConfigError, WebhookConfig, base_url};
use crate::{Envelope, Health, SendError, Sink, content, http};

const SERVICE: &str = "webhook";

type HmacSha256 = Hmac<Sha256>;

/// The JSON body of a webhook; its fields are documented with the module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload<'a> {
    pub event: &'static str,
    pub idempotency_key: String,
    pub sent_at: String,
    pub recipient: &'a str,
    pub subject: Cow<'a, str>,
    pub body: &'a str,
    pub summary: &'a str,
    pub drill: bool,
    pub page: Option<PagePart>,
    pub incident: Option<IncidentPart<'a>>,
    pub links: LinksPart<'a>,
}

/// `page`: the page for machines (`id`) and people (`number`, `P-7`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PagePart {
    pub id: String,
    pub number: Option<String>,
}

/// `incident`: its number (`INC-42`), title and severity code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentPart<'a> {
    pub number: String,
    pub title: Option<&'a str>,
    pub severity: Option<&'a str>,
}

/// `links`: the console, and the one-time acknowledge and resolve links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinksPart<'a> {
    pub console: Option<&'a str>,
    pub acknowledge: Option<&'a str>,
    pub resolve: Option<&'a str>,
    /// Status-page notices: the link that ends the subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<&'a str>,
}

/// A rendered webhook request: the exact bytes and headers to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Every header, in the order sent.
    pub headers: Vec<(&'static str, String)>,
    /// The raw JSON body the signature covers.
    pub body: String,
}

/// The body of a webhook for `envelope`, sent at `now` (whole seconds).
pub fn payload<'a>(envelope: &Envelope<'a>, now: Timestamp) -> Payload<'a> {
    let n = envelope.notification;
    Payload {
        event: n.event.as_str(),
        idempotency_key: envelope.delivery_id.to_string(),
        sent_at: whole_seconds(now).to_string(),
        recipient: envelope.recipient,
        subject: content::subject(n),
        body: &n.body,
        summary: &n.summary,
        drill: n.drill,
        page: n.page_id.map(|id| PagePart {
            id: id.to_string(),
            number: n.page_number.map(|p| p.to_string()),
        }),
        incident: n.incident_number.map(|number| IncidentPart {
            number: number.to_string(),
            title: n.incident_title.as_deref(),
            severity: n.severity.as_deref(),
        }),
        links: LinksPart {
            console: n.link.as_deref(),
            acknowledge: n.ack_url.as_deref(),
            resolve: n.resolve_url.as_deref(),
            unsubscribe: n.unsubscribe_url.as_deref(),
        },
    }
}

/// The whole request for `envelope`: body, headers and, with a secret, the
/// signature.
pub fn render(envelope: &Envelope<'_>, secret: Option<&str>, now: Timestamp) -> Request {
    let n = envelope.notification;
    let payload = payload(envelope, now);
    // Serializing plain strings, options and bools cannot fail.
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let timestamp = whole_seconds(now).as_second().to_string();
    let mut headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("Idempotency-Key", envelope.delivery_id.to_string()),
        ("X-Muster-Event", n.event.as_str().to_owned()),
        ("X-Muster-Timestamp", timestamp.clone()),
    ];
    if let Some(secret) = secret {
        headers.push((
            "X-Muster-Signature",
            sign(secret, &timestamp, body.as_bytes()),
        ));
    }
    Request { headers, body }
}

/// `v1=<hex HMAC-SHA256 of "{timestamp}.{body}">`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Whether `header` (an `X-Muster-Signature` value) signs `timestamp` and
/// `body` with `secret`. Compares in constant time; checking that the
/// timestamp is recent is the caller's part.
pub fn verify_signature(secret: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    header.split(',').any(|candidate| {
        let Some(hex_mac) = candidate.trim().strip_prefix("v1=") else {
            return false;
        };
        let Ok(expected) = hex::decode(hex_mac) else {
            return false;
        };
        mac(secret, timestamp, body).verify_slice(&expected).is_ok()
    })
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn whole_seconds(now: Timestamp) -> Timestamp {
    Timestamp::from_second(now.as_second()).unwrap_or(now)
}

/// Posts signed JSON to each destination's URL.
#[derive(Debug, Clone)]
pub struct WebhookSink {
    client: reqwest::Client,
    config: WebhookConfig,
}

impl WebhookSink {
    /// Checks that every per-URL secret is keyed by an http(s) URL.
    pub fn new(client: reqwest::Client, config: &WebhookConfig) -> Result<Self, ConfigError> {
        for url in config.secrets_by_url.keys() {
            base_url(
                "webhook.secrets_by_url",
                url.split('?').next().unwrap_or(url),
            )?;
        }
        Ok(Self {
            client,
            config: config.clone(),
        })
    }
}

#[async_trait]
impl Sink for WebhookSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Webhook
    }

    async fn health(&self) -> Health {
        Health::Ok("nothing to check: each destination names its own URL".into())
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let address = &envelope.destination.address;
        let url = http::destination_url(SERVICE, address)?;
        // A status-page subscriber verifies with the key it was given.
        let secret = envelope
            .signing_secret
            .or_else(|| self.config.secret_for(address));
        let request = render(envelope, secret, Timestamp::now());
        let mut builder = self.client.post(url).body(request.body);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        http::deliver(SERVICE, builder).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn now() -> Timestamp {
        "2027-01-15T08:00:00.250Z".parse().expect("a timestamp")
    }

    #[test]
    fn the_body_carries_everything_a_receiver_needs() {
        let n = testing::notification();
        let d = testing::destination(SinkKind::Webhook, "https://hooks.example.com/muster");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let request = render(&envelope, None, now());
        assert_eq!(
            request.body,
            concat!(
                r#"{"event":"page.triggered","idempotency_key":"0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a","#,
                r#""sent_at":"2027-01-15T08:00:00Z","recipient":"ada@example.com","#,
                r#""subject":"INC-42 SEV1 Login is down (P-7)","#,
                r#""body":"Login fails for every customer.\nPaged by Ada.","summary":"Login is down","#,
                r#""drill":false,"page":{"id":"0190a5c4-0000-7000-8000-000000000007","number":"P-7"},"#,
                r#""incident":{"number":"INC-42","title":"Login is down","severity":"SEV1"},"#,
                r#""links":{"console":"https://muster.example.com/pages/P-7","#,
                r#""acknowledge":"https://muster.example.com/p/ack/tok1","#,
                r#""resolve":"https://muster.example.com/p/resolve/tok2"}}"#
            )
        );
        assert_eq!(
            request.headers,
            [
                ("Content-Type", "application/json".to_owned()),
                ("Idempotency-Key", testing::DELIVERY.to_owned()),
                ("X-Muster-Event", "page.triggered".to_owned()),
                ("X-Muster-Timestamp", "1800000000".to_owned()),
            ]
        );
    }

    #[test]
    fn a_bare_page_has_nulls_and_a_drill_keeps_its_marker() {
        let n = testing::bare();
        let d = testing::destination(SinkKind::Webhook, "https://hooks.example.com/muster");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "payments",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let body: serde_json::Value =
            serde_json::from_str(&render(&envelope, None, now()).body).expect("json");
        assert_eq!(body["event"], "page.team_paged");
        assert_eq!(body["page"], serde_json::Value::Null);
        assert_eq!(body["incident"], serde_json::Value::Null);
        assert_eq!(
            body["links"],
            serde_json::json!({"console": null, "acknowledge": null, "resolve": null})
        );

        let mut drill = testing::drill();
        drill.subject = "INC-42 forgot the marker".into();
        let envelope = Envelope {
            notification: &drill,
            signing_secret: None,
            ..envelope
        };
        let body: serde_json::Value =
            serde_json::from_str(&render(&envelope, None, now()).body).expect("json");
        assert_eq!(body["subject"], "[DRILL] INC-42 forgot the marker");
        assert_eq!(body["drill"], true);
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let n = testing::notification();
        let d = testing::destination(SinkKind::Webhook, "https://hooks.example.com/muster");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let request = render(&envelope, Some("whsec_test"), now());
        let (_, signature) = request
            .headers
            .iter()
            .find(|(name, _)| *name == "X-Muster-Signature")
            .expect("signed");
        assert!(signature.starts_with("v1="));
        assert_eq!(signature.len(), 3 + 64);
        let body = request.body.as_bytes();
        assert!(verify_signature(
            "whsec_test",
            "1800000000",
            body,
            signature
        ));
        assert!(verify_signature(
            "whsec_test",
            "1800000000",
            body,
            &format!("v1=00ff, {signature}")
        ));
        let tampered = request.body.replace("SEV1", "SEV5");
        assert!(!verify_signature(
            "whsec_test",
            "1800000000",
            tampered.as_bytes(),
            signature
        ));
        assert!(!verify_signature(
            "whsec_test",
            "1800000001",
            body,
            signature
        ));
        assert!(!verify_signature("other", "1800000000", body, signature));
        assert!(!verify_signature("whsec_test", "1800000000", body, "v1=zz"));
        assert!(!verify_signature("whsec_test", "1800000000", body, ""));
    }

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // Computed independently, with Python: hmac.new(b"key", b"1.{}", sha256).
        assert_eq!(
            sign("key", "1", b"{}"),
            "v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
