//! The console's integrations page over HTTP, without a browser: every
//! integration with its URL and who made it (by hand, or the plan); the
//! form that adds one, refused with each reason beside its field; the key
//! shown once, working at once; and "new key", which retires the old one.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use muster_app::alerts::{IngestError, Ingested};
use muster_ingest::alertmanager::Flavour;
use support::TestApp;
use support::alerts::{ROUTES, alerting};
use support::client::{Answer, Console, form};
use support::oncall::{self, PASSWORD, PLAN, VIC};

/// A plan-made integration beside the one `alerting` makes by hand.
const PLANNED: &str = r##"
---
kind: Integration
name: planned-heartbeat
source: heartbeat
service: auth
interval: 5m
"##;

/// `needle`'s position in `body`, failing with the page.
fn at(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("missing {needle}:\n{body}"))
}

/// The 32-hex-digit key the key page shows.
fn shown_key(body: &str) -> String {
    let start = at(body, r#"id="issued-key-value">"#) + r#"id="issued-key-value">"#.len();
    let key: String = body[start..].chars().take(32).collect();
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{body}");
    key
}

/// Posts "new key" for `name`, as its button does.
async fn rotate(console: &mut Console, name: &str, csrf: &str) -> Answer {
    console
        .post(
            &format!("/integrations/{name}/rotate-key"),
            &form(&[("csrf_token", csrf)]),
        )
        .await
}

async fn ingest(test: &TestApp, key: &str, webhook: &[u8]) -> Result<Ingested, IngestError> {
    test.app
        .ingest_webhook(Flavour::Alertmanager, key, webhook)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integrations_are_listed_made_and_rekeyed_from_the_console() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let hand_key = alerting(&test, &admin).await;
    oncall::apply(&test, &admin, &format!("{PLAN}{ROUTES}{PLANNED}")).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;

    let alerts = console.get("/alerts").await;
    at(
        &alerts.body,
        r#"href="/integrations" id="alerts-integrations""#,
    );
    let list = console.get("/integrations").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let body = &list.body;
    let hand = at(body, r#"id="integration-prometheus""#);
    let planned = at(body, r#"id="integration-planned-heartbeat""#);
    assert!(planned < hand, "sorted by name:\n{body}");
    at(
        body,
        "http://127.0.0.1:8070/ingest/alertmanager/&#60;key&#62;",
    );
    at(body, "http://127.0.0.1:8070/ingest/heartbeat/&#60;key&#62;");
    at(body, r#"integration-origin-plan"#);
    at(body, r#"integration-origin-hand"#);
    at(body, "a beat every 5m, 30s grace");
    at(body, "Last beat: <span class=\"tabular\">never</span>");
    at(body, r#"id="integration-form""#);
    at(body, r#"<option value="service:auth">auth</option>"#);

    // Bad input: the page again, each reason beside its field, nothing made.
    let refused = console
        .post(
            "/integrations",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "cron"),
                ("kind", "heartbeat"),
                ("bound", ""),
                ("interval", "soon"),
                ("mapping", "{not json"),
            ]),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let body = &refused.body;
    at(body, "The integration was not created");
    let bound_field = at(body, r#"id="integration-bound""#);
    let bound_error = at(body, "choose the service or team whose alerts these are");
    let interval_field = at(body, r#"id="integration-interval""#);
    let interval_error = at(body, "expected a duration like 5m");
    assert!(bound_field < bound_error && bound_error < interval_field);
    assert!(interval_field < interval_error);
    at(body, "not a mapping");
    at(body, r#"value="cron""#);
    // Read by the app: a kind that takes no interval, a name in use.
    let refused = console
        .post(
            "/integrations",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "prometheus"),
                ("kind", "alertmanager"),
                ("bound", "team:identity"),
                ("interval", "5m"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    at(
        &refused.body,
        "only a heartbeat integration takes interval_seconds",
    );
    let taken = console
        .post(
            "/integrations",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "prometheus"),
                ("kind", "alertmanager"),
                ("bound", "team:identity"),
            ]),
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        taken.body
    );
    let name_field = at(&taken.body, r#"id="integration-name""#);
    let name_error = at(&taken.body, "already taken");
    assert!(name_field < name_error);
    // Without the token, nothing is made.
    let forged = console
        .post(
            "/integrations",
            &form(&[
                ("name", "cron"),
                ("kind", "heartbeat"),
                ("bound", "service:auth"),
            ]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(test.app.integrations(&admin).await.unwrap().len(), 2);

    // Made: the key once, in the URL, and it takes beats at once.
    let made = console
        .post(
            "/integrations",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "nightly backup"),
                ("kind", "heartbeat"),
                ("bound", "service:auth"),
                ("interval", "1h"),
                ("grace", "10m"),
            ]),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let key = shown_key(&made.body);
    at(
        &made.body,
        &format!("curl -fsS -X POST http://127.0.0.1:8070/ingest/heartbeat/{key}"),
    );
    test.app.record_heartbeat(&key).await.unwrap();
    let list = console.get("/integrations").await;
    let body = &list.body;
    at(body, r#"id="integration-nightly-backup""#);
    at(body, "a beat every 1h, 10m grace");
    assert!(!body.contains(&key), "the list never shows a key");

    // A new key: shown once, the old one refused from then on.
    let rotated = rotate(&mut console, "prometheus", &csrf).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    at(&rotated.body, "New key for prometheus");
    let new_key = shown_key(&rotated.body);
    assert_ne!(new_key, hand_key);
    at(&rotated.body, "webhook_configs:");
    let webhook = support::alerts::webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]);
    let old = ingest(&test, &hand_key, &webhook).await;
    assert!(matches!(old, Err(IngestError::UnknownKey)), "{old:?}");
    ingest(&test, &new_key, &webhook).await.unwrap();
    let unknown = rotate(&mut console, "nobody", &csrf).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Retired by the plan: listed as such, no new key offered or given.
    oncall::apply(&test, &admin, &format!("{PLAN}{ROUTES}")).await;
    let list = console.get("/integrations").await;
    let retired = at(&list.body, r#"id="integration-planned-heartbeat""#);
    assert!(list.body[retired..].contains("Retired "), "{}", list.body);
    assert!(
        !list
            .body
            .contains(r#"id="integration-rotate-planned-heartbeat""#)
    );
    let refused = rotate(&mut console, "planned-heartbeat", &csrf).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    at(&refused.body, "is retired");

    // A viewer reads the list, without the form or the buttons, and may not post.
    let mut viewer = Console::new(&test);
    let viewer_csrf = viewer.sign_in_as(VIC, PASSWORD).await;
    let seen = viewer.get("/integrations").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains(r#"id="integration-prometheus""#));
    assert!(!seen.body.contains(r#"id="integration-form""#));
    assert!(!seen.body.contains("rotate-key"));
    let denied = rotate(&mut viewer, "prometheus", &viewer_csrf).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
