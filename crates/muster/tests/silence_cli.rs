//! Silences from the terminal, against a real server: a two-hour silence
//! and a weekly maintenance window in Berlin time are created, listed,
//! shown and expired; bad input exits non-zero with a message naming the
//! flag or the field.

mod common;

use common::{Cli, admin_token, start};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

fn cli() -> (common::Server, Cli, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };
    (server, cli, dir)
}

#[test]
fn silences_are_created_listed_shown_and_expired() {
    let (_server, cli, _dir) = cli();
    let backup = cli.json(&[
        "silence",
        "create",
        "--match",
        r#"job="backup""#,
        "--match",
        r#"instance=~"db-.*""#,
        "--duration",
        "2h",
        "--comment",
        "restore test",
    ]);
    assert_eq!(backup["state"], "active");
    assert_eq!(
        backup["matchers"],
        serde_json::json!([r#"job="backup""#, r#"instance=~"db-.*""#])
    );
    let starts: Timestamp = backup["starts_at"]
        .as_str()
        .expect("start")
        .parse()
        .expect("instant");
    let ends: Timestamp = backup["ends_at"]
        .as_str()
        .expect("end")
        .parse()
        .expect("instant");
    assert_eq!(ends.duration_since(starts), SignedDuration::from_hours(2));
    let backup_id = backup["id"].as_str().expect("an id").to_owned();

    // A weekly window in Berlin, ending at a local time read in that zone.
    let berlin = TimeZone::get("Europe/Berlin").expect("zone");
    let until_local = (Timestamp::now() + SignedDuration::from_hours(24 * 10))
        .to_zoned_datetime(berlin.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let text = cli.ok(&[
        "silence",
        "create",
        "--match",
        r#"service="reports""#,
        "--until",
        &until_local,
        "--time-zone",
        "Europe/Berlin",
        "--window",
        "sat,sun 22:00-06:00",
        "--window",
        "03:00-04:00",
        "--comment",
        "weekend batch",
    ]);
    assert!(text.starts_with("Created silence "), "{text}");
    let list = cli.json(&["silence", "list"]);
    assert_eq!(list, cli.api("silences"), "JSON is the API's");
    let silences = list["silences"].as_array().expect("a list");
    assert_eq!(silences.len(), 2, "{list}");
    let weekly = &silences[0];
    assert_eq!(weekly["time_zone"], "Europe/Berlin");
    assert_eq!(
        weekly["windows"][0]["days"],
        serde_json::json!(["saturday", "sunday"])
    );
    let ends_local = weekly["ends_at"]
        .as_str()
        .expect("end")
        .parse::<Timestamp>()
        .expect("instant")
        .to_zoned_datetime(berlin)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    assert_eq!(ends_local, until_local, "--until is Berlin time");

    let table = cli.ok(&["silence", "list"]);
    for expected in [
        backup_id.as_str(),
        r#"job="backup""#,
        "restore test",
        "sat,sun 22:00-06:00; daily 03:00-04:00 (Europe/Berlin)",
        "always",
    ] {
        assert!(table.contains(expected), "{expected:?} in:\n{table}");
    }
    let shown = cli.ok(&["silence", "show", &backup_id]);
    assert!(
        shown.contains("restore test") && shown.contains("active"),
        "{shown}"
    );
    assert_eq!(
        cli.json(&["silence", "show", &backup_id]),
        cli.api(&format!("silences/{backup_id}"))
    );

    let text = cli.ok(&["silence", "expire", &backup_id]);
    assert!(
        text.contains(&format!("Silence {backup_id} expired at ")),
        "{text}"
    );
    let current = cli.json(&["silence", "list"]);
    assert_eq!(current["silences"].as_array().map(Vec::len), Some(1));
    let all = cli.json(&["silence", "list", "--all"]);
    let ended = all["silences"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|s| s["id"] == backup_id.as_str())
        .cloned()
        .expect("listed with --all");
    assert_eq!(ended["state"], "expired");
    let (code, stderr) = cli.code(&["silence", "expire", &backup_id]);
    assert_eq!(code, 4, "expiring twice is a conflict: {stderr}");
    assert!(stderr.contains("ended"), "{stderr}");
}

#[test]
fn bad_silences_are_refused_with_the_flag_or_field_named() {
    let (_server, cli, _dir) = cli();
    let create = |extra: &[&str]| -> (i32, String) {
        let mut args = vec!["silence", "create"];
        args.extend(extra);
        cli.code(&args)
    };
    let m = r#"job="backup""#;
    for (extra, code, expected) in [
        (vec!["--duration", "1h", "--comment", "x"], 2, "--match"),
        (vec!["--match", m, "--comment", "x"], 2, "--duration"),
        (vec!["--match", m, "--duration", "1h"], 2, "--comment"),
        (
            vec!["--match", m, "--duration", "2x", "--comment", "x"],
            2,
            "expected a duration",
        ),
        (
            vec!["--match", m, "--duration", "90s", "--comment", "x"],
            2,
            "whole minutes",
        ),
        (
            vec!["--match", m, "--until", "soon", "--comment", "x"],
            2,
            "--until",
        ),
        (
            vec![
                "--match",
                m,
                "--duration",
                "1h",
                "--until",
                "2030-01-01T00:00:00Z",
                "--comment",
                "x",
            ],
            2,
            "cannot be used with",
        ),
        (
            vec![
                "--match",
                m,
                "--duration",
                "1h",
                "--time-zone",
                "Mars/Base",
                "--window",
                "22:00-06:00",
                "--comment",
                "x",
            ],
            2,
            "--time-zone",
        ),
        (
            vec![
                "--match",
                m,
                "--duration",
                "1h",
                "--window",
                "sat,sun",
                "--comment",
                "x",
            ],
            2,
            "--window",
        ),
        (
            vec!["--match", "=oops", "--duration", "1h", "--comment", "x"],
            1,
            "matchers[0]",
        ),
        (
            vec![
                "--match",
                m,
                "--duration",
                "1h",
                "--window",
                "funday 22:00-06:00",
                "--comment",
                "x",
            ],
            1,
            "windows[0].days",
        ),
        (
            vec![
                "--match",
                m,
                "--duration",
                "1h",
                "--window",
                "sat 25:00-26:00",
                "--comment",
                "x",
            ],
            1,
            "windows[0].from",
        ),
    ] {
        let (got, stderr) = create(&extra);
        assert_eq!(got, code, "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
    }
    assert_eq!(
        cli.json(&["silence", "list", "--all"])["silences"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing was made"
    );

    let unknown = "0190a0b0-0000-7000-8000-000000000000";
    for verb in ["show", "expire"] {
        let (code, stderr) = cli.code(&["silence", verb, unknown]);
        assert_eq!(code, 3, "{verb}: {stderr}");
        assert!(stderr.contains("not found"), "{verb}: {stderr}");
    }
    let (code, stderr) = cli.code(&["silence", "show", "nope"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("expected a silence id"), "{stderr}");
}
