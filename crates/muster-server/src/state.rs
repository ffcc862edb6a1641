//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use muster_app::App;
use muster_sinks::Sinks;

use crate::ratelimit::{IngestLimiter, LoginLimiter};

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: Option<PrometheusHandle>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Ingest throttling per integration key.
    pub ingest_limiter: Arc<IngestLimiter>,
    /// Whether cookies get the `Secure` flag (set when served over HTTPS).
    pub secure_cookies: bool,
    /// The notification sinks, for their health on the API.
    pub sinks: Option<Arc<Sinks>>,
}

impl AppState {
    pub fn new(app: App, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            app,
            metrics,
            login_limiter: Arc::new(LoginLimiter::new()),
            ingest_limiter: Arc::new(IngestLimiter::default()),
            secure_cookies: false,
            sinks: None,
        }
    }
}
