//! Integrations: each problem located at its line and column, the service
//! or team each is bound to checked against the plan, names unique, and
//! secrets refused unless named by environment variable.

use super::{load_with, validate_with};
use muster_plan::plan::{self, rules};

#[test]
fn sound_integrations_validate_and_name_their_secrets() {
    let extra = "\
kind: Integration
name: core-alertmanager
source: alertmanager
service: api
---
kind: Integration
name: core-grafana
source: grafana
team: core
signing_secret_env: GRAFANA_SIGNING_SECRET
timestamp_header: X-Grafana-Alerting-Timestamp
---
kind: Integration
name: nightly
source: heartbeat
team: core
interval: 1d
grace: 1h
---
kind: Integration
name: probes
source: generic
service: api
mapping: {summary: /check/title, status: /state, resolved_values: [up]}
";
    let (_, findings) = validate_with(extra);
    assert!(findings.is_empty(), "{findings:#?}");
    let (dir, loaded) = load_with(extra);
    let plan = loaded.unwrap();
    let secrets = plan::secret_references(&plan);
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    let secret = &secrets[0];
    assert_eq!(secret.variable, "GRAFANA_SIGNING_SECRET");
    assert_eq!(secret.integration, "core-grafana");
    assert_eq!(secret.file, dir.path().join("extra.yaml"));
    assert_eq!((secret.line, secret.column), (10, 1));
    let unset = secret.unset("is not set");
    assert_eq!(unset.rule, rules::MISSING_SECRET);
    assert!(
        unset.to_string().ends_with(
            "extra.yaml:10:1: [missing_secret] Integration core-grafana: signing_secret_env: GRAFANA_SIGNING_SECRET is not set"
        ),
        "{unset}"
    );
}

#[test]
fn bad_integrations_are_located_with_what_is_wrong() {
    let extra = "\
kind: Integration
name: a-nagios
source: nagios
service: api
---
kind: Integration
name: a-ghost
source: alertmanager
service: ghost
---
kind: Integration
name: a-inline
source: grafana
team: core
signing_secret: hunter2
---
kind: Integration
name: a-nagios
source: alertmanager
team: nobody
";
    let (dir, findings) = validate_with(extra);
    let found: Vec<(&str, usize, usize)> = findings
        .iter()
        .map(|f| (f.rule, f.line, f.column))
        .collect();
    assert_eq!(
        found,
        [
            (rules::INVALID_FIELD, 3, 9),
            (rules::UNKNOWN_REFERENCE, 9, 10),
            (rules::INLINE_SECRET, 15, 1),
            (rules::DUPLICATE_NAME, 18, 1),
            (rules::UNKNOWN_REFERENCE, 20, 7),
        ],
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f.file == dir.join("extra.yaml")));
    assert!(
        findings[0].message.contains(
            "Integration a-nagios: source: expected one of alertmanager, grafana, pagerduty_events, generic, heartbeat, got \"nagios\""
        ),
        "{}",
        findings[0]
    );
    assert!(
        findings[1]
            .message
            .contains("service: no Service named \"ghost\""),
        "{}",
        findings[1]
    );
    assert!(
        findings[2]
            .message
            .contains("signing_secret: a secret never goes in the plan: name the environment variable that holds it with signing_secret_env"),
        "{}",
        findings[2]
    );
    assert!(
        findings[3].message.contains("is already defined at"),
        "{}",
        findings[3]
    );
    assert!(
        findings[4]
            .message
            .contains("team: no Team named \"nobody\""),
        "{}",
        findings[4]
    );
}

#[test]
fn settings_belong_to_their_source() {
    let extra = "\
kind: Integration
name: beat
source: heartbeat
team: core
grace: 1h
mapping: {summary: /title}
---
kind: Integration
name: Probes
source: generic
service: api
sevice: api
mapping: {summary: title, dedup: /id}
";
    let (_, findings) = validate_with(extra);
    let found: Vec<(&str, usize, &str)> = findings
        .iter()
        .map(|f| (f.rule, f.line, f.message.as_str()))
        .collect();
    let lines: Vec<(&str, usize)> = found.iter().map(|(r, l, _)| (*r, *l)).collect();
    assert_eq!(
        lines,
        [
            // A key left out is reported at the document.
            (rules::INVALID_FIELD, 1),
            (rules::INVALID_FIELD, 6),
            (rules::INVALID_FIELD, 9),
            (rules::INVALID_FIELD, 12),
            (rules::INVALID_FIELD, 13),
            (rules::INVALID_FIELD, 13),
        ],
        "{findings:#?}"
    );
    let messages: Vec<&str> = found.iter().map(|(_, _, m)| *m).collect();
    let expected = [
        "interval: is required (how often a beat comes, such as 5m or 1d)",
        "mapping: only a generic integration takes mapping, not a heartbeat one",
        "name: an integration's name is lowercase letters",
        "sevice: not an Integration field",
        "mapping.summary: a JSON pointer starts with '/'",
        "mapping.dedup: not a mapping field",
    ];
    for (message, expected) in messages.iter().zip(expected) {
        assert!(message.contains(expected), "{message:?} has {expected:?}");
    }
}
