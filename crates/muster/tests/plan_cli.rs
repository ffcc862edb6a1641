//! `muster plan`: validate here, then diff and apply against a real server.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{BINARY, admin_token, start};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan")
}

fn muster(args: &[&str], url: &str, token: &str, home: &Path) -> Output {
    Command::new(BINARY)
        .args(args)
        .env("MUSTER_URL", url)
        .env("MUSTER_TOKEN", token)
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .output()
        .expect("run muster")
}

#[test]
fn the_example_plan_validates_diffs_applies_and_then_matches() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let plan = example().display().to_string();
    let run = |args: &[&str]| muster(args, &server.base, &token, dir.path());

    let valid = run(&["plan", "validate", &plan]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    let diff = run(&["plan", "diff", &plan]);
    assert_eq!(
        diff.status.code(),
        Some(2),
        "something to apply: {}",
        String::from_utf8_lossy(&diff.stderr)
    );
    assert!(String::from_utf8_lossy(&diff.stdout).contains("create"));
    let applied = run(&["plan", "apply", &plan]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let again = run(&["plan", "diff", &plan]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "applied plans diff clean: {}",
        String::from_utf8_lossy(&again.stdout)
    );
    let services = run(&["service", "list", "--output", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&services.stdout).expect("json");
    assert_eq!(list["services"].as_array().map(Vec::len), Some(12));

    // Its runbooks, as the server will attach them.
    let runbooks = run(&["runbook", "list"]);
    let text = String::from_utf8_lossy(&runbooks.stdout);
    assert!(
        runbooks.status.success(),
        "{}",
        String::from_utf8_lossy(&runbooks.stderr)
    );
    assert!(
        text.contains("attaches to: severity at least SEV1"),
        "{text}"
    );
    assert!(
        text.contains("give commander to the on-call of identity-primary"),
        "{text}"
    );
    assert!(text.contains("every 30m until mitigated"), "{text}");
    let runbooks = run(&["runbook", "list", "--output", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&runbooks.stdout).expect("json");
    assert_eq!(list["runbooks"].as_array().map(Vec::len), Some(5));
    assert_eq!(list["runbooks"][0]["name"], "checkout-down");
    assert_eq!(list["problems"].as_array().map(Vec::len), Some(0));

    // The running plan says who applied it, and holds every other document too.
    let shown = run(&["plan", "show", "--output", "json"]);
    let overview: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(overview["revision"]["number"], 1);
    assert_eq!(
        overview["revision"]["applied_by"]["email"],
        "root@example.com"
    );
    let kinds: std::collections::BTreeSet<&str> = overview["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    for kind in [
        "Severity",
        "SeverityMatrix",
        "TaskForce",
        "StakeholderGroup",
        "Runbook",
        "Scenario",
    ] {
        assert!(kinds.contains(kind), "{kind} is stored: {kinds:?}");
    }

    // Export writes the server's state as files; applying them changes nothing.
    let exported = dir.path().join("exported");
    let out = exported.display().to_string();
    let export = run(&["plan", "export", &out]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let valid = run(&["plan", "validate", &out]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    let round_trip = run(&["plan", "diff", &out]);
    assert_eq!(
        round_trip.status.code(),
        Some(0),
        "export then diff is a no-op: {}",
        String::from_utf8_lossy(&round_trip.stdout)
    );
    let again = run(&["plan", "export", &out]);
    assert_ne!(
        again.status.code(),
        Some(0),
        "existing files are not overwritten"
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = run(&["plan", "export", &out, "--force"]);
    assert!(forced.status.success());

    // A change made in the exported files shows up as an update of that document.
    let runbooks = exported.join("runbooks.yaml");
    let text = std::fs::read_to_string(&runbooks).expect("runbooks.yaml exported");
    std::fs::write(&runbooks, text.replacen("Take command", "Take the lead", 1)).expect("edit");
    let edited = run(&["plan", "diff", &out]);
    assert_eq!(edited.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&edited.stdout);
    assert!(
        stdout.contains("update") && stdout.contains("Runbook"),
        "{stdout}"
    );
    let applied = run(&["plan", "apply", &out]);
    assert!(String::from_utf8_lossy(&applied.stdout).contains("revision 2"));
}

#[test]
fn the_schema_is_printed_for_editors() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let output = muster(
        &["plan", "schema"],
        "http://127.0.0.1:9",
        "unused",
        dir.path(),
    );
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
}

#[test]
fn the_server_lists_overdue_reviews() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let run = |args: &[&str]| muster(args, &server.base, &token, dir.path());
    let plan = dir.path().join("plan");
    std::fs::create_dir_all(&plan).expect("folder");
    std::fs::write(
        plan.join("plan.yaml"),
        "kind: Team\nname: platform\nescalation_policy: oncall\n---\n\
         kind: EscalationPolicy\nname: oncall\nowner: platform\nreview_every: 90d\nlast_reviewed: 2020-01-01\n\
         steps:\n  - targets: [{team: platform}]\n",
    )
    .expect("write");
    let applied = run(&["plan", "apply", &plan.display().to_string()]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let stale = run(&["plan", "stale", "--output", "json"]);
    assert!(
        stale.status.success(),
        "{}",
        String::from_utf8_lossy(&stale.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&stale.stdout).expect("json");
    let documents = list["documents"].as_array().expect("documents");
    assert_eq!(documents.len(), 1, "{list}");
    assert_eq!(documents[0]["name"], "oncall");
    assert_eq!(documents[0]["due"], "2020-03-31");

    // The reminder loop runs when the server starts (and every 15 minutes):
    // a restarted server records the owner's reminder, once.
    drop(server);
    let server = start(&database);
    let run = |args: &[&str]| muster(args, &server.base, &token, dir.path());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let stale = run(&["plan", "stale", "--output", "json"]);
        let list: serde_json::Value = serde_json::from_slice(&stale.stdout).expect("json");
        if list["documents"][0]["reminded_at"].is_string() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no reminder was recorded: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn an_unsound_plan_fails_with_every_problem_located() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let plan = dir.path().join("plan");
    std::fs::create_dir_all(&plan).expect("folder");
    std::fs::write(
        plan.join("services.yaml"),
        "kind: Service\nname: orphan\nlifecycle: production\n---\nkind: Service\nname: api\nowner: ghosts\n",
    )
    .expect("write");
    let text = plan.display().to_string();
    let output = muster(
        &["plan", "validate", &text],
        "http://127.0.0.1:9",
        "unused",
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("services.yaml:2:1"), "{stderr}");
    assert!(stderr.contains("service_without_owner"), "{stderr}");
    assert!(stderr.contains("unknown_reference"), "{stderr}");

    let json = muster(
        &["plan", "validate", &text, "--output", "json"],
        "http://127.0.0.1:9",
        "unused",
        dir.path(),
    );
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    assert_eq!(report["valid"], false);
    assert!(
        report["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["rule"] == "service_without_owner"))
    );
}

#[test]
fn gaps_in_a_schedule_are_warnings_not_errors() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let plan = dir.path().join("plan");
    std::fs::create_dir_all(&plan).expect("folder");
    // Weekdays only, and no other layer: nobody is on call at the weekend.
    std::fs::write(
        plan.join("oncall.yaml"),
        "kind: Team\nname: platform\n---\n\
         kind: Schedule\nname: office-hours\nowner: platform\nreview_every: 90d\nlast_reviewed: 2026-01-01\n\
         time_zone: Europe/Amsterdam\nrotations:\n  - participants: [a@example.com]\n    shift: 1w\n    handoff: \"09:00\"\n\
         \x20   restrictions:\n      - {days: [mon, tue, wed, thu, fri], from: \"09:00\", to: \"17:00\"}\n",
    )
    .expect("write");
    let text = plan.display().to_string();
    let run = |args: &[&str]| muster(args, "http://127.0.0.1:9", "unused", dir.path());

    let output = run(&["plan", "validate", &text]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("the plan is sound"), "{stderr}");
    let warning = stderr
        .lines()
        .find(|line| line.starts_with("warning: "))
        .unwrap_or_else(|| panic!("a warning is printed: {stderr}"));
    assert!(
        warning.contains("oncall.yaml:4:1: [schedule_gap]"),
        "{warning}"
    );
    assert!(
        warning.contains("Schedule office-hours: nobody is on call from")
            && warning.ends_with("(Europe/Amsterdam)"),
        "{warning}"
    );

    let json = run(&["plan", "validate", &text, "--output", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    assert_eq!(report["valid"], true);
    assert_eq!(report["findings"], serde_json::json!([]));
    let warnings = report["warnings"].as_array().expect("warnings");
    // Four weekends and the weeknights in 28 days: more than the five listed.
    assert_eq!(warnings.len(), 6, "{report:#}");
    assert!(
        warnings
            .iter()
            .all(|w| w["rule"] == "schedule_gap" && w["line"] == 4)
    );
    assert!(
        warnings[5]["message"]
            .as_str()
            .is_some_and(|m| m.contains("more gaps")),
        "{report:#}"
    );

    // With an error too, the warnings come after it and the error decides.
    std::fs::write(
        plan.join("broken.yaml"),
        "kind: Service\nname: api\nowner: ghosts\n",
    )
    .expect("write");
    let output = run(&["plan", "validate", &text]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let error = stderr.find("unknown_reference").expect("the error");
    let warning = stderr.find("warning: ").expect("a warning");
    assert!(error < warning, "{stderr}");
    let json = run(&["plan", "validate", &text, "--output", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    assert_eq!(report["valid"], false);
    assert_eq!(report["findings"][0]["rule"], "unknown_reference");
    assert_eq!(report["warnings"].as_array().map(Vec::len), Some(6));
}
