//! The plan's runbooks as the API lists them: when each attaches and what
//! its steps do and when, in words.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunbookStep {
    pub name: String,
    /// One of the step actions: `assign_role`, `page_team`, `assemble_task_force`,
    /// `create_tasks`, `notify_stakeholders`, `post_update`, `draft_status_update`,
    /// `webhook`, `manual`.
    pub action: String,
    /// What it does: "give commander to the on-call of identity-primary".
    pub does: String,
    /// When it runs: "after \"Page identity\", every 30m until mitigated".
    pub when: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Runbook {
    pub name: String,
    /// When it attaches, in words: "severity at least SEV1 and functionality login affected".
    pub conditions: String,
    pub steps: Vec<RunbookStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RunbookList {
    /// By name.
    pub runbooks: Vec<Runbook>,
    /// Stored runbook documents that do not read, and why: they attach to nothing.
    pub problems: Vec<String>,
}

impl From<&muster_core::runbook::Runbook> for Runbook {
    fn from(runbook: &muster_core::runbook::Runbook) -> Self {
        let names: Vec<&str> = runbook.steps().iter().map(|s| s.name.as_str()).collect();
        Self {
            name: runbook.name().to_string(),
            conditions: runbook.conditions().describe(),
            steps: runbook
                .steps()
                .iter()
                .map(|step| RunbookStep {
                    name: step.name.clone(),
                    action: step.action.kind().to_owned(),
                    does: step.action.describe(),
                    when: step.timing.describe(&names),
                })
                .collect(),
        }
    }
}
