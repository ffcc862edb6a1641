//! On-call documents as the server stores them, read back into the core's
//! model: [`schedule`] and [`policy`] turn one stored [`PlanDocument`]
//! (its canonical JSON body) into a definition, and [`on_call`] reads every
//! schedule and policy of a plan at once.
//!
//! This is the only reader of these documents: [`crate::plan::validate`]
//! converts each YAML document to the same stored body and runs the same
//! code, placing its problems at `file:line:col`. What validates is exactly
//! what pages people.
//!
//! ## Schedules
//! Every entry of `rotations:` is a layer; where several have someone on
//! call, the one listed **last** wins. Each rotation has `participants`
//! (emails, in turn order), `shift` (`12h`, `1d`, `1w`), and optionally
//! `name` (default `layer-<n>`, 1-based), `handoff` (`HH:MM` local, default
//! [`DEFAULT_HANDOFF`]), `start` (the day of the first handoff, default
//! [`DEFAULT_START`], a Monday) and `restrictions: [{days, from, to}]`:
//! the rotation is on call only inside these windows (`days` the windows
//! open on, every day when left out; a window whose `to` is not after its
//! `from` runs overnight).
//!
//! ## Escalation policies
//! Each step pages its `targets` (`schedule`, `team` or `user`), then waits
//! `delay_minutes: N` or `delay: 15m` (0 to 24 h; 0 when left out) before the
//! next step; after the last step the wait is before the policy runs again,
//! `repeat` more times.

mod policy;
pub(crate) mod read;
pub(crate) mod schedule;
#[cfg(test)]
mod tests;
pub(crate) mod week;

use std::collections::BTreeSet;

use muster_core::oncall::escalation::Target;
pub use muster_core::oncall::{PolicyDefinition, ScheduleDefinition};
use muster_core::plan::PlanDocument;

pub(crate) use policy::read as read_policy;
pub use schedule::{DEFAULT_HANDOFF, DEFAULT_START};

use crate::plan::Kind;

/// The kind a stored document must have to be read as `kind`.
fn check_kind(doc: &PlanDocument, kind: Kind) -> Result<(), String> {
    if doc.kind == kind.as_str() {
        Ok(())
    } else {
        Err(format!(
            "{} {:?} is not a {kind} document",
            doc.kind, doc.name
        ))
    }
}

/// The schedule a stored `Schedule` document defines (without overrides,
/// which are not part of the plan).
pub fn schedule(doc: &PlanDocument) -> Result<ScheduleDefinition, String> {
    check_kind(doc, Kind::Schedule)?;
    schedule::read(doc).map_err(|issues| read::summary(doc, &issues))
}

/// The escalation policy a stored `EscalationPolicy` document defines.
/// Whether its schedules and teams exist is not checked here (see
/// [`on_call`]).
pub fn policy(doc: &PlanDocument) -> Result<PolicyDefinition, String> {
    check_kind(doc, Kind::EscalationPolicy)?;
    policy::read(doc)
        .result
        .map_err(|issues| read::summary(doc, &issues))
}

/// Every schedule and escalation policy of a plan, read from its stored
/// documents.
#[derive(Debug, Clone, Default)]
pub struct OnCallPlan {
    /// Sorted by name.
    pub schedules: Vec<ScheduleDefinition>,
    /// Sorted by name.
    pub policies: Vec<PolicyDefinition>,
    /// Documents that could not be read (left out above), and policy steps
    /// naming a schedule the plan does not have (the policy is kept: its
    /// other targets still work). Empty for a plan that validated.
    pub problems: Vec<String>,
}

/// Reads every `Schedule` and `EscalationPolicy` among `documents` (other
/// kinds are ignored). Team targets are not checked: teams live in the
/// catalog, not among the documents.
pub fn on_call(documents: &[PlanDocument]) -> OnCallPlan {
    let mut plan = OnCallPlan::default();
    for doc in documents {
        if doc.kind == Kind::Schedule.as_str() {
            match schedule(doc) {
                Ok(definition) => plan.schedules.push(definition),
                Err(problem) => plan.problems.push(problem),
            }
        }
    }
    let schedules: BTreeSet<String> = documents
        .iter()
        .filter(|doc| doc.kind == Kind::Schedule.as_str())
        .map(|doc| Kind::Schedule.key(&doc.name))
        .collect();
    for doc in documents {
        if doc.kind != Kind::EscalationPolicy.as_str() {
            continue;
        }
        let reading = policy::read(doc);
        for (path, target, _) in &reading.targets {
            if let Target::Schedule(name) = target
                && !schedules.contains(name)
            {
                plan.problems.push(format!(
                    "{} {}: {path}: no Schedule named {name:?}",
                    doc.kind, doc.name
                ));
            }
        }
        match reading.result {
            Ok(definition) => plan.policies.push(definition),
            Err(issues) => plan.problems.push(read::summary(doc, &issues)),
        }
    }
    plan.schedules.sort_by(|a, b| a.name.cmp(&b.name));
    plan.policies.sort_by(|a, b| a.name.cmp(&b.name));
    plan
}
