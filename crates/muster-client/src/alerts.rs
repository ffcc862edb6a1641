//! Alert integrations and alerts.

use muster_api_types::alerts::{
    AlertDetail, AlertList, AlertQuery, AttachAlert, AttachedAlert, CreatedIntegration,
    Integration, IntegrationList, NewIntegration, OpenIncident,
};
use reqwest::Method;

use crate::oncall::{present, with_query};
use crate::{Client, ClientError};

impl Client {
    /// Creates an integration; the answer carries its key, shown this once.
    pub async fn create_integration(
        &self,
        body: &NewIntegration,
    ) -> Result<CreatedIntegration, ClientError> {
        let url = self.url(&["api", "v1", "integrations"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    pub async fn list_integrations(&self) -> Result<IntegrationList, ClientError> {
        let url = self.url(&["api", "v1", "integrations"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// One integration by name (retired ones too); 404 when none has it.
    pub async fn get_integration(&self, name: &str) -> Result<Integration, ClientError> {
        let url = self.url(&["api", "v1", "integrations", name])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// A new key for the integration; the old one is refused from now on.
    /// The answer carries the new key, shown this once.
    pub async fn rotate_integration_key(
        &self,
        name: &str,
    ) -> Result<CreatedIntegration, ClientError> {
        let url = self.url(&["api", "v1", "integrations", name, "rotate-key"])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    /// Alerts, newest first.
    pub async fn list_alerts(&self, query: &AlertQuery) -> Result<AlertList, ClientError> {
        let url = self.url(&["api", "v1", "alerts"])?;
        let mut pairs = present(&[("status", &query.status), ("cursor", &query.cursor)]);
        if let Some(limit) = query.limit {
            pairs.push(("limit", limit.to_string()));
        }
        let url = with_query(url, &pairs);
        self.call(Method::GET, url, None::<&()>).await
    }

    /// One alert with its integration; 404 when no alert has this id.
    pub async fn get_alert(&self, id: &str) -> Result<AlertDetail, ClientError> {
        let url = self.url(&["api", "v1", "alerts", id])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// Acknowledges an alert; an acknowledged one is answered as it is, a
    /// resolved one is 409 `alert_resolved`.
    pub async fn acknowledge_alert(&self, id: &str) -> Result<AlertDetail, ClientError> {
        let url = self.url(&["api", "v1", "alerts", id, "acknowledge"])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    /// Resolves an alert; a resolved one is answered as it is.
    pub async fn resolve_alert(&self, id: &str) -> Result<AlertDetail, ClientError> {
        let url = self.url(&["api", "v1", "alerts", id, "resolve"])?;
        self.call(Method::POST, url, None::<&()>).await
    }

    /// Attaches an alert to an open incident (`INC-42`, `42` or its UUID):
    /// 409 `incident_resolved` or `alert_attached` when it cannot be.
    pub async fn attach_alert(
        &self,
        id: &str,
        body: &AttachAlert,
    ) -> Result<AttachedAlert, ClientError> {
        let url = self.url(&["api", "v1", "alerts", id, "attach"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    /// Opens an incident from an alert; 409 `alert_attached` when its group
    /// follows another open incident.
    pub async fn open_incident_from_alert(
        &self,
        id: &str,
        body: &OpenIncident,
    ) -> Result<muster_api_types::Incident, ClientError> {
        let url = self.url(&["api", "v1", "alerts", id, "incident"])?;
        self.call(Method::POST, url, Some(body)).await
    }
}
