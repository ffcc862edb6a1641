//! Text messages and phone calls through a Twilio-compatible REST API: form
//! POSTs to `{base}/2010-04-01/Accounts/{sid}/Messages.json` and
//! `.../Calls.json`, HTTP Basic auth with the account SID and auth token,
//! and the delivery id as `I-Twilio-Idempotency-Token`.

use std::time::SystemTime;

use async_trait::async_trait;
use muster_core::paging::{Notification, SinkKind};
use serde::Deserialize;

use crate::config::{ConfigError, TwilioConfig, base_url, required};
use crate::content::{self, escape_markup, truncate};
use crate::http::{self, Reply, encode_path_segment};
use crate::{Envelope, Health, SendError, Sink};

const SERVICE: &str = "twilio";

/// The longest text message sent: two segments, enough for the subject and
/// the acknowledge link.
pub const SMS_MAX_CHARS: usize = 320;

/// Below this, the subject would be cut too short to mean anything; the
/// link goes instead.
const SUBJECT_MIN_CHARS: usize = 60;

/// The text of a message: the subject, then the acknowledge link (or the
/// console link) on its own line, at most [`SMS_MAX_CHARS`]. Only the end
/// of the subject is ever cut, so `[DRILL]` always shows.
pub fn sms_text(notification: &Notification) -> String {
    let subject = content::subject(notification);
    let mut link = match (&notification.ack_url, &notification.link) {
        (Some(ack), _) => format!("\nAck: {ack}"),
        (None, Some(open)) => format!("\n{open}"),
        (None, None) => String::new(),
    };
    if link.chars().count() + SUBJECT_MIN_CHARS > SMS_MAX_CHARS {
        link.clear();
    }
    let budget = SMS_MAX_CHARS - link.chars().count();
    format!("{}{link}", truncate(&subject, budget))
}

/// The form of a text message to the destination's number.
pub fn sms_form(envelope: &Envelope<'_>, from: &str) -> Vec<(&'static str, String)> {
    vec![
        ("To", envelope.destination.address.trim().to_owned()),
        ("From", from.to_owned()),
        ("Body", sms_text(envelope.notification)),
    ]
}

/// What a call says: the subject, twice, so a half-awake listener catches it.
pub fn twiml(notification: &Notification) -> String {
    let said = escape_markup(&content::subject(notification));
    format!("<Response><Say>{said}</Say><Pause length=\"1\"/><Say>{said}</Say></Response>")
}

/// The form of a call to the destination's number.
pub fn call_form(envelope: &Envelope<'_>, from: &str) -> Vec<(&'static str, String)> {
    vec![
        ("To", envelope.destination.address.trim().to_owned()),
        ("From", from.to_owned()),
        ("Twiml", twiml(envelope.notification)),
    ]
}

/// A Twilio error body.
#[derive(Debug, Deserialize)]
struct TwilioError {
    code: Option<u64>,
    message: String,
}

/// Twilio's answers: 2xx sent; 429 and 5xx retryable; other errors (an
/// invalid number is 400 with code 21211) permanent, quoting Twilio's code
/// and message.
pub fn classify(service: &str, reply: &Reply, now: SystemTime) -> Result<(), SendError> {
    let judged = http::classify(service, reply, now);
    let Err(error) = judged else {
        return Ok(());
    };
    let Ok(twilio) = serde_json::from_str::<TwilioError>(&reply.body) else {
        return Err(error);
    };
    let code = twilio
        .code
        .map(|c| format!("error {c}: "))
        .unwrap_or_default();
    let reason = format!(
        "{service} answered HTTP {}: {code}{}",
        reply.status, twilio.message
    );
    Err(match error {
        SendError::Retryable { retry_after, .. } => SendError::Retryable {
            reason,
            retry_after,
        },
        SendError::Permanent { .. } => SendError::permanent(reason),
    })
}

/// One account, shared by the text and the voice sink.
#[derive(Debug, Clone)]
pub struct TwilioAccount {
    client: reqwest::Client,
    account_url: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl TwilioAccount {
    /// Checks the base URL, that SID, token and sender are given, and that
    /// a sending number is E.164.
    pub fn new(client: reqwest::Client, config: &TwilioConfig) -> Result<Self, ConfigError> {
        let base = base_url("twilio.base_url", &config.base_url)?;
        let account_sid = required("twilio.account_sid", &config.account_sid)?.to_owned();
        let auth_token = required("twilio.auth_token", &config.auth_token)?.to_owned();
        let from = required("twilio.from", &config.from)?.to_owned();
        if from.starts_with('+') {
            muster_core::contact::phone_number("twilio.from", &from)
                .map_err(|e| ConfigError::new("twilio.from", e.message))?;
        }
        Ok(Self {
            client,
            account_url: format!(
                "{base}/2010-04-01/Accounts/{}",
                encode_path_segment(&account_sid)
            ),
            account_sid,
            auth_token,
            from,
        })
    }

    async fn create(
        &self,
        resource: &str,
        envelope: &Envelope<'_>,
        form: &[(&'static str, String)],
    ) -> Result<(), SendError> {
        muster_core::contact::phone_number("address", &envelope.destination.address).map_err(
            |e| SendError::permanent(format!("the {} address is invalid: {}", SERVICE, e.message)),
        )?;
        let request = self
            .client
            .post(format!("{}/{resource}.json", self.account_url))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .header(
                "I-Twilio-Idempotency-Token",
                envelope.delivery_id.to_string(),
            )
            .form(form);
        let reply = http::exchange(SERVICE, request).await?;
        classify(SERVICE, &reply, SystemTime::now())
    }

    async fn health(&self) -> Health {
        let request = self
            .client
            .get(format!("{}.json", self.account_url))
            .basic_auth(&self.account_sid, Some(&self.auth_token));
        let reply = match http::exchange(SERVICE, request).await {
            Ok(reply) => reply,
            Err(e) => return Health::Failing(e.reason().to_owned()),
        };
        if let Err(e) = classify(SERVICE, &reply, SystemTime::now()) {
            return Health::Failing(e.reason().to_owned());
        }
        #[derive(Deserialize)]
        struct Account {
            status: Option<String>,
        }
        let status = serde_json::from_str::<Account>(&reply.body)
            .ok()
            .and_then(|a| a.status);
        match status.as_deref() {
            Some("active") | None => {
                Health::Ok(format!("{SERVICE} account {} is active", self.account_sid))
            }
            Some(other) => {
                Health::Failing(format!("{SERVICE} account {} is {other}", self.account_sid))
            }
        }
    }
}

/// Text messages.
#[derive(Debug, Clone)]
pub struct TwilioSmsSink {
    account: TwilioAccount,
}

impl TwilioSmsSink {
    /// Texts from `account`'s sender.
    pub fn new(account: TwilioAccount) -> Self {
        Self { account }
    }
}

#[async_trait]
impl Sink for TwilioSmsSink {
    fn kind(&self) -> SinkKind {
        SinkKind::TwilioSms
    }

    async fn health(&self) -> Health {
        self.account.health().await
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let form = sms_form(envelope, &self.account.from);
        self.account.create("Messages", envelope, &form).await
    }
}

/// Phone calls that read the subject out.
#[derive(Debug, Clone)]
pub struct TwilioVoiceSink {
    account: TwilioAccount,
}

impl TwilioVoiceSink {
    /// Calls from `account`'s sender.
    pub fn new(account: TwilioAccount) -> Self {
        Self { account }
    }
}

#[async_trait]
impl Sink for TwilioVoiceSink {
    fn kind(&self) -> SinkKind {
        SinkKind::TwilioVoice
    }

    async fn health(&self) -> Health {
        self.account.health().await
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let form = call_form(envelope, &self.account.from);
        self.account.create("Calls", envelope, &form).await
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::testing;

    #[test]
    fn a_text_is_the_subject_and_the_ack_link() {
        let n = testing::drill();
        let d = testing::destination(SinkKind::TwilioSms, "+14155550123");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            sms_form(&envelope, "+14155550100"),
            [
                ("To", "+14155550123".to_owned()),
                ("From", "+14155550100".to_owned()),
                (
                    "Body",
                    "[DRILL] INC-42 SEV1 Login is down (P-7)\n\
                     Ack: https://muster.example.com/p/ack/tok1"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn long_texts_are_cut_in_the_subject_never_in_the_drill_marker() {
        let mut n = testing::drill();
        n.subject = format!("[DRILL] INC-42 SEV1 {}", "very long title ".repeat(40));
        let text = sms_text(&n);
        // The cut drops the space before the ellipsis.
        assert_eq!(text.chars().count(), SMS_MAX_CHARS - 1);
        assert!(text.starts_with("[DRILL] INC-42 SEV1 very long"));
        assert!(text.ends_with("…\nAck: https://muster.example.com/p/ack/tok1"));

        n.ack_url = Some(format!("https://muster.example.com/{}", "a".repeat(300)));
        let text = sms_text(&n);
        assert_eq!(text.chars().count(), SMS_MAX_CHARS);
        assert!(text.starts_with("[DRILL] "), "the link gives way: {text}");
        assert!(!text.contains("Ack:"));

        assert_eq!(sms_text(&testing::bare()), "P-8: Disk almost full");
        let mut open_only = testing::bare();
        open_only.link = Some("https://muster.example.com/pages/P-8".into());
        assert_eq!(
            sms_text(&open_only),
            "P-8: Disk almost full\nhttps://muster.example.com/pages/P-8"
        );
    }

    #[test]
    fn a_call_says_the_escaped_subject_twice() {
        let mut n = testing::drill();
        n.subject = "[DRILL] INC-42 SEV1 Q&A <down>".into();
        let d = testing::destination(SinkKind::TwilioVoice, "+14155550123");
        let envelope = Envelope {
            delivery_id: testing::delivery_id(),
            recipient: "ada@example.com",
            destination: &d,
            notification: &n,
            signing_secret: None,
        };
        assert_eq!(
            call_form(&envelope, "+14155550100"),
            [
                ("To", "+14155550123".to_owned()),
                ("From", "+14155550100".to_owned()),
                (
                    "Twiml",
                    "<Response><Say>[DRILL] INC-42 SEV1 Q&amp;A &lt;down&gt;</Say>\
                     <Pause length=\"1\"/><Say>[DRILL] INC-42 SEV1 Q&amp;A &lt;down&gt;</Say>\
                     </Response>"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn twilio_errors_quote_code_and_message() {
        let reply = |status: u16, body: &str| Reply {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.into(),
        };
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            classify("twilio", &reply(201, r#"{"sid":"SM1"}"#), now),
            Ok(())
        );
        assert_eq!(
            classify(
                "twilio",
                &reply(
                    400,
                    r#"{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
                ),
                now
            ),
            Err(SendError::permanent(
                "twilio answered HTTP 400 Bad Request: error 21211: \
                 The 'To' number +1555 is not a valid phone number."
            ))
        );
        assert!(matches!(
            classify(
                "twilio",
                &reply(
                    429,
                    r#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#
                ),
                now
            ),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            classify("twilio", &reply(503, "upstream down"), now),
            Err(SendError::Retryable { .. })
        ));
        assert!(matches!(
            classify(
                "twilio",
                &reply(
                    404,
                    r#"{"code": 20404, "message": "not found", "status": 404}"#
                ),
                now
            ),
            Err(SendError::Permanent { .. })
        ));
    }
}
