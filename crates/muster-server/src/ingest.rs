//! Where monitoring sends alerts: `POST /ingest/alertmanager/{key}`,
//! `/ingest/grafana/{key}` (signed when the integration has a secret),
//! `/ingest/generic/{key}` (any JSON through the integration's mapping),
//! `/ingest/heartbeat/{key}` (a beat; `GET` too, for cron's `curl`) and
//! PagerDuty's `POST /v2/enqueue`. Outside the JSON API (their contracts
//! are the senders'), each answers only after the whole payload is durable,
//! never waits for a notification, and stores nothing of a payload it
//! refuses.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use muster_app::alerts::Ingested;
use muster_core::alert::Received;
use muster_ingest::alertmanager::Flavour;
use muster_ingest::pagerduty::{self, Accepted};
use serde::Serialize;

use crate::error::{ApiError, PagerDutyError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ingest/alertmanager/{key}", post(alertmanager))
        .route("/ingest/grafana/{key}", post(grafana))
        .route("/ingest/generic/{key}", post(generic))
        .route("/ingest/heartbeat/{key}", post(beat).get(beat))
        .route("/v2/enqueue", post(enqueue))
        // One byte over the limit is refused as 413 by the handlers.
        .layer(DefaultBodyLimit::max(muster_ingest::MAX_BODY))
}

/// What a webhook's alerts came to.
#[derive(Debug, Serialize)]
struct Summary {
    status: &'static str,
    integration: String,
    opened: usize,
    updated: usize,
    ignored: usize,
}

fn summary(ingested: &Ingested) -> Summary {
    let count = |f: fn(&Received) -> bool| ingested.received.iter().filter(|r| f(r)).count();
    Summary {
        status: "accepted",
        integration: ingested.integration.name.clone(),
        opened: count(|r| matches!(r, Received::Opened(_))),
        updated: count(|r| matches!(r, Received::Updated { .. })),
        ignored: count(|r| matches!(r, Received::Ignored(_))),
    }
}

fn too_large(rejection: &BytesRejection) -> bool {
    rejection.status() == StatusCode::PAYLOAD_TOO_LARGE
}

/// Which endpoint a payload came to.
enum Source<'a> {
    Webhook(Flavour, &'a HeaderMap),
    Generic,
}

/// The body within the limit, and the key within its rate.
fn admit(
    state: &AppState,
    key: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if too_large(&rejection) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the body is over {} KB; nothing was stored",
                    muster_ingest::MAX_BODY / 1024
                ),
            ));
        }
        Err(rejection) => {
            return Err(ApiError::invalid("body", rejection.body_text()));
        }
    };
    state
        .ingest_limiter
        .check(key)
        .map_err(ApiError::rate_limited)?;
    Ok(body)
}

async fn webhook(
    state: &AppState,
    source: Source<'_>,
    key: &str,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = admit(state, key, body)?;
    let ingested = match source {
        Source::Webhook(flavour, headers) => {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            state
                .app
                .ingest_signed_webhook(flavour, key, &body, &header)
                .await?
        }
        Source::Generic => state.app.ingest_generic(key, &body).await?,
    };
    Ok((StatusCode::ACCEPTED, Json(summary(&ingested))).into_response())
}

async fn alertmanager(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let source = Source::Webhook(Flavour::Alertmanager, &headers);
    webhook(&state, source, &key, body).await
}

async fn grafana(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    webhook(
        &state,
        Source::Webhook(Flavour::Grafana, &headers),
        &key,
        body,
    )
    .await
}

async fn generic(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    webhook(&state, Source::Generic, &key, body).await
}

/// What a beat came to.
#[derive(Debug, Serialize)]
struct Beat {
    status: &'static str,
    integration: String,
    last_beat_at: Timestamp,
    beats: u64,
}

/// A heartbeat: any body (or none) is accepted and ignored.
async fn beat(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    admit(&state, &key, body)?;
    let (integration, beat) = state.app.record_heartbeat(&key).await?;
    let answer = Beat {
        status: "accepted",
        integration: integration.name,
        last_beat_at: beat.last_beat_at,
        beats: beat.beats,
    };
    Ok((StatusCode::ACCEPTED, Json(answer)).into_response())
}

/// PagerDuty Events API v2: 202 with the dedup key, or PagerDuty's 400,
/// 404 (unknown routing key), 413 and 429 bodies.
async fn enqueue(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, PagerDutyError> {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if too_large(&rejection) => return Err(PagerDutyError::too_large()),
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
    let (_, dedup_key) = state.app.ingest_pagerduty_event(&body).await?;
    Ok((StatusCode::ACCEPTED, Json(Accepted::event(dedup_key))).into_response())
}
