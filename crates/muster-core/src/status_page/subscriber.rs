//! Status-page subscribers: customers told of every published update and
//! maintenance, by email (after they confirm the address) or by signed
//! webhook, for the whole page or for the components they chose. A webhook
//! that keeps failing is disabled, with the reason kept for the operator.

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};

use crate::error::{DomainError, FieldError};
use crate::ids::SubscriberId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriberKind {
    Email,
    Webhook,
}

impl SubscriberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }
}

impl fmt::Display for SubscriberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubscriberKind {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        super::word_of(&[Self::Email, Self::Webhook], Self::as_str, raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub id: SubscriberId,
    pub kind: SubscriberKind,
    /// A mailbox, or an http(s) URL.
    pub address: String,
    /// The components they follow; empty for the whole page.
    pub components: Vec<String>,
    /// Emails count only once confirmed; webhooks from the start.
    pub confirmed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Since when every delivery to it has failed.
    pub failing_since: Option<Timestamp>,
    pub last_error: Option<String>,
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
}

/// The longest webhook URL accepted.
pub const MAX_URL_CHARS: usize = 2_000;

/// Checks an http(s) URL's shape: scheme, a host, no spaces or user info.
/// The app decides which hosts it may reach.
pub fn webhook_url(field: &str, raw: &str) -> Result<String, FieldError> {
    let url = raw.trim();
    let bad = |why: &str| FieldError::new(field, format!("{why}, got {raw:?}"));
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| bad("expected an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad("the URL is too long"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("a URL has no spaces"));
    }
    if authority.is_empty() || authority.starts_with(':') {
        return Err(bad("the URL names no host"));
    }
    if authority.contains('@') {
        return Err(bad("the URL may not carry a user name or password"));
    }
    Ok(url.to_owned())
}

/// A new subscriber, unconfirmed if it is an email. `known` lists the
/// page's components.
pub fn subscribe(
    kind: SubscriberKind,
    address: &str,
    components: &[String],
    known: &[&str],
    id: SubscriberId,
    now: Timestamp,
) -> Result<Subscriber, DomainError> {
    let mut errors = Vec::new();
    let address = match kind {
        SubscriberKind::Email => crate::user::email("address", address),
        SubscriberKind::Webhook => webhook_url("address", address),
    }
    .unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let mut chosen: Vec<String> = Vec::new();
    for (i, component) in components.iter().enumerate() {
        let component = component.trim();
        if !known.contains(&component) {
            errors.push(FieldError::new(
                format!("components[{i}]"),
                format!("no status-page component named {component:?}"),
            ));
        } else if !chosen.iter().any(|c| c == component) {
            chosen.push(component.to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Subscriber {
        id,
        kind,
        address,
        components: chosen,
        confirmed_at: (kind == SubscriberKind::Webhook).then_some(now),
        created_at: now,
        failing_since: None,
        last_error: None,
        disabled_at: None,
        disabled_reason: None,
    })
}

impl Subscriber {
    /// Confirmed and not disabled.
    pub fn is_active(&self) -> bool {
        self.confirmed_at.is_some() && self.disabled_at.is_none()
    }

    /// Whether news touching `affected` is for them: a whole-page subscriber
    /// hears everything, and news naming no component reaches everyone.
    pub fn wants(&self, affected: &[&str]) -> bool {
        self.is_active()
            && (self.components.is_empty()
                || affected.is_empty()
                || affected
                    .iter()
                    .any(|a| self.components.iter().any(|c| c == a)))
    }
}

/// A delivery to a subscriber came to this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Given up on after its retries, or refused for good.
    Failed {
        reason: String,
    },
}

/// The subscriber after a delivery: a success clears the failure; a failure
/// starts (or continues) the failing stretch, and one that has lasted
/// `disable_after` disables the subscriber with the reason.
pub fn after_delivery(
    subscriber: &Subscriber,
    outcome: &DeliveryOutcome,
    disable_after: SignedDuration,
    now: Timestamp,
) -> Subscriber {
    let mut next = subscriber.clone();
    match outcome {
        DeliveryOutcome::Delivered => {
            next.failing_since = None;
            next.last_error = None;
        }
        DeliveryOutcome::Failed { reason } => {
            let since = *next.failing_since.get_or_insert(now);
            next.last_error = Some(reason.clone());
            if next.disabled_at.is_none() && since.duration_until(now) >= disable_after {
                next.disabled_at = Some(now);
                next.disabled_reason = Some(format!(
                    "every delivery failed for {} days; the last: {reason}",
                    disable_after.as_hours() / 24
                ));
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + hours * 3600).unwrap()
    }

    fn new(
        kind: SubscriberKind,
        address: &str,
        components: &[&str],
    ) -> Result<Subscriber, DomainError> {
        let components: Vec<String> = components.iter().map(|c| (*c).to_owned()).collect();
        subscribe(
            kind,
            address,
            &components,
            &["payments", "shop"],
            SubscriberId(uuid::Uuid::from_u128(1)),
            at(0),
        )
    }

    #[test]
    fn emails_wait_for_confirmation_and_webhooks_do_not() {
        let email = new(SubscriberKind::Email, " Ada@Example.com ", &[]).unwrap();
        assert_eq!(email.address, "ada@example.com");
        assert!(!email.is_active());
        assert!(!email.wants(&[]));
        let hook = new(
            SubscriberKind::Webhook,
            "https://hooks.example.com/x",
            &["shop"],
        )
        .unwrap();
        assert!(hook.is_active());
        assert!(hook.wants(&["shop", "payments"]));
        assert!(!hook.wants(&["payments"]));
        assert!(hook.wants(&[]), "news of no component is for everyone");
    }

    #[test]
    fn malformed_addresses_and_unknown_components_are_refused() {
        for bad in ["not-an-email", "a@b", "a @b.com"] {
            assert!(new(SubscriberKind::Email, bad, &[]).is_err(), "{bad}");
        }
        for bad in [
            "ftp://x.example.com",
            "https://",
            "https://user:pw@x.example.com/",
            "https://x.example.com/a b",
            "javascript:alert(1)",
        ] {
            assert!(new(SubscriberKind::Webhook, bad, &[]).is_err(), "{bad}");
        }
        let Err(DomainError::Invalid(fields)) =
            new(SubscriberKind::Email, "ada@example.com", &["nope"])
        else {
            panic!("expected invalid");
        };
        assert_eq!(fields[0].field, "components[0]");
    }

    #[test]
    fn a_webhook_failing_for_days_is_disabled_with_its_reason() {
        let hook = new(SubscriberKind::Webhook, "https://hooks.example.com/x", &[]).unwrap();
        let days = SignedDuration::from_hours(72);
        let failed = DeliveryOutcome::Failed {
            reason: "HTTP 500".into(),
        };
        let once = after_delivery(&hook, &failed, days, at(1));
        assert_eq!(once.failing_since, Some(at(1)));
        assert!(once.is_active());
        let recovered = after_delivery(&once, &DeliveryOutcome::Delivered, days, at(2));
        assert_eq!(recovered.failing_since, None);
        let later = after_delivery(&once, &failed, days, at(50));
        assert!(later.is_active());
        let disabled = after_delivery(&later, &failed, days, at(73));
        assert!(!disabled.is_active());
        let reason = disabled.disabled_reason.unwrap();
        assert!(
            reason.contains("3 days") && reason.contains("HTTP 500"),
            "{reason}"
        );
    }
}
