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
