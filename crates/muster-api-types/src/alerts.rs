//! Alert integrations (a source, its key, what it is bound to) and the
//! alerts their payloads made.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Body of `POST /api/v1/integrations`. The settings after `team` each
/// belong to one kind; giving one to another kind is refused.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    pub name: String,
    /// `alertmanager`, `grafana`, `pagerduty_events`, `generic` or `heartbeat`.
    pub kind: String,
    /// The service whose alerts these are (or give `team`).
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    /// `generic`: where each field is in the payload. Default: muster's own
    /// format, each field under its own name at the top level
    /// (`{"summary": …, "dedup_key": …, "status": …}`).
    #[serde(default)]
    pub mapping: Option<GenericMapping>,
    /// `grafana`: the HMAC secret of the contact point; then every webhook
    /// must carry a valid `X-Grafana-Alerting-Signature`. Never shown back.
    #[serde(default)]
    pub signing_secret: Option<String>,
    /// `grafana`: the header Grafana sends the signed timestamp in, when
    /// the contact point is set to send one.
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// `heartbeat` (required): seconds between beats, 10 to 604800 (7 days).
    #[serde(default)]
    pub interval_seconds: Option<i64>,
    /// `heartbeat`: seconds a beat may be late, 5 to 604800; default a tenth
    /// of the interval, at least 5.
    #[serde(default)]
    pub grace_seconds: Option<i64>,
}

/// Where a generic integration finds each field in the JSON it is sent:
/// JSON pointers (RFC 6901) such as `/check/title`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenericMapping {
    /// The only pointer required.
    pub summary: String,
    /// Without one, alerts with the same summary are one alert.
    #[serde(default)]
    pub dedup_key: Option<String>,
    /// A payload with nothing at `dedup_key` is keyed by its summary
    /// instead of being refused.
    #[serde(default)]
    pub dedup_key_optional: bool,
    /// Its value (case-insensitive) resolves, acknowledges or else triggers.
    #[serde(default)]
    pub status: Option<String>,
    /// Status values that resolve; default: resolved, resolve, ok, closed,
    /// recovered, up, normal, inactive.
    #[serde(default)]
    pub resolved_values: Vec<String>,
    /// Status values that acknowledge; default: acknowledged, acknowledge, ack.
    #[serde(default)]
    pub acknowledged_values: Vec<String>,
    /// `critical`, `error`, `warning`, `info` (or words like `high`, `p1`);
    /// `error` when missing.
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// An object whose scalar members become labels.
    #[serde(default)]
    pub labels: Option<String>,
    /// An array of URLs, or of objects with `href` (or `url`) and `text`.
    #[serde(default)]
    pub links: Option<String>,
    /// An RFC 3339 time.
    #[serde(default)]
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Integration {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub service: Option<String>,
    pub team: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Where the source sends its payloads (the key is in the path, or in
    /// the body as PagerDuty's `routing_key`).
    pub endpoint: String,
    /// `generic`: the mapping applied.
    #[serde(default)]
    pub mapping: Option<GenericMapping>,
    /// `grafana`: whether webhooks must be signed (the secret is never shown).
    #[serde(default)]
    pub signature_required: bool,
    #[serde(default)]
    pub timestamp_header: Option<String>,
    /// `heartbeat`: seconds between beats.
    #[serde(default)]
    pub interval_seconds: Option<i64>,
    /// `heartbeat`: seconds a beat may be late.
    #[serde(default)]
    pub grace_seconds: Option<i64>,
    /// `heartbeat`: the latest beat; none before the first.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_beat_at: Option<Timestamp>,
    /// Who made it: `hand` (the API, the CLI, the console) or `plan` (a
    /// plan apply, which alone changes and retires it).
    #[serde(default)]
    #[schema(example = "plan")]
    pub origin: String,
    /// When its plan stopped declaring it: its key is refused since; its
    /// alerts are kept.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retired_at: Option<Timestamp>,
}

/// Where an integration of `kind` is sent to, `{key}` standing for its key
/// (PagerDuty's events carry it in the body instead).
pub fn endpoint(kind: &str) -> String {
    match kind {
        "pagerduty_events" => "/v2/enqueue".to_owned(),
        kind => format!("/ingest/{kind}/{{key}}"),
    }
}

/// The answer to a create or a key rotation: the integration and its key,
/// shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedIntegration {
    #[serde(flatten)]
    pub integration: Integration,
    /// The secret key: 32 hexadecimal characters. Stored only as a digest.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<Integration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertLink {
    pub href: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Alert {
    pub id: Uuid,
    pub integration: Uuid,
    pub dedup_key: String,
    /// `firing`, `acknowledged` or `resolved`.
    pub status: String,
    pub summary: String,
    /// `critical`, `error`, `warning` or `info`.
    pub severity: String,
    pub source: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub links: Vec<AlertLink>,
    pub group_key: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub first_seen: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub last_seen: Timestamp,
    pub occurrences: u64,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub acknowledged_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    /// Goes up by one with every change (a repeat, an acknowledge, a resolve).
    pub version: u64,
}

/// One alert with the integration it came through: `GET /api/v1/alerts/{id}`
/// and the answer to an acknowledge or resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    pub integration_name: String,
    /// `alertmanager`, `grafana`, `pagerduty_events`, `generic` or `heartbeat`.
    pub integration_kind: String,
    /// The service (or team) the integration is bound to.
    pub service: Option<String>,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertList {
    pub alerts: Vec<Alert>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Query of `GET /api/v1/alerts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Comma-separated statuses (all when left out).
    pub status: Option<String>,
    /// At most this many, most recently seen first (1–1000, default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// Body of `POST /api/v1/alerts/{id}/incident` (it may be left out).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenIncident {
    /// A configured severity code; the default severity when left out.
    #[serde(default)]
    pub severity: Option<String>,
}

fn yes() -> bool {
    true
}

/// Body of `POST /api/v1/alerts/{id}/attach`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachAlert {
    /// The incident: `INC-42`, `42` or its UUID. It must be open (not
    /// resolved or closed).
    pub incident: String,
    /// Mark the incident mitigated once every alert attached to it resolves
    /// (default `true`); its owner is asked to confirm the resolution either way.
    #[serde(default = "yes")]
    pub mitigate_on_resolve: bool,
}

/// The answer to an attach: the alert, the incident its group now follows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttachedAlert {
    pub alert: AlertDetail,
    pub incident: crate::Incident,
    /// The alert's group (its storm): all of it follows the incident.
    pub group_id: Uuid,
    pub mitigate_on_resolve: bool,
    /// `false` when it was attached to this incident already: nothing changed.
    pub changed: bool,
}
