//! The plan's runbooks: when each attaches and what its steps do.

use axum::Json;
use axum::extract::State;
use muster_api_types::ErrorBody;
use muster_api_types::runbooks::{Runbook, RunbookList};

use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// Every runbook of the running plan, by name, with its conditions and
/// steps in words; and the stored documents that do not read.
#[utoipa::path(get, path = "/runbooks", tag = "plan",
    responses((status = 200, body = RunbookList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<RunbookList>, ApiError> {
    let plan = state.app.runbooks(&caller.actor).await?;
    Ok(Json(RunbookList {
        runbooks: plan
            .runbooks
            .iter()
            .map(|p| Runbook::from(&p.runbook))
            .collect(),
        problems: plan.problems,
    }))
}
