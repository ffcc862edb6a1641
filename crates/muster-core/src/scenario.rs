//! Scenarios: incidents the plan expects one day, with the runbooks they
//! exercise and an expected timeline ("acknowledged by T+5m, first status
//! update by T+15m"). An incident started from a scenario is compared
//! with it: each expected moment on time, late, missing or still pending.
//!
//! T is when impact started (the `started` milestone), as the plan's
//! timelines begin with the first symptom.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::duration::human;
use crate::error::{DomainError, FieldError, Validation};
use crate::milestone::{Milestone, Milestones};
use crate::role::RoleCode;
use crate::runbook::RunbookName;
use crate::text;

/// The latest an expected moment may be: a scenario is about an incident,
/// not a quarter.
pub const MAX_OFFSET: SignedDuration = SignedDuration::from_hours(30 * 24);

/// What should have happened by then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// The incident reached the milestone.
    Milestone(Milestone),
    /// The incident was declared in muster.
    Declared,
    /// Someone holds the role.
    RoleFilled(RoleCode),
    /// The first stakeholder update went out.
    FirstStakeholderUpdate,
    /// The first status-page update was published.
    FirstStatusUpdate,
    /// Something people do, as the plan words it; marked done by a person.
    Action(String),
}

impl Expectation {
    /// For people: "acknowledged", "commander assigned", the action itself.
    pub fn describe(&self) -> String {
        match self {
            Self::Milestone(milestone) => milestone.to_string(),
            Self::Declared => "declared".into(),
            Self::RoleFilled(role) => format!("{role} assigned"),
            Self::FirstStakeholderUpdate => "first stakeholder update".into(),
            Self::FirstStatusUpdate => "first status page update".into(),
            Self::Action(action) => action.clone(),
        }
    }
}

/// One moment of the expected timeline: `expectation` by `T + by`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedMoment {
    /// The offset from T (see [`parse_offset`]).
    pub by: SignedDuration,
    pub expectation: Expectation,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    name: String,
    description: String,
    runbooks: Vec<RunbookName>,
    expected_timeline: Vec<ExpectedMoment>,
    action_items: Vec<String>,
}

impl Scenario {
    /// Checks the name, at least one runbook, offsets from 0 to
    /// [`MAX_OFFSET`], and non-empty actions and action items.
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        runbooks: Vec<RunbookName>,
        expected_timeline: Vec<ExpectedMoment>,
        action_items: Vec<String>,
    ) -> Result<Self, DomainError> {
        let name = name.into();
        let description = description.into();
        let mut validation = Validation::new();
        validation.check(text::required("name", &name, text::TITLE_MAX));
        validation.check(text::bounded(
            "description",
            &description,
            text::LONG_TEXT_MAX,
        ));
        if runbooks.is_empty() {
            validation.push("runbooks", "list the runbooks this scenario exercises");
        }
        for (index, moment) in expected_timeline.iter().enumerate() {
            let at = format!("expected_timeline[{index}]");
            if moment.by.is_negative() || moment.by > MAX_OFFSET {
                validation.push(
                    format!("{at}.at"),
                    format!("expected T+0m to T+30d, got T+{}", human(moment.by)),
                );
            }
            if let Expectation::Action(action) = &moment.expectation {
                validation.check(text::required(
                    &format!("{at}.action"),
                    action,
                    text::TITLE_MAX,
                ));
            }
        }
        for (index, item) in action_items.iter().enumerate() {
            validation.check(text::required(
                &format!("action_items[{index}]"),
                item,
                text::TITLE_MAX,
            ));
        }
        validation.finish()?;
        Ok(Self {
            name,
            description,
            runbooks,
            expected_timeline,
            action_items,
        })
    }

    /// The scenario's name, unique in the plan.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What goes wrong, in a sentence or two.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The runbooks an incident started from the scenario attaches at once.
    pub fn runbooks(&self) -> &[RunbookName] {
        &self.runbooks
    }

    /// What should happen by when, in the plan's order.
    pub fn expected_timeline(&self) -> &[ExpectedMoment] {
        &self.expected_timeline
    }

    /// What to do before it happens (for the plan, not the incident).
    pub fn action_items(&self) -> &[String] {
        &self.action_items
    }
}

/// Reads the plan's `T+<n><unit>`: seconds (`s`), minutes (`m`), hours
/// (`h`) or days (`d`), `n` from 0.
pub fn parse_offset(field: &str, raw: &str) -> Result<SignedDuration, FieldError> {
    let invalid = || {
        FieldError::new(
            field,
            format!("expected T+<n>m, T+<n>h or T+<n>d, got {raw:?}"),
        )
    };
    let rest = raw.trim().strip_prefix("T+").ok_or_else(invalid)?;
    let split = rest
        .find(|c: char| !c.is_ascii_digit())
        .filter(|at| *at > 0)
        .ok_or_else(invalid)?;
    let amount: i64 = rest[..split].parse().map_err(|_| invalid())?;
    let seconds_per_unit = match &rest[split..] {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(invalid()),
    };
    amount
        .checked_mul(seconds_per_unit)
        .map(SignedDuration::from_secs)
        .ok_or_else(invalid)
}

/// An offset as the plan writes it: `T+15m`, `T+2h`, `T+1d`, in the
/// largest unit that divides it (the inverse of [`parse_offset`]).
pub fn offset_text(by: SignedDuration) -> String {
    let seconds = by.as_secs();
    let text = match seconds {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    };
    format!("T+{text}")
}

/// What actually happened, for the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happened {
    /// When the incident was declared in muster.
    pub declared_at: Timestamp,
    /// The milestones reached (`started` is T).
    pub milestones: Milestones,
    /// When each role was first filled.
    pub roles_filled: BTreeMap<RoleCode, Timestamp>,
    /// When the first stakeholder update was sent.
    pub first_stakeholder_update_at: Option<Timestamp>,
    /// When the first status-page update was published.
    pub first_status_update_at: Option<Timestamp>,
    /// When a person marked an action of the expected timeline done, by
    /// its position in the timeline.
    pub actions_done: BTreeMap<usize, Timestamp>,
}

impl Happened {
    /// T: when impact started, or the declaration when that is unknown.
    pub fn zero(&self) -> Timestamp {
        self.milestones
            .get(Milestone::Started)
            .unwrap_or(self.declared_at)
    }

    fn at(&self, index: usize, expectation: &Expectation) -> Option<Timestamp> {
        match expectation {
            Expectation::Milestone(milestone) => self.milestones.get(*milestone),
            Expectation::Declared => Some(self.declared_at),
            Expectation::RoleFilled(role) => self.roles_filled.get(role).copied(),
            Expectation::FirstStakeholderUpdate => self.first_stakeholder_update_at,
            Expectation::FirstStatusUpdate => self.first_status_update_at,
            Expectation::Action(_) => self.actions_done.get(&index).copied(),
        }
    }
}

/// How one expected moment turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MomentOutcome {
    /// It happened at `at`, no later than expected.
    OnTime { at: Timestamp },
    /// It happened at `at`, `by` after the deadline.
    Late { at: Timestamp, by: SignedDuration },
    /// The deadline passed `overdue_by` ago and it has not happened.
    Missing { overdue_by: SignedDuration },
    /// It has not happened and there are `left` until the deadline.
    Pending { left: SignedDuration },
}

impl MomentOutcome {
    /// The plain word: `on time`, `late`, `missing`, `pending`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::OnTime { .. } => "on time",
            Self::Late { .. } => "late",
            Self::Missing { .. } => "missing",
            Self::Pending { .. } => "pending",
        }
    }

    /// With the numbers: "late by 7m", "missing for 12m", "due in 3m".
    /// A minute or more reads in whole minutes, less in whole seconds:
    /// people read these at a glance.
    pub fn describe(&self) -> String {
        match self {
            Self::OnTime { .. } => "on time".into(),
            Self::Late { by, .. } => format!("late by {}", human(rounded(*by))),
            Self::Missing { overdue_by } => {
                format!("missing for {}", human(rounded(*overdue_by)))
            }
            Self::Pending { left } => format!("due in {}", human(rounded(*left))),
        }
    }
}

fn rounded(duration: SignedDuration) -> SignedDuration {
    let seconds = duration.as_secs();
    if seconds.abs() >= 60 {
        SignedDuration::from_mins(seconds / 60)
    } else {
        SignedDuration::from_secs(seconds)
    }
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentComparison {
    /// The moment's position in the expected timeline.
    pub index: usize,
    /// The moment as the scenario has it.
    pub expected: ExpectedMoment,
    /// T plus the moment's offset.
    pub deadline: Timestamp,
    /// On time, late, missing or pending.
    pub outcome: MomentOutcome,
}

/// The scenario's expected timeline against what happened, as of `now`,
/// in the scenario's order. Something that happened exactly at the
/// deadline is on time; a missing moment turns late once it happens.
pub fn compare_timeline(
    scenario: &Scenario,
    happened: &Happened,
    now: Timestamp,
) -> Vec<MomentComparison> {
    let zero = happened.zero();
    scenario
        .expected_timeline
        .iter()
        .enumerate()
        .map(|(index, expected)| {
            let deadline = zero.checked_add(expected.by).unwrap_or(zero);
            let outcome = match happened.at(index, &expected.expectation) {
                Some(at) if at <= deadline => MomentOutcome::OnTime { at },
                Some(at) => MomentOutcome::Late {
                    at,
                    by: at.duration_since(deadline),
                },
                None if now > deadline => MomentOutcome::Missing {
                    overdue_by: now.duration_since(deadline),
                },
                None => MomentOutcome::Pending {
                    left: deadline.duration_since(now),
                },
            };
            MomentComparison {
                index,
                expected: expected.clone(),
                deadline,
                outcome,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    #[test]
    fn offsets_are_written_back_as_the_plan_writes_them() {
        for raw in ["T+0m", "T+15m", "T+90m", "T+2h", "T+1d", "T+90s"] {
            let by = parse_offset("at", raw).unwrap();
            let written = offset_text(by);
            assert_eq!(parse_offset("at", &written).unwrap(), by, "{raw}");
        }
        assert_eq!(offset_text(SignedDuration::from_mins(120)), "T+2h");
        assert_eq!(offset_text(SignedDuration::from_secs(90)), "T+90s");
    }

    #[test]
    fn outcomes_read_in_whole_minutes_or_seconds() {
        let left = SignedDuration::from_millis(4 * 60_000 + 59_977);
        assert_eq!(MomentOutcome::Pending { left }.describe(), "due in 4m");
        let by = SignedDuration::from_millis(42_500);
        assert_eq!(
            MomentOutcome::Late { at: at(1), by }.describe(),
            "late by 42s"
        );
        let overdue_by = SignedDuration::from_hours(2) + SignedDuration::from_secs(5);
        assert_eq!(
            MomentOutcome::Missing { overdue_by }.describe(),
            "missing for 2h"
        );
    }

    fn moment(raw: &str, expectation: Expectation) -> ExpectedMoment {
        ExpectedMoment {
            by: parse_offset("at", raw).unwrap(),
            expectation,
        }
    }

    /// The example plan's card-processor outage, with the brief's "declare
    /// by T+5, commander by T+10, first customer update by T+15".
    fn card_processor_outage() -> Scenario {
        Scenario::new(
            "card-processor-outage",
            "The card processor stops authorising payments.",
            vec![
                RunbookName::new("sev1-kickoff"),
                RunbookName::new("checkout-down"),
            ],
            vec![
                moment(
                    "T+0m",
                    Expectation::Action("Payment error alert fires and pages payments".into()),
                ),
                moment("T+5m", Expectation::Declared),
                moment("T+5m", Expectation::Milestone(Milestone::Acknowledged)),
                moment("T+10m", Expectation::RoleFilled(RoleCode::commander())),
                moment("T+15m", Expectation::FirstStakeholderUpdate),
                moment("T+15m", Expectation::FirstStatusUpdate),
                moment("T+45m", Expectation::Milestone(Milestone::Mitigated)),
            ],
            vec!["Add a second processor we can switch to".into()],
        )
        .unwrap()
    }

    #[test]
    fn offsets_read_like_the_plan() {
        let minutes = |raw| parse_offset("at", raw).map(|d| d.as_secs() / 60);
        assert_eq!(minutes("T+0m"), Ok(0));
        assert_eq!(minutes("T+45m"), Ok(45));
        assert_eq!(minutes("T+2h"), Ok(120));
        assert_eq!(minutes("T+1d"), Ok(1440));
        assert_eq!(parse_offset("at", "T+30s").map(|d| d.as_secs()), Ok(30));
        for bad in [
            "5m",
            "T+",
            "T+m",
            "T+5w",
            "T-5m",
            "T+5 m",
            "T+99999999999999999999d",
        ] {
            let error = parse_offset("expected_timeline[0].at", bad).unwrap_err();
            assert_eq!(error.field, "expected_timeline[0].at", "{bad}");
        }
    }

    #[test]
    fn each_moment_is_on_time_late_missing_or_pending() {
        let started = at(0);
        let milestones = Milestones::default()
            .with(Milestone::Started, Some(started))
            .unwrap()
            .reach(Milestone::Acknowledged, at(9))
            .unwrap();
        let happened = Happened {
            declared_at: at(4),
            milestones,
            roles_filled: BTreeMap::from([(RoleCode::commander(), at(10))]),
            first_stakeholder_update_at: Some(at(22)),
            first_status_update_at: None,
            actions_done: BTreeMap::from([(0, at(0))]),
        };
        let rows = compare_timeline(&card_processor_outage(), &happened, at(20));
        let words: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.expected.expectation.describe(),
                    r.outcome.describe()
                )
            })
            .collect();
        assert_eq!(
            words,
            [
                "Payment error alert fires and pages payments: on time",
                "declared: on time",
                "acknowledged: late by 4m",
                "commander assigned: on time",
                "first stakeholder update: late by 7m",
                "first status page update: missing for 5m",
                "mitigated: due in 25m",
            ]
        );
        assert_eq!(rows[6].deadline, at(45));
        assert_eq!(rows[2].outcome.as_str(), "late");
    }

    #[test]
    fn t_is_the_declaration_when_the_start_is_unknown() {
        let happened = Happened {
            declared_at: at(100),
            milestones: Milestones::default(),
            roles_filled: BTreeMap::new(),
            first_stakeholder_update_at: None,
            first_status_update_at: None,
            actions_done: BTreeMap::new(),
        };
        assert_eq!(happened.zero(), at(100));
        let rows = compare_timeline(&card_processor_outage(), &happened, at(100));
        assert!(matches!(rows[0].outcome, MomentOutcome::Pending { .. }));
        assert_eq!(rows[1].outcome, MomentOutcome::OnTime { at: at(100) });
    }

    #[test]
    fn scenarios_are_checked_as_a_whole() {
        let error = Scenario::new(
            "x",
            "",
            vec![],
            vec![ExpectedMoment {
                by: SignedDuration::from_mins(-5),
                expectation: Expectation::Action(" ".into()),
            }],
            vec!["".into()],
        )
        .unwrap_err();
        let fields: Vec<String> = error.into_fields().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "runbooks",
                "expected_timeline[0].at",
                "expected_timeline[0].action",
                "action_items[0]",
            ]
        );
        assert_eq!(card_processor_outage().runbooks().len(), 2);
    }
}
