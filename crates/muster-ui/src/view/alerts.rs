//! View models of alerts: the list and its live part, an alert's page with
//! "why did this page?", silences and their form, and the routes per team
//! with a preview.

use super::{IncidentLink, LinkView, OptionView, TeamRef};

/// An alert's status as a pill: `firing`, `acknowledged`, `resolved`.
#[derive(Debug, Clone)]
pub struct AlertPill {
    pub code: &'static str,
    pub label: &'static str,
}

/// An alert severity (PagerDuty's four levels) as a badge.
#[derive(Debug, Clone)]
pub struct AlertSeverityBadge {
    pub code: &'static str,
    pub label: &'static str,
}

/// What routing did with an alert, as a chip.
#[derive(Debug, Clone)]
pub struct EffectChip {
    /// `page`, `notify`, `open_incident`, `drop`, `silenced`, `pending`: a CSS modifier.
    pub code: String,
    pub label: String,
}

/// One row of `/alerts`.
#[derive(Debug, Clone)]
pub struct AlertRow {
    pub id: String,
    pub href: String,
    pub status: AlertPill,
    pub severity: AlertSeverityBadge,
    pub summary: String,
    /// What is affected, in the source's words.
    pub source: String,
    pub integration: String,
    pub occurrences: u64,
    pub first_seen: String,
    pub first_seen_iso: String,
    pub last_seen: String,
    pub last_seen_iso: String,
    pub effect: EffectChip,
}

/// The filter of `/alerts`, echoing the query.
#[derive(Debug, Clone)]
pub struct AlertFilters {
    pub statuses: Vec<OptionView>,
    pub integrations: Vec<OptionView>,
    pub active: bool,
}

/// The part of `/alerts` that refreshes itself.
#[derive(Debug, Clone)]
pub struct AlertListView {
    pub rows: Vec<AlertRow>,
    /// Whether a filter narrows the list (for the empty state's words).
    pub filtered: bool,
    /// Where the list polls: the filter, and `seen` = [`Self::fingerprint`].
    pub live_href: String,
    /// Changes whenever anything shown changes; polls send it back.
    pub fingerprint: String,
    /// The next page, when there is one.
    pub older_href: Option<String>,
    /// Back to the newest alerts, on any page but the first.
    pub newest_href: Option<String>,
}

/// One label or annotation.
#[derive(Debug, Clone)]
pub struct LabelRow {
    pub name: String,
    pub value: String,
}

/// Another alert of the same group ("storm").
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub href: String,
    pub summary: String,
    pub status: AlertPill,
    pub first_seen: String,
    /// The alert whose page this is.
    pub current: bool,
}

/// An alert's group: the storm it is part of.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub key: String,
    pub opened_at: String,
    pub effect: EffectChip,
    pub members: Vec<GroupMember>,
}

/// The page an alert's group raised.
#[derive(Debug, Clone)]
pub struct RaisedPage {
    pub key: String,
    pub href: String,
    pub summary: String,
    pub status: super::PagePill,
}

/// A silence, as a link.
#[derive(Debug, Clone)]
pub struct SilenceLink {
    pub href: String,
    /// `job="backup"`, … joined.
    pub matchers: String,
    pub comment: String,
    pub ends_at: String,
}

/// "Why did this page?": routing's decision, as stored, for people.
#[derive(Debug, Clone)]
pub struct WhyView {
    /// "Paged service checkout-api", "Silenced", "Not routed yet".
    pub headline: String,
    pub effect: EffectChip,
    /// The rules that matched, in order.
    pub matched: Vec<String>,
    /// Where it went: "service checkout-api", linked.
    pub target: Option<LinkView>,
    pub severity: Option<String>,
    pub channel: Option<String>,
    /// "Yes", "No"; `None` where it does not apply.
    pub mitigate_on_resolve: Option<&'static str>,
    pub reasons: Vec<String>,
    /// The silence holding it, if it is silenced.
    pub silence: Option<SilenceLink>,
    /// A silence that no longer exists, named by id.
    pub silenced_by: Option<String>,
    pub silenced_until: Option<String>,
    /// Its latest change waits to be acted on.
    pub pending: bool,
}

/// An alert's own page.
#[derive(Debug, Clone)]
pub struct AlertDetailView {
    pub id: String,
    pub href: String,
    pub summary: String,
    pub status: AlertPill,
    pub severity: AlertSeverityBadge,
    pub source: String,
    pub dedup_key: String,
    pub integration: String,
    pub integration_kind: String,
    /// The service or team its integration is bound to.
    pub bound_to: Option<LinkView>,
    pub labels: Vec<LabelRow>,
    pub annotations: Vec<LabelRow>,
    pub links: Vec<LinkView>,
    pub occurrences: u64,
    pub started_at: String,
    pub first_seen: String,
    pub last_seen: String,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub group: Option<GroupView>,
    pub page: Option<RaisedPage>,
    pub incident: Option<IncidentLink>,
    /// What the incident it follows does when its alerts resolve.
    pub incident_on_resolve: Option<&'static str>,
    pub why: WhyView,
    pub can_acknowledge: bool,
    pub can_resolve: bool,
    /// May act on it (and silence similar alerts).
    pub can_write: bool,
    /// May open an incident from it: its group follows no open incident.
    pub can_open_incident: bool,
    /// May attach it to one of `attach_options`.
    pub can_attach: bool,
    /// Open incidents to attach it to, newest first.
    pub attach_options: Vec<OptionView>,
    /// Severity choices of "Open incident".
    pub severity_options: Vec<OptionView>,
    /// The silence form, filled with its labels.
    pub silence_href: String,
}

/// One silence of `/silences`.
#[derive(Debug, Clone)]
pub struct SilenceRow {
    pub id: String,
    pub matchers: Vec<String>,
    /// `pending`, `active`, `expired`: a CSS modifier.
    pub state: &'static str,
    pub state_label: &'static str,
    pub starts_at: String,
    pub ends_at: String,
    pub comment: String,
    /// "Sat, Sun 22:00–06:00 (Europe/Berlin)"; empty when always.
    pub windows: Vec<String>,
    pub created_by: String,
    pub expire_href: Option<String>,
}

/// The silence form's fields, as typed (or pre-filled from an alert).
#[derive(Debug, Clone, Default)]
pub struct SilenceForm {
    /// One matcher per line.
    pub matchers: String,
    /// "2h", "90m", "1d 12h".
    pub duration: String,
    /// A `datetime-local` value in UTC.
    pub ends_at: String,
    pub comment: String,
    pub time_zone: String,
    /// One window per line: `sat,sun 22:00-06:00`.
    pub windows: String,
}

/// One rule of the routes page.
#[derive(Debug, Clone)]
pub struct RouteRuleRow {
    /// Its place in the one list every team's rules make, from 1.
    pub position: usize,
    pub name: String,
    pub matchers: Vec<String>,
    /// "severity ≥ error", "source grafana", "summary contains \"[test]\"".
    pub conditions: Vec<String>,
    pub target: Option<String>,
    pub set_severity: Option<String>,
    /// "Page", "Notify #sre", "Open a SEV1 incident", "Drop"; "—" for none.
    pub action: String,
    pub continues: bool,
    /// Where its preview is.
    pub preview_href: String,
}

/// One team's rules, in evaluation order.
#[derive(Debug, Clone)]
pub struct TeamRoutes {
    pub team: TeamRef,
    pub rules: Vec<RouteRuleRow>,
}

/// One alert of a preview.
#[derive(Debug, Clone)]
pub struct PreviewRow {
    pub href: String,
    pub summary: String,
    pub status: AlertPill,
    pub integration: String,
    pub matched: Vec<String>,
    pub effect: EffectChip,
    /// "service checkout-api", or where its integration is bound.
    pub target: String,
    pub severity: String,
    /// With a chosen rule: "decides" or "matches, but rule x stops first".
    pub note: Option<String>,
}

/// What a preview shows.
#[derive(Debug, Clone)]
pub struct PreviewView {
    /// "Every rule, in order" or "Rule 3: checkout-down".
    pub title: String,
    /// "12 of the last 100 alerts".
    pub summary: String,
    pub rows: Vec<PreviewRow>,
}
