//! The one-click actions of an incident's "what's next" panel and scenario
//! comparison: run, tick or retry a runbook step; preview or send an update
//! from a template; mark a scenario's action done. Each answers like every
//! incident form (`actions::respond`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_ui::view::{Flash, UpdatePreview};
use serde::Deserialize;

use super::actions::{Empty, key_for, respond};
use super::incidents::{LiveExtras, incident_page, live_fragment, load_view};
use super::session::Verified;
use super::{ConsoleError, is_htmx};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    runbook: String,
    step: String,
}

pub async fn run_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<StepForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = match form.step.trim().parse::<usize>() {
        Ok(step) => state
            .app
            .run_step(&user.principal.actor, key, &form.runbook, step)
            .await
            .map(drop),
        Err(_) => Err(AppError::invalid(
            "step",
            format!("expected a step number, got {:?}", form.step),
        )),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UpdateForm {
    template: String,
    /// `true` for the Preview button.
    preview: String,
}

pub async fn send_update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<UpdateForm>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let preview = form.preview == "true";
    let template = Some(form.template.as_str()).filter(|t| !t.trim().is_empty());
    let sent = state
        .app
        .send_update(&user.principal.actor, key, template, preview)
        .await;
    let sent = match sent {
        Ok(sent) => sent,
        Err(error) => {
            return Ok(respond(
                &state,
                &user,
                &headers,
                key,
                Err(error),
                LiveExtras::default(),
            )
            .await);
        }
    };
    let groups = if sent.sent_to.is_empty() {
        String::from("no stakeholder group wants news now")
    } else {
        format!("{} ({} messages)", sent.sent_to.join(", "), sent.messages)
    };
    let htmx = is_htmx(&headers);
    if !preview && !htmx {
        // Sent: a redirect, so that reloading the page cannot send it again.
        return Ok(Redirect::to(&format!("/incidents/{key}")).into_response());
    }
    let mut view = match load_view(&state, &user, key).await {
        Ok(view) => view,
        Err(error) => return Err(user.fail(error).for_htmx(htmx)),
    };
    let flash = if preview {
        view.whats_next.preview = Some(UpdatePreview {
            template: sent.template,
            text: sent.text,
            sent_to: format!("would go to {groups}"),
            skipped: sent.skipped,
        });
        None
    } else {
        Some(Flash::info(format!("Update sent to {groups}.")))
    };
    Ok(if htmx {
        live_fragment(
            StatusCode::OK,
            &user,
            view,
            LiveExtras {
                flash: Some(flash),
                ..LiveExtras::default()
            },
        )
    } else {
        incident_page(StatusCode::OK, &user, view, flash)
    })
}

pub async fn mark_scenario_action(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((raw, index)): Path<(String, String)>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let outcome = match index.trim().parse::<usize>() {
        Ok(index) => state
            .app
            .mark_scenario_action(&user.principal.actor, key, index)
            .await
            .map(drop),
        Err(_) => Err(AppError::invalid("moment", "no such moment")),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}
