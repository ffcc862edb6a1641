//! `muster route test`: the example plan's alert rules against payloads
//! shaped as Alertmanager and PagerDuty send them — the SLO burning slowly
//! only notifies, the service being down opens an incident — with no
//! server and no side effects.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan")
}

fn route_test(payload: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alert.json");
    std::fs::write(&file, payload).unwrap();
    let plan = examples();
    let mut args = vec!["--output", "json", "route", "test"];
    args.push(file.to_str().unwrap());
    args.extend(["--plan", plan.to_str().unwrap()]);
    args.extend(extra);
    Command::new(env!("CARGO_BIN_EXE_muster"))
        .args(&args)
        .env_remove("MUSTER_URL")
        .env_remove("MUSTER_TOKEN")
        .output()
        .unwrap()
}

fn outcomes(output: &Output) -> Vec<serde_json::Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn alertmanager(alerts: &str) -> String {
    format!(
        r#"{{"receiver":"muster","status":"firing","alerts":[{alerts}],"groupLabels":{{}},"commonLabels":{{}},
        "commonAnnotations":{{}},"externalURL":"http://alertmanager.test","version":"4","groupKey":"{{}}:{{}}","truncatedAlerts":0}}"#
    )
}

fn alert(status: &str, fingerprint: &str, labels: &str) -> String {
    format!(
        r#"{{"status":"{status}","labels":{{{labels}}},"annotations":{{"summary":"{fingerprint} summary"}},
        "startsAt":"2026-12-01T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.test/g","fingerprint":"{fingerprint}"}}"#
    )
}

#[test]
fn a_slow_burn_notifies_and_a_dead_service_opens_an_incident() {
    let payload = alertmanager(
        &[
            alert(
                "firing",
                "slow",
                r#""alertname":"CheckoutErrorBudgetBurnRate","window":"6h","severity":"warning""#,
            ),
            alert(
                "firing",
                "down",
                r#""alertname":"TargetDown","job":"checkout-api","severity":"warning""#,
            ),
            alert("firing", "other", r#""alertname":"Unrelated""#),
            alert(
                "resolved",
                "gone",
                r#""alertname":"TargetDown","job":"checkout-api""#,
            ),
        ]
        .join(","),
    );
    let out = outcomes(&route_test(&payload, &[]));
    assert_eq!(out.len(), 4);
    assert_eq!(
        out[0]["matched"],
        serde_json::json!(["checkout-slo-burning-slowly"])
    );
    assert_eq!(out[0]["effect"], "notify #team-storefront (nobody paged)");
    assert_eq!(out[0]["target"], "service:checkout-api");
    assert_eq!(out[1]["matched"], serde_json::json!(["checkout-api-down"]));
    assert_eq!(out[1]["effect"], "open a SEV1 incident");
    assert_eq!(out[1]["severity"], "critical", "re-rated by the rule");
    assert_eq!(out[2]["matched"], serde_json::json!([]));
    assert_eq!(out[2]["effect"], "page");
    assert!(
        out[2]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("no rule matched")
    );
    assert_eq!(out[3]["action"], "resolve");
    assert!(out[3]["effect"].as_str().unwrap().contains("mitigated"));
}

#[test]
fn a_pagerduty_event_is_read_and_dropped_by_the_test_rule() {
    let payload = r#"{"routing_key":"0123456789abcdef0123456789abcdef","event_action":"trigger",
        "payload":{"summary":"[test] synthetic check","source":"synthetics","severity":"info"}}"#;
    let out = outcomes(&route_test(payload, &[]));
    assert_eq!(out[0]["matched"], serde_json::json!(["synthetic-tests"]));
    assert_eq!(out[0]["effect"], "drop (kept, tells nobody)");
}

#[test]
fn bad_payloads_and_plans_fail_with_a_message() {
    let refused = route_test(r#"{"hello":"world"}"#, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--source"));

    let broken = route_test(r#"{"version":"4","alerts":[{"status":"firing"}]}"#, &[]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("alerts[0].fingerprint"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );

    let wrong = route_test(
        r#"{"routing_key":"short","event_action":"trigger"}"#,
        &["--source", "pagerduty_events"],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("routing_key"));
}
