//! Following alert groups up, for the engine: once a group's alerts are
//! all acknowledged its page is acknowledged; once they all resolve its
//! page resolves and, when every alert attached to its incident (by
//! routing or by hand, in any of its groups) resolved too, the incident is
//! marked mitigated and its owner is asked to confirm the resolution.

use std::collections::HashSet;

use muster_core::alert::routing::{FollowUp, follow_up};
use muster_core::paging::{Delivery, Notification, NotificationEvent, Via};
use muster_core::{
    Actor, Incident, IncidentId, Milestone, NewTimelineEntry, PageId, TimelineEntryId,
    TimelineEvent, UserRole,
};
use uuid::Uuid;

use crate::directory::chat_destination;
use crate::incidents::IncidentKey;
use crate::paging::PageKey;
use crate::routing::channel_message;
use crate::{App, AppError};

impl App {
    /// Brings up to `batch` groups' pages and incidents up to date with
    /// their alerts; returns how many were done.
    pub async fn follow_up_alert_groups(&self, batch: u32) -> Result<usize, AppError> {
        let due = self.store.follow_ups_due(batch).await?;
        let mut done = 0;
        // An incident whose groups all resolved together is told once.
        let mut settled: HashSet<IncidentId> = HashSet::new();
        for item in due {
            let group = &item.group;
            let mut timeline = Vec::new();
            let mut deliveries = Vec::new();
            match follow_up(group, &item.statuses, item.others) {
                FollowUp::Nothing => {}
                FollowUp::Acknowledge => {
                    if let Some(page) = group.page {
                        self.page_follows(page, true).await?;
                    }
                }
                FollowUp::Resolve { incident: all } => {
                    if let Some(page) = group.page {
                        self.page_follows(page, false).await?;
                    }
                    if let (Some(incident), Some(all)) = (group.incident, all)
                        && settled.insert(incident)
                    {
                        let (entries, messages) = self
                            .alerts_resolved(incident, all.alerts, all.mitigate)
                            .await?;
                        timeline = entries;
                        deliveries = messages;
                    }
                }
            }
            if self
                .store
                .finish_follow_up(group.id, group.version, &timeline, &deliveries)
                .await?
            {
                done += 1;
            }
            if !deliveries.is_empty() {
                self.wake_engine();
            }
        }
        Ok(done)
    }

    /// Acknowledges (or resolves) a group's page, if it is not already.
    async fn page_follows(&self, page: PageId, acknowledge: bool) -> Result<(), AppError> {
        let changed = self
            .change_page(
                PageKey::Id(page),
                |page, now| {
                    if acknowledge {
                        page.acknowledge(None, Via::Alert, now)
                    } else {
                        page.resolve(None, Via::Alert, now)
                    }
                },
                None,
            )
            .await;
        match changed {
            // A conflict: someone got there first (or it is resolved already).
            Ok(_) | Err(AppError::Conflict { .. }) => Ok(()),
            Err(AppError::NotFound { .. }) => {
                tracing::warn!(%page, "the page of an alert group is gone");
                Ok(())
            }
            Err(other) => Err(other),
        }
    }

    /// Every alert attached to an incident resolved: its pages stop, it is
    /// marked mitigated when its groups say so, and its owner is asked to
    /// confirm.
    async fn alerts_resolved(
        &self,
        incident: IncidentId,
        alerts: u64,
        mitigate: bool,
    ) -> Result<(Vec<NewTimelineEntry>, Vec<Delivery>), AppError> {
        let Some(found) = self.store.find_incident(incident).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        self.resolve_incident_pages(incident).await;
        let settled = found.milestones.get(Milestone::Resolved).is_some();
        if mitigate && !settled && found.milestones.get(Milestone::Mitigated).is_none() {
            let system = Actor {
                user_id: found.declared_by,
                role: UserRole::Responder,
            };
            match self
                .reach_milestone(
                    &system,
                    IncidentKey::Id(incident),
                    None,
                    Milestone::Mitigated,
                    None,
                )
                .await
            {
                // A conflict: someone marked it (or resolved it) meanwhile.
                Ok(_) | Err(AppError::Conflict { .. }) => {}
                Err(other @ (AppError::Forbidden(_) | AppError::Invalid(_))) => {
                    tracing::warn!(%incident, error = %other, "could not mark the incident of resolved alerts mitigated");
                }
                Err(other) => return Err(other),
            }
        }
        if settled {
            return Ok((Vec::new(), Vec::new()));
        }
        let now = self.now();
        let timeline = vec![NewTimelineEntry {
            id: TimelineEntryId(Uuid::now_v7()),
            incident_id: incident,
            occurred_at: now,
            actor: None,
            event: TimelineEvent::AlertsResolved { alerts },
        }];
        let link = self.settings.incident_url(found.number);
        let mut deliveries = Vec::new();
        for team in self.incident_teams(&found).await? {
            let Some(destination) = chat_destination(&self.settings.channels, &team) else {
                continue;
            };
            let notification = Notification {
                event: NotificationEvent::AlertsResolved,
                subject: format!(
                    "{} {}: alerts resolved, confirm and resolve",
                    found.number, found.title
                ),
                body: format!(
                    "Every alert attached to {} {} resolved{}. If the problem is gone, resolve the incident: {link}",
                    found.number,
                    found.title,
                    if mitigate {
                        "; it is marked mitigated"
                    } else {
                        ""
                    }
                ),
                page_id: None,
                page_number: None,
                summary: String::new(),
                incident_number: Some(found.number),
                incident_title: Some(found.title.clone()),
                severity: Some(found.severity.to_string()),
                drill: found.drill,
                link: Some(link.clone()),
                ack_url: None,
                resolve_url: None,
                unsubscribe_url: None,
            };
            deliveries.push(channel_message(&team, destination, notification, now));
        }
        Ok((timeline, deliveries))
    }

    /// The channels of the teams owning what an incident affects.
    async fn incident_teams(&self, incident: &Incident) -> Result<Vec<String>, AppError> {
        let catalog = self.routing_context().await?.catalog.clone();
        let mut channels: Vec<String> = incident
            .affected
            .teams
            .iter()
            .filter_map(|team| catalog.teams.iter().find(|t| &t.slug == team))
            .map(|t| t.contact_channel.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        channels.sort();
        channels.dedup();
        Ok(channels)
    }
}
