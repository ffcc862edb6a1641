//! Atlassian Statuspage's public API v2, field for field: `summary.json`,
//! `status.json`, `components.json`, `incidents.json` (and
//! `incidents/unresolved.json`), `scheduled-maintenances.json` (and its
//! `upcoming` and `active` views). Field names and enum words are exactly
//! Statuspage's; muster may add fields, never rename one. Enum fields are
//! written from the core's types, so a word outside Statuspage's cannot be
//! served.

use jiff::Timestamp;
use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus, MaintenanceStatus};
use serde::{Deserialize, Serialize};

/// The page itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub url: String,
    /// Live Statuspage pages send it; the documented example omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    pub updated_at: Timestamp,
}

/// The banner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// `none`, `minor`, `major` or `critical`.
    pub indicator: String,
    pub description: String,
}

impl Status {
    pub fn new(indicator: Impact, description: &str) -> Self {
        Self {
            indicator: indicator.as_str().to_owned(),
            description: description.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub page_id: String,
    pub position: u32,
    /// `operational`, `degraded_performance`, `partial_outage`,
    /// `major_outage` or `under_maintenance`.
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The group's id, for a component listed under a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// A group holds components (live Statuspage sends both fields).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub group: bool,
    /// A group's components' ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

impl Component {
    pub fn set_status(&mut self, status: ComponentStatus) {
        self.status = status.as_str().to_owned();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    pub id: String,
    pub incident_id: String,
    /// An incident's status (`investigating` … `postmortem`), or a
    /// maintenance's (`scheduled` … `completed`).
    pub status: String,
    pub body: String,
    pub created_at: Timestamp,
    pub display_at: Timestamp,
    pub updated_at: Timestamp,
    /// What the update did to each component it names (live Statuspage
    /// sends this; the documented example omits it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected_components: Vec<AffectedComponent>,
}

/// One component an update names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedComponent {
    pub code: String,
    pub name: String,
    pub old_status: String,
    pub new_status: String,
}

/// An incident, or (with `scheduled_for` and `scheduled_until`) a
/// scheduled maintenance: Statuspage serves both in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub name: String,
    pub page_id: String,
    /// An incident's or maintenance's status word.
    pub status: String,
    /// `none`, `minor`, `major` or `critical`.
    pub impact: String,
    pub shortlink: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub monitoring_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// Newest first.
    pub incident_updates: Vec<IncidentUpdate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_until: Option<Timestamp>,
}

impl Incident {
    pub fn set_incident_status(&mut self, status: IncidentStatus, impact: Impact) {
        self.status = status.as_str().to_owned();
        self.impact = impact.as_str().to_owned();
    }

    pub fn set_maintenance_status(&mut self, status: MaintenanceStatus, impact: Impact) {
        self.status = status.as_str().to_owned();
        self.impact = impact.as_str().to_owned();
    }
}

/// `GET /api/v2/summary.json`: the unresolved incidents, and the
/// maintenances upcoming or in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub page: Page,
    pub status: Status,
    pub components: Vec<Component>,
    pub incidents: Vec<Incident>,
    pub scheduled_maintenances: Vec<Incident>,
}

/// `GET /api/v2/status.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub page: Page,
    pub status: Status,
}

/// `GET /api/v2/components.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentsResponse {
    pub page: Page,
    pub components: Vec<Component>,
}

/// `GET /api/v2/incidents.json` and `incidents/unresolved.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentsResponse {
    pub page: Page,
    pub incidents: Vec<Incident>,
}

/// `GET /api/v2/scheduled-maintenances.json` and its `upcoming` and
/// `active` views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenancesResponse {
    pub page: Page,
    pub scheduled_maintenances: Vec<Incident>,
}
