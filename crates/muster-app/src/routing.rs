//! Acting on alerts, for the engine: route the pending ones (the core
//! decides against the plan's routes, the silences and the open groups,
//! inside the store's transaction), and bring each group's page and
//! incident up to date with its alerts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use muster_core::alert::group::{Grouping, group_key};
use muster_core::alert::route::{Route, RouteDecision, RouteEffect};
use muster_core::alert::routing::{
    Action, AlertSource, Destination as RouteTo, Flapping, FollowUp, GroupView, PendingAlert,
    Routed, RoutingRules, follow_up, plan,
};
use muster_core::alert::silence::Silence;
use muster_core::alert::{Alert, AlertSeverity};
use muster_core::catalog::changes::Catalog;
use muster_core::catalog::impact::assess;
use muster_core::paging::{
    Delivery, DeliveryStatus, NewPage, Notification, NotificationEvent, Page, PageTarget, Via,
};
use muster_core::{
    Actor, AlertGroupId, DeliveryId, Incident, IncidentId, Milestone, NewIncident,
    NewTimelineEntry, PageId, TimelineEntryId, TimelineEvent, UserRole,
};
use muster_store::PageInsert;
use muster_store::routing::{AlertRouteWrite, AlertRouter, IncidentInsert, RoutingWrite};
use serde_json::json;
use uuid::Uuid;

use crate::directory::chat_destination;
use crate::incidents::IncidentKey;
use crate::oncall::OnCallBook;
use crate::paging::{PageKey, declaration_pages, escalation};
use crate::{App, AppError, Settings};

/// How long the routes, integrations and catalog one routing cycle reads
/// are reused (silences are read fresh every cycle).
const CONTEXT_TTL: Duration = Duration::from_secs(1);

/// What routing reads besides the alerts, cached for [`CONTEXT_TTL`].
pub(crate) struct RoutingContext {
    routes: Vec<Route>,
    sources: HashMap<muster_core::IntegrationId, AlertSource>,
    catalog: Catalog,
}

pub(crate) type ContextCache = Mutex<Option<(Instant, Arc<RoutingContext>)>>;

/// What one routing cycle did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoutingReport {
    pub routed: usize,
    pub pages: usize,
    pub incidents: usize,
    pub messages: usize,
}

/// The router of one cycle: everything a batch is decided against.
struct CycleRouter {
    context: Arc<RoutingContext>,
    silences: Vec<Silence>,
    book: Arc<OnCallBook>,
    settings: Arc<Settings>,
    grouping: Grouping,
    now: Timestamp,
}

fn page_target(to: &RouteTo) -> PageTarget {
    match to {
        RouteTo::Service(s) => PageTarget::Service(s.clone()),
        RouteTo::Functionality(f) => PageTarget::Functionality(f.clone()),
        RouteTo::Team(t) => PageTarget::Team(t.clone()),
    }
}

/// The decision as stored and shown: "why did this page?".
fn decision_json(decision: &RouteDecision, routed: &Routed) -> String {
    json!({
        "matched": decision.matched,
        "target": decision.target.as_ref().map(|t| format!("{} {}", t.kind(), t.name())),
        "severity": decision.severity.as_str(),
        "effect": if routed.silenced_by.is_some() { "silenced" } else { decision.effect.kind() },
        "channel": match &decision.effect {
            RouteEffect::NotifyOnly { channel } => Some(channel.as_str()),
            _ => None,
        },
        "mitigate_on_resolve": decision.mitigate_on_resolve,
        "reasons": decision.reasons,
    })
    .to_string()
}

/// A stored decision read back ([`decision_json`] wrote it): "why did this
/// page?", typed, for the API and the console alike.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    /// Routing has decided this alert at least once.
    pub decided: bool,
    /// Its latest change is not acted on yet.
    pub pending: bool,
    /// The rules that matched, in order.
    pub matched: Vec<String>,
    /// "service checkout-api"; `None`: where its integration is bound.
    pub target: Option<String>,
    pub severity: Option<String>,
    /// `page`, `notify`, `open_incident`, `drop` or `silenced`.
    pub effect: Option<String>,
    /// The channel a notify-only rule told.
    pub channel: Option<String>,
    pub mitigate_on_resolve: Option<bool>,
    /// Sentences for people, in the order they were decided.
    pub reasons: Vec<String>,
    pub silenced_by: Option<muster_core::SilenceId>,
    pub silenced_until: Option<Timestamp>,
    pub group: Option<muster_core::alert::routing::AlertGroup>,
}

/// Reads the stored routing of an alert. A decision that is not the JSON
/// this module writes reads as undecided rather than failing the page.
pub fn explain(found: &muster_store::routing::AlertRouting) -> Explanation {
    let decision: Option<serde_json::Map<String, serde_json::Value>> = found
        .decision
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    let text = |name: &str| {
        decision
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let texts = |name: &str| -> Vec<String> {
        decision
            .as_ref()
            .and_then(|d| d.get(name))
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Explanation {
        decided: decision.is_some(),
        pending: found.pending,
        matched: texts("matched"),
        target: text("target"),
        severity: text("severity"),
        effect: text("effect"),
        channel: text("channel"),
        mitigate_on_resolve: decision
            .as_ref()
            .and_then(|d| d.get("mitigate_on_resolve"))
            .and_then(serde_json::Value::as_bool),
        reasons: texts("reasons"),
        silenced_by: found.silenced_by,
        silenced_until: found.silenced_until,
        group: found.group.clone(),
    }
}

/// What a page or message says about an alert: labels and annotations, then why.
pub(crate) fn details(alert: &Alert, reasons: &[String]) -> String {
    let mut text = String::new();
    for (name, value) in alert.annotations.iter().chain(alert.labels.iter()) {
        text.push_str(&format!("{name}: {value}\n"));
    }
    for link in &alert.links {
        text.push_str(&format!("{}: {}\n", link.text, link.href));
    }
    if !reasons.is_empty() {
        text.push_str(&format!("\nWhy: {}", reasons.join("; ")));
    }
    text
}

pub(crate) fn title(alert: &Alert) -> String {
    let title: String = alert.summary.chars().take(200).collect();
    if title.trim().is_empty() {
        alert.dedup_key.chars().take(200).collect()
    } else {
        title
    }
}

/// A message to a channel (nobody's page), due now: what notify-only rules
/// and the ask to confirm a resolution send.
fn channel_message(
    channel: &str,
    destination: muster_core::paging::Destination,
    notification: Notification,
    now: Timestamp,
) -> Delivery {
    Delivery {
        id: DeliveryId(Uuid::now_v7()),
        page_id: None,
        firing: None,
        recipient: channel.to_owned(),
        user_id: None,
        destination,
        notification,
        status: DeliveryStatus::Pending,
        due_at: now,
        attempts: 0,
        last_error: None,
        created_at: now,
        sent_at: None,
    }
}

impl CycleRouter {
    fn alert_url(&self, alert: &Alert) -> String {
        format!(
            "{}/alerts/{}",
            self.settings.public_url.trim_end_matches('/'),
            alert.id
        )
    }

    /// A route's notify-only message about `alert` to `channel`.
    fn message(
        &self,
        channel: &str,
        destination: muster_core::paging::Destination,
        alert: &Alert,
        reasons: &[String],
    ) -> Delivery {
        let link = self.alert_url(alert);
        let notification = Notification {
            event: NotificationEvent::AlertNotified,
            subject: format!("[{}] {}", alert.severity, title(alert)),
            body: format!(
                "{}\n\n{}\nOpen: {link}",
                alert.summary,
                details(alert, reasons)
            ),
            page_id: None,
            page_number: None,
            summary: alert.summary.clone(),
            incident_number: None,
            incident_title: None,
            severity: Some(alert.severity.to_string()),
            drill: false,
            link: Some(link),
            ack_url: None,
            resolve_url: None,
        };
        channel_message(channel, destination, notification, self.now)
    }

    /// Turns one alert's action into what the batch writes.
    fn act(
        &self,
        alert: &Alert,
        routed: &Routed,
        decision: &mut Option<RouteDecision>,
        out: &mut RoutingWrite,
    ) {
        let reasons = decision
            .as_ref()
            .map(|d| d.reasons.clone())
            .unwrap_or_default();
        let mut refuse = |why: String| {
            if let Some(d) = decision.as_mut() {
                d.reasons.push(why);
            }
        };
        match &routed.action {
            Action::Nothing => {}
            Action::Page {
                group,
                to,
                severity,
            } => {
                let target = page_target(to);
                match self.page(alert, &target, *severity, &reasons) {
                    Ok(insert) => {
                        set_group(out, *group, Some(insert.page.id), None);
                        out.pages.push(insert);
                    }
                    Err(why) => refuse(format!("could not page {target}: {why}")),
                }
            }
            Action::Notify { channel } => {
                match chat_destination(&self.settings.channels, channel) {
                    Some(destination) => {
                        let delivery = self.message(channel, destination, alert, &reasons);
                        out.deliveries.push(delivery);
                    }
                    None => refuse(format!(
                        "channel {channel} is not configured (see `channels` in the configuration): nobody told"
                    )),
                }
            }
            Action::OpenIncident {
                group,
                to,
                severity,
            } => match self.open_incident(alert, to, severity.as_str(), &reasons) {
                Ok(insert) => {
                    set_group(out, *group, None, Some(insert.incident.id));
                    out.incidents.push(insert);
                }
                Err(why) => refuse(format!("could not open an incident: {why}")),
            },
            Action::Attach { incident } => out.timeline.push(NewTimelineEntry {
                id: TimelineEntryId(Uuid::now_v7()),
                incident_id: *incident,
                occurred_at: self.now,
                actor: None,
                event: TimelineEvent::AlertAttached {
                    alert: alert.id,
                    summary: title(alert),
                },
            }),
        }
    }

    fn page(
        &self,
        alert: &Alert,
        target: &PageTarget,
        severity: AlertSeverity,
        reasons: &[String],
    ) -> Result<PageInsert, String> {
        let escalation =
            escalation(target, &self.context.catalog, &self.book).map_err(|e| e.to_string())?;
        let (page, event) = Page::trigger(
            PageId(Uuid::now_v7()),
            NewPage {
                target: target.clone(),
                summary: format!("[{severity}] {}", title(alert)),
                details: format!(
                    "{}\nAlert: {}",
                    details(alert, reasons),
                    self.alert_url(alert)
                ),
                incident: None,
                drill: false,
            },
            escalation,
            None,
            self.now,
        )
        .map_err(|e| e.to_string())?;
        Ok(PageInsert {
            page,
            events: vec![event],
        })
    }

    fn open_incident(
        &self,
        alert: &Alert,
        to: &RouteTo,
        severity: &str,
        reasons: &[String],
    ) -> Result<IncidentInsert, String> {
        let source = self
            .context
            .sources
            .get(&alert.integration)
            .ok_or("its integration is gone")?;
        let catalog = &self.context.catalog;
        let (services, functionalities) = match to {
            RouteTo::Service(s) => (vec![s.clone()], vec![]),
            RouteTo::Functionality(f) => (vec![], vec![f.clone()]),
            RouteTo::Team(_) => (vec![], vec![]),
        };
        let actor = Actor {
            user_id: source.owner,
            role: UserRole::Responder,
        };
        let started = alert.started_at.min(self.now);
        let input = NewIncident {
            title: title(alert),
            severity: Some(severity.to_owned()),
            description: format!(
                "Opened from the alert {} of integration {}.\n\n{}",
                self.alert_url(alert),
                source.name,
                details(alert, reasons)
            ),
            impact: String::new(),
            tags: vec!["from-alert".to_owned()],
            drill: false,
            private: false,
            started_at: Some(started),
            detected_at: Some(started),
            affected: assess(catalog, &services, &functionalities),
        };
        let (incident, mut events) = Incident::declare(
            IncidentId(Uuid::now_v7()),
            input,
            &actor,
            &self.settings.rules(),
            self.now,
        )
        .map_err(|e| e.to_string())?;
        let targets = match to {
            RouteTo::Team(t) => vec![PageTarget::Team(t.clone())],
            other => vec![page_target(other)],
        };
        let (pages, paging) = declaration_pages(&self.book, &incident, catalog, targets, self.now)
            .map_err(|e| e.to_string())?;
        events.push(TimelineEvent::AlertAttached {
            alert: alert.id,
            summary: title(alert),
        });
        events.extend(paging);
        let timeline = events
            .into_iter()
            .map(|event| NewTimelineEntry {
                id: TimelineEntryId(Uuid::now_v7()),
                incident_id: incident.id,
                occurred_at: self.now,
                actor: match event {
                    TimelineEvent::Declared { .. } => Some(source.owner),
                    _ => None,
                },
                event,
            })
            .collect();
        Ok(IncidentInsert {
            incident,
            timeline,
            pages,
        })
    }
}

fn set_group(
    out: &mut RoutingWrite,
    group: AlertGroupId,
    page: Option<PageId>,
    incident: Option<IncidentId>,
) {
    if let Some(g) = out
        .new_groups
        .iter_mut()
        .chain(out.changed_groups.iter_mut())
        .find(|g| g.id == group)
    {
        g.page = page.or(g.page);
        g.incident = incident.or(g.incident);
    }
}

impl AlertRouter for CycleRouter {
    fn group_key(&self, alert: &Alert) -> String {
        group_key(alert, &self.grouping)
    }

    fn route(&self, pending: &[PendingAlert], groups: &[GroupView]) -> RoutingWrite {
        let rules = RoutingRules {
            routes: &self.context.routes,
            silences: &self.silences,
            sources: &self.context.sources,
            grouping: &self.grouping,
            flapping: Flapping::default(),
            silence_recheck: SignedDuration::from_mins(1),
        };
        let planned = plan(pending, groups, &rules, self.now, &mut || {
            AlertGroupId(Uuid::now_v7())
        });
        let mut out = RoutingWrite {
            new_groups: planned.new_groups,
            changed_groups: planned.changed_groups,
            ..RoutingWrite::default()
        };
        for (item, routed) in pending.iter().zip(planned.routed) {
            let mut decision = routed.decision.clone();
            self.act(&item.alert, &routed, &mut decision, &mut out);
            out.alerts.push(AlertRouteWrite {
                alert: routed.alert,
                route_seq: routed.route_seq,
                group: routed.group,
                decision: decision.as_ref().map(|d| decision_json(d, &routed)),
                silenced_by: routed.silenced_by,
                silenced_until: routed.silenced_until,
            });
        }
        out
    }
}

impl App {
    async fn routing_context(&self) -> Result<Arc<RoutingContext>, AppError> {
        if let Some((read, context)) = self
            .routing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            && read.elapsed() < CONTEXT_TTL
        {
            return Ok(context.clone());
        }
        let documents = self.store.load_plan_documents().await?;
        let alerting = muster_plan::alerting::alerting(&documents);
        for problem in &alerting.problems {
            tracing::warn!(%problem, "a stored alert-routes document could not be read");
        }
        let sources = self
            .store
            .integrations()
            .await?
            .into_iter()
            .map(|i| {
                (
                    i.id,
                    AlertSource {
                        id: i.id,
                        name: i.name,
                        kind: i.kind,
                        service: i.service,
                        team: i.team,
                        owner: i.created_by,
                    },
                )
            })
            .collect();
        let context = Arc::new(RoutingContext {
            routes: alerting.routes,
            sources,
            catalog: self.store.load_catalog().await?,
        });
        *self
            .routing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((Instant::now(), context.clone()));
        Ok(context)
    }

    /// Drops the cached routing context (an integration or plan changed here).
    pub(crate) fn forget_routing_context(&self) {
        *self
            .routing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Routes up to `batch` pending alerts in one transaction.
    pub async fn route_pending_alerts(&self, batch: u32) -> Result<RoutingReport, AppError> {
        let now = self.now();
        // Nothing pending is the usual case (the engine asks after every
        // ingest): find it out with one read, before loading what routing
        // decides against or taking SQLite's writer.
        if self
            .store
            .next_routing_due(now)
            .await?
            .is_none_or(|due| due > now)
        {
            return Ok(RoutingReport::default());
        }
        let router = CycleRouter {
            context: self.routing_context().await?,
            silences: self
                .store
                .silences(Some(now))
                .await?
                .into_iter()
                .map(|s| s.silence)
                .collect(),
            book: self.on_call_book().await?,
            settings: self.settings.clone(),
            grouping: Grouping::default(),
            now,
        };
        let written = self
            .store
            .route_alerts(batch, now, Arc::new(router))
            .await?;
        let report = RoutingReport {
            routed: written.alerts.len(),
            pages: written.pages.len()
                + written
                    .incidents
                    .iter()
                    .map(|i| i.pages.len())
                    .sum::<usize>(),
            incidents: written.incidents.len(),
            messages: written.deliveries.len(),
        };
        if report.pages > 0 {
            self.wake_engine();
        }
        if report.routed > 0 {
            tracing::debug!(?report, "alerts routed");
        }
        Ok(report)
    }

    /// How an alert was routed: the decision ("why did this page?"), its
    /// group, its silence.
    pub async fn alert_routing(
        &self,
        actor: &Actor,
        alert: muster_core::AlertId,
    ) -> Result<muster_store::routing::AlertRouting, AppError> {
        crate::accounts::require(actor, muster_core::Permission::ReadIncidents)?;
        self.store
            .alert_routing(alert)
            .await?
            .ok_or_else(|| AppError::not_found("alert", alert))
    }

    /// What the engine's routing waits on: alerts arrived or changed.
    pub fn alert_wakeups(&self) -> Arc<tokio::sync::Notify> {
        self.alerts_arrived.clone()
    }

    /// When routing next has work (now, or a silence lapsing).
    pub async fn next_routing_due(&self) -> Result<Option<Timestamp>, AppError> {
        Ok(self.store.next_routing_due(self.now()).await?)
    }

    /// Brings up to `batch` groups' pages and incidents up to date with
    /// their alerts; returns how many were done.
    pub async fn follow_up_alert_groups(&self, batch: u32) -> Result<usize, AppError> {
        let due = self.store.follow_ups_due(batch).await?;
        let mut done = 0;
        for item in due {
            let group = &item.group;
            let mut timeline = Vec::new();
            let mut deliveries = Vec::new();
            match follow_up(group, &item.statuses) {
                FollowUp::Nothing => {}
                FollowUp::Acknowledge => {
                    if let Some(page) = group.page {
                        self.page_follows(page, true).await?;
                    }
                }
                FollowUp::Resolve { alerts, mitigate } => {
                    if let Some(page) = group.page {
                        self.page_follows(page, false).await?;
                    }
                    if let Some(incident) = group.incident {
                        let (entries, messages) =
                            self.alerts_resolved(incident, alerts, mitigate).await?;
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

    /// Every alert of an incident resolved: its pages stop, it is marked
    /// mitigated when the route says so, and its owner is asked to confirm.
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
        let link = format!(
            "{}/incidents/{}",
            self.settings.public_url.trim_end_matches('/'),
            found.number
        );
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

#[cfg(test)]
mod tests {
    use muster_store::routing::AlertRouting;

    use super::*;

    fn stored(decision: Option<&str>) -> AlertRouting {
        AlertRouting {
            decision: decision.map(str::to_owned),
            group: None,
            silenced_by: None,
            silenced_until: None,
            pending: false,
        }
    }

    #[test]
    fn a_stored_decision_reads_back_typed() {
        let decision = RouteDecision {
            matched: vec!["checkout-down".into()],
            target: Some(muster_core::alert::route::RouteTarget::Service(
                muster_core::Slug::parse("service", "checkout-api").expect("a slug"),
            )),
            severity: AlertSeverity::Critical,
            effect: RouteEffect::NotifyOnly {
                channel: "#storefront".into(),
            },
            mitigate_on_resolve: false,
            reasons: vec!["rule \"checkout-down\" (team storefront) matched".into()],
        };
        let routed = Routed {
            alert: muster_core::AlertId(Uuid::nil()),
            route_seq: 1,
            group: None,
            decision: Some(decision.clone()),
            silenced_by: None,
            silenced_until: None,
            action: Action::Nothing,
        };
        // What routing writes is what the pages read.
        let json = decision_json(&decision, &routed);
        let why = explain(&stored(Some(&json)));
        assert!(why.decided);
        assert_eq!(why.matched, ["checkout-down"]);
        assert_eq!(why.target.as_deref(), Some("service checkout-api"));
        assert_eq!(why.effect.as_deref(), Some("notify"));
        assert_eq!(why.channel.as_deref(), Some("#storefront"));
        assert_eq!(why.mitigate_on_resolve, Some(false));
        assert_eq!(why.reasons.len(), 1);
    }

    #[test]
    fn no_decision_or_a_broken_one_reads_as_undecided() {
        for decision in [None, Some("not json"), Some("[1, 2]")] {
            let why = explain(&stored(decision));
            assert!(!why.decided, "{decision:?}");
            assert!(why.matched.is_empty() && why.effect.is_none());
        }
    }
}
