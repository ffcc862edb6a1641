//! `muster bench api`: drives the real server over HTTP with concurrent
//! clients and prints throughput and latency, beside a baseline measured in
//! the same run on the same machine (raw durable commits of the database,
//! and bare HTTP round trips).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use muster_app::{App, Settings, SystemClock};
use muster_core::UserRole;
use muster_server::AppState;
use serde_json::json;
use sqlx::{Connection, Executor};

use crate::store;

/// Which databases a benchmark runs on.
#[derive(Debug, Clone, clap::Args)]
pub struct Stores {
    /// Which stores to measure.
    #[arg(long, value_enum, default_value = "both")]
    pub store: StoreChoice,
    /// PostgreSQL server for the postgres runs (a fresh database is created and dropped).
    #[arg(
        long,
        env = "MUSTER_BENCH_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
}

impl Stores {
    pub fn wants(&self, store: &str) -> bool {
        match self.store {
            StoreChoice::Both => true,
            StoreChoice::Sqlite => store == "sqlite",
            StoreChoice::Postgres => store == "postgres",
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub stores: Stores,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds each measured phase runs.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Runs per phase; the table shows the median run.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreChoice {
    Sqlite,
    Postgres,
    Both,
}

/// One measured phase.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    /// Successful requests per second.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Runs `request(client_index, sequence)` from `clients` tasks for `duration`.
pub(crate) async fn drive<F, Fut>(clients: usize, duration: Duration, request: F) -> Sample
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let request = request.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let mut sequence = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if request(client, sequence).await {
                        latencies.push(sent.elapsed());
                    } else {
                        errors += 1;
                    }
                    sequence += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((mut l, e)) = task.await {
            latencies.append(&mut l);
            errors += e;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    Sample {
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: percentile(&latencies, 0.50),
        p99_ms: percentile(&latencies, 0.99),
        errors,
    }
}

fn median_sample(samples: Vec<Sample>) -> Sample {
    Sample {
        per_second: median(samples.iter().map(|s| s.per_second).collect()),
        p50_ms: median(samples.iter().map(|s| s.p50_ms).collect()),
        p99_ms: median(samples.iter().map(|s| s.p99_ms).collect()),
        errors: samples.iter().map(|s| s.errors).sum(),
    }
}

/// Single-row durable commits/s straight on the database, one connection:
/// the yardstick the API's numbers are read against.
async fn baseline_commits(url: &str, duration: Duration) -> anyhow::Result<f64> {
    let deadline = Instant::now() + duration;
    let mut count = 0u64;
    if url.starts_with("postgres") {
        let mut connection = sqlx::PgConnection::connect(url).await?;
        // A real (not temporary) table, so each commit pays the WAL flush.
        connection
            .execute("DROP TABLE IF EXISTS bench_baseline_durable")
            .await?;
        connection.execute("CREATE TABLE bench_baseline_durable (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)").await?;
        while Instant::now() < deadline {
            sqlx::query("INSERT INTO bench_baseline_durable (body) VALUES ($1)")
                .bind("baseline note")
                .execute(&mut connection)
                .await?;
            count += 1;
        }
        connection
            .execute("DROP TABLE bench_baseline_durable")
            .await?;
    } else {
        let path = muster_store_sqlite::SqliteStore::path_from_url(url);
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path.with_extension("baseline.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let mut connection = sqlx::SqliteConnection::connect_with(&options).await?;
        connection.execute("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").await?;
        while Instant::now() < deadline {
            sqlx::query("INSERT INTO bench_baseline (body) VALUES (?1)")
                .bind("baseline note")
                .execute(&mut connection)
                .await?;
            count += 1;
        }
    }
    Ok(count as f64 / duration.as_secs_f64())
}

struct Row {
    store: &'static str,
    phase: &'static str,
    sample: Sample,
    baseline: f64,
    baseline_name: &'static str,
}

/// The real server on a fresh database at `url`, on 127.0.0.1:0, with an
/// admin token; stopped by [`Running::stop`].
pub(crate) struct Running {
    pub base: String,
    pub token: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    opened: store::OpenStore,
}

impl Running {
    pub async fn start(url: &str) -> anyhow::Result<Self> {
        let opened = store::open(url, true).await?;
        let app = App::new(
            opened.store.clone(),
            Arc::new(SystemClock),
            Settings::default(),
        );
        let (_, token) = app
            .issue_admin_token("bench@example.com", UserRole::Admin, "bench")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(muster_server::serve(
            listener,
            AppState::new(app, None),
            async {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            base: format!("http://{address}"),
            token,
            stop,
            server,
            opened,
        })
    }

    /// Stops the server and closes the store (releasing the SQLite lock).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.server.await;
        drop(self.opened);
    }
}

async fn measure(
    store_name: &'static str,
    url: &str,
    args: &BenchArgs,
) -> anyhow::Result<Vec<Row>> {
    let running = Running::start(url).await?;
    let (base, token) = (running.base.clone(), running.token.clone());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let duration = Duration::from_secs(args.seconds.max(1));

    // One incident per client, so note appends measure the write path, not one hot row.
    for n in 0..args.clients {
        let response = http
            .post(format!("{base}/api/v1/incidents"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("bench incident {n}")}))
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("warm-up declare failed: {}", response.status());
        }
    }

    let mut health = Vec::new();
    let mut declares = Vec::new();
    let mut notes = Vec::new();
    for _ in 0..args.runs.max(1) {
        let (client, url) = (http.clone(), format!("{base}/healthz"));
        health.push(
            drive(args.clients, duration, move |_, _| {
                let (client, url) = (client.clone(), url.clone());
                async move {
                    client
                        .get(url)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                }
            })
            .await,
        );
        let (client, url, secret) = (
            http.clone(),
            format!("{base}/api/v1/incidents"),
            token.clone(),
        );
        declares.push(
            drive(args.clients, duration, move |c, n| {
                let (client, url, secret) = (client.clone(), url.clone(), secret.clone());
                async move {
                    client
                        .post(url)
                        .bearer_auth(secret)
                        .json(&json!({"title": format!("declared by client {c} #{n}"), "severity": "SEV2"}))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                }
            })
            .await,
        );
        let (client, base_url, secret) = (http.clone(), base.clone(), token.clone());
        notes.push(
            drive(args.clients, duration, move |c, n| {
                let (client, secret) = (client.clone(), secret.clone());
                let url = format!("{base_url}/api/v1/incidents/{}/notes", c + 1);
                async move {
                    client
                        .post(url)
                        .bearer_auth(secret)
                        .json(&json!({"text": format!("note {n} from client {c}")}))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                }
            })
            .await,
        );
    }
    running.stop().await;

    let commits = baseline_commits(url, duration)
        .await
        .context("measuring the baseline")?;
    let health = median_sample(health);
    let http_rate = health.per_second;
    Ok(vec![
        Row {
            store: store_name,
            phase: "GET /healthz",
            sample: health,
            baseline: http_rate,
            baseline_name: "itself",
        },
        Row {
            store: store_name,
            phase: "declare incident",
            sample: median_sample(declares),
            baseline: commits,
            baseline_name: "raw commits/s",
        },
        Row {
            store: store_name,
            phase: "append note",
            sample: median_sample(notes),
            baseline: commits,
            baseline_name: "raw commits/s",
        },
    ])
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    let mut baselines = Vec::new();
    if args.stores.wants("sqlite") {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        eprintln!(
            "measuring SQLite ({} clients, {} s x {} runs per phase)…",
            args.clients, args.seconds, args.runs
        );
        let measured = measure("sqlite", &url, &args).await?;
        baselines.push(("sqlite", measured[1].baseline));
        rows.extend(measured);
    }
    if args.stores.wants("postgres") {
        eprintln!(
            "measuring PostgreSQL ({} clients, {} s x {} runs per phase)…",
            args.clients, args.seconds, args.runs
        );
        let (url, guard) =
            muster_store_postgres::testing::create_database(&args.stores.postgres_url)
                .await
                .context("the PostgreSQL runs need a server (see --postgres-url)")?;
        let measured = measure("postgres", &url, &args).await;
        drop(guard);
        let measured = measured?;
        baselines.push(("postgres", measured[1].baseline));
        rows.extend(measured);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "store",
        "phase",
        "ops/s (median)",
        "p50 ms",
        "p99 ms",
        "errors",
        "vs baseline",
    ]);
    for row in &rows {
        let ratio = if row.baseline_name == "itself" {
            "baseline".to_owned()
        } else {
            format!(
                "{:.2}x {}",
                row.sample.per_second / row.baseline.max(1.0),
                row.baseline_name
            )
        };
        table.add_row(vec![
            row.store.to_owned(),
            row.phase.to_owned(),
            format!("{:.0}", row.sample.per_second),
            format!("{:.2}", row.sample.p50_ms),
            format!("{:.2}", row.sample.p99_ms),
            row.sample.errors.to_string(),
            ratio,
        ]);
    }
    println!("{table}");
    for (store, commits) in baselines {
        println!(
            "baseline {store}: {commits:.0} single-row durable commits/s from one connection, same machine, same run"
        );
    }
    Ok(())
}
