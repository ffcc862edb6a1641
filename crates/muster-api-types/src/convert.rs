//! From domain values to API shapes. One direction only: requests are parsed
//! into domain input by the server, where errors can name their field.

use muster_core::{self as core, Milestone};

use crate::*;

impl From<&core::Incident> for Incident {
    fn from(incident: &core::Incident) -> Self {
        let m = &incident.milestones;
        Self {
            id: incident.id.as_uuid(),
            number: incident.number.0,
            reference: incident.number.to_string(),
            title: incident.title.clone(),
            description: incident.description.clone(),
            impact: incident.impact.clone(),
            severity: incident.severity.to_string(),
            status: incident.status().to_string(),
            drill: incident.drill,
            private: incident.private,
            declared_by: incident.declared_by.as_uuid(),
            tags: incident.tags.clone(),
            milestones: Milestones {
                started_at: m.get(Milestone::Started),
                detected_at: m.get(Milestone::Detected),
                acknowledged_at: m.get(Milestone::Acknowledged),
                mitigated_at: m.get(Milestone::Mitigated),
                resolved_at: m.get(Milestone::Resolved),
                closed_at: m.get(Milestone::Closed),
            },
            roles: incident
                .roles
                .iter()
                .map(|(role, user)| RoleAssignment {
                    role: role.to_string(),
                    user_id: user.as_uuid(),
                })
                .collect(),
            participants: incident
                .participants
                .iter()
                .map(|p| Participant {
                    user_id: p.user_id.as_uuid(),
                    joined_at: p.joined_at,
                })
                .collect(),
            affected: Affected {
                services: incident
                    .affected
                    .services
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                functionalities: incident
                    .affected
                    .functionalities
                    .iter()
                    .map(|(slug, criticality)| AffectedFunctionality {
                        functionality: slug.to_string(),
                        criticality: criticality.to_string(),
                    })
                    .collect(),
                teams: incident
                    .affected
                    .teams
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            },
            runbooks: incident.runbooks.iter().map(ToString::to_string).collect(),
            version: incident.version,
            declared_at: incident.declared_at,
            updated_at: incident.updated_at,
        }
    }
}

impl TimelineEntry {
    /// `name` turns user ids into display names for the summary.
    pub fn from_core(entry: &core::TimelineEntry, name: &dyn Fn(core::UserId) -> String) -> Self {
        let record = flat(&entry.event);
        Self {
            id: entry.id.as_uuid(),
            sequence: entry.sequence,
            occurred_at: entry.occurred_at,
            actor_id: entry.actor.map(|a| a.as_uuid()),
            kind: entry.event.kind().to_owned(),
            summary: entry.event.describe(name),
            text: record.text,
            subject: record.subject,
            old_value: record.old_value,
            new_value: record.new_value,
            user_id: record.user_id,
            task_id: record.task_id,
        }
    }
}

#[derive(Default)]
struct Flat {
    text: Option<String>,
    subject: Option<String>,
    old_value: Option<String>,
    new_value: Option<String>,
    user_id: Option<Uuid>,
    task_id: Option<Uuid>,
}

fn flat(event: &core::TimelineEvent) -> Flat {
    use core::TimelineEvent as E;
    let at = |t: &Option<Timestamp>| t.map(|t| t.to_string());
    match event {
        E::Declared { title, severity } => Flat {
            text: Some(title.clone()),
            subject: Some(severity.to_string()),
            ..Flat::default()
        },
        E::FieldChanged { field, from, to } => Flat {
            subject: Some(field.clone()),
            old_value: Some(from.clone()),
            new_value: Some(to.clone()),
            ..Flat::default()
        },
        E::SeverityChanged { from, to } => Flat {
            subject: Some("severity".into()),
            old_value: Some(from.to_string()),
            new_value: Some(to.to_string()),
            ..Flat::default()
        },
        E::MilestoneReached {
            milestone,
            at: when,
        } => Flat {
            subject: Some(milestone.to_string()),
            new_value: Some(when.to_string()),
            ..Flat::default()
        },
        E::MilestoneEdited {
            milestone,
            from,
            to,
        } => Flat {
            subject: Some(milestone.to_string()),
            old_value: at(from),
            new_value: at(to),
            ..Flat::default()
        },
        E::RoleAssigned {
            role,
            user,
            previous,
        } => Flat {
            subject: Some(role.to_string()),
            user_id: Some(user.as_uuid()),
            old_value: previous.map(|p| p.to_string()),
            ..Flat::default()
        },
        E::RoleUnassigned { role, user } => Flat {
            subject: Some(role.to_string()),
            user_id: Some(user.as_uuid()),
            ..Flat::default()
        },
        E::ParticipantAdded { user } | E::ParticipantRemoved { user } => Flat {
            user_id: Some(user.as_uuid()),
            ..Flat::default()
        },
        E::TaskAdded { task, title }
        | E::TaskCompleted { task, title }
        | E::TaskReopened { task, title } => Flat {
            task_id: Some(task.as_uuid()),
            text: Some(title.clone()),
            ..Flat::default()
        },
        E::TaskAssigned {
            task,
            title,
            assignee,
        } => Flat {
            task_id: Some(task.as_uuid()),
            text: Some(title.clone()),
            user_id: assignee.map(|a| a.as_uuid()),
            ..Flat::default()
        },
        E::TaskRenamed { task, from, to } => Flat {
            task_id: Some(task.as_uuid()),
            old_value: Some(from.clone()),
            new_value: Some(to.clone()),
            ..Flat::default()
        },
        E::Note { text } | E::ImpactAssessed { summary: text } => Flat {
            text: Some(text.clone()),
            ..Flat::default()
        },
        E::Paged { page, target }
        | E::PageAcknowledged { page, target }
        | E::PageResolved { page, target } => Flat {
            subject: Some(page.to_string()),
            text: Some(target.clone()),
            ..Flat::default()
        },
        E::PagingFailed { target, reason } => Flat {
            subject: Some(target.clone()),
            text: Some(reason.clone()),
            ..Flat::default()
        },
        E::AlertAttached { alert, summary } => Flat {
            subject: Some(alert.to_string()),
            text: Some(summary.clone()),
            ..Flat::default()
        },
        E::AlertsResolved { alerts } => Flat {
            subject: Some(alerts.to_string()),
            ..Flat::default()
        },
        E::RunbookAttached {
            runbook,
            reason,
            snapshot,
        } => Flat {
            subject: Some(runbook.clone()),
            text: Some(reason.clone()),
            new_value: Some(snapshot.clone()),
            ..Flat::default()
        },
        E::StepDone {
            runbook,
            step,
            summary: text,
        }
        | E::StepFailed {
            runbook,
            step,
            reason: text,
        }
        | E::StepWaiting {
            runbook,
            step,
            summary: text,
        } => Flat {
            subject: Some(runbook.clone()),
            old_value: Some(step.clone()),
            text: Some(text.clone()),
            ..Flat::default()
        },
        E::UpdatePosted {
            template: subject,
            text,
        }
        | E::StatusUpdateDrafted {
            component: subject,
            text,
        }
        | E::StatusUpdatePublished {
            status: subject,
            text,
        } => Flat {
            subject: Some(subject.clone()),
            text: Some(text.clone()),
            ..Flat::default()
        },
        E::UpdateReminderSent {
            role,
            user,
            very_late,
        } => Flat {
            subject: Some(role.to_string()),
            user_id: Some(user.as_uuid()),
            new_value: Some(if *very_late { "very_late" } else { "late" }.to_owned()),
            ..Flat::default()
        },
        // The snapshot is the plan's document; the API shows the name.
        E::ScenarioStarted { scenario, .. } => Flat {
            subject: Some(scenario.clone()),
            ..Flat::default()
        },
        E::ScenarioActionDone {
            scenario,
            index,
            action,
        } => Flat {
            subject: Some(scenario.clone()),
            old_value: Some(index.to_string()),
            text: Some(action.clone()),
            ..Flat::default()
        },
    }
}

impl From<&core::Task> for Task {
    fn from(task: &core::Task) -> Self {
        Self {
            id: task.id.as_uuid(),
            incident_id: task.incident_id.as_uuid(),
            title: task.title.clone(),
            assignee_id: task.assignee.map(|a| a.as_uuid()),
            done: task.is_done(),
            done_at: task.done_at,
            created_by: task.created_by.as_uuid(),
            created_at: task.created_at,
            version: task.version,
        }
    }
}

impl From<&core::User> for User {
    fn from(user: &core::User) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role.to_string(),
            time_zone: user.time_zone.clone(),
            contact_methods: user
                .contact_methods
                .iter()
                .map(ContactMethod::from)
                .collect(),
            created_at: user.created_at,
            deactivated_at: user.deactivated_at,
        }
    }
}

impl From<&core::ContactMethod> for ContactMethod {
    fn from(method: &core::ContactMethod) -> Self {
        Self {
            kind: method.kind.to_string(),
            address: method.address.clone(),
            label: method.label.clone(),
        }
    }
}

impl From<&ContactMethod> for core::ContactMethodDraft {
    fn from(method: &ContactMethod) -> Self {
        Self {
            kind: method.kind.clone(),
            address: method.address.clone(),
            label: method.label.clone(),
        }
    }
}
