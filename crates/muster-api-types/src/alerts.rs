//! Alert integrations (a source, its key, what it is bound to) and the
//! alerts their payloads made.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Body of `POST /api/v1/integrations`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
}

/// The answer to a create: the integration and its key, shown this once.
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
}

/// Query of `GET /api/v1/alerts`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Comma-separated statuses (all when left out).
    pub status: Option<String>,
    /// At most this many, newest first (1–1000, default 100).
    pub limit: Option<u32>,
}
