//! Shared by the console and browser tests: an app on a fresh SQLite file,
//! its first admin, and the real server on 127.0.0.1:0.

#![allow(dead_code)]

pub mod alerts;
pub mod browser;
pub mod client;
pub mod oncall;

use std::net::SocketAddr;
use std::sync::Arc;

use muster_app::{App, Settings, SystemClock};
use muster_server::AppState;
use muster_store_sqlite::SqliteStore;
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_NAME: &str = "Ada Lovelace";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// An app and the directory its database lives in (deleted on drop).
pub struct TestApp {
    pub app: App,
    pub(crate) _dir: TempDir,
}

pub async fn app() -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("muster.db"))
        .await
        .expect("the store opens");
    let app = App::new(Arc::new(store), Arc::new(SystemClock), Settings::default());
    TestApp { app, _dir: dir }
}

/// Creates the first admin through the bootstrap secret, as `/setup` does.
pub async fn with_admin(test: &TestApp) {
    let secret = test
        .app
        .bootstrap_secret()
        .await
        .unwrap()
        .expect("no users yet");
    test.app
        .complete_bootstrap(
            &secret,
            ADMIN_EMAIL,
            Some(ADMIN_NAME.into()),
            ADMIN_PASSWORD,
        )
        .await
        .unwrap();
}

/// The real server, stopped when dropped.
pub struct TestServer {
    pub base: String,
    pub test: TestApp,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(test: TestApp) -> Self {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("a free port");
        let address = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = AppState::new(test.app.clone(), None);
        tokio::spawn(async move {
            muster_server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("the server runs");
        });
        Self {
            base: format!("http://{address}"),
            test,
            shutdown: Some(tx),
        }
    }

    pub fn app(&self) -> &App {
        &self.test.app
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `examples/plan/` as the plan use case takes it.
pub fn example_plan() -> muster_app::plan::PlanApply {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let plan = muster_plan::plan::load(&dir).expect("the example plan loads");
    muster_app::plan::PlanApply {
        catalog: plan.catalog(),
        documents: plan.stored_documents(),
        files: plan.files(),
        secrets: Default::default(),
        dry_run: false,
    }
}
