//! The plan's alert routes, grouped by the team that owns them, and a
//! preview of what they (or one of them) would decide for the alerts
//! already stored. A GET form: the preview decides and writes nothing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use muster_app::AppError;
use muster_ui::pages::AlertRoutesPage;
use muster_ui::present::{self, IntegrationInfo, PreviewItem};
use muster_ui::view::{FieldMessage, Flash};
use serde::Deserialize;

use super::alerts::integration_info;
use super::session::ConsoleUser;
use super::{ConsoleError, ConsoleQuery, describe, render};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoutesQuery {
    /// A rule's number (from 1, as shown); empty for every rule.
    rule: String,
    /// Any value runs the preview.
    preview: String,
}

/// The rule number as typed, as a 0-based index.
fn rule_index(raw: &str) -> Result<Option<usize>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        text => match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n - 1)),
            _ => Err(AppError::invalid(
                "rule",
                format!("expected a rule number, got {text:?}"),
            )),
        },
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: ConsoleUser,
    ConsoleQuery(query): ConsoleQuery<RoutesQuery>,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let plan = state
        .app
        .alert_routes(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let integrations = state
        .app
        .integrations(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let selected = rule_index(&query.rule).ok().flatten();
    let preview = if query.preview.is_empty() {
        Ok(None)
    } else {
        match rule_index(&query.rule) {
            Ok(rule) => state
                .app
                .preview_routes(actor, &plan.routes, rule)
                .await
                .map(Some),
            Err(error) => Err(error),
        }
    };
    let (status, flash, errors, preview) = match preview {
        Ok(preview) => (StatusCode::OK, None, Vec::new(), preview),
        Err(AppError::Invalid(fields)) => {
            let (status, message) = describe(AppError::Invalid(fields.clone()));
            let errors = fields
                .into_iter()
                .map(|f| FieldMessage {
                    field: f.field,
                    message: f.message,
                })
                .collect();
            (status, Some(Flash::error(message)), errors, None)
        }
        Err(error) => return Err(user.fail(error)),
    };
    let preview = preview.map(|p| {
        let items: Vec<PreviewItem<'_>> = p
            .alerts
            .iter()
            .map(|a| PreviewItem {
                alert: &a.alert,
                integration: integrations
                    .iter()
                    .find(|i| i.id == a.alert.integration)
                    .map_or(
                        IntegrationInfo {
                            id: a.alert.integration,
                            name: &a.integration,
                            kind: &a.source_kind,
                            service: None,
                            team: None,
                        },
                        integration_info,
                    ),
                decision: &a.decision,
                rule_matches: a.rule_matches,
                rule_decides: a.rule_decides,
            })
            .collect();
        present::preview_view(&plan.routes, p.rule, &items, p.considered)
    });
    Ok(render(
        status,
        &AlertRoutesPage {
            chrome: user.chrome(),
            flash,
            teams: present::team_routes(&plan.routes),
            problems: plan.problems,
            rules: present::rule_choice(&plan.routes, selected),
            preview,
            errors,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_numbered_from_one() {
        assert!(matches!(rule_index(""), Ok(None)));
        assert!(matches!(rule_index("3"), Ok(Some(2))));
        for bad in ["0", "x", "-1"] {
            assert!(rule_index(bad).is_err(), "{bad}");
        }
    }
}
