//! `muster bench escalation`: N pages (10,000 by default) raised at once,
//! each escalating through S steps (3) a few seconds apart, delivered as
//! signed webhooks to a local receiver, with the real engine on SQLite and
//! on PostgreSQL with one and three nodes. Reported: how late each step
//! fired after its due time and how late each notification arrived (p50,
//! p99), deliveries per second, and duplicates at the receiver — beside the
//! receiver's own ceiling measured in the same run (bare POSTs from one
//! client with the engine's concurrency).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use jiff::Timestamp;
use muster_app::paging::{PageRequest, RuleDraft};
use muster_app::plan::PlanApply;
use muster_app::users::NewUser;
use muster_app::{App, Settings, SystemClock};
use muster_core::contact::ContactMethodDraft;
use muster_core::paging::PageTarget;
use muster_core::{Actor, Slug, UserRole};
use muster_engine::{Engine, EngineConfig};
use muster_sinks::{SinkConfig, Sinks};
use sqlx::Row as _;

use crate::bench::{Stores, median};
use crate::store;

#[derive(Debug, Clone, clap::Args)]
pub struct EscalationBenchArgs {
    #[command(flatten)]
    pub stores: Stores,
    /// Pages raised at once.
    #[arg(long, default_value_t = 10_000)]
    pub pages: usize,
    /// Steps each page escalates through.
    #[arg(long, default_value_t = 3)]
    pub steps: usize,
    /// Seconds between steps.
    #[arg(long, default_value_t = 10)]
    pub delay: u64,
    /// Node counts on PostgreSQL (SQLite always runs one).
    #[arg(long, value_delimiter = ',', default_value = "1,3")]
    pub nodes: Vec<usize>,
    /// Runs per configuration; the table shows medians over runs.
    #[arg(long, default_value_t = 1)]
    pub runs: usize,
}

/// People the schedule rotates through.
const PEOPLE: usize = 20;
/// Pages raised concurrently while the storm is created.
const RAISERS: usize = 64;

/// What the receiver saw: arrival (epoch ms) per idempotency key.
#[derive(Default)]
struct Arrivals {
    seen: Vec<(String, i64)>,
}

async fn start_receiver() -> anyhow::Result<(String, Arc<Mutex<Arrivals>>)> {
    let arrivals: Arc<Mutex<Arrivals>> = Arc::default();
    let recorded = arrivals.clone();
    let router = Router::new().route(
        "/{*path}",
        post(move |headers: HeaderMap| {
            let recorded = recorded.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let at = Timestamp::now().as_millisecond();
                recorded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .seen
                    .push((key, at));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((format!("http://{address}"), arrivals))
}

fn plan(args: &EscalationBenchArgs) -> String {
    let people: Vec<String> = (0..PEOPLE).map(|i| format!("p{i}@bench.example")).collect();
    let mut steps = format!(
        "  - targets: [{{schedule: bench-primary}}]\n    delay: {}s\n",
        args.delay
    );
    for step in 1..args.steps {
        steps.push_str(&format!(
            "  - targets: [{{user: p{}@bench.example}}]\n    delay: {}s\n",
            step % PEOPLE,
            args.delay
        ));
    }
    format!(
        "kind: Team\nname: bench\ntitle: Bench\nescalation_policy: bench-oncall\n---\n\
         kind: Schedule\nname: bench-primary\nowner: bench\nreview_every: 90d\nlast_reviewed: 2026-11-01\n\
         time_zone: UTC\nrotations:\n  - {{participants: [{}], shift: 1d, handoff: \"00:00\", start: 2026-01-05}}\n---\n\
         kind: EscalationPolicy\nname: bench-oncall\nowner: bench\nreview_every: 90d\nlast_reviewed: 2026-11-01\n\
         steps:\n{steps}",
        people.join(", ")
    )
}

async fn set_up(app: &App, args: &EscalationBenchArgs, receiver: &str) -> anyhow::Result<Actor> {
    let (admin, _) = app
        .issue_admin_token("bench@example.com", UserRole::Admin, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = Actor {
        user_id: admin.id,
        role: UserRole::Admin,
    };
    for i in 0..PEOPLE {
        let mut user = NewUser::new(format!("p{i}@bench.example"), UserRole::Responder);
        user.contact_methods = vec![ContactMethodDraft {
            kind: "chat".into(),
            address: format!("webhook:{receiver}/p{i}"),
            label: String::new(),
        }];
        let user = app
            .create_user(&admin, user)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // The webhook only: no SMTP server here.
        app.set_notification_rules(
            &admin,
            &user,
            &[RuleDraft {
                kind: "chat".into(),
                after_minutes: 0,
            }],
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let plan = muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("bench.yaml"), plan(args))])
        .map_err(|f| anyhow::anyhow!("bench plan: {f:?}"))?;
    let findings = muster_plan::plan::validate(&plan);
    if !findings.is_empty() {
        bail!("bench plan: {findings:?}");
    }
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
    Ok(admin)
}

/// One configuration's figures.
#[derive(Debug, Clone, Default)]
struct Figures {
    raise_seconds: f64,
    step_p50_ms: f64,
    step_p99_ms: f64,
    arrival_p50_ms: f64,
    arrival_p99_ms: f64,
    /// Deliveries per second over the first step's storm.
    per_second: f64,
    delivered: usize,
    expected: usize,
    duplicates: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// One `step_fired` entry: `(page, triggered_at, at)`.
type FiredRow = (String, i64, i64);

/// `(page, triggered_at, [step_fired at…])` and `(delivery id, due_at)` from the database.
async fn fired_and_due(url: &str) -> anyhow::Result<(Vec<(i64, Vec<i64>)>, HashMap<String, i64>)> {
    // Text ids on both backends, so one piece of code reads either.
    let steps_sql = "SELECT CAST(p.page_id AS TEXT) AS page_id, p.triggered_at, e.at FROM page_events e \
        JOIN pages p ON p.page_id = e.page_id WHERE e.kind = 'step_fired' ORDER BY p.page_id, e.at";
    let deliveries_sql = "SELECT CAST(delivery_id AS TEXT) AS id, due_at FROM deliveries";
    macro_rules! read_from {
        ($pool:expr) => {{
            let pool = $pool;
            let steps = sqlx::query(steps_sql)
                .fetch_all(&pool)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get("page_id")?,
                        r.try_get("triggered_at")?,
                        r.try_get("at")?,
                    ))
                })
                .collect::<Result<Vec<FiredRow>, sqlx::Error>>()?;
            let deliveries = sqlx::query(deliveries_sql)
                .fetch_all(&pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("due_at")?)))
                .collect::<Result<Vec<(String, i64)>, sqlx::Error>>()?;
            pool.close().await;
            (steps, deliveries)
        }};
    }
    let (steps, deliveries) = if url.starts_with("postgres") {
        read_from!(sqlx::PgPool::connect(url).await?)
    } else {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(muster_store_sqlite::SqliteStore::path_from_url(url))
            .read_only(true);
        read_from!(sqlx::SqlitePool::connect_with(options).await?)
    };
    let mut pages: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut last = String::new();
    for (page, triggered, at) in steps {
        if page != last {
            pages.push((triggered, Vec::new()));
            last = page;
        }
        if let Some((_, fired)) = pages.last_mut() {
            fired.push(at);
        }
    }
    Ok((pages, deliveries.into_iter().collect()))
}

async fn measure(url: &str, nodes: usize, args: &EscalationBenchArgs) -> anyhow::Result<Figures> {
    let (receiver, arrivals) = start_receiver().await?;
    let mut opened = Vec::new();
    for _ in 0..nodes {
        // Each node its own store (its own PostgreSQL pool), as separate
        // processes would have; SQLite runs one.
        opened.push(store::open(url, false).await?);
    }
    let sinks =
        Arc::new(Sinks::build(&SinkConfig::default()).map_err(|e| anyhow::anyhow!("{e:?}"))?);
    let apps: Vec<App> = opened
        .iter()
        .map(|o| {
            let settings = Settings {
                available_sinks: sinks.kinds().collect(),
                ..Settings::default()
            };
            App::new(o.store.clone(), Arc::new(SystemClock), settings)
        })
        .collect();
    let admin = set_up(&apps[0], args, &receiver).await?;
    let mut stops = Vec::new();
    let mut engines = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        let engine = Engine::new(
            app.clone(),
            sinks.clone(),
            EngineConfig::new(format!("bench-{i}")),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        engines.push(tokio::spawn(engine.run(async {
            let _ = stopped.await;
        })));
    }

    let team = Slug::parse("team", "bench").map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let raisers: Vec<_> = (0..RAISERS)
        .map(|_| {
            let (apps, admin, team, next) =
                (apps.clone(), admin.clone(), team.clone(), next.clone());
            let total = args.pages;
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= total {
                        return Ok::<(), anyhow::Error>(());
                    }
                    apps[n % apps.len()]
                        .page(
                            &admin,
                            PageRequest {
                                target: PageTarget::Team(team.clone()),
                                summary: format!("bench page {n}"),
                                details: String::new(),
                                incident: None,
                                drill: false,
                            },
                        )
                        .await
                        .map_err(|e| anyhow::anyhow!("raising page {n}: {e}"))?;
                }
            })
        })
        .collect();
    for raiser in raisers {
        raiser.await.context("a raiser failed")??;
    }
    let raise_seconds = started.elapsed().as_secs_f64();
    let expected = args.pages * args.steps;
    let deadline = Instant::now() + Duration::from_secs(args.delay * args.steps as u64 + 180);
    loop {
        let distinct = {
            let seen = arrivals.lock().unwrap_or_else(|p| p.into_inner());
            let mut keys: Vec<&str> = seen.seen.iter().map(|(k, _)| k.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            keys.len()
        };
        if distinct >= expected || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for engine in engines {
        let _ = engine.await;
    }

    let (pages, due) = fired_and_due(url).await?;
    let delay_ms = i64::try_from(args.delay).unwrap_or(0) * 1000;
    let mut step_late: Vec<f64> = Vec::new();
    for (triggered, fired) in &pages {
        for (k, at) in fired.iter().enumerate() {
            let due = triggered + k as i64 * delay_ms;
            step_late.push((at - due).max(0) as f64);
        }
    }
    step_late.sort_by(f64::total_cmp);
    let seen = arrivals
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .seen
        .clone();
    let mut first: HashMap<&str, i64> = HashMap::new();
    for (key, at) in &seen {
        first.entry(key.as_str()).or_insert(*at);
    }
    let mut arrival_late: Vec<f64> = first
        .iter()
        .filter_map(|(key, at)| due.get(*key).map(|d| (at - d).max(0) as f64))
        .collect();
    arrival_late.sort_by(f64::total_cmp);
    // Throughput over the first step's storm: its deliveries from the first
    // arrival to the last.
    let mut storm: Vec<i64> = first
        .iter()
        .filter_map(|(key, at)| {
            due.get(*key)
                .filter(|d| **d - pages.first().map_or(0, |p| p.0) < delay_ms / 2)
                .map(|_| *at)
        })
        .collect();
    storm.sort_unstable();
    let per_second = match (storm.first(), storm.last()) {
        (Some(a), Some(b)) if b > a => storm.len() as f64 / ((b - a) as f64 / 1000.0),
        _ => 0.0,
    };
    for o in opened {
        drop(o);
    }
    Ok(Figures {
        raise_seconds,
        step_p50_ms: percentile(&step_late, 0.50),
        step_p99_ms: percentile(&step_late, 0.99),
        arrival_p50_ms: percentile(&arrival_late, 0.50),
        arrival_p99_ms: percentile(&arrival_late, 0.99),
        per_second,
        delivered: first.len(),
        expected,
        duplicates: seen.len() - first.len(),
    })
}

/// Bare POSTs/s to a receiver like the engine's, from one client with the
/// engine's concurrency: the ceiling of deliveries/s on this machine.
async fn receiver_ceiling(seconds: u64) -> anyhow::Result<f64> {
    let (receiver, _arrivals) = start_receiver().await?;
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (http, url) = (http.clone(), format!("{receiver}/ceiling"));
            tokio::spawn(async move {
                let mut count = 0u64;
                while Instant::now() < deadline {
                    let body = serde_json::json!({"event": "page.triggered", "subject": "ceiling"});
                    if http
                        .post(&url)
                        .header("idempotency-key", count.to_string())
                        .json(&body)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                    {
                        count += 1;
                    }
                }
                count
            })
        })
        .collect();
    let mut total = 0u64;
    for task in tasks {
        total += task.await.unwrap_or(0);
    }
    Ok(total as f64 / seconds as f64)
}

pub async fn run(args: EscalationBenchArgs) -> anyhow::Result<()> {
    if args.steps == 0 || args.pages == 0 {
        bail!("--pages and --steps must be at least 1");
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "store",
        "nodes",
        "delivered",
        "dupes",
        "raise s",
        "step late p50 ms",
        "step late p99 ms",
        "arrival late p50 ms",
        "arrival late p99 ms",
        "deliveries/s",
        "ceiling/s",
        "vs ceiling",
    ]);
    let mut configurations: Vec<(&str, usize)> = Vec::new();
    if args.stores.wants("sqlite") {
        configurations.push(("sqlite", 1));
    }
    if args.stores.wants("postgres") {
        for nodes in &args.nodes {
            configurations.push(("postgres", (*nodes).max(1)));
        }
    }
    for (store_name, nodes) in configurations {
        let mut runs = Vec::new();
        for run in 0..args.runs.max(1) {
            eprintln!(
                "{store_name} × {nodes} node(s), run {}: {} pages × {} steps, {} s apart",
                run + 1,
                args.pages,
                args.steps,
                args.delay
            );
            let figures = if store_name == "sqlite" {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                measure(&url, 1, &args).await?
            } else {
                let (url, _guard) =
                    muster_store_postgres::testing::fresh_database(&args.stores.postgres_url).await;
                measure(&url, nodes, &args).await?
            };
            runs.push(figures);
        }
        let ceiling = receiver_ceiling(3).await?;
        let m = |f: fn(&Figures) -> f64| median(runs.iter().map(f).collect());
        let per_second = m(|f| f.per_second);
        table.add_row(vec![
            store_name.to_owned(),
            nodes.to_string(),
            format!(
                "{}/{}",
                runs.iter().map(|f| f.delivered).min().unwrap_or(0),
                runs.first().map_or(0, |f| f.expected)
            ),
            runs.iter().map(|f| f.duplicates).sum::<usize>().to_string(),
            format!("{:.1}", m(|f| f.raise_seconds)),
            format!("{:.0}", m(|f| f.step_p50_ms)),
            format!("{:.0}", m(|f| f.step_p99_ms)),
            format!("{:.0}", m(|f| f.arrival_p50_ms)),
            format!("{:.0}", m(|f| f.arrival_p99_ms)),
            format!("{per_second:.0}"),
            format!("{ceiling:.0}"),
            format!("{:.2}", per_second / ceiling.max(1.0)),
        ]);
    }
    println!("{table}");
    println!(
        "step late: a step's firing after its due time; arrival late: a notification's arrival at the receiver after its due time; \
         deliveries/s over the first step's storm; ceiling: bare POSTs/s to the same kind of receiver with 64 concurrent clients."
    );
    Ok(())
}
