//! The "what's next" panel and the scenario comparison, from the core's
//! decisions: this only words them and names each button's form.

use jiff::Timestamp;
use muster_core::duration::human;
use muster_core::scenario::{Expectation, MomentComparison, MomentOutcome, Scenario};
use muster_core::stakeholder::cadence::{CadenceState, UpdateCadence};
use muster_core::whats_next::{StepItem, WhatsNext};
use muster_core::{Incident, RoleCatalog, Task};

use super::{incident_href, short_time};
use crate::view::{
    EmptyRole, MomentRow, OpenTaskRow, OptionView, ScenarioView, StepRow, TeamTasksRow,
    WhatsNextView,
};

/// What the panel is worded from.
#[derive(Debug, Clone, Copy)]
pub struct ProcessInputs<'a> {
    pub incident: &'a Incident,
    pub panel: &'a WhatsNext,
    /// The severity's cadence, when it has one.
    pub cadence: Option<&'a UpdateCadence>,
    pub tasks: &'a [Task],
    pub roles: &'a RoleCatalog,
    /// Every update template's name, and the severity's default.
    pub templates: &'a [String],
    pub default_template: &'a str,
}

/// The role's name as the catalog has it ("Communications lead").
fn role_name(roles: &RoleCatalog, code: &muster_core::RoleCode) -> String {
    roles
        .all()
        .iter()
        .find(|r| &r.code == code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// `login-failures-6`: letters, digits and dashes, for element ids.
fn token(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn step_row(href: &str, item: &StepItem, detail: String) -> StepRow {
    let step = item.key.step + 1;
    StepRow {
        id: format!("step-{}-{step}", token(item.key.runbook.as_str())),
        runbook: item.key.runbook.to_string(),
        step,
        name: item.step_name.clone(),
        detail,
        href: format!("{href}/steps"),
        button: if item.manual { "Tick off" } else { "Run now" },
    }
}

pub fn whats_next_view(inputs: ProcessInputs<'_>) -> WhatsNextView {
    let ProcessInputs {
        incident,
        panel,
        cadence,
        tasks,
        roles,
        templates,
        default_template,
    } = inputs;
    let href = incident_href(incident);
    let mut steps = Vec::new();
    for item in &panel.overdue_steps {
        steps.push(step_row(
            &href,
            item,
            format!("overdue since {}", short_time(item.since)),
        ));
    }
    for item in &panel.due_steps {
        steps.push(step_row(
            &href,
            item,
            format!("due since {}", short_time(item.since)),
        ));
    }
    for failed in &panel.failed_steps {
        let step = failed.key.step + 1;
        steps.push(StepRow {
            id: format!("step-{}-{step}", token(failed.key.runbook.as_str())),
            runbook: failed.key.runbook.to_string(),
            step,
            name: failed.step_name.clone(),
            detail: format!(
                "failed at {} after {} attempt{}: {}",
                short_time(failed.at),
                failed.attempts,
                if failed.attempts == 1 { "" } else { "s" },
                failed.reason
            ),
            href: format!("{href}/steps"),
            button: "Retry",
        });
    }
    for item in &panel.awaiting_people {
        steps.push(step_row(
            &href,
            item,
            format!("waiting for a person since {}", short_time(item.since)),
        ));
    }
    let empty_roles = panel
        .empty_roles
        .iter()
        .map(|code| EmptyRole {
            code: code.to_string(),
            name: role_name(roles, code),
            assign_href: format!("{href}/roles/{code}"),
        })
        .collect::<Vec<_>>();
    let tasks = team_tasks(&href, tasks);
    let next_update = panel.next_stakeholder_update.as_ref().map(|u| {
        format!(
            "{}: {}{} {}",
            u.group,
            if u.digest { "digest " } else { "" },
            if u.due_now { "owed since" } else { "due" },
            short_time(u.due_at)
        )
    });
    let (cadence_text, cadence_class) = match (cadence, &panel.cadence) {
        (Some(cadence), Some(state)) => {
            let every = human(cadence.every());
            let (text, class) = match state {
                CadenceState::Stopped { milestone, .. } => {
                    (format!("No more updates owed: {milestone}"), "ok")
                }
                CadenceState::NotDue { due_at } => (
                    format!("Next update due by {} (every {every})", short_time(*due_at)),
                    "ok",
                ),
                CadenceState::Due { due_at, .. } => (
                    format!(
                        "An update is due now: since {} (every {every})",
                        short_time(*due_at)
                    ),
                    "due",
                ),
                CadenceState::Late {
                    due_at, reminders, ..
                }
                | CadenceState::VeryLate { due_at, reminders } => {
                    let how = if matches!(state, CadenceState::VeryLate { .. }) {
                        "very late"
                    } else {
                        "late"
                    };
                    let who: Vec<String> = reminders
                        .iter()
                        .map(|r| role_name(roles, &r.role).to_lowercase())
                        .collect();
                    let reminding = if who.is_empty() {
                        String::from("nobody holds communications or command to remind")
                    } else {
                        format!("reminding the {}", who.join(" and the "))
                    };
                    (
                        format!(
                            "The update is {how}: due {}; {reminding}",
                            short_time(*due_at)
                        ),
                        "late",
                    )
                }
            };
            (Some(text), class)
        }
        _ => (None, "ok"),
    };
    let templates = templates
        .iter()
        .map(|name| OptionView {
            value: name.clone(),
            label: name.clone(),
            title: String::new(),
            selected: name == default_template,
        })
        .collect();
    let quiet = steps.is_empty()
        && empty_roles.is_empty()
        && tasks.is_empty()
        && next_update.is_none()
        && cadence_text.is_none()
        && panel.next_step_at.is_none();
    WhatsNextView {
        overdue: panel.overdue_steps.len(),
        steps,
        next_step: panel
            .next_step_at
            .map(|at| format!("Next scheduled step at {}", short_time(at))),
        empty_roles,
        tasks,
        next_update,
        cadence: cadence_text,
        cadence_class,
        update_href: format!("{href}/updates"),
        templates,
        preview: None,
        quiet,
    }
}

/// Open tasks per team (a runbook's checklist titles them `[team] …`),
/// the others last.
fn team_tasks(href: &str, tasks: &[Task]) -> Vec<TeamTasksRow> {
    let mut rows: Vec<TeamTasksRow> = Vec::new();
    for task in tasks {
        let (team, title) = match task.team() {
            (Some(team), title) => (team.to_owned(), title.to_owned()),
            (None, title) => (String::from("Other tasks"), title.to_owned()),
        };
        let at = match rows.iter().position(|r| r.team == team) {
            Some(at) => at,
            None => {
                rows.push(TeamTasksRow {
                    id: token(&team),
                    team,
                    ..TeamTasksRow::default()
                });
                rows.len() - 1
            }
        };
        if task.is_done() {
            rows[at].done += 1;
        } else {
            rows[at].open.push(OpenTaskRow {
                id: task.id.to_string(),
                title,
                href: format!("{href}/tasks/{}", task.id),
            });
        }
    }
    rows.retain(|r| !r.open.is_empty());
    rows.sort_by_key(|r| (r.team == "Other tasks", r.team.clone()));
    rows
}

pub fn scenario_view(
    incident: &Incident,
    scenario: &Scenario,
    zero: Timestamp,
    moments: &[MomentComparison],
) -> ScenarioView {
    let href = incident_href(incident);
    ScenarioView {
        name: scenario.name().to_owned(),
        description: scenario.description().to_owned(),
        zero: short_time(zero),
        moments: moments
            .iter()
            .map(|m| {
                let (class, happened_at) = match m.outcome {
                    MomentOutcome::OnTime { at } => ("on-time", Some(short_time(at))),
                    MomentOutcome::Late { at, .. } => ("late", Some(short_time(at))),
                    MomentOutcome::Missing { .. } => ("missing", None),
                    MomentOutcome::Pending { .. } => ("pending", None),
                };
                let open_action = matches!(m.expected.expectation, Expectation::Action(_))
                    && happened_at.is_none();
                MomentRow {
                    id: format!("moment-{}", m.index),
                    at: muster_core::scenario::offset_text(m.expected.by),
                    expected: m.expected.expectation.describe(),
                    outcome_class: class,
                    outcome: m.outcome.describe(),
                    happened_at,
                    done_href: open_action
                        .then(|| format!("{href}/scenario/moments/{}/done", m.index)),
                }
            })
            .collect(),
        action_items: scenario.action_items().to_vec(),
    }
}
