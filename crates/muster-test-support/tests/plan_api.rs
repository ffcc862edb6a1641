//! The plan over HTTP, on SQLite and (when configured) PostgreSQL: the
//! server validates what it is sent, applies it whole, remembers who did,
//! and records review reminders once.

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

const TEAMS: &str = "kind: Team\nname: platform\ntitle: Platform\nescalation_policy: oncall\n";
const POLICY: &str = "kind: EscalationPolicy\nname: oncall\nowner: platform\nreview_every: 90d\n\
    last_reviewed: 2020-01-01\nsteps:\n  - targets: [{team: platform}]\n";
const ROLE: &str = "# Roles beyond the built-in ones.\nkind: Role\nname: liaison\nowner: platform\n\
    review_every: 1y\nlast_reviewed: 2999-01-01\n";

fn upload(files: &[(&str, &str)], dry_run: bool) -> Value {
    let files: Vec<Value> = files
        .iter()
        .map(|(path, text)| json!({"path": path, "text": text}))
        .collect();
    json!({"files": files, "dry_run": dry_run})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_checked_applied_whole_and_remembered() {
    for app in TestApp::each().await {
        let token = app.token("ana@example.com", UserRole::Admin).await;
        let responder = app.token("rui@example.com", UserRole::Responder).await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;
        let post = |token: &str, body: Value| {
            let token = token.to_owned();
            let app = &app;
            async move { call(app, &token, Method::POST, "/api/v1/plan/apply", Some(body)).await }
        };

        // Every finding, located, in one 422; nothing written.
        let broken = "kind: Service\nname: api\nowner: ghosts\n---\nkind: Runbok\nname: x\n";
        let (status, body) = post(&token, upload(&[("team/a.yaml", broken)], false)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["code"], "invalid_plan");
        assert!(
            body["error"]["fields"]["team/a.yaml:5:1"]
                .as_str()
                .is_some_and(|m| m.contains("unknown_kind")),
            "{body}"
        );
        let unsound = upload(
            &[("a.yaml", "kind: Service\nname: api\nowner: ghosts\n")],
            false,
        );
        let (status, body) = post(&token, unsound).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("unknown_reference"), "{body}");

        // Paths stay inside the plan folder.
        let (status, body) = post(&token, upload(&[("../etc/x.yaml", TEAMS)], false)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["fields"]["files[0].path"].is_string(),
            "{body}"
        );
        let (status, _) = post(&token, upload(&[], false)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Viewers and responders read the plan; only admins change it, and
        // anyone else is refused before the upload is even read.
        let files = [
            ("teams.yaml", TEAMS),
            ("oncall.yaml", POLICY),
            ("roles.yaml", ROLE),
        ];
        for refused in [&viewer, &responder] {
            let (status, body) = post(refused, upload(&files, false)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            let (status, _) = post(refused, upload(&[("a.yaml", "not: [valid")], false)).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }

        let (_, overview) = call(&app, &token, Method::GET, "/api/v1/plan", None).await;
        assert_eq!(
            overview["revision"],
            Value::Null,
            "nothing applied yet: {overview}"
        );

        let (status, dry) = post(&token, upload(&files, true)).await;
        assert_eq!(status, StatusCode::OK, "{dry}");
        assert_eq!(
            (dry["changed"].clone(), dry["revision"].clone()),
            (json!(true), Value::Null)
        );
        let (_, overview) = call(&app, &token, Method::GET, "/api/v1/plan", None).await;
        assert_eq!(overview["documents"], json!([]), "a dry run writes nothing");

        let (status, applied) = post(&token, upload(&files, false)).await;
        assert_eq!(status, StatusCode::OK, "{applied}");
        assert_eq!(applied["revision"], 1);
        let actions: Vec<(String, String, String)> = applied["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                let text = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
                (text("action"), text("entry"), text("slug"))
            })
            .collect();
        for expected in [
            ("create", "team", "platform"),
            ("create", "EscalationPolicy", "oncall"),
            ("create", "Role", "liaison"),
        ] {
            let expected = (
                expected.0.to_owned(),
                expected.1.to_owned(),
                expected.2.to_owned(),
            );
            assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
        }

        let (_, overview) = call(&app, &viewer, Method::GET, "/api/v1/plan", None).await;
        assert_eq!(overview["revision"]["number"], 1);
        assert_eq!(
            overview["revision"]["applied_by"]["email"],
            "ana@example.com"
        );
        assert_eq!(overview["revision"]["summary"], "3 created");
        let oncall = overview["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .find(|d| d["name"] == "oncall")
            .expect("the policy is stored")
            .clone();
        assert_eq!(oncall["file"], "oncall.yaml");
        assert_eq!(oncall["overdue"], true);
        assert_eq!(oncall["review_due"], "2020-03-31");

        let (_, source) = call(&app, &viewer, Method::GET, "/api/v1/plan/source", None).await;
        assert!(
            source
                .to_string()
                .contains("Roles beyond the built-in ones"),
            "the source keeps its comments: {source}"
        );

        // The same plan again changes nothing and records no revision.
        let (_, again) = post(&token, upload(&files, false)).await;
        assert_eq!(
            (again["changed"].clone(), again["revision"].clone()),
            (json!(false), Value::Null)
        );

        // Dropping a document deletes it; a changed one is updated.
        // A repeating policy must wait after its last step before it runs again.
        let repeated = POLICY.replace("steps", "repeat: 1\nsteps").replace(
            "[{team: platform}]\n",
            "[{team: platform}]\n    delay_minutes: 15\n",
        );
        let fewer = [("oncall.yaml", repeated.as_str()), ("teams.yaml", TEAMS)];
        let (_, second) = post(&token, upload(&fewer, false)).await;
        assert_eq!(second["revision"], 2, "{second}");
        let (_, overview) = call(&app, &token, Method::GET, "/api/v1/plan", None).await;
        assert_eq!(overview["revision"]["summary"], "1 updated, 1 deleted");
        assert_eq!(overview["documents"].as_array().map(Vec::len), Some(1));

        // Stale documents, and the engine's reminder recorded once.
        let (_, stale) = call(&app, &token, Method::GET, "/api/v1/plan/stale", None).await;
        assert_eq!(stale["documents"][0]["name"], "oncall", "{stale}");
        assert_eq!(stale["documents"][0]["reminded_at"], Value::Null);
        let recorded = app.app.record_review_reminders().await.expect("reminders");
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].owner.as_deref(), Some("platform"));
        assert!(
            app.app
                .record_review_reminders()
                .await
                .expect("again")
                .is_empty()
        );
        let (_, stale) = call(&app, &token, Method::GET, "/api/v1/plan/stale", None).await;
        assert!(stale["documents"][0]["reminded_at"].is_string(), "{stale}");

        // Export reads back as the same plan.
        let (status, export) = call(&app, &viewer, Method::GET, "/api/v1/plan/export", None).await;
        assert_eq!(status, StatusCode::OK);
        let (_, round_trip) =
            post(&token, json!({"files": export["files"], "dry_run": true})).await;
        assert_eq!(round_trip["changed"], false, "{round_trip}");
        app.stop().await;
    }
}
