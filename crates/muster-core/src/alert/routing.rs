//! Acting on alerts: what a batch of new or changed alerts does. Each alert
//! is checked against the silences, then the routes; it joins the storm
//! (group) it belongs to, and only a group's first alert pages, notifies or
//! opens an incident, so one storm is one page. A status change (an
//! acknowledge or a resolve) marks its group for follow-up: the group's
//! page is acknowledged or resolved, and its incident mitigated, once every
//! alert in it agrees.
//!
//! Pure: the caller loads the pending alerts and their groups, and turns the
//! [`Action`]s into pages, incidents and messages in the same transaction.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};

use crate::alert::group::{Grouping, group_key};
use crate::alert::route::{Route, RouteDecision, RouteEffect, RouteTarget, evaluate};
use crate::alert::silence::{Silence, silenced_by};
use crate::alert::{Alert, AlertSeverity, AlertStatus, is_flapping};
use crate::catalog::Slug;
use crate::ids::{AlertGroupId, AlertId, IncidentId, IntegrationId, PageId, SilenceId, UserId};
use crate::severity::SeverityCode;

/// The alerts of one storm: paged (or notified, or opened as an incident)
/// once, by its first alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    pub id: AlertGroupId,
    pub integration: IntegrationId,
    pub key: String,
    pub opened_at: Timestamp,
    pub last_alert_at: Timestamp,
    /// What the first alert's routing did (a [`RouteEffect::kind`]).
    pub effect: String,
    pub page: Option<PageId>,
    pub incident: Option<IncidentId>,
    /// Mark the incident mitigated when every alert resolves.
    pub mitigate_on_resolve: bool,
    /// Its alerts changed status: the page and incident are to catch up.
    pub follow_up_due: bool,
    pub version: u64,
}

/// A group as the batch sees it: with how many of its alerts are open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupView {
    pub group: AlertGroup,
    pub open_alerts: u64,
}

/// An alert waiting to be acted on.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub alert: Alert,
    /// The change being acted on (stored as acted on once written).
    pub route_seq: u64,
    /// The group it joined when it was first routed.
    pub group: Option<AlertGroupId>,
    /// Its silence, if it was silenced when last routed.
    pub silenced_by: Option<SilenceId>,
    /// When alerts under its key opened recently, itself included.
    pub openings: Vec<Timestamp>,
}

/// The integration an alert came through, as routing needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSource {
    pub id: IntegrationId,
    pub name: String,
    pub kind: String,
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    /// Who made the integration: incidents it opens are declared in their name.
    pub owner: UserId,
}

/// When an alert is flapping: opened `threshold` times within `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flapping {
    pub window: SignedDuration,
    pub threshold: usize,
}

impl Default for Flapping {
    fn default() -> Self {
        Self {
            window: SignedDuration::from_hours(1),
            threshold: 4,
        }
    }
}

/// Everything a batch is decided against.
#[derive(Debug, Clone, Copy)]
pub struct RoutingRules<'a> {
    pub routes: &'a [Route],
    pub silences: &'a [Silence],
    pub sources: &'a HashMap<IntegrationId, AlertSource>,
    pub grouping: &'a Grouping,
    pub flapping: Flapping,
    /// How often a recurring silence is looked at again while it holds.
    pub silence_recheck: SignedDuration,
}

/// Where a page or incident goes when no rule named a target: where the
/// integration is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Service(Slug),
    Functionality(Slug),
    Team(Slug),
}

/// What an alert's routing asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond recording the decision.
    Nothing,
    /// Page `to` for the group (its first alert).
    Page {
        group: AlertGroupId,
        to: Destination,
        severity: AlertSeverity,
    },
    /// A message to `channel`, nobody paged.
    Notify { channel: String },
    /// Declare an incident at `severity` on `to`, detected when the alert
    /// started, with the alert attached.
    OpenIncident {
        group: AlertGroupId,
        to: Destination,
        severity: SeverityCode,
    },
    /// The alert joined a group whose incident is open: attach it there.
    Attach { incident: IncidentId },
}

/// What the batch decided for one alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub alert: AlertId,
    pub route_seq: u64,
    pub group: Option<AlertGroupId>,
    /// The rules' decision, with the reasons; `None` keeps the stored one
    /// (a status change is not routed again).
    pub decision: Option<RouteDecision>,
    pub silenced_by: Option<SilenceId>,
    /// When a silenced alert is to be looked at again.
    pub silenced_until: Option<Timestamp>,
    pub action: Action,
}

/// The whole batch: each alert's outcome, and the groups to write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoutingPlan {
    pub routed: Vec<Routed>,
    /// Groups opened by this batch.
    pub new_groups: Vec<AlertGroup>,
    /// Stored groups changed by this batch (`version` already advanced).
    pub changed_groups: Vec<AlertGroup>,
}

impl RoutingPlan {
    fn group_mut(&mut self, id: AlertGroupId) -> Option<&mut AlertGroup> {
        self.new_groups
            .iter_mut()
            .chain(self.changed_groups.iter_mut())
            .find(|g| g.id == id)
    }
}

fn destination(target: Option<&RouteTarget>, source: Option<&AlertSource>) -> Option<Destination> {
    match target {
        Some(RouteTarget::Service(s)) => Some(Destination::Service(s.clone())),
        Some(RouteTarget::Functionality(f)) => Some(Destination::Functionality(f.clone())),
        None => source.and_then(|s| match (&s.service, &s.team) {
            (Some(service), _) => Some(Destination::Service(service.clone())),
            (None, Some(team)) => Some(Destination::Team(team.clone())),
            (None, None) => None,
        }),
    }
}

/// Decides a batch. `groups` holds, for each pending alert, the latest group
/// under its key and the group it already belongs to (as stored); `fresh`
/// makes the ids of new groups.
pub fn plan(
    pending: &[PendingAlert],
    groups: &[GroupView],
    rules: &RoutingRules<'_>,
    now: Timestamp,
    fresh: &mut dyn FnMut() -> AlertGroupId,
) -> RoutingPlan {
    let mut plan = RoutingPlan::default();
    // Open alerts per group as this batch leaves them.
    let mut open: HashMap<AlertGroupId, u64> =
        groups.iter().map(|g| (g.group.id, g.open_alerts)).collect();
    let stored = |id: AlertGroupId| groups.iter().find(|g| g.group.id == id);
    for item in pending {
        let routed = match item.group {
            Some(group) => follow(item, group, &mut plan, &stored),
            None if item.alert.status.is_open() => {
                first_routing(item, groups, rules, now, fresh, &mut plan, &mut open)
            }
            // Resolved before it was ever routed: nobody needs to hear of it.
            None => Routed {
                alert: item.alert.id,
                route_seq: item.route_seq,
                group: None,
                decision: None,
                silenced_by: item.silenced_by,
                silenced_until: None,
                action: Action::Nothing,
            },
        };
        plan.routed.push(routed);
    }
    plan
}

/// A status change of an alert already in a group: its group follows up.
fn follow<'g>(
    item: &PendingAlert,
    group: AlertGroupId,
    plan: &mut RoutingPlan,
    stored: &dyn Fn(AlertGroupId) -> Option<&'g GroupView>,
) -> Routed {
    if plan.group_mut(group).is_none()
        && let Some(view) = stored(group)
    {
        let mut changed = view.group.clone();
        changed.version += 1;
        plan.changed_groups.push(changed);
    }
    if let Some(changed) = plan.group_mut(group) {
        changed.follow_up_due = true;
    }
    Routed {
        alert: item.alert.id,
        route_seq: item.route_seq,
        group: Some(group),
        decision: None,
        silenced_by: None,
        silenced_until: None,
        action: Action::Nothing,
    }
}

/// When a silence is to be looked at again: its end, or sooner for a
/// recurring one (its windows open and close within the range).
fn recheck(silence: &Silence, now: Timestamp, every: SignedDuration) -> Timestamp {
    if silence.recurrence.is_some() {
        now.checked_add(every)
            .unwrap_or(silence.ends_at)
            .min(silence.ends_at)
    } else {
        silence.ends_at
    }
}

fn first_routing(
    item: &PendingAlert,
    groups: &[GroupView],
    rules: &RoutingRules<'_>,
    now: Timestamp,
    fresh: &mut dyn FnMut() -> AlertGroupId,
    plan: &mut RoutingPlan,
    open: &mut HashMap<AlertGroupId, u64>,
) -> Routed {
    let alert = &item.alert;
    let source = rules.sources.get(&alert.integration);
    let source_kind = source.map_or("", |s| s.kind.as_str());
    let mut decision = evaluate(rules.routes, alert, source_kind);
    let mut routed = Routed {
        alert: alert.id,
        route_seq: item.route_seq,
        group: None,
        decision: None,
        silenced_by: None,
        silenced_until: None,
        action: Action::Nothing,
    };
    if let Some(silence) = silenced_by(rules.silences, alert, now) {
        decision.reasons.insert(
            0,
            format!(
                "silenced by {} ({}): stored, nobody told",
                silence.id,
                if silence.comment.is_empty() {
                    "no comment"
                } else {
                    silence.comment.as_str()
                }
            ),
        );
        routed.silenced_by = Some(silence.id);
        routed.silenced_until = Some(recheck(silence, now, rules.silence_recheck));
        routed.decision = Some(decision);
        return routed;
    }
    if item.silenced_by.is_some() {
        decision
            .reasons
            .insert(0, "its silence ended while it was still open".to_owned());
    }
    let key = group_key(alert, rules.grouping);
    // The newest group under the key, from this batch or the store.
    let latest = plan
        .new_groups
        .iter()
        .filter(|g| g.integration == alert.integration && g.key == key)
        .max_by_key(|g| g.opened_at)
        .cloned()
        .or_else(|| {
            groups
                .iter()
                .filter(|g| g.group.integration == alert.integration && g.group.key == key)
                .max_by_key(|g| g.group.opened_at)
                .map(|g| g.group.clone())
        });
    let flapping = is_flapping(
        &item.openings,
        now,
        rules.flapping.window,
        rules.flapping.threshold,
    );
    if let Some(group) = latest {
        let open_now = open.get(&group.id).copied().unwrap_or(0);
        let joins = open_now > 0
            || (flapping && now.duration_since(group.last_alert_at) <= rules.flapping.window);
        if joins {
            decision.reasons.push(if open_now > 0 {
                format!(
                    "joined an open group of {open_now} alert(s): it was {} once already",
                    past(&group.effect)
                )
            } else {
                format!(
                    "flapping (opened {} times within {} min): joined its last group, not {} again",
                    item.openings.len(),
                    rules.flapping.window.as_mins(),
                    past(&group.effect)
                )
            });
            *open.entry(group.id).or_insert(0) += 1;
            let mut changed = match plan.group_mut(group.id) {
                Some(g) => g.clone(),
                None => {
                    let mut g = group.clone();
                    g.version += 1;
                    g
                }
            };
            changed.last_alert_at = now;
            upsert(plan, changed);
            routed.group = Some(group.id);
            if let Some(incident) = group.incident {
                routed.action = Action::Attach { incident };
            }
            routed.decision = Some(decision);
            return routed;
        }
    }
    let id = fresh();
    let group = AlertGroup {
        id,
        integration: alert.integration,
        key,
        opened_at: now,
        last_alert_at: now,
        effect: decision.effect.kind().to_owned(),
        page: None,
        incident: None,
        mitigate_on_resolve: decision.mitigate_on_resolve,
        // Acknowledged before it was routed: the page catches up at once.
        follow_up_due: alert.status != AlertStatus::Firing,
        version: 1,
    };
    open.insert(id, 1);
    plan.new_groups.push(group);
    routed.group = Some(id);
    let to = destination(decision.target.as_ref(), source);
    routed.action = match (&decision.effect, to) {
        (RouteEffect::Drop, _) => Action::Nothing,
        (RouteEffect::NotifyOnly { channel }, _) => Action::Notify {
            channel: channel.clone(),
        },
        (RouteEffect::Page, Some(to)) => Action::Page {
            group: id,
            to,
            severity: decision.severity,
        },
        (RouteEffect::OpenIncident { severity }, Some(to)) => Action::OpenIncident {
            group: id,
            to,
            severity: severity.clone(),
        },
        (RouteEffect::Page | RouteEffect::OpenIncident { .. }, None) => {
            decision.reasons.push(
                "but neither a rule nor its integration names a service or team: nobody paged"
                    .to_owned(),
            );
            Action::Nothing
        }
    };
    routed.decision = Some(decision);
    routed
}

fn upsert(plan: &mut RoutingPlan, group: AlertGroup) {
    if let Some(existing) = plan.group_mut(group.id) {
        *existing = group;
    } else {
        plan.changed_groups.push(group);
    }
}

fn past(effect: &str) -> &'static str {
    match effect {
        "page" => "paged",
        "notify" => "notified",
        "open_incident" => "opened as an incident",
        _ => "handled",
    }
}

/// What a group's page and incident should become, from its alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Some alert still fires unacknowledged: nothing to do.
    Nothing,
    /// Every open alert is acknowledged: acknowledge the page.
    Acknowledge,
    /// Every alert of the group resolved: resolve the page; `incident` when
    /// every alert attached to the group's incident resolved too.
    Resolve { incident: Option<AllResolved> },
}

/// Every alert attached to an incident resolved: it is marked mitigated
/// when every group attached says so, and its owner is asked to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllResolved {
    /// How many alerts are attached, in all its groups.
    pub alerts: u64,
    pub mitigate: bool,
}

/// The alerts of the other groups attached to the same incident (an
/// incident follows several groups once alerts are attached by hand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OtherGroups {
    pub alerts: u64,
    /// Of them, still open.
    pub open: u64,
    /// Groups (or their alerts) that do not mitigate the incident on
    /// resolve: one is enough to leave mitigation to a person.
    pub holding: u64,
}

/// The follow-up a group owes, given its alerts' statuses and the alerts
/// of the other groups attached to its incident.
pub fn follow_up(group: &AlertGroup, statuses: &[AlertStatus], others: OtherGroups) -> FollowUp {
    if statuses.iter().all(|s| *s == AlertStatus::Resolved) {
        let incident = (group.incident.is_some() && others.open == 0).then(|| AllResolved {
            alerts: statuses.len() as u64 + others.alerts,
            mitigate: group.mitigate_on_resolve && others.holding == 0,
        });
        return FollowUp::Resolve { incident };
    }
    if statuses
        .iter()
        .filter(|s| s.is_open())
        .all(|s| *s == AlertStatus::Acknowledged)
    {
        return FollowUp::Acknowledge;
    }
    FollowUp::Nothing
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
