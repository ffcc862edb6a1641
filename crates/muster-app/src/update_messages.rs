//! The words and messages of stakeholder updates: an update rendered from
//! the plan's template (or the severity's default) over the incident as it
//! is, and one message per member and channel of a group. Shared by the
//! runbook steps that notify and post, and by updates people send.

use std::collections::BTreeSet;

use muster_core::Incident;
use muster_core::paging::{Delivery, Destination, Notification, NotificationEvent, SinkKind};
use muster_core::stakeholder::{ChannelKind, Recipients};
use muster_plan::updates::{self, UpdateFields};

use crate::App;
use crate::directory::chat_destination;
use crate::routing::channel_message;
use crate::step_actions::StepContext;

impl App {
    /// One message per member and channel; the channels muster cannot send
    /// to are returned by name.
    pub(crate) fn group_messages(
        &self,
        recipients: &Recipients,
        subject: &str,
        text: &str,
        context: &StepContext<'_>,
    ) -> (Vec<Delivery>, Vec<String>) {
        let incident = context.incident;
        let notification = self.incident_notification(
            incident,
            NotificationEvent::StakeholderUpdate,
            subject.to_owned(),
            text.to_owned(),
        );
        let mut deliveries = Vec::new();
        let mut unreachable = Vec::new();
        let mut mailed = BTreeSet::new();
        for member in &recipients.members {
            mailed.insert(member.clone());
            deliveries.push(channel_message(
                member,
                Destination {
                    sink: SinkKind::Email,
                    address: member.clone(),
                },
                notification.clone(),
                context.now,
            ));
        }
        for channel in &recipients.channels {
            let destination = match channel.kind {
                ChannelKind::Email if mailed.contains(&channel.target) => continue,
                ChannelKind::Email => Some(Destination {
                    sink: SinkKind::Email,
                    address: channel.target.clone(),
                }),
                ChannelKind::Webhook
                    if channel.target.starts_with("https://")
                        || channel.target.starts_with("http://") =>
                {
                    Some(Destination {
                        sink: SinkKind::Webhook,
                        address: channel.target.clone(),
                    })
                }
                _ => chat_destination(&self.settings.channels, &channel.target),
            };
            match destination {
                Some(destination) => deliveries.push(channel_message(
                    &channel.target,
                    destination,
                    notification.clone(),
                    context.now,
                )),
                None => unreachable.push(format!(
                    "{} {} (no such channel configured)",
                    channel.kind, channel.target
                )),
            }
        }
        (deliveries, unreachable)
    }

    /// The words of an update from template `name` (the severity's default
    /// when `None`), over the incident as it is now; the name used comes
    /// back with the text.
    pub(crate) fn render_update(
        &self,
        name: Option<&str>,
        context: &StepContext<'_>,
    ) -> Result<(String, String), String> {
        let incident = context.incident;
        let communications = &context.plan.communications;
        let name = name
            .map(str::trim)
            .unwrap_or_else(|| communications.default_template(&incident.severity))
            .to_owned();
        let Some(source) = communications.template(&name) else {
            return Err(format!(
                "no update template named {name:?}; known: {}",
                communications.template_names().join(", ")
            ));
        };
        let commander = incident
            .roles
            .get(&muster_core::RoleCode::commander())
            .map(|u| context.name_of(*u))
            .unwrap_or_default();
        // An update goes out now, so under a cadence the next is owed one
        // interval from now.
        let next_update = communications
            .cadence(&incident.severity)
            .filter(|c| incident.milestones.get(c.until()).is_none())
            .and_then(|c| context.now.checked_add(c.every()).ok())
            .map(|at| at.strftime("%H:%M UTC").to_string())
            .unwrap_or_default();
        let fields = UpdateFields {
            incident: incident.number.to_string(),
            title: incident.title.clone(),
            severity: incident.severity.to_string(),
            status: incident.status().as_str().to_owned(),
            impact: incident.impact.clone(),
            commander,
            next_update,
            link: self.settings.incident_url(incident.number),
            drill: incident.drill,
        };
        let text = updates::render(source, &fields).map_err(|e| format!("template {name}: {e}"))?;
        Ok((name, text))
    }

    pub(crate) fn incident_notification(
        &self,
        incident: &Incident,
        event: NotificationEvent,
        subject: String,
        body: String,
    ) -> Notification {
        let subject = if incident.drill {
            format!("[DRILL] {subject}")
        } else {
            subject
        };
        Notification {
            event,
            subject,
            body,
            page_id: None,
            page_number: None,
            summary: incident.title.clone(),
            incident_number: Some(incident.number),
            incident_title: Some(incident.title.clone()),
            severity: Some(incident.severity.to_string()),
            drill: incident.drill,
            link: Some(self.settings.incident_url(incident.number)),
            ack_url: None,
            resolve_url: None,
            unsubscribe_url: None,
        }
    }
}
