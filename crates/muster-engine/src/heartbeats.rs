//! The heartbeat module: checks every heartbeat integration each cycle (and
//! at once when a beat arrives), raising an alert for a missed beat and
//! resolving it when beats come back. Level-triggered: the check re-reads
//! the beats and the alerts every time, so a restart or a second node
//! changes nothing, and the dedup key makes a second raise a repeat.

use muster_app::heartbeats::HeartbeatReport;
use tokio::sync::watch;

use crate::{Engine, EngineError};

impl Engine {
    /// Checks every heartbeat now. What it raises or resolves is stored
    /// through ingestion's path, which wakes routing: routing pages.
    pub async fn check_heartbeats(&self) -> Result<HeartbeatReport, EngineError> {
        Ok(self.app.check_heartbeats().await?)
    }

    pub(crate) async fn heartbeats(self, mut stopped: watch::Receiver<bool>) {
        let beats = self.app.heartbeat_wakeups();
        while !*stopped.borrow() {
            if let Err(error) = self.check_heartbeats().await {
                // A busy or restarting database is retried on the next cycle.
                tracing::warn!(%error, "heartbeat check failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.cycle) => {}
                () = beats.notified() => {}
                _ = stopped.changed() => {}
            }
        }
    }
}
