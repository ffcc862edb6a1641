//! `Scenario` documents read into the core's [`Scenario`]: the runbooks an
//! incident started from it attaches, its expected timeline and its action
//! items. An expected moment is one of:
//!
//! ```yaml
//! expected_timeline:
//!   - {at: T+5m, milestone: acknowledged}
//!   - {at: T+2m, event: declared}        # or first_stakeholder_update
//!   - {at: T+10m, role: commander}       # someone holds the role
//!   - {at: T+20m, action: auth-api is rolled back}   # a person marks it done
//! ```

use muster_core::plan::PlanDocument;
use muster_core::runbook::RunbookName;
use muster_core::scenario::{Expectation, ExpectedMoment, Scenario, parse_offset};
use muster_core::{DomainError, Milestone, RoleCode};
use serde_json::{Map, Value};

use crate::oncall::read::{self, Path, Reader};
use crate::plan::{Kind, rules};
use crate::stakeholders::read_with;

/// The words `event:` takes.
pub const EVENTS: [&str; 3] = [
    "declared",
    "first_stakeholder_update",
    "first_status_update",
];
/// The keys that say what a moment expects; exactly one per moment.
pub const EXPECTATION_KEYS: [&str; 4] = ["milestone", "event", "role", "action"];

/// A scenario as the plan has it, with the document body kept: an incident
/// started from it keeps the snapshot, so editing the plan later does not
/// change what that incident was measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedScenario {
    pub scenario: Scenario,
    pub snapshot: String,
}

/// The plan's scenarios by name, and the documents that do not read.
#[derive(Debug, Clone, Default)]
pub struct Scenarios {
    pub scenarios: Vec<PlannedScenario>,
    pub problems: Vec<String>,
}

impl Scenarios {
    pub fn get(&self, name: &str) -> Option<&PlannedScenario> {
        self.scenarios
            .iter()
            .find(|s| s.scenario.name() == name.trim())
    }
}

/// Reads every `Scenario` among `documents`.
pub fn scenarios(documents: &[PlanDocument]) -> Scenarios {
    let mut out = Scenarios::default();
    for doc in documents
        .iter()
        .filter(|d| d.kind == Kind::Scenario.as_str())
    {
        match read_with(doc, scenario) {
            Ok(scenario) => out.scenarios.push(PlannedScenario {
                scenario,
                snapshot: doc.body.clone(),
            }),
            Err(issues) => out.problems.push(read::summary(doc, &issues)),
        }
    }
    out.scenarios
        .sort_by(|a, b| a.scenario.name().cmp(b.scenario.name()));
    out
}

/// The problems of one `Scenario` document as the server reads it, each at
/// its path; the runbooks it lists are checked against the plan elsewhere.
pub(crate) fn issues(doc: &PlanDocument) -> Vec<read::Issue> {
    read_with(doc, scenario)
        .err()
        .unwrap_or_default()
        .into_iter()
        .filter(|issue| !issue.path.to_string().starts_with("runbooks"))
        .collect()
}

/// Reads one scenario from the snapshot an incident kept.
pub fn from_snapshot(name: &str, snapshot: &str) -> Option<Scenario> {
    let document = PlanDocument {
        kind: Kind::Scenario.as_str().into(),
        name: name.to_owned(),
        file: "(started from)".into(),
        body: snapshot.to_owned(),
        owner: None,
        review_every: None,
        last_reviewed: None,
    };
    read_with(&document, scenario).ok()
}

fn scenario(
    r: &mut Reader,
    doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<Scenario, DomainError> {
    let root = Path::default();
    let description = r
        .str(body, &root, "description")
        .unwrap_or_default()
        .to_owned();
    let runbooks = r
        .strings(body, &root, "runbooks")
        .unwrap_or_default()
        .into_iter()
        .map(|(_, name)| RunbookName::new(name.trim()))
        .collect();
    let mut timeline = Vec::new();
    for (at, entry) in r
        .objects(body, &root, "expected_timeline")
        .unwrap_or_default()
    {
        if let Some(moment) = moment(r, entry, &at) {
            timeline.push(moment);
        }
    }
    let action_items = r
        .strings(body, &root, "action_items")
        .unwrap_or_default()
        .into_iter()
        .map(|(_, item)| item.to_owned())
        .collect();
    Scenario::new(
        doc.name.trim(),
        description,
        runbooks,
        timeline,
        action_items,
    )
}

fn moment(r: &mut Reader, entry: &Map<String, Value>, at: &Path) -> Option<ExpectedMoment> {
    let raw = r.required_str(entry, at, "at", "T+<n>m")?;
    let by = match parse_offset("at", raw) {
        Ok(by) => Some(by),
        Err(error) => {
            r.report(
                &at.key("at"),
                Some(raw),
                rules::INVALID_DURATION,
                error.message,
            );
            None
        }
    };
    let given: Vec<&str> = EXPECTATION_KEYS
        .into_iter()
        .filter(|key| Reader::given(entry, key))
        .collect();
    let [key] = given[..] else {
        r.report(
            at,
            None,
            rules::INVALID_FIELD,
            "a timeline entry has exactly one of milestone, event, role or action",
        );
        return None;
    };
    let value = r.str(entry, at, key)?.trim().to_owned();
    let expectation = match key {
        "milestone" => match value.parse::<Milestone>() {
            Ok(milestone) => Expectation::Milestone(milestone),
            Err(_) => {
                let known: Vec<&str> = Milestone::ALL.iter().map(|m| m.as_str()).collect();
                r.report(
                    &at.key(key),
                    Some(&value),
                    rules::INVALID_FIELD,
                    format!("expected one of {}", known.join(", ")),
                );
                return None;
            }
        },
        "event" => match value.as_str() {
            "declared" => Expectation::Declared,
            "first_stakeholder_update" => Expectation::FirstStakeholderUpdate,
            "first_status_update" => Expectation::FirstStatusUpdate,
            _ => {
                r.report(
                    &at.key(key),
                    Some(&value),
                    rules::INVALID_FIELD,
                    format!("expected one of {}", EVENTS.join(", ")),
                );
                return None;
            }
        },
        "role" => Expectation::RoleFilled(RoleCode::new(value)),
        _ => Expectation::Action(value),
    };
    Some(ExpectedMoment {
        by: by?,
        expectation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn doc(body: Value) -> PlanDocument {
        PlanDocument {
            kind: "Scenario".into(),
            name: "login-outage".into(),
            file: "plan/scenarios.yaml".into(),
            body: body.to_string(),
            owner: None,
            review_every: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn every_kind_of_moment_reads() {
        let read = scenarios(&[doc(serde_json::json!({
            "description": "Sign-in fails",
            "runbooks": ["login-failures", "sev1-kickoff"],
            "expected_timeline": [
                {"at": "T+2m", "event": "declared"},
                {"at": "T+5m", "milestone": "acknowledged"},
                {"at": "T+10m", "role": "commander"},
                {"at": "T+15m", "event": "first_stakeholder_update"},
                {"at": "T+20m", "action": "auth-api is rolled back"},
                {"at": "T+2h", "milestone": "resolved"},
            ],
            "action_items": ["Canary releases"],
        }))]);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let scenario = &read.get("login-outage").unwrap().scenario;
        assert_eq!(scenario.runbooks().len(), 2);
        let moments: Vec<(i64, String)> = scenario
            .expected_timeline()
            .iter()
            .map(|m| (m.by.as_mins(), m.expectation.describe()))
            .collect();
        assert_eq!(
            moments,
            vec![
                (2, "declared".to_owned()),
                (5, "acknowledged".to_owned()),
                (10, "commander assigned".to_owned()),
                (15, "first stakeholder update".to_owned()),
                (20, "auth-api is rolled back".to_owned()),
                (120, "resolved".to_owned()),
            ]
        );
        assert_eq!(
            scenario.expected_timeline()[5].by,
            SignedDuration::from_hours(2)
        );
        let again = from_snapshot("login-outage", &read.scenarios[0].snapshot).unwrap();
        assert_eq!(&again, scenario);
    }

    #[test]
    fn unreadable_moments_are_problems_not_guesses() {
        let read = scenarios(&[doc(serde_json::json!({
            "runbooks": ["r"],
            "expected_timeline": [
                {"at": "T+5m", "milestone": "fixed"},
                {"at": "T+5m", "milestone": "mitigated", "action": "both"},
                {"at": "5m", "event": "declared"},
                {"at": "T+1m", "event": "tweeted"},
            ],
        }))]);
        assert_eq!(read.scenarios.len(), 0);
        let problem = &read.problems[0];
        for part in [
            "expected_timeline[0].milestone",
            "exactly one of",
            "expected_timeline[2].at",
            "expected_timeline[3].event",
        ] {
            assert!(problem.contains(part), "{part} in {problem}");
        }
    }
}
