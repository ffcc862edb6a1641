//! Runbook step runs on SQLite: a run and its effects are one job of the
//! group-commit writer, in a savepoint of its own, so a lost race undoes
//! exactly that run's writes.

use async_trait::async_trait;
use muster_core::runbook::StepRun;
use muster_core::{IncidentId, Timestamp};
use muster_store::StoreError;
use muster_store::runbooks::{
    RunbookStore, StepRunWrite, StepRunWritten, decode_step_run, statements, status_columns,
};
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::codec::{Row, backend, millis, uuid};

/// How a lost race leaves the writer's job, so its savepoint rolls back.
fn lost() -> StoreError {
    StoreError::Duplicate {
        field: "run",
        value: String::new(),
    }
}

fn index(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn write_run(c: &mut SqliteConnection, write: &StepRunWrite) -> Result<(), StoreError> {
    let run = &write.run;
    let (status, finished_at, reason) = status_columns(&run.status);
    let written = match &write.expected {
        None => sqlx::query(statements::INSERT)
            .bind(write.incident.to_string())
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
            .bind(write.incident.to_string())
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
        return Err(lost());
    }
    if let Some(change) = &write.change {
        crate::incidents::update_incident_rows(c, change, &[]).await?;
    }
    for task in &write.tasks {
        crate::incidents::insert_task_row(c, task).await?;
    }
    for insert in &write.pages {
        crate::paging::insert_page_rows(c, &insert.page, &insert.events).await?;
    }
    for delivery in &write.deliveries {
        crate::outbox::insert_delivery(c, delivery).await?;
    }
    crate::incidents::insert_timeline(c, &write.timeline).await?;
    sqlx::query(statements::MARK)
        .bind(write.incident.to_string())
        .bind(write.at.as_millisecond())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    Ok(())
}

#[async_trait]
impl RunbookStore for SqliteStore {
    async fn step_runs(&self, incident: IncidentId) -> Result<Vec<StepRun>, StoreError> {
        let rows = sqlx::query(statements::RUNS)
            .bind(incident.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_step_run(&Row(r))).collect()
    }

    async fn write_step_run(&self, write: &StepRunWrite) -> Result<StepRunWritten, StoreError> {
        let write = write.clone();
        let result = self
            .writer
            .write(move |c| Box::pin(async move { write_run(c, &write).await }))
            .await;
        match result {
            Ok(()) => Ok(StepRunWritten::Written),
            Err(
                StoreError::Duplicate { field: "run", .. } | StoreError::VersionConflict { .. },
            ) => Ok(StepRunWritten::LostRace),
            Err(error) => Err(error),
        }
    }

    async fn runbooks_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<(IncidentId, Timestamp)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(statements::DUE)
            .bind(now.as_millisecond())
            .bind(i64::from(limit))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.into_iter()
            .map(|(id, due)| Ok((IncidentId(uuid(&id)?), millis(due)?)))
            .collect()
    }

    async fn set_runbooks_due(
        &self,
        incident: IncidentId,
        seen: Timestamp,
        next: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    sqlx::query(statements::SET_DUE)
                        .bind(incident.to_string())
                        .bind(seen.as_millisecond())
                        .bind(next.map(|n| n.as_millisecond()))
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                    Ok(())
                })
            })
            .await
    }

    async fn next_runbooks_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(statements::NEXT_DUE)
            .fetch_one(&self.readers)
            .await
            .map_err(backend)?;
        due.map(millis).transpose()
    }
}
