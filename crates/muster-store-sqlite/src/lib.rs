//! The embedded SQLite backend: a single file, WAL, durable commits (synchronous
//! FULL), one group-committing writer connection and a pool of readers.

mod alerts;
mod attach;
mod auth;
mod catalog;
mod changes;
mod codec;
mod heartbeats;
mod incidents;
mod oncall;
mod outbox;
mod paging;
mod plan;
mod routing;
mod runbooks;
mod silences;
mod status_page;
mod update_reminders;
mod users;
mod writer;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use muster_store::{Store, StoreError};
use sqlx::ConnectOptions;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::codec::backend;
use crate::writer::Writer;

/// A [`Store`] on one SQLite file.
pub struct SqliteStore {
    readers: SqlitePool,
    writer: Writer,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit is on disk before anyone is told it happened.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true)
        // The writer isolates each caller in a savepoint, whose sub-journal
        // SQLite otherwise spills to a temporary file past 64 KiB: under an
        // alert storm that was a write(2) per page touched, for data that
        // is thrown away at commit. It is bounded by one batch's pages.
        .pragma("temp_store", "memory")
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut connection = options(&path)
            .create_if_missing(true)
            .connect()
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        sqlx::migrate!("./migrations")
            .run(&mut connection)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating {}: {e}", path.display())))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(options(&path).read_only(true))
            .await
            .map_err(backend)?;
        Ok(Self {
            readers,
            writer: Writer::spawn(connection),
            path,
        })
    }

    /// Parses `sqlite://PATH` or `sqlite:PATH` (or a bare path).
    pub fn path_from_url(url: &str) -> PathBuf {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let rest = rest.split('?').next().unwrap_or(rest);
        PathBuf::from_str(rest).unwrap_or_else(|_| PathBuf::from(rest))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.readers)
            .await
            .map(drop)
            .map_err(backend)
    }
}

#[cfg(test)]
mod conformance {
    use std::sync::Arc;

    use muster_store::Store;

    use super::SqliteStore;

    async fn fresh() -> Option<(Arc<dyn Store>, tempfile::TempDir)> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = SqliteStore::open(dir.path().join("muster.db"))
            .await
            .expect("open sqlite store");
        Some((Arc::new(store), dir))
    }

    muster_store::conformance_suite!(fresh);
}
