//! Microsoft Teams incoming webhooks (Workflows / Power Automate): a message
//! carrying one Adaptive Card. Teams answers 200 or 202.

use async_trait::async_trait;
use muster_core::paging::SinkKind;
use serde_json::{Value, json};

use crate::{Envelope, Health, SendError, Sink, content, http};

const SERVICE: &str = "teams";

/// The message for `envelope`: the subject as a heading, the body, and one
/// `Action.OpenUrl` per link.
pub fn render(envelope: &Envelope<'_>) -> Value {
    let n = envelope.notification;
    // Adaptive Cards' Markdown needs a blank line for a line break.
    let body_text = content::body(n).lines().collect::<Vec<_>>().join("\n\n");
    let actions: Vec<Value> = content::links(n)
        .into_iter()
        .map(|link| json!({"type": "Action.OpenUrl", "title": link.label, "url": link.url}))
        .collect();
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": content::subject(n),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": true,
                "style": "heading",
            },
            {"type": "TextBlock", "text": body_text, "wrap": true},
        ],
    });
    if !actions.is_empty() {
        card["actions"] = Value::Array(actions);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Posts to each destination's Workflows webhook URL.
#[derive(Debug, Clone)]
pub struct TeamsSink {
    client: reqwest::Client,
}

impl TeamsSink {
    /// A sink posting with `client` (see [`crate::http::client`]).
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Sink for TeamsSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Teams
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
            http::classify,
        )
        .await
        .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn a_page_becomes_an_adaptive_card() {
        let n = testing::notification();
        let d = testing::destination(SinkKind::Teams, "https://example.webhook.office.com/x");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "Payments",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            render(&envelope),
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": "INC-42 SEV1 Login is down (P-7)", "weight": "Bolder", "size": "Medium", "wrap": true, "style": "heading"},
                            {"type": "TextBlock", "text": "Login fails for every customer.\n\nPaged by Ada.", "wrap": true},
                        ],
                        "actions": [
                            {"type": "Action.OpenUrl", "title": "Acknowledge", "url": "https://muster.example.com/p/ack/tok1"},
                            {"type": "Action.OpenUrl", "title": "Resolve", "url": "https://muster.example.com/p/resolve/tok2"},
                            {"type": "Action.OpenUrl", "title": "Open", "url": "https://muster.example.com/pages/P-7"},
                        ],
                    },
                }],
            })
        );
    }

    #[test]
    fn a_card_without_links_has_no_actions() {
        let n = testing::bare();
        let d = testing::destination(SinkKind::Teams, "https://example.webhook.office.com/x");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "Payments",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let message = render(&envelope);
        let card = &message["attachments"][0]["content"];
        assert_eq!(card.get("actions"), None);
        assert_eq!(card["body"][0]["text"], "P-8: Disk almost full");
    }
}
