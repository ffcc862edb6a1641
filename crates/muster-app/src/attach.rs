//! Alerts attached to incidents by hand: an incident opened from an alert,
//! and an alert attached to an incident already open. Either way the
//! alert's group (one made for it when routing never grouped it) follows
//! the incident, written in the same transaction as the declaration or the
//! timeline entry, so the incident learns when its alerts resolve: the
//! group's follow-up (`follow_ups.rs`) marks it mitigated and asks its
//! owner to confirm, exactly as for an incident routing opened.
//!
//! Routing runs beside these on every node and writes the same groups: the
//! store checks the versions read here, and a lost race is decided again
//! on fresh state (the person asked for an outcome, not a version).

use muster_core::alert::Alert;
use muster_core::alert::attach::{AttachRefusal, AttachTarget, Attachment, CurrentGroup, attach};
use muster_core::alert::group::group_key;
use muster_core::alert::routing::AlertGroup;
use muster_core::{
    Actor, AlertGroupId, AlertId, Incident, IncidentId, NewIncident, NewTimelineEntry, Permission,
    TimelineEntryId, TimelineEvent,
};
use muster_store::StoreError;
use muster_store::routing::{AlertAttachment, AttachTo};
use uuid::Uuid;

use crate::accounts::require;
use crate::alerts::AlertDetail;
use crate::incidents::IncidentKey;
use crate::routing::{details, grouping, title};
use crate::{App, AppError};

/// How often an attach that lost a race with routing (or with a change to
/// the incident) is decided again before the conflict is reported.
const RETRIES: usize = 5;

/// An alert attached to an incident.
#[derive(Debug, Clone)]
pub struct AttachedAlert {
    pub alert: AlertDetail,
    pub incident: Incident,
    /// The alert's group, as it now follows the incident.
    pub group: AlertGroup,
    /// False when its group followed this incident already.
    pub changed: bool,
}

/// The alert's group, and whether the incident it follows is over.
struct Current {
    group: Option<AlertGroup>,
    incident_settled: bool,
}

impl Current {
    fn view(&self) -> Option<CurrentGroup<'_>> {
        self.group.as_ref().map(|group| CurrentGroup {
            group,
            incident_settled: self.incident_settled,
        })
    }
}

fn attached_event(alert: &Alert) -> TimelineEvent {
    TimelineEvent::AlertAttached {
        alert: alert.id,
        summary: title(alert),
    }
}

impl App {
    /// The alert's group as stored now, and the state of its incident.
    async fn current_group(&self, alert: AlertId) -> Result<Current, AppError> {
        let group = self
            .store
            .alert_routing(alert)
            .await?
            .ok_or_else(|| AppError::not_found("alert", alert))?
            .group;
        let incident_settled = match group.as_ref().and_then(|g| g.incident) {
            // An incident that is gone follows nothing.
            Some(id) => self
                .store
                .find_incident(id)
                .await?
                .is_none_or(|i| i.status().is_settled()),
            None => false,
        };
        Ok(Current {
            group,
            incident_settled,
        })
    }

    /// The core's decision, its refusals worded for the person.
    async fn decide_attach(
        &self,
        actor: &Actor,
        alert: &Alert,
        current: &Current,
        target: AttachTarget,
        reference: &str,
    ) -> Result<Attachment, AppError> {
        let key = group_key(alert, &grouping());
        let fresh = AlertGroupId(Uuid::now_v7());
        match attach(alert, current.view(), target, &key, fresh, self.now()) {
            Ok(attachment) => Ok(attachment),
            Err(AttachRefusal::IncidentSettled { status }) => Err(AppError::ConflictOn {
                code: "incident_resolved",
                field: "incident",
                message: format!(
                    "{reference} is {status}; attach the alert to an open incident, or open one from it"
                ),
            }),
            Err(AttachRefusal::AttachedElsewhere { incident }) => {
                let other = self.incident_name(actor, incident).await?;
                Err(AppError::ConflictOn {
                    code: "alert_attached",
                    field: "alert",
                    message: format!(
                        "alert {} is attached to {other} already (with the alerts of its group); an alert follows one incident",
                        alert.id
                    ),
                })
            }
        }
    }

    /// "INC-7", or "another incident" when the actor may not see it.
    async fn incident_name(&self, actor: &Actor, id: IncidentId) -> Result<String, AppError> {
        Ok(match self.store.find_incident(id).await? {
            Some(found) if found.visible_to(actor) => found.number.to_string(),
            _ => String::from("another incident"),
        })
    }

    /// Declares an incident from an alert, by hand: titled by its summary,
    /// started and detected when the alert started, on its integration's
    /// service (which pages that service's owners, as any declaration on a
    /// service does) or naming its integration's team. The alert's group
    /// follows the new incident from the same transaction on, mitigating it
    /// when every attached alert resolves; an alert whose group follows
    /// another open incident is refused (409 `alert_attached`).
    pub async fn open_incident_from_alert(
        &self,
        actor: &Actor,
        id: AlertId,
        severity: Option<String>,
    ) -> Result<Incident, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let AlertDetail { alert, integration } = self.alert(actor, id).await?;
        let started = alert.started_at.min(self.now());
        let link = format!(
            "{}/alerts/{}",
            self.settings.public_url.trim_end_matches('/'),
            alert.id
        );
        let mut input = NewIncident {
            title: title(&alert),
            severity: severity.filter(|s| !s.trim().is_empty()),
            description: format!(
                "Opened by hand from the alert {link} of integration {}.\n\n{}",
                integration.name,
                details(&alert, &[])
            ),
            tags: vec!["from-alert".to_owned()],
            started_at: Some(started),
            detected_at: Some(started),
            ..NewIncident::default()
        };
        let services: Vec<String> = integration
            .service
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        if services.is_empty()
            && let Some(team) = &integration.team
        {
            input.affected.teams = vec![team.clone()];
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self.current_group(id).await?;
            let declaration = self
                .declaration(
                    actor,
                    input.clone(),
                    &services,
                    &[],
                    vec![attached_event(&alert)],
                )
                .await?;
            let target = AttachTarget {
                incident: declaration.incident.id,
                status: declaration.incident.status(),
                mitigate_on_resolve: true,
            };
            let Attachment::Linked { group, new } = self
                .decide_attach(actor, &alert, &current, target, "the new incident")
                .await?
            else {
                return Err(AppError::Internal(format!(
                    "alert {id} already follows an incident that was never stored"
                )));
            };
            let mut incident = declaration.incident.clone();
            let pages = declaration.pages.len();
            let attachment = AlertAttachment {
                alert: id,
                group,
                new_group: new,
                to: AttachTo::New(Box::new(declaration)),
            };
            match self.store.attach_alert(&attachment).await {
                Ok(number) => {
                    incident.number = number;
                    self.declared(&incident, pages);
                    tracing::info!(alert = %id, incident = %incident.number, user = %actor.user_id, "incident opened from an alert");
                    return Ok(incident);
                }
                Err(StoreError::VersionConflict { .. }) if attempt < RETRIES => continue,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Attaches an alert to an incident by hand: the alert's group follows
    /// the incident, which is marked mitigated once every alert attached to
    /// it resolves (unless `mitigate_on_resolve` is false) and whose owner is
    /// then asked to confirm; its timeline says who attached what.
    /// Attaching it where it is attached already changes nothing. Refused:
    /// a resolved or closed incident (409 `incident_resolved`), an alert
    /// whose group follows another open incident (409 `alert_attached`).
    pub async fn attach_alert(
        &self,
        actor: &Actor,
        id: AlertId,
        key: IncidentKey,
        mitigate_on_resolve: bool,
    ) -> Result<AttachedAlert, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let detail = self.alert(actor, id).await?;
            let incident = self.get_incident(actor, key).await?;
            let current = self.current_group(id).await?;
            let target = AttachTarget {
                incident: incident.id,
                status: incident.status(),
                mitigate_on_resolve,
            };
            let reference = incident.number.to_string();
            let (group, new) = match self
                .decide_attach(actor, &detail.alert, &current, target, &reference)
                .await?
            {
                Attachment::Linked { group, new } => (group, new),
                Attachment::Unchanged => {
                    let group = current.group.ok_or_else(|| {
                        AppError::Internal(format!(
                            "alert {id} follows an incident without a group"
                        ))
                    })?;
                    return Ok(AttachedAlert {
                        alert: detail,
                        incident,
                        group,
                        changed: false,
                    });
                }
            };
            let entry = NewTimelineEntry {
                id: TimelineEntryId(Uuid::now_v7()),
                incident_id: incident.id,
                occurred_at: self.now(),
                actor: Some(actor.user_id),
                event: attached_event(&detail.alert),
            };
            let attachment = AlertAttachment {
                alert: id,
                group: group.clone(),
                new_group: new,
                to: AttachTo::Stored {
                    incident: incident.id,
                    version: incident.version,
                    timeline: vec![entry],
                },
            };
            match self.store.attach_alert(&attachment).await {
                Ok(_) => {
                    tracing::info!(alert = %id, incident = %incident.number, user = %actor.user_id, mitigate_on_resolve, "alert attached to an incident");
                    return Ok(AttachedAlert {
                        alert: detail,
                        incident,
                        group,
                        changed: true,
                    });
                }
                Err(StoreError::VersionConflict { .. }) if attempt < RETRIES => continue,
                Err(StoreError::Missing { entity: "incident" }) => {
                    return Err(AppError::not_found("incident", key));
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// The incidents an alert can be attached to: open ones the actor sees,
    /// newest first.
    pub async fn attachable_incidents(&self, actor: &Actor) -> Result<Vec<Incident>, AppError> {
        use muster_core::IncidentStatus;
        let page = self
            .list_incidents(
                actor,
                muster_store::IncidentFilter {
                    statuses: vec![
                        IncidentStatus::Active,
                        IncidentStatus::Acknowledged,
                        IncidentStatus::Mitigated,
                    ],
                    limit: 50,
                    ..muster_store::IncidentFilter::default()
                },
            )
            .await?;
        Ok(page.incidents)
    }
}
