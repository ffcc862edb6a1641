//! Pages: a request for a person's attention that escalates through a policy
//! until someone acknowledges or resolves it. Decided without I/O: the engine
//! hands in `now`, the page as stored and a [`Directory`] of who can be
//! reached, and writes back what these functions decide.

mod delivery;
mod firing;
#[cfg(test)]
mod tests;

use std::fmt;

use jiff::Timestamp;

pub use delivery::{
    AttemptOutcome, DeadFollowUp, Delivery, DeliveryDecision, DeliveryStatus, Destination,
    Notification, NotificationEvent, RetryPolicy, SinkKind, after_dead_delivery,
};
pub use firing::{Directory, FiringOutcome, Notify, Recipient, fire};

use crate::catalog::Slug;
use crate::error::{DomainError, FieldError};
use crate::ids::{IncidentId, IncidentNumber, PageId, PageNumber, UserId};
use crate::oncall::escalation::{EscalationPolicy, Step, Target};
use crate::text;

/// Longest page summary: one line a phone can show.
pub const SUMMARY_MAX: usize = 300;
/// Longest free text sent with a page.
pub const DETAILS_MAX: usize = 4_000;

/// What a page is addressed to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageTarget {
    /// One person, by email.
    User(String),
    /// The team's escalation policy.
    Team(Slug),
    /// The owner team of a service.
    Service(Slug),
    /// The owner team of a customer-facing functionality.
    Functionality(Slug),
    /// Whoever the schedule has on call.
    Schedule(String),
}

impl PageTarget {
    pub const KINDS: [&'static str; 5] = ["user", "team", "service", "functionality", "schedule"];

    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Team(_) => "team",
            Self::Service(_) => "service",
            Self::Functionality(_) => "functionality",
            Self::Schedule(_) => "schedule",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Self::User(n) | Self::Schedule(n) => n,
            Self::Team(s) | Self::Service(s) | Self::Functionality(s) => s.as_str(),
        }
    }

    /// Reads a target from its kind code and name, naming `field` on error.
    pub fn parse(field: &str, kind: &str, name: &str) -> Result<Self, FieldError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(FieldError::new(field, "name whom to page"));
        }
        match kind.trim().to_lowercase().as_str() {
            "user" => crate::user::email(field, name).map(Self::User),
            "team" => Slug::parse(field, name).map(Self::Team),
            "service" => Slug::parse(field, name).map(Self::Service),
            "functionality" => Slug::parse(field, name).map(Self::Functionality),
            "schedule" => Ok(Self::Schedule(name.to_owned())),
            other => Err(FieldError::new(
                field,
                format!("expected one of {}, got {other:?}", Self::KINDS.join(", ")),
            )),
        }
    }
}

impl fmt::Display for PageTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.name())
    }
}

/// Where a page stands. A triggered page whose every step has fired stays
/// triggered (nobody answered) but escalates no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStatus {
    Triggered,
    Acknowledged,
    Resolved,
}

impl PageStatus {
    pub const ALL: [PageStatus; 3] = [Self::Triggered, Self::Acknowledged, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }
}

impl fmt::Display for PageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PageStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!("unknown page status {s:?}; expected triggered, acknowledged or resolved")
            })
    }
}

/// How someone acted on a page: recorded in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Console,
    Api,
    /// The signed one-time link in a notification.
    Link,
    /// The incident the page belongs to was resolved.
    Incident,
    /// The alerts that raised it were acknowledged or resolved at their source.
    Alert,
}

impl Via {
    pub const ALL: [Via; 5] = [
        Self::Console,
        Self::Api,
        Self::Link,
        Self::Incident,
        Self::Alert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Console => "console",
            Self::Api => "api",
            Self::Link => "link",
            Self::Incident => "incident",
            Self::Alert => "alert",
        }
    }
}

impl std::str::FromStr for Via {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown channel {s:?}"))
    }
}

/// The incident a page was raised for, as notifications show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageIncident {
    pub id: IncidentId,
    pub number: IncidentNumber,
    pub title: String,
    pub severity: String,
}

/// A page to raise, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPage {
    pub target: PageTarget,
    pub summary: String,
    pub details: String,
    pub incident: Option<PageIncident>,
    pub drill: bool,
}

/// A page and where its escalation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: PageId,
    /// Allocated by the store when the page is inserted.
    pub number: PageNumber,
    pub target: PageTarget,
    pub summary: String,
    pub details: String,
    pub incident: Option<PageIncident>,
    pub drill: bool,
    /// The team whose policy escalates the page (team, service and
    /// functionality targets); its channel hears of the page.
    pub team: Option<Slug>,
    /// The policy's name, when the target had one (team, service, functionality).
    pub policy_name: Option<String>,
    /// The policy as it was when the page was raised: later plan changes do
    /// not rewrite a page already escalating.
    pub policy: EscalationPolicy,
    pub status: PageStatus,
    pub triggered_at: Timestamp,
    pub triggered_by: Option<UserId>,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<UserId>,
    pub resolved_at: Option<Timestamp>,
    pub resolved_by: Option<UserId>,
    /// How many step firings have happened (over every round).
    pub fired: u32,
    /// When the next step fires; `None` once nothing more will.
    pub next_due_at: Option<Timestamp>,
    pub version: u64,
}

/// One entry of a page's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageEvent {
    pub at: Timestamp,
    pub kind: PageEventKind,
    /// Who acted (acknowledged, resolved, triggered), if a person did.
    pub actor: Option<UserId>,
    /// Whom it concerns: a person's email or a channel's name.
    pub recipient: Option<String>,
    /// The sink a delivery went through (`email`, `webhook`, …).
    pub sink: Option<String>,
    /// Human words: the step, the error, the channel used.
    pub detail: String,
}

/// What happened to a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageEventKind {
    Triggered,
    /// A step fired: its targets were resolved to people.
    StepFired,
    /// A target had nobody to notify (an empty schedule, an unknown user).
    NobodyToNotify,
    /// A notification was handed to its sink and accepted.
    Delivered,
    /// A send failed and will be retried.
    DeliveryFailed,
    /// A send failed for good; the next method or step was brought forward.
    DeliveryDead,
    Acknowledged,
    Resolved,
    /// Every step of every round fired and nobody acknowledged.
    Exhausted,
}

impl PageEventKind {
    pub const ALL: [PageEventKind; 9] = [
        Self::Triggered,
        Self::StepFired,
        Self::NobodyToNotify,
        Self::Delivered,
        Self::DeliveryFailed,
        Self::DeliveryDead,
        Self::Acknowledged,
        Self::Resolved,
        Self::Exhausted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::StepFired => "step_fired",
            Self::NobodyToNotify => "nobody_to_notify",
            Self::Delivered => "delivered",
            Self::DeliveryFailed => "delivery_failed",
            Self::DeliveryDead => "delivery_dead",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Exhausted => "exhausted",
        }
    }
}

impl std::str::FromStr for PageEventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown page event {s:?}"))
    }
}

impl PageEvent {
    pub fn new(at: Timestamp, kind: PageEventKind, detail: impl Into<String>) -> Self {
        Self {
            at,
            kind,
            actor: None,
            recipient: None,
            sink: None,
            detail: detail.into(),
        }
    }
}

/// How a page escalates: the policy, its name and the team it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub team: Option<Slug>,
    pub policy_name: Option<String>,
    pub policy: EscalationPolicy,
}

/// A policy of one step that notifies `target` once: paging a person or a
/// schedule directly (their own notification rules still apply).
fn direct(target: Target) -> Escalation {
    Escalation {
        team: None,
        policy_name: None,
        policy: EscalationPolicy::from_parts(
            vec![Step {
                targets: vec![target],
                delay: jiff::SignedDuration::ZERO,
            }],
            0,
        ),
    }
}

/// How a page to `target` escalates: people and schedules directly; teams
/// through their escalation policy; services and functionalities through
/// their owner team's ("pitchfork alerting": what customers cannot do pages
/// the team that owns it). `policy` looks a policy up by name.
pub fn escalation_for<'p>(
    target: &PageTarget,
    catalog: &crate::catalog::changes::Catalog,
    policy: impl Fn(&str) -> Option<&'p EscalationPolicy>,
) -> Result<Escalation, DomainError> {
    let refused = |message: String| DomainError::Invalid(vec![FieldError::new("target", message)]);
    let team = match target {
        PageTarget::User(email) => return Ok(direct(Target::User(email.clone()))),
        PageTarget::Schedule(name) => return Ok(direct(Target::Schedule(name.clone()))),
        PageTarget::Team(slug) => slug.clone(),
        PageTarget::Service(slug) => catalog
            .service(slug)
            .ok_or_else(|| refused(format!("service {slug} does not exist")))?
            .owner_team
            .clone()
            .ok_or_else(|| refused(format!("service {slug} has no owner team to page")))?,
        PageTarget::Functionality(slug) => catalog
            .functionality(slug)
            .ok_or_else(|| refused(format!("functionality {slug} does not exist")))?
            .owner_team
            .clone()
            .ok_or_else(|| refused(format!("functionality {slug} has no owner team to page")))?,
    };
    let record = catalog
        .team(&team)
        .ok_or_else(|| refused(format!("team {team} does not exist")))?;
    let name = record
        .escalation_policy
        .as_ref()
        .ok_or_else(|| refused(format!("team {team} has no escalation policy")))?;
    let found = policy(name.as_str()).ok_or_else(|| {
        refused(format!(
            "team {team}'s escalation policy {name} is not in the plan"
        ))
    })?;
    Ok(Escalation {
        team: Some(team),
        policy_name: Some(name.as_str().to_owned()),
        policy: found.clone(),
    })
}

/// The state change of an acknowledge or resolve, with its history entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageChange {
    pub page: Page,
    pub expected_version: u64,
    pub event: PageEvent,
}

impl Page {
    /// A new page, due to fire its first step at once.
    pub fn trigger(
        id: PageId,
        input: NewPage,
        escalation: Escalation,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(Self, PageEvent), DomainError> {
        let Escalation {
            team,
            policy_name,
            policy,
        } = escalation;
        let mut errors = Vec::new();
        let summary = text::required("summary", input.summary.trim(), SUMMARY_MAX)
            .map_err(|e| errors.push(e))
            .ok();
        if summary.as_deref().is_some_and(|s| s.contains(['\n', '\r'])) {
            errors.push(FieldError::new("summary", "a summary is one line"));
        }
        let details = text::bounded("details", input.details.trim(), DETAILS_MAX)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(summary), Some(details), true) = (summary, details, errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        let mut event = PageEvent::new(
            now,
            PageEventKind::Triggered,
            match &policy_name {
                Some(name) => format!("paged {} through {name}", input.target),
                None => format!("paged {}", input.target),
            },
        );
        event.actor = by;
        Ok((
            Self {
                id,
                number: PageNumber(0),
                target: input.target,
                summary,
                details,
                incident: input.incident,
                drill: input.drill,
                team,
                policy_name,
                policy,
                status: PageStatus::Triggered,
                triggered_at: now,
                triggered_by: by,
                acknowledged_at: None,
                acknowledged_by: None,
                resolved_at: None,
                resolved_by: None,
                fired: 0,
                next_due_at: Some(now),
                version: 1,
            },
            event,
        ))
    }

    /// How many step firings the whole policy makes, every round included.
    pub fn total_firings(&self) -> u32 {
        self.policy.firings_per_page()
    }

    /// Whether the policy has fired every step of every round.
    pub fn exhausted(&self) -> bool {
        self.fired >= self.total_firings()
    }

    /// Stops the escalation: someone is on it.
    pub fn acknowledge(
        &self,
        by: Option<UserId>,
        via: Via,
        now: Timestamp,
    ) -> Result<PageChange, DomainError> {
        match self.status {
            PageStatus::Triggered => {}
            PageStatus::Acknowledged => {
                return Err(DomainError::InvalidTransition {
                    message: format!("{} is already acknowledged", self.number),
                });
            }
            PageStatus::Resolved => {
                return Err(DomainError::InvalidTransition {
                    message: format!("{} is already resolved", self.number),
                });
            }
        }
        let mut page = self.clone();
        page.status = PageStatus::Acknowledged;
        page.acknowledged_at = Some(now);
        page.acknowledged_by = by;
        page.next_due_at = None;
        page.version += 1;
        let mut event = PageEvent::new(
            now,
            PageEventKind::Acknowledged,
            format!("acknowledged from the {}", via.as_str()),
        );
        event.actor = by;
        Ok(PageChange {
            page,
            expected_version: self.version,
            event,
        })
    }

    /// Closes the page: the problem is gone. An acknowledged page may be
    /// resolved; a resolved one may not be resolved again.
    pub fn resolve(
        &self,
        by: Option<UserId>,
        via: Via,
        now: Timestamp,
    ) -> Result<PageChange, DomainError> {
        if self.status == PageStatus::Resolved {
            return Err(DomainError::InvalidTransition {
                message: format!("{} is already resolved", self.number),
            });
        }
        let mut page = self.clone();
        page.status = PageStatus::Resolved;
        page.resolved_at = Some(now);
        page.resolved_by = by;
        page.next_due_at = None;
        page.version += 1;
        let mut event = PageEvent::new(
            now,
            PageEventKind::Resolved,
            format!("resolved from the {}", via.as_str()),
        );
        event.actor = by;
        Ok(PageChange {
            page,
            expected_version: self.version,
            event,
        })
    }

    /// The subject line every notification of this page carries: the
    /// incident (number, severity, title) when there is one, and `[DRILL]`
    /// first for practice, so nobody mistakes a drill at 3 a.m.
    pub fn subject(&self) -> String {
        let drill = if self.drill { "[DRILL] " } else { "" };
        match &self.incident {
            Some(incident) => format!(
                "{drill}{} {} {} ({})",
                incident.number, incident.severity, incident.title, self.number
            ),
            None => format!("{drill}{}: {}", self.number, self.summary),
        }
    }
}
