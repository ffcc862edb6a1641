//! The timeline: an append-only record of everything that happened to an incident.

use jiff::Timestamp;

use crate::ids::{IncidentId, TaskId, TimelineEntryId, UserId};
use crate::milestone::Milestone;
use crate::role::RoleCode;
use crate::severity::SeverityCode;

/// What happened. Each change to an incident produces one or more of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineEvent {
    Declared { title: String, severity: SeverityCode },
    /// A text-like field changed (title, description, impact, tags, private, drill).
    FieldChanged { field: String, from: String, to: String },
    SeverityChanged { from: SeverityCode, to: SeverityCode },
    MilestoneReached { milestone: Milestone, at: Timestamp },
    /// A milestone's instant was corrected after the fact (or cleared).
    MilestoneEdited { milestone: Milestone, from: Option<Timestamp>, to: Option<Timestamp> },
    RoleAssigned { role: RoleCode, user: UserId, previous: Option<UserId> },
    RoleUnassigned { role: RoleCode, user: UserId },
    ParticipantAdded { user: UserId },
    ParticipantRemoved { user: UserId },
    TaskAdded { task: TaskId, title: String },
    TaskCompleted { task: TaskId, title: String },
    TaskReopened { task: TaskId, title: String },
    TaskAssigned { task: TaskId, title: String, assignee: Option<UserId> },
    TaskRenamed { task: TaskId, from: String, to: String },
    Note { text: String },
}

impl TimelineEvent {
    /// The stable code of the event kind, used in storage and the API.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Declared { .. } => "declared",
            Self::FieldChanged { .. } => "field_changed",
            Self::SeverityChanged { .. } => "severity_changed",
            Self::MilestoneReached { .. } => "milestone_reached",
            Self::MilestoneEdited { .. } => "milestone_edited",
            Self::RoleAssigned { .. } => "role_assigned",
            Self::RoleUnassigned { .. } => "role_unassigned",
            Self::ParticipantAdded { .. } => "participant_added",
            Self::ParticipantRemoved { .. } => "participant_removed",
            Self::TaskAdded { .. } => "task_added",
            Self::TaskCompleted { .. } => "task_completed",
            Self::TaskReopened { .. } => "task_reopened",
            Self::TaskAssigned { .. } => "task_assigned",
            Self::TaskRenamed { .. } => "task_renamed",
            Self::Note { .. } => "note",
        }
    }
}

/// A timeline entry about to be written, in the same transaction as its change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimelineEntry {
    pub id: TimelineEntryId,
    pub incident_id: IncidentId,
    pub occurred_at: Timestamp,
    pub actor: Option<UserId>,
    pub event: TimelineEvent,
}

/// A stored timeline entry; `sequence` orders entries of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    pub id: TimelineEntryId,
    pub incident_id: IncidentId,
    pub sequence: i64,
    pub occurred_at: Timestamp,
    pub actor: Option<UserId>,
    pub event: TimelineEvent,
}
