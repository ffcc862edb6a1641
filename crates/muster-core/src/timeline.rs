//! The timeline: an append-only record of everything that happened to an incident.

use jiff::Timestamp;

use crate::ids::{AlertId, IncidentId, PageId, TaskId, TimelineEntryId, UserId};
use crate::milestone::Milestone;
use crate::role::RoleCode;
use crate::severity::SeverityCode;

/// What happened. Each change to an incident produces one or more of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineEvent {
    Declared {
        title: String,
        severity: SeverityCode,
    },
    /// A text-like field changed (title, description, impact, tags, private, drill).
    FieldChanged {
        field: String,
        from: String,
        to: String,
    },
    SeverityChanged {
        from: SeverityCode,
        to: SeverityCode,
    },
    MilestoneReached {
        milestone: Milestone,
        at: Timestamp,
    },
    /// A milestone's instant was corrected after the fact (or cleared).
    MilestoneEdited {
        milestone: Milestone,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    },
    RoleAssigned {
        role: RoleCode,
        user: UserId,
        previous: Option<UserId>,
    },
    RoleUnassigned {
        role: RoleCode,
        user: UserId,
    },
    ParticipantAdded {
        user: UserId,
    },
    ParticipantRemoved {
        user: UserId,
    },
    TaskAdded {
        task: TaskId,
        title: String,
    },
    TaskCompleted {
        task: TaskId,
        title: String,
    },
    TaskReopened {
        task: TaskId,
        title: String,
    },
    TaskAssigned {
        task: TaskId,
        title: String,
        assignee: Option<UserId>,
    },
    TaskRenamed {
        task: TaskId,
        from: String,
        to: String,
    },
    Note {
        text: String,
    },
    /// What the incident touches, from the catalog, in one line.
    ImpactAssessed {
        summary: String,
    },
    /// Someone was paged for the incident (`target` as in "team identity").
    /// Pages are named by id: the entry is written with the page, before
    /// the store has numbered it.
    Paged {
        page: PageId,
        target: String,
    },
    /// A page of the incident was acknowledged (by the entry's actor).
    PageAcknowledged {
        page: PageId,
        target: String,
    },
    /// A page of the incident was resolved (by the entry's actor).
    PageResolved {
        page: PageId,
        target: String,
    },
    /// A page the incident called for could not be raised.
    PagingFailed {
        target: String,
        reason: String,
    },
    /// An alert joined the incident (by a route, or by hand).
    AlertAttached {
        alert: AlertId,
        summary: String,
    },
    /// Every alert attached to the incident resolved.
    AlertsResolved {
        alerts: u64,
    },
    /// A runbook's condition came true, so it attached (once, for good).
    RunbookAttached {
        runbook: String,
        /// Why its condition held, criterion by criterion.
        reason: String,
        /// The runbook as the plan wrote it then (its document's body): its
        /// steps run as attached, whatever later plan edits say.
        snapshot: String,
    },
    /// A runbook step did its work (`summary` says what, for people).
    StepDone {
        runbook: String,
        step: String,
        summary: String,
    },
    /// A runbook step could not do its work; it waits to be retried.
    StepFailed {
        runbook: String,
        step: String,
        reason: String,
    },
    /// A step is waiting for its moment (a digest at the next business
    /// morning, a wait that the incident's mitigation may make unneeded).
    StepWaiting {
        runbook: String,
        step: String,
        summary: String,
    },
    /// An internal update, as written from its template and sent.
    UpdatePosted {
        template: String,
        text: String,
    },
    /// A status-page update drafted for review; publishing it is a person's call.
    StatusUpdateDrafted {
        component: String,
        text: String,
    },
    /// An update published on the public status page, with the public
    /// incident's status after it.
    StatusUpdatePublished {
        status: String,
        text: String,
    },
    /// The severity's update cadence slipped: the holder of `role` was
    /// reminded that an update is owed. `very_late` when it escalated.
    UpdateReminderSent {
        role: RoleCode,
        user: UserId,
        very_late: bool,
    },
    /// The incident was started from a plan's scenario; the scenario's
    /// document as it was then is kept, so the comparison with its expected
    /// timeline does not move when the plan is edited later.
    ScenarioStarted {
        scenario: String,
        snapshot: String,
    },
    /// A person marked an action of the scenario's expected timeline done
    /// (`index` is its position there, from 0).
    ScenarioActionDone {
        scenario: String,
        index: u32,
        action: String,
    },
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
            Self::ImpactAssessed { .. } => "impact_assessed",
            Self::Paged { .. } => "paged",
            Self::PageAcknowledged { .. } => "page_acknowledged",
            Self::PageResolved { .. } => "page_resolved",
            Self::PagingFailed { .. } => "paging_failed",
            Self::AlertAttached { .. } => "alert_attached",
            Self::AlertsResolved { .. } => "alerts_resolved",
            Self::RunbookAttached { .. } => "runbook_attached",
            Self::StepDone { .. } => "step_done",
            Self::StepFailed { .. } => "step_failed",
            Self::StepWaiting { .. } => "step_waiting",
            Self::UpdatePosted { .. } => "update_posted",
            Self::StatusUpdateDrafted { .. } => "status_update_drafted",
            Self::StatusUpdatePublished { .. } => "status_update_published",
            Self::UpdateReminderSent { .. } => "update_reminder_sent",
            Self::ScenarioStarted { .. } => "scenario_started",
            Self::ScenarioActionDone { .. } => "scenario_action_done",
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

fn instant(at: &Option<Timestamp>) -> String {
    match at {
        Some(at) => at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => "unset".to_owned(),
    }
}

impl TimelineEvent {
    /// One line a person can read. `name` turns user ids into names.
    pub fn describe(&self, name: &dyn Fn(UserId) -> String) -> String {
        match self {
            Self::Declared { title, severity } => format!("Declared {severity}: {title}"),
            Self::FieldChanged { field, from, to } if from.is_empty() => {
                format!("Set {field} to \"{to}\"")
            }
            Self::FieldChanged { field, from, to } => {
                format!("Changed {field} from \"{from}\" to \"{to}\"")
            }
            Self::SeverityChanged { from, to } => format!("Severity changed from {from} to {to}"),
            Self::MilestoneReached { milestone, at } => {
                format!("Marked {milestone} at {}", instant(&Some(*at)))
            }
            Self::MilestoneEdited {
                milestone,
                from,
                to,
            } => {
                format!(
                    "Corrected {milestone} from {} to {}",
                    instant(from),
                    instant(to)
                )
            }
            Self::RoleAssigned {
                role,
                user,
                previous: Some(previous),
            } => {
                format!("{role} handed from {} to {}", name(*previous), name(*user))
            }
            Self::RoleAssigned {
                role,
                user,
                previous: None,
            } => format!("{} is now {role}", name(*user)),
            Self::RoleUnassigned { role, user } => format!("{} is no longer {role}", name(*user)),
            Self::ParticipantAdded { user } => format!("{} joined", name(*user)),
            Self::ParticipantRemoved { user } => format!("{} left", name(*user)),
            Self::TaskAdded { title, .. } => format!("Task added: {title}"),
            Self::TaskCompleted { title, .. } => format!("Task done: {title}"),
            Self::TaskReopened { title, .. } => format!("Task reopened: {title}"),
            Self::TaskAssigned {
                title,
                assignee: Some(user),
                ..
            } => {
                format!("Task \"{title}\" assigned to {}", name(*user))
            }
            Self::TaskAssigned {
                title,
                assignee: None,
                ..
            } => format!("Task \"{title}\" unassigned"),
            Self::TaskRenamed { from, to, .. } => {
                format!("Task renamed from \"{from}\" to \"{to}\"")
            }
            Self::Note { text } => text.clone(),
            Self::ImpactAssessed { summary } => summary.clone(),
            Self::Paged { target, .. } => format!("Paged {target}"),
            Self::PageAcknowledged { target, .. } => format!("Page to {target} acknowledged"),
            Self::PageResolved { target, .. } => format!("Page to {target} resolved"),
            Self::PagingFailed { target, reason } => {
                format!("Could not page {target}: {reason}")
            }
            Self::AlertAttached { summary, .. } => format!("Alert attached: {summary}"),
            Self::AlertsResolved { alerts: 1 } => {
                "The attached alert resolved: confirm the problem is gone, then resolve".to_owned()
            }
            Self::AlertsResolved { alerts } => format!(
                "All {alerts} attached alerts resolved: confirm the problem is gone, then resolve"
            ),
            Self::RunbookAttached {
                runbook, reason, ..
            } => format!("Runbook {runbook} attached: {reason}"),
            Self::StepDone {
                runbook,
                step,
                summary,
            } => format!("{runbook}: {step}: {summary}"),
            Self::StepFailed {
                runbook,
                step,
                reason,
            } => format!("{runbook}: {step} failed: {reason}"),
            Self::StepWaiting {
                runbook,
                step,
                summary,
            } => format!("{runbook}: {step}: {summary}"),
            Self::UpdatePosted { template, text } => {
                format!("Update posted from {template}: {text}")
            }
            Self::StatusUpdateDrafted { component, text } => {
                format!("Status-page update drafted for {component}: {text}")
            }
            Self::StatusUpdatePublished { status, text } => {
                format!("Published on the status page ({status}): {text}")
            }
            Self::UpdateReminderSent {
                role, very_late, ..
            } => {
                if *very_late {
                    format!("The update is very late: reminded the {role}")
                } else {
                    format!("The update is late: reminded the {role}")
                }
            }
            Self::ScenarioStarted { scenario, .. } => {
                format!("Started from the scenario {scenario}")
            }
            Self::ScenarioActionDone { action, .. } => format!("Done: {action}"),
        }
    }
}
