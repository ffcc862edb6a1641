//! Integrations and alerts from the terminal, against a real server: create
//! an Alertmanager integration for a service, send it a notification the
//! way Alertmanager would, list what arrived, then show, acknowledge and
//! resolve it by hand.

mod common;

use common::{Cli, example_server};
use serde_json::json;

fn notification(status: &str) -> String {
    json!({
        "receiver": "muster", "status": status, "version": "4", "groupKey": "{}:{}",
        "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": status, "labels": {"alertname": "TargetDown", "job": "checkout-api", "severity": "critical"},
            "annotations": {"summary": "checkout-api is down"}, "startsAt": "2026-12-01T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g", "fingerprint": "down1"}]
    })
    .to_string()
}

#[test]
fn an_integration_is_created_fed_and_its_alerts_listed() {
    let (_dir, server, cli) = example_server();

    let created = cli.json(&[
        "integration",
        "create",
        "--kind",
        "alertmanager",
        "--service",
        "checkout-api",
    ]);
    assert_eq!(created["name"], "alertmanager-checkout-api");
    assert_eq!(created["endpoint"], "/ingest/alertmanager/{key}");
    let key = created["key"].as_str().expect("the key").to_owned();
    let text = cli.ok(&[
        "integration",
        "create",
        "--kind",
        "pagerduty_events",
        "--team",
        "storefront",
    ]);
    assert!(text.contains("Key (shown once): "), "{text}");
    assert!(text.contains("/v2/enqueue"), "{text}");

    let listed = cli.json(&["integration", "list"]);
    let made = |origin: &str| -> Vec<&str> {
        listed["integrations"]
            .as_array()
            .expect("a list")
            .iter()
            .filter(|i| i["origin"] == origin)
            .filter_map(|i| i["name"].as_str())
            .collect()
    };
    assert_eq!(
        made("hand"),
        ["alertmanager-checkout-api", "pagerduty_events-storefront"]
    );
    // The example plan's own, beside them.
    assert_eq!(made("plan").len(), 6, "{listed}");
    assert!(
        listed.to_string().find(&key).is_none(),
        "keys are never listed"
    );

    let http = reqwest::blocking::Client::new();
    for status in ["firing", "firing"] {
        let answer = http
            .post(format!("{}/ingest/alertmanager/{key}", server.base))
            .header("content-type", "application/json")
            .body(notification(status))
            .send()
            .expect("POST");
        assert_eq!(answer.status(), 202);
    }
    let alerts = cli.json(&["alert", "list", "--status", "firing"]);
    assert_eq!(
        alerts["alerts"].as_array().map(Vec::len),
        Some(1),
        "{alerts}"
    );
    assert_eq!(alerts["alerts"][0]["occurrences"], 2);
    assert_eq!(alerts["alerts"][0]["summary"], "checkout-api is down");
    let table = cli.ok(&["alert", "list"]);
    assert!(
        table.contains("checkout-api is down") && table.contains("2×"),
        "{table}"
    );

    let (code, stderr) = cli.code(&[
        "integration",
        "create",
        "--kind",
        "nagios",
        "--service",
        "checkout-api",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("kind"), "{stderr}");
    let (code, stderr) = cli.code(&["integration", "create", "--kind", "generic"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, stderr) = cli.code(&["alert", "list", "--status", "burning"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("status"), "{stderr}");
}

/// A server with the example plan and an Alertmanager integration for
/// checkout-api that has received one firing notification.
fn fed_server() -> (common::Server, Cli, tempfile::TempDir) {
    let (dir, server, cli) = example_server();
    let created = cli.json(&[
        "integration",
        "create",
        "--kind",
        "alertmanager",
        "--service",
        "checkout-api",
    ]);
    let key = created["key"].as_str().expect("the key").to_owned();
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/ingest/alertmanager/{key}", server.base))
        .header("content-type", "application/json")
        .body(notification("firing"))
        .send()
        .expect("POST");
    assert_eq!(answer.status(), 202);
    (server, cli, dir)
}

#[test]
fn the_alert_list_follows_its_pages_with_all() {
    let (server, cli, _dir) = fed_server();
    // Two more alerts through a second integration: three in all.
    let created = cli.json(&[
        "integration",
        "create",
        "--kind",
        "alertmanager",
        "--service",
        "checkout-api",
        "--name",
        "second",
    ]);
    let key = created["key"].as_str().expect("the key").to_owned();
    for fingerprint in ["down2", "down3"] {
        let answer = reqwest::blocking::Client::new()
            .post(format!("{}/ingest/alertmanager/{key}", server.base))
            .header("content-type", "application/json")
            .body(notification("firing").replace("down1", fingerprint))
            .send()
            .expect("POST");
        assert_eq!(answer.status(), 202);
    }

    let first = cli.run(&["alert", "list", "--limit", "2"]);
    assert!(first.status.success());
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("--all"), "a cut list says so: {stderr}");
    let page = cli.json(&["alert", "list", "--limit", "2"]);
    assert_eq!(page["alerts"].as_array().map(Vec::len), Some(2), "{page}");
    assert!(page["next_cursor"].is_string(), "{page}");

    let every = cli.json(&["alert", "list", "--limit", "2", "--all"]);
    let mut keys: Vec<&str> = every["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .filter_map(|a| a["dedup_key"].as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["down1", "down2", "down3"], "{every}");
    assert!(every["next_cursor"].is_null(), "{every}");
    let all = cli.run(&["alert", "list", "--limit", "2", "--all"]);
    assert!(!String::from_utf8_lossy(&all.stderr).contains("--all"));
}

#[test]
fn an_alert_is_shown_acknowledged_and_resolved_from_the_terminal() {
    let (_server, cli, _dir) = fed_server();
    let listed = cli.json(&["alert", "list"]);
    let id = listed["alerts"][0]["id"]
        .as_str()
        .expect("an alert id")
        .to_owned();
    assert!(
        cli.ok(&["alert", "list"]).contains(&id),
        "the table shows ids"
    );

    let text = cli.ok(&["alert", "show", &id]);
    for expected in [
        "checkout-api is down",
        "firing",
        "critical",
        "alertmanager-checkout-api (alertmanager, service checkout-api)",
        "down1",
        "Occurrences",
        "LABEL",
        "alertname",
        "TargetDown",
        "job",
        "ANNOTATION",
        "http://prometheus.test/g",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let shown = cli.json(&["alert", "show", &id]);
    assert_eq!(shown, cli.api(&format!("alerts/{id}")), "JSON is the API's");
    assert_eq!(shown["labels"]["job"], "checkout-api");

    let text = cli.ok(&["alert", "ack", &id]);
    assert!(
        text.contains(&format!("Alert {id} is acknowledged since ")),
        "{text}"
    );
    let again = cli.json(&["alert", "ack", &id]);
    assert_eq!(
        again["status"], "acknowledged",
        "acknowledging twice is fine"
    );
    assert_eq!(again["version"], 2, "and changes nothing");

    let resolved = cli.json(&["alert", "resolve", &id]);
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved["resolved_at"].is_string());
    let text = cli.ok(&["alert", "resolve", &id]);
    assert!(
        text.contains(&format!("Alert {id} is resolved since ")),
        "resolving a resolved alert answers it as it is: {text}"
    );

    let (code, stderr) = cli.code(&["alert", "ack", &id]);
    assert_eq!(code, 4, "a conflict: {stderr}");
    assert!(stderr.contains("is resolved"), "{stderr}");
    let unknown = "0190a0b0-0000-7000-8000-000000000000";
    for verb in ["show", "ack", "resolve"] {
        let (code, stderr) = cli.code(&["alert", verb, unknown]);
        assert_eq!(code, 3, "{verb}: {stderr}");
        assert!(
            stderr.contains(&format!("alert {unknown} not found")),
            "{verb}: {stderr}"
        );
    }
    let (code, stderr) = cli.code(&["alert", "show", "INC-1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("expected an alert id") && stderr.contains("id:"),
        "{stderr}"
    );
    let (code, stderr) = cli.code(&["alert", "ack"]);
    assert_eq!(code, 2, "the id is required: {stderr}");
}

#[test]
fn integrations_take_their_kinds_settings_from_flags() {
    let (dir, server, cli) = example_server();

    let mapping = dir.path().join("mapping.json");
    std::fs::write(
        &mapping,
        r#"{"summary": "/check/title", "dedup_key": "/check/id", "status": "/state"}"#,
    )
    .expect("write the mapping");
    let mapping = mapping.display().to_string();
    let created = cli.json(&[
        "integration",
        "create",
        "--kind",
        "generic",
        "--service",
        "checkout-api",
        "--mapping",
        &mapping,
    ]);
    assert_eq!(created["mapping"]["summary"], "/check/title");
    let key = created["key"].as_str().expect("the key");
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/ingest/generic/{key}", server.base))
        .body(r#"{"check": {"id": "c-7", "title": "Checkout probe failing"}, "state": "down"}"#)
        .send()
        .expect("POST");
    assert_eq!(answer.status(), 202);
    let alerts = cli.json(&["alert", "list"]);
    assert_eq!(alerts["alerts"][0]["dedup_key"], "c-7", "{alerts}");

    let text = cli.ok(&[
        "integration",
        "create",
        "--kind",
        "heartbeat",
        "--service",
        "checkout-api",
        "--name",
        "nightly-backup",
        "--interval",
        "1d",
        "--grace",
        "1h30m",
    ]);
    assert!(
        text.contains("Send to: ") && text.contains("/ingest/heartbeat/"),
        "{text}"
    );
    assert!(
        text.contains("Settings: every 24 h, grace 1 h 30 min, no beat yet"),
        "{text}"
    );
    let signed = cli.json(&[
        "integration",
        "create",
        "--kind",
        "grafana",
        "--service",
        "checkout-api",
        "--signing-secret",
        "grafana-s3cret",
    ]);
    assert_eq!(signed["signature_required"], true);
    assert!(!signed.to_string().contains("grafana-s3cret"), "{signed}");
    let table = cli.ok(&["integration", "list"]);
    for expected in [
        "summary at /check/title",
        "signed",
        "every 24 h, grace 1 h 30 min",
    ] {
        assert!(table.contains(expected), "{expected:?} in:\n{table}");
    }

    // Bad settings: the flag or the field is named, and the exit code says whose fault.
    let base = ["integration", "create", "--service", "checkout-api"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    for (extra, code, expected) in [
        (
            vec!["--kind", "heartbeat", "--interval", "5x"],
            2,
            "--interval",
        ),
        (
            vec!["--kind", "heartbeat", "--name", "hb"],
            1,
            "interval_seconds",
        ),
        (
            vec!["--kind", "heartbeat", "--name", "hb", "--interval", "5s"],
            1,
            "interval_seconds",
        ),
        (
            vec![
                "--kind",
                "generic",
                "--mapping",
                "/nonexistent/mapping.json",
            ],
            2,
            "cannot read",
        ),
        (
            vec!["--kind", "alertmanager", "--name", "am", "--interval", "5m"],
            1,
            "only a heartbeat integration",
        ),
        (
            vec!["--kind", "grafana", "--timestamp-header", "X-Ts"],
            2,
            "--signing-secret",
        ),
    ] {
        let args = with(&extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (got, stderr) = cli.code(&args);
        assert_eq!(got, code, "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"summary": "check.title"}"#).expect("write");
    let bad = bad.display().to_string();
    let (got, stderr) = cli.code(
        &with(&["--kind", "generic", "--name", "g", "--mapping", &bad])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(got, 1, "{stderr}");
    assert!(stderr.contains("mapping.summary"), "{stderr}");
}
