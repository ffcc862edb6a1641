//! Update cadence reminders on SQLite: a reminder and what it sends are one
//! job of the group-commit writer, in a savepoint of its own.

use async_trait::async_trait;
use muster_store::StoreError;
use muster_store::runbooks::StepRunWritten;
use muster_store::update_reminders::{
    PostedUpdateWrite, UpdateReminderStore, UpdateReminderWrite, level_text, statements,
};
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::codec::backend;

async fn write_reminder(
    c: &mut SqliteConnection,
    write: &UpdateReminderWrite,
) -> Result<StepRunWritten, StoreError> {
    let written = sqlx::query(statements::INSERT)
        .bind(write.incident.to_string())
        .bind(write.update_due_at.as_millisecond())
        .bind(level_text(write.level))
        .bind(write.role.as_str())
        .bind(write.user.to_string())
        .bind(write.at.as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    // The reminder's row is the job's first write, so a lost race has written
    // nothing yet and can answer plainly; any later failure is an error,
    // which rolls the savepoint back with the row.
    if written.rows_affected() == 0 {
        return Ok(StepRunWritten::LostRace);
    }
    for delivery in &write.deliveries {
        crate::outbox::insert_delivery(c, delivery).await?;
    }
    crate::incidents::insert_timeline(c, &write.timeline).await?;
    Ok(StepRunWritten::Written)
}

#[async_trait]
impl UpdateReminderStore for SqliteStore {
    async fn write_posted_update(&self, write: &PostedUpdateWrite) -> Result<(), StoreError> {
        let write = write.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    for delivery in &write.deliveries {
                        crate::outbox::insert_delivery(c, delivery).await?;
                    }
                    crate::incidents::insert_timeline(c, &write.timeline).await?;
                    sqlx::query(muster_store::runbooks::statements::MARK)
                        .bind(write.incident.to_string())
                        .bind(write.at.as_millisecond())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                    Ok(())
                })
            })
            .await
    }

    async fn write_update_reminder(
        &self,
        write: &UpdateReminderWrite,
    ) -> Result<StepRunWritten, StoreError> {
        let write = write.clone();
        self.writer
            .write(move |c| Box::pin(async move { write_reminder(c, &write).await }))
            .await
    }
}
