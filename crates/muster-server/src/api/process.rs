//! The process running an incident: its attached runbooks and their steps
//! (attach one by hand, run or tick or retry a step), the "what's next"
//! panel, and stakeholder updates sent from a template.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use muster_api_types::runbooks::{AttachRunbook, AttachedRunbook, IncidentRunbooks, StepRunState};
use muster_api_types::scenarios::{ExpectedMoment, ScenarioComparison};
use muster_api_types::updates::{SendUpdate, UpdateSent};
use muster_api_types::whats_next::{
    Cadence, FailedStep, OpenTask, StepItem, TeamTasks, UpcomingUpdate, WhatsNext,
};
use muster_api_types::{ErrorBody, Incident};
use muster_app::whats_next::IncidentWhatsNext;

use super::incidents::key;
use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

/// The runbooks attached to an incident and where each step stands.
#[utoipa::path(get, path = "/incidents/{incident}/runbooks", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = IncidentRunbooks), (status = 404, body = ErrorBody)))]
pub async fn incident_runbooks(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<IncidentRunbooks>, ApiError> {
    let found = state
        .app
        .incident_runbooks(&caller.actor, key(&incident)?)
        .await?;
    Ok(Json(IncidentRunbooks {
        incident: found.incident.number.to_string(),
        runbooks: found
            .attached
            .iter()
            .zip(&found.agendas)
            .map(|(attached, agenda)| AttachedRunbook::from_core(attached, agenda))
            .collect(),
    }))
}

/// Attach a runbook of the plan by hand, whatever its conditions say; its
/// steps run from now.
#[utoipa::path(post, path = "/incidents/{incident}/runbooks", tag = "incidents", request_body = AttachRunbook,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn attach_runbook(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<AttachRunbook>,
) -> Result<Json<Incident>, ApiError> {
    let incident = state
        .app
        .attach_runbook(&caller.actor, key(&incident)?, &body.runbook)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// Act on step `step` (from 1) of an attached runbook: tick a manual step
/// off, retry a failed one, or run one that is not due yet now. A step
/// done, or one in flight, is refused with `step_not_runnable`.
#[utoipa::path(post, path = "/incidents/{incident}/runbooks/{runbook}/steps/{step}/run", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"),
           ("runbook" = String, Path), ("step" = String, Path, description = "From 1")),
    responses((status = 200, body = StepRunState), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn run_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, runbook, step)): Path<(String, String, String)>,
) -> Result<Json<StepRunState>, ApiError> {
    let step: usize = step.trim().parse().map_err(|_| {
        ApiError::invalid(
            "step",
            format!("expected a step number from 1, got {step:?}"),
        )
    })?;
    let run = state
        .app
        .run_step(&caller.actor, key(&incident)?, &runbook, step)
        .await?;
    Ok(Json(StepRunState::from(&run)))
}

/// What the responders should do next: due, overdue, failed and manual
/// steps, empty roles, open tasks per team, the next stakeholder update and
/// the update cadence.
#[utoipa::path(get, path = "/incidents/{incident}/whats-next", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = WhatsNext), (status = 404, body = ErrorBody)))]
pub async fn whats_next(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<WhatsNext>, ApiError> {
    let found = state.app.whats_next(&caller.actor, key(&incident)?).await?;
    Ok(Json(panel(&found)))
}

/// Send an update from a template to the stakeholder groups whose policy
/// wants news now (or only preview it), and keep it on the timeline. An
/// update nobody would receive is refused.
#[utoipa::path(post, path = "/incidents/{incident}/updates", tag = "incidents", request_body = SendUpdate,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = UpdateSent), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`no_recipients`: no stakeholder group would get it now")))]
pub async fn send_update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<SendUpdate>,
) -> Result<Json<UpdateSent>, ApiError> {
    let sent = state
        .app
        .send_update(
            &caller.actor,
            key(&incident)?,
            body.template.as_deref(),
            body.preview,
        )
        .await?;
    Ok(Json(UpdateSent {
        template: sent.template,
        text: sent.text,
        preview: sent.preview,
        sent_to: sent.sent_to,
        skipped: sent.skipped,
        messages: sent.messages,
    }))
}

/// The expected timeline of the scenario the incident was started from,
/// against what happened: each moment on time, late, missing or pending.
#[utoipa::path(get, path = "/incidents/{incident}/scenario", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = ScenarioComparison), (status = 404, body = ErrorBody)))]
pub async fn scenario(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<ScenarioComparison>, ApiError> {
    let found = state
        .app
        .scenario_comparison(&caller.actor, key(&incident)?)
        .await?
        .ok_or_else(|| muster_app::AppError::not_found("scenario of incident", &incident))?;
    Ok(Json(comparison(&found)))
}

/// Mark an action of the scenario's expected timeline done, now.
#[utoipa::path(post, path = "/incidents/{incident}/scenario/moments/{index}/done", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"),
           ("index" = String, Path, description = "The moment's position, from 0")),
    responses((status = 200, body = ScenarioComparison), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn mark_scenario_action(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, index)): Path<(String, String)>,
) -> Result<Json<ScenarioComparison>, ApiError> {
    let index: usize = index.trim().parse().map_err(|_| {
        ApiError::invalid(
            "moment",
            format!("expected a moment number from 0, got {index:?}"),
        )
    })?;
    let found = state
        .app
        .mark_scenario_action(&caller.actor, key(&incident)?, index)
        .await?;
    Ok(Json(comparison(&found)))
}

pub(crate) fn comparison(found: &muster_app::scenarios::ScenarioComparison) -> ScenarioComparison {
    ScenarioComparison {
        incident: found.incident.number.to_string(),
        scenario: found.scenario.name().to_owned(),
        description: found.scenario.description().to_owned(),
        zero: found.zero,
        moments: found
            .moments
            .iter()
            .map(ExpectedMoment::from_core)
            .collect(),
        action_items: found.scenario.action_items().to_vec(),
    }
}

/// The panel as the API and the console show it.
pub(crate) fn panel(found: &IncidentWhatsNext) -> WhatsNext {
    let panel = &found.panel;
    WhatsNext {
        incident: found.incident.number.to_string(),
        due_steps: panel.due_steps.iter().map(StepItem::from_core).collect(),
        overdue_steps: panel
            .overdue_steps
            .iter()
            .map(StepItem::from_core)
            .collect(),
        awaiting_people: panel
            .awaiting_people
            .iter()
            .map(StepItem::from_core)
            .collect(),
        failed_steps: panel
            .failed_steps
            .iter()
            .map(FailedStep::from_core)
            .collect(),
        next_step_at: panel.next_step_at,
        empty_roles: panel.empty_roles.iter().map(ToString::to_string).collect(),
        tasks: tasks_by_team(&found.tasks),
        next_stakeholder_update: panel
            .next_stakeholder_update
            .as_ref()
            .map(|u| UpcomingUpdate {
                group: u.group.clone(),
                due_at: u.due_at,
                due_now: u.due_now,
                digest: u.digest,
            }),
        cadence: found
            .cadence
            .as_ref()
            .zip(panel.cadence.as_ref())
            .map(|(cadence, state)| Cadence::from_core(cadence, state)),
    }
}

/// Tasks a runbook gave a team are titled `[team] …`: one checklist per
/// team, the others last. Teams with nothing open are left out.
fn tasks_by_team(tasks: &[muster_core::Task]) -> Vec<TeamTasks> {
    let mut teams: BTreeMap<Option<String>, TeamTasks> = BTreeMap::new();
    for task in tasks {
        let team = task.team().0.map(str::to_owned);
        let entry = teams.entry(team.clone()).or_insert_with(|| TeamTasks {
            team,
            open: Vec::new(),
            done: 0,
        });
        if task.is_done() {
            entry.done += 1;
        } else {
            entry.open.push(OpenTask {
                id: task.id.as_uuid(),
                title: task.title.clone(),
                assignee: task.assignee.map(|a| a.as_uuid()),
            });
        }
    }
    let (mut named, rest): (Vec<TeamTasks>, Vec<TeamTasks>) = teams
        .into_values()
        .filter(|t| !t.open.is_empty())
        .partition(|t| t.team.is_some());
    named.extend(rest);
    named
}
