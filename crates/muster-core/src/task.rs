//! Tasks: checklist items of an incident, with an assignee and a done state.

use jiff::Timestamp;

use crate::error::{DomainError, Validation};
use crate::ids::{IncidentId, TaskId, UserId};
use crate::text;

/// A checklist item of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub incident_id: IncidentId,
    pub title: String,
    pub assignee: Option<UserId>,
    pub done_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub version: u64,
}

impl Task {
    pub fn is_done(&self) -> bool {
        self.done_at.is_some()
    }
}

/// Input for a new task.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub assignee: Option<UserId>,
}

/// A partial update of a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub title: Option<String>,
    /// `Some(None)` removes the assignee.
    pub assignee: Option<Option<UserId>>,
    pub done: Option<bool>,
}

pub(crate) fn build(
    id: TaskId,
    incident_id: IncidentId,
    input: NewTask,
    created_by: UserId,
    now: Timestamp,
) -> Result<Task, DomainError> {
    let mut validation = Validation::new();
    let title = validation.check(text::required("title", &input.title, text::TITLE_MAX));
    validation.finish()?;
    Ok(Task {
        id,
        incident_id,
        title: title.unwrap_or_default(),
        assignee: input.assignee,
        done_at: None,
        created_by,
        created_at: now,
        version: 1,
    })
}

/// Applies `patch`; returns the new task, or `None` when nothing would change.
pub(crate) fn patch(
    task: &Task,
    patch: TaskPatch,
    now: Timestamp,
) -> Result<Option<Task>, DomainError> {
    let mut next = task.clone();
    if let Some(title) = patch.title {
        next.title = text::required("title", &title, text::TITLE_MAX)
            .map_err(|e| DomainError::Invalid(vec![e]))?;
    }
    if let Some(assignee) = patch.assignee {
        next.assignee = assignee;
    }
    match patch.done {
        Some(true) if next.done_at.is_none() => next.done_at = Some(now),
        Some(false) => next.done_at = None,
        _ => {}
    }
    if next == *task {
        return Ok(None);
    }
    next.version = task.version + 1;
    Ok(Some(next))
}
