//! Alert views: the list and its filter, an alert's page with "why did this
//! page?", silences and their form, and the routes per team with a preview.

use std::hash::{DefaultHasher, Hash, Hasher};

use jiff::Timestamp;
use muster_core::alert::route::{Route, RouteDecision, RouteEffect};
use muster_core::alert::routing::AlertGroup;
use muster_core::alert::silence::Silence;
use muster_core::alert::{Alert, AlertSeverity, AlertStatus};
use muster_core::{IntegrationId, SilenceId, Slug, User, UserId};

use super::oncall::{path_segment, restriction_text};
use super::{Names, option, short_time};
use crate::view::{
    AlertFilters, AlertListView, AlertPill, AlertRow, AlertSeverityBadge, EffectChip, LinkView,
    OptionView, PreviewRow, PreviewView, RouteRuleRow, SilenceForm, SilenceRow, TeamRef,
    TeamRoutes,
};

/// Where an alert's page lives.
pub fn alert_href(id: impl std::fmt::Display) -> String {
    format!("/alerts/{id}")
}

pub fn alert_pill(status: AlertStatus) -> AlertPill {
    AlertPill {
        code: status.as_str(),
        label: match status {
            AlertStatus::Firing => "Firing",
            AlertStatus::Acknowledged => "Acknowledged",
            AlertStatus::Resolved => "Resolved",
        },
    }
}

pub fn alert_severity(severity: AlertSeverity) -> AlertSeverityBadge {
    AlertSeverityBadge {
        code: severity.as_str(),
        label: match severity {
            AlertSeverity::Critical => "Critical",
            AlertSeverity::Error => "Error",
            AlertSeverity::Warning => "Warning",
            AlertSeverity::Info => "Info",
        },
    }
}

/// An integration, as alert pages name it.
#[derive(Debug, Clone, Copy)]
pub struct IntegrationInfo<'a> {
    pub id: IntegrationId,
    pub name: &'a str,
    pub kind: &'a str,
    pub service: Option<&'a Slug>,
    pub team: Option<&'a Slug>,
}

/// How an alert was routed, as the server read it from the store.
#[derive(Debug, Clone, Copy, Default)]
pub struct RoutingFacts<'a> {
    /// Routing decided it at least once.
    pub decided: bool,
    /// Its latest change waits to be acted on.
    pub pending: bool,
    pub matched: &'a [String],
    pub target: Option<&'a str>,
    pub severity: Option<&'a str>,
    /// `page`, `notify`, `open_incident`, `drop`, `silenced`.
    pub effect: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub mitigate_on_resolve: Option<bool>,
    pub reasons: &'a [String],
    pub silenced_by: Option<SilenceId>,
    pub silenced_until: Option<Timestamp>,
    pub group: Option<&'a AlertGroup>,
}

/// The chip of what routing did (or that it has not yet).
pub fn effect_chip(effect: Option<&str>, decided: bool, pending: bool) -> EffectChip {
    let (code, label) = match effect {
        Some("page") => ("page", "Paged"),
        Some("notify") => ("notify", "Notified"),
        Some("open_incident") => ("open_incident", "Opened incident"),
        Some("drop") => ("drop", "Dropped"),
        Some("silenced") => ("silenced", "Silenced"),
        Some(muster_core::alert::attach::ATTACHED_BY_HAND) => ("attach", "Attached by hand"),
        Some(other) if decided => {
            return EffectChip {
                code: String::from("other"),
                label: other.to_owned(),
            };
        }
        _ if pending => ("pending", "Not routed yet"),
        _ => ("none", "Not routed"),
    };
    EffectChip {
        code: code.to_owned(),
        label: label.to_owned(),
    }
}

/// The chip of what rules would do, in a preview.
fn would_chip(effect: &RouteEffect) -> EffectChip {
    let label = match effect {
        RouteEffect::Page => String::from("Page"),
        RouteEffect::NotifyOnly { channel } => format!("Notify {channel}"),
        RouteEffect::OpenIncident { severity } => format!("Open a {severity} incident"),
        RouteEffect::Drop => String::from("Drop"),
    };
    EffectChip {
        code: effect.kind().to_owned(),
        label,
    }
}

/// One alert of the list, with how it was routed.
#[derive(Debug, Clone, Copy)]
pub struct AlertListItem<'a> {
    pub alert: &'a Alert,
    pub routing: RoutingFacts<'a>,
}

fn integration_name(integrations: &[IntegrationInfo<'_>], id: IntegrationId) -> String {
    integrations
        .iter()
        .find(|i| i.id == id)
        .map_or_else(|| String::from("(gone)"), |i| i.name.to_owned())
}

pub fn alert_rows(
    items: &[AlertListItem<'_>],
    integrations: &[IntegrationInfo<'_>],
) -> Vec<AlertRow> {
    items
        .iter()
        .map(|item| {
            let a = item.alert;
            AlertRow {
                id: a.id.to_string(),
                href: alert_href(a.id),
                status: alert_pill(a.status),
                severity: alert_severity(a.severity),
                summary: shown_summary(a),
                source: a.source.clone(),
                integration: integration_name(integrations, a.integration),
                occurrences: a.occurrences,
                first_seen: short_time(a.first_seen),
                first_seen_iso: a.first_seen.to_string(),
                last_seen: short_time(a.last_seen),
                last_seen_iso: a.last_seen.to_string(),
                effect: effect_chip(
                    item.routing.effect,
                    item.routing.decided,
                    item.routing.pending,
                ),
            }
        })
        .collect()
}

/// The summary, or the dedup key when a source sent none.
pub(super) fn shown_summary(alert: &Alert) -> String {
    if alert.summary.trim().is_empty() {
        alert.dedup_key.clone()
    } else {
        alert.summary.clone()
    }
}

/// The list's live part; `query` is the filter's query string (no `?`).
pub fn alert_list_view(rows: Vec<AlertRow>, query: &str, filtered: bool) -> AlertListView {
    let mut hasher = DefaultHasher::new();
    for r in &rows {
        (
            &r.id,
            r.status.code,
            r.occurrences,
            &r.last_seen_iso,
            &r.effect.code,
            &r.summary,
        )
            .hash(&mut hasher);
    }
    let fingerprint = format!("{:016x}", hasher.finish());
    let separator = if query.is_empty() { "" } else { "&" };
    AlertListView {
        rows,
        filtered,
        live_href: format!("/alerts/live?{query}{separator}seen={fingerprint}"),
        fingerprint,
        older_href: None,
        newest_href: None,
    }
}

/// The filter of `/alerts`, echoing the query: a status (or `open`) and an
/// integration (by id).
pub fn alert_filters(
    status: &str,
    integration: &str,
    integrations: &[IntegrationInfo<'_>],
) -> AlertFilters {
    let mut statuses = vec![
        option("", "Any status", status),
        option("open", "Open (firing or acknowledged)", status),
    ];
    statuses.extend(
        [
            AlertStatus::Firing,
            AlertStatus::Acknowledged,
            AlertStatus::Resolved,
        ]
        .into_iter()
        .map(|s| option(s.as_str(), alert_pill(s).label, status)),
    );
    let mut sorted: Vec<&IntegrationInfo<'_>> = integrations.iter().collect();
    sorted.sort_by_key(|i| i.name.to_lowercase());
    let mut choices = vec![option("", "Any integration", integration)];
    choices.extend(sorted.into_iter().map(|i| {
        option(
            &i.id.to_string(),
            &format!("{} ({})", i.name, i.kind),
            integration,
        )
    }));
    AlertFilters {
        statuses,
        integrations: choices,
        active: !(status.is_empty() && integration.is_empty()),
    }
}

/// "service checkout-api" as a link to it.
pub(super) fn target_link(text: &str) -> LinkView {
    let url = match text.split_once(' ') {
        Some(("service", name)) => format!("/services/{}", path_segment(name)),
        Some(("functionality", name)) => format!("/functionalities/{}", path_segment(name)),
        Some(("team", name)) => format!("/teams/{}", path_segment(name)),
        _ => String::new(),
    };
    LinkView {
        title: text.to_owned(),
        url,
    }
}

/// Where an integration sends what no rule redirects.
pub(super) fn bound_to(integration: &IntegrationInfo<'_>) -> Option<String> {
    integration
        .service
        .map(|s| format!("service {s}"))
        .or_else(|| integration.team.map(|t| format!("team {t}")))
}

/// A silence as the alert page links it.
#[derive(Debug, Clone, Copy)]
pub struct SilenceRecord<'a> {
    pub silence: &'a Silence,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

pub fn silence_href(id: SilenceId) -> String {
    format!("/silences#silence-{id}")
}

pub(super) fn matcher_texts(silence: &Silence) -> Vec<String> {
    silence.matchers.iter().map(ToString::to_string).collect()
}

/// The silence form pre-filled from an alert: its labels as exact matchers.
pub fn silence_form_for(alert: &Alert) -> SilenceForm {
    let matchers = alert
        .labels
        .iter()
        .map(|(name, value)| {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("{name}=\"{escaped}\"")
        })
        .collect::<Vec<_>>()
        .join("\n");
    SilenceForm {
        matchers,
        duration: String::from("2h"),
        comment: format!("Silenced from alert: {}", shown_summary(alert)),
        ..SilenceForm::default()
    }
}

/// A blank silence form.
pub fn blank_silence_form() -> SilenceForm {
    SilenceForm {
        duration: String::from("2h"),
        ..SilenceForm::default()
    }
}

/// `/silences` rows: state as of `now`, an expire button where it still holds.
pub fn silence_rows(
    silences: &[SilenceRecord<'_>],
    users: &[User],
    now: Timestamp,
    can_write: bool,
) -> Vec<SilenceRow> {
    let names = Names::new(users);
    silences
        .iter()
        .map(|record| {
            let s = record.silence;
            let (state, state_label) = if now < s.starts_at {
                ("pending", "Pending")
            } else if now < s.ends_at {
                ("active", "Active")
            } else {
                ("expired", "Ended")
            };
            let zone = s
                .recurrence
                .as_ref()
                .and_then(|r| r.time_zone.iana_name())
                .unwrap_or("UTC");
            SilenceRow {
                id: s.id.to_string(),
                matchers: matcher_texts(s),
                state,
                state_label,
                starts_at: short_time(s.starts_at),
                ends_at: short_time(s.ends_at),
                comment: s.comment.clone(),
                windows: s
                    .recurrence
                    .iter()
                    .flat_map(|r| &r.windows)
                    .map(|w| format!("{} ({zone})", restriction_text(w)))
                    .collect(),
                created_by: names.of(record.created_by),
                expire_href: (can_write && state != "expired")
                    .then(|| format!("/silences/{}/expire", s.id)),
            }
        })
        .collect()
}

fn action_text(effect: Option<&RouteEffect>) -> String {
    match effect {
        None => String::from("—"),
        Some(RouteEffect::Page) => String::from("Page"),
        Some(RouteEffect::NotifyOnly { channel }) => format!("Notify {channel} only"),
        Some(RouteEffect::OpenIncident { severity }) => format!("Open a {severity} incident"),
        Some(RouteEffect::Drop) => String::from("Drop"),
    }
}

fn conditions(route: &Route) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(min) = route.min_severity {
        out.push(format!("severity ≥ {min}"));
    }
    if !route.sources.is_empty() {
        out.push(format!("source {}", route.sources.join(" or ")));
    }
    if let Some(text) = &route.summary_contains {
        out.push(format!("summary contains {text:?}"));
    }
    out
}

/// The routes page's `?rule=` for the rule at `index` (from 1, as shown).
pub fn preview_href(index: Option<usize>) -> String {
    match index {
        Some(i) => format!("/alerts/routes?rule={}&preview=1#preview", i + 1),
        None => String::from("/alerts/routes?preview=1#preview"),
    }
}

/// Every team's rules, teams in the order their first rule runs; each
/// rule keeps its place in the one list.
pub fn team_routes(routes: &[Route]) -> Vec<TeamRoutes> {
    let mut teams: Vec<TeamRoutes> = Vec::new();
    for (index, route) in routes.iter().enumerate() {
        let row = RouteRuleRow {
            position: index + 1,
            name: route.name.clone(),
            matchers: route.matchers.iter().map(ToString::to_string).collect(),
            conditions: conditions(route),
            target: route
                .target
                .as_ref()
                .map(|t| format!("{} {}", t.kind(), t.name())),
            set_severity: route.set_severity.map(|s| s.as_str().to_owned()),
            action: action_text(route.effect.as_ref()),
            continues: route.continue_matching,
            preview_href: preview_href(Some(index)),
        };
        match teams
            .iter_mut()
            .find(|t| t.team.slug == route.team.as_str())
        {
            Some(team) => team.rules.push(row),
            None => teams.push(TeamRoutes {
                team: TeamRef {
                    slug: route.team.to_string(),
                    name: route.team.to_string(),
                    href: format!("/teams/{}", route.team),
                },
                rules: vec![row],
            }),
        }
    }
    teams
}

/// The rule select of the preview form: every rule, or one.
pub fn rule_choice(routes: &[Route], selected: Option<usize>) -> Vec<OptionView> {
    let chosen = selected.map(|i| (i + 1).to_string()).unwrap_or_default();
    let mut options = vec![option("", "Every rule, in order", &chosen)];
    options.extend(routes.iter().enumerate().map(|(i, r)| {
        option(
            &(i + 1).to_string(),
            &format!("{}. {} (team {})", i + 1, r.name, r.team),
            &chosen,
        )
    }));
    options
}

/// One alert of a preview, as the server got it from the app.
#[derive(Debug, Clone, Copy)]
pub struct PreviewItem<'a> {
    pub alert: &'a Alert,
    pub integration: IntegrationInfo<'a>,
    pub decision: &'a RouteDecision,
    pub rule_matches: bool,
    pub rule_decides: bool,
}

pub fn preview_view(
    routes: &[Route],
    rule: Option<usize>,
    items: &[PreviewItem<'_>],
    considered: usize,
) -> PreviewView {
    let chosen = rule.and_then(|i| routes.get(i).map(|r| (i, r)));
    let title = match chosen {
        Some((i, r)) => format!("Rule {}: {}", i + 1, r.name),
        None => String::from("Every rule, in order"),
    };
    let last = match considered {
        1 => String::from("the last alert"),
        n => format!("the last {n} alerts"),
    };
    let summary = match chosen {
        Some(_) => {
            let decides = items.iter().filter(|p| p.rule_decides).count();
            format!(
                "It matches {} of {last}, and takes part in the decision for {decides}.",
                items.len()
            )
        }
        None => format!("What the rules would do with {last}."),
    };
    let rows = items
        .iter()
        .map(|p| {
            let d = p.decision;
            let target = d
                .target
                .as_ref()
                .map(|t| format!("{} {}", t.kind(), t.name()))
                .or_else(|| bound_to(&p.integration))
                .unwrap_or_else(|| String::from("its integration's owners"));
            let note = chosen.map(|(_, r)| {
                if p.rule_decides {
                    return format!("{:?} takes part in the decision", r.name);
                }
                match d.matched.last() {
                    Some(last)
                        if routes
                            .iter()
                            .any(|x| &x.name == last && !x.continue_matching) =>
                    {
                        format!("matches, but rule {last:?} decides first")
                    }
                    _ => String::from("matches the alert as sent, not as earlier rules changed it"),
                }
            });
            PreviewRow {
                href: alert_href(p.alert.id),
                summary: shown_summary(p.alert),
                status: alert_pill(p.alert.status),
                integration: p.integration.name.to_owned(),
                matched: d.matched.clone(),
                effect: would_chip(&d.effect),
                target,
                severity: d.severity.as_str().to_owned(),
                note,
            }
        })
        .collect();
    PreviewView {
        title,
        summary,
        rows,
    }
}
