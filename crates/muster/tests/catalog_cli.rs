//! The catalog from the terminal: the real binary against a real server on SQLite, checking
//! the tables, the JSON for scripts, create-or-update, and the exit codes.

mod common;

use common::{Cli, admin_token, start};
use serde_json::json;

fn assert_contains(text: &str, expected: &[&str], what: &str) {
    for e in expected {
        assert!(text.contains(e), "{what} lacks {e:?}:\n{text}");
    }
}

#[test]
fn the_catalog_is_kept_and_queried_from_the_terminal() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "ada@example.com", "admin");
    let viewer = admin_token(&database, "val@example.com", "viewer");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };

    // Teams.
    let created = cli.ok(&[
        "team",
        "set",
        "payments",
        "--name",
        "Payments",
        "--channel",
        "#payments",
        "--member",
        "ada@example.com:lead",
        "--member",
        "bob@example.com",
    ]);
    assert_contains(
        &created,
        &[
            "Team payments created",
            "#payments",
            "ada@example.com",
            "lead",
        ],
        "`team set`",
    );
    cli.ok(&["team", "set", "platform", "--name", "Platform"]);
    // An update keeps what it was not told to change.
    let updated = cli.json(&["team", "set", "payments", "--description", "Money in"]);
    assert_eq!(updated["name"], "Payments");
    assert_eq!(updated["description"], "Money in");
    assert_eq!(
        updated["members"],
        json!([
            {"email": "ada@example.com", "role": "lead"},
            {"email": "bob@example.com", "role": "member"}
        ])
    );
    let teams = cli.ok(&["team", "list"]);
    assert_contains(&teams, &["payments", "Payments", "platform"], "`team list`");

    // Services: checkout-api needs db; newsletter can live without checkout-api.
    cli.ok(&[
        "service", "set", "db", "--owner", "platform", "--tier", "1", "--kind", "database",
    ]);
    let created = cli.ok(&[
        "service",
        "set",
        "checkout-api",
        "--name",
        "Checkout API",
        "--owner",
        "payments",
        "--tier",
        "1",
        "--link",
        "Grafana=https://grafana.example/d/checkout?from=now-1h",
        "--runbook",
        "Failover=https://wiki.example/checkout/failover",
        "--rollback-plan",
        "helm rollback checkout-api",
        "--tag",
        "pci",
        "--depends-on",
        "db",
    ]);
    assert!(
        created.contains("Service checkout-api created"),
        "{created}"
    );
    cli.ok(&[
        "service",
        "set",
        "newsletter",
        "--owner",
        "payments",
        "--depends-on",
        "checkout-api:soft",
    ]);
    cli.ok(&["service", "set", "checkout-api", "--tier", "2"]);
    let shown = cli.ok(&["service", "show", "checkout-api"]);
    assert_contains(
        &shown,
        &[
            "Checkout API",
            "payments",
            "2",
            "Grafana",
            "https://grafana.example/d/checkout?from=now-1h",
            "Runbooks",
            "https://wiki.example/checkout/failover",
            "Rollback plan",
            "helm rollback checkout-api",
            "Depends on",
            "db",
            "hard",
        ],
        "`service show`",
    );
    let listed = cli.ok(&["service", "list"]);
    assert_contains(
        &listed,
        &["db", "checkout-api", "newsletter", "checkout-api (soft)"],
        "`service list`",
    );

    // A functionality.
    let created = cli.ok(&[
        "functionality",
        "set",
        "checkout",
        "--name",
        "Checkout",
        "--owner",
        "payments",
        "--service",
        "checkout-api",
        "--alias",
        "pay",
        "--alias",
        "buy",
    ]);
    assert_contains(
        &created,
        &["Functionality checkout created", "pay, buy", "checkout-api"],
        "`functionality set`",
    );
    let backing = cli.ok(&["functionality", "backing", "checkout"]);
    assert_contains(&backing, &["checkout-api", "db", "platform"], "`backing`");

    // The blast radius of the database.
    let impact = cli.ok(&["service", "impact", "db"]);
    assert_contains(
        &impact,
        &[
            "If db fails",
            "checkout-api",
            "newsletter",
            "soft (degrades)",
            "Impacted functionalities",
            "Checkout",
            "Teams to involve",
            "payments",
            "platform",
        ],
        "`service impact`",
    );
    let radius = cli.json(&["service", "impact", "db"]);
    assert_eq!(
        radius["services"],
        json!([
            {"service": "checkout-api", "owner_team": "payments", "criticality": "hard", "distance": 1},
            {"service": "newsletter", "owner_team": "payments", "criticality": "soft", "distance": 2}
        ])
    );
    assert_eq!(radius["functionalities"][0]["functionality"], "checkout");
    assert_eq!(radius["teams"], json!(["payments", "platform"]));

    // --output json is the API's JSON, field for field.
    assert_eq!(radius, cli.api("services/db/impact"));
    for (args, path) in [
        (&["team", "list"][..], "teams"),
        (&["team", "show", "payments"][..], "teams/payments"),
        (&["service", "list"][..], "services"),
        (
            &["service", "show", "checkout-api"][..],
            "services/checkout-api",
        ),
        (&["functionality", "list"][..], "functionalities"),
        (
            &["functionality", "show", "checkout"][..],
            "functionalities/checkout",
        ),
        (
            &["functionality", "backing", "checkout"][..],
            "functionalities/checkout/backing",
        ),
    ] {
        assert_eq!(cli.json(args), cli.api(path), "{args:?}");
    }
    // And `set` with nothing to change writes the same entry back.
    let before = cli.api("services/checkout-api");
    assert_eq!(cli.json(&["service", "set", "checkout-api"]), before);

    // Exit codes and errors.
    let (code, stderr) = cli.code(&["team", "delete", "payments"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("checkout-api"), "{stderr}");
    let (code, stderr) = cli.code(&["service", "show", "nope"]);
    assert_eq!(code, 3, "{stderr}");
    let (code, stderr) = cli.code(&["service", "impact", "nope"]);
    assert_eq!(code, 3, "{stderr}");
    let (code, stderr) = cli.code(&["service", "set", "checkout-api", "--tier", "9"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--tier"), "{stderr}");
    let (code, stderr) = cli.code(&[
        "service",
        "set",
        "checkout-api",
        "--depends-on",
        "x:sometimes",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--depends-on"), "{stderr}");
    // What only the server can know comes back naming the field.
    let (code, stderr) = cli.code(&["service", "set", "checkout-api", "--depends-on", "ghost"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("depends_on[0]"), "{stderr}");
    assert!(stderr.contains("ghost"), "{stderr}");
    let (code, stderr) = cli.code(&["service", "set", "api", "--owner", "nobody"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("owner_team"), "{stderr}");
    let as_viewer = Cli {
        url: cli.url.clone(),
        token: viewer,
        home: tempfile::tempdir().expect("home"),
    };
    as_viewer.ok(&["service", "impact", "db"]);
    let (code, stderr) = as_viewer.code(&["team", "set", "intruders"]);
    assert_eq!(code, 5, "{stderr}");

    // Taking it down again, dependants first.
    let (code, stderr) = cli.code(&["service", "delete", "db"]);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(
        cli.ok(&["functionality", "delete", "checkout"]),
        "Functionality checkout deleted.\n"
    );
    assert_eq!(
        cli.ok(&["service", "delete", "newsletter", "-o", "json"]),
        ""
    );
    cli.ok(&["service", "delete", "checkout-api"]);
    cli.ok(&["team", "delete", "payments"]);
    let (code, stderr) = cli.code(&["team", "show", "payments"]);
    assert_eq!(code, 3, "{stderr}");
    let teams = cli.json(&["team", "list"]);
    assert_eq!(teams["teams"][0]["slug"], "platform");
    assert_eq!(teams["teams"].as_array().map(Vec::len), Some(1));
}

#[test]
fn an_incident_declared_in_customers_words_names_the_owners() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = common::admin_token(&database, "ada@example.com", "responder");
    let server = common::start(&database);
    let muster = |args: &[&str]| {
        std::process::Command::new(common::BINARY)
            .args(args)
            .env("MUSTER_URL", &server.base)
            .env("MUSTER_TOKEN", &token)
            .env("XDG_CONFIG_HOME", dir.path())
            .env("HOME", dir.path())
            .output()
            .expect("run muster")
    };
    for args in [
        vec!["team", "set", "identity"],
        vec!["service", "set", "auth", "--owner", "identity"],
        vec![
            "functionality",
            "set",
            "login",
            "--name",
            "Login",
            "--owner",
            "identity",
            "--service",
            "auth",
        ],
    ] {
        let output = muster(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = muster(&[
        "incident",
        "declare",
        "Customers can't log in",
        "--functionality",
        "can't log in",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        shown.contains("login (down)") && shown.contains("identity"),
        "{shown}"
    );
    let output = muster(&["incident", "declare", "x", "--functionality", "the weather"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("functionalities[0]"));
}

const ROOT: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: shop
spec:
  targets:
    - ./teams.yaml
    - ./services.yaml
"#;

const TEAMS: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: pat
spec:
  profile:
    email: pat@shop.example
  memberOf: [payments]
"#;

const SERVICES: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout-api
spec:
  type: service
  lifecycle: production
  owner: payments
  dependsOn: [resource:orders-db]
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
spec:
  type: database
  owner: group:payments
"#;

#[test]
fn a_backstage_catalog_imports_once_and_bad_files_are_refused_with_their_line() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = common::admin_token(&database, "root@shop.example", "admin");
    let server = common::start(&database);
    let files = dir.path().join("catalog");
    std::fs::create_dir_all(&files).expect("folder");
    std::fs::write(files.join("catalog-info.yaml"), ROOT).expect("write");
    std::fs::write(files.join("teams.yaml"), TEAMS).expect("write");
    std::fs::write(files.join("services.yaml"), SERVICES).expect("write");
    let root = files.join("catalog-info.yaml").display().to_string();
    let muster = |args: &[&str]| {
        std::process::Command::new(common::BINARY)
            .args(args)
            .env("MUSTER_URL", &server.base)
            .env("MUSTER_TOKEN", &token)
            .env("XDG_CONFIG_HOME", dir.path())
            .env("HOME", dir.path())
            .output()
            .expect("run muster")
    };
    let stdout =
        |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();

    let planned = muster(&["catalog", "import", &root, "--dry-run"]);
    assert!(
        planned.status.success(),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    assert!(
        stdout(&planned).contains("dry run: nothing was written"),
        "{}",
        stdout(&planned)
    );
    assert!(stdout(&planned).contains("checkout-api"));
    let listed = muster(&["service", "list", "--output", "json"]);
    assert!(
        stdout(&listed).contains("\"services\": []"),
        "{}",
        stdout(&listed)
    );

    let applied = muster(&["catalog", "import", &root]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let shown = muster(&["service", "show", "checkout-api", "--output", "json"]);
    let service: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    assert_eq!(service["owner_team"], "payments");
    assert_eq!(service["depends_on"][0]["service"], "orders-db");
    let again = muster(&["catalog", "import", &root]);
    assert!(
        stdout(&again).contains("nothing to change"),
        "{}",
        stdout(&again)
    );

    std::fs::write(
        files.join("services.yaml"),
        SERVICES.replace("name: orders-db", "name: orders db"),
    )
    .expect("write");
    let refused = muster(&["catalog", "import", &root]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        stderr.contains("services.yaml:"),
        "the file and line are named: {stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
}
