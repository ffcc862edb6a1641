//! Runbook step runs on PostgreSQL: a run and its effects in one
//! transaction; a lost race rolls it all back.

use async_trait::async_trait;
use muster_core::runbook::StepRun;
use muster_core::{IncidentId, Timestamp};
use muster_store::StoreError;
use muster_store::runbooks::{
    RunbookStore, StepRunWrite, StepRunWritten, decode_step_run, statements, status_columns,
};
use sqlx::PgConnection;

use crate::PostgresStore;
use crate::codec::{Row, backend, millis};

fn index(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Writes the run and its effects; `false` when the run was taken or moved
/// on by another writer (the caller rolls back).
async fn write_run(c: &mut PgConnection, write: &StepRunWrite) -> Result<bool, StoreError> {
    let run = &write.run;
    let (status, finished_at, reason) = status_columns(&run.status);
    let written = match &write.expected {
        None => sqlx::query(statements::INSERT)
            .bind(write.incident.as_uuid())
            .bind(run.key.runbook.as_str())
            .bind(index(run.key.step))
            .bind(i64::from(run.key.occurrence))
            .bind(run.started_at.as_millisecond())
            .bind(run.attempt_started_at.as_millisecond())
            .bind(i64::from(run.attempts))
            .bind(status)
            .bind(finished_at)
            .bind(reason)
            .execute(&mut *c)
            .await
            .map_err(backend)?,
        Some(expected) => sqlx::query(statements::UPDATE)
            .bind(write.incident.as_uuid())
            .bind(run.key.runbook.as_str())
            .bind(index(run.key.step))
            .bind(i64::from(run.key.occurrence))
            .bind(run.attempt_started_at.as_millisecond())
            .bind(i64::from(run.attempts))
            .bind(i64::from(expected.attempts))
            .bind(status_columns(&expected.status).0)
            .bind(expected.attempt_started_at.as_millisecond())
            .bind(status)
            .bind(finished_at)
            .bind(reason)
            .execute(&mut *c)
            .await
            .map_err(backend)?,
    };
    if written.rows_affected() == 0 {
        return Ok(false);
    }
    if let Some(change) = &write.change {
        match crate::incidents::update_incident_rows(c, change, &[]).await {
            Ok(()) => {}
            Err(StoreError::VersionConflict { .. }) => return Ok(false),
            Err(error) => return Err(error),
        }
    }
    for task in &write.tasks {
        crate::incidents::insert_task_row(c, task).await?;
    }
    for insert in &write.pages {
        crate::paging::insert_page_rows(c, &insert.page, &insert.events).await?;
    }
    crate::outbox::insert_deliveries(c, &write.deliveries).await?;
    crate::incidents::insert_timeline(c, &write.timeline).await?;
    sqlx::query(statements::MARK)
        .bind(write.incident.as_uuid())
        .bind(write.at.as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    Ok(true)
}

#[async_trait]
impl RunbookStore for PostgresStore {
    async fn step_runs(&self, incident: IncidentId) -> Result<Vec<StepRun>, StoreError> {
        let rows = sqlx::query(statements::RUNS)
            .bind(incident.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_step_run(&Row(r))).collect()
    }

    async fn write_step_run(&self, write: &StepRunWrite) -> Result<StepRunWritten, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        if !write_run(&mut tx, write).await? {
            tx.rollback().await.map_err(backend)?;
            return Ok(StepRunWritten::LostRace);
        }
        tx.commit().await.map_err(backend)?;
        Ok(StepRunWritten::Written)
    }

    async fn runbooks_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<(IncidentId, Timestamp)>, StoreError> {
        let rows: Vec<(uuid::Uuid, i64)> = sqlx::query_as(statements::DUE)
            .bind(now.as_millisecond())
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.into_iter()
            .map(|(id, due)| Ok((IncidentId(id), millis(due)?)))
            .collect()
    }

    async fn set_runbooks_due(
        &self,
        incident: IncidentId,
        seen: Timestamp,
        next: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        sqlx::query(statements::SET_DUE)
            .bind(incident.as_uuid())
            .bind(seen.as_millisecond())
            .bind(next.map(|n| n.as_millisecond()))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn next_runbooks_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(statements::NEXT_DUE)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        due.map(millis).transpose()
    }
}
