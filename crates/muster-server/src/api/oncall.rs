//! On-call: schedules and their shifts, overrides, who is on call, and the
//! escalation policies the plan defines.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use muster_api_types::ErrorBody;
use muster_api_types::oncall::{
    EscalationPolicy, LayerShifts, NewOverride, OnCall, OnCallList, OnCallQuery, Override,
    OverrideList, PolicyList, Schedule, ScheduleList, ScheduleShifts, Shift, ShiftsQuery,
};
use muster_app::oncall::{self as app_oncall, OnCallScope};
use muster_core::OverrideId;
use muster_store::StoredOverride;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

pub(crate) fn override_body(stored: &StoredOverride) -> Override {
    Override {
        id: stored.id.as_uuid(),
        schedule: stored.schedule.clone(),
        user: stored.over.user.clone(),
        start: stored.over.start,
        end: stored.over.end,
        replaces: stored.over.replaces.clone(),
        note: stored.note.clone(),
        created_by: stored.created_by.as_uuid(),
        created_at: stored.created_at,
    }
}

/// An RFC 3339 instant from the query, naming the parameter when it is not one.
pub(crate) fn instant(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    raw.filter(|r| !r.trim().is_empty())
        .map(|r| {
            r.trim().parse::<Timestamp>().map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("expected an RFC 3339 instant like 2026-12-05T09:00:00Z, got {r:?}"),
                )
            })
        })
        .transpose()
}

/// The window of a shift listing: `from` (default `default_from`) and `to`
/// (default `from + default_length`).
pub(crate) fn window(
    query: &ShiftsQuery,
    default_from: Timestamp,
    default_days: i64,
) -> Result<(Timestamp, Timestamp), ApiError> {
    let from = instant("from", query.from.as_deref())?.unwrap_or(default_from);
    let to = match instant("to", query.to.as_deref())? {
        Some(to) => to,
        None => from
            .checked_add(SignedDuration::from_hours(default_days * 24))
            .map_err(|_| ApiError::invalid("from", "out of range"))?,
    };
    Ok((from, to))
}

pub(crate) fn view_body(view: app_oncall::ScheduleView) -> ScheduleShifts {
    ScheduleShifts {
        schedule: Schedule::of(
            &view.definition,
            view.on_call_now.clone(),
            view.on_call_until,
        ),
        from: view.from,
        to: view.to,
        shifts: view.shifts.iter().map(Shift::from).collect(),
        layers: view
            .layers
            .iter()
            .map(|(name, shifts)| LayerShifts {
                name: name.clone(),
                shifts: shifts.iter().map(Shift::from).collect(),
            })
            .collect(),
        gaps: view.gaps.iter().map(Shift::from).collect(),
        overrides: view.overrides.iter().map(override_body).collect(),
    }
}

/// Every schedule of the plan, with who is on call now.
#[utoipa::path(get, path = "/schedules", tag = "oncall",
    responses((status = 200, body = ScheduleList), (status = 401, body = ErrorBody)))]
pub async fn list_schedules(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<ScheduleList>, ApiError> {
    let schedules = state.app.list_schedules(&caller.actor).await?;
    Ok(Json(ScheduleList {
        schedules: schedules
            .iter()
            .map(|s| Schedule::of(&s.definition, s.on_call_now.clone(), s.until))
            .collect(),
    }))
}

/// A schedule and its shifts over a window (default: the next 14 days), with
/// each layer, the gaps and the overrides.
#[utoipa::path(get, path = "/schedules/{name}", tag = "oncall", params(("name" = String, Path), ShiftsQuery),
    responses((status = 200, body = ScheduleShifts), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show_schedule(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    Query(query): Query<ShiftsQuery>,
) -> Result<Json<ScheduleShifts>, ApiError> {
    let (from, to) = window(&query, state.app.now(), 14)?;
    let view = state
        .app
        .schedule_view(&caller.actor, &name, from, to)
        .await?;
    Ok(Json(view_body(view)))
}

/// The schedule's current and future overrides.
#[utoipa::path(get, path = "/schedules/{name}/overrides", tag = "oncall", params(("name" = String, Path)),
    responses((status = 200, body = OverrideList), (status = 404, body = ErrorBody)))]
pub async fn list_overrides(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> Result<Json<OverrideList>, ApiError> {
    let overrides = state.app.list_overrides(&caller.actor, &name).await?;
    Ok(Json(OverrideList {
        overrides: overrides.iter().map(override_body).collect(),
    }))
}

/// Someone covers the schedule (or one person's shifts on it) for a while.
#[utoipa::path(post, path = "/schedules/{name}/overrides", tag = "oncall", params(("name" = String, Path)),
    request_body = NewOverride,
    responses((status = 201, body = Override), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_override(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<NewOverride>,
) -> Result<(StatusCode, Json<Override>), ApiError> {
    let stored = state
        .app
        .create_override(
            &caller.actor,
            &name,
            app_oncall::NewOverride {
                user: body.user,
                start: body.start,
                end: body.end,
                replaces: body.replaces,
                note: body.note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(override_body(&stored))))
}

/// Removes an override.
#[utoipa::path(delete, path = "/overrides/{id}", tag = "oncall", params(("id" = String, Path)),
    responses((status = 200, body = Override), (status = 404, body = ErrorBody)))]
pub async fn delete_override(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Override>, ApiError> {
    let id = id
        .parse::<OverrideId>()
        .map_err(|_| ApiError::invalid("id", format!("expected an override id, got {id:?}")))?;
    let removed = state.app.delete_override(&caller.actor, id, None).await?;
    Ok(Json(override_body(&removed)))
}

/// Who is on call at an instant (default now): for a schedule, or a team,
/// service or functionality through its escalation policy, step by step.
#[utoipa::path(get, path = "/oncall", tag = "oncall", params(OnCallQuery),
    responses((status = 200, body = OnCallList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn on_call(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<OnCallQuery>,
) -> Result<Json<OnCallList>, ApiError> {
    let at = instant("at", query.at.as_deref())?.unwrap_or(state.app.now());
    let scope = match query.target.as_deref().map(str::trim) {
        None | Some("") => OnCallScope::Everyone,
        Some(name) => OnCallScope::Named(name.to_owned()),
    };
    let entries = state.app.who_is_on_call(&caller.actor, scope, at).await?;
    Ok(Json(OnCallList {
        at,
        on_call: entries
            .into_iter()
            .map(|e| OnCall {
                schedule: e.schedule,
                policy: e.policy,
                level: e.level,
                user: e.email,
                since: e.since,
                until: e.until,
            })
            .collect(),
    }))
}

/// The plan's escalation policies.
#[utoipa::path(get, path = "/escalation-policies", tag = "oncall",
    responses((status = 200, body = PolicyList), (status = 401, body = ErrorBody)))]
pub async fn list_policies(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<PolicyList>, ApiError> {
    let book = state.app.escalation_policies(&caller.actor).await?;
    Ok(Json(PolicyList {
        policies: book.iter().map(EscalationPolicy::from).collect(),
    }))
}
