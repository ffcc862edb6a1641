//! User profiles on PostgreSQL: reading users with their contact methods, and
//! the writes that change a profile or deactivate an account.

use muster_core::{Timestamp, User, UserId};
use muster_store::{COUNT_ACTIVE_ADMINS, StoreError, contacts_join, decode_users, user_columns};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::PostgresStore;
use crate::codec::{Row, backend, get, unique};

pub(crate) const USER_BY_ID: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    "WHERE u.user_id = $1 ORDER BY c.position"
);

pub(crate) const ALL_USERS: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    r#"ORDER BY u.email COLLATE "C", c.position"#
);

pub(crate) const CREDENTIALS_BY_EMAIL: &str = concat!(
    "SELECT u.password_hash, ",
    user_columns!(),
    " FROM users u",
    contacts_join!(),
    "WHERE u.email = $1 ORDER BY c.position"
);

pub(crate) const TOKEN_BY_DIGEST: &str = concat!(
    "SELECT t.token_id, t.name AS token_name, t.created_at AS token_created_at, t.revoked_at, ",
    user_columns!(),
    " FROM api_tokens t JOIN users u ON u.user_id = t.user_id",
    contacts_join!(),
    "WHERE t.digest = $1 AND t.revoked_at IS NULL ORDER BY c.position"
);

pub(crate) const SESSION_BY_DIGEST: &str = concat!(
    "SELECT s.csrf_token, s.created_at AS session_created_at, s.expires_at, ",
    user_columns!(),
    " FROM sessions s JOIN users u ON u.user_id = s.user_id",
    contacts_join!(),
    "WHERE s.digest = $1 AND s.expires_at > $2 ORDER BY c.position"
);

/// The users in `rows` (see [`muster_store::decode_users`]).
pub(crate) fn users(rows: &[PgRow]) -> Result<Vec<User>, StoreError> {
    let lent: Vec<Row<'_>> = rows.iter().map(Row).collect();
    decode_users(&lent)
}

/// The one user of `rows`, if any; rows of several users are a bug.
pub(crate) fn one_user(rows: &[PgRow]) -> Result<Option<User>, StoreError> {
    let mut found = users(rows)?;
    match found.len() {
        0 | 1 => Ok(found.pop()),
        n => Err(StoreError::Corrupt(format!("expected one user, got {n}"))),
    }
}

pub(crate) async fn insert_user(
    c: &mut PgConnection,
    user: &User,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (user_id, email, name, role, password_hash, time_zone, created_at, deactivated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(user.id.as_uuid())
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

async fn write_contact_methods(c: &mut PgConnection, user: &User) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM user_contact_methods WHERE user_id = $1")
        .bind(user.id.as_uuid())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    if user.contact_methods.is_empty() {
        return Ok(());
    }
    let positions: Vec<i32> = (0..user.contact_methods.len())
        .map(|p| i32::try_from(p).unwrap_or(i32::MAX))
        .collect();
    let kinds: Vec<&str> = user
        .contact_methods
        .iter()
        .map(|m| m.kind.as_str())
        .collect();
    let addresses: Vec<&str> = user
        .contact_methods
        .iter()
        .map(|m| m.address.as_str())
        .collect();
    let labels: Vec<&str> = user
        .contact_methods
        .iter()
        .map(|m| m.label.as_str())
        .collect();
    sqlx::query(
        "INSERT INTO user_contact_methods (user_id, position, kind, address, label) \
         SELECT $1, m.position, m.kind, m.address, m.label \
         FROM UNNEST($2::int[], $3::text[], $4::text[], $5::text[]) AS m (position, kind, address, label)",
    )
    .bind(user.id.as_uuid())
    .bind(positions)
    .bind(kinds)
    .bind(addresses)
    .bind(labels)
    .execute(&mut *c)
    .await
    .map_err(|e| unique(e, "contact_methods", "(kind, address)"))?;
    Ok(())
}

/// Locks every active admin's row, then says whether `id` is one of them;
/// `Missing` if there is no such user.
///
/// Two admins demoting each other at once would each see the other still
/// active and both commit, leaving none. Taking these row locks first makes
/// the later transaction wait; under READ COMMITTED its count afterwards then
/// sees the earlier one's change.
async fn lock_admins(c: &mut PgConnection, id: UserId) -> Result<bool, StoreError> {
    let admins: Vec<uuid::Uuid> = sqlx::query_scalar(
        // Always in id order, so two such transactions never wait on each other crosswise.
        "SELECT user_id FROM users WHERE role = 'admin' AND deactivated_at IS NULL \
         ORDER BY user_id FOR UPDATE",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(backend)?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM users WHERE user_id = $1")
        .bind(id.as_uuid())
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?;
    if exists.is_none() {
        return Err(StoreError::Missing { entity: "user" });
    }
    Ok(admins.contains(&id.as_uuid()))
}

/// Refuses (and so rolls back) a write that took away the last active admin.
async fn keep_an_admin(c: &mut PgConnection, was_admin: bool) -> Result<(), StoreError> {
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

impl PostgresStore {
    pub(crate) async fn write_profile(
        &self,
        user: &User,
        expected: &User,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let was_admin = lock_admins(&mut tx, user.id).await?;
        let done = sqlx::query(
            "UPDATE users SET email = $1, name = $2, role = $3, time_zone = $4 \
             WHERE user_id = $5 AND email = $6 AND name = $7 AND role = $8 AND time_zone = $9",
        )
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.time_zone)
        .bind(user.id.as_uuid())
        .bind(&expected.email)
        .bind(&expected.name)
        .bind(expected.role.as_str())
        .bind(&expected.time_zone)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique(e, "email", &user.email))?;
        if done.rows_affected() == 0 {
            return Err(changed_meanwhile());
        }
        write_contact_methods(&mut tx, user).await?;
        keep_an_admin(&mut tx, was_admin).await?;
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn write_deactivation(
        &self,
        id: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let was_admin = lock_admins(&mut tx, id).await?;
        let done = sqlx::query(
            "UPDATE users SET deactivated_at = $1 WHERE user_id = $2 AND deactivated_at IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        keep_an_admin(&mut tx, was_admin).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }
}

/// The password hash column of a [`CREDENTIALS_BY_EMAIL`] row.
pub(crate) fn password_hash(rows: &[PgRow]) -> Result<Option<String>, StoreError> {
    Ok(rows
        .first()
        .map(|row| get::<Option<String>>(row, "password_hash"))
        .transpose()?
        .flatten())
}

/// The profile row no longer holds what the caller read: someone changed it.
fn changed_meanwhile() -> StoreError {
    StoreError::VersionConflict {
        entity: "user",
        expected: 0,
        actual: 0,
    }
}
