//! The configured severities and roles, for forms and clients.

use axum::Json;
use axum::extract::State;
use muster_api_types::{Role, RoleList, Severity, SeverityList};

use crate::extract::Caller;
use crate::state::AppState;

/// Configured severities, most severe first.
#[utoipa::path(get, path = "/severities", tag = "settings", responses((status = 200, body = SeverityList)))]
pub async fn severities(State(state): State<AppState>, _caller: Caller) -> Json<SeverityList> {
    let scale = &state.app.settings().severities;
    let default = scale.default_severity().code.clone();
    Json(SeverityList {
        severities: scale
            .all()
            .iter()
            .enumerate()
            .map(|(rank, s)| Severity {
                code: s.code.to_string(),
                name: s.name.clone(),
                description: s.description.clone(),
                rank,
                default: s.code == default,
            })
            .collect(),
    })
}

/// Roles an incident can have: the built-in four and any custom ones.
#[utoipa::path(get, path = "/roles", tag = "settings", responses((status = 200, body = RoleList)))]
pub async fn roles(State(state): State<AppState>, _caller: Caller) -> Json<RoleList> {
    Json(RoleList {
        roles: state
            .app
            .settings()
            .roles
            .all()
            .iter()
            .map(|r| Role {
                code: r.code.to_string(),
                name: r.name.clone(),
                description: r.description.clone(),
            })
            .collect(),
    })
}
