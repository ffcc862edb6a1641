//! User profiles on SQLite: reading users with their contact methods, and the
//! writes that change a profile or deactivate an account.

use muster_core::{Timestamp, User, UserId};
use muster_store::{COUNT_ACTIVE_ADMINS, StoreError, contacts_join, decode_users, user_columns};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::codec::{Row, backend, get, unique};

pub(crate) const USER_BY_ID: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    "WHERE u.user_id = ?1 ORDER BY c.position"
);

pub(crate) const ALL_USERS: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    "ORDER BY u.email, c.position"
);

pub(crate) const CREDENTIALS_BY_EMAIL: &str = concat!(
    "SELECT u.password_hash, ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    "WHERE u.email = ?1 ORDER BY c.position"
);

pub(crate) const TOKEN_BY_DIGEST: &str = concat!(
    "SELECT t.token_id, t.name AS token_name, t.created_at AS token_created_at, t.revoked_at, ",
    user_columns!(),
    " FROM api_tokens t JOIN users u ON u.user_id = t.user_id",
    contacts_join!(),
    "WHERE t.digest = ?1 AND t.revoked_at IS NULL ORDER BY c.position"
);

pub(crate) const SESSION_BY_DIGEST: &str = concat!(
    "SELECT s.csrf_token, s.created_at AS session_created_at, s.expires_at, ",
    user_columns!(),
    " FROM sessions s JOIN users u ON u.user_id = s.user_id",
    contacts_join!(),
    "WHERE s.digest = ?1 AND s.expires_at > ?2 ORDER BY c.position"
);

/// The users in `rows` (see [`muster_store::decode_users`]).
pub(crate) fn users(rows: &[SqliteRow]) -> Result<Vec<User>, StoreError> {
    let lent: Vec<Row<'_>> = rows.iter().map(Row).collect();
    decode_users(&lent)
}

/// The one user of `rows`, if any; rows of several users are a bug.
pub(crate) fn one_user(rows: &[SqliteRow]) -> Result<Option<User>, StoreError> {
    let mut found = users(rows)?;
    match found.len() {
        0 | 1 => Ok(found.pop()),
        n => Err(StoreError::Corrupt(format!("expected one user, got {n}"))),
    }
}

pub(crate) async fn insert_user(
    c: &mut SqliteConnection,
    user: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (user_id, email, name, role, password_hash, time_zone, created_at, deactivated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(user.id.to_string())
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(password_hash)
    .bind(&user.time_zone)
    .bind(user.created_at.as_millisecond())
    .bind(user.deactivated_at.map(|at| at.as_millisecond()))
    .execute(&mut *c)
    .await
    .map_err(|e| unique(e, "email", &user.email))?;
    write_contact_methods(c, user).await
}

async fn write_contact_methods(c: &mut SqliteConnection, user: &User) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_contact_methods WHERE user_id = ?1")
        .bind(user.id.to_string())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    for (position, method) in user.contact_methods.iter().enumerate() {
        sqlx::query(
            "INSERT INTO user_contact_methods (user_id, position, kind, address, label) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(user.id.to_string())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(method.kind.as_str())
        .bind(&method.address)
        .bind(&method.label)
        .execute(&mut *c)
        .await
        .map_err(|e| unique(e, "contact_methods", &method.address))?;
    }
    Ok(())
}

/// Whether the stored user is an active admin now; `Missing` if there is none.
async fn was_active_admin(c: &mut SqliteConnection, id: UserId) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT role, deactivated_at FROM users WHERE user_id = ?1")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
        .ok_or(StoreError::Missing { entity: "user" })?;
    let role: String = get(&row, "role")?;
    let deactivated: Option<i64> = get(&row, "deactivated_at")?;
    Ok(role == "admin" && deactivated.is_none())
}

/// Refuses (and so rolls back) a write that took away the last active admin.
/// The single writer runs jobs one at a time, so the count cannot race.
async fn keep_an_admin(c: &mut SqliteConnection, was_admin: bool) -> Result<(), StoreError> {
    if !was_admin {
        return Ok(());
    }
    let admins: i64 = sqlx::query_scalar(COUNT_ACTIVE_ADMINS)
        .fetch_one(&mut *c)
        .await
        .map_err(backend)?;
    if admins == 0 {
        return Err(StoreError::LastAdmin);
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn write_profile(
        &self,
        user: &User,
        expected: &User,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let expected = expected.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let was_admin = was_active_admin(c, user.id).await?;
                    let done = sqlx::query(
                        "UPDATE users SET email = ?1, name = ?2, role = ?3, time_zone = ?4 \
                         WHERE user_id = ?5 AND email = ?6 AND name = ?7 AND role = ?8 \
                         AND time_zone = ?9",
                    )
                    .bind(&user.email)
                    .bind(&user.name)
                    .bind(user.role.as_str())
                    .bind(&user.time_zone)
                    .bind(user.id.to_string())
                    .bind(&expected.email)
                    .bind(&expected.name)
                    .bind(expected.role.as_str())
                    .bind(&expected.time_zone)
                    .execute(&mut *c)
                    .await
                    .map_err(|e| unique(e, "email", &user.email))?;
                    if done.rows_affected() == 0 {
                        return Err(changed_meanwhile());
                    }
                    write_contact_methods(c, &user).await?;
                    keep_an_admin(c, was_admin).await
                })
            })
            .await
    }

    pub(crate) async fn write_deactivation(
        &self,
        id: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let was_admin = was_active_admin(c, id).await?;
                    let done = sqlx::query(
                        "UPDATE users SET deactivated_at = ?1 \
                         WHERE user_id = ?2 AND deactivated_at IS NULL",
                    )
                    .bind(now.as_millisecond())
                    .bind(id.to_string())
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    sqlx::query("DELETE FROM sessions WHERE user_id = ?1")
                        .bind(id.to_string())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                    keep_an_admin(c, was_admin).await?;
                    Ok(true)
                })
            })
            .await
    }
}

/// The profile row no longer holds what the caller read: someone changed it.
fn changed_meanwhile() -> StoreError {
    StoreError::VersionConflict {
        entity: "user",
        expected: 0,
        actual: 0,
    }
}
