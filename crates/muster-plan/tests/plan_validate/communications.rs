//! Update templates and each severity's update cadence: a template that does
//! not render, a cadence too short, or a name that is not a template is
//! refused where it is written.

use super::{REVIEW, only, validate_with};
use muster_plan::plan::rules;

#[test]
fn a_template_naming_an_unknown_field_is_refused_at_its_body() {
    let extra = format!(
        "kind: UpdateTemplate\nname: sev1-internal\n{REVIEW}body: \"{{{{ incident }}}} {{{{ sevrity }}}}\"\n"
    );
    let finding = only(&extra, rules::INVALID_FIELD, 6);
    assert!(finding.message.contains("undefined"), "{finding}");
}

#[test]
fn a_template_that_does_not_parse_is_refused() {
    let extra = format!("kind: UpdateTemplate\nname: t\n{REVIEW}body: \"{{% if %}}\"\n");
    only(&extra, rules::INVALID_FIELD, 6);
}

#[test]
fn runbooks_and_severities_name_templates_that_exist() {
    let template = format!(
        "kind: UpdateTemplate\nname: sev1-internal\n{REVIEW}body: \"{{{{ incident }}}} is {{{{ status }}}}\"\n---\n"
    );
    let runbook = |name: &str| {
        format!(
            "kind: Runbook\nname: r\n{REVIEW}conditions: {{severity_at_least: SEV1}}\nsteps:\n  - {{name: Tell, action: post_update, template: {name}}}\n"
        )
    };
    let (_, findings) = validate_with(&format!("{template}{}", runbook("sev1-internal")));
    assert!(findings.is_empty(), "{findings:#?}");
    let (_, findings) = validate_with(&runbook("internal"));
    assert!(
        findings.is_empty(),
        "built-in templates need no document: {findings:#?}"
    );
    only(&runbook("sev9-internal"), rules::UNKNOWN_REFERENCE, 8);
}

#[test]
fn a_cadence_outside_five_minutes_to_a_day_is_refused() {
    let extra = format!("kind: Severity\nname: SEV2\nrank: 2\n{REVIEW}update_every: 1m\n");
    let (_, findings) = validate_with(&extra);
    let cadence: Vec<_> = findings
        .iter()
        .filter(|f| f.message.contains("update_every"))
        .collect();
    assert_eq!(cadence.len(), 1, "{findings:#?}");
    assert_eq!(cadence[0].line, 7, "{}", cadence[0]);
    let extra = format!(
        "kind: Severity\nname: SEV2\nrank: 2\n{REVIEW}update_every: 30m\nupdate_template: nope\n"
    );
    let (_, findings) = validate_with(&extra);
    assert!(
        findings
            .iter()
            .any(|f| f.rule == rules::UNKNOWN_REFERENCE && f.line == 8),
        "{findings:#?}"
    );
}
