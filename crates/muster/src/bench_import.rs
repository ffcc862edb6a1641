//! `muster bench import`: a generated Backstage catalog of N components
//! (10,000 by default) imported into a fresh server the way `muster catalog
//! import` does it: read and mapped here, planned (dry run), applied in one
//! transaction, then imported again (which must change nothing). The
//! yardstick, measured in the same run on the same database, is inserting
//! the same number of bare rows in one transaction.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use comfy_table::{Table, presets::UTF8_BORDERS_ONLY};
use muster_plan::backstage::{self, DiskSource};
use sqlx::{Connection, Executor};

use crate::bench::{Running, Stores, median};
use crate::remote::import::sync_body;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportBenchArgs {
    #[command(flatten)]
    pub stores: Stores,
    /// Components in the generated catalog (teams: one per hundred).
    #[arg(long, default_value_t = 10_000)]
    pub entities: usize,
    /// Runs, each on a fresh database; the table shows the median.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

/// A Backstage catalog: a system, `entities / 100` groups, and `entities`
/// components with a description, a link, an owner, a system, and (nine in
/// ten) a dependency on the previous component.
fn generate(entities: usize) -> String {
    let teams = entities.div_ceil(100).max(1);
    let mut text = String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: core\nspec:\n  owner: team-0\n",
    );
    for t in 0..teams {
        let _ = write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\nspec:\n  type: team\n  profile:\n    email: team-{t}@example.com\n  children: []\n"
        );
    }
    for i in 0..entities {
        let _ = write!(
            text,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{i}\n  description: Service number {i}\n  tags: [generated]\n  links:\n    - url: https://grafana.example.com/d/{i}\n      title: Dashboard\nspec:\n  type: service\n  lifecycle: production\n  owner: team-{}\n  system: core\n",
            i % teams
        );
        if i % 10 != 0 {
            let _ = writeln!(text, "  dependsOn: [component:svc-{}]", i - 1);
        }
    }
    text
}

/// Seconds of one run's phases.
#[derive(Debug, Default, Clone, Copy)]
struct Phases {
    parse: f64,
    dry_run: f64,
    apply: f64,
    again: f64,
    raw: f64,
}

/// Inserts `rows` bare rows in one transaction: what writing the catalog
/// costs the database at the least.
async fn raw_rows(url: &str, rows: usize) -> anyhow::Result<Duration> {
    let body = "a service description of ordinary length";
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await?;
        c.execute("CREATE TABLE bench_raw_rows (slug TEXT PRIMARY KEY, body TEXT NOT NULL)")
            .await?;
        let started = Instant::now();
        let mut tx = c.begin().await?;
        for i in 0..rows {
            sqlx::query("INSERT INTO bench_raw_rows (slug, body) VALUES ($1, $2)")
                .bind(format!("svc-{i}"))
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(started.elapsed())
    } else {
        let path = muster_store_sqlite::SqliteStore::path_from_url(url);
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path.with_extension("raw.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let mut c = sqlx::SqliteConnection::connect_with(&options).await?;
        c.execute("CREATE TABLE bench_raw_rows (slug TEXT PRIMARY KEY, body TEXT NOT NULL)")
            .await?;
        let started = Instant::now();
        let mut tx = c.begin().await?;
        for i in 0..rows {
            sqlx::query("INSERT INTO bench_raw_rows (slug, body) VALUES (?1, ?2)")
                .bind(format!("svc-{i}"))
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(started.elapsed())
    }
}

async fn one_run(url: &str, file: &Path, entities: usize) -> anyhow::Result<Phases> {
    let running = Running::start(url).await?;
    let client = muster_client::Client::new(&running.base, Some(running.token.clone()))?;
    let timed = Instant::now();
    let import = backstage::import(file, &DiskSource).map_err(|errors| {
        anyhow::anyhow!("the generated catalog is invalid: {:?}", errors.first())
    })?;
    let parse = timed.elapsed();
    if import.catalog.services.len() != entities {
        bail!(
            "expected {entities} services, read {}",
            import.catalog.services.len()
        );
    }
    let source = "backstage:bench".to_owned();
    let phase = |dry_run: bool| sync_body(&import, source.clone(), dry_run, true);
    let (dry, apply, again) = (phase(true), phase(false), phase(false));

    let timed = Instant::now();
    let planned = client.sync_catalog(&dry).await?;
    let dry_run = timed.elapsed();
    let timed = Instant::now();
    let applied = client.sync_catalog(&apply).await?;
    let applied_in = timed.elapsed();
    let timed = Instant::now();
    let repeated = client.sync_catalog(&again).await?;
    let again_in = timed.elapsed();
    if !planned.changed || !applied.changed || repeated.changed {
        bail!("the import did not behave: a re-import must change nothing");
    }
    running.stop().await;
    let raw = raw_rows(url, entities)
        .await
        .context("the raw-rows baseline")?;
    Ok(Phases {
        parse: parse.as_secs_f64(),
        dry_run: dry_run.as_secs_f64(),
        apply: applied_in.as_secs_f64(),
        again: again_in.as_secs_f64(),
        raw: raw.as_secs_f64(),
    })
}

fn medians(runs: &[Phases]) -> Phases {
    let of = |pick: fn(&Phases) -> f64| median(runs.iter().map(pick).collect());
    Phases {
        parse: of(|p| p.parse),
        dry_run: of(|p| p.dry_run),
        apply: of(|p| p.apply),
        again: of(|p| p.again),
        raw: of(|p| p.raw),
    }
}

pub async fn run(args: ImportBenchArgs) -> anyhow::Result<()> {
    if args.entities == 0 {
        bail!("--entities must be at least 1");
    }
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("catalog-info.yaml");
    let text = generate(args.entities);
    std::fs::write(&file, &text)?;
    eprintln!(
        "a Backstage catalog of {} components ({} KiB), {} run(s) per store…",
        args.entities,
        text.len() / 1024,
        args.runs.max(1)
    );
    let mut results = Vec::new();
    for store in ["sqlite", "postgres"] {
        if !args.stores.wants(store) {
            continue;
        }
        let mut runs = Vec::new();
        for n in 0..args.runs.max(1) {
            let phases = if store == "sqlite" {
                let db = tempfile::tempdir()?;
                let url = format!("sqlite://{}", db.path().join("bench.db").display());
                one_run(&url, &file, args.entities).await?
            } else {
                let (url, guard) =
                    muster_store_postgres::testing::create_database(&args.stores.postgres_url)
                        .await
                        .context("the PostgreSQL runs need a server (see --postgres-url)")?;
                let phases = one_run(&url, &file, args.entities).await;
                drop(guard);
                phases?
            };
            eprintln!("  {store} run {}: apply {:.2} s", n + 1, phases.apply);
            runs.push(phases);
        }
        results.push((store, medians(&runs)));
    }
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "store",
        "read + map (s)",
        "dry run (s)",
        "apply (s)",
        "re-import (s)",
        "raw rows (s)",
        "apply vs raw rows",
    ]);
    for (store, p) in &results {
        table.add_row(vec![
            (*store).to_owned(),
            format!("{:.2}", p.parse),
            format!("{:.2}", p.dry_run),
            format!("{:.2}", p.apply),
            format!("{:.2}", p.again),
            format!("{:.3}", p.raw),
            format!("{:.1}x", p.apply / p.raw.max(1e-6)),
        ]);
    }
    println!("{table}");
    println!(
        "medians of {} run(s); raw rows = {} bare INSERTs in one transaction on the same database, same run",
        args.runs.max(1),
        args.entities
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_catalog_reads_back_whole() {
        let text = generate(250);
        let source = backstage::MemorySource::new().with("c/catalog-info.yaml", text);
        let import = backstage::import(Path::new("c/catalog-info.yaml"), &source)
            .expect("the generated catalog is valid");
        assert_eq!(import.catalog.services.len(), 250);
        assert_eq!(import.catalog.teams.len(), 3);
        assert!(import.warnings.is_empty(), "{:?}", import.warnings.first());
    }
}
