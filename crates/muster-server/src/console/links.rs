//! One-time links from notifications: no session, the signed token is the
//! authority. `GET` only shows the page and a button (mail scanners follow
//! links, so a GET must never act); `POST` acts, once, and needs neither a
//! session nor a CSRF token nor a body (ntfy's action button posts nothing).
//! Both show that page's summary and status and nothing else.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use muster_app::AppError;
use muster_app::paging::{LinkOutcome, LinkView};
use muster_core::paging::Page;
use muster_core::{Actor, User, UserId};
use muster_ui::pages::{LinkPage, LinkResultPage};
use muster_ui::present;
use muster_ui::view::{Chrome, LinkResultView};

use super::{describe, render};
use crate::state::AppState;

fn result_page(status: StatusCode, result: LinkResultView) -> Response {
    render(
        status,
        &LinkResultPage {
            chrome: Chrome::new(None),
            result,
        },
    )
}

/// A link that does not work, in words for whoever holds it.
fn refusal(error: AppError) -> Response {
    let (status, title, message) = match &error {
        AppError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "This link does not work",
            String::from(
                "It is not a muster link, or it was cut short or changed. Open the page in muster instead.",
            ),
        ),
        AppError::Conflict {
            code: "link_expired",
            ..
        } => (
            StatusCode::GONE,
            "This link has expired",
            String::from(
                "Links in notifications work for a limited time. Open the page in muster to acknowledge or resolve it.",
            ),
        ),
        AppError::Conflict {
            code: "link_used", ..
        } => (
            StatusCode::CONFLICT,
            "This link was used already",
            String::from("Each link works once. Open the page in muster to see where it stands."),
        ),
        _ => {
            let (status, message) = describe(error);
            return result_page(
                status,
                LinkResultView {
                    kind: "error",
                    title: String::from("This link cannot be used"),
                    message,
                    key: None,
                    summary: None,
                },
            );
        }
    };
    result_page(
        status,
        LinkResultView {
            kind: "error",
            title: title.to_owned(),
            message,
            key: None,
            summary: None,
        },
    )
}

/// The name of whoever acknowledged or resolved the page, looked up as the
/// link's recipient: the token stands for them, and a name is all it reads.
async fn actor_name(
    state: &AppState,
    recipient: Option<&User>,
    id: Option<UserId>,
) -> Option<String> {
    let (recipient, id) = (recipient?, id?);
    if recipient.id == id {
        return Some(recipient.name.clone());
    }
    let as_recipient = Actor {
        user_id: recipient.id,
        role: recipient.role,
    };
    state
        .app
        .get_user(&as_recipient, id)
        .await
        .ok()
        .map(|u| u.name)
}

/// "Already acknowledged by Bram at 03:12 CET, Tue 1 Dec.", when the link's
/// action is moot.
async fn already(
    state: &AppState,
    page: &Page,
    action: &str,
    recipient: Option<&User>,
) -> Option<String> {
    let by = match page.status {
        muster_core::paging::PageStatus::Resolved => page.resolved_by,
        _ => page.acknowledged_by,
    };
    let name = actor_name(state, recipient, by).await;
    present::already_done(page, action, name.as_deref(), &present::zone_of(recipient))
}

async fn view_of(state: &AppState, token: &str) -> Result<LinkView, Response> {
    state.app.link_view(token).await.map_err(refusal)
}

pub async fn show(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let view = match view_of(&state, &token).await {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    let action = view.claims.action.as_str();
    let already = already(&state, &view.page, action, view.recipient.as_ref()).await;
    render(
        StatusCode::OK,
        &LinkPage {
            chrome: Chrome::new(None),
            link: present::link_page_view(
                &view.page,
                action,
                view.recipient.as_ref(),
                format!("/link/{}", present::path_segment(&token)),
                already,
            ),
        },
    )
}

pub async fn act(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    // Read first, for whom to thank; acting checks the token again.
    let view = match view_of(&state, &token).await {
        Ok(view) => view,
        Err(refused) => return refused,
    };
    let recipient = view.recipient.as_ref();
    match state.app.act_by_link(&token).await {
        Ok(LinkOutcome::Done { page, .. }) => {
            let (title, message) = present::link_thanks(&page, recipient);
            result_page(
                StatusCode::OK,
                LinkResultView {
                    kind: "done",
                    title,
                    message,
                    key: Some(page.number.to_string()),
                    summary: Some(page.summary.clone()),
                },
            )
        }
        Ok(LinkOutcome::AlreadyDone { page }) => {
            let action = view.claims.action.as_str();
            let message = already(&state, &page, action, recipient)
                .await
                .unwrap_or_else(|| {
                    String::from("Someone got there first: there is nothing to do.")
                });
            result_page(
                StatusCode::OK,
                LinkResultView {
                    kind: "already",
                    title: String::from("Nothing to do"),
                    message,
                    key: Some(page.number.to_string()),
                    summary: Some(page.summary.clone()),
                },
            )
        }
        Err(error) => refusal(error),
    }
}
