//! What subscribers are sent: one message per subscriber who follows an
//! affected component, by mail or signed webhook, each with its own
//! one-click unsubscribe link. Nothing here names the incident behind a
//! public one: the words are the published ones.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use muster_core::paging::{Delivery, Destination, Notification, NotificationEvent, SinkKind};
use muster_core::status_page::publication::{PublicIncident, PublicUpdate};
use muster_core::status_page::subscriber::{Subscriber, SubscriberKind};
use muster_core::{SubscriberId, Timestamp};
use sha2::Sha256;

use crate::routing::channel_message;
use crate::{App, AppError};

/// The store's name of the key unsubscribe links are made with.
const UNSUBSCRIBE_KEY: &str = "status-page-unsubscribe";
/// Unsubscribe tokens start so; confirmation tokens with `msv_`.
pub(crate) const UNSUBSCRIBE_PREFIX: &str = "msu_";
pub(crate) const CONFIRM_PREFIX: &str = "msv_";
/// How a delivery names the subscriber it is for (its `recipient`), so the
/// engine can record its outcome against them.
pub const RECIPIENT_PREFIX: &str = "subscriber:";

/// The subscriber a delivery was for, if it was for one.
pub fn subscriber_of(recipient: &str) -> Option<SubscriberId> {
    recipient.strip_prefix(RECIPIENT_PREFIX)?.parse().ok()
}

/// The unsubscribe token of a subscriber: derived from a key only muster
/// knows, so it need not be stored to be put in every mail, and is useless
/// for anything but leaving (the confirmation token is random and spent).
pub(crate) fn unsubscribe_token(key: &[u8], subscriber: SubscriberId) -> Result<String, AppError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| AppError::Internal(format!("unsubscribe key: {e}")))?;
    mac.update(b"unsubscribe:");
    mac.update(subscriber.as_uuid().as_bytes());
    Ok(format!(
        "{UNSUBSCRIBE_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    ))
}

pub(crate) fn destination_of(subscriber: &Subscriber) -> Destination {
    Destination {
        sink: match subscriber.kind {
            SubscriberKind::Email => SinkKind::Email,
            SubscriberKind::Webhook => SinkKind::Webhook,
        },
        address: subscriber.address.clone(),
    }
}

/// A public notice: no incident number, no severity, nothing internal.
pub(crate) fn public_notification(
    event: NotificationEvent,
    subject: String,
    body: String,
    link: Option<String>,
    unsubscribe_url: Option<String>,
) -> Notification {
    Notification {
        event,
        summary: subject.clone(),
        subject,
        body,
        page_id: None,
        page_number: None,
        incident_number: None,
        incident_title: None,
        severity: None,
        drill: false,
        link,
        ack_url: None,
        resolve_url: None,
        unsubscribe_url,
    }
}

impl App {
    pub(crate) async fn unsubscribe_key(&self) -> Result<Vec<u8>, AppError> {
        self.stored_key(UNSUBSCRIBE_KEY, &self.unsubscribe_key)
            .await
    }

    pub(crate) fn status_url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.settings.status_page.public_url.trim_end_matches('/')
        )
    }

    /// One message per active subscriber following any of `affected`.
    pub(crate) async fn subscriber_notices(
        &self,
        affected: &[&str],
        subject: &str,
        body: &str,
        link: &str,
        now: Timestamp,
    ) -> Result<Vec<Delivery>, AppError> {
        let subscribers = self.store.list_subscribers().await?;
        let key = self.unsubscribe_key().await?;
        let mut deliveries = Vec::new();
        for subscriber in subscribers.iter().filter(|s| s.wants(affected)) {
            let token = unsubscribe_token(&key, subscriber.id)?;
            let unsubscribe = self.status_url(&format!("/unsubscribe?token={token}"));
            let body = format!(
                "{body}\n\nYou subscribed to updates of {}.",
                self.settings.status_page.name
            );
            deliveries.push(channel_message(
                &format!("{RECIPIENT_PREFIX}{}", subscriber.id),
                destination_of(subscriber),
                public_notification(
                    NotificationEvent::StatusPageUpdate,
                    subject.to_owned(),
                    body,
                    Some(link.to_owned()),
                    Some(unsubscribe),
                ),
                now,
            ));
        }
        Ok(deliveries)
    }

    /// The messages an incident's new update sends.
    pub(crate) async fn incident_notices(
        &self,
        incident: &PublicIncident,
        update: &PublicUpdate,
        affected: &[&str],
        now: Timestamp,
    ) -> Result<Vec<Delivery>, AppError> {
        let subject = format!(
            "[{}] {}: {}",
            self.settings.status_page.name,
            capitalised(update.status.as_str()),
            incident.name
        );
        let mut body = update.body.clone();
        if !update.components.is_empty() {
            let named: Vec<String> = update
                .components
                .iter()
                .map(|c| format!("{} ({})", c.component, c.status.label().to_lowercase()))
                .collect();
            body.push_str(&format!("\n\nAffected: {}", named.join(", ")));
        }
        let link = self.status_url(&format!("/incidents/{}", incident.id));
        self.subscriber_notices(affected, &subject, &body, &link, now)
            .await
    }
}

pub(crate) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('_', " "),
        None => String::new(),
    }
}
