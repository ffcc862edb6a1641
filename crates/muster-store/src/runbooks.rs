//! Storage port of runbook steps: the runs of each incident's attached
//! runbooks, one row per [`RunKey`], and when the engine should look at an
//! incident's runbooks again.
//!
//! A run is written with everything the step did (the incident's change,
//! tasks, pages, messages, timeline entries) in one transaction, and a new
//! run is an insert under its unique key: of two nodes that both found a
//! step due, one commits and the other learns it lost, with nothing of its
//! work written. That is how a step never runs twice, across restarts and
//! nodes alike.
//!
//! Every write of an incident marks it for a look
//! (`runbooks_due_at` = the write's time), so a severity raised or a
//! milestone reached wakes the steps waiting for it; the engine then sets
//! the mark to its next timer, unless the incident changed meanwhile.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::paging::Delivery;
use muster_core::runbook::{RunKey, RunStatus, RunbookName, StepRun};
use muster_core::{IncidentChange, IncidentId, NewTimelineEntry, Task};

use crate::StoreError;
use crate::paging::PageInsert;
use crate::row::StoredRow;

/// One run of a step, written with what the step did.
#[derive(Debug, Clone)]
pub struct StepRunWrite {
    pub incident: IncidentId,
    /// The run as it now stands.
    pub run: StepRun,
    /// The run as it was read, for a run already stored (a retry, a
    /// waiting step that now sends, a manual step ticked); `None` for a
    /// new run. Written only if the stored run still matches it.
    pub expected: Option<StepRun>,
    /// The incident's change (a role given, participants added), written
    /// with compare-and-swap on its version like any other change.
    pub change: Option<IncidentChange>,
    pub tasks: Vec<Task>,
    pub pages: Vec<PageInsert>,
    /// Messages to send after commit (stakeholders, webhooks).
    pub deliveries: Vec<Delivery>,
    pub timeline: Vec<NewTimelineEntry>,
    /// When the step's effects were decided: the incident is marked for
    /// another look from then (an earlier step done may make the next one due).
    pub at: Timestamp,
}

/// What writing a run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRunWritten {
    Written,
    /// Another writer got there first (the run exists, changed, or the
    /// incident moved on): nothing was written; decide again on fresh state.
    LostRace,
}

#[async_trait]
pub trait RunbookStore: Send + Sync {
    /// Every run of every runbook attached to `incident`, by key.
    async fn step_runs(&self, incident: IncidentId) -> Result<Vec<StepRun>, StoreError>;
    /// Writes a run and its effects in one transaction, or nothing.
    async fn write_step_run(&self, write: &StepRunWrite) -> Result<StepRunWritten, StoreError>;
    /// Incidents whose runbooks want a look by `now`, the longest waiting
    /// first, at most `limit`, each with the mark it was found with.
    async fn runbooks_due(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<(IncidentId, Timestamp)>, StoreError>;
    /// Moves the mark of `incident` from `seen` to `next` (`None`: nothing
    /// to do until the incident changes), unless it moved meanwhile (a
    /// change or a run written after the look, which wants a look of its own).
    async fn set_runbooks_due(
        &self,
        incident: IncidentId,
        seen: Timestamp,
        next: Option<Timestamp>,
    ) -> Result<(), StoreError>;
    /// The earliest mark of any incident: the engine's timer.
    async fn next_runbooks_due(&self) -> Result<Option<Timestamp>, StoreError>;
}

/// The columns of a run that change as it goes, for binding in order:
/// `status`, `finished_at`, `reason`.
pub fn status_columns(status: &RunStatus) -> (&'static str, Option<i64>, Option<String>) {
    match status {
        RunStatus::Pending => ("pending", None, None),
        RunStatus::Done { at } => ("done", Some(at.as_millisecond()), None),
        RunStatus::Failed { at, reason } => {
            ("failed", Some(at.as_millisecond()), Some(reason.clone()))
        }
    }
}

/// Reads one row of [`statements::COLUMNS`].
pub fn decode_step_run(row: &dyn StoredRow) -> Result<StepRun, StoreError> {
    let step = usize::try_from(row.natural("step")?)
        .map_err(|_| StoreError::Corrupt("step run index out of range".into()))?;
    let occurrence = u32::try_from(row.natural("occurrence")?)
        .map_err(|_| StoreError::Corrupt("step run occurrence out of range".into()))?;
    let attempts = u32::try_from(row.natural("attempts")?)
        .map_err(|_| StoreError::Corrupt("step run attempts out of range".into()))?;
    let finished = || {
        row.optional_instant("finished_at")?
            .ok_or_else(|| StoreError::Corrupt("a finished step run lacks finished_at".into()))
    };
    let status = match row.text("status")?.as_str() {
        "pending" => RunStatus::Pending,
        "done" => RunStatus::Done { at: finished()? },
        "failed" => RunStatus::Failed {
            at: finished()?,
            reason: row.optional_text("reason")?.unwrap_or_default(),
        },
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown step run status {other:?}"
            )));
        }
    };
    Ok(StepRun {
        key: RunKey {
            runbook: RunbookName::new(row.text("runbook")?),
            step,
            occurrence,
        },
        started_at: row.instant("started_at")?,
        attempt_started_at: row.instant("attempt_started_at")?,
        attempts,
        status,
    })
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const COLUMNS: &str = "runbook, step, occurrence, started_at, attempt_started_at, attempts, status, finished_at, reason";
    pub const RUNS: &str = "SELECT runbook, step, occurrence, started_at, attempt_started_at, \
        attempts, status, finished_at, reason FROM step_runs WHERE incident_id = $1 \
        ORDER BY runbook, step, occurrence";
    /// A new run; the primary key refuses a second one under the same key.
    pub const INSERT: &str = "INSERT INTO step_runs (incident_id, runbook, step, occurrence, \
        started_at, attempt_started_at, attempts, status, finished_at, reason) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING";
    /// A stored run moved on, if it is still as it was read ($7-$9).
    pub const UPDATE: &str = "UPDATE step_runs SET attempt_started_at = $5, attempts = $6, \
        status = $10, finished_at = $11, reason = $12 \
        WHERE incident_id = $1 AND runbook = $2 AND step = $3 AND occurrence = $4 \
        AND attempts = $7 AND status = $8 AND attempt_started_at = $9";
    /// A look wanted from `$2`, for an incident with runbooks.
    pub const MARK: &str = "UPDATE incidents SET runbooks_due_at = $2 WHERE incident_id = $1";
    pub const DUE: &str = "SELECT incident_id, runbooks_due_at FROM incidents \
        WHERE runbooks_due_at IS NOT NULL AND runbooks_due_at <= $1 \
        ORDER BY runbooks_due_at LIMIT $2";
    pub const SET_DUE: &str = "UPDATE incidents SET runbooks_due_at = $3 \
        WHERE incident_id = $1 AND runbooks_due_at = $2";
    pub const NEXT_DUE: &str = "SELECT MIN(runbooks_due_at) FROM incidents \
        WHERE runbooks_due_at IS NOT NULL";
}

/// The mark a write of `incident` leaves: a look from the write's time.
/// Every incident gets it, runbooks or not: its severity's update cadence
/// (reminders when an update is late) is decided on the same look.
pub fn mark_of(incident: &muster_core::Incident) -> Option<i64> {
    Some(incident.updated_at.as_millisecond())
}
