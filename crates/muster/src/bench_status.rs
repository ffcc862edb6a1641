//! `muster bench status`: the public status listener beside Debian's nginx
//! serving the very same bytes as static files, in one run on one machine.
//!
//! The page, made afresh for each run: a new SQLite store with 20
//! components in 4 groups and 50 incidents published over three months
//! (2–3 updates each, three still open). Its snapshot is exported to the
//! folder nginx serves, and both must answer with identical bodies before
//! anything is measured.
//!
//! Measured, with 64 keep-alive HTTP/1.1 connections in a closed loop (each
//! sends its next GET when the last answer is read whole), a warm-up of 1 s
//! and 5 s recorded: requests/s and p50/p99 latency of
//! (a) `/api/v2/summary.json` and (b) `/`, on muster and on nginx taking
//! turns (who goes first alternates between runs), and (c)
//! `/api/v2/summary.json` on muster while an incident update is published
//! every 100 ms (a new incident, then its resolution, and so on: each
//! rebuilds the snapshot, and the summary keeps its size), read against
//! nginx's figure for (a). The table shows medians over the runs. Only 200s
//! count; anything else, a broken connection or a timeout is an error.
//!
//! The load generator runs in this process on its own runtime (as `wrk`
//! with `-t2`); muster's listener runs in this process too, on the main
//! runtime; nginx runs as its own processes. All on loopback, so the
//! machine's cores are shared by the client and the server in both cases.

mod load;
mod nginx;
mod setup;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};

use crate::bench::median;
use load::{Sample, Window};
use nginx::Nginx;
use setup::{Muster, Publications};

/// The target: this share of nginx's requests/s, and this p99.
const TARGET_RATIO: f64 = 0.80;
const TARGET_P99_MS: f64 = 10.0;

const SUMMARY: &str = "/api/v2/summary.json";
const INDEX: &str = "/";

#[derive(Debug, Clone, clap::Args)]
pub struct StatusBenchArgs {
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    pub connections: usize,
    /// Seconds each measurement records, after its warm-up.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// Seconds of warm-up before each measurement (not recorded).
    #[arg(long, default_value_t = 1)]
    pub warmup: u64,
    /// Runs; muster and nginx take turns within each, the table shows medians.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Threads of the load generator's own runtime (as `wrk -t`).
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
    /// Milliseconds between the updates published during the last phase.
    #[arg(long, default_value_t = 100)]
    pub update_every_ms: u64,
    /// The nginx binary.
    #[arg(long, env = "MUSTER_BENCH_NGINX", default_value = "/usr/sbin/nginx")]
    pub nginx: PathBuf,
}

pub async fn run(args: StatusBenchArgs) -> anyhow::Result<()> {
    if !nginx::runnable(&args.nginx) {
        bail!(
            "no nginx at {} (Debian: apt-get install -y nginx-light; or --nginx PATH)",
            args.nginx.display()
        );
    }
    if args.connections == 0 || args.runs == 0 || args.client_threads == 0 {
        bail!("--connections, --runs and --client-threads must be at least 1");
    }
    // Dropping the measurement on Ctrl-C drops nginx's guard, which stops it.
    tokio::select! {
        result = measure(&args) => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted; nginx is stopped"),
    }
}

/// The load generator's runtime, shut down without blocking when dropped
/// (a runtime may not be dropped plainly inside another).
struct ClientRuntime(Option<tokio::runtime::Runtime>);

impl ClientRuntime {
    fn new(threads: usize) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("bench-load")
            .enable_all()
            .build()
            .context("cannot start the load generator's runtime")?;
        Ok(Self(Some(runtime)))
    }

    fn handle(&self) -> anyhow::Result<tokio::runtime::Handle> {
        self.0
            .as_ref()
            .map(|r| r.handle().clone())
            .context("the load generator's runtime is gone")
    }
}

impl Drop for ClientRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// What is measured, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    MusterSummary,
    NginxSummary,
    MusterIndex,
    NginxIndex,
    MusterUpdating,
}

impl Row {
    const ALL: [Row; 5] = [
        Row::MusterSummary,
        Row::NginxSummary,
        Row::MusterIndex,
        Row::NginxIndex,
        Row::MusterUpdating,
    ];

    fn path(self) -> &'static str {
        match self {
            Row::MusterSummary | Row::NginxSummary | Row::MusterUpdating => SUMMARY,
            Row::MusterIndex | Row::NginxIndex => INDEX,
        }
    }

    /// A run's order: muster and nginx take turns at going first.
    fn order(run: usize) -> [Row; 5] {
        if run % 2 == 1 {
            Row::ALL
        } else {
            [
                Row::NginxSummary,
                Row::MusterSummary,
                Row::NginxIndex,
                Row::MusterIndex,
                Row::MusterUpdating,
            ]
        }
    }

    /// The nginx row a muster row is read against.
    fn ceiling(self) -> Option<Row> {
        match self {
            Row::MusterSummary | Row::MusterUpdating => Some(Row::NginxSummary),
            Row::MusterIndex => Some(Row::NginxIndex),
            Row::NginxSummary | Row::NginxIndex => None,
        }
    }

    fn target(self, update_every_ms: u64) -> String {
        match self {
            Row::MusterSummary | Row::MusterIndex => "muster".to_owned(),
            Row::NginxSummary | Row::NginxIndex => "nginx".to_owned(),
            Row::MusterUpdating => format!("muster, an update every {update_every_ms} ms"),
        }
    }
}

/// Writes the snapshot for nginx and checks both answer with its bytes.
async fn export_and_compare(
    muster: &Muster,
    www: &Path,
    nginx: SocketAddr,
) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let snapshot = muster.site.snapshot();
    setup::export(&snapshot, www)?;
    let mut sizes = Vec::new();
    for path in [SUMMARY, INDEX] {
        let (muster_status, muster_body) = load::fetch(muster.address, path).await?;
        let (nginx_status, nginx_body) = load::fetch(nginx, path).await?;
        if muster_status != 200 || nginx_status != 200 {
            bail!("GET {path}: muster answered {muster_status}, nginx {nginx_status}");
        }
        if muster_body != nginx_body {
            bail!(
                "GET {path}: muster and nginx answered different bodies ({} and {} bytes)",
                muster_body.len(),
                nginx_body.len()
            );
        }
        sizes.push((path, muster_body.len()));
    }
    Ok(sizes)
}

/// Empties `www` (nginx's root) and writes muster's snapshot into it.
fn fresh_root(www: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    if www.exists() {
        std::fs::remove_dir_all(www).with_context(|| format!("cannot empty {}", www.display()))?;
    }
    std::fs::create_dir_all(www).with_context(|| format!("cannot create {}", www.display()))?;
    // nginx's workers run as another user when it is started by root.
    std::fs::set_permissions(www, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

async fn measure(args: &StatusBenchArgs) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o755))?;
    }
    let www = work.path().join("www");
    fresh_root(&www)?;
    let nginx = Nginx::start(&args.nginx, &work.path().join("nginx"), &www).await?;
    let client = ClientRuntime::new(args.client_threads)?;
    let handle = client.handle()?;
    let warmup = Duration::from_secs(args.warmup);
    let seconds = Duration::from_secs(args.seconds.max(1));
    let every = Duration::from_millis(args.update_every_ms.max(1));

    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); Row::ALL.len()];
    let mut publications: Vec<Publications> = Vec::new();
    let mut sizes = Vec::new();
    for run in 1..=args.runs {
        // A fresh page each run, so every run measures the same page (the
        // last phase's updates add incidents to the history).
        let started = std::time::Instant::now();
        let muster = Muster::start().await?;
        fresh_root(&www)?;
        sizes = export_and_compare(&muster, &www, nginx.address).await?;
        eprintln!(
            "run {run}/{}: set up 20 components and {} incidents on SQLite in {:.1} s",
            args.runs,
            setup::INCIDENTS,
            started.elapsed().as_secs_f64()
        );
        for row in Row::order(run) {
            eprintln!(
                "run {run}/{}: {} {} ({} connections, {} s + {} s warm-up)…",
                args.runs,
                row.target(args.update_every_ms),
                row.path(),
                args.connections,
                seconds.as_secs(),
                warmup.as_secs()
            );
            let address = match row {
                Row::NginxSummary | Row::NginxIndex => nginx.address,
                Row::MusterSummary | Row::MusterIndex | Row::MusterUpdating => muster.address,
            };
            let window = Window::starting_now(warmup, seconds);
            let sample = if row == Row::MusterUpdating {
                let (sample, published) = tokio::join!(
                    load::run(&handle, address, row.path(), args.connections, window),
                    muster.keep_updating(every, window),
                );
                publications.push(published?);
                sample?
            } else {
                load::run(&handle, address, row.path(), args.connections, window).await?
            };
            if let Some(slot) = Row::ALL.iter().position(|r| *r == row) {
                samples[slot].push(sample);
            }
        }
        muster.stop().await?;
    }
    drop(client);
    drop(nginx);
    print_table(args, &samples, &publications, &sizes, seconds);
    Ok(())
}

/// The median of each figure over the runs; errors summed.
fn median_sample(samples: &[Sample]) -> Sample {
    Sample {
        per_second: median(samples.iter().map(|s| s.per_second).collect()),
        p50_ms: median(samples.iter().map(|s| s.p50_ms).collect()),
        p99_ms: median(samples.iter().map(|s| s.p99_ms).collect()),
        ok: samples.iter().map(|s| s.ok).sum(),
        errors: samples.iter().map(|s| s.errors).sum(),
    }
}

/// `12345.6` as `12,346`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn print_table(
    args: &StatusBenchArgs,
    samples: &[Vec<Sample>],
    publications: &[Publications],
    sizes: &[(&str, usize)],
    seconds: Duration,
) {
    let medians: Vec<Sample> = samples.iter().map(|s| median_sample(s)).collect();
    let of = |row: Row| {
        Row::ALL
            .iter()
            .position(|r| *r == row)
            .and_then(|i| medians.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "target",
        "path",
        "req/s (median)",
        "p50",
        "p99",
        "errors",
        "muster / nginx",
        "target met",
    ]);
    let mut verdicts = Vec::new();
    for row in Row::ALL {
        let sample = of(row);
        let (ratio, met) = match row.ceiling() {
            Some(ceiling) => {
                let nginx = of(ceiling).per_second;
                let ratio = if nginx > 0.0 {
                    sample.per_second / nginx
                } else {
                    0.0
                };
                let met = ratio >= TARGET_RATIO
                    && sample.p99_ms <= TARGET_P99_MS
                    && sample.errors == 0
                    && sample.ok > 0;
                verdicts.push((row, ratio, sample.p99_ms, met));
                (format!("{ratio:.2}×"), if met { "yes" } else { "NO" })
            }
            None => ("ceiling".to_owned(), ""),
        };
        table.add_row(vec![
            row.target(args.update_every_ms),
            row.path().to_owned(),
            thousands(sample.per_second),
            format!("{:.2} ms", sample.p50_ms),
            format!("{:.2} ms", sample.p99_ms),
            sample.errors.to_string(),
            ratio,
            met.to_owned(),
        ]);
    }
    println!("{table}");
    for (path, bytes) in sizes {
        println!(
            "{path}: {} bytes, the same bytes from both",
            thousands(*bytes as f64)
        );
    }
    let published = median(publications.iter().map(|p| p.published as f64).collect());
    let snapshots = median(publications.iter().map(|p| p.snapshots as f64).collect());
    println!(
        "while updating: {published:.0} updates published and {snapshots:.0} new snapshots served \
         in the {} s measured (median of {} runs)",
        seconds.as_secs(),
        publications.len()
    );
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "{} keep-alive connections, {} s warm-up + {} s per measurement, {} runs, medians; \
         load generator in-process on {} threads, muster's listener in the same process, \
         nginx its own processes (worker_processes auto); {cpus} CPUs",
        args.connections,
        args.warmup,
        seconds.as_secs(),
        args.runs,
        args.client_threads
    );
    let all = verdicts.iter().all(|(_, _, _, met)| *met);
    let detail: Vec<String> = verdicts
        .iter()
        .map(|(row, ratio, p99, met)| {
            format!(
                "{} {}: {:.0}% of nginx, p99 {p99:.2} ms {}",
                row.target(args.update_every_ms),
                row.path(),
                ratio * 100.0,
                if *met { "(met)" } else { "(NOT met)" }
            )
        })
        .collect();
    println!(
        "targets (≥ {:.0}% of nginx's req/s, p99 ≤ {TARGET_P99_MS} ms, no errors): {} — {}",
        TARGET_RATIO * 100.0,
        if all { "all met" } else { "NOT all met" },
        detail.join("; ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(75_744.2), "75,744");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }

    #[test]
    fn every_muster_row_has_a_ceiling() {
        for row in Row::ALL {
            let muster = !matches!(row, Row::NginxSummary | Row::NginxIndex);
            assert_eq!(row.ceiling().is_some(), muster);
        }
    }
}
