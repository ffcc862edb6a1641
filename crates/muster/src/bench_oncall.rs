//! `muster bench oncall`: who is on call, for 1,000 schedules (1–3 layers,
//! 12-hour to two-week shifts, restrictions, five time zones, overrides)
//! over a year of shifts. Measured: one schedule at one instant in the
//! core, every schedule at one instant, a schedule's whole year laid out,
//! and the same question through the application on SQLite (the plan
//! stored and read back, overrides loaded). The baseline, in the same run:
//! looking the instant up in a year of shifts computed beforehand.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use jiff::{SignedDuration, Timestamp};
use muster_app::oncall::OnCallScope;
use muster_app::plan::PlanApply;
use muster_app::{App, Settings, SystemClock};
use muster_core::oncall::{Schedule, Shift};
use muster_core::{Actor, UserRole};

use crate::bench::median;
use crate::store;

#[derive(Debug, Clone, clap::Args)]
pub struct OnCallBenchArgs {
    /// Schedules in the generated plan.
    #[arg(long, default_value_t = 1_000)]
    pub schedules: usize,
    /// Random instants asked about (over 2027).
    #[arg(long, default_value_t = 20_000)]
    pub queries: usize,
    /// Runs; the table shows medians.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

const ZONES: [&str; 5] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Tokyo",
    "UTC",
];
const SHIFTS: [&str; 4] = ["12h", "1d", "1w", "2w"];

/// A deterministic spread of numbers (xorshift): the same plan every run.
struct Spread(u64);

impl Spread {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn plan(schedules: usize) -> String {
    let mut spread = Spread(0x9e37_79b9_7f4a_7c15);
    let mut text = String::new();
    for team in 0..10 {
        let _ = write!(
            text,
            "kind: Team\nname: team-{team}\ntitle: Team {team}\n---\n"
        );
    }
    for n in 0..schedules {
        let zone = ZONES[n % ZONES.len()];
        let _ = write!(
            text,
            "kind: Schedule\nname: schedule-{n}\nowner: team-{}\nreview_every: 90d\nlast_reviewed: 2026-11-01\ntime_zone: {zone}\nrotations:\n",
            n % 10
        );
        let layers = 1 + spread.below(3);
        for layer in 0..layers {
            let people: Vec<String> = (0..2 + spread.below(7))
                .map(|p| format!("u{}@bench.example", (n * 7 + p) % 500))
                .collect();
            let shift = SHIFTS[spread.below(SHIFTS.len())];
            let handoff = format!("{:02}:{:02}", spread.below(24), [0, 30][spread.below(2)]);
            let _ = write!(
                text,
                "  - name: layer-{layer}\n    participants: [{}]\n    shift: {shift}\n    handoff: \"{handoff}\"\n    start: 2026-0{}-0{}\n",
                people.join(", "),
                1 + spread.below(9),
                1 + spread.below(9)
            );
            // Upper layers cover office hours only, so nothing is shadowed.
            if layer > 0 {
                let _ = writeln!(
                    text,
                    "    restrictions:\n      - {{days: [mon, tue, wed, thu, fri], from: \"{:02}:00\", to: \"{:02}:00\"}}",
                    8 + layer,
                    16 + layer
                );
            }
        }
        text.push_str("---\n");
    }
    text
}

fn instants(queries: usize) -> Vec<Timestamp> {
    let start = "2027-01-01T00:00:00Z"
        .parse::<Timestamp>()
        .unwrap_or_default();
    let mut spread = Spread(0x2545_f491_4f6c_dd1d);
    (0..queries)
        .map(|_| {
            start
                .checked_add(SignedDuration::from_secs(
                    (spread.next() % (365 * 86_400)) as i64,
                ))
                .unwrap_or(start)
        })
        .collect()
}

/// Who a year of shifts computed beforehand has at `at` (binary search).
fn look_up(shifts: &[Shift], at: Timestamp) -> Option<&str> {
    let index = shifts.partition_point(|s| s.end <= at);
    shifts
        .get(index)
        .filter(|s| s.start <= at)
        .and_then(|s| s.user.as_deref())
}

fn per_query_ns(elapsed: std::time::Duration, queries: usize) -> f64 {
    elapsed.as_nanos() as f64 / queries.max(1) as f64
}

#[derive(Debug, Default)]
struct Run {
    core_ns: f64,
    baseline_ns: f64,
    all_ms: f64,
    year_ms: f64,
    app_ms: f64,
    app_all_ms: f64,
    shifts_per_year: f64,
}

async fn app_with_plan(
    text: &str,
) -> anyhow::Result<(App, Actor, tempfile::TempDir, store::OpenStore)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("oncall.db").display());
    let opened = store::open(&url, false).await?;
    let app = App::new(
        opened.store.clone(),
        Arc::new(SystemClock),
        Settings::default(),
    );
    let (admin, _) = app
        .issue_admin_token("bench@example.com", UserRole::Admin, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = Actor {
        user_id: admin.id,
        role: UserRole::Admin,
    };
    let plan =
        muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("oncall.yaml"), text.to_owned())])
            .map_err(|f| anyhow::anyhow!("bench plan: {:?}", f.first()))?;
    app.apply_plan(
        &admin,
        PlanApply {
            catalog: plan.catalog(),
            documents: plan.stored_documents(),
            files: plan.files(),
            secrets: Default::default(),
            dry_run: false,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((app, admin, dir, opened))
}

async fn measure(
    args: &OnCallBenchArgs,
    text: &str,
    schedules: &[Schedule],
) -> anyhow::Result<Run> {
    let asked = instants(args.queries);
    let mut run = Run::default();

    // The core: one schedule, one instant.
    let started = Instant::now();
    let mut someone = 0usize;
    for (i, at) in asked.iter().enumerate() {
        someone += usize::from(schedules[i % schedules.len()].on_call_at(*at).is_some());
    }
    run.core_ns = per_query_ns(started.elapsed(), asked.len());

    // A year laid out, per schedule; then the baseline lookups in it.
    let year_from = "2027-01-01T00:00:00Z"
        .parse::<Timestamp>()
        .unwrap_or_default();
    let year_to = "2028-01-01T00:00:00Z"
        .parse::<Timestamp>()
        .unwrap_or_default();
    let started = Instant::now();
    let years: Vec<Vec<Shift>> = schedules
        .iter()
        .map(|s| s.shifts(year_from, year_to))
        .collect();
    run.year_ms = started.elapsed().as_secs_f64() * 1000.0 / schedules.len().max(1) as f64;
    run.shifts_per_year =
        years.iter().map(Vec::len).sum::<usize>() as f64 / years.len().max(1) as f64;
    let started = Instant::now();
    let mut found = 0usize;
    for (i, at) in asked.iter().enumerate() {
        found += usize::from(look_up(&years[i % years.len()], *at).is_some());
    }
    run.baseline_ns = per_query_ns(started.elapsed(), asked.len());
    if found != someone {
        bail!("the core and the laid-out year disagree: {someone} vs {found}");
    }

    // Every schedule at one instant.
    let rounds = 20.min(asked.len()).max(1);
    let started = Instant::now();
    for at in asked.iter().take(rounds) {
        for schedule in schedules {
            std::hint::black_box(schedule.on_call_at(*at));
        }
    }
    run.all_ms = started.elapsed().as_secs_f64() * 1000.0 / rounds as f64;

    // Through the application on SQLite: one schedule, and everyone.
    let (app, admin, _dir, _opened) = app_with_plan(text).await?;
    let mut times = Vec::new();
    for (i, at) in asked.iter().take(200).enumerate() {
        let started = Instant::now();
        app.who_is_on_call(
            &admin,
            OnCallScope::Schedule(format!("schedule-{}", i % schedules.len())),
            *at,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    run.app_ms = median(times);
    let mut times = Vec::new();
    for at in asked.iter().take(10) {
        let started = Instant::now();
        app.who_is_on_call(&admin, OnCallScope::Everyone, *at)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    run.app_all_ms = median(times);
    Ok(run)
}

pub async fn run(args: OnCallBenchArgs) -> anyhow::Result<()> {
    if args.schedules == 0 || args.queries == 0 {
        bail!("--schedules and --queries must be at least 1");
    }
    let text = plan(args.schedules);
    let started = Instant::now();
    let plan =
        muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("oncall.yaml"), text.clone())])
            .map_err(|f| anyhow::anyhow!("bench plan: {:?}", f.first()))?;
    let findings = muster_plan::plan::validate(&plan);
    if !findings.is_empty() {
        bail!("bench plan: {:?}", &findings[..findings.len().min(3)]);
    }
    let validate_ms = started.elapsed().as_secs_f64() * 1000.0;
    let book = muster_plan::oncall::on_call(&plan.stored_documents());
    if !book.problems.is_empty() || book.schedules.len() != args.schedules {
        bail!("bench plan read back: {:?}", book.problems.first());
    }
    let schedules: Vec<Schedule> = book.schedules.iter().map(|d| d.schedule.clone()).collect();
    let mut runs = Vec::new();
    for _ in 0..args.runs.max(1) {
        runs.push(measure(&args, &text, &schedules).await?);
    }
    let m = |f: fn(&Run) -> f64| median(runs.iter().map(f).collect());
    let (core, baseline) = (m(|r| r.core_ns), m(|r| r.baseline_ns));
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_header(vec!["question", "median", "vs baseline"]);
    table.add_row(vec![
        "one schedule, one instant (core)".to_owned(),
        format!("{:.2} µs", core / 1000.0),
        format!("{:.1}×", core / baseline.max(1e-9)),
    ]);
    table.add_row(vec![
        "baseline: lookup in a precomputed year".to_owned(),
        format!("{:.2} µs", baseline / 1000.0),
        "1.0×".to_owned(),
    ]);
    table.add_row(vec![
        format!("all {} schedules, one instant (core)", args.schedules),
        format!("{:.2} ms", m(|r| r.all_ms)),
        String::new(),
    ]);
    table.add_row(vec![
        format!(
            "a year of shifts, per schedule ({:.0} shifts)",
            m(|r| r.shifts_per_year)
        ),
        format!("{:.2} ms", m(|r| r.year_ms)),
        String::new(),
    ]);
    table.add_row(vec![
        "one schedule, through the app (SQLite)".to_owned(),
        format!("{:.2} ms", m(|r| r.app_ms)),
        String::new(),
    ]);
    table.add_row(vec![
        format!("all {} schedules, through the app (SQLite)", args.schedules),
        format!("{:.1} ms", m(|r| r.app_all_ms)),
        String::new(),
    ]);
    table.add_row(vec![
        format!("validating the {}-schedule plan", args.schedules),
        format!("{validate_ms:.0} ms"),
        String::new(),
    ]);
    println!("{table}");
    println!(
        "{} queries at random instants of 2027 over {} schedules, {} run(s); the baseline answers from a year of shifts laid out beforehand.",
        args.queries,
        args.schedules,
        args.runs.max(1)
    );
    Ok(())
}
