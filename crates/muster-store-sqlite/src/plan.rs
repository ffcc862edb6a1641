//! The running plan on SQLite: documents, revisions and reminders, written
//! through the group-commit writer together with the catalog.

use async_trait::async_trait;
use muster_core::catalog::changes::ChangeKind;
use muster_core::plan::{DocumentChange, PlanDocument, PlanFile, PlanRevision, ReviewReminder};
use muster_store::plan::{
    check_revision, decode_plan_document, decode_plan_file, decode_plan_revision,
    decode_review_reminder, in_order, newest_first, statements,
};
use muster_store::{PlanStore, PlanWrite, StoreError};
use sqlx::SqliteConnection;

use crate::SqliteStore;
use crate::catalog::OwnedCatalogWrite;
use crate::codec::{Row, backend, get};

// The shared statements number their parameters `$1`, `$2`, … in order of
// first use: SQLite reads those as named parameters and numbers them the same
// way, so the same text binds positionally on both backends.

async fn write_documents(
    c: &mut SqliteConnection,
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
    c: &mut SqliteConnection,
    applied_by: String,
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
impl PlanStore for SqliteStore {
    async fn load_plan_documents(&self) -> Result<Vec<PlanDocument>, StoreError> {
        let rows = sqlx::query(statements::LOAD_DOCUMENTS)
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| decode_plan_document(&Row(r)))
            .collect::<Result<Vec<_>, _>>()
            .map(in_order)
    }

    async fn latest_plan_revision(&self) -> Result<Option<PlanRevision>, StoreError> {
        // One read transaction, so the files belong to the revision read.
        let mut tx = self.readers.begin().await.map_err(backend)?;
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
        let catalog = OwnedCatalogWrite::of(&write.catalog);
        let documents = write.documents.to_vec();
        let integrations = write.integrations.to_vec();
        let applied_by = write.applied_by.to_string();
        let summary = write.summary.to_owned();
        let files = write.files.to_vec();
        let expected = write.expected_revision;
        let now = write.catalog.now.as_millisecond();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    catalog.write(c).await?;
                    write_documents(c, &documents, now).await?;
                    crate::alerts::write_planned(c, &integrations).await?;
                    write_revision(c, applied_by, &summary, &files, expected, now).await
                })
            })
            .await
    }

    async fn record_review_reminders(
        &self,
        reminders: &[ReviewReminder],
    ) -> Result<Vec<ReviewReminder>, StoreError> {
        if reminders.is_empty() {
            return Ok(Vec::new());
        }
        let reminders = reminders.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let mut recorded = Vec::new();
                    for reminder in &reminders {
                        let done = sqlx::query(statements::INSERT_REMINDER)
                            .bind(&reminder.kind)
                            .bind(&reminder.name)
                            .bind(&reminder.owner)
                            .bind(reminder.due.to_string())
                            .bind(reminder.recorded_at.as_millisecond())
                            .execute(&mut *c)
                            .await
                            .map_err(backend)?;
                        if done.rows_affected() > 0 {
                            recorded.push(reminder.clone());
                        }
                    }
                    Ok(recorded)
                })
            })
            .await
    }

    async fn review_reminders(&self) -> Result<Vec<ReviewReminder>, StoreError> {
        let rows = sqlx::query(statements::LOAD_REMINDERS)
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| decode_review_reminder(&Row(r)))
            .collect::<Result<Vec<_>, _>>()
            .map(newest_first)
    }
}
