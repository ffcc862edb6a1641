//! The matrix sink against a real Synapse homeserver on 127.0.0.1: sqlite,
//! the client API only (no federation), registration closed except through
//! the shared secret. Needs `python3 -m pip install matrix-synapse` (or a
//! Python that has it in `MUSTER_TEST_SYNAPSE_PYTHON`).

use std::process::Stdio;
use std::time::Duration;

use hmac::{Hmac, Mac};
use muster_core::paging::SinkKind;
use muster_sinks::http::encode_path_segment;
use muster_sinks::{Health, MatrixConfig, SendError, SinkConfig};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::programs::{python_with, skip, until};
use crate::{closed_port, delivery, destination, drill, envelope, notification, sinks};

const SHARED_SECRET: &str = "muster-test-registration-secret";

/// A throwaway ed25519 seed: the server signs nothing anyone checks.
const SIGNING_KEY: &str = "ed25519 a_muster wF7p/t852Zg+8/lTTCtscIuJs9qfYyCMvIdtA/v6v/Q";

struct Synapse {
    url: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
    child: Child,
}

impl Synapse {
    /// Starts a fresh homeserver, or `None` (with a note) without Synapse.
    async fn start() -> Option<Self> {
        let Some(python) = python_with("synapse", "MUSTER_TEST_SYNAPSE_PYTHON").await else {
            skip(
                "Synapse is not installed (python3 -m pip install matrix-synapse, \
                 or set MUSTER_TEST_SYNAPSE_PYTHON)",
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = closed_port().port();
        let root = dir.path().display();
        let config = format!(
            r#"server_name: "localhost"
pid_file: "{root}/homeserver.pid"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{root}/homeserver.db"
media_store_path: "{root}/media"
signing_key_path: "{root}/signing.key"
registration_shared_secret: "{SHARED_SECRET}"
enable_registration: false
report_stats: false
trusted_key_servers: []
federation_domain_whitelist: []
suppress_key_server_warning: true
macaroon_secret_key: "muster-test-macaroon"
form_secret: "muster-test-form"
presence:
  enabled: false
rc_message: {{per_second: 1000, burst_count: 1000}}
rc_registration: {{per_second: 1000, burst_count: 1000}}
rc_room_creation: {{per_second: 1000, burst_count: 1000}}
rc_login:
  address: {{per_second: 1000, burst_count: 1000}}
  account: {{per_second: 1000, burst_count: 1000}}
  failed_attempts: {{per_second: 1000, burst_count: 1000}}
"#
        );
        std::fs::write(dir.path().join("homeserver.yaml"), config).expect("write the config");
        std::fs::write(dir.path().join("signing.key"), SIGNING_KEY).expect("write the key");
        let log = std::fs::File::create(dir.path().join("synapse.log")).expect("a log file");
        let child = Command::new(python)
            .args(["-m", "synapse.app.homeserver", "-c", "homeserver.yaml"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log file"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("start Synapse");
        let mut synapse = Self {
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            dir,
            child,
        };
        synapse.wait_until_ready().await;
        Some(synapse)
    }

    async fn wait_until_ready(&mut self) {
        let versions = format!("{}/_matrix/client/versions", self.url);
        let http = self.http.clone();
        let log = self.dir.path().join("synapse.log");
        let child = &mut self.child;
        until("Synapse to answer", Duration::from_secs(120), || {
            let exited = child.try_wait().expect("the child's status");
            if let Some(status) = exited {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                panic!("Synapse exited with {status}:\n{log}");
            }
            let request = http.get(&versions).send();
            async move {
                request
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(drop)
            }
        })
        .await;
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("Synapse answers");
        let status = response.status();
        let body: Value = response.json().await.expect("a JSON answer");
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Registers a user through the shared secret; returns its access token.
    async fn register(&self, user: &str, password: &str) -> String {
        let path = "/_synapse/admin/v1/register";
        let nonce = self.call(reqwest::Method::GET, path, None, None).await["nonce"]
            .as_str()
            .expect("a nonce")
            .to_owned();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SHARED_SECRET.as_bytes()).expect("a key");
        for (i, part) in [nonce.as_str(), user, password, "notadmin"]
            .iter()
            .enumerate()
        {
            if i > 0 {
                mac.update(b"\0");
            }
            mac.update(part.as_bytes());
        }
        let mac = hex::encode(mac.finalize().into_bytes());
        let body = json!({"nonce": nonce, "username": user, "password": password, "mac": mac, "admin": false});
        self.call(reqwest::Method::POST, path, None, Some(body))
            .await["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// The `m.room.message` events of a room, oldest first.
    async fn messages(&self, token: &str, room_id: &str) -> Vec<Value> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit=100",
            encode_path_segment(room_id)
        );
        let page = self
            .call(reqwest::Method::GET, &path, Some(token), None)
            .await;
        let mut events: Vec<Value> = page["chunk"]
            .as_array()
            .expect("a chunk")
            .iter()
            .filter(|e| e["type"] == "m.room.message")
            .cloned()
            .collect();
        events.reverse();
        events
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
async fn messages_reach_a_real_synapse_room_once_per_delivery() {
    let Some(synapse) = Synapse::start().await else {
        return;
    };
    let token = synapse.register("muster", "muster-password").await;
    let room = synapse
        .call(
            reqwest::Method::POST,
            "/_matrix/client/v3/createRoom",
            Some(&token),
            Some(json!({"name": "Paging", "room_alias_name": "paging", "preset": "private_chat"})),
        )
        .await;
    let room_id = room["room_id"].as_str().expect("a room id").to_owned();
    let sinks = sinks(&config(&synapse.url, &token));
    let matrix = sinks.get(SinkKind::Matrix).expect("matrix");
    assert_eq!(
        matrix.health().await,
        Health::Ok(format!("signed in to {} as @muster:localhost", synapse.url))
    );

    let page = drill();
    let by_alias = destination(SinkKind::Matrix, "#paging:localhost");
    let first = envelope(delivery(1), &by_alias, &page);
    sinks.send(&first).await.expect("sent through the alias");
    sinks.send(&first).await.expect("a retry is accepted");
    let notice = notification();
    let by_id = destination(SinkKind::Matrix, room_id.clone());
    sinks
        .send(&envelope(delivery(2), &by_id, &notice))
        .await
        .expect("sent by room id");

    let events = synapse.messages(&token, &room_id).await;
    assert_eq!(
        events.len(),
        2,
        "the retry made no second event: {events:#?}"
    );
    assert_eq!(events[0]["sender"], "@muster:localhost");
    assert_eq!(events[0]["content"], muster_sinks::matrix::render(&first));
    assert_eq!(
        events[0]["unsigned"]["transaction_id"],
        delivery(1).to_string()
    );
    assert!(
        events[1]["content"]["body"]
            .as_str()
            .expect("a body")
            .starts_with("INC-42 SEV1 Login is down (P-7)")
    );

    let unknown_alias = destination(SinkKind::Matrix, "#nowhere:localhost");
    let error = sinks
        .send(&envelope(delivery(3), &unknown_alias, &notice))
        .await
        .expect_err("no such alias");
    assert!(
        matches!(&error, SendError::Permanent { reason } if reason.contains("M_NOT_FOUND")),
        "{error:?}"
    );
    let not_joined = destination(SinkKind::Matrix, "!notjoined:localhost");
    let error = sinks
        .send(&envelope(delivery(4), &not_joined, &notice))
        .await
        .expect_err("not in that room");
    assert!(!error.is_retryable(), "{error:?}");

    let revoked = crate::sinks(&config(&synapse.url, "syt_not_a_token"));
    assert!(matches!(
        revoked.get(SinkKind::Matrix).expect("matrix").health().await,
        Health::Failing(reason) if reason.contains("M_UNKNOWN_TOKEN")
    ));
    let error = revoked
        .send(&envelope(delivery(5), &by_id, &notice))
        .await
        .expect_err("bad token");
    assert!(!error.is_retryable(), "{error:?}");
}
