//! Email over SMTP: a multipart/alternative message (text and simple HTML)
//! to the destination's mailbox.
//!
//! The message is rendered deterministically from the envelope and the
//! instant (its MIME boundary comes from the delivery id), and carries
//! `Message-ID: <{delivery id}@muster>` so mail clients fold a retried
//! delivery into one message.

use std::time::SystemTime;

use async_trait::async_trait;
use jiff::Timestamp;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use muster_core::paging::{Notification, SinkKind};
use reqwest::Url;

use crate::config::{ConfigError, EmailConfig};
use crate::content::{self, escape_markup, html_lines};
use crate::{Envelope, Health, SendError, Sink};

/// The plain-text part.
pub fn text(notification: &Notification) -> String {
    let mut text = format!(
        "{}\n\n{}\n",
        content::subject(notification),
        content::body(notification)
    );
    let links = content::links(notification);
    if !links.is_empty() {
        text.push('\n');
        for link in links {
            text.push_str(&format!("{}: {}\n", link.label, link.url));
        }
    }
    text
}

/// The HTML part: the same words, with the links as labelled anchors.
pub fn html(notification: &Notification) -> String {
    let subject = escape_markup(&content::subject(notification));
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{subject}</title></head>\n\
         <body style=\"font-family: sans-serif\">\n<h2>{subject}</h2>\n<p>{}</p>\n",
        html_lines(content::body(notification))
    );
    let links = content::links(notification);
    if !links.is_empty() {
        let anchors: Vec<String> = links
            .iter()
            .map(|link| {
                format!(
                    "<a href=\"{}\"><strong>{}</strong></a>",
                    escape_markup(link.url),
                    link.label
                )
            })
            .collect();
        html.push_str(&format!("<p>{}</p>\n", anchors.join(" &middot; ")));
    }
    html.push_str("</body></html>\n");
    html
}

/// The whole message from `from` to the destination's mailbox, dated `now`.
/// An unreadable To address is permanent: no retry will fix it.
pub fn render(
    envelope: &Envelope<'_>,
    from: &Mailbox,
    now: Timestamp,
) -> Result<Message, SendError> {
    let to: Mailbox = envelope.destination.address.trim().parse().map_err(|e| {
        SendError::permanent(format!(
            "the email address {:?} is not a mailbox: {e}",
            envelope.destination.address
        ))
    })?;
    let n = envelope.notification;
    let id = envelope.delivery_id;
    let unsubscribe = n
        .unsubscribe_url
        .as_deref()
        .filter(|u| !u.trim().is_empty());
    let body = MultiPart::alternative()
        .boundary(format!("muster-{id}"))
        .singlepart(SinglePart::plain(text(n)))
        .singlepart(SinglePart::html(html(n)));
    let mut message = Message::builder();
    if let Some(url) = unsubscribe {
        // RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe
        // that POSTs `List-Unsubscribe=One-Click` to the link.
        message = message
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    message
        .from(from.clone())
        .to(to)
        .subject(content::subject(n))
        .date(SystemTime::try_from(now).unwrap_or_else(|_| SystemTime::now()))
        .message_id(Some(format!("<{id}@muster>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Muster-Delivery"),
            id.to_string(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Muster-Event"),
            n.event.as_str().to_owned(),
        ))
        // RFC 3834: out-of-office replies must not answer a page.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ))
        .multipart(body)
        .map_err(|e| SendError::permanent(format!("cannot build the email: {e}")))
}

/// What an SMTP failure means for a retry: 5xx replies (and errors of the
/// client itself) are permanent; 4xx replies, refused connections,
/// timeouts and TLS failures are retryable.
pub fn smtp_error(error: &lettre::transport::smtp::Error) -> SendError {
    let mut reason = format!("smtp: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_permanent() || error.is_client() {
        SendError::permanent(reason)
    } else {
        SendError::retryable(reason)
    }
}

/// Sends through one SMTP server. Each send opens its own connection, so a
/// connection the server dropped overnight is never reused.
#[derive(Clone)]
pub struct EmailSink {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
}

impl std::fmt::Debug for EmailSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSink")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl EmailSink {
    /// Checks the URL and the From mailbox; connects only when sending.
    pub fn new(config: &EmailConfig) -> Result<Self, ConfigError> {
        let from: Mailbox = config.from.trim().parse().map_err(|_| {
            ConfigError::new(
                "email.from",
                format!(
                    "expected a mailbox like muster@example.com or Muster <muster@example.com>, \
                     got {:?}",
                    config.from
                ),
            )
        })?;
        let url = Url::parse(config.url.trim()).map_err(|e| {
            ConfigError::new(
                "email.url",
                format!("expected a URL like smtp://host:587?tls=required ({e})"),
            )
        })?;
        let tls = url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned());
        let known = matches!(
            (url.scheme(), tls.as_deref()),
            ("smtp", None | Some("required" | "opportunistic")) | ("smtps", None)
        );
        if !known || url.host_str().is_none() {
            return Err(ConfigError::new(
                "email.url",
                "expected smtp://host[:port] (no TLS), smtp://host[:port]?tls=required \
                 (STARTTLS) or smtps://host[:port] (TLS), optionally with user:password@",
            ));
        }
        let server = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(config.url.trim())
            .map_err(|e| ConfigError::new("email.url", e.to_string()))?
            .build();
        Ok(Self {
            transport,
            from,
            server,
        })
    }
}

#[async_trait]
impl Sink for EmailSink {
    fn kind(&self) -> SinkKind {
        SinkKind::Email
    }

    async fn health(&self) -> Health {
        match self.transport.test_connection().await {
            Ok(true) => Health::Ok(format!("SMTP server {} accepted a NOOP", self.server)),
            Ok(false) => {
                Health::Failing(format!("SMTP server {} did not answer a NOOP", self.server))
            }
            Err(e) => Health::Failing(smtp_error(&e).reason().to_owned()),
        }
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let message = render(envelope, &self.from, Timestamp::now())?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| smtp_error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn now() -> Timestamp {
        "2027-01-15T08:00:00Z".parse().expect("a timestamp")
    }

    #[test]
    fn the_text_part_labels_every_link() {
        assert_eq!(
            text(&testing::drill()),
            "[DRILL] INC-42 SEV1 Login is down (P-7)\n\n\
             Login fails for every customer.\nPaged by Ada.\n\n\
             Acknowledge: https://muster.example.com/p/ack/tok1\n\
             Resolve: https://muster.example.com/p/resolve/tok2\n\
             Open: https://muster.example.com/pages/P-7\n"
        );
        assert_eq!(
            text(&testing::bare()),
            "P-8: Disk almost full\n\nDisk almost full\n"
        );
    }

    #[test]
    fn the_html_part_escapes_and_links() {
        let mut n = testing::notification();
        n.body = "5xx > 10%\n<script>".into();
        assert_eq!(
            html(&n),
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
             <title>INC-42 SEV1 Login is down (P-7)</title></head>\n\
             <body style=\"font-family: sans-serif\">\n<h2>INC-42 SEV1 Login is down (P-7)</h2>\n\
             <p>5xx &gt; 10%<br>&lt;script&gt;</p>\n\
             <p><a href=\"https://muster.example.com/p/ack/tok1\"><strong>Acknowledge</strong></a> &middot; \
             <a href=\"https://muster.example.com/p/resolve/tok2\"><strong>Resolve</strong></a> &middot; \
             <a href=\"https://muster.example.com/pages/P-7\"><strong>Open</strong></a></p>\n\
             </body></html>\n"
        );
    }

    #[test]
    fn a_status_page_mail_offers_one_click_unsubscribe() {
        let mut n = testing::bare();
        n.unsubscribe_url = Some("https://status.example.com/unsubscribe?token=msu_abc".into());
        let d = testing::destination(SinkKind::Email, "ada@example.com");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let from: Mailbox = "Muster <muster@example.com>".parse().expect("mailbox");
        let raw = String::from_utf8(
            render(&envelope, &from, now())
                .expect("rendered")
                .formatted(),
        )
        .expect("ascii");
        let headers = raw.split("\r\n\r\n").next().expect("headers");
        assert!(
            headers.contains(
                "List-Unsubscribe: <https://status.example.com/unsubscribe?token=msu_abc>\r\n"
            ),
            "{headers}"
        );
        assert!(headers.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("Unsubscribe: https://status.example.com/unsubscribe?token=msu_abc"));
        // Other mail has no such header.
        let plain = testing::drill();
        let envelope = Envelope {
            notification: &plain,
            ..envelope
        };
        let raw = String::from_utf8(
            render(&envelope, &from, now())
                .expect("rendered")
                .formatted(),
        )
        .expect("ascii");
        assert!(!raw.contains("List-Unsubscribe"));
    }

    #[test]
    fn the_message_carries_the_delivery_id_and_both_parts() {
        let n = testing::drill();
        let d = testing::destination(SinkKind::Email, "Ada Lovelace <ada@example.com>");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let from: Mailbox = "Muster <muster@example.com>".parse().expect("mailbox");
        let message = render(&envelope, &from, now()).expect("rendered");
        let raw = String::from_utf8(message.formatted()).expect("ascii");
        let headers = raw.split("\r\n\r\n").next().expect("headers");
        assert_eq!(
            headers,
            "From: Muster <muster@example.com>\r\n\
             To: \"Ada Lovelace\" <ada@example.com>\r\n\
             Subject: [DRILL] INC-42 SEV1 Login is down (P-7)\r\n\
             Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n\
             Message-ID: <0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a@muster>\r\n\
             X-Muster-Delivery: 0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a\r\n\
             X-Muster-Event: page.triggered\r\n\
             Auto-Submitted: auto-generated\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/alternative;\r\n \
             boundary=\"muster-0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a\""
        );
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"));
        assert!(raw.contains("Acknowledge: https://muster.example.com/p/ack/tok1"));
        assert_eq!(
            message
                .envelope()
                .to()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["ada@example.com"]
        );
        // Rendering is deterministic: a retry sends the same bytes.
        let again = render(&envelope, &from, now()).expect("rendered");
        assert_eq!(again.formatted(), message.formatted());
    }

    #[test]
    fn a_bad_address_is_permanent() {
        let n = testing::notification();
        let d = testing::destination(SinkKind::Email, "not an address");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        let from: Mailbox = "muster@example.com".parse().expect("mailbox");
        let error = render(&envelope, &from, now()).expect_err("bad address");
        assert!(!error.is_retryable());
        assert!(
            error
                .reason()
                .starts_with("the email address \"not an address\" is not a mailbox")
        );
    }

    #[test]
    fn settings_are_checked() {
        let config = |url: &str, from: &str| EmailConfig {
            url: url.into(),
            from: from.into(),
        };
        assert!(
            EmailSink::new(&config(
                "smtp://user:pass@127.0.0.1:2525",
                "muster@example.com"
            ))
            .is_ok()
        );
        assert!(
            EmailSink::new(&config(
                "smtp://smtp.example.com:587?tls=required",
                "Muster <m@example.com>"
            ))
            .is_ok()
        );
        assert!(EmailSink::new(&config("smtps://u:p@smtp.example.com", "m@example.com")).is_ok());
        let from = EmailSink::new(&config("smtp://127.0.0.1", "nobody")).expect_err("bad from");
        assert_eq!(from.setting, "email.from");
        for url in [
            "http://smtp.example.com",
            "smtp://h?tls=sometimes",
            "smtp:nohost",
            "nonsense",
        ] {
            let error = EmailSink::new(&config(url, "m@example.com")).expect_err(url);
            assert_eq!(error.setting, "email.url", "{url}");
        }
    }
}
