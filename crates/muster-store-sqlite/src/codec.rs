//! Turning SQLite rows into domain values, with `Corrupt` instead of panics.

use muster_core::{IncidentId, IncidentNumber, Milestones, SeverityCode, Timestamp, User};
use muster_store::{StoreError, sql};
use sqlx::Row;
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

pub(crate) fn user(row: &SqliteRow) -> Result<User, StoreError> {
    let role: String = get(row, "role")?;
    Ok(User {
        id: id(row, "user_id")?,
        email: get(row, "email")?,
        name: get(row, "name")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
        created_at: instant(row, "created_at")?,
    })
}

/// Decodes a row of [`muster_store::sql::INCIDENT_SELECT`].
pub(crate) fn incident(row: &SqliteRow) -> Result<muster_core::Incident, StoreError> {
    let number: i64 = get(row, "number")?;
    let tags: Option<String> = get(row, "tags")?;
    let roles: Option<String> = get(row, "roles")?;
    let participants: Option<String> = get(row, "participants")?;
    let affected: Option<String> = get(row, "affected")?;
    let members = sql::unfold_members(
        tags.as_deref(),
        roles.as_deref(),
        participants.as_deref(),
        affected.as_deref(),
    )?;
    let mut at = [None; 6];
    for (slot, column) in at.iter_mut().zip(sql::MILESTONE_COLUMNS) {
        *slot = optional_instant(row, column)?;
    }
    Ok(muster_core::Incident {
        id: id::<IncidentId>(row, "incident_id")?,
        number: IncidentNumber(
            u64::try_from(number).map_err(|_| StoreError::Corrupt("negative number".into()))?,
        ),
        title: get(row, "title")?,
        description: get(row, "description")?,
        impact: get(row, "impact")?,
        severity: SeverityCode::new(get::<String>(row, "severity")?),
        drill: get(row, "drill")?,
        private: get(row, "private")?,
        declared_by: id(row, "declared_by")?,
        tags: members.tags,
        milestones: Milestones::from_instants(at)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        roles: members.roles,
        participants: members.participants,
        affected: members.affected,
        version: version(row)?,
        declared_at: instant(row, "declared_at")?,
        updated_at: instant(row, "updated_at")?,
    })
}
