//! Heartbeats on SQLite: a beat is one upsert, a job of the group-commit
//! writer, so it is durable before the sender is answered.

use async_trait::async_trait;
use muster_core::{IntegrationId, Timestamp};
use muster_store::StoreError;
use muster_store::heartbeats::{Heartbeat, HeartbeatStore, decode_heartbeat, statements};

use crate::SqliteStore;
use crate::codec::{Row, backend, unique};

#[async_trait]
impl HeartbeatStore for SqliteStore {
    async fn record_heartbeat(
        &self,
        integration: IntegrationId,
        at: Timestamp,
    ) -> Result<Heartbeat, StoreError> {
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    let row = sqlx::query(statements::RECORD)
                        .bind(integration.to_string())
                        .bind(at.as_millisecond())
                        .fetch_one(&mut *c)
                        .await
                        .map_err(|e| unique(e, "integration", &integration.to_string()))?;
                    decode_heartbeat(&Row(&row))
                })
            })
            .await
    }

    async fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        let rows = sqlx::query(statements::ALL)
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_heartbeat(&Row(r))).collect()
    }
}
