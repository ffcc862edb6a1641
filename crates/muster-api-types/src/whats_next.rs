//! The "what's next" panel of an incident: what is due, overdue, failed or
//! waiting for a person, roles still empty, each team's open tasks, and when
//! the next stakeholder update is owed. Every item names what its one-click
//! action needs (the runbook and step for `run-step`, the role to give).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A step run wanting attention: run it now, or tick it off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StepItem {
    pub runbook: String,
    /// From 1, as `muster runbook run-step` counts.
    pub step: usize,
    /// The run, from 1 (a repeating step counts up).
    pub run: u32,
    pub name: String,
    /// A checklist item a person ticks; otherwise the engine runs it.
    pub manual: bool,
    /// Due, or waiting for a person, since.
    #[schema(value_type = String, format = DateTime)]
    pub since: Timestamp,
}

/// A step whose latest run failed: retry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FailedStep {
    pub runbook: String,
    pub step: usize,
    pub run: u32,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    pub failed_at: Timestamp,
    pub reason: String,
    pub attempts: u32,
}

/// An open task of the incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpenTask {
    pub id: Uuid,
    pub title: String,
    pub assignee: Option<Uuid>,
}

/// One team's checklist on the incident (tasks a runbook gave it, titled
/// `[team] …`), or the incident's other tasks when `team` is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamTasks {
    pub team: Option<String>,
    pub open: Vec<OpenTask>,
    pub done: usize,
}

/// The stakeholder update owed or coming soonest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpcomingUpdate {
    /// The stakeholder group.
    pub group: String,
    #[schema(value_type = String, format = DateTime)]
    pub due_at: Timestamp,
    /// Owed already.
    pub due_now: bool,
    /// A next-business-morning digest.
    pub digest: bool,
}

/// Where the severity's update cadence stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Cadence {
    /// An update every this many minutes.
    pub every_minutes: i64,
    /// `not_due`, `due`, `late` (the communications lead is reminded),
    /// `very_late` (the commander too) or `stopped` (the milestone it runs
    /// until was reached).
    pub state: String,
    /// When the next update is (or was) due; none once stopped.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<Timestamp>,
    /// The roles reminded at this state.
    pub reminding: Vec<String>,
}

/// The panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WhatsNext {
    /// INC-42.
    pub incident: String,
    pub due_steps: Vec<StepItem>,
    /// Due, or waiting for a person, for 15 minutes or longer.
    pub overdue_steps: Vec<StepItem>,
    /// Manual steps started and not ticked yet.
    pub awaiting_people: Vec<StepItem>,
    pub failed_steps: Vec<FailedStep>,
    /// When the next scheduled step falls due.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_step_at: Option<Timestamp>,
    /// Roles the incident's runbooks want and nobody holds.
    pub empty_roles: Vec<String>,
    /// Open tasks, per team.
    pub tasks: Vec<TeamTasks>,
    pub next_stakeholder_update: Option<UpcomingUpdate>,
    /// None when the severity asks for no regular updates.
    pub cadence: Option<Cadence>,
}

impl StepItem {
    pub fn from_core(item: &muster_core::whats_next::StepItem) -> Self {
        Self {
            runbook: item.key.runbook.to_string(),
            step: item.key.step + 1,
            run: item.key.occurrence + 1,
            name: item.step_name.clone(),
            manual: item.manual,
            since: item.since,
        }
    }
}

impl FailedStep {
    pub fn from_core(item: &muster_core::whats_next::FailedStep) -> Self {
        Self {
            runbook: item.key.runbook.to_string(),
            step: item.key.step + 1,
            run: item.key.occurrence + 1,
            name: item.step_name.clone(),
            failed_at: item.at,
            reason: item.reason.clone(),
            attempts: item.attempts,
        }
    }
}

impl Cadence {
    pub fn from_core(
        cadence: &muster_core::stakeholder::cadence::UpdateCadence,
        state: &muster_core::stakeholder::cadence::CadenceState,
    ) -> Self {
        use muster_core::stakeholder::cadence::CadenceState;
        let (name, due_at) = match state {
            CadenceState::Stopped { .. } => ("stopped", None),
            CadenceState::NotDue { due_at } => ("not_due", Some(*due_at)),
            CadenceState::Due { due_at, .. } => ("due", Some(*due_at)),
            CadenceState::Late { due_at, .. } => ("late", Some(*due_at)),
            CadenceState::VeryLate { due_at, .. } => ("very_late", Some(*due_at)),
        };
        Self {
            every_minutes: cadence.every().as_mins(),
            state: name.to_owned(),
            due_at,
            reminding: state
                .reminders()
                .iter()
                .map(|r| r.role.to_string())
                .collect(),
        }
    }
}
