//! Heartbeats: a job says "still alive" every so often, and its silence is
//! the alert. A heartbeat integration that misses its beat (the last beat,
//! or its creation, plus the interval and the grace, is past) raises one
//! alert under a stable dedup key; the next beat resolves it.
//!
//! [`check`] looks only at the state (the last beat, the latest alert under
//! the key, now), never at what it decided before: running it twice, or on
//! two nodes at once, decides the same, and the dedup key makes a second
//! raise a repeat of the first.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::{Alert, AlertSeverity, Signal, SignalAction};
use crate::error::FieldError;

/// The shortest interval: anything tighter is a health check, not a heartbeat.
pub const MIN_INTERVAL_SECONDS: i64 = 10;
/// The longest interval: a weekly job.
pub const MAX_INTERVAL_SECONDS: i64 = 7 * 24 * 3600;
/// The least grace: a beat is always allowed to be a little late.
pub const MIN_GRACE_SECONDS: i64 = 5;
/// The most grace.
pub const MAX_GRACE_SECONDS: i64 = 7 * 24 * 3600;

/// How often a heartbeat is expected, and how late it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatRule {
    pub interval: SignedDuration,
    pub grace: SignedDuration,
}

impl HeartbeatRule {
    /// From seconds as given: the interval is required (10 s to 7 days); the
    /// grace defaults to a tenth of the interval, and is at least 5 s.
    pub fn new(
        interval_seconds: Option<i64>,
        grace_seconds: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        let interval = match interval_seconds {
            Some(s) if (MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&s) => s,
            Some(s) => {
                problems.push(FieldError::new(
                    "interval_seconds",
                    format!("from {MIN_INTERVAL_SECONDS} seconds to 7 days ({MAX_INTERVAL_SECONDS}), got {s}"),
                ));
                MIN_INTERVAL_SECONDS
            }
            None => {
                problems.push(FieldError::new(
                    "interval_seconds",
                    "a heartbeat needs the interval its beats come at",
                ));
                MIN_INTERVAL_SECONDS
            }
        };
        let grace = match grace_seconds {
            Some(s) if (MIN_GRACE_SECONDS..=MAX_GRACE_SECONDS).contains(&s) => s,
            Some(s) => {
                problems.push(FieldError::new(
                    "grace_seconds",
                    format!(
                        "from {MIN_GRACE_SECONDS} seconds to 7 days ({MAX_GRACE_SECONDS}), got {s}"
                    ),
                ));
                MIN_GRACE_SECONDS
            }
            None => (interval / 10).max(MIN_GRACE_SECONDS),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            interval: SignedDuration::from_secs(interval),
            grace: SignedDuration::from_secs(grace),
        })
    }

    pub fn interval_seconds(&self) -> i64 {
        self.interval.as_secs()
    }

    pub fn grace_seconds(&self) -> i64 {
        self.grace.as_secs()
    }

    /// From when a heartbeat silent since `since` counts as missed.
    pub fn overdue_at(&self, since: Timestamp) -> Timestamp {
        since
            .checked_add(self.interval + self.grace)
            .unwrap_or(Timestamp::MAX)
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq)]
pub enum HeartbeatCheck {
    /// The beat is overdue and nothing has been raised for it yet: the trigger.
    Missed(Signal),
    /// A beat came after the alert was raised: the resolve.
    Back(Signal),
    /// Nothing to do.
    AsExpected,
}

/// The dedup key of a heartbeat's alert: one per integration.
pub fn dedup_key(name: &str) -> String {
    format!("heartbeat:{name}")
}

/// Checks the heartbeat `name` at `now`. `last_beat` is its latest beat
/// (`None` before the first, when its creation counts instead); `latest` is
/// the newest alert under its [`dedup_key`], in any status.
///
/// A missed beat is raised once per silence: an alert opened after the last
/// beat (even one resolved by hand since) is that silence's alert, so a
/// person resolving it while the job is still quiet is not paged again
/// until a beat comes and is missed once more.
pub fn check(
    name: &str,
    rule: &HeartbeatRule,
    created_at: Timestamp,
    last_beat: Option<Timestamp>,
    latest: Option<&Alert>,
    now: Timestamp,
) -> HeartbeatCheck {
    let since = last_beat.unwrap_or(created_at);
    let overdue_at = rule.overdue_at(since);
    let overdue = overdue_at < now;
    let open = latest.is_some_and(|a| a.status.is_open());
    let raised_for_this_silence = latest.is_some_and(|a| a.first_seen > since);
    if overdue {
        if open || raised_for_this_silence {
            return HeartbeatCheck::AsExpected;
        }
        let silent = now.duration_since(since);
        let mut labels = BTreeMap::new();
        labels.insert("alertname".to_owned(), "HeartbeatMissed".to_owned());
        labels.insert("heartbeat".to_owned(), name.to_owned());
        let mut annotations = BTreeMap::new();
        annotations.insert(
            "last_beat".to_owned(),
            last_beat.map_or_else(|| "never".to_owned(), |at| at.to_string()),
        );
        annotations.insert("expected_every".to_owned(), span(rule.interval_seconds()));
        return HeartbeatCheck::Missed(Signal {
            action: SignalAction::Trigger,
            dedup_key: dedup_key(name),
            summary: format!("No heartbeat from {name} for {}", span(silent.as_secs())),
            severity: AlertSeverity::Error,
            source: name.to_owned(),
            labels,
            annotations,
            links: Vec::new(),
            group_key: None,
            started_at: Some(overdue_at),
        });
    }
    if open {
        return HeartbeatCheck::Back(Signal {
            action: SignalAction::Resolve,
            dedup_key: dedup_key(name),
            summary: String::new(),
            severity: AlertSeverity::Error,
            source: name.to_owned(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            links: Vec::new(),
            group_key: None,
            started_at: None,
        });
    }
    HeartbeatCheck::AsExpected
}

/// A length of time as people say it: `45 s`, `6 min`, `2 h 5 min`, `3 d 4 h`.
pub fn span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertStatus, receive};
    use crate::ids::{AlertId, IntegrationId};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    fn rule() -> HeartbeatRule {
        HeartbeatRule::new(Some(300), None).unwrap()
    }

    fn raised(signal: Signal, now: Timestamp) -> Alert {
        let id = IntegrationId(uuid::Uuid::nil());
        match receive(None, signal, id, AlertId(uuid::Uuid::nil()), now) {
            crate::alert::Received::Opened(alert) => alert,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn intervals_and_graces_are_bounded_and_grace_has_a_default() {
        assert_eq!(rule().grace_seconds(), 30, "a tenth of the interval");
        assert_eq!(
            HeartbeatRule::new(Some(20), None).unwrap().grace_seconds(),
            5,
            "at least 5 s"
        );
        assert_eq!(
            HeartbeatRule::new(Some(60), Some(120))
                .unwrap()
                .grace_seconds(),
            120
        );
        let fields = |r: Result<HeartbeatRule, Vec<FieldError>>| -> Vec<String> {
            r.unwrap_err().into_iter().map(|f| f.field).collect()
        };
        assert_eq!(fields(HeartbeatRule::new(None, None)), ["interval_seconds"]);
        assert_eq!(
            fields(HeartbeatRule::new(Some(9), Some(4))),
            ["interval_seconds", "grace_seconds"]
        );
        assert_eq!(
            fields(HeartbeatRule::new(Some(MAX_INTERVAL_SECONDS + 1), None)),
            ["interval_seconds"]
        );
    }

    #[test]
    fn a_missed_beat_raises_once_and_the_next_beat_resolves() {
        let r = rule();
        // Created at 0, never beat: due by 330 s.
        assert_eq!(
            check("backup", &r, at(0), None, None, at(330)),
            HeartbeatCheck::AsExpected
        );
        let HeartbeatCheck::Missed(signal) = check("backup", &r, at(0), None, None, at(331)) else {
            panic!("missed")
        };
        assert_eq!(signal.dedup_key, "heartbeat:backup");
        assert_eq!(signal.summary, "No heartbeat from backup for 5 min");
        assert_eq!(signal.severity, AlertSeverity::Error);
        assert_eq!(signal.started_at, Some(at(330)));
        assert_eq!(signal.annotations["last_beat"], "never");
        let alert = raised(signal, at(331));
        // Checked again, here or on another node: nothing more.
        assert_eq!(
            check("backup", &r, at(0), None, Some(&alert), at(400)),
            HeartbeatCheck::AsExpected
        );
        // A beat: resolved.
        let HeartbeatCheck::Back(resolve) =
            check("backup", &r, at(0), Some(at(500)), Some(&alert), at(501))
        else {
            panic!("back")
        };
        assert_eq!(resolve.action, SignalAction::Resolve);
        assert_eq!(resolve.dedup_key, "heartbeat:backup");
    }

    #[test]
    fn a_silence_resolved_by_hand_is_not_raised_again_until_the_next_miss() {
        let r = rule();
        let HeartbeatCheck::Missed(signal) =
            check("backup", &r, at(0), Some(at(100)), None, at(1000))
        else {
            panic!("missed")
        };
        assert_eq!(signal.summary, "No heartbeat from backup for 15 min");
        let mut alert = raised(signal, at(1000));
        alert.status = AlertStatus::Resolved;
        assert_eq!(
            check("backup", &r, at(0), Some(at(100)), Some(&alert), at(2000)),
            HeartbeatCheck::AsExpected,
            "the same silence"
        );
        // A beat, then silence again: a new alert.
        assert!(matches!(
            check("backup", &r, at(0), Some(at(2100)), Some(&alert), at(2500)),
            HeartbeatCheck::Missed(_)
        ));
    }

    #[test]
    fn spans_read_like_speech() {
        assert_eq!(span(45), "45 s");
        assert_eq!(span(360), "6 min");
        assert_eq!(span(7200), "2 h");
        assert_eq!(span(7500), "2 h 5 min");
        assert_eq!(span(3 * 86_400 + 4 * 3600 + 60), "3 d 4 h");
        assert_eq!(span(86_400), "1 d");
    }
}
