//! Alerts attached to incidents from the terminal, against a real
//! `muster serve`: Alertmanager's webhook brings three storms, an incident
//! is opened from one alert, another is attached to an incident declared
//! apart (and a third without mitigation); refusals exit with their codes;
//! the webhook resolves the alerts, and the server's own engine marks both
//! incidents mitigated.

mod common;

use std::time::{Duration, Instant};

use common::{Cli, example_server};
use serde_json::json;

/// One Alertmanager notification: one alert, in a group of its own.
fn notification(status: &str, name: &str) -> String {
    json!({
        "receiver": "muster", "status": status, "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{name}\"}}"), "truncatedAlerts": 0,
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": status, "labels": {"alertname": name, "job": "checkout-api"},
            "annotations": {"summary": format!("{name} on checkout-api")},
            "startsAt": "2026-12-01T09:00:00Z",
            "endsAt": if status == "resolved" { "2026-12-01T09:30:00Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.test/g", "fingerprint": name}]
    })
    .to_string()
}

fn send(base: &str, key: &str, status: &str, name: &str) {
    let answer = reqwest::blocking::Client::new()
        .post(format!("{base}/ingest/alertmanager/{key}"))
        .header("content-type", "application/json")
        .body(notification(status, name))
        .send()
        .expect("POST");
    assert_eq!(answer.status(), 202);
}

fn alert_id(cli: &Cli, name: &str) -> String {
    let listed = cli.json(&["alert", "list"]);
    listed["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .find(|a| a["dedup_key"] == name)
        .and_then(|a| a["id"].as_str())
        .expect("the alert")
        .to_owned()
}

/// The server's engine acts within moments; this waits for it, bounded.
fn wait_until_mitigated(cli: &Cli, incident: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = cli.json(&["incident", "show", incident]);
        if shown["incident"]["status"] == "mitigated" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{incident} was never mitigated: {shown}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn alerts_are_attached_from_the_terminal_and_their_incidents_mitigated() {
    let (_dir, server, cli) = example_server();
    let created = cli.json(&[
        "integration",
        "create",
        "--kind",
        "alertmanager",
        "--service",
        "checkout-api",
    ]);
    let key = created["key"].as_str().expect("the key").to_owned();
    for name in ["CheckoutSlow", "CheckoutLatency", "CheckoutRetries"] {
        send(&server.base, &key, "firing", name);
    }
    let (slow, latency, retries) = (
        alert_id(&cli, "CheckoutSlow"),
        alert_id(&cli, "CheckoutLatency"),
        alert_id(&cli, "CheckoutRetries"),
    );

    // By hand: an incident from the first alert.
    let opened = cli.json(&["alert", "open-incident", &slow, "--severity", "SEV2"]);
    assert_eq!(opened["severity"], "SEV2");
    assert_eq!(opened["title"], "CheckoutSlow on checkout-api");
    let from_alert = opened["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();

    // The second alert, attached to an incident declared apart.
    let declared = cli.json(&[
        "incident",
        "declare",
        "Checkout latency",
        "--severity",
        "SEV3",
    ]);
    let apart = declared["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    let attached = cli.json(&["alert", "attach", &latency, &apart]);
    assert_eq!(attached["changed"], true);
    assert_eq!(attached["mitigate_on_resolve"], true);
    assert_eq!(attached["incident"]["reference"], apart.as_str());
    let text = cli.ok(&["alert", "attach", &latency, &apart]);
    assert!(
        text.contains(&format!(
            "Alert {latency} is already attached to {apart} \"Checkout latency\""
        )) && text.contains("marked mitigated when every alert attached to it resolves"),
        "{text}"
    );

    // Without mitigation: to a third incident, which stays for a person.
    let third = cli.json(&["incident", "declare", "Checkout retries"]);
    let third = third["reference"].as_str().expect("a reference").to_owned();
    let text = cli.ok(&[
        "alert",
        "attach",
        &retries,
        &third,
        "--no-mitigate-on-resolve",
    ]);
    assert!(
        text.contains("its owner is asked to mitigate and resolve it"),
        "{text}"
    );

    // Refusals: a conflict exits 4, an unknown one 3, a malformed one 1.
    let (code, stderr) = cli.code(&["alert", "attach", &latency, &from_alert]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!("attached to {apart} already")) && stderr.contains("alert:"),
        "{stderr}"
    );
    let (code, stderr) = cli.code(&["alert", "attach", &latency, "INC-99"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("incident INC-99 not found"), "{stderr}");
    let unknown = "0190a0b0-0000-7000-8000-000000000000";
    let (code, stderr) = cli.code(&["alert", "attach", unknown, &apart]);
    assert_eq!(code, 3, "{stderr}");
    let (code, stderr) = cli.code(&["alert", "attach", &latency, "yesterday"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("incident:"), "{stderr}");
    let (code, stderr) = cli.code(&["alert", "attach", &latency]);
    assert_eq!(code, 2, "the incident is required: {stderr}");
    cli.ok(&["incident", "resolve", &third]);
    send(&server.base, &key, "firing", "CheckoutLate");
    let late = alert_id(&cli, "CheckoutLate");
    let (code, stderr) = cli.code(&["alert", "attach", &late, &third]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("is resolved") && stderr.contains("incident:"),
        "{stderr}"
    );

    // Monitoring says they are resolved: the engine mitigates both.
    for name in ["CheckoutSlow", "CheckoutLatency"] {
        send(&server.base, &key, "resolved", name);
    }
    wait_until_mitigated(&cli, &from_alert);
    wait_until_mitigated(&cli, &apart);
    let timeline = cli.api(&format!("incidents/{apart}/timeline"));
    let kinds: Vec<&str> = timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"alert_attached") && kinds.contains(&"alerts_resolved"),
        "{kinds:?}"
    );
}
