//! Alert integrations and the alerts they made.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use muster_api_types::ErrorBody;
use muster_api_types::alerts::{
    Alert, AlertDetail, AlertLink, AlertList, AlertQuery, AttachAlert, AttachedAlert,
    CreatedIntegration, GenericMapping, Integration, IntegrationList, NewIntegration, OpenIncident,
    endpoint,
};
use muster_app::integration_config::IntegrationConfig;
use muster_core::alert::AlertStatus;
use muster_core::{AlertId, Timestamp};
use muster_ingest::generic::Mapping;
use muster_store::alerts::{AlertCursor, AlertFilter};

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller, parse_list};
use crate::state::AppState;

fn mapping_in(m: GenericMapping) -> Mapping {
    Mapping {
        summary: m.summary,
        dedup_key: m.dedup_key,
        dedup_key_optional: m.dedup_key_optional,
        status: m.status,
        resolved_values: m.resolved_values,
        acknowledged_values: m.acknowledged_values,
        severity: m.severity,
        source: m.source,
        labels: m.labels,
        links: m.links,
        started_at: m.started_at,
    }
}

fn mapping_out(m: Mapping) -> GenericMapping {
    GenericMapping {
        summary: m.summary,
        dedup_key: m.dedup_key,
        dedup_key_optional: m.dedup_key_optional,
        status: m.status,
        resolved_values: m.resolved_values,
        acknowledged_values: m.acknowledged_values,
        severity: m.severity,
        source: m.source,
        labels: m.labels,
        links: m.links,
        started_at: m.started_at,
    }
}

/// An integration as the API shows it: its settings, but never its key or
/// its signing secret.
fn integration(
    i: &muster_store::alerts::Integration,
    last_beat_at: Option<Timestamp>,
) -> Result<Integration, ApiError> {
    let endpoint = endpoint(&i.kind);
    let config = IntegrationConfig::of(i)?;
    Ok(Integration {
        id: i.id.as_uuid(),
        name: i.name.clone(),
        kind: i.kind.clone(),
        service: i.service.as_ref().map(|s| s.as_str().to_owned()),
        team: i.team.as_ref().map(|t| t.as_str().to_owned()),
        created_at: i.created_at,
        endpoint,
        mapping: config.mapping.map(mapping_out),
        signature_required: config.signing_secret.is_some(),
        timestamp_header: config.timestamp_header,
        interval_seconds: config.interval_seconds,
        grace_seconds: config.grace_seconds,
        last_beat_at,
        origin: i.origin.as_str().to_owned(),
        retired_at: i.retired_at,
    })
}

fn alert(a: &muster_core::alert::Alert) -> Alert {
    Alert {
        id: a.id.as_uuid(),
        integration: a.integration.as_uuid(),
        dedup_key: a.dedup_key.clone(),
        status: a.status.as_str().to_owned(),
        summary: a.summary.clone(),
        severity: a.severity.as_str().to_owned(),
        source: a.source.clone(),
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        links: a
            .links
            .iter()
            .map(|l| AlertLink {
                href: l.href.clone(),
                text: l.text.clone(),
            })
            .collect(),
        group_key: a.group_key.clone(),
        started_at: a.started_at,
        first_seen: a.first_seen,
        last_seen: a.last_seen,
        occurrences: a.occurrences,
        acknowledged_at: a.acknowledged_at,
        resolved_at: a.resolved_at,
        version: a.version,
    }
}

fn detail(d: &muster_app::alerts::AlertDetail) -> AlertDetail {
    AlertDetail {
        alert: alert(&d.alert),
        integration_name: d.integration.name.clone(),
        integration_kind: d.integration.kind.clone(),
        service: d
            .integration
            .service
            .as_ref()
            .map(|s| s.as_str().to_owned()),
        team: d.integration.team.as_ref().map(|t| t.as_str().to_owned()),
    }
}

fn alert_id(raw: &str) -> Result<AlertId, ApiError> {
    raw.parse::<AlertId>()
        .map_err(|_| ApiError::invalid("id", format!("expected an alert id (a UUID), got {raw:?}")))
}

/// Create an integration; its key is in this answer only.
#[utoipa::path(post, path = "/integrations", tag = "alerts", request_body = NewIntegration,
    responses((status = 201, body = CreatedIntegration), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewIntegration>,
) -> Result<(StatusCode, Json<CreatedIntegration>), ApiError> {
    let (created, key) = state
        .app
        .create_integration(
            &caller.actor,
            muster_app::alerts::NewIntegration {
                name: body.name,
                kind: body.kind,
                service: body.service,
                team: body.team,
                config: IntegrationConfig {
                    mapping: body.mapping.map(mapping_in),
                    signing_secret: body.signing_secret,
                    timestamp_header: body.timestamp_header,
                    interval_seconds: body.interval_seconds,
                    grace_seconds: body.grace_seconds,
                },
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedIntegration {
            integration: integration(&created, None)?,
            key,
        }),
    ))
}

/// One integration by name, retired or not, with its settings (never its
/// key or secret) and, for a heartbeat, its latest beat.
#[utoipa::path(get, path = "/integrations/{name}", tag = "alerts", params(("name" = String, Path, description = "The integration's name")),
    responses((status = 200, body = Integration), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> Result<Json<Integration>, ApiError> {
    let found = state.app.integration(&caller.actor, &name).await?;
    let beats = state.app.heartbeats(&caller.actor).await?;
    Ok(Json(integration(
        &found,
        beats.get(&found.id).map(|b| b.last_beat_at),
    )?))
}

/// A new key for the integration: it keeps its settings and alerts, the old
/// key is refused from now on, and the new one is in this answer only. A
/// retired integration is 409 `integration_retired`.
#[utoipa::path(post, path = "/integrations/{name}/rotate-key", tag = "alerts", params(("name" = String, Path, description = "The integration's name")),
    responses((status = 200, body = CreatedIntegration), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn rotate_key(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(name): Path<String>,
) -> Result<Json<CreatedIntegration>, ApiError> {
    let (rotated, key) = state
        .app
        .rotate_integration_key(&caller.actor, &name)
        .await?;
    let beats = state.app.heartbeats(&caller.actor).await?;
    Ok(Json(CreatedIntegration {
        integration: integration(&rotated, beats.get(&rotated.id).map(|b| b.last_beat_at))?,
        key,
    }))
}

/// Every integration with its settings (never their keys or secrets) and,
/// for heartbeats, the latest beat; retired ones too, with `retired_at`.
#[utoipa::path(get, path = "/integrations", tag = "alerts",
    responses((status = 200, body = IntegrationList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<IntegrationList>, ApiError> {
    let all = state.app.integrations(&caller.actor).await?;
    let beats = state.app.heartbeats(&caller.actor).await?;
    Ok(Json(IntegrationList {
        integrations: all
            .iter()
            .map(|i| integration(i, beats.get(&i.id).map(|b| b.last_beat_at)))
            .collect::<Result<_, _>>()?,
    }))
}

/// Alerts, newest first.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_alerts(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<AlertQuery>,
) -> Result<Json<AlertList>, ApiError> {
    let statuses = parse_list::<AlertStatus>("status", query.status.as_deref())?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("from 1 to 1000, got {limit}"),
        ));
    }
    let after = query
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| c.parse::<AlertCursor>())
        .transpose()
        .map_err(|message| ApiError::invalid("cursor", message))?;
    let page = state
        .app
        .alert_page(
            &caller.actor,
            &AlertFilter {
                statuses,
                integration: None,
                after,
                limit,
            },
        )
        .await?;
    Ok(Json(AlertList {
        alerts: page.alerts.iter().map(alert).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

/// One alert with everything it has: labels, annotations, links, how often
/// and since when it was seen, and the integration it came through.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts", params(("id" = String, Path, description = "The alert's id (a UUID)")),
    responses((status = 200, body = AlertDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show_alert(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, ApiError> {
    let found = state.app.alert(&caller.actor, alert_id(&id)?).await?;
    Ok(Json(detail(&found)))
}

/// Acknowledge by hand: someone is on it. An acknowledged alert is answered
/// as it is; a resolved one is 409 `alert_resolved`.
#[utoipa::path(post, path = "/alerts/{id}/acknowledge", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge_alert(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, ApiError> {
    let changed = state
        .app
        .acknowledge_alert(&caller.actor, alert_id(&id)?)
        .await?;
    Ok(Json(detail(&changed)))
}

/// Resolve by hand: the problem is gone. A resolved alert is answered as it
/// is (PagerDuty drops a resolve of a resolved alert too).
#[utoipa::path(post, path = "/alerts/{id}/resolve", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn resolve_alert(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, ApiError> {
    let changed = state
        .app
        .resolve_alert(&caller.actor, alert_id(&id)?)
        .await?;
    Ok(Json(detail(&changed)))
}

/// Attach by hand to an open incident: the alert's group (its storm)
/// follows the incident, which is marked mitigated once every alert
/// attached to it resolves (unless `mitigate_on_resolve` is `false`) and
/// whose owner is asked to confirm. Attaching it where it is already
/// changes nothing (`changed: false`). 409 `incident_resolved` for a
/// resolved or closed incident; 409 `alert_attached` when its group follows
/// another open incident.
#[utoipa::path(post, path = "/alerts/{id}/attach", tag = "alerts", request_body = AttachAlert,
    params(("id" = String, Path, description = "The alert's id (a UUID)")),
    responses((status = 200, body = AttachedAlert), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn attach_alert(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttachAlert>,
) -> Result<Json<AttachedAlert>, ApiError> {
    let id = alert_id(&id)?;
    let incident = super::incidents::key(&body.incident)?;
    let attached = state
        .app
        .attach_alert(&caller.actor, id, incident, body.mitigate_on_resolve)
        .await?;
    Ok(Json(AttachedAlert {
        alert: detail(&attached.alert),
        incident: muster_api_types::Incident::from(&attached.incident),
        group_id: attached.group.id.as_uuid(),
        mitigate_on_resolve: attached.group.mitigate_on_resolve,
        changed: attached.changed,
    }))
}

/// Open an incident from the alert, by hand: titled by its summary,
/// detected when it started, on its integration's service (paging its
/// owners) or team; the alert's group follows it from the same transaction
/// on. 409 `alert_attached` when its group follows another open incident.
#[utoipa::path(post, path = "/alerts/{id}/incident", tag = "alerts", request_body = OpenIncident,
    params(("id" = String, Path, description = "The alert's id (a UUID)")),
    responses((status = 201, body = muster_api_types::Incident), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open_incident(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OpenIncident>,
) -> Result<(StatusCode, Json<muster_api_types::Incident>), ApiError> {
    let opened = state
        .app
        .open_incident_from_alert(&caller.actor, alert_id(&id)?, body.severity)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(muster_api_types::Incident::from(&opened)),
    ))
}
