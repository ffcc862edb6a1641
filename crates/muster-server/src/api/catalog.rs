//! The catalog: teams, services, functionalities, and what breaks with what.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use muster_api_types::ErrorBody;
use muster_api_types::catalog::{
    Backing, BlastRadius, CatalogSync, CatalogSyncResult, Functionality, FunctionalityList,
    Service, ServiceList, Team, TeamList,
};
use muster_app::AppError;
use muster_app::catalog::{Sync, SyncPrune};
use muster_core::Slug;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::EntryKind;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

fn slug(raw: &str, kind: EntryKind) -> Result<Slug, ApiError> {
    // A name that could never exist is simply not found.
    Slug::parse("slug", raw).map_err(|_| ApiError::from(AppError::not_found(kind.as_str(), raw)))
}

fn invalid(fields: Vec<muster_core::FieldError>) -> ApiError {
    ApiError::from(AppError::Invalid(fields))
}

/// Every team.
#[utoipa::path(get, path = "/teams", tag = "catalog", responses((status = 200, body = TeamList)))]
pub async fn list_teams(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<TeamList>, ApiError> {
    let catalog = state.app.catalog(&caller.actor).await?;
    Ok(Json(TeamList {
        teams: catalog.teams.iter().map(Team::from).collect(),
    }))
}

/// One team.
#[utoipa::path(get, path = "/teams/{slug}", tag = "catalog", params(("slug" = String, Path, example = "payments")),
    responses((status = 200, body = Team), (status = 404, body = ErrorBody)))]
pub async fn show_team(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Team>, ApiError> {
    let slug = slug(&raw, EntryKind::Team)?;
    let catalog = state.app.catalog(&caller.actor).await?;
    let team = catalog
        .team(&slug)
        .ok_or_else(|| AppError::not_found("team", &raw))?;
    Ok(Json(Team::from(team)))
}

/// Create or replace a team.
#[utoipa::path(put, path = "/teams/{slug}", tag = "catalog", request_body = Team, params(("slug" = String, Path, example = "payments")),
    responses((status = 200, body = Team), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_team(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Team>,
) -> Result<Json<Team>, ApiError> {
    let team = body.into_core(&raw).map_err(invalid)?;
    let team = state.app.put_team(&caller.actor, team).await?;
    Ok(Json(Team::from(&team)))
}

/// Delete a team nothing refers to any more.
#[utoipa::path(delete, path = "/teams/{slug}", tag = "catalog", params(("slug" = String, Path, example = "payments")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_team(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let slug = slug(&raw, EntryKind::Team)?;
    state
        .app
        .delete_catalog_entry(&caller.actor, EntryKind::Team, &slug)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every service.
#[utoipa::path(get, path = "/services", tag = "catalog", responses((status = 200, body = ServiceList)))]
pub async fn list_services(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<ServiceList>, ApiError> {
    let catalog = state.app.catalog(&caller.actor).await?;
    Ok(Json(ServiceList {
        services: catalog.services.iter().map(Service::from).collect(),
    }))
}

/// One service.
#[utoipa::path(get, path = "/services/{slug}", tag = "catalog", params(("slug" = String, Path, example = "checkout-api")),
    responses((status = 200, body = Service), (status = 404, body = ErrorBody)))]
pub async fn show_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Service>, ApiError> {
    let slug = slug(&raw, EntryKind::Service)?;
    let catalog = state.app.catalog(&caller.actor).await?;
    let service = catalog
        .service(&slug)
        .ok_or_else(|| AppError::not_found("service", &raw))?;
    Ok(Json(Service::from(service)))
}

/// Create or replace a service, its links, rollback plan and dependencies.
#[utoipa::path(put, path = "/services/{slug}", tag = "catalog", request_body = Service, params(("slug" = String, Path, example = "checkout-api")),
    responses((status = 200, body = Service), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Service>,
) -> Result<Json<Service>, ApiError> {
    let service = body.into_core(&raw).map_err(invalid)?;
    let service = state.app.put_service(&caller.actor, service).await?;
    Ok(Json(Service::from(&service)))
}

/// Delete a service nothing depends on any more.
#[utoipa::path(delete, path = "/services/{slug}", tag = "catalog", params(("slug" = String, Path, example = "checkout-api")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_service(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let slug = slug(&raw, EntryKind::Service)?;
    state
        .app
        .delete_catalog_entry(&caller.actor, EntryKind::Service, &slug)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What fails or degrades when this service fails, and who owns it all.
#[utoipa::path(get, path = "/services/{slug}/impact", tag = "catalog", params(("slug" = String, Path, example = "checkout-api")),
    responses((status = 200, body = BlastRadius), (status = 404, body = ErrorBody)))]
pub async fn impact(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<Json<BlastRadius>, ApiError> {
    let slug = slug(&raw, EntryKind::Service)?;
    let radius = state.app.blast_radius(&caller.actor, &slug).await?;
    Ok(Json(BlastRadius::from(&radius)))
}

/// Every functionality.
#[utoipa::path(get, path = "/functionalities", tag = "catalog", responses((status = 200, body = FunctionalityList)))]
pub async fn list_functionalities(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<FunctionalityList>, ApiError> {
    let catalog = state.app.catalog(&caller.actor).await?;
    Ok(Json(FunctionalityList {
        functionalities: catalog
            .functionalities
            .iter()
            .map(Functionality::from)
            .collect(),
    }))
}

/// One functionality.
#[utoipa::path(get, path = "/functionalities/{slug}", tag = "catalog", params(("slug" = String, Path, example = "login")),
    responses((status = 200, body = Functionality), (status = 404, body = ErrorBody)))]
pub async fn show_functionality(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Functionality>, ApiError> {
    let slug = slug(&raw, EntryKind::Functionality)?;
    let catalog = state.app.catalog(&caller.actor).await?;
    let functionality = catalog
        .functionality(&slug)
        .ok_or_else(|| AppError::not_found("functionality", &raw))?;
    Ok(Json(Functionality::from(functionality)))
}

/// Create or replace a functionality.
#[utoipa::path(put, path = "/functionalities/{slug}", tag = "catalog", request_body = Functionality, params(("slug" = String, Path, example = "login")),
    responses((status = 200, body = Functionality), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_functionality(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Functionality>,
) -> Result<Json<Functionality>, ApiError> {
    let functionality = body.into_core(&raw).map_err(invalid)?;
    let functionality = state
        .app
        .put_functionality(&caller.actor, functionality)
        .await?;
    Ok(Json(Functionality::from(&functionality)))
}

/// Delete a functionality.
#[utoipa::path(delete, path = "/functionalities/{slug}", tag = "catalog", params(("slug" = String, Path, example = "login")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_functionality(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let slug = slug(&raw, EntryKind::Functionality)?;
    state
        .app
        .delete_catalog_entry(&caller.actor, EntryKind::Functionality, &slug)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The services this functionality stands on, transitively.
#[utoipa::path(get, path = "/functionalities/{slug}/backing", tag = "catalog", params(("slug" = String, Path, example = "login")),
    responses((status = 200, body = Backing), (status = 404, body = ErrorBody)))]
pub async fn backing(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(raw): Path<String>,
) -> Result<Json<Backing>, ApiError> {
    let slug = slug(&raw, EntryKind::Functionality)?;
    let backing = state.app.backing(&caller.actor, &slug).await?;
    Ok(Json(Backing::from(&backing)))
}

/// The sync the body asks for, and every problem with it.
fn sync_input(body: CatalogSync) -> (Sync, Vec<muster_core::FieldError>) {
    let mut errors = Vec::new();
    let mut desired = Catalog::default();
    for (index, team) in body.teams.into_iter().enumerate() {
        let slug = team.slug.clone();
        match team.into_core(&slug) {
            Ok(team) => desired.teams.push(team),
            Err(fields) => errors.extend(prefixed(&format!("teams[{index}]."), fields)),
        }
    }
    for (index, service) in body.services.into_iter().enumerate() {
        let slug = service.slug.clone();
        match service.into_core(&slug) {
            Ok(service) => desired.services.push(service),
            Err(fields) => errors.extend(prefixed(&format!("services[{index}]."), fields)),
        }
    }
    for (index, functionality) in body.functionalities.into_iter().enumerate() {
        let slug = functionality.slug.clone();
        match functionality.into_core(&slug) {
            Ok(functionality) => desired.functionalities.push(functionality),
            Err(fields) => errors.extend(prefixed(&format!("functionalities[{index}]."), fields)),
        }
    }
    let mut people = Vec::new();
    for (index, user) in body.users.into_iter().enumerate() {
        match muster_core::user::email(&format!("users[{index}].email"), &user.email) {
            Ok(email) => {
                let name = match user.name.trim() {
                    "" => email.split('@').next().unwrap_or(&email).to_owned(),
                    name => name.to_owned(),
                };
                people.push((email, name));
            }
            Err(error) => errors.push(error),
        }
    }
    let prune = match body.prune.as_deref() {
        None | Some("") | Some("nothing") => SyncPrune::Nothing,
        Some("own") => SyncPrune::OwnEntries,
        Some("everything") => SyncPrune::Everything,
        Some(other) => {
            errors.push(muster_core::FieldError::new(
                "prune",
                format!("expected nothing, own or everything, got {other:?}"),
            ));
            SyncPrune::Nothing
        }
    };
    let sync = Sync {
        desired,
        prune,
        source: body.source.filter(|s| !s.trim().is_empty()),
        people,
        dry_run: body.dry_run,
    };
    (sync, errors)
}

fn prefixed(
    prefix: &str,
    fields: Vec<muster_core::FieldError>,
) -> impl Iterator<Item = muster_core::FieldError> {
    let prefix = prefix.to_owned();
    fields
        .into_iter()
        .map(move |f| muster_core::FieldError::new(format!("{prefix}{}", f.field), f.message))
}

/// Make the catalog match a whole document (a Backstage import, the plan):
/// one transaction, or with `dry_run` only the plan.
#[utoipa::path(post, path = "/catalog/sync", tag = "catalog", request_body = CatalogSync,
    responses((status = 200, body = CatalogSyncResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sync(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<CatalogSync>,
) -> Result<Json<CatalogSyncResult>, ApiError> {
    let (sync, errors) = sync_input(body);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let dry_run = sync.dry_run;
    let changes = state.app.sync_catalog(&caller.actor, sync).await?;
    Ok(Json(CatalogSyncResult::from((&changes, dry_run))))
}
