//! The process of an incident over HTTP, with `examples/plan/`, on SQLite
//! and (when configured) PostgreSQL: an incident started from a scenario
//! attaches its runbooks; their steps' progress, the "what's next" panel,
//! running, ticking and retrying steps, attaching a runbook by hand, an
//! update previewed then sent from a template, the cadence's reminder, and
//! the scenario's expected timeline against what happened. Bad input gets
//! a JSON error naming the field, and writes nothing.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use muster_app::FakeClock;
use muster_core::UserRole;
use muster_test_support::{TestApp, TestOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The people of the example plan who get accounts (the on-call of
/// identity among them).
const PEOPLE: [&str; 5] = [
    "ana@fernbrook.example",
    "bram@fernbrook.example",
    "comms@fernbrook.example",
    "counsel@fernbrook.example",
    "support-lead@fernbrook.example",
];

fn kinds(timeline: &Value) -> Vec<String> {
    timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_started_from_a_scenario_runs_its_process_over_the_api() {
    // Wednesday 17:00 in New York: legal's digest waits for the morning.
    let start: Timestamp = "2027-03-10T22:00:00Z".parse().expect("an instant");
    let options = |clock: &Arc<FakeClock>| TestOptions {
        clock: clock.clone(),
        ..TestOptions::default()
    };
    let clock = Arc::new(FakeClock::new(start));
    let app = TestApp::sqlite_with(options(&clock)).await;
    journey(&app, &clock).await;
    app.stop().await;
    let clock = Arc::new(FakeClock::new(start));
    if let Some(app) = TestApp::postgres_with(options(&clock)).await {
        journey(&app, &clock).await;
        app.stop().await;
    }
}

async fn journey(app: &TestApp, clock: &FakeClock) {
    let admin = app.token("root@fernbrook.example", UserRole::Admin).await;
    for email in PEOPLE {
        app.token(email, UserRole::Responder).await;
    }
    let viewer = app
        .token("viewer@fernbrook.example", UserRole::Viewer)
        .await;
    let call = |method: Method, path: &str, body: Option<Value>| {
        let path = path.to_owned();
        let token = admin.clone();
        async move { app.call(&token, method, &path, body).await }
    };
    let (status, body) = call(
        Method::POST,
        "/api/v1/plan/apply",
        Some(muster_test_support::example_plan_upload()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // An unknown scenario is refused, naming the field; nothing is declared.
    let (status, body) = call(
        Method::POST,
        "/api/v1/incidents",
        Some(json!({"title": "x", "scenario": "meteor-strike"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["fields"]["scenario"]
            .as_str()
            .unwrap_or_default()
            .contains("login-outage-after-deploy")
    );
    let (_, list) = call(Method::GET, "/api/v1/incidents", None).await;
    assert_eq!(
        list["incidents"].as_array().map(Vec::len),
        Some(0),
        "{list}"
    );

    // Started from the scenario: its runbooks attach at once.
    let (status, incident) = call(
        Method::POST,
        "/api/v1/incidents",
        Some(json!({
            "title": "Customers are signed out after the auth-api release",
            "severity": "SEV1",
            "functionalities": ["login"],
            "scenario": "login-outage-after-deploy",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    let number = incident["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    let runbooks: Vec<&str> = incident["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(runbooks.contains(&"login-failures"), "{incident}");
    assert!(runbooks.contains(&"sev1-kickoff"), "{incident}");
    app.settle().await;
    let path = |rest: &str| format!("/api/v1/incidents/{number}{rest}");

    // The agenda: every step, with its latest run and what comes next.
    let (status, agenda) = call(Method::GET, &path("/runbooks"), None).await;
    assert_eq!(status, StatusCode::OK, "{agenda}");
    let login = agenda["runbooks"]
        .as_array()
        .expect("runbooks")
        .iter()
        .find(|r| r["name"] == "login-failures")
        .expect("login-failures attached")
        .clone();
    assert_eq!(login["steps"][0]["name"], "Page identity");
    assert_eq!(login["steps"][0]["latest"]["status"], "done", "{login}");
    let confirm = login["steps"]
        .as_array()
        .expect("steps")
        .last()
        .expect("a last step")
        .clone();
    assert_eq!(confirm["manual"], true);
    assert_eq!(confirm["next"]["state"], "waiting");
    assert_eq!(confirm["next"]["waiting_for"], "milestone mitigated");
    let confirm_step = confirm["step"].as_u64().expect("a step number");

    // What's next: the communications lead is wanted (the cadence needs
    // one), and the support and legal checklists are open.
    let (status, next) = call(Method::GET, &path("/whats-next"), None).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    let empty: Vec<&str> = next["empty_roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(empty.contains(&"communications"), "{next}");
    let teams: Vec<&str> = next["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter_map(|t| t["team"].as_str())
        .collect();
    assert!(
        teams.contains(&"support") && teams.contains(&"legal"),
        "{next}"
    );
    assert_eq!(next["cadence"]["every_minutes"], 30, "{next}");
    assert_eq!(next["cadence"]["state"], "not_due", "{next}");
    assert_eq!(next["next_stakeholder_update"]["group"], "legal", "{next}");
    assert_eq!(next["next_stakeholder_update"]["digest"], true, "{next}");

    // Bad step references, each named; a step done is refused.
    for (url, field) in [
        (path("/runbooks/login-failures/steps/first/run"), "step"),
        (path("/runbooks/login-failures/steps/99/run"), "step"),
        (path("/runbooks/no-such-runbook/steps/1/run"), "runbook"),
    ] {
        let (status, body) = call(Method::POST, &url, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{url}: {body}");
    }
    let (status, body) = call(
        Method::POST,
        &path("/runbooks/login-failures/steps/1/run"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "step_not_runnable");
    // The manual step waits for mitigation; a person may do it early: run
    // now it waits for their tick, and the tick finishes it.
    let early = path(&format!(
        "/runbooks/login-failures/steps/{confirm_step}/run"
    ));
    let (status, run) = call(Method::POST, &early, None).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "pending", "{run}");
    let (status, run) = call(Method::POST, &early, None).await;
    assert_eq!(status, StatusCode::OK, "{run}");
    assert_eq!(run["status"], "done", "{run}");
    let (status, body) = call(Method::POST, &early, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["fields"]["step"].is_string(), "{body}");
    let (status, _) = app
        .call(
            &viewer,
            Method::POST,
            &path(&format!(
                "/runbooks/login-failures/steps/{confirm_step}/run"
            )),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A runbook attached by hand; twice is refused; an unknown one named.
    let (status, body) = call(
        Method::POST,
        &path("/runbooks"),
        Some(json!({"runbook": "database-failover"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        Method::POST,
        &path("/runbooks"),
        Some(json!({"runbook": "database-failover"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = call(
        Method::POST,
        &path("/runbooks"),
        Some(json!({"runbook": "nope"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["fields"]["runbook"].is_string(), "{body}");

    // The communications lead; 36 minutes on, the update is late.
    let (status, body) = call(
        Method::PUT,
        &path("/roles/communications"),
        Some(json!({"user": "comms@fernbrook.example"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.settle().await;
    clock.advance(SignedDuration::from_mins(36));
    app.settle().await;
    let (_, next) = call(Method::GET, &path("/whats-next"), None).await;
    assert_eq!(next["cadence"]["state"], "late", "{next}");
    assert_eq!(
        next["cadence"]["reminding"],
        json!(["communications"]),
        "{next}"
    );
    let (_, timeline) = call(Method::GET, &path("/timeline?limit=1000"), None).await;
    let reminded = kinds(&timeline)
        .iter()
        .filter(|k| *k == "update_reminder_sent")
        .count();
    assert_eq!(reminded, 1, "{timeline}");

    // An update: an unknown template is refused; a preview writes nothing;
    // sending keeps it on the timeline and starts the count again.
    let (status, body) = call(
        Method::POST,
        &path("/updates"),
        Some(json!({"template": "sev9"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["fields"]["template"].is_string(), "{body}");
    let (status, body) = call(
        Method::POST,
        &path("/updates"),
        Some(json!({"templat": "sev1-internal"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown fields are refused: {body}"
    );
    let posted = |timeline: &Value| {
        kinds(timeline)
            .iter()
            .filter(|k| *k == "update_posted")
            .count()
    };
    let before = posted(&timeline);
    let (status, preview) = call(
        Method::POST,
        &path("/updates"),
        Some(json!({"template": "sev1-internal", "preview": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["preview"], true);
    // 17:36 in New York: legal reads the morning's digest instead.
    assert!(
        preview["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .any(|s| s
                .as_str()
                .unwrap_or_default()
                .starts_with("legal: reads the digest at")),
        "{preview}"
    );
    assert!(
        preview["text"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("{number} (SEV1)")),
        "{preview}"
    );
    let (_, timeline) = call(Method::GET, &path("/timeline?limit=1000"), None).await;
    assert_eq!(posted(&timeline), before, "a preview writes nothing");
    let (status, sent) = call(
        Method::POST,
        &path("/updates"),
        Some(json!({"template": "sev1-internal"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert!(sent["messages"].as_u64().unwrap_or_default() > 0, "{sent}");
    let (_, timeline) = call(Method::GET, &path("/timeline?limit=1000"), None).await;
    assert_eq!(posted(&timeline), before + 1);
    let (_, next) = call(Method::GET, &path("/whats-next"), None).await;
    assert_eq!(next["cadence"]["state"], "not_due", "{next}");

    // The scenario's expected timeline against what happened.
    let (status, comparison) = call(Method::GET, &path("/scenario"), None).await;
    assert_eq!(status, StatusCode::OK, "{comparison}");
    assert_eq!(comparison["scenario"], "login-outage-after-deploy");
    let outcome = |comparison: &Value, expected: &str| {
        comparison["moments"]
            .as_array()
            .expect("moments")
            .iter()
            .find(|m| m["expected"] == expected)
            .map(|m| m["outcome"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| panic!("{expected} in {comparison}"))
    };
    assert_eq!(outcome(&comparison, "declared"), "on time");
    assert_eq!(outcome(&comparison, "commander assigned"), "on time");
    assert_eq!(outcome(&comparison, "first stakeholder update"), "on time");
    assert_eq!(outcome(&comparison, "acknowledged"), "missing");
    assert_eq!(outcome(&comparison, "auth-api is rolled back"), "missing");
    assert_eq!(outcome(&comparison, "resolved"), "pending");
    let rollback = comparison["moments"]
        .as_array()
        .expect("moments")
        .iter()
        .find(|m| m["expected"] == "auth-api is rolled back")
        .and_then(|m| m["index"].as_u64())
        .expect("an index");
    let (status, marked) = call(
        Method::POST,
        &path(&format!("/scenario/moments/{rollback}/done")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(outcome(&marked, "auth-api is rolled back"), "late");
    let (status, body) = call(
        Method::POST,
        &path(&format!("/scenario/moments/{rollback}/done")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = call(Method::POST, &path("/scenario/moments/2/done"), None).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a milestone is not ticked: {body}"
    );
    assert!(body["error"]["fields"]["moment"].is_string(), "{body}");

    // An incident not started from a scenario has none to compare with.
    let (_, plain) = call(
        Method::POST,
        "/api/v1/incidents",
        Some(json!({"title": "A plain one", "severity": "SEV3"})),
    )
    .await;
    let plain = plain["reference"].as_str().expect("a reference").to_owned();
    let (status, body) = call(
        Method::GET,
        &format!("/api/v1/incidents/{plain}/scenario"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
