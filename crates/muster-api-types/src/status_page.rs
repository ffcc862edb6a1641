//! The public status page, as responders drive it: an incident's public
//! updates (published from text or a template, previewed first, or
//! approved from a runbook's draft), components set by hand and verified,
//! maintenance windows and the subscribers.

use jiff::Timestamp;
use muster_core::status_page::maintenance::Maintenance;
use muster_core::status_page::publication::PublicIncident as CoreIncident;
use muster_core::status_page::subscriber::Subscriber;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A component an update names, with the status it gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentImpact {
    /// The StatusPageComponent's name in the plan.
    pub component: String,
    /// `operational`, `degraded_performance`, `partial_outage` or `major_outage`.
    pub status: String,
}

/// Publish (or preview) an update of the incident on the public page.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishStatusUpdate {
    /// `investigating`, `identified`, `monitoring`, `resolved` or `postmortem`.
    pub status: String,
    /// What customers read; rendered from `template` when left out.
    #[serde(default)]
    pub body: Option<String>,
    /// An UpdateTemplate of the plan; the built-in `status-page` by default.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub components: Vec<ComponentImpact>,
    /// The public name; the incident's title on its first update.
    #[serde(default)]
    pub name: Option<String>,
    /// `none`, `minor`, `major` or `critical`; else the worst of the components.
    #[serde(default)]
    pub impact: Option<String>,
    /// Only show what would be published; nothing is kept or sent.
    #[serde(default)]
    pub preview: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicUpdate {
    pub id: String,
    pub status: String,
    pub body: String,
    pub components: Vec<ComponentImpact>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// An incident's public face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicIncident {
    /// Its id on the public page (`/incidents/{id}/`).
    pub id: String,
    pub name: String,
    pub status: String,
    pub impact: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<Timestamp>,
    /// Oldest first.
    pub updates: Vec<PublicUpdate>,
}

impl From<&CoreIncident> for PublicIncident {
    fn from(i: &CoreIncident) -> Self {
        Self {
            id: i.id.to_string(),
            name: i.name.clone(),
            status: i.status().as_str().to_owned(),
            impact: i.impact.as_str().to_owned(),
            created_at: i.created_at,
            resolved_at: i.resolved_at(),
            updates: i
                .updates
                .iter()
                .map(|u| PublicUpdate {
                    id: u.id.to_string(),
                    status: u.status.as_str().to_owned(),
                    body: u.body.clone(),
                    components: u
                        .components
                        .iter()
                        .map(|c| ComponentImpact {
                            component: c.component.clone(),
                            status: c.status.as_str().to_owned(),
                        })
                        .collect(),
                    at: u.at,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusPublished {
    pub incident: PublicIncident,
    pub preview: bool,
    /// Subscribers told (0 in a preview).
    pub notified: usize,
}

/// A runbook step's draft, waiting for a person to publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusDraft {
    /// Its timeline entry.
    pub sequence: i64,
    pub component: String,
    pub text: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// An incident on the status page: its public face, if published, and the
/// drafts waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IncidentStatusPage {
    pub public: Option<PublicIncident>,
    pub drafts: Vec<StatusDraft>,
}

/// A component as responders see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusComponent {
    pub name: String,
    pub title: String,
    pub group: Option<String>,
    pub description: Option<String>,
    /// What the page shows now.
    pub status: String,
    /// Set by hand, if it is.
    pub set_by_hand: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub verified_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetComponentStatus {
    pub status: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleMaintenance {
    pub name: String,
    /// What customers should expect.
    pub body: String,
    pub components: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
}

/// Move a window on by hand.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveMaintenance {
    /// `in_progress` (start early), `verifying` or `completed`.
    pub status: String,
    /// What subscribers read; standard words when left out.
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaintenanceUpdate {
    pub status: String,
    pub body: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MaintenanceWindow {
    pub id: String,
    pub name: String,
    /// `scheduled`, `in_progress`, `verifying` or `completed`.
    pub status: String,
    pub components: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: Timestamp,
    pub updates: Vec<MaintenanceUpdate>,
}

impl MaintenanceWindow {
    pub fn from_core(m: &Maintenance, now: Timestamp) -> Self {
        Self {
            id: m.id.to_string(),
            name: m.name.clone(),
            status: m.status(now).as_str().to_owned(),
            components: m.components.clone(),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            updates: m
                .updates
                .iter()
                .map(|u| MaintenanceUpdate {
                    status: u.status.as_str().to_owned(),
                    body: u.body.clone(),
                    at: u.at,
                })
                .collect(),
        }
    }
}

/// A subscriber, and why it was disabled if it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusSubscriber {
    pub id: String,
    /// `email` or `webhook`.
    pub kind: String,
    pub address: String,
    pub components: Vec<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<Timestamp>,
    pub last_error: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
}

impl From<&Subscriber> for StatusSubscriber {
    fn from(s: &Subscriber) -> Self {
        Self {
            id: s.id.to_string(),
            kind: s.kind.as_str().to_owned(),
            address: s.address.clone(),
            components: s.components.clone(),
            confirmed_at: s.confirmed_at,
            failing_since: s.failing_since,
            last_error: s.last_error.clone(),
            disabled_at: s.disabled_at,
            disabled_reason: s.disabled_reason.clone(),
        }
    }
}
