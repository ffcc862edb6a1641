//! Change events: what changed on a service (a deploy, a configuration
//! push), sent as PagerDuty change events and kept on the service's
//! timeline, so responders can ask "what changed before it broke?". They
//! page no one.

use muster_core::{Actor, Permission};
use muster_ingest::pagerduty;
use muster_store::changes::{Change, ChangeFilter};
use uuid::Uuid;

use crate::accounts::require;
use crate::alerts::IngestError;
use crate::{App, AppError};

impl App {
    /// A PagerDuty change event (`/v2/change/enqueue`); the routing key is a
    /// `pagerduty_events` integration's key, whose service the change is on.
    pub async fn ingest_pagerduty_change(&self, body: &[u8]) -> Result<Change, IngestError> {
        let event = pagerduty::parse_change(body).map_err(IngestError::PagerDuty)?;
        let integration = self
            .integration_for("pagerduty_events", &event.routing_key)
            .await?;
        let now = self.now();
        let change = Change {
            id: Uuid::now_v7(),
            integration: integration.id,
            service: integration.service.clone(),
            team: integration.team.clone(),
            summary: event.summary,
            source: event.source.unwrap_or_default(),
            happened_at: event.timestamp.unwrap_or(now),
            details: event
                .custom_details
                .map_or_else(|| "{}".to_owned(), |d| d.to_string()),
            links: event.links,
            received_at: now,
        };
        self.store
            .insert_change(&change)
            .await
            .map_err(AppError::from)?;
        tracing::info!(integration = %integration.name, summary = %change.summary, "change recorded");
        Ok(change)
    }

    /// Changes, newest first (on one service's timeline when filtered).
    pub async fn changes(
        &self,
        actor: &Actor,
        filter: &ChangeFilter,
    ) -> Result<Vec<Change>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.changes(filter).await?)
    }
}
