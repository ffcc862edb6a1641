//! The public status page as responders drive it: publish an incident's
//! updates (or preview them, or approve a runbook's draft by publishing its
//! words), set and verify components, schedule maintenance, and see the
//! subscribers (admins).

use axum::Json;
use axum::extract::{Path, State};
use muster_api_types::ErrorBody;
use muster_api_types::status_page::{
    IncidentStatusPage, MaintenanceWindow, MoveMaintenance, PublicIncident, PublishStatusUpdate,
    ScheduleMaintenance, SetComponentStatus, StatusComponent, StatusDraft, StatusPublished,
    StatusSubscriber,
};
use muster_app::status_page::publish::StatusPublication;
use muster_core::MaintenanceId;
use muster_core::status_page::maintenance::NewMaintenance;

use super::incidents::key;
use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

/// Publish an update of the incident on the public status page (or only
/// preview it). Drill and private incidents are refused.
#[utoipa::path(post, path = "/incidents/{incident}/status-page", tag = "status page", request_body = PublishStatusUpdate,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = StatusPublished), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`invalid_transition`: a drill or private incident; `version_conflict`: published meanwhile")))]
pub async fn publish(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<PublishStatusUpdate>,
) -> Result<Json<StatusPublished>, ApiError> {
    let request = StatusPublication {
        status: body.status,
        body: body.body,
        template: body.template,
        components: body
            .components
            .into_iter()
            .map(|c| (c.component, c.status))
            .collect(),
        name: body.name,
        impact: body.impact,
        preview: body.preview,
    };
    let published = state
        .app
        .publish_status_update(&caller.actor, key(&incident)?, request)
        .await?;
    Ok(Json(StatusPublished {
        incident: PublicIncident::from(&published.incident),
        preview: published.preview,
        notified: published.notified,
    }))
}

/// The incident's public face, if published, and the runbook drafts
/// waiting for a person.
#[utoipa::path(get, path = "/incidents/{incident}/status-page", tag = "status page",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = IncidentStatusPage), (status = 404, body = ErrorBody)))]
pub async fn incident_status_page(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<IncidentStatusPage>, ApiError> {
    let key = key(&incident)?;
    let public = state.app.public_incident(&caller.actor, key).await?;
    let drafts = state.app.status_drafts(&caller.actor, key).await?;
    Ok(Json(IncidentStatusPage {
        public: public.as_ref().map(PublicIncident::from),
        drafts: drafts
            .into_iter()
            .map(|d| StatusDraft {
                sequence: d.sequence,
                component: d.component,
                text: d.text,
                at: d.at,
            })
            .collect(),
    }))
}

async fn components_now(state: &AppState) -> Result<Vec<StatusComponent>, ApiError> {
    let projection = state.app.public_projection().await?;
    let now = state.app.now();
    Ok(projection
        .components
        .iter()
        .map(|c| StatusComponent {
            name: c.name.clone(),
            title: c.title.clone(),
            group: c.group.clone(),
            description: c.description.clone(),
            status: projection.status_of(c, now).as_str().to_owned(),
            set_by_hand: c.set_by_hand.map(|s| s.as_str().to_owned()),
            verified_at: c.verified_at,
        })
        .collect())
}

fn one(components: Vec<StatusComponent>, name: &str) -> Result<Json<StatusComponent>, ApiError> {
    components
        .into_iter()
        .find(|c| c.name == name.trim())
        .map(Json)
        .ok_or_else(|| muster_app::AppError::not_found("status-page component", name).into())
}

/// The plan's status-page components and what the page shows for each.
#[utoipa::path(get, path = "/status-page/components", tag = "status page",
    responses((status = 200, body = Vec<StatusComponent>)))]
pub async fn components(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> Result<Json<Vec<StatusComponent>>, ApiError> {
    Ok(Json(components_now(&state).await?))
}

/// Set a component's status by hand (it also counts as verified now).
#[utoipa::path(put, path = "/status-page/components/{component}/status", tag = "status page", request_body = SetComponentStatus,
    params(("component" = String, Path)),
    responses((status = 200, body = StatusComponent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_component_status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(component): Path<String>,
    ApiJson(body): ApiJson<SetComponentStatus>,
) -> Result<Json<StatusComponent>, ApiError> {
    state
        .app
        .set_component_status(&caller.actor, &component, Some(&body.status))
        .await?;
    one(components_now(&state).await?, &component)
}

/// Give a component back to its incidents and maintenance.
#[utoipa::path(delete, path = "/status-page/components/{component}/status", tag = "status page",
    params(("component" = String, Path)),
    responses((status = 200, body = StatusComponent), (status = 404, body = ErrorBody)))]
pub async fn clear_component_status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(component): Path<String>,
) -> Result<Json<StatusComponent>, ApiError> {
    state
        .app
        .set_component_status(&caller.actor, &component, None)
        .await?;
    one(components_now(&state).await?, &component)
}

/// Record that a person (or a monitor) confirmed the component's status now.
#[utoipa::path(post, path = "/status-page/components/{component}/verify", tag = "status page",
    params(("component" = String, Path)),
    responses((status = 200, body = StatusComponent), (status = 404, body = ErrorBody)))]
pub async fn verify_component(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(component): Path<String>,
) -> Result<Json<StatusComponent>, ApiError> {
    state
        .app
        .verify_component(&caller.actor, &component)
        .await?;
    one(components_now(&state).await?, &component)
}

/// Every maintenance window.
#[utoipa::path(get, path = "/status-page/maintenances", tag = "status page",
    responses((status = 200, body = Vec<MaintenanceWindow>)))]
pub async fn maintenances(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<MaintenanceWindow>>, ApiError> {
    let now = state.app.now();
    let all = state.app.maintenances(&caller.actor).await?;
    Ok(Json(
        all.iter()
            .map(|m| MaintenanceWindow::from_core(m, now))
            .collect(),
    ))
}

/// Schedule a window and announce it to subscribers; they are reminded
/// before it starts and told when it starts and ends.
#[utoipa::path(post, path = "/status-page/maintenances", tag = "status page", request_body = ScheduleMaintenance,
    responses((status = 200, body = MaintenanceWindow), (status = 400, body = ErrorBody)))]
pub async fn schedule_maintenance(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<ScheduleMaintenance>,
) -> Result<Json<MaintenanceWindow>, ApiError> {
    let window = state
        .app
        .schedule_maintenance(
            &caller.actor,
            NewMaintenance {
                name: body.name,
                body: body.body,
                components: body.components,
                starts_at: body.starts_at,
                ends_at: body.ends_at,
            },
        )
        .await?;
    Ok(Json(MaintenanceWindow::from_core(&window, state.app.now())))
}

/// End a window now (early, or one that overran).
#[utoipa::path(post, path = "/status-page/maintenances/{maintenance}/complete", tag = "status page",
    params(("maintenance" = String, Path)),
    responses((status = 200, body = MaintenanceWindow), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn complete_maintenance(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(maintenance): Path<String>,
) -> Result<Json<MaintenanceWindow>, ApiError> {
    let id = maintenance_id(&maintenance)?;
    let window = state.app.complete_maintenance(&caller.actor, id).await?;
    Ok(Json(MaintenanceWindow::from_core(&window, state.app.now())))
}

/// Move a window on by hand: start it early (`in_progress`), say it is
/// being checked (`verifying`, which holds until a person completes it), or
/// complete it. Subscribers are told.
#[utoipa::path(post, path = "/status-page/maintenances/{maintenance}/status", tag = "status page", request_body = MoveMaintenance,
    params(("maintenance" = String, Path)),
    responses((status = 200, body = MaintenanceWindow), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn move_maintenance(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(maintenance): Path<String>,
    ApiJson(body): ApiJson<MoveMaintenance>,
) -> Result<Json<MaintenanceWindow>, ApiError> {
    let id = maintenance_id(&maintenance)?;
    let window = state
        .app
        .move_maintenance(&caller.actor, id, &body.status, body.body.as_deref())
        .await?;
    Ok(Json(MaintenanceWindow::from_core(&window, state.app.now())))
}

fn maintenance_id(raw: &str) -> Result<MaintenanceId, ApiError> {
    raw.trim().parse().map_err(|_| {
        ApiError::invalid(
            "maintenance",
            format!("expected a maintenance id, got {raw:?}"),
        )
    })
}

/// Every subscriber, with the reason any was disabled (admins only).
#[utoipa::path(get, path = "/status-page/subscribers", tag = "status page",
    responses((status = 200, body = Vec<StatusSubscriber>), (status = 403, body = ErrorBody)))]
pub async fn subscribers(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Vec<StatusSubscriber>>, ApiError> {
    let all = state.app.subscribers(&caller.actor).await?;
    Ok(Json(all.iter().map(StatusSubscriber::from).collect()))
}
