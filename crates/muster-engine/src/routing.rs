//! The alert routing module: routes pending alerts (new ones, status
//! changes, alerts whose silence lapsed) into pages, incidents and
//! messages, and brings each alert group's page and incident up to date
//! with its alerts. Level-triggered: what is pending is re-read from the
//! database every time, so a restart or a second node changes nothing.

use std::time::Duration;

use muster_app::routing::RoutingReport;
use tokio::sync::watch;

use crate::{Engine, EngineError};

/// Alerts routed per transaction: big enough to keep up with a storm, small
/// enough that ingest never waits long for the SQLite writer.
pub(crate) const BATCH: u32 = 200;
/// Groups followed up per pass.
const FOLLOW_UPS: u32 = 100;

impl Engine {
    /// Routes every pending alert and follows up every group that owes it.
    pub async fn route_alerts(&self) -> Result<RoutingReport, EngineError> {
        let mut total = RoutingReport::default();
        loop {
            let report = self.app.route_pending_alerts(BATCH).await?;
            total.routed += report.routed;
            total.pages += report.pages;
            total.incidents += report.incidents;
            total.messages += report.messages;
            // A page's deliveries come with its first firing (the app wakes
            // the escalation loop for it); only messages are outbox work
            // now, and one worker calls on the next when its batch is full.
            if report.messages > 0 {
                self.outbox.notify_one();
            }
            if report.routed < BATCH as usize {
                break;
            }
        }
        while self.app.follow_up_alert_groups(FOLLOW_UPS).await? == FOLLOW_UPS as usize {}
        Ok(total)
    }

    pub(crate) async fn routing(self, mut stopped: watch::Receiver<bool>) {
        let arrived = self.app.alert_wakeups();
        while !*stopped.borrow() {
            if let Err(error) = self.route_alerts().await {
                // A busy or restarting database is retried on the next cycle.
                tracing::warn!(%error, "alert routing cycle failed");
            }
            let pause = match self.app.next_routing_due().await {
                Ok(Some(due)) => Duration::try_from(due.duration_since(self.app.now()))
                    .unwrap_or(Duration::ZERO)
                    .min(self.config.cycle),
                Ok(None) => self.config.cycle,
                Err(error) => {
                    tracing::warn!(%error, "could not read when routing is due");
                    self.config.cycle
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = arrived.notified() => {}
                _ = stopped.changed() => {}
            }
        }
    }
}
