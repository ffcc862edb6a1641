//! ntfy push notifications: `POST {server}/{topic}` with the body as the
//! message and everything else in headers.
//!
//! The destination address is a topic on the configured server (`ops-pager`)
//! or a whole topic URL on any server (`https://ntfy.example.com/ops`); the
//! access token goes only to the configured server. ntfy does not
//! de-duplicate, so a retry after a lost answer can notify twice.

use async_trait::async_trait;
use base64::Engine as _;
use muster_core::paging::SinkKind;
use reqwest::Url;
use serde::Deserialize;

use crate::config::{ConfigError, NtfyConfig, base_url};
use crate::{Envelope, Health, SendError, Sink, content, http};

const SERVICE: &str = "ntfy";

/// A rendered publish request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The topic URL to POST to.
    pub url: String,
    /// Every header, ASCII-safe.
    pub headers: Vec<(&'static str, String)>,
    /// The message.
    pub body: String,
}

/// A header value as ntfy reads it: ASCII as is, anything else as an
/// RFC 2047 encoded word (`=?UTF-8?B?...?=`), which ntfy decodes.
pub fn header_text(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.is_ascii() {
        one_line
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(one_line.as_bytes())
        )
    }
}

/// A value inside the `Actions` header, quoted when it holds the header's
/// own separators.
fn action_value(value: &str) -> String {
    if !value.contains([',', ';', '"', '\'']) {
        value.to_owned()
    } else if value.contains('"') {
        format!("'{value}'")
    } else {
        format!("\"{value}\"")
    }
}

/// The topic URL an address names, on `base_url` unless it is a URL itself.
pub fn topic_url(base_url: &str, address: &str) -> Result<String, SendError> {
    let address = address.trim();
    if address.starts_with("http://") || address.starts_with("https://") {
        let url = Url::parse(address).map_err(|e| {
            SendError::permanent(format!("the ntfy topic URL {address:?} is invalid: {e}"))
        })?;
        let topic = url.path().trim_matches('/');
        if topic.is_empty() || topic.contains('/') {
            return Err(SendError::permanent(format!(
                "the ntfy topic URL {address:?} names no single topic"
            )));
        }
        return Ok(url.as_str().trim_end_matches('/').to_owned());
    }
    let valid = !address.is_empty()
        && address.len() <= 64
        && address
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(SendError::permanent(format!(
            "the ntfy address {address:?} is neither a topic (letters, digits, - and _, \
             at most 64) nor a topic URL"
        )));
    }
    Ok(format!("{base_url}/{address}"))
}

fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// The publish request for `envelope`. `token` is attached only when the
/// topic lives on `base_url`'s server.
pub fn render(
    envelope: &Envelope<'_>,
    base_url: &str,
    token: Option<&str>,
) -> Result<Request, SendError> {
    let n = envelope.notification;
    let url = topic_url(base_url, &envelope.destination.address)?;
    let urgent = content::urgent(n);
    let mut tags = vec![if urgent {
        "rotating_light"
    } else {
        "loudspeaker"
    }];
    if n.drill {
        tags.push("drill");
    }
    let mut headers = vec![
        ("Title", header_text(&content::subject(n))),
        ("Priority", if urgent { "5" } else { "3" }.to_owned()),
        ("Tags", tags.join(",")),
    ];
    if let Some(link) = &n.link {
        headers.push(("Click", header_text(link)));
    }
    // Resolving stays off the lock screen: one stray tap should not close a page.
    let mut actions = Vec::new();
    if let Some(ack) = &n.ack_url {
        actions.push(format!(
            "http, {}, {}, method=POST, clear=true",
            content::ACKNOWLEDGE,
            action_value(ack)
        ));
    }
    if let Some(link) = &n.link {
        actions.push(format!("view, {}, {}", content::OPEN, action_value(link)));
    }
    if !actions.is_empty() {
        headers.push(("Actions", header_text(&actions.join("; "))));
    }
    if let Some(token) = token.filter(|t| !t.is_empty())
        && same_origin(&url, base_url)
    {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    Ok(Request {
        url,
        headers,
        body: content::body(n).to_owned(),
    })
}

/// Publishes to ntfy topics.
#[derive(Debug, Clone)]
pub struct NtfySink {
    client: reqwest::Client,
    base_url: String,
    token: Option<String>,
}

impl NtfySink {
    /// Checks the server URL.
    pub fn new(client: reqwest::Client, config: &NtfyConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            client,
            base_url: base_url("ntfy.base_url", &config.base_url)?,
            token: config.token.clone().filter(|t| !t.trim().is_empty()),
        })
    }
}

#[async_trait]
impl Sink for NtfySink {
    fn kind(&self) -> SinkKind {
        SinkKind::Ntfy
    }

    async fn health(&self) -> Health {
        let url = format!("{}/v1/health", self.base_url);
        let reply = match http::deliver(SERVICE, self.client.get(url)).await {
            Ok(reply) => reply,
            Err(e) => return Health::Failing(e.reason().to_owned()),
        };
        #[derive(Deserialize)]
        struct Healthy {
            healthy: bool,
        }
        match serde_json::from_str::<Healthy>(&reply.body) {
            Ok(Healthy { healthy: true }) => {
                Health::Ok(format!("{} reports itself healthy", self.base_url))
            }
            Ok(Healthy { healthy: false }) => {
                Health::Failing(format!("{} reports itself unhealthy", self.base_url))
            }
            Err(e) => Health::Failing(format!("{SERVICE} health answered an unreadable body: {e}")),
        }
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let request = render(envelope, &self.base_url, self.token.as_deref())?;
        let mut builder = self.client.post(&request.url).body(request.body);
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

    fn envelope_for<'a>(
        n: &'a muster_core::paging::Notification,
        d: &'a muster_core::paging::Destination,
    ) -> Envelope<'a> {
        Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: d,
            notification: n,
            signing_secret: None,
        }
    }

    #[test]
    fn a_page_is_urgent_with_ack_and_open_actions() {
        let n = testing::drill();
        let d = testing::destination(SinkKind::Ntfy, "ada-pager");
        let request = render(&envelope_for(&n, &d), "https://ntfy.sh", Some("tk_1")).expect("ok");
        assert_eq!(request.url, "https://ntfy.sh/ada-pager");
        assert_eq!(
            request.body,
            "Login fails for every customer.\nPaged by Ada."
        );
        assert_eq!(
            request.headers,
            [
                (
                    "Title",
                    "[DRILL] INC-42 SEV1 Login is down (P-7)".to_owned()
                ),
                ("Priority", "5".to_owned()),
                ("Tags", "rotating_light,drill".to_owned()),
                ("Click", "https://muster.example.com/pages/P-7".to_owned()),
                (
                    "Actions",
                    "http, Acknowledge, https://muster.example.com/p/ack/tok1, method=POST, \
                     clear=true; view, Open, https://muster.example.com/pages/P-7"
                        .to_owned()
                ),
                ("Authorization", "Bearer tk_1".to_owned()),
            ]
        );
    }

    #[test]
    fn team_notices_are_default_priority_and_other_servers_get_no_token() {
        let n = testing::bare();
        let d = testing::destination(SinkKind::Ntfy, "https://push.example.com/payments/");
        let request = render(&envelope_for(&n, &d), "https://ntfy.sh", Some("tk_1")).expect("ok");
        assert_eq!(request.url, "https://push.example.com/payments");
        assert_eq!(
            request.headers,
            [
                ("Title", "P-8: Disk almost full".to_owned()),
                ("Priority", "3".to_owned()),
                ("Tags", "loudspeaker".to_owned()),
            ]
        );
    }

    #[test]
    fn non_ascii_titles_are_encoded_words() {
        assert_eq!(header_text("plain"), "plain");
        assert_eq!(header_text("Café down"), "=?UTF-8?B?Q2Fmw6kgZG93bg==?=");
        assert_eq!(header_text("a\r\nb"), "a  b");
    }

    #[test]
    fn addresses_are_topics_or_topic_urls() {
        assert_eq!(
            topic_url("http://127.0.0.1:1", "ops_pager-1"),
            Ok("http://127.0.0.1:1/ops_pager-1".into())
        );
        for bad in [
            "",
            "ops/pager",
            "ops pager",
            "https://ntfy.sh/",
            "https://ntfy.sh/a/b",
        ] {
            assert!(topic_url("https://ntfy.sh", bad).is_err(), "{bad}");
        }
        assert!(
            !topic_url("https://ntfy.sh", &"x".repeat(65))
                .expect_err("long")
                .is_retryable()
        );
    }

    #[test]
    fn action_values_with_separators_are_quoted() {
        assert_eq!(action_value("https://a.example/x"), "https://a.example/x");
        assert_eq!(
            action_value("https://a.example/x,y"),
            "\"https://a.example/x,y\""
        );
        assert_eq!(action_value("a\"b;c"), "'a\"b;c'");
    }
}
