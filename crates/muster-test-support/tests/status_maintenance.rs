//! Scheduled maintenance and runbook drafts on the status page, on SQLite
//! and (when configured) PostgreSQL, with a fake clock driving the engine:
//! a window is announced, reminded before it starts, moves to in progress
//! and to completed by itself, each told to subscribers once, and the page
//! shows it as upcoming, then active; a runbook's draft waits for a person
//! and publishing answers it.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use muster_app::{FakeClock, Settings};
use muster_core::UserRole;
use muster_status::statuspage::{MaintenancesResponse, Summary};
use muster_test_support::peers::{WebhookReceiver, until};
use muster_test_support::{TestApp, TestOptions};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn options(clock: &Arc<FakeClock>) -> TestOptions {
    let mut settings = Settings::default();
    settings.status_page.maintenance_reminder = SignedDuration::from_hours(1);
    TestOptions {
        clock: clock.clone(),
        settings,
        ..TestOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_window_is_announced_reminded_started_and_completed_once_each() {
    let start: Timestamp = "2027-03-10T08:00:00Z".parse().expect("an instant");
    let clock = Arc::new(FakeClock::new(start));
    let app = TestApp::sqlite_with(options(&clock)).await;
    journey(&app, &clock, start).await;
    app.stop().await;
    let clock = Arc::new(FakeClock::new(start));
    if let Some(app) = TestApp::postgres_with(options(&clock)).await {
        journey(&app, &clock, start).await;
        app.stop().await;
    }
}

async fn json_at<T: serde::de::DeserializeOwned>(app: &TestApp, path: &str) -> Option<T> {
    let body = reqwest::get(app.status_url(path))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    serde_json::from_str(&body).ok()
}

/// The page as served, once the listener's snapshot satisfies `check`.
async fn page_where<T, F>(app: &TestApp, path: &str, what: &str, check: F) -> T
where
    T: serde::de::DeserializeOwned,
    F: Fn(&T) -> bool,
{
    until(what, Duration::from_secs(10), || async {
        json_at::<T>(app, path).await.filter(|page| check(page))
    })
    .await
}

fn move_to(clock: &FakeClock, at: Timestamp) {
    let now = muster_app::Clock::now(clock);
    clock.advance(now.duration_until(at));
}

fn subjects(hooks: &WebhookReceiver) -> Vec<String> {
    hooks
        .hooks()
        .iter()
        .filter_map(|h| h.body["subject"].as_str().map(str::to_owned))
        .collect()
}

fn payments(summary: &Summary) -> String {
    summary
        .components
        .iter()
        .find(|c| c.id == "payments")
        .map(|c| c.status.clone())
        .unwrap_or_default()
}

async fn journey(app: &TestApp, clock: &FakeClock, start: Timestamp) {
    let admin = app.token("root@fernbrook.example", UserRole::Admin).await;
    app.apply_example_plan(&admin).await;
    let hooks = WebhookReceiver::start().await;
    let response = reqwest::Client::new()
        .post(app.status_url("/subscribe"))
        .json(&json!({"kind": "webhook", "address": hooks.url("status")}))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    // Bad windows are refused field by field and announce nothing.
    let at = |minutes: i64| (start + SignedDuration::from_mins(minutes)).to_string();
    for (body, field) in [
        (
            json!({"name": "x", "body": "y", "components": ["payments"], "starts_at": at(60), "ends_at": at(30)}),
            "ends_at",
        ),
        (
            json!({"name": "x", "body": "y", "components": ["nope"], "starts_at": at(60), "ends_at": at(90)}),
            "components[0]",
        ),
        (
            json!({"name": "", "body": "y", "components": ["payments"], "starts_at": at(60), "ends_at": at(90)}),
            "name",
        ),
    ] {
        let (status, answer) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/status-page/maintenances",
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }

    let (status, window) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/status-page/maintenances",
            Some(json!({
                "name": "Payment provider upgrade",
                "body": "Card payments pause for up to an hour.",
                "components": ["payments"],
                "starts_at": at(120),
                "ends_at": at(180),
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{window}");
    assert_eq!(window["status"], "scheduled");
    app.settle().await;
    assert_eq!(subjects(&hooks).len(), 1);
    assert!(subjects(&hooks)[0].contains("Scheduled maintenance: Payment provider upgrade"));
    let upcoming: MaintenancesResponse = page_where(
        app,
        "/api/v2/scheduled-maintenances/upcoming.json",
        "the window as upcoming",
        |m: &MaintenancesResponse| m.scheduled_maintenances.len() == 1,
    )
    .await;
    assert_eq!(upcoming.scheduled_maintenances[0].status, "scheduled");
    assert_eq!(
        upcoming.scheduled_maintenances[0].scheduled_for,
        Some(start + SignedDuration::from_mins(120))
    );

    // An hour before: the reminder, once.
    move_to(clock, start + SignedDuration::from_mins(61));
    app.settle().await;
    app.settle().await;
    assert_eq!(subjects(&hooks).len(), 2, "{:?}", subjects(&hooks));
    assert!(subjects(&hooks)[1].contains("Maintenance reminder"));

    // Its start: in progress, the component under maintenance.
    move_to(clock, start + SignedDuration::from_mins(120));
    app.settle().await;
    assert_eq!(subjects(&hooks).len(), 3, "{:?}", subjects(&hooks));
    assert!(subjects(&hooks)[2].contains("in progress"));
    let during: Summary = page_where(
        app,
        "/api/v2/summary.json",
        "payments under maintenance",
        |s: &Summary| payments(s) == "under_maintenance",
    )
    .await;
    assert_eq!(during.status.description, "Service Under Maintenance");
    assert_eq!(during.scheduled_maintenances[0].status, "in_progress");
    let active: MaintenancesResponse = json_at(app, "/api/v2/scheduled-maintenances/active.json")
        .await
        .expect("active.json");
    assert_eq!(active.scheduled_maintenances.len(), 1);

    // Its end: completed, told once, the component back.
    move_to(clock, start + SignedDuration::from_mins(181));
    app.settle().await;
    app.settle().await;
    assert_eq!(subjects(&hooks).len(), 4, "{:?}", subjects(&hooks));
    assert!(subjects(&hooks)[3].contains("completed"));
    let after: Summary = page_where(
        app,
        "/api/v2/summary.json",
        "payments back",
        |s: &Summary| payments(s) == "operational" && s.scheduled_maintenances.is_empty(),
    )
    .await;
    assert_eq!(after.status.indicator, "none");
    let all: MaintenancesResponse = json_at(app, "/api/v2/scheduled-maintenances.json")
        .await
        .expect("the list");
    assert_eq!(all.scheduled_maintenances[0].status, "completed");
    assert_eq!(all.scheduled_maintenances[0].incident_updates.len(), 4);
    let id = window["id"].as_str().expect("an id");
    let (status, answer) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/status-page/maintenances/{id}/complete"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "completed already: {answer}");

    // By hand: a second window started early, verified, then completed.
    let (_, second) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/status-page/maintenances",
            Some(json!({
                "name": "Search index rebuild",
                "body": "Search may be slow.",
                "components": ["shop"],
                "starts_at": at(600),
                "ends_at": at(660),
            })),
        )
        .await;
    let second_id = second["id"].as_str().expect("an id").to_owned();
    let (status, answer) = move_window(app, &admin, &second_id, "scheduled", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["fields"]["status"].is_string(), "{answer}");
    let (status, answer) = move_window(app, &admin, &second_id, "sideways", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let (status, started) = move_window(app, &admin, &second_id, "in_progress", None).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["status"], "in_progress");
    let (status, checking) = move_window(
        app,
        &admin,
        &second_id,
        "verifying",
        Some("Checking search results."),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{checking}");
    assert_eq!(checking["status"], "verifying");
    let (status, done) = move_window(app, &admin, &second_id, "completed", None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "completed");
    let (status, _) = move_window(app, &admin, &second_id, "in_progress", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    app.settle().await;
    let told: Vec<String> = subjects(&hooks).into_iter().skip(4).collect();
    assert_eq!(
        told.len(),
        4,
        "announced, started, verifying, completed: {told:?}"
    );
    // Sent concurrently, so in any order; each once.
    for words in [
        "Scheduled maintenance",
        "in progress",
        "being verified",
        "completed",
    ] {
        assert_eq!(
            told.iter().filter(|t| t.contains(words)).count(),
            1,
            "{words}: {told:?}"
        );
    }

    // A SEV1's kickoff runbook drafts a public note; it waits for a person.
    let (status, incident) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Shop pages fail to load", "severity": "SEV1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    let reference = incident["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    app.settle().await;
    let (_, page) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/incidents/{reference}/status-page"),
            None,
        )
        .await;
    let drafts = page["drafts"].as_array().expect("drafts");
    assert_eq!(drafts.len(), 1, "{page}");
    assert_eq!(drafts[0]["component"], "shop");
    let text = drafts[0]["text"].as_str().expect("its words").to_owned();
    assert!(text.contains("Shop pages fail to load"), "{text}");
    assert!(page["public"].is_null());
    // Approving it is publishing its words.
    let (status, published) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{reference}/status-page"),
            Some(json!({"status": "investigating", "body": text, "components": [{"component": "shop", "status": "partial_outage"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let (_, page) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/incidents/{reference}/status-page"),
            None,
        )
        .await;
    assert!(
        page["drafts"].as_array().is_some_and(Vec::is_empty),
        "{page}"
    );
    assert_eq!(page["public"]["status"], "investigating");
    let (_, timeline) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/incidents/{reference}/timeline"),
            None,
        )
        .await;
    let kinds: Vec<&str> = timeline["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"status_update_published"), "{kinds:?}");

    // Components by hand: set, verified, and given back.
    let (status, shop) = app
        .call(
            &admin,
            Method::PUT,
            "/api/v1/status-page/components/accounts/status",
            Some(json!({"status": "degraded_performance"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert_eq!(shop["status"], "degraded_performance");
    assert!(shop["verified_at"].is_string());
    let (status, answer) = app
        .call(
            &admin,
            Method::PUT,
            "/api/v1/status-page/components/accounts/status",
            Some(json!({"status": "meh"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["error"]["fields"]["status"].is_string(), "{answer}");
    let (status, _) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/status-page/components/nope/verify",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, cleared) = app
        .call(
            &admin,
            Method::DELETE,
            "/api/v1/status-page/components/accounts/status",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cleared["status"], "operational");
    let viewer = app
        .token("viewer@fernbrook.example", UserRole::Viewer)
        .await;
    let (status, _) = app
        .call(
            &viewer,
            Method::POST,
            "/api/v1/status-page/components/accounts/verify",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _): (StatusCode, Value) = app
        .call(
            &viewer,
            Method::GET,
            "/api/v1/status-page/subscribers",
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "subscribers' addresses are for admins"
    );
}

/// Moves a window on by hand over the API.
async fn move_window(
    app: &TestApp,
    admin: &str,
    id: &str,
    status: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    app.call(
        admin,
        Method::POST,
        &format!("/api/v1/status-page/maintenances/{id}/status"),
        Some(json!({"status": status, "body": body})),
    )
    .await
}

/// Publishes an update of `reference` and returns how many subscribers
/// were told.
async fn publish(app: &TestApp, admin: &str, reference: &str, status: &str) -> u64 {
    let (code, published) = app
        .call(
            admin,
            Method::POST,
            &format!("/api/v1/incidents/{reference}/status-page"),
            Some(json!({"status": status, "body": format!("We are {status}.")})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{published}");
    published["notified"].as_u64().expect("a count")
}

/// Sends until the outbox gives up on what is due, moving the clock past
/// each retry's backoff (16 attempts over about an hour).
async fn until_given_up(app: &TestApp, clock: &FakeClock) {
    for _ in 0..30 {
        app.settle().await;
        clock.advance(SignedDuration::from_mins(6));
    }
    app.settle().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_webhook_failing_for_days_is_disabled_with_the_reason_shown() {
    let start: Timestamp = "2027-03-10T08:00:00Z".parse().expect("an instant");
    let clock = Arc::new(FakeClock::new(start));
    let app = TestApp::sqlite_with(options(&clock)).await;
    let admin = app.token("root@fernbrook.example", UserRole::Admin).await;
    app.apply_example_plan(&admin).await;
    let hooks = WebhookReceiver::start().await;
    let response = reqwest::Client::new()
        .post(app.status_url("/subscribe"))
        .json(&json!({"kind": "webhook", "address": hooks.url("down")}))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let (_, incident) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout errors"})),
        )
        .await;
    let reference = incident["reference"]
        .as_str()
        .expect("a reference")
        .to_owned();
    let subscriber = |subscribers: &Value| subscribers[0].clone();

    // Down: every attempt fails, the outbox gives up, the failing starts.
    hooks.set_down(true);
    assert_eq!(publish(&app, &admin, &reference, "investigating").await, 1);
    until_given_up(&app, &clock).await;
    let (_, subscribers) = app
        .call(&admin, Method::GET, "/api/v1/status-page/subscribers", None)
        .await;
    let failing = subscriber(&subscribers);
    assert!(failing["failing_since"].is_string(), "{failing}");
    assert!(
        failing["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "{failing}"
    );
    assert!(failing["disabled_at"].is_null(), "not after an hour");

    // Three days on, still down: disabled, with why.
    clock.advance(SignedDuration::from_hours(72));
    assert_eq!(publish(&app, &admin, &reference, "identified").await, 1);
    until_given_up(&app, &clock).await;
    let (_, subscribers) = app
        .call(&admin, Method::GET, "/api/v1/status-page/subscribers", None)
        .await;
    let disabled = subscriber(&subscribers);
    assert!(disabled["disabled_at"].is_string(), "{disabled}");
    let reason = disabled["disabled_reason"].as_str().expect("a reason");
    assert!(
        reason.contains("3 days") && reason.contains("503"),
        "{reason}"
    );
    // Disabled, it is told nothing more, even once its receiver is back.
    hooks.set_down(false);
    assert_eq!(publish(&app, &admin, &reference, "monitoring").await, 0);
    app.stop().await;
}
