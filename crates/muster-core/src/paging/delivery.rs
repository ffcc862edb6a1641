//! Deliveries: one message to one endpoint, written to the outbox with the
//! change that caused it and sent afterwards, retried with exponential
//! backoff and jitter, and given up on ("dead") after enough attempts — at
//! which point the person's next contact method, or the next step, is
//! brought forward.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::ids::{DeliveryId, IncidentNumber, PageId, PageNumber, UserId};

/// The kind of notification channel a delivery goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SinkKind {
    /// SMTP; the address is a mailbox.
    Email,
    /// A generic signed JSON webhook; the address is its URL.
    Webhook,
    /// Slack incoming webhook URL.
    Slack,
    /// Mattermost incoming webhook URL.
    Mattermost,
    /// Microsoft Teams incoming webhook URL.
    Teams,
    /// A Matrix room id or alias on the configured homeserver.
    Matrix,
    /// An ntfy topic (on the configured server) or a topic URL.
    Ntfy,
    /// A text message through a Twilio-compatible API; the address is E.164.
    TwilioSms,
    /// A phone call through a Twilio-compatible API; the address is E.164.
    TwilioVoice,
}

impl SinkKind {
    pub const ALL: [SinkKind; 9] = [
        Self::Email,
        Self::Webhook,
        Self::Slack,
        Self::Mattermost,
        Self::Teams,
        Self::Matrix,
        Self::Ntfy,
        Self::TwilioSms,
        Self::TwilioVoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
            Self::Slack => "slack",
            Self::Mattermost => "mattermost",
            Self::Teams => "teams",
            Self::Matrix => "matrix",
            Self::Ntfy => "ntfy",
            Self::TwilioSms => "twilio_sms",
            Self::TwilioVoice => "twilio_voice",
        }
    }

    /// Whether the address is a URL the sink posts to.
    pub fn addressed_by_url(self) -> bool {
        matches!(
            self,
            Self::Webhook | Self::Slack | Self::Mattermost | Self::Teams
        )
    }
}

impl fmt::Display for SinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SinkKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                format!(
                    "unknown sink {s:?}; expected one of {}",
                    Self::ALL.map(Self::as_str).join(", ")
                )
            })
    }
}

/// Where one delivery goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    pub sink: SinkKind,
    pub address: String,
}

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationEvent {
    /// The first step of a page notified someone.
    PageTriggered,
    /// A later step (or a repeat) notified someone: nobody acknowledged yet.
    PageEscalated,
    /// A team's channel hears that its team was paged.
    TeamPaged,
    /// A route's notify-only message: an alert worth a look, nobody paged.
    AlertNotified,
    /// Every alert of an incident resolved: its owner is asked to confirm
    /// and resolve it.
    AlertsResolved,
    /// A stakeholder group hears about an incident (by its policy, or in a
    /// morning digest).
    StakeholderUpdate,
    /// A standing representative is asked to join an incident's task force.
    TaskForceCalled,
    /// A runbook step calls a webhook with the incident.
    RunbookWebhook,
    /// The communications lead (then the commander) is reminded that an
    /// update the severity's cadence owes is late.
    UpdateReminder,
    /// A status-page subscriber hears of a published update or a
    /// maintenance window.
    StatusPageUpdate,
    /// A new status-page subscriber is asked to confirm their address.
    StatusPageConfirm,
}

impl NotificationEvent {
    pub const ALL: [NotificationEvent; 11] = [
        Self::PageTriggered,
        Self::PageEscalated,
        Self::TeamPaged,
        Self::AlertNotified,
        Self::AlertsResolved,
        Self::StakeholderUpdate,
        Self::TaskForceCalled,
        Self::RunbookWebhook,
        Self::UpdateReminder,
        Self::StatusPageUpdate,
        Self::StatusPageConfirm,
    ];

    /// The dotted code webhooks carry as `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PageTriggered => "page.triggered",
            Self::PageEscalated => "page.escalated",
            Self::TeamPaged => "page.team_paged",
            Self::AlertNotified => "alert.notified",
            Self::AlertsResolved => "incident.alerts_resolved",
            Self::StakeholderUpdate => "incident.stakeholder_update",
            Self::TaskForceCalled => "incident.task_force_called",
            Self::RunbookWebhook => "incident.runbook_step",
            Self::UpdateReminder => "incident.update_reminder",
            Self::StatusPageUpdate => "status_page.update",
            Self::StatusPageConfirm => "status_page.subscription_confirm",
        }
    }
}

impl std::str::FromStr for NotificationEvent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown notification event {s:?}"))
    }
}

/// What a delivery says, independent of the sink that will render it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub event: NotificationEvent,
    /// One line: `[DRILL] INC-42 SEV1 Login is down (P-7)`.
    pub subject: String,
    /// Plain text, a few lines, links included.
    pub body: String,
    pub page_id: Option<PageId>,
    pub page_number: Option<PageNumber>,
    /// The page's own summary (what the person who paged wrote).
    pub summary: String,
    pub incident_number: Option<IncidentNumber>,
    pub incident_title: Option<String>,
    pub severity: Option<String>,
    pub drill: bool,
    /// The page (or incident) in the console.
    pub link: Option<String>,
    /// Signed one-time links that acknowledge or resolve without signing in.
    pub ack_url: Option<String>,
    pub resolve_url: Option<String>,
    /// The one-click link that ends a status-page subscription; mail
    /// carries it as `List-Unsubscribe` too (RFC 8058).
    pub unsubscribe_url: Option<String>,
}

/// Where a delivery stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Waiting for its `due_at` (first try or a retry).
    Pending,
    /// Claimed by a node that is sending it; reclaimed when its lease expires.
    Sending,
    Sent,
    /// Given up on after its last attempt or a permanent error.
    Dead,
    /// No longer needed: the page was acknowledged or resolved first.
    Cancelled,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 5] = [
        Self::Pending,
        Self::Sending,
        Self::Sent,
        Self::Dead,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for DeliveryStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown delivery status {s:?}"))
    }
}

/// One message to one endpoint: an outbox row, written in the same
/// transaction as the change that caused it and sent afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Also the idempotency key receivers see.
    pub id: DeliveryId,
    pub page_id: Option<PageId>,
    /// Which step firing of the page made it (0-based), so a delivery that
    /// dies can bring that page's next step forward.
    pub firing: Option<u32>,
    /// A person's email or a channel's name.
    pub recipient: String,
    pub user_id: Option<UserId>,
    pub destination: Destination,
    pub notification: Notification,
    pub status: DeliveryStatus,
    /// When the next attempt is due.
    pub due_at: Timestamp,
    /// Attempts made so far.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent,
    /// Worth trying again (a 5xx, a 429, a timeout, a refused connection);
    /// `retry_after` is the receiver's own wish, when it said one.
    Retryable {
        reason: String,
        retry_after: Option<SignedDuration>,
    },
    /// Trying again cannot help (a 4xx other than 429, a bad address).
    Permanent {
        reason: String,
    },
}

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryDecision {
    Sent,
    RetryAt(Timestamp),
    Dead,
}

/// Exponential backoff with jitter: the wait before retry `n` (1-based) is
/// drawn from `[d/2, d)` where `d = min(cap, base · 2^(n-1))`, so nodes that
/// failed together do not retry together. A receiver's `Retry-After` wins
/// when it asks for longer (up to `max_retry_after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: SignedDuration,
    pub cap: SignedDuration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub max_retry_after: SignedDuration,
}

impl Default for RetryPolicy {
    /// Sixteen attempts over at least 21 minutes (2 s doubling, capped at
    /// 5 min): a receiver that is down for ten minutes still gets everything.
    fn default() -> Self {
        Self {
            base: SignedDuration::from_secs(2),
            cap: SignedDuration::from_mins(5),
            max_attempts: 16,
            max_retry_after: SignedDuration::from_hours(1),
        }
    }
}

impl RetryPolicy {
    /// The backoff before retry after `attempts` failed attempts, with
    /// `jitter` in `[0, 1)` (handed in: the core draws no random numbers).
    pub fn backoff(&self, attempts: u32, jitter: f64) -> SignedDuration {
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .checked_mul(1i32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap);
        let jitter = jitter.clamp(0.0, 1.0);
        let half = full / 2;
        half + half.mul_f64(jitter)
    }

    /// Decides after attempt number `attempts` (1-based) came to `outcome`.
    pub fn decide(
        &self,
        attempts: u32,
        outcome: &AttemptOutcome,
        now: Timestamp,
        jitter: f64,
    ) -> DeliveryDecision {
        match outcome {
            AttemptOutcome::Sent => DeliveryDecision::Sent,
            AttemptOutcome::Permanent { .. } => DeliveryDecision::Dead,
            AttemptOutcome::Retryable { retry_after, .. } => {
                if attempts >= self.max_attempts {
                    return DeliveryDecision::Dead;
                }
                let backoff = self.backoff(attempts, jitter);
                let wait = match retry_after {
                    Some(asked) => (*asked).clamp(backoff, self.max_retry_after.max(backoff)),
                    None => backoff,
                };
                DeliveryDecision::RetryAt(now.saturating_add(wait).unwrap_or(now))
            }
        }
    }
}

/// What to bring forward once a delivery to a person died.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadFollowUp {
    /// Try the person's next contact method now instead of later.
    BringForward(DeliveryId),
    /// Nobody was reached by this step: fire the next step now.
    EscalateNow,
    /// Another method already reached the person, or the page moved on.
    Nothing,
}

/// A failed delivery is escalated itself: to the person's next pending
/// method for the same step if there is one, else (when nothing of this
/// step reached them) to the page's next step, unless the page has already
/// moved past that step or stopped.
///
/// `siblings` are the other deliveries of the same page, step firing and
/// person: `(id, status, due_at)`.
pub fn after_dead_delivery(
    siblings: &[(DeliveryId, DeliveryStatus, Timestamp)],
    page_still_at_this_step: bool,
) -> DeadFollowUp {
    if let Some((id, _, _)) = siblings
        .iter()
        .filter(|(_, status, _)| *status == DeliveryStatus::Pending)
        .min_by_key(|(_, _, due)| *due)
    {
        return DeadFollowUp::BringForward(*id);
    }
    let reached_or_trying = siblings
        .iter()
        .any(|(_, status, _)| matches!(status, DeliveryStatus::Sent | DeliveryStatus::Sending));
    if !reached_or_trying && page_still_at_this_step {
        DeadFollowUp::EscalateNow
    } else {
        DeadFollowUp::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("valid")
    }

    fn retryable(after: Option<i64>) -> AttemptOutcome {
        AttemptOutcome::Retryable {
            reason: "503".into(),
            retry_after: after.map(SignedDuration::from_secs),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let policy = RetryPolicy::default();
        let waits: Vec<i64> = (1..=10).map(|n| policy.backoff(n, 0.0).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 150, 150]);
        assert_eq!(policy.backoff(3, 0.999_999).as_secs(), 7);
        assert_eq!(policy.backoff(200, 0.5).as_secs(), 225, "no overflow");
    }

    #[test]
    fn a_ten_minute_outage_is_survived_by_the_default_policy() {
        let policy = RetryPolicy::default();
        // Worst case for the receiver: the shortest waits (jitter 0).
        let mut now = t(0);
        for attempt in 1..policy.max_attempts {
            match policy.decide(attempt, &retryable(None), now, 0.0) {
                DeliveryDecision::RetryAt(at) => now = at,
                other => panic!("attempt {attempt} gave {other:?}"),
            }
        }
        assert!(now.duration_since(t(0)) > SignedDuration::from_mins(20));
        assert_eq!(
            policy.decide(policy.max_attempts, &retryable(None), now, 0.0),
            DeliveryDecision::Dead
        );
    }

    #[test]
    fn retry_after_is_honoured_within_limits() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.decide(1, &retryable(Some(30)), t(0), 0.0),
            DeliveryDecision::RetryAt(t(30))
        );
        // Asking for less than the backoff does not make the retry sooner.
        assert_eq!(
            policy.decide(5, &retryable(Some(1)), t(0), 0.0),
            DeliveryDecision::RetryAt(t(16))
        );
        assert_eq!(
            policy.decide(1, &retryable(Some(86_400)), t(0), 0.0),
            DeliveryDecision::RetryAt(t(3600))
        );
        assert_eq!(
            policy.decide(
                1,
                &AttemptOutcome::Permanent {
                    reason: "404".into()
                },
                t(0),
                0.0
            ),
            DeliveryDecision::Dead
        );
        assert_eq!(
            policy.decide(1, &AttemptOutcome::Sent, t(0), 0.0),
            DeliveryDecision::Sent
        );
    }

    #[test]
    fn a_dead_delivery_brings_the_next_method_or_step_forward() {
        let id = |n: u128| DeliveryId(uuid::Uuid::from_u128(n));
        let sms = (id(2), DeliveryStatus::Pending, t(120));
        let voice = (id(3), DeliveryStatus::Pending, t(300));
        assert_eq!(
            after_dead_delivery(&[voice, sms], true),
            DeadFollowUp::BringForward(id(2))
        );
        assert_eq!(after_dead_delivery(&[], true), DeadFollowUp::EscalateNow);
        assert_eq!(after_dead_delivery(&[], false), DeadFollowUp::Nothing);
        let dead = (id(4), DeliveryStatus::Dead, t(0));
        assert_eq!(
            after_dead_delivery(&[dead], true),
            DeadFollowUp::EscalateNow
        );
        let sent = (id(5), DeliveryStatus::Sent, t(0));
        assert_eq!(
            after_dead_delivery(&[dead, sent], true),
            DeadFollowUp::Nothing
        );
    }
}
