//! `muster plan …`: the incident plan as code. `validate` and `stale` read
//! the files here and need no server; `diff` and `apply` compare the plan's
//! catalog (teams, services, functionalities) with the server's.

use std::path::{Path, PathBuf};

use muster_api_types::catalog::{CatalogSync, Functionality, Service, Team};
use muster_plan::plan::{self, Finding, Plan};

use super::{EXIT_REJECTED, Failure, OutputFormat, RemoteOptions, connect, output};

/// The source name under which the plan's catalog entries are recorded, so an
/// apply deletes only what an earlier apply made.
const SOURCE: &str = "plan";

/// Exit code of `plan diff` when applying would change something (as
/// `terraform plan -detailed-exitcode` does).
pub const EXIT_DIFF: u8 = 2;

#[derive(clap::Subcommand, Debug)]
pub enum PlanCommand {
    /// Check the plan: every problem at once with file:line:col; non-zero exit on any.
    Validate { dir: PathBuf },
    /// Documents whose review is overdue (last_reviewed + review_every before today).
    Stale { dir: PathBuf },
    /// What applying would change on the server; exit 0 when nothing, 2 when something.
    Diff { dir: PathBuf },
    /// Make the server's catalog match the plan, in one transaction.
    Apply { dir: PathBuf },
}

pub(crate) async fn run(cmd: PlanCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    match cmd {
        PlanCommand::Validate { dir } => validate(&dir, opts).map(drop),
        PlanCommand::Stale { dir } => stale(&dir, opts),
        PlanCommand::Diff { dir } => sync(&dir, opts, true).await,
        PlanCommand::Apply { dir } => sync(&dir, opts, false).await,
    }
}

fn findings_failure(findings: &[Finding]) -> Failure {
    let mut message = format!("the plan has {} problem(s)", findings.len());
    for finding in findings {
        message.push_str(&format!("\n  {finding}"));
    }
    Failure {
        code: EXIT_REJECTED,
        message,
        fields: Default::default(),
    }
}

/// Loads and validates; prints findings as asked; the plan when sound.
fn validate(dir: &Path, opts: &RemoteOptions) -> Result<Plan, Failure> {
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let findings = match plan::load(dir) {
        Ok(loaded) => {
            let findings = plan::validate(&loaded);
            if findings.is_empty() {
                if opts.output == OutputFormat::Json {
                    output::print_json(&serde_json::json!({"valid": true, "findings": []}))?;
                } else {
                    eprintln!(
                        "{}: the plan is sound ({} documents)",
                        dir.display(),
                        loaded.documents.len()
                    );
                }
                return Ok(loaded);
            }
            findings
        }
        Err(findings) => findings,
    };
    if opts.output == OutputFormat::Json {
        output::print_json(&serde_json::json!({"valid": false, "findings": findings}))?;
        return Err(Failure {
            code: EXIT_REJECTED,
            message: format!("the plan has {} problem(s)", findings.len()),
            fields: Default::default(),
        });
    }
    Err(findings_failure(&findings))
}

fn stale(dir: &Path, opts: &RemoteOptions) -> Result<(), Failure> {
    let loaded = plan::load(dir).map_err(|findings| findings_failure(&findings))?;
    let today = jiff::ZonedDateTime::now().date();
    let overdue = plan::stale(&loaded, today);
    if opts.output == OutputFormat::Json {
        return output::print_json(&overdue);
    }
    if overdue.is_empty() {
        println!("every reviewed document is up to date");
        return Ok(());
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_header(vec!["KIND", "NAME", "OWNER", "DUE", "WHERE"]);
    for doc in &overdue {
        table.add_row(vec![
            doc.kind.to_string(),
            doc.name.clone(),
            doc.owner.clone().unwrap_or_else(|| "-".into()),
            doc.due.to_string(),
            format!("{}:{}", doc.file.display(), doc.line),
        ]);
    }
    println!("{table}");
    Ok(())
}

async fn sync(dir: &Path, opts: &RemoteOptions, dry_run: bool) -> Result<(), Failure> {
    // Validation speaks only when it fails; the sync's answer is the output.
    let quiet = RemoteOptions {
        output: OutputFormat::Table,
        ..opts.clone()
    };
    let loaded = validate(dir, &quiet)?;
    let catalog = loaded.catalog();
    let body = CatalogSync {
        teams: catalog.teams.iter().map(Team::from).collect(),
        services: catalog.services.iter().map(Service::from).collect(),
        functionalities: catalog
            .functionalities
            .iter()
            .map(Functionality::from)
            .collect(),
        users: Vec::new(),
        source: Some(SOURCE.to_owned()),
        prune: Some("own".to_owned()),
        dry_run,
    };
    let result = connect(opts)?.sync_catalog(&body).await?;
    if opts.output == OutputFormat::Json {
        output::print_json(&result)?;
    } else {
        for change in result.changes.iter().filter(|c| c.action != "unchanged") {
            println!("{:<13} {:<14} {}", change.action, change.entry, change.slug);
        }
        let verb = match (dry_run, result.changed) {
            (true, true) => "applying would change the catalog",
            (false, true) => "applied in one transaction",
            (_, false) => "the server already matches the plan",
        };
        println!("{verb}");
    }
    if dry_run && result.changed {
        return Err(Failure {
            code: EXIT_DIFF,
            message: "differences found (exit 2)".into(),
            fields: Default::default(),
        });
    }
    Ok(())
}
