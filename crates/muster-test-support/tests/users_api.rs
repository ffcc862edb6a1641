//! People over the JSON API: profiles with time zones and contact methods,
//! who may edit what, and deactivation. The real server, on SQLite and (when
//! `MUSTER_TEST_POSTGRES_URL` is set) on PostgreSQL.

use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
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

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
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
        self.send(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }
    async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }
}

/// The error shape, with the offending field named.
fn assert_field(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input", "{body}");
    assert!(
        body["error"]["fields"][field].is_string(),
        "{field}: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_shown_edited_and_deactivated() {
    for app in TestApp::each().await {
        let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;

        let (status, ada) = admin
            .post(
                "/api/v1/users",
                json!({
                    "email": "Ada@Example.com",
                    "name": "Ada",
                    "role": "responder",
                    "time_zone": "Europe/London",
                    "contact_methods": [
                        {"kind": "sms", "address": "+44 7700 900123", "label": "mobile"},
                        {"kind": "email", "address": "ada@example.com"}
                    ]
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ada}");
        assert_eq!(ada["email"], "ada@example.com");
        assert_eq!(ada["time_zone"], "Europe/London");
        assert_eq!(ada["contact_methods"][0]["address"], "+447700900123");
        assert_eq!(ada["contact_methods"][1]["label"], "");
        assert_eq!(ada["deactivated_at"], Value::Null);

        let (status, by_email) = admin.get("/api/v1/users/ada@example.com").await;
        assert_eq!(status, StatusCode::OK, "{by_email}");
        assert_eq!(by_email, ada);
        let id = ada["id"].as_str().expect("id").to_owned();
        let (_, by_id) = admin.get(&format!("/api/v1/users/{id}")).await;
        assert_eq!(by_id, ada);

        // A partial update keeps what it does not name; contact methods are
        // replaced as a whole, in the order given.
        let (status, edited) = admin
            .patch(
                &format!("/api/v1/users/{id}"),
                json!({
                    "name": "Ada Lovelace",
                    "role": "viewer",
                    "contact_methods": [
                        {"kind": "voice", "address": "+447700900123"},
                        {"kind": "sms", "address": "+447700900123", "label": "mobile"}
                    ]
                }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["name"], "Ada Lovelace");
        assert_eq!(edited["role"], "viewer");
        assert_eq!(edited["time_zone"], "Europe/London");
        assert_eq!(edited["contact_methods"][0]["kind"], "voice");
        assert_eq!(edited["contact_methods"][1]["kind"], "sms");
        let (_, listed) = admin.get("/api/v1/users").await;
        let found = listed["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["id"] == ada["id"])
            .cloned();
        assert_eq!(found, Some(edited.clone()));

        let (status, gone) = admin.delete("/api/v1/users/ada@example.com").await;
        assert_eq!(status, StatusCode::OK, "{gone}");
        assert!(gone["deactivated_at"].is_string(), "{gone}");
        let (_, again) = admin.delete("/api/v1/users/ada@example.com").await;
        assert_eq!(
            again["deactivated_at"], gone["deactivated_at"],
            "idempotent"
        );
        let (_, listed) = admin.get("/api/v1/users").await;
        assert!(
            listed["users"]
                .as_array()
                .expect("users")
                .iter()
                .any(|u| u["id"] == ada["id"] && u["deactivated_at"].is_string()),
            "deactivated users are listed as such: {listed}"
        );

        let (status, body) = admin.get("/api/v1/users/nobody@example.com").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_edit_their_own_profile_and_only_admins_edit_others() {
    for app in TestApp::each().await {
        let _admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
        let responder = Api::new(&app, "rita@example.com", UserRole::Responder).await;
        let viewer = Api::new(&app, "vic@example.com", UserRole::Viewer).await;

        let (status, body) = responder
            .patch("/api/v1/users/rita@example.com", json!({"role": "admin"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = responder
            .patch(
                "/api/v1/users/rita@example.com",
                json!({"email": "rita@elsewhere.example"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, me) = responder
            .patch(
                "/api/v1/users/rita@example.com",
                json!({"name": "Rita", "role": "responder", "contact_methods": [{"kind": "chat", "address": "@rita"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["contact_methods"][0]["address"], "@rita");

        let (status, me) = viewer
            .patch(
                "/api/v1/users/vic@example.com",
                json!({"time_zone": "America/New_York"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["time_zone"], "America/New_York");
        let (status, body) = viewer
            .patch(
                "/api/v1/users/rita@example.com",
                json!({"time_zone": "America/New_York"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = responder.delete("/api/v1/users/vic@example.com").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = viewer
            .post("/api/v1/users", json!({"email": "new@example.com"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_profiles_name_the_field() {
    for app in TestApp::each().await {
        let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
        let _ada = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let path = "/api/v1/users/ada@example.com";

        let (status, body) = admin
            .patch(path, json!({"time_zone": "Mars/Olympus_Mons"}))
            .await;
        assert_field(status, &body, "time_zone");
        let (status, body) = admin
            .patch(
                path,
                json!({"contact_methods": [
                    {"kind": "email", "address": "ada@example.com"},
                    {"kind": "sms", "address": "555-0123"}
                ]}),
            )
            .await;
        assert_field(status, &body, "contact_methods[1].address");
        let (status, body) = admin
            .patch(
                path,
                json!({"contact_methods": [{"kind": "email", "address": "not-an-email"}]}),
            )
            .await;
        assert_field(status, &body, "contact_methods[0].address");
        let (status, body) = admin
            .patch(
                path,
                json!({"contact_methods": [{"kind": "pager", "address": "x"}]}),
            )
            .await;
        assert_field(status, &body, "contact_methods[0].kind");
        let (status, body) = admin.patch(path, json!({"email": "nope"})).await;
        assert_field(status, &body, "email");
        let (status, body) = admin.patch(path, json!({"role": "owner"})).await;
        assert_field(status, &body, "role");
        let (status, body) = admin
            .post(
                "/api/v1/users",
                json!({"email": "bo@example.com", "time_zone": "Nowhere"}),
            )
            .await;
        assert_field(status, &body, "time_zone");

        // Nothing above was written.
        let (_, ada) = admin.get(path).await;
        assert_eq!(ada["time_zone"], "UTC");
        assert_eq!(ada["contact_methods"], json!([]));

        let (status, body) = admin
            .patch(path, json!({"email": "root@example.com"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "duplicate", "{body}");
        assert!(
            body["error"]["fields"]["email"].is_string(),
            "the field is named: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("root@example.com")),
            "{body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivated_users_lose_access_and_the_last_admin_stays() {
    for app in TestApp::each().await {
        let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
        let ada = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let (status, _) = ada.get("/api/v1/users/me").await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = ada
            .patch("/api/v1/users/me", json!({"time_zone": "Europe/Lisbon"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["time_zone"], "Europe/Lisbon");
        let (status, body) = ada
            .patch("/api/v1/users/me", json!({"role": "admin"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        let (status, body) = admin.delete("/api/v1/users/ada@example.com").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = ada.get("/api/v1/users/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{body}");

        // Neither yourself nor the last active admin.
        let (status, body) = admin.delete("/api/v1/users/root@example.com").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "self_deactivation", "{body}");
        let (status, body) = admin
            .patch(
                "/api/v1/users/root@example.com",
                json!({"role": "responder"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "last_admin", "{body}");

        let second = Api::new(&app, "second@example.com", UserRole::Admin).await;
        let (status, body) = second.delete("/api/v1/users/root@example.com").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = admin.get("/api/v1/users").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the deactivated admin's token"
        );
        let (status, body) = second
            .patch(
                "/api/v1/users/second@example.com",
                json!({"role": "viewer"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "last_admin", "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_routes_are_documented() {
    let app = TestApp::sqlite().await;
    let document: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let item = &document["paths"]["/api/v1/users/{id}"];
    for method in ["get", "patch", "delete"] {
        assert!(item[method].is_object(), "{method} /users/{{id}}: {item}");
    }
    let user = &document["components"]["schemas"]["User"]["properties"];
    for field in ["time_zone", "contact_methods", "deactivated_at"] {
        assert!(user[field].is_object(), "{field}: {user}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_and_chat_addresses_are_shown_only_to_their_owner_and_admins() {
    for app in TestApp::each().await {
        let admin = Api::new(&app, "root@example.com", UserRole::Admin).await;
        let ada = Api::new(&app, "ada@example.com", UserRole::Responder).await;
        let bob = Api::new(&app, "bob@example.com", UserRole::Viewer).await;
        let methods = json!({"contact_methods": [
            {"kind": "sms", "address": "+14155550123"},
            {"kind": "chat", "address": "https://hooks.example.com/secret-token"},
        ]});
        let (status, body) = ada.patch("/api/v1/users/me", methods).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let chat = |body: &Value| body["contact_methods"][1]["address"].clone();
        let phone = |body: &Value| body["contact_methods"][0]["address"].clone();

        assert_eq!(chat(&body), "https://hooks.example.com/secret-token");
        let (_, seen) = admin.get("/api/v1/users/ada@example.com").await;
        assert_eq!(chat(&seen), "https://hooks.example.com/secret-token");
        let (_, seen) = bob.get("/api/v1/users/ada@example.com").await;
        assert_eq!(chat(&seen), "(hidden)");
        assert_eq!(phone(&seen), "+14155550123", "responders call each other");
        let (_, list) = bob.get("/api/v1/users").await;
        assert!(
            !list.to_string().contains("secret-token"),
            "nor in the list: {list}"
        );
        app.stop().await;
    }
}
