//! Silences on PostgreSQL.

use async_trait::async_trait;
use muster_core::{SilenceId, Timestamp};
use muster_store::StoreError;
use muster_store::silences::{
    SilenceStore, StoredSilence, decode_silence, encode_matchers, encode_recurrence, statements,
};

use crate::PostgresStore;
use crate::codec::{Row, backend, unique};

#[async_trait]
impl SilenceStore for PostgresStore {
    async fn insert_silence(&self, s: &StoredSilence) -> Result<(), StoreError> {
        sqlx::query(statements::INSERT)
            .bind(s.silence.id.as_uuid())
            .bind(encode_matchers(&s.silence.matchers))
            .bind(s.silence.starts_at.as_millisecond())
            .bind(s.silence.ends_at.as_millisecond())
            .bind(s.silence.recurrence.as_ref().map(encode_recurrence))
            .bind(&s.silence.comment)
            .bind(s.created_by.as_uuid())
            .bind(s.created_at.as_millisecond())
            .execute(&self.pool)
            .await
            .map_err(|e| unique(e, "id", &s.silence.id.to_string()))?;
        Ok(())
    }

    async fn silences(&self, now: Option<Timestamp>) -> Result<Vec<StoredSilence>, StoreError> {
        let rows = match now {
            Some(now) => sqlx::query(statements::CURRENT).bind(now.as_millisecond()),
            None => sqlx::query(statements::ALL),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| decode_silence(&Row(r))).collect()
    }

    async fn find_silence(&self, id: SilenceId) -> Result<Option<StoredSilence>, StoreError> {
        let row = sqlx::query(statements::FIND)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| decode_silence(&Row(&r))).transpose()
    }

    async fn expire_silence(&self, id: SilenceId, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let ended = sqlx::query(statements::EXPIRE)
            .bind(id.as_uuid())
            .bind(now.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if ended == 0 {
            return Ok(false);
        }
        sqlx::query(statements::RELEASE_ALERTS)
            .bind(id.as_uuid())
            .bind(now.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }
}
