//! Silences on SQLite.

use async_trait::async_trait;
use muster_core::{SilenceId, Timestamp};
use muster_store::StoreError;
use muster_store::silences::{
    SilenceStore, StoredSilence, decode_silence, encode_matchers, encode_recurrence, statements,
};

use crate::SqliteStore;
use crate::codec::{Row, backend, unique};

#[async_trait]
impl SilenceStore for SqliteStore {
    async fn insert_silence(&self, s: &StoredSilence) -> Result<(), StoreError> {
        let s = s.clone();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    sqlx::query(statements::INSERT)
                        .bind(s.silence.id.to_string())
                        .bind(encode_matchers(&s.silence.matchers))
                        .bind(s.silence.starts_at.as_millisecond())
                        .bind(s.silence.ends_at.as_millisecond())
                        .bind(s.silence.recurrence.as_ref().map(encode_recurrence))
                        .bind(&s.silence.comment)
                        .bind(s.created_by.to_string())
                        .bind(s.created_at.as_millisecond())
                        .execute(&mut *c)
                        .await
                        .map_err(|e| unique(e, "id", &s.silence.id.to_string()))?;
                    Ok(())
                })
            })
            .await
    }

    async fn silences(&self, now: Option<Timestamp>) -> Result<Vec<StoredSilence>, StoreError> {
        let rows = match now {
            Some(now) => sqlx::query(statements::CURRENT).bind(now.as_millisecond()),
            None => sqlx::query(statements::ALL),
        }
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| decode_silence(&Row(r))).collect()
    }

    async fn find_silence(&self, id: SilenceId) -> Result<Option<StoredSilence>, StoreError> {
        let row = sqlx::query(statements::FIND)
            .bind(id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?;
        row.map(|r| decode_silence(&Row(&r))).transpose()
    }

    async fn expire_silence(&self, id: SilenceId, now: Timestamp) -> Result<bool, StoreError> {
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let ended = sqlx::query(statements::EXPIRE)
                        .bind(id.to_string())
                        .bind(now.as_millisecond())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?
                        .rows_affected();
                    if ended == 0 {
                        return Ok(false);
                    }
                    sqlx::query(statements::RELEASE_ALERTS)
                        .bind(id.to_string())
                        .bind(now.as_millisecond())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                    Ok(true)
                })
            })
            .await
    }
}
