//! Storage port of silences and maintenance windows. A silence is never
//! deleted: expiring it sets its end to now (as Alertmanager does), so what
//! was silenced stays explainable, and the open alerts it held are looked at
//! again at once.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use muster_core::alert::Matcher;
use muster_core::alert::silence::{Recurrence, Silence};
use muster_core::oncall::{Restriction, weekday_name, weekday_named};
use muster_core::{SilenceId, UserId};
use serde::{Deserialize, Serialize};

use crate::StoreError;
use crate::row::StoredRow;

/// A silence with who made it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSilence {
    pub silence: Silence,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait SilenceStore: Send + Sync {
    async fn insert_silence(&self, silence: &StoredSilence) -> Result<(), StoreError>;
    /// Silences that have not ended by `now` (all of them when `None`),
    /// newest first.
    async fn silences(&self, now: Option<Timestamp>) -> Result<Vec<StoredSilence>, StoreError>;
    async fn find_silence(&self, id: SilenceId) -> Result<Option<StoredSilence>, StoreError>;
    /// Ends a silence at `now` and makes the open alerts it held pending;
    /// `false` when it had ended already.
    async fn expire_silence(&self, id: SilenceId, now: Timestamp) -> Result<bool, StoreError>;
}

#[derive(Serialize, Deserialize)]
struct WindowRecord {
    days: Vec<String>,
    from: String,
    to: String,
}

#[derive(Serialize, Deserialize)]
struct RecurrenceRecord {
    time_zone: String,
    windows: Vec<WindowRecord>,
}

/// Matchers as stored: a JSON list of their text (`job="backup"`).
pub fn encode_matchers(matchers: &[Matcher]) -> String {
    let texts: Vec<String> = matchers.iter().map(ToString::to_string).collect();
    serde_json::to_string(&texts).unwrap_or_else(|_| "[]".to_owned())
}

pub fn decode_matchers(text: &str) -> Result<Vec<Matcher>, StoreError> {
    let texts: Vec<String> =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("matchers: {e}")))?;
    texts
        .iter()
        .map(|t| Matcher::parse("matchers", t).map_err(|e| StoreError::Corrupt(e.to_string())))
        .collect()
}

/// A recurrence as stored: JSON with the zone's IANA name and local times.
pub fn encode_recurrence(recurrence: &Recurrence) -> String {
    let record = RecurrenceRecord {
        time_zone: recurrence.time_zone.iana_name().unwrap_or("UTC").to_owned(),
        windows: recurrence
            .windows
            .iter()
            .map(|w| WindowRecord {
                days: w.days.iter().map(|d| weekday_name(*d).to_owned()).collect(),
                from: w.from.strftime("%H:%M").to_string(),
                to: w.to.strftime("%H:%M").to_string(),
            })
            .collect(),
    };
    serde_json::to_string(&record).unwrap_or_else(|_| "null".to_owned())
}

pub fn decode_recurrence(text: &str) -> Result<Recurrence, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("recurrence: {what}"));
    let record: RecurrenceRecord =
        serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let time_zone = TimeZone::get(&record.time_zone).map_err(|e| corrupt(e.to_string()))?;
    let time =
        |raw: &str| Time::strptime("%H:%M", raw).map_err(|e| corrupt(format!("{raw:?}: {e}")));
    let mut windows = Vec::with_capacity(record.windows.len());
    for w in &record.windows {
        let days = w
            .days
            .iter()
            .map(|name| weekday_named(name).ok_or_else(|| corrupt(format!("day {name:?}"))))
            .collect::<Result<Vec<_>, _>>()?;
        windows.push(Restriction {
            days,
            from: time(&w.from)?,
            to: time(&w.to)?,
        });
    }
    Ok(Recurrence { time_zone, windows })
}

/// Reads one row of [`statements::COLUMNS`].
pub fn decode_silence(row: &dyn StoredRow) -> Result<StoredSilence, StoreError> {
    Ok(StoredSilence {
        silence: Silence {
            id: SilenceId(row.id("silence_id")?),
            matchers: decode_matchers(&row.text("matchers")?)?,
            starts_at: row.instant("starts_at")?,
            ends_at: row.instant("ends_at")?,
            recurrence: row
                .optional_text("recurrence")?
                .map(|t| decode_recurrence(&t))
                .transpose()?,
            comment: row.text("comment")?,
        },
        created_by: UserId(row.id("created_by")?),
        created_at: row.instant("created_at")?,
    })
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const COLUMNS: &str =
        "silence_id, matchers, starts_at, ends_at, recurrence, comment, created_by, created_at";
    pub const INSERT: &str = "INSERT INTO silences (silence_id, matchers, starts_at, ends_at, \
        recurrence, comment, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    pub const ALL: &str = "SELECT silence_id, matchers, starts_at, ends_at, recurrence, comment, \
        created_by, created_at FROM silences ORDER BY created_at DESC, silence_id DESC";
    pub const CURRENT: &str = "SELECT silence_id, matchers, starts_at, ends_at, recurrence, comment, \
        created_by, created_at FROM silences WHERE ends_at > $1 ORDER BY created_at DESC, silence_id DESC";
    pub const FIND: &str = "SELECT silence_id, matchers, starts_at, ends_at, recurrence, comment, \
        created_by, created_at FROM silences WHERE silence_id = $1";
    pub const EXPIRE: &str =
        "UPDATE silences SET ends_at = $2 WHERE silence_id = $1 AND ends_at > $2";
    /// The open alerts an expired silence held are looked at again now.
    pub const RELEASE_ALERTS: &str = "UPDATE alerts SET silenced_until = $2 \
        WHERE silenced_by = $1 AND status <> 'resolved' AND silenced_until > $2";
}

#[cfg(test)]
mod tests {
    use jiff::civil::Weekday;

    use super::*;

    #[test]
    fn recurrences_and_matchers_survive_storage() {
        let recurrence = Recurrence {
            time_zone: TimeZone::get("Europe/Berlin").unwrap(),
            windows: vec![Restriction {
                days: vec![Weekday::Saturday, Weekday::Sunday],
                from: Time::constant(22, 0, 0, 0),
                to: Time::constant(6, 30, 0, 0),
            }],
        };
        assert_eq!(
            decode_recurrence(&encode_recurrence(&recurrence)).unwrap(),
            recurrence
        );
        let matchers = vec![
            Matcher::parse("m", "job=\"backup\"").unwrap(),
            Matcher::parse("m", "instance=~\"db-.*\"").unwrap(),
        ];
        assert_eq!(
            decode_matchers(&encode_matchers(&matchers)).unwrap(),
            matchers
        );
        assert!(decode_recurrence("{\"time_zone\":\"Mars/Olympus\",\"windows\":[]}").is_err());
    }
}
