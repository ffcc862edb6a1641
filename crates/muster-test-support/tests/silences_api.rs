//! Silences over HTTP, on SQLite and (when configured) PostgreSQL: made,
//! listed, shown and expired; bad drafts refused with the offending field;
//! viewers may read but not silence.

#![allow(clippy::unwrap_used)]

use muster_core::UserRole;
use muster_test_support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_are_made_listed_and_expired() {
    for app in TestApp::each().await {
        let responder = app.token("rita@example.com", UserRole::Responder).await;
        let viewer = app.token("vic@example.com", UserRole::Viewer).await;

        let (status, created) = app
            .call(
                &responder,
                Method::POST,
                "/api/v1/silences",
                Some(json!({
                    "matchers": ["job=\"backup\"", "instance=~\"db-.*\""],
                    "duration_minutes": 120,
                    "comment": "nightly backups",
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["state"], "active");
        assert_eq!(created["matchers"][0], "job=\"backup\"");
        let id = created["id"].as_str().unwrap().to_owned();

        let (status, weekly) = app
            .call(
                &responder,
                Method::POST,
                "/api/v1/silences",
                Some(json!({
                    "matchers": ["service=\"reports\""],
                    "ends_at": "2099-01-01T00:00:00Z",
                    "comment": "weekend maintenance",
                    "time_zone": "Europe/Berlin",
                    "windows": [{"days": ["sat", "sun"], "from": "22:00", "to": "06:00"}],
                })),
            )
            .await;
        // More than 366 days is not a silence but a dropping rule.
        assert_eq!(status, StatusCode::BAD_REQUEST, "{weekly}");

        let (status, list) = app
            .call(&viewer, Method::GET, "/api/v1/silences", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["silences"].as_array().unwrap().len(), 1, "{list}");

        let (status, refused) = app
            .call(
                &viewer,
                Method::POST,
                "/api/v1/silences",
                Some(json!({"matchers": [], "duration_minutes": 5, "comment": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

        for (body, field) in [
            (
                json!({"matchers": ["=oops"], "duration_minutes": 5, "comment": "x"}),
                "matchers[0]",
            ),
            (json!({"matchers": ["a=b"], "comment": "no end"}), "ends_at"),
            (
                json!({"matchers": ["a=b"], "duration_minutes": 0, "comment": "x"}),
                "duration_minutes",
            ),
            (
                json!({"matchers": ["a=b"], "duration_minutes": 5, "comment": "x", "time_zone": "Mars/Base",
                       "windows": [{"from": "22:00", "to": "06:00"}]}),
                "time_zone",
            ),
        ] {
            let (status, error) = app
                .call(&responder, Method::POST, "/api/v1/silences", Some(body))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
            assert!(
                error["error"]["fields"].get(field).is_some(),
                "{field}: {error}"
            );
        }

        let (status, ended) = app
            .call(
                &responder,
                Method::DELETE,
                &format!("/api/v1/silences/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{ended}");
        assert_eq!(ended["state"], "expired");
        let (status, again) = app
            .call(
                &responder,
                Method::DELETE,
                &format!("/api/v1/silences/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        let (_, list) = app
            .call(&viewer, Method::GET, "/api/v1/silences", None)
            .await;
        assert!(list["silences"].as_array().unwrap().is_empty());
        let (_, all) = app
            .call(&viewer, Method::GET, "/api/v1/silences?all=true", None)
            .await;
        assert_eq!(all["silences"].as_array().unwrap().len(), 1);
        let (status, _) = app
            .call(&viewer, Method::GET, "/api/v1/silences/not-an-id", None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = app
            .call(
                &viewer,
                Method::GET,
                "/api/v1/silences/01a2355c-a21b-77c8-b462-6d7c62bc2f57",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
