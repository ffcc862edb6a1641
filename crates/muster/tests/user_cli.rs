//! People from the terminal: the real binary against a real server on SQLite,
//! creating, editing, showing and deactivating users, with the exit codes.

mod common;

use common::{Cli, admin_token, start};

fn assert_contains(text: &str, expected: &[&str], what: &str) {
    for e in expected {
        assert!(text.contains(e), "{what} lacks {e:?}:\n{text}");
    }
}

#[test]
fn users_are_kept_from_the_terminal() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };

    let created = cli.ok(&[
        "user",
        "create",
        "ada@example.com",
        "--name",
        "Ada Lovelace",
        "--role",
        "responder",
        "--time-zone",
        "Europe/London",
        "--contact",
        "sms:+447700900123:mobile",
        "--contact",
        "chat:https://chat.example/u/ada",
    ]);
    assert_contains(
        &created,
        &[
            "User ada@example.com created",
            "Ada Lovelace",
            "Europe/London",
            "+447700900123",
            "mobile",
            "https://chat.example/u/ada",
        ],
        "`user create`",
    );

    let updated = cli.json(&[
        "user",
        "update",
        "ada@example.com",
        "--time-zone",
        "Asia/Tokyo",
        "--remove-contact",
        "sms:+44 7700 900123",
        "--add-contact",
        "voice:+447700900123:desk",
    ]);
    assert_eq!(updated["time_zone"], "Asia/Tokyo");
    assert_eq!(updated["name"], "Ada Lovelace", "kept");
    let kinds: Vec<&str> = updated["contact_methods"]
        .as_array()
        .expect("contact methods")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["chat", "voice"]);

    let shown = cli.json(&["user", "show", "ada@example.com"]);
    assert_eq!(shown, cli.api("users/ada@example.com"));
    let listed = cli.ok(&["user", "list"]);
    assert_contains(
        &listed,
        &[
            "ada@example.com",
            "Asia/Tokyo",
            "root@example.com",
            "active",
        ],
        "`user list`",
    );

    // Bad input: a clear message and a non-zero exit.
    let (code, stderr) = cli.code(&[
        "user",
        "update",
        "ada@example.com",
        "--time-zone",
        "Mars/Base",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_contains(&stderr, &["time_zone"], "a bad time zone");
    let (code, stderr) = cli.code(&["user", "create", "bo@example.com", "--contact", "pager:1"]);
    assert_eq!(code, 2, "{stderr}");
    assert_contains(
        &stderr,
        &["--contact", "unknown contact kind"],
        "a bad kind",
    );
    let (code, stderr) = cli.code(&[
        "user",
        "update",
        "ada@example.com",
        "--remove-contact",
        "email:nobody@example.com",
    ]);
    assert_eq!(code, 3, "{stderr}");
    let (code, stderr) = cli.code(&["user", "show", "ghost@example.com"]);
    assert_eq!(code, 3, "{stderr}");

    let gone = cli.ok(&["user", "deactivate", "ada@example.com"]);
    assert_contains(
        &gone,
        &["User ada@example.com deactivated", "deactivated"],
        "`user deactivate`",
    );
    let (code, stderr) = cli.code(&["user", "deactivate", "root@example.com"]);
    assert_eq!(code, 4, "yourself: {stderr}");
}
