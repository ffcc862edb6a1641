//! Silences and maintenance windows, and "why did this alert page?".

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::SignedDuration;
use muster_api_types::ErrorBody;
use muster_api_types::silences::{
    AlertGroup, AlertRouting, NewSilence, Silence, SilenceList, SilenceQuery, SilenceWindow,
};
use muster_core::{AlertId, SilenceId};
use muster_store::silences::StoredSilence;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

fn silence(stored: &StoredSilence, now: jiff::Timestamp) -> Silence {
    let s = &stored.silence;
    let state = if now < s.starts_at {
        "pending"
    } else if now < s.ends_at {
        "active"
    } else {
        "expired"
    };
    Silence {
        id: s.id.as_uuid(),
        matchers: s.matchers.iter().map(ToString::to_string).collect(),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        comment: s.comment.clone(),
        time_zone: s
            .recurrence
            .as_ref()
            .and_then(|r| r.time_zone.iana_name().map(str::to_owned)),
        windows: s
            .recurrence
            .iter()
            .flat_map(|r| &r.windows)
            .map(|w| SilenceWindow {
                days: w
                    .days
                    .iter()
                    .map(|d| muster_core::oncall::weekday_name(*d).to_owned())
                    .collect(),
                from: w.from.strftime("%H:%M").to_string(),
                to: w.to.strftime("%H:%M").to_string(),
            })
            .collect(),
        state: state.to_owned(),
        created_by: stored.created_by.as_uuid(),
        created_at: stored.created_at,
    }
}

fn silence_id(raw: &str) -> Result<SilenceId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::invalid("id", format!("expected a silence id, got {raw:?}")))
}

/// Silence alerts: matchers and a time range, one-off or recurring.
#[utoipa::path(post, path = "/silences", tag = "alerts", request_body = NewSilence,
    responses((status = 201, body = Silence), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewSilence>,
) -> Result<(StatusCode, Json<Silence>), ApiError> {
    let duration = match body.duration_minutes {
        Some(minutes) if !(1..=366 * 24 * 60).contains(&minutes) => {
            return Err(ApiError::invalid(
                "duration_minutes",
                format!("from 1 minute to 366 days, got {minutes}"),
            ));
        }
        other => other.map(SignedDuration::from_mins),
    };
    let stored = state
        .app
        .create_silence(
            &caller.actor,
            muster_app::silences::NewSilence {
                matchers: body.matchers,
                starts_at: body.starts_at,
                ends_at: body.ends_at,
                duration,
                comment: body.comment,
                time_zone: body.time_zone,
                windows: body
                    .windows
                    .into_iter()
                    .map(|w| muster_app::silences::WindowDraft {
                        days: w.days,
                        from: w.from,
                        to: w.to,
                    })
                    .collect(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(silence(&stored, state.app.now()))))
}

/// Current silences (with `all=true`, the ended ones too), newest first.
#[utoipa::path(get, path = "/silences", tag = "alerts", params(SilenceQuery),
    responses((status = 200, body = SilenceList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<SilenceQuery>,
) -> Result<Json<SilenceList>, ApiError> {
    let all = state
        .app
        .silences(&caller.actor, query.all.unwrap_or(false))
        .await?;
    let now = state.app.now();
    Ok(Json(SilenceList {
        silences: all.iter().map(|s| silence(s, now)).collect(),
    }))
}

#[utoipa::path(get, path = "/silences/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = Silence), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Silence>, ApiError> {
    let found = state.app.silence(&caller.actor, silence_id(&id)?).await?;
    Ok(Json(silence(&found, state.app.now())))
}

/// Ends a silence now; the open alerts it held are routed at once.
#[utoipa::path(delete, path = "/silences/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = Silence), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn expire(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Silence>, ApiError> {
    let ended = state
        .app
        .expire_silence(&caller.actor, silence_id(&id)?)
        .await?;
    Ok(Json(silence(&ended, state.app.now())))
}

/// How an alert was routed: the rules that matched, what they did, and why.
#[utoipa::path(get, path = "/alerts/{id}/routing", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertRouting), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn routing(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertRouting>, ApiError> {
    let id: AlertId = id
        .parse()
        .map_err(|_| ApiError::invalid("id", format!("expected an alert id, got {id:?}")))?;
    let found = state.app.alert_routing(&caller.actor, id).await?;
    Ok(Json(routing_body(&found)))
}

/// The stored decision, read by the app, as the API shows it.
pub(crate) fn routing_body(found: &muster_store::routing::AlertRouting) -> AlertRouting {
    let why = muster_app::routing::explain(found);
    AlertRouting {
        pending: why.pending,
        matched: why.matched,
        effect: why.effect,
        target: why.target,
        severity: why.severity,
        channel: why.channel,
        reasons: why.reasons,
        silenced_by: why.silenced_by.map(|s| s.as_uuid()),
        silenced_until: why.silenced_until,
        group: why.group.as_ref().map(|g| AlertGroup {
            id: g.id.as_uuid(),
            key: g.key.clone(),
            opened_at: g.opened_at,
            effect: g.effect.clone(),
            page: g.page.map(|p| p.as_uuid()),
            incident: g.incident.map(|i| i.as_uuid()),
        }),
    }
}
