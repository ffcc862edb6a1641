//! `TestApp`: the real server, bound to 127.0.0.1:0 before it is spawned, on a
//! fresh SQLite file — or on a fresh PostgreSQL database when
//! `MUSTER_TEST_POSTGRES_URL` is set.

use std::net::SocketAddr;
use std::sync::Arc;

use muster_app::alerts::NewIntegration;
use muster_app::{App, Clock, Settings, SystemClock};
use muster_core::alert::Alert;
use muster_core::catalog::{Lifecycle, Service, Team};
use muster_core::{Actor, Slug, UserRole};
use muster_engine::{Engine, EngineConfig};
use muster_server::AppState;
use muster_sinks::{SinkConfig, Sinks};
use muster_store::Store;
use muster_store::alerts::AlertFilter;
use tokio::sync::oneshot;

pub mod peers;
pub mod prometheus;

/// How a test wants its server.
pub struct TestOptions {
    /// The clock the application reads (a `FakeClock` to move time).
    pub clock: Arc<dyn Clock>,
    /// Severities, channels, … `public_url` is replaced by the bound
    /// address unless `keep_public_url`.
    pub settings: Settings,
    pub keep_public_url: bool,
    /// The notification sinks the engine sends through.
    pub sinks: SinkConfig,
    /// Run the engine in the background (real time), or leave it to the
    /// test to drive with [`TestApp::engine`] (`run_cycle_once`).
    pub background_engine: bool,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            settings: Settings::default(),
            keep_public_url: false,
            sinks: SinkConfig::default(),
            background_engine: false,
        }
    }
}

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Whether every optional outside program must be present (CI), so that a
/// skip becomes a failure.
pub fn require_all() -> bool {
    std::env::var("MUSTER_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Prints why a test is skipped, or fails it when CI requires everything.
pub fn skip(reason: &str) {
    assert!(!require_all(), "MUSTER_TEST_REQUIRE_ALL=1 but {reason}");
    eprintln!("skipping: {reason}");
}

/// The PostgreSQL server tests may use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("MUSTER_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The metrics recorder is process-global: install it once for every TestApp.
fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
                .install_recorder()
                .expect("install the metrics recorder");
            muster_server::ops::describe_metrics();
            handle
        })
        .clone()
}

enum Guard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(#[allow(dead_code)] muster_store_postgres::testing::Guard),
}

/// A running server and direct access to its application, for set-up.
pub struct TestApp {
    pub address: SocketAddr,
    /// The public status page's own listener.
    pub status_address: SocketAddr,
    pub status_site: muster_server::status_site::StatusSite,
    pub app: App,
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    /// This server's engine (running in the background if asked for).
    pub engine: Engine,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    engine_stop: Option<oneshot::Sender<()>>,
    _guard: Guard,
}

impl TestApp {
    /// A server on a fresh SQLite file.
    pub async fn sqlite() -> Self {
        Self::sqlite_with(TestOptions::default()).await
    }

    pub async fn sqlite_with(options: TestOptions) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = muster_store_sqlite::SqliteStore::open(dir.path().join("muster.db"))
            .await
            .expect("open sqlite store");
        Self::start(
            Arc::new(store),
            Backend::Sqlite,
            Guard::Sqlite(dir),
            options,
        )
        .await
    }

    /// A server on a fresh PostgreSQL database, or `None` (with a note) when
    /// `MUSTER_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<Self> {
        Self::postgres_with(TestOptions::default()).await
    }

    pub async fn postgres_with(options: TestOptions) -> Option<Self> {
        let Some(base) = postgres_url() else {
            skip("MUSTER_TEST_POSTGRES_URL is not set");
            return None;
        };
        let (url, guard) = muster_store_postgres::testing::fresh_database(&base).await;
        let store = muster_store_postgres::PostgresStore::connect(&url)
            .await
            .expect("connect to the fresh PostgreSQL database");
        Some(
            Self::start(
                Arc::new(store),
                Backend::Postgres,
                Guard::Postgres(guard),
                options,
            )
            .await,
        )
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured.
    pub async fn each() -> Vec<Self> {
        Self::each_with(TestOptions::default).await
    }

    /// Every backend, each with options from `options`.
    pub async fn each_with(options: impl Fn() -> TestOptions) -> Vec<Self> {
        let mut apps = vec![Self::sqlite_with(options()).await];
        if let Some(postgres) = Self::postgres_with(options()).await {
            apps.push(postgres);
        }
        apps
    }

    async fn start(
        store: Arc<dyn Store>,
        backend: Backend,
        guard: Guard,
        options: TestOptions,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let status_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0 for the status page");
        let status_address = status_listener.local_addr().expect("local address");
        let mut settings = options.settings;
        if !options.keep_public_url {
            settings.public_url = format!("http://{address}");
            settings.status_page.public_url = format!("http://{status_address}");
            // Tests' webhook receivers listen on 127.0.0.1.
            settings.status_page.allow_private_webhooks = true;
        }
        let status_config = muster_status::PageConfig::new(
            &settings.status_page.name,
            &settings.status_page.public_url,
            None,
            "#0b6bcb",
            "UTC",
        )
        .expect("a valid status page configuration");
        let sinks = Arc::new(Sinks::build(&options.sinks).expect("valid sink settings"));
        settings.available_sinks = sinks.kinds().collect();
        let app = App::new(store.clone(), options.clock, settings);
        let engine = Engine::new(
            app.clone(),
            sinks.clone(),
            EngineConfig::new(format!("test-{}", address.port())),
        );
        let (shutdown, signal) = oneshot::channel::<()>();
        let mut state = AppState::new(app.clone(), Some(metrics_handle()));
        state.sinks = Some(sinks);
        let status_site = muster_server::status_site::StatusSite::new(app.clone(), status_config);
        let (status_shutdown, status_signal) = oneshot::channel::<()>();
        tokio::spawn(muster_server::status_site::serve(
            status_listener,
            status_site.clone(),
            async {
                let _ = status_signal.await;
            },
        ));
        let server = tokio::spawn(muster_server::serve(listener, state, async {
            let _ = signal.await;
            let _ = status_shutdown.send(());
        }));
        let engine_stop = if options.background_engine {
            let (stop, stopped) = oneshot::channel::<()>();
            let running = engine.clone();
            tokio::spawn(async move {
                if let Err(error) = running
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await
                {
                    eprintln!("test engine stopped: {error}");
                }
            });
            Some(stop)
        } else {
            None
        };
        Self {
            address,
            status_address,
            status_site,
            app,
            store,
            backend,
            engine,
            shutdown: Some(shutdown),
            server: Some(server),
            engine_stop,
            _guard: guard,
        }
    }

    /// A path on the public status listener.
    pub fn status_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.status_address)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Creates (or finds) a user with `role` and returns an API token for them.
    pub async fn token(&self, email: &str, role: UserRole) -> String {
        let (_, secret) = self
            .app
            .issue_admin_token(email, role, "test")
            .await
            .expect("issue a token");
        secret
    }

    /// One JSON call with a bearer token: the status and the body (`Null`
    /// when it is not JSON).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the request is answered");
        let status = response.status();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// A Storefront team owning a Checkout API service (`checkout-api`),
    /// and a new integration of `kind` (`alertmanager`, `pagerduty_events`,
    /// …) bound to that service: the integration's key. Calling it again
    /// with another kind reuses the team and the service.
    pub async fn checkout_integration(&self, kind: &str) -> String {
        let (admin, _) = self
            .app
            .issue_admin_token("ada@example.com", UserRole::Admin, "test")
            .await
            .expect("an admin");
        let admin = Actor {
            user_id: admin.id,
            role: UserRole::Admin,
        };
        let slug = |s: &str| Slug::parse("slug", s).expect("a valid slug");
        let team = Team {
            slug: slug("storefront"),
            name: "Storefront".into(),
            description: String::new(),
            contact_channel: String::new(),
            escalation_policy: None,
            members: vec![],
        };
        self.app.put_team(&admin, team).await.expect("the team");
        let service = Service {
            slug: slug("checkout-api"),
            name: "Checkout API".into(),
            description: String::new(),
            owner_team: Some(slug("storefront")),
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: vec![],
        };
        self.app
            .put_service(&admin, service)
            .await
            .expect("the service");
        let new = NewIntegration {
            name: format!("{kind}-checkout"),
            kind: kind.into(),
            service: Some("checkout-api".into()),
            team: None,
            config: Default::default(),
        };
        self.app
            .create_integration(&admin, new)
            .await
            .expect("the integration")
            .1
    }

    /// Every alert stored, newest first (up to 100).
    pub async fn stored_alerts(&self) -> Vec<Alert> {
        self.store
            .alerts(&AlertFilter {
                limit: 100,
                ..AlertFilter::default()
            })
            .await
            .expect("the alerts")
    }

    /// Applies `examples/plan/` through the API, failing the test if refused.
    pub async fn apply_example_plan(&self, token: &str) {
        let (status, body) = self
            .call(
                token,
                reqwest::Method::POST,
                "/api/v1/plan/apply",
                Some(example_plan_upload()),
            )
            .await;
        assert_eq!(
            status,
            reqwest::StatusCode::OK,
            "the example plan applies: {body}"
        );
    }

    /// Applies a one-file plan through the API, failing the test if refused.
    pub async fn apply_plan(&self, token: &str, yaml: &str) {
        let (status, body) = self
            .call(
                token,
                reqwest::Method::POST,
                "/api/v1/plan/apply",
                Some(serde_json::json!({"files": [{"path": "plan.yaml", "text": yaml}]})),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK, "the plan applies: {body}");
    }

    /// Fires what is due and sends what is due, until nothing is due now
    /// (for tests that move a fake clock).
    pub async fn settle(&self) {
        for _ in 0..50 {
            let cycle = self.engine.run_cycle_once().await.expect("an engine cycle");
            let drained = self.engine.drain_deliveries().await.expect("a drain");
            if cycle.routed == 0
                && cycle.steps == 0
                && cycle.fired == 0
                && cycle.maintenance_notices == 0
                && cycle.sent.attempts() == 0
                && drained.attempts() == 0
            {
                return;
            }
        }
        panic!("the engine never settled");
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.engine_stop.take() {
            let _ = stop.send(());
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.engine_stop.take() {
            let _ = stop.send(());
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The files of `examples/plan/` as `POST /api/v1/plan/apply` takes them.
pub fn example_plan_upload() -> serde_json::Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let mut files: Vec<serde_json::Value> = std::fs::read_dir(&dir)
        .expect("the example plan")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            serde_json::json!({
                "path": path.file_name().unwrap_or_default().to_string_lossy(),
                "text": std::fs::read_to_string(&path).expect("a plan file"),
            })
        })
        .collect();
    files.sort_by_key(|f| f["path"].as_str().unwrap_or_default().to_owned());
    serde_json::json!({ "files": files })
}
