//! Turning SQLite rows into domain values, with `Corrupt` instead of panics.

use muster_core::Timestamp;
use muster_store::{StoreError, StoredRow, sql};
use sqlx::Row as _;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

pub(crate) fn backend(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(error.to_string())
        }
        other => StoreError::Backend(other.to_string()),
    }
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`] on `field`.
pub(crate) fn unique(error: sqlx::Error, field: &'static str, value: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        if db.is_unique_violation() {
            return StoreError::Duplicate {
                field,
                value: value.to_owned(),
            };
        }
        if db.is_foreign_key_violation() {
            return StoreError::Missing {
                entity: "referenced record",
            };
        }
    }
    backend(error)
}

pub(crate) fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn uuid(raw: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(raw).map_err(|_| StoreError::Corrupt(format!("invalid uuid {raw:?}")))
}

pub(crate) fn id<T: From<Uuid>>(row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let raw: String = get(row, column)?;
    uuid(&raw).map(T::from)
}

pub(crate) fn optional_id<T: From<Uuid>>(
    row: &SqliteRow,
    column: &str,
) -> Result<Option<T>, StoreError> {
    let raw: Option<String> = get(row, column)?;
    raw.as_deref().map(|r| uuid(r).map(T::from)).transpose()
}

pub(crate) fn millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| StoreError::Corrupt(format!("instant {ms} out of range")))
}

pub(crate) fn instant(row: &SqliteRow, column: &str) -> Result<Timestamp, StoreError> {
    millis(get(row, column)?)
}

pub(crate) fn optional_instant(
    row: &SqliteRow,
    column: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let raw: Option<i64> = get(row, column)?;
    raw.map(millis).transpose()
}

pub(crate) fn version(row: &SqliteRow) -> Result<u64, StoreError> {
    let raw: i64 = get(row, "version")?;
    u64::try_from(raw).map_err(|_| StoreError::Corrupt(format!("negative version {raw}")))
}

/// Decodes a row of [`muster_store::sql::INCIDENT_SELECT`].
pub(crate) fn incident(row: &SqliteRow) -> Result<muster_core::Incident, StoreError> {
    sql::decode_incident(&Row(row))
}

/// A row lent to muster-store's shared decoders.
pub(crate) struct Row<'a>(pub(crate) &'a SqliteRow);

impl StoredRow for Row<'_> {
    fn text(&self, column: &str) -> Result<String, StoreError> {
        get(self.0, column)
    }
    fn optional_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        get(self.0, column)
    }
    fn integer(&self, column: &str) -> Result<i64, StoreError> {
        get::<i64>(self.0, column)
    }
    fn optional_integer(&self, column: &str) -> Result<Option<i64>, StoreError> {
        get(self.0, column)
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        get(self.0, column)
    }
    fn id(&self, column: &str) -> Result<Uuid, StoreError> {
        let raw: String = get(self.0, column)?;
        uuid(&raw)
    }
    fn optional_id(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        let raw: Option<String> = get(self.0, column)?;
        raw.as_deref().map(uuid).transpose()
    }
}
