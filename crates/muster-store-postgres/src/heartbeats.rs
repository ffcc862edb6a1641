//! Heartbeats on PostgreSQL: a beat is one upsert in its own transaction.

use async_trait::async_trait;
use muster_core::{IntegrationId, Timestamp};
use muster_store::StoreError;
use muster_store::heartbeats::{Heartbeat, HeartbeatStore, decode_heartbeat, statements};

use crate::PostgresStore;
use crate::codec::{Row, backend, unique};

#[async_trait]
impl HeartbeatStore for PostgresStore {
    async fn record_heartbeat(
        &self,
        integration: IntegrationId,
        at: Timestamp,
    ) -> Result<Heartbeat, StoreError> {
        let row = sqlx::query(statements::RECORD)
            .bind(integration.as_uuid())
            .bind(at.as_millisecond())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| unique(e, "integration", &integration.to_string()))?;
        decode_heartbeat(&Row(&row))
    }

    async fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError> {
        let rows = sqlx::query(statements::ALL)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_heartbeat(&Row(r))).collect()
    }
}
