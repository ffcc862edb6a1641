//! A public incident and a maintenance window are each stored as one JSON
//! document (they are read and written whole, and only the status page
//! reads them), with the words of the core's enums as Statuspage spells
//! them. Unknown words in a stored document are a storage error, never a
//! guess.

use jiff::Timestamp;
use muster_core::status_page::maintenance::{Maintenance, MaintenanceUpdate, Told};
use muster_core::status_page::publication::{AffectedComponent, PublicIncident, PublicUpdate};
use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus, MaintenanceStatus};
use serde::{Deserialize, Serialize};

use crate::StoreError;

#[derive(Serialize, Deserialize)]
struct IncidentDoc {
    id: uuid::Uuid,
    incident: uuid::Uuid,
    name: String,
    impact: String,
    updates: Vec<UpdateDoc>,
    created_at: i64,
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct UpdateDoc {
    id: uuid::Uuid,
    status: String,
    body: String,
    #[serde(default)]
    components: Vec<(String, String)>,
    at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<uuid::Uuid>,
}

#[derive(Serialize, Deserialize)]
struct MaintenanceDoc {
    id: uuid::Uuid,
    name: String,
    components: Vec<String>,
    starts_at: i64,
    ends_at: i64,
    set_by_hand: Option<String>,
    updates: Vec<UpdateDoc>,
    told: (bool, bool, bool),
    created_by: uuid::Uuid,
    created_at: i64,
    version: u64,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("a stored {what} does not read: {e}"))
}

fn at(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| corrupt("instant", e))
}

fn word<T: std::str::FromStr<Err = String>>(raw: &str) -> Result<T, StoreError> {
    raw.parse().map_err(|e: String| corrupt("status word", e))
}

pub fn encode_incident(incident: &PublicIncident) -> String {
    let doc = IncidentDoc {
        id: incident.id.as_uuid(),
        incident: incident.incident.as_uuid(),
        name: incident.name.clone(),
        impact: incident.impact.as_str().to_owned(),
        updates: incident
            .updates
            .iter()
            .map(|u| UpdateDoc {
                id: u.id.as_uuid(),
                status: u.status.as_str().to_owned(),
                body: u.body.clone(),
                components: u
                    .components
                    .iter()
                    .map(|c| (c.component.clone(), c.status.as_str().to_owned()))
                    .collect(),
                at: u.at.as_millisecond(),
                by: Some(u.by.as_uuid()),
            })
            .collect(),
        created_at: incident.created_at.as_millisecond(),
        version: incident.version,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

pub fn decode_incident(raw: &str) -> Result<PublicIncident, StoreError> {
    let doc: IncidentDoc = serde_json::from_str(raw).map_err(|e| corrupt("public incident", e))?;
    let mut updates = Vec::with_capacity(doc.updates.len());
    for u in doc.updates {
        let mut components = Vec::with_capacity(u.components.len());
        for (component, status) in u.components {
            components.push(AffectedComponent {
                component,
                status: word::<ComponentStatus>(&status)?,
            });
        }
        updates.push(PublicUpdate {
            id: u.id.into(),
            status: word::<IncidentStatus>(&u.status)?,
            body: u.body,
            components,
            at: at(u.at)?,
            by: u.by.unwrap_or_default().into(),
        });
    }
    Ok(PublicIncident {
        id: doc.id.into(),
        incident: doc.incident.into(),
        name: doc.name,
        impact: word::<Impact>(&doc.impact)?,
        updates,
        created_at: at(doc.created_at)?,
        version: doc.version,
    })
}

fn maintenance_word(raw: &str) -> Result<MaintenanceStatus, StoreError> {
    MaintenanceStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| corrupt("maintenance status", raw))
}

pub fn encode_maintenance(m: &Maintenance) -> String {
    let doc = MaintenanceDoc {
        id: m.id.as_uuid(),
        name: m.name.clone(),
        components: m.components.clone(),
        starts_at: m.starts_at.as_millisecond(),
        ends_at: m.ends_at.as_millisecond(),
        set_by_hand: m.set_by_hand.map(|s| s.as_str().to_owned()),
        updates: m
            .updates
            .iter()
            .map(|u| UpdateDoc {
                id: u.id.as_uuid(),
                status: u.status.as_str().to_owned(),
                body: u.body.clone(),
                components: Vec::new(),
                at: u.at.as_millisecond(),
                by: None,
            })
            .collect(),
        told: (m.told.reminded, m.told.started, m.told.completed),
        created_by: m.created_by.as_uuid(),
        created_at: m.created_at.as_millisecond(),
        version: m.version,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

pub fn decode_maintenance(raw: &str) -> Result<Maintenance, StoreError> {
    let doc: MaintenanceDoc = serde_json::from_str(raw).map_err(|e| corrupt("maintenance", e))?;
    let mut updates = Vec::with_capacity(doc.updates.len());
    for u in doc.updates {
        updates.push(MaintenanceUpdate {
            id: u.id.into(),
            status: maintenance_word(&u.status)?,
            body: u.body,
            at: at(u.at)?,
        });
    }
    Ok(Maintenance {
        id: doc.id.into(),
        name: doc.name,
        components: doc.components,
        starts_at: at(doc.starts_at)?,
        ends_at: at(doc.ends_at)?,
        set_by_hand: doc
            .set_by_hand
            .as_deref()
            .map(maintenance_word)
            .transpose()?,
        updates,
        told: Told {
            reminded: doc.told.0,
            started: doc.told.1,
            completed: doc.told.2,
        },
        created_by: doc.created_by.into(),
        created_at: at(doc.created_at)?,
        version: doc.version,
    })
}

/// A subscriber's `components` column: a JSON list of names.
pub fn encode_components(components: &[String]) -> String {
    serde_json::to_string(components).unwrap_or_else(|_| "[]".to_owned())
}

pub fn decode_components(raw: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(raw).map_err(|e| corrupt("component list", e))
}
