//! Acting on alerts, for the engine: route the pending ones (the core
//! decides against the plan's routes, the silences and the open groups,
//! inside the store's transaction), and bring each group's page and
//! incident up to date with its alerts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use muster_core::alert::group::{Grouping, group_key};
use muster_core::alert::route::{Route, RouteDecision};
use muster_core::alert::routing::{
    Action, AlertSource, Destination as RouteTo, Flapping, GroupView, PendingAlert, Routed,
    RoutingRules, plan,
};
use muster_core::alert::silence::Silence;
use muster_core::alert::{Alert, AlertSeverity};
use muster_core::catalog::changes::Catalog;
use muster_core::catalog::impact::assess;
use muster_core::paging::{
    Delivery, DeliveryStatus, NewPage, Notification, NotificationEvent, Page, PageTarget,
};
use muster_core::runbook::{PlannedRunbook, attach_due};
use muster_core::{
    Actor, AlertGroupId, DeliveryId, Incident, IncidentId, NewIncident, NewTimelineEntry, PageId,
    TimelineEntryId, TimelineEvent, UserRole,
};
use muster_store::PageInsert;
use muster_store::routing::{AlertRouteWrite, AlertRouter, IncidentInsert, RoutingWrite};
use uuid::Uuid;

use crate::directory::chat_destination;
use crate::explain::decision_json;
pub use crate::explain::{Explanation, explain};
use crate::oncall::OnCallBook;
use crate::paging::{declaration_pages, escalation};
use crate::{App, AppError, Settings};

/// How long the routes, integrations and catalog one routing cycle reads
/// are reused (silences are read fresh every cycle).
const CONTEXT_TTL: Duration = Duration::from_secs(1);

/// What routing reads besides the alerts, cached for [`CONTEXT_TTL`].
pub(crate) struct RoutingContext {
    routes: Vec<Route>,
    /// The plan's runbooks, attached by condition to the incidents routes
    /// open and to every incident as it is declared or changes.
    pub(crate) runbooks: Vec<PlannedRunbook>,
    /// The plan's stakeholder groups and task forces, for runbook steps.
    pub(crate) audiences: muster_plan::stakeholders::Audiences,
    /// The configured roles and the plan's own (`Role` documents).
    pub(crate) roles: muster_core::RoleCatalog,
    /// Update templates and each severity's update cadence.
    pub(crate) communications: muster_plan::communications::Communications,
    /// The scenarios an incident may be started from.
    pub(crate) scenarios: muster_plan::scenarios::Scenarios,
    /// The public status page's components.
    pub(crate) status_components: muster_plan::status_components::StatusComponents,
    sources: HashMap<muster_core::IntegrationId, AlertSource>,
    pub(crate) catalog: Catalog,
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

/// The plan's stakeholder groups and task forces; a document that does not
/// read is left out, and the log says so.
fn audiences_of(
    documents: &[muster_core::plan::PlanDocument],
) -> muster_plan::stakeholders::Audiences {
    let audiences = muster_plan::stakeholders::audiences(documents);
    for problem in &audiences.problems {
        tracing::warn!(%problem, "a stakeholder group or task force of the plan does not read");
    }
    audiences
}

/// The plan's update templates and cadences; a document that does not read
/// is left out, and the log says so.
fn communications_of(
    documents: &[muster_core::plan::PlanDocument],
) -> muster_plan::communications::Communications {
    let communications = muster_plan::communications::communications(documents);
    for problem in &communications.problems {
        tracing::warn!(%problem, "an update template or severity of the plan does not read");
    }
    communications
}

/// The plan's scenarios; a document that does not read is left out, and
/// the log says so.
fn scenarios_of(
    documents: &[muster_core::plan::PlanDocument],
) -> muster_plan::scenarios::Scenarios {
    let scenarios = muster_plan::scenarios::scenarios(documents);
    for problem in &scenarios.problems {
        tracing::warn!(%problem, "a scenario of the plan does not read");
    }
    scenarios
}

/// The configured roles with the plan's `Role` documents added: a runbook
/// may give a role only the plan defines ("customer-liaison").
fn roles_of(
    configured: &muster_core::RoleCatalog,
    documents: &[muster_core::plan::PlanDocument],
) -> muster_core::RoleCatalog {
    let standard = muster_core::RoleCatalog::standard();
    let mut custom: Vec<muster_core::RoleDefinition> = configured
        .all()
        .iter()
        .filter(|r| standard.resolve("role", r.code.as_str()).is_err())
        .cloned()
        .collect();
    for doc in documents.iter().filter(|d| d.kind == "Role") {
        if custom.iter().any(|r| r.code.as_str() == doc.name)
            || standard.resolve("role", &doc.name).is_ok()
        {
            continue;
        }
        let description = serde_json::from_str::<serde_json::Value>(&doc.body)
            .ok()
            .and_then(|v| {
                v.get("description")
                    .and_then(|d| d.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        custom.push(muster_core::RoleDefinition {
            code: muster_core::RoleCode::new(doc.name.clone()),
            name: doc.name.replace('-', " "),
            description,
        });
    }
    muster_core::RoleCatalog::with_custom(custom).unwrap_or_else(|error| {
        tracing::warn!(%error, "the plan's roles do not read; only the configured ones apply");
        configured.clone()
    })
}

/// How routing groups alerts that carry no group key of their own; a group
/// made by hand for an alert (`attach.rs`) is keyed the same way.
pub(crate) fn grouping() -> Grouping {
    Grouping::default()
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
pub(crate) fn channel_message(
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
            unsubscribe_url: None,
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
        let (mut incident, mut events) = Incident::declare(
            IncidentId(Uuid::now_v7()),
            input,
            &actor,
            &self.settings.rules(),
            self.now,
        )
        .map_err(|e| e.to_string())?;
        events.extend(attach_due(
            &mut incident,
            &self.context.runbooks,
            &self.settings.severities,
        ));
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
    pub(crate) async fn routing_context(&self) -> Result<Arc<RoutingContext>, AppError> {
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
            runbooks: crate::declare::runbooks_of(&documents),
            audiences: audiences_of(&documents),
            roles: roles_of(&self.settings.roles, &documents),
            communications: communications_of(&documents),
            scenarios: scenarios_of(&documents),
            status_components: muster_plan::status_components::status_components(&documents),
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

    /// Every role an incident may have: the configured ones and the plan's
    /// `Role` documents.
    pub async fn roles(&self) -> Result<muster_core::RoleCatalog, AppError> {
        Ok(self.routing_context().await?.roles.clone())
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
            grouping: grouping(),
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
}
