//! One run of one step, named by a stable key, and its life: started,
//! then done or failed; a failed run is retried as a new attempt of the
//! same run, so nothing runs twice and nothing is skipped.

use std::fmt;

use jiff::Timestamp;

use crate::error::DomainError;
use crate::runbook::RunbookName;

/// Names one run of one step of one attached runbook. The engine stores
/// runs under it (unique per incident), which is what makes starting a run
/// idempotent: two nodes that both find it due cannot both start it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunKey {
    /// The attached runbook (one attachment per runbook and incident).
    pub runbook: RunbookName,
    /// The step's position in the runbook, from 0.
    pub step: usize,
    /// 0 for the first run; repeating steps count up.
    pub occurrence: u32,
}

impl fmt::Display for RunKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} step {} run {}",
            self.runbook,
            self.step + 1,
            self.occurrence + 1
        )
    }
}

/// Where a run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// Started and not finished: in flight, or (a manual step) waiting for
    /// a person to tick it.
    Pending,
    Done {
        at: Timestamp,
    },
    /// The latest attempt failed; shown, and retryable.
    Failed {
        at: Timestamp,
        reason: String,
    },
}

/// A run of a step, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRun {
    /// Which run this is; unique per incident.
    pub key: RunKey,
    /// When the first attempt started; a repeating step's next run counts
    /// its interval from here.
    pub started_at: Timestamp,
    /// When the latest attempt started.
    pub attempt_started_at: Timestamp,
    /// 1 for the first attempt.
    pub attempts: u32,
    /// How the latest attempt stands.
    pub status: RunStatus,
}

impl StepRun {
    /// The first attempt of the run `key`, starting `now`.
    pub fn start(key: RunKey, now: Timestamp) -> Self {
        Self {
            key,
            started_at: now,
            attempt_started_at: now,
            attempts: 1,
            status: RunStatus::Pending,
        }
    }

    /// Started and not yet done or failed.
    pub fn is_pending(&self) -> bool {
        self.status == RunStatus::Pending
    }

    /// When it was done, if it is.
    pub fn done_at(&self) -> Option<Timestamp> {
        match self.status {
            RunStatus::Done { at } => Some(at),
            _ => None,
        }
    }

    /// The run did what it should. A failed run may also be marked done:
    /// someone did the step by hand.
    pub fn succeed(&self, now: Timestamp) -> Result<Self, DomainError> {
        match self.status {
            RunStatus::Done { at } => Err(DomainError::transition(format!(
                "{} is already done (at {at})",
                self.key
            ))),
            RunStatus::Pending | RunStatus::Failed { .. } => Ok(Self {
                status: RunStatus::Done { at: now },
                ..self.clone()
            }),
        }
    }

    /// The attempt failed, for `reason` (shown as it is).
    pub fn fail(&self, reason: impl Into<String>, now: Timestamp) -> Result<Self, DomainError> {
        if !self.is_pending() {
            return Err(DomainError::transition(format!(
                "{} is not running, so it cannot fail",
                self.key
            )));
        }
        Ok(Self {
            status: RunStatus::Failed {
                at: now,
                reason: reason.into(),
            },
            ..self.clone()
        })
    }

    /// A new attempt of a failed run, under the same key.
    pub fn retry(&self, now: Timestamp) -> Result<Self, DomainError> {
        match self.status {
            RunStatus::Failed { .. } => Ok(Self {
                attempt_started_at: now,
                attempts: self.attempts.saturating_add(1),
                status: RunStatus::Pending,
                ..self.clone()
            }),
            RunStatus::Pending => Err(DomainError::transition(format!(
                "{} is still running; only a failed run is retried",
                self.key
            ))),
            RunStatus::Done { .. } => Err(DomainError::transition(format!(
                "{} is done; only a failed run is retried",
                self.key
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    fn key() -> RunKey {
        RunKey {
            runbook: RunbookName::new("sev1-kickoff"),
            step: 2,
            occurrence: 0,
        }
    }

    #[test]
    fn a_failed_run_is_retried_under_the_same_key_then_done() {
        let run = StepRun::start(key(), at(0));
        let failed = run.fail("smtp refused", at(1)).unwrap();
        assert_eq!(
            failed.status,
            RunStatus::Failed {
                at: at(1),
                reason: "smtp refused".into()
            }
        );
        let again = failed.retry(at(5)).unwrap();
        assert_eq!((again.key.clone(), again.attempts), (key(), 2));
        assert_eq!(again.started_at, at(0));
        assert_eq!(again.attempt_started_at, at(5));
        let done = again.succeed(at(6)).unwrap();
        assert_eq!(done.done_at(), Some(at(6)));
    }

    #[test]
    fn only_sensible_transitions_are_allowed() {
        let run = StepRun::start(key(), at(0));
        assert!(run.retry(at(1)).is_err());
        let done = run.succeed(at(1)).unwrap();
        assert!(done.succeed(at(2)).is_err());
        assert!(done.fail("late", at(2)).is_err());
        let error = done.retry(at(2)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "sev1-kickoff step 3 run 1 is done; only a failed run is retried"
        );
        // Done by hand after a failure.
        let failed = StepRun::start(key(), at(0)).fail("timeout", at(1)).unwrap();
        assert_eq!(failed.succeed(at(3)).unwrap().done_at(), Some(at(3)));
    }
}
