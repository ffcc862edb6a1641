//! The CLI end to end: the real binary against a real server, checking what a
//! person sees, the JSON for scripts, and the exit codes.

mod common;

use std::process::Command;

use common::{BINARY, Cli, admin_token, start};
use serde_json::Value;

#[test]
fn a_responder_runs_an_incident_from_the_terminal() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "ada@example.com", "responder");
    admin_token(&database, "bob@example.com", "responder");
    let viewer = admin_token(&database, "val@example.com", "viewer");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };

    let declared = cli.json(&[
        "incident",
        "declare",
        "Checkout is failing",
        "--severity",
        "SEV1",
        "--tag",
        "payments",
    ]);
    assert_eq!(declared["reference"], "INC-1");
    assert_eq!(declared["tags"], serde_json::json!(["payments"]));
    cli.ok(&[
        "incident",
        "assign",
        "INC-1",
        "commander",
        "bob@example.com",
    ]);
    cli.ok(&["incident", "note", "INC-1", "Rolled back the 4.2 deploy"]);
    cli.ok(&[
        "incident",
        "task",
        "add",
        "INC-1",
        "Tell support",
        "--assignee",
        "ada@example.com",
    ]);
    cli.ok(&["incident", "task", "done", "INC-1", "1"]);
    cli.ok(&[
        "incident",
        "update",
        "INC-1",
        "--severity",
        "SEV2",
        "--impact",
        "Card payments fail",
    ]);
    for action in ["ack", "mitigate", "resolve", "close"] {
        cli.ok(&["incident", action, "INC-1"]);
    }

    let shown = cli.ok(&["incident", "show", "INC-1"]);
    for expected in [
        "Checkout is failing",
        "closed",
        "SEV2",
        "commander",
        "bob",
        "Rolled back the 4.2 deploy",
        "Tell support",
    ] {
        assert!(
            shown.contains(expected),
            "`incident show` lacks {expected:?}:\n{shown}"
        );
    }
    let listed = cli.ok(&["incident", "list", "--status", "closed"]);
    assert!(listed.contains("INC-1"), "{listed}");
    let list = cli.json(&["incident", "list", "--severity", "SEV1"]);
    assert_eq!(list["incidents"].as_array().map(Vec::len), Some(0));

    // Exit codes tell scripts what went wrong.
    let (code, stderr) = cli.code(&["incident", "show", "INC-99"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("INC-99"), "{stderr}");
    let (code, stderr) = cli.code(&["incident", "close", "INC-1"]);
    assert_eq!(code, 4, "{stderr}");
    let (code, stderr) = cli.code(&["incident", "declare", "  "]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("title"), "{stderr}");
    let (code, stderr) = cli.code(&["incident", "ack", "INC-1", "--at", "yesterday"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--at"), "{stderr}");
    let as_viewer = Cli {
        token: viewer,
        ..cli
    };
    let (code, stderr) = as_viewer.code(&["incident", "declare", "Not allowed"]);
    assert_eq!(code, 5, "{stderr}");
    let forged = Cli {
        token: "mst_forged".into(),
        ..as_viewer
    };
    let (code, _) = forged.code(&["incident", "list"]);
    assert_eq!(code, 5);
    drop(server);
    let (code, stderr) = forged.code(&["incident", "list"]);
    assert_eq!(code, 6, "a stopped server is 'unavailable': {stderr}");
}

#[test]
fn token_commands_create_list_and_revoke() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "ada@example.com", "responder");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };
    let created = cli.json(&["token", "create", "ci-bot"]);
    let secret = created["secret"].as_str().expect("secret").to_owned();
    let id = created["token"]["id"].as_str().expect("id").to_owned();
    assert!(cli.ok(&["token", "list"]).contains("ci-bot"));
    let bot = Cli {
        token: secret.clone(),
        url: cli.url.clone(),
        home: tempfile::tempdir().expect("home"),
    };
    bot.ok(&["incident", "list"]);
    cli.ok(&["token", "revoke", &id]);
    let (code, _) = bot.code(&["incident", "list"]);
    assert_eq!(code, 5, "a revoked token no longer works");
}

#[test]
fn without_a_server_the_cli_says_how_to_configure_one() {
    let home = tempfile::tempdir().expect("home");
    let output = Command::new(BINARY)
        .args(["incident", "list"])
        .env_remove("MUSTER_URL")
        .env_remove("MUSTER_TOKEN")
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path())
        .output()
        .expect("run muster");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("MUSTER_URL"));
}

#[test]
fn login_saves_a_profile_that_later_commands_use() {
    use std::io::Write;
    use std::process::Stdio;

    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let admin = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let created = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/users", server.base))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"email": "ada@example.com", "password": "correct horse battery"}))
        .send()
        .expect("create user");
    assert_eq!(created.status(), 201);

    let home = tempfile::tempdir().expect("home");
    let login = |password: &str| {
        let mut child = Command::new(BINARY)
            .args([
                "login",
                "--url",
                &server.base,
                "--email",
                "ada@example.com",
                "--password-stdin",
            ])
            .env_remove("MUSTER_URL")
            .env_remove("MUSTER_TOKEN")
            .env("XDG_CONFIG_HOME", home.path())
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run muster login");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{password}");
        }
        child.wait_with_output().expect("muster login")
    };
    let refused = login("wrong password");
    assert_eq!(
        refused.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let accepted = login("correct horse battery");
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );

    let declared = Command::new(BINARY)
        .args([
            "incident",
            "declare",
            "Declared with a saved profile",
            "--output",
            "json",
        ])
        .env_remove("MUSTER_URL")
        .env_remove("MUSTER_TOKEN")
        .env("XDG_CONFIG_HOME", home.path())
        .env("HOME", home.path())
        .output()
        .expect("run muster");
    assert!(
        declared.status.success(),
        "{}",
        String::from_utf8_lossy(&declared.stderr)
    );
    let incident: Value = serde_json::from_slice(&declared.stdout).expect("json");
    assert_eq!(incident["reference"], "INC-1");
}
