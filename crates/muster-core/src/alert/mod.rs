//! Alerts: what monitoring says, deduplicated. Every source (Alertmanager,
//! Grafana, PagerDuty's Events API, a generic JSON mapping, a missed
//! heartbeat) is read into a [`Signal`]; [`receive`] decides what a signal
//! does to the alert already stored under its dedup key. Repeats update,
//! never duplicate; a trigger after a resolve opens a new alert.

pub mod attach;
pub mod group;
pub mod heartbeat;
pub mod matcher;
pub mod route;
pub mod routing;
pub mod silence;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::error::{DomainError, FieldError};
use crate::ids::{AlertId, IntegrationId};

pub use matcher::{MatchOp, Matcher};

/// The most a dedup key may hold (PagerDuty's limit).
pub const MAX_DEDUP_KEY: usize = 255;
/// The most a summary may hold (PagerDuty's limit).
pub const MAX_SUMMARY: usize = 1024;
/// Labels, annotations or links one alert may carry.
pub const MAX_ENTRIES: usize = 128;
/// The most one label or annotation value may hold.
pub const MAX_VALUE: usize = 16 * 1024;

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertStatus {
    Firing,
    Acknowledged,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }

    /// Whether the alert still wants attention (firing or acknowledged).
    pub fn is_open(self) -> bool {
        self != Self::Resolved
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "firing" => Ok(Self::Firing),
            "acknowledged" => Ok(Self::Acknowledged),
            "resolved" => Ok(Self::Resolved),
            other => Err(format!(
                "expected firing, acknowledged or resolved, got {other:?}"
            )),
        }
    }
}

/// How bad an alert says it is: PagerDuty's four levels, which every
/// source is mapped onto. Ordered from the least to the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AlertSeverity {
    Info,
    Warning,
    Error,
    Critical,
}

impl AlertSeverity {
    pub const ALL: [Self; 4] = [Self::Info, Self::Warning, Self::Error, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        }
    }

    /// Reads the words monitoring tools put in a `severity` label
    /// (`page`, `high`, `warn`, `low`…), case-insensitively; `None` for a
    /// word that names no level.
    pub fn from_label(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "p1" | "sev1" | "fatal" | "emergency" | "disaster" => {
                Some(Self::Critical)
            }
            "error" | "err" | "high" | "major" | "p2" | "sev2" => Some(Self::Error),
            "warning" | "warn" | "medium" | "minor" | "average" | "p3" | "sev3" => {
                Some(Self::Warning)
            }
            "info" | "informational" | "low" | "none" | "notice" | "ok" | "p4" | "p5" | "sev4"
            | "sev5" => Some(Self::Info),
            _ => None,
        }
    }
}

impl fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertSeverity {
    type Err = String;
    /// The exact names only (the API and PagerDuty's enum).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| format!("expected critical, error, warning or info, got {s:?}"))
    }
}

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalAction {
    Trigger,
    Acknowledge,
    Resolve,
}

impl SignalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }
}

/// A link an alert carries (a dashboard, a runbook, the generator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLink {
    pub href: String,
    pub text: String,
}

/// One event from a source, already read from its wire format.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub action: SignalAction,
    pub dedup_key: String,
    pub summary: String,
    pub severity: AlertSeverity,
    /// What is affected, in the source's words (a host, a job, a service).
    pub source: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub links: Vec<AlertLink>,
    /// The source's own grouping (Alertmanager's `groupKey`).
    pub group_key: Option<String>,
    /// When the condition started, if the source says (`startsAt`).
    pub started_at: Option<Timestamp>,
}

impl Signal {
    /// Checks the limits every source shares; each problem names its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut problems = Vec::new();
        let key_chars = self.dedup_key.chars().count();
        if self.dedup_key.trim().is_empty() {
            problems.push(FieldError::new("dedup_key", "must not be empty"));
        } else if key_chars > MAX_DEDUP_KEY {
            problems.push(FieldError::new(
                "dedup_key",
                format!("at most {MAX_DEDUP_KEY} characters, got {key_chars}"),
            ));
        }
        if self.action == SignalAction::Trigger && self.summary.trim().is_empty() {
            problems.push(FieldError::new("summary", "must not be empty"));
        }
        let summary_chars = self.summary.chars().count();
        if summary_chars > MAX_SUMMARY {
            problems.push(FieldError::new(
                "summary",
                format!("at most {MAX_SUMMARY} characters, got {summary_chars}"),
            ));
        }
        for (field, map) in [("labels", &self.labels), ("annotations", &self.annotations)] {
            if map.len() > MAX_ENTRIES {
                problems.push(FieldError::new(
                    field,
                    format!("at most {MAX_ENTRIES} entries, got {}", map.len()),
                ));
            }
            for (name, value) in map {
                if name.is_empty() {
                    problems.push(FieldError::new(field, "a name must not be empty"));
                } else if value.len() > MAX_VALUE {
                    problems.push(FieldError::new(
                        format!("{field}.{name}"),
                        format!("at most {MAX_VALUE} bytes"),
                    ));
                }
            }
        }
        if self.links.len() > MAX_ENTRIES {
            problems.push(FieldError::new(
                "links",
                format!("at most {MAX_ENTRIES} links, got {}", self.links.len()),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(problems))
        }
    }
}

/// One deduplicated alert: every signal with the same integration and
/// dedup key, from its first trigger to its resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: AlertId,
    pub integration: IntegrationId,
    pub dedup_key: String,
    pub status: AlertStatus,
    pub summary: String,
    pub severity: AlertSeverity,
    pub source: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub links: Vec<AlertLink>,
    pub group_key: Option<String>,
    /// When the condition started: the source's word, else the first signal.
    pub started_at: Timestamp,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Signals received: the first trigger and every repeat.
    pub occurrences: u64,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub version: u64,
}

/// What a signal did.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A new alert: nothing was open under this key.
    Opened(Alert),
    /// The open alert changed: a repeat, an acknowledge or a resolve.
    Updated { alert: Alert, change: AlertChange },
    /// Nothing to do, and why.
    Ignored(Ignored),
}

/// How an open alert changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    Repeated,
    Acknowledged,
    Resolved,
}

/// Why a signal changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// An acknowledge or resolve for a key with no open alert (PagerDuty
    /// drops these too).
    NoOpenAlert,
    /// An acknowledge of an alert already acknowledged.
    AlreadyAcknowledged,
}

/// Decides what `signal` does to `current`, the latest alert stored under
/// its key (open or not). `id` is used only if a new alert opens.
pub fn receive(
    current: Option<&Alert>,
    signal: Signal,
    integration: IntegrationId,
    id: AlertId,
    now: Timestamp,
) -> Received {
    let open = current.filter(|alert| alert.status.is_open());
    match (open, signal.action) {
        (None, SignalAction::Trigger) => Received::Opened(Alert {
            id,
            integration,
            dedup_key: signal.dedup_key,
            status: AlertStatus::Firing,
            summary: signal.summary,
            severity: signal.severity,
            source: signal.source,
            labels: signal.labels,
            annotations: signal.annotations,
            links: signal.links,
            group_key: signal.group_key,
            started_at: signal.started_at.unwrap_or(now),
            first_seen: now,
            last_seen: now,
            occurrences: 1,
            acknowledged_at: None,
            resolved_at: None,
            version: 1,
        }),
        (None, SignalAction::Acknowledge | SignalAction::Resolve) => {
            Received::Ignored(Ignored::NoOpenAlert)
        }
        (Some(open), SignalAction::Trigger) => updated(open, AlertChange::Repeated, now, |alert| {
            // The latest words win; an acknowledged alert stays acknowledged.
            alert.summary = signal.summary;
            alert.severity = signal.severity;
            alert.source = signal.source;
            alert.labels = signal.labels;
            alert.annotations = signal.annotations;
            if !signal.links.is_empty() {
                alert.links = signal.links;
            }
            if signal.group_key.is_some() {
                alert.group_key = signal.group_key;
            }
            alert.occurrences = alert.occurrences.saturating_add(1);
        }),
        (Some(open), SignalAction::Acknowledge) => {
            if open.status == AlertStatus::Acknowledged {
                return Received::Ignored(Ignored::AlreadyAcknowledged);
            }
            updated(open, AlertChange::Acknowledged, now, |alert| {
                alert.status = AlertStatus::Acknowledged;
                alert.acknowledged_at = Some(now);
            })
        }
        (Some(open), SignalAction::Resolve) => updated(open, AlertChange::Resolved, now, |alert| {
            alert.status = AlertStatus::Resolved;
            alert.resolved_at = Some(now);
        }),
    }
}

/// What a person does to an alert by hand (the console, the CLI, the API).
/// It goes through the same decision as a source's signal, so a hand and a
/// monitor acknowledging one alert at once cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByHand {
    Acknowledge,
    Resolve,
}

impl ByHand {
    pub fn as_str(self) -> &'static str {
        self.action().as_str()
    }

    pub fn action(self) -> SignalAction {
        match self {
            Self::Acknowledge => SignalAction::Acknowledge,
            Self::Resolve => SignalAction::Resolve,
        }
    }

    /// The signal a source would send for this, under `alert`'s dedup key.
    /// An acknowledge or resolve reads nothing but its action and key, so
    /// the alert's words are left as they are.
    pub fn signal(self, alert: &Alert) -> Signal {
        Signal {
            action: self.action(),
            dedup_key: alert.dedup_key.clone(),
            summary: String::new(),
            severity: alert.severity,
            source: String::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            links: Vec::new(),
            group_key: None,
            started_at: None,
        }
    }
}

/// Decides what a by-hand `signal` does to alert `id`, given `current`, the
/// latest alert stored under its key: [`receive`]'s decision, but only when
/// `current` is that very alert. When it is not, alert `id` was resolved
/// before a new one opened under the key, and the new one is not what the
/// person acted on: nothing changes ([`Ignored::NoOpenAlert`]).
pub fn receive_by_hand(
    current: Option<&Alert>,
    id: AlertId,
    signal: Signal,
    now: Timestamp,
) -> Received {
    match current {
        Some(alert) if alert.id == id => receive(current, signal, alert.integration, id, now),
        _ => Received::Ignored(Ignored::NoOpenAlert),
    }
}

/// `open` changed by `change`: seen now, one version on.
fn updated(
    open: &Alert,
    change: AlertChange,
    now: Timestamp,
    apply: impl FnOnce(&mut Alert),
) -> Received {
    let mut alert = open.clone();
    apply(&mut alert);
    alert.last_seen = now;
    alert.version += 1;
    Received::Updated { alert, change }
}

/// Flap damping: an alert that opened `threshold` times or more within
/// `window` before `now` (the times given, newest last or in any order) is
/// flapping, and its new openings should not page again.
pub fn is_flapping(
    openings: &[Timestamp],
    now: Timestamp,
    window: jiff::SignedDuration,
    threshold: usize,
) -> bool {
    let since = now.checked_sub(window).unwrap_or(now);
    threshold > 0 && openings.iter().filter(|at| **at > since).count() >= threshold
}
