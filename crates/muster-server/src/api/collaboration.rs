//! The people and work of an incident: timeline and notes, roles,
//! participants, tasks.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use muster_api_types::{
    AddParticipant, AssignRole, ErrorBody, Incident, NewNote, NewTask, PageQuery, Task, TaskList,
    TimelineEntry, TimelinePage, UpdateTask,
};
use muster_app::accounts::Principal;
use muster_core::{Actor, TaskId, TaskPatch, UserId};

use super::incidents::key;
use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

async fn user_id(
    state: &AppState,
    actor: &Actor,
    field: &str,
    raw: &str,
) -> Result<UserId, ApiError> {
    match state.app.find_user(actor, raw).await {
        Ok(user) => Ok(user.id),
        Err(muster_app::AppError::NotFound { .. }) => {
            Err(ApiError::invalid(field, format!("no user {raw:?}")))
        }
        Err(other) => Err(other.into()),
    }
}

/// A name lookup for timeline summaries; one query per page, not per entry.
pub(crate) async fn names(
    state: &AppState,
    principal: &Principal,
) -> Result<HashMap<UserId, String>, ApiError> {
    let users = state.app.list_users(&principal.actor).await?;
    Ok(users.into_iter().map(|u| (u.id, u.name)).collect())
}

/// The timeline, oldest first. `cursor` continues after the last entry seen.
#[utoipa::path(get, path = "/incidents/{incident}/timeline", tag = "incidents", params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"), PageQuery),
    responses((status = 200, body = TimelinePage), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<TimelinePage>, ApiError> {
    let after = page
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::invalid("cursor", format!("malformed cursor {c:?}")))
        })
        .transpose()?;
    let limit = page.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1-1000, got {limit}"),
        ));
    }
    let (_, entries) = state
        .app
        .timeline(&caller.actor, key(&incident)?, after, limit)
        .await?;
    let names = names(&state, &caller).await?;
    let name = |id: UserId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let next_cursor = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.sequence.to_string()))
        .flatten();
    Ok(Json(TimelinePage {
        entries: entries
            .iter()
            .map(|e| TimelineEntry::from_core(e, &name))
            .collect(),
        next_cursor,
    }))
}

/// Add a note to the timeline. Notes never conflict with other changes.
#[utoipa::path(post, path = "/incidents/{incident}/notes", tag = "incidents", request_body = NewNote, params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 201, body = TimelineEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<TimelineEntry>), ApiError> {
    let entry = state
        .app
        .add_note(&caller.actor, key(&incident)?, &body.text)
        .await?;
    let name = |id: UserId| {
        if id == caller.user.id {
            caller.user.name.clone()
        } else {
            id.to_string()
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(TimelineEntry::from_core(&entry, &name)),
    ))
}

/// Give a role to a user (by id or email); they become a participant.
#[utoipa::path(put, path = "/incidents/{incident}/roles/{role}", tag = "incidents", request_body = AssignRole,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"), ("role" = String, Path)),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign_role(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, role)): Path<(String, String)>,
    ApiJson(body): ApiJson<AssignRole>,
) -> Result<Json<Incident>, ApiError> {
    let user = user_id(&state, &caller.actor, "user", &body.user).await?;
    let incident = state
        .app
        .assign_role(&caller.actor, key(&incident)?, &role, user)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// Leave a role empty.
#[utoipa::path(delete, path = "/incidents/{incident}/roles/{role}", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"), ("role" = String, Path)),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody)))]
pub async fn unassign_role(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, role)): Path<(String, String)>,
) -> Result<Json<Incident>, ApiError> {
    let incident = state
        .app
        .unassign_role(&caller.actor, key(&incident)?, &role)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// Add a participant.
#[utoipa::path(post, path = "/incidents/{incident}/participants", tag = "incidents", request_body = AddParticipant,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_participant(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<AddParticipant>,
) -> Result<Json<Incident>, ApiError> {
    let user = user_id(&state, &caller.actor, "user", &body.user).await?;
    let incident = state
        .app
        .add_participant(&caller.actor, key(&incident)?, user)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// Remove a participant who holds no role.
#[utoipa::path(delete, path = "/incidents/{incident}/participants/{user}", tag = "incidents",
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"), ("user" = String, Path, description = "user id or email")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_participant(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, user)): Path<(String, String)>,
) -> Result<Json<Incident>, ApiError> {
    let user = user_id(&state, &caller.actor, "user", &user).await?;
    let incident = state
        .app
        .remove_participant(&caller.actor, key(&incident)?, user)
        .await?;
    Ok(Json(Incident::from(&incident)))
}

/// The incident's tasks in the order they were added.
#[utoipa::path(get, path = "/incidents/{incident}/tasks", tag = "incidents", params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 200, body = TaskList), (status = 404, body = ErrorBody)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
) -> Result<Json<TaskList>, ApiError> {
    let (_, tasks) = state.app.list_tasks(&caller.actor, key(&incident)?).await?;
    Ok(Json(TaskList {
        tasks: tasks.iter().map(Task::from).collect(),
    }))
}

/// Add a task (a checklist item), optionally assigned.
#[utoipa::path(post, path = "/incidents/{incident}/tasks", tag = "incidents", request_body = NewTask, params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1")),
    responses((status = 201, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_task(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(incident): Path<String>,
    ApiJson(body): ApiJson<NewTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let assignee = match body.assignee.as_deref().filter(|a| !a.is_empty()) {
        Some(raw) => Some(user_id(&state, &caller.actor, "assignee", raw).await?),
        None => None,
    };
    let input = muster_core::NewTask {
        title: body.title,
        assignee,
    };
    let task = state
        .app
        .add_task(&caller.actor, key(&incident)?, input)
        .await?;
    Ok((StatusCode::CREATED, Json(Task::from(&task))))
}

/// Rename, (un)assign, complete or reopen a task.
#[utoipa::path(patch, path = "/incidents/{incident}/tasks/{task}", tag = "incidents", request_body = UpdateTask,
    params(("incident" = String, Path, description = "INC-42, 42 or the incident's UUID", example = "INC-1"), ("task" = String, Path)),
    responses((status = 200, body = Task), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_task(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((incident, task)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateTask>,
) -> Result<Json<Task>, ApiError> {
    let task: TaskId = task.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("task {task} not found"),
        )
    })?;
    let assignee = match body.assignee {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) => Some(Some(
            user_id(&state, &caller.actor, "assignee", &raw).await?,
        )),
    };
    let patch = TaskPatch {
        title: body.title,
        assignee,
        done: body.done,
    };
    let task = state
        .app
        .update_task(&caller.actor, key(&incident)?, task, body.version, patch)
        .await?;
    Ok(Json(Task::from(&task)))
}
