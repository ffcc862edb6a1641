//! Alert pages: the list and its live part, an alert with "why did this
//! page?", silences, and the routes per team with a preview.

use askama::Template;

use crate::view::{
    AlertDetailView, AlertFilters, AlertListView, Chrome, FieldMessage, Flash, IntegrationChoices,
    IntegrationForm, IntegrationRow, IssuedKeyView, OptionView, PreviewView, SilenceForm,
    SilenceRow, TeamRoutes,
};

/// `/alerts`: alerts, newest first, refreshing themselves.
#[derive(Debug, Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub filters: AlertFilters,
    pub list: AlertListView,
}

/// The list of `/alerts`, for its poll.
#[derive(Debug, Template)]
#[template(path = "partials/alert_list.html")]
pub struct AlertListLive {
    pub chrome: Chrome,
    pub list: AlertListView,
}

/// `/alerts/{id}`.
#[derive(Debug, Template)]
#[template(path = "alert.html")]
pub struct AlertPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub alert: AlertDetailView,
}

/// `/silences`: current (or every) silence, and the form that adds one.
#[derive(Debug, Template)]
#[template(path = "silences.html")]
pub struct SilencesPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub rows: Vec<SilenceRow>,
    /// Ended silences are listed too.
    pub show_ended: bool,
    pub form: SilenceForm,
    pub errors: Vec<FieldMessage>,
}

/// `/alerts/routes`: every team's rules, and a preview over stored alerts.
#[derive(Debug, Template)]
#[template(path = "alert_routes.html")]
pub struct AlertRoutesPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub teams: Vec<TeamRoutes>,
    /// Documents whose rules do not run, and why.
    pub problems: Vec<String>,
    /// The preview form's rule select.
    pub rules: Vec<OptionView>,
    pub preview: Option<PreviewView>,
    pub errors: Vec<FieldMessage>,
}

/// `/integrations`: every source of alerts, and the form that adds one.
#[derive(Debug, Template)]
#[template(path = "integrations.html")]
pub struct IntegrationsPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub rows: Vec<IntegrationRow>,
    pub form: IntegrationForm,
    pub choices: IntegrationChoices,
    pub errors: Vec<FieldMessage>,
}

/// A new integration's key, or a rotated one: shown once.
#[derive(Debug, Template)]
#[template(path = "integration_key.html")]
pub struct IssuedKeyPage {
    pub chrome: Chrome,
    pub issued: IssuedKeyView,
}
