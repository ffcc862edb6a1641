//! Three `muster serve` processes on one PostgreSQL database page through
//! one escalation policy; one of them is killed with SIGKILL while steps are
//! firing and notifications are going out. Counted at the receiver: every
//! step of every page fires exactly once and every notification arrives
//! (the dead node's claimed work is redone once its lease lapses), none is
//! doubled.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{BINARY, admin_token};
use futures::future::join_all;
use muster_test_support::peers::{WebhookReceiver, until};
use serde_json::{Value, json};

const PAGES: usize = 150;
const STEPS: usize = 3;

struct Node {
    child: Child,
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node with a short delivery lease, so a dead node's work is redone
/// within seconds rather than a minute.
fn node(database_url: &str) -> Node {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--status-listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("MUSTER_LOG", "warn")
        .env("MUSTER_ENGINE_LEASE_SECONDS", "5")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start muster serve");
    let stderr = child.stderr.take().expect("stderr");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let _ = sender.send(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    });
    let base = receiver
        .recv_timeout(Duration::from_secs(60))
        .expect("muster serve reports its address");
    Node { child, base }
}

fn plan() -> String {
    r#"kind: Team
name: ops
title: Ops
escalation_policy: ops-oncall
---
kind: Schedule
name: ops-primary
owner: ops
review_every: 90d
last_reviewed: 2026-11-01
time_zone: UTC
rotations:
  - {participants: [p1@example.com], shift: 1w, handoff: "00:00", start: 2026-01-05}
---
kind: EscalationPolicy
name: ops-oncall
owner: ops
review_every: 90d
last_reviewed: 2026-11-01
steps:
  - targets: [{schedule: ops-primary}]
    delay: 2s
  - targets: [{user: p2@example.com}]
    delay: 2s
  - targets: [{user: p3@example.com}]
    delay: 2s
"#
    .to_owned()
}

async fn call(
    http: &reqwest::Client,
    token: &str,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_mid_escalation_loses_no_step_and_doubles_none() {
    let Some(base) = std::env::var("MUSTER_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        muster_test_support::skip("MUSTER_TEST_POSTGRES_URL is not set");
        return;
    };
    let (url, _guard) = muster_store_postgres::testing::fresh_database(&base).await;
    let token = admin_token(&url, "admin@example.com", "admin");
    let hooks = WebhookReceiver::start().await;
    let http = reqwest::Client::new();
    let post = reqwest::Method::POST;

    let first = node(&url);
    for n in 1..=3 {
        let email = format!("p{n}@example.com");
        let (status, body) = call(
            &http,
            &token,
            post.clone(),
            format!("{}/api/v1/users", first.base),
            Some(json!({
                "email": email,
                "role": "responder",
                "contact_methods": [{"kind": "chat", "address": format!("webhook:{}", hooks.url(&format!("p{n}")))}],
            })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        // Only the webhook: no SMTP here, so no default email.
        let (status, body) = call(
            &http,
            &token,
            reqwest::Method::PUT,
            format!("{}/api/v1/users/{email}/notification-rules", first.base),
            Some(json!({"rules": [{"kind": "chat", "after_minutes": 0}]})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = call(
        &http,
        &token,
        post.clone(),
        format!("{}/api/v1/plan/apply", first.base),
        Some(json!({"files": [{"path": "plan.yaml", "text": plan()}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut nodes = vec![first, node(&url), node(&url)];

    // Pages raised on every node at once.
    let raised = join_all((0..PAGES).map(|n| {
        let url = format!("{}/api/v1/pages", nodes[n % nodes.len()].base);
        let (http, token, post) = (http.clone(), token.clone(), post.clone());
        async move {
            call(
                &http,
                &token,
                post,
                url,
                Some(json!({"target": {"kind": "team", "name": "ops"}, "summary": format!("storm {n}")})),
            )
            .await
        }
    }))
    .await;
    assert!(
        raised.iter().all(|(status, _)| *status == 201),
        "{raised:?}"
    );

    // Mid-escalation: once the first notifications are arriving, kill one.
    until(
        "the first notifications",
        Duration::from_secs(30),
        || async { (hooks.hooks().len() >= PAGES / 2).then_some(()) },
    )
    .await;
    let mut killed = nodes.remove(0);
    killed.child.kill().expect("kill -9");
    let _ = killed.child.wait();
    let at_kill = hooks.hooks().len();

    let expected = PAGES * STEPS;
    until("every notification", Duration::from_secs(90), || async {
        (hooks.per_key().len() >= expected).then_some(())
    })
    .await;
    // Give a late double (if any) the chance to show before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let per_key = hooks.per_key();
    let raw = hooks.hooks().len();
    eprintln!(
        "{} pages × {STEPS} steps on 3 nodes, one killed after {at_kill} notifications: \
         {} distinct notifications received ({raw} requests)",
        PAGES,
        per_key.len()
    );
    assert_eq!(
        per_key.len(),
        expected,
        "every notification arrived, none invented"
    );
    assert!(
        per_key.values().all(|n| *n <= 2),
        "a notification is sent again at most once, after its node died mid-send"
    );

    // Each page's history: three steps, each fired once, each delivered.
    let survivor = &nodes[0].base;
    for n in 1..=PAGES {
        let (status, detail) = call(
            &http,
            &token,
            reqwest::Method::GET,
            format!("{survivor}/api/v1/pages/P-{n}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{detail}");
        let fired = detail["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|e| e["kind"] == "step_fired")
            .count();
        assert_eq!(fired, STEPS, "P-{n} fired each step once: {detail}");
        let deliveries = detail["deliveries"].as_array().expect("deliveries");
        assert_eq!(deliveries.len(), STEPS, "P-{n}: {detail}");
        assert!(
            deliveries.iter().all(|d| d["status"] == "sent"),
            "P-{n}: {detail}"
        );
    }
    let doubled = raw - per_key.len();
    eprintln!("requests sent twice (a dead node's in-flight sends, redone): {doubled}");
}
