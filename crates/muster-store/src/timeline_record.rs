//! The flat, column-per-field form of a timeline event, identical in every backend.

use muster_core::{
    AlertId, Milestone, PageId, RoleCode, SeverityCode, TaskId, TimelineEvent, Timestamp, UserId,
};

use crate::StoreError;

/// A timeline event as stored: a kind code and a few optional columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineRecord {
    pub kind: String,
    /// What the event is about: a field name, milestone, role or severity.
    pub subject: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub text: Option<String>,
    pub user_id: Option<UserId>,
    pub task_id: Option<TaskId>,
}

fn instant(value: Option<Timestamp>) -> Option<String> {
    value.map(|at| at.as_millisecond().to_string())
}

fn parse_instant(value: Option<&str>) -> Result<Option<Timestamp>, StoreError> {
    value
        .map(|raw| {
            raw.parse::<i64>()
                .ok()
                .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("timeline instant {raw:?}")))
        })
        .transpose()
}

impl TimelineRecord {
    pub fn encode(event: &TimelineEvent) -> Self {
        let kind = event.kind().to_owned();
        let base = Self {
            kind,
            ..Self::default()
        };
        match event {
            TimelineEvent::Declared { title, severity } => Self {
                subject: Some(severity.to_string()),
                text: Some(title.clone()),
                ..base
            },
            TimelineEvent::FieldChanged { field, from, to } => Self {
                subject: Some(field.clone()),
                old_value: Some(from.clone()),
                new_value: Some(to.clone()),
                ..base
            },
            TimelineEvent::SeverityChanged { from, to } => Self {
                old_value: Some(from.to_string()),
                new_value: Some(to.to_string()),
                ..base
            },
            TimelineEvent::MilestoneReached { milestone, at } => Self {
                subject: Some(milestone.to_string()),
                new_value: instant(Some(*at)),
                ..base
            },
            TimelineEvent::MilestoneEdited {
                milestone,
                from,
                to,
            } => Self {
                subject: Some(milestone.to_string()),
                old_value: instant(*from),
                new_value: instant(*to),
                ..base
            },
            TimelineEvent::RoleAssigned {
                role,
                user,
                previous,
            } => Self {
                subject: Some(role.to_string()),
                user_id: Some(*user),
                old_value: previous.map(|p| p.to_string()),
                ..base
            },
            TimelineEvent::RoleUnassigned { role, user } => Self {
                subject: Some(role.to_string()),
                user_id: Some(*user),
                ..base
            },
            TimelineEvent::ParticipantAdded { user }
            | TimelineEvent::ParticipantRemoved { user } => Self {
                user_id: Some(*user),
                ..base
            },
            TimelineEvent::TaskAdded { task, title }
            | TimelineEvent::TaskCompleted { task, title }
            | TimelineEvent::TaskReopened { task, title } => Self {
                task_id: Some(*task),
                text: Some(title.clone()),
                ..base
            },
            TimelineEvent::TaskAssigned {
                task,
                title,
                assignee,
            } => Self {
                task_id: Some(*task),
                text: Some(title.clone()),
                user_id: *assignee,
                ..base
            },
            TimelineEvent::TaskRenamed { task, from, to } => Self {
                task_id: Some(*task),
                old_value: Some(from.clone()),
                new_value: Some(to.clone()),
                ..base
            },
            TimelineEvent::Note { text } | TimelineEvent::ImpactAssessed { summary: text } => {
                Self {
                    text: Some(text.clone()),
                    ..base
                }
            }
            TimelineEvent::Paged { page, target }
            | TimelineEvent::PageAcknowledged { page, target }
            | TimelineEvent::PageResolved { page, target } => Self {
                subject: Some(page.to_string()),
                text: Some(target.clone()),
                ..base
            },
            TimelineEvent::PagingFailed { target, reason } => Self {
                subject: Some(target.clone()),
                text: Some(reason.clone()),
                ..base
            },
            TimelineEvent::AlertAttached { alert, summary } => Self {
                subject: Some(alert.to_string()),
                text: Some(summary.clone()),
                ..base
            },
            TimelineEvent::AlertsResolved { alerts } => Self {
                subject: Some(alerts.to_string()),
                ..base
            },
            TimelineEvent::RunbookAttached {
                runbook,
                reason,
                snapshot,
            } => Self {
                subject: Some(runbook.clone()),
                text: Some(reason.clone()),
                new_value: Some(snapshot.clone()),
                ..base
            },
            TimelineEvent::StepDone {
                runbook,
                step,
                summary: text,
            }
            | TimelineEvent::StepFailed {
                runbook,
                step,
                reason: text,
            }
            | TimelineEvent::StepWaiting {
                runbook,
                step,
                summary: text,
            } => Self {
                subject: Some(runbook.clone()),
                old_value: Some(step.clone()),
                text: Some(text.clone()),
                ..base
            },
            TimelineEvent::UpdatePosted {
                template: subject,
                text,
            }
            | TimelineEvent::StatusUpdateDrafted {
                component: subject,
                text,
            }
            | TimelineEvent::StatusUpdatePublished {
                status: subject,
                text,
            } => Self {
                subject: Some(subject.clone()),
                text: Some(text.clone()),
                ..base
            },
            TimelineEvent::UpdateReminderSent {
                role,
                user,
                very_late,
            } => Self {
                subject: Some(role.to_string()),
                user_id: Some(*user),
                new_value: Some(if *very_late { "very_late" } else { "late" }.to_owned()),
                ..base
            },
            TimelineEvent::ScenarioStarted { scenario, snapshot } => Self {
                subject: Some(scenario.clone()),
                new_value: Some(snapshot.clone()),
                ..base
            },
            TimelineEvent::ScenarioActionDone {
                scenario,
                index,
                action,
            } => Self {
                subject: Some(scenario.clone()),
                old_value: Some(index.to_string()),
                text: Some(action.clone()),
                ..base
            },
        }
    }

    pub fn decode(self) -> Result<TimelineEvent, StoreError> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!("timeline entry of kind {} lacks {what}", self.kind))
        };
        let text = || self.text.clone().ok_or_else(|| corrupt("text"));
        let subject = || self.subject.clone().ok_or_else(|| corrupt("subject"));
        let user = || self.user_id.ok_or_else(|| corrupt("user_id"));
        let task = || self.task_id.ok_or_else(|| corrupt("task_id"));
        let old = || self.old_value.clone().ok_or_else(|| corrupt("old_value"));
        let new = || self.new_value.clone().ok_or_else(|| corrupt("new_value"));
        let milestone =
            || -> Result<Milestone, StoreError> { subject()?.parse().map_err(StoreError::Corrupt) };
        let page = || -> Result<PageId, StoreError> {
            subject()?.parse().map_err(|_| corrupt("a page id"))
        };

        Ok(match self.kind.as_str() {
            "declared" => TimelineEvent::Declared {
                title: text()?,
                severity: SeverityCode::new(subject()?),
            },
            "field_changed" => TimelineEvent::FieldChanged {
                field: subject()?,
                from: old()?,
                to: new()?,
            },
            "severity_changed" => TimelineEvent::SeverityChanged {
                from: SeverityCode::new(old()?),
                to: SeverityCode::new(new()?),
            },
            "milestone_reached" => TimelineEvent::MilestoneReached {
                milestone: milestone()?,
                at: parse_instant(self.new_value.as_deref())?
                    .ok_or_else(|| corrupt("new_value"))?,
            },
            "milestone_edited" => TimelineEvent::MilestoneEdited {
                milestone: milestone()?,
                from: parse_instant(self.old_value.as_deref())?,
                to: parse_instant(self.new_value.as_deref())?,
            },
            "role_assigned" => TimelineEvent::RoleAssigned {
                role: RoleCode::new(subject()?),
                user: user()?,
                previous: self
                    .old_value
                    .as_deref()
                    .map(|raw| raw.parse().map_err(|_| corrupt("a valid previous user")))
                    .transpose()?,
            },
            "role_unassigned" => TimelineEvent::RoleUnassigned {
                role: RoleCode::new(subject()?),
                user: user()?,
            },
            "participant_added" => TimelineEvent::ParticipantAdded { user: user()? },
            "participant_removed" => TimelineEvent::ParticipantRemoved { user: user()? },
            "task_added" => TimelineEvent::TaskAdded {
                task: task()?,
                title: text()?,
            },
            "task_completed" => TimelineEvent::TaskCompleted {
                task: task()?,
                title: text()?,
            },
            "task_reopened" => TimelineEvent::TaskReopened {
                task: task()?,
                title: text()?,
            },
            "task_assigned" => TimelineEvent::TaskAssigned {
                task: task()?,
                title: text()?,
                assignee: self.user_id,
            },
            "task_renamed" => TimelineEvent::TaskRenamed {
                task: task()?,
                from: old()?,
                to: new()?,
            },
            "note" => TimelineEvent::Note { text: text()? },
            "impact_assessed" => TimelineEvent::ImpactAssessed { summary: text()? },
            "paged" => TimelineEvent::Paged {
                page: page()?,
                target: text()?,
            },
            "page_acknowledged" => TimelineEvent::PageAcknowledged {
                page: page()?,
                target: text()?,
            },
            "page_resolved" => TimelineEvent::PageResolved {
                page: page()?,
                target: text()?,
            },
            "paging_failed" => TimelineEvent::PagingFailed {
                target: subject()?,
                reason: text()?,
            },
            "alert_attached" => TimelineEvent::AlertAttached {
                alert: subject()?
                    .parse::<AlertId>()
                    .map_err(|e| StoreError::Corrupt(format!("timeline alert id: {e}")))?,
                summary: text()?,
            },
            "alerts_resolved" => TimelineEvent::AlertsResolved {
                alerts: subject()?
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("timeline alert count: {e}")))?,
            },
            "runbook_attached" => TimelineEvent::RunbookAttached {
                runbook: subject()?,
                reason: text()?,
                snapshot: new()?,
            },
            "step_done" => TimelineEvent::StepDone {
                runbook: subject()?,
                step: old()?,
                summary: text()?,
            },
            "step_failed" => TimelineEvent::StepFailed {
                runbook: subject()?,
                step: old()?,
                reason: text()?,
            },
            "step_waiting" => TimelineEvent::StepWaiting {
                runbook: subject()?,
                step: old()?,
                summary: text()?,
            },
            "update_posted" => TimelineEvent::UpdatePosted {
                template: subject()?,
                text: text()?,
            },
            "status_update_drafted" => TimelineEvent::StatusUpdateDrafted {
                component: subject()?,
                text: text()?,
            },
            "status_update_published" => TimelineEvent::StatusUpdatePublished {
                status: subject()?,
                text: text()?,
            },
            "update_reminder_sent" => TimelineEvent::UpdateReminderSent {
                role: RoleCode::new(subject()?),
                user: user()?,
                very_late: new()? == "very_late",
            },
            "scenario_started" => TimelineEvent::ScenarioStarted {
                scenario: subject()?,
                snapshot: new()?,
            },
            "scenario_action_done" => TimelineEvent::ScenarioActionDone {
                scenario: subject()?,
                index: old()?
                    .parse()
                    .map_err(|_| corrupt("a valid action index"))?,
                action: text()?,
            },
            other => {
                return Err(StoreError::Corrupt(format!(
                    "unknown timeline kind {other:?}"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn every_event_survives_the_round_trip() {
        let user = UserId(Uuid::from_u128(1));
        let task = TaskId(Uuid::from_u128(2));
        let at = Timestamp::from_millisecond(1_700_000_000_123).unwrap();
        let events = vec![
            TimelineEvent::Declared {
                title: "t".into(),
                severity: SeverityCode::new("SEV1"),
            },
            TimelineEvent::FieldChanged {
                field: "title".into(),
                from: "".into(),
                to: "b".into(),
            },
            TimelineEvent::SeverityChanged {
                from: SeverityCode::new("SEV3"),
                to: SeverityCode::new("SEV1"),
            },
            TimelineEvent::MilestoneReached {
                milestone: Milestone::Resolved,
                at,
            },
            TimelineEvent::MilestoneEdited {
                milestone: Milestone::Started,
                from: Some(at),
                to: None,
            },
            TimelineEvent::RoleAssigned {
                role: RoleCode::new("commander"),
                user,
                previous: Some(user),
            },
            TimelineEvent::RoleAssigned {
                role: RoleCode::new("scribe"),
                user,
                previous: None,
            },
            TimelineEvent::RoleUnassigned {
                role: RoleCode::new("scribe"),
                user,
            },
            TimelineEvent::ParticipantAdded { user },
            TimelineEvent::ParticipantRemoved { user },
            TimelineEvent::TaskAdded {
                task,
                title: "x".into(),
            },
            TimelineEvent::TaskCompleted {
                task,
                title: "x".into(),
            },
            TimelineEvent::TaskReopened {
                task,
                title: "x".into(),
            },
            TimelineEvent::TaskAssigned {
                task,
                title: "x".into(),
                assignee: None,
            },
            TimelineEvent::TaskAssigned {
                task,
                title: "x".into(),
                assignee: Some(user),
            },
            TimelineEvent::TaskRenamed {
                task,
                from: "x".into(),
                to: "y".into(),
            },
            TimelineEvent::Note {
                text: "hello".into(),
            },
            TimelineEvent::Paged {
                page: PageId(Uuid::from_u128(3)),
                target: "team identity".into(),
            },
            TimelineEvent::PageAcknowledged {
                page: PageId(Uuid::from_u128(3)),
                target: "team identity".into(),
            },
            TimelineEvent::PageResolved {
                page: PageId(Uuid::from_u128(3)),
                target: "team identity".into(),
            },
            TimelineEvent::PagingFailed {
                target: "team storefront".into(),
                reason: "team storefront has no escalation policy".into(),
            },
            TimelineEvent::AlertAttached {
                alert: AlertId(Uuid::from_u128(4)),
                summary: "Checkout API is down".into(),
            },
            TimelineEvent::AlertsResolved { alerts: 3 },
            TimelineEvent::RunbookAttached {
                runbook: "login-failures".into(),
                reason: "functionality login is affected".into(),
                snapshot: r#"{"steps":[]}"#.into(),
            },
            TimelineEvent::StepDone {
                runbook: "login-failures".into(),
                step: "Page identity".into(),
                summary: "paged team identity".into(),
            },
            TimelineEvent::StepFailed {
                runbook: "login-failures".into(),
                step: "Tell the room".into(),
                reason: "no stakeholder group named room".into(),
            },
            TimelineEvent::StepWaiting {
                runbook: "sev1-kickoff".into(),
                step: "Tell legal".into(),
                summary: "legal hears in a digest at 09:00".into(),
            },
            TimelineEvent::UpdatePosted {
                template: "sev1-internal".into(),
                text: "INC-1 is SEV1".into(),
            },
            TimelineEvent::StatusUpdateDrafted {
                component: "accounts".into(),
                text: "We are investigating".into(),
            },
            TimelineEvent::StatusUpdatePublished {
                status: "investigating".into(),
                text: "We are investigating".into(),
            },
            TimelineEvent::UpdateReminderSent {
                role: RoleCode::new("communications"),
                user,
                very_late: true,
            },
            TimelineEvent::ScenarioStarted {
                scenario: "login-outage".into(),
                snapshot: "{\"runbooks\":[\"r\"]}".into(),
            },
            TimelineEvent::ScenarioActionDone {
                scenario: "login-outage".into(),
                index: 4,
                action: "auth-api is rolled back".into(),
            },
        ];
        for event in events {
            assert_eq!(TimelineRecord::encode(&event).decode().unwrap(), event);
        }
    }

    #[test]
    fn unknown_or_incomplete_records_are_corrupt_not_panics() {
        let record = TimelineRecord {
            kind: "bogus".into(),
            ..Default::default()
        };
        assert!(matches!(record.decode(), Err(StoreError::Corrupt(_))));
        let record = TimelineRecord {
            kind: "note".into(),
            ..Default::default()
        };
        assert!(matches!(record.decode(), Err(StoreError::Corrupt(_))));
    }
}
