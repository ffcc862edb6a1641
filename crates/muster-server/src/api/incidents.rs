//! Incidents: list, declare, show, update, and the milestone actions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use jiff::Timestamp;
use muster_api_types::{
    DeclareIncident, EditMilestone, ErrorBody, Incident, IncidentList, IncidentQuery,
    MilestoneAction, UpdateIncident,
};
use muster_app::incidents::IncidentKey;
use muster_core::{IncidentPatch, IncidentStatus, Milestone, NewIncident};
use muster_store::IncidentFilter;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller, list_of, parse_list};
use crate::state::AppState;

pub(super) fn key(raw: &str) -> Result<IncidentKey, ApiError> {
    raw.parse::<IncidentKey>().map_err(ApiError::from)
}

fn instant(field: &str, raw: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    raw.filter(|r| !r.is_empty())
        .map(|r| {
            r.parse::<Timestamp>().map_err(|_| {
                ApiError::invalid(
                    field,
                    format!("expected an RFC 3339 instant like 2026-01-31T09:00:00Z, got {r:?}"),
                )
            })
        })
        .transpose()
}

/// Turns the query string into a filter, naming the parameter at fault.
pub fn filter_from_query(query: &IncidentQuery) -> Result<IncidentFilter, ApiError> {
    let statuses = parse_list::<IncidentStatus>("status", query.status.as_deref())?;
    let before_number = query
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<u64>()
                .map_err(|_| ApiError::invalid("cursor", format!("malformed cursor {c:?}")))
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1-200, got {limit}"),
        ));
    }
    Ok(IncidentFilter {
        statuses,
        severities: list_of(query.severity.as_deref()),
        drill: query.drill,
        tag: query.tag.clone().filter(|t| !t.is_empty()),
        declared_after: instant("declared_after", query.declared_after.as_deref())?,
        declared_before: instant("declared_before", query.declared_before.as_deref())?,
        visible_to: None,
        before_number,
        limit,
    })
}

/// List incidents, newest first.
#[utoipa::path(get, path = "/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = IncidentList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<IncidentQuery>,
) -> Result<Json<IncidentList>, ApiError> {
    let filter = filter_from_query(&query)?;
    let page = state.app.list_incidents(&caller.actor, filter).await?;
    let next_cursor = page
        .has_more
        .then(|| page.incidents.last().map(|i| i.number.0.to_string()))
        .flatten();
    Ok(Json(IncidentList {
        incidents: page.incidents.iter().map(Incident::from).collect(),
        next_cursor,
    }))
}

/// Declare an incident. Only a title is required.
#[utoipa::path(post, path = "/incidents", tag = "incidents", request_body = DeclareIncident,
    responses((status = 201, body = Incident), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<DeclareIncident>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    let input = NewIncident {
        title: body.title,
        severity: body.severity,
        description: body.description,
        impact: body.impact,
        tags: body.tags,
        drill: body.drill,
        private: body.private,
        started_at: body.started_at,
        detected_at: body.detected_at,
        affected: Default::default(),
    };
    let incident = state
        .app
        .declare_incident_from(
            &caller.actor,
            input,
            &body.services,
            &body.functionalities,
            body.scenario.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Incident::from(&incident))))
}

/// One incident.
#[utoipa::path(get, path = "/incidents/{incident}", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<Incident>, ApiError> {
    let incident = state
        .app
        .get_incident(&caller.actor, key(&incident)?)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// Change fields. `version` must be the version you read; otherwise 409.
#[utoipa::path(patch, path = "/incidents/{incident}", tag = "incidents", request_body = UpdateIncident,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<UpdateIncident>,
) -> Result<Json<Incident>, ApiError> {
    let patch = IncidentPatch {
        title: body.title,
        description: body.description,
        impact: body.impact,
        severity: body.severity,
        tags: body.tags,
        private: body.private,
        drill: body.drill,
    };
    let incident = state
        .app
        .update_incident(&caller.actor, key(&incident)?, Some(body.version), patch)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

async fn reach(
    state: AppState,
    caller: Caller,
    incident: String,
    body: MilestoneAction,
    milestone: Milestone,
) -> Result<Json<Incident>, ApiError> {
    let incident = state
        .app
        .reach_milestone(
            &caller.0.actor,
            key(&incident)?,
            body.version,
            milestone,
            body.at,
        )
        .await?;
    Ok(Json(Incident::from(&incident)))
}

macro_rules! milestone_action {
    ($name:ident, $path:literal, $milestone:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "incidents", request_body(content = Option<MilestoneAction>),
            params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
            responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            Path(incident): Path<String>,
            ApiJson(body): ApiJson<MilestoneAction>,
        ) -> Result<Json<Incident>, ApiError> {
            reach(state, caller, incident, body, $milestone).await
        }
    };
}

milestone_action!(
    acknowledge,
    "/incidents/{incident}/acknowledge",
    Milestone::Acknowledged,
    "Acknowledge: a responder has taken it on."
);
milestone_action!(
    mitigate,
    "/incidents/{incident}/mitigate",
    Milestone::Mitigated,
    "Mitigate: customer impact has stopped."
);
milestone_action!(
    resolve,
    "/incidents/{incident}/resolve",
    Milestone::Resolved,
    "Resolve: the cause is fixed."
);
milestone_action!(
    close,
    "/incidents/{incident}/close",
    Milestone::Closed,
    "Close: follow-up is done; the incident is archived."
);

/// Correct (or clear, with `"at": null`) a milestone's instant after the fact.
#[utoipa::path(put, path = "/incidents/{incident}/milestones/{milestone}", tag = "incidents", request_body = EditMilestone,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"),
           ("milestone" = String, Path, description = "started, detected, acknowledged, mitigated, resolved or closed")),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn edit_milestone(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, milestone)): Path<(String, String)>,
    ApiJson(body): ApiJson<EditMilestone>,
) -> Result<Json<Incident>, ApiError> {
    let milestone = milestone
        .parse::<Milestone>()
        .map_err(|m| ApiError::invalid("milestone", m))?;
    let incident = state
        .app
        .edit_milestone(
            &caller.actor,
            key(&incident)?,
            body.version,
            milestone,
            body.at,
        )
        .await?;
    Ok(Json(Incident::from(&incident)))
}
