//! Storage port of change events: what changed on a service (a deploy, a
//! configuration push), kept on the service's timeline.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::alert::AlertLink;
use muster_core::{IntegrationId, Slug};

use crate::StoreError;
use crate::alerts::{decode_links, encode_links};
use crate::row::StoredRow;

/// One change event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: uuid::Uuid,
    pub integration: IntegrationId,
    /// Where its integration is bound.
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    pub summary: String,
    pub source: String,
    pub happened_at: Timestamp,
    /// `custom_details` as JSON text (`{}` when none).
    pub details: String,
    pub links: Vec<AlertLink>,
    pub received_at: Timestamp,
}

/// Which changes to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    pub service: Option<Slug>,
    pub since: Option<Timestamp>,
    pub limit: u32,
}

#[async_trait]
pub trait ChangeStore: Send + Sync {
    async fn insert_change(&self, change: &Change) -> Result<(), StoreError>;
    async fn changes(&self, filter: &ChangeFilter) -> Result<Vec<Change>, StoreError>;
}

pub fn links_text(change: &Change) -> String {
    encode_links(&change.links)
}

fn slug(column: &str, raw: Option<String>) -> Result<Option<Slug>, StoreError> {
    raw.map(|s| Slug::parse(column, &s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// Reads one row of [`statements::COLUMNS`].
pub fn decode_change(row: &dyn StoredRow) -> Result<Change, StoreError> {
    Ok(Change {
        id: row.id("change_id")?,
        integration: IntegrationId(row.id("integration_id")?),
        service: slug("service", row.optional_text("service")?)?,
        team: slug("team", row.optional_text("team")?)?,
        summary: row.text("summary")?,
        source: row.text("source")?,
        happened_at: row.instant("happened_at")?,
        details: row.text("details")?,
        links: decode_links(&row.text("links")?)?,
        received_at: row.instant("received_at")?,
    })
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const COLUMNS: &str = "change_id, integration_id, service, team, summary, source, \
        happened_at, details, links, received_at";
    pub const INSERT: &str = "INSERT INTO changes (change_id, integration_id, service, team, \
        summary, source, happened_at, details, links, received_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    /// `$1`: a service or NULL for all; `$2`: since (ms); `$3`: limit.
    pub const LIST: &str = "SELECT change_id, integration_id, service, team, summary, source, \
        happened_at, details, links, received_at FROM changes \
        WHERE ($1 IS NULL OR service = $1) AND happened_at >= $2 \
        ORDER BY happened_at DESC, change_id DESC LIMIT $3";
}
