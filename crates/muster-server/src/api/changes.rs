//! Change events: what changed on a service, newest first.

use axum::Json;
use axum::extract::{Query, State};
use muster_api_types::ErrorBody;
use muster_api_types::alerts::AlertLink;
use muster_api_types::changes::{Change, ChangeList, ChangeQuery};
use muster_core::Slug;
use muster_store::changes::ChangeFilter;

use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

fn change(c: &muster_store::changes::Change) -> Change {
    Change {
        id: c.id,
        integration: c.integration.as_uuid(),
        service: c.service.as_ref().map(|s| s.as_str().to_owned()),
        team: c.team.as_ref().map(|t| t.as_str().to_owned()),
        summary: c.summary.clone(),
        source: c.source.clone(),
        happened_at: c.happened_at,
        details: serde_json::from_str(&c.details).unwrap_or(serde_json::Value::Null),
        links: c
            .links
            .iter()
            .map(|l| AlertLink {
                href: l.href.clone(),
                text: l.text.clone(),
            })
            .collect(),
        received_at: c.received_at,
    }
}

/// Changes (deploys, configuration pushes) sent as PagerDuty change events.
#[utoipa::path(get, path = "/changes", tag = "alerts", params(ChangeQuery),
    responses((status = 200, body = ChangeList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(query): Query<ChangeQuery>,
) -> Result<Json<ChangeList>, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("from 1 to 1000, got {limit}"),
        ));
    }
    let service = query
        .service
        .as_deref()
        .map(|s| Slug::parse("service", s))
        .transpose()
        .map_err(|e| ApiError::invalid("service", e.message))?;
    let since = query
        .since
        .as_deref()
        .map(|s| s.parse::<jiff::Timestamp>())
        .transpose()
        .map_err(|e| ApiError::invalid("since", format!("expected RFC 3339: {e}")))?;
    let changes = state
        .app
        .changes(
            &caller.actor,
            &ChangeFilter {
                service,
                since,
                limit,
            },
        )
        .await?;
    Ok(Json(ChangeList {
        changes: changes.iter().map(change).collect(),
    }))
}
