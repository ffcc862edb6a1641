//! Incident use cases: declare, read, change, and the sub-resources.

use muster_core::runbook::attach_due;
use muster_core::{
    Actor, DomainError, Incident, IncidentChange, IncidentDecision, IncidentId, IncidentNumber,
    IncidentPatch, IncidentRules, Milestone, NewTask, NewTimelineEntry, Permission, Task, TaskId,
    TaskPatch, TimelineEntry, TimelineEntryId, TimelineEvent, Timestamp, UserId,
};
use muster_store::{IncidentFilter, IncidentPage, StoreError};
use uuid::Uuid;

use crate::{App, AppError};

/// How people and machines name an incident: `INC-42`, `42`, or its UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKey {
    Number(IncidentNumber),
    Id(IncidentId),
}

impl std::str::FromStr for IncidentKey {
    type Err = AppError;
    fn from_str(raw: &str) -> Result<Self, AppError> {
        if let Ok(id) = Uuid::parse_str(raw) {
            return Ok(Self::Id(IncidentId(id)));
        }
        raw.parse::<IncidentNumber>()
            .map(Self::Number)
            .map_err(|message| AppError::invalid("incident", message))
    }
}

impl std::fmt::Display for IncidentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Number(number) => number.fmt(f),
            Self::Id(id) => id.fmt(f),
        }
    }
}

/// An incident with everything around it, for pages that show it whole.
#[derive(Debug, Clone)]
pub struct IncidentOverview {
    pub incident: Incident,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    pub tasks: Vec<Task>,
    pub users: Vec<muster_core::User>,
}

/// A change to make to an incident, decided against its current state.
type Decide<'a> =
    dyn Fn(&Incident, Timestamp) -> Result<IncidentDecision, DomainError> + Send + Sync + 'a;

/// How often a command without an explicit version is re-decided after
/// losing a race, before the conflict is reported.
const RETRIES: usize = 5;

pub(crate) fn entries(
    incident: IncidentId,
    actor: &Actor,
    at: Timestamp,
    events: Vec<TimelineEvent>,
) -> Vec<NewTimelineEntry> {
    events
        .into_iter()
        .map(|event| NewTimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident,
            occurred_at: at,
            actor: Some(actor.user_id),
            event,
        })
        .collect()
}

fn check_version(incident: &Incident, expected: Option<u64>) -> Result<(), AppError> {
    match expected {
        Some(expected) if expected != incident.version => Err(DomainError::VersionConflict {
            expected,
            actual: incident.version,
        }
        .into()),
        _ => Ok(()),
    }
}

impl App {
    async fn load(&self, key: IncidentKey) -> Result<Option<Incident>, AppError> {
        Ok(match key {
            IncidentKey::Number(number) => self.store.find_incident_by_number(number).await?,
            IncidentKey::Id(id) => self.store.find_incident(id).await?,
        })
    }

    /// Loads an incident the actor may see. A private incident the actor may
    /// not see is "not found": its existence is private too.
    pub async fn get_incident(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<Incident, AppError> {
        if !actor.can(Permission::ReadIncidents) {
            return Err(AppError::Forbidden(format!(
                "the {} role may not read incidents",
                actor.role
            )));
        }
        self.load(key)
            .await?
            .filter(|incident| incident.visible_to(actor))
            .ok_or_else(|| AppError::not_found("incident", key))
    }

    pub async fn list_incidents(
        &self,
        actor: &Actor,
        mut filter: IncidentFilter,
    ) -> Result<IncidentPage, AppError> {
        if !actor.can(Permission::ReadIncidents) {
            return Err(AppError::Forbidden(format!(
                "the {} role may not read incidents",
                actor.role
            )));
        }
        filter.visible_to = (!actor.is_admin()).then_some(actor.user_id);
        filter.limit = filter.limit.clamp(1, 200);
        if let Some(tag) = filter.tag.take() {
            filter.tag = Some(tag.trim().to_lowercase());
        }
        let mut severities = Vec::with_capacity(filter.severities.len());
        for code in &filter.severities {
            severities.push(
                self.settings
                    .severities
                    .resolve("severity", code)?
                    .to_string(),
            );
        }
        filter.severities = severities;
        Ok(self.store.list_incidents(&filter).await?)
    }

    /// Loads, decides, and commits with compare-and-swap. Without an explicit
    /// `expected_version` a lost race is re-decided on fresh state, since the
    /// caller asked for an outcome ("acknowledge"), not for a specific version.
    pub(crate) async fn change(
        &self,
        actor: &Actor,
        key: IncidentKey,
        expected_version: Option<u64>,
        decide: &Decide<'_>,
    ) -> Result<Incident, AppError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let incident = self.get_incident(actor, key).await?;
            check_version(&incident, expected_version)?;
            let now = self.now();
            let mut change: IncidentChange = match decide(&incident, now)? {
                IncidentDecision::Unchanged => return Ok(incident),
                IncidentDecision::Changed(change) => *change,
            };
            // Every change may make a runbook's condition true (SEV3 raised
            // to SEV1, a milestone reached): it attaches in the same write,
            // and a lost race decides it again on the winner's state.
            let context = self.routing_context().await?;
            let attached = attach_due(
                &mut change.incident,
                &context.runbooks,
                &self.settings.severities,
            );
            change.events.extend(attached);
            let timeline = entries(incident.id, actor, now, change.events.clone());
            match self.store.apply_incident_change(&change, &timeline).await {
                Ok(()) => {
                    self.wake_steps();
                    return Ok(change.incident);
                }
                Err(StoreError::VersionConflict { .. })
                    if expected_version.is_none() && attempt < RETRIES =>
                {
                    continue;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    pub async fn update_incident(
        &self,
        actor: &Actor,
        key: IncidentKey,
        expected_version: Option<u64>,
        patch: IncidentPatch,
    ) -> Result<Incident, AppError> {
        let rules = self.settings.rules();
        self.change(actor, key, expected_version, &|incident, now| {
            incident.update(patch.clone(), actor, &rules, now)
        })
        .await
    }

    /// Acknowledge, mitigate, resolve or close.
    pub async fn reach_milestone(
        &self,
        actor: &Actor,
        key: IncidentKey,
        expected_version: Option<u64>,
        milestone: Milestone,
        at: Option<Timestamp>,
    ) -> Result<Incident, AppError> {
        let incident = self
            .change(actor, key, expected_version, &|incident, now| {
                incident.reach(milestone, at, actor, now)
            })
            .await?;
        if matches!(milestone, Milestone::Resolved | Milestone::Closed) {
            // Nobody needs paging for a problem that is gone.
            self.resolve_incident_pages(incident.id).await;
        }
        Ok(incident)
    }

    pub async fn edit_milestone(
        &self,
        actor: &Actor,
        key: IncidentKey,
        expected_version: Option<u64>,
        milestone: Milestone,
        at: Option<Timestamp>,
    ) -> Result<Incident, AppError> {
        self.change(actor, key, expected_version, &|incident, now| {
            incident.edit_milestone(milestone, at, actor, now)
        })
        .await
    }

    async fn existing_user(&self, user: UserId) -> Result<UserId, AppError> {
        match self.store.find_user(user).await? {
            Some(found) => Ok(found.id),
            None => Err(AppError::invalid("user", format!("no user with id {user}"))),
        }
    }

    pub async fn assign_role(
        &self,
        actor: &Actor,
        key: IncidentKey,
        role: &str,
        user: UserId,
    ) -> Result<Incident, AppError> {
        let user = self.existing_user(user).await?;
        let roles = self.roles().await?;
        let rules = IncidentRules {
            severities: &self.settings.severities,
            roles: &roles,
        };
        self.change(actor, key, None, &|incident, now| {
            incident.assign_role(role, user, actor, &rules, now)
        })
        .await
    }

    pub async fn unassign_role(
        &self,
        actor: &Actor,
        key: IncidentKey,
        role: &str,
    ) -> Result<Incident, AppError> {
        let roles = self.roles().await?;
        let rules = IncidentRules {
            severities: &self.settings.severities,
            roles: &roles,
        };
        self.change(actor, key, None, &|incident, now| {
            incident.unassign_role(role, actor, &rules, now)
        })
        .await
    }

    pub async fn add_participant(
        &self,
        actor: &Actor,
        key: IncidentKey,
        user: UserId,
    ) -> Result<Incident, AppError> {
        let user = self.existing_user(user).await?;
        self.change(actor, key, None, &|incident, now| {
            incident.add_participant(user, actor, now)
        })
        .await
    }

    pub async fn remove_participant(
        &self,
        actor: &Actor,
        key: IncidentKey,
        user: UserId,
    ) -> Result<Incident, AppError> {
        self.change(actor, key, None, &|incident, now| {
            incident.remove_participant(user, actor, now)
        })
        .await
    }

    /// Appends a note. Notes never conflict: many people can write at once.
    pub async fn add_note(
        &self,
        actor: &Actor,
        key: IncidentKey,
        text: &str,
    ) -> Result<TimelineEntry, AppError> {
        let incident = self.get_incident(actor, key).await?;
        let event = incident.note(text, actor)?;
        let now = self.now();
        let entry = entries(incident.id, actor, now, vec![event]).remove(0);
        self.store
            .append_timeline(std::slice::from_ref(&entry))
            .await?;
        Ok(TimelineEntry {
            id: entry.id,
            incident_id: entry.incident_id,
            sequence: 0,
            occurred_at: entry.occurred_at,
            actor: entry.actor,
            event: entry.event,
        })
    }

    /// Every entry of `incident`'s timeline, oldest first, read page by
    /// page: for the decisions that look back over all of it (the runbooks'
    /// snapshots, the latest update, a scenario's moments).
    pub(crate) async fn whole_timeline(
        &self,
        incident: IncidentId,
    ) -> Result<Vec<TimelineEntry>, AppError> {
        const PAGE: u32 = 500;
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.list_timeline(incident, after, PAGE).await?;
            let full = page.len() == PAGE as usize;
            after = page.last().map(|last| last.sequence);
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }

    pub async fn timeline(
        &self,
        actor: &Actor,
        key: IncidentKey,
        after_sequence: Option<i64>,
        limit: u32,
    ) -> Result<(Incident, Vec<TimelineEntry>), AppError> {
        let incident = self.get_incident(actor, key).await?;
        let entries = self
            .store
            .list_timeline(incident.id, after_sequence, limit.clamp(1, 1000))
            .await?;
        Ok((incident, entries))
    }

    pub async fn add_task(
        &self,
        actor: &Actor,
        key: IncidentKey,
        input: NewTask,
    ) -> Result<Task, AppError> {
        if let Some(assignee) = input.assignee {
            self.existing_user(assignee).await?;
        }
        let incident = self.get_incident(actor, key).await?;
        let now = self.now();
        let (task, event) = incident.add_task(TaskId(Uuid::now_v7()), input, actor, now)?;
        let timeline = entries(incident.id, actor, now, vec![event]);
        self.store.insert_task(&task, &timeline).await?;
        Ok(task)
    }

    pub async fn update_task(
        &self,
        actor: &Actor,
        key: IncidentKey,
        task_id: TaskId,
        expected_version: Option<u64>,
        patch: TaskPatch,
    ) -> Result<Task, AppError> {
        if let Some(Some(assignee)) = patch.assignee {
            self.existing_user(assignee).await?;
        }
        let incident = self.get_incident(actor, key).await?;
        let task = self
            .store
            .find_task(task_id)
            .await?
            .filter(|task| task.incident_id == incident.id)
            .ok_or_else(|| AppError::not_found("task", task_id))?;
        if let Some(expected) = expected_version
            && expected != task.version
        {
            return Err(StoreError::VersionConflict {
                entity: "task",
                expected,
                actual: task.version,
            }
            .into());
        }
        let now = self.now();
        let Some((next, events)) = incident.update_task(&task, patch, actor, now)? else {
            return Ok(task);
        };
        let timeline = entries(incident.id, actor, now, events);
        self.store
            .apply_task_change(&next, task.version, &timeline)
            .await?;
        Ok(next)
    }

    /// Everything an incident page shows, with the incident loaded once: its
    /// whole timeline (oldest first), its tasks, and the people who can be named.
    pub async fn incident_overview(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<IncidentOverview, AppError> {
        const PAGE: u32 = 1000;
        let incident = self.get_incident(actor, key).await?;
        let mut timeline = self.store.list_timeline(incident.id, None, PAGE).await?;
        let mut full_page = timeline.len() == PAGE as usize;
        while full_page {
            let after = timeline.last().map(|e| e.sequence);
            let more = self.store.list_timeline(incident.id, after, PAGE).await?;
            full_page = more.len() == PAGE as usize;
            timeline.extend(more);
        }
        let tasks = self.store.list_tasks(incident.id).await?;
        let users = self.store.list_users().await?;
        Ok(IncidentOverview {
            incident,
            timeline,
            tasks,
            users,
        })
    }

    pub async fn list_tasks(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<(Incident, Vec<Task>), AppError> {
        let incident = self.get_incident(actor, key).await?;
        let tasks = self.store.list_tasks(incident.id).await?;
        Ok((incident, tasks))
    }
}
