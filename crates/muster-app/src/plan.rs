//! Plan use cases: apply a validated plan (its catalog and every other
//! document) in one transaction, show the running plan, list what is overdue
//! for review, and record the reminders owed.

use jiff::civil::Date;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::{CatalogChanges, ChangeKind, Prune, diff};
use muster_core::plan::{
    DocumentChange, PlanDocument, PlanFile, PlanRevision, ReviewReminder, diff_documents,
    documents_change, reminders_due, summarize,
};
use muster_core::{Actor, Permission, Timestamp};
use muster_store::{CatalogWrite, PlanWrite};

use crate::accounts::require;
use crate::plan_integrations::{self, IntegrationAction, IntegrationChange, PlanSecrets};
use crate::{App, AppError};

/// The catalog source a plan's entries are recorded under, so an apply
/// deletes only the catalog entries an earlier apply made.
pub const PLAN_SOURCE: &str = "plan";

/// A whole plan, already read and validated at the edge.
#[derive(Debug, Clone)]
pub struct PlanApply {
    pub catalog: Catalog,
    /// Every document that is not a catalog entry.
    pub documents: Vec<PlanDocument>,
    /// The source files, kept with the revision for the console.
    pub files: Vec<PlanFile>,
    /// The secrets the plan's integrations name by environment variable,
    /// as the applier read them; each kept only in the settings of the
    /// integration that needs it, never with the revision.
    pub secrets: PlanSecrets,
    /// Compute the changes without writing.
    pub dry_run: bool,
}

/// What an apply changed (or, dry, would change).
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub catalog: CatalogChanges,
    pub documents: Vec<DocumentChange>,
    /// The integrations the plan declares or made, by name; created ones
    /// carry their key on a real apply.
    pub integrations: Vec<IntegrationChange>,
    pub changed: bool,
    /// The revision recorded (none when dry or when nothing changed).
    pub revision: Option<i64>,
}

/// The running plan: the newest revision and every stored document.
#[derive(Debug, Clone)]
pub struct PlanOverview {
    pub revision: Option<PlanRevision>,
    pub documents: Vec<PlanDocument>,
    pub today: Date,
}

/// A document whose review is overdue, and whether its owner was reminded.
#[derive(Debug, Clone)]
pub struct StaleDocument {
    pub document: PlanDocument,
    pub due: Date,
    pub reminded_at: Option<Timestamp>,
}

impl App {
    /// Today's date in UTC: the day reviews are judged against.
    pub fn today(&self) -> Date {
        self.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date()
    }

    /// Makes the server's plan match `apply`: catalog entries the plan made
    /// before and no longer names are deleted, every stored document the
    /// plan no longer names goes, and so do (retired) the integrations it
    /// made and no longer names. One transaction, one revision.
    pub async fn apply_plan(
        &self,
        actor: &Actor,
        apply: PlanApply,
    ) -> Result<PlanOutcome, AppError> {
        require(actor, Permission::ManagePlan)?;
        let expected_revision = self
            .store
            .latest_plan_revision()
            .await?
            .map_or(0, |r| r.number);
        let current = self.store.load_catalog().await?;
        let ours = self.store.catalog_source_entries(PLAN_SOURCE).await?;
        let catalog = diff(&current, &apply.catalog, &Prune::Only(ours));
        let after = catalog.apply_to(&current);
        let errors = after.validate();
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let stored = self.store.load_plan_documents().await?;
        let documents = diff_documents(&stored, &apply.documents);
        let wanted =
            plan_integrations::desired(&apply.documents, &apply.secrets, !apply.dry_run, &after)?;
        let mut integrations =
            plan_integrations::changes(&self.store.integrations().await?, wanted)?;
        let integrations_change = integrations
            .iter()
            .any(|c| c.action != IntegrationAction::Unchanged);
        let changed = !catalog.is_empty() || documents_change(&documents) || integrations_change;
        if apply.dry_run || !changed {
            return Ok(PlanOutcome {
                catalog,
                documents,
                integrations,
                changed,
                revision: None,
            });
        }
        let writes = plan_integrations::writes(&mut integrations, self.now(), actor.user_id)?;
        let mut outcome = PlanOutcome {
            catalog,
            documents,
            integrations,
            changed,
            revision: None,
        };
        let mut counts = outcome.catalog.counts();
        for change in &outcome.documents {
            *counts.entry(change.kind).or_insert(0) += 1;
        }
        // An integration changes with its document, counted there, except
        // when only a secret it names changed.
        for change in &outcome.integrations {
            let with_document = outcome.documents.iter().any(|d| {
                d.document_kind == "Integration"
                    && d.name == change.name
                    && d.kind != ChangeKind::Unchanged
            });
            if change.action != IntegrationAction::Unchanged && !with_document {
                *counts.entry(ChangeKind::Update).or_insert(0) += 1;
            }
        }
        let summary = summarize(&counts);
        let revision = self
            .store
            .apply_plan(&PlanWrite {
                catalog: CatalogWrite {
                    changes: &outcome.catalog,
                    new_users: &[],
                    source: Some(PLAN_SOURCE),
                    now: self.now(),
                },
                documents: &outcome.documents,
                integrations: &writes,
                applied_by: actor.user_id,
                summary: &summary,
                files: &apply.files,
                expected_revision,
            })
            .await?;
        outcome.revision = Some(revision);
        self.forget_on_call_book();
        if integrations_change {
            self.forget_integrations();
        } else {
            self.forget_routing_context();
        }
        Ok(outcome)
    }

    pub async fn plan_overview(&self, actor: &Actor) -> Result<PlanOverview, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(PlanOverview {
            revision: self.store.latest_plan_revision().await?,
            documents: self.store.load_plan_documents().await?,
            today: self.today(),
        })
    }

    /// The newest revision with the files it applied, if any.
    pub async fn plan_source(&self, actor: &Actor) -> Result<Option<PlanRevision>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.latest_plan_revision().await?)
    }

    /// The catalog and the stored documents: everything an export writes.
    pub async fn plan_state(
        &self,
        actor: &Actor,
    ) -> Result<(Catalog, Vec<PlanDocument>), AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok((
            self.store.load_catalog().await?,
            self.store.load_plan_documents().await?,
        ))
    }

    /// Documents whose review is overdue today, most overdue first.
    pub async fn stale_plan_documents(
        &self,
        actor: &Actor,
    ) -> Result<Vec<StaleDocument>, AppError> {
        require(actor, Permission::ReadIncidents)?;
        let today = self.today();
        let reminders = self.store.review_reminders().await?;
        let mut stale: Vec<StaleDocument> = self
            .store
            .load_plan_documents()
            .await?
            .into_iter()
            .filter_map(|document| {
                let due = document.review_due().filter(|due| *due < today)?;
                let reminded_at = reminders
                    .iter()
                    .find(|r| r.kind == document.kind && r.name == document.name && r.due == due)
                    .map(|r| r.recorded_at);
                Some(StaleDocument {
                    document,
                    due,
                    reminded_at,
                })
            })
            .collect();
        stale.sort_by(|a, b| {
            (a.due, &a.document.kind, &a.document.name).cmp(&(
                b.due,
                &b.document.kind,
                &b.document.name,
            ))
        });
        Ok(stale)
    }

    /// Records one reminder per overdue document and due date (the engine's
    /// job; sent through the notification sinks once they exist). Returns the
    /// reminders newly recorded.
    pub async fn record_review_reminders(&self) -> Result<Vec<ReviewReminder>, AppError> {
        let documents = self.store.load_plan_documents().await?;
        let owed = reminders_due(&documents, self.today(), self.now());
        Ok(self.store.record_review_reminders(&owed).await?)
    }
}
