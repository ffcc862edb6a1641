//! The public status page's vocabulary and its pure decisions, in the
//! words and enums Atlassian Statuspage serves (`summary.json` and its
//! siblings), so any Statuspage consumer reads muster's page:
//! a component's status, an incident's impact and public status, the
//! page's overall indicator, and a maintenance window's status as time
//! passes. Nothing here knows about incidents' private side: the status
//! page works from its published projection only.

pub mod history;
pub mod maintenance;
pub mod projection;
pub mod publication;
pub mod subscriber;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

/// A component's status, as Statuspage spells it. The order is how bad it
/// is for customers: maintenance is planned and announced, so it ranks
/// below any unplanned degradation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        Self::Operational,
        Self::UnderMaintenance,
        Self::DegradedPerformance,
        Self::PartialOutage,
        Self::MajorOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operational => "operational",
            Self::UnderMaintenance => "under_maintenance",
            Self::DegradedPerformance => "degraded_performance",
            Self::PartialOutage => "partial_outage",
            Self::MajorOutage => "major_outage",
        }
    }

    /// For people: "Degraded performance".
    pub fn label(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::UnderMaintenance => "Under maintenance",
            Self::DegradedPerformance => "Degraded performance",
            Self::PartialOutage => "Partial outage",
            Self::MajorOutage => "Major outage",
        }
    }

    /// The impact an unplanned status means for the page's indicator.
    pub fn impact(self) -> Impact {
        match self {
            Self::Operational | Self::UnderMaintenance => Impact::None,
            Self::DegradedPerformance => Impact::Minor,
            Self::PartialOutage => Impact::Major,
            Self::MajorOutage => Impact::Critical,
        }
    }
}

impl fmt::Display for ComponentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The word of `all` that `raw` is, or an error naming them all.
fn word_of<T: Copy>(all: &[T], name: fn(T) -> &'static str, raw: &str) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|w| name(*w) == raw.trim())
        .ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|w| name(*w)).collect();
            format!("expected one of {}, got {raw:?}", known.join(", "))
        })
}

impl FromStr for ComponentStatus {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        word_of(&Self::ALL, Self::as_str, raw)
    }
}

/// An incident's impact, and the page's indicator: how much of the service
/// customers lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub const ALL: [Impact; 4] = [Self::None, Self::Minor, Self::Major, Self::Critical];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Impact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Impact {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        word_of(&Self::ALL, Self::as_str, raw)
    }
}

/// A public incident's status, as its updates move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 5] = [
        Self::Investigating,
        Self::Identified,
        Self::Monitoring,
        Self::Resolved,
        Self::Postmortem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
            Self::Postmortem => "postmortem",
        }
    }

    /// Resolved and postmortem incidents affect no component any more.
    pub fn is_resolved(self) -> bool {
        matches!(self, Self::Resolved | Self::Postmortem)
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentStatus {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        word_of(&Self::ALL, Self::as_str, raw)
    }
}

/// A maintenance window's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaintenanceStatus {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

impl MaintenanceStatus {
    pub const ALL: [MaintenanceStatus; 4] = [
        Self::Scheduled,
        Self::InProgress,
        Self::Verifying,
        Self::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::InProgress => "in_progress",
            Self::Verifying => "verifying",
            Self::Completed => "completed",
        }
    }
}

/// Where a planned window stands at `now`: scheduled before it starts, in
/// progress during it, completed once it ends, unless a person moved it
/// on by hand (started early, `verifying` while they check, or completed
/// early).
pub fn maintenance_status(
    starts_at: Timestamp,
    ends_at: Timestamp,
    set_by_hand: Option<MaintenanceStatus>,
    now: Timestamp,
) -> MaintenanceStatus {
    match set_by_hand {
        Some(status @ (MaintenanceStatus::Completed | MaintenanceStatus::Verifying)) => {
            return status;
        }
        // Started early by hand: in progress until its end.
        Some(MaintenanceStatus::InProgress) if now < ends_at => {
            return MaintenanceStatus::InProgress;
        }
        _ => {}
    }
    if now < starts_at {
        MaintenanceStatus::Scheduled
    } else if now < ends_at {
        MaintenanceStatus::InProgress
    } else {
        MaintenanceStatus::Completed
    }
}

/// What sets a component's status now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentFacts<'a> {
    /// Set by a person (or a monitor), if ever.
    pub set_by_hand: Option<ComponentStatus>,
    /// The status each unresolved public incident's latest update gives
    /// this component.
    pub from_incidents: &'a [ComponentStatus],
    /// A maintenance window covering it is in progress.
    pub in_maintenance: bool,
}

/// A component's status: the worst an unresolved public incident gives
/// it; else under maintenance while a window runs; else what was set by
/// hand; else operational. An incident's word wins over a hand-set
/// "operational" that predates it, and resolving the incident gives the
/// component back to whatever was set by hand.
pub fn component_status(facts: &ComponentFacts<'_>) -> ComponentStatus {
    if let Some(worst) = facts.from_incidents.iter().copied().max() {
        return worst;
    }
    if facts.in_maintenance {
        return ComponentStatus::UnderMaintenance;
    }
    facts.set_by_hand.unwrap_or(ComponentStatus::Operational)
}

/// The page's overall status, as `status.json` serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStatus {
    pub indicator: Impact,
    pub description: &'static str,
}

/// The banner: the worst of the components' statuses and the unresolved
/// incidents' impacts, in Statuspage's words.
pub fn page_status(components: &[ComponentStatus], unresolved_impacts: &[Impact]) -> PageStatus {
    let worst_component = components.iter().copied().max();
    let indicator = components
        .iter()
        .map(|c| c.impact())
        .chain(unresolved_impacts.iter().copied())
        .max()
        .unwrap_or(Impact::None);
    let description = match indicator {
        Impact::None if worst_component == Some(ComponentStatus::UnderMaintenance) => {
            "Service Under Maintenance"
        }
        Impact::None => "All Systems Operational",
        Impact::Minor => "Minor Service Outage",
        Impact::Major => "Partial System Outage",
        Impact::Critical => "Major System Outage",
    };
    PageStatus {
        indicator,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
    }

    #[test]
    fn statuses_read_and_write_as_statuspage_spells_them() {
        for status in ComponentStatus::ALL {
            assert_eq!(status.as_str().parse::<ComponentStatus>(), Ok(status));
        }
        for impact in Impact::ALL {
            assert_eq!(impact.as_str().parse::<Impact>(), Ok(impact));
        }
        for status in IncidentStatus::ALL {
            assert_eq!(status.as_str().parse::<IncidentStatus>(), Ok(status));
        }
        let error = "broken".parse::<ComponentStatus>().unwrap_err();
        assert!(error.contains("degraded_performance"), "{error}");
        assert!(IncidentStatus::Postmortem.is_resolved());
        assert!(!IncidentStatus::Monitoring.is_resolved());
    }

    #[test]
    fn an_incident_outranks_the_hand_and_maintenance_outranks_nothing_worse() {
        let quiet = ComponentFacts {
            set_by_hand: None,
            from_incidents: &[],
            in_maintenance: false,
        };
        assert_eq!(component_status(&quiet), ComponentStatus::Operational);
        let by_hand = ComponentFacts {
            set_by_hand: Some(ComponentStatus::DegradedPerformance),
            ..quiet
        };
        assert_eq!(
            component_status(&by_hand),
            ComponentStatus::DegradedPerformance
        );
        let incidents = [ComponentStatus::PartialOutage, ComponentStatus::MajorOutage];
        let during = ComponentFacts {
            set_by_hand: Some(ComponentStatus::Operational),
            from_incidents: &incidents,
            in_maintenance: true,
        };
        assert_eq!(component_status(&during), ComponentStatus::MajorOutage);
        let maintenance = ComponentFacts {
            set_by_hand: Some(ComponentStatus::Operational),
            from_incidents: &[],
            in_maintenance: true,
        };
        assert_eq!(
            component_status(&maintenance),
            ComponentStatus::UnderMaintenance
        );
    }

    #[test]
    fn the_banner_says_the_worst_in_statuspages_words() {
        use ComponentStatus::*;
        let status = |components: &[ComponentStatus], impacts: &[Impact]| {
            let s = page_status(components, impacts);
            (s.indicator.as_str(), s.description)
        };
        assert_eq!(status(&[], &[]), ("none", "All Systems Operational"));
        assert_eq!(
            status(&[Operational, UnderMaintenance], &[]),
            ("none", "Service Under Maintenance")
        );
        assert_eq!(
            status(&[Operational, DegradedPerformance], &[]),
            ("minor", "Minor Service Outage")
        );
        assert_eq!(
            status(&[PartialOutage, MajorOutage], &[]),
            ("critical", "Major System Outage")
        );
        // An incident affecting no component still raises the banner.
        assert_eq!(
            status(&[Operational], &[Impact::Major]),
            ("major", "Partial System Outage")
        );
    }

    #[test]
    fn a_window_moves_on_by_the_clock_unless_a_person_moved_it() {
        let (start, end) = (at(60), at(120));
        let status = |hand, now| maintenance_status(start, end, hand, at(now));
        assert_eq!(status(None, 0), MaintenanceStatus::Scheduled);
        assert_eq!(status(None, 60), MaintenanceStatus::InProgress);
        assert_eq!(status(None, 119), MaintenanceStatus::InProgress);
        assert_eq!(status(None, 120), MaintenanceStatus::Completed);
        assert_eq!(
            status(Some(MaintenanceStatus::Completed), 90),
            MaintenanceStatus::Completed,
            "finished early"
        );
        assert_eq!(
            status(Some(MaintenanceStatus::Verifying), 130),
            MaintenanceStatus::Verifying,
            "a person checks before calling it done"
        );
        assert_eq!(
            status(Some(MaintenanceStatus::InProgress), 0),
            MaintenanceStatus::InProgress,
            "started early by hand"
        );
        assert_eq!(
            status(Some(MaintenanceStatus::InProgress), 120),
            MaintenanceStatus::Completed,
            "and over at its end"
        );
    }
}
