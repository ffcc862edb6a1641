//! Users, API tokens, sessions and the bootstrap secret on PostgreSQL.

use async_trait::async_trait;
use muster_core::{Timestamp, TokenId, User, UserId, UserRole};
use muster_store::{AccountStore, ApiToken, BootstrapOutcome, NewSession, Session, StoreError};
use sqlx::postgres::PgRow;

use crate::PostgresStore;
use crate::codec::{backend, get, id, instant, optional_instant, unique};
use crate::users;

fn token(row: &PgRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: id(row, "token_id")?,
        user_id: id(row, "user_id")?,
        name: get(row, "name")?,
        created_at: instant(row, "created_at")?,
        revoked_at: optional_instant(row, "revoked_at")?,
    })
}

#[async_trait]
impl AccountStore for PostgresStore {
    async fn insert_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        users::insert_user(&mut tx, user, password_hash).await?;
        tx.commit().await.map_err(backend)
    }

    async fn find_user(&self, user_id: UserId) -> Result<Option<User>, StoreError> {
        let rows = sqlx::query(users::USER_BY_ID)
            .bind(user_id.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        users::one_user(&rows)
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self.find_credentials(email).await?.map(|(user, _)| user))
    }

    async fn find_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(User, Option<String>)>, StoreError> {
        let rows = sqlx::query(users::CREDENTIALS_BY_EMAIL)
            .bind(email)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let Some(user) = users::one_user(&rows)? else {
            return Ok(None);
        };
        Ok(Some((user, users::password_hash(&rows)?)))
    }

    async fn set_password_hash(&self, user_id: UserId, hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE user_id = $2")
            .bind(hash)
            .bind(user_id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Missing { entity: "user" });
        }
        tx.commit().await.map_err(backend)
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(users::ALL_USERS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        users::users(&rows)
    }

    async fn update_user_profile(&self, user: &User, expected: &User) -> Result<(), StoreError> {
        self.write_profile(user, expected).await
    }

    async fn deactivate_user(&self, user_id: UserId, now: Timestamp) -> Result<bool, StoreError> {
        self.write_deactivation(user_id, now).await
    }

    async fn count_users(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn put_bootstrap_digest(
        &self,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO bootstrap_secrets (singleton, digest, created_at) VALUES (1, $1, $2) \
             ON CONFLICT (singleton) DO UPDATE SET digest = excluded.digest, created_at = excluded.created_at",
        )
        .bind(digest.as_slice())
        .bind(now.as_millisecond())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn consume_bootstrap(
        &self,
        digest: &[u8; 32],
        admin: &User,
        password_hash: &str,
    ) -> Result<BootstrapOutcome, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        // Unlike SQLite's single writer, PostgreSQL runs bootstraps side by side.
        // Locking the secret's row first makes a concurrent attempt wait for this
        // one to commit; under READ COMMITTED its later statements then see the
        // admin created here (AlreadyDone) and the secret gone.
        let stored: Option<Vec<u8>> = sqlx::query_scalar(
            "SELECT digest FROM bootstrap_secrets WHERE singleton = 1 FOR UPDATE",
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        if existing > 0 {
            return Ok(BootstrapOutcome::AlreadyDone);
        }
        if stored.as_deref() != Some(digest.as_slice()) {
            return Ok(BootstrapOutcome::InvalidSecret);
        }
        sqlx::query("DELETE FROM bootstrap_secrets WHERE singleton = 1")
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        let admin = User {
            role: UserRole::Admin,
            ..admin.clone()
        };
        users::insert_user(&mut tx, &admin, Some(password_hash)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(BootstrapOutcome::Created)
    }

    async fn insert_api_token(
        &self,
        api_token: &ApiToken,
        digest: &[u8; 32],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO api_tokens (token_id, user_id, name, digest, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(api_token.id.as_uuid())
        .bind(api_token.user_id.as_uuid())
        .bind(&api_token.name)
        .bind(digest.as_slice())
        .bind(api_token.created_at.as_millisecond())
        .execute(&mut *tx)
        .await
        .map_err(|e| unique(e, "token", "digest"))?;
        tx.commit().await.map_err(backend)
    }

    async fn find_api_token(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<(ApiToken, User)>, StoreError> {
        let rows = sqlx::query(users::TOKEN_BY_DIGEST)
            .bind(digest.as_slice())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let (Some(row), Some(owner)) = (rows.first(), users::one_user(&rows)?) else {
            return Ok(None);
        };
        let api_token = ApiToken {
            id: id(row, "token_id")?,
            user_id: owner.id,
            name: get(row, "token_name")?,
            created_at: instant(row, "token_created_at")?,
            revoked_at: optional_instant(row, "revoked_at")?,
        };
        Ok(Some((api_token, owner)))
    }

    async fn list_api_tokens(&self, owner: Option<UserId>) -> Result<Vec<ApiToken>, StoreError> {
        sqlx::query(
            "SELECT token_id, user_id, name, created_at, revoked_at FROM api_tokens \
             WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY created_at, token_id",
        )
        .bind(owner.map(|o| o.as_uuid()))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?
        .iter()
        .map(token)
        .collect()
    }

    async fn find_api_token_by_id(
        &self,
        token_id: TokenId,
    ) -> Result<Option<ApiToken>, StoreError> {
        sqlx::query("SELECT token_id, user_id, name, created_at, revoked_at FROM api_tokens WHERE token_id = $1")
            .bind(token_id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .as_ref()
            .map(token)
            .transpose()
    }

    async fn revoke_api_token(
        &self,
        token_id: TokenId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL",
        )
        .bind(now.as_millisecond())
        .bind(token_id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_session(&self, session: &NewSession) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO sessions (digest, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.digest.as_slice())
        .bind(session.user_id.as_uuid())
        .bind(&session.csrf_token)
        .bind(session.created_at.as_millisecond())
        .bind(session.expires_at.as_millisecond())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        // Expired sessions are swept as new ones arrive; no timer needed.
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(session.created_at.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn find_session(
        &self,
        digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<(Session, User)>, StoreError> {
        let rows = sqlx::query(users::SESSION_BY_DIGEST)
            .bind(digest.as_slice())
            .bind(now.as_millisecond())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let (Some(row), Some(owner)) = (rows.first(), users::one_user(&rows)?) else {
            return Ok(None);
        };
        let session = Session {
            user_id: owner.id,
            csrf_token: get(row, "csrf_token")?,
            created_at: instant(row, "session_created_at")?,
            expires_at: instant(row, "expires_at")?,
        };
        Ok(Some((session, owner)))
    }

    async fn delete_session(&self, digest: &[u8; 32]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query("DELETE FROM sessions WHERE digest = $1")
            .bind(digest.as_slice())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }
}
