//! `muster serve`: the composition root of the server.

use std::sync::Arc;

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusBuilder;
use muster_app::{App, SystemClock};
use muster_server::AppState;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::{reviews, store};

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
    let settings = config.settings()?;
    let opened = store::open(&config.database_url, true).await?;
    let app = App::new(opened.store.clone(), Arc::new(SystemClock), settings);
    let metrics = PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the metrics recorder")?;
    muster_server::ops::describe_metrics();
    let mut state = AppState::new(app.clone(), Some(metrics));
    state.secure_cookies = config.secure_cookies;

    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let address = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    tracing::info!(store = %opened.description, "muster listening on http://{address}");
    eprintln!(
        "muster {} listening on http://{address} ({})",
        env!("CARGO_PKG_VERSION"),
        opened.description
    );
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
    let reminders = reviews::spawn(app.clone());
    let served = muster_server::serve(listener, state, shutdown_signal()).await;
    reminders.abort();
    served?;
    tracing::info!("muster stopped");
    Ok(())
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
