//! Console sessions and CSRF.
//!
//! A session is the `muster_session` cookie (HttpOnly, SameSite=Lax). Its
//! stored CSRF token must come back with every state-changing request: as
//! the `X-CSRF-Token` header (htmx, set on `<body>`) or the `csrf_token` form
//! field. Both extractors here fail closed: [`ConsoleUser`] refuses any
//! unsafe method without a valid header, so a POST handler can only accept a
//! plain form through [`Verified`], which checks the field.
//!
//! Sign-in and set-up forms have no session yet; they use a double-submit
//! token instead: a random `muster_csrf` cookie echoed in a hidden field.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use muster_app::accounts::Principal;
use muster_app::secrets;
use muster_core::Permission;
use muster_ui::view::{Chrome, Me};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::{ConsoleError, is_htmx};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "muster_session";
pub const FORM_COOKIE: &str = "muster_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const CSRF_FIELD: &str = "csrf_token";
const FORM_TOKEN_PREFIX: &str = "msf_";

/// The signed-in person of a console request.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub principal: Principal,
    pub csrf_token: String,
    /// Needed to end the session on sign-out.
    pub session_secret: String,
}

impl ConsoleUser {
    pub fn me(&self) -> Me {
        Me {
            name: self.principal.user.name.clone(),
            csrf_token: self.csrf_token.clone(),
            can_write: self.principal.actor.can(Permission::WriteIncidents),
            can_edit_catalog: self.principal.actor.can(Permission::ManageCatalog),
        }
    }

    pub fn chrome(&self) -> Chrome {
        Chrome::new(Some(self.me()))
    }

    /// An error page that keeps this person's top bar.
    pub fn fail(&self, error: impl Into<ConsoleError>) -> ConsoleError {
        error.into().with_me(self.me())
    }
}

/// Compares in constant time, so response timing says nothing about how
/// much of a guessed token was right.
pub fn tokens_match(submitted: Option<&str>, expected: &str) -> bool {
    match submitted {
        Some(submitted) if !expected.is_empty() => {
            bool::from(submitted.as_bytes().ct_eq(expected.as_bytes()))
        }
        _ => false,
    }
}

fn csrf_refused(htmx: bool) -> ConsoleError {
    ConsoleError::page(
        StatusCode::FORBIDDEN,
        "This form has expired or did not come from muster. Reload the page and try again.",
    )
    .for_htmx(htmx)
}

/// Where to return after signing in: the page asked for, or for htmx the
/// page the browser shows (a fragment URL is no place to land).
fn return_path(parts: &Parts) -> String {
    let htmx_page = parts
        .headers
        .get("hx-current-url")
        .and_then(|v| v.to_str().ok())
        .and_then(local_path_of_url);
    if let Some(page) = htmx_page {
        return page;
    }
    if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map_or_else(|| String::from("/"), |p| p.as_str().to_owned())
    } else {
        String::from("/")
    }
}

/// `http://host:8070/incidents/INC-1?x` → `/incidents/INC-1?x`.
fn local_path_of_url(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let path = &rest[rest.find('/')?..];
    Some(safe_next(path))
}

/// Only local paths: `//evil.example` or `/\evil` would leave muster.
pub fn safe_next(raw: &str) -> String {
    let local = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && !raw.chars().any(char::is_control);
    if local {
        raw.to_owned()
    } else {
        String::from("/")
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<ConsoleUser, ConsoleError> {
    let htmx = is_htmx(&parts.headers);
    let sign_in = || ConsoleError::SignIn {
        next: return_path(parts),
        htmx,
    };
    let jar = CookieJar::from_headers(&parts.headers);
    let secret = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or_else(sign_in)?;
    match state.app.authenticate_session(&secret).await {
        Ok(Some((principal, session))) => Ok(ConsoleUser {
            principal,
            csrf_token: session.csrf_token,
            session_secret: secret,
        }),
        Ok(None) => Err(sign_in()),
        Err(error) => Err(ConsoleError::from(error).for_htmx(htmx)),
    }
}

fn header_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

impl FromRequestParts<AppState> for ConsoleUser {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ConsoleError> {
        let user = authenticate(parts, state).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD);
        if !safe && !tokens_match(header_token(&parts.headers), &user.csrf_token) {
            return Err(csrf_refused(is_htmx(&parts.headers)));
        }
        Ok(user)
    }
}

/// The value of `name` in a urlencoded body. CSRF tokens are URL-safe
/// base64, which browsers send unescaped; anything escaped cannot match.
fn form_field<'a>(body: &'a [u8], name: &str) -> Option<&'a str> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

async fn body_bytes(body: Body, htmx: bool) -> Result<Bytes, ConsoleError> {
    axum::body::to_bytes(body, crate::BODY_LIMIT)
        .await
        .map_err(|_| {
            ConsoleError::page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "That is more text than muster accepts at once.",
            )
            .for_htmx(htmx)
        })
}

/// Parses the body already read (and checked) with `axum::Form`'s rules.
async fn parse_form<T: DeserializeOwned>(bytes: Bytes, htmx: bool) -> Result<T, ConsoleError> {
    let request = Request::builder()
        .method(Method::POST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(bytes))
        .map_err(|e| ConsoleError::page(StatusCode::BAD_REQUEST, e.to_string()).for_htmx(htmx))?;
    match axum::Form::<T>::from_request(request, &()).await {
        Ok(axum::Form(value)) => Ok(value),
        Err(rejection) => {
            Err(super::unreadable(rejection.status(), &rejection.body_text()).for_htmx(htmx))
        }
    }
}

/// A person and their submitted form, the CSRF token checked first.
pub struct Verified<T>(pub ConsoleUser, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Verified<T> {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ConsoleError> {
        let (parts, body) = request.into_parts();
        let htmx = is_htmx(&parts.headers);
        let user = authenticate(&parts, state).await?;
        let bytes = body_bytes(body, htmx).await?;
        let submitted = header_token(&parts.headers).or_else(|| {
            is_form(&parts.headers)
                .then(|| form_field(&bytes, CSRF_FIELD))
                .flatten()
        });
        if !tokens_match(submitted, &user.csrf_token) {
            return Err(csrf_refused(htmx));
        }
        let form = parse_form(bytes, htmx).await.map_err(|e| user.fail(e))?;
        Ok(Verified(user, form))
    }
}

/// The double-submit token of the sign-in and set-up forms: the existing
/// cookie's, or a fresh one set on `jar`.
pub fn form_token(jar: CookieJar, secure: bool) -> Result<(CookieJar, String), ConsoleError> {
    if let Some(existing) = jar.get(FORM_COOKIE).map(|c| c.value().to_owned())
        && existing.starts_with(FORM_TOKEN_PREFIX)
    {
        return Ok((jar, existing));
    }
    let token = secrets::generate(FORM_TOKEN_PREFIX)?;
    let cookie = Cookie::build((FORM_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .build();
    Ok((jar.add(cookie), token))
}

/// Whether a sign-in or set-up form echoes its cookie's token.
pub fn form_token_matches(jar: &CookieJar, submitted: &str) -> bool {
    match jar.get(FORM_COOKIE) {
        Some(cookie) => tokens_match(Some(submitted), cookie.value()),
        None => false,
    }
}

/// The session cookie. No `Max-Age`: it ends with the browser, and the
/// server ends it anyway when the session expires.
pub fn session_cookie(secret: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .build()
}

/// Removes a cookie set with `Path=/`.
pub fn expired(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path("/").build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly() {
        assert!(tokens_match(Some("msc_abc"), "msc_abc"));
        assert!(!tokens_match(Some("msc_abd"), "msc_abc"));
        assert!(!tokens_match(Some("msc_ab"), "msc_abc"));
        assert!(!tokens_match(None, "msc_abc"));
        assert!(!tokens_match(Some(""), ""));
    }

    #[test]
    fn the_token_field_is_found_in_a_form_body() {
        assert_eq!(
            form_field(b"text=hi&csrf_token=msc_x-y_z", "csrf_token"),
            Some("msc_x-y_z")
        );
        assert_eq!(form_field(b"text=hi", "csrf_token"), None);
    }

    #[test]
    fn session_cookies_are_http_only_lax_and_secure_over_https() {
        let cookie = session_cookie(String::from("mss_x"), true).to_string();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(
            !session_cookie(String::from("mss_x"), false)
                .to_string()
                .contains("Secure")
        );
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(safe_next("/incidents/INC-1"), "/incidents/INC-1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(
            local_path_of_url("http://127.0.0.1:8070/incidents/INC-2?x=1").as_deref(),
            Some("/incidents/INC-2?x=1")
        );
    }
}
