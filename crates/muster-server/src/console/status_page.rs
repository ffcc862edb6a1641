//! The incident page's status-page card: preview an update, publish it
//! (after which the page reloads, so a reload cannot publish twice), or see
//! why a drill or private incident cannot be published.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::status_page::publish::{StatusPublication, drafts_in};
use muster_ui::present::{StatusCardInputs, status_page_card};
use muster_ui::view::{StatusPageCard, StatusPreview};

use super::ConsoleError;
use super::actions::{key_for, respond};
use super::incidents::{LiveExtras, incident_page, load_view};
use super::session::Verified;
use crate::state::AppState;

/// The card for `incident`, or `None` when the plan has no components.
pub(super) async fn status_card(
    state: &AppState,
    incident: &muster_core::Incident,
    timeline: &[muster_core::TimelineEntry],
) -> Result<Option<StatusPageCard>, AppError> {
    let projection = state.app.public_projection().await?;
    if projection.components.is_empty() {
        return Ok(None);
    }
    let public = state.app.public_incident_of(incident).await?;
    let drafts: Vec<_> = drafts_in(timeline)
        .into_iter()
        .map(|d| (d.component, d.text, d.at))
        .collect();
    let components: Vec<(String, String)> = projection
        .components
        .iter()
        .map(|c| (c.name.clone(), c.title.clone()))
        .collect();
    Ok(Some(status_page_card(StatusCardInputs {
        incident,
        public: public.as_ref(),
        drafts: &drafts,
        components: &components,
        site: state
            .app
            .settings()
            .status_page
            .public_url
            .trim_end_matches('/'),
    })))
}

pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, form): Verified<BTreeMap<String, String>>,
) -> Result<Response, ConsoleError> {
    let key = key_for(&raw, &user, &headers)?;
    let preview = form.get("preview").is_some_and(|p| p == "true");
    let components: Vec<(String, String)> = form
        .iter()
        .filter_map(|(field, status)| {
            let name = field.strip_prefix("component:")?;
            (!status.trim().is_empty()).then(|| (name.to_owned(), status.clone()))
        })
        .collect();
    let body = form.get("body").cloned().unwrap_or_default();
    let request = StatusPublication {
        status: form.get("status").cloned().unwrap_or_default(),
        body: Some(body.clone()).filter(|b| !b.trim().is_empty()),
        components,
        preview,
        ..StatusPublication::default()
    };
    let published = state
        .app
        .publish_status_update(&user.principal.actor, key, request)
        .await;
    let published = match published {
        Ok(published) => published,
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
    if !preview {
        return Ok(Redirect::to(&format!("/incidents/{key}")).into_response());
    }
    let mut view = load_view(&state, &user, key)
        .await
        .map_err(|error| user.fail(error))?;
    if let (Some(card), Some(update)) =
        (view.status_page.as_mut(), published.incident.updates.last())
    {
        card.body = update.body.clone();
        card.preview = Some(StatusPreview {
            status: update.status.as_str().to_owned(),
            body: update.body.clone(),
            impact: published.incident.impact.as_str().to_owned(),
            components: update
                .components
                .iter()
                .map(|c| format!("{} {}", c.component, c.status.label().to_lowercase()))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(incident_page(StatusCode::OK, &user, view, None))
}
