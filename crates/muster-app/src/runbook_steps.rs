//! Running attached runbooks: the engine's look at an incident finds the
//! runs due (the core's agenda), carries each out (`step_actions`) and
//! writes it with its effects under its unique key, so a restart or a second
//! node never runs a step twice; then it sets the incident's next timer.
//! People retry a failed step, tick a manual one, run one early, or attach
//! a runbook by hand through the same writes.

use muster_core::plan::PlanDocument;
use muster_core::runbook::{
    AttachedRunbook, NextRun, RunKey, RunStatus, RunbookName, StepAction, StepAgenda, StepRun,
    agenda, attach_due,
};
use muster_core::{
    Actor, DomainError, Incident, IncidentId, NewTimelineEntry, Permission, TimelineEntry,
    TimelineEntryId, TimelineEvent, Timestamp, UserId,
};
use muster_store::runbooks::{StepRunWrite, StepRunWritten};
use uuid::Uuid;

use crate::accounts::require;
use crate::incidents::IncidentKey;
use crate::routing::RoutingContext;
use crate::step_actions::{Performed, StepContext};
use crate::{App, AppError};

/// The most steps one look at an incident starts; the rest wait for the
/// next look (the run's write marks the incident for it), so one busy
/// incident cannot hold up the others.
const ACTIONS_PER_LOOK: usize = 50;
/// How long an incident whose look failed waits before the next one.
const RETRY_AFTER_ERROR: jiff::SignedDuration = jiff::SignedDuration::from_mins(1);

/// What one pass over the due incidents did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepsReport {
    /// Incidents looked at.
    pub incidents: usize,
    /// Runs written done.
    pub done: usize,
    /// Runs written failed (visible, retryable).
    pub failed: usize,
    /// Runs started that wait: for a person, or for their moment.
    pub waiting: usize,
    /// Runs another writer took first (nothing written by this one).
    pub lost: usize,
}

/// A step run decided: which run, of which step, from what stored state,
/// and what the step did.
struct Outcome {
    key: RunKey,
    /// The step's name, for the timeline.
    step: String,
    /// The run as stored, when it moves on from there.
    expected: Option<StepRun>,
    performed: Performed,
}

/// What one look at an incident does next.
enum NextWork<'r> {
    /// Start this run, due now.
    Start {
        runbook: &'r AttachedRunbook,
        key: RunKey,
    },
    /// Write what a waiting run came to.
    Finish(Outcome),
    /// Nothing due: look again at `timer` (or when the incident changes).
    Idle { timer: Option<Timestamp> },
}

/// An incident's attached runbooks and where each step stands.
#[derive(Debug, Clone)]
pub struct IncidentRunbooks {
    pub incident: Incident,
    pub attached: Vec<AttachedRunbook>,
    pub agendas: Vec<StepAgenda>,
}

impl App {
    /// Runs every due step of the incidents whose runbooks want a look,
    /// at most `limit` incidents.
    pub async fn run_due_steps(&self, limit: u32) -> Result<StepsReport, AppError> {
        let due = self.store.runbooks_due(self.now(), limit).await?;
        let mut total = StepsReport::default();
        if due.is_empty() {
            return Ok(total);
        }
        // Read once for the whole pass: people and the cached plan.
        let users = self.store.list_users().await?;
        let plan = self.routing_context().await?;
        for (incident, seen) in due {
            total.incidents += 1;
            match self.run_steps_of(incident, seen, &users, &plan).await {
                Ok(report) => {
                    total.done += report.done;
                    total.failed += report.failed;
                    total.waiting += report.waiting;
                    total.lost += report.lost;
                }
                Err(error) => {
                    tracing::warn!(%incident, %error, "could not run the incident's runbook steps; trying again in a minute");
                    // Left due, it would be looked at again at once, forever.
                    let later = self.now().checked_add(RETRY_AFTER_ERROR).ok();
                    if let Err(error) = self.store.set_runbooks_due(incident, seen, later).await {
                        tracing::warn!(%incident, %error, "could not put off the incident's runbook steps");
                    }
                }
            }
        }
        Ok(total)
    }

    /// What the engine's runbook module waits on between looks.
    pub fn step_wakeups(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.steps_due.clone()
    }

    /// An incident was written: its steps and its update cadence want a
    /// look now.
    pub(crate) fn wake_steps(&self) {
        self.steps_due.notify_one();
    }

    /// When the next incident's runbooks want a look.
    pub async fn next_steps_due(&self) -> Result<Option<Timestamp>, AppError> {
        Ok(self.store.next_runbooks_due().await?)
    }

    /// The runbooks attached to `incident`, as they were when they attached.
    pub(crate) async fn attached_runbooks(
        &self,
        incident: &Incident,
    ) -> Result<Vec<AttachedRunbook>, AppError> {
        if incident.runbooks.is_empty() {
            return Ok(Vec::new());
        }
        Ok(attached_in(
            incident,
            &self.whole_timeline(incident.id).await?,
        ))
    }

    /// One look at one incident: start what is due, one run at a time (each
    /// write changes what is due next), then set the next timer.
    async fn run_steps_of(
        &self,
        id: IncidentId,
        seen: Timestamp,
        users: &[muster_core::User],
        plan: &RoutingContext,
    ) -> Result<StepsReport, AppError> {
        let mut report = StepsReport::default();
        // Attachments only grow: read the snapshots again only when they do.
        let mut attached: Option<(Vec<RunbookName>, Vec<AttachedRunbook>)> = None;
        for _ in 0..ACTIONS_PER_LOOK {
            let Some(incident) = self.store.find_incident(id).await? else {
                return Ok(report);
            };
            if attached.as_ref().map(|(names, _)| names) != Some(&incident.runbooks) {
                let read = self.attached_runbooks(&incident).await?;
                attached = Some((incident.runbooks.clone(), read));
            }
            let runbooks = attached.as_ref().map(|(_, r)| r.as_slice()).unwrap_or(&[]);
            let runs = self.store.step_runs(id).await?;
            let context = StepContext {
                incident: &incident,
                users,
                plan,
                now: self.now(),
            };
            let outcome = match self.next_work(runbooks, &runs, &context).await? {
                NextWork::Idle { timer } => {
                    // With every step settled, the update cadence has its say.
                    let cadence = self
                        .remind_late_update(&incident, users, plan, context.now)
                        .await?;
                    let timer = earliest(timer, cadence);
                    self.store.set_runbooks_due(id, seen, timer).await?;
                    return Ok(report);
                }
                NextWork::Start { runbook, key } => {
                    let Some(step) = runbook.runbook.steps().get(key.step) else {
                        return Ok(report);
                    };
                    Outcome {
                        step: step.name.clone(),
                        performed: self.perform(&step.action, &context).await?,
                        key,
                        expected: None,
                    }
                }
                NextWork::Finish(outcome) => outcome,
            };
            let write = self.run_write(&context, outcome, None)?;
            self.record_write(&write, &mut report).await?;
        }
        Ok(report)
    }

    /// What the look does next: start the first due run, or finish a
    /// notification whose moment came; with nothing to do, when to look
    /// again.
    async fn next_work<'r>(
        &self,
        runbooks: &'r [AttachedRunbook],
        runs: &[StepRun],
        context: &StepContext<'_>,
    ) -> Result<NextWork<'r>, AppError> {
        let incident = context.incident;
        let mut timer = None;
        for runbook in runbooks {
            let agenda = agenda(runbook, runs, &incident.milestones, context.now);
            if let Some((key, _)) = agenda.due().into_iter().next() {
                return Ok(NextWork::Start { runbook, key });
            }
            timer = earliest(timer, agenda.next_due_at());
        }
        // A notification waiting for its moment is decided again each look:
        // the incident may be mitigated by now, or more severe.
        for run in runs.iter().filter(|r| r.is_pending()) {
            let step = runbooks
                .iter()
                .find(|a| a.runbook.name() == &run.key.runbook)
                .and_then(|a| a.runbook.steps().get(run.key.step));
            let Some(step) =
                step.filter(|s| matches!(s.action, StepAction::NotifyStakeholders { .. }))
            else {
                continue;
            };
            match self.perform(&step.action, context).await? {
                Performed::Waiting { until, .. } => timer = earliest(timer, Some(until)),
                performed => {
                    return Ok(NextWork::Finish(Outcome {
                        key: run.key.clone(),
                        step: step.name.clone(),
                        expected: Some(run.clone()),
                        performed,
                    }));
                }
            }
        }
        Ok(NextWork::Idle { timer })
    }

    /// The write of one run: the run moved on by what the step did, its
    /// effects, and the timeline saying so. `by` is the person who asked,
    /// or `None` for the plan.
    fn run_write(
        &self,
        context: &StepContext<'_>,
        outcome: Outcome,
        by: Option<UserId>,
    ) -> Result<StepRunWrite, AppError> {
        let Outcome {
            key,
            step,
            expected,
            performed,
        } = outcome;
        let (incident, now) = (context.incident, context.now);
        let runbook = key.runbook.to_string();
        let started = match &expected {
            None => StepRun::start(key, now),
            Some(run) if matches!(run.status, RunStatus::Failed { .. }) => run.retry(now)?,
            Some(run) => run.clone(),
        };
        let mut events = Vec::new();
        let mut write = StepRunWrite {
            incident: incident.id,
            run: started.clone(),
            expected,
            change: None,
            tasks: Vec::new(),
            pages: Vec::new(),
            deliveries: Vec::new(),
            timeline: Vec::new(),
            at: now,
        };
        match performed {
            Performed::Done { summary, effects } => {
                let effects = *effects;
                write.run = started.succeed(now)?;
                events.extend(effects.events);
                write.tasks = effects.tasks;
                write.pages = effects.pages;
                write.deliveries = effects.deliveries;
                if let Some(mut change) = effects.change {
                    // What a step changed may make another runbook's
                    // condition true; it attaches in the same write.
                    events.extend(attach_due(
                        &mut change.incident,
                        &context.plan.runbooks,
                        &self.settings.severities,
                    ));
                    write.change = Some(change);
                }
                events.push(TimelineEvent::StepDone {
                    runbook,
                    step,
                    summary,
                });
            }
            Performed::Waiting { summary, .. } | Performed::ForAPerson { summary } => {
                events.push(TimelineEvent::StepWaiting {
                    runbook,
                    step,
                    summary,
                });
            }
            Performed::Failed { reason } => {
                write.run = started.fail(reason.clone(), now)?;
                events.push(TimelineEvent::StepFailed {
                    runbook,
                    step,
                    reason,
                });
            }
        }
        write.timeline = events
            .into_iter()
            .map(|event| NewTimelineEntry {
                id: TimelineEntryId(Uuid::now_v7()),
                incident_id: incident.id,
                occurred_at: now,
                actor: by,
                event,
            })
            .collect();
        Ok(write)
    }

    async fn record_write(
        &self,
        write: &StepRunWrite,
        report: &mut StepsReport,
    ) -> Result<StepRunWritten, AppError> {
        let written = self.store.write_step_run(write).await?;
        match (written, &write.run.status) {
            (StepRunWritten::LostRace, _) => report.lost += 1,
            (StepRunWritten::Written, RunStatus::Done { .. }) => report.done += 1,
            (StepRunWritten::Written, RunStatus::Failed { reason, .. }) => {
                tracing::warn!(run = %write.run.key, %reason, "a runbook step failed");
                report.failed += 1;
            }
            (StepRunWritten::Written, RunStatus::Pending) => report.waiting += 1,
        }
        if written == StepRunWritten::Written
            && (!write.pages.is_empty() || !write.deliveries.is_empty())
        {
            self.wake_engine();
        }
        Ok(written)
    }

    /// The incident's attached runbooks with each step's progress.
    pub async fn incident_runbooks(
        &self,
        actor: &Actor,
        key: IncidentKey,
    ) -> Result<IncidentRunbooks, AppError> {
        let incident = self.get_incident(actor, key).await?;
        let attached = self.attached_runbooks(&incident).await?;
        self.runbooks_with_agendas(incident, attached).await
    }

    /// `attached` with each step's progress, as of now.
    pub(crate) async fn runbooks_with_agendas(
        &self,
        incident: Incident,
        attached: Vec<AttachedRunbook>,
    ) -> Result<IncidentRunbooks, AppError> {
        let runs = self.store.step_runs(incident.id).await?;
        let now = self.now();
        let agendas = attached
            .iter()
            .map(|a| agenda(a, &runs, &incident.milestones, now))
            .collect();
        Ok(IncidentRunbooks {
            incident,
            attached,
            agendas,
        })
    }

    /// A person acts on step `step` (from 1, as people count) of an
    /// attached runbook: ticks a manual step off, retries a failed one, or
    /// runs one that is not due yet now. A step already done, or one
    /// running, is refused with the reason.
    pub async fn run_step(
        &self,
        actor: &Actor,
        key: IncidentKey,
        runbook: &str,
        step: usize,
    ) -> Result<StepRun, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let incident = self.get_incident(actor, key).await?;
        let attached = self.attached_runbooks(&incident).await?;
        let Some(found) = attached
            .iter()
            .find(|a| a.runbook.name().as_str() == runbook.trim())
        else {
            let names: Vec<&str> = incident.runbooks.iter().map(|r| r.as_str()).collect();
            return Err(AppError::invalid(
                "runbook",
                format!(
                    "{runbook:?} is not attached to {}; attached: {}",
                    incident.number,
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        };
        let index = step
            .checked_sub(1)
            .filter(|i| *i < found.runbook.steps().len());
        let Some(index) = index else {
            return Err(AppError::invalid(
                "step",
                format!(
                    "{runbook} has steps 1 to {}, not {step}",
                    found.runbook.steps().len()
                ),
            ));
        };
        let definition = &found.runbook.steps()[index];
        let runs = self.store.step_runs(incident.id).await?;
        let now = self.now();
        let progress = agenda(found, &runs, &incident.milestones, now)
            .steps
            .into_iter()
            .nth(index)
            .ok_or_else(|| AppError::invalid("step", "no such step"))?;
        let users = self.store.list_users().await?;
        let plan = self.routing_context().await?;
        let step_context = StepContext {
            incident: &incident,
            users: &users,
            plan: &plan,
            now,
        };
        let who = users
            .iter()
            .find(|u| u.id == actor.user_id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| actor.user_id.to_string());
        let (run_key, expected, performed) = match (&progress.latest, &progress.next) {
            (Some(latest), _) if matches!(latest.status, RunStatus::Failed { .. }) => (
                latest.key.clone(),
                Some(latest.clone()),
                self.perform(&definition.action, &step_context).await?,
            ),
            (Some(latest), _) if latest.is_pending() && definition.action.waits_for_a_person() => (
                latest.key.clone(),
                Some(latest.clone()),
                Performed::Done {
                    summary: format!("ticked off by {who}"),
                    effects: Default::default(),
                },
            ),
            (Some(latest), _) if latest.is_pending() => {
                return Err(conflict(format!(
                    "{} is running (waiting for its moment); it cannot be run again now",
                    latest.key
                )));
            }
            (
                _,
                NextRun::Due { key, .. }
                | NextRun::Scheduled { key, .. }
                | NextRun::Waiting { key, .. },
            ) => (
                key.clone(),
                None,
                self.perform(&definition.action, &step_context).await?,
            ),
            (_, NextRun::Finished) => {
                return Err(conflict(format!(
                    "step {step} of {runbook} ({}) is done; nothing is left to run",
                    definition.name
                )));
            }
        };
        let outcome = Outcome {
            key: run_key,
            step: definition.name.clone(),
            expected,
            performed,
        };
        let write = self.run_write(&step_context, outcome, Some(actor.user_id))?;
        let mut report = StepsReport::default();
        match self.record_write(&write, &mut report).await? {
            StepRunWritten::Written => Ok(write.run),
            StepRunWritten::LostRace => Err(conflict(format!(
                "{} changed meanwhile (the engine or someone else ran it); look again",
                write.run.key
            ))),
        }
    }

    /// Attaches a runbook of the plan by hand, whatever its condition says
    /// (a commander who knows better). Its steps run from now.
    pub async fn attach_runbook(
        &self,
        actor: &Actor,
        key: IncidentKey,
        runbook: &str,
    ) -> Result<Incident, AppError> {
        require(actor, Permission::WriteIncidents)?;
        let context = self.routing_context().await?;
        let Some(planned) = context
            .runbooks
            .iter()
            .find(|p| p.runbook.name().as_str() == runbook.trim())
            .cloned()
        else {
            let known: Vec<&str> = context
                .runbooks
                .iter()
                .map(|p| p.runbook.name().as_str())
                .collect();
            return Err(AppError::invalid(
                "runbook",
                format!(
                    "the plan has no runbook named {runbook:?}; known: {}",
                    known.join(", ")
                ),
            ));
        };
        let name = planned.runbook.name().clone();
        self.change(actor, key, None, &|incident, now| {
            if incident.runbooks.contains(&name) {
                return Err(DomainError::transition(format!(
                    "{name} is attached to {} already",
                    incident.number
                )));
            }
            let mut next = incident.clone();
            next.runbooks.push(name.clone());
            next.version = incident.version + 1;
            next.updated_at = now;
            Ok(muster_core::IncidentDecision::Changed(Box::new(
                muster_core::IncidentChange {
                    incident: next,
                    expected_version: incident.version,
                    events: vec![TimelineEvent::RunbookAttached {
                        runbook: name.to_string(),
                        reason: "attached by hand".into(),
                        snapshot: planned.snapshot.clone(),
                    }],
                },
            )))
        })
        .await
    }
}

fn conflict(message: String) -> AppError {
    AppError::ConflictOn {
        code: "step_not_runnable",
        field: "step",
        message,
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The runbooks attached to `incident`, read from the snapshots its
/// timeline kept when each attached.
pub(crate) fn attached_in(incident: &Incident, timeline: &[TimelineEntry]) -> Vec<AttachedRunbook> {
    let mut attached = Vec::new();
    for entry in timeline {
        if let TimelineEvent::RunbookAttached {
            runbook, snapshot, ..
        } = &entry.event
        {
            match snapshot_runbook(runbook, snapshot) {
                Some(read) => attached.push(AttachedRunbook {
                    runbook: read,
                    attached_at: entry.occurred_at,
                }),
                None => tracing::warn!(
                    incident = %incident.number, %runbook,
                    "the snapshot of an attached runbook does not read; its steps do not run"
                ),
            }
        }
    }
    attached
}

/// Reads a runbook from the snapshot its attachment kept.
fn snapshot_runbook(name: &str, snapshot: &str) -> Option<muster_core::runbook::Runbook> {
    let document = PlanDocument {
        kind: "Runbook".into(),
        name: name.to_owned(),
        file: "(attached snapshot)".into(),
        body: snapshot.to_owned(),
        owner: None,
        review_every: None,
        last_reviewed: None,
    };
    let plan = muster_plan::runbooks::runbooks(std::slice::from_ref(&document));
    plan.runbooks.into_iter().next().map(|p| p.runbook)
}
