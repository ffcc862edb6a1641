//! A scenario's expected timeline against an incident started from it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One expected moment and how it turned out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExpectedMoment {
    /// Its position in the expected timeline, from 0; actions are marked
    /// done by it.
    pub index: usize,
    /// `T+15m`.
    pub at: String,
    /// `milestone`, `declared`, `role`, `first_stakeholder_update`,
    /// `first_status_update` or `action`.
    pub kind: String,
    /// "acknowledged", "commander assigned", or the action as written.
    pub expected: String,
    #[schema(value_type = String, format = DateTime)]
    pub deadline: Timestamp,
    /// `on time`, `late`, `missing` or `pending`.
    pub outcome: String,
    /// "late by 7m", "missing for 12m", "due in 3m".
    pub describe: String,
    /// When it happened, if it did.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub happened_at: Option<Timestamp>,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScenarioComparison {
    pub incident: String,
    pub scenario: String,
    pub description: String,
    /// T: when impact started, or the declaration when that is unknown.
    #[schema(value_type = String, format = DateTime)]
    pub zero: Timestamp,
    pub moments: Vec<ExpectedMoment>,
    /// What to do before it happens again.
    pub action_items: Vec<String>,
}

impl ExpectedMoment {
    pub fn from_core(moment: &muster_core::scenario::MomentComparison) -> Self {
        use muster_core::scenario::{Expectation, MomentOutcome};
        let kind = match &moment.expected.expectation {
            Expectation::Milestone(_) => "milestone",
            Expectation::Declared => "declared",
            Expectation::RoleFilled(_) => "role",
            Expectation::FirstStakeholderUpdate => "first_stakeholder_update",
            Expectation::FirstStatusUpdate => "first_status_update",
            Expectation::Action(_) => "action",
        };
        let happened_at = match moment.outcome {
            MomentOutcome::OnTime { at } | MomentOutcome::Late { at, .. } => Some(at),
            MomentOutcome::Missing { .. } | MomentOutcome::Pending { .. } => None,
        };
        Self {
            index: moment.index,
            at: muster_core::scenario::offset_text(moment.expected.by),
            kind: kind.to_owned(),
            expected: moment.expected.expectation.describe(),
            deadline: moment.deadline,
            outcome: moment.outcome.as_str().to_owned(),
            describe: moment.outcome.describe(),
            happened_at,
        }
    }
}
