//! Milestones: the instants that mark an incident's progress and drive its metrics.
//! They must stay in chronological order, whoever edits them and whenever.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

use crate::error::DomainError;

/// The milestones in the order they must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Milestone {
    /// Impact began.
    Started,
    /// Someone (or a monitor) noticed.
    Detected,
    /// A responder took it on.
    Acknowledged,
    /// Customer impact stopped.
    Mitigated,
    /// The cause is fixed.
    Resolved,
    /// All follow-up is done; the incident is archived.
    Closed,
}

impl Milestone {
    pub const ALL: [Milestone; 6] = [
        Self::Started,
        Self::Detected,
        Self::Acknowledged,
        Self::Mitigated,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Detected => "detected",
            Self::Acknowledged => "acknowledged",
            Self::Mitigated => "mitigated",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Milestone {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown milestone {s:?}; expected one of started, detected, acknowledged, mitigated, resolved, closed"
                )
            })
    }
}

/// The instants at which each milestone was reached, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Milestones {
    at: [Option<Timestamp>; 6],
}

impl Milestones {
    pub fn get(&self, milestone: Milestone) -> Option<Timestamp> {
        self.at[milestone as usize]
    }

    /// The latest milestone reached, if any.
    pub fn latest(&self) -> Option<Milestone> {
        Milestone::ALL
            .into_iter()
            .rev()
            .find(|m| self.get(*m).is_some())
    }

    /// Builds milestones from stored values, checking their order.
    pub fn from_instants(at: [Option<Timestamp>; 6]) -> Result<Self, DomainError> {
        let milestones = Self { at };
        milestones.check_order()?;
        Ok(milestones)
    }

    pub fn instants(&self) -> [Option<Timestamp>; 6] {
        self.at
    }

    /// Sets (or clears, with `None`) one milestone, keeping the order intact.
    pub fn with(&self, milestone: Milestone, at: Option<Timestamp>) -> Result<Self, DomainError> {
        let mut next = *self;
        next.at[milestone as usize] = at;
        next.check_order()?;
        Ok(next)
    }

    /// Reaching `milestone` implies the response milestones before it
    /// (acknowledged, mitigated, resolved) were reached too: a resolved incident
    /// was necessarily mitigated. Unset ones among them take the same instant.
    pub fn reach(&self, milestone: Milestone, at: Timestamp) -> Result<Self, DomainError> {
        if let Some(existing) = self.get(milestone) {
            return Err(DomainError::transition(format!(
                "the incident is already {milestone} (at {existing})"
            )));
        }
        let mut next = *self;
        for earlier in Milestone::ALL {
            if earlier >= Milestone::Acknowledged
                && earlier < milestone
                && next.get(earlier).is_none()
            {
                next.at[earlier as usize] = Some(at);
            }
        }
        next.at[milestone as usize] = Some(at);
        next.check_order()?;
        Ok(next)
    }

    fn check_order(&self) -> Result<(), DomainError> {
        let mut previous: Option<(Milestone, Timestamp)> = None;
        for milestone in Milestone::ALL {
            let Some(at) = self.get(milestone) else {
                continue;
            };
            if let Some((before, before_at)) = previous
                && at < before_at
            {
                return Err(DomainError::invalid(
                    format!("milestones.{milestone}"),
                    format!("{milestone} ({at}) must not be earlier than {before} ({before_at})"),
                ));
            }
            previous = Some((milestone, at));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn reaching_resolved_fills_acknowledged_and_mitigated() {
        let start = Milestones::default()
            .with(Milestone::Started, Some(ts(100)))
            .unwrap();
        let resolved = start.reach(Milestone::Resolved, ts(200)).unwrap();
        assert_eq!(resolved.get(Milestone::Acknowledged), Some(ts(200)));
        assert_eq!(resolved.get(Milestone::Mitigated), Some(ts(200)));
        assert_eq!(resolved.get(Milestone::Detected), None);
        assert_eq!(resolved.latest(), Some(Milestone::Resolved));
    }

    #[test]
    fn reaching_a_milestone_twice_is_refused() {
        let m = Milestones::default()
            .reach(Milestone::Acknowledged, ts(5))
            .unwrap();
        assert!(matches!(
            m.reach(Milestone::Acknowledged, ts(6)),
            Err(DomainError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn edits_that_break_the_order_are_refused_naming_the_field() {
        let m = Milestones::default()
            .with(Milestone::Started, Some(ts(100)))
            .unwrap()
            .reach(Milestone::Mitigated, ts(300))
            .unwrap();
        let error = m.with(Milestone::Acknowledged, Some(ts(400))).unwrap_err();
        let DomainError::Invalid(fields) = error else {
            panic!("expected invalid")
        };
        assert_eq!(fields[0].field, "milestones.mitigated");
        assert!(m.with(Milestone::Started, Some(ts(50))).is_ok());
    }

    proptest! {
        /// Whatever sequence of edits is attempted, accepted states are always ordered.
        #[test]
        fn accepted_states_are_always_chronological(
            edits in proptest::collection::vec((0usize..6, proptest::option::of(0i64..1000)), 1..40)
        ) {
            let mut state = Milestones::default();
            for (index, at) in edits {
                if let Ok(next) = state.with(Milestone::ALL[index], at.map(ts)) {
                    state = next;
                }
                let set: Vec<Timestamp> = state.instants().into_iter().flatten().collect();
                prop_assert!(set.windows(2).all(|w| w[0] <= w[1]));
            }
        }
    }
}
