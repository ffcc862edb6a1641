//! An alert's own page: its facts, "why did this page?", its storm, and
//! what a responder can do with it (acknowledge, resolve, open an incident
//! from it, attach it to an open one, silence similar alerts).

use muster_core::alert::routing::AlertGroup;
use muster_core::alert::{Alert, AlertStatus};
use muster_core::paging::Page;
use muster_core::{Incident, IncidentStatus, SeverityScale};

use super::alerts::{bound_to, matcher_texts, shown_summary, target_link};
use super::{
    IntegrationInfo, RoutingFacts, SilenceRecord, alert_href, alert_pill, alert_severity,
    effect_chip, page_pill, severity_options, short_time, silence_href,
};
use crate::view::{
    AlertDetailView, GroupMember, GroupView, IncidentLink, LabelRow, LinkView, OptionView,
    RaisedPage, SilenceLink, WhyView,
};

fn silence_link(record: &SilenceRecord<'_>) -> SilenceLink {
    SilenceLink {
        href: silence_href(record.silence.id),
        matchers: matcher_texts(record.silence).join(", "),
        comment: record.silence.comment.clone(),
        ends_at: short_time(record.silence.ends_at),
    }
}

/// "Why did this page?" from the stored decision.
pub fn why_view(
    routing: &RoutingFacts<'_>,
    integration: &IntegrationInfo<'_>,
    silence: Option<&SilenceRecord<'_>>,
) -> WhyView {
    let effect = effect_chip(routing.effect, routing.decided, routing.pending);
    let target = routing
        .target
        .map(str::to_owned)
        .or_else(|| bound_to(integration));
    let to = target.as_deref().unwrap_or("its integration's owners");
    let headline = match routing.effect {
        _ if !routing.decided && routing.pending => {
            String::from("Not routed yet: muster decides within moments of an alert arriving.")
        }
        _ if !routing.decided => String::from("Not routed."),
        Some("page") => format!("Paged {to}."),
        Some("notify") => match routing.channel {
            Some(channel) => format!("Notified {channel}; nobody was paged."),
            None => String::from("Notified a channel; nobody was paged."),
        },
        Some("open_incident") => format!("Opened an incident on {to}."),
        Some("drop") => String::from("Dropped: kept here, nobody was told."),
        Some("silenced") => match routing.silenced_until {
            Some(until) => format!(
                "Silenced: nobody was paged. Looked at again {}.",
                short_time(until)
            ),
            None => String::from("Silenced: nobody was paged."),
        },
        Some(other) => format!("Routing decided: {other}."),
        None => String::from("Routed."),
    };
    WhyView {
        headline,
        effect,
        matched: routing.matched.to_vec(),
        target: target.as_deref().map(target_link),
        severity: routing.severity.map(str::to_owned),
        channel: routing.channel.map(str::to_owned),
        mitigate_on_resolve: match (routing.effect, routing.mitigate_on_resolve) {
            (Some("open_incident"), Some(true)) => Some("Yes"),
            (Some("open_incident"), Some(false)) => Some("No"),
            _ => None,
        },
        reasons: routing.reasons.to_vec(),
        silence: silence.map(silence_link),
        silenced_by: match (silence, routing.silenced_by) {
            (None, Some(id)) => Some(id.to_string()),
            _ => None,
        },
        silenced_until: routing.silenced_until.map(short_time),
        pending: routing.pending,
    }
}

/// What an alert's page is built from.
#[derive(Debug, Clone, Copy)]
pub struct AlertDetailInputs<'a> {
    pub alert: &'a Alert,
    pub integration: IntegrationInfo<'a>,
    pub routing: RoutingFacts<'a>,
    /// Its group's alerts, itself included.
    pub group_alerts: &'a [Alert],
    pub page: Option<&'a Page>,
    pub incident: Option<&'a Incident>,
    pub silence: Option<SilenceRecord<'a>>,
    pub severities: &'a SeverityScale,
    /// The viewer may acknowledge, resolve, open incidents and silence.
    pub can_write: bool,
    /// Open incidents it can be attached to, newest first (none when its
    /// group follows an open incident).
    pub attachable: &'a [Incident],
}

fn rows(map: &std::collections::BTreeMap<String, String>) -> Vec<LabelRow> {
    map.iter()
        .map(|(name, value)| LabelRow {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// A link a source sent: only web addresses are linked, so a payload
/// cannot plant a `javascript:` or `data:` link on the page.
fn alert_link(link: &muster_core::alert::AlertLink) -> LinkView {
    let title = if link.text.trim().is_empty() {
        link.href.clone()
    } else {
        link.text.clone()
    };
    let href = link.href.trim();
    let web = ["http://", "https://"].iter().any(|scheme| {
        href.get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
    });
    LinkView {
        title,
        url: if web { href.to_owned() } else { String::new() },
    }
}

/// "INC-7 · SEV2 · Checkout down (acknowledged)": an incident to attach to.
fn attach_option(incident: &Incident) -> OptionView {
    let mut label = format!(
        "{} · {} · {}",
        incident.number, incident.severity, incident.title
    );
    let status = incident.status();
    if status != IncidentStatus::Active {
        label.push_str(&format!(" ({status})"));
    }
    OptionView {
        value: incident.number.to_string(),
        label,
        title: incident.title.clone(),
        selected: false,
    }
}

/// What the incident it follows does when its alerts resolve.
fn on_resolve(group: Option<&AlertGroup>) -> Option<&'static str> {
    match group {
        Some(g) if g.incident.is_some() && g.mitigate_on_resolve => {
            Some("marked mitigated when every attached alert resolves")
        }
        Some(g) if g.incident.is_some() => {
            Some("its owner is asked to mitigate when every attached alert resolves")
        }
        _ => None,
    }
}

pub fn alert_detail_view(inputs: AlertDetailInputs<'_>) -> AlertDetailView {
    let a = inputs.alert;
    // A group follows one incident: while it is open, neither another
    // incident nor an attach is offered (a private one counts, unseen).
    let follows_open = inputs.routing.group.and_then(|g| g.incident).is_some()
        && inputs.incident.is_none_or(|i| !i.status().is_settled());
    let attach_options: Vec<OptionView> = if follows_open {
        Vec::new()
    } else {
        inputs.attachable.iter().map(attach_option).collect()
    };
    let integration = &inputs.integration;
    let group = inputs.routing.group.map(|g| GroupView {
        key: g.key.clone(),
        opened_at: short_time(g.opened_at),
        effect: effect_chip(Some(g.effect.as_str()), true, false),
        members: inputs
            .group_alerts
            .iter()
            .map(|m| GroupMember {
                href: alert_href(m.id),
                summary: shown_summary(m),
                status: alert_pill(m.status),
                first_seen: short_time(m.first_seen),
                current: m.id == a.id,
            })
            .collect(),
    });
    AlertDetailView {
        id: a.id.to_string(),
        href: alert_href(a.id),
        summary: shown_summary(a),
        status: alert_pill(a.status),
        severity: alert_severity(a.severity),
        source: a.source.clone(),
        dedup_key: a.dedup_key.clone(),
        integration: integration.name.to_owned(),
        integration_kind: integration.kind.to_owned(),
        bound_to: bound_to(integration).as_deref().map(target_link),
        labels: rows(&a.labels),
        annotations: rows(&a.annotations),
        links: a.links.iter().map(alert_link).collect(),
        occurrences: a.occurrences,
        started_at: short_time(a.started_at),
        first_seen: short_time(a.first_seen),
        last_seen: short_time(a.last_seen),
        acknowledged_at: a.acknowledged_at.map(short_time),
        resolved_at: a.resolved_at.map(short_time),
        group,
        page: inputs.page.map(|p| RaisedPage {
            key: p.number.to_string(),
            href: super::page_href(p),
            summary: p.summary.clone(),
            status: page_pill(p.status),
        }),
        incident: inputs.incident.map(|i| IncidentLink {
            key: i.number.to_string(),
            href: super::incident_href(i),
            title: i.title.clone(),
        }),
        incident_on_resolve: on_resolve(inputs.routing.group),
        why: why_view(&inputs.routing, integration, inputs.silence.as_ref()),
        can_acknowledge: inputs.can_write && a.status == AlertStatus::Firing,
        can_resolve: inputs.can_write && a.status != AlertStatus::Resolved,
        can_write: inputs.can_write,
        can_open_incident: inputs.can_write && !follows_open,
        can_attach: inputs.can_write && !attach_options.is_empty(),
        attach_options,
        severity_options: severity_options(inputs.severities, ""),
        silence_href: format!("/silences?alert={}#silence-form", a.id),
    }
}
