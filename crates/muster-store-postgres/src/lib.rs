//! The PostgreSQL backend: the same storage ports as the SQLite backend, on a
//! connection pool. Every write is one transaction; PostgreSQL's row locks take
//! the place of SQLite's single writer.

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
mod receiver;
mod routing;
mod runbooks;
mod silences;
mod status_page;
pub mod testing;
mod update_reminders;
mod users;

use std::time::Duration;

use async_trait::async_trait;
use muster_store::{Store, StoreError};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::codec::backend;

/// Enough for a busy node's concurrent requests and background work, small
/// enough that a few nodes stay well below PostgreSQL's default of 100.
const MAX_CONNECTIONS: u32 = 16;

/// A [`Store`] on one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    receiver: receiver::Receiver,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`) and
    /// applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot connect to postgres: {e}")))?;
        // sqlx holds an advisory lock while migrating, so nodes starting together
        // apply each migration once.
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrating postgres: {e}")))?;
        Ok(Self {
            receiver: receiver::Receiver::spawn(pool.clone()),
            pool,
        })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(backend)
    }
}

#[cfg(test)]
mod conformance {
    use std::sync::Arc;

    use muster_store::Store;

    use super::PostgresStore;
    use crate::testing;

    async fn fresh() -> Option<(Arc<dyn Store>, testing::Guard)> {
        let base = testing::url_from_env()?;
        let (url, guard) = testing::fresh_database(&base).await;
        let store = PostgresStore::connect(&url)
            .await
            .expect("connect to the fresh database");
        store.ping().await.expect("ping");
        Some((Arc::new(store), guard))
    }

    muster_store::conformance_suite!(fresh);
}
