//! Mattermost incoming webhooks: one Markdown message, posted as "muster".
//! Mattermost answers `200 ok`.

use async_trait::async_trait;
use muster_core::paging::SinkKind;
use serde_json::{Value, json};

use crate::{Envelope, Health, SendError, Sink, content, http};

const SERVICE: &str = "mattermost";

/// Escapes what Markdown would read as formatting in a line of text.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '|'
                | '~'
                | '<'
                | '>'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The message for `envelope`. The subject is escaped (it is a heading);
/// the body goes as written so its links stay clickable.
pub fn render(envelope: &Envelope<'_>) -> Value {
    let n = envelope.notification;
    let mut text = format!(
        "#### {}\n{}",
        escape_markdown(&content::subject(n)),
        content::body(n)
    );
    let links: Vec<String> = content::links(n)
        .into_iter()
        .map(|link| format!("[{}]({})", link.label, link.url))
        .collect();
    if !links.is_empty() {
        text.push_str("\n\n");
        text.push_str(&links.join(" · "));
    }
    json!({"text": text, "username": "muster"})
}

/// Posts to each destination's incoming webhook URL.
#[derive(Debug, Clone)]
pub struct MattermostSink {
    client: reqwest::Client,
}

impl MattermostSink {
    /// A sink posting with `client` (see [`crate::http::client`]).
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Sink for MattermostSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Mattermost
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
    fn a_page_becomes_a_heading_the_body_and_links() {
        let n = testing::drill();
        let d = testing::destination(SinkKind::Mattermost, "https://mm.example.com/hooks/abc");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "town-square",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            render(&envelope),
            json!({
                "text": "#### \\[DRILL\\] INC-42 SEV1 Login is down \\(P-7\\)\n\
                         Login fails for every customer.\nPaged by Ada.\n\n\
                         [Acknowledge](https://muster.example.com/p/ack/tok1) · \
                         [Resolve](https://muster.example.com/p/resolve/tok2) · \
                         [Open](https://muster.example.com/pages/P-7)",
                "username": "muster",
            })
        );
    }

    #[test]
    fn without_links_there_is_no_link_line() {
        let n = testing::bare();
        let d = testing::destination(SinkKind::Mattermost, "https://mm.example.com/hooks/abc");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "town-square",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            render(&envelope)["text"],
            "#### P-8: Disk almost full\nDisk almost full"
        );
    }
}
