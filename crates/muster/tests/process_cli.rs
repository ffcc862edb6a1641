//! `muster runbook list|attach|run-step`, `muster update send` and
//! `muster incident scenario` against a real server with `examples/plan/`.

mod common;

use common::example_server;

#[test]
fn the_process_of_an_incident_is_run_from_the_command_line() {
    let (_dir, _server, cli) = example_server();

    let declared = cli.json(&[
        "incident",
        "declare",
        "Customers are signed out",
        "--severity",
        "SEV1",
        "--functionality",
        "login",
        "--scenario",
        "login-outage-after-deploy",
    ]);
    let reference = declared["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();

    // The attached runbooks and each step's progress.
    let shown = cli.ok(&["runbook", "list", "--incident", &reference]);
    assert!(shown.contains("login-failures"), "{shown}");
    assert!(shown.contains("Confirm the fix with support"), "{shown}");
    assert!(shown.contains("waits for milestone mitigated"), "{shown}");
    // The JSON is the API's (the engine runs steps meanwhile: compare the
    // shape, not the moment).
    let names = |value: &serde_json::Value| -> Vec<String> {
        value["runbooks"]
            .as_array()
            .expect("runbooks")
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let json = cli.json(&["runbook", "list", "--incident", &reference]);
    assert_eq!(
        names(&json),
        names(&cli.api(&format!("incidents/{reference}/runbooks")))
    );
    assert_eq!(names(&json), ["login-failures", "sev1-kickoff"]);

    // A step number that is not there: a message and a non-zero exit.
    let (code, stderr) = cli.code(&["runbook", "run-step", &reference, "login-failures", "99"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("steps 1 to"), "{stderr}");
    let (code, stderr) = cli.code(&["runbook", "attach", &reference, "no-such-runbook"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("no runbook named"), "{stderr}");
    let attached = cli.ok(&["runbook", "attach", &reference, "database-failover"]);
    assert!(
        attached.contains("Attached database-failover"),
        "{attached}"
    );

    // An update previewed, then sent.
    let preview = cli.run(&[
        "update",
        "send",
        &reference,
        "--template",
        "sev1-internal",
        "--preview",
    ]);
    let out = String::from_utf8_lossy(&preview.stdout);
    assert!(
        preview.status.success(),
        "{}",
        String::from_utf8_lossy(&preview.stderr)
    );
    assert!(out.contains("Would go to:"), "{out}");
    assert!(out.contains(&format!("{reference} (SEV1)")), "{out}");
    assert!(String::from_utf8_lossy(&preview.stderr).contains("nothing was sent"));
    let sent = cli.ok(&["update", "send", &reference, "--template", "sev1-internal"]);
    assert!(sent.contains("Sent to: "), "{sent}");
    assert!(
        !sent.contains("no stakeholder group"),
        "it reached someone: {sent}"
    );
    let (code, stderr) = cli.code(&["update", "send", &reference, "--template", "nope"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("sev1-internal"),
        "names the templates there are: {stderr}"
    );

    // The scenario's expected timeline; an action marked done.
    let comparison = cli.ok(&["incident", "scenario", &reference]);
    assert!(
        comparison.contains("started from login-outage-after-deploy"),
        "{comparison}"
    );
    assert!(comparison.contains("commander assigned"), "{comparison}");
    let json = cli.json(&["incident", "scenario", &reference]);
    let rollback = json["moments"]
        .as_array()
        .expect("moments")
        .iter()
        .find(|m| m["kind"] == "action" && m["expected"] == "auth-api is rolled back")
        .and_then(|m| m["index"].as_u64())
        .expect("the rollback moment");
    let marked = cli.json(&[
        "incident",
        "scenario",
        &reference,
        "--done",
        &rollback.to_string(),
    ]);
    let moment = &marked["moments"][usize::try_from(rollback).expect("an index")];
    assert_eq!(moment["outcome"], "on time", "{marked}");
}
