//! Incident pages: the list, the declare form, one incident, and its live
//! fragment.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use muster_app::AppError;
use muster_app::incidents::IncidentKey;
use muster_app::paging::PageKey;
use muster_core::{IncidentStatus, NewIncident};
use muster_store::{IncidentFilter, PageFilter};
use muster_ui::pages::{DeclarePage, IncidentListPage, IncidentLive, IncidentPage};
use muster_ui::present::{self, IncidentInputs, PageHistory};
use muster_ui::view::{
    DeclareForm, FieldMessage, Flash, IncidentView, ScenarioView, WhatsNextView,
};
use serde::Deserialize;

use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, ConsoleQuery, describe, encode_query_value, is_htmx, render};
use crate::state::AppState;

const PAGE_SIZE: u32 = 25;
/// The newest pages an incident's page lists, each with its latest history.
const PAGES_SHOWN: u32 = 10;

/// `INC-42`, `42` or a UUID; anything else names no incident.
pub(super) fn key(raw: &str) -> Result<IncidentKey, ConsoleError> {
    raw.parse::<IncidentKey>()
        .map_err(|_| ConsoleError::not_found(&format!("Incident {raw:?}")))
}

/// Everything an incident page shows: the whole timeline, tasks and names.
pub(super) async fn load_view(
    state: &AppState,
    user: &ConsoleUser,
    key: IncidentKey,
) -> Result<IncidentView, AppError> {
    let actor = &user.principal.actor;
    let overview = state.app.incident_overview(actor, key).await?;
    let pages = state
        .app
        .list_pages(
            actor,
            PageFilter {
                incident: Some(overview.incident.id),
                limit: PAGES_SHOWN,
                ..PageFilter::default()
            },
        )
        .await?;
    let mut details = Vec::with_capacity(pages.len());
    for page in &pages {
        details.push(state.app.page_detail(actor, PageKey::Id(page.id)).await?);
    }
    let histories: Vec<PageHistory<'_>> = details
        .iter()
        .map(|d| PageHistory {
            page: &d.page,
            events: &d.events,
        })
        .collect();
    // Only the "Page a team" choices: the page must show without them.
    let catalog = state.app.catalog(actor).await.unwrap_or_default();
    let settings = state.app.settings();
    // The plan's own roles too; the configured ones if the plan cannot be read.
    let roles = state
        .app
        .roles()
        .await
        .unwrap_or_else(|_| settings.roles.clone());
    let mut view = present::incident_view(IncidentInputs {
        incident: &overview.incident,
        tasks: &overview.tasks,
        timeline: &overview.timeline,
        users: &overview.users,
        severities: &settings.severities,
        roles: &roles,
        me: user.principal.user.id,
        pages: &histories,
        teams: &catalog.teams,
    });
    // The process panels help; the incident must show without them.
    match process_panels(state, actor, key, &roles).await {
        Ok((whats_next, scenario)) => {
            view.whats_next = whats_next;
            view.scenario = scenario;
        }
        Err(error) => {
            tracing::warn!(incident = %key, %error, "the incident's process panels could not be built");
        }
    }
    match super::status_page::status_card(state, &overview.incident, &overview.timeline).await {
        Ok(card) => view.status_page = card,
        Err(error) => {
            tracing::warn!(incident = %key, %error, "the incident's status-page card could not be built");
        }
    }
    Ok(view)
}

/// The "what's next" panel and, for an incident started from one, the
/// scenario card.
async fn process_panels(
    state: &AppState,
    actor: &muster_core::Actor,
    key: IncidentKey,
    roles: &muster_core::RoleCatalog,
) -> Result<(WhatsNextView, Option<ScenarioView>), AppError> {
    let next = state.app.whats_next(actor, key).await?;
    let (templates, default_template) = state.app.update_templates(&next.incident.severity).await?;
    let whats_next = present::whats_next_view(present::ProcessInputs {
        incident: &next.incident,
        panel: &next.panel,
        cadence: next.cadence.as_ref(),
        tasks: &next.tasks,
        roles,
        templates: &templates,
        default_template: &default_template,
    });
    let scenario = next
        .scenario
        .as_ref()
        .map(|c| present::scenario_view(&c.incident, &c.scenario, c.zero, &c.moments));
    Ok((whats_next, scenario))
}

/// What a live fragment carries besides the live parts.
#[derive(Debug, Clone, Default)]
pub(super) struct LiveExtras {
    /// `Some` replaces the flash area (an empty flash clears an old error).
    pub flash: Option<Option<Flash>>,
    pub fresh_note: bool,
    pub fresh_task: bool,
}

pub(super) fn live_fragment(
    status: StatusCode,
    user: &ConsoleUser,
    view: IncidentView,
    extras: LiveExtras,
) -> Response {
    let fragment = IncidentLive {
        chrome: user.chrome(),
        incident: view,
        oob: true,
        replace_flash: extras.flash.is_some(),
        flash: extras.flash.flatten(),
        fresh_note: extras.fresh_note,
        fresh_task: extras.fresh_task,
    };
    render(status, &fragment)
}

pub(super) fn incident_page(
    status: StatusCode,
    user: &ConsoleUser,
    view: IncidentView,
    flash: Option<Flash>,
) -> Response {
    render(
        status,
        &IncidentPage {
            chrome: user.chrome(),
            flash,
            incident: view,
            oob: false,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    severity: String,
    drill: String,
    tag: String,
    cursor: String,
}

fn filter_of(query: &ListQuery) -> Result<IncidentFilter, AppError> {
    let statuses = match query.status.as_str() {
        "" => Vec::new(),
        raw => vec![
            raw.parse::<IncidentStatus>()
                .map_err(|m| AppError::invalid("status", m))?,
        ],
    };
    let before_number = match query.cursor.as_str() {
        "" => None,
        raw => Some(
            raw.parse::<u64>()
                .map_err(|_| AppError::invalid("cursor", format!("malformed cursor {raw:?}")))?,
        ),
    };
    Ok(IncidentFilter {
        statuses,
        severities: if query.severity.is_empty() {
            Vec::new()
        } else {
            vec![query.severity.clone()]
        },
        drill: match query.drill.as_str() {
            "only" => Some(true),
            "exclude" => Some(false),
            _ => None,
        },
        tag: Some(query.tag.trim().to_owned()).filter(|t| !t.is_empty()),
        before_number,
        limit: PAGE_SIZE,
        ..IncidentFilter::default()
    })
}

/// The list URL with the same filters, at `cursor`.
fn list_href(query: &ListQuery, cursor: Option<u64>) -> String {
    let cursor = cursor.map(|c| c.to_string()).unwrap_or_default();
    let pairs = [
        ("status", query.status.as_str()),
        ("severity", query.severity.as_str()),
        ("drill", query.drill.as_str()),
        ("tag", query.tag.as_str()),
        ("cursor", cursor.as_str()),
    ];
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    if query.is_empty() {
        String::from("/")
    } else {
        format!("/?{}", query.join("&"))
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<ListQuery>,
) -> Result<Response, ConsoleError> {
    let scale = &state.app.settings().severities;
    let result = match filter_of(&query) {
        Ok(filter) => {
            state
                .app
                .list_incidents(&user.principal.actor, filter)
                .await
        }
        Err(error) => Err(error),
    };
    let (status, flash, rows, older_href) = match result {
        Ok(page) => {
            let older = page
                .has_more
                .then(|| {
                    page.incidents
                        .last()
                        .map(|i| list_href(&query, Some(i.number.0)))
                })
                .flatten();
            let rows = page
                .incidents
                .iter()
                .map(|i| present::incident_row(i, scale))
                .collect();
            (StatusCode::OK, None, rows, older)
        }
        Err(error @ AppError::Invalid(_)) => {
            let (status, message) = describe(error);
            (status, Some(Flash::error(message)), Vec::new(), None)
        }
        Err(error) => return Err(user.fail(error)),
    };
    let page = IncidentListPage {
        chrome: user.chrome(),
        flash,
        filters: present::list_filters(
            scale,
            &query.status,
            &query.severity,
            &query.drill,
            &query.tag,
        ),
        rows,
        older_href,
        newest_href: (!query.cursor.is_empty()).then(|| list_href(&query, None)),
    };
    Ok(render(status, &page))
}

async fn declare_page(
    state: &AppState,
    user: &ConsoleUser,
    form: DeclareForm,
    severity: &str,
    errors: Vec<FieldMessage>,
) -> DeclarePage {
    let scale = &state.app.settings().severities;
    // The pickers only suggest; declaring must work even if the catalog cannot be read.
    let catalog = state
        .app
        .catalog(&user.principal.actor)
        .await
        .unwrap_or_default();
    // Like the pickers, the scenarios only help: a plan that cannot be read
    // offers none.
    let scenarios = state
        .app
        .scenarios()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(name, description)| muster_ui::view::OptionView {
            selected: name == form.scenario,
            label: name.clone(),
            value: name,
            title: description,
        })
        .collect();
    DeclarePage {
        scenarios,
        functionality_names: catalog
            .functionalities
            .iter()
            .map(|f| f.name.clone())
            .collect(),
        service_names: catalog
            .services
            .iter()
            .map(|s| s.slug.to_string())
            .collect(),
        chrome: user.chrome(),
        flash: (!errors.is_empty()).then(|| {
            Flash::error("The incident was not declared: please fix the fields marked below.")
        }),
        form,
        severities: present::severity_options(scale, severity),
        guide: present::severity_guide(scale),
        errors,
    }
}

pub async fn new(State(state): State<AppState>, user: ConsoleUser) -> Response {
    render(
        StatusCode::OK,
        &declare_page(&state, &user, DeclareForm::default(), "", Vec::new()).await,
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeclareInput {
    title: String,
    severity: String,
    description: String,
    impact: String,
    tags: String,
    drill: Option<String>,
    private: Option<String>,
    /// What customers cannot do, in their words.
    functionality: String,
    /// Comma-separated service names.
    services: String,
    /// A scenario of the plan to start from.
    scenario: String,
}

pub(super) fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn declare(
    State(state): State<AppState>,
    Verified(user, input): Verified<DeclareInput>,
) -> Result<Response, ConsoleError> {
    let new = NewIncident {
        title: input.title.clone(),
        severity: Some(input.severity.clone()).filter(|s| !s.is_empty()),
        description: input.description.clone(),
        impact: input.impact.clone(),
        tags: split_tags(&input.tags),
        drill: input.drill.is_some(),
        private: input.private.is_some(),
        started_at: None,
        detected_at: None,
        affected: Default::default(),
    };
    let services = split_tags(&input.services);
    let functionalities: Vec<String> = Some(input.functionality.trim().to_owned())
        .filter(|f| !f.is_empty())
        .into_iter()
        .collect();
    let declared = state
        .app
        .declare_incident_from(
            &user.principal.actor,
            new,
            &services,
            &functionalities,
            Some(input.scenario.as_str()),
        )
        .await;
    match declared {
        Ok(incident) => Ok(Redirect::to(&present::incident_href(&incident)).into_response()),
        Err(AppError::Invalid(fields)) => {
            let errors = fields
                .into_iter()
                .map(|f| FieldMessage {
                    field: f.field,
                    message: f.message,
                })
                .collect();
            let form = DeclareForm {
                title: input.title,
                description: input.description,
                impact: input.impact,
                tags: input.tags,
                drill: input.drill.is_some(),
                private: input.private.is_some(),
                functionality: input.functionality,
                services: input.services,
                scenario: input.scenario,
            };
            let page = declare_page(&state, &user, form, &input.severity, errors).await;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(error) => Err(user.fail(error)),
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    Path(raw): Path<String>,
) -> Result<Response, ConsoleError> {
    let key = key(&raw).map_err(|e| user.fail(e))?;
    let view = load_view(&state, &user, key)
        .await
        .map_err(|e| user.fail(e))?;
    Ok(incident_page(StatusCode::OK, &user, view, None))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveQuery {
    /// The newest timeline sequence the browser shows.
    seen: Option<i64>,
}

/// The live fragment. Every change to an incident writes a timeline entry,
/// so "nothing after `seen`" means nothing changed: 204, and htmx keeps the page.
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: ConsoleUser,
    Path(raw): Path<String>,
    ConsoleQuery(query): ConsoleQuery<LiveQuery>,
) -> Result<Response, ConsoleError> {
    let htmx = is_htmx(&headers);
    let fail = |error: ConsoleError| user.fail(error).for_htmx(htmx);
    let key = key(&raw).map_err(fail)?;
    if let Some(seen) = query.seen {
        let (_, newer) = state
            .app
            .timeline(&user.principal.actor, key, Some(seen), 1)
            .await
            .map_err(|e| fail(e.into()))?;
        if newer.is_empty() {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
    }
    let view = load_view(&state, &user, key)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(live_fragment(
        StatusCode::OK,
        &user,
        view,
        LiveExtras::default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_links_keep_the_filters() {
        let query = ListQuery {
            status: "active".into(),
            tag: "team:payments".into(),
            ..ListQuery::default()
        };
        assert_eq!(
            list_href(&query, Some(40)),
            "/?status=active&tag=team%3Apayments&cursor=40"
        );
        assert_eq!(list_href(&ListQuery::default(), None), "/");
    }

    #[test]
    fn tags_are_split_on_commas() {
        assert_eq!(
            split_tags(" db, payments ,,eu "),
            vec!["db", "payments", "eu"]
        );
    }
}
