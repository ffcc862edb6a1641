//! Alert routes: every problem of a rule located at its line, references
//! to services, functionalities and severities checked against the plan.

use super::{REVIEW, validate_with};
use muster_plan::plan::rules;

/// An AlertRoutes document in extra.yaml with these rules (line 6 is `rules:`).
fn routes(rules: &str) -> String {
    format!("kind: AlertRoutes\nname: r\n{REVIEW}rules:\n{rules}")
}

#[test]
fn sound_routes_validate() {
    let extra = routes(
        "  - name: slo\n    match: ['alertname=~\"SLO.*\"', 'window=\"6h\"']\n    route_to: {service: api}\n    notify: \"#core\"\n  - name: down\n    match: [alertname=TargetDown]\n    route_to: {functionality: login}\n    open_incident: SEV1\n    continue: true\n",
    );
    let (_, findings) = validate_with(&extra);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn bad_rules_are_located_with_what_is_wrong() {
    let extra = routes(
        "  - name: typo\n    mach: [a=b]\n    page: true\n  - name: regex\n    match: ['severity=~\"(\"']\n    page: true\n  - name: nowhere\n    route_to: {service: nosuch}\n    open_incident: SEV9\n",
    );
    let (_, findings) = validate_with(&extra);
    let found: Vec<(&str, usize)> = findings.iter().map(|f| (f.rule, f.line)).collect();
    assert_eq!(
        found,
        [
            (rules::INVALID_FIELD, 8),
            (rules::INVALID_FIELD, 11),
            (rules::UNKNOWN_REFERENCE, 14),
            (rules::UNKNOWN_REFERENCE, 15),
        ],
        "{findings:#?}"
    );
    assert!(
        findings[0]
            .message
            .contains("rules[0].mach: not a rule field"),
        "{findings:#?}"
    );
    assert!(
        findings[1]
            .message
            .contains("not a valid regular expression"),
        "{findings:#?}"
    );
    assert!(
        findings[2].message.contains("no Service named \"nosuch\""),
        "{findings:#?}"
    );
    assert!(
        findings[3].message.contains("no Severity named \"SEV9\""),
        "{findings:#?}"
    );
}
