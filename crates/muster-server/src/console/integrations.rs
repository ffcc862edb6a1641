//! Integrations: the list with each sender's URL, the form that adds one,
//! and "new key". A key is shown once, on the page the create or rotation
//! answers with (never kept, never in a redirect's URL).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use muster_api_types::alerts::endpoint;
use muster_app::AppError;
use muster_app::alerts::NewIntegration;
use muster_app::integration_config::IntegrationConfig;
use muster_core::FieldError;
use muster_ingest::generic::Mapping;
use muster_plan::integrations::seconds;
use muster_store::alerts::{Integration, IntegrationOrigin};
use muster_ui::pages::{IntegrationsPage, IssuedKeyPage};
use muster_ui::present::{self, IntegrationRecord};
use muster_ui::view::{FieldMessage, Flash, IntegrationForm};
use serde::Deserialize;

use super::actions::Empty;
use super::oncall::field_messages;
use super::session::{ConsoleUser, Verified};
use super::{ConsoleError, describe, render};
use crate::state::AppState;

/// The form's fields; problems on others are named on top.
const FIELDS: [&str; 8] = [
    "name",
    "kind",
    "bound",
    "interval",
    "grace",
    "signing_secret",
    "timestamp_header",
    "mapping",
];

/// How the page is shown: fresh, or with a refused form.
struct Attempt {
    status: StatusCode,
    flash: Option<Flash>,
    form: IntegrationForm,
    errors: Vec<FieldMessage>,
}

impl Attempt {
    fn fresh() -> Self {
        Self {
            status: StatusCode::OK,
            flash: None,
            form: present::blank_integration_form(),
            errors: Vec::new(),
        }
    }
}

/// What the page needs of a stored integration.
struct Shown {
    integration: Integration,
    endpoint: String,
    config: IntegrationConfig,
    last_beat_at: Option<jiff::Timestamp>,
}

impl Shown {
    fn record(&self) -> IntegrationRecord<'_> {
        let i = &self.integration;
        IntegrationRecord {
            name: &i.name,
            kind: &i.kind,
            endpoint: &self.endpoint,
            service: i.service.as_ref().map(|s| s.as_str()),
            team: i.team.as_ref().map(|t| t.as_str()),
            from_plan: i.origin == IntegrationOrigin::Plan,
            retired_at: i.retired_at,
            created_at: i.created_at,
            signed: self.config.signing_secret.is_some(),
            interval_seconds: self.config.interval_seconds,
            grace_seconds: self.config.grace_seconds,
            last_beat_at: self.last_beat_at,
        }
    }
}

fn shown(integration: Integration, last_beat_at: Option<jiff::Timestamp>) -> Shown {
    // A config that no longer reads shows as no settings; the list still
    // names the integration, and the API reports the fault.
    let config = IntegrationConfig::of(&integration).unwrap_or_default();
    Shown {
        endpoint: endpoint(&integration.kind),
        integration,
        config,
        last_beat_at,
    }
}

async fn integrations_page(
    state: &AppState,
    user: &ConsoleUser,
    attempt: Attempt,
) -> Result<Response, ConsoleError> {
    let actor = &user.principal.actor;
    let stored = state
        .app
        .integrations(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let beats = state
        .app
        .heartbeats(actor)
        .await
        .map_err(|e| user.fail(e))?;
    let catalog = state.app.catalog(actor).await.map_err(|e| user.fail(e))?;
    let shown: Vec<Shown> = stored
        .into_iter()
        .map(|i| {
            let beat = beats.get(&i.id).map(|b| b.last_beat_at);
            shown(i, beat)
        })
        .collect();
    let records: Vec<IntegrationRecord<'_>> = shown.iter().map(Shown::record).collect();
    let services: Vec<&str> = catalog.services.iter().map(|s| s.slug.as_str()).collect();
    let teams: Vec<&str> = catalog.teams.iter().map(|t| t.slug.as_str()).collect();
    let me = user.me();
    Ok(render(
        attempt.status,
        &IntegrationsPage {
            chrome: user.chrome(),
            flash: attempt.flash,
            rows: present::integration_rows(
                &records,
                &state.app.settings().public_url,
                me.can_edit_catalog,
            ),
            choices: present::integration_choices(&attempt.form, &services, &teams),
            form: attempt.form,
            errors: attempt.errors,
        },
    ))
}

pub async fn list(
    State(state): State<AppState>,
    user: ConsoleUser,
) -> Result<Response, ConsoleError> {
    integrations_page(&state, &user, Attempt::fresh()).await
}

/// The form, as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IntegrationInput {
    name: String,
    kind: String,
    bound: String,
    interval: String,
    grace: String,
    signing_secret: String,
    timestamp_header: String,
    mapping: String,
}

impl IntegrationInput {
    /// What was typed, for the form shown again; never the secret.
    fn echo(self) -> IntegrationForm {
        IntegrationForm {
            name: self.name,
            kind: self.kind,
            bound: self.bound,
            signing_secret: String::new(),
            timestamp_header: self.timestamp_header,
            interval: self.interval,
            grace: self.grace,
            mapping: self.mapping,
        }
    }

    /// The app's input, or each problem of the form's own reading.
    fn read(&self) -> Result<NewIntegration, Vec<FieldError>> {
        let mut problems = Vec::new();
        let (service, team) = match self.bound.trim().split_once(':') {
            Some(("service", slug)) => (Some(slug.to_owned()), None),
            Some(("team", slug)) => (None, Some(slug.to_owned())),
            _ if self.bound.trim().is_empty() => {
                problems.push(FieldError::new(
                    "bound",
                    "choose the service or team whose alerts these are",
                ));
                (None, None)
            }
            _ => {
                problems.push(FieldError::new(
                    "bound",
                    format!(
                        "expected service:<slug> or team:<slug>, got {:?}",
                        self.bound
                    ),
                ));
                (None, None)
            }
        };
        let mut seconds = |field: &str, raw: &str| match heartbeat_seconds(field, raw) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e);
                None
            }
        };
        let interval_seconds = seconds("interval", &self.interval);
        let grace_seconds = seconds("grace", &self.grace);
        let mapping = match self.mapping.trim() {
            "" => None,
            text => match serde_json::from_str::<Mapping>(text) {
                Ok(m) => Some(m),
                Err(e) => {
                    problems.push(FieldError::new("mapping", format!("not a mapping: {e}")));
                    None
                }
            },
        };
        let given = |raw: &str| Some(raw.trim().to_owned()).filter(|s| !s.is_empty());
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(NewIntegration {
            name: self.name.clone(),
            kind: self.kind.trim().to_owned(),
            service,
            team,
            config: IntegrationConfig {
                mapping,
                // A secret is kept as typed: spaces may be part of it.
                signing_secret: Some(self.signing_secret.clone()).filter(|s| !s.is_empty()),
                timestamp_header: given(&self.timestamp_header),
                interval_seconds,
                grace_seconds,
            },
        })
    }
}

/// "5m", "1h 30m", "90s" as the plan writes them, or a bare number of seconds.
fn heartbeat_seconds(field: &str, raw: &str) -> Result<Option<i64>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .or_else(|| seconds(raw))
        .map(Some)
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("expected a duration like 5m, 1h 30m or 90s, got {raw:?}"),
            )
        })
}

/// The app names fields as the API does; the form has a field per group.
fn form_field(field: &str) -> &str {
    match field {
        "service" | "team" => "bound",
        "interval_seconds" => "interval",
        "grace_seconds" => "grace",
        other if other.starts_with("mapping") => "mapping",
        other => other,
    }
}

fn refused(fields: Vec<FieldError>) -> (Vec<FieldError>, String) {
    let mut shown = Vec::new();
    let mut elsewhere = Vec::new();
    for error in fields {
        let field = form_field(&error.field).to_owned();
        if FIELDS.contains(&field.as_str()) {
            let message = if field == error.field {
                error.message
            } else {
                format!("{}: {}", error.field, error.message)
            };
            shown.push(FieldError::new(field, message));
        } else {
            elsewhere.push(format!("{}: {}", error.field, error.message));
        }
    }
    let mut message =
        String::from("The integration was not created: please fix the fields marked below.");
    if !elsewhere.is_empty() {
        message.push(' ');
        message.push_str(&elsewhere.join(". "));
    }
    (shown, message)
}

fn issued(
    state: &AppState,
    user: &ConsoleUser,
    integration: Integration,
    key: &str,
    rotated: bool,
) -> Response {
    let shown = shown(integration, None);
    render(
        if rotated {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        &IssuedKeyPage {
            chrome: user.chrome(),
            issued: present::issued_key_view(
                &shown.record(),
                key,
                &state.app.settings().public_url,
                rotated,
            ),
        },
    )
}

pub async fn create(
    State(state): State<AppState>,
    Verified(user, input): Verified<IntegrationInput>,
) -> Result<Response, ConsoleError> {
    let outcome = match input.read() {
        Ok(new) => {
            state
                .app
                .create_integration(&user.principal.actor, new)
                .await
        }
        Err(problems) => Err(AppError::Invalid(problems)),
    };
    // A name in use is a problem with the name field, shown beside it.
    let outcome = outcome.map_err(|error| match error {
        AppError::Taken { field, message } => {
            AppError::Invalid(vec![FieldError::new(field, message)])
        }
        other => other,
    });
    match outcome {
        Ok((integration, key)) => Ok(issued(&state, &user, integration, &key, false)),
        Err(AppError::Invalid(fields)) => {
            let (shown, message) = refused(fields);
            let attempt = Attempt {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                flash: Some(Flash::error(message)),
                form: input.echo(),
                errors: field_messages(shown),
            };
            integrations_page(&state, &user, attempt).await
        }
        Err(error @ (AppError::ConflictOn { .. } | AppError::Conflict { .. })) => {
            let (status, message) = describe(error);
            let attempt = Attempt {
                status,
                flash: Some(Flash::error(message)),
                form: input.echo(),
                errors: Vec::new(),
            };
            integrations_page(&state, &user, attempt).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

/// A new key for the integration; the old one stops working.
pub async fn rotate_key(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Verified(user, _): Verified<Empty>,
) -> Result<Response, ConsoleError> {
    match state
        .app
        .rotate_integration_key(&user.principal.actor, &name)
        .await
    {
        Ok((integration, key)) => Ok(issued(&state, &user, integration, &key, true)),
        Err(error @ (AppError::ConflictOn { .. } | AppError::Conflict { .. })) => {
            let (status, message) = describe(error);
            let attempt = Attempt {
                status,
                flash: Some(Flash::error(message)),
                ..Attempt::fresh()
            };
            integrations_page(&state, &user, attempt).await
        }
        Err(error) => Err(user.fail(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_intervals_read_as_people_write_them() {
        assert_eq!(heartbeat_seconds("interval", "5m"), Ok(Some(300)));
        assert_eq!(heartbeat_seconds("interval", "1h 30m"), Ok(Some(5400)));
        assert_eq!(heartbeat_seconds("interval", "90"), Ok(Some(90)));
        assert_eq!(heartbeat_seconds("interval", " "), Ok(None));
        for bad in ["soon", "5 parsecs", "1.5s"] {
            assert!(heartbeat_seconds("interval", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_bound_select_names_a_service_or_a_team() {
        let input = |bound: &str| IntegrationInput {
            name: "x".into(),
            kind: "alertmanager".into(),
            bound: bound.into(),
            ..IntegrationInput::default()
        };
        let read = input("service:checkout")
            .read()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (read.service.as_deref(), read.team),
            (Some("checkout"), None)
        );
        let read = input("team:identity")
            .read()
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (read.service, read.team.as_deref()),
            (None, Some("identity"))
        );
        for bad in ["", "checkout", "user:vic"] {
            let problems = input(bad).read().err().unwrap_or_default();
            assert_eq!(problems.len(), 1, "{bad}");
            assert_eq!(problems[0].field, "bound");
        }
    }

    #[test]
    fn the_apps_fields_go_beside_the_forms() {
        assert_eq!(form_field("team"), "bound");
        assert_eq!(form_field("interval_seconds"), "interval");
        assert_eq!(form_field("mapping.summary"), "mapping");
        assert_eq!(form_field("name"), "name");
    }
}
