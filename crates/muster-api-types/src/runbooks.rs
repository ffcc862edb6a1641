//! The plan's runbooks as the API lists them: when each attaches and what
//! its steps do and when, in words.

use jiff::Timestamp;
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

/// Attach a runbook of the plan to an incident by hand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachRunbook {
    /// The runbook's name in the plan.
    pub runbook: String,
}

/// One run of a step, as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepRunState {
    /// 1 for the first run; a repeating step counts up.
    pub run: u32,
    /// `pending` (in flight, waiting for its moment or for a person),
    /// `done` or `failed`.
    pub status: String,
    pub attempts: u32,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<Timestamp>,
    /// Why the latest attempt failed.
    pub reason: Option<String>,
}

/// What comes next for a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NextStepRun {
    /// `due` (to start now), `scheduled` (at `at`), `waiting` (for
    /// `waiting_for`) or `finished` (nothing more to run).
    pub state: String,
    /// The run that comes next, from 1.
    pub run: Option<u32>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub at: Option<Timestamp>,
    /// "milestone mitigated", "step 1 (Page identity)", "its current run".
    pub waiting_for: Option<String>,
}

/// One step of an attached runbook and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepProgress {
    /// From 1, as `muster runbook run-step` counts.
    pub step: usize,
    pub name: String,
    pub action: String,
    /// A checklist item a person ticks off.
    pub manual: bool,
    /// Runs started so far.
    pub runs: usize,
    pub latest: Option<StepRunState>,
    pub next: NextStepRun,
}

/// A runbook attached to an incident, as it was when it attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AttachedRunbook {
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub attached_at: Timestamp,
    pub steps: Vec<StepProgress>,
}

/// The runbooks attached to an incident and where each step stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IncidentRunbooks {
    /// INC-42.
    pub incident: String,
    pub runbooks: Vec<AttachedRunbook>,
}

impl From<&muster_core::runbook::StepRun> for StepRunState {
    fn from(run: &muster_core::runbook::StepRun) -> Self {
        use muster_core::runbook::RunStatus;
        let (status, finished_at, reason) = match &run.status {
            RunStatus::Pending => ("pending", None, None),
            RunStatus::Done { at } => ("done", Some(*at), None),
            RunStatus::Failed { at, reason } => ("failed", Some(*at), Some(reason.clone())),
        };
        Self {
            run: run.key.occurrence + 1,
            status: status.to_owned(),
            attempts: run.attempts,
            started_at: run.started_at,
            finished_at,
            reason,
        }
    }
}

impl From<&muster_core::runbook::NextRun> for NextStepRun {
    fn from(next: &muster_core::runbook::NextRun) -> Self {
        use muster_core::runbook::{NextRun, WaitingFor};
        let (state, run, at, waiting_for) = match next {
            NextRun::Due { key, due_at } => ("due", Some(key.occurrence + 1), Some(*due_at), None),
            NextRun::Scheduled { key, due_at } => {
                ("scheduled", Some(key.occurrence + 1), Some(*due_at), None)
            }
            NextRun::Waiting { key, waiting_for } => {
                let what = match waiting_for {
                    WaitingFor::Milestone(milestone) => format!("milestone {milestone}"),
                    WaitingFor::Step { index, name } => format!("step {} ({name})", index + 1),
                    WaitingFor::CurrentRun => "its current run".to_owned(),
                };
                ("waiting", Some(key.occurrence + 1), None, Some(what))
            }
            NextRun::Finished => ("finished", None, None, None),
        };
        Self {
            state: state.to_owned(),
            run,
            at,
            waiting_for,
        }
    }
}

impl AttachedRunbook {
    /// An attached runbook's agenda, as the API shows it.
    pub fn from_core(
        attached: &muster_core::runbook::AttachedRunbook,
        agenda: &muster_core::runbook::StepAgenda,
    ) -> Self {
        Self {
            name: attached.runbook.name().to_string(),
            attached_at: attached.attached_at,
            steps: agenda
                .steps
                .iter()
                .map(|step| StepProgress {
                    step: step.step + 1,
                    name: step.name.clone(),
                    action: step.kind.to_owned(),
                    manual: step.waits_for_a_person,
                    runs: step.runs,
                    latest: step.latest.as_ref().map(StepRunState::from),
                    next: NextStepRun::from(&step.next),
                })
                .collect(),
        }
    }
}
