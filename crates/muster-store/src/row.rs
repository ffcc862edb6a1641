//! Reading stored rows the same way on every backend.

use muster_core::{ContactMethod, Timestamp, User, UserId};
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
    fn optional_id(&self, column: &str) -> Result<Option<Uuid>, StoreError>;

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

/// The columns [`decode_users`] reads: the user's own and, from a
/// `LEFT JOIN user_contact_methods c` (see [`contacts_join!`](crate::contacts_join)),
/// one contact method per row. A literal, so backends can `concat!` their own
/// clauses and keep a `&'static str`.
#[macro_export]
macro_rules! user_columns {
    () => {
        "u.user_id, u.email, u.name, u.role, u.time_zone, u.created_at, u.deactivated_at, \
c.kind AS contact_kind, c.address AS contact_address, c.label AS contact_label"
    };
}

/// Joins a user `u` to their contact methods `c`; order by `c.position` to keep theirs.
#[macro_export]
macro_rules! contacts_join {
    () => {
        " LEFT JOIN user_contact_methods c ON c.user_id = u.user_id "
    };
}

/// Counts the users who keep the installation administrable; a write that
/// demotes or deactivates an admin checks it is still above zero afterwards.
pub const COUNT_ACTIVE_ADMINS: &str =
    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL";

/// A user row without its contact methods (columns of [`user_columns!`](crate::user_columns)).
pub fn decode_user<R: StoredRow>(row: &R) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.id("user_id")?),
        email: row.text("email")?,
        name: row.text("name")?,
        role: row.text("role")?.parse().map_err(StoreError::Corrupt)?,
        time_zone: row.text("time_zone")?,
        contact_methods: Vec::new(),
        created_at: row.instant("created_at")?,
        deactivated_at: row.optional_instant("deactivated_at")?,
    })
}

fn decode_contact<R: StoredRow>(row: &R) -> Result<Option<ContactMethod>, StoreError> {
    let Some(kind) = row.optional_text("contact_kind")? else {
        return Ok(None);
    };
    Ok(Some(ContactMethod {
        kind: kind.parse().map_err(StoreError::Corrupt)?,
        address: row.text("contact_address")?,
        label: row.text("contact_label")?,
    }))
}

/// Users from rows of [`user_columns!`](crate::user_columns) joined to their
/// contact methods: one row per method (or one with none), each user's rows
/// adjacent and in `position` order.
pub fn decode_users<R: StoredRow>(rows: &[R]) -> Result<Vec<User>, StoreError> {
    let mut users: Vec<User> = Vec::new();
    for row in rows {
        let id = UserId(row.id("user_id")?);
        let user = match users.last_mut() {
            Some(last) if last.id == id => last,
            _ => {
                users.push(decode_user(row)?);
                users
                    .last_mut()
                    .ok_or_else(|| StoreError::Corrupt("a user vanished while decoding".into()))?
            }
        };
        if let Some(method) = decode_contact(row)? {
            user.contact_methods.push(method);
        }
    }
    Ok(users)
}
