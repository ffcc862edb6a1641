//! The running plan's pages: what is in force, who applied it and when,
//! the source it came from, and which reviews are overdue.

use jiff::civil::Date;
use muster_core::Timestamp;
use muster_core::plan::{PlanDocument, PlanRevision};

use super::short_time;

/// Who changed the plan last, and how.
#[derive(Debug, Clone)]
pub struct RevisionView {
    pub number: i64,
    pub applied_at: String,
    pub applied_by: String,
    pub applied_by_email: String,
    pub summary: String,
}

/// One stored document as a table row.
#[derive(Debug, Clone)]
pub struct PlanDocumentRow {
    pub name: String,
    pub file: String,
    pub owner: Option<String>,
    pub owner_href: Option<String>,
    /// `2026-12-01`, or empty when the document is not reviewed.
    pub review_due: String,
    pub overdue: bool,
}

/// Documents of one kind.
#[derive(Debug, Clone)]
pub struct PlanKindGroup {
    pub kind: String,
    /// `Stakeholder group`: the kind in words.
    pub label: String,
    /// `runbooks-docs`: an id for the section.
    pub anchor: String,
    pub documents: Vec<PlanDocumentRow>,
}

#[derive(Debug, Clone)]
pub struct PlanSourceFile {
    pub path: String,
    pub text: String,
}

/// `/plan`.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub revision: Option<RevisionView>,
    pub groups: Vec<PlanKindGroup>,
    pub files: Vec<PlanSourceFile>,
    pub overdue: usize,
}

/// One row of `/plan/stale`.
#[derive(Debug, Clone)]
pub struct StaleRow {
    pub kind: String,
    pub name: String,
    pub file: String,
    pub owner: Option<String>,
    pub owner_href: Option<String>,
    pub last_reviewed: String,
    pub review_every: String,
    pub due: String,
    pub days_overdue: i32,
    /// When the owner's reminder was recorded; `None` until the engine runs.
    pub reminded_at: Option<String>,
}

fn owner_href(owner: &Option<String>) -> Option<String> {
    owner.as_ref().map(|team| format!("/teams/{team}"))
}

fn row(doc: &PlanDocument, today: Date) -> PlanDocumentRow {
    PlanDocumentRow {
        name: doc.name.clone(),
        file: doc.file.clone(),
        owner: doc.owner.clone(),
        owner_href: owner_href(&doc.owner),
        review_due: doc.review_due().map(|d| d.to_string()).unwrap_or_default(),
        overdue: doc.is_overdue(today),
    }
}

/// `StakeholderGroup` → `Stakeholder group` (headings show the count beside it).
fn kind_label(kind: &str) -> String {
    let mut words = String::new();
    for (i, c) in kind.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
            words.extend(c.to_lowercase());
        } else {
            words.push(c);
        }
    }
    words
}

/// Documents grouped by kind, kinds in `kind_order` (the plan's own order)
/// and then any others alphabetically.
pub fn plan_view(
    revision: Option<&PlanRevision>,
    documents: &[PlanDocument],
    today: Date,
    kind_order: &[&str],
) -> PlanView {
    let mut kinds: Vec<&str> = documents.iter().map(|d| d.kind.as_str()).collect();
    kinds.sort_by_key(|kind| {
        (
            kind_order
                .iter()
                .position(|k| k == kind)
                .unwrap_or(kind_order.len()),
            *kind,
        )
    });
    kinds.dedup();
    let groups = kinds
        .into_iter()
        .map(|kind| PlanKindGroup {
            kind: kind.to_owned(),
            label: kind_label(kind),
            anchor: format!("{}-docs", kind.to_lowercase()),
            documents: documents
                .iter()
                .filter(|d| d.kind == kind)
                .map(|d| row(d, today))
                .collect(),
        })
        .collect();
    PlanView {
        revision: revision.map(|r| RevisionView {
            number: r.number,
            applied_at: short_time(r.applied_at),
            applied_by: if r.applied_by_name.is_empty() {
                r.applied_by_email.clone()
            } else {
                r.applied_by_name.clone()
            },
            applied_by_email: r.applied_by_email.clone(),
            summary: r.summary.clone(),
        }),
        groups,
        files: revision
            .map(|r| {
                r.files
                    .iter()
                    .map(|f| PlanSourceFile {
                        path: f.path.clone(),
                        text: f.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        overdue: documents.iter().filter(|d| d.is_overdue(today)).count(),
    }
}

/// The overdue documents as rows, in the order given.
pub fn stale_rows(stale: &[(PlanDocument, Date, Option<Timestamp>)], today: Date) -> Vec<StaleRow> {
    stale
        .iter()
        .map(|(doc, due, reminded_at)| StaleRow {
            kind: doc.kind.clone(),
            name: doc.name.clone(),
            file: doc.file.clone(),
            owner: doc.owner.clone(),
            owner_href: owner_href(&doc.owner),
            last_reviewed: doc.last_reviewed.map(|d| d.to_string()).unwrap_or_default(),
            review_every: doc.review_every.clone().unwrap_or_default(),
            due: due.to_string(),
            days_overdue: (today - *due).get_days(),
            reminded_at: reminded_at.map(short_time),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_core::UserId;
    use muster_core::plan::PlanFile;

    fn doc(kind: &str, name: &str, last: Option<Date>) -> PlanDocument {
        PlanDocument {
            kind: kind.into(),
            name: name.into(),
            file: "plan.yaml".into(),
            body: "{}".into(),
            owner: Some("platform".into()),
            review_every: Some("90d".into()),
            last_reviewed: last,
        }
    }

    #[test]
    fn documents_group_by_kind_in_plan_order_and_flag_overdue_reviews() {
        let today = jiff::civil::date(2026, 11, 26);
        let docs = [
            doc("Runbook", "b", Some(jiff::civil::date(2026, 1, 1))),
            doc("Severity", "SEV1", Some(jiff::civil::date(2026, 11, 1))),
            doc("Custom", "x", None),
            doc("Runbook", "a", None),
        ];
        let revision = PlanRevision {
            number: 3,
            applied_at: Timestamp::UNIX_EPOCH,
            applied_by: UserId(uuid::Uuid::nil()),
            applied_by_name: String::new(),
            applied_by_email: "ana@example.com".into(),
            summary: "1 updated".into(),
            files: vec![PlanFile {
                path: "plan.yaml".into(),
                text: "kind: Runbook".into(),
            }],
        };
        let view = plan_view(Some(&revision), &docs, today, &["Severity", "Runbook"]);
        let kinds: Vec<&str> = view.groups.iter().map(|g| g.kind.as_str()).collect();
        assert_eq!(kinds, ["Severity", "Runbook", "Custom"]);
        let labels: Vec<&str> = view.groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(labels, ["Severity", "Runbook", "Custom"]);
        assert_eq!(kind_label("StakeholderGroup"), "Stakeholder group");
        assert_eq!(kind_label("SeverityMatrix"), "Severity matrix");
        assert_eq!(view.overdue, 1);
        assert!(view.groups[1].documents[0].overdue);
        assert_eq!(view.groups[1].documents[0].review_due, "2026-04-01");
        assert_eq!(view.groups[1].documents[1].review_due, "");
        let revision = view.revision.expect("a revision");
        assert_eq!(
            revision.applied_by, "ana@example.com",
            "the email stands in for a missing name"
        );
        assert_eq!(view.files.len(), 1);
        assert_eq!(
            view.groups[0].documents[0].owner_href.as_deref(),
            Some("/teams/platform")
        );
    }

    #[test]
    fn stale_rows_count_the_days_overdue() {
        let today = jiff::civil::date(2026, 11, 26);
        let due = jiff::civil::date(2026, 11, 20);
        let rows = stale_rows(
            &[(
                doc("Runbook", "a", Some(jiff::civil::date(2026, 8, 22))),
                due,
                None,
            )],
            today,
        );
        assert_eq!(rows[0].days_overdue, 6);
        assert_eq!(rows[0].reminded_at, None);
        assert_eq!(rows[0].last_reviewed, "2026-08-22");
    }
}
