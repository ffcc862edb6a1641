//! Prometheus → Alertmanager → muster, end to end with the real programs,
//! on SQLite and (when configured) PostgreSQL: with `examples/plan/`
//! applied, Prometheus fails to scrape checkout-api and fires `TargetDown`;
//! Alertmanager's webhook brings it to muster, whose `checkout-api-down`
//! rule opens a SEV1 incident on checkout-api (detected when the alert
//! started), and that pages the service's on-call by email through a real
//! SMTP server. Fixing the target resolves the alert in Prometheus, and
//! the incident is marked mitigated. Skipped with a note when a peer is
//! missing, unless `MUSTER_TEST_REQUIRE_ALL=1`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use muster_core::UserRole;
use muster_sinks::{EmailConfig, SinkConfig};
use muster_test_support::peers::{Alertmanager, SmtpServer, until};
use muster_test_support::prometheus::Prometheus;
use muster_test_support::{TestApp, TestOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Prometheus scrapes and evaluates every second here; CI machines are slow.
const DEADLINE: Duration = Duration::from_secs(90);

/// Every file of the example plan, as the plan API takes them.
fn example_plan() -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let mut files: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            json!({
                "path": p.file_name().unwrap().to_string_lossy(),
                "text": std::fs::read_to_string(&p).unwrap(),
            })
        })
        .collect();
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    json!({ "files": files })
}

/// A port nothing listens on (bound, then let go).
fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Everyone the example teams name, as the plan lists them.
fn example_people() -> Vec<String> {
    let teams = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan/teams.yaml");
    let text = std::fs::read_to_string(teams).unwrap();
    let mut people: Vec<String> = text
        .split("email: ")
        .skip(1)
        .filter_map(|rest| rest.split([',', '}']).next())
        .map(|email| email.trim().to_owned())
        .collect();
    people.sort();
    people.dedup();
    people
}

async fn journey(app: TestApp, smtp: &SmtpServer) {
    let admin = app.token("admin@fernbrook.example", UserRole::Admin).await;
    for email in example_people() {
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/users",
                Some(json!({"email": email, "name": email, "role": "responder"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/plan/apply",
            Some(example_plan()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the example plan applies: {body}");
    let (status, created) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/integrations",
            Some(json!({"name": "prometheus", "kind": "alertmanager", "service": "checkout-api"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    let (_, on_call) = app
        .call(&admin, Method::GET, "/api/v1/oncall?for=checkout-api", None)
        .await;
    let paged = on_call["on_call"][0]["user"]
        .as_str()
        .unwrap_or_else(|| panic!("someone is on call for checkout-api: {on_call}"))
        .to_owned();

    let alertmanager = Alertmanager::start(&format!(
        "route:
  receiver: muster
  group_by: [alertname, job]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: muster
    webhook_configs:
      - url: {}
        send_resolved: true
",
        app.url(&format!("/ingest/alertmanager/{key}"))
    ))
    .await
    .expect("Alertmanager runs (checked before)");
    let target = dead_port();
    let Some(prometheus) = Prometheus::start(
        &format!(
            "global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['{}']
scrape_configs:
  - job_name: checkout-api
    static_configs:
      - targets: ['127.0.0.1:{target}']
",
            alertmanager.address
        ),
        "groups:
  - name: availability
    rules:
      - alert: TargetDown
        expr: up{job=\"checkout-api\"} == 0
        labels: {severity: critical}
        annotations:
          summary: 'checkout-api is down: {{ $labels.instance }} does not answer'
",
    )
    .await
    else {
        return;
    };

    let incident = until("an incident opened from the alert", DEADLINE, || async {
        let (_, list) = app
            .call(&admin, Method::GET, "/api/v1/incidents", None)
            .await;
        list["incidents"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(incident["severity"], "SEV1", "{incident}");
    assert!(
        incident["title"]
            .as_str()
            .unwrap()
            .contains("checkout-api is down"),
        "{incident}"
    );
    assert_eq!(incident["affected"]["services"], json!(["checkout-api"]));
    let detected: jiff::Timestamp = incident["milestones"]["detected_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let declared: jiff::Timestamp = incident["declared_at"].as_str().unwrap().parse().unwrap();
    assert!(
        detected <= declared,
        "detected when the alert started: {incident}"
    );

    let mail = until("the on-call's email", DEADLINE, || async {
        smtp.mails_to(&paged).pop()
    })
    .await;
    assert!(
        mail.subject
            .starts_with(&format!("{} SEV1", incident["reference"].as_str().unwrap())),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains("Acknowledge: http"), "{}", mail.text);

    // Why did this page? The stored alert says which rule.
    let (_, alerts) = app.call(&admin, Method::GET, "/api/v1/alerts", None).await;
    let alert_id = alerts["alerts"][0]["id"].as_str().unwrap().to_owned();
    let (status, routing) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/alerts/{alert_id}/routing"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{routing}");
    assert_eq!(
        routing["matched"],
        json!(["checkout-api-down"]),
        "{routing}"
    );
    assert_eq!(routing["effect"], "open_incident");

    // The target comes back: Prometheus resolves the alert, Alertmanager
    // says so, and muster marks the incident mitigated for a person to
    // confirm.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", target))
        .await
        .expect("the scrape target's port is free again");
    let exporter = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async { "checkout_up 1\n" }),
    );
    let served = tokio::spawn(async move { axum::serve(listener, exporter).await });
    let mitigated = until("the incident marked mitigated", DEADLINE, || async {
        let (_, found) = app
            .call(
                &admin,
                Method::GET,
                &format!(
                    "/api/v1/incidents/{}",
                    incident["reference"].as_str().unwrap()
                ),
                None,
            )
            .await;
        (found["status"] == "mitigated").then_some(found)
    })
    .await;
    assert!(
        mitigated["milestones"]["resolved_at"].is_null(),
        "{mitigated}"
    );
    served.abort();
    drop(prometheus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_scrape_opens_an_incident_and_pages_the_on_call_by_email() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    if Alertmanager::start("route: {receiver: x}\nreceivers: [{name: x}]\n")
        .await
        .is_none()
    {
        return;
    }
    let options = || TestOptions {
        sinks: SinkConfig {
            email: Some(EmailConfig {
                url: smtp.url(),
                from: "muster@fernbrook.example".into(),
            }),
            ..SinkConfig::default()
        },
        background_engine: true,
        ..TestOptions::default()
    };
    journey(TestApp::sqlite_with(options()).await, &smtp).await;
    let smtp_pg = SmtpServer::start().await.expect("it started before");
    let options = || TestOptions {
        sinks: SinkConfig {
            email: Some(EmailConfig {
                url: smtp_pg.url(),
                from: "muster@fernbrook.example".into(),
            }),
            ..SinkConfig::default()
        },
        background_engine: true,
        ..TestOptions::default()
    };
    if let Some(app) = TestApp::postgres_with(options()).await {
        journey(app, &smtp_pg).await;
    }
}
