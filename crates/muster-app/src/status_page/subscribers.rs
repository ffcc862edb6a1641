//! Subscribers: anyone may subscribe from the public page, by email (which
//! counts only once they follow the confirmation link) or by webhook (signed
//! with a key they are given once). Confirmation tokens are random, stored
//! as digests and spent on use; unsubscribe tokens are derived from a key
//! only muster holds and do nothing but unsubscribe.

use std::net::IpAddr;

use muster_core::paging::{
    AttemptOutcome, Delivery, DeliveryDecision, NotificationEvent, SinkKind,
};
use muster_core::status_page::subscriber::{
    DeliveryOutcome, Subscriber, SubscriberKind, after_delivery, subscribe,
};
use muster_core::{Actor, Permission, SubscriberId, Timestamp};
use muster_store::status_page::{NewSubscriber, Subscribed};
use uuid::Uuid;

use super::notices::{
    CONFIRM_PREFIX, UNSUBSCRIBE_PREFIX, public_notification, subscriber_of, unsubscribe_token,
};
use crate::accounts::require;
use crate::routing::channel_message;
use crate::secrets;
use crate::{App, AppError};

/// Signing keys given to webhook subscribers start so.
pub const SIGNING_SECRET_PREFIX: &str = "whsec_";

/// What subscribing came to, as the subscriber may be told. An email
/// already confirmed answers the same as a new one, so the form cannot be
/// used to learn who is subscribed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeOutcome {
    pub kind: SubscriberKind,
    /// A confirmation mail is on its way.
    pub confirmation_sent: bool,
    /// Webhooks only, shown once: the key its requests are signed with.
    pub signing_secret: Option<String>,
    /// Webhooks only, shown once: how to end the subscription.
    pub unsubscribe_url: Option<String>,
}

/// Whether `host` is one a public page must not be made to call: loopback,
/// private, link-local and unspecified addresses, and `localhost`.
fn private_host(host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host.ends_with(".internal") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => false,
    }
}

/// The host of an http(s) URL already checked by the core.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.starts_with('[') {
        return authority.split(']').next().unwrap_or(authority);
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
}

impl App {
    /// Subscribes an address to the page (or to some of its components).
    pub async fn subscribe(
        &self,
        kind: &str,
        address: &str,
        components: &[String],
    ) -> Result<SubscribeOutcome, AppError> {
        let kind = kind
            .parse::<SubscriberKind>()
            .map_err(|e| AppError::invalid("kind", e))?;
        let names = self.component_names().await?;
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        let now = self.now();
        let subscriber = subscribe(
            kind,
            address,
            components,
            &known,
            SubscriberId(Uuid::now_v7()),
            now,
        )?;
        if kind == SubscriberKind::Webhook
            && !self.settings.status_page.allow_private_webhooks
            && private_host(host_of(&subscriber.address))
        {
            return Err(AppError::invalid(
                "address",
                "this page does not call loopback, private or link-local addresses",
            ));
        }
        let key = self.unsubscribe_key().await?;
        let unsubscribe = unsubscribe_token(&key, subscriber.id)?;
        let unsubscribe_url = self.status_url(&format!("/unsubscribe?token={unsubscribe}"));
        let mut outcome = SubscribeOutcome {
            kind,
            confirmation_sent: false,
            signing_secret: None,
            unsubscribe_url: None,
        };
        let new = match kind {
            SubscriberKind::Email => {
                let confirm = secrets::generate(CONFIRM_PREFIX)?;
                let confirm_url =
                    self.status_url(&format!("/subscriptions/confirm?token={confirm}"));
                let name = &self.settings.status_page.name;
                let mail = channel_message(
                    &subscriber.address,
                    super::notices::destination_of(&subscriber),
                    public_notification(
                        NotificationEvent::StatusPageConfirm,
                        format!("[{name}] Confirm your subscription"),
                        format!(
                            "Someone (we hope you) asked for updates of {name} at this \
                             address. Open the confirmation link to start them; if it was \
                             not you, ignore this mail and nothing more will come."
                        ),
                        Some(confirm_url),
                        Some(unsubscribe_url.clone()),
                    ),
                    now,
                );
                outcome.confirmation_sent = true;
                NewSubscriber {
                    subscriber,
                    confirm_digest: Some(secrets::digest(&confirm)),
                    unsubscribe_digest: secrets::digest(&unsubscribe),
                    signing_secret: None,
                    deliveries: vec![mail],
                }
            }
            SubscriberKind::Webhook => {
                let secret = secrets::generate(SIGNING_SECRET_PREFIX)?;
                outcome.signing_secret = Some(secret.clone());
                outcome.unsubscribe_url = Some(unsubscribe_url);
                NewSubscriber {
                    subscriber,
                    confirm_digest: None,
                    unsubscribe_digest: secrets::digest(&unsubscribe),
                    signing_secret: Some(secret),
                    deliveries: Vec::new(),
                }
            }
        };
        match self.store.insert_subscriber(&new).await? {
            Subscribed::Stored => {
                self.wake_engine();
                Ok(outcome)
            }
            Subscribed::AlreadyConfirmed if kind == SubscriberKind::Email => Ok(outcome),
            Subscribed::AlreadyConfirmed => Err(AppError::Taken {
                field: "address",
                message:
                    "this webhook is subscribed already; unsubscribe it first to get a new key"
                        .into(),
            }),
        }
    }

    /// Confirms the subscription the link was sent for; the link works once.
    pub async fn confirm_subscription(&self, token: &str) -> Result<Subscriber, AppError> {
        let gone = || AppError::not_found("confirmation link", "(this link)");
        if !token.starts_with(CONFIRM_PREFIX) {
            return Err(gone());
        }
        let confirmed = self
            .store
            .confirm_subscriber(&secrets::digest(token), self.now())
            .await?
            .ok_or_else(gone)?;
        Ok(confirmed)
    }

    /// Ends the subscription the link was made for.
    pub async fn unsubscribe(&self, token: &str) -> Result<Subscriber, AppError> {
        let gone = || AppError::not_found("subscription", "(this link)");
        if !token.starts_with(UNSUBSCRIBE_PREFIX) {
            return Err(gone());
        }
        self.store
            .remove_subscriber(&secrets::digest(token))
            .await?
            .ok_or_else(gone)
    }

    /// Every subscriber, with why any was disabled (admins: addresses are
    /// customers' data).
    pub async fn subscribers(&self, actor: &Actor) -> Result<Vec<Subscriber>, AppError> {
        require(actor, Permission::ManageUsers)?;
        Ok(self.store.list_subscribers().await?)
    }

    /// The key a delivery is signed with, when it is a webhook subscriber's.
    pub async fn delivery_signing_secret(
        &self,
        delivery: &Delivery,
    ) -> Result<Option<String>, AppError> {
        if delivery.destination.sink != SinkKind::Webhook {
            return Ok(None);
        }
        let Some(id) = subscriber_of(&delivery.recipient) else {
            return Ok(None);
        };
        Ok(self
            .store
            .find_subscriber(id)
            .await?
            .and_then(|(_, secret)| secret))
    }

    /// Keeps a webhook subscriber's health: a success clears its failing
    /// stretch, a delivery given up on extends it, and one failing for long
    /// enough is disabled with the reason.
    pub(crate) async fn note_subscriber_delivery(
        &self,
        delivery: &Delivery,
        outcome: &AttemptOutcome,
        decision: DeliveryDecision,
        now: Timestamp,
    ) -> Result<(), AppError> {
        if delivery.notification.event != NotificationEvent::StatusPageUpdate
            || delivery.destination.sink != SinkKind::Webhook
        {
            return Ok(());
        }
        let Some(id) = subscriber_of(&delivery.recipient) else {
            return Ok(());
        };
        let result = match (decision, outcome) {
            (DeliveryDecision::Sent, _) => DeliveryOutcome::Delivered,
            (
                DeliveryDecision::Dead,
                AttemptOutcome::Retryable { reason, .. } | AttemptOutcome::Permanent { reason },
            ) => DeliveryOutcome::Failed {
                reason: reason.clone(),
            },
            _ => return Ok(()),
        };
        let Some((subscriber, _)) = self.store.find_subscriber(id).await? else {
            return Ok(());
        };
        let next = after_delivery(
            &subscriber,
            &result,
            self.settings.status_page.disable_failing_webhooks_after,
            now,
        );
        if next != subscriber {
            if next.disabled_at.is_some() && subscriber.disabled_at.is_none() {
                tracing::warn!(subscriber = %id, reason = ?next.disabled_reason, "disabled a failing status-page webhook");
            }
            self.store.write_subscriber_health(&next).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_hosts_are_recognised() {
        for url in [
            "http://127.0.0.1:8080/x",
            "https://localhost/x",
            "http://10.1.2.3/",
            "http://192.168.0.1",
            "http://[::1]:9000/",
            "http://169.254.169.254/latest/meta-data",
            "http://[fd00::1]/",
        ] {
            assert!(private_host(host_of(url)), "{url}");
        }
        for url in [
            "https://hooks.example.com/x",
            "https://8.8.8.8/",
            "https://[2001:db8::1]/",
        ] {
            assert!(!private_host(host_of(url)), "{url}");
        }
    }
}
