//! The paging journey, end to end over HTTP with real peers, on SQLite and
//! (when configured) PostgreSQL: an incident declared on Login on the
//! Sunday Berlin leaves summer time pages Identity's on-call — the person
//! the wall-clock handoff says, not the one 24-hour shifts in UTC would —
//! by email through a real SMTP server and by signed webhook; unanswered,
//! it escalates after five minutes; acknowledged from the link in the
//! email, it stops; and the whole history shows on the page and the
//! incident.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use muster_app::{FakeClock, Settings};
use muster_core::UserRole;
use muster_core::paging::{Destination, SinkKind};
use muster_sinks::{EmailConfig, SinkConfig, WebhookConfig};
use muster_test_support::peers::{SmtpServer, WebhookReceiver, until};
use muster_test_support::{TestApp, TestOptions};
use reqwest::{Method, StatusCode};
use serde_json::json;

const SECRET: &str = "whsec-journey";

fn plan() -> String {
    r##"kind: Team
name: identity
title: Identity
contact_channel: "#team-identity"
escalation_policy: identity-oncall
members:
  - {email: ana@fernbrook.example, role: lead}
  - {email: bram@fernbrook.example, role: member}
---
kind: Service
name: auth-api
title: Auth API
owner: identity
tier: 1
---
kind: Functionality
name: login
title: Login
owner: identity
aliases: ["can't log in"]
services: [auth-api]
---
# Daily shifts handing off at 09:00 Berlin time, whatever the offset.
kind: Schedule
name: identity-primary
owner: identity
review_every: 90d
last_reviewed: 2026-10-01
time_zone: Europe/Berlin
rotations:
  - {participants: [ana@fernbrook.example, bram@fernbrook.example], shift: 1d, handoff: "09:00", start: 2026-10-19}
---
kind: EscalationPolicy
name: identity-oncall
owner: identity
review_every: 90d
last_reviewed: 2026-10-01
steps:
  - targets: [{schedule: identity-primary}]
    delay_minutes: 5
  - targets: [{user: ana@fernbrook.example}]
    delay_minutes: 5
"##
    .to_owned()
}

fn at(raw: &str) -> Timestamp {
    raw.parse().expect("an instant")
}

fn ack_link(text: &str) -> String {
    text.lines()
        .find_map(|line| line.trim().strip_prefix("Acknowledge: "))
        .expect("the email carries an acknowledge link")
        .trim()
        .to_owned()
}

async fn journey(app: TestApp, clock: Arc<FakeClock>, smtp: &SmtpServer, hooks: &WebhookReceiver) {
    let admin = app.token("admin@fernbrook.example", UserRole::Admin).await;
    for (email, name) in [
        ("ana@fernbrook.example", "Ana"),
        ("bram@fernbrook.example", "Bram"),
    ] {
        let handle = email.split('@').next().unwrap_or_default();
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/users",
                Some(json!({
                    "email": email,
                    "name": name,
                    "role": "responder",
                    "time_zone": "Europe/Berlin",
                    "contact_methods": [{"kind": "chat", "address": format!("webhook:{}", hooks.url(handle))}],
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    app.apply_plan(&admin, &plan()).await;

    // The schedule hands off at 09:00 local on both sides of the change:
    // 07:00 UTC on Saturday (CEST), 08:00 UTC on Sunday (CET).
    let (status, body) = app
        .call(
            &admin,
            Method::GET,
            "/api/v1/schedules/identity-primary?from=2026-10-24T00:00:00Z&to=2026-10-26T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let starts: Vec<&str> = body["shifts"]
        .as_array()
        .expect("shifts")
        .iter()
        .filter_map(|s| s["start"].as_str())
        .collect();
    assert_eq!(
        starts[1..],
        ["2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"],
        "{body}"
    );
    // 07:30 UTC on Sunday is 08:30 in Berlin: still Saturday's shift (Bram);
    // 24-hour shifts counted in UTC would already have handed to Ana.
    let (_, body) = app
        .call(
            &admin,
            Method::GET,
            "/api/v1/oncall?for=identity&at=2026-10-25T07:30:00Z",
            None,
        )
        .await;
    assert_eq!(
        body["on_call"][0]["user"], "bram@fernbrook.example",
        "{body}"
    );

    // Customers can't log in: declaring on Login pages Identity.
    let (status, incident) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Customers cannot log in", "severity": "SEV1", "functionalities": ["can't log in"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    app.settle().await;

    let bram = until(
        "Bram's email",
        std::time::Duration::from_secs(10),
        || async { smtp.mails_to("bram@fernbrook.example").pop() },
    )
    .await;
    assert_eq!(bram.subject, "INC-1 SEV1 Customers cannot log in (P-1)");
    assert!(bram.text.contains("Acknowledge: http"), "{}", bram.text);
    assert!(
        smtp.mails_to("ana@fernbrook.example").is_empty(),
        "Ana is not on call yet"
    );
    let to_bram = hooks.hooks_at("/bram");
    assert_eq!(to_bram.len(), 1);
    let hook = &to_bram[0];
    assert_eq!(hook.body["event"], "page.triggered");
    assert_eq!(hook.body["incident"]["number"], "INC-1");
    let timestamp = hook.headers["x-muster-timestamp"].to_str().expect("ascii");
    let signature = hook.headers["x-muster-signature"].to_str().expect("ascii");
    assert!(
        muster_sinks::webhook::verify_signature(SECRET, timestamp, &hook.raw, signature),
        "the webhook is signed with the configured secret"
    );
    assert_eq!(
        hooks.hooks_at("/team").len(),
        1,
        "the team channel hears of it once"
    );

    // Four minutes: nothing more. Five: step 2 pages Ana.
    clock.advance(SignedDuration::from_mins(4));
    app.settle().await;
    assert!(smtp.mails_to("ana@fernbrook.example").is_empty());
    clock.advance(SignedDuration::from_mins(1));
    app.settle().await;
    let ana = until(
        "Ana's email",
        std::time::Duration::from_secs(10),
        || async { smtp.mails_to("ana@fernbrook.example").pop() },
    )
    .await;
    assert_eq!(hooks.hooks_at("/ana")[0].body["event"], "page.escalated");

    // Ana acknowledges from her email, without signing in. Opening the
    // link only shows it (mail scanners follow links); the button acts.
    let link = ack_link(&ana.text);
    let client = reqwest::Client::new();
    let shown = client.get(&link).send().await.expect("GET the link");
    assert_eq!(shown.status(), StatusCode::OK);
    let (_, page) = app
        .call(&admin, Method::GET, "/api/v1/pages/P-1", None)
        .await;
    assert_eq!(page["page"]["status"], "triggered", "a GET must not act");
    let acted = client.post(&link).send().await.expect("POST the link");
    assert_eq!(acted.status(), StatusCode::OK);
    let again = client.post(&link).send().await.expect("POST it again");
    assert!(again.status().is_client_error(), "a link works once");

    // Nothing more is sent, however long we wait.
    let mails = smtp.mails().len();
    let received = hooks.hooks().len();
    clock.advance(SignedDuration::from_mins(30));
    app.settle().await;
    assert_eq!(smtp.mails().len(), mails);
    assert_eq!(hooks.hooks().len(), received);

    // The page's history: who was notified, how, when, and who acknowledged.
    let (status, detail) = app
        .call(&admin, Method::GET, "/api/v1/pages/P-1", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["page"]["status"], "acknowledged");
    let history: Vec<(String, String)> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_owned(),
                format!(
                    "{} {}",
                    e["recipient"].as_str().unwrap_or_default(),
                    e["sink"].as_str().unwrap_or_default()
                ),
            )
        })
        .collect();
    for expected in [
        ("triggered", " "),
        ("delivered", "bram@fernbrook.example email"),
        ("delivered", "bram@fernbrook.example webhook"),
        ("delivered", "#team-identity webhook"),
        ("delivered", "ana@fernbrook.example email"),
        ("delivered", "ana@fernbrook.example webhook"),
        ("acknowledged", " "),
    ] {
        assert!(
            history
                .iter()
                .any(|(k, w)| k == expected.0 && w.trim() == expected.1.trim()),
            "{expected:?} missing from {history:?}"
        );
    }
    assert_eq!(history.iter().filter(|(k, _)| k == "step_fired").count(), 2);
    let ana_id = {
        let (_, user) = app
            .call(
                &admin,
                Method::GET,
                "/api/v1/users/ana@fernbrook.example",
                None,
            )
            .await;
        user["id"].clone()
    };
    assert_eq!(detail["page"]["acknowledged_by"], ana_id);
    assert!(
        detail["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .all(
                |d| d["status"] == "sent" && d["attempts"].as_array().is_some_and(|a| a.len() == 1)
            ),
        "{detail}"
    );

    // And the incident's timeline says so too.
    let (_, timeline) = app
        .call(
            &admin,
            Method::GET,
            "/api/v1/incidents/INC-1/timeline",
            None,
        )
        .await;
    let kinds: Vec<&str> = timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"paged"), "{timeline}");
    assert!(kinds.contains(&"page_acknowledged"), "{timeline}");
    app.stop().await;
}

fn options(clock: Arc<FakeClock>, smtp: &SmtpServer, hooks: &WebhookReceiver) -> TestOptions {
    let mut settings = Settings::default();
    settings.channels.insert(
        "#team-identity".into(),
        Destination {
            sink: SinkKind::Webhook,
            address: hooks.url("team"),
        },
    );
    TestOptions {
        clock,
        settings,
        sinks: SinkConfig {
            email: Some(EmailConfig {
                url: smtp.url(),
                from: "muster@fernbrook.example".into(),
            }),
            webhook: WebhookConfig {
                default_secret: Some(SECRET.into()),
                ..WebhookConfig::default()
            },
            ..SinkConfig::default()
        },
        ..TestOptions::default()
    }
}

/// The journey starts at 08:30 Berlin time on Sunday 2026-10-25, the day
/// Berlin leaves summer time.
fn sunday_morning() -> Arc<FakeClock> {
    Arc::new(FakeClock::new(at("2026-10-25T07:30:00Z")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_across_a_dst_weekend_reaches_the_right_person_escalates_and_stops() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let hooks = WebhookReceiver::start().await;
    let clock = sunday_morning();
    let app = TestApp::sqlite_with(options(clock.clone(), &smtp, &hooks)).await;
    journey(app, clock, &smtp, &hooks).await;

    // PostgreSQL, with peers of its own so the counts start at zero.
    let smtp = SmtpServer::start().await.expect("it started before");
    let hooks = WebhookReceiver::start().await;
    let clock = sunday_morning();
    if let Some(app) = TestApp::postgres_with(options(clock.clone(), &smtp, &hooks)).await {
        journey(app, clock, &smtp, &hooks).await;
    }
}
