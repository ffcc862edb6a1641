//! Reading stored rows the same way on every backend.

use muster_core::{Timestamp, UserId};
use uuid::Uuid;

use crate::StoreError;

/// Read access to one stored row by column name. Each backend lends its rows
/// through this, so that decoding into domain values is written once.
pub trait StoredRow {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn optional_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn integer(&self, column: &str) -> Result<i64, StoreError>;
    fn optional_integer(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
    fn id(&self, column: &str) -> Result<Uuid, StoreError>;

    /// An instant stored as epoch milliseconds.
    fn instant(&self, column: &str) -> Result<Timestamp, StoreError> {
        millis(self.integer(column)?)
    }

    fn optional_instant(&self, column: &str) -> Result<Option<Timestamp>, StoreError> {
        self.optional_integer(column)?.map(millis).transpose()
    }

    /// A count or version, which can never be negative.
    fn natural(&self, column: &str) -> Result<u64, StoreError> {
        let raw = self.integer(column)?;
        u64::try_from(raw).map_err(|_| StoreError::Corrupt(format!("{column} is negative: {raw}")))
    }
}

pub(crate) fn millis(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| StoreError::Corrupt(format!("instant {ms} out of range")))
}

/// A user row (`user_id, email, name, role, created_at`).
pub fn decode_user<R: StoredRow>(row: &R) -> Result<muster_core::User, StoreError> {
    Ok(muster_core::User {
        id: UserId(row.id("user_id")?),
        email: row.text("email")?,
        name: row.text("name")?,
        role: row.text("role")?.parse().map_err(StoreError::Corrupt)?,
        created_at: row.instant("created_at")?,
    })
}
