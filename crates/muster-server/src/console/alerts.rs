//! Alerts: the list (filtered by a plain GET form, refreshed by a poll),
//! an alert's page with "why did this page?", and its actions:
//! acknowledge, resolve, open an incident and attach to one (CSRF-checked
//! POST forms).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::alerts::AlertOverview;
use muster_app::incidents::IncidentKey;
use muster_app::routing::Explanation;
use muster_core::alert::AlertStatus;
use muster_core::{AlertId, IntegrationId};
use muster_store::alerts::{AlertCursor, AlertFilter, Integration};
use muster_ui::pages::{AlertListLive, AlertPage, AlertsPage};
use muster_ui::present::{
    self, AlertDetailInputs, AlertListItem, IntegrationInfo, RoutingFacts, SilenceRecord,
};
use muster_ui::view::{AlertListView, Flash};
use serde::Deserialize;

use super::actions::Empty;
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, ConsoleQuery, describe, encode_query_value, is_htmx, render};
use crate::state::AppState;

/// How many alerts the list shows: the newest.
const LIST_SIZE: u32 = 50;

/// An alert's id in a path; anything else names no alert.
pub(super) fn alert_id(raw: &str) -> Result<AlertId, ConsoleError> {
    raw.parse::<AlertId>()
        .map_err(|_| ConsoleError::not_found(&format!("Alert {raw:?}")))
}

pub(super) fn integration_info(i: &Integration) -> IntegrationInfo<'_> {
    IntegrationInfo {
        id: i.id,
        name: &i.name,
        kind: &i.kind,
        service: i.service.as_ref(),
        team: i.team.as_ref(),
    }
}

/// The app's reading of a stored decision, as the views take it.
pub(super) fn facts(why: &Explanation) -> RoutingFacts<'_> {
    RoutingFacts {
        decided: why.decided,
        pending: why.pending,
        matched: &why.matched,
        target: why.target.as_deref(),
        severity: why.severity.as_deref(),
        effect: why.effect.as_deref(),
        channel: why.channel.as_deref(),
        mitigate_on_resolve: why.mitigate_on_resolve,
        reasons: &why.reasons,
        silenced_by: why.silenced_by,
        silenced_until: why.silenced_until,
        group: why.group.as_ref(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// `firing`, `acknowledged`, `resolved`, or `open` for the first two.
    status: String,
    /// An integration's id.
    integration: String,
    /// Where the page starts: the cursor of the one before (empty: newest).
    after: String,
    /// The fingerprint of what the browser shows (polls only).
    seen: String,
}

impl ListQuery {
    /// The filter and the page as a query string, for the poll (no `seen`).
    fn query_string(&self) -> String {
        self.query_at(&self.after)
    }

    /// The same filter at another page (`after` empty: the newest).
    fn query_at(&self, after: &str) -> String {
        [
            ("status", self.status.as_str()),
            ("integration", self.integration.as_str()),
            ("after", after),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn list_href(&self, after: &str) -> String {
        match self.query_at(after) {
            q if q.is_empty() => "/alerts".to_owned(),
            q => format!("/alerts?{q}"),
        }
    }

    fn filter(&self) -> Result<AlertFilter, AppError> {
        let statuses = match self.status.as_str() {
            "" => Vec::new(),
            "open" => vec![AlertStatus::Firing, AlertStatus::Acknowledged],
            raw => vec![
                raw.parse::<AlertStatus>()
                    .map_err(|m| AppError::invalid("status", m))?,
            ],
        };
        let integration = match self.integration.as_str() {
            "" => None,
            raw => Some(raw.parse::<IntegrationId>().map_err(|_| {
                AppError::invalid("integration", format!("no integration has the id {raw:?}"))
            })?),
        };
        let after = match self.after.as_str() {
            "" => None,
            raw => Some(
                raw.parse::<AlertCursor>()
                    .map_err(|m| AppError::invalid("after", m))?,
            ),
        };
        Ok(AlertFilter {
            statuses,
            integration,
            after,
            limit: LIST_SIZE,
        })
    }
}

/// The list as the query asks for it; a filter that cannot be read shows
/// the reason on top and an empty list, not an error page.
async fn list_view(
    state: &AppState,
    user: &ConsoleUser,
    query: &ListQuery,
    integrations: &[Integration],
) -> Result<(StatusCode, Option<Flash>, AlertListView), ConsoleError> {
    let actor = &user.principal.actor;
    let listed = match query.filter() {
        Ok(filter) => state.app.alert_list(actor, &filter).await,
        Err(error) => Err(error),
    };
    let (status, flash, (listed, next)) = match listed {
        Ok(listed) => (StatusCode::OK, None, listed),
        Err(error @ AppError::Invalid(_)) => {
            let (status, message) = describe(error);
            (status, Some(Flash::error(message)), (Vec::new(), None))
        }
        Err(error) => return Err(user.fail(error)),
    };
    let infos: Vec<IntegrationInfo<'_>> = integrations.iter().map(integration_info).collect();
    let items: Vec<AlertListItem<'_>> = listed
        .iter()
        .map(|l| AlertListItem {
            alert: &l.alert,
            routing: facts(&l.routing),
        })
        .collect();
    let filtered = !(query.status.is_empty() && query.integration.is_empty());
    let mut view = present::alert_list_view(
        present::alert_rows(&items, &infos),
        &query.query_string(),
        filtered,
    );
    view.older_href = next.map(|cursor| query.list_href(&cursor.to_string()));
    view.newest_href = (!query.after.is_empty()).then(|| query.list_href(""));
    Ok((status, flash, view))
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<ListQuery>,
) -> Result<Response, ConsoleError> {
    let integrations = state
        .app
        .integrations(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e))?;
    let (status, flash, list) = list_view(&state, &user, &query, &integrations).await?;
    let infos: Vec<IntegrationInfo<'_>> = integrations.iter().map(integration_info).collect();
    Ok(render(
        status,
        &AlertsPage {
            chrome: user.chrome(),
            flash,
            filters: present::alert_filters(&query.status, &query.integration, &infos),
            list,
        },
    ))
}

/// The list's poll: 204 when nothing shown has changed.
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<ListQuery>,
) -> Result<Response, ConsoleError> {
    let htmx = is_htmx(&headers);
    let integrations = state
        .app
        .integrations(&user.principal.actor)
        .await
        .map_err(|e| user.fail(e).for_htmx(htmx))?;
    let (_, _, list) = list_view(&state, &user, &query, &integrations)
        .await
        .map_err(|e| e.for_htmx(htmx))?;
    if list.fingerprint == query.seen {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(render(
        StatusCode::OK,
        &AlertListLive {
            chrome: user.chrome(),
            list,
        },
    ))
}

fn detail_page(
    state: &AppState,
    user: &ConsoleUser,
    overview: &AlertOverview,
    status: StatusCode,
    flash: Option<Flash>,
) -> Response {
    let silence = overview.silence.as_ref().map(|s| SilenceRecord {
        silence: &s.silence,
        created_by: s.created_by,
        created_at: s.created_at,
    });
    let view = present::alert_detail_view(AlertDetailInputs {
        alert: &overview.alert,
        integration: integration_info(&overview.integration),
        routing: facts(&overview.routing),
        group_alerts: &overview.group_alerts,
        page: overview.page.as_ref(),
        incident: overview.incident.as_ref(),
        silence,
        severities: &state.app.settings().severities,
        can_write: user.me().can_write,
        attachable: &overview.attachable,
    });
    render(
        status,
        &AlertPage {
            chrome: user.chrome(),
            flash,
            alert: view,
        },
    )
}

async fn show_with(
    state: &AppState,
    user: &ConsoleUser,
    id: AlertId,
    status: StatusCode,
    flash: Option<Flash>,
) -> Result<Response, ConsoleError> {
    let overview = state
        .app
        .alert_overview(&user.principal.actor, id)
        .await
        .map_err(|e| user.fail(e))?;
    Ok(detail_page(state, user, &overview, status, flash))
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let id = alert_id(&raw).map_err(|e| user.fail(e))?;
    show_with(&state, &user, id, StatusCode::OK, None).await
}

/// After an action: back to the alert, or its page again with the reason
/// on top when the action was refused (acknowledging a resolved alert).
async fn after(
    state: &AppState,
    user: &ConsoleUser,
    id: AlertId,
    outcome: Result<String, AppError>,
) -> Result<Response, ConsoleError> {
    match outcome {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(
            error
            @ (AppError::Conflict { .. } | AppError::ConflictOn { .. } | AppError::Invalid(_)),
        ) => {
            let (status, message) = describe(error);
            show_with(state, user, id, status, Some(Flash::error(message))).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let id = alert_id(&raw).map_err(|e| user.fail(e))?;
    let outcome = state
        .app
        .acknowledge_alert(&user.principal.actor, id)
        .await
        .map(|d| present::alert_href(d.alert.id));
    after(&state, &user, id, outcome).await
}

pub async fn resolve(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    let id = alert_id(&raw).map_err(|e| user.fail(e))?;
    let outcome = state
        .app
        .resolve_alert(&user.principal.actor, id)
        .await
        .map(|d| present::alert_href(d.alert.id));
    after(&state, &user, id, outcome).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OpenIncidentInput {
    /// A configured severity code; empty for the default.
    severity: String,
}

/// Declares an incident from the alert, then shows the incident.
pub async fn open_incident(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<OpenIncidentInput>,
) -> Result<Response, ConsoleError> {
    let id = alert_id(&raw).map_err(|e| user.fail(e))?;
    let outcome = state
        .app
        .open_incident_from_alert(&user.principal.actor, id, Some(input.severity))
        .await
        .map(|incident| present::incident_href(&incident));
    after(&state, &user, id, outcome).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttachInput {
    /// `INC-42` (the select's values).
    incident: String,
    /// Sent (any value) when the box is ticked; an unticked box sends nothing.
    mitigate_on_resolve: Option<String>,
}

/// Attaches the alert to an open incident, then shows the incident.
pub async fn attach(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Verified(user, input): Verified<AttachInput>,
) -> Result<Response, ConsoleError> {
    let id = alert_id(&raw).map_err(|e| user.fail(e))?;
    let outcome = match input.incident.trim().parse::<IncidentKey>() {
        Ok(key) => state
            .app
            .attach_alert(
                &user.principal.actor,
                id,
                key,
                input.mitigate_on_resolve.is_some(),
            )
            .await
            .map(|attached| present::incident_href(&attached.incident)),
        Err(error) => Err(error),
    };
    after(&state, &user, id, outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_keeps_the_filter() {
        let query = ListQuery {
            status: "open".into(),
            integration: "0190f0a0-0000-7000-8000-000000000000".into(),
            seen: "x".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            query.query_string(),
            "status=open&integration=0190f0a0-0000-7000-8000-000000000000"
        );
        assert!(ListQuery::default().query_string().is_empty());
        let bad = ListQuery {
            status: "sleeping".into(),
            ..ListQuery::default()
        };
        assert!(matches!(bad.filter(), Err(AppError::Invalid(_))));
    }

    #[test]
    fn pages_keep_the_filter_and_the_poll_keeps_the_page() {
        let cursor = "1764579600000_0190f0a0-0000-7000-8000-00000000000a";
        let query = ListQuery {
            status: "firing".into(),
            after: cursor.into(),
            ..ListQuery::default()
        };
        assert_eq!(
            query.query_string(),
            format!("status=firing&after={cursor}"),
            "a poll of an older page polls that page"
        );
        assert_eq!(query.list_href("9_x"), "/alerts?status=firing&after=9_x");
        assert_eq!(query.list_href(""), "/alerts?status=firing");
        assert_eq!(ListQuery::default().list_href(""), "/alerts");
        let filter = query.filter().unwrap();
        assert_eq!(filter.after.map(|c| c.to_string()).as_deref(), Some(cursor));
        let bad = ListQuery {
            after: "yesterday".into(),
            ..ListQuery::default()
        };
        let Err(AppError::Invalid(fields)) = bad.filter() else {
            panic!("a malformed cursor is refused");
        };
        assert!(format!("{fields:?}").contains("after"), "{fields:?}");
    }
}
