//! `TestApp`: the real server, bound to 127.0.0.1:0 before it is spawned, on a
//! fresh SQLite file — or on a fresh PostgreSQL database when
//! `MUSTER_TEST_POSTGRES_URL` is set.

use std::net::SocketAddr;
use std::sync::Arc;

use muster_app::{App, Clock, Settings, SystemClock};
use muster_core::UserRole;
use muster_server::AppState;
use muster_store::Store;
use tokio::sync::oneshot;

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
    pub app: App,
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _guard: Guard,
}

impl TestApp {
    /// A server on a fresh SQLite file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = muster_store_sqlite::SqliteStore::open(dir.path().join("muster.db"))
            .await
            .expect("open sqlite store");
        Self::start(
            Arc::new(store),
            Backend::Sqlite,
            Guard::Sqlite(dir),
            Arc::new(SystemClock),
        )
        .await
    }

    /// A server on a fresh PostgreSQL database, or `None` (with a note) when
    /// `MUSTER_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<Self> {
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
                Arc::new(SystemClock),
            )
            .await,
        )
    }

    /// Every backend available here: SQLite always, PostgreSQL when configured.
    pub async fn each() -> Vec<Self> {
        let mut apps = vec![Self::sqlite().await];
        if let Some(postgres) = Self::postgres().await {
            apps.push(postgres);
        }
        apps
    }

    async fn start(
        store: Arc<dyn Store>,
        backend: Backend,
        guard: Guard,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let app = App::new(store.clone(), clock, Settings::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let state = AppState::new(app.clone(), Some(metrics_handle()));
        let server = tokio::spawn(muster_server::serve(listener, state, async {
            let _ = signal.await;
        }));
        Self {
            address,
            app,
            store,
            backend,
            shutdown: Some(shutdown),
            server: Some(server),
            _guard: guard,
        }
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

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(mut self) {
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
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
