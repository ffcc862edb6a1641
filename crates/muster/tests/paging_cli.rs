//! Paging from the terminal: the real binary against a real server whose engine runs
//! inside `muster serve`. A page to a team goes to whoever is on call; its history and
//! deliveries are shown; acknowledging twice is a conflict; notification rules are
//! checked against the person's contact methods; sink health is for admins.

mod common;
mod identity_team;

use identity_team::{eventually, world};
use serde_json::Value;

fn assert_contains(text: &str, expected: &[&str], what: &str) {
    for e in expected {
        assert!(text.contains(e), "{what} lacks {e:?}:\n{text}");
    }
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_team_is_paged_acknowledged_and_resolved_from_the_terminal() {
    let w = world();
    let cli = &w.cli;

    let on_call = cli.json(&["oncall", "now", "identity-primary"]);
    let first = on_call["on_call"][0]["user"]
        .as_str()
        .expect("someone")
        .to_owned();
    let paged = cli.ok(&["page", "identity", "Login is failing"]);
    assert_contains(
        &paged,
        &["Paged team identity: P-1", "identity-oncall", "First step:"],
        "`page`",
    );
    // Unless the rotation handed off between the two reads.
    let now = cli.json(&["oncall", "now", "identity-primary"]);
    if now["on_call"][0]["user"] == first.as_str() {
        assert!(paged.contains(&format!("First step: {first}")), "{paged}");
    }

    // The engine fires the first step within a second; wait for it, not for a time.
    eventually("the first step of P-1 fired", || {
        kinds(&cli.json(&["pages", "show", "P-1"])).contains(&"step_fired".to_owned())
    });
    // The engine may still be adding to the history; once it rests, the CLI's JSON and the
    // API's answer are the same document.
    eventually("`pages show --output json` is the API's answer", || {
        cli.json(&["pages", "show", "P-1"]) == cli.api("pages/P-1")
    });
    let detail = cli.json(&["pages", "show", "P-1"]);
    let history = kinds(&detail);
    assert_eq!(history[0], "triggered");
    assert_eq!(history[1], "step_fired");
    let shown = cli.ok(&["pages", "show", "P-1"]);
    assert_contains(
        &shown,
        &[
            "P-1 Login is failing",
            "team identity",
            "History",
            "Deliveries",
            "Attempts",
            "times in UTC",
        ],
        "`pages show`",
    );
    let section = &shown[shown.find("\nHistory\n").expect("a history section")..];
    let (triggered, fired) = (
        section.find("triggered").expect("triggered"),
        section.find("step_fired").expect("step_fired"),
    );
    assert!(triggered < fired, "history in order:\n{shown}");

    let acked = cli.ok(&["pages", "ack", "P-1"]);
    assert!(acked.contains("P-1 acknowledged"), "{acked}");
    let (code, stderr) = cli.code(&["pages", "ack", "P-1"]);
    assert_eq!(code, 4, "a second acknowledgement is a conflict: {stderr}");
    assert!(stderr.contains("already acknowledged"), "{stderr}");

    eventually("`pages list --output json` is the API's answer", || {
        cli.json(&["pages", "list"]) == cli.api("pages")
    });
    let list = cli.json(&["pages", "list"]);
    assert_eq!(list["pages"][0]["number"], "P-1");
    assert_eq!(list["pages"][0]["status"], "acknowledged");

    let resolved = cli.json(&["pages", "resolve", "1"]);
    assert_eq!(resolved["status"], "resolved");
    let (code, _) = cli.code(&["pages", "resolve", "P-1"]);
    assert_eq!(code, 4);
    let (code, _) = cli.code(&["pages", "ack", "P-1"]);
    assert_eq!(code, 4);

    // Other kinds of target, an incident, a drill, and the filters.
    cli.ok(&["incident", "declare", "Login is down", "--severity", "SEV2"]);
    let direct = cli.json(&[
        "page",
        "--user",
        "ana@example.com",
        "Can you look at login?",
        "--incident",
        "INC-1",
        "--details",
        "EU users only",
    ]);
    assert_eq!(direct["number"], "P-2");
    assert_eq!(direct["target"]["kind"], "user");
    assert_eq!(direct["incident"]["number"], "INC-1");
    let direct_text = cli.ok(&[
        "page",
        "--schedule",
        "identity-primary",
        "Practice",
        "--drill",
    ]);
    assert_contains(
        &direct_text,
        &["Paged schedule identity-primary: P-3", "First step:"],
        "a schedule page",
    );
    let for_incident = cli.json(&["pages", "list", "--incident", "INC-1"]);
    let numbers: Vec<&str> = for_incident["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(|p| p["number"].as_str())
        .collect();
    assert_eq!(numbers, ["P-2"]);
    let resolved_only = cli.ok(&["pages", "list", "--status", "resolved"]);
    assert!(
        resolved_only.contains("P-1") && !resolved_only.contains("P-2"),
        "{resolved_only}"
    );
    let drill = cli.json(&["pages", "show", "P-3"]);
    assert_eq!(drill["page"]["drill"], true);

    // Bad input: a clear message, a non-zero exit, never a panic.
    for (args, code, expected) in [
        (vec!["page", "nobody-team", "Help"], 1, "target"),
        (vec!["page", "identity", "  "], 1, "summary"),
        (
            vec!["page", "--user", "ghost@example.com", "Help"],
            1,
            "target",
        ),
        (
            vec!["page", "--service", "auth", "identity", "Help"],
            2,
            "--service",
        ),
        (vec!["page", "Just a message"], 2, "TEAM and MESSAGE"),
        (
            vec!["page", "--user", "a@example.com", "--schedule", "s", "Help"],
            2,
            "--schedule",
        ),
        (
            vec!["page", "identity", "Help", "--incident", "INC-99"],
            3,
            "INC-99",
        ),
        (vec!["pages", "show", "P-99"], 3, "P-99"),
        (vec!["pages", "ack", "X-1"], 1, "page"),
        (vec!["pages", "list", "--status", "paused"], 1, "status"),
    ] {
        let (got, stderr) = cli.code(&args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let viewer = w.as_token(&w.viewer);
    let (code, stderr) = viewer.code(&["page", "identity", "Not allowed"]);
    assert_eq!(code, 5, "{stderr}");
    viewer.ok(&["pages", "list"]);
}

#[test]
fn notification_rules_are_checked_and_round_trip() {
    let w = world();
    let cli = &w.cli;

    let set = cli.ok(&[
        "user",
        "rules",
        "set",
        "ana@example.com",
        "push:0",
        "sms:2",
        "email:5",
    ]);
    assert_contains(
        &set,
        &["set", "push", "at once", "after 2 min", "after 5 min"],
        "`rules set`",
    );
    let shown = cli.json(&["user", "rules", "show", "ana@example.com"]);
    assert_eq!(shown, cli.api("users/ana@example.com/notification-rules"));
    assert_eq!(
        shown,
        serde_json::json!({"rules": [
            {"kind": "push", "after_minutes": 0},
            {"kind": "sms", "after_minutes": 2},
            {"kind": "email", "after_minutes": 5},
        ]})
    );

    // Each bad rule is named; nothing is changed.
    let (code, stderr) = cli.code(&["user", "rules", "set", "ana@example.com", "pager:1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("rules[0].kind") && stderr.contains("pager"),
        "{stderr}"
    );
    let (code, stderr) = cli.code(&[
        "user",
        "rules",
        "set",
        "ana@example.com",
        "push:0",
        "voice:5",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("rules[1].kind") && stderr.contains("no voice contact"),
        "{stderr}"
    );
    let (code, stderr) = cli.code(&["user", "rules", "set", "bo@example.com", "sms:1"]);
    assert_eq!(code, 1, "bo has no phone: {stderr}");
    let (code, stderr) = cli.code(&["user", "rules", "set", "ana@example.com", "sms:99"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("rules[0].after_minutes"), "{stderr}");
    let (code, stderr) = cli.code(&["user", "rules", "set", "ana@example.com", "sms"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("KIND:MINUTES"), "{stderr}");
    let (code, stderr) = cli.code(&["user", "rules", "show", "ghost@example.com"]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        cli.json(&["user", "rules", "show", "ana@example.com"]),
        shown,
        "unchanged"
    );

    // Nothing clears them: every method at once.
    let cleared = cli.ok(&["user", "rules", "set", "ana@example.com"]);
    assert!(cleared.contains("cleared"), "{cleared}");
    let none = cli.ok(&["user", "rules", "show", "ana@example.com"]);
    assert!(none.contains("no notification rules"), "{none}");

    let viewer = w.as_token(&w.viewer);
    let (code, stderr) = viewer.code(&["user", "rules", "set", "ana@example.com", "push:0"]);
    assert_eq!(code, 5, "only admins set others' rules: {stderr}");
}

#[test]
fn sink_health_is_for_admins() {
    let w = world();
    let health = w.cli.ok(&["notifications", "health"]);
    assert_contains(
        &health,
        &["SINK", "STATUS", "email", "not configured"],
        "`notifications health`",
    );
    let json = w.cli.json(&["notifications", "health"]);
    let sinks = json["sinks"].as_array().expect("sinks");
    assert!(!sinks.is_empty());
    for sink in sinks {
        let status = sink["status"].as_str().unwrap_or_default();
        assert!(
            ["ok", "not_configured", "failing"].contains(&status),
            "{sink}"
        );
    }
    let viewer = w.as_token(&w.viewer);
    let (code, stderr) = viewer.code(&["notifications", "health"]);
    assert_eq!(code, 5, "{stderr}");
}
