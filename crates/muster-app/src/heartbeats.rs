//! Heartbeats: a job (a backup, a cron, a batch) beats through its
//! integration's endpoint; the engine checks every heartbeat integration
//! and, when one missed its beat, raises one alert through the same path
//! as any source's signal (so routing pages the integration's owners), and
//! resolves it once a beat comes again.

use std::collections::HashMap;

use muster_core::alert::heartbeat::{self, HeartbeatCheck};
use muster_core::alert::{AlertChange, Received};
use muster_core::{Actor, IntegrationId, Permission};
use muster_store::alerts::{AlertFilter, Integration};
use muster_store::heartbeats::Heartbeat;

use crate::accounts::require;
use crate::alerts::IngestError;
use crate::integration_config::IntegrationConfig;
use crate::{App, AppError};

/// What one check of every heartbeat did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeartbeatReport {
    /// Heartbeat integrations looked at.
    pub checked: usize,
    /// Missed beats raised as alerts.
    pub raised: usize,
    /// Alerts resolved by a beat.
    pub resolved: usize,
}

impl App {
    /// Records a beat of the heartbeat integration whose key is `key`, and
    /// wakes this node's check (which resolves the alert a missed beat
    /// raised).
    pub async fn record_heartbeat(
        &self,
        key: &str,
    ) -> Result<(Integration, Heartbeat), IngestError> {
        let integration = self.integration_for("heartbeat", key).await?;
        let beat = self
            .store
            .record_heartbeat(integration.id, self.now())
            .await
            .map_err(AppError::from)?;
        self.beats_arrived.notify_one();
        Ok((integration, beat))
    }

    /// Wakes the engine's heartbeat check when a beat arrives.
    pub fn heartbeat_wakeups(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.beats_arrived.clone()
    }

    /// The beats of each integration that has had one.
    pub async fn heartbeats(
        &self,
        actor: &Actor,
    ) -> Result<HashMap<IntegrationId, Heartbeat>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        self.beats_by_integration().await
    }

    async fn beats_by_integration(&self) -> Result<HashMap<IntegrationId, Heartbeat>, AppError> {
        Ok(self
            .store
            .heartbeats()
            .await?
            .into_iter()
            .map(|h| (h.integration, h))
            .collect())
    }

    /// Checks every heartbeat integration now: raises an alert for each that
    /// missed its beat (once per silence) and resolves the alert of each
    /// that beat again. Level-triggered: it reads the beats and the alerts
    /// each time, so running it twice, or on two nodes, raises one alert
    /// (the dedup key makes the second a repeat).
    pub async fn check_heartbeats(&self) -> Result<HeartbeatReport, AppError> {
        let integrations: Vec<Integration> = self
            .store
            .integrations()
            .await?
            .into_iter()
            // A retired heartbeat is silent by design: nothing is raised.
            .filter(|i| i.kind == "heartbeat" && i.retired_at.is_none())
            .collect();
        let mut report = HeartbeatReport::default();
        if integrations.is_empty() {
            return Ok(report);
        }
        let beats = self.beats_by_integration().await?;
        for integration in integrations {
            let Some(rule) = IntegrationConfig::of(&integration)?.heartbeat_rule() else {
                tracing::warn!(integration = %integration.name, "a heartbeat integration without an interval is not checked");
                continue;
            };
            report.checked += 1;
            let key = heartbeat::dedup_key(&integration.name);
            // The integration makes alerts under this one key only; a few
            // newest are plenty to find the latest.
            let latest = self
                .store
                .alerts(&AlertFilter {
                    statuses: Vec::new(),
                    integration: Some(integration.id),
                    after: None,
                    limit: 5,
                })
                .await?
                .into_iter()
                .filter(|a| a.dedup_key == key)
                .max_by_key(|a| (a.first_seen, a.id));
            let now = self.now();
            let found = heartbeat::check(
                &integration.name,
                &rule,
                integration.created_at,
                beats.get(&integration.id).map(|b| b.last_beat_at),
                latest.as_ref(),
                now,
            );
            let signal = match found {
                HeartbeatCheck::AsExpected => continue,
                HeartbeatCheck::Missed(signal) | HeartbeatCheck::Back(signal) => signal,
            };
            let name = integration.name.clone();
            let ingested = self
                .store_signals(integration, vec![signal])
                .await
                .map_err(|e| match e {
                    IngestError::App(app) => app,
                    other => AppError::Internal(format!("a heartbeat signal was refused: {other}")),
                })?;
            // Another node may have acted first: then this was a repeat,
            // or a resolve of nothing, and is not counted.
            for received in &ingested.received {
                match received {
                    Received::Opened(_) => {
                        report.raised += 1;
                        tracing::warn!(integration = %name, "heartbeat missed; alert raised");
                    }
                    Received::Updated {
                        change: AlertChange::Resolved,
                        ..
                    } => {
                        report.resolved += 1;
                        tracing::info!(integration = %name, "heartbeat back; alert resolved");
                    }
                    Received::Updated { .. } | Received::Ignored(_) => {}
                }
            }
        }
        Ok(report)
    }
}
