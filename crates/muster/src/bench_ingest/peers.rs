//! The two servers under test, each its own child process on loopback so
//! that neither shares the load generator's runtime and each one's RSS is its
//! own: the real Prometheus Alertmanager, and `muster serve` (this binary)
//! on a fresh SQLite file or PostgreSQL database. Plus the local webhook
//! receiver both notify. Every child is killed when its [`Peer`] is stopped
//! or dropped (`kill_on_drop`), so an error or Ctrl-C leaves none behind.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use sqlx::Row as _;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::payload;
use super::setup;

/// Which server a peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Alertmanager,
    MusterSqlite,
    MusterPostgres,
}

impl System {
    pub fn is_muster(self) -> bool {
        self != Self::Alertmanager
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Alertmanager => "Alertmanager",
            Self::MusterSqlite => "muster SQLite",
            Self::MusterPostgres => "muster PostgreSQL",
        }
    }

    /// The store alone, for narrow table headers.
    pub fn short(self) -> &'static str {
        match self {
            Self::Alertmanager => "AM",
            Self::MusterSqlite => "SQLite",
            Self::MusterPostgres => "PG",
        }
    }
}

/// How Alertmanager groups: by `alertname` (10 groups, the reference
/// harness's throughput and memory runs) or one group per alert (`['...']`,
/// its latency runs: each new alert is its own notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    ByAlertname,
    PerAlert,
}

/// Alertmanager's configuration: the reference harness's `mkconf`.
pub fn alertmanager_config(grouping: Grouping, receiver: &str) -> String {
    let group_by = match grouping {
        Grouping::ByAlertname => "['alertname']",
        Grouping::PerAlert => "['...']",
    };
    format!(
        "global:\n  resolve_timeout: 5m\nroute:\n  receiver: sink\n  group_by: {group_by}\n  \
         group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n- name: sink\n  \
         webhook_configs:\n  - url: {receiver}/hook\n    send_resolved: true\n    max_alerts: 10\n"
    )
}

/// What to start a peer with.
#[derive(Debug, Clone)]
pub struct Options {
    pub alertmanager: PathBuf,
    pub postgres_url: String,
}

/// A running child and the last lines it wrote to stderr.
struct Process {
    child: Child,
    pid: u32,
    stderr: Arc<Mutex<VecDeque<String>>>,
}

impl Process {
    /// Spawns `command` with stderr read line by line (kept: the last 40),
    /// and `found` told the first line containing `marker`, if any.
    fn spawn(
        mut command: Command,
        marker: Option<&'static str>,
    ) -> anyhow::Result<(Self, tokio::sync::oneshot::Receiver<String>)> {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let pid = child.id().context("the child exited at once")?;
        let stderr: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let (found, found_rx) = tokio::sync::oneshot::channel();
        if let Some(pipe) = child.stderr.take() {
            let kept = stderr.clone();
            tokio::spawn(async move {
                let mut found = Some(found);
                let mut lines = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(m) = marker
                        && line.contains(m)
                        && let Some(tell) = found.take()
                    {
                        let _ = tell.send(line.clone());
                    }
                    let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
                    if kept.len() == 40 {
                        kept.pop_front();
                    }
                    kept.push_back(line);
                }
            });
        }
        Ok((Self { child, pid, stderr }, found_rx))
    }

    fn last_words(&self) -> String {
        let kept = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    fn rss_kb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        vm_rss_kb(&status)
    }
}

/// `VmRSS` of a `/proc/PID/status` text, in kB.
pub fn vm_rss_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}

/// The value of the sample named exactly `name` in Prometheus text.
pub fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter_map(|line| line.strip_prefix(name))
        .find_map(|rest| rest.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

/// One server under test.
pub struct Peer {
    pub system: System,
    /// Where alerts are POSTed.
    pub ingest_url: String,
    base: String,
    /// muster's admin token.
    token: Option<String>,
    // Declared before `database`: the child dies before its database is dropped.
    process: Process,
    database: Option<(String, Option<muster_store_postgres::testing::Guard>)>,
    _dir: tempfile::TempDir,
}

/// A port free a moment ago, for Alertmanager, which cannot report the one
/// it bound.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Peer {
    /// Starts `system` on loopback, notifying `receiver`, and waits until it
    /// answers.
    pub async fn start(
        system: System,
        grouping: Grouping,
        receiver: &str,
        options: &Options,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        match system {
            System::Alertmanager => Self::alertmanager(dir, grouping, receiver, options).await,
            System::MusterSqlite => {
                let url = format!("sqlite://{}", dir.path().join("muster.db").display());
                Self::muster(system, dir, url, None, receiver).await
            }
            System::MusterPostgres => {
                let (url, guard) =
                    muster_store_postgres::testing::create_database(&options.postgres_url)
                        .await
                        .context("the PostgreSQL runs need a server (see --postgres-url)")?;
                Self::muster(system, dir, url, Some(guard), receiver).await
            }
        }
    }

    async fn alertmanager(
        dir: tempfile::TempDir,
        grouping: Grouping,
        receiver: &str,
        options: &Options,
    ) -> anyhow::Result<Self> {
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, alertmanager_config(grouping, receiver))?;
        let storage = dir.path().join("data");
        std::fs::create_dir_all(&storage)?;
        let port = free_port()?;
        let mut command = Command::new(&options.alertmanager);
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Empty: no clustering, no gossip port.
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .current_dir(dir.path());
        let (process, _) = Process::spawn(command, None).with_context(|| {
            format!(
                "cannot start Alertmanager ({}; see --alertmanager)",
                options.alertmanager.display()
            )
        })?;
        let base = format!("http://127.0.0.1:{port}");
        let mut peer = Self {
            system: System::Alertmanager,
            ingest_url: format!("{base}/api/v2/alerts"),
            base,
            token: None,
            process,
            database: None,
            _dir: dir,
        };
        peer.wait_ready("/-/ready").await?;
        Ok(peer)
    }

    async fn muster(
        system: System,
        dir: tempfile::TempDir,
        url: String,
        guard: Option<muster_store_postgres::testing::Guard>,
        receiver: &str,
    ) -> anyhow::Result<Self> {
        let prepared = setup::prepare(&url, receiver).await?;
        let exe = std::env::current_exe().context("where is this muster binary?")?;
        let mut command = Command::new(exe);
        command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--status-listen",
                "127.0.0.1:0",
                "--database-url",
                &url,
            ])
            // Far above any rate here: the bench measures ingestion, not the limiter.
            .args(["--ingest-rate-limit", "1000000000"])
            .env("MUSTER_LOG", "warn")
            // Its start-up health check would reach ntfy.sh: loopback only, like the rest.
            .env("MUSTER_NTFY_URL", "http://127.0.0.1:9")
            .env_remove("MUSTER_CONFIG")
            // No stray muster.toml: the working directory is the bench's own.
            .current_dir(dir.path());
        let (process, listening) = Process::spawn(command, Some("listening on http://"))?;
        let line = tokio::time::timeout(Duration::from_secs(60), listening).await;
        let address = match line {
            Ok(Ok(line)) => line
                .split("listening on ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned),
            _ => None,
        };
        let Some(base) = address else {
            bail!(
                "muster serve did not start; its last words:\n{}",
                process.last_words()
            );
        };
        let mut peer = Self {
            system,
            ingest_url: format!("{base}/ingest/alertmanager/{}", prepared.key),
            base,
            token: Some(prepared.token),
            process,
            database: Some((url, guard)),
            _dir: dir,
        };
        peer.wait_ready("/readyz").await?;
        Ok(peer)
    }

    async fn wait_ready(&mut self, path: &str) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.process.child.try_wait() {
                bail!(
                    "{} exited ({status}) before it was ready; its last words:\n{}",
                    self.system.label(),
                    self.process.last_words()
                );
            }
            let url = format!("{}{path}", self.base);
            if http
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "{} was not ready within 30 s; its last words:\n{}",
            self.system.label(),
            self.process.last_words()
        )
    }

    /// Pages the bench service through muster's API (not through an alert),
    /// with `summary`; whether muster accepted the page.
    pub async fn page_directly(&self, summary: &str) -> anyhow::Result<bool> {
        let Some(token) = &self.token else {
            bail!("only muster takes pages");
        };
        let body = serde_json::json!({
            "target": {"kind": "service", "name": "bench-svc"},
            "summary": summary,
        });
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/pages", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        Ok(response.status().is_success())
    }

    /// The server's resident memory now, in kB.
    pub fn rss_kb(&self) -> Option<u64> {
        self.process.rss_kb()
    }

    /// Open alerts as the server counts them: Alertmanager's
    /// `alertmanager_alerts{state="active"}`, muster's firing rows.
    pub async fn open_alerts(&self) -> anyhow::Result<u64> {
        match &self.database {
            None => {
                let text = reqwest::get(format!("{}/metrics", self.base))
                    .await?
                    .text()
                    .await?;
                let active = metric(&text, "alertmanager_alerts{state=\"active\"}")
                    .context("Alertmanager's metrics have no active alert count")?;
                Ok(active as u64)
            }
            Some((url, _)) => Ok(count_alerts(url, true).await?.0),
        }
    }

    /// muster's database (none for Alertmanager).
    pub fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(|(url, _)| url.as_str())
    }

    /// Kills the server (SIGKILL: as a crash would) and, for muster, counts
    /// what its database holds: `(alerts, occurrences)`. Everything
    /// acknowledged must be there.
    pub async fn stop(mut self) -> anyhow::Result<Option<(u64, u64)>> {
        let _ = self.process.child.kill().await;
        match &self.database {
            None => Ok(None),
            Some((url, _)) => Ok(Some(count_alerts(url, false).await?)),
        }
    }
}

/// `(alerts, sum of occurrences)` in muster's database, all or only firing.
async fn count_alerts(url: &str, firing_only: bool) -> anyhow::Result<(u64, u64)> {
    let sql = if firing_only {
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(occurrences), 0) AS BIGINT) AS o FROM alerts WHERE status = 'firing'"
    } else {
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(occurrences), 0) AS BIGINT) AS o FROM alerts"
    };
    let row = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await?;
        let row = sqlx::query(sql).fetch_one(&pool).await?;
        let counted = (row.try_get::<i64, _>("n")?, row.try_get::<i64, _>("o")?);
        pool.close().await;
        counted
    } else {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(muster_store_sqlite::SqliteStore::path_from_url(url))
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await?;
        let row = sqlx::query(sql).fetch_one(&pool).await?;
        let counted = (row.try_get::<i64, _>("n")?, row.try_get::<i64, _>("o")?);
        pool.close().await;
        counted
    };
    Ok((
        u64::try_from(row.0).unwrap_or(0),
        u64::try_from(row.1).unwrap_or(0),
    ))
}

/// The local webhook receiver (`POST /hook`): notes when each latency probe
/// first arrived, and answers 200 to everything.
pub struct Receiver {
    pub url: String,
    arrivals: Arc<Mutex<HashMap<u64, Instant>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> anyhow::Result<Self> {
        let arrivals: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
        let recorded = arrivals.clone();
        let router = Router::new().route(
            "/hook",
            post(move |body: Bytes| {
                let recorded = recorded.clone();
                async move {
                    let at = Instant::now();
                    let ids = payload::probe_ids(&body);
                    if !ids.is_empty() {
                        let mut seen = recorded.lock().unwrap_or_else(|p| p.into_inner());
                        for id in ids {
                            seen.entry(id).or_insert(at);
                        }
                    }
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            url: format!("http://{address}"),
            arrivals,
            server,
        })
    }

    /// When probe `id` first arrived, if it did.
    pub fn arrival(&self, id: u64) -> Option<Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .copied()
    }

    /// When each probe first arrived.
    pub fn arrivals(&self) -> HashMap<u64, Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn arrived(&self) -> usize {
        self.arrivals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Whether `path` looks like a program that can be run.
pub fn runnable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_and_metrics_are_read_from_their_texts() {
        let status = "Name:\talertmanager\nVmPeak:\t  900 kB\nVmRSS:\t  360028 kB\nThreads: 9\n";
        assert_eq!(vm_rss_kb(status), Some(360_028));
        assert_eq!(vm_rss_kb("Name: x\n"), None);
        let text = "# HELP x\nalertmanager_alerts{state=\"active\"} 100000\n\
                    alertmanager_alerts{state=\"suppressed\"} 0\nalertmanager_alerts_received_total 3\n";
        assert_eq!(
            metric(text, "alertmanager_alerts{state=\"active\"}"),
            Some(100_000.0)
        );
        assert_eq!(metric(text, "alertmanager_alerts"), None);
    }

    #[test]
    fn alertmanager_notifies_the_receiver_at_once() {
        let config = alertmanager_config(Grouping::PerAlert, "http://127.0.0.1:9");
        assert!(config.contains("group_by: ['...']"));
        assert!(config.contains("group_wait: 0s"));
        assert!(config.contains("url: http://127.0.0.1:9/hook"));
    }
}
