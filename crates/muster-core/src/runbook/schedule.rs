//! What an attached runbook has to do now: for each step, its runs so far
//! and the next run, due, scheduled for later or waiting for something to
//! happen, under the key the engine stores it by.
//!
//! The engine starts every due run (the key's uniqueness makes a second
//! start fail, so no run happens twice), sleeps until [`next_due_at`], and
//! asks again whenever the incident or a run changes (that is what wakes
//! a step waiting for a milestone or for an earlier step).

use jiff::{SignedDuration, Timestamp};

use crate::milestone::{Milestone, Milestones};
use crate::runbook::{RunKey, Runbook, RunbookName, StepRef, StepRun, StepStart};

/// How long a run may stay due, or a manual step unticked, before "what's
/// next" calls it overdue.
pub const STEP_OVERDUE_AFTER: SignedDuration = SignedDuration::from_mins(5);

/// A runbook as it was when it attached to the incident, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedRunbook {
    /// The snapshot taken at attachment.
    pub runbook: Runbook,
    /// Delays count from here; nothing runs before it.
    pub attached_at: Timestamp,
}

/// What a step's next run waits for before it can fall due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitingFor {
    /// The incident reaching a milestone.
    Milestone(Milestone),
    /// The first run of an earlier step being done.
    Step { index: usize, name: String },
    /// The step's own current run finishing (a repeating step runs one at
    /// a time; a manual one waits to be ticked).
    CurrentRun,
}

/// A step's next run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextRun {
    /// To start now; due since `due_at`.
    Due { key: RunKey, due_at: Timestamp },
    /// To start at `due_at`.
    Scheduled { key: RunKey, due_at: Timestamp },
    /// Not due until something happens.
    Waiting {
        key: RunKey,
        waiting_for: WaitingFor,
    },
    /// No run to come: it ran, or its repeating stopped at its milestone.
    Finished,
}

/// One step of an attached runbook: what ran and what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepProgress {
    /// The step's position, from 0.
    pub step: usize,
    /// The step's name.
    pub name: String,
    /// The plan's action name (`page_team`, …).
    pub kind: &'static str,
    /// A manual step: a started run waits for a person to tick it.
    pub waits_for_a_person: bool,
    /// How many runs have started.
    pub runs: usize,
    /// The run with the highest occurrence, if any ran.
    pub latest: Option<StepRun>,
    /// The run to come, if any.
    pub next: NextRun,
}

/// Every step of one attached runbook, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepAgenda {
    /// The attached runbook.
    pub runbook: RunbookName,
    /// One per step, in the runbook's order.
    pub steps: Vec<StepProgress>,
}

impl StepAgenda {
    /// The runs to start now, in step order.
    pub fn due(&self) -> Vec<(RunKey, Timestamp)> {
        self.steps
            .iter()
            .filter_map(|s| match &s.next {
                NextRun::Due { key, due_at } => Some((key.clone(), *due_at)),
                _ => None,
            })
            .collect()
    }

    /// When the next scheduled run falls due: the engine's timer. Waiting
    /// runs have no time; a change to the incident or a run wakes them.
    pub fn next_due_at(&self) -> Option<Timestamp> {
        self.steps
            .iter()
            .filter_map(|s| match &s.next {
                NextRun::Scheduled { due_at, .. } => Some(*due_at),
                _ => None,
            })
            .min()
    }

    /// Steps whose latest run failed: shown and retryable.
    pub fn failed(&self) -> impl Iterator<Item = &StepProgress> {
        self.steps.iter().filter(|s| {
            s.latest
                .as_ref()
                .is_some_and(|r| matches!(r.status, crate::runbook::RunStatus::Failed { .. }))
        })
    }

    /// Manual steps started and waiting to be ticked.
    pub fn awaiting_people(&self) -> impl Iterator<Item = &StepProgress> {
        self.steps
            .iter()
            .filter(|s| s.waits_for_a_person && s.latest.as_ref().is_some_and(StepRun::is_pending))
    }
}

/// The earliest [`StepAgenda::next_due_at`] of several runbooks.
pub fn next_due_at(agendas: &[StepAgenda]) -> Option<Timestamp> {
    agendas.iter().filter_map(StepAgenda::next_due_at).min()
}

/// The agenda of `attached` at `now`, from every run stored for the
/// incident (runs of other runbooks are ignored) and its milestones.
///
/// A step's first run falls due at its start ([`StepStart`]), never before
/// the runbook attached. A repeating step's next run falls due `every`
/// after the previous run started, once that run is no longer pending, as
/// long as it falls due before the `until` milestone: a run that fell due
/// before it still runs (nothing is skipped), and a run late by an outage
/// is run once, not once per missed interval.
pub fn agenda(
    attached: &AttachedRunbook,
    runs: &[StepRun],
    milestones: &Milestones,
    now: Timestamp,
) -> StepAgenda {
    let runbook = &attached.runbook;
    let mine: Vec<&StepRun> = runs
        .iter()
        .filter(|r| &r.key.runbook == runbook.name())
        .collect();
    let steps = runbook
        .steps()
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let own: Vec<&StepRun> = mine
                .iter()
                .copied()
                .filter(|r| r.key.step == index)
                .collect();
            let latest = own.iter().copied().max_by_key(|r| r.key.occurrence);
            let next = next_run(attached, index, latest, &mine, milestones, now);
            StepProgress {
                step: index,
                name: step.name.clone(),
                kind: step.action.kind(),
                waits_for_a_person: step.action.waits_for_a_person(),
                runs: own.len(),
                latest: latest.cloned(),
                next,
            }
        })
        .collect();
    StepAgenda {
        runbook: runbook.name().clone(),
        steps,
    }
}

/// When a run falls due, if it can yet.
enum Due {
    At(Timestamp),
    Waiting(WaitingFor),
    Never,
}

fn next_run(
    attached: &AttachedRunbook,
    index: usize,
    latest: Option<&StepRun>,
    runs: &[&StepRun],
    milestones: &Milestones,
    now: Timestamp,
) -> NextRun {
    let Some(step) = attached.runbook.steps().get(index) else {
        return NextRun::Finished;
    };
    let (occurrence, due) = match (latest, step.timing.repeat) {
        (None, _) => (0, first_due(attached, index, runs, milestones)),
        (Some(_), None) => return NextRun::Finished,
        (Some(latest), Some(_)) if latest.is_pending() => (
            latest.key.occurrence.saturating_add(1),
            Due::Waiting(WaitingFor::CurrentRun),
        ),
        (Some(latest), Some(repeat)) => (
            latest.key.occurrence.saturating_add(1),
            latest
                .started_at
                .checked_add(repeat.every)
                .map_or(Due::Never, Due::At),
        ),
    };
    if let Some(repeat) = step.timing.repeat
        && let Some(until) = milestones.get(repeat.until)
    {
        // Whatever was due before the milestone still runs; nothing after it.
        match due {
            Due::At(at) if at < until => {}
            _ => return NextRun::Finished,
        }
    }
    let key = RunKey {
        runbook: attached.runbook.name().clone(),
        step: index,
        occurrence,
    };
    match due {
        Due::At(due_at) if due_at <= now => NextRun::Due { key, due_at },
        Due::At(due_at) => NextRun::Scheduled { key, due_at },
        Due::Waiting(waiting_for) => NextRun::Waiting { key, waiting_for },
        Due::Never => NextRun::Finished,
    }
}

fn first_due(
    attached: &AttachedRunbook,
    index: usize,
    runs: &[&StepRun],
    milestones: &Milestones,
) -> Due {
    let steps = attached.runbook.steps();
    let Some(step) = steps.get(index) else {
        return Due::Never;
    };
    let not_before = |at: Timestamp| Due::At(at.max(attached.attached_at));
    match &step.timing.start {
        StepStart::Immediately => Due::At(attached.attached_at),
        StepStart::After(delay) => attached
            .attached_at
            .checked_add(*delay)
            .map_or(Due::Never, Due::At),
        StepStart::AtMilestone(milestone) => milestones
            .get(*milestone)
            .map_or(Due::Waiting(WaitingFor::Milestone(*milestone)), not_before),
        StepStart::AfterStep(reference) => {
            let earlier = match reference {
                StepRef::Index(earlier) => Some(*earlier),
                // A validated runbook has indexes only; stay correct anyway.
                StepRef::Name(name) => steps.iter().position(|s| &s.name == name),
            };
            let Some(earlier) = earlier.filter(|e| *e < steps.len() && *e != index) else {
                return Due::Never;
            };
            let done = runs
                .iter()
                .find(|r| r.key.step == earlier && r.key.occurrence == 0)
                .and_then(|r| r.done_at());
            match done {
                Some(at) => not_before(at),
                None => Due::Waiting(WaitingFor::Step {
                    index: earlier,
                    name: steps
                        .get(earlier)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                }),
            }
        }
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
