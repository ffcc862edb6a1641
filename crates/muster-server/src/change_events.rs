//! PagerDuty's change events, `POST /v2/change/enqueue`: a deploy or a
//! configuration push, with a `pagerduty_events` integration's key as
//! `routing_key`, kept on its service's timeline. Answers as PagerDuty
//! does: 202 once the change is on disk, PagerDuty's 400 bodies, 404 for
//! an unknown key, 413 over 512 KB, 429 with `Retry-After`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use muster_ingest::pagerduty::{self, Accepted};

use crate::error::PagerDutyError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v2/change/enqueue", post(change_enqueue))
        .layer(DefaultBodyLimit::max(muster_ingest::MAX_BODY))
}

async fn change_enqueue(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PagerDutyError> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(PagerDutyError::too_large());
        }
        Err(_) => {
            return Err(PagerDutyError::from(
                muster_app::alerts::IngestError::PagerDuty(pagerduty::Rejection::Unrecognized),
            ));
        }
    };
    if let Some(key) = pagerduty::peek_routing_key(&body) {
        state
            .ingest_limiter
            .check(&key)
            .map_err(PagerDutyError::rate_limited)?;
    }
    state.app.ingest_pagerduty_change(&body).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::change())).into_response())
}
