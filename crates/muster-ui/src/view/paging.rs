//! View models of paging: the page list, a page with its whole history and
//! deliveries, the pages card of an incident, the form that raises a page,
//! one-time link pages, and a person's notification rules.

use super::{OptionView, TeamRef};

/// A page's status as a pill: `triggered`, `acknowledged`, `resolved`.
#[derive(Debug, Clone)]
pub struct PagePill {
    pub code: &'static str,
    pub label: &'static str,
}

/// An incident a page belongs to, as a link.
#[derive(Debug, Clone)]
pub struct IncidentLink {
    pub key: String,
    pub href: String,
    pub title: String,
}

/// One row of `/pages`.
#[derive(Debug, Clone)]
pub struct PageRow {
    pub key: String,
    pub href: String,
    /// "Team identity".
    pub target: String,
    pub target_href: Option<String>,
    pub summary: String,
    pub incident: Option<IncidentLink>,
    pub status: PagePill,
    /// "1 of 4".
    pub steps: String,
    pub next_at: Option<String>,
    pub triggered_at: String,
    pub drill: bool,
}

/// The filter of `/pages`.
#[derive(Debug, Clone)]
pub struct PageFilters {
    pub statuses: Vec<OptionView>,
    pub active: bool,
}

/// One entry of a page's history.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// "Dec 1, 10:00:05 UTC".
    pub time: String,
    /// "10:00:05", where the day is plain from around it.
    pub clock: String,
    pub at_iso: String,
    /// The event code (`step_fired`, …): a CSS modifier.
    pub kind: &'static str,
    /// "Step fired", "Delivered", …
    pub what: &'static str,
    /// Who acted, or to whom it was sent.
    pub who: String,
    pub sink: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct AttemptRow {
    pub number: u32,
    pub at: String,
    pub outcome: String,
    pub error: String,
}

/// One message of the outbox.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub recipient: String,
    pub sink: String,
    /// `pending`, `sent`, …: a CSS modifier.
    pub status: &'static str,
    pub due: String,
    pub sent: Option<String>,
    pub last_error: Option<String>,
    pub attempts: Vec<AttemptRow>,
}

/// Who did something to a page, and when.
#[derive(Debug, Clone)]
pub struct ActedView {
    pub by: String,
    pub at: String,
}

/// A page's own page.
#[derive(Debug, Clone)]
pub struct PageDetailView {
    pub key: String,
    pub href: String,
    pub summary: String,
    pub details: String,
    pub target: String,
    pub target_href: Option<String>,
    pub team: Option<TeamRef>,
    pub policy: Option<String>,
    pub incident: Option<IncidentLink>,
    pub drill: bool,
    pub status: PagePill,
    pub triggered: ActedView,
    pub acknowledged: Option<ActedView>,
    pub resolved: Option<ActedView>,
    /// "Step 2 of 4, next at Dec 1, 10:05 UTC", or how it ended.
    pub progress: String,
    /// Oldest first.
    pub history: Vec<HistoryRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub can_acknowledge: bool,
    pub can_resolve: bool,
    /// Changes whenever anything shown changes; polls send it back.
    pub fingerprint: String,
}

/// A page in an incident's "Pages" card, with its latest history.
#[derive(Debug, Clone)]
pub struct IncidentPageRow {
    pub key: String,
    pub href: String,
    pub target: String,
    pub status: PagePill,
    pub acknowledged_by: Option<String>,
    /// The last few entries, newest first.
    pub recent: Vec<HistoryRow>,
}

/// The form that raises a page, as typed.
#[derive(Debug, Clone, Default)]
pub struct PageForm {
    pub action: String,
    pub summary: String,
    pub details: String,
    pub drill: bool,
    /// The team select (on an incident's page); empty elsewhere.
    pub teams: Vec<OptionView>,
}

/// What a one-time link shows before anyone presses its button.
#[derive(Debug, Clone)]
pub struct LinkPageView {
    pub key: String,
    pub summary: String,
    /// "INC-7 SEV1 Login is down".
    pub incident: Option<String>,
    pub status: PagePill,
    pub recipient: Option<String>,
    /// `acknowledge` or `resolve`.
    pub action: &'static str,
    /// "Acknowledge P-12".
    pub button: String,
    /// Where the button posts (the link itself).
    pub post_href: String,
    /// Set when the action is moot: "Already acknowledged by Bram at 03:12 UTC".
    pub already: Option<String>,
    pub drill: bool,
}

/// The answer to pressing a link's button, or a link that does not work.
#[derive(Debug, Clone)]
pub struct LinkResultView {
    /// `done`, `already` or `error`: a CSS modifier.
    pub kind: &'static str,
    pub title: String,
    pub message: String,
    pub key: Option<String>,
    pub summary: Option<String>,
}

/// One row of the notification rules editor.
#[derive(Debug, Clone)]
pub struct RuleRow {
    pub index: usize,
    pub kinds: Vec<OptionView>,
    /// Minutes, as typed.
    pub after: String,
    pub kind_error: Option<String>,
    pub after_error: Option<String>,
    /// A problem with the row as a whole (listed twice).
    pub row_error: Option<String>,
    /// The blank row to add a rule with.
    pub blank: bool,
}

/// A person's notification rules, as shown and edited.
#[derive(Debug, Clone, Default)]
pub struct RulesView {
    /// "Email at once, then SMS after 5 minutes".
    pub summary: Vec<String>,
    pub rows: Vec<RuleRow>,
    pub action: String,
    /// A problem with the rules as a whole (too many).
    pub error: Option<String>,
}
