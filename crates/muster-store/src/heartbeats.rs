//! Storage port of heartbeats: the last beat of each heartbeat integration
//! and how many it has had. One row per integration, written by every beat;
//! the last beat never moves back, so a late delivery of an older beat (or
//! two nodes recording beats out of order) cannot make a job look quieter
//! than it is.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::IntegrationId;

use crate::StoreError;
use crate::row::StoredRow;

/// A heartbeat integration's beats so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub integration: IntegrationId,
    pub last_beat_at: Timestamp,
    pub beats: u64,
}

#[async_trait]
pub trait HeartbeatStore: Send + Sync {
    /// Records a beat of `integration` at `at`, durably, and answers the
    /// heartbeat as it now stands (its last beat is the later of the stored
    /// one and `at`).
    async fn record_heartbeat(
        &self,
        integration: IntegrationId,
        at: Timestamp,
    ) -> Result<Heartbeat, StoreError>;
    /// Every integration that has had a beat.
    async fn heartbeats(&self) -> Result<Vec<Heartbeat>, StoreError>;
}

/// Reads one row of [`statements::COLUMNS`].
pub fn decode_heartbeat(row: &dyn StoredRow) -> Result<Heartbeat, StoreError> {
    Ok(Heartbeat {
        integration: IntegrationId(row.id("integration_id")?),
        last_beat_at: row.instant("last_beat_at")?,
        beats: row.natural("beats")?,
    })
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const COLUMNS: &str = "integration_id, last_beat_at, beats";
    /// An upsert that keeps the later beat (`CASE`, which both databases
    /// have, rather than SQLite's `max` or PostgreSQL's `GREATEST`).
    pub const RECORD: &str = "INSERT INTO heartbeats (integration_id, last_beat_at, beats) \
        VALUES ($1, $2, 1) ON CONFLICT (integration_id) DO UPDATE SET \
        last_beat_at = CASE WHEN excluded.last_beat_at > heartbeats.last_beat_at \
        THEN excluded.last_beat_at ELSE heartbeats.last_beat_at END, \
        beats = heartbeats.beats + 1 \
        RETURNING integration_id, last_beat_at, beats";
    pub const ALL: &str =
        "SELECT integration_id, last_beat_at, beats FROM heartbeats ORDER BY integration_id";
}
