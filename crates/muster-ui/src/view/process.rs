//! The process panels of an incident's page: "what's next" (steps due,
//! overdue, failed or waiting for a person; empty roles; each team's open
//! tasks; the next stakeholder update and the update cadence) and the
//! scenario's expected timeline against what happened.

use super::OptionView;

/// A step to act on, with its one-click button.
#[derive(Debug, Clone, Default)]
pub struct StepRow {
    /// `step-login-failures-6`: stable for tests and anchors.
    pub id: String,
    pub runbook: String,
    /// From 1, as people count.
    pub step: usize,
    pub name: String,
    /// "due since 14:05 UTC", "failed: no stakeholder group named room".
    pub detail: String,
    /// The form's action; the button runs, ticks or retries the step.
    pub href: String,
    pub button: &'static str,
}

/// A role wanted and held by nobody, with "Take it".
#[derive(Debug, Clone, Default)]
pub struct EmptyRole {
    pub code: String,
    pub name: String,
    pub assign_href: String,
}

/// One open task of a team's checklist, with "Done".
#[derive(Debug, Clone, Default)]
pub struct OpenTaskRow {
    pub id: String,
    pub title: String,
    pub href: String,
}

#[derive(Debug, Clone, Default)]
pub struct TeamTasksRow {
    /// "support", or "Other tasks".
    pub team: String,
    /// For the element id.
    pub id: String,
    pub open: Vec<OpenTaskRow>,
    pub done: usize,
}

/// An update as previewed, before it is sent.
#[derive(Debug, Clone, Default)]
pub struct UpdatePreview {
    pub template: String,
    pub text: String,
    pub sent_to: String,
    pub skipped: Vec<String>,
}

/// The "what's next" panel.
#[derive(Debug, Clone, Default)]
pub struct WhatsNextView {
    /// Overdue first, then due, then failed, then waiting for a person.
    pub steps: Vec<StepRow>,
    pub overdue: usize,
    /// "Next scheduled step at 14:30 UTC".
    pub next_step: Option<String>,
    pub empty_roles: Vec<EmptyRole>,
    pub tasks: Vec<TeamTasksRow>,
    /// "legal: digest due Thu 09:00 UTC".
    pub next_update: Option<String>,
    /// "Update due by 14:30 UTC (every 30m)"; `cadence_class` colours it.
    pub cadence: Option<String>,
    pub cadence_class: &'static str,
    /// Send an update from a template, or preview it first.
    pub update_href: String,
    pub templates: Vec<OptionView>,
    pub preview: Option<UpdatePreview>,
    /// Nothing to show: no runbooks, roles filled, no tasks, no cadence.
    pub quiet: bool,
}

/// One expected moment of the scenario.
#[derive(Debug, Clone, Default)]
pub struct MomentRow {
    pub id: String,
    /// `T+15m`.
    pub at: String,
    pub expected: String,
    /// `on-time`, `late`, `missing`, `pending`: a CSS modifier.
    pub outcome_class: &'static str,
    /// "late by 7m".
    pub outcome: String,
    pub happened_at: Option<String>,
    /// For actions not yet done: "Mark done".
    pub done_href: Option<String>,
}

/// The scenario the incident was started from, against what happened.
#[derive(Debug, Clone, Default)]
pub struct ScenarioView {
    pub name: String,
    pub description: String,
    pub zero: String,
    pub moments: Vec<MomentRow>,
    pub action_items: Vec<String>,
}
