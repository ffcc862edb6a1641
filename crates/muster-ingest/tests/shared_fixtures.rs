//! The real payloads under `../shared/fixtures/` (captured from
//! Alertmanager 0.25 and taken from Grafana's and PagerDuty's own docs),
//! when that folder exists beside the repository; skipped with a note
//! otherwise. The repository's own tests carry their own payloads.

use std::path::PathBuf;

use muster_core::alert::{AlertSeverity, SignalAction};
use muster_ingest::alertmanager::{self, Flavour};
use muster_ingest::pagerduty;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} does not exist", dir.display());
        None
    }
}

fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn alertmanager_captures_parse_into_one_signal_per_alert() {
    let Some(dir) = fixtures() else { return };
    let group = alertmanager::parse(
        &read(&dir, "alertmanager/firing-group.json"),
        Flavour::Alertmanager,
    )
    .expect("firing-group.json");
    assert_eq!(group.len(), 3);
    assert!(group.iter().all(|s| s.action == SignalAction::Trigger));
    assert!(group.iter().all(|s| s.group_key == group[0].group_key));
    let partial = alertmanager::parse(
        &read(&dir, "alertmanager/firing-group-partially-resolved.json"),
        Flavour::Alertmanager,
    )
    .expect("partially resolved");
    let resolved = partial
        .iter()
        .filter(|s| s.action == SignalAction::Resolve)
        .count();
    assert_eq!((partial.len(), resolved), (3, 1));
    for name in [
        "firing-single.json",
        "firing-prometheus-targetdown.json",
        "resolved-group.json",
        "resolved-single.json",
    ] {
        let signals = alertmanager::parse(
            &read(&dir, &format!("alertmanager/{name}")),
            Flavour::Alertmanager,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!signals.is_empty(), "{name}");
    }
}

#[test]
fn alertmanagers_pagerduty_output_is_accepted_as_events() {
    let Some(dir) = fixtures() else { return };
    for name in [
        "trigger-single.json",
        "trigger-group.json",
        "resolve-group.json",
    ] {
        let event =
            pagerduty::parse_event(&read(&dir, &format!("alertmanager/pagerduty-v2/{name}")))
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(event.routing_key.len(), 32, "{name}");
        assert!(!event.signal.dedup_key.is_empty(), "{name}");
    }
}

#[test]
fn grafanas_payloads_parse() {
    let Some(dir) = fixtures() else { return };
    let firing =
        alertmanager::parse(&read(&dir, "grafana/firing.json"), Flavour::Grafana).expect("firing");
    assert_eq!(firing.len(), 2);
    assert!(firing[0].links.iter().any(|l| l.text == "Silence"));
    let resolved = alertmanager::parse(&read(&dir, "grafana/resolved.json"), Flavour::Grafana)
        .expect("resolved");
    assert!(resolved.iter().all(|s| s.action == SignalAction::Resolve));
}

#[test]
fn pagerdutys_documented_events_parse() {
    let Some(dir) = fixtures() else { return };
    let trigger = pagerduty::parse_event(&read(&dir, "pagerduty/trigger.json")).expect("trigger");
    assert_eq!(trigger.signal.severity, AlertSeverity::Critical);
    assert_eq!(trigger.signal.dedup_key, "srv01/mysql");
    for (name, action) in [
        ("acknowledge.json", SignalAction::Acknowledge),
        ("resolve.json", SignalAction::Resolve),
    ] {
        let event = pagerduty::parse_event(&read(&dir, &format!("pagerduty/{name}"))).expect(name);
        assert_eq!(event.signal.action, action);
    }
    let change =
        pagerduty::parse_change(&read(&dir, "pagerduty/change-event.json")).expect("change");
    assert!(change.summary.starts_with("Build Success"));
    // Our error bodies have PagerDuty's fields and words.
    let documented: serde_json::Value = serde_json::from_slice(&read(
        &dir,
        "pagerduty/response-400-unrecognized-object.json",
    ))
    .expect("json");
    let ours = serde_json::to_value(pagerduty::Refused::from(pagerduty::Rejection::Unrecognized))
        .expect("json");
    assert_eq!(ours, documented);
    let success: serde_json::Value =
        serde_json::from_slice(&read(&dir, "pagerduty/response-202-success.json")).expect("json");
    let ours =
        serde_json::to_value(pagerduty::Accepted::event("samplekeyhere".into())).expect("json");
    assert_eq!(ours, success);
}
