//! The runbook module: runs the due steps of attached runbooks. Woken when
//! an incident with runbooks is declared or changes, and by the earliest
//! step timer; every look re-reads the incident and its runs, and a run is
//! written under its unique key with what it did, so a restart or a second
//! node never runs a step twice and never skips one.

use std::time::Duration;

use muster_app::runbook_steps::StepsReport;
use tokio::sync::watch;

use crate::{Engine, EngineError};

/// Incidents looked at per pass.
const INCIDENTS_PER_PASS: u32 = 100;

impl Engine {
    /// Runs the steps due now, for at most one pass of incidents.
    pub async fn run_due_steps(&self) -> Result<StepsReport, EngineError> {
        Ok(self.app.run_due_steps(INCIDENTS_PER_PASS).await?)
    }

    /// How long until the earliest step timer (at most one cycle).
    async fn steps_pause(&self) -> Duration {
        match self.app.next_steps_due().await {
            Ok(Some(due)) => Duration::try_from(due.duration_since(self.app.now()))
                .unwrap_or(Duration::ZERO)
                .min(self.config.cycle),
            Ok(None) => self.config.cycle,
            Err(error) => {
                tracing::warn!(%error, "could not read when runbook steps are due");
                self.config.cycle
            }
        }
    }

    pub(crate) async fn runbooks(self, mut stopped: watch::Receiver<bool>) {
        let wakeups = self.app.step_wakeups();
        while !*stopped.borrow() {
            match self.run_due_steps().await {
                // A full pass may have left more due incidents behind.
                Ok(report) if report.incidents >= INCIDENTS_PER_PASS as usize => continue,
                Ok(_) => {}
                // A busy or restarting database is retried on the next cycle.
                Err(error) => tracing::warn!(%error, "runbook steps cycle failed"),
            }
            let pause = self.steps_pause().await;
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = wakeups.notified() => {}
                _ = stopped.changed() => {}
            }
        }
    }
}
