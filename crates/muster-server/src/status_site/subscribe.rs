//! The subscription flow on the public listener: subscribe (a form from
//! the page, or JSON from a program), confirm an email, unsubscribe. Links
//! in mails only show a button: the action is a POST, so a mail scanner
//! that follows links confirms or unsubscribes nobody; mail clients'
//! one-click unsubscribe (RFC 8058) POSTs and works at once.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use muster_app::AppError;
use muster_app::status_page::subscribers::SubscribeOutcome;
use serde::{Deserialize, Serialize};

use super::{StatusSite, harden};
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeRequest {
    kind: String,
    address: String,
    #[serde(default)]
    components: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SubscribeAnswer {
    kind: String,
    confirmation_sent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unsubscribe_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().starts_with("application/json"))
}

/// A form's fields; `components` may repeat.
fn read_form(body: &[u8]) -> Result<SubscribeRequest, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| format!("unreadable form: {e}"))?;
    let mut request = SubscribeRequest::default();
    for (key, value) in pairs {
        match key.as_str() {
            "kind" => request.kind = value,
            "address" => request.address = value,
            "components" => request.components.push(value),
            other => return Err(format!("unknown field {other:?}")),
        }
    }
    Ok(request)
}

fn page(
    site: &StatusSite,
    status: StatusCode,
    title: &str,
    paragraphs: &[String],
    form: Option<(String, String)>,
) -> Response {
    let mut response =
        match muster_status::site::message_page(&site.config, title, paragraphs, form) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "status page: a message page did not render");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    harden(response.headers_mut());
    response
}

fn error_page(site: &StatusSite, error: ApiError) -> Response {
    let mut lines = vec![error.message.clone()];
    if error.status == StatusCode::TOO_MANY_REQUESTS {
        lines = vec!["Too many requests from here; please try again in a little while.".into()];
    }
    let title = match error.status {
        StatusCode::NOT_FOUND => "This link does not work",
        StatusCode::TOO_MANY_REQUESTS => "Slow down",
        s if s.is_client_error() => "That did not work",
        _ => "Something went wrong",
    };
    page(site, error.status, title, &lines, None)
}

fn outcome_page(site: &StatusSite, outcome: &SubscribeOutcome) -> Response {
    let mut lines = Vec::new();
    if outcome.confirmation_sent {
        lines.push("Check your inbox: we sent a link to confirm the subscription. Nothing is sent until you open it.".to_owned());
    }
    if let Some(secret) = &outcome.signing_secret {
        lines.push("Your webhook is subscribed. Every request carries X-Muster-Timestamp and X-Muster-Signature: v1= followed by the hex HMAC-SHA256 of \"{timestamp}.{body}\" under this key, shown only now:".to_owned());
        lines.push(secret.clone());
    }
    if let Some(url) = &outcome.unsubscribe_url {
        lines.push(format!("To unsubscribe it later, POST to {url}"));
    }
    page(site, StatusCode::OK, "Almost there", &lines, None)
}

pub(super) async fn subscribe(
    State(site): State<StatusSite>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let json = wants_json(&headers);
    let request = if json {
        serde_json::from_slice::<SubscribeRequest>(&body).map_err(|e| {
            ApiError::invalid(
                "body",
                format!("expected {{\"kind\", \"address\", \"components\"}}: {e}"),
            )
        })
    } else {
        read_form(&body).map_err(|e| ApiError::invalid("body", e))
    };
    let result = match request {
        Ok(request) => match site.limiter.check(client.ip(), &request.address) {
            Err(wait) => Err(ApiError::rate_limited(wait)),
            Ok(()) => site
                .app
                .subscribe(&request.kind, &request.address, &request.components)
                .await
                .map_err(ApiError::from),
        },
        Err(error) => Err(error),
    };
    match (result, json) {
        (Ok(outcome), true) => (
            StatusCode::ACCEPTED,
            axum::Json(SubscribeAnswer {
                kind: outcome.kind.as_str().to_owned(),
                confirmation_sent: outcome.confirmation_sent,
                signing_secret: outcome.signing_secret,
                unsubscribe_url: outcome.unsubscribe_url,
            }),
        )
            .into_response(),
        (Ok(outcome), false) => outcome_page(&site, &outcome),
        (Err(error), true) => error.into_response(),
        (Err(error), false) => error_page(&site, error),
    }
}

fn token_action(site: &StatusSite, path: &str, token: &str) -> String {
    let encoded: String = url_escape(token);
    format!("{}{path}?token={encoded}", site.config.url)
}

/// Tokens are URL-safe base64 with a prefix; anything else is escaped so a
/// crafted token cannot break out of the form's attribute or URL.
fn url_escape(token: &str) -> String {
    token
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c.to_string()
            } else {
                format!("%{:02X}", u32::from(c) & 0xff)
            }
        })
        .collect()
}

fn missing_token(site: &StatusSite) -> Response {
    error_page(
        site,
        ApiError::invalid(
            "token",
            "the link has no token; open the link from the mail as it is",
        ),
    )
}

/// The page a mailed link opens: a question and the button that acts.
fn button_page(
    site: &StatusSite,
    token: &str,
    title: &str,
    question: &str,
    path: &str,
    button: &str,
) -> Response {
    if token.is_empty() {
        return missing_token(site);
    }
    page(
        site,
        StatusCode::OK,
        title,
        &[format!("{question} {}?", site.config.name)],
        Some((token_action(site, path, token), button.to_owned())),
    )
}

pub(super) async fn confirm_page(
    State(site): State<StatusSite>,
    Query(query): Query<TokenQuery>,
) -> Response {
    button_page(
        &site,
        &query.token,
        "Confirm your subscription",
        "Start receiving updates of",
        "/subscriptions/confirm",
        "Confirm subscription",
    )
}

pub(super) async fn confirm(
    State(site): State<StatusSite>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(wait) = site.limiter.check_link(client.ip()) {
        return error_page(&site, ApiError::rate_limited(wait));
    }
    match site.app.confirm_subscription(&query.token).await {
        Ok(subscriber) => page(
            &site,
            StatusCode::OK,
            "You are subscribed",
            &[format!(
                "{} will hear about every published update{}. Each message has a link to unsubscribe.",
                subscriber.address,
                if subscriber.components.is_empty() {
                    String::new()
                } else {
                    format!(" of {}", subscriber.components.join(", "))
                }
            )],
            None,
        ),
        Err(AppError::NotFound { .. }) => error_page(
            &site,
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "This confirmation link was used already or is not one of ours. Subscribe again from the page if you need to.",
            ),
        ),
        Err(other) => error_page(&site, other.into()),
    }
}

pub(super) async fn unsubscribe_page(
    State(site): State<StatusSite>,
    Query(query): Query<TokenQuery>,
) -> Response {
    button_page(
        &site,
        &query.token,
        "Unsubscribe",
        "Stop receiving updates of",
        "/unsubscribe",
        "Unsubscribe",
    )
}

pub(super) async fn unsubscribe(
    State(site): State<StatusSite>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(wait) = site.limiter.check_link(client.ip()) {
        return error_page(&site, ApiError::rate_limited(wait));
    }
    match site.app.unsubscribe(&query.token).await {
        Ok(subscriber) => page(
            &site,
            StatusCode::OK,
            "You are unsubscribed",
            &[format!(
                "{} will hear nothing more from this page.",
                subscriber.address
            )],
            None,
        ),
        Err(AppError::NotFound { .. }) => page(
            &site,
            StatusCode::NOT_FOUND,
            "Already unsubscribed",
            &["This subscription does not exist (any more).".to_owned()],
            None,
        ),
        Err(other) => error_page(&site, other.into()),
    }
}
