//! The plan as code: loading, every validation rule, staleness, the example.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use muster_plan::plan::{self, Finding, Kind, rules};

/// Alert routes.
#[path = "plan_validate/alerting.rs"]
mod alerting;

/// Update templates and update cadences.
#[path = "plan_validate/communications.rs"]
mod communications;

/// Integrations and the secrets they name.
#[path = "plan_validate/integrations.rs"]
mod integrations;

/// Schedules, escalation policies and their gaps.
#[path = "plan_validate/oncall.rs"]
mod oncall;

const BASE: &str = "\
kind: Team
name: core
escalation_policy: core-oncall
---
kind: EscalationPolicy
name: core-oncall
owner: core
review_every: 90d
last_reviewed: 2026-01-01
steps:
  - targets: [{user: a@example.com}]
---
kind: Severity
name: SEV1
rank: 1
owner: core
review_every: 90d
last_reviewed: 2026-01-01
---
kind: StakeholderGroup
name: execs
owner: core
review_every: 90d
last_reviewed: 2026-01-01
policies:
  - severities: [SEV1]
    when: immediately
---
kind: Service
name: api
owner: core
---
kind: Functionality
name: login
owner: core
services: [api]
---
kind: Runbook
name: rb
owner: core
review_every: 90d
last_reviewed: 2026-01-01
steps:
  - {name: page, action: page_team, team: core}
---
kind: Scenario
name: sc
owner: core
review_every: 90d
last_reviewed: 2026-01-01
runbooks: [rb]
";

const REVIEW: &str = "owner: core\nreview_every: 90d\nlast_reviewed: 2026-01-01\n";

/// Writes `base.yaml` (the clean plan) and `extra.yaml`, loads the folder.
fn load_with(extra: &str) -> (tempfile::TempDir, Result<plan::Plan, Vec<Finding>>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.yaml"), BASE).unwrap();
    if !extra.is_empty() {
        std::fs::write(dir.path().join("extra.yaml"), extra).unwrap();
    }
    let loaded = plan::load(dir.path());
    (dir, loaded)
}

fn validate_with(extra: &str) -> (PathBuf, Vec<Finding>) {
    let (dir, loaded) = load_with(extra);
    let plan = loaded.unwrap_or_else(|errors| panic!("load failed: {errors:#?}"));
    (dir.path().to_path_buf(), plan::validate(&plan))
}

/// Exactly one finding, with `rule`, in extra.yaml at `line`.
fn only(extra: &str, rule: &str, line: usize) -> Finding {
    let (dir, findings) = validate_with(extra);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = findings[0].clone();
    assert_eq!(finding.rule, rule, "{finding}");
    assert_eq!(finding.file, dir.join("extra.yaml"), "{finding}");
    assert_eq!(finding.line, line, "{finding}");
    finding
}

#[test]
fn the_base_plan_is_clean() {
    let (_, findings) = validate_with("");
    assert_eq!(findings, Vec::<Finding>::new());
}

#[test]
fn production_service_without_owner() {
    only(
        "kind: Service\nname: orphan\n",
        rules::SERVICE_WITHOUT_OWNER,
        2,
    );
    // Experimental services need no owner.
    let (_, findings) = validate_with("kind: Service\nname: toy\nlifecycle: experimental\n");
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn owner_team_without_escalation_policy() {
    only(
        "kind: Service\nname: s2\nowner: lonely\n---\nkind: Team\nname: lonely\n",
        rules::TEAM_WITHOUT_ESCALATION_POLICY,
        6,
    );
}

#[test]
fn functionality_without_owner() {
    only(
        "kind: Functionality\nname: search\nservices: [api]\n",
        rules::FUNCTIONALITY_WITHOUT_OWNER,
        2,
    );
}

#[test]
fn severity_nobody_is_told_about() {
    only(
        &format!("kind: Severity\nname: SEV2\nrank: 2\n{REVIEW}"),
        rules::SEVERITY_WITHOUT_AUDIENCE,
        2,
    );
}

#[test]
fn scenario_with_unknown_runbook() {
    let finding = only(
        &format!("kind: Scenario\nname: sc2\n{REVIEW}runbooks:\n  - rb\n  - nope\n"),
        rules::SCENARIO_UNKNOWN_RUNBOOK,
        8,
    );
    assert_eq!(finding.column, 5, "{finding}");
    assert!(finding.message.contains("nope"), "{finding}");
}

#[test]
fn unknown_references() {
    let finding = only(
        "kind: Service\nname: s2\nowner: ghost\n",
        rules::UNKNOWN_REFERENCE,
        3,
    );
    assert!(
        finding.message.contains("no Team named \"ghost\""),
        "{finding}"
    );
    only(
        &format!(
            "kind: Runbook\nname: rb2\n{REVIEW}conditions:\n  functionality: nowhere\nsteps:\n  - {{name: x, action: manual}}\n"
        ),
        rules::UNKNOWN_REFERENCE,
        7,
    );
    only(
        &format!(
            "kind: TaskForce\nname: tf\n{REVIEW}join_at_severity: SEV9\nmembers:\n  - {{function: legal, contact: l@example.com}}\n"
        ),
        rules::UNKNOWN_REFERENCE,
        6,
    );
}

#[test]
fn duplicate_names() {
    let finding = only(
        "# again\nkind: Service\nname: API\nowner: core\n",
        rules::DUPLICATE_NAME,
        3,
    );
    assert!(finding.message.contains("base.yaml:29"), "{finding}");
}

#[test]
fn dependency_cycle() {
    let extra = "\
kind: Service
name: a
owner: core
depends_on: [{service: b}]
---
kind: Service
name: b
owner: core
depends_on: [{service: a, criticality: soft}]
";
    let finding = only(extra, rules::DEPENDENCY_CYCLE, 4);
    assert!(finding.message.contains("a, b"), "{finding}");
}

#[test]
fn bad_yaml_is_located() {
    let (dir, loaded) = load_with("kind: Team\nname: x\n---\nkind: Team\nname: [y\nz: 1\n");
    let errors = loaded.unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].rule, rules::YAML_SYNTAX);
    assert_eq!(errors[0].file, dir.path().join("extra.yaml"));
    assert_eq!(errors[0].line, 6, "{}", errors[0]);
    assert!(errors[0].column >= 1);
}

#[test]
fn unknown_kind_and_missing_name() {
    let (dir, loaded) = load_with("kind: Widget\nname: w\n---\nkind: Team\n");
    let errors = loaded.unwrap_err();
    let found: Vec<(&str, usize, usize)> =
        errors.iter().map(|e| (e.rule, e.line, e.column)).collect();
    assert_eq!(
        found,
        [(rules::UNKNOWN_KIND, 1, 1), (rules::INVALID_DOCUMENT, 4, 1)],
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .all(|e| e.file == dir.path().join("extra.yaml"))
    );
}

#[test]
fn bad_time_zone() {
    let extra = format!(
        "kind: Schedule\nname: s\n{REVIEW}time_zone: Mars/Olympus_Mons\nrotations:\n  - {{participants: [a@example.com], shift: 1w, handoff: \"09:00\"}}\n"
    );
    let finding = only(&extra, rules::INVALID_TIME_ZONE, 6);
    assert_eq!(finding.column, 12, "points at the value: {finding}");
}

#[test]
fn bad_durations() {
    only(
        "kind: Role\nname: liaison\nowner: core\nreview_every: 90x\nlast_reviewed: 2026-01-01\n",
        rules::INVALID_DURATION,
        4,
    );
    let extra = format!(
        "kind: Schedule\nname: s\n{REVIEW}time_zone: UTC\nrotations:\n  - participants: [a@example.com]\n    shift: fortnight\n"
    );
    only(&extra, rules::INVALID_DURATION, 9);
    // Too long to be a review period (and too long for a calendar span): refused, and
    // `stale` does not trip over it.
    let forever =
        "kind: Role\nname: liaison\nowner: core\nreview_every: 20000y\nlast_reviewed: 2026-01-01\n";
    only(forever, rules::INVALID_DURATION, 4);
    let (_, loaded) = load_with(forever);
    let plan = loaded.expect("loads");
    let stale = plan::stale(&plan, jiff::civil::date(2026, 11, 26));
    assert!(!stale.iter().any(|d| d.name == "liaison"), "{stale:?}");
}

#[test]
fn reviewed_documents_need_owner_and_review_dates() {
    let (dir, findings) = validate_with("kind: Role\nname: liaison\n");
    let rules_found: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules_found, [rules::MISSING_REVIEW; 3], "{findings:#?}");
    assert!(
        findings
            .iter()
            .all(|f| f.file == dir.join("extra.yaml") && f.line == 1)
    );
}

#[test]
fn every_error_is_reported_at_once_and_serialises() {
    let extra = "\
kind: Service
name: orphan
---
kind: Functionality
name: lost
---
kind: Service
name: api
owner: core
";
    let (_, findings) = validate_with(extra);
    let rules_found: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules_found,
        [
            rules::SERVICE_WITHOUT_OWNER,
            rules::FUNCTIONALITY_WITHOUT_OWNER,
            rules::DUPLICATE_NAME
        ],
        "{findings:#?}"
    );
    let json = serde_json::to_value(&findings[0]).unwrap();
    assert_eq!(json["rule"], "service_without_owner");
    assert_eq!(json["line"], 2);
    assert!(
        findings[0]
            .to_string()
            .contains("extra.yaml:2:1: [service_without_owner]")
    );
}

#[test]
fn stale_documents_are_listed() {
    let (_, loaded) = load_with("");
    let plan = loaded.unwrap();
    let today: jiff::civil::Date = "2026-03-31".parse().unwrap();
    assert!(plan::stale(&plan, today).is_empty());
    let later: jiff::civil::Date = "2026-04-02".parse().unwrap();
    let stale = plan::stale(&plan, later);
    assert_eq!(stale.len(), 5, "{stale:#?}");
    assert_eq!(stale[0].kind, Kind::EscalationPolicy);
    assert_eq!(stale[0].due.to_string(), "2026-04-01");
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan")
}

#[test]
fn the_example_plan_is_sound() {
    let plan = plan::load(&example()).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    let findings = plan::validate(&plan);
    assert!(
        findings.is_empty(),
        "{}",
        findings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    let catalog = plan.catalog();
    assert_eq!(catalog.teams.len(), 6);
    assert_eq!(catalog.services.len(), 12);
    assert_eq!(catalog.functionalities.len(), 5);
    assert!(catalog.validate().is_empty(), "{:?}", catalog.validate());
    assert_eq!(plan.of_kind(Kind::Scenario).count(), 4);
    assert_eq!(plan.of_kind(Kind::UpdateTemplate).count(), 1);
    assert_eq!(plan.of_kind(Kind::StakeholderGroup).count(), 4);
    assert_eq!(plan.of_kind(Kind::Integration).count(), 6);
    // The example names no secret: it applies anywhere as it is.
    assert!(plan::secret_references(&plan).is_empty());
}

#[test]
fn notification_policies_are_checked() {
    let extra = format!(
        "kind: StakeholderGroup\nname: legal\n{REVIEW}time_zone: Europe/Paris\npolicies:\n  - severities: [SEV1]\n    when: next_business_morning\n  - severities: [SEV1]\n    when: {{after_minutes: 15}}\n  - severities: [SEV1]\n    when: sometime\n"
    );
    let finding = only(&extra, rules::INVALID_FIELD, 13);
    assert!(finding.message.contains("sometime"), "{finding}");
}

#[test]
fn runbook_timetables_and_actions_are_refused_at_their_line() {
    // The first step repeats too often to mean anything (its repeat is on line 9).
    let finding = only(
        &format!(
            "kind: Runbook\nname: nag\n{REVIEW}steps:\n  - name: Remind\n    action: manual\n    repeat: {{every: 10s, until: mitigated}}\n"
        ),
        rules::INVALID_FIELD,
        9,
    );
    assert!(finding.message.contains("repeat.every"), "{finding}");
    // A step that waits for a step that comes later.
    let finding = only(
        &format!(
            "kind: Runbook\nname: order\n{REVIEW}steps:\n  - {{name: A, action: manual, after_step: B}}\n  - {{name: B, action: manual}}\n"
        ),
        rules::INVALID_FIELD,
        7,
    );
    assert!(finding.message.contains("after_step"), "{finding}");
    // A role the plan does not define, given to whoever a schedule has on call.
    only(
        &format!(
            "kind: Runbook\nname: roles\n{REVIEW}steps:\n  - {{name: A, action: assign_role, role: janitor}}\n"
        ),
        rules::UNKNOWN_REFERENCE,
        7,
    );
}
