//! The templates: one struct per page or fragment. `render()` (from
//! [`askama::Template`]) turns each into HTML; the server sends it.

use askama::Template;

use crate::view::{
    Chrome, DeclareForm, FieldMessage, Flash, IncidentRow, IncidentView, ListFilters, OptionView,
    SeverityBadge,
};

/// `/login`.
#[derive(Debug, Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub email: String,
    /// Where to go after signing in (a local path).
    pub next: String,
    /// Double-submit token: also set in the `muster_csrf` cookie.
    pub form_token: String,
    /// Nobody has an account yet: point at the set-up link instead.
    pub needs_setup: bool,
}

/// `/setup?token=…`: the first admin's account.
#[derive(Debug, Template)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub token: String,
    pub email: String,
    pub name: String,
    pub form_token: String,
    /// Someone already set muster up: show a sign-in link, not the form.
    pub already_done: bool,
}

/// `/`: incidents, newest first.
#[derive(Debug, Template)]
#[template(path = "incidents.html")]
pub struct IncidentListPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub filters: ListFilters,
    pub rows: Vec<IncidentRow>,
    /// The next (older) page, if there is one.
    pub older_href: Option<String>,
    /// Back to the first page, when not on it.
    pub newest_href: Option<String>,
}

/// `/incidents/new`.
#[derive(Debug, Template)]
#[template(path = "declare.html")]
pub struct DeclarePage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub form: DeclareForm,
    pub severities: Vec<OptionView>,
    pub guide: Vec<SeverityBadge>,
    pub errors: Vec<FieldMessage>,
}

impl DeclarePage {
    /// The message for `field`, shown beside its input.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// `/incidents/{key}`.
#[derive(Debug, Template)]
#[template(path = "incident.html")]
pub struct IncidentPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub incident: IncidentView,
    /// Always false here; the partials are shared with [`IncidentLive`].
    pub oob: bool,
}

/// The live parts of an incident page: the timeline (swapped in place) plus
/// out-of-band swaps of everything else that may have changed. Answers polls
/// and htmx-submitted forms alike.
#[derive(Debug, Template)]
#[template(path = "live.html")]
pub struct IncidentLive {
    pub chrome: Chrome,
    pub incident: IncidentView,
    /// Always true here: every part but the timeline is swapped out of band.
    pub oob: bool,
    /// Replace the flash area (clearing an old error after a success).
    pub replace_flash: bool,
    pub flash: Option<Flash>,
    /// Send an empty note form, after a note was added.
    pub fresh_note: bool,
    /// Send an empty task form, after a task was added.
    pub fresh_task: bool,
}

/// Just the flash area, for an htmx request that failed.
#[derive(Debug, Template)]
#[template(path = "partials/flash.html")]
pub struct FlashFragment {
    pub flash: Option<Flash>,
    pub oob: bool,
}

/// Any error as a page: 403, 404, 500…
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub title: String,
    pub message: String,
}
