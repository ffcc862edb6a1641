//! The public status page's use cases: the projection the page is drawn
//! from, components set by hand and verified, publishing an incident's
//! updates (`publish`), maintenance windows (`maintenance`) and subscribers
//! (`subscribers`, told through the outbox by `notices`).
//!
//! Only published things reach the projection: a public incident exists
//! only once a person publishes an update for a non-drill, non-private
//! incident, so the page never reads the incident itself.

pub mod maintenance;
mod notices;
pub mod publish;
pub mod subscribers;

use std::sync::Arc;

use muster_core::status_page::ComponentStatus;
use muster_core::status_page::projection::{PageComponent, Projection};
use muster_core::{Actor, Permission};
use muster_store::status_page::ComponentState;

use crate::accounts::require;
use crate::{App, AppError};

impl App {
    /// Everything the public page shows, and nothing else.
    pub async fn public_projection(&self) -> Result<Projection, AppError> {
        let plan = self.routing_context().await?;
        let states = self.store.list_component_states().await?;
        let components = plan
            .status_components
            .components
            .iter()
            .map(|planned| {
                let state = states.iter().find(|s| s.component == planned.name);
                PageComponent {
                    name: planned.name.clone(),
                    title: planned.title.clone(),
                    description: planned.description.clone(),
                    group: planned.group.clone(),
                    set_by_hand: state.and_then(|s| s.set_by_hand),
                    verified_at: state.and_then(|s| s.verified_at),
                    updated_at: state.map(|s| s.updated_at),
                }
            })
            .collect();
        Ok(Projection {
            components,
            incidents: self.store.list_public_incidents().await?,
            maintenances: self.store.list_maintenances().await?,
        })
    }

    /// Grows with every status-page write on any node.
    pub async fn status_revision(&self) -> Result<i64, AppError> {
        Ok(self.store.status_revision().await?)
    }

    /// Woken whenever this node writes something the public page shows.
    pub fn status_changes(&self) -> Arc<tokio::sync::Notify> {
        self.status_changed.clone()
    }

    pub(crate) fn status_page_changed(&self) {
        self.status_changed.notify_one();
    }

    /// The plan's component names, for checking requests.
    async fn component_names(&self) -> Result<Vec<String>, AppError> {
        let plan = self.routing_context().await?;
        Ok(plan
            .status_components
            .names()
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    async fn component_state(&self, component: &str) -> Result<ComponentState, AppError> {
        let names = self.component_names().await?;
        if !names.iter().any(|n| n == component.trim()) {
            return Err(AppError::not_found("status-page component", component));
        }
        let states = self.store.list_component_states().await?;
        Ok(states
            .into_iter()
            .find(|s| s.component == component.trim())
            .unwrap_or(ComponentState {
                component: component.trim().to_owned(),
                set_by_hand: None,
                verified_at: None,
                updated_at: self.now(),
            }))
    }

    /// Sets a component's status by hand (`None` gives it back to its
    /// incidents and maintenance), which also verifies it now.
    pub async fn set_component_status(
        &self,
        actor: &Actor,
        component: &str,
        status: Option<&str>,
    ) -> Result<ComponentState, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let status = status
            .map(|raw| {
                raw.parse::<ComponentStatus>()
                    .map_err(|e| AppError::invalid("status", e))
            })
            .transpose()?;
        let now = self.now();
        let mut state = self.component_state(component).await?;
        state.set_by_hand = status;
        state.verified_at = Some(now);
        state.updated_at = now;
        self.store.write_component_state(&state).await?;
        self.status_page_changed();
        Ok(state)
    }

    /// Records that a person or a monitor confirmed the component's status
    /// just now, so the page can say how fresh "operational" is.
    pub async fn verify_component(
        &self,
        actor: &Actor,
        component: &str,
    ) -> Result<ComponentState, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let now = self.now();
        let mut state = self.component_state(component).await?;
        state.verified_at = Some(now);
        state.updated_at = now;
        self.store.write_component_state(&state).await?;
        self.status_page_changed();
        Ok(state)
    }
}
