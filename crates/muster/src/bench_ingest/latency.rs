//! The open-loop latency phase: probes sent at a fixed rate whatever the
//! server's answers, each its own new alert with its own id, and the time
//! from a probe's request to the first notification naming it at the local
//! receiver (same process, same monotonic clock).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::load::{Encoder, client, post};
use super::payload;
use super::peers::{Grouping, Options, Peer, Receiver, System};
use super::stages::{self, Spread};
use crate::bench::percentile;

/// How long after the last answer the receiver is waited for. Muster's
/// engine re-reads due work at least every second; Alertmanager with
/// group_wait 0s sends at once.
pub const GRACE: Duration = Duration::from_secs(5);
/// Requests in flight at most, so a stalled server cannot make the sender
/// open thousands of connections.
const IN_FLIGHT: usize = 256;

/// One system at one rate.
#[derive(Debug, Clone)]
pub struct Latency {
    pub sent: usize,
    pub accepted: usize,
    /// Accepted probes whose notification arrived.
    pub notified: usize,
    /// p50, p99 and max of request → first arrival, in ms (none arrived: None).
    pub spread_ms: Option<(f64, f64, f64)>,
    /// When no probe was notified on muster: a page raised through the API
    /// instead, and how long it took to arrive (None: it did not either),
    /// which tells whether alerts do not page or notifications do not leave.
    pub direct_page: Option<Option<f64>>,
    /// muster: where the time went, hop by hop.
    pub hops: Option<Spread>,
}

/// The id a page raised directly carries; no probe has it.
const DIRECT: u64 = 999_999_999;

/// Raises a page through muster's API and waits for its notification.
async fn page_directly(peer: &Peer, receiver: &Receiver) -> anyhow::Result<Option<f64>> {
    let sent = Instant::now();
    if !peer
        .page_directly(&format!("bench page {}", payload::probe_id(DIRECT)))
        .await?
    {
        return Ok(None);
    }
    while sent.elapsed() < GRACE {
        if let Some(at) = receiver.arrival(DIRECT) {
            return Ok(Some(
                at.saturating_duration_since(sent).as_secs_f64() * 1000.0,
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(None)
}

/// `rate` probes a second for `duration` against a fresh server whose
/// notifications go to a fresh receiver.
pub async fn latency(
    system: System,
    rate: u32,
    duration: Duration,
    options: &Options,
) -> anyhow::Result<Latency> {
    let receiver = Receiver::start().await?;
    let peer = Peer::start(system, Grouping::PerAlert, &receiver.url, options).await?;
    let http = client(IN_FLIGHT)?;
    let encoder = Encoder::grouping_by_all_labels(system);
    let rate = rate.max(1);
    let total = (f64::from(rate) * duration.as_secs_f64()).round() as u64;
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let started = tokio::time::Instant::now();
    let mut probes = Vec::new();
    for sequence in 0..total {
        let due = started + Duration::from_secs_f64(sequence as f64 / f64::from(rate));
        tokio::time::sleep_until(due).await;
        let permit = gate.clone().acquire_owned().await?;
        let body = encoder.body(&[payload::probe(sequence)]);
        let (http, url) = (http.clone(), peer.ingest_url.clone());
        probes.push(tokio::spawn(async move {
            let _permit = permit;
            let sent = Instant::now();
            let ok = post(&http, &url, body).await;
            (sequence, sent, ok)
        }));
    }
    let mut sent_at: HashMap<u64, Instant> = HashMap::new();
    for probe in probes {
        if let Ok((sequence, sent, true)) = probe.await {
            sent_at.insert(sequence, sent);
        }
    }
    let deadline = Instant::now() + GRACE;
    while receiver.arrived() < sent_at.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrivals = receiver.arrivals();
    let direct_page = if system.is_muster() && arrivals.is_empty() && !sent_at.is_empty() {
        Some(page_directly(&peer, &receiver).await?)
    } else {
        None
    };
    let hops = match peer.database_url() {
        Some(url) => stages::read(url).await?,
        None => None,
    };
    peer.stop().await?;
    let mut waits: Vec<Duration> = sent_at
        .iter()
        .filter_map(|(id, sent)| {
            arrivals
                .get(id)
                .map(|at| at.saturating_duration_since(*sent))
        })
        .collect();
    waits.sort();
    let spread_ms = waits.last().map(|max| {
        (
            percentile(&waits, 0.50),
            percentile(&waits, 0.99),
            max.as_secs_f64() * 1000.0,
        )
    });
    Ok(Latency {
        sent: usize::try_from(total).unwrap_or(usize::MAX),
        accepted: sent_at.len(),
        notified: waits.len(),
        spread_ms,
        direct_page,
        hops,
    })
}
