//! Silences and maintenance windows: matchers and a time range, once or
//! recurring on local-time windows (every Sunday 02:00–04:00 in the
//! team's zone). A silenced alert is still stored and shown, as silenced;
//! it pages nobody.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::alert::Alert;
use crate::alert::matcher::{Matcher, all_match};
use crate::error::{DomainError, FieldError};
use crate::ids::SilenceId;
use crate::oncall::Restriction;

/// The longest a silence may last: longer is not a silence but a rule
/// that drops the alert, and belongs in the routes.
pub const MAX_DAYS: i64 = 366;

/// When a recurring silence holds, inside its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    pub time_zone: TimeZone,
    pub windows: Vec<Restriction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: SilenceId,
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub recurrence: Option<Recurrence>,
    pub comment: String,
}

impl Silence {
    /// Checks a silence before it is saved; every problem names its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut problems = Vec::new();
        if self.matchers.is_empty() {
            problems.push(FieldError::new("matchers", "at least one matcher"));
        } else if self.matchers.iter().all(Matcher::matches_empty) {
            problems.push(FieldError::new(
                "matchers",
                "would silence every alert: at least one matcher must need a label",
            ));
        }
        if self.ends_at <= self.starts_at {
            problems.push(FieldError::new("ends_at", "must be after starts_at"));
        } else if self.ends_at.duration_since(self.starts_at).as_hours() > MAX_DAYS * 24 {
            problems.push(FieldError::new(
                "ends_at",
                format!(
                    "a silence lasts at most {MAX_DAYS} days; drop the alert with a route instead"
                ),
            ));
        }
        if let Some(recurrence) = &self.recurrence
            && recurrence.windows.is_empty()
        {
            problems.push(FieldError::new(
                "recurrence.windows",
                "at least one window (days, from, to)",
            ));
        }
        if self.comment.trim().is_empty() {
            problems.push(FieldError::new(
                "comment",
                "say why (the next person on call will want to know)",
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(problems))
        }
    }

    /// Whether the silence holds at `at` (in range and, when recurring,
    /// inside one of its windows).
    pub fn is_active(&self, at: Timestamp) -> bool {
        at >= self.starts_at
            && at < self.ends_at
            && self.recurrence.as_ref().is_none_or(|r| {
                r.windows
                    .iter()
                    .any(|window| window.covers(&r.time_zone, at))
            })
    }

    /// Whether the silence holds for `alert` at `at`.
    pub fn silences(&self, alert: &Alert, at: Timestamp) -> bool {
        self.is_active(at) && all_match(&self.matchers, &alert.labels)
    }
}

/// The first silence holding for `alert` at `at`.
pub fn silenced_by<'a>(
    silences: &'a [Silence],
    alert: &Alert,
    at: Timestamp,
) -> Option<&'a Silence> {
    silences.iter().find(|s| s.silences(alert, at))
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Time, Weekday, date};

    use super::*;
    use crate::alert::tests::alert_with;

    fn silence(matchers: &[&str], from: Timestamp, to: Timestamp) -> Silence {
        Silence {
            id: SilenceId(uuid::Uuid::nil()),
            matchers: matchers
                .iter()
                .map(|m| Matcher::parse("matchers", m).unwrap())
                .collect(),
            starts_at: from,
            ends_at: to,
            recurrence: None,
            comment: "database upgrade".into(),
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_one_off_silence_holds_for_matching_alerts_inside_its_range() {
        let s = silence(
            &["service=db"],
            ts("2026-12-01T10:00:00Z"),
            ts("2026-12-01T12:00:00Z"),
        );
        let db = alert_with(&[("service", "db")]);
        let web = alert_with(&[("service", "web")]);
        assert!(s.silences(&db, ts("2026-12-01T10:00:00Z")));
        assert!(s.silences(&db, ts("2026-12-01T11:59:59Z")));
        assert!(
            !s.silences(&db, ts("2026-12-01T12:00:00Z")),
            "the end is open"
        );
        assert!(!s.silences(&web, ts("2026-12-01T11:00:00Z")));
        let all = [s];
        assert!(silenced_by(&all, &db, ts("2026-12-01T11:00:00Z")).is_some());
    }

    #[test]
    fn a_recurring_window_follows_local_time_across_dst() {
        let mut s = silence(
            &["job=backup"],
            ts("2026-01-01T00:00:00Z"),
            ts("2026-12-31T00:00:00Z"),
        );
        s.recurrence = Some(Recurrence {
            time_zone: TimeZone::get("Europe/Berlin").unwrap(),
            windows: vec![Restriction {
                days: vec![Weekday::Sunday],
                from: Time::constant(2, 0, 0, 0),
                to: Time::constant(4, 0, 0, 0),
            }],
        });
        let backup = alert_with(&[("job", "backup")]);
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let local = |d: jiff::civil::Date, h: i8| {
            berlin
                .to_ambiguous_zoned_datetime(d.at(h, 30, 0, 0))
                .compatible()
                .unwrap()
                .timestamp()
        };
        // A winter Sunday (UTC+1) and a summer one (UTC+2): 03:30 local both.
        assert!(s.silences(&backup, local(date(2026, 1, 11), 3)));
        assert!(s.silences(&backup, local(date(2026, 7, 12), 3)));
        assert!(!s.silences(&backup, local(date(2026, 7, 12), 4)));
        assert!(
            !s.silences(&backup, local(date(2026, 7, 13), 3)),
            "a Monday"
        );
    }

    #[test]
    fn silences_that_would_hide_everything_or_say_nothing_are_refused() {
        let from = ts("2026-12-01T10:00:00Z");
        let mut everything = silence(&["team=~\".*\""], from, ts("2026-12-01T11:00:00Z"));
        everything.comment = " ".into();
        let Err(DomainError::Invalid(problems)) = everything.validate() else {
            panic!("refused");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["matchers", "comment"]);

        let backwards = silence(&["a=b"], from, from);
        assert!(backwards.validate().is_err());
        let forever = silence(&["a=b"], from, ts("2028-12-01T10:00:00Z"));
        assert!(forever.validate().is_err());
        assert!(
            silence(&["a=b"], from, ts("2026-12-02T10:00:00Z"))
                .validate()
                .is_ok()
        );
    }
}
