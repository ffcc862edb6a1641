//! The projection in Statuspage's public JSON: components (with their
//! groups, as Statuspage lists them), incidents and maintenances, newest
//! first, each update with what it did to the components it names.

use std::collections::BTreeMap;

use jiff::Timestamp;
use muster_core::status_page::maintenance::Maintenance;
use muster_core::status_page::projection::Projection;
use muster_core::status_page::publication::PublicIncident;
use muster_core::status_page::{ComponentStatus, Impact};

use crate::config::PageConfig;
use crate::statuspage::{
    AffectedComponent, Component, ComponentsResponse, Incident, IncidentUpdate, IncidentsResponse,
    MaintenancesResponse, Page, Status, StatusResponse, Summary,
};

/// How many incidents and maintenances the list endpoints serve, as
/// Statuspage does.
pub const LIST_LIMIT: usize = 50;

/// A group's component id: its name, made a slug.
pub fn group_id(group: &str) -> String {
    let slug: String = group
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("group-{}", slug.trim_matches('-'))
}

pub(crate) struct Json<'a> {
    pub projection: &'a Projection,
    pub config: &'a PageConfig,
    pub now: Timestamp,
}

/// What a page that never changed says it was updated at: the current
/// minute, so its bytes (and ETag) stay the same for a minute at a time.
pub(crate) fn never_changed(now: Timestamp) -> Timestamp {
    Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(60)).unwrap_or(now)
}

impl Json<'_> {
    fn page(&self) -> Page {
        Page {
            id: self.config.id.clone(),
            name: self.config.name.clone(),
            url: self.config.url.clone(),
            time_zone: Some(self.config.time_zone_name.clone()),
            updated_at: self
                .projection
                .updated_at()
                .unwrap_or_else(|| never_changed(self.now)),
        }
    }

    fn status(&self) -> Status {
        let banner = self.projection.page_status(self.now);
        Status::new(banner.indicator, banner.description)
    }

    /// The components in listing order, each group before its members.
    pub fn components(&self) -> Vec<Component> {
        let created = self
            .projection
            .incidents
            .iter()
            .map(|i| i.created_at)
            .min()
            .or_else(|| self.projection.updated_at())
            .unwrap_or_else(|| never_changed(self.now));
        let mut out: Vec<Component> = Vec::new();
        let mut groups: BTreeMap<String, usize> = BTreeMap::new();
        for component in &self.projection.components {
            let status = self.projection.status_of(component, self.now);
            let updated = component.updated_at.unwrap_or(created);
            let group = component.group.as_deref().map(group_id);
            if let (Some(id), Some(name)) = (&group, &component.group) {
                let at = *groups.entry(id.clone()).or_insert_with(|| {
                    out.push(Component {
                        id: id.clone(),
                        name: name.clone(),
                        description: None,
                        page_id: self.config.id.clone(),
                        position: 0,
                        status: ComponentStatus::Operational.as_str().to_owned(),
                        created_at: created,
                        updated_at: updated,
                        group_id: None,
                        group: true,
                        components: Some(Vec::new()),
                    });
                    out.len() - 1
                });
                let entry = &mut out[at];
                if let Some(members) = entry.components.as_mut() {
                    members.push(component.name.clone());
                }
                let worse = entry
                    .status
                    .parse::<ComponentStatus>()
                    .map_or(status, |s| s.max(status));
                entry.set_status(worse);
                entry.updated_at = entry.updated_at.max(updated);
            }
            out.push(Component {
                id: component.name.clone(),
                name: component.title.clone(),
                description: component.description.clone(),
                page_id: self.config.id.clone(),
                position: 0,
                status: status.as_str().to_owned(),
                created_at: created,
                updated_at: updated,
                group_id: group,
                group: false,
                components: None,
            });
        }
        for (position, component) in out.iter_mut().enumerate() {
            component.position = u32::try_from(position + 1).unwrap_or(u32::MAX);
        }
        out
    }

    fn title_of(&self, name: &str) -> String {
        self.projection
            .components
            .iter()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_owned(), |c| c.title.clone())
    }

    fn shortlink(&self, id: &str) -> String {
        format!("{}/incidents/{id}/", self.config.url)
    }

    pub fn incident(&self, incident: &PublicIncident) -> Incident {
        let id = incident.id.to_string();
        let mut last: BTreeMap<&str, ComponentStatus> = BTreeMap::new();
        let mut updates = Vec::with_capacity(incident.updates.len());
        for update in &incident.updates {
            let affected = update
                .components
                .iter()
                .map(|c| {
                    let old = last
                        .insert(c.component.as_str(), c.status)
                        .unwrap_or(ComponentStatus::Operational);
                    AffectedComponent {
                        code: c.component.clone(),
                        name: self.title_of(&c.component),
                        old_status: old.as_str().to_owned(),
                        new_status: c.status.as_str().to_owned(),
                    }
                })
                .collect();
            updates.push(IncidentUpdate {
                id: update.id.to_string(),
                incident_id: id.clone(),
                status: update.status.as_str().to_owned(),
                body: update.body.clone(),
                created_at: update.at,
                display_at: update.at,
                updated_at: update.at,
                affected_components: affected,
            });
        }
        updates.reverse();
        Incident {
            shortlink: self.shortlink(&id),
            id,
            name: incident.name.clone(),
            page_id: self.config.id.clone(),
            status: incident.status().as_str().to_owned(),
            impact: incident.impact.as_str().to_owned(),
            created_at: incident.created_at,
            updated_at: incident.updated_at(),
            monitoring_at: incident.monitoring_at(),
            resolved_at: incident.resolved_at(),
            incident_updates: updates,
            scheduled_for: None,
            scheduled_until: None,
        }
    }

    pub fn maintenance(&self, m: &Maintenance) -> Incident {
        let id = m.id.to_string();
        let mut updates: Vec<IncidentUpdate> = m
            .updates
            .iter()
            .map(|u| IncidentUpdate {
                id: u.id.to_string(),
                incident_id: id.clone(),
                status: u.status.as_str().to_owned(),
                body: u.body.clone(),
                created_at: u.at,
                display_at: u.at,
                updated_at: u.at,
                affected_components: Vec::new(),
            })
            .collect();
        updates.reverse();
        let status = m.status(self.now);
        Incident {
            shortlink: self.shortlink(&id),
            id,
            name: m.name.clone(),
            page_id: self.config.id.clone(),
            status: status.as_str().to_owned(),
            impact: Impact::None.as_str().to_owned(),
            created_at: m.created_at,
            updated_at: m.updated_at(),
            monitoring_at: None,
            resolved_at: m.completed_at(self.now),
            incident_updates: updates,
            scheduled_for: Some(m.starts_at),
            scheduled_until: Some(m.ends_at),
        }
    }

    fn incidents<'p>(&self, which: impl Iterator<Item = &'p PublicIncident>) -> Vec<Incident> {
        which.take(LIST_LIMIT).map(|i| self.incident(i)).collect()
    }

    fn maintenances<'p>(&self, which: impl Iterator<Item = &'p Maintenance>) -> Vec<Incident> {
        which
            .take(LIST_LIMIT)
            .map(|m| self.maintenance(m))
            .collect()
    }

    /// Newest scheduled first, as Statuspage lists them.
    fn newest_windows(&self) -> Vec<&Maintenance> {
        let mut all: Vec<&Maintenance> = self.projection.maintenances.iter().collect();
        all.sort_by_key(|m| std::cmp::Reverse(m.starts_at));
        all
    }

    /// Every endpoint's path and body.
    pub fn documents(&self) -> Vec<(&'static str, Vec<u8>)> {
        let page = self.page();
        let status = self.status();
        let components = self.components();
        let unresolved = self.incidents(self.projection.unresolved());
        let upcoming = self.maintenances(self.projection.upcoming(self.now));
        let active = self.maintenances(self.projection.active(self.now));
        let mut current = active.clone();
        current.extend(upcoming.iter().cloned());
        vec![
            (
                "/api/v2/summary.json",
                bytes(&Summary {
                    page: page.clone(),
                    status: status.clone(),
                    components: components.clone(),
                    incidents: unresolved.clone(),
                    scheduled_maintenances: current,
                }),
            ),
            (
                "/api/v2/status.json",
                bytes(&StatusResponse {
                    page: page.clone(),
                    status,
                }),
            ),
            (
                "/api/v2/components.json",
                bytes(&ComponentsResponse {
                    page: page.clone(),
                    components,
                }),
            ),
            (
                "/api/v2/incidents.json",
                bytes(&IncidentsResponse {
                    page: page.clone(),
                    incidents: self.incidents(self.projection.incidents.iter()),
                }),
            ),
            (
                "/api/v2/incidents/unresolved.json",
                bytes(&IncidentsResponse {
                    page: page.clone(),
                    incidents: unresolved,
                }),
            ),
            (
                "/api/v2/scheduled-maintenances.json",
                bytes(&MaintenancesResponse {
                    page: page.clone(),
                    scheduled_maintenances: self.maintenances(self.newest_windows().into_iter()),
                }),
            ),
            (
                "/api/v2/scheduled-maintenances/upcoming.json",
                bytes(&MaintenancesResponse {
                    page: page.clone(),
                    scheduled_maintenances: upcoming,
                }),
            ),
            (
                "/api/v2/scheduled-maintenances/active.json",
                bytes(&MaintenancesResponse {
                    page,
                    scheduled_maintenances: active,
                }),
            ),
        ]
    }
}

/// A response's bytes: plain data of strings, numbers and instants, which
/// always serialises.
fn bytes(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}
