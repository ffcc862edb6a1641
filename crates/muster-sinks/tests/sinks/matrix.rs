//! The matrix sink against a local fake of the client-server API that
//! checks the encoded path, the bearer token and the body, and de-duplicates
//! by transaction id as Synapse does. `synapse.rs` runs the real thing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use muster_core::paging::SinkKind;
use muster_sinks::{Health, MatrixConfig, SendError, SinkConfig};
use serde_json::json;

use crate::fake::{Answer, Fake, Request};
use crate::{delivery, destination, drill, envelope, notification, sinks};

const TOKEN: &str = "syt_bXVzdGVy_good";

fn matrix_error(status: u16, errcode: &str, error: &str) -> Answer {
    Answer::json(status, json!({"errcode": errcode, "error": error}))
}

/// Events the fake holds, by transaction id.
type Events = Arc<Mutex<BTreeMap<String, (String, serde_json::Value)>>>;

fn homeserver(events: Events) -> impl Fn(&Request) -> Answer + Send + Sync {
    move |request| {
        if request.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return matrix_error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.");
        }
        let path = request.path.as_str();
        if request.method == "GET" && path == "/_matrix/client/v3/account/whoami" {
            return Answer::json(
                200,
                json!({"user_id": "@muster:example.org", "device_id": "MUSTER"}),
            );
        }
        if let Some(alias) = path.strip_prefix("/_matrix/client/v3/directory/room/") {
            return match alias {
                "%23ops%3Aexample.org" => Answer::json(
                    200,
                    json!({"room_id": "!ops:example.org", "servers": ["example.org"]}),
                ),
                _ => matrix_error(404, "M_NOT_FOUND", "Room alias not found"),
            };
        }
        let Some(rest) = path.strip_prefix("/_matrix/client/v3/rooms/") else {
            return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
        };
        let Some((room, txn)) = rest.split_once("/send/m.room.message/") else {
            return matrix_error(404, "M_UNRECOGNIZED", "Unrecognized request");
        };
        if request.method != "PUT" {
            return matrix_error(405, "M_UNRECOGNIZED", "Unrecognized request");
        }
        // Only the fully encoded form is accepted, so the test sees encoding.
        let room = match room {
            "%21ops%3Aexample.org" => "!ops:example.org",
            "%21forbidden%3Aexample.org" => {
                return matrix_error(403, "M_FORBIDDEN", "User @muster:example.org not in room");
            }
            "%21busy%3Aexample.org" => {
                return Answer::json(
                    429,
                    json!({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 1500}),
                );
            }
            _ => return matrix_error(403, "M_FORBIDDEN", "Unknown room"),
        };
        let body: serde_json::Value = match serde_json::from_slice(&request.body) {
            Ok(body) => body,
            Err(_) => return matrix_error(400, "M_NOT_JSON", "Content not JSON."),
        };
        if body["msgtype"] != "m.text" || !body["body"].is_string() {
            return matrix_error(400, "M_BAD_JSON", "msgtype and body are required");
        }
        let mut events = events.lock().expect("not poisoned");
        let count = events.len();
        let (event_id, _) = events.entry(txn.to_owned()).or_insert_with(|| {
            (
                format!("$event{count}"),
                json!({"room": room, "content": body}),
            )
        });
        Answer::json(200, json!({"event_id": event_id}))
    }
}

fn config(url: &str, token: &str) -> SinkConfig {
    SinkConfig {
        matrix: Some(MatrixConfig {
            homeserver: url.into(),
            access_token: token.into(),
        }),
        ..SinkConfig::default()
    }
}

#[tokio::test]
async fn an_alias_is_resolved_and_a_retry_is_one_event() {
    let events = Events::default();
    let fake = Fake::start(homeserver(events.clone())).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    let n = drill();
    let d = destination(SinkKind::Matrix, "#ops:example.org");
    let e = envelope(delivery(1), &d, &n);
    sinks.send(&e).await.expect("sent");
    sinks.send(&e).await.expect("the retry is answered too");

    let requests = fake.requests();
    let summary: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    let put = (
        "PUT".to_owned(),
        format!(
            "/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/{}",
            delivery(1)
        ),
    );
    let lookup = (
        "GET".to_owned(),
        "/_matrix/client/v3/directory/room/%23ops%3Aexample.org".to_owned(),
    );
    assert_eq!(summary, [lookup.clone(), put.clone(), lookup, put]);
    assert_eq!(requests[1].header("content-type"), Some("application/json"));
    assert_eq!(requests[1].json(), muster_sinks::matrix::render(&e));

    let events = events.lock().expect("not poisoned");
    assert_eq!(events.len(), 1);
    let (_, event) = events.values().next().expect("one event");
    assert_eq!(event["room"], "!ops:example.org");
    assert_eq!(event["content"]["format"], "org.matrix.custom.html");
    assert!(
        event["content"]["body"]
            .as_str()
            .expect("body")
            .starts_with("[DRILL] INC-42")
    );
}

#[tokio::test]
async fn matrix_errors_are_read_by_errcode() {
    let fake = Fake::start(homeserver(Events::default())).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    let n = notification();

    let room = destination(SinkKind::Matrix, "!forbidden:example.org");
    assert_eq!(
        sinks.send(&envelope(delivery(2), &room, &n)).await,
        Err(SendError::permanent(
            "matrix answered HTTP 403 Forbidden: M_FORBIDDEN: User @muster:example.org not in room"
        ))
    );
    let busy = destination(SinkKind::Matrix, "!busy:example.org");
    assert_eq!(
        sinks.send(&envelope(delivery(3), &busy, &n)).await,
        Err(SendError::Retryable {
            reason:
                "matrix answered HTTP 429 Too Many Requests: M_LIMIT_EXCEEDED: Too Many Requests"
                    .into(),
            retry_after: Some(Duration::from_millis(1500)),
        })
    );
    let unknown = destination(SinkKind::Matrix, "#nowhere:example.org");
    assert_eq!(
        sinks.send(&envelope(delivery(4), &unknown, &n)).await,
        Err(SendError::permanent(
            "matrix answered HTTP 404 Not Found: M_NOT_FOUND: Room alias not found"
        ))
    );
    let before = fake.requests().len();
    let not_a_room = destination(SinkKind::Matrix, "ops");
    let error = sinks
        .send(&envelope(delivery(5), &not_a_room, &n))
        .await
        .expect_err("not a room");
    assert!(!error.is_retryable());
    assert_eq!(fake.requests().len(), before, "refused before asking");

    let revoked = crate::sinks(&config(&fake.url, "syt_revoked"));
    let d = destination(SinkKind::Matrix, "!ops:example.org");
    assert_eq!(
        revoked.send(&envelope(delivery(6), &d, &n)).await,
        Err(SendError::permanent(
            "matrix answered HTTP 401 Unauthorized: M_UNKNOWN_TOKEN: Invalid access token passed."
        ))
    );
}

#[tokio::test]
async fn matrix_health_asks_whoami() {
    let fake = Fake::start(homeserver(Events::default())).await;
    let sinks = sinks(&config(&fake.url, TOKEN));
    assert_eq!(
        sinks.get(SinkKind::Matrix).expect("matrix").health().await,
        Health::Ok(format!("signed in to {} as @muster:example.org", fake.url))
    );
    let revoked = crate::sinks(&config(&fake.url, "syt_revoked"));
    assert!(matches!(
        revoked.get(SinkKind::Matrix).expect("matrix").health().await,
        Health::Failing(reason) if reason.contains("M_UNKNOWN_TOKEN")
    ));
}
