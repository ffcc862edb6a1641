//! View models: plain data, already formatted, that templates only print.
//! Everything a template needs is decided here or in [`crate::present`], so
//! templates hold no logic beyond loops and conditionals.

mod alerts;
mod integrations;
mod oncall;
mod paging;
mod process;
mod status_page;

pub use alerts::*;
pub use integrations::*;
pub use oncall::*;
pub use paging::*;
pub use process::*;
pub use status_page::*;

/// The signed-in person, for the top bar and every form's CSRF field.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub csrf_token: String,
    /// Viewers read but never see write controls.
    pub can_write: bool,
    /// May edit teams, services and functionalities.
    pub can_edit_catalog: bool,
}

/// Asset URLs (with a content hash, so browsers may cache them forever) and
/// the person, shared by every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub css_href: String,
    /// On-call and paging styles, kept apart from the base sheet.
    pub oncall_css_href: String,
    /// Alert, silence and route styles.
    pub alerts_css_href: String,
    pub js_href: String,
    pub icon_href: String,
    pub me: Option<Me>,
}

impl Chrome {
    pub fn new(me: Option<Me>) -> Self {
        Self {
            css_href: crate::asset_href("muster.css"),
            oncall_css_href: crate::asset_href("oncall.css"),
            alerts_css_href: crate::asset_href("alerts.css"),
            js_href: crate::asset_href("htmx.min.js"),
            icon_href: crate::asset_href("favicon.svg"),
            me,
        }
    }

    /// The CSRF token for forms, empty on pages without a session.
    pub fn csrf(&self) -> &str {
        self.me.as_ref().map_or("", |me| me.csrf_token.as_str())
    }

    pub fn can_write(&self) -> bool {
        self.me.as_ref().is_some_and(|me| me.can_write)
    }

    pub fn can_edit_catalog(&self) -> bool {
        self.me.as_ref().is_some_and(|me| me.can_edit_catalog)
    }
}

/// A message shown above the content: the outcome of the last action.
#[derive(Debug, Clone)]
pub struct Flash {
    pub message: String,
    /// `error` or `info`; a CSS modifier.
    pub kind: &'static str,
}

impl Flash {
    pub fn error(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: "error",
        }
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: "info",
        }
    }
}

/// A severity as a coloured badge. `class` is `sev-1` (worst) … `sev-5`.
#[derive(Debug, Clone)]
pub struct SeverityBadge {
    pub code: String,
    pub name: String,
    pub description: String,
    pub class: String,
}

/// An incident status as a pill.
#[derive(Debug, Clone)]
pub struct StatusPill {
    pub code: &'static str,
    pub label: &'static str,
}

/// One `<option>` of a select.
#[derive(Debug, Clone)]
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub title: String,
    pub selected: bool,
}

/// One row of the incident list.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    pub key: String,
    pub href: String,
    pub title: String,
    pub severity: SeverityBadge,
    pub status: StatusPill,
    pub declared_at: String,
    pub declared_at_iso: String,
    pub drill: bool,
    pub private: bool,
    pub tags: Vec<String>,
}

/// The filter form of the incident list, echoing what was asked.
#[derive(Debug, Clone)]
pub struct ListFilters {
    pub statuses: Vec<OptionView>,
    pub severities: Vec<OptionView>,
    pub drills: Vec<OptionView>,
    pub tag: String,
    /// Whether any filter narrows the list (offers a "clear" link).
    pub active: bool,
}

/// One step of the milestone bar.
#[derive(Debug, Clone)]
pub struct MilestoneStep {
    pub code: &'static str,
    pub label: &'static str,
    pub at: Option<String>,
    pub at_iso: String,
    /// The instant as a `datetime-local` value (UTC), empty when not reached.
    pub at_input: String,
    /// The latest milestone reached: highlighted.
    pub current: bool,
}

/// A button that moves the incident to a milestone.
#[derive(Debug, Clone)]
pub struct MilestoneAction {
    pub code: &'static str,
    pub label: &'static str,
    pub href: String,
    /// The natural next step is emphasised; the others are secondary.
    pub primary: bool,
}

/// A configured role, who holds it, and the choices to give it to someone.
#[derive(Debug, Clone)]
pub struct RoleRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub holder: Option<String>,
    pub holder_is_me: bool,
    pub assign_href: String,
    pub unassign_href: String,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub name: String,
    pub joined_at: String,
    /// Roles held, e.g. "Incident commander".
    pub roles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: String,
    pub title: String,
    pub done: bool,
    pub assignee: Option<String>,
    pub href: String,
    pub options: Vec<OptionView>,
}

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// The event kind code (`note`, `milestone_reached`, …); a CSS modifier.
    pub kind: &'static str,
    pub is_note: bool,
    pub time: String,
    pub at_iso: String,
    pub at_full: String,
    /// Set on the first entry of each day in display order.
    pub day: Option<String>,
    pub actor: String,
    pub text: String,
}

/// Everything shown on an incident's page.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub key: String,
    pub href: String,
    pub title: String,
    pub description: String,
    pub impact: String,
    pub tags: Vec<String>,
    pub tags_text: String,
    /// The runbooks attached, in the order they attached.
    pub runbooks: Vec<String>,
    pub severity: SeverityBadge,
    pub status: StatusPill,
    pub drill: bool,
    pub private: bool,
    pub version: u64,
    pub declared_at: String,
    pub declared_by: String,
    pub milestones: Vec<MilestoneStep>,
    pub actions: Vec<MilestoneAction>,
    pub severity_options: Vec<OptionView>,
    pub roles: Vec<RoleRow>,
    pub participants: Vec<ParticipantRow>,
    /// Whether the viewer takes part (else a "Join" button is offered).
    pub i_participate: bool,
    pub my_id: String,
    pub join_href: String,
    pub participant_options: Vec<OptionView>,
    pub tasks: Vec<TaskRow>,
    pub tasks_done: usize,
    pub task_assignee_options: Vec<OptionView>,
    /// Newest first.
    pub timeline: Vec<TimelineItem>,
    /// The newest timeline sequence shown; polls ask only for what follows.
    pub last_sequence: i64,
    /// The pages raised for it, newest first.
    pub pages: Vec<IncidentPageRow>,
    /// "Page a team" for this incident.
    pub page_form: PageForm,
    /// What to do next, from its runbooks, roles, tasks and update cadence.
    pub whats_next: WhatsNextView,
    /// The scenario it was started from, if any.
    pub scenario: Option<ScenarioView>,
    /// Its card for the public status page (when the plan has components).
    pub status_page: Option<StatusPageCard>,
}

/// Values typed into the declare form, echoed back when it is refused.
#[derive(Debug, Clone, Default)]
pub struct DeclareForm {
    pub title: String,
    pub description: String,
    pub impact: String,
    pub tags: String,
    pub drill: bool,
    pub private: bool,
    /// What customers cannot do, in their words ("can't log in").
    pub functionality: String,
    /// Comma-separated service names.
    pub services: String,
    /// The plan's scenario it starts from, if any.
    pub scenario: String,
}

/// A field-level error, for the field's label.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

/// A link to a team, by name.
#[derive(Debug, Clone)]
pub struct TeamRef {
    pub slug: String,
    pub name: String,
    pub href: String,
}

/// A service in a list: who owns it, how critical, and (in dependency and
/// blast-radius lists) how it is linked.
#[derive(Debug, Clone)]
pub struct ServiceRef {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub owner: Option<TeamRef>,
    pub tier: u8,
    /// `hard` or `soft`; empty where it does not apply.
    pub criticality: &'static str,
    /// Hops from the focus; 0 where it does not apply.
    pub distance: usize,
    pub lifecycle: &'static str,
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct FunctionalityRef {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub owner: Option<TeamRef>,
    /// `hard` (unusable) or `soft` (degraded); empty where it does not apply.
    pub criticality: &'static str,
    pub services: Vec<ServiceRef>,
}

#[derive(Debug, Clone)]
pub struct TeamRow {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub contact_channel: String,
    pub members: usize,
    pub services: usize,
    pub functionalities: usize,
}

/// `/catalog`: everything, by name.
#[derive(Debug, Clone)]
pub struct CatalogOverview {
    pub teams: Vec<TeamRow>,
    pub services: Vec<ServiceRef>,
    pub functionalities: Vec<FunctionalityRef>,
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub email: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct LinkView {
    pub title: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct TeamView {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub description: String,
    pub contact_channel: String,
    pub escalation_policy: Option<String>,
    pub members: Vec<MemberRow>,
    pub services: Vec<ServiceRef>,
    pub functionalities: Vec<FunctionalityRef>,
}

#[derive(Debug, Clone)]
pub struct ServiceView {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub description: String,
    pub owner: Option<TeamRef>,
    pub tier: u8,
    pub lifecycle: &'static str,
    pub kind: String,
    pub tags: Vec<String>,
    pub links: Vec<LinkView>,
    pub runbooks: Vec<LinkView>,
    pub rollback_plan: String,
    /// What it needs (direct), with criticality.
    pub dependencies: Vec<ServiceRef>,
    /// What needs it (direct), with criticality.
    pub dependants: Vec<ServiceRef>,
    /// Everything its failure reaches, nearest first.
    pub impacted_services: Vec<ServiceRef>,
    pub impacted_functionalities: Vec<FunctionalityRef>,
    /// Owners of the service and of everything its failure reaches.
    pub teams_to_involve: Vec<TeamRef>,
    /// Dependency cycles through it, as `a → b → a`.
    pub cycles: Vec<String>,
    /// The neighbourhood as inline SVG, already escaped.
    pub graph_svg: String,
}

#[derive(Debug, Clone)]
pub struct FunctionalityView {
    pub slug: String,
    pub name: String,
    pub href: String,
    pub description: String,
    pub aliases: Vec<String>,
    pub owner: Option<TeamRef>,
    /// The services it stands on directly.
    pub services: Vec<ServiceRef>,
    /// What those need, transitively, with how badly.
    pub backing: Vec<ServiceRef>,
    pub graph_svg: String,
}

/// The team form's fields, as typed (or as stored, when editing).
#[derive(Debug, Clone, Default)]
pub struct TeamForm {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub contact_channel: String,
    pub escalation_policy: String,
    /// `email:role` lines.
    pub members: String,
}

#[derive(Debug, Clone, Default)]
pub struct ServiceForm {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub owner_team: String,
    pub tier: String,
    pub lifecycle: String,
    pub kind: String,
    pub rollback_plan: String,
    /// `service:hard|soft` lines.
    pub depends_on: String,
    /// `title url` lines.
    pub links: String,
    pub runbooks: String,
    /// Comma-separated.
    pub tags: String,
}

#[derive(Debug, Clone, Default)]
pub struct FunctionalityForm {
    pub slug: String,
    pub name: String,
    pub description: String,
    /// One per line.
    pub aliases: String,
    pub owner_team: String,
    /// Service slugs, one per line.
    pub services: String,
}

/// One row of the people list.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub href: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub time_zone: String,
    pub contact_count: usize,
    pub active: bool,
}

/// One way to reach a person, as shown.
#[derive(Debug, Clone)]
pub struct ContactView {
    /// "SMS", "Voice call", …
    pub kind: String,
    pub address: String,
    pub label: String,
}

/// A person's page.
#[derive(Debug, Clone)]
pub struct UserView {
    pub href: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub time_zone: String,
    pub created_at: String,
    /// When the account was deactivated, if it was.
    pub deactivated_at: Option<String>,
    pub contact_methods: Vec<ContactView>,
}

/// The profile form's fields, as shown (or as typed, when refused).
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub time_zone: String,
    /// One contact method per line: `kind:address label`.
    pub contact_methods: String,
}
