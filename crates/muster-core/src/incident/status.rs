//! An incident's status, derived from its milestones.

use std::fmt;
use std::str::FromStr;

use crate::milestone::{Milestone, Milestones};

/// Where an incident stands, derived from the latest milestone reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentStatus {
    /// Declared; nobody has acknowledged it yet.
    Active,
    Acknowledged,
    Mitigated,
    Resolved,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 5] = [
        Self::Active,
        Self::Acknowledged,
        Self::Mitigated,
        Self::Resolved,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Acknowledged => "acknowledged",
            Self::Mitigated => "mitigated",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    /// Resolved or closed: the problem is gone, nothing is left to follow.
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Resolved | Self::Closed)
    }

    pub(super) fn of(milestones: &Milestones) -> Self {
        match milestones.latest() {
            Some(Milestone::Closed) => Self::Closed,
            Some(Milestone::Resolved) => Self::Resolved,
            Some(Milestone::Mitigated) => Self::Mitigated,
            Some(Milestone::Acknowledged) => Self::Acknowledged,
            _ => Self::Active,
        }
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| {
            format!(
                "unknown status {s:?}; expected one of active, acknowledged, mitigated, resolved, closed"
            )
        })
    }
}
