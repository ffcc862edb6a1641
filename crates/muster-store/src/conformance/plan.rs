//! Conformance cases of the running plan: applies commit with the catalog,
//! number their revisions, keep their files, and leave nothing on failure.

use std::sync::Arc;

use muster_core::catalog::changes::{CatalogChanges, ChangeKind, Prune, diff};
use muster_core::plan::{DocumentChange, PlanDocument, PlanFile, ReviewReminder, diff_documents};
use muster_core::{UserRole, plan::reminders_due};

use super::{at, catalog_cases, user};
use crate::{CatalogWrite, PlanWrite, Store};

fn document(kind: &str, name: &str, body: &str, last_reviewed: &str) -> PlanDocument {
    PlanDocument {
        kind: kind.into(),
        name: name.into(),
        file: format!("{}.yaml", kind.to_lowercase()),
        body: body.into(),
        owner: Some("platform".into()),
        review_every: Some("90d".into()),
        last_reviewed: Some(last_reviewed.parse().expect("a date")),
    }
}

async fn apply(
    store: &Arc<dyn Store>,
    applied_by: muster_core::UserId,
    catalog: &CatalogChanges,
    documents: &[DocumentChange],
    files: &[PlanFile],
) -> Result<i64, crate::StoreError> {
    let expected_revision = store
        .latest_plan_revision()
        .await
        .unwrap()
        .map_or(0, |r| r.number);
    apply_at(
        store,
        applied_by,
        catalog,
        documents,
        files,
        expected_revision,
    )
    .await
}

async fn apply_at(
    store: &Arc<dyn Store>,
    applied_by: muster_core::UserId,
    catalog: &CatalogChanges,
    documents: &[DocumentChange],
    files: &[PlanFile],
    expected_revision: i64,
) -> Result<i64, crate::StoreError> {
    store
        .apply_plan(&PlanWrite {
            catalog: CatalogWrite {
                changes: catalog,
                new_users: &[],
                source: Some("plan"),
                now: at(5),
            },
            documents,
            integrations: &[],
            applied_by,
            summary: "2 created",
            files,
            expected_revision,
        })
        .await
}

pub async fn plan_applies_commit_documents_revisions_and_files(store: Arc<dyn Store>) {
    let author = user(&store, "ana@example.com", UserRole::Admin).await;
    assert_eq!(store.latest_plan_revision().await.unwrap(), None);
    let first = vec![
        document("Runbook", "db-failover", r#"{"steps":[]}"#, "2026-01-01"),
        document("Severity", "SEV1", r#"{"rank":1}"#, "2026-01-01"),
    ];
    let files = vec![
        PlanFile {
            path: "runbooks.yaml".into(),
            text: "kind: Runbook\n".into(),
        },
        PlanFile {
            path: "team/severities.yaml".into(),
            text: "kind: Severity\n# ünïcode\n".into(),
        },
    ];
    let catalog = diff(
        &Default::default(),
        &catalog_cases::shop(),
        &Prune::Everything,
    );
    let revision = apply(
        &store,
        author.id,
        &catalog,
        &diff_documents(&[], &first),
        &files,
    )
    .await
    .unwrap();
    assert_eq!(revision, 1);
    assert_eq!(store.load_plan_documents().await.unwrap(), first);
    assert_eq!(
        store.load_catalog().await.unwrap(),
        catalog_cases::sorted(catalog_cases::shop()),
        "the catalog commits with the documents"
    );
    let latest = store.latest_plan_revision().await.unwrap().unwrap();
    assert_eq!(latest.number, 1);
    assert_eq!(latest.applied_by, author.id);
    assert_eq!(latest.applied_by_email, "ana@example.com");
    assert_eq!(latest.applied_at, at(5));
    assert_eq!(latest.summary, "2 created");
    assert_eq!(latest.files, files, "files keep their order and text");

    // Update one, delete the other, add a third: revision 2, files replaced.
    let mut second = vec![
        document("Runbook", "db-failover", r#"{"steps":[1]}"#, "2026-02-01"),
        document("Scenario", "db-lost", "{}", "2026-01-01"),
    ];
    second[1].owner = None;
    second[1].review_every = None;
    second[1].last_reviewed = None;
    let changes = diff_documents(&first, &second);
    assert!(changes.iter().any(|c| c.kind == ChangeKind::Delete));
    let revision = apply(&store, author.id, &CatalogChanges::default(), &changes, &[])
        .await
        .unwrap();
    assert_eq!(revision, 2);
    assert_eq!(store.load_plan_documents().await.unwrap(), second);
    let latest = store.latest_plan_revision().await.unwrap().unwrap();
    assert_eq!((latest.number, latest.files.len()), (2, 0));

    // An apply computed before revision 2 landed is refused, and writes nothing.
    let stale = diff_documents(&second, &first);
    let refused = apply_at(
        &store,
        author.id,
        &CatalogChanges::default(),
        &stale,
        &[],
        1,
    )
    .await;
    assert!(
        matches!(refused, Err(crate::StoreError::VersionConflict { .. })),
        "{refused:?}"
    );
    assert_eq!(store.load_plan_documents().await.unwrap(), second);
    assert_eq!(
        store.latest_plan_revision().await.unwrap().unwrap().number,
        2
    );
}

pub async fn a_failed_plan_apply_leaves_no_trace(store: Arc<dyn Store>) {
    let author = user(&store, "ana@example.com", UserRole::Admin).await;
    let mut broken = catalog_cases::shop();
    broken.functionalities[0]
        .services
        .push(muster_core::Slug::parse("s", "ghost").unwrap());
    let catalog = diff(&Default::default(), &broken, &Prune::Everything);
    let documents = diff_documents(&[], &[document("Role", "liaison", "{}", "2026-01-01")]);
    let files = [PlanFile {
        path: "roles.yaml".into(),
        text: "kind: Role\n".into(),
    }];
    assert!(
        apply(&store, author.id, &catalog, &documents, &files)
            .await
            .is_err()
    );
    assert_eq!(store.load_plan_documents().await.unwrap(), Vec::new());
    assert_eq!(store.latest_plan_revision().await.unwrap(), None);
    assert_eq!(store.load_catalog().await.unwrap(), Default::default());
}

pub async fn review_reminders_are_recorded_once_per_due_date(store: Arc<dyn Store>) {
    let documents = [
        document("Runbook", "old", "{}", "2026-01-01"),
        document("Runbook", "fresh", "{}", "2026-11-01"),
    ];
    let today = jiff::civil::date(2026, 11, 26);
    let owed: Vec<ReviewReminder> = reminders_due(&documents, today, at(10));
    assert_eq!(owed.len(), 1);
    assert_eq!(store.record_review_reminders(&owed).await.unwrap().len(), 1);
    let again = reminders_due(&documents, today, at(20));
    assert_eq!(
        store.record_review_reminders(&again).await.unwrap().len(),
        0,
        "the same due date is reminded once"
    );
    // Reviewed and overdue again later: a new due date, a new reminder.
    let later = [document("Runbook", "old", "{}", "2026-05-01")];
    let owed = reminders_due(&later, jiff::civil::date(2026, 12, 1), at(30));
    assert_eq!(store.record_review_reminders(&owed).await.unwrap().len(), 1);
    let recorded = store.review_reminders().await.unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0].recorded_at, at(30), "newest first");
    assert_eq!(recorded[0].due, jiff::civil::date(2026, 7, 30));
    assert_eq!(recorded[1].owner.as_deref(), Some("platform"));
    assert_eq!(store.record_review_reminders(&[]).await.unwrap().len(), 0);
}
