//! Turning PostgreSQL rows into domain values, with `Corrupt` instead of panics,
//! and PostgreSQL failures into [`StoreError`]s.

use muster_core::Timestamp;
use muster_store::{StoreError, StoredRow, sql};
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use uuid::Uuid;

/// SQLSTATE classes and codes that mean "the server cannot serve now", so a
/// retry (or another node) may succeed: connection exceptions (08),
/// insufficient resources (53), operator intervention such as a shutdown (57P).
fn unavailable_code(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
}

pub(crate) fn backend(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(error.to_string()),
        sqlx::Error::Database(db) if db.code().is_some_and(|code| unavailable_code(&code)) => {
            StoreError::Unavailable(error.to_string())
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

/// Maps a unique-constraint violation to [`StoreError::Duplicate`] on `field`
/// and a foreign-key violation to [`StoreError::Missing`].
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

pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column)
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

pub(crate) fn id<T: From<Uuid>>(row: &PgRow, column: &str) -> Result<T, StoreError> {
    get::<Uuid>(row, column).map(T::from)
}

pub(crate) fn optional_id<T: From<Uuid>>(
    row: &PgRow,
    column: &str,
) -> Result<Option<T>, StoreError> {
    Ok(get::<Option<Uuid>>(row, column)?.map(T::from))
}

pub(crate) fn millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| StoreError::Corrupt(format!("instant {ms} out of range")))
}

pub(crate) fn instant(row: &PgRow, column: &str) -> Result<Timestamp, StoreError> {
    millis(get(row, column)?)
}

pub(crate) fn optional_instant(row: &PgRow, column: &str) -> Result<Option<Timestamp>, StoreError> {
    let raw: Option<i64> = get(row, column)?;
    raw.map(millis).transpose()
}

pub(crate) fn version(row: &PgRow) -> Result<u64, StoreError> {
    let raw: i64 = get(row, "version")?;
    u64::try_from(raw).map_err(|_| StoreError::Corrupt(format!("negative version {raw}")))
}

/// Decodes a row of [`muster_store::sql::INCIDENT_SELECT`].
pub(crate) fn incident(row: &PgRow) -> Result<muster_core::Incident, StoreError> {
    sql::decode_incident(&Row(row))
}

/// A row lent to muster-store's shared decoders.
pub(crate) struct Row<'a>(pub(crate) &'a PgRow);

impl StoredRow for Row<'_> {
    fn text(&self, column: &str) -> Result<String, StoreError> {
        get(self.0, column)
    }
    fn optional_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        get(self.0, column)
    }
    fn integer(&self, column: &str) -> Result<i64, StoreError> {
        // Integer columns are BIGINT, except the catalog's small INTEGERs.
        get::<i64>(self.0, column).or_else(|_| get::<i32>(self.0, column).map(i64::from))
    }
    fn optional_integer(&self, column: &str) -> Result<Option<i64>, StoreError> {
        get(self.0, column)
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        get(self.0, column)
    }
    fn id(&self, column: &str) -> Result<Uuid, StoreError> {
        get::<Uuid>(self.0, column)
    }
    fn optional_id(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        get::<Option<Uuid>>(self.0, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_and_resource_failures_are_unavailable() {
        assert!(matches!(
            backend(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            backend(sqlx::Error::RowNotFound),
            StoreError::Backend(_)
        ));
        for code in ["08006", "53300", "57P01"] {
            assert!(unavailable_code(code), "{code}");
        }
        for code in ["23505", "40001", "42P01"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
