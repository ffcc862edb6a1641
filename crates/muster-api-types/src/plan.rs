//! The incident plan over the wire: upload a plan folder's files to diff or
//! apply them, read the running plan, export it, list overdue reviews.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::catalog::PlannedChange;

/// One file of a plan folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlanFile {
    /// Relative to the plan folder, `/`-separated, ending in `.yaml` or `.yml`.
    #[schema(example = "runbooks.yaml")]
    pub path: String,
    pub text: String,
}

/// A plan folder to check against the server (`dry_run`) or apply.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanUpload {
    pub files: Vec<PlanFile>,
    /// Compute the changes without writing (what `muster plan diff` sends).
    #[serde(default)]
    pub dry_run: bool,
    /// The secrets the plan's integrations name by environment variable
    /// (`signing_secret_env`), by variable, as read where the plan is
    /// applied: `muster plan apply` sends those of its environment. An apply
    /// without one the plan names is refused (`missing_secret`); a dry run
    /// without it compares it as unchanged. Never stored with the plan.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, String>,
}

impl std::fmt::Debug for PlanUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secrets' names only: a logged upload must not leak them.
        f.debug_struct("PlanUpload")
            .field("files", &self.files)
            .field("dry_run", &self.dry_run)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// One integration a plan declares or made, and what the apply does to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlannedIntegration {
    pub name: String,
    /// `create`, `update`, `unchanged` or `retire` (out of service: its key
    /// is refused, its alerts kept).
    #[schema(example = "create")]
    pub action: String,
    /// `alertmanager`, `grafana`, `pagerduty_events`, `generic`, `heartbeat`.
    pub kind: String,
    pub service: Option<String>,
    pub team: Option<String>,
    /// What an update changes (`kind`, `service`, `team`, `mapping`,
    /// `signing_secret`, …), never a secret's value.
    #[serde(default)]
    pub changed: Vec<String>,
    /// A create that brings back a retired integration of this name: its
    /// alerts are kept, its key is new.
    #[serde(default)]
    pub revived: bool,
    /// Where the source sends (`/ingest/alertmanager/{key}`, `/v2/enqueue`).
    pub endpoint: String,
    /// A created integration's key, on a real apply only: shown this once,
    /// stored only as a digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What an apply changed, or a dry run would change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanApplyResult {
    pub dry_run: bool,
    /// Whether anything was (or would be) written.
    pub changed: bool,
    /// The revision this apply recorded (none when dry or unchanged).
    pub revision: Option<i64>,
    /// Catalog entries: `entry` is `team`, `service` or `functionality`;
    /// other documents: `entry` is their kind (`Runbook`, `Severity`, …).
    pub changes: Vec<PlannedChange>,
    /// The integrations the plan declares or made, by name, with the keys
    /// of those created.
    #[serde(default)]
    pub integrations: Vec<PlannedIntegration>,
}

/// Who applied a revision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanAuthor {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// One apply that changed something.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanRevision {
    pub number: i64,
    #[schema(value_type = String, format = DateTime)]
    pub applied_at: Timestamp,
    pub applied_by: PlanAuthor,
    /// e.g. `3 created, 1 updated`.
    pub summary: String,
    /// The files applied, by path (their text is in `GET /plan/source`).
    pub files: Vec<String>,
}

/// A stored plan document (not a catalog entry).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanDocument {
    #[schema(example = "Runbook")]
    pub kind: String,
    pub name: String,
    pub file: String,
    /// The owning team.
    pub owner: Option<String>,
    #[schema(example = "90d")]
    pub review_every: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_reviewed: Option<Date>,
    /// `last_reviewed + review_every`.
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due: Option<Date>,
    /// Whether the review was due before today.
    pub overdue: bool,
}

/// The running plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanOverview {
    /// The newest revision; none until a plan is applied.
    pub revision: Option<PlanRevision>,
    pub documents: Vec<PlanDocument>,
}

/// Plan files: the newest revision's source, or an export of the server's state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanFiles {
    pub files: Vec<PlanFile>,
}

/// A document whose review is overdue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaleDocument {
    pub kind: String,
    pub name: String,
    pub file: String,
    pub owner: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub last_reviewed: Option<Date>,
    pub review_every: Option<String>,
    /// The day the review fell due.
    #[schema(value_type = String, format = Date)]
    pub due: Date,
    /// When the owner's reminder was recorded, if it was.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reminded_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaleDocuments {
    pub documents: Vec<StaleDocument>,
}

/// A plan file path the server accepts: relative, inside the folder, YAML.
pub fn check_path(path: &str) -> Result<(), String> {
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    let escapes = path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..");
    if path.len() > 255 {
        Err("paths are at most 255 characters".into())
    } else if path.contains(['\\', '\0', ':']) || escapes || !yaml {
        Err(format!(
            "expected a relative path like team/runbooks.yaml inside the plan folder, got {path:?}"
        ))
    } else {
        Ok(())
    }
}

mod convert {
    use muster_core::plan as core;

    use super::*;

    impl From<&core::PlanFile> for PlanFile {
        fn from(file: &core::PlanFile) -> Self {
            Self {
                path: file.path.clone(),
                text: file.text.clone(),
            }
        }
    }

    impl From<PlanFile> for core::PlanFile {
        fn from(file: PlanFile) -> Self {
            Self {
                path: file.path,
                text: file.text,
            }
        }
    }

    impl From<&core::PlanRevision> for PlanRevision {
        fn from(revision: &core::PlanRevision) -> Self {
            Self {
                number: revision.number,
                applied_at: revision.applied_at,
                applied_by: PlanAuthor {
                    id: revision.applied_by.as_uuid(),
                    name: revision.applied_by_name.clone(),
                    email: revision.applied_by_email.clone(),
                },
                summary: revision.summary.clone(),
                files: revision.files.iter().map(|f| f.path.clone()).collect(),
            }
        }
    }

    impl PlanDocument {
        pub fn of(document: &core::PlanDocument, today: Date) -> Self {
            Self {
                kind: document.kind.clone(),
                name: document.name.clone(),
                file: document.file.clone(),
                owner: document.owner.clone(),
                review_every: document.review_every.clone(),
                last_reviewed: document.last_reviewed,
                review_due: document.review_due(),
                overdue: document.is_overdue(today),
            }
        }
    }

    impl PlanApplyResult {
        pub fn of(
            catalog: &muster_core::catalog::changes::CatalogChanges,
            documents: &[core::DocumentChange],
            integrations: Vec<PlannedIntegration>,
            revision: Option<i64>,
            changed: bool,
            dry_run: bool,
        ) -> Self {
            let mut changes = crate::catalog::CatalogSyncResult::from((catalog, dry_run)).changes;
            changes.extend(documents.iter().map(|c| PlannedChange {
                entry: c.document_kind.clone(),
                slug: c.name.clone(),
                action: c.kind.as_str().to_owned(),
            }));
            Self {
                dry_run,
                changed,
                revision,
                changes,
                integrations,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn only_relative_yaml_paths_inside_the_folder_are_accepted() {
        for ok in ["runbooks.yaml", "team/a.yml", "a-b_c/d.e.yaml"] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/etc/passwd.yaml",
            "../up.yaml",
            "a/../../b.yaml",
            "a//b.yaml",
            "./a.yaml",
            "notes.txt",
            "a\\b.yaml",
            "C:/x.yaml",
            "c:x.yaml",
            "",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        assert!(check_path(&format!("{}.yaml", "a".repeat(300))).is_err());
    }
}
