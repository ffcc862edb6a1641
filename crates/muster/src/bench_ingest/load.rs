//! The closed-loop phases: sustained alerts/s accepted (N clients, each
//! sending its next request when the last is answered) and the memory of
//! 100,000 open alerts. A fresh server per run, as the reference harness.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use jiff::{SignedDuration, Timestamp};

use super::payload::{self, Alert, REPEAT_SET};
use super::peers::{Grouping, Options, Peer, Receiver, System};
use crate::bench::drive;

/// What the throughput phase sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shape {
    /// Never-seen alerts, one per request.
    Distinct1,
    /// Never-seen alerts, 64 per request.
    Distinct64,
    /// The same 1,000 alerts again and again, one per request.
    Repeats1,
    /// The same alerts (960: 15 fixed bodies of 64) again and again.
    Repeats64,
}

impl Shape {
    pub const ALL: [Shape; 4] = [
        Shape::Distinct1,
        Shape::Distinct64,
        Shape::Repeats1,
        Shape::Repeats64,
    ];

    pub fn batch(self) -> usize {
        match self {
            Self::Distinct1 | Self::Repeats1 => 1,
            Self::Distinct64 | Self::Repeats64 => 64,
        }
    }

    pub fn repeats(self) -> bool {
        matches!(self, Self::Repeats1 | Self::Repeats64)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Distinct1 => "distinct, 1 per request",
            Self::Distinct64 => "distinct, batches of 64",
            Self::Repeats1 => "repeats, 1 per request",
            Self::Repeats64 => "repeats, batches of 64",
        }
    }
}

/// Alerts in the body a peer reads: Alertmanager's API array, or the
/// webhook Alertmanager would send muster for the same alerts.
#[derive(Debug, Clone)]
pub struct Encoder {
    muster: bool,
    starts_at: String,
    /// Each alert its own group (Alertmanager's `group_by: ['...']`).
    by_all_labels: bool,
}

impl Encoder {
    pub fn new(system: System) -> Self {
        Self {
            muster: system.is_muster(),
            starts_at: Timestamp::now().to_string(),
            by_all_labels: false,
        }
    }

    /// The encoder of a phase whose Alertmanager groups by every label.
    pub fn grouping_by_all_labels(system: System) -> Self {
        Self {
            by_all_labels: true,
            ..Self::new(system)
        }
    }

    pub fn body(&self, alerts: &[Alert]) -> Bytes {
        Bytes::from(if self.muster {
            payload::webhook_body(alerts, &self.starts_at, self.by_all_labels)
        } else {
            payload::alertmanager_body(alerts, &self.starts_at)
        })
    }
}

pub fn client(connections: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// POSTs `body` as JSON; whether the answer was 2xx. The answer is read
/// whole so the connection goes back to the pool.
pub async fn post(http: &reqwest::Client, url: &str, body: Bytes) -> bool {
    match http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
    {
        Ok(response) => {
            let ok = response.status().is_success();
            let _ = response.bytes().await;
            ok
        }
        Err(_) => false,
    }
}

/// Sends every body once, `concurrency` at a time; the number accepted.
async fn send_all(
    http: &reqwest::Client,
    url: &str,
    bodies: Arc<Vec<Bytes>>,
    concurrency: usize,
) -> usize {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (http, url, bodies, next) =
                (http.clone(), url.to_owned(), bodies.clone(), next.clone());
            tokio::spawn(async move {
                let mut ok = 0;
                while let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if post(&http, &url, body.clone()).await {
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        ok += task.await.unwrap_or(0);
    }
    ok
}

/// The fixed bodies the repeat shapes cycle through.
fn repeat_bodies(encoder: &Encoder, batch: usize) -> Vec<Bytes> {
    let batch = batch.max(1);
    (0..REPEAT_SET / batch)
        .map(|b| {
            let alerts: Vec<Alert> = (b * batch..(b + 1) * batch).map(payload::repeat).collect();
            encoder.body(&alerts)
        })
        .collect()
}

/// Whether a muster run's acknowledged alerts were all found on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Alertmanager keeps alerts in memory only.
    InMemory,
    /// Every acknowledged alert (each repeat an occurrence) was in the
    /// database after the server was killed.
    AllKept,
    /// This many acknowledged alerts were not.
    Missing(u64),
}

/// One run of one shape on one system.
#[derive(Debug, Clone)]
pub struct Throughput {
    pub alerts_per_second: f64,
    pub errors: usize,
    pub durability: Durability,
}

/// One run: a fresh server, the shape for `duration` from `clients`
/// clients, then the server killed and (muster) its database counted.
pub async fn throughput(
    system: System,
    shape: Shape,
    clients: usize,
    duration: Duration,
    options: &Options,
) -> anyhow::Result<Throughput> {
    let receiver = Receiver::start().await?;
    let peer = Peer::start(system, Grouping::ByAlertname, &receiver.url, options).await?;
    let http = client(clients)?;
    let encoder = Arc::new(Encoder::new(system));
    let batch = shape.batch();
    let accepted = Arc::new(AtomicU64::new(0));
    let url = peer.ingest_url.clone();
    let sample = if shape.repeats() {
        let bodies = Arc::new(repeat_bodies(&encoder, batch));
        // The warm-up creates the set once, so the timed run is pure repeats.
        let created = send_all(&http, &url, bodies.clone(), clients).await;
        accepted.fetch_add((created * batch) as u64, Ordering::Relaxed);
        let counted = accepted.clone();
        drive(clients, duration, move |c, n| {
            let (http, url, counted) = (http.clone(), url.clone(), counted.clone());
            let body = bodies[(c * 31 + n) % bodies.len()].clone();
            async move {
                let ok = post(&http, &url, body).await;
                if ok {
                    counted.fetch_add(batch as u64, Ordering::Relaxed);
                }
                ok
            }
        })
        .await
    } else {
        let counted = accepted.clone();
        drive(clients, duration, move |c, n| {
            let (http, url, counted) = (http.clone(), url.clone(), counted.clone());
            let alerts: Vec<Alert> = (0..batch)
                .map(|i| payload::distinct("", c, n * batch + i))
                .collect();
            let body = encoder.body(&alerts);
            async move {
                let ok = post(&http, &url, body).await;
                if ok {
                    counted.fetch_add(batch as u64, Ordering::Relaxed);
                }
                ok
            }
        })
        .await
    };
    let stored = peer.stop().await?;
    let accepted = accepted.load(Ordering::Relaxed);
    let durability = match stored {
        None => Durability::InMemory,
        Some((_, occurrences)) if occurrences >= accepted => Durability::AllKept,
        Some((_, occurrences)) => Durability::Missing(accepted - occurrences),
    };
    Ok(Throughput {
        alerts_per_second: sample.per_second * batch as f64,
        errors: sample.errors,
        durability,
    })
}

/// Alerts per request when loading the memory phase (under muster's
/// 512 KB body limit).
const MEMORY_BATCH: usize = 500;
/// Concurrent loaders, as the reference harness (`--concurrency 4`).
const MEMORY_LOADERS: usize = 4;

/// The memory phase's figures.
#[derive(Debug, Clone)]
pub struct Memory {
    pub accepted: usize,
    pub load_seconds: f64,
    pub base_rss_kb: u64,
    pub rss_kb: u64,
    /// Open alerts as the server counts them after loading.
    pub open: u64,
}

/// Loads `count` distinct firing alerts (ending in two hours, past
/// Alertmanager's resolve_timeout) and reads the server's RSS.
pub async fn memory(system: System, count: usize, options: &Options) -> anyhow::Result<Memory> {
    let receiver = Receiver::start().await?;
    let peer = Peer::start(system, Grouping::ByAlertname, &receiver.url, options).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let base_rss_kb = peer.rss_kb().unwrap_or(0);
    let encoder = Encoder::new(system);
    let ends_at = Timestamp::now()
        .checked_add(SignedDuration::from_hours(2))?
        .to_string();
    let bodies: Vec<Bytes> = (0..count)
        .step_by(MEMORY_BATCH)
        .map(|from| {
            let alerts: Vec<Alert> = (from..(from + MEMORY_BATCH).min(count))
                .map(|n| payload::open(n, &ends_at))
                .collect();
            encoder.body(&alerts)
        })
        .collect();
    let http = client(MEMORY_LOADERS)?;
    let started = Instant::now();
    let ok = send_all(&http, &peer.ingest_url, Arc::new(bodies), MEMORY_LOADERS).await;
    let load_seconds = started.elapsed().as_secs_f64();
    // Let the load's garbage go before reading what the alerts themselves hold.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_kb = peer.rss_kb().unwrap_or(0);
    let open = peer.open_alerts().await?;
    peer.stop().await?;
    Ok(Memory {
        accepted: (ok * MEMORY_BATCH).min(count),
        load_seconds,
        base_rss_kb,
        rss_kb,
        open,
    })
}
