//! Attaching runbooks to an incident as their conditions come true: checked
//! on every change of the incident, each runbook at most once, never
//! detached, and recorded on the timeline with why it attached and what it
//! said then.

use std::collections::BTreeSet;

use super::{Runbook, condition::IncidentFacts, newly_attached};
use crate::incident::Incident;
use crate::severity::SeverityScale;
use crate::timeline::TimelineEvent;

/// A runbook of the plan with its snapshot: the document as written, kept
/// on the timeline when it attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRunbook {
    pub runbook: Runbook,
    /// The plan document's body (canonical JSON).
    pub snapshot: String,
}

/// Attaches to `incident` every runbook among `plan` (in its order) whose
/// condition holds for the incident as it now is and that it does not have
/// yet; returns one `RunbookAttached` event per runbook attached.
pub fn attach_due(
    incident: &mut Incident,
    plan: &[PlannedRunbook],
    scale: &SeverityScale,
) -> Vec<TimelineEvent> {
    if plan.is_empty() {
        return Vec::new();
    }
    let facts = IncidentFacts::of(incident);
    let attached: BTreeSet<_> = incident.runbooks.iter().cloned().collect();
    let runbooks = plan.iter().map(|p| &p.runbook);
    let mut events = Vec::new();
    for attachment in newly_attached(&facts, runbooks, &attached, scale) {
        let snapshot = plan
            .iter()
            .find(|p| p.runbook.name() == &attachment.runbook)
            .map(|p| p.snapshot.clone())
            .unwrap_or_default();
        events.push(TimelineEvent::RunbookAttached {
            runbook: attachment.runbook.to_string(),
            reason: attachment.reason,
            snapshot,
        });
        incident.runbooks.push(attachment.runbook);
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{IncidentId, UserId};
    use crate::incident::{IncidentRules, NewIncident};
    use crate::role::RoleCatalog;
    use crate::runbook::{Conditions, Criterion, RunbookName, RunbookStep, StepAction, StepTiming};
    use crate::severity::SeverityCode;
    use crate::user::{Actor, UserRole};
    use crate::{Milestone, Timestamp};
    use uuid::Uuid;

    fn planned(name: &str, all: Vec<Criterion>) -> PlannedRunbook {
        let step = RunbookStep {
            name: "Say so".into(),
            action: StepAction::Manual { instructions: None },
            timing: StepTiming::default(),
        };
        PlannedRunbook {
            runbook: Runbook::new(RunbookName::new(name), Conditions::new(all), vec![step])
                .unwrap_or_else(|e| panic!("{e}")),
            snapshot: format!("{{\"name\":\"{name}\"}}"),
        }
    }

    fn incident(severity: &str) -> Incident {
        let actor = Actor {
            user_id: UserId(Uuid::from_u128(1)),
            role: UserRole::Responder,
        };
        let scale = SeverityScale::standard();
        let roles = RoleCatalog::standard();
        let rules = IncidentRules {
            severities: &scale,
            roles: &roles,
        };
        let input = NewIncident {
            title: "Logins fail".into(),
            severity: Some(severity.into()),
            ..NewIncident::default()
        };
        let now = Timestamp::from_second(1_800_000_000).unwrap_or_else(|e| panic!("{e}"));
        Incident::declare(IncidentId(Uuid::from_u128(2)), input, &actor, &rules, now)
            .unwrap_or_else(|e| panic!("{e}"))
            .0
    }

    fn names(events: &[TimelineEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                TimelineEvent::RunbookAttached {
                    runbook, snapshot, ..
                } => {
                    assert!(snapshot.contains(runbook.as_str()));
                    runbook.clone()
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_runbook_attaches_when_its_condition_comes_true_and_only_once() {
        let scale = SeverityScale::standard();
        let plan = vec![
            planned("everyone", vec![]),
            planned(
                "sev1",
                vec![Criterion::SeverityAtLeast(SeverityCode::new("SEV1"))],
            ),
            planned(
                "after-mitigation",
                vec![Criterion::MilestoneReached(Milestone::Mitigated)],
            ),
        ];
        let mut sev3 = incident("SEV3");
        assert_eq!(names(&attach_due(&mut sev3, &plan, &scale)), ["everyone"]);
        assert!(attach_due(&mut sev3, &plan, &scale).is_empty(), "once");

        // Raised to SEV1: the SEV1 runbook attaches; the first stays.
        sev3.severity = SeverityCode::new("SEV1");
        assert_eq!(names(&attach_due(&mut sev3, &plan, &scale)), ["sev1"]);
        // Lowered again: nothing detaches.
        sev3.severity = SeverityCode::new("SEV3");
        assert!(attach_due(&mut sev3, &plan, &scale).is_empty());
        let attached: Vec<&str> = sev3.runbooks.iter().map(RunbookName::as_str).collect();
        assert_eq!(attached, ["everyone", "sev1"]);
    }

    #[test]
    fn the_reason_says_which_criteria_held() {
        let scale = SeverityScale::standard();
        let plan = vec![planned(
            "sev1",
            vec![Criterion::SeverityAtLeast(SeverityCode::new("SEV1"))],
        )];
        let mut sev1 = incident("SEV1");
        let events = attach_due(&mut sev1, &plan, &scale);
        let description = events[0].describe(&|_| String::new());
        assert!(
            description.starts_with("Runbook sev1 attached: "),
            "{description}"
        );
        assert!(description.contains("SEV1"), "{description}");
    }
}
