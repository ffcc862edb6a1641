//! Matrix: a message into a room through the client-server API, as the
//! configured account.
//!
//! `PUT {homeserver}/_matrix/client/v3/rooms/{room id}/send/m.room.message/{txn id}`
//! with the delivery id as transaction id: the homeserver answers a retry
//! with the event it already made, so a room sees each delivery once. A room
//! alias (`#ops:example.org`) is resolved first through the room directory.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use muster_core::paging::SinkKind;
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{ConfigError, MatrixConfig, base_url, required};
use crate::content::{self, escape_markup, html_lines};
use crate::http::{self, MAX_RETRY_AFTER, Reply, encode_path_segment};
use crate::{Envelope, Health, SendError, Sink};

const SERVICE: &str = "matrix";

/// Error codes that no retry can fix: the account may not post there, its
/// token is gone, or the room or alias does not exist.
const PERMANENT_CODES: [&str; 5] = [
    "M_FORBIDDEN",
    "M_UNKNOWN_TOKEN",
    "M_MISSING_TOKEN",
    "M_NOT_FOUND",
    "M_BAD_JSON",
];

/// The `m.room.message` content for `envelope`: plain text and the same as
/// HTML. `m.text` rather than `m.notice`: clients notify for it.
pub fn render(envelope: &Envelope<'_>) -> Value {
    let n = envelope.notification;
    let subject = content::subject(n);
    let links = content::links(n);
    let mut plain = format!("{subject}\n{}", content::body(n));
    let mut html = format!(
        "<strong>{}</strong><br>{}",
        escape_markup(&subject),
        html_lines(content::body(n))
    );
    if !links.is_empty() {
        for link in &links {
            plain.push_str(&format!("\n{}: {}", link.label, link.url));
        }
        let anchors: Vec<String> = links
            .iter()
            .map(|link| format!("<a href=\"{}\">{}</a>", escape_markup(link.url), link.label))
            .collect();
        html.push_str("<br>");
        html.push_str(&anchors.join(" · "));
    }
    json!({
        "msgtype": "m.text",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": html,
    })
}

/// The path that sends one message; both parts percent-encoded whole.
pub fn send_path(room_id: &str, txn_id: &str) -> String {
    format!(
        "/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        encode_path_segment(room_id),
        encode_path_segment(txn_id)
    )
}

/// The path that resolves a room alias.
pub fn alias_path(alias: &str) -> String {
    format!(
        "/_matrix/client/v3/directory/room/{}",
        encode_path_segment(alias)
    )
}

/// What a destination address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room<'a> {
    /// `!opaque:server`, or just `!opaque` from room version 12 on.
    Id(&'a str),
    /// `#name:server`, resolved through the room directory.
    Alias(&'a str),
}

impl<'a> Room<'a> {
    /// Reads a destination address; anything else is a permanent error.
    pub fn parse(address: &'a str) -> Result<Self, SendError> {
        let address = address.trim();
        let clean = address.len() > 1 && !address.contains(char::is_whitespace);
        if clean && address.starts_with('!') {
            return Ok(Self::Id(address));
        }
        let alias = address.strip_prefix('#').is_some_and(|rest| {
            rest.split_once(':')
                .is_some_and(|(name, server)| !name.is_empty() && !server.is_empty())
        });
        if clean && alias {
            return Ok(Self::Alias(address));
        }
        Err(SendError::permanent(format!(
            "the matrix address {address:?} is not a room; expected a room id like \
             !abc:example.org or an alias like #ops:example.org"
        )))
    }
}

/// A Matrix error body.
#[derive(Debug, Clone, Deserialize)]
struct MatrixError {
    errcode: String,
    #[serde(default)]
    error: String,
    retry_after_ms: Option<u64>,
}

/// Matrix's answers: `M_LIMIT_EXCEEDED` retries after `retry_after_ms` (or
/// `Retry-After`); a forbidden room, an unknown token or a missing room is
/// permanent; anything else is read like any HTTP answer.
pub fn classify(service: &str, reply: &Reply, now: SystemTime) -> Result<(), SendError> {
    if reply.status.is_success() {
        return Ok(());
    }
    let Ok(error) = serde_json::from_str::<MatrixError>(&reply.body) else {
        return http::classify(service, reply, now);
    };
    let reason = format!(
        "{service} answered HTTP {}: {}: {}",
        reply.status, error.errcode, error.error
    );
    if error.errcode == "M_LIMIT_EXCEEDED" {
        let retry_after = error
            .retry_after_ms
            .map(|ms| Duration::from_millis(ms).min(MAX_RETRY_AFTER))
            .or_else(|| reply.retry_after(now));
        return Err(SendError::Retryable {
            reason,
            retry_after,
        });
    }
    if PERMANENT_CODES.contains(&error.errcode.as_str()) {
        return Err(SendError::permanent(reason));
    }
    http::classify(service, reply, now).map_err(|e| match e {
        SendError::Retryable { retry_after, .. } => SendError::Retryable {
            reason,
            retry_after,
        },
        SendError::Permanent { .. } => SendError::permanent(reason),
    })
}

/// Posts into rooms as the configured account.
#[derive(Debug, Clone)]
pub struct MatrixSink {
    client: reqwest::Client,
    homeserver: String,
    authorization: String,
}

impl MatrixSink {
    /// Checks the homeserver URL and that there is a token.
    pub fn new(client: reqwest::Client, config: &MatrixConfig) -> Result<Self, ConfigError> {
        let homeserver = base_url("matrix.homeserver", &config.homeserver)?;
        let token = required("matrix.access_token", &config.access_token)?;
        Ok(Self {
            client,
            homeserver,
            authorization: format!("Bearer {token}"),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.homeserver)
    }

    /// The room id an address names: itself, or what its alias points to.
    async fn room_id(&self, address: &str) -> Result<String, SendError> {
        let alias = match Room::parse(address)? {
            Room::Id(id) => return Ok(id.to_owned()),
            Room::Alias(alias) => alias,
        };
        let request = self
            .client
            .get(self.url(&alias_path(alias)))
            .header(AUTHORIZATION, &self.authorization);
        let reply = http::exchange(SERVICE, request).await?;
        classify(SERVICE, &reply, SystemTime::now())?;
        #[derive(Deserialize)]
        struct Directory {
            room_id: String,
        }
        serde_json::from_str::<Directory>(&reply.body)
            .map(|d| d.room_id)
            .map_err(|e| {
                SendError::retryable(format!(
                    "{SERVICE} answered the alias {alias} with an unreadable body: {e}"
                ))
            })
    }
}

#[async_trait]
impl Sink for MatrixSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Matrix
    }

    async fn health(&self) -> Health {
        let request = self
            .client
            .get(self.url("/_matrix/client/v3/account/whoami"))
            .header(AUTHORIZATION, &self.authorization);
        let reply = match http::exchange(SERVICE, request).await {
            Ok(reply) => reply,
            Err(e) => return Health::Failing(e.reason().to_owned()),
        };
        if let Err(e) = classify(SERVICE, &reply, SystemTime::now()) {
            return Health::Failing(e.reason().to_owned());
        }
        #[derive(Deserialize)]
        struct WhoAmI {
            user_id: String,
        }
        match serde_json::from_str::<WhoAmI>(&reply.body) {
            Ok(who) => Health::Ok(format!(
                "signed in to {} as {}",
                self.homeserver, who.user_id
            )),
            Err(e) => Health::Failing(format!("{SERVICE} whoami answered an unreadable body: {e}")),
        }
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let room_id = self.room_id(&envelope.destination.address).await?;
        let path = send_path(&room_id, &envelope.delivery_id.to_string());
        let request = self
            .client
            .put(self.url(&path))
            .header(AUTHORIZATION, &self.authorization)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(render(envelope).to_string());
        let reply = http::exchange(SERVICE, request).await?;
        classify(SERVICE, &reply, SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::testing;

    #[test]
    fn a_page_becomes_text_and_html() {
        let mut n = testing::drill();
        n.body = "p99 > 2s & climbing".into();
        let d = testing::destination(SinkKind::Matrix, "#ops:example.org");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ops",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            render(&envelope),
            json!({
                "msgtype": "m.text",
                "body": "[DRILL] INC-42 SEV1 Login is down (P-7)\np99 > 2s & climbing\n\
                         Acknowledge: https://muster.example.com/p/ack/tok1\n\
                         Resolve: https://muster.example.com/p/resolve/tok2\n\
                         Open: https://muster.example.com/pages/P-7",
                "format": "org.matrix.custom.html",
                "formatted_body": "<strong>[DRILL] INC-42 SEV1 Login is down (P-7)</strong><br>\
                                   p99 &gt; 2s &amp; climbing<br>\
                                   <a href=\"https://muster.example.com/p/ack/tok1\">Acknowledge</a> · \
                                   <a href=\"https://muster.example.com/p/resolve/tok2\">Resolve</a> · \
                                   <a href=\"https://muster.example.com/pages/P-7\">Open</a>",
            })
        );
    }

    #[test]
    fn addresses_are_room_ids_or_aliases() {
        assert_eq!(
            Room::parse("!abc:example.org"),
            Ok(Room::Id("!abc:example.org"))
        );
        assert_eq!(
            Room::parse(" !9-jK-WKNOUAXZJ9tInVZXLUtvRsL1NxF2CyM5hiXEdY "),
            Ok(Room::Id("!9-jK-WKNOUAXZJ9tInVZXLUtvRsL1NxF2CyM5hiXEdY")),
            "room version 12 ids have no server part"
        );
        assert_eq!(
            Room::parse("#ops:example.org"),
            Ok(Room::Alias("#ops:example.org"))
        );
        for bad in [
            "ops",
            "#ops",
            "#:example.org",
            "#ops:",
            "!",
            "! x",
            "",
            "@ada:example.org",
        ] {
            assert!(Room::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn room_ids_and_aliases_are_encoded_in_paths() {
        assert_eq!(
            send_path("!AbC123:example.org", testing::DELIVERY),
            "/_matrix/client/v3/rooms/%21AbC123%3Aexample.org/send/m.room.message/\
             0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a"
        );
        assert_eq!(
            alias_path("#ops:example.org"),
            "/_matrix/client/v3/directory/room/%23ops%3Aexample.org"
        );
    }

    #[test]
    fn matrix_errors_map_by_errcode() {
        let reply = |status: u16, body: &str| Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            classify(
                "matrix",
                &reply(429, r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2500}"#),
                now
            ),
            Err(SendError::Retryable {
                reason: "matrix answered HTTP 429 Too Many Requests: M_LIMIT_EXCEEDED: Too many requests".into(),
                retry_after: Some(Duration::from_millis(2500)),
            })
        );
        assert_eq!(
            classify(
                "matrix",
                &reply(
                    403,
                    r#"{"errcode":"M_FORBIDDEN","error":"User @muster:example.org not in room"}"#
                ),
                now
            ),
            Err(SendError::permanent(
                "matrix answered HTTP 403 Forbidden: M_FORBIDDEN: User @muster:example.org not in room"
            ))
        );
        for code in ["M_UNKNOWN_TOKEN", "M_NOT_FOUND"] {
            let body = format!(r#"{{"errcode":"{code}","error":"x"}}"#);
            assert!(matches!(
                classify("matrix", &reply(401, &body), now),
                Err(SendError::Permanent { .. })
            ));
        }
        assert!(matches!(
            classify("matrix", &reply(502, "<html>bad gateway</html>"), now),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            classify(
                "matrix",
                &reply(500, r#"{"errcode":"M_UNKNOWN","error":"oops"}"#),
                now
            ),
            Err(SendError::Retryable { .. })
        ));
    }
}
