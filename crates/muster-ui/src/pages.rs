//! The templates: one struct per page or fragment. `render()` (from
//! [`askama::Template`]) turns each into HTML; the server sends it.

mod alerts;
mod oncall;
mod paging;

use askama::Template;

pub use alerts::*;
pub use oncall::*;
pub use paging::*;

use crate::view::{
    CatalogOverview, Chrome, DeclareForm, FieldMessage, Flash, FunctionalityForm,
    FunctionalityView, IncidentRow, IncidentView, ListFilters, OptionView, PersonShiftRow,
    RulesView, ServiceForm, ServiceView, SeverityBadge, TeamForm, TeamView, UserForm, UserRow,
    UserView,
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
    /// Suggestions for the "what can't customers do" picker.
    pub functionality_names: Vec<String>,
    /// Suggestions for the services field.
    pub service_names: Vec<String>,
    /// The plan's scenarios an incident may be started from.
    pub scenarios: Vec<OptionView>,
}

/// Pages with a form whose fields show their own errors.
macro_rules! field_errors {
    ($($page:ty),*) => {$(
        impl $page {
            /// The message for `field`, shown beside its input.
            pub fn error_for(&self, field: &str) -> Option<&str> {
                self.errors
                    .iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.as_str())
            }
        }
    )*};
}

field_errors!(
    DeclarePage,
    TeamFormPage,
    ServiceFormPage,
    FunctionalityFormPage,
    UserPage,
    SilencesPage,
    AlertRoutesPage,
    IntegrationsPage
);

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

/// `/catalog`: teams, services and functionalities.
#[derive(Debug, Template)]
#[template(path = "catalog.html")]
pub struct CatalogPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub catalog: CatalogOverview,
}

/// `/teams/{slug}`.
#[derive(Debug, Template)]
#[template(path = "team.html")]
pub struct TeamPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub team: TeamView,
    /// Who is on call for its team, and the form that pages them.
    pub paging: PagingPanel,
}

/// `/services/{slug}`: the service, its rollback plan, and what its failure takes with it.
#[derive(Debug, Template)]
#[template(path = "service.html")]
pub struct ServicePage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub service: ServiceView,
    /// Who is on call for its team, and the form that pages them.
    pub paging: PagingPanel,
}

/// `/functionalities/{slug}`.
#[derive(Debug, Template)]
#[template(path = "functionality.html")]
pub struct FunctionalityPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub functionality: FunctionalityView,
    /// Who is on call for its team, and the form that pages them.
    pub paging: PagingPanel,
}

/// What every catalog form page shares besides its fields.
#[derive(Debug, Clone)]
pub struct FormFrame {
    /// Creating (the slug is typed) rather than editing (the slug is fixed).
    pub creating: bool,
    /// Where the form posts.
    pub action: String,
    pub cancel_href: String,
    /// Where the delete form posts, when editing.
    pub delete_href: Option<String>,
}

/// `/teams/new` and `/teams/{slug}/edit`.
#[derive(Debug, Template)]
#[template(path = "team_form.html")]
pub struct TeamFormPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub frame: FormFrame,
    pub form: TeamForm,
    pub errors: Vec<FieldMessage>,
}

/// `/services/new` and `/services/{slug}/edit`.
#[derive(Debug, Template)]
#[template(path = "service_form.html")]
pub struct ServiceFormPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub frame: FormFrame,
    pub form: ServiceForm,
    pub owners: Vec<OptionView>,
    pub tiers: Vec<OptionView>,
    pub lifecycles: Vec<OptionView>,
    /// Slugs of the services a dependency may name.
    pub known_services: Vec<String>,
    pub errors: Vec<FieldMessage>,
}

/// `/functionalities/new` and `/functionalities/{slug}/edit`.
#[derive(Debug, Template)]
#[template(path = "functionality_form.html")]
pub struct FunctionalityFormPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub frame: FormFrame,
    pub form: FunctionalityForm,
    pub owners: Vec<OptionView>,
    pub known_services: Vec<String>,
    pub errors: Vec<FieldMessage>,
}

/// `/plan`: the running plan, who applied it, its documents and source.
#[derive(Debug, Template)]
#[template(path = "plan.html")]
pub struct PlanPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub plan: crate::present::PlanView,
}

/// `/plan/stale`: documents overdue for review.
#[derive(Debug, Template)]
#[template(path = "plan_stale.html")]
pub struct StalePlanPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub rows: Vec<crate::present::StaleRow>,
}

/// `/people`: everyone with an account.
#[derive(Debug, Template)]
#[template(path = "people.html")]
pub struct PeoplePage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub rows: Vec<UserRow>,
}

/// `/people/{id}`: a person, and their profile form for themselves or an admin.
#[derive(Debug, Template)]
#[template(path = "person.html")]
pub struct UserPage {
    pub chrome: Chrome,
    pub flash: Option<Flash>,
    pub user: UserView,
    /// The viewer may edit this profile (their own, or any as an admin).
    pub can_edit: bool,
    /// The viewer is an admin: role and email are editable, and others may be deactivated.
    pub is_admin: bool,
    /// The viewer is looking at their own profile.
    pub own: bool,
    pub form: UserForm,
    pub roles: Vec<OptionView>,
    pub errors: Vec<FieldMessage>,
    /// Their notification rules, for themselves and admins only.
    pub rules: Option<RulesView>,
    /// Their shifts over the next 14 days, on their own wall clock.
    pub shifts: Vec<PersonShiftRow>,
    /// The zone those shifts are shown in.
    pub shifts_zone: String,
    /// Their shifts as iCalendar, for this session.
    pub ics_href: String,
}
