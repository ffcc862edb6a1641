//! The catalog's pages: the overview, a team, a service (with its blast
//! radius and neighbourhood graph), a functionality; each with who is on
//! call for it and the form that pages them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use muster_core::catalog::changes::EntryKind;
use muster_ui::pages::{CatalogPage, FunctionalityPage, ServicePage, TeamPage};
use muster_ui::present;

use super::oncall::{Attempt, panel};
use super::{load, not_found, path_slug};
use crate::console::session::ConsoleUser;
use crate::console::{ConsoleError, render};
use crate::state::AppState;

pub async fn overview(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    let catalog = load(&state, &user).await?;
    Ok(render(
        StatusCode::OK,
        &CatalogPage {
            chrome: user.chrome(),
            flash: None,
            catalog: present::catalog_overview(&catalog),
        },
    ))
}

pub async fn team(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    show_team(&state, &user, &raw, Attempt::fresh()).await
}

pub async fn service(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    show_service(&state, &user, &raw, Attempt::fresh()).await
}

pub async fn functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    show_functionality(&state, &user, &raw, Attempt::fresh()).await
}

pub(super) async fn show_team(
    state: &AppState,
    user: &ConsoleUser,
    raw: &str,
    mut attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Team, raw).map_err(|e| user.fail(e))?;
    let catalog = load(state, user).await?;
    let team = present::team_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Team, &slug)))?;
    let paging = panel(state, user, &catalog, EntryKind::Team, &slug, &mut attempt).await;
    Ok(render(
        attempt.status,
        &TeamPage {
            chrome: user.chrome(),
            flash: attempt.flash,
            team,
            paging,
        },
    ))
}

pub(super) async fn show_service(
    state: &AppState,
    user: &ConsoleUser,
    raw: &str,
    mut attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Service, raw).map_err(|e| user.fail(e))?;
    let catalog = load(state, user).await?;
    let service = present::service_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Service, &slug)))?;
    let paging = panel(
        state,
        user,
        &catalog,
        EntryKind::Service,
        &slug,
        &mut attempt,
    )
    .await;
    Ok(render(
        attempt.status,
        &ServicePage {
            chrome: user.chrome(),
            flash: attempt.flash,
            service,
            paging,
        },
    ))
}

pub(super) async fn show_functionality(
    state: &AppState,
    user: &ConsoleUser,
    raw: &str,
    mut attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(EntryKind::Functionality, raw).map_err(|e| user.fail(e))?;
    let catalog = load(state, user).await?;
    let functionality = present::functionality_view(&catalog, &slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Functionality, &slug)))?;
    let paging = panel(
        state,
        user,
        &catalog,
        EntryKind::Functionality,
        &slug,
        &mut attempt,
    )
    .await;
    Ok(render(
        attempt.status,
        &FunctionalityPage {
            chrome: user.chrome(),
            flash: attempt.flash,
            functionality,
            paging,
        },
    ))
}
