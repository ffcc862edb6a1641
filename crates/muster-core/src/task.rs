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

    /// The team whose checklist the task is on, and the task without it: a
    /// runbook's checklist for a team titles its tasks `[team] …`
    /// ([`team_title`]); other tasks have no team.
    pub fn team(&self) -> (Option<&str>, &str) {
        match self
            .title
            .strip_prefix('[')
            .and_then(|rest| rest.split_once("] "))
        {
            Some((team, title)) if !team.is_empty() => (Some(team), title),
            _ => (None, &self.title),
        }
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

/// The title of a task on `team`'s checklist (see [`Task::team`]).
pub fn team_title(team: &str, title: &str) -> String {
    format!("[{team}] {title}")
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn titled(title: &str) -> Task {
        Task {
            id: TaskId(Uuid::from_u128(1)),
            incident_id: IncidentId(Uuid::from_u128(2)),
            title: title.into(),
            assignee: None,
            done_at: None,
            created_by: UserId(Uuid::from_u128(3)),
            created_at: Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn a_checklist_task_names_its_team_and_others_do_not() {
        let task = titled(&team_title("support", "Pin a macro"));
        assert_eq!(task.team(), (Some("support"), "Pin a macro"));
        assert_eq!(titled("Check the logs").team(), (None, "Check the logs"));
        assert_eq!(titled("[] empty").team(), (None, "[] empty"));
        assert_eq!(titled("[unclosed task").team(), (None, "[unclosed task"));
    }
}
