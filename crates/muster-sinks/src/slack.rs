//! Slack incoming webhooks: Block Kit with a header, the body, and link
//! buttons. Slack answers `200 ok`; its errors are a bare code in the body.

use std::time::SystemTime;

use async_trait::async_trait;
use muster_core::paging::SinkKind;
use serde_json::{Value, json};

use crate::content::{self, truncate};
use crate::http::{self, Reply};
use crate::{Envelope, Health, SendError, Sink};

const SERVICE: &str = "slack";

/// Slack's limits: header text 150 characters, section text 3000.
const HEADER_MAX: usize = 150;
const SECTION_MAX: usize = 3000;

/// Error codes that no retry can fix: the webhook is gone, the channel is
/// gone or archived, the payload or the token is refused.
const PERMANENT_CODES: [&str; 12] = [
    "no_service",
    "no_service_id",
    "no_team",
    "team_disabled",
    "channel_not_found",
    "channel_is_archived",
    "action_prohibited",
    "invalid_token",
    "invalid_payload",
    "invalid_blocks",
    "no_text",
    "posting_to_general_channel_denied",
];

/// Slack's mrkdwn needs only `&`, `<` and `>` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The message for `envelope`: `text` is the notification fallback (what a
/// phone shows), `blocks` what the channel shows.
pub fn render(envelope: &Envelope<'_>) -> Value {
    let n = envelope.notification;
    let subject = content::subject(n);
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(&subject, HEADER_MAX), "emoji": true},
        }),
        json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(&escape(content::body(n)), SECTION_MAX)},
        }),
    ];
    let buttons: Vec<Value> = content::links(n)
        .into_iter()
        .map(|link| {
            let mut button = json!({
                "type": "button",
                "text": {"type": "plain_text", "text": link.label},
                "url": link.url,
                "action_id": format!("muster_{}", link.label.to_lowercase()),
            });
            if link.label == content::ACKNOWLEDGE {
                button["style"] = json!("primary");
            }
            button
        })
        .collect();
    if !buttons.is_empty() {
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    json!({"text": escape(&subject), "blocks": blocks})
}

/// Slack's answers: a known error code is permanent whatever the status;
/// the rest is read like any HTTP answer.
pub fn classify(service: &str, reply: &Reply, now: SystemTime) -> Result<(), SendError> {
    let code = reply.body.trim();
    if !reply.status.is_success() && PERMANENT_CODES.contains(&code) {
        return Err(SendError::permanent(format!(
            "{service} answered HTTP {}: {code}",
            reply.status
        )));
    }
    http::classify(service, reply, now)
}

/// Posts to each destination's incoming webhook URL.
#[derive(Debug, Clone)]
pub struct SlackSink {
    client: reqwest::Client,
}

impl SlackSink {
    /// A sink posting with `client` (see [`crate::http::client`]).
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Sink for SlackSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Slack
    }

    async fn health(&self) -> Health {
        Health::Ok("nothing to check: each destination names its own webhook URL".into())
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let body = render(envelope);
        http::post_json(
            &self.client,
            SERVICE,
            &envelope.destination.address,
            &body,
            classify,
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::testing;

    #[test]
    fn a_page_becomes_header_body_and_buttons() {
        let mut n = testing::drill();
        n.body = "Errors > 50% & rising <fast>".into();
        let d = testing::destination(SinkKind::Slack, "https://hooks.slack.com/services/T/B/x");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "#payments",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            render(&envelope),
            json!({
                "text": "[DRILL] INC-42 SEV1 Login is down (P-7)",
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "[DRILL] INC-42 SEV1 Login is down (P-7)", "emoji": true}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": "Errors &gt; 50% &amp; rising &lt;fast&gt;"}},
                    {"type": "actions", "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"}, "url": "https://muster.example.com/p/ack/tok1", "action_id": "muster_acknowledge", "style": "primary"},
                        {"type": "button", "text": {"type": "plain_text", "text": "Resolve"}, "url": "https://muster.example.com/p/resolve/tok2", "action_id": "muster_resolve"},
                        {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": "https://muster.example.com/pages/P-7", "action_id": "muster_open"},
                    ]},
                ],
            })
        );
    }

    #[test]
    fn no_links_means_no_actions_block_and_long_subjects_are_cut() {
        let mut n = testing::bare();
        n.subject = format!("[DRILL] {}", "x".repeat(200));
        let d = testing::destination(SinkKind::Slack, "https://hooks.slack.com/services/T/B/x");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "#payments",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let message = render(&envelope);
        let blocks = message["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), 2);
        let header = blocks[0]["text"]["text"].as_str().expect("header text");
        assert_eq!(header.chars().count(), 150);
        assert!(header.starts_with("[DRILL] xxx"));
    }

    #[test]
    fn slack_error_codes_are_permanent() {
        let reply = |status: u16, body: &str| Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(classify("slack", &reply(200, "ok"), now), Ok(()));
        assert_eq!(
            classify("slack", &reply(410, "channel_is_archived"), now),
            Err(SendError::permanent(
                "slack answered HTTP 410 Gone: channel_is_archived"
            ))
        );
        assert_eq!(
            classify("slack", &reply(500, "invalid_token"), now),
            Err(SendError::permanent(
                "slack answered HTTP 500 Internal Server Error: invalid_token"
            ))
        );
        assert!(matches!(
            classify("slack", &reply(500, "rollup_error"), now),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            classify("slack", &reply(429, "rate_limited"), now),
            Err(SendError::Retryable { .. })
        ));
    }
}
