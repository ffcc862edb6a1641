//! `muster serve`: the composition root of the server.

use std::sync::Arc;

use anyhow::{Context, bail};
use metrics_exporter_prometheus::PrometheusBuilder;
use muster_app::{App, SystemClock};
use muster_engine::{Engine, EngineConfig};
use muster_server::AppState;
use muster_server::ratelimit::IngestLimiter;
use muster_sinks::Sinks;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::store;

/// Starts logging; `json` gives one JSON object per line.
pub fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUSTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (tests) is harmless; ignore it.
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    init_logging(&config.log_format);
    if config.ingest_rate_limit == 0 {
        bail!("ingest_rate_limit: expected at least 1 request per second per key, got 0");
    }
    let mut settings = config.settings()?;
    let sinks = Arc::new(Sinks::build(&config.sinks()).map_err(|e| {
        anyhow::anyhow!(
            "invalid notification settings: {}: {}",
            e.setting,
            e.message
        )
    })?);
    settings.available_sinks = sinks.kinds().collect();
    let mut page = config.status_page()?;
    let opened = store::open(&config.database_url, true).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let status_listener = TcpListener::bind(config.status_listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} for the status page (status_listen)",
                config.status_listen
            )
        })?;
    let status_address = status_listener.local_addr()?;
    // Port 0 means "any": links must name the port actually bound.
    if config.public_url.is_none() {
        settings.public_url = format!("http://{address}");
    }
    if config.status_url.is_none() {
        settings.status_page.public_url = format!("http://{status_address}");
        page.url = settings.status_page.public_url.clone();
    }
    let public_url = settings.public_url.clone();
    let app = App::new(opened.store.clone(), Arc::new(SystemClock), settings);
    let metrics = PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    muster_server::ops::describe_metrics();
    muster_engine::describe_metrics();
    let mut state = AppState::new(app.clone(), Some(metrics));
    state.secure_cookies = config.secure_cookies;
    state.sinks = Some(sinks.clone());
    state.ingest_limiter = Arc::new(IngestLimiter::new(config.ingest_rate_limit));

    let mut engine_config = EngineConfig::new(node_name());
    engine_config.exclusive_store = opened.exclusive;
    engine_config.lease = jiff::SignedDuration::from_secs(
        i64::try_from(config.engine_lease_seconds.clamp(2, 3600)).unwrap_or(60),
    );
    let engine = Engine::new(app.clone(), sinks.clone(), engine_config);
    // Refuse to start (before listening) when another engine holds this
    // SQLite file, rather than run a server that pages nobody.
    engine.claim().await?;
    for (kind, health) in sinks.health().await {
        match health {
            muster_sinks::Health::Ok(detail) => {
                tracing::info!(sink = %kind, %detail, "notification sink ready")
            }
            muster_sinks::Health::Failing(detail) => {
                tracing::warn!(sink = %kind, %detail, "notification sink failing its health check")
            }
            muster_sinks::Health::NotConfigured => {}
        }
    }

    tracing::info!(store = %opened.description, "muster listening on http://{address}");
    eprintln!(
        "muster {} listening on http://{address} ({})",
        env!("CARGO_PKG_VERSION"),
        opened.description
    );
    eprintln!("public status page on http://{status_address}");
    if let Some(secret) = app.bootstrap_secret().await? {
        eprintln!();
        eprintln!("No users yet. Create the first admin within this run at:");
        eprintln!(
            "  {}/setup?token={secret}",
            public_url.trim_end_matches('/')
        );
        eprintln!("(the link works once; restarting muster makes a new one)");
        eprintln!();
    }
    let (stop_engine, engine_stopped) = tokio::sync::oneshot::channel::<()>();
    let engine = tokio::spawn(engine.run(async {
        let _ = engine_stopped.await;
    }));
    let (stop_status, status_stopped) = tokio::sync::oneshot::channel::<()>();
    let status_site = muster_server::status_site::StatusSite::new(app.clone(), page);
    let status = tokio::spawn(muster_server::status_site::serve(
        status_listener,
        status_site,
        async {
            let _ = status_stopped.await;
        },
    ));
    let served = muster_server::serve(listener, state, shutdown_signal()).await;
    let _ = stop_status.send(());
    match status.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "the status page listener failed"),
        Err(error) => tracing::error!(%error, "the status page task failed"),
    }
    // In-flight requests are done; let in-flight sends finish too.
    let _ = stop_engine.send(());
    match engine.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "the engine stopped with an error"),
        Err(error) => tracing::error!(%error, "the engine task failed"),
    }
    served?;
    tracing::info!("muster stopped");
    Ok(())
}

/// This process's name as lease owner: host, process id and a random tag,
/// so a restarted process on the same host never inherits a dead one's leases.
fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned());
    let tag = uuid::Uuid::now_v7().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &tag[tag.len() - 6..])
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
