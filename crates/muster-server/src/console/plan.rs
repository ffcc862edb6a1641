//! The plan's pages: the running plan read-only with its source and its
//! last change, and the documents overdue for review.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use muster_plan::plan::Kind;
use muster_ui::pages::{PlanPage, StalePlanPage};
use muster_ui::present;

use crate::console::session::ConsoleUser;
use crate::console::{ConsoleError, render};
use crate::state::AppState;

pub async fn overview(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let overview = state
        .app
        .plan_overview(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e))?;
    let order: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    Ok(render(
        StatusCode::OK,
        &PlanPage {
            chrome: user.chrome(),
            flash: None,
            plan: present::plan_view(
                overview.revision.as_ref(),
                &overview.documents,
                overview.today,
                &order,
            ),
        },
    ))
}

pub async fn stale(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let stale = state
        .app
        .stale_plan_documents(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let today = state.app.today();
    let rows: Vec<_> = stale
        .into_iter()
        .map(|s| (s.document, s.due, s.reminded_at))
        .collect();
    Ok(render(
        StatusCode::OK,
        &StalePlanPage {
            chrome: user.chrome(),
            flash: None,
            rows: present::stale_rows(&rows, today),
        },
    ))
}
