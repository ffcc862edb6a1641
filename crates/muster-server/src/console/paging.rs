//! Pages: the list, one page with its whole history and deliveries (live),
//! acknowledging and resolving from the console, and paging a team for an
//! incident from the incident's page.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::paging::{PageDetail, PageKey, PageRequest};
use muster_core::paging::{PageStatus, PageTarget, Via};
use muster_core::{PageNumber, Permission, Slug};
use muster_store::PageFilter;
use muster_ui::pages::{PageDetailPage, PageLive, PagesPage};
use muster_ui::present::{self, AttemptRecord, PageDetailInputs};
use muster_ui::view::{Flash, PageDetailView};
use serde::Deserialize;

use super::actions::{Empty, respond};
use super::incidents::{LiveExtras, key as incident_key};
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, ConsoleQuery, describe, encode_query_value, is_htmx, render};
use crate::state::AppState;

const PAGE_SIZE: u32 = 25;

/// `P-12`, `12` or a UUID; anything else names no page.
fn page_key(raw: &str) -> Result<PageKey, ConsoleError> {
    raw.parse::<PageKey>()
        .map_err(|_| ConsoleError::not_found(&format!("Page {raw:?}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    cursor: String,
}

fn list_href(status: &str, cursor: Option<u64>) -> String {
    let mut pairs = Vec::new();
    if !status.is_empty() {
        pairs.push(format!("status={}", encode_query_value(status)));
    }
    if let Some(cursor) = cursor {
        pairs.push(format!("cursor={cursor}"));
    }
    if pairs.is_empty() {
        String::from("/pages")
    } else {
        format!("/pages?{}", pairs.join("&"))
    }
}

fn filter_of(query: &ListQuery) -> Result<PageFilter, AppError> {
    let statuses = match query.status.as_str() {
        "" => Vec::new(),
        raw => vec![
            raw.parse::<PageStatus>()
                .map_err(|m| AppError::invalid("status", m))?,
        ],
    };
    let before_number = match query.cursor.as_str() {
        "" => None,
        raw => Some(PageNumber(raw.parse::<u64>().map_err(|_| {
            AppError::invalid("cursor", format!("malformed cursor {raw:?}"))
        })?)),
    };
    Ok(PageFilter {
        statuses,
        before_number,
        // One more, to tell whether older pages follow.
        limit: PAGE_SIZE + 1,
        ..PageFilter::default()
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<ListQuery>,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let result = match filter_of(&query) {
        Ok(filter) => state.app.list_pages(actor, filter).await,
        Err(error) => Err(error),
    };
    let (status, flash, mut pages) = match result {
        Ok(pages) => (StatusCode::OK, None, pages),
        Err(error @ AppError::Invalid(_)) => {
            let (status, message) = describe(error);
            (status, Some(Flash::error(message)), Vec::new())
        }
        Err(error) => return Err(user.fail(error)),
    };
    let more = pages.len() > PAGE_SIZE as usize;
    pages.truncate(PAGE_SIZE as usize);
    let older_href = more
        .then(|| {
            pages
                .last()
                .map(|p| list_href(&query.status, Some(p.number.0)))
        })
        .flatten();
    let users = state.app.list_users(actor).await.unwrap_or_default();
    Ok(render(
        status,
        &PagesPage {
            chrome: user.chrome(),
            flash,
            filters: present::page_filters(&query.status),
            rows: present::page_rows(&pages, &users),
            older_href,
            newest_href: (!query.cursor.is_empty()).then(|| list_href(&query.status, None)),
        },
    ))
}

fn detail_view(user: &ConsoleUser, detail: &PageDetail) -> PageDetailView {
    let attempts: Vec<AttemptRecord> = detail
        .attempts
        .iter()
        .map(|a| AttemptRecord {
            delivery: a.delivery,
            attempt: a.attempt,
            at: a.at,
            outcome: a.outcome.clone(),
            error: a.error.clone(),
        })
        .collect();
    present::page_detail_view(PageDetailInputs {
        page: &detail.page,
        events: &detail.events,
        deliveries: &detail.deliveries,
        attempts: &attempts,
        users: &detail.users,
        can_write: user.principal.actor.can(Permission::WriteIncidents),
    })
}

async fn detail_page(
    state: &AppState,
    user: &ConsoleUser,
    key: PageKey,
    status: StatusCode,
    flash: Option<Flash>,
) -> Result<Response, ConsoleError> {
    let detail = state
        .app
        .page_detail(&user.principal.actor, key)
        .await
        .map_err(|e| user.fail(e))?;
    Ok(render(
        status,
        &PageDetailPage {
            chrome: user.chrome(),
            flash,
            page: detail_view(user, &detail),
        },
    ))
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let key = page_key(&raw).map_err(|e| user.fail(e))?;
    detail_page(&state, &user, key, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveQuery {
    /// The fingerprint of what the browser shows.
    seen: String,
}

/// The live part of a page's page: 204 when nothing shown has changed.
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: ConsoleUser,
    Path(raw): Path<String>,
    ConsoleQuery(query): ConsoleQuery<LiveQuery>,
) -> Result<Response, ConsoleError> {
    let htmx = is_htmx(&headers);
    let key = page_key(&raw).map_err(|e| user.fail(e).for_htmx(htmx))?;
    let detail = state
        .app
        .page_detail(&user.principal.actor, key)
        .await
        .map_err(|e| user.fail(e).for_htmx(htmx))?;
    let view = detail_view(&user, &detail);
    if view.fingerprint == query.seen {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(render(
        StatusCode::OK,
        &PageLive {
            chrome: user.chrome(),
            page: view,
        },
    ))
}

/// Acknowledges or resolves, then back to the page; a page already past
/// that point says so on top instead.
async fn act(
    state: AppState,
    user: ConsoleUser,
    raw: String,
    resolve: bool,
) -> Result<Response, ConsoleError> {
    let key = page_key(&raw).map_err(|e| user.fail(e))?;
    let actor = &user.principal.actor;
    let outcome = if resolve {
        state.app.resolve_page(actor, key, Via::Console).await
    } else {
        state.app.acknowledge_page(actor, key, Via::Console).await
    };
    match outcome {
        Ok(page) => Ok(Redirect::to(&present::page_href(&page)).into_response()),
        Err(error @ AppError::Conflict { .. }) => {
            let (status, message) = describe(error);
            detail_page(&state, &user, key, status, Some(Flash::error(message))).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    act(state, user, raw, false).await
}

pub async fn resolve(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    act(state, user, raw, true).await
}

/// "Page a team" on an incident's page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IncidentPageInput {
    team: String,
    summary: String,
    details: String,
}

/// Pages a team for the incident; the incident page shows the new page in
/// its "Pages" card (or the reason nobody was paged on top).
pub async fn page_for_incident(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Verified(user, input): Verified<IncidentPageInput>,
) -> Result<Response, ConsoleError> {
    let key = incident_key(&raw).map_err(|e| user.fail(e).for_htmx(is_htmx(&headers)))?;
    let outcome = match Slug::parse("team", input.team.trim()) {
        Ok(team) => state
            .app
            .page(
                &user.principal.actor,
                PageRequest {
                    target: PageTarget::Team(team),
                    summary: input.summary,
                    details: input.details,
                    incident: Some(key),
                    // A drill incident's pages are drills: the use case carries it over.
                    drill: false,
                },
            )
            .await
            .map(drop),
        Err(_) => Err(AppError::invalid("team", "choose a team to page")),
    };
    Ok(respond(&state, &user, &headers, key, outcome, LiveExtras::default()).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_links_keep_the_filter() {
        assert_eq!(
            list_href("triggered", Some(12)),
            "/pages?status=triggered&cursor=12"
        );
        assert_eq!(list_href("", None), "/pages");
    }
}
