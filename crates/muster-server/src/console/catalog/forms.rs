//! Creating, editing and deleting catalog entries through forms. A refused
//! form comes back with what was typed and the reasons beside the fields.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_core::Slug;
use muster_core::catalog::changes::EntryKind;
use muster_ui::present;
use muster_ui::view::{FunctionalityForm, ServiceForm, TeamForm};

use super::form_page::{Outcome, functionality_form_page, service_form_page, team_form_page};
use super::inputs::{DeleteInput, FunctionalityInput, ServiceInput, TeamInput};
use super::parse::{parse_functionality, parse_service, parse_team};
use super::{collection, load, not_found, path_slug, require_editor};
use crate::console::ConsoleError;
use crate::console::session::{ConsoleUser, Verified};
use crate::state::AppState;

/// Refuses to create over an existing entry (editing has its own URL).
fn taken(kind: EntryKind, exists: bool, slug: &str) -> Result<(), AppError> {
    if exists {
        Err(AppError::invalid(
            "slug",
            format!(
                "a {} named {slug} already exists; edit it instead",
                kind.as_str()
            ),
        ))
    } else {
        Ok(())
    }
}

/// The slug a form edits: the path's, whatever the form says.
fn editing_slug(kind: EntryKind, raw: &str, user: &ConsoleUser) -> Result<Slug, ConsoleError> {
    path_slug(kind, raw).map_err(|e| user.fail(e))
}

fn saved(kind: EntryKind, slug: &Slug) -> Response {
    Redirect::to(&format!("/{}/{slug}", collection(kind))).into_response()
}

// ---------- teams ----------

pub async fn new_team(user: ConsoleUser) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    Ok(team_form_page(
        &user,
        None,
        TeamForm::default(),
        Outcome::fresh(),
    ))
}

pub async fn edit_team(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Team, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let team = catalog
        .team(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Team, &slug)))?;
    Ok(team_form_page(
        &user,
        Some(slug.as_str()),
        present::team_form(team),
        Outcome::fresh(),
    ))
}

async fn save_team(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: TeamInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let outcome = match parse_team(&input) {
        Ok(team) => {
            let catalog = load(state, user).await?;
            match taken(
                EntryKind::Team,
                editing.is_none() && catalog.team(&team.slug).is_some(),
                team.slug.as_str(),
            ) {
                Ok(()) => state.app.put_team(&user.principal.actor, team).await,
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    };
    match outcome {
        Ok(team) => Ok(saved(EntryKind::Team, &team.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Team, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(team_form_page(user, editing, input.echo(), outcome))
        }
    }
}

pub async fn create_team(
    State(state): State<AppState>,
    Verified(user, input): Verified<TeamInput>,
) -> Result<Response, ConsoleError> {
    save_team(&state, &user, None, input).await
}

pub async fn update_team(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<TeamInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Team, &raw, &user)?;
    save_team(&state, &user, Some(slug), input).await
}

// ---------- services ----------

pub async fn new_service(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let catalog = load(&state, &user).await?;
    let form = ServiceForm {
        tier: String::from("2"),
        lifecycle: String::from("production"),
        kind: String::from("service"),
        ..ServiceForm::default()
    };
    Ok(service_form_page(
        &user,
        &catalog,
        None,
        form,
        Outcome::fresh(),
    ))
}

pub async fn edit_service(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Service, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let service = catalog
        .service(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Service, &slug)))?;
    let form = present::service_form(service);
    Ok(service_form_page(
        &user,
        &catalog,
        Some(slug.as_str()),
        form,
        Outcome::fresh(),
    ))
}

async fn save_service(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: ServiceInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let catalog = load(state, user).await?;
    let outcome = match parse_service(&input) {
        Ok(service) => match taken(
            EntryKind::Service,
            editing.is_none() && catalog.service(&service.slug).is_some(),
            service.slug.as_str(),
        ) {
            Ok(()) => state.app.put_service(&user.principal.actor, service).await,
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match outcome {
        Ok(service) => Ok(saved(EntryKind::Service, &service.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Service, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(service_form_page(
                user,
                &catalog,
                editing,
                input.echo(),
                outcome,
            ))
        }
    }
}

pub async fn create_service(
    State(state): State<AppState>,
    Verified(user, input): Verified<ServiceInput>,
) -> Result<Response, ConsoleError> {
    save_service(&state, &user, None, input).await
}

pub async fn update_service(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<ServiceInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Service, &raw, &user)?;
    save_service(&state, &user, Some(slug), input).await
}

// ---------- functionalities ----------

pub async fn new_functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let catalog = load(&state, &user).await?;
    Ok(functionality_form_page(
        &user,
        &catalog,
        None,
        FunctionalityForm::default(),
        Outcome::fresh(),
    ))
}

pub async fn edit_functionality(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    require_editor(&user)?;
    let slug = editing_slug(EntryKind::Functionality, &raw, &user)?;
    let catalog = load(&state, &user).await?;
    let functionality = catalog
        .functionality(&slug)
        .ok_or_else(|| user.fail(not_found(EntryKind::Functionality, &slug)))?;
    let form = present::functionality_form(functionality);
    Ok(functionality_form_page(
        &user,
        &catalog,
        Some(slug.as_str()),
        form,
        Outcome::fresh(),
    ))
}

async fn save_functionality(
    state: &AppState,
    user: &ConsoleUser,
    editing: Option<Slug>,
    mut input: FunctionalityInput,
) -> Result<Response, ConsoleError> {
    if let Some(slug) = &editing {
        input.slug = slug.to_string();
    }
    let catalog = load(state, user).await?;
    let outcome = match parse_functionality(&input) {
        Ok(functionality) => match taken(
            EntryKind::Functionality,
            editing.is_none() && catalog.functionality(&functionality.slug).is_some(),
            functionality.slug.as_str(),
        ) {
            Ok(()) => {
                state
                    .app
                    .put_functionality(&user.principal.actor, functionality)
                    .await
            }
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    match outcome {
        Ok(functionality) => Ok(saved(EntryKind::Functionality, &functionality.slug)),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            Err(user.fail(error))
        }
        Err(error) => {
            let slug = input.slug.trim().to_lowercase();
            let outcome = Outcome::refused(EntryKind::Functionality, &slug, error);
            let editing = editing.as_ref().map(Slug::as_str);
            Ok(functionality_form_page(
                user,
                &catalog,
                editing,
                input.echo(),
                outcome,
            ))
        }
    }
}

pub async fn create_functionality(
    State(state): State<AppState>,
    Verified(user, input): Verified<FunctionalityInput>,
) -> Result<Response, ConsoleError> {
    save_functionality(&state, &user, None, input).await
}

pub async fn update_functionality(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<FunctionalityInput>,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(EntryKind::Functionality, &raw, &user)?;
    save_functionality(&state, &user, Some(slug), input).await
}

// ---------- deleting ----------

/// Deletes after the confirmation box was ticked; a refusal (still
/// referenced, unconfirmed) shows the edit form again with the reason.
async fn delete(
    state: &AppState,
    user: &ConsoleUser,
    kind: EntryKind,
    raw: &str,
    input: DeleteInput,
) -> Result<Response, ConsoleError> {
    let slug = editing_slug(kind, raw, user)?;
    let outcome = if input.confirm == "yes" {
        state
            .app
            .delete_catalog_entry(&user.principal.actor, kind, &slug)
            .await
    } else {
        Err(AppError::Conflict {
            code: "unconfirmed",
            message: format!(
                "Tick the confirmation box to delete {} {slug}.",
                kind.as_str()
            ),
        })
    };
    let error = match outcome {
        Ok(()) => return Ok(Redirect::to("/catalog").into_response()),
        Err(error @ (AppError::Unauthenticated(_) | AppError::Forbidden(_))) => {
            return Err(user.fail(error));
        }
        Err(error) => error,
    };
    let catalog = load(state, user).await?;
    let outcome = Outcome::refused(kind, slug.as_str(), error);
    let editing = Some(slug.as_str());
    let missing = || user.fail(not_found(kind, &slug));
    Ok(match kind {
        EntryKind::Team => {
            let team = catalog.team(&slug).ok_or_else(missing)?;
            team_form_page(user, editing, present::team_form(team), outcome)
        }
        EntryKind::Service => {
            let service = catalog.service(&slug).ok_or_else(missing)?;
            let form = present::service_form(service);
            service_form_page(user, &catalog, editing, form, outcome)
        }
        EntryKind::Functionality => {
            let functionality = catalog.functionality(&slug).ok_or_else(missing)?;
            let form = present::functionality_form(functionality);
            functionality_form_page(user, &catalog, editing, form, outcome)
        }
    })
}

pub async fn delete_team(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Team, &raw, input).await
}

pub async fn delete_service(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Service, &raw, input).await
}

pub async fn delete_functionality(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<DeleteInput>,
) -> Result<Response, ConsoleError> {
    delete(&state, &user, EntryKind::Functionality, &raw, input).await
}
