//! `/api/v1`: the JSON API. The OpenAPI document is generated from these
//! handlers' annotations, so every route is in it by construction.

mod accounts;
mod alerts;
pub(crate) mod calendar;
mod catalog;
mod changes;
mod collaboration;
mod incidents;
mod meta;
pub(crate) mod oncall;
pub(crate) mod paging;
mod plan;
pub(crate) mod process;
mod runbooks;
mod silences;
mod status_page;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use crate::state::AppState;

/// Largest whole-catalog document `POST /api/v1/catalog/sync` accepts.
pub const CATALOG_BODY_LIMIT: usize = 64 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "muster API", version = "1", description = "Incident management: declare, run and learn from incidents."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "incidents", description = "Declare and run incidents"),
        (name = "accounts", description = "Users and API tokens"),
        (name = "settings", description = "Configured severities and roles"),
        (name = "catalog", description = "Teams, services, functionalities and their dependencies"),
        (name = "plan", description = "The incident plan as code: apply, export, review"),
        (name = "oncall", description = "Schedules, overrides, who is on call, escalation policies"),
        (name = "paging", description = "Pages that escalate until acknowledged, and notification rules"),
        (name = "alerts", description = "Alert integrations and the alerts they made"),
        (name = "status page", description = "The public status page: public incident updates, components, maintenance, subscribers"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API routes, plus `/api/v1/openapi.json` generated from them.
pub fn router() -> Router<AppState> {
    let (api, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes())
        .split_for_parts();
    // Serialised once: the document cannot change while the process runs.
    let document = document
        .to_pretty_json()
        .unwrap_or_else(|_| String::from("{}"));
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let document = document.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], document) }
        }),
    )
}

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(oncall::list_schedules))
        .routes(routes!(oncall::show_schedule))
        .routes(routes!(calendar::schedule_ics))
        .routes(routes!(oncall::list_overrides, oncall::create_override))
        .routes(routes!(oncall::delete_override))
        .routes(routes!(oncall::on_call))
        .routes(routes!(oncall::list_policies))
        .routes(routes!(calendar::user_ics))
        .routes(routes!(paging::list, paging::create))
        .routes(routes!(paging::show))
        .routes(routes!(paging::acknowledge))
        .routes(routes!(paging::resolve))
        .routes(routes!(paging::rules, paging::set_rules))
        .routes(routes!(paging::sink_health))
        .routes(routes!(alerts::list, alerts::create))
        .routes(routes!(alerts::show))
        .routes(routes!(alerts::rotate_key))
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(silences::routing))
        .routes(routes!(changes::list))
        .routes(routes!(silences::list, silences::create))
        .routes(routes!(silences::show, silences::expire))
        .routes(routes!(alerts::show_alert))
        .routes(routes!(alerts::acknowledge_alert))
        .routes(routes!(alerts::resolve_alert))
        .routes(routes!(alerts::attach_alert))
        .routes(routes!(alerts::open_incident))
        .routes(routes!(incidents::list, incidents::declare))
        .routes(routes!(incidents::show, incidents::update))
        .routes(routes!(incidents::acknowledge))
        .routes(routes!(incidents::mitigate))
        .routes(routes!(incidents::resolve))
        .routes(routes!(incidents::close))
        .routes(routes!(incidents::edit_milestone))
        .routes(routes!(collaboration::timeline))
        .routes(routes!(collaboration::add_note))
        .routes(routes!(
            collaboration::assign_role,
            collaboration::unassign_role
        ))
        .routes(routes!(collaboration::add_participant))
        .routes(routes!(collaboration::remove_participant))
        .routes(routes!(collaboration::list_tasks, collaboration::add_task))
        .routes(routes!(collaboration::update_task))
        .routes(routes!(process::incident_runbooks, process::attach_runbook))
        .routes(routes!(process::run_step))
        .routes(routes!(process::whats_next))
        .routes(routes!(process::send_update))
        .routes(routes!(process::scenario))
        .routes(routes!(process::mark_scenario_action))
        .routes(routes!(
            status_page::publish,
            status_page::incident_status_page
        ))
        .routes(routes!(status_page::components))
        .routes(routes!(
            status_page::set_component_status,
            status_page::clear_component_status
        ))
        .routes(routes!(status_page::verify_component))
        .routes(routes!(
            status_page::maintenances,
            status_page::schedule_maintenance
        ))
        .routes(routes!(status_page::complete_maintenance))
        .routes(routes!(status_page::move_maintenance))
        .routes(routes!(status_page::subscribers))
        .routes(routes!(meta::severities))
        .routes(routes!(meta::roles))
        .routes(routes!(accounts::list_users, accounts::create_user))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(
            accounts::show_user,
            accounts::update_user,
            accounts::deactivate_user
        ))
        .routes(routes!(accounts::list_tokens, accounts::create_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(accounts::login))
        .routes(routes!(catalog::list_teams))
        .routes(routes!(
            catalog::show_team,
            catalog::put_team,
            catalog::delete_team
        ))
        .routes(routes!(catalog::list_services))
        .routes(routes!(
            catalog::show_service,
            catalog::put_service,
            catalog::delete_service
        ))
        .routes(routes!(catalog::impact))
        .routes(routes!(catalog::list_functionalities))
        .routes(routes!(
            catalog::show_functionality,
            catalog::put_functionality,
            catalog::delete_functionality
        ))
        .routes(routes!(catalog::backing))
        // A whole catalog (10,000 services is a few MB) is far larger than any
        // other request; only this route accepts that much.
        .routes(routes!(catalog::sync).layer(DefaultBodyLimit::max(CATALOG_BODY_LIMIT)))
        .routes(routes!(plan::apply).layer(DefaultBodyLimit::max(plan::PLAN_BODY_LIMIT)))
        .routes(routes!(plan::overview))
        .routes(routes!(plan::source))
        .routes(routes!(plan::export))
        .routes(routes!(plan::stale))
        .routes(routes!(runbooks::list))
}
