//! `muster bench ingest`: alert ingestion side by side with the real
//! Prometheus Alertmanager, in one run on one machine. Both are child
//! processes on loopback, fed the same alerts by the same generator:
//!
//! - throughput: sustained alerts/s accepted from N closed-loop clients, for
//!   distinct alerts and for repeats of a fixed set, one per request and in
//!   batches of 64 (Alertmanager at `POST /api/v2/alerts`, muster at its
//!   Alertmanager webhook); after each muster run the server is killed and
//!   every acknowledged alert looked for in its database;
//! - latency: probes at a fixed rate (open loop), p50/p99 from the request
//!   to the first notification at a local webhook receiver;
//! - memory: RSS with 100,000 open alerts.

mod latency;
mod load;
mod payload;
mod peers;
mod setup;
mod stages;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};

use crate::bench::Stores;
use load::{Durability, Shape, Throughput};
use peers::{Options, System};

#[derive(Debug, Clone, clap::Args)]
pub struct IngestBenchArgs {
    #[command(flatten)]
    pub stores: Stores,
    /// Which phase to run.
    #[arg(long, value_enum, default_value = "all")]
    pub phase: Phase,
    /// Which throughput shapes to run (all when left out).
    #[arg(long = "shape", value_enum)]
    pub shapes: Vec<Shape>,
    /// Concurrent clients of the throughput phase (the reference harness used 32).
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds each throughput run and each latency run lasts.
    #[arg(long, default_value_t = 4)]
    pub seconds: u64,
    /// Throughput runs per shape and system, each on a fresh server; the table shows the median.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Probes per second of the latency phase, each rate on each system.
    #[arg(long, value_delimiter = ',', default_value = "100,1000")]
    pub rates: Vec<u32>,
    /// Open alerts loaded in the memory phase.
    #[arg(long, default_value_t = 100_000)]
    pub open_alerts: usize,
    /// The Alertmanager binary.
    #[arg(
        long,
        env = "MUSTER_BENCH_ALERTMANAGER",
        default_value = "/usr/bin/prometheus-alertmanager"
    )]
    pub alertmanager: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    Throughput,
    Latency,
    Memory,
    All,
}

impl Phase {
    fn includes(self, phase: Phase) -> bool {
        self == Phase::All || self == phase
    }
}

pub async fn run(args: IngestBenchArgs) -> anyhow::Result<()> {
    if !peers::runnable(&args.alertmanager) {
        bail!(
            "no Alertmanager at {} (Debian: apt install prometheus-alertmanager; or --alertmanager PATH)",
            args.alertmanager.display()
        );
    }
    // Dropping the measurement on Ctrl-C drops its peers, which kills them.
    tokio::select! {
        result = measure(&args) => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted; the servers it started are stopped"),
    }
}

fn systems(stores: &Stores) -> Vec<System> {
    let mut systems = vec![System::Alertmanager];
    if stores.wants("sqlite") {
        systems.push(System::MusterSqlite);
    }
    if stores.wants("postgres") {
        systems.push(System::MusterPostgres);
    }
    systems
}

async fn measure(args: &IngestBenchArgs) -> anyhow::Result<()> {
    let options = Options {
        alertmanager: args.alertmanager.clone(),
        postgres_url: args.stores.postgres_url.clone(),
    };
    let systems = systems(&args.stores);
    let seconds = Duration::from_secs(args.seconds.max(1));
    if args.phase.includes(Phase::Throughput) {
        throughput_table(args, &systems, seconds, &options).await?;
    }
    if args.phase.includes(Phase::Latency) {
        latency_table(args, &systems, seconds, &options).await?;
    }
    if args.phase.includes(Phase::Memory) {
        memory_table(args, &systems, &options).await?;
    }
    Ok(())
}

/// The median run by `key` (the upper one of an even count, as `bench::median`).
fn median_run<T: Clone>(mut runs: Vec<T>, key: impl Fn(&T) -> f64) -> Option<T> {
    runs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    runs.get(runs.len() / 2).cloned()
}

/// `12345.6` as `12,346`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `muster / alertmanager` as `1.23×`.
fn ratio(muster: f64, alertmanager: f64) -> String {
    if alertmanager > 0.0 {
        format!("{:.2}×", muster / alertmanager)
    } else {
        "–".to_owned()
    }
}

async fn throughput_table(
    args: &IngestBenchArgs,
    systems: &[System],
    seconds: Duration,
    options: &Options,
) -> anyhow::Result<()> {
    let runs = args.runs.max(1);
    let mut header = vec![
        "shape".to_owned(),
        "muster endpoint".to_owned(),
        "Alertmanager alerts/s".to_owned(),
    ];
    for system in systems.iter().filter(|s| s.is_muster()) {
        header.push(format!("{} alerts/s", system.label()));
        header.push(format!("{} / AM", system.short()));
    }
    header.extend(["durable".to_owned(), "errors".to_owned()]);
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(header);
    for shape in Shape::ALL
        .into_iter()
        .filter(|shape| args.shapes.is_empty() || args.shapes.contains(shape))
    {
        let mut measured: Vec<Vec<Throughput>> = vec![Vec::new(); systems.len()];
        for run in 1..=runs {
            // Systems take turns within a run, so drift on the machine hits each alike.
            for (i, system) in systems.iter().enumerate() {
                eprintln!(
                    "throughput: {} on {}, run {run}/{runs} ({} clients, {} s)…",
                    shape.label(),
                    system.label(),
                    args.clients,
                    seconds.as_secs()
                );
                measured[i]
                    .push(load::throughput(*system, shape, args.clients, seconds, options).await?);
            }
        }
        let errors: usize = measured.iter().flatten().map(|t| t.errors).sum();
        let missing: u64 = measured
            .iter()
            .flatten()
            .map(|t| match t.durability {
                Durability::Missing(n) => n,
                Durability::InMemory | Durability::AllKept => 0,
            })
            .sum();
        let medians: Vec<f64> = measured
            .into_iter()
            .map(|runs| {
                median_run(runs, |t| t.alerts_per_second).map_or(0.0, |t| t.alerts_per_second)
            })
            .collect();
        let alertmanager = medians.first().copied().unwrap_or(0.0);
        let mut row = vec![
            shape.label().to_owned(),
            "/ingest/alertmanager/{key}".to_owned(),
            thousands(alertmanager),
        ];
        for (system, rate) in systems.iter().zip(&medians) {
            if system.is_muster() {
                row.push(thousands(*rate));
                row.push(ratio(*rate, alertmanager));
            }
        }
        row.push(if missing == 0 {
            "all kept".to_owned()
        } else {
            format!("{missing} MISSING")
        });
        row.push(errors.to_string());
        table.add_row(row);
    }
    println!("{table}");
    println!(
        "alerts/s accepted (2xx), median of {runs} run(s) of {} s each with {} closed-loop clients, a fresh server per run; \
         Alertmanager fed at POST /api/v2/alerts, muster the same alerts as Alertmanager's webhook (version 4). \
         durable: after each muster run the server was killed (SIGKILL) and every acknowledged alert (a repeat: an occurrence) \
         looked for in its database. Target: muster ≥ Alertmanager (1.00×) in every row.",
        seconds.as_secs(),
        args.clients
    );
    Ok(())
}

async fn latency_table(
    args: &IngestBenchArgs,
    systems: &[System],
    seconds: Duration,
    options: &Options,
) -> anyhow::Result<()> {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "system", "rate/s", "sent", "accepted", "notified", "p50 ms", "p99 ms", "max ms", "note",
    ]);
    let mut hops = Table::new();
    let mut hop_header = vec!["system".to_owned(), "rate/s".to_owned()];
    hop_header.extend(stages::HOPS.iter().map(|hop| format!("{hop} p50/p99 ms")));
    hops.load_preset(UTF8_BORDERS_ONLY).set_header(hop_header);
    for rate in &args.rates {
        for system in systems {
            eprintln!(
                "latency: {} at {rate}/s for {} s…",
                system.label(),
                seconds.as_secs()
            );
            let figures = latency::latency(*system, *rate, seconds, options).await?;
            let (p50, p99, max) = match figures.spread_ms {
                Some((p50, p99, max)) => (
                    format!("{p50:.1}"),
                    format!("{p99:.1}"),
                    format!("{max:.1}"),
                ),
                None => ("–".to_owned(), "–".to_owned(), "–".to_owned()),
            };
            let note = if figures.accepted == 0 {
                "no probe was accepted".to_owned()
            } else if figures.notified == 0 {
                let direct = match figures.direct_page {
                    Some(Some(ms)) => {
                        format!("; a page raised through the API arrived in {ms:.0} ms")
                    }
                    Some(None) => "; nor did a page raised through the API".to_owned(),
                    None => String::new(),
                };
                format!(
                    "no notification arrived within {} s{direct}",
                    latency::GRACE.as_secs()
                )
            } else if figures.notified < figures.accepted {
                format!("{} never notified", figures.accepted - figures.notified)
            } else {
                String::new()
            };
            if let Some(split) = figures.hops {
                let mut row = vec![system.label().to_owned(), rate.to_string()];
                row.extend(
                    split
                        .iter()
                        .map(|(p50, p99)| format!("{p50:.0} / {p99:.0}")),
                );
                hops.add_row(row);
            }
            table.add_row(vec![
                system.label().to_owned(),
                rate.to_string(),
                figures.sent.to_string(),
                figures.accepted.to_string(),
                figures.notified.to_string(),
                p50,
                p99,
                max,
                note,
            ]);
        }
    }
    println!("{table}");
    println!(
        "From each probe's ingest request to the first notification naming it at a local webhook receiver (open loop, a new alert per probe). \
         Alertmanager: group_by ['...'], group_wait 0s, webhook receiver. muster: the alert routed to a service whose escalation policy \
         pages a person whose only contact method is a webhook to the receiver, notified at once. Target: muster p99 ≤ 50 ms at 1000/s."
    );
    if !hops.is_empty() {
        println!("{hops}");
        println!(
            "Where muster's time went, from the times each hop left in its database (whole milliseconds)."
        );
    }
    Ok(())
}

async fn memory_table(
    args: &IngestBenchArgs,
    systems: &[System],
    options: &Options,
) -> anyhow::Result<()> {
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "system",
        "open alerts",
        "load s",
        "alerts/s",
        "RSS before MB",
        "RSS MB",
        "RSS / AM",
    ]);
    let mut alertmanager_rss = 0.0;
    for system in systems {
        eprintln!(
            "memory: {} alerts into {}…",
            thousands(args.open_alerts as f64),
            system.label()
        );
        let figures = load::memory(*system, args.open_alerts, options).await?;
        let rss_mb = figures.rss_kb as f64 / 1024.0;
        if *system == System::Alertmanager {
            alertmanager_rss = rss_mb;
        }
        table.add_row(vec![
            system.label().to_owned(),
            format!(
                "{} of {}",
                thousands(figures.open as f64),
                thousands(figures.accepted as f64)
            ),
            format!("{:.1}", figures.load_seconds),
            thousands(figures.accepted as f64 / figures.load_seconds.max(0.001)),
            format!("{:.0}", figures.base_rss_kb as f64 / 1024.0),
            format!("{rss_mb:.0}"),
            if system.is_muster() {
                ratio(rss_mb, alertmanager_rss)
            } else {
                "baseline".to_owned()
            },
        ]);
    }
    println!("{table}");
    println!(
        "Distinct firing alerts in batches of 500 from 4 loaders; RSS (VmRSS of the server's own process, 2 s after loading) of \
         Alertmanager and of `muster serve` as child processes. PostgreSQL's own memory is not counted; SQLite's page cache is \
         muster's. Open alerts: Alertmanager's alertmanager_alerts{{state=\"active\"}}, muster's firing rows. Target: muster ≤ 200 MB."
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_run_is_the_middle_one_by_its_rate() {
        let runs = vec![(3, 30.0), (1, 10.0), (2, 20.0)];
        assert_eq!(median_run(runs, |r| r.1), Some((2, 20.0)));
        assert_eq!(
            median_run(vec![(1, 1.0), (2, 2.0)], |r| r.1),
            Some((2, 2.0))
        );
        assert_eq!(median_run(Vec::<(u8, f64)>::new(), |r| r.1), None);
    }

    #[test]
    fn figures_print_for_people() {
        assert_eq!(thousands(25_546.1), "25,546");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(thousands(0.4), "0");
        assert_eq!(ratio(50.0, 25.0), "2.00×");
        assert_eq!(ratio(50.0, 0.0), "–");
    }
}
