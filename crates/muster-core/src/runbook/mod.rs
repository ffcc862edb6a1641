//! Runbooks: the plan's procedures, acting during an incident. A runbook
//! attaches when its condition holds (`condition`), and its steps
//! (`action`) run on their timetables (`timing`, `schedule`), each run
//! under a stable key (`run`) so it happens once.
//!
//! A runbook is snapshotted when it attaches: later plan edits do not move
//! the steps of a running incident, so step indexes in run keys stay valid.

mod action;
mod attach;
mod condition;
mod run;
mod schedule;
mod timing;

use std::collections::BTreeSet;
use std::fmt;

pub use action::{RoleAssignee, STEP_ACTIONS, StepAction};
pub use attach::{PlannedRunbook, attach_due};
pub use condition::{
    Attachment, ConditionOutcome, Conditions, Criterion, CriterionCheck, IncidentFacts,
    newly_attached,
};
pub use run::{RunKey, RunStatus, StepRun};
pub use schedule::{
    AttachedRunbook, NextRun, STEP_OVERDUE_AFTER, StepAgenda, StepProgress, WaitingFor, agenda,
    next_due_at,
};
pub use timing::{
    MAX_REPEAT_EVERY, MAX_STEP_DELAY, MIN_REPEAT_EVERY, StepRef, StepRepeat, StepStart, StepTiming,
};

use crate::error::{DomainError, Validation};
use crate::role::{RoleCatalog, RoleCode};
use crate::severity::SeverityScale;
use crate::text;

/// The most steps one runbook may have.
pub const MAX_STEPS: usize = 100;

/// A runbook's name, unique in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunbookName(String);

impl RunbookName {
    /// Wraps a name as the plan spells it; [`Runbook::new`] checks it.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunbookName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step: what it is called, what it does and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookStep {
    /// What people call it ("Page identity"); unique within its runbook
    /// when another step refers to it.
    pub name: String,
    pub action: StepAction,
    pub timing: StepTiming,
}

/// A validated runbook: a name, when it applies, and at least one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runbook {
    name: RunbookName,
    conditions: Conditions,
    steps: Vec<RunbookStep>,
}

impl Runbook {
    /// Checks every step (name, action, timetable) and reports every
    /// problem at once, under `steps[i].…`. References to earlier steps by
    /// name are resolved to their index here.
    pub fn new(
        name: RunbookName,
        conditions: Conditions,
        steps: Vec<RunbookStep>,
    ) -> Result<Self, DomainError> {
        let mut validation = Validation::new();
        validation.check(text::required("name", name.as_str(), text::TITLE_MAX));
        if steps.is_empty() {
            validation.push("steps", "list at least one step");
        }
        if steps.len() > MAX_STEPS {
            validation.push(
                "steps",
                format!("at most {MAX_STEPS} steps, got {}", steps.len()),
            );
        }
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        let mut resolved = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            let at = format!("steps[{index}]");
            validation.check(text::required(
                &format!("{at}.name"),
                &step.name,
                text::TITLE_MAX,
            ));
            for problem in step.action.problems(&at) {
                validation.push(problem.field, problem.message);
            }
            match step.timing.resolved(&at, index, &names) {
                Ok(timing) => resolved.push(RunbookStep {
                    timing,
                    ..step.clone()
                }),
                Err(problems) => problems
                    .into_iter()
                    .for_each(|p| validation.push(p.field, p.message)),
            }
        }
        validation.finish()?;
        Ok(Self {
            name,
            conditions,
            steps: resolved,
        })
    }

    /// The runbook's name, unique in the plan.
    pub fn name(&self) -> &RunbookName {
        &self.name
    }

    /// When it attaches.
    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }

    /// Its steps, in order; a step's index is its place here.
    pub fn steps(&self) -> &[RunbookStep] {
        &self.steps
    }

    /// Refuses severities and roles the configuration does not know, so a
    /// plan naming them is refused before any incident needs it.
    pub fn check_references(
        &self,
        severities: &SeverityScale,
        roles: &RoleCatalog,
    ) -> Result<(), DomainError> {
        let mut validation = Validation::new();
        if let Err(error) = self.conditions.check("conditions", severities) {
            error
                .into_fields()
                .into_iter()
                .for_each(|e| validation.push(e.field, e.message));
        }
        for (index, step) in self.steps.iter().enumerate() {
            if let Some(role) = step.action.role()
                && let Err(error) = roles.resolve(&format!("steps[{index}].role"), role.as_str())
            {
                error
                    .into_fields()
                    .into_iter()
                    .for_each(|e| validation.push(e.field, e.message));
            }
        }
        validation.finish()
    }
}

/// The roles an incident should have filled: the commander always, and
/// every role an attached runbook assigns. (Add the communications lead
/// when an update cadence applies.)
pub fn roles_wanted<'a>(runbooks: impl IntoIterator<Item = &'a Runbook>) -> BTreeSet<RoleCode> {
    let mut wanted = BTreeSet::from([RoleCode::commander()]);
    for runbook in runbooks {
        wanted.extend(
            runbook
                .steps
                .iter()
                .filter_map(|s| s.action.role().cloned()),
        );
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Slug;

    fn step(name: &str, action: StepAction, timing: StepTiming) -> RunbookStep {
        RunbookStep {
            name: name.into(),
            action,
            timing,
        }
    }

    fn manual() -> StepAction {
        StepAction::Manual { instructions: None }
    }

    #[test]
    fn every_problem_is_reported_at_once_under_its_step() {
        let steps = vec![
            step("", manual(), StepTiming::default()),
            step(
                "Call",
                StepAction::Webhook { url: "nope".into() },
                StepTiming {
                    start: StepStart::AfterStep(StepRef::Name("Later".into())),
                    repeat: None,
                },
            ),
        ];
        let error = Runbook::new(RunbookName::new("x"), Conditions::default(), steps).unwrap_err();
        let fields: Vec<String> = error.into_fields().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["steps[0].name", "steps[1].url", "steps[1].after_step"]
        );
        let error = Runbook::new(RunbookName::new(" "), Conditions::default(), vec![]).unwrap_err();
        assert_eq!(error.into_fields().len(), 2);
    }

    #[test]
    fn names_of_earlier_steps_become_indexes() {
        let steps = vec![
            step("Page identity", manual(), StepTiming::default()),
            step(
                "Watch the queue",
                manual(),
                StepTiming {
                    start: StepStart::AfterStep(StepRef::Name("Page identity".into())),
                    repeat: None,
                },
            ),
        ];
        let runbook =
            Runbook::new(RunbookName::new("login"), Conditions::default(), steps).unwrap();
        assert_eq!(
            runbook.steps()[1].timing.start,
            StepStart::AfterStep(StepRef::Index(0))
        );
    }

    #[test]
    fn references_are_checked_against_the_configuration() {
        let conditions = Conditions::new(vec![Criterion::SeverityAtLeast(
            crate::SeverityCode::new("P1"),
        )]);
        let assign = StepAction::AssignRole {
            role: RoleCode::new("janitor"),
            to: RoleAssignee::Declarer,
        };
        let runbook = Runbook::new(
            RunbookName::new("x"),
            conditions,
            vec![step("Sweep", assign, StepTiming::default())],
        )
        .unwrap();
        let error = runbook
            .check_references(&SeverityScale::standard(), &RoleCatalog::standard())
            .unwrap_err();
        let fields: Vec<String> = error.into_fields().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["conditions.severity_at_least", "steps[0].role"]);
    }

    #[test]
    fn the_commander_is_always_wanted_and_runbooks_add_their_roles() {
        let assign = |role: &str| StepAction::AssignRole {
            role: RoleCode::new(role),
            to: RoleAssignee::Declarer,
        };
        let page = StepAction::PageTeam {
            team: Slug::parse("team", "identity").unwrap(),
        };
        let runbook = Runbook::new(
            RunbookName::new("login"),
            Conditions::default(),
            vec![
                step("Page", page, StepTiming::default()),
                step("Liaison", assign("customer-liaison"), StepTiming::default()),
                step("Scribe", assign("scribe"), StepTiming::default()),
            ],
        )
        .unwrap();
        let wanted: Vec<String> = roles_wanted([&runbook])
            .into_iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(wanted, ["commander", "customer-liaison", "scribe"]);
    }
}
