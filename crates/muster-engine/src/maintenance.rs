//! The maintenance module: looks at the status page's windows that are due
//! (a reminder before one starts, its start, its end) and has each notice
//! published and sent once; a second node doing the same loses on the
//! window's version and sends nothing.

use tokio::sync::watch;

use crate::{Engine, EngineError};

impl Engine {
    /// Tells every maintenance notice due now; returns how many.
    pub async fn tell_maintenances(&self) -> Result<usize, EngineError> {
        Ok(self.app.tell_maintenances_due().await?)
    }

    pub(crate) async fn maintenance(self, mut stopped: watch::Receiver<bool>) {
        while !*stopped.borrow() {
            if let Err(error) = self.tell_maintenances().await {
                tracing::warn!(%error, "maintenance notices failed; retrying next cycle");
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.cycle) => {}
                _ = stopped.changed() => {}
            }
        }
    }
}
