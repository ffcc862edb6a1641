//! The running plan on PostgreSQL: documents, revisions and reminders, in
//! one transaction with the catalog (whose advisory lock also numbers
//! revisions one after another).

use async_trait::async_trait;
use muster_core::catalog::changes::ChangeKind;
use muster_core::plan::{DocumentChange, PlanDocument, PlanFile, PlanRevision, ReviewReminder};
use muster_store::plan::{
    check_revision, decode_plan_document, decode_plan_file, decode_plan_revision,
    decode_review_reminder, in_order, newest_first, statements,
};
use muster_store::{PlanStore, PlanWrite, StoreError};
use sqlx::PgConnection;

use crate::PostgresStore;
use crate::catalog::write_catalog;
use crate::codec::{Row, backend, get};

async fn write_documents(
    c: &mut PgConnection,
    changes: &[DocumentChange],
    now: i64,
) -> Result<(), StoreError> {
    for change in changes {
        match (change.kind, &change.desired) {
            (ChangeKind::Create | ChangeKind::Update, Some(doc)) => {
                sqlx::query(statements::UPSERT_DOCUMENT)
                    .bind(&doc.kind)
                    .bind(&doc.name)
                    .bind(&doc.file)
                    .bind(&doc.body)
                    .bind(&doc.owner)
                    .bind(&doc.review_every)
                    .bind(doc.last_reviewed.map(|d| d.to_string()))
                    .bind(now)
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
            }
            (ChangeKind::Delete, _) => {
                sqlx::query(statements::DELETE_DOCUMENT)
                    .bind(&change.document_kind)
                    .bind(&change.name)
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
            }
            _ => {}
        }
    }
    Ok(())
}

async fn write_revision(
    c: &mut PgConnection,
    applied_by: uuid::Uuid,
    summary: &str,
    files: &[PlanFile],
    expected: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let row = sqlx::query(statements::NEXT_REVISION)
        .fetch_one(&mut *c)
        .await
        .map_err(backend)?;
    let revision: i64 = get(&row, "next")?;
    check_revision(revision, expected)?;
    sqlx::query(statements::INSERT_REVISION)
        .bind(revision)
        .bind(now)
        .bind(applied_by)
        .bind(summary)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    for (position, file) in files.iter().enumerate() {
        sqlx::query(statements::INSERT_FILE)
            .bind(revision)
            .bind(position as i64)
            .bind(&file.path)
            .bind(&file.text)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    Ok(revision)
}

#[async_trait]
impl PlanStore for PostgresStore {
    async fn load_plan_documents(&self) -> Result<Vec<PlanDocument>, StoreError> {
        let rows = sqlx::query(statements::LOAD_DOCUMENTS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| decode_plan_document(&Row(r)))
            .collect::<Result<Vec<_>, _>>()
            .map(in_order)
    }

    async fn latest_plan_revision(&self) -> Result<Option<PlanRevision>, StoreError> {
        // One read transaction, so the files belong to the revision read.
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let Some(row) = sqlx::query(statements::LATEST_REVISION)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let mut revision = decode_plan_revision(&Row(&row))?;
        let files = sqlx::query(statements::REVISION_FILES)
            .bind(revision.number)
            .fetch_all(&mut *tx)
            .await
            .map_err(backend)?;
        revision.files = files
            .iter()
            .map(|r| decode_plan_file(&Row(r)))
            .collect::<Result<_, _>>()?;
        Ok(Some(revision))
    }

    async fn apply_plan(&self, write: &PlanWrite<'_>) -> Result<i64, StoreError> {
        let now = write.catalog.now.as_millisecond();
        let mut tx = self.pool.begin().await.map_err(backend)?;
        write_catalog(&mut tx, &write.catalog).await?;
        write_documents(&mut tx, write.documents, now).await?;
        crate::alerts::write_planned(&mut tx, write.integrations).await?;
        let revision = write_revision(
            &mut tx,
            write.applied_by.as_uuid(),
            write.summary,
            write.files,
            write.expected_revision,
            now,
        )
        .await?;
        tx.commit().await.map_err(backend)?;
        Ok(revision)
    }

    async fn record_review_reminders(
        &self,
        reminders: &[ReviewReminder],
    ) -> Result<Vec<ReviewReminder>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut recorded = Vec::new();
        for reminder in reminders {
            let done = sqlx::query(statements::INSERT_REMINDER)
                .bind(&reminder.kind)
                .bind(&reminder.name)
                .bind(&reminder.owner)
                .bind(reminder.due.to_string())
                .bind(reminder.recorded_at.as_millisecond())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() > 0 {
                recorded.push(reminder.clone());
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(recorded)
    }

    async fn review_reminders(&self) -> Result<Vec<ReviewReminder>, StoreError> {
        let rows = sqlx::query(statements::LOAD_REMINDERS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| decode_review_reminder(&Row(r)))
            .collect::<Result<Vec<_>, _>>()
            .map(newest_first)
    }
}
