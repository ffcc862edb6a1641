//! The incident plan: apply or diff a folder, read the running plan, export it.

use muster_api_types::plan::{
    PlanApplyResult, PlanFiles, PlanOverview, PlanUpload, StaleDocuments,
};
use muster_api_types::runbooks::RunbookList;
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    /// Applies a plan folder's files (or, with `dry_run`, says what would change).
    pub async fn apply_plan(&self, body: &PlanUpload) -> Result<PlanApplyResult, ClientError> {
        let url = self.url(&["api", "v1", "plan", "apply"])?;
        self.call(Method::POST, url, Some(body)).await
    }

    pub async fn plan_overview(&self) -> Result<PlanOverview, ClientError> {
        let url = self.url(&["api", "v1", "plan"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// The server's state as plan files.
    pub async fn export_plan(&self) -> Result<PlanFiles, ClientError> {
        let url = self.url(&["api", "v1", "plan", "export"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// The files of the newest applied revision.
    pub async fn plan_source(&self) -> Result<PlanFiles, ClientError> {
        let url = self.url(&["api", "v1", "plan", "source"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    pub async fn stale_plan_documents(&self) -> Result<StaleDocuments, ClientError> {
        let url = self.url(&["api", "v1", "plan", "stale"])?;
        self.call(Method::GET, url, None::<&()>).await
    }

    /// The running plan's runbooks, by name.
    pub async fn runbooks(&self) -> Result<RunbookList, ClientError> {
        let url = self.url(&["api", "v1", "runbooks"])?;
        self.call(Method::GET, url, None::<&()>).await
    }
}
