//! Users, API tokens, and password login for the CLI.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use muster_api_types::{
    ApiToken, ApiTokenList, CreatedApiToken, ErrorBody, LoginRequest, NewApiToken, NewUser,
    UpdateUser, User, UserList,
};
use muster_app::users;
use muster_core::{ContactMethodDraft, TokenId, UserPatch, UserRole};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller};
use crate::state::AppState;

fn token_dto(token: &muster_store::ApiToken) -> ApiToken {
    ApiToken {
        id: token.id.as_uuid(),
        name: token.name.clone(),
        user_id: token.user_id.as_uuid(),
        created_at: token.created_at,
        revoked_at: token.revoked_at,
    }
}

/// Everyone with an account.
#[utoipa::path(get, path = "/users", tag = "accounts", responses((status = 200, body = UserList)))]
pub async fn list_users(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<UserList>, ApiError> {
    let users = state.app.list_users(&caller.actor).await?;
    Ok(Json(UserList {
        users: users.iter().map(User::from).collect(),
    }))
}

/// Create a user (admins only).
#[utoipa::path(post, path = "/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let role = match body.role.as_deref() {
        None | Some("") => UserRole::Responder,
        Some(raw) => role(raw)?,
    };
    let input = users::NewUser {
        email: body.email,
        name: body.name,
        role,
        password: body.password,
        time_zone: body.time_zone,
        contact_methods: body
            .contact_methods
            .iter()
            .map(ContactMethodDraft::from)
            .collect(),
    };
    let user = state.app.create_user(&caller.actor, input).await?;
    Ok((StatusCode::CREATED, Json(User::from(&user))))
}

fn role(raw: &str) -> Result<UserRole, ApiError> {
    raw.parse::<UserRole>()
        .map_err(|m| ApiError::invalid("role", m))
}

/// One user, by id or email.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts", params(("id" = String, Path, description = "User id or email")),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
pub async fn show_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let user = state.app.find_user(&caller.actor, &id).await?;
    Ok(Json(User::from(&user)))
}

/// Change a user's profile; absent fields stay. Admins: anyone, any field.
/// Others: their own name, time zone and contact methods.
#[utoipa::path(patch, path = "/users/{id}", tag = "accounts", params(("id" = String, Path, description = "User id or email")),
    request_body = UpdateUser,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    let user = state
        .app
        .update_user(&caller.actor, &id, &patch_of(body)?)
        .await?;
    Ok(Json(User::from(&user)))
}

/// Change your own profile (`/users/{id}` with your own id).
#[utoipa::path(patch, path = "/users/me", tag = "accounts", request_body = UpdateUser,
    responses((status = 200, body = User), (status = 403, body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<Json<User>, ApiError> {
    let id = caller.user.id.to_string();
    let user = state
        .app
        .update_user(&caller.actor, &id, &patch_of(body)?)
        .await?;
    Ok(Json(User::from(&user)))
}

fn patch_of(body: UpdateUser) -> Result<UserPatch, ApiError> {
    Ok(UserPatch {
        name: body.name,
        email: body.email,
        role: body.role.as_deref().map(role).transpose()?,
        time_zone: body.time_zone,
        contact_methods: body
            .contact_methods
            .map(|methods| methods.iter().map(ContactMethodDraft::from).collect()),
    })
}

/// Deactivate a user (admins only): no more sign-in or tokens; the record stays.
#[utoipa::path(delete, path = "/users/{id}", tag = "accounts", params(("id" = String, Path, description = "User id or email")),
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn deactivate_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let user = state.app.deactivate_user(&caller.actor, &id).await?;
    Ok(Json(User::from(&user)))
}

/// The caller.
#[utoipa::path(get, path = "/users/me", tag = "accounts", responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(Caller(caller): Caller) -> Json<User> {
    Json(User::from(&caller.user))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Admins: list everyone's tokens.
    pub all: Option<bool>,
}

/// Your API tokens (secrets are never shown again).
#[utoipa::path(get, path = "/tokens", tag = "accounts", params(TokenQuery), responses((status = 200, body = ApiTokenList)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<TokenQuery>,
) -> Result<Json<ApiTokenList>, ApiError> {
    let tokens = state
        .app
        .list_tokens(&caller.actor, query.all.unwrap_or(false))
        .await?;
    Ok(Json(ApiTokenList {
        tokens: tokens.iter().map(token_dto).collect(),
    }))
}

/// Create an API token; its secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "accounts", request_body = NewApiToken,
    responses((status = 201, body = CreatedApiToken), (status = 400, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewApiToken>,
) -> Result<(StatusCode, Json<CreatedApiToken>), ApiError> {
    let (token, secret) = state.app.create_token(&caller.actor, &body.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiToken {
            token: token_dto(&token),
            secret,
        }),
    ))
}

/// Revoke a token at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts", params(("id" = String, Path)),
    responses((status = 200, body = ApiToken), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, ApiError> {
    let id: TokenId = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("token {id} not found"),
        )
    })?;
    let token = state.app.revoke_token(&caller.actor, id).await?;
    Ok(Json(token_dto(&token)))
}

/// Exchange an email and password for a new API token (used by `muster login`).
#[utoipa::path(post, path = "/login", tag = "accounts", request_body = LoginRequest, security(()),
    responses((status = 201, body = CreatedApiToken), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<(StatusCode, Json<CreatedApiToken>), ApiError> {
    state
        .login_limiter
        .check(peer.ip(), &body.email)
        .map_err(ApiError::rate_limited)?;
    let principal = state
        .app
        .verify_credentials(&body.email, &body.password)
        .await?;
    let name = body.token_name.unwrap_or_else(|| "muster login".to_owned());
    let (token, secret) = state.app.create_token(&principal.actor, &name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiToken {
            token: token_dto(&token),
            secret,
        }),
    ))
}
