//! On-call over HTTP, on SQLite and (when configured) PostgreSQL: schedules
//! with layers, restrictions and their gaps; who is on call for a schedule
//! or a team; overrides and their mistakes; the iCalendar exports, checked
//! by Python's own `icalendar` parser; and plans with broken schedules or
//! policies refused whole.

use muster_core::UserRole;
use muster_test_support::TestApp;
use muster_test_support::peers::python_with;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PLAN: &str = r##"kind: Team
name: platform
title: Platform
escalation_policy: platform-oncall
---
# Amsterdam by day, New York by night; weekends by day only: a gap.
kind: Schedule
name: platform-primary
owner: platform
review_every: 90d
last_reviewed: 2026-11-01
time_zone: Europe/Amsterdam
rotations:
  - name: day
    participants: [jun@example.com, kai@example.com]
    shift: 1w
    handoff: "08:00"
    start: 2026-11-02
    restrictions:
      - {from: "08:00", to: "20:00"}
  - name: night
    participants: [lena@example.com]
    shift: 1w
    handoff: "20:00"
    start: 2026-11-02
    restrictions:
      - {days: [mon, tue, wed, thu, fri], from: "20:00", to: "08:00"}
---
kind: EscalationPolicy
name: platform-oncall
owner: platform
review_every: 90d
last_reviewed: 2026-11-01
repeat: 1
steps:
  - targets: [{schedule: platform-primary}]
    delay: 10m
  - targets: [{user: jun@example.com}]
    delay_minutes: 10
"##;

async fn setup(app: &TestApp) -> String {
    let admin = app.token("admin@example.com", UserRole::Admin).await;
    for email in ["jun@example.com", "kai@example.com", "lena@example.com"] {
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/users",
                Some(json!({"email": email, "role": "responder"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    app.apply_plan(&admin, PLAN).await;
    admin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_show_layers_shifts_gaps_and_who_is_on_call() {
    for app in TestApp::each().await {
        let admin = setup(&app).await;
        let (status, body) = app
            .call(&admin, Method::GET, "/api/v1/schedules", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let schedule = &body["schedules"][0];
        assert_eq!(schedule["name"], "platform-primary");
        assert_eq!(schedule["time_zone"], "Europe/Amsterdam");
        assert_eq!(schedule["layers"][1]["restrictions"][0]["days"][0], "mon");

        // Friday 2026-12-04 from noon to Monday noon (Amsterdam is UTC+1).
        let (status, view) = app
            .call(
                &admin,
                Method::GET,
                "/api/v1/schedules/platform-primary?from=2026-12-04T11:00:00Z&to=2026-12-07T11:00:00Z",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let shifts: Vec<(String, String, String)> = view["shifts"]
            .as_array()
            .expect("shifts")
            .iter()
            .map(|s| {
                (
                    s["user"].as_str().unwrap_or("nobody").to_owned(),
                    s["start"].as_str().unwrap_or_default().to_owned(),
                    s["end"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        // Weeks from Mon 2026-11-02: the fifth (Nov 30) is jun's again.
        assert_eq!(
            shifts[..4],
            [
                (
                    "jun@example.com".into(),
                    "2026-12-04T11:00:00Z".into(),
                    "2026-12-04T19:00:00Z".into()
                ),
                (
                    "lena@example.com".into(),
                    "2026-12-04T19:00:00Z".into(),
                    "2026-12-05T07:00:00Z".into()
                ),
                (
                    "jun@example.com".into(),
                    "2026-12-05T07:00:00Z".into(),
                    "2026-12-05T19:00:00Z".into()
                ),
                (
                    "nobody".into(),
                    "2026-12-05T19:00:00Z".into(),
                    "2026-12-06T07:00:00Z".into()
                ),
            ],
            "{view}"
        );
        let gaps = view["gaps"].as_array().expect("gaps");
        assert_eq!(gaps.len(), 2, "Saturday and Sunday nights: {view}");
        assert_eq!(view["layers"].as_array().map(Vec::len), Some(2));

        // Who is on call: the schedule, then the team through its policy.
        let (_, now) = app
            .call(
                &admin,
                Method::GET,
                "/api/v1/oncall?for=platform-primary&at=2026-12-04T20:00:00Z",
                None,
            )
            .await;
        assert_eq!(now["on_call"][0]["user"], "lena@example.com", "{now}");
        assert_eq!(now["on_call"][0]["until"], "2026-12-05T07:00:00Z");
        let (_, team) = app
            .call(
                &admin,
                Method::GET,
                "/api/v1/oncall?for=platform&at=2026-12-05T22:00:00Z",
                None,
            )
            .await;
        let levels: Vec<(u64, Value)> = team["on_call"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| (e["level"].as_u64().unwrap_or(0), e["user"].clone()))
            .collect();
        assert_eq!(
            levels,
            [(1, Value::Null), (2, json!("jun@example.com"))],
            "a gap at level 1; the fallback still answers: {team}"
        );
        let (status, body) = app
            .call(&admin, Method::GET, "/api/v1/oncall?for=nothing-here", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = app
            .call(&admin, Method::GET, "/api/v1/oncall?at=yesterday", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"]["fields"]["at"].is_string(), "{body}");

        let (_, policies) = app
            .call(&admin, Method::GET, "/api/v1/escalation-policies", None)
            .await;
        let policy = &policies["policies"][0];
        assert_eq!(policy["repeat"], 1);
        assert_eq!(policy["steps"][0]["delay_seconds"], 600);
        assert_eq!(policy["steps"][1]["targets"][0]["kind"], "user");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overrides_cover_shifts_and_mistakes_save_nothing() {
    for app in TestApp::each().await {
        let admin = setup(&app).await;
        let responder = app.token("kai@example.com", UserRole::Responder).await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        let path = "/api/v1/schedules/platform-primary/overrides";
        let now = app.app.now();
        let start = now
            .checked_add(jiff::SignedDuration::from_hours(24))
            .expect("tomorrow");
        let end = start
            .checked_add(jiff::SignedDuration::from_hours(6))
            .expect("later");
        let body =
            json!({"user": "kai@example.com", "start": start, "end": end, "note": "swap with jun"});
        let (status, _) = app
            .call(&viewer, Method::POST, path, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, created) = app.call(&responder, Method::POST, path, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (_, listed) = app.call(&admin, Method::GET, path, None).await;
        assert_eq!(listed["overrides"][0]["id"], created["id"]);
        let at = start
            .checked_add(jiff::SignedDuration::from_hours(1))
            .expect("during");
        let (_, who) = app
            .call(
                &admin,
                Method::GET,
                &format!("/api/v1/oncall?for=platform-primary&at={at}"),
                None,
            )
            .await;
        assert_eq!(who["on_call"][0]["user"], "kai@example.com", "{who}");

        for (bad, field) in [
            (
                json!({"user": "kai@example.com", "start": end, "end": start}),
                "end",
            ),
            (
                json!({"user": "ghost@example.com", "start": start, "end": end}),
                "user",
            ),
            (
                json!({"user": "not an email", "start": start, "end": end}),
                "user",
            ),
            (
                json!({"user": "kai@example.com", "start": start, "end": end, "replaces": "kai@example.com"}),
                "replaces",
            ),
            (
                json!({"user": "kai@example.com", "start": "soon", "end": end}),
                "start",
            ),
        ] {
            let (status, body) = app
                .call(&admin, Method::POST, path, Some(bad.clone()))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} → {body}");
            assert!(body["error"]["fields"][field].is_string(), "{bad} → {body}");
        }
        let (status, _) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/schedules/nope/overrides",
                Some(json!({"user": "kai@example.com", "start": start, "end": end})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, listed) = app.call(&admin, Method::GET, path, None).await;
        assert_eq!(
            listed["overrides"].as_array().map(Vec::len),
            Some(1),
            "mistakes saved nothing"
        );

        let id = created["id"].as_str().expect("an id");
        let (status, _) = app
            .call(
                &responder,
                Method::DELETE,
                &format!("/api/v1/overrides/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .call(
                &responder,
                Method::DELETE,
                &format!("/api/v1/overrides/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.stop().await;
    }
}

async fn ics(app: &TestApp, token: &str, path: &str) -> String {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("the export answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/calendar"))
    );
    response.text().await.expect("text")
}

/// Parses with Python's `icalendar` and lists each VEVENT's
/// `(summary, start, end)` in UTC, or `None` when it is not installed.
async fn parse_with_python(text: &str) -> Option<Vec<(String, String, String)>> {
    let python = match python_with("icalendar").await {
        Some(python) => python,
        None => {
            muster_test_support::skip(
                "python3 with icalendar is not installed (python3 -m pip install icalendar)",
            );
            return None;
        }
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("shifts.ics");
    std::fs::write(&file, text).expect("write the export");
    let script = r#"
import json, sys
from datetime import timezone
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
out = []
for event in cal.walk("VEVENT"):
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.tzinfo is not None and start.utcoffset().total_seconds() == 0, start
    out.append([str(event.get("SUMMARY")), start.astimezone(timezone.utc).isoformat(), end.astimezone(timezone.utc).isoformat()])
print(json.dumps(out))
"#;
    let output = tokio::process::Command::new(python)
        .args(["-c", script])
        .arg(&file)
        .output()
        .await
        .expect("run python");
    assert!(
        output.status.success(),
        "icalendar refused the export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("json from python"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icalendar_exports_parse_with_one_event_per_shift_in_utc() {
    let app = TestApp::sqlite().await;
    let admin = setup(&app).await;
    let window = "from=2026-12-04T11:00:00Z&to=2026-12-07T11:00:00Z";
    let text = ics(
        &app,
        &admin,
        &format!("/api/v1/schedules/platform-primary/shifts.ics?{window}"),
    )
    .await;
    let (_, view) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/schedules/platform-primary?{window}"),
            None,
        )
        .await;
    let staffed: Vec<&Value> = view["shifts"]
        .as_array()
        .expect("shifts")
        .iter()
        .filter(|s| !s["user"].is_null())
        .collect();
    let Some(events) = parse_with_python(&text).await else {
        return;
    };
    assert_eq!(
        events.len(),
        staffed.len(),
        "one VEVENT per staffed shift:\n{text}"
    );
    assert_eq!(events[0].1, "2026-12-04T11:00:00+00:00");
    assert_eq!(events[1].0, "On call: platform-primary (lena@example.com)");

    let mine = ics(
        &app,
        &admin,
        &format!("/api/v1/users/lena@example.com/shifts.ics?{window}"),
    )
    .await;
    let Some(events) = parse_with_python(&mine).await else {
        return;
    };
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.0.contains("lena@example.com")));
    let (status, _) = app
        .call(
            &admin,
            Method::GET,
            "/api/v1/schedules/nope/shifts.ics",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_schedules_and_policies_are_refused_and_nothing_is_saved() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin@example.com", UserRole::Admin).await;
    for (broken, rule) in [
        (PLAN.replace("Europe/Amsterdam", "Europe/Atlantis"), "invalid_time_zone"),
        (
            PLAN.replace("participants: [lena@example.com]", "participants: []"),
            "invalid_field",
        ),
        (
            PLAN.replace(
                "      - {from: \"08:00\", to: \"20:00\"}",
                "      - {from: \"08:00\", to: \"20:00\"}\n      - {from: \"12:00\", to: \"14:00\"}",
            ),
            "overlapping_restrictions",
        ),
        (
            PLAN.replace("  - targets: [{user: jun@example.com}]", "  - targets: []"),
            "invalid_field",
        ),
    ] {
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                "/api/v1/plan/apply",
                Some(json!({"files": [{"path": "plan.yaml", "text": broken}]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}: {body}");
        assert!(body.to_string().contains(rule), "{rule}: {body}");
    }
    let (_, schedules) = app
        .call(&admin, Method::GET, "/api/v1/schedules", None)
        .await;
    assert_eq!(schedules["schedules"].as_array().map(Vec::len), Some(0));
    // A contact method that fails validation: nothing saved either.
    let (status, body) = app
        .call(
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(json!({"email": "zed@example.com", "contact_methods": [{"kind": "sms", "address": "555"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["fields"]["contact_methods[0].address"].is_string(),
        "{body}"
    );
    let (status, _) = app
        .call(&admin, Method::GET, "/api/v1/users/zed@example.com", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
