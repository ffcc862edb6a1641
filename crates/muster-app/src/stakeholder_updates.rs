//! Stakeholder updates a person sends (`muster update send INC-42
//! --template sev1-internal`, with a preview first), and the update cadence:
//! when a severity owes an update every N minutes and none was posted,
//! the engine's look at the incident reminds the communications lead, then
//! the commander, each reminder once (the store's key sees to that across
//! restarts and nodes).

use muster_core::paging::{Destination, NotificationEvent, SinkKind};
use muster_core::stakeholder::cadence::{
    CadenceFacts, CadenceState, ReminderLevel, UpdateCadence, cadence_state,
};
use muster_core::stakeholder::{StakeholderUpdate, UpdateFacts, update_due};
use muster_core::{
    Actor, Incident, NewTimelineEntry, Permission, TimelineEntry, TimelineEntryId, TimelineEvent,
    Timestamp, User,
};
use muster_store::update_reminders::{PostedUpdateWrite, UpdateReminderWrite};
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::IncidentKey;
use crate::routing::{RoutingContext, channel_message};
use crate::step_actions::StepContext;
use crate::{App, AppError};

/// An update as sent, or as it would be sent (a preview).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSent {
    pub template: String,
    pub text: String,
    /// Nothing was sent or written.
    pub preview: bool,
    /// The stakeholder groups it went (or would go) to now.
    pub sent_to: Vec<String>,
    /// The groups it did not go to, each with why: "legal: reads the
    /// digest at 2026-12-07 14:00 UTC".
    pub skipped: Vec<String>,
    /// How many messages it queued.
    pub messages: usize,
}

impl App {
    /// Writes an update from `template` (the severity's default when
    /// `None`) and sends it to every stakeholder group whose policy wants
    /// news of this incident now; `preview` only shows what would go.
    pub async fn send_update(
        &self,
        actor: &Actor,
        key: IncidentKey,
        template: Option<&str>,
        preview: bool,
    ) -> Result<UpdateSent, AppError> {
        if !preview {
            require(actor, Permission::WriteIncidents)?;
        }
        let incident = self.get_incident(actor, key).await?;
        let users = self.store.list_users().await?;
        let plan = self.routing_context().await?;
        let now = self.now();
        let context = StepContext {
            incident: &incident,
            users: &users,
            plan: &plan,
            now,
        };
        let template = template.map(str::trim).filter(|t| !t.is_empty());
        let (name, text) = self
            .render_update(template, &context)
            .map_err(|reason| AppError::invalid("template", reason))?;
        let facts = UpdateFacts {
            severity: incident.severity.clone(),
            declared_at: incident.declared_at,
            milestones: incident.milestones,
            audience: context.audience(),
        };
        let subject = format!(
            "{} {} {}",
            incident.number, incident.severity, incident.title
        );
        let mut sent = UpdateSent {
            template: name.clone(),
            text: text.clone(),
            preview,
            sent_to: Vec::new(),
            skipped: Vec::new(),
            messages: 0,
        };
        let mut deliveries = Vec::new();
        for group in &plan.audiences.groups {
            let group_name = group.name();
            let reason = match update_due(group, &facts, now) {
                StakeholderUpdate::NotCovered => continue,
                StakeholderUpdate::NotNeeded { .. } => {
                    "its wait was not over when the incident was mitigated".to_owned()
                }
                StakeholderUpdate::WithheldFromDrill => {
                    "a drill, and nobody of it takes part".to_owned()
                }
                // A digest group hears nothing before its business morning
                // (the digest tells it then); from that morning on it hears
                // updates like any other group.
                StakeholderUpdate::SendAt {
                    digest: true, at, ..
                } => {
                    format!("reads the digest at {}", utc(at))
                }
                StakeholderUpdate::SendAt { at, .. } => {
                    format!("hears from {} unless it is mitigated by then", utc(at))
                }
                StakeholderUpdate::SendNow { recipients, .. } => {
                    let (messages, unreachable) =
                        self.group_messages(&recipients, &subject, &text, &context);
                    if messages.is_empty() {
                        format!("nobody reachable: {}", unreachable.join(", "))
                    } else {
                        sent.sent_to.push(group_name.to_owned());
                        deliveries.extend(messages);
                        for channel in unreachable {
                            sent.skipped
                                .push(format!("{group_name}: not reached on {channel}"));
                        }
                        continue;
                    }
                }
            };
            sent.skipped.push(format!("{group_name}: {reason}"));
        }
        sent.messages = deliveries.len();
        if preview {
            return Ok(sent);
        }
        // An update nobody receives is no update: it must not quiet the
        // cadence's reminders nor count for a scenario.
        if deliveries.is_empty() {
            return Err(AppError::ConflictOn {
                code: "no_recipients",
                field: "template",
                message: format!(
                    "no stakeholder group would get this update now: {}",
                    if sent.skipped.is_empty() {
                        "no group is told of this severity".to_owned()
                    } else {
                        sent.skipped.join("; ")
                    }
                ),
            });
        }
        let entry = NewTimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident.id,
            occurred_at: now,
            actor: Some(actor.user_id),
            event: TimelineEvent::UpdatePosted {
                template: name,
                text,
            },
        };
        self.store
            .write_posted_update(&PostedUpdateWrite {
                incident: incident.id,
                at: now,
                deliveries,
                timeline: vec![entry],
            })
            .await?;
        // The write marked the incident: the engine's look counts the
        // cadence from this update and sets its timer anew.
        self.wake_engine();
        self.wake_steps();
        Ok(sent)
    }

    /// Every update template's name, and the one `severity` uses by default.
    pub async fn update_templates(
        &self,
        severity: &muster_core::SeverityCode,
    ) -> Result<(Vec<String>, String), AppError> {
        let plan = self.routing_context().await?;
        let communications = &plan.communications;
        Ok((
            communications
                .template_names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            communications.default_template(severity).to_owned(),
        ))
    }

    /// The scenarios an incident may be started from, by name, with their
    /// descriptions.
    pub async fn scenarios(&self) -> Result<Vec<(String, String)>, AppError> {
        let plan = self.routing_context().await?;
        Ok(plan
            .scenarios
            .scenarios
            .iter()
            .map(|s| {
                (
                    s.scenario.name().to_owned(),
                    s.scenario.description().to_owned(),
                )
            })
            .collect())
    }

    /// The cadence of `incident`'s severity and where it stands now, if
    /// the severity has one. `timeline` is the incident's whole timeline,
    /// read only when the cadence has not stopped.
    pub(crate) async fn cadence_of(
        &self,
        incident: &Incident,
        plan: &RoutingContext,
        timeline: Option<&[TimelineEntry]>,
        now: Timestamp,
    ) -> Result<Option<(UpdateCadence, CadenceState)>, AppError> {
        let Some(cadence) = plan.communications.cadence(&incident.severity) else {
            return Ok(None);
        };
        if let Some(at) = incident.milestones.get(cadence.until()) {
            let stopped = CadenceState::Stopped {
                milestone: cadence.until(),
                at,
            };
            return Ok(Some((cadence, stopped)));
        }
        let last_update_at = match timeline {
            Some(timeline) => last_update_in(timeline),
            None => last_update_in(&self.whole_timeline(incident.id).await?),
        };
        let facts = CadenceFacts {
            last_update_at,
            declared_at: incident.declared_at,
            milestones: &incident.milestones,
            roles: &incident.roles,
        };
        Ok(Some((cadence, cadence_state(&cadence, &facts, now))))
    }

    /// Sends the reminders the cadence calls for now (each once) and says
    /// when it next wants a look.
    pub(crate) async fn remind_late_update(
        &self,
        incident: &Incident,
        users: &[User],
        plan: &RoutingContext,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, AppError> {
        let Some((cadence, state)) = self.cadence_of(incident, plan, None, now).await? else {
            return Ok(None);
        };
        for reminder in state.reminders() {
            let Some(user) = users
                .iter()
                .find(|u| u.id == reminder.user && u.deactivated_at.is_none())
            else {
                continue;
            };
            let very_late = reminder.level == ReminderLevel::VeryLate;
            let subject = format!(
                "{} update is {} ({})",
                incident.number,
                if very_late { "very late" } else { "late" },
                incident.severity
            );
            let body = format!(
                "{} ({}) owes its stakeholders an update every {}; the last one was due at {}. \
                 Send one: muster update send {} (or from the incident page).",
                incident.title,
                incident.severity,
                muster_core::duration::human(cadence.every()),
                utc(reminder.update_due_at),
                incident.number,
            );
            let notification = self.incident_notification(
                incident,
                NotificationEvent::UpdateReminder,
                subject,
                body,
            );
            let delivery = channel_message(
                &user.email,
                Destination {
                    sink: SinkKind::Email,
                    address: user.email.clone(),
                },
                notification,
                now,
            );
            let write = UpdateReminderWrite {
                incident: incident.id,
                update_due_at: reminder.update_due_at,
                level: reminder.level,
                role: reminder.role.clone(),
                user: user.id,
                deliveries: vec![muster_core::paging::Delivery {
                    user_id: Some(user.id),
                    ..delivery
                }],
                timeline: vec![NewTimelineEntry {
                    id: TimelineEntryId(Uuid::now_v7()),
                    incident_id: incident.id,
                    occurred_at: now,
                    actor: None,
                    event: TimelineEvent::UpdateReminderSent {
                        role: reminder.role.clone(),
                        user: user.id,
                        very_late,
                    },
                }],
                at: now,
            };
            if self.store.write_update_reminder(&write).await?
                == muster_store::runbooks::StepRunWritten::Written
            {
                self.wake_engine();
            }
        }
        Ok(state.next_reminder_at(&cadence))
    }
}

/// When the latest update was posted, by a person or a runbook step.
fn last_update_in(timeline: &[TimelineEntry]) -> Option<Timestamp> {
    timeline
        .iter()
        .rev()
        .find(|entry| matches!(entry.event, TimelineEvent::UpdatePosted { .. }))
        .map(|entry| entry.occurred_at)
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}
