//! Signing in and out, and the first admin's set-up.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use muster_app::AppError;
use muster_ui::pages::{LoginPage, SetupPage};
use muster_ui::view::{Chrome, Flash};
use serde::Deserialize;

use super::session::{
    self, Verified, expired, form_token, form_token_matches, safe_next, session_cookie,
};
use super::{ConsoleError, ConsoleForm, ConsoleQuery, render};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: String,
}

/// What a sign-in page shows besides its token.
struct LoginView {
    status: StatusCode,
    flash: Option<Flash>,
    email: String,
    next: String,
    needs_setup: bool,
}

fn login_page(jar: CookieJar, secure: bool, view: LoginView) -> Result<Response, ConsoleError> {
    let (jar, token) = form_token(jar, secure)?;
    let page = LoginPage {
        chrome: Chrome::new(None),
        flash: view.flash,
        email: view.email,
        next: view.next,
        form_token: token,
        needs_setup: view.needs_setup,
    };
    Ok((jar, render(view.status, &page)).into_response())
}

fn next_or_home(raw: &str) -> String {
    if raw.is_empty() {
        String::from("/")
    } else {
        safe_next(raw)
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    jar: CookieJar,
    ConsoleQuery(query): ConsoleQuery<NextQuery>,
) -> Result<Response, ConsoleError> {
    let next = next_or_home(&query.next);
    if let Some(cookie) = jar.get(session::SESSION_COOKIE)
        && let Ok(Some(_)) = state.app.authenticate_session(cookie.value()).await
    {
        return Ok(Redirect::to(&next).into_response());
    }
    let needs_setup = state.app.needs_bootstrap().await?;
    login_page(
        jar,
        state.secure_cookies,
        LoginView {
            status: StatusCode::OK,
            flash: None,
            email: String::new(),
            next,
            needs_setup,
        },
    )
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ConsoleForm(form): ConsoleForm<LoginForm>,
) -> Result<Response, ConsoleError> {
    let secure = state.secure_cookies;
    let refuse = |jar, status, message: String| {
        login_page(
            jar,
            secure,
            LoginView {
                status,
                flash: Some(Flash::error(message)),
                email: form.email.clone(),
                next: next_or_home(&form.next),
                needs_setup: false,
            },
        )
    };
    if !form_token_matches(&jar, &form.csrf_token) {
        return refuse(
            jar,
            StatusCode::FORBIDDEN,
            String::from("The sign-in form had expired. Please try again."),
        );
    }
    if let Err(wait) = state.login_limiter.check(peer.ip(), &form.email) {
        let seconds = wait.as_secs().max(1);
        let mut response = refuse(
            jar,
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many sign-in attempts. Wait {seconds} seconds and try again."),
        )?;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    match state.app.login(&form.email, &form.password).await {
        Ok((secret, _)) => {
            let jar = jar
                .remove(expired(session::FORM_COOKIE))
                .add(session_cookie(secret, secure));
            Ok((jar, Redirect::to(&next_or_home(&form.next))).into_response())
        }
        Err(AppError::Unauthenticated(_)) => refuse(
            jar,
            StatusCode::UNAUTHORIZED,
            String::from("Wrong email or password."),
        ),
        Err(error) => Err(error.into()),
    }
}

/// Sign-out carries nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Verified(user, _): Verified<NoFields>,
) -> Result<Response, ConsoleError> {
    state
        .app
        .logout(&user.session_secret)
        .await
        .map_err(|e| user.fail(e))?;
    Ok((
        jar.remove(expired(session::SESSION_COOKIE)),
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    csrf_token: String,
    token: String,
    email: String,
    name: String,
    password: String,
}

fn setup_page(
    jar: CookieJar,
    secure: bool,
    status: StatusCode,
    flash: Option<Flash>,
    form: SetupForm,
    already_done: bool,
) -> Result<Response, ConsoleError> {
    let (jar, token) = form_token(jar, secure)?;
    let page = SetupPage {
        chrome: Chrome::new(None),
        flash,
        token: form.token,
        email: form.email,
        name: form.name,
        form_token: token,
        already_done,
    };
    Ok((jar, render(status, &page)).into_response())
}

pub async fn setup_form(
    State(state): State<AppState>,
    jar: CookieJar,
    ConsoleQuery(query): ConsoleQuery<TokenQuery>,
) -> Result<Response, ConsoleError> {
    let already_done = !state.app.needs_bootstrap().await?;
    let form = SetupForm {
        token: query.token,
        ..SetupForm::default()
    };
    setup_page(
        jar,
        state.secure_cookies,
        StatusCode::OK,
        None,
        form,
        already_done,
    )
}

/// Creates the first admin, then signs them in: set-up ends on the console.
pub async fn setup(
    State(state): State<AppState>,
    jar: CookieJar,
    ConsoleForm(form): ConsoleForm<SetupForm>,
) -> Result<Response, ConsoleError> {
    let secure = state.secure_cookies;
    if !form_token_matches(&jar, &form.csrf_token) {
        let flash = Flash::error("The set-up form had expired. Please try again.");
        return setup_page(jar, secure, StatusCode::FORBIDDEN, Some(flash), form, false);
    }
    let name = Some(form.name.clone()).filter(|n| !n.trim().is_empty());
    match state
        .app
        .complete_bootstrap(&form.token, &form.email, name, &form.password)
        .await
    {
        Ok(_) => {}
        Err(AppError::Conflict { .. }) => {
            return setup_page(jar, secure, StatusCode::CONFLICT, None, form, true);
        }
        Err(error @ (AppError::Invalid(_) | AppError::Unauthenticated(_))) => {
            let status = if matches!(error, AppError::Invalid(_)) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::FORBIDDEN
            };
            let flash = Flash::error(super::describe(error).1);
            return setup_page(jar, secure, status, Some(flash), form, false);
        }
        Err(error) => return Err(error.into()),
    }
    let (secret, _) = state.app.login(&form.email, &form.password).await?;
    let jar = jar
        .remove(expired(session::FORM_COOKIE))
        .add(session_cookie(secret, secure));
    Ok((jar, Redirect::to("/")).into_response())
}
