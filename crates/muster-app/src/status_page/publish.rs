//! Publishing an incident's updates on the public page: the
//! communications lead writes (or takes from a template, or approves a
//! runbook's draft) what customers read, previews it, and publishes; every
//! confirmed subscriber who follows an affected component is told through
//! the outbox in the same transaction.

use muster_core::status_page::publication::{
    AffectedComponent, PublicIncident, PublicationIds, UpdateDraft, publish,
};
use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus};
use muster_core::{
    Actor, NewTimelineEntry, Permission, PublicIncidentId, PublicUpdateId, TimelineEntryId,
    TimelineEvent, Timestamp,
};
use muster_plan::updates;
use muster_store::status_page::PublicIncidentWrite;
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::IncidentKey;
use crate::step_actions::StepContext;
use crate::{App, AppError};

/// What the communications lead asks to publish.
#[derive(Debug, Clone, Default)]
pub struct StatusPublication {
    /// `investigating`, `identified`, `monitoring`, `resolved` or `postmortem`.
    pub status: String,
    /// The words customers read; from `template` when absent.
    pub body: Option<String>,
    /// An update template of the plan (`status-page` by default).
    pub template: Option<String>,
    /// Each affected component with the status this update gives it.
    pub components: Vec<(String, String)>,
    pub name: Option<String>,
    pub impact: Option<String>,
    /// Only show what would be published.
    pub preview: bool,
}

/// The public incident after (or, in a preview, as it would be after) the
/// update, and how many subscribers were told.
#[derive(Debug, Clone)]
pub struct Published {
    pub incident: PublicIncident,
    pub preview: bool,
    pub notified: usize,
}

/// A status-page update a runbook step drafted, waiting for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDraft {
    pub sequence: i64,
    pub component: String,
    pub text: String,
    pub at: Timestamp,
}

fn parse_components(raw: &[(String, String)]) -> Result<Vec<AffectedComponent>, AppError> {
    let mut errors = Vec::new();
    let mut components = Vec::new();
    for (i, (component, status)) in raw.iter().enumerate() {
        match status.parse::<ComponentStatus>() {
            Ok(status) => components.push(AffectedComponent {
                component: component.clone(),
                status,
            }),
            Err(e) => errors.push(muster_core::FieldError::new(
                format!("components[{i}].status"),
                e,
            )),
        }
    }
    if errors.is_empty() {
        Ok(components)
    } else {
        Err(AppError::Invalid(errors))
    }
}

impl App {
    /// Publishes (or previews) an update of the incident's public face.
    pub async fn publish_status_update(
        &self,
        actor: &Actor,
        key: IncidentKey,
        request: StatusPublication,
    ) -> Result<Published, AppError> {
        if !request.preview {
            require(actor, Permission::WriteIncidents)?;
        }
        let incident = self.get_incident(actor, key).await?;
        let status = request
            .status
            .parse::<IncidentStatus>()
            .map_err(|e| AppError::invalid("status", e))?;
        let impact = request
            .impact
            .as_deref()
            .map(|raw| {
                raw.parse::<Impact>()
                    .map_err(|e| AppError::invalid("impact", e))
            })
            .transpose()?;
        let components = parse_components(&request.components)?;
        let plan = self.routing_context().await?;
        let now = self.now();
        let body = match request.body.as_deref().map(str::trim) {
            Some(body) if !body.is_empty() => body.to_owned(),
            _ => {
                let users = self.store.list_users().await?;
                let context = StepContext {
                    incident: &incident,
                    users: &users,
                    plan: &plan,
                    now,
                };
                let template = request
                    .template
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .unwrap_or(updates::DEFAULT_STATUS);
                self.render_update(Some(template), &context)
                    .map_err(|reason| AppError::invalid("template", reason))?
                    .1
            }
        };
        let current = self.store.find_public_incident(incident.id).await?;
        let known = plan.status_components.names();
        let draft = UpdateDraft {
            status,
            body,
            components,
            name: request.name,
            impact,
        };
        let ids = PublicationIds {
            incident: PublicIncidentId(Uuid::now_v7()),
            update: PublicUpdateId(Uuid::now_v7()),
        };
        let next = publish(
            current.as_ref(),
            &incident,
            draft,
            &known,
            ids,
            actor.user_id,
            now,
        )?;
        if request.preview {
            return Ok(Published {
                incident: next,
                preview: true,
                notified: 0,
            });
        }
        let Some(update) = next.updates.last() else {
            return Err(AppError::Internal("a publication without an update".into()));
        };
        let affected: Vec<&str> = update
            .components
            .iter()
            .map(|c| c.component.as_str())
            .collect();
        let deliveries = self.incident_notices(&next, update, &affected, now).await?;
        let notified = deliveries.len();
        let entry = NewTimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident.id,
            occurred_at: now,
            actor: Some(actor.user_id),
            event: TimelineEvent::StatusUpdatePublished {
                status: update.status.as_str().to_owned(),
                text: update.body.clone(),
            },
        };
        self.store
            .write_public_incident(&PublicIncidentWrite {
                incident: next.clone(),
                expected_version: current.as_ref().map(|c| c.version),
                deliveries,
                timeline: vec![entry],
            })
            .await?;
        self.status_page_changed();
        self.wake_engine();
        Ok(Published {
            incident: next,
            preview: false,
            notified,
        })
    }

    /// The incident's public face, if it has one.
    pub async fn public_incident(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<Option<PublicIncident>, AppError> {
        let incident = self.get_incident(actor, key).await?;
        Ok(self.store.find_public_incident(incident.id).await?)
    }

    /// Drafts runbook steps wrote since the last publication: they wait for
    /// a person to approve (publish) them.
    pub async fn status_drafts(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<Vec<StatusDraft>, AppError> {
        let incident = self.get_incident(actor, key).await?;
        Ok(drafts_in(&self.whole_timeline(incident.id).await?))
    }

    /// The public face of an incident the caller has read already.
    pub async fn public_incident_of(
        &self,
        incident: &muster_core::Incident,
    ) -> Result<Option<PublicIncident>, AppError> {
        Ok(self.store.find_public_incident(incident.id).await?)
    }
}

/// The drafts of `timeline` (oldest first) that no publication answered yet.
pub fn drafts_in(timeline: &[muster_core::TimelineEntry]) -> Vec<StatusDraft> {
    let mut drafts = Vec::new();
    for entry in timeline {
        match &entry.event {
            TimelineEvent::StatusUpdateDrafted { component, text } => drafts.push(StatusDraft {
                sequence: entry.sequence,
                component: component.clone(),
                text: text.clone(),
                at: entry.occurred_at,
            }),
            // A publication answers every draft before it.
            TimelineEvent::StatusUpdatePublished { .. } => drafts.clear(),
            _ => {}
        }
    }
    drafts
}
