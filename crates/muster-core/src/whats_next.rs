//! "What's next" for an incident's responders: steps due or overdue,
//! manual steps waiting to be ticked, failed steps to retry, roles still
//! empty, the next stakeholder update and whether the update cadence is
//! slipping. Pure aggregation of the decisions in `runbook` and
//! `stakeholder`; nothing is decided twice.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::ids::UserId;
use crate::role::RoleCode;
use crate::runbook::{NextRun, RunKey, RunStatus, STEP_OVERDUE_AFTER, StepAgenda};
use crate::stakeholder::StakeholderUpdate;
use crate::stakeholder::cadence::CadenceState;

/// A step run needing attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepItem {
    /// The run, for the one-click action (run it now, tick it).
    pub key: RunKey,
    pub step_name: String,
    /// A manual step a person is to tick (otherwise the engine runs it).
    pub manual: bool,
    /// Due, or waiting for a person, since.
    pub since: Timestamp,
}

/// A step whose latest run failed: retry it, or do it by hand and mark it done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStep {
    /// The run to retry (a new attempt under the same key).
    pub key: RunKey,
    pub step_name: String,
    /// When the latest attempt failed, and why.
    pub at: Timestamp,
    pub reason: String,
    /// How many attempts were made.
    pub attempts: u32,
}

/// A stakeholder group's coming (or owed) update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingUpdate {
    /// The stakeholder group's name.
    pub group: String,
    /// When it is (or was) due.
    pub due_at: Timestamp,
    /// Owed already.
    pub due_now: bool,
    /// A next-business-morning digest.
    pub digest: bool,
}

/// What the panel is built from.
#[derive(Debug, Clone, Copy)]
pub struct WhatsNextInput<'a> {
    /// One per attached runbook.
    pub agendas: &'a [StepAgenda],
    /// See [`crate::runbook::roles_wanted`].
    pub roles_wanted: &'a BTreeSet<RoleCode>,
    /// Who holds which role.
    pub roles: &'a BTreeMap<RoleCode, UserId>,
    /// Each group not told yet, by name, with its decision.
    pub stakeholder_updates: &'a [(String, StakeholderUpdate)],
    /// The update cadence's state, when the severity has one.
    pub cadence: Option<&'a CadenceState>,
}

/// The "what's next" panel, each list oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsNext {
    /// Due now, for less than [`STEP_OVERDUE_AFTER`].
    pub due_steps: Vec<StepItem>,
    /// Due, or waiting for a person, for [`STEP_OVERDUE_AFTER`] or longer.
    pub overdue_steps: Vec<StepItem>,
    /// Manual steps started recently and not ticked yet.
    pub awaiting_people: Vec<StepItem>,
    /// Steps whose latest run failed, to retry or do by hand.
    pub failed_steps: Vec<FailedStep>,
    /// When the next scheduled step falls due.
    pub next_step_at: Option<Timestamp>,
    /// Roles wanted and held by nobody.
    pub empty_roles: Vec<RoleCode>,
    /// The earliest update owed or coming, of every group not told yet.
    pub next_stakeholder_update: Option<UpcomingUpdate>,
    /// The update cadence's state, passed through.
    pub cadence: Option<CadenceState>,
}

/// Builds the panel as of `now`.
pub fn whats_next(input: &WhatsNextInput<'_>, now: Timestamp) -> WhatsNext {
    let overdue = |since: Timestamp| now.duration_since(since) >= STEP_OVERDUE_AFTER;
    let mut due_steps = Vec::new();
    let mut overdue_steps = Vec::new();
    let mut awaiting_people = Vec::new();
    let mut failed_steps = Vec::new();
    for agenda in input.agendas {
        for step in &agenda.steps {
            if let NextRun::Due { key, due_at } = &step.next {
                let item = StepItem {
                    key: key.clone(),
                    step_name: step.name.clone(),
                    manual: step.waits_for_a_person,
                    since: *due_at,
                };
                if overdue(*due_at) {
                    overdue_steps.push(item);
                } else {
                    due_steps.push(item);
                }
            }
            let Some(latest) = &step.latest else {
                continue;
            };
            match &latest.status {
                RunStatus::Pending if step.waits_for_a_person => {
                    let item = StepItem {
                        key: latest.key.clone(),
                        step_name: step.name.clone(),
                        manual: true,
                        since: latest.attempt_started_at,
                    };
                    if overdue(item.since) {
                        overdue_steps.push(item);
                    } else {
                        awaiting_people.push(item);
                    }
                }
                RunStatus::Failed { at, reason } => failed_steps.push(FailedStep {
                    key: latest.key.clone(),
                    step_name: step.name.clone(),
                    at: *at,
                    reason: reason.clone(),
                    attempts: latest.attempts,
                }),
                _ => {}
            }
        }
    }
    for items in [&mut due_steps, &mut overdue_steps, &mut awaiting_people] {
        items.sort_by(|a, b| (a.since, &a.key).cmp(&(b.since, &b.key)));
    }
    failed_steps.sort_by(|a, b| (a.at, &a.key).cmp(&(b.at, &b.key)));

    let empty_roles = input
        .roles_wanted
        .iter()
        .filter(|role| !input.roles.contains_key(*role))
        .cloned()
        .collect();

    let next_stakeholder_update = input
        .stakeholder_updates
        .iter()
        .filter_map(|(group, update)| {
            let (due_at, due_now, digest) = match update {
                StakeholderUpdate::SendNow { due_at, digest, .. } => (*due_at, true, *digest),
                StakeholderUpdate::SendAt { at, digest, .. } => (*at, false, *digest),
                _ => return None,
            };
            Some(UpcomingUpdate {
                group: group.clone(),
                due_at,
                due_now,
                digest,
            })
        })
        .min_by(|a, b| (a.due_at, &a.group).cmp(&(b.due_at, &b.group)));

    WhatsNext {
        due_steps,
        overdue_steps,
        awaiting_people,
        failed_steps,
        next_step_at: crate::runbook::next_due_at(input.agendas),
        empty_roles,
        next_stakeholder_update,
        cadence: input.cadence.cloned(),
    }
}

#[cfg(test)]
#[path = "whats_next_tests.rs"]
mod tests;
