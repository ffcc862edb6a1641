//! `muster status export DIR`: the whole public status page (HTML, the
//! Statuspage JSON, the feeds) written as static files from the database,
//! so a plain web server or an object store elsewhere can serve it while
//! muster itself is down. Each file is written beside its final name and
//! renamed into place, so a web server reading the folder never sees half
//! a file.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use muster_app::{App, SystemClock};
use muster_status::Site;

use crate::config::Config;
use crate::store;

pub async fn export(config: &Config, dir: &Path) -> anyhow::Result<()> {
    let page = config.status_page()?;
    // Not exclusive: reading beside a running SQLite server is safe.
    let opened = store::open(&config.database_url, false).await?;
    let app = App::new(opened.store, Arc::new(SystemClock), config.settings()?);
    let projection = app
        .public_projection()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the status page: {e}"))?;
    let site = Site::build(&projection, &page, app.now())?;
    let files = site.files();
    for (file, asset) in &files {
        let target = dir.join(file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let partial = target.with_extension("partial");
        std::fs::write(&partial, &asset.body)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &target)
            .with_context(|| format!("cannot move {} into place", target.display()))?;
    }
    eprintln!(
        "wrote {} files of the status page to {}",
        files.len(),
        dir.display()
    );
    Ok(())
}
