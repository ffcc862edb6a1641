//! Throwaway databases for tests, here and in other crates' integration tests.
//!
//! Each test gets its own database on the server named by
//! `MUSTER_TEST_POSTGRES_URL`, so tests run in parallel without seeing each
//! other's rows, and the database is dropped when the test ends.

use muster_store::StoreError;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

/// The variable naming the server tests may create databases on.
pub const URL_VARIABLE: &str = "MUSTER_TEST_POSTGRES_URL";

/// Set to `1` (as CI does) to make a missing [`URL_VARIABLE`] fail tests
/// instead of skipping them, so a misconfigured run cannot pass silently.
pub const REQUIRE_ALL_VARIABLE: &str = "MUSTER_TEST_REQUIRE_ALL";

/// The base URL from [`URL_VARIABLE`], or `None` (after a note on stderr) when
/// it is not set and the test should be skipped.
///
/// # Panics
///
/// When the variable is unset and [`REQUIRE_ALL_VARIABLE`] is `1`.
pub fn url_from_env() -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let required = std::env::var(REQUIRE_ALL_VARIABLE).is_ok_and(|v| v == "1");
            assert!(
                !required,
                "{URL_VARIABLE} is not set but {REQUIRE_ALL_VARIABLE}=1"
            );
            eprintln!("skipping: {URL_VARIABLE} is not set");
            None
        }
    }
}

/// Drops its database when dropped, even if the test panicked.
#[derive(Debug)]
pub struct Guard {
    base_url: String,
    database: String,
}

impl Guard {
    /// The name of the database this guard removes.
    pub fn database(&self) -> &str {
        &self.database
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let base_url = self.base_url.clone();
        let database = self.database.clone();
        // Drop cannot await, and blocking on the test's own runtime would
        // deadlock or panic; a thread with its own runtime does neither.
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&base_url)
                    .await
                    .map_err(|e| e.to_string())?;
                // FORCE: the store's pool may still hold connections to it.
                sqlx::query(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                )))
                .execute(&mut connection)
                .await
                .map_err(|e| e.to_string())?;
                connection.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test database {}: {error}", self.database),
            Err(_) => eprintln!("dropping test database {} panicked", self.database),
        }
    }
}

/// `base_url` with its database replaced by `database`, keeping any query.
fn with_database(base_url: &str, database: &str) -> String {
    let (location, query) = match base_url.split_once('?') {
        Some((location, query)) => (location, Some(query)),
        None => (base_url, None),
    };
    let authority_start = location.find("://").map_or(0, |i| i + 3);
    let server = match location[authority_start..].find('/') {
        Some(slash) => &location[..authority_start + slash],
        None => location,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// Creates an empty database `muster_test_<uuid>` on the server of `base_url`
/// and returns its URL and the [`Guard`] that drops it.
///
/// # Panics
///
/// When the server cannot be reached or refuses to create the database: this
/// is test support, and a test without its database cannot proceed.
pub async fn fresh_database(base_url: &str) -> (String, Guard) {
    create_database(base_url)
        .await
        .unwrap_or_else(|error| panic!("cannot make a fresh database on {base_url}: {error}"))
}

/// Creates a new empty database beside the one `base_url` names (for tests
/// and benchmarks), returning its URL and a guard that drops it again.
pub async fn create_database(base_url: &str) -> Result<(String, Guard), StoreError> {
    let database = format!("muster_test_{}", Uuid::now_v7().simple());
    let mut connection = PgConnection::connect(base_url)
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot connect to {base_url}: {e}")))?;
    // The name is ours (hex digits only), so formatting it into SQL is safe;
    // CREATE DATABASE takes no bind parameters.
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{database}\"")))
        .execute(&mut connection)
        .await
        .map_err(|e| StoreError::Backend(format!("cannot create database {database}: {e}")))?;
    // A failed close only leaks an idle connection of a test run.
    let _ = connection.close().await;
    let guard = Guard {
        base_url: base_url.to_owned(),
        database: database.clone(),
    };
    Ok((with_database(base_url, &database), guard))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_is_replaced_and_the_rest_kept() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://u:p@db/test?sslmode=disable",
                "postgres://u:p@db/x?sslmode=disable",
            ),
            ("postgres://db:5432", "postgres://db:5432/x"),
            (
                "postgresql:///test?host=/run/postgresql",
                "postgresql:///x?host=/run/postgresql",
            ),
        ];
        for (base, expected) in cases {
            assert_eq!(with_database(base, "x"), expected, "{base}");
        }
    }
}
