//! The process of an incident: attached runbooks and their steps, the
//! "what's next" panel, stakeholder updates.

use muster_api_types::Incident;
use muster_api_types::runbooks::{AttachRunbook, IncidentRunbooks, StepRunState};
use muster_api_types::scenarios::ScenarioComparison;
use muster_api_types::updates::{SendUpdate, UpdateSent};
use muster_api_types::whats_next::WhatsNext;
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    pub async fn incident_runbooks(&self, key: &str) -> Result<IncidentRunbooks, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "runbooks"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn attach_runbook(&self, key: &str, runbook: &str) -> Result<Incident, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "runbooks"])?;
        let body = AttachRunbook {
            runbook: runbook.to_owned(),
        };
        self.call(Method::POST, url, Some(&body)).await
    }

    /// `step` counts from 1.
    pub async fn run_step(
        &self,
        key: &str,
        runbook: &str,
        step: usize,
    ) -> Result<StepRunState, ClientError> {
        let step = step.to_string();
        let url = self.url(&[
            "api",
            "v1",
            "incidents",
            key,
            "runbooks",
            runbook,
            "steps",
            &step,
            "run",
        ])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    pub async fn whats_next(&self, key: &str) -> Result<WhatsNext, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "whats-next"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn send_update(
        &self,
        key: &str,
        body: &SendUpdate,
    ) -> Result<UpdateSent, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "updates"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// Publishes (or previews) an update of the incident on the public
    /// status page.
    pub async fn publish_status(
        &self,
        key: &str,
        body: &muster_api_types::status_page::PublishStatusUpdate,
    ) -> Result<muster_api_types::status_page::StatusPublished, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "status-page"])?;
        self.call(Method::POST, url, Some(body)).await
    }
}

impl Client {
    pub async fn scenario(&self, key: &str) -> Result<ScenarioComparison, ClientError> {
        let url = self.url(&["api", "v1", "incidents", key, "scenario"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// `index` is the moment's position, from 0.
    pub async fn mark_scenario_action(
        &self,
        key: &str,
        index: usize,
    ) -> Result<ScenarioComparison, ClientError> {
        let index = index.to_string();
        let url = self.url(&[
            "api",
            "v1",
            "incidents",
            key,
            "scenario",
            "moments",
            &index,
            "done",
        ])?;
        self.call(Method::POST, url, None::<&()>).await
    }
}
