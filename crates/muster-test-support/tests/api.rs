//! The JSON API end to end: the real server over HTTP, on SQLite and (when
//! `MUSTER_TEST_POSTGRES_URL` is set) on PostgreSQL.

use muster_core::UserRole;
use muster_test_support::{TestApp, skip};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Api<'a> {
    app: &'a TestApp,
    http: reqwest::Client,
    token: String,
}

impl<'a> Api<'a> {
    async fn new(app: &'a TestApp, email: &str, role: UserRole) -> Self {
        Self {
            app,
            http: reqwest::Client::new(),
            token: app.token(email, role).await,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.app.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["fields"].is_object(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_runs_its_whole_lifecycle() {
    for app in TestApp::each().await {
        let api = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let bob = app.token("bob@example.com", UserRole::Responder).await;
        drop(bob);

        let (status, incident) = api
            .post("/api/v1/incidents", json!({"title": "Checkout is failing"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        assert_eq!(incident["reference"], "INC-1");
        assert_eq!(incident["severity"], "SEV3");
        assert_eq!(incident["status"], "active");
        assert_eq!(incident["version"], 1);

        let (status, incident) = api
            .patch(
                "/api/v1/incidents/INC-1",
                json!({"version": 1, "severity": "SEV1", "impact": "No one can pay"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{incident}");
        assert_eq!(
            (incident["severity"].as_str(), incident["version"].as_u64()),
            (Some("SEV1"), Some(2))
        );

        let (status, incident) = api
            .put(
                "/api/v1/incidents/INC-1/roles/commander",
                json!({"user": "bob@example.com"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{incident}");
        assert_eq!(incident["roles"][0]["role"], "commander");

        let (status, note) = api
            .post(
                "/api/v1/incidents/1/notes",
                json!({"text": "Rolled back 4.2"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{note}");
        assert_eq!(note["kind"], "note");

        let (status, task) = api
            .post(
                "/api/v1/incidents/INC-1/tasks",
                json!({"title": "Check payment provider", "assignee": "ada@example.com"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{task}");
        let task_path = format!(
            "/api/v1/incidents/INC-1/tasks/{}",
            task["id"].as_str().unwrap()
        );
        let (status, task) = api
            .patch(&task_path, json!({"done": true, "version": 1}))
            .await;
        assert_eq!(
            (status, task["done"].as_bool()),
            (StatusCode::OK, Some(true))
        );
        let (status, stale) = api
            .patch(&task_path, json!({"title": "Stale", "version": 1}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_error(&stale, "version_conflict");

        for action in ["acknowledge", "mitigate", "resolve"] {
            let (status, body) = api
                .post(&format!("/api/v1/incidents/INC-1/{action}"), json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{action}: {body}");
        }
        let (status, incident) = api.post("/api/v1/incidents/INC-1/close", json!({})).await;
        assert_eq!(
            (status, incident["status"].as_str()),
            (StatusCode::OK, Some("closed"))
        );
        assert!(incident["milestones"]["closed_at"].is_string());

        let (status, page) = api.get("/api/v1/incidents/INC-1/timeline").await;
        assert_eq!(status, StatusCode::OK);
        let kinds: Vec<&str> = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "declared",
            "severity_changed",
            "field_changed",
            "role_assigned",
            "note",
            "task_added",
            "task_completed",
            "milestone_reached",
        ] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        let role_entry = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "role_assigned")
            .unwrap();
        assert_eq!(role_entry["summary"], "bob is now commander");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_json_error_naming_the_field() {
    let app = TestApp::sqlite().await;
    let api = Api::new(&app, "ada@example.com", UserRole::Responder).await;

    let (status, body) = api
        .post("/api/v1/incidents", json!({"severity": "SEV1"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_input");
    assert!(body["error"]["fields"]["title"].is_string(), "{body}");

    let (status, body) = api
        .post(
            "/api/v1/incidents",
            json!({"title": "x", "severity": "SEV9"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["fields"]["severity"]
            .as_str()
            .unwrap()
            .contains("SEV1"),
        "{body}"
    );

    let (status, body) = api
        .post(
            "/api/v1/incidents",
            json!({"title": "x", "tags": ["ok", 3]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["fields"]["tags[1]"].is_string(), "{body}");

    let raw = reqwest::Client::new()
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_error(&raw.json::<Value>().await.unwrap(), "invalid_input");

    let huge = "x".repeat(2 * 1024 * 1024);
    let refused = api
        .http
        .post(app.url("/api/v1/incidents"))
        .bearer_auth(&api.token)
        .json(&json!({"title": huge}))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // The refused body was never read to its end: the connection closes
    // rather than cut off the client's next request on it.
    assert_eq!(
        refused
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close")
    );
    assert_error(&refused.json::<Value>().await.unwrap(), "payload_too_large");

    let (status, body) = api.get("/api/v1/incidents/INC-404").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, _) = api.get("/api/v1/incidents/not-a-reference").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = api.get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");

    let (status, body) = api.get("/api/v1/incidents?status=sleeping").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["fields"]["status"].is_string());
    let (status, body) = api.get("/api/v1/incidents?declared_after=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["fields"]["declared_after"].is_string());

    // Nothing was half-written by any of the failures above.
    let (_, list) = api.get("/api/v1/incidents").await;
    assert_eq!(list["incidents"].as_array().unwrap().len(), 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_roles_gate_every_route() {
    let app = TestApp::sqlite().await;
    let responder = Api::new(&app, "ada@example.com", UserRole::Responder).await;
    let viewer = Api::new(&app, "val@example.com", UserRole::Viewer).await;
    let http = reqwest::Client::new();

    let response = http.get(app.url("/api/v1/incidents")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_error(&response.json::<Value>().await.unwrap(), "unauthenticated");
    let response = http
        .get(app.url("/api/v1/incidents"))
        .bearer_auth("mst_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let (status, body) = viewer
        .post("/api/v1/incidents", json!({"title": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (status, _) = responder
        .post("/api/v1/incidents", json!({"title": "x"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = viewer.get("/api/v1/incidents/INC-1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = viewer
        .post("/api/v1/incidents/INC-1/notes", json!({"text": "hi"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = responder
        .post("/api/v1/users", json!({"email": "new@example.com"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, created) = responder
        .post("/api/v1/tokens", json!({"name": "laptop"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["token"]["id"].as_str().unwrap().to_owned();
    let (_, listed) = responder.get("/api/v1/tokens").await;
    assert!(
        listed["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none())
    );
    let response = http
        .get(app.url("/api/v1/users/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = viewer
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "others' tokens are invisible"
    );
    let (status, revoked) = responder
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(revoked["revoked_at"].is_string());
    let response = http
        .get(app.url("/api/v1/users/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_incidents_are_visible_only_to_participants_and_admins() {
    for app in TestApp::each().await {
        let owner = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let outsider = Api::new(&app, "eve@example.com", UserRole::Responder).await;
        let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
        let (status, _) = owner
            .post(
                "/api/v1/incidents",
                json!({"title": "Data exposure", "private": true}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        owner
            .post("/api/v1/incidents", json!({"title": "Public one"}))
            .await;

        let (status, _) = outsider.get("/api/v1/incidents/INC-1").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = outsider
            .post("/api/v1/incidents/INC-1/notes", json!({"text": "peek"}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, list) = outsider.get("/api/v1/incidents").await;
        let titles: Vec<&str> = list["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Public one"]);
        let (status, _) = admin.get("/api/v1/incidents/INC-1").await;
        assert_eq!(status, StatusCode::OK);

        let (status, _) = owner
            .post(
                "/api/v1/incidents/INC-1/participants",
                json!({"user": "eve@example.com"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = outsider.get("/api/v1/incidents/INC-1").await;
        assert_eq!(status, StatusCode::OK);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_updates_conflict_and_milestones_stay_in_order() {
    for app in TestApp::each().await {
        let api = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let (status, _) = api
            .post(
                "/api/v1/incidents",
                json!({"title": "x", "started_at": "2026-01-01T10:00:00Z", "detected_at": "2026-01-01T10:02:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = api
            .patch(
                "/api/v1/incidents/INC-1",
                json!({"version": 1, "title": "first"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = api
            .patch(
                "/api/v1/incidents/INC-1",
                json!({"version": 1, "title": "second"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_error(&body, "version_conflict");
        let (_, incident) = api.get("/api/v1/incidents/INC-1").await;
        assert_eq!(incident["title"], "first");
        let (status, body) = api
            .patch("/api/v1/incidents/INC-1", json!({"title": "no version"}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"]["fields"]["version"].is_string(), "{body}");

        let (status, body) = api.post("/api/v1/incidents/INC-1/close", json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_error(&body, "invalid_transition");
        let (status, body) = api
            .post(
                "/api/v1/incidents/INC-1/acknowledge",
                json!({"at": "2025-12-31T00:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["fields"]["milestones.acknowledged"].is_string(),
            "{body}"
        );

        let (status, _) = api
            .post(
                "/api/v1/incidents/INC-1/acknowledge",
                json!({"at": "2026-01-01T10:05:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, incident) = api
            .put(
                "/api/v1/incidents/INC-1/milestones/started",
                json!({"at": "2026-01-01T09:50:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{incident}");
        assert_eq!(incident["milestones"]["started_at"], "2026-01-01T09:50:00Z");
        let (status, _) = api
            .put(
                "/api/v1/incidents/INC-1/milestones/started",
                json!({"at": "2026-01-01T11:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (_, page) = api.get("/api/v1/incidents/INC-1/timeline").await;
        assert!(
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "milestone_edited")
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_filters_and_pages_with_a_cursor() {
    for app in TestApp::each().await {
        let api = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        for n in 1..=5 {
            let severity = if n % 2 == 1 { "SEV1" } else { "SEV4" };
            let body = json!({"title": format!("Incident {n}"), "severity": severity, "drill": n == 5, "tags": if n == 2 { vec!["db"] } else { vec![] }});
            assert_eq!(
                api.post("/api/v1/incidents", body).await.0,
                StatusCode::CREATED
            );
        }
        api.post("/api/v1/incidents/INC-3/resolve", json!({})).await;
        let numbers = |body: &Value| -> Vec<u64> {
            body["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_u64().unwrap())
                .collect()
        };
        let (_, page) = api.get("/api/v1/incidents?limit=2").await;
        assert_eq!(numbers(&page), [5, 4]);
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        let (_, page) = api
            .get(&format!("/api/v1/incidents?limit=2&cursor={cursor}"))
            .await;
        assert_eq!(numbers(&page), [3, 2]);
        let (_, page) = api.get("/api/v1/incidents?severity=sev1").await;
        assert_eq!(numbers(&page), [5, 3, 1]);
        let (_, page) = api.get("/api/v1/incidents?status=resolved").await;
        assert_eq!(numbers(&page), [3]);
        let (_, page) = api.get("/api/v1/incidents?drill=true").await;
        assert_eq!(numbers(&page), [5]);
        let (_, page) = api.get("/api/v1/incidents?tag=db").await;
        assert_eq!(numbers(&page), [2]);
        let (_, page) = api.get("/api/v1/incidents?declared_after=2000-01-01T00:00:00Z&declared_before=2000-01-02T00:00:00Z").await;
        assert_eq!(numbers(&page), Vec::<u64>::new());
        assert!(page["next_cursor"].is_null());
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_notes_are_all_kept() {
    for app in TestApp::each().await {
        let api = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        api.post("/api/v1/incidents", json!({"title": "busy"}))
            .await;
        let writes = (0..50).map(|n| {
            api.post(
                "/api/v1/incidents/INC-1/notes",
                json!({"text": format!("note {n}")}),
            )
        });
        let results = futures::future::join_all(writes).await;
        assert!(
            results
                .iter()
                .all(|(status, _)| *status == StatusCode::CREATED)
        );
        let (_, page) = api.get("/api/v1/incidents/INC-1/timeline?limit=1000").await;
        let notes = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "note")
            .count();
        assert_eq!(notes, 50);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::sqlite().await;
    let document: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = document["paths"].as_object().unwrap();
    let expected = [
        ("/api/v1/incidents", vec!["get", "post"]),
        ("/api/v1/incidents/{incident}", vec!["get", "patch"]),
        ("/api/v1/incidents/{incident}/acknowledge", vec!["post"]),
        ("/api/v1/incidents/{incident}/mitigate", vec!["post"]),
        ("/api/v1/incidents/{incident}/resolve", vec!["post"]),
        ("/api/v1/incidents/{incident}/close", vec!["post"]),
        (
            "/api/v1/incidents/{incident}/milestones/{milestone}",
            vec!["put"],
        ),
        ("/api/v1/incidents/{incident}/timeline", vec!["get"]),
        ("/api/v1/incidents/{incident}/notes", vec!["post"]),
        (
            "/api/v1/incidents/{incident}/roles/{role}",
            vec!["put", "delete"],
        ),
        ("/api/v1/incidents/{incident}/participants", vec!["post"]),
        (
            "/api/v1/incidents/{incident}/participants/{user}",
            vec!["delete"],
        ),
        ("/api/v1/incidents/{incident}/tasks", vec!["get", "post"]),
        ("/api/v1/incidents/{incident}/tasks/{task}", vec!["patch"]),
        ("/api/v1/incidents/{incident}/runbooks", vec!["get", "post"]),
        (
            "/api/v1/incidents/{incident}/runbooks/{runbook}/steps/{step}/run",
            vec!["post"],
        ),
        ("/api/v1/incidents/{incident}/whats-next", vec!["get"]),
        ("/api/v1/incidents/{incident}/updates", vec!["post"]),
        (
            "/api/v1/incidents/{incident}/status-page",
            vec!["get", "post"],
        ),
        ("/api/v1/status-page/components", vec!["get"]),
        (
            "/api/v1/status-page/components/{component}/status",
            vec!["put", "delete"],
        ),
        (
            "/api/v1/status-page/components/{component}/verify",
            vec!["post"],
        ),
        ("/api/v1/status-page/maintenances", vec!["get", "post"]),
        (
            "/api/v1/status-page/maintenances/{maintenance}/complete",
            vec!["post"],
        ),
        (
            "/api/v1/status-page/maintenances/{maintenance}/status",
            vec!["post"],
        ),
        ("/api/v1/status-page/subscribers", vec!["get"]),
        ("/api/v1/incidents/{incident}/scenario", vec!["get"]),
        (
            "/api/v1/incidents/{incident}/scenario/moments/{index}/done",
            vec!["post"],
        ),
        ("/api/v1/severities", vec!["get"]),
        ("/api/v1/roles", vec!["get"]),
        ("/api/v1/users", vec!["get", "post"]),
        ("/api/v1/users/me", vec!["get", "patch"]),
        ("/api/v1/users/{id}", vec!["get", "patch", "delete"]),
        ("/api/v1/tokens", vec!["get", "post"]),
        ("/api/v1/tokens/{id}", vec!["delete"]),
        ("/api/v1/login", vec!["post"]),
        ("/api/v1/teams", vec!["get"]),
        ("/api/v1/teams/{slug}", vec!["get", "put", "delete"]),
        ("/api/v1/services", vec!["get"]),
        ("/api/v1/services/{slug}", vec!["get", "put", "delete"]),
        ("/api/v1/services/{slug}/impact", vec!["get"]),
        ("/api/v1/functionalities", vec!["get"]),
        (
            "/api/v1/functionalities/{slug}",
            vec!["get", "put", "delete"],
        ),
        ("/api/v1/functionalities/{slug}/backing", vec!["get"]),
        ("/api/v1/catalog/sync", vec!["post"]),
        ("/api/v1/plan", vec!["get"]),
        ("/api/v1/plan/apply", vec!["post"]),
        ("/api/v1/plan/source", vec!["get"]),
        ("/api/v1/plan/export", vec!["get"]),
        ("/api/v1/plan/stale", vec!["get"]),
        ("/api/v1/runbooks", vec!["get"]),
        ("/api/v1/schedules", vec!["get"]),
        ("/api/v1/schedules/{name}", vec!["get"]),
        ("/api/v1/schedules/{name}/shifts.ics", vec!["get"]),
        ("/api/v1/schedules/{name}/overrides", vec!["get", "post"]),
        ("/api/v1/overrides/{id}", vec!["delete"]),
        ("/api/v1/oncall", vec!["get"]),
        ("/api/v1/escalation-policies", vec!["get"]),
        ("/api/v1/users/{id}/shifts.ics", vec!["get"]),
        ("/api/v1/users/{id}/notification-rules", vec!["get", "put"]),
        ("/api/v1/pages", vec!["get", "post"]),
        ("/api/v1/pages/{page}", vec!["get"]),
        ("/api/v1/pages/{page}/acknowledge", vec!["post"]),
        ("/api/v1/pages/{page}/resolve", vec!["post"]),
        ("/api/v1/notifications/health", vec!["get"]),
        ("/api/v1/integrations", vec!["get", "post"]),
        ("/api/v1/integrations/{name}", vec!["get"]),
        ("/api/v1/integrations/{name}/rotate-key", vec!["post"]),
        ("/api/v1/alerts", vec!["get"]),
        ("/api/v1/alerts/{id}", vec!["get"]),
        ("/api/v1/alerts/{id}/acknowledge", vec!["post"]),
        ("/api/v1/alerts/{id}/resolve", vec!["post"]),
        ("/api/v1/alerts/{id}/incident", vec!["post"]),
        ("/api/v1/alerts/{id}/attach", vec!["post"]),
        ("/api/v1/alerts/{id}/routing", vec!["get"]),
        ("/api/v1/changes", vec!["get"]),
        ("/api/v1/silences", vec!["get", "post"]),
        ("/api/v1/silences/{id}", vec!["delete", "get"]),
    ];
    for (path, methods) in &expected {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from the OpenAPI document"));
        for method in methods {
            assert!(item.get(*method).is_some(), "{method} {path} missing");
        }
    }
    assert_eq!(
        paths.len(),
        expected.len(),
        "a route is documented that the test does not know: {:?}",
        paths.keys()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = TestApp::sqlite().await;
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    let ready: Value = http
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let response = http.get(app.url("/healthz")).send().await.unwrap();
    assert!(
        response.headers().get("x-request-id").is_some(),
        "every answer carries a request id"
    );

    let metrics = http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("# HELP muster_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/healthz\""), "{metrics}");
    match std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(metrics.as_bytes())
                .unwrap();
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "promtool check metrics failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Err(_) => skip("promtool is not installed (Debian package prometheus)"),
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_suite_is_configured_in_ci() {
    if muster_test_support::postgres_url().is_none() {
        skip("MUSTER_TEST_POSTGRES_URL is not set; the API suite ran on SQLite only");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_issues_a_token_and_is_rate_limited() {
    let app = TestApp::sqlite().await;
    let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
    let (status, user) = admin
        .post(
            "/api/v1/users",
            json!({"email": "Ada@Example.com", "password": "correct horse", "role": "responder"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["email"], "ada@example.com");
    let (status, body) = admin
        .post("/api/v1/users", json!({"email": "ada@example.com"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&body, "duplicate");
    let (status, body) = admin
        .post(
            "/api/v1/users",
            json!({"email": "short@example.com", "password": "123"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["fields"]["password"].is_string(), "{body}");

    let http = reqwest::Client::new();
    let login = |password: &'static str| {
        let http = http.clone();
        let url = app.url("/api/v1/login");
        async move {
            let response = http
                .post(url)
                .json(&json!({"email": "ada@example.com", "password": password, "token_name": "laptop"}))
                .send()
                .await
                .unwrap();
            (
                response.status(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, created) = login("correct horse").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap();
    let me: Value = http
        .get(app.url("/api/v1/users/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@example.com");
    let (status, body) = login("wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthenticated");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(login("wrong").await.0);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    app.stop().await;
}
