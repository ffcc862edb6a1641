//! Incidents and every decision about how one may change.
//!
//! Each decision takes the current state, the command, the actor and `now`, and
//! returns the next state plus the timeline events that explain it. The caller
//! commits both together, compare-and-swap on `version`.

use std::collections::BTreeMap;

use jiff::Timestamp;

mod status;

pub use status::IncidentStatus;

use crate::catalog::impact::IncidentImpact;
use crate::error::{DomainError, Validation};
use crate::ids::{IncidentId, IncidentNumber, TaskId, UserId};
use crate::milestone::{Milestone, Milestones};
use crate::role::{RoleCatalog, RoleCode};
use crate::runbook::RunbookName;
use crate::severity::{SeverityCode, SeverityScale};
use crate::task::{self, NewTask, Task, TaskPatch};
use crate::text;
use crate::timeline::TimelineEvent;
use crate::user::{Actor, Permission};

/// Someone taking part in the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user_id: UserId,
    pub joined_at: Timestamp,
}

/// The incident aggregate: its own fields, milestones, roles and participants.
/// Tasks and the timeline live beside it and change without bumping its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: IncidentId,
    /// Assigned by the store on insert; [`IncidentNumber::UNASSIGNED`] before that.
    pub number: IncidentNumber,
    pub title: String,
    pub description: String,
    pub impact: String,
    pub severity: SeverityCode,
    pub drill: bool,
    pub private: bool,
    pub declared_by: UserId,
    pub tags: Vec<String>,
    pub milestones: Milestones,
    pub roles: BTreeMap<RoleCode, UserId>,
    pub participants: Vec<Participant>,
    /// The services and functionalities it touches and the teams to involve.
    pub affected: IncidentImpact,
    /// The runbooks attached to it, in the order they attached; never
    /// detached (see [`crate::runbook::attach_due`]).
    pub runbooks: Vec<RunbookName>,
    pub version: u64,
    pub declared_at: Timestamp,
    pub updated_at: Timestamp,
}

impl IncidentNumber {
    /// Placeholder for an incident not yet stored.
    pub const UNASSIGNED: IncidentNumber = IncidentNumber(0);
}

/// Input to declare an incident. Only the title is required.
#[derive(Debug, Clone, Default)]
pub struct NewIncident {
    pub title: String,
    pub severity: Option<String>,
    pub description: String,
    pub impact: String,
    pub tags: Vec<String>,
    pub drill: bool,
    pub private: bool,
    /// When impact began, if known; defaults to the declaration instant.
    pub started_at: Option<Timestamp>,
    /// When it was noticed, if known; defaults to the declaration instant.
    pub detected_at: Option<Timestamp>,
    /// What it touches, assessed against the catalog by the caller.
    pub affected: IncidentImpact,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IncidentPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub impact: Option<String>,
    pub severity: Option<String>,
    pub tags: Option<Vec<String>>,
    pub private: Option<bool>,
    pub drill: Option<bool>,
}

/// A decided change: the next state, the version it must replace, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentChange {
    pub incident: Incident,
    pub expected_version: u64,
    pub events: Vec<TimelineEvent>,
}

/// The outcome of a decision on the incident itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentDecision {
    Changed(Box<IncidentChange>),
    /// The command would change nothing (e.g. assigning a role to its holder).
    Unchanged,
}

/// The settings decisions depend on.
#[derive(Debug, Clone)]
pub struct IncidentRules<'a> {
    pub severities: &'a SeverityScale,
    pub roles: &'a RoleCatalog,
}

fn require(actor: &Actor, permission: Permission) -> Result<(), DomainError> {
    if actor.can(permission) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "the {} role may not do this",
            actor.role
        )))
    }
}

impl Incident {
    pub fn status(&self) -> IncidentStatus {
        IncidentStatus::of(&self.milestones)
    }

    pub fn is_participant(&self, user: UserId) -> bool {
        self.declared_by == user
            || self.participants.iter().any(|p| p.user_id == user)
            || self.roles.values().any(|holder| *holder == user)
    }

    /// Private incidents are visible only to their participants and to admins.
    pub fn visible_to(&self, actor: &Actor) -> bool {
        actor.can(Permission::ReadIncidents)
            && (!self.private || actor.is_admin() || self.is_participant(actor.user_id))
    }

    /// Declares a new incident. The declarer becomes its first participant.
    pub fn declare(
        id: IncidentId,
        input: NewIncident,
        actor: &Actor,
        rules: &IncidentRules<'_>,
        now: Timestamp,
    ) -> Result<(Incident, Vec<TimelineEvent>), DomainError> {
        require(actor, Permission::WriteIncidents)?;
        let mut validation = Validation::new();
        let title = validation.check(text::required("title", &input.title, text::TITLE_MAX));
        let description = validation.check(text::bounded(
            "description",
            &input.description,
            text::LONG_TEXT_MAX,
        ));
        let impact = validation.check(text::bounded("impact", &input.impact, text::LONG_TEXT_MAX));
        let tags = validation.check(text::tags("tags", &input.tags));
        let severity = match input.severity.as_deref() {
            None | Some("") => Some(rules.severities.default_severity().code.clone()),
            Some(code) => match rules.severities.resolve("severity", code) {
                Ok(code) => Some(code),
                Err(DomainError::Invalid(errors)) => {
                    errors
                        .into_iter()
                        .for_each(|e| validation.push(e.field, e.message));
                    None
                }
                Err(other) => return Err(other),
            },
        };
        for (field, at) in [
            ("started_at", input.started_at),
            ("detected_at", input.detected_at),
        ] {
            if at.is_some_and(|at| at > now) {
                validation.push(field, "must not be in the future");
            }
        }
        validation.finish()?;

        let started = input.started_at.unwrap_or(now);
        let detected = input.detected_at.unwrap_or(now).max(started);
        let milestones = Milestones::default()
            .with(Milestone::Started, Some(started))?
            .with(Milestone::Detected, Some(detected))?;
        let incident = Incident {
            id,
            number: IncidentNumber::UNASSIGNED,
            title: title.unwrap_or_default(),
            description: description.unwrap_or_default(),
            impact: impact.unwrap_or_default(),
            severity: severity.unwrap_or_else(|| rules.severities.default_severity().code.clone()),
            drill: input.drill,
            private: input.private,
            declared_by: actor.user_id,
            tags: tags.unwrap_or_default(),
            milestones,
            roles: BTreeMap::new(),
            participants: vec![Participant {
                user_id: actor.user_id,
                joined_at: now,
            }],
            affected: input.affected,
            runbooks: Vec::new(),
            version: 1,
            declared_at: now,
            updated_at: now,
        };
        let mut events = vec![TimelineEvent::Declared {
            title: incident.title.clone(),
            severity: incident.severity.clone(),
        }];
        if !incident.affected.is_empty() {
            events.push(TimelineEvent::ImpactAssessed {
                summary: incident.affected.summary(),
            });
        }
        Ok((incident, events))
    }

    fn change(
        &self,
        next: Incident,
        events: Vec<TimelineEvent>,
        now: Timestamp,
    ) -> IncidentDecision {
        if events.is_empty() {
            return IncidentDecision::Unchanged;
        }
        let mut next = next;
        next.version = self.version + 1;
        next.updated_at = now;
        IncidentDecision::Changed(Box::new(IncidentChange {
            incident: next,
            expected_version: self.version,
            events,
        }))
    }

    fn writable_by(&self, actor: &Actor) -> Result<(), DomainError> {
        require(actor, Permission::WriteIncidents)?;
        if !self.visible_to(actor) {
            return Err(DomainError::Forbidden(
                "this private incident is visible only to its participants".into(),
            ));
        }
        Ok(())
    }

    /// Edits fields; each changed field gets its own timeline event.
    pub fn update(
        &self,
        patch: IncidentPatch,
        actor: &Actor,
        rules: &IncidentRules<'_>,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        let mut validation = Validation::new();
        let mut next = self.clone();
        let mut events = Vec::new();

        let mut text_field = |field: &str,
                              current: &mut String,
                              value: Option<String>,
                              validation: &mut Validation| {
            let Some(value) = value else { return };
            let checked = if field == "title" {
                text::required(field, &value, text::TITLE_MAX)
            } else {
                text::bounded(field, &value, text::LONG_TEXT_MAX)
            };
            if let Some(value) = validation.check(checked)
                && *current != value
            {
                events.push(TimelineEvent::FieldChanged {
                    field: field.to_owned(),
                    from: std::mem::take(current),
                    to: value.clone(),
                });
                *current = value;
            }
        };
        text_field("title", &mut next.title, patch.title, &mut validation);
        text_field(
            "description",
            &mut next.description,
            patch.description,
            &mut validation,
        );
        text_field("impact", &mut next.impact, patch.impact, &mut validation);

        if let Some(tags) = patch.tags
            && let Some(tags) = validation.check(text::tags("tags", &tags))
            && tags != next.tags
        {
            events.push(TimelineEvent::FieldChanged {
                field: "tags".into(),
                from: next.tags.join(", "),
                to: tags.join(", "),
            });
            next.tags = tags;
        }
        for (field, current, value) in [
            ("private", &mut next.private, patch.private),
            ("drill", &mut next.drill, patch.drill),
        ] {
            if let Some(value) = value
                && *current != value
            {
                events.push(TimelineEvent::FieldChanged {
                    field: field.into(),
                    from: current.to_string(),
                    to: value.to_string(),
                });
                *current = value;
            }
        }
        if let Some(code) = patch.severity {
            match rules.severities.resolve("severity", &code) {
                Ok(code) if code != next.severity => {
                    events.push(TimelineEvent::SeverityChanged {
                        from: next.severity.clone(),
                        to: code.clone(),
                    });
                    next.severity = code;
                }
                Ok(_) => {}
                Err(DomainError::Invalid(errors)) => {
                    errors
                        .into_iter()
                        .for_each(|e| validation.push(e.field, e.message));
                }
                Err(other) => return Err(other),
            }
        }
        validation.finish()?;
        Ok(self.change(next, events, now))
    }

    /// Acknowledge, mitigate, resolve or close, at `at` (default `now`).
    pub fn reach(
        &self,
        milestone: Milestone,
        at: Option<Timestamp>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        if matches!(milestone, Milestone::Started | Milestone::Detected) {
            return Err(DomainError::invalid(
                "milestone",
                format!("{milestone} is set when declaring; edit it instead"),
            ));
        }
        if milestone == Milestone::Closed && self.milestones.get(Milestone::Resolved).is_none() {
            return Err(DomainError::transition(
                "the incident must be resolved before it can be closed",
            ));
        }
        let at = at.unwrap_or(now);
        if at > now {
            return Err(DomainError::invalid("at", "must not be in the future"));
        }
        let milestones = self.milestones.reach(milestone, at)?;
        let events = Milestone::ALL
            .into_iter()
            .filter(|m| self.milestones.get(*m).is_none())
            .filter_map(|m| {
                milestones
                    .get(m)
                    .map(|at| TimelineEvent::MilestoneReached { milestone: m, at })
            })
            .collect();
        let next = Incident {
            milestones,
            ..self.clone()
        };
        Ok(self.change(next, events, now))
    }

    /// Corrects (or clears) a milestone's instant after the fact.
    pub fn edit_milestone(
        &self,
        milestone: Milestone,
        at: Option<Timestamp>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        if at.is_some_and(|at| at > now) {
            return Err(DomainError::invalid("at", "must not be in the future"));
        }
        if at.is_none() && milestone == Milestone::Started {
            return Err(DomainError::invalid(
                "at",
                "the started milestone cannot be cleared",
            ));
        }
        let from = self.milestones.get(milestone);
        if from == at {
            return Ok(IncidentDecision::Unchanged);
        }
        let milestones = self.milestones.with(milestone, at)?;
        let next = Incident {
            milestones,
            ..self.clone()
        };
        let events = vec![TimelineEvent::MilestoneEdited {
            milestone,
            from,
            to: at,
        }];
        Ok(self.change(next, events, now))
    }

    fn with_participant(
        next: &mut Incident,
        user: UserId,
        now: Timestamp,
        events: &mut Vec<TimelineEvent>,
    ) {
        if !next.participants.iter().any(|p| p.user_id == user) {
            next.participants.push(Participant {
                user_id: user,
                joined_at: now,
            });
            events.push(TimelineEvent::ParticipantAdded { user });
        }
    }

    /// Gives `role` to `user` (who must exist; the caller checks), making them a participant.
    pub fn assign_role(
        &self,
        role: &str,
        user: UserId,
        actor: &Actor,
        rules: &IncidentRules<'_>,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        let role = rules.roles.resolve("role", role)?;
        let previous = self.roles.get(&role).copied();
        if previous == Some(user) {
            return Ok(IncidentDecision::Unchanged);
        }
        let mut next = self.clone();
        let mut events = Vec::new();
        Self::with_participant(&mut next, user, now, &mut events);
        next.roles.insert(role.clone(), user);
        events.push(TimelineEvent::RoleAssigned {
            role,
            user,
            previous,
        });
        Ok(self.change(next, events, now))
    }

    pub fn unassign_role(
        &self,
        role: &str,
        actor: &Actor,
        rules: &IncidentRules<'_>,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        let role = rules.roles.resolve("role", role)?;
        let mut next = self.clone();
        let Some(user) = next.roles.remove(&role) else {
            return Ok(IncidentDecision::Unchanged);
        };
        Ok(self.change(
            next,
            vec![TimelineEvent::RoleUnassigned { role, user }],
            now,
        ))
    }

    pub fn add_participant(
        &self,
        user: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        let mut next = self.clone();
        let mut events = Vec::new();
        Self::with_participant(&mut next, user, now, &mut events);
        Ok(self.change(next, events, now))
    }

    /// Removes a participant; someone holding a role must hand it over first.
    pub fn remove_participant(
        &self,
        user: UserId,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<IncidentDecision, DomainError> {
        self.writable_by(actor)?;
        if let Some((role, _)) = self.roles.iter().find(|(_, holder)| **holder == user) {
            return Err(DomainError::transition(format!(
                "the participant holds the {role} role; reassign it first"
            )));
        }
        let mut next = self.clone();
        let before = next.participants.len();
        next.participants.retain(|p| p.user_id != user);
        if next.participants.len() == before {
            return Ok(IncidentDecision::Unchanged);
        }
        Ok(self.change(next, vec![TimelineEvent::ParticipantRemoved { user }], now))
    }

    /// A note for the timeline. Notes never change the incident's version, so
    /// many people can write at once without conflicts.
    pub fn note(&self, text: &str, actor: &Actor) -> Result<TimelineEvent, DomainError> {
        self.writable_by(actor)?;
        let text = text::required("text", text, text::LONG_TEXT_MAX)
            .map_err(|e| DomainError::Invalid(vec![e]))?;
        Ok(TimelineEvent::Note { text })
    }

    pub fn add_task(
        &self,
        id: TaskId,
        input: NewTask,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(Task, TimelineEvent), DomainError> {
        self.writable_by(actor)?;
        let task = task::build(id, self.id, input, actor.user_id, now)?;
        let event = TimelineEvent::TaskAdded {
            task: task.id,
            title: task.title.clone(),
        };
        Ok((task, event))
    }

    /// Updates a task; `None` when nothing changes.
    pub fn update_task(
        &self,
        current: &Task,
        patch: TaskPatch,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Option<(Task, Vec<TimelineEvent>)>, DomainError> {
        self.writable_by(actor)?;
        let Some(next) = task::patch(current, patch, now)? else {
            return Ok(None);
        };
        let mut events = Vec::new();
        if next.title != current.title {
            events.push(TimelineEvent::TaskRenamed {
                task: next.id,
                from: current.title.clone(),
                to: next.title.clone(),
            });
        }
        if next.assignee != current.assignee {
            events.push(TimelineEvent::TaskAssigned {
                task: next.id,
                title: next.title.clone(),
                assignee: next.assignee,
            });
        }
        match (current.is_done(), next.is_done()) {
            (false, true) => events.push(TimelineEvent::TaskCompleted {
                task: next.id,
                title: next.title.clone(),
            }),
            (true, false) => events.push(TimelineEvent::TaskReopened {
                task: next.id,
                title: next.title.clone(),
            }),
            _ => {}
        }
        Ok(Some((next, events)))
    }
}

#[cfg(test)]
mod tests;
