//! Real peers for tests: an SMTP server (Python's aiosmtpd) that records
//! every message, a webhook receiver that records every request and can
//! be told to be down, and Prometheus Alertmanager. Plus polling with a
//! deadline instead of sleeping.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::skip;

/// The SMTP server script the email sink's own tests use, shared.
const SMTP_SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../muster-sinks/tests/sinks/smtp_server.py"
);

/// A Python interpreter that can import `module` (`MUSTER_TEST_PYTHON` or `python3`).
pub async fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("MUSTER_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into());
    let status = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    matches!(status, Ok(s) if s.success()).then_some(python)
}

/// Polls `check` until it gives a value, failing after `deadline`.
pub async fn until<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let give_up = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "gave up after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One message the SMTP server accepted, as Python's email parser reads it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    /// The text/plain part.
    pub text: String,
}

/// A running aiosmtpd on 127.0.0.1; stops when dropped.
pub struct SmtpServer {
    pub port: u16,
    outdir: tempfile::TempDir,
    _stdin: ChildStdin,
    _child: Child,
}

impl SmtpServer {
    /// Starts one, or `None` (with a note, or a failure under
    /// `MUSTER_TEST_REQUIRE_ALL=1`) when aiosmtpd is not installed.
    pub async fn start() -> Option<Self> {
        let Some(python) = python_with("aiosmtpd").await else {
            skip("python3 with aiosmtpd is not installed (python3 -m pip install aiosmtpd)");
            return None;
        };
        let outdir = tempfile::tempdir().expect("a temporary directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(python)
            .arg(SMTP_SCRIPT)
            .arg(port.to_string())
            .arg(outdir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP server");
        let stdin = child.stdin.take().expect("its stdin");
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server starts within 30 s")
            .expect("its stdout is readable");
        assert_eq!(
            ready.as_deref(),
            Some("ready"),
            "the SMTP server did not start"
        );
        Some(Self {
            port,
            outdir,
            _stdin: stdin,
            _child: child,
        })
    }

    /// What muster's `MUSTER_SMTP_URL` would be.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.outdir.path())
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|path| {
                let raw = std::fs::read_to_string(path).ok()?;
                let json: serde_json::Value = serde_json::from_str(&raw).ok()?;
                Some(Mail {
                    to: json["rcpt_tos"]
                        .as_array()?
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect(),
                    subject: json["subject"].as_str()?.to_owned(),
                    text: json["parts"]["text/plain"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                })
            })
            .collect()
    }

    /// The messages to one address.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .collect()
    }
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
    /// The body as sent (what a signature covers).
    pub raw: Vec<u8>,
    /// Its `Idempotency-Key` header.
    pub key: String,
}

#[derive(Default)]
struct Recorded {
    /// Answer 503 to everything while set.
    down: bool,
    hooks: Vec<Hook>,
    refused: usize,
}

/// A webhook receiver on 127.0.0.1 that records what it accepts.
#[derive(Clone)]
pub struct WebhookReceiver {
    pub address: SocketAddr,
    recorded: Arc<Mutex<Recorded>>,
}

async fn receive(
    State(recorded): State<Arc<Mutex<Recorded>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut recorded = recorded.lock().unwrap_or_else(|p| p.into_inner());
    if recorded.down {
        recorded.refused += 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    recorded.hooks.push(Hook {
        path: uri.path().to_owned(),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        raw: body.to_vec(),
        headers,
        key,
    });
    StatusCode::OK
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let recorded: Arc<Mutex<Recorded>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let address = listener.local_addr().expect("its address");
        let router = Router::new()
            .route("/{*path}", post(receive))
            .with_state(recorded.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { address, recorded }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.address, path.trim_start_matches('/'))
    }

    pub fn set_down(&self, down: bool) {
        self.recorded.lock().unwrap_or_else(|p| p.into_inner()).down = down;
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .hooks
            .clone()
    }

    pub fn hooks_at(&self, path: &str) -> Vec<Hook> {
        self.hooks()
            .into_iter()
            .filter(|h| h.path == path)
            .collect()
    }

    pub fn refused(&self) -> usize {
        self.recorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refused
    }

    /// How many times each idempotency key arrived.
    pub fn per_key(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for hook in self.hooks() {
            *counts.entry(hook.key).or_default() += 1;
        }
        counts
    }
}

/// A peer's program: the path in `variable`, else the first of `names`
/// found on the `PATH`.
pub(crate) fn program(variable: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The Alertmanager binary: `MUSTER_TEST_ALERTMANAGER`, else Debian's
/// `prometheus-alertmanager` or upstream's `alertmanager` on the `PATH`.
fn alertmanager_binary() -> Option<PathBuf> {
    program(
        "MUSTER_TEST_ALERTMANAGER",
        &["prometheus-alertmanager", "alertmanager"],
    )
}

/// A real Prometheus Alertmanager on 127.0.0.1: alone (no cluster, no
/// gossip), with its own storage and the configuration it was given;
/// killed when dropped.
pub struct Alertmanager {
    pub address: SocketAddr,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Alertmanager {
    /// Starts one with `config` (an `alertmanager.yml`) and waits until it
    /// is ready, or `None` (with a note, or a failure under
    /// `MUSTER_TEST_REQUIRE_ALL=1`) when Alertmanager is not installed.
    pub async fn start(config: &str) -> Option<Self> {
        let Some(binary) = alertmanager_binary() else {
            skip(
                "Alertmanager is not installed (Debian package prometheus-alertmanager, \
                 or MUSTER_TEST_ALERTMANAGER=/path/to/alertmanager)",
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config_file = dir.path().join("alertmanager.yml");
        std::fs::write(&config_file, config).expect("write alertmanager.yml");
        let storage = dir.path().join("data");
        std::fs::create_dir(&storage).expect("its storage directory");
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).expect("its log file");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new(&binary)
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.path={}", storage.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // What it writes as `externalURL` and `client_url`, instead of
            // this machine's host name.
            .arg(format!("--web.external-url=http://127.0.0.1:{port}"))
            // Empty: no cluster, so nothing listens for gossip.
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("its log file, twice"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut alertmanager = Self {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
            child,
        };
        alertmanager.wait_ready().await;
        Some(alertmanager)
    }

    async fn wait_ready(&mut self) {
        let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Alertmanager exited ({status}):\n{}", self.log());
            }
            let ready = client.get(self.url("/-/ready")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < give_up,
                "Alertmanager was not ready within 30 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// What it was told its external URL is (its `externalURL`).
    pub fn external_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Posts alerts to `/api/v2/alerts`, as Prometheus does; fails the test
    /// unless they are accepted.
    pub async fn push(&self, alerts: &serde_json::Value) {
        let response = reqwest::Client::new()
            .post(self.url("/api/v2/alerts"))
            .json(alerts)
            .send()
            .await
            .expect("Alertmanager answers");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "Alertmanager refused the alerts ({status}): {body}"
        );
    }

    /// The alerts it holds as active (`GET /api/v2/alerts`).
    pub async fn alerts(&self) -> Vec<serde_json::Value> {
        reqwest::Client::new()
            .get(self.url("/api/v2/alerts"))
            .send()
            .await
            .expect("Alertmanager answers")
            .json()
            .await
            .expect("a list of alerts")
    }

    /// Notifications sent through `integration` (`webhook`, `pagerduty`)
    /// so far, and how many of them failed, from its own metrics.
    pub async fn notifications(&self, integration: &str) -> (u64, u64) {
        let metrics = reqwest::Client::new()
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("Alertmanager answers")
            .text()
            .await
            .expect("its metrics");
        let label = format!("integration=\"{integration}\"");
        let count = |name: &str| -> u64 {
            metrics
                .lines()
                .filter(|line| line.starts_with(&format!("{name}{{")) && line.contains(&label))
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum::<f64>() as u64
        };
        (
            count("alertmanager_notifications_total"),
            count("alertmanager_notifications_failed_total"),
        )
    }

    /// What it has logged (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("alertmanager.log")).unwrap_or_default()
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
