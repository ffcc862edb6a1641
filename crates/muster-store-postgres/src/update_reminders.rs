//! Update cadence reminders on PostgreSQL: a reminder and what it sends in
//! one transaction. Of two nodes inserting the same reminder, the second
//! waits on the first's key and, once that commits, inserts nothing.

use async_trait::async_trait;
use muster_store::StoreError;
use muster_store::runbooks::StepRunWritten;
use muster_store::update_reminders::{
    PostedUpdateWrite, UpdateReminderStore, UpdateReminderWrite, level_text, statements,
};
use sqlx::PgConnection;

use crate::PostgresStore;
use crate::codec::backend;

/// Writes the reminder and what it sends; `false` when it was recorded
/// already (the caller rolls back).
async fn write_reminder(
    c: &mut PgConnection,
    write: &UpdateReminderWrite,
) -> Result<bool, StoreError> {
    let written = sqlx::query(statements::INSERT)
        .bind(write.incident.as_uuid())
        .bind(write.update_due_at.as_millisecond())
        .bind(level_text(write.level))
        .bind(write.role.as_str())
        .bind(write.user.as_uuid())
        .bind(write.at.as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    crate::outbox::insert_deliveries(c, &write.deliveries).await?;
    crate::incidents::insert_timeline(c, &write.timeline).await?;
    Ok(true)
}

#[async_trait]
impl UpdateReminderStore for PostgresStore {
    async fn write_posted_update(&self, write: &PostedUpdateWrite) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        crate::outbox::insert_deliveries(&mut tx, &write.deliveries).await?;
        crate::incidents::insert_timeline(&mut tx, &write.timeline).await?;
        sqlx::query(muster_store::runbooks::statements::MARK)
            .bind(write.incident.as_uuid())
            .bind(write.at.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn write_update_reminder(
        &self,
        write: &UpdateReminderWrite,
    ) -> Result<StepRunWritten, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        if !write_reminder(&mut tx, write).await? {
            tx.rollback().await.map_err(backend)?;
            return Ok(StepRunWritten::LostRace);
        }
        tx.commit().await.map_err(backend)?;
        Ok(StepRunWritten::Written)
    }
}
