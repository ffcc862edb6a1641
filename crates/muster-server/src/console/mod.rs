//! The web console: server-rendered pages, enhanced by htmx where it helps.
//!
//! Every form works without JavaScript (POST, then a 303 to the page). With
//! htmx, incident forms answer with the live fragment instead, and the
//! timeline polls for changes. Handlers stay thin: extract, call one use
//! case, shape a view with `muster_ui::present`, render.

mod actions;
mod alert_routes;
mod alerts;
mod assets;
mod auth;
mod catalog;
mod incidents;
mod integrations;
mod links;
mod oncall;
mod paging;
mod people;
mod plan;
mod process;
mod rules;
mod session;
mod silences;
mod status_page;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use muster_app::AppError;
use muster_ui::pages::{ErrorPage, FlashFragment};
use muster_ui::view::{Chrome, Flash, Me};
use serde::de::DeserializeOwned;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::ApiError;
use crate::state::AppState;

pub use session::{CSRF_HEADER, FORM_COOKIE, SESSION_COOKIE};

/// Scripts and styles come only from muster itself; nothing may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(incidents::list))
        .route("/incidents", post(incidents::declare))
        .route("/incidents/new", get(incidents::new))
        .route("/incidents/{key}", get(incidents::show))
        .route("/incidents/{key}/timeline", get(incidents::live))
        .route("/incidents/{key}/acknowledge", post(actions::acknowledge))
        .route("/incidents/{key}/mitigate", post(actions::mitigate))
        .route("/incidents/{key}/resolve", post(actions::resolve))
        .route("/incidents/{key}/close", post(actions::close))
        .route("/incidents/{key}/severity", post(actions::change_severity))
        .route("/incidents/{key}/edit", post(actions::edit))
        .route("/incidents/{key}/milestones", post(actions::edit_milestone))
        .route("/incidents/{key}/roles/{role}", post(actions::assign_role))
        .route(
            "/incidents/{key}/roles/{role}/unassign",
            post(actions::unassign_role),
        )
        .route(
            "/incidents/{key}/participants",
            post(actions::add_participant),
        )
        .route("/incidents/{key}/notes", post(actions::add_note))
        .route("/incidents/{key}/tasks", post(actions::add_task))
        .route("/incidents/{key}/tasks/{task}", post(actions::update_task))
        .route("/incidents/{key}/page", post(paging::page_for_incident))
        .route("/incidents/{key}/steps", post(process::run_step))
        .route("/incidents/{key}/updates", post(process::send_update))
        .route("/incidents/{key}/status-page", post(status_page::publish))
        .route(
            "/incidents/{key}/scenario/moments/{index}/done",
            post(process::mark_scenario_action),
        )
        .route("/schedules", get(oncall::list))
        .route("/schedules/{name}", get(oncall::show))
        .route("/schedules/{name}/shifts.ics", get(oncall::schedule_ics))
        .route("/schedules/{name}/overrides", post(oncall::create_override))
        .route(
            "/schedules/{name}/overrides/{id}/delete",
            post(oncall::delete_override),
        )
        .route("/alerts", get(alerts::list))
        .route("/alerts/live", get(alerts::live))
        .route("/alerts/routes", get(alert_routes::show))
        .route("/alerts/{id}", get(alerts::show))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/alerts/{id}/incident", post(alerts::open_incident))
        .route("/alerts/{id}/attach", post(alerts::attach))
        .route(
            "/integrations",
            get(integrations::list).post(integrations::create),
        )
        .route(
            "/integrations/{name}/rotate-key",
            post(integrations::rotate_key),
        )
        .route("/silences", get(silences::list).post(silences::create))
        .route("/silences/{id}/expire", post(silences::expire))
        .route("/pages", get(paging::list))
        .route("/pages/{key}", get(paging::show))
        .route("/pages/{key}/live", get(paging::live))
        .route("/pages/{key}/acknowledge", post(paging::acknowledge))
        .route("/pages/{key}/resolve", post(paging::resolve))
        // One-time links: no session; the token is the authority.
        .route("/link/{token}", get(links::show).post(links::act))
        .route("/catalog", get(catalog::overview))
        .route("/teams", post(catalog::create_team))
        .route("/teams/new", get(catalog::new_team))
        .route(
            "/teams/{slug}",
            get(catalog::team).post(catalog::update_team),
        )
        .route("/teams/{slug}/edit", get(catalog::edit_team))
        .route("/teams/{slug}/delete", post(catalog::delete_team))
        .route("/teams/{slug}/page", post(catalog::page_team))
        .route("/services", post(catalog::create_service))
        .route("/services/new", get(catalog::new_service))
        .route(
            "/services/{slug}",
            get(catalog::service).post(catalog::update_service),
        )
        .route("/services/{slug}/edit", get(catalog::edit_service))
        .route("/services/{slug}/delete", post(catalog::delete_service))
        .route("/services/{slug}/page", post(catalog::page_service))
        .route("/functionalities", post(catalog::create_functionality))
        .route("/functionalities/new", get(catalog::new_functionality))
        .route(
            "/functionalities/{slug}",
            get(catalog::functionality).post(catalog::update_functionality),
        )
        .route(
            "/functionalities/{slug}/edit",
            get(catalog::edit_functionality),
        )
        .route(
            "/functionalities/{slug}/delete",
            post(catalog::delete_functionality),
        )
        .route(
            "/functionalities/{slug}/page",
            post(catalog::page_functionality),
        )
        .route("/plan", get(plan::overview))
        .route("/plan/stale", get(plan::stale))
        .route("/people", get(people::list))
        .route("/people/{key}", get(people::show).post(people::update))
        .route("/people/{key}/deactivate", post(people::deactivate))
        .route("/people/{key}/shifts.ics", get(oncall::person_ics))
        .route("/people/{key}/notification-rules", post(rules::save))
        .route("/logout", post(auth::logout))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/setup", get(auth::setup_form).post(auth::setup))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // Pages carry CSRF tokens and private incidents: never keep them in a cache.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .route("/assets/{*path}", get(assets::serve))
}

/// A fallback for the whole router (to be wired in `lib.rs`): unknown API
/// paths keep their JSON 404, anything else is a page a person can read.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::not_found_fallback().await.into_response()
    } else {
        ConsoleError::not_found("Page").into_response()
    }
}

/// Renders a template; a template that fails to render is a bug, logged once.
pub(crate) fn render<T: Template>(status: StatusCode, template: &T) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "rendering a console template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; see the server log",
            )
                .into_response()
        }
    }
}

/// Whether htmx sent the request (and so wants a fragment, not a page).
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers
        .get("hx-request")
        .is_some_and(|v| v.as_bytes() == b"true")
}

/// A console failure, answered as a page or, to htmx, as a message in the
/// page's flash area (never JSON).
#[derive(Debug)]
pub enum ConsoleError {
    /// No valid session: send the browser to sign in, then back to `next`.
    SignIn { next: String, htmx: bool },
    Page {
        status: StatusCode,
        message: String,
        me: Option<Me>,
        htmx: bool,
    },
}

impl ConsoleError {
    pub fn page(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Page {
            status,
            message: message.into(),
            me: None,
            htmx: false,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::page(StatusCode::NOT_FOUND, format!("{what} not found"))
    }

    /// Shows the top bar of the signed-in person on the error page.
    pub fn with_me(self, me: Me) -> Self {
        match self {
            Self::Page {
                status,
                message,
                htmx,
                ..
            } => Self::Page {
                status,
                message,
                me: Some(me),
                htmx,
            },
            other => other,
        }
    }

    /// Answers htmx with a fragment for the flash area instead of a page.
    pub fn for_htmx(self, htmx: bool) -> Self {
        match self {
            Self::Page {
                status,
                message,
                me,
                ..
            } => Self::Page {
                status,
                message,
                me,
                htmx,
            },
            Self::SignIn { next, .. } => Self::SignIn { next, htmx },
        }
    }
}

/// The status and a sentence for a person; the mapping itself is the API's,
/// so both surfaces agree on what each failure means.
pub(crate) fn describe(error: AppError) -> (StatusCode, String) {
    if let AppError::Invalid(fields) = &error {
        let message = fields
            .iter()
            .map(|f| format!("{}: {}", sentence(&f.field.replace('_', " ")), f.message))
            .collect::<Vec<_>>()
            .join(". ");
        return (StatusCode::BAD_REQUEST, message);
    }
    let api = ApiError::from(error);
    let message = match api.code {
        "version_conflict" => String::from(
            "Someone else changed this incident while you were looking at it. \
             The page now shows the latest version: check it and try again.",
        ),
        _ => sentence(&api.message),
    };
    (api.status, message)
}

/// Capitalises the first letter, so core messages read as sentences.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<AppError> for ConsoleError {
    fn from(error: AppError) -> Self {
        if matches!(error, AppError::Unauthenticated(_)) {
            return Self::SignIn {
                next: String::from("/"),
                htmx: false,
            };
        }
        let (status, message) = describe(error);
        Self::page(status, message)
    }
}

fn title_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "Please check your input",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Conflict",
        413 => "Too large",
        429 => "Slow down",
        503 => "Unavailable",
        _ => "Something went wrong",
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn { next, htmx } => {
                let target = format!("/login?next={}", encode_query_value(&next));
                if htmx {
                    // A redirect would be followed inside the fragment; this reloads the page.
                    let mut response = StatusCode::NO_CONTENT.into_response();
                    if let Ok(value) = HeaderValue::from_str(&target) {
                        response.headers_mut().insert("hx-redirect", value);
                    }
                    response
                } else {
                    Redirect::to(&target).into_response()
                }
            }
            Self::Page {
                status,
                message,
                htmx: true,
                ..
            } => flash_fragment(status, Flash::error(message)),
            Self::Page {
                status,
                message,
                me,
                ..
            } => render(
                status,
                &ErrorPage {
                    chrome: Chrome::new(me),
                    status: status.as_u16(),
                    title: title_of(status).to_owned(),
                    message,
                },
            ),
        }
    }
}

/// Shows `flash` in the current page's flash area, whatever the form targeted.
pub(crate) fn flash_fragment(status: StatusCode, flash: Flash) -> Response {
    let mut response = render(
        status,
        &FlashFragment {
            flash: Some(flash),
            oob: false,
        },
    );
    let headers = response.headers_mut();
    headers.insert("hx-retarget", HeaderValue::from_static("#flash"));
    headers.insert("hx-reswap", HeaderValue::from_static("outerHTML"));
    response
}

/// `axum::Form`, but a malformed body is an error page, not plain text.
pub struct ConsoleForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ConsoleForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ConsoleError> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(rejection) => Err(unreadable(rejection.status(), &rejection.body_text())),
        }
    }
}

/// A form or link a browser would not send (hand-made or truncated).
pub(crate) fn unreadable(status: StatusCode, detail: &str) -> ConsoleError {
    ConsoleError::page(
        status,
        format!("The request could not be read ({detail}). Reload the page and try again."),
    )
}

/// `axum::extract::Query`, with the same courtesy.
pub struct ConsoleQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ConsoleQuery<T> {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ConsoleError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(unreadable(StatusCode::BAD_REQUEST, &rejection.body_text())),
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub(crate) fn encode_query_value(value: &str) -> String {
    muster_ui::present::percent_encode(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode_query_value("/incidents/INC-1?x=a b&c"),
            "%2Fincidents%2FINC-1%3Fx%3Da%20b%26c"
        );
        assert_eq!(encode_query_value("team:payments"), "team%3Apayments");
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(
            sentence("incident INC-9 not found"),
            "Incident INC-9 not found"
        );
        assert_eq!(sentence(""), "");
    }
}
