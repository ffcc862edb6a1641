//! Use cases: each loads what it needs from the [`Store`], lets `muster-core`
//! decide, and commits the decision with its timeline in one transaction.
//! Authorization happens here, against an [`Actor`], before anything is written.

pub mod accounts;
pub mod catalog;
pub mod clock;
pub mod error;
pub mod incidents;
pub mod plan;
pub mod secrets;
pub mod settings;
mod token_cache;
pub mod users;

use std::sync::Arc;

pub use clock::{Clock, FakeClock, SystemClock};
pub use error::AppError;
pub use settings::Settings;

use muster_store::Store;

/// The application: a store, a clock and the configured rules.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    tokens: Arc<token_cache::TokenCache>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
            tokens: Arc::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}
