//! The one place that names storage backends: picks one from the URL.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use muster_store::Store;
use muster_store_postgres::PostgresStore;
use muster_store_sqlite::SqliteStore;

/// An open store, plus what must live as long as it (the SQLite lock).
pub struct OpenStore {
    pub store: Arc<dyn Store>,
    pub description: String,
    /// Whether this process holds the database alone (the SQLite lock).
    pub exclusive: bool,
    _lock: Option<File>,
}

/// Opens the store at `url`. For SQLite, `exclusive` takes a lock file so that
/// a second server on the same file refuses to start instead of competing.
pub async fn open(url: &str, exclusive: bool) -> anyhow::Result<OpenStore> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PostgresStore::connect(url)
            .await
            .with_context(|| format!("cannot use PostgreSQL at {}", redact(url)))?;
        return Ok(OpenStore {
            store: Arc::new(store),
            description: format!("PostgreSQL at {}", redact(url)),
            exclusive: false,
            _lock: None,
        });
    }
    // A bare path means SQLite; any other scheme is a mistake worth naming.
    if url.contains("://") && !url.starts_with("sqlite:") {
        bail!(
            "unsupported database URL {:?}: expected sqlite://PATH or postgres://…",
            redact(url)
        );
    }
    let path = SqliteStore::path_from_url(url);
    let lock = if exclusive { Some(lock(&path)?) } else { None };
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
    Ok(OpenStore {
        store: Arc::new(store),
        description: format!("SQLite at {}", path.display()),
        exclusive: lock.is_some(),
        _lock: lock,
    })
}

fn lock(database: &std::path::Path) -> anyhow::Result<File> {
    if let Some(parent) = database.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another muster server is already using {} (lock {}); SQLite mode runs one server per file — use PostgreSQL for several",
            database.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Hides a password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/muster"),
            "postgres://app:***@db:5432/muster"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(redact("sqlite://./x.db"), "sqlite://./x.db");
    }

    #[tokio::test]
    async fn a_second_server_on_the_same_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("muster.db").display());
        let first = open(&url, true).await.unwrap();
        let second = open(&url, true).await;
        assert!(second.is_err());
        assert!(format!("{:#}", second.err().unwrap()).contains("another muster server"));
        drop(first);
        assert!(open(&url, true).await.is_ok());
    }
}
