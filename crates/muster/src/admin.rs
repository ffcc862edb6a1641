//! `muster admin …`: set-up commands that work on the store directly, with no
//! server running (and safely while one runs on PostgreSQL).

use std::sync::Arc;

use muster_app::{App, SystemClock};
use muster_core::UserRole;

use crate::config::Config;
use crate::store;

/// Finds or creates the user and prints a new API token for them.
pub async fn token(config: &Config, email: &str, role: UserRole, name: &str) -> anyhow::Result<()> {
    // Not exclusive: a running SQLite server may hold the lock, and this one
    // short write goes through SQLite's own locking.
    let opened = store::open(&config.database_url, false).await?;
    let app = App::new(opened.store, Arc::new(SystemClock), config.settings()?);
    let (user, secret) = app
        .issue_admin_token(email, role, name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "token for {} ({}); it is shown only this once:",
        user.email, user.role
    );
    println!("{secret}");
    Ok(())
}
