//! The catalog over HTTP, on SQLite and (when configured) PostgreSQL.

use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_is_edited_whole_and_answers_what_breaks() {
    for app in TestApp::each().await {
        let token = app.token("ada@example.com", UserRole::Responder).await;
        let put =
            |path: &'static str, body: Value| call(&app, &token, Method::PUT, path, Some(body));

        let (status, body) = put("/api/v1/services/api", json!({"owner_team": "payments"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["fields"]["services[api].owner_team"].is_string(),
            "{body}"
        );

        for team in ["payments", "platform", "identity"] {
            let (status, body) = put_team(&app, &token, team).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = put(
            "/api/v1/services/db",
            json!({"owner_team": "platform", "tier": 1}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = put(
            "/api/v1/services/api",
            json!({
                "name": "Checkout API", "owner_team": "payments", "tier": 1,
                "rollback_plan": "kubectl rollout undo deploy/api",
                "links": [{"title": "Dashboard", "url": "https://grafana.example/d/api"}],
                "depends_on": [{"service": "db"}]
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["depends_on"][0]["criticality"], "hard");
        let (status, _) = put("/api/v1/services/web", json!({"owner_team": "identity", "depends_on": [{"service": "api", "criticality": "soft"}]})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = put(
            "/api/v1/functionalities/checkout",
            json!({"name": "Checkout", "description": "Paying for what is in the basket", "owner_team": "payments", "services": ["api"], "aliases": ["can't pay"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let (status, radius) = call(
            &app,
            &token,
            Method::GET,
            "/api/v1/services/db/impact",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(radius["services"][0]["service"], "api");
        assert_eq!(radius["services"][1]["service"], "web");
        assert_eq!(radius["services"][1]["criticality"], "soft");
        assert_eq!(radius["functionalities"][0]["functionality"], "checkout");
        assert_eq!(radius["teams"], json!(["identity", "payments", "platform"]));
        let (_, backing) = call(
            &app,
            &token,
            Method::GET,
            "/api/v1/functionalities/checkout/backing",
            None,
        )
        .await;
        assert_eq!(backing["services"].as_array().map(Vec::len), Some(2));

        // Bad input names the field; references must resolve; deletes must not orphan.
        let (status, body) = put(
            "/api/v1/services/bad",
            json!({"tier": 9, "lifecycle": "eternal", "links": [{"url": "ftp://x"}]}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        for field in ["lifecycle", "links[0].url"] {
            assert!(
                body["error"]["fields"][field].is_string(),
                "{field}: {body}"
            );
        }
        let (status, body) = call(&app, &token, Method::DELETE, "/api/v1/services/db", None).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "still_referenced");
        let (status, _) = call(&app, &token, Method::GET, "/api/v1/services/nope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &app,
            &token,
            Method::GET,
            "/api/v1/services/not%20a%20slug",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, _) = call(&app, &token, Method::DELETE, "/api/v1/services/web", None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, list) = call(&app, &token, Method::GET, "/api/v1/services", None).await;
        let names: Vec<&str> = list["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["slug"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["api", "db"]);

        let viewer = app.token("val@example.com", UserRole::Viewer).await;
        let (status, _) = call(
            &app,
            &viewer,
            Method::PUT,
            "/api/v1/teams/x",
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = call(&app, &viewer, Method::GET, "/api/v1/teams", None).await;
        assert_eq!(status, StatusCode::OK);
        app.stop().await;
    }
}

async fn put_team(app: &TestApp, token: &str, team: &str) -> (StatusCode, Value) {
    call(
        app,
        token,
        Method::PUT,
        &format!("/api/v1/teams/{team}"),
        Some(json!({"name": team, "contact_channel": format!("#{team}"), "members": [{"email": format!("lead@{team}.example"), "role": "lead"}]})),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_document_syncs_in_one_go_and_prunes_only_its_own() {
    for app in TestApp::each().await {
        let token = app.token("root@example.com", UserRole::Admin).await;
        let (status, _) = put_team(&app, &token, "handmade").await;
        assert_eq!(status, StatusCode::OK);
        let document = |services: Value, dry_run: bool| {
            json!({
                "teams": [{"slug": "team-a", "name": "Team A", "members": [{"email": "pat@example.com"}]}],
                "services": services,
                "users": [{"email": "Pat@Example.com", "name": "Pat"}],
                "source": "backstage:acme",
                "prune": "own",
                "dry_run": dry_run
            })
        };
        let two = json!([
            {"slug": "artist-lookup", "owner_team": "team-a", "depends_on": [{"service": "artists-db"}]},
            {"slug": "artists-db", "owner_team": "team-a", "kind": "database"}
        ]);
        let sync = |body: Value| {
            call(
                &app,
                &token,
                Method::POST,
                "/api/v1/catalog/sync",
                Some(body),
            )
        };

        let (status, plan) = sync(document(two.clone(), true)).await;
        assert_eq!(status, StatusCode::OK, "{plan}");
        assert_eq!(
            (plan["dry_run"].as_bool(), plan["changed"].as_bool()),
            (Some(true), Some(true))
        );
        let actions: Vec<(String, String)> = plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["slug"].as_str().unwrap().to_owned(),
                    c["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(
            actions.contains(&("handmade".into(), "would-delete".into())),
            "{actions:?}"
        );
        assert!(actions.contains(&("artist-lookup".into(), "create".into())));
        let (_, services) = call(&app, &token, Method::GET, "/api/v1/services", None).await;
        assert_eq!(
            services["services"].as_array().map(Vec::len),
            Some(0),
            "a dry run writes nothing"
        );

        let (status, _) = sync(document(two.clone(), false)).await;
        assert_eq!(status, StatusCode::OK);
        let (_, again) = sync(document(two, false)).await;
        assert_eq!(
            again["changed"], false,
            "re-importing changes nothing: {again}"
        );
        let (status, users) = call(&app, &token, Method::GET, "/api/v1/users", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            users["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["email"] == "pat@example.com")
        );

        let one = json!([{"slug": "artist-lookup", "owner_team": "team-a"}]);
        let (status, pruned) = sync(document(one, false)).await;
        assert_eq!(status, StatusCode::OK, "{pruned}");
        let (_, services) = call(&app, &token, Method::GET, "/api/v1/services", None).await;
        let names: Vec<&str> = services["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["slug"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["artist-lookup"]);
        let (status, _) = call(&app, &token, Method::GET, "/api/v1/teams/handmade", None).await;
        assert_eq!(status, StatusCode::OK, "another source's team stays");

        let (status, body) = sync(json!({"services": [{"slug": "bad name"}, {"slug": "x", "owner_team": "nobody"}], "prune": "sometimes"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        for field in ["services[0].slug", "prune"] {
            assert!(
                body["error"]["fields"][field].is_string(),
                "{field}: {body}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaring_on_a_functionality_in_customers_words_records_its_owners() {
    for app in TestApp::each().await {
        let token = app.token("ada@example.com", UserRole::Responder).await;
        for team in ["identity", "platform"] {
            assert_eq!(put_team(&app, &token, team).await.0, StatusCode::OK);
        }
        let put =
            |path: &'static str, body: Value| call(&app, &token, Method::PUT, path, Some(body));
        assert_eq!(
            put("/api/v1/services/db", json!({"owner_team": "platform"}))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            put(
                "/api/v1/services/auth",
                json!({"owner_team": "identity", "depends_on": [{"service": "db"}]})
            )
            .await
            .0,
            StatusCode::OK
        );
        let (status, body) = put(
            "/api/v1/functionalities/login",
            json!({"name": "Login", "owner_team": "identity", "services": ["auth"], "aliases": ["sign in"]}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let declare =
            |body: Value| call(&app, &token, Method::POST, "/api/v1/incidents", Some(body));
        let (status, incident) = declare(
            json!({"title": "Customers can't log in", "functionalities": ["can't log in"]}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        assert_eq!(
            incident["affected"]["functionalities"],
            json!([{"functionality": "login", "criticality": "hard"}])
        );
        assert_eq!(incident["affected"]["teams"], json!(["identity"]));

        let (status, incident) =
            declare(json!({"title": "Database down", "services": ["db"]})).await;
        assert_eq!(status, StatusCode::CREATED, "{incident}");
        assert_eq!(incident["affected"]["services"], json!(["db"]));
        assert_eq!(
            incident["affected"]["teams"],
            json!(["identity", "platform"])
        );
        assert_eq!(
            incident["affected"]["functionalities"][0]["functionality"],
            "login"
        );
        let (_, page) = call(
            &app,
            &token,
            Method::GET,
            "/api/v1/incidents/INC-2/timeline",
            None,
        )
        .await;
        let impact = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "impact_assessed")
            .cloned();
        let summary = impact
            .map(|e| e["summary"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        assert!(
            summary.contains("login unavailable") && summary.contains("platform"),
            "{summary}"
        );

        let (status, body) =
            declare(json!({"title": "x", "services": ["nope"], "functionalities": ["weather"]}))
                .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"]["fields"]["services[0]"].is_string(), "{body}");
        assert!(
            body["error"]["fields"]["functionalities[0]"]
                .as_str()
                .unwrap()
                .contains("Login"),
            "{body}"
        );
        let (_, list) = call(&app, &token, Method::GET, "/api/v1/incidents", None).await;
        assert_eq!(
            list["incidents"].as_array().map(Vec::len),
            Some(2),
            "nothing half-declared"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_sync_may_be_larger_than_other_requests() {
    let app = TestApp::sqlite().await;
    let token = app.token("root@example.com", UserRole::Admin).await;
    let about = "x".repeat(400);
    let services: Vec<Value> = (0..3_000)
        .map(|n| json!({"slug": format!("svc-{n}"), "owner_team": "team-a", "description": about}))
        .collect();
    let body = json!({"teams": [{"slug": "team-a"}], "services": services, "source": "generated"});
    assert!(
        body.to_string().len() > 1024 * 1024,
        "the point is a body over the usual 1 MiB"
    );
    let (status, result) = call(
        &app,
        &token,
        Method::POST,
        "/api/v1/catalog/sync",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["changes"].as_array().map(Vec::len), Some(3_001));
    app.stop().await;
}
