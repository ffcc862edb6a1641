//! The published projection: everything the public page is drawn from, and
//! nothing more. Built from the plan's components, their stored states, the
//! public incidents and the maintenance windows; no incident, note or
//! person is in it, so no rendering of it can leak one.

use jiff::Timestamp;

use super::maintenance::Maintenance;
use super::publication::PublicIncident;
use super::{ComponentFacts, ComponentStatus, MaintenanceStatus, PageStatus, component_status};

/// A component as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageComponent {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub set_by_hand: Option<ComponentStatus>,
    /// When a person or a monitor last confirmed its status.
    pub verified_at: Option<Timestamp>,
    /// When its own state was last written.
    pub updated_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// In listing order.
    pub components: Vec<PageComponent>,
    /// Newest first.
    pub incidents: Vec<PublicIncident>,
    /// Soonest start first.
    pub maintenances: Vec<Maintenance>,
}

impl Projection {
    /// A component's status at `now`: see [`component_status`].
    pub fn status_of(&self, component: &PageComponent, now: Timestamp) -> ComponentStatus {
        let from_incidents: Vec<ComponentStatus> = self
            .incidents
            .iter()
            .flat_map(|i| i.component_statuses())
            .filter(|c| c.component == component.name)
            .map(|c| c.status)
            .collect();
        component_status(&ComponentFacts {
            set_by_hand: component.set_by_hand,
            from_incidents: &from_incidents,
            in_maintenance: self
                .maintenances
                .iter()
                .any(|m| m.covers(&component.name, now)),
        })
    }

    /// The banner at `now`.
    pub fn page_status(&self, now: Timestamp) -> PageStatus {
        let components: Vec<ComponentStatus> = self
            .components
            .iter()
            .map(|c| self.status_of(c, now))
            .collect();
        let impacts: Vec<_> = self.unresolved().map(|i| i.impact).collect();
        super::page_status(&components, &impacts)
    }

    pub fn unresolved(&self) -> impl Iterator<Item = &PublicIncident> {
        self.incidents.iter().filter(|i| !i.is_resolved())
    }

    /// Windows not yet started.
    pub fn upcoming(&self, now: Timestamp) -> impl Iterator<Item = &Maintenance> {
        self.maintenances
            .iter()
            .filter(move |m| m.status(now) == MaintenanceStatus::Scheduled)
    }

    /// Windows in progress or being verified.
    pub fn active(&self, now: Timestamp) -> impl Iterator<Item = &Maintenance> {
        self.maintenances.iter().filter(move |m| {
            matches!(
                m.status(now),
                MaintenanceStatus::InProgress | MaintenanceStatus::Verifying
            )
        })
    }

    /// When the page last changed: its newest update or component write.
    pub fn updated_at(&self) -> Option<Timestamp> {
        let incidents = self.incidents.iter().map(|i| i.updated_at());
        let maintenances = self.maintenances.iter().map(|m| m.updated_at());
        let components = self.components.iter().filter_map(|c| c.updated_at);
        incidents.chain(maintenances).chain(components).max()
    }

    /// The next instant the page changes by the clock alone (a window
    /// starting or ending), after `now`.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        self.maintenances
            .iter()
            .flat_map(|m| [m.starts_at, m.ends_at])
            .filter(|t| *t > now)
            .min()
    }
}
