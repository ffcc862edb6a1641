//! Forms on an incident's page: milestones, severity and details, roles,
//! participants, notes and tasks. Each runs one use case, then answers with
//! [`respond`]: the live fragment for htmx, a 303 back to the page without.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::incidents::IncidentKey;
use muster_core::{IncidentPatch, Milestone, NewTask, TaskId, TaskPatch, UserId};
use muster_ui::view::Flash;
use serde::Deserialize;

use super::incidents::{LiveExtras, incident_page, key, live_fragment, load_view, split_tags};
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, describe, is_htmx};
use crate::state::AppState;

/// Forms whose only field is the CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

/// Answers a submitted incident form. Success: the live fragment (htmx) or a
/// redirect to the page. Failure: the page or fragment again, showing the
/// latest state with the reason on top, so the person can retry at once.
pub(super) async fn respond(
    state: &AppState,
    user: &ConsoleUser,
    headers: &HeaderMap,
    key: IncidentKey,
    outcome: Result<(), AppError>,
    on_success: LiveExtras,
) -> Response {
    let htmx = is_htmx(headers);
    let (status, extras) = match outcome {
        Ok(()) if !htmx => return Redirect::to(&format!("/incidents/{key}")).into_response(),
        Ok(()) => (
            StatusCode::OK,
            LiveExtras {
                flash: Some(None),
                ..on_success
            },
        ),
        Err(error @ AppError::Unauthenticated(_)) => {
            return ConsoleError::from(error).for_htmx(htmx).into_response();
        }
        Err(error) => {
            let (status, message) = describe(error);
            let extras = LiveExtras {
                flash: Some(Some(Flash::error(message))),
                ..LiveExtras::default()
            };
            (status, extras)
        }
    };
    match load_view(state, user, key).await {
        Ok(view) if htmx => live_fragment(status, user, view, extras),
        Ok(view) => incident_page(status, user, view, extras.flash.flatten()),
        Err(error) => user.fail(error).for_htmx(htmx).into_response(),
    }
}

/// Parses the incident in the path, as a page or flash message when unknown.
pub(super) fn key_for(
    raw: &str,
    user: &ConsoleUser,
    headers: &HeaderMap,
) -> Result<IncidentKey, ConsoleError> {
    key(raw).map_err(|e| user.fail(e).for_htmx(is_htmx(headers)))
}

fn user_id(raw: &str) -> Result<UserId, AppError> {
    raw.parse::<UserId>()
        .map_err(|_| AppError::invalid("user", "choose someone from the list"))
}

async fn reach(
    state: AppState,
    headers: HeaderMap,
    raw: String,
    user: ConsoleUser,
    milestone: Milestone,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    // No expected version: "resolve" names an outcome, not an edit of what
    // the person saw, so a concurrent change elsewhere must not block it.
    let outcome = state
        .app
        .reach_milestone(&user.principal.actor, key, None, milestone, None)
        .await
        .map(drop);
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

macro_rules! milestone_action {
    ($name:ident, $milestone:expr) => {
        pub async fn $name(
            State(state): State<AppState>,
            headers: HeaderMap,
            Path(raw): Path<String>,
            Verified(user, _): Verified<Empty>,
        ) -> Result<Response, ConsoleError> {
            reach(state, headers, raw, user, $milestone).await
        }
    };
}

milestone_action!(acknowledge, Milestone::Acknowledged);
milestone_action!(mitigate, Milestone::Mitigated);
milestone_action!(resolve, Milestone::Resolved);
milestone_action!(close, Milestone::Closed);

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeverityForm {
    /// The version the person saw; a newer one means a conflict (409).
    version: Option<u64>,
    severity: String,
}

pub async fn change_severity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<SeverityForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let patch = IncidentPatch {
        severity: Some(form.severity),
        ..IncidentPatch::default()
    };
    let outcome = state
        .app
        .update_incident(&user.principal.actor, key, form.version, patch)
        .await
        .map(drop);
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    version: Option<u64>,
    title: String,
    description: String,
    impact: String,
    tags: String,
}

pub async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<EditForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let patch = IncidentPatch {
        title: Some(form.title),
        description: Some(form.description),
        impact: Some(form.impact),
        tags: Some(split_tags(&form.tags)),
        ..IncidentPatch::default()
    };
    let outcome = state
        .app
        .update_incident(&user.principal.actor, key, form.version, patch)
        .await
        .map(drop);
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MilestoneForm {
    version: Option<u64>,
    milestone: String,
    /// `datetime-local` input in UTC (`2026-01-31T09:05` or with seconds);
    /// empty clears the milestone.
    at: String,
}

fn utc_instant(raw: &str) -> Result<Option<jiff::Timestamp>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|wall| jiff::tz::TimeZone::UTC.to_timestamp(wall).ok())
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(
                "at",
                format!("expected a date and time like 2026-01-31T09:05, got {raw:?}"),
            )
        })
}

/// Corrects one milestone's time after the fact.
pub async fn edit_milestone(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<MilestoneForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = match (form.milestone.parse::<Milestone>(), utc_instant(&form.at)) {
        (Ok(milestone), Ok(at)) => state
            .app
            .edit_milestone(&user.principal.actor, key, form.version, milestone, at)
            .await
            .map(drop),
        (Err(message), _) => Err(AppError::invalid("milestone", message)),
        (_, Err(error)) => Err(error),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    user: String,
}

pub async fn assign_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw, role)): Path<(String, String)>,
    Verified(user, form): Verified<UserForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = match user_id(&form.user) {
        Ok(assignee) => state
            .app
            .assign_role(&user.principal.actor, key, &role, assignee)
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

pub async fn unassign_role(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw, role)): Path<(String, String)>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = state
        .app
        .unassign_role(&user.principal.actor, key, &role)
        .await
        .map(drop);
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

pub async fn add_participant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<UserForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = match user_id(&form.user) {
        Ok(person) => state
            .app
            .add_participant(&user.principal.actor, key, person)
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NoteForm {
    text: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<NoteForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = state
        .app
        .add_note(&user.principal.actor, key, &form.text)
        .await
        .map(drop);
    let fresh = LiveExtras {
        fresh_note: true,
        ..LiveExtras::default()
    };
    Ok(respond(&state, &user, &headers, key, outcome, fresh).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskForm {
    title: String,
    /// Empty: nobody yet.
    assignee: String,
}

pub async fn add_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<TaskForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let assignee = match form.assignee.as_str() {
        "" => Ok(None),
        raw => user_id(raw).map(Some),
    };
    let outcome = match assignee {
        Ok(assignee) => state
            .app
            .add_task(
                &user.principal.actor,
                key,
                NewTask {
                    title: form.title,
                    assignee,
                },
            )
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    let fresh = LiveExtras {
        fresh_task: true,
        ..LiveExtras::default()
    };
    Ok(respond(&state, &user, &headers, key, outcome, fresh).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskUpdateForm {
    /// `true` or `false`; absent leaves it.
    done: Option<String>,
    /// A user id, empty to unassign; absent leaves it.
    assignee: Option<String>,
}

fn task_patch(form: TaskUpdateForm) -> Result<TaskPatch, AppError> {
    let done = match form.done.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(AppError::invalid(
                "done",
                format!("expected true or false, got {other:?}"),
            ));
        }
    };
    let assignee = match form.assignee.as_deref() {
        None => None,
        Some("") => Some(None),
        Some(raw) => Some(Some(user_id(raw)?)),
    };
    Ok(TaskPatch {
        title: None,
        assignee,
        done,
    })
}

pub async fn update_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw, task)): Path<(String, String)>,
    Verified(user, form): Verified<TaskUpdateForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let task = task.parse::<TaskId>().map_err(|_| {
        user.fail(ConsoleError::not_found("Task"))
            .for_htmx(is_htmx(&headers))
    })?;
    let outcome = match task_patch(form) {
        Ok(patch) => state
            .app
            .update_task(&user.principal.actor, key, task, None, patch)
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}
