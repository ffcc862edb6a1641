//! "On call now" and "Page this team" on team, service and functionality
//! pages: who the team's escalation policy reaches now, the policy's steps,
//! and the form that pages the team (a service's or functionality's page
//! pages its owner team through the same policy).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::oncall::OnCallScope;
use muster_app::paging::PageRequest;
use muster_core::Slug;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::EntryKind;
use muster_core::paging::PageTarget;
use muster_ui::pages::PagingPanel;
use muster_ui::present::{self, OnCallInput};
use muster_ui::view::{FieldMessage, Flash, PageForm};
use serde::Deserialize;

use super::pages::{show_functionality, show_service, show_team};
use super::{collection, path_slug};
use crate::console::ConsoleError;
use crate::console::describe;
use crate::console::oncall::field_messages;
use crate::console::session::{ConsoleUser, Verified};
use crate::state::AppState;

/// How a catalog page is shown: fresh, or with a refused page form.
pub(super) struct Attempt {
    pub status: StatusCode,
    pub flash: Option<Flash>,
    pub form: Option<PageForm>,
    pub errors: Vec<FieldMessage>,
}

impl Attempt {
    pub(super) fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            form: None,
            errors: Vec::new(),
        }
    }
}

/// The team that answers for an entry: itself, or its owner.
fn answering_team(catalog: &Catalog, kind: EntryKind, slug: &Slug) -> Option<Slug> {
    match kind {
        EntryKind::Team => Some(slug.clone()),
        EntryKind::Service => catalog.service(slug)?.owner_team.clone(),
        EntryKind::Functionality => catalog.functionality(slug)?.owner_team.clone(),
    }
}

fn scope_of(kind: EntryKind, slug: &Slug) -> OnCallScope {
    match kind {
        EntryKind::Team => OnCallScope::Team(slug.clone()),
        EntryKind::Service => OnCallScope::Service(slug.clone()),
        EntryKind::Functionality => OnCallScope::Functionality(slug.clone()),
    }
}

/// The panel of an entry's page. It only informs, so a failed read becomes
/// its note rather than failing the page.
pub(super) async fn panel(
    state: &AppState,
    user: &ConsoleUser,
    catalog: &Catalog,
    kind: EntryKind,
    slug: &Slug,
    attempt: &mut Attempt,
) -> PagingPanel {
    let actor = &user.principal.actor;
    let team = answering_team(catalog, kind, slug);
    let users = state.app.list_users(actor).await.unwrap_or_default();
    let (entries, mut note) = match &team {
        None => (
            Vec::new(),
            String::from("No owner team, so nobody can be paged for it."),
        ),
        Some(_) => match state
            .app
            .who_is_on_call(actor, scope_of(kind, slug), state.app.now())
            .await
        {
            Ok(entries) => (entries, String::new()),
            Err(error) => (Vec::new(), describe(error).1),
        },
    };
    let policy_name = team
        .as_ref()
        .and_then(|t| catalog.team(t))
        .and_then(|t| t.escalation_policy.clone());
    let policy = match &policy_name {
        Some(name) => {
            let found = state
                .app
                .escalation_policies(actor)
                .await
                .unwrap_or_default()
                .into_iter()
                .find(|p| p.name == name.as_str());
            if found.is_none() && note.is_empty() {
                note = format!("The escalation policy {name} is not in the plan.");
            }
            found
        }
        None => None,
    };
    let inputs: Vec<OnCallInput> = entries
        .into_iter()
        .map(|e| OnCallInput {
            level: e.level,
            schedule: e.schedule,
            email: e.email,
            until: e.until,
        })
        .collect();
    let team_ref = team.as_ref().map(|t| present::team_ref(catalog, t));
    let heading = match (kind, &team_ref) {
        (EntryKind::Team, _) => String::from("Page this team"),
        (_, Some(t)) => format!("Page {} (the owner team)", t.name),
        (_, None) => String::from("Page the owner team"),
    };
    let action = format!("/{}/{slug}/page", collection(kind));
    PagingPanel {
        oncall: present::on_call_card(team_ref, &inputs, policy.as_ref(), &users, &note),
        heading,
        form: attempt
            .form
            .take()
            .unwrap_or_else(|| present::page_form(action)),
        errors: std::mem::take(&mut attempt.errors),
    }
}

/// The page form's fields, as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageInput {
    summary: String,
    details: String,
    /// The checkbox: present when ticked.
    drill: Option<String>,
}

async fn raise(
    state: AppState,
    user: ConsoleUser,
    kind: EntryKind,
    raw: String,
    input: PageInput,
) -> Result<Response, ConsoleError> {
    let slug = path_slug(kind, &raw).map_err(|e| user.fail(e))?;
    let target = match kind {
        EntryKind::Team => PageTarget::Team(slug.clone()),
        EntryKind::Service => PageTarget::Service(slug.clone()),
        EntryKind::Functionality => PageTarget::Functionality(slug.clone()),
    };
    let request = PageRequest {
        target,
        summary: input.summary.clone(),
        details: input.details.clone(),
        incident: None,
        drill: input.drill.is_some(),
    };
    let refused = |status, flash: &str, errors| Attempt {
        status,
        flash: Some(Flash::error(flash)),
        form: Some(PageForm {
            action: format!("/{}/{slug}/page", collection(kind)),
            summary: input.summary.clone(),
            details: input.details.clone(),
            drill: input.drill.is_some(),
            teams: Vec::new(),
        }),
        errors,
    };
    let attempt = match state.app.page(&user.principal.actor, request).await {
        Ok(page) => return Ok(Redirect::to(&present::page_href(&page)).into_response()),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            return Err(user.fail(error));
        }
        Err(AppError::Invalid(fields)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Nobody was paged: please fix the fields marked below.",
            field_messages(fields),
        ),
        Err(error) => {
            let (status, message) = describe(error);
            refused(status, &format!("Nobody was paged. {message}"), Vec::new())
        }
    };
    match kind {
        EntryKind::Team => show_team(&state, &user, &raw, attempt).await,
        EntryKind::Service => show_service(&state, &user, &raw, attempt).await,
        EntryKind::Functionality => show_functionality(&state, &user, &raw, attempt).await,
    }
}

pub async fn page_team(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<PageInput>,
) -> Result<Response, ConsoleError> {
    raise(state, user, EntryKind::Team, raw, input).await
}

pub async fn page_service(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<PageInput>,
) -> Result<Response, ConsoleError> {
    raise(state, user, EntryKind::Service, raw, input).await
}

pub async fn page_functionality(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<PageInput>,
) -> Result<Response, ConsoleError> {
    raise(state, user, EntryKind::Functionality, raw, input).await
}
