//! Storage port of the running plan: its documents, its revisions (who
//! applied what, when, from which files) and the review reminders owed.

use async_trait::async_trait;
use muster_core::UserId;
use muster_core::plan::{DocumentChange, PlanDocument, PlanFile, PlanRevision, ReviewReminder};

use crate::alerts::IntegrationWrite;
use crate::row::StoredRow;
use crate::{CatalogWrite, StoreError};

/// One plan apply: its catalog changes, its document changes, the
/// integrations it creates, updates and retires, and the revision that
/// records it, committed together or not at all.
#[derive(Debug, Clone)]
pub struct PlanWrite<'a> {
    pub catalog: CatalogWrite<'a>,
    pub documents: &'a [DocumentChange],
    pub integrations: &'a [IntegrationWrite],
    pub applied_by: UserId,
    pub summary: &'a str,
    pub files: &'a [PlanFile],
    /// The newest revision when the changes were computed (0 for none): if
    /// another apply committed since, this one is refused as a
    /// [`StoreError::VersionConflict`] rather than applying a stale diff.
    pub expected_revision: i64,
}

/// Orders documents by (kind, name) byte-wise, as the trait promises, whatever
/// the database's collation.
pub fn in_order(mut documents: Vec<PlanDocument>) -> Vec<PlanDocument> {
    documents.sort_by(|a, b| a.key().cmp(&b.key()));
    documents
}

/// Orders reminders newest first, then by (kind, name) byte-wise.
pub fn newest_first(mut reminders: Vec<ReviewReminder>) -> Vec<ReviewReminder> {
    reminders
        .sort_by(|a, b| (b.recorded_at, &a.kind, &a.name).cmp(&(a.recorded_at, &b.kind, &b.name)));
    reminders
}

/// Refuses a revision computed against an older plan.
pub fn check_revision(next: i64, expected: i64) -> Result<(), StoreError> {
    if next - 1 == expected {
        Ok(())
    } else {
        Err(StoreError::VersionConflict {
            entity: "plan",
            expected: u64::try_from(expected).unwrap_or_default(),
            actual: u64::try_from(next - 1).unwrap_or_default(),
        })
    }
}

#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Every stored document, ordered by (kind, name).
    async fn load_plan_documents(&self) -> Result<Vec<PlanDocument>, StoreError>;
    /// The newest revision with its files, if a plan was ever applied.
    async fn latest_plan_revision(&self) -> Result<Option<PlanRevision>, StoreError>;
    /// Commits the apply in one transaction and returns the new revision's number.
    async fn apply_plan(&self, write: &PlanWrite<'_>) -> Result<i64, StoreError>;
    /// Records each reminder not recorded before for the same document and due
    /// date; returns those that were new (the rest were recorded already, here
    /// or by another node).
    async fn record_review_reminders(
        &self,
        reminders: &[ReviewReminder],
    ) -> Result<Vec<ReviewReminder>, StoreError>;
    /// Every recorded reminder, newest first.
    async fn review_reminders(&self) -> Result<Vec<ReviewReminder>, StoreError>;
}

fn corrupt(message: String) -> StoreError {
    StoreError::Corrupt(message)
}

fn date(raw: &str) -> Result<jiff::civil::Date, StoreError> {
    raw.parse()
        .map_err(|e| corrupt(format!("stored date {raw:?}: {e}")))
}

/// A `plan_documents` row.
pub fn decode_plan_document<R: StoredRow>(row: &R) -> Result<PlanDocument, StoreError> {
    Ok(PlanDocument {
        kind: row.text("kind")?,
        name: row.text("name")?,
        file: row.text("file")?,
        body: row.text("body")?,
        owner: row.optional_text("owner")?,
        review_every: row.optional_text("review_every")?,
        last_reviewed: row
            .optional_text("last_reviewed")?
            .as_deref()
            .map(date)
            .transpose()?,
    })
}

/// A `plan_revisions` row joined with its author (`email`, `user_name`);
/// files are read separately.
pub fn decode_plan_revision<R: StoredRow>(row: &R) -> Result<PlanRevision, StoreError> {
    Ok(PlanRevision {
        number: row.integer("revision")?,
        applied_at: row.instant("applied_at")?,
        applied_by: UserId(row.id("applied_by")?),
        applied_by_name: row.text("user_name")?,
        applied_by_email: row.text("email")?,
        summary: row.text("summary")?,
        files: Vec::new(),
    })
}

/// A `plan_revision_files` row.
pub fn decode_plan_file<R: StoredRow>(row: &R) -> Result<PlanFile, StoreError> {
    Ok(PlanFile {
        path: row.text("path")?,
        text: row.text("text")?,
    })
}

/// A `review_reminders` row.
pub fn decode_review_reminder<R: StoredRow>(row: &R) -> Result<ReviewReminder, StoreError> {
    Ok(ReviewReminder {
        kind: row.text("kind")?,
        name: row.text("name")?,
        owner: row.optional_text("owner")?,
        due: date(&row.text("due")?)?,
        recorded_at: row.instant("recorded_at")?,
    })
}

/// The shared SQL of the plan tables (placeholders `$n` work on both backends).
pub mod statements {
    pub const LOAD_DOCUMENTS: &str = "SELECT kind, name, file, body, owner, review_every, last_reviewed \
         FROM plan_documents ORDER BY kind, name";
    pub const LATEST_REVISION: &str = "SELECT r.revision, r.applied_at, r.applied_by, r.summary, \
         u.email, u.name AS user_name FROM plan_revisions r JOIN users u ON u.user_id = r.applied_by \
         ORDER BY r.revision DESC LIMIT 1";
    pub const REVISION_FILES: &str =
        "SELECT path, text FROM plan_revision_files WHERE revision = $1 ORDER BY position";
    pub const NEXT_REVISION: &str =
        "SELECT COALESCE(MAX(revision), 0) + 1 AS next FROM plan_revisions";
    pub const INSERT_REVISION: &str = "INSERT INTO plan_revisions (revision, applied_at, applied_by, summary) \
         VALUES ($1, $2, $3, $4)";
    pub const INSERT_FILE: &str = "INSERT INTO plan_revision_files (revision, position, path, text) \
         VALUES ($1, $2, $3, $4)";
    pub const UPSERT_DOCUMENT: &str = "INSERT INTO plan_documents \
         (kind, name, file, body, owner, review_every, last_reviewed, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, name) DO UPDATE SET \
         file = excluded.file, body = excluded.body, owner = excluded.owner, \
         review_every = excluded.review_every, last_reviewed = excluded.last_reviewed, \
         updated_at = excluded.updated_at";
    pub const DELETE_DOCUMENT: &str = "DELETE FROM plan_documents WHERE kind = $1 AND name = $2";
    pub const INSERT_REMINDER: &str = "INSERT INTO review_reminders (kind, name, owner, due, recorded_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, name, due) DO NOTHING";
    pub const LOAD_REMINDERS: &str = "SELECT kind, name, owner, due, recorded_at FROM review_reminders \
         ORDER BY recorded_at DESC, kind, name";
}
