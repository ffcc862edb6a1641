//! The reader of Runbook documents: conditions as criteria, each action
//! with its own keys, timetables, and every problem with its path.

use serde_json::json;

use super::*;

fn doc(name: &str, body: Value) -> PlanDocument {
    PlanDocument {
        kind: "Runbook".into(),
        name: name.into(),
        file: "runbooks.yaml".into(),
        body: body.to_string(),
        owner: Some("platform".into()),
        review_every: None,
        last_reviewed: None,
    }
}

fn problems(reading: Reading) -> Vec<(String, String)> {
    match reading.result {
        Ok(found) => panic!("accepted: {found:?}"),
        Err(issues) => issues
            .into_iter()
            .map(|i| (i.path.to_string(), i.message))
            .collect(),
    }
}

fn fields(reading: Reading) -> Vec<String> {
    problems(reading)
        .into_iter()
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn conditions_actions_and_timetables_read_into_the_core() {
    let reading = read(&doc(
        "login-failures",
        json!({
            "conditions": {"functionality": "login", "severity_at_least": "SEV2", "drill": false,
                           "tag": "Security", "milestone_reached": "acknowledged"},
            "steps": [
                {"name": "Page identity", "action": "page_team", "team": "identity"},
                {"name": "Commander", "action": "assign_role", "role": "commander", "schedule": "identity-primary"},
                {"name": "Liaison", "action": "assign_role", "role": "customer-liaison", "user": "Ana@Example.com"},
                {"name": "Scribe", "action": "assign_role", "role": "scribe"},
                {"name": "Checks", "action": "create_tasks", "team": "identity", "tasks": ["Check auth-api"]},
                {"name": "Tell support", "action": "post_update", "template": "sev1-internal",
                 "after_step": "Page identity", "repeat": {"every": "30m", "until": "mitigated"}},
                {"name": "Later", "action": "manual", "after": "15m"},
                {"name": "Status", "action": "draft_status_update", "at_milestone": "mitigated"},
            ]
        }),
    ));
    let mut references: Vec<String> = reading
        .references
        .iter()
        .map(|(path, kind, raw)| format!("{path} {kind} {raw}"))
        .collect();
    references.sort();
    assert_eq!(
        references,
        [
            "conditions.functionality Functionality login",
            "conditions.severity_at_least Severity SEV2",
            "steps[0].team Team identity",
            "steps[1].role Role commander",
            "steps[1].schedule Schedule identity-primary",
            "steps[2].role Role customer-liaison",
            "steps[3].role Role scribe",
            "steps[4].team Team identity",
            "steps[5].template UpdateTemplate sev1-internal",
        ]
    );
    let runbook = reading.result.unwrap_or_else(|issues| panic!("{issues:?}"));
    assert_eq!(runbook.name().as_str(), "login-failures");
    let criteria: Vec<&str> = runbook
        .conditions()
        .all
        .iter()
        .map(Criterion::key)
        .collect();
    assert_eq!(
        criteria,
        [
            "severity_at_least",
            "functionality",
            "tag",
            "drill",
            "milestone_reached"
        ]
    );
    let steps = runbook.steps();
    assert_eq!(
        steps[1].action,
        StepAction::AssignRole {
            role: RoleCode::new("commander"),
            to: RoleAssignee::OnCall {
                schedule: "identity-primary".into()
            },
        }
    );
    assert_eq!(
        steps[3].action,
        StepAction::AssignRole {
            role: RoleCode::new("scribe"),
            to: RoleAssignee::Declarer,
        }
    );
    assert_eq!(
        steps[5].timing,
        StepTiming {
            start: StepStart::AfterStep(StepRef::Index(0)),
            repeat: Some(StepRepeat {
                every: SignedDuration::from_mins(30),
                until: Milestone::Mitigated,
            }),
        }
    );
    assert_eq!(
        steps[6].timing.start,
        StepStart::After(SignedDuration::from_mins(15))
    );
    assert_eq!(
        steps[7].timing.start,
        StepStart::AtMilestone(Milestone::Mitigated)
    );
}

#[test]
fn every_problem_is_named_by_its_path() {
    let reading = read(&doc(
        "broken",
        json!({
            "conditions": {"severity_at_least": "SEV1", "drill": "yes", "phase": "x",
                           "milestone_reached": "fixed"},
            "steps": [
                {"name": "Page", "action": "page_team"},
                {"name": "Wait", "action": "manual", "after": "soon", "at_milestone": "mitigated"},
                {"name": "Ping", "action": "webhook", "url": "https://hooks.example", "role": "commander"},
                {"name": "Nag", "action": "post_update", "repeat": {"every": "30m"}},
                {"action": "teleport"},
                "not a step",
            ],
            "stpes": []
        }),
    ));
    assert_eq!(
        fields(reading),
        [
            "stpes",
            "conditions.phase",
            "conditions.drill",
            "conditions.milestone_reached",
            "steps[5]",
            "steps[0].team",
            "steps[1].after",
            "steps[2].role",
            "steps[3].repeat.until",
            "steps[4].name",
            "steps[4].action",
        ]
    );
}

#[test]
fn the_core_refuses_what_it_alone_knows_at_the_steps_path() {
    let reading = read(&doc(
        "timing",
        json!({"steps": [
            {"name": "First", "action": "manual", "after_step": "Second"},
            {"name": "Second", "action": "manual", "repeat": {"every": "10s", "until": "mitigated"}},
            {"name": "Call", "action": "webhook", "url": "not a url"},
            {"name": "Checks", "action": "create_tasks"},
        ]}),
    ));
    assert_eq!(
        fields(reading),
        [
            "steps[0].after_step",
            "steps[1].repeat.every",
            "steps[2].url",
            "steps[3].tasks"
        ]
    );
    let two_starts = read(&doc(
        "starts",
        json!({"steps": [
            {"name": "A", "action": "manual"},
            {"name": "B", "action": "manual", "after": "5m", "after_step": "A"},
        ]}),
    ));
    let found = problems(two_starts);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "steps[1].after_step");
    assert!(found[0].1.contains("after and after_step"), "{found:?}");
}

#[test]
fn the_plan_lists_runbooks_by_name_and_the_documents_that_do_not_read() {
    let plan = runbooks(&[
        doc(
            "zeta",
            json!({"steps": [{"name": "A", "action": "manual"}]}),
        ),
        doc(
            "alpha",
            json!({"steps": [{"name": "B", "action": "manual"}]}),
        ),
        doc("empty", json!({"steps": []})),
    ]);
    let names: Vec<&str> = plan
        .runbooks
        .iter()
        .map(|r| r.runbook.name().as_str())
        .collect();
    assert_eq!(names, ["alpha", "zeta"]);
    assert!(
        plan.runbooks[0].snapshot.contains("\"B\""),
        "{:?}",
        plan.runbooks[0]
    );
    assert_eq!(plan.problems.len(), 1);
    assert!(
        plan.problems[0].starts_with("Runbook empty: steps:"),
        "{:?}",
        plan.problems
    );
}
