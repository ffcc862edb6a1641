//! `muster catalog import PATH|URL`: reads Backstage `catalog-info.yaml` files
//! on this machine and makes the server's catalog match, in one transaction.

use std::path::{Path, PathBuf};

use comfy_table::Table;
use muster_api_types::catalog::{
    CatalogSync, CatalogSyncResult, Functionality, Service, SyncUser, Team,
};
use muster_plan::backstage::{self, DiskSource, MemorySource};

use super::{EXIT_REJECTED, Failure, RemoteOptions, connect, output};

/// Largest catalog file fetched from a URL, like the limit on local files.
const MAX_URL_BYTES: usize = 16 * 1024 * 1024;

/// `muster catalog …`
#[derive(clap::Subcommand, Debug)]
pub enum CatalogCommand {
    /// Import a Backstage catalog (a catalog-info.yaml and the Locations it lists).
    Import(ImportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A catalog-info.yaml file, or the http(s) URL of one.
    pub location: String,
    /// Print what would change (create, update, unchanged, would-delete) without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete what an earlier import of the same source created and this one no longer has.
    #[arg(long)]
    pub prune: bool,
    /// Name of this source [default: backstage:<absolute path or URL>].
    #[arg(long)]
    pub source: Option<String>,
    /// Also list entries that stay unchanged.
    #[arg(long)]
    pub verbose: bool,
}

pub(crate) async fn run(cmd: CatalogCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    match cmd {
        CatalogCommand::Import(args) => import(args, opts).await,
    }
}

async fn read(location: &str) -> Result<(backstage::Import, String), Failure> {
    let parsed = if location.starts_with("http://") || location.starts_with("https://") {
        let text = fetch(location).await?;
        let name = location
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("catalog-info.yaml");
        let root = PathBuf::from(name);
        let source = MemorySource::new().with(root.clone(), text);
        (
            backstage::import(&root, &source),
            format!("backstage:{location}"),
        )
    } else {
        let path = Path::new(location);
        let absolute = std::fs::canonicalize(path)
            .map_err(|e| Failure::usage(format!("cannot read {location}: {e}")))?;
        (
            backstage::import(&absolute, &DiskSource),
            format!("backstage:{}", absolute.display()),
        )
    };
    match parsed {
        (Ok(import), source) => Ok((import, source)),
        (Err(errors), _) => {
            let mut message = format!(
                "the catalog has {} problem(s); nothing was imported",
                errors.len()
            );
            for error in &errors {
                message.push_str(&format!("\n  {error}"));
            }
            Err(Failure {
                code: EXIT_REJECTED,
                message,
                fields: Default::default(),
            })
        }
    }
}

async fn fetch(url: &str) -> Result<String, Failure> {
    let response = reqwest::get(url)
        .await
        .map_err(|e| Failure::usage(format!("cannot fetch {url}: {e}")))?;
    if !response.status().is_success() {
        return Err(Failure::usage(format!(
            "cannot fetch {url}: HTTP {}",
            response.status()
        )));
    }
    if response
        .content_length()
        .is_some_and(|n| n > MAX_URL_BYTES as u64)
    {
        return Err(Failure::usage(format!(
            "{url} is larger than {MAX_URL_BYTES} bytes"
        )));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| Failure::usage(format!("cannot fetch {url}: {e}")))?;
    if bytes.len() > MAX_URL_BYTES {
        return Err(Failure::usage(format!(
            "{url} is larger than {MAX_URL_BYTES} bytes"
        )));
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Failure::usage(format!("{url} is not UTF-8 text")))
}

fn body(import: &backstage::Import, source: String, args: &ImportArgs) -> CatalogSync {
    sync_body(
        import,
        args.source.clone().unwrap_or(source),
        args.dry_run,
        args.prune,
    )
}

/// The sync request for an import: its catalog and people, under `source`.
pub(crate) fn sync_body(
    import: &backstage::Import,
    source: String,
    dry_run: bool,
    prune: bool,
) -> CatalogSync {
    CatalogSync {
        teams: import.catalog.teams.iter().map(Team::from).collect(),
        services: import.catalog.services.iter().map(Service::from).collect(),
        functionalities: import
            .catalog
            .functionalities
            .iter()
            .map(Functionality::from)
            .collect(),
        users: import
            .users
            .iter()
            .map(|u| SyncUser {
                email: u.email.clone(),
                name: u.name.clone(),
            })
            .collect(),
        source: Some(source),
        prune: Some(if prune { "own" } else { "nothing" }.to_owned()),
        dry_run,
    }
}

async fn import(args: ImportArgs, opts: &RemoteOptions) -> Result<(), Failure> {
    let (import, source) = read(&args.location).await?;
    for warning in &import.warnings {
        eprintln!("warning: {warning}");
    }
    let client = connect(opts)?;
    let result = client.sync_catalog(&body(&import, source, &args)).await?;
    if opts.output == super::OutputFormat::Json {
        return output::print_json(&result);
    }
    print!("{}", summary(&result, args.verbose));
    Ok(())
}

/// The plan as a table, then one line of totals.
fn summary(result: &CatalogSyncResult, verbose: bool) -> String {
    let mut table = Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_header(vec!["ACTION", "KIND", "NAME"]);
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for change in &result.changes {
        *counts.entry(change.action.as_str()).or_default() += 1;
        if verbose || change.action != "unchanged" {
            table.add_row(vec![
                change.action.as_str(),
                change.entry.as_str(),
                change.slug.as_str(),
            ]);
        }
    }
    let totals: Vec<String> = counts
        .iter()
        .map(|(action, n)| format!("{n} {action}"))
        .collect();
    let outcome = match (result.dry_run, result.changed) {
        (true, _) => "dry run: nothing was written",
        (false, true) => "imported in one transaction",
        (false, false) => "nothing to change",
    };
    let mut text = String::new();
    if table.row_count() > 0 {
        text.push_str(&format!("{table}\n"));
    }
    text.push_str(&format!("{} ({outcome})\n", totals.join(", ")));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_api_types::catalog::PlannedChange;

    #[test]
    fn the_summary_hides_unchanged_entries_unless_asked() {
        let change = |action: &str, slug: &str| PlannedChange {
            entry: "service".into(),
            slug: slug.into(),
            action: action.into(),
        };
        let result = CatalogSyncResult {
            dry_run: true,
            changed: true,
            changes: vec![
                change("create", "api"),
                change("unchanged", "db"),
                change("would-delete", "old"),
            ],
        };
        let short = summary(&result, false);
        assert!(
            short.contains("api") && short.contains("old") && !short.contains(" db"),
            "{short}"
        );
        assert!(
            short.contains("1 create, 1 unchanged, 1 would-delete (dry run: nothing was written)"),
            "{short}"
        );
        assert!(summary(&result, true).contains("db"));
    }
}
