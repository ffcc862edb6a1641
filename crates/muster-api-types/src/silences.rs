//! Silences and maintenance windows, and how an alert was routed.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A weekly local-time window of a recurring silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceWindow {
    /// Day names (`monday`, `sat`…); every day when empty.
    #[serde(default)]
    pub days: Vec<String>,
    /// Local `HH:MM`; a window ending before it starts runs overnight.
    pub from: String,
    pub to: String,
}

/// Body of `POST /api/v1/silences`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSilence {
    /// Alertmanager-style matchers over labels (`job="backup"`,
    /// `instance=~"db-.*"`); all must hold.
    pub matchers: Vec<String>,
    /// Defaults to now.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    /// Give `ends_at` or `duration_minutes`.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    /// Why: the next person on call will want to know.
    pub comment: String,
    /// With `windows`: an IANA zone (default UTC).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Makes it a recurring maintenance window inside its range.
    #[serde(default)]
    pub windows: Vec<SilenceWindow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Silence {
    pub id: Uuid,
    pub matchers: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    pub comment: String,
    pub time_zone: Option<String>,
    pub windows: Vec<SilenceWindow>,
    /// `pending` (not started), `active` or `expired`.
    pub state: String,
    pub created_by: Uuid,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SilenceList {
    pub silences: Vec<Silence>,
}

/// Query of `GET /api/v1/silences`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SilenceQuery {
    /// Also list silences that ended.
    pub all: Option<bool>,
}

/// How an alert was routed: "why did this page?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertRouting {
    /// Its latest change is not acted on yet.
    pub pending: bool,
    /// The rules that matched, in order.
    pub matched: Vec<String>,
    /// `page`, `notify`, `open_incident`, `drop` or `silenced`; none before routing.
    pub effect: Option<String>,
    pub target: Option<String>,
    pub severity: Option<String>,
    pub channel: Option<String>,
    /// Sentences for people, in the order they applied.
    pub reasons: Vec<String>,
    pub silenced_by: Option<Uuid>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub silenced_until: Option<Timestamp>,
    pub group: Option<AlertGroup>,
}

/// The storm an alert belongs to, paged once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertGroup {
    pub id: Uuid,
    pub key: String,
    #[schema(value_type = String, format = DateTime)]
    pub opened_at: Timestamp,
    pub effect: String,
    pub page: Option<Uuid>,
    pub incident: Option<Uuid>,
}
