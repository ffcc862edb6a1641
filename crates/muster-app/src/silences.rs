//! Silences and maintenance windows: matchers over alert labels and a time
//! range, one-off or on weekly local-time windows. Alerts they hold are
//! stored and shown as silenced, and page no one; expiring a silence early
//! lets the open alerts it held be routed at once.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use muster_core::alert::Matcher;
use muster_core::alert::silence::{Recurrence, Silence};
use muster_core::oncall::{Restriction, weekday_named};
use muster_core::{Actor, FieldError, Permission, SilenceId};
use muster_store::silences::StoredSilence;
use uuid::Uuid;

use crate::accounts::require;
use crate::{App, AppError};

/// One weekly window as typed: days by name (every day when empty) and
/// local `HH:MM` times; a window ending before it starts runs overnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowDraft {
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
}

/// A silence as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewSilence {
    /// Alertmanager-style matchers (`job="backup"`, `instance=~"db-.*"`); all must hold.
    pub matchers: Vec<String>,
    /// Defaults to now.
    pub starts_at: Option<Timestamp>,
    /// Or `duration` from the start.
    pub ends_at: Option<Timestamp>,
    pub duration: Option<SignedDuration>,
    pub comment: String,
    /// An IANA zone; with `windows`, the silence holds only inside them.
    pub time_zone: Option<String>,
    pub windows: Vec<WindowDraft>,
}

fn weekday(field: &str, raw: &str) -> Result<Weekday, FieldError> {
    weekday_named(raw).ok_or_else(|| {
        FieldError::new(
            field,
            format!("expected a day such as monday or sat, got {raw:?}"),
        )
    })
}

fn local_time(field: &str, raw: &str) -> Result<Time, FieldError> {
    Time::strptime("%H:%M", raw.trim())
        .map_err(|_| FieldError::new(field, format!("expected HH:MM, got {raw:?}")))
}

/// Reads a draft into the core's silence, with every problem named.
fn silence_from(new: NewSilence, id: SilenceId, now: Timestamp) -> Result<Silence, AppError> {
    let mut problems = Vec::new();
    let matchers: Vec<Matcher> = new
        .matchers
        .iter()
        .enumerate()
        .filter_map(
            |(i, text)| match Matcher::parse(&format!("matchers[{i}]"), text) {
                Ok(m) => Some(m),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
        )
        .collect();
    let starts_at = new.starts_at.unwrap_or(now);
    let ends_at = match (new.ends_at, new.duration) {
        (Some(end), None) => end,
        (None, Some(duration)) => starts_at.checked_add(duration).unwrap_or(starts_at),
        (Some(_), Some(_)) => {
            problems.push(FieldError::new(
                "ends_at",
                "give an end or a duration, not both",
            ));
            starts_at
        }
        (None, None) => {
            problems.push(FieldError::new(
                "ends_at",
                "a silence needs an end (or a duration)",
            ));
            starts_at
        }
    };
    let recurrence = if new.windows.is_empty() {
        if new.time_zone.is_some() {
            problems.push(FieldError::new(
                "time_zone",
                "a time zone only matters with windows",
            ));
        }
        None
    } else {
        let zone = new.time_zone.as_deref().unwrap_or("UTC");
        let time_zone = TimeZone::get(zone).unwrap_or_else(|_| {
            problems.push(FieldError::new(
                "time_zone",
                format!("{zone:?} is not an IANA time zone (e.g. Europe/Berlin)"),
            ));
            TimeZone::UTC
        });
        let mut windows = Vec::new();
        for (i, w) in new.windows.iter().enumerate() {
            let field = |name: &str| format!("windows[{i}].{name}");
            let days: Vec<Weekday> = w
                .days
                .iter()
                .filter_map(|d| {
                    weekday(&field("days"), d)
                        .map_err(|e| problems.push(e))
                        .ok()
                })
                .collect();
            match (
                local_time(&field("from"), &w.from),
                local_time(&field("to"), &w.to),
            ) {
                (Ok(from), Ok(to)) => windows.push(Restriction { days, from, to }),
                (from, to) => problems.extend(from.err().into_iter().chain(to.err())),
            }
        }
        Some(Recurrence { time_zone, windows })
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let silence = Silence {
        id,
        matchers,
        starts_at,
        ends_at,
        recurrence,
        comment: new.comment.trim().to_owned(),
    };
    silence.validate()?;
    Ok(silence)
}

impl App {
    /// Saves a silence; alerts arriving while it holds page no one.
    pub async fn create_silence(
        &self,
        actor: &Actor,
        new: NewSilence,
    ) -> Result<StoredSilence, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let now = self.now();
        let silence = silence_from(new, SilenceId(Uuid::now_v7()), now)?;
        let stored = StoredSilence {
            silence,
            created_by: actor.user_id,
            created_at: now,
        };
        self.store.insert_silence(&stored).await?;
        tracing::info!(silence = %stored.silence.id, until = %stored.silence.ends_at, "silence created");
        Ok(stored)
    }

    /// Current silences (not ended), or every one with `include_ended`.
    pub async fn silences(
        &self,
        actor: &Actor,
        include_ended: bool,
    ) -> Result<Vec<StoredSilence>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let now = (!include_ended).then(|| self.now());
        Ok(self.store.silences(now).await?)
    }

    pub async fn silence(&self, actor: &Actor, id: SilenceId) -> Result<StoredSilence, AppError> {
        require(actor, Permission::ReadIncidents)?;
        self.store
            .find_silence(id)
            .await?
            .ok_or_else(|| AppError::not_found("silence", id))
    }

    /// Ends a silence now; the open alerts it held are routed at once.
    pub async fn expire_silence(
        &self,
        actor: &Actor,
        id: SilenceId,
    ) -> Result<StoredSilence, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let now = self.now();
        if !self.store.expire_silence(id, now).await? {
            let existing = self.silence(actor, id).await?;
            return Err(AppError::Conflict {
                code: "silence_ended",
                message: format!("the silence ended at {} already", existing.silence.ends_at),
            });
        }
        self.alerts_arrived.notify_one();
        tracing::info!(silence = %id, "silence expired");
        self.silence(actor, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_draft_names_each_problem() {
        let draft = NewSilence {
            matchers: vec!["job=backup".into(), "=broken".into()],
            comment: "db upgrade".into(),
            time_zone: Some("Mars/Olympus".into()),
            windows: vec![WindowDraft {
                days: vec!["someday".into()],
                from: "25:00".into(),
                to: "06:00".into(),
            }],
            ..NewSilence::default()
        };
        let Err(AppError::Invalid(problems)) =
            silence_from(draft, SilenceId(Uuid::nil()), at("2026-12-01T00:00:00Z"))
        else {
            panic!("refused");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "matchers[1]",
                "ends_at",
                "time_zone",
                "windows[0].days",
                "windows[0].from"
            ]
        );
    }

    #[test]
    fn a_duration_sets_the_end_and_windows_make_it_recurring() {
        let now = at("2026-12-01T00:00:00Z");
        let silence = silence_from(
            NewSilence {
                matchers: vec!["job=\"backup\"".into()],
                duration: Some(SignedDuration::from_hours(2)),
                comment: "weekend backups".into(),
                time_zone: Some("Europe/Berlin".into()),
                windows: vec![WindowDraft {
                    days: vec!["sat".into(), "sunday".into()],
                    from: "22:00".into(),
                    to: "06:00".into(),
                }],
                ..NewSilence::default()
            },
            SilenceId(Uuid::nil()),
            now,
        )
        .unwrap();
        assert_eq!(silence.starts_at, now);
        assert_eq!(silence.ends_at, at("2026-12-01T02:00:00Z"));
        let recurrence = silence.recurrence.unwrap();
        assert_eq!(
            recurrence.windows[0].days,
            [Weekday::Saturday, Weekday::Sunday]
        );
    }
}
