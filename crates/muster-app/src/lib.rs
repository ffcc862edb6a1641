//! Use cases: each loads what it needs from the [`Store`], lets `muster-core`
//! decide, and commits the decision with its timeline in one transaction.
//! Authorization happens here, against an [`Actor`], before anything is written.

pub mod accounts;
pub mod alerts;
pub mod attach;
pub mod catalog;
pub mod changes;
pub mod clock;
mod declare;
mod directory;
pub mod dispatch;
pub mod error;
mod explain;
mod follow_ups;
pub mod heartbeats;
pub mod incidents;
mod integration_cache;
pub mod integration_config;
mod integrations;
pub mod links;
pub mod oncall;
pub mod paging;
pub mod plan;
pub mod plan_integrations;
pub mod routes;
pub mod routing;
pub mod runbook_steps;
pub mod scenarios;
pub mod secrets;
pub mod settings;
pub mod silences;
pub mod stakeholder_updates;
pub mod status_page;
mod step_actions;
mod token_cache;
mod update_messages;
pub mod users;
pub mod whats_next;

use std::sync::Arc;

pub use clock::{Clock, FakeClock, SystemClock};
pub use error::AppError;
pub use settings::{Settings, StatusPageSettings};

use muster_store::Store;

/// The application: a store, a clock and the configured rules.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    tokens: Arc<token_cache::TokenCache>,
    /// Wakes this node's engine when work becomes due now.
    wake: Arc<tokio::sync::Notify>,
    book: Arc<oncall::BookCache>,
    link_key: Arc<std::sync::OnceLock<Vec<u8>>>,
    /// The key status-page unsubscribe links are made with.
    unsubscribe_key: Arc<std::sync::OnceLock<Vec<u8>>>,
    routing: Arc<routing::ContextCache>,
    /// Wakes this node's alert routing when alerts arrive or change.
    alerts_arrived: Arc<tokio::sync::Notify>,
    known_integrations: Arc<integration_cache::IntegrationCache>,
    /// Wakes this node's heartbeat check when a beat arrives.
    beats_arrived: Arc<tokio::sync::Notify>,
    /// Wakes this node's runbook steps when an incident with runbooks is
    /// declared or changes.
    steps_due: Arc<tokio::sync::Notify>,
    /// Wakes this node's public status page when something on it changed.
    status_changed: Arc<tokio::sync::Notify>,
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
            wake: Arc::default(),
            book: Arc::default(),
            link_key: Arc::default(),
            unsubscribe_key: Arc::default(),
            routing: Arc::default(),
            alerts_arrived: Arc::default(),
            known_integrations: Arc::default(),
            beats_arrived: Arc::default(),
            steps_due: Arc::default(),
            status_changed: Arc::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(self.store.ping().await?)
    }

    /// Now, by the application's clock (a `FakeClock` in tests).
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }
}
