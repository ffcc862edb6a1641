//! Integrations from the plan, from the terminal, against a real server: the
//! example plan with its Grafana integration signed, the secret read from
//! `plan apply`'s environment (refused, at its line, when unset), each new
//! key printed once, `integration show` and `rotate-key`, and an integration
//! dropped from the plan retired so that its key 404s.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{BINARY, Cli, admin_token, start};
use serde_json::{Value, json};

const SECRET: &str = "grafana-hmac-s3cret";

/// The CLI as `cli` runs it, with `GRAFANA_SIGNING_SECRET` set or not.
fn muster(cli: &Cli, args: &[&str], secret: Option<&str>) -> Output {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env("MUSTER_URL", &cli.url)
        .env("MUSTER_TOKEN", &cli.token)
        .env("XDG_CONFIG_HOME", cli.home.path())
        .env("HOME", cli.home.path())
        .env_remove("MUSTER_PROFILE")
        .env_remove("GRAFANA_SIGNING_SECRET");
    if let Some(secret) = secret {
        command.env("GRAFANA_SIGNING_SECRET", secret);
    }
    command.output().expect("run muster")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// examples/plan copied to `dir`, its Grafana integration signed.
fn signed_example(dir: &Path) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    std::fs::create_dir_all(dir).expect("plan folder");
    for entry in std::fs::read_dir(examples).expect("examples/plan") {
        let path = entry.expect("an entry").path();
        let mut text = std::fs::read_to_string(&path).expect("a plan file");
        if path.ends_with("integrations.yaml") {
            text = text.replace(
                "# signing_secret_env: GRAFANA_SIGNING_SECRET",
                "signing_secret_env: GRAFANA_SIGNING_SECRET",
            );
        }
        std::fs::write(dir.join(path.file_name().expect("a name")), text).expect("copy");
    }
}

fn post(url: &str, body: String) -> u16 {
    reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .expect("POST")
        .status()
        .as_u16()
}

fn alertmanager(fingerprint: &str) -> String {
    json!({
        "receiver": "muster", "status": "firing", "version": "4", "groupKey": "{}:{}",
        "truncatedAlerts": 0, "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.test",
        "alerts": [{"status": "firing", "labels": {"alertname": "TargetDown", "job": "checkout-api"},
            "annotations": {"summary": "checkout-api is down"}, "startsAt": "2026-12-01T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus.test/g",
            "fingerprint": fingerprint}]
    })
    .to_string()
}

fn key(applied: &Value, name: &str) -> String {
    applied["integrations"]
        .as_array()
        .expect("integrations")
        .iter()
        .find(|i| i["name"] == name)
        .and_then(|i| i["key"].as_str())
        .unwrap_or_else(|| panic!("a key for {name}: {applied}"))
        .to_owned()
}

#[test]
fn plan_integrations_are_applied_shown_rotated_and_retired_from_the_cli() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let database = format!("sqlite://{}", dir.path().join("muster.db").display());
    let token = admin_token(&database, "root@example.com", "admin");
    let server = start(&database);
    let cli = Cli {
        url: server.base.clone(),
        token,
        home: tempfile::tempdir().expect("home"),
    };
    let plan_dir = dir.path().join("plan");
    signed_example(&plan_dir);
    let plan = plan_dir.display().to_string();

    // Validate needs no secret, and warns it is unset; apply refuses without it, at its line.
    let validated = muster(&cli, &["plan", "validate", &plan], None);
    let (_, stderr) = text(&validated);
    assert_eq!(validated.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("[missing_secret]"),
        "{stderr}"
    );
    let validated = muster(&cli, &["plan", "validate", &plan], Some(SECRET));
    assert!(!text(&validated).1.contains("missing_secret"));
    let refused = muster(&cli, &["plan", "apply", &plan], None);
    let (_, stderr) = text(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("integrations.yaml:32:1: [missing_secret] Integration storefront-grafana: signing_secret_env: GRAFANA_SIGNING_SECRET is not set"),
        "{stderr}"
    );
    // A diff runs without it and lists what would be created.
    let diff = muster(&cli, &["plan", "diff", &plan], None);
    let (stdout, stderr) = text(&diff);
    assert_eq!(diff.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.contains(
            "create        integration            storefront-grafana (grafana, team storefront)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("key (shown once)"), "{stdout}");

    // Applied with the secret: each key printed once, in JSON too.
    let applied = muster(
        &cli,
        &["plan", "apply", &plan, "--output", "json"],
        Some(SECRET),
    );
    let (stdout, stderr) = text(&applied);
    assert!(applied.status.success(), "{stderr}");
    let applied: Value = serde_json::from_str(&stdout).expect("JSON");
    let created: Vec<&str> = applied["integrations"]
        .as_array()
        .expect("integrations")
        .iter()
        .filter(|i| i["action"] == "create" && i["key"].is_string())
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert_eq!(created.len(), 6, "{applied}");
    assert!(!stdout.contains(SECRET), "the secret is never printed");
    let am_key = key(&applied, "prod-alertmanager");
    let am_url = format!("{}/ingest/alertmanager/{am_key}", server.base);
    assert_eq!(post(&am_url, alertmanager("f1")), 202);

    let shown = cli.json(&["integration", "show", "storefront-grafana"]);
    assert_eq!(
        (&shown["origin"], &shown["signature_required"]),
        (&json!("plan"), &json!(true))
    );
    let shown = cli.ok(&["integration", "show", "main-db-backup"]);
    assert!(
        shown.contains("main-db-backup (heartbeat) for service main-db")
            && shown.contains("Made: plan")
            && shown.contains("every 24 h, grace 2 h"),
        "{shown}"
    );
    let listed = cli.ok(&["integration", "list"]);
    assert!(listed.contains("prod-alertmanager"), "{listed}");
    let (code, stderr) = cli.code(&["integration", "show", "nosuch"]);
    assert_eq!(code, 3, "{stderr}");

    // Rotated: the new key is printed once and works, the old one 404s.
    let old_probe = key(&applied, "shop-uptime-probes");
    let rotated = cli.json(&["integration", "rotate-key", "shop-uptime-probes"]);
    let new_probe = rotated["key"].as_str().expect("a new key").to_owned();
    let probe = json!({"check": {"id": 7, "title": "Shop probe failing"}, "state": "down"});
    let generic = |key: &str| format!("{}/ingest/generic/{key}", server.base);
    assert_eq!(post(&generic(&old_probe), probe.to_string()), 404);
    assert_eq!(post(&generic(&new_probe), probe.to_string()), 202);
    let again = cli.ok(&["integration", "rotate-key", "shop-uptime-probes"]);
    assert!(
        again.contains("Key (shown once): ") && again.contains("The old key is refused"),
        "{again}"
    );

    // Dropped from the plan: the diff says so, the apply retires it, its key 404s.
    let file = plan_dir.join("integrations.yaml");
    let yaml = std::fs::read_to_string(&file).expect("integrations.yaml");
    let start = yaml
        .find("kind: Integration\nname: prod-alertmanager")
        .expect("the document");
    let end = start + yaml[start..].find("---\n").expect("its end") + 4;
    std::fs::write(&file, format!("{}{}", &yaml[..start], &yaml[end..])).expect("edit");
    let diff = muster(&cli, &["plan", "diff", &plan], Some(SECRET));
    let (stdout, _) = text(&diff);
    assert_eq!(diff.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("retire        integration            prod-alertmanager"),
        "{stdout}"
    );
    let retired = muster(&cli, &["plan", "apply", &plan], Some(SECRET));
    let (stdout, stderr) = text(&retired);
    assert!(retired.status.success(), "{stderr}");
    assert!(stdout.contains("retire"), "{stdout}");
    assert_eq!(post(&am_url, alertmanager("f2")), 404);
    let shown = cli.json(&["integration", "show", "prod-alertmanager"]);
    assert!(shown["retired_at"].is_string(), "{shown}");
    let (code, stderr) = cli.code(&["integration", "rotate-key", "prod-alertmanager"]);
    assert_eq!(code, 4, "a retired integration gets no key: {stderr}");
}
