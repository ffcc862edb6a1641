//! `muster plan …`: the incident plan as code. `validate`, `schema` and
//! `stale DIR` need no server; `diff` and `apply` upload the folder's files
//! (the server validates them again and applies every document in one
//! transaction); `export` writes the server's state back as files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use muster_api_types::plan::{PlanApplyResult, PlanFile, PlanUpload, check_path};
use muster_plan::plan::{self, Finding, Plan};

use super::{EXIT_REJECTED, Failure, OutputFormat, RemoteOptions, connect, output};

/// Exit code of `plan diff` when applying would change something (as
/// `terraform plan -detailed-exitcode` does).
pub const EXIT_DIFF: u8 = 2;

#[derive(clap::Subcommand, Debug)]
pub enum PlanCommand {
    /// Check the plan: every problem at once with file:line:col; non-zero exit on
    /// any. Stretches of the next 28 days with nobody on call are warnings.
    Validate { dir: PathBuf },
    /// Documents whose review is overdue (last_reviewed + review_every before
    /// today): in DIR, or on the server when DIR is left out.
    Stale { dir: Option<PathBuf> },
    /// What applying would change on the server; exit 0 when nothing, 2 when something.
    Diff { dir: PathBuf },
    /// Make the server's plan (catalog, every other document, the
    /// integrations it declares) match DIR, in one transaction. Prints each
    /// new integration's key once. A Grafana signing secret the plan names
    /// (signing_secret_env: VAR) is read from this environment and sent with
    /// the plan; unset, the apply is refused.
    Apply { dir: PathBuf },
    /// Write the server's plan into DIR as YAML files; applying them changes nothing.
    Export {
        dir: PathBuf,
        /// Overwrite YAML files already in DIR.
        #[arg(long)]
        force: bool,
    },
    /// The running plan: its last revision (when, by whom) and its documents.
    Show,
    /// Print the JSON Schema of a plan document, for editor completion.
    Schema,
}

pub(crate) async fn run(cmd: PlanCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    match cmd {
        PlanCommand::Validate { dir } => validate(&dir, opts).map(drop),
        PlanCommand::Stale { dir: Some(dir) } => stale(&dir, opts),
        PlanCommand::Stale { dir: None } => stale_on_server(opts).await,
        PlanCommand::Diff { dir } => sync(&dir, opts, true).await,
        PlanCommand::Apply { dir } => sync(&dir, opts, false).await,
        PlanCommand::Export { dir, force } => export(&dir, force, opts).await,
        PlanCommand::Show => show(opts).await,
        PlanCommand::Schema => output::print_json(&plan::schema()),
    }
}

pub(super) fn findings_failure(findings: &[Finding]) -> Failure {
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

/// How far ahead `validate` looks for stretches with nobody on call.
const GAP_WINDOW_DAYS: i64 = 28;

/// Stretches of the next [`GAP_WINDOW_DAYS`] with nobody on call: warnings,
/// which never fail the plan on their own.
fn gap_warnings(loaded: &Plan) -> Vec<Finding> {
    let now = jiff::Timestamp::now();
    let until = now
        .checked_add(jiff::SignedDuration::from_hours(GAP_WINDOW_DAYS * 24))
        .unwrap_or(now);
    plan::schedule_gaps(loaded, now, until)
}

/// The secrets the plan names whose variables are unset here: warnings,
/// since a plan is validated where it is written (CI, a laptop) and applied
/// where the secrets are.
fn secret_warnings(loaded: &Plan) -> Vec<Finding> {
    plan::secret_references(loaded)
        .into_iter()
        .filter(|reference| std::env::var_os(&reference.variable).is_none_or(|v| v.is_empty()))
        .map(|reference| {
            reference.unset("is not set here; `muster plan apply` will need it in its environment")
        })
        .collect()
}

fn warning_lines(warnings: &[Finding]) -> String {
    warnings
        .iter()
        .map(|warning| format!("warning: {warning}\n"))
        .collect()
}

/// Loads and validates; prints findings (errors, then warnings) as asked;
/// the plan when it has no errors.
fn validate(dir: &Path, opts: &RemoteOptions) -> Result<Plan, Failure> {
    if !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let (findings, warnings) = match plan::load(dir) {
        Ok(loaded) => {
            let findings = plan::validate(&loaded);
            let mut warnings = gap_warnings(&loaded);
            warnings.extend(secret_warnings(&loaded));
            if findings.is_empty() {
                if opts.output == OutputFormat::Json {
                    output::print_json(&serde_json::json!({
                        "valid": true,
                        "findings": [],
                        "warnings": warnings,
                    }))?;
                } else {
                    eprintln!(
                        "{}: the plan is sound ({} documents{})",
                        dir.display(),
                        loaded.documents.len(),
                        match warnings.len() {
                            0 => String::new(),
                            n => format!(", {n} warning(s)"),
                        }
                    );
                    eprint!("{}", warning_lines(&warnings));
                }
                return Ok(loaded);
            }
            (findings, warnings)
        }
        Err(findings) => (findings, Vec::new()),
    };
    if opts.output == OutputFormat::Json {
        output::print_json(&serde_json::json!({
            "valid": false,
            "findings": findings,
            "warnings": warnings,
        }))?;
        return Err(Failure {
            code: EXIT_REJECTED,
            message: format!("the plan has {} problem(s)", findings.len()),
            fields: Default::default(),
        });
    }
    let mut failure = findings_failure(&findings);
    // The failure is printed after everything else: warnings go in it to
    // come after the errors.
    if !warnings.is_empty() {
        failure.message.push('\n');
        failure
            .message
            .push_str(warning_lines(&warnings).trim_end());
    }
    Err(failure)
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

/// The plan's files with paths relative to `dir`, as the server wants them,
/// and the secrets its integrations name, read from this process's
/// environment: they never go in the files. An apply refuses to start
/// without every one (missing_secret, at the line naming it); a diff sends
/// those set and the server compares the others as unchanged.
fn upload(dir: &Path, loaded: &Plan, dry_run: bool) -> Result<PlanUpload, Failure> {
    let files = loaded.files_under(dir).iter().map(PlanFile::from).collect();
    let mut secrets = BTreeMap::new();
    let mut missing = Vec::new();
    for reference in plan::secret_references(loaded) {
        match std::env::var(&reference.variable) {
            Ok(secret) if !secret.is_empty() => {
                secrets.insert(reference.variable.clone(), secret);
            }
            _ if dry_run => {}
            Ok(_) => missing.push(reference.unset("is empty in this environment")),
            Err(_) => missing.push(reference.unset(
                "is not set in this environment; `muster plan apply` reads the secret from it",
            )),
        }
    }
    if !missing.is_empty() {
        return Err(findings_failure(&missing));
    }
    Ok(PlanUpload {
        files,
        dry_run,
        secrets,
    })
}

/// One line per integration change, and each created one's key (shown once).
fn integration_lines(result: &PlanApplyResult, base: &str) -> String {
    let mut text = String::new();
    for i in result
        .integrations
        .iter()
        .filter(|i| i.action != "unchanged")
    {
        let bound = i
            .service
            .as_deref()
            .map(|s| format!("service {s}"))
            .or_else(|| i.team.as_deref().map(|t| format!("team {t}")))
            .unwrap_or_default();
        let mut line = format!(
            "{:<13} {:<22} {} ({}, {bound})",
            i.action, "integration", i.name, i.kind
        );
        if !i.changed.is_empty() {
            line.push_str(&format!(": {}", i.changed.join(", ")));
        }
        if i.revived {
            line.push_str(": back from retirement, its alerts kept, a new key");
        }
        text.push_str(&line);
        text.push('\n');
        if let Some(key) = &i.key {
            text.push_str(&format!(
                "  key (shown once): {key}\n  send to: {}{}\n",
                base.trim_end_matches('/'),
                i.endpoint.replace("{key}", key)
            ));
            if i.kind == "pagerduty_events" {
                text.push_str("  use the key as the routing_key\n");
            }
        }
    }
    text
}

async fn sync(dir: &Path, opts: &RemoteOptions, dry_run: bool) -> Result<(), Failure> {
    // Validation speaks only when it fails; the sync's answer is the output.
    let quiet = RemoteOptions {
        output: OutputFormat::Table,
        ..opts.clone()
    };
    let loaded = validate(dir, &quiet)?;
    let body = upload(dir, &loaded, dry_run)?;
    let client = connect(opts)?;
    let result = client.apply_plan(&body).await?;
    if opts.output == OutputFormat::Json {
        output::print_json(&result)?;
    } else {
        // An Integration document's line is said by its integration's, with more.
        let said_below = |entry: &str, name: &str| {
            entry == "Integration"
                && result
                    .integrations
                    .iter()
                    .any(|i| i.name == name && i.action != "unchanged")
        };
        for change in result
            .changes
            .iter()
            .filter(|c| c.action != "unchanged" && !said_below(&c.entry, &c.slug))
        {
            println!("{:<13} {:<22} {}", change.action, change.entry, change.slug);
        }
        print!("{}", integration_lines(&result, client.base_url()));
        let verb = match (dry_run, result.changed, result.revision) {
            (true, true, _) => "applying would change the plan".to_owned(),
            (false, true, Some(n)) => format!("applied in one transaction as revision {n}"),
            (false, true, None) => "applied in one transaction".to_owned(),
            (_, false, _) => "the server already matches the plan".to_owned(),
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

async fn export(dir: &Path, force: bool, opts: &RemoteOptions) -> Result<(), Failure> {
    let files = connect(opts)?.export_plan().await?.files;
    // Check everything before writing anything, so a refused export leaves DIR
    // as it was (an I/O error midway can still leave the files before it).
    for file in &files {
        check_path(&file.path)
            .map_err(|m| Failure::new(EXIT_REJECTED, format!("the server sent a bad path: {m}")))?;
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    if !force && dir.is_dir() {
        let taken: Vec<String> = files
            .iter()
            .filter(|f| dir.join(&f.path).exists())
            .map(|f| f.path.clone())
            .collect();
        if !taken.is_empty() {
            return Err(Failure::usage(format!(
                "{} already has {}; pass --force to overwrite",
                dir.display(),
                taken.join(", ")
            )));
        }
    }
    // Writing through a symlink could land outside DIR.
    for file in &files {
        let mut path = dir.to_path_buf();
        for part in file.path.split('/') {
            path.push(part);
            if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(Failure::usage(format!(
                    "{} is a symbolic link; refusing to write through it",
                    path.display()
                )));
            }
        }
    }
    let write = |file: &PlanFile| -> std::io::Result<()> {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &file.text)
    };
    for file in &files {
        write(file).map_err(|e| {
            Failure::new(
                EXIT_REJECTED,
                format!("writing {}: {e}", dir.join(&file.path).display()),
            )
        })?;
    }
    if opts.output == OutputFormat::Json {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        return output::print_json(&serde_json::json!({ "dir": dir, "files": paths }));
    }
    eprintln!("wrote {} file(s) to {}", files.len(), dir.display());
    Ok(())
}

async fn show(opts: &RemoteOptions) -> Result<(), Failure> {
    let overview = connect(opts)?.plan_overview().await?;
    if opts.output == OutputFormat::Json {
        return output::print_json(&overview);
    }
    match &overview.revision {
        Some(r) => println!(
            "revision {} applied {} by {} <{}>: {}",
            r.number, r.applied_at, r.applied_by.name, r.applied_by.email, r.summary
        ),
        None => println!("no plan applied yet (muster plan apply DIR)"),
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_header(vec!["KIND", "NAME", "OWNER", "REVIEW DUE", "FILE"]);
    for doc in &overview.documents {
        let due = match (doc.review_due, doc.overdue) {
            (Some(due), true) => format!("{due} (overdue)"),
            (Some(due), false) => due.to_string(),
            (None, _) => "-".into(),
        };
        table.add_row(vec![
            doc.kind.clone(),
            doc.name.clone(),
            doc.owner.clone().unwrap_or_else(|| "-".into()),
            due,
            doc.file.clone(),
        ]);
    }
    println!("{table}");
    Ok(())
}

async fn stale_on_server(opts: &RemoteOptions) -> Result<(), Failure> {
    let stale = connect(opts)?.stale_plan_documents().await?;
    if opts.output == OutputFormat::Json {
        return output::print_json(&stale);
    }
    if stale.documents.is_empty() {
        println!("every reviewed document is up to date");
        return Ok(());
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_header(vec!["KIND", "NAME", "OWNER", "DUE", "REMINDED", "FILE"]);
    for doc in &stale.documents {
        table.add_row(vec![
            doc.kind.clone(),
            doc.name.clone(),
            doc.owner.clone().unwrap_or_else(|| "-".into()),
            doc.due.to_string(),
            doc.reminded_at
                .map(|t| t.to_string())
                .unwrap_or_else(|| "not yet".into()),
            doc.file.clone(),
        ]);
    }
    println!("{table}");
    Ok(())
}
