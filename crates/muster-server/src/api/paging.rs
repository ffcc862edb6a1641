//! Pages: raise, list, show with their history, acknowledge and resolve;
//! people's notification rules; the notification sinks' health.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use muster_api_types::ErrorBody;
use muster_api_types::paging::{
    Delivery, DeliveryAttempt, NewPage, NotificationRule, NotificationRules, Page, PageDetail,
    PageEvent, PageList, PageQuery, SinkHealth, SinkHealthList,
};
use muster_app::incidents::IncidentKey;
use muster_app::paging::{PageKey, PageRequest, RuleDraft};
use muster_core::paging::{PageStatus, PageTarget, Via};
use muster_core::{PageNumber, Permission};
use muster_store::PageFilter;

use crate::error::ApiError;
use crate::extract::{ApiJson, Caller, parse_list};
use crate::state::AppState;

pub(crate) fn page_key(raw: &str) -> Result<PageKey, ApiError> {
    raw.parse::<PageKey>().map_err(ApiError::from)
}

pub(crate) fn detail_body(detail: muster_app::paging::PageDetail) -> PageDetail {
    let mut attempts: BTreeMap<uuid::Uuid, Vec<DeliveryAttempt>> = BTreeMap::new();
    for attempt in &detail.attempts {
        attempts
            .entry(attempt.delivery.as_uuid())
            .or_default()
            .push(DeliveryAttempt {
                attempt: attempt.attempt,
                at: attempt.at,
                node: attempt.node.clone(),
                outcome: attempt.outcome.clone(),
                error: attempt.error.clone(),
            });
    }
    PageDetail {
        page: Page::from(&detail.page),
        history: detail.events.iter().map(PageEvent::from).collect(),
        deliveries: detail
            .deliveries
            .iter()
            .map(|d| Delivery::of(d, attempts.remove(&d.id.as_uuid()).unwrap_or_default()))
            .collect(),
    }
}

/// Page a person, a team, a service's or functionality's owners, or a
/// schedule's on-call. The first step fires at once.
#[utoipa::path(post, path = "/pages", tag = "paging", request_body = NewPage,
    responses((status = 201, body = Page), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewPage>,
) -> Result<(StatusCode, Json<Page>), ApiError> {
    let target = PageTarget::parse("target", &body.target.kind, &body.target.name)
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let incident = body
        .incident
        .as_deref()
        .filter(|i| !i.trim().is_empty())
        .map(|raw| raw.trim().parse::<IncidentKey>())
        .transpose()?;
    let page = state
        .app
        .page(
            &caller.actor,
            PageRequest {
                target,
                summary: body.summary,
                details: body.details,
                incident,
                drill: body.drill,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(Page::from(&page))))
}

/// Pages, newest first.
#[utoipa::path(get, path = "/pages", tag = "paging", params(PageQuery),
    responses((status = 200, body = PageList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<PageQuery>,
) -> Result<Json<PageList>, ApiError> {
    let statuses = parse_list::<PageStatus>("status", query.status.as_deref())?;
    let incident = match query.incident.as_deref().filter(|i| !i.trim().is_empty()) {
        Some(raw) => {
            let key = raw.trim().parse::<IncidentKey>()?;
            Some(state.app.get_incident(&caller.actor, key).await?.id)
        }
        None => None,
    };
    let before_number = query
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<u64>()
                .map(PageNumber)
                .map_err(|_| ApiError::invalid("cursor", format!("malformed cursor {c:?}")))
        })
        .transpose()?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1-200, got {limit}"),
        ));
    }
    let pages = state
        .app
        .list_pages(
            &caller.actor,
            PageFilter {
                statuses,
                incident,
                recipient: query.recipient.clone().filter(|r| !r.trim().is_empty()),
                before_number,
                // One more, to tell whether older pages follow.
                limit: limit + 1,
            },
        )
        .await?;
    let more = pages.len() > limit as usize;
    let pages: Vec<Page> = pages.iter().take(limit as usize).map(Page::from).collect();
    let next_cursor = more
        .then(|| {
            pages
                .last()
                .map(|p| p.number.trim_start_matches("P-").to_owned())
        })
        .flatten();
    Ok(Json(PageList { pages, next_cursor }))
}

/// A page with its history (who was notified, how, when, what came of it,
/// who acknowledged) and its deliveries with every attempt.
#[utoipa::path(get, path = "/pages/{page}", tag = "paging", params(("page" = String, Path, description = "P-12, 12 or the page id")),
    responses((status = 200, body = PageDetail), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(page): Path<String>,
) -> Result<Json<PageDetail>, ApiError> {
    let detail = state
        .app
        .page_detail(&caller.actor, page_key(&page)?)
        .await?;
    Ok(Json(detail_body(detail)))
}

/// Acknowledge: you are on it, so the page stops escalating.
#[utoipa::path(post, path = "/pages/{page}/acknowledge", tag = "paging", params(("page" = String, Path)),
    responses((status = 200, body = Page), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(page): Path<String>,
) -> Result<Json<Page>, ApiError> {
    let page = state
        .app
        .acknowledge_page(&caller.actor, page_key(&page)?, Via::Api)
        .await?;
    Ok(Json(Page::from(&page)))
}

/// Resolve: the problem is gone.
#[utoipa::path(post, path = "/pages/{page}/resolve", tag = "paging", params(("page" = String, Path)),
    responses((status = 200, body = Page), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(page): Path<String>,
) -> Result<Json<Page>, ApiError> {
    let page = state
        .app
        .resolve_page(&caller.actor, page_key(&page)?, Via::Api)
        .await?;
    Ok(Json(Page::from(&page)))
}

fn rules_body(rules: &[muster_core::oncall::escalation::NotificationRule]) -> NotificationRules {
    NotificationRules {
        rules: rules
            .iter()
            .map(|r| NotificationRule {
                kind: r.kind.as_str().to_owned(),
                after_minutes: r.after.as_mins(),
            })
            .collect(),
    }
}

/// A person's notification rules: which contact method is tried how many
/// minutes after they are paged. None: every method at once.
#[utoipa::path(get, path = "/users/{id}/notification-rules", tag = "paging", params(("id" = String, Path, description = "User id or email")),
    responses((status = 200, body = NotificationRules), (status = 404, body = ErrorBody)))]
pub async fn rules(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<NotificationRules>, ApiError> {
    let user = state.app.find_user(&caller.actor, &id).await?;
    let rules = state.app.notification_rules(&caller.actor, &user).await?;
    Ok(Json(rules_body(&rules)))
}

/// Replace a person's notification rules (your own, or anyone's as admin).
#[utoipa::path(put, path = "/users/{id}/notification-rules", tag = "paging", params(("id" = String, Path, description = "User id or email")),
    request_body = NotificationRules,
    responses((status = 200, body = NotificationRules), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_rules(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NotificationRules>,
) -> Result<Json<NotificationRules>, ApiError> {
    let user = state.app.find_user(&caller.actor, &id).await?;
    let drafts: Vec<RuleDraft> = body
        .rules
        .into_iter()
        .map(|r| RuleDraft {
            kind: r.kind,
            after_minutes: r.after_minutes,
        })
        .collect();
    let rules = state
        .app
        .set_notification_rules(&caller.actor, &user, &drafts)
        .await?;
    Ok(Json(rules_body(&rules)))
}

/// Whether each notification sink is configured and reachable (admins).
#[utoipa::path(get, path = "/notifications/health", tag = "paging",
    responses((status = 200, body = SinkHealthList), (status = 403, body = ErrorBody)))]
pub async fn sink_health(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<SinkHealthList>, ApiError> {
    if !caller.actor.can(Permission::ManageUsers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only admins may see the notification settings",
        ));
    }
    let checks = match &state.sinks {
        Some(sinks) => sinks.health().await,
        None => Vec::new(),
    };
    Ok(Json(SinkHealthList {
        sinks: checks
            .into_iter()
            .map(|(kind, health)| {
                let (status, detail) = match health {
                    muster_sinks::Health::Ok(detail) => ("ok", detail),
                    muster_sinks::Health::NotConfigured => ("not_configured", String::new()),
                    muster_sinks::Health::Failing(detail) => ("failing", detail),
                };
                SinkHealth {
                    sink: kind.as_str().to_owned(),
                    status: status.to_owned(),
                    detail,
                }
            })
            .collect(),
    }))
}
