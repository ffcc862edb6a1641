//! Change events on PostgreSQL.

use async_trait::async_trait;
use muster_store::StoreError;
use muster_store::changes::{
    Change, ChangeFilter, ChangeStore, decode_change, links_text, statements,
};

use crate::PostgresStore;
use crate::codec::{Row, backend};

#[async_trait]
impl ChangeStore for PostgresStore {
    async fn insert_change(&self, c: &Change) -> Result<(), StoreError> {
        sqlx::query(statements::INSERT)
            .bind(c.id)
            .bind(c.integration.as_uuid())
            .bind(c.service.as_ref().map(|s| s.as_str().to_owned()))
            .bind(c.team.as_ref().map(|t| t.as_str().to_owned()))
            .bind(&c.summary)
            .bind(&c.source)
            .bind(c.happened_at.as_millisecond())
            .bind(&c.details)
            .bind(links_text(c))
            .bind(c.received_at.as_millisecond())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn changes(&self, filter: &ChangeFilter) -> Result<Vec<Change>, StoreError> {
        let rows = sqlx::query(statements::LIST)
            .bind(filter.service.as_ref().map(|s| s.as_str().to_owned()))
            .bind(filter.since.map_or(i64::MIN, |t| t.as_millisecond()))
            .bind(i64::from(filter.limit.clamp(1, 1000)))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_change(&Row(r))).collect()
    }
}
