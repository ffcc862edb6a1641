//! Alert integrations and alerts.

use muster_api_types::alerts::{
    AlertList, AlertQuery, CreatedIntegration, IntegrationList, NewIntegration,
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

    /// Alerts, newest first.
    pub async fn list_alerts(&self, query: &AlertQuery) -> Result<AlertList, ClientError> {
        let url = self.url(&["api", "v1", "alerts"])?;
        let mut pairs = present(&[("status", &query.status)]);
        if let Some(limit) = query.limit {
            pairs.push(("limit", limit.to_string()));
        }
        let url = with_query(url, &pairs);
        self.call(Method::GET, url, None::<&()>).await
    }
}
