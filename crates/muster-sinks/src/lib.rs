//! Notification channels ("sinks"): each renders one delivery for its service
//! and sends it, answering [`SendError::Retryable`] or [`SendError::Permanent`]
//! so the outbox knows whether another attempt can help.
//!
//! Every sink lives in a module of its own with a pure, public renderer (the
//! exact payload or request, tested as such) and a sender. [`Sinks`] is the one
//! explicit registry, built from plain data ([`SinkConfig`]).
//!
//! Sending is at least once: every request carries the delivery id as its
//! idempotency key (a header, the Matrix transaction id, the email
//! `Message-ID`), so receivers can make the visible effect happen once.

mod config;
mod content;
pub mod email;
pub mod http;
pub mod matrix;
pub mod mattermost;
pub mod ntfy;
mod registry;
pub mod slack;
pub mod teams;
pub mod twilio;
pub mod webhook;

use std::time::Duration;

use async_trait::async_trait;
use muster_core::DeliveryId;
use muster_core::paging::{AttemptOutcome, Destination, Notification, SinkKind};

pub use config::{
    ConfigError, EmailConfig, MatrixConfig, NtfyConfig, SinkConfig, TwilioConfig, WebhookConfig,
};
pub use content::DRILL_PREFIX;
pub use registry::Sinks;

/// One message to one endpoint, as the outbox hands it to a sink.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The idempotency key: the same for every attempt of this delivery.
    pub delivery_id: DeliveryId,
    /// Whom it is for: a person's email or a channel's name (for wording and
    /// logs; the address to use is in `destination`).
    pub recipient: &'a str,
    /// The sink and the address to send to.
    pub destination: &'a Destination,
    /// What to say.
    pub notification: &'a Notification,
    /// Signs a webhook with this key instead of the configured one (a
    /// status-page subscriber's own).
    pub signing_secret: Option<&'a str>,
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth another attempt: a timeout, a refused connection, a 5xx, a 429.
    #[error("{reason}")]
    Retryable {
        /// What went wrong, for the attempt's record (never a secret URL).
        reason: String,
        /// What the receiver asked for (`Retry-After`), capped at an hour.
        retry_after: Option<Duration>,
    },
    /// Another attempt cannot help: a bad address, a rejected request, a
    /// sink that is not configured.
    #[error("{reason}")]
    Permanent {
        /// What went wrong, for the attempt's record (never a secret URL).
        reason: String,
    },
}

impl SendError {
    /// A retryable error without a receiver's wish for when.
    pub fn retryable(reason: impl Into<String>) -> Self {
        Self::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }

    /// An error no retry can fix.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            reason: reason.into(),
        }
    }

    /// Whether another attempt can help.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// What went wrong.
    pub fn reason(&self) -> &str {
        match self {
            Self::Retryable { reason, .. } | Self::Permanent { reason } => reason,
        }
    }
}

impl From<SendError> for AttemptOutcome {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Retryable {
                reason,
                retry_after,
            } => AttemptOutcome::Retryable {
                reason,
                // Durations come capped at an hour, so the saturation never bites.
                retry_after: retry_after.map(|d| {
                    jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX)
                }),
            },
            SendError::Permanent { reason } => AttemptOutcome::Permanent { reason },
        }
    }
}

/// What one attempt came to, in the outbox's terms.
pub fn outcome(result: Result<(), SendError>) -> AttemptOutcome {
    match result {
        Ok(()) => AttemptOutcome::Sent,
        Err(error) => error.into(),
    }
}

/// Whether a sink can work, as far as can be checked without sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Says what was checked.
    Ok(String),
    /// The sink needs settings it was not given.
    NotConfigured,
    /// Says what failed.
    Failing(String),
}

/// A notification channel.
#[async_trait]
pub trait Sink: Send + Sync {
    /// The kind of destination this sink serves.
    fn kind(&self) -> SinkKind;

    /// Checks the configured service (credentials, reachability) without
    /// sending anything to anyone.
    async fn health(&self) -> Health;

    /// Makes one attempt. Sending the same envelope again must be safe: the
    /// delivery id goes along as the idempotency key.
    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError>;
}

#[cfg(test)]
pub(crate) mod testing {
    //! A notification like the engine writes, for the renderers' tests.

    use muster_core::paging::{Destination, Notification, NotificationEvent, SinkKind};
    use muster_core::{DeliveryId, IncidentNumber, PageId, PageNumber};

    pub const DELIVERY: &str = "0190a5c4-7e3b-7c4d-9a2b-5f6e7d8c9b0a";

    pub fn delivery_id() -> DeliveryId {
        DELIVERY.parse().expect("a valid delivery id")
    }

    pub fn page_id() -> PageId {
        "0190a5c4-0000-7000-8000-000000000007"
            .parse()
            .expect("a valid page id")
    }

    pub fn notification() -> Notification {
        Notification {
            event: NotificationEvent::PageTriggered,
            subject: "INC-42 SEV1 Login is down (P-7)".into(),
            body: "Login fails for every customer.\nPaged by Ada.".into(),
            page_id: Some(page_id()),
            page_number: Some(PageNumber(7)),
            summary: "Login is down".into(),
            incident_number: Some(IncidentNumber(42)),
            incident_title: Some("Login is down".into()),
            severity: Some("SEV1".into()),
            drill: false,
            link: Some("https://muster.example.com/pages/P-7".into()),
            ack_url: Some("https://muster.example.com/p/ack/tok1".into()),
            resolve_url: Some("https://muster.example.com/p/resolve/tok2".into()),
            unsubscribe_url: None,
        }
    }

    pub fn drill() -> Notification {
        let mut n = notification();
        n.drill = true;
        n.subject = format!("[DRILL] {}", n.subject);
        n
    }

    /// A bare page: no incident, no links.
    pub fn bare() -> Notification {
        Notification {
            event: NotificationEvent::TeamPaged,
            subject: "P-8: Disk almost full".into(),
            body: "Disk almost full".into(),
            page_id: None,
            page_number: None,
            summary: "Disk almost full".into(),
            incident_number: None,
            incident_title: None,
            severity: None,
            drill: false,
            link: None,
            ack_url: None,
            resolve_url: None,
            unsubscribe_url: None,
        }
    }

    pub fn destination(sink: SinkKind, address: &str) -> Destination {
        Destination {
            sink,
            address: address.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_attempt_outcomes() {
        assert_eq!(outcome(Ok(())), AttemptOutcome::Sent);
        assert_eq!(
            outcome(Err(SendError::Retryable {
                reason: "503".into(),
                retry_after: Some(Duration::from_secs(7)),
            })),
            AttemptOutcome::Retryable {
                reason: "503".into(),
                retry_after: Some(jiff::SignedDuration::from_secs(7)),
            }
        );
        assert_eq!(
            outcome(Err(SendError::permanent("400"))),
            AttemptOutcome::Permanent {
                reason: "400".into()
            }
        );
        assert_eq!(SendError::retryable("x").to_string(), "x");
    }
}
