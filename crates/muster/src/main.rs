//! `muster`: the server, the CLI that talks to it, and set-up commands, in one
//! binary. This is the composition root: the only non-test code that names a
//! storage backend.

mod admin;
mod bench;
mod bench_escalation;
mod bench_import;
mod bench_ingest;
mod bench_oncall;
mod bench_status;
mod config;
mod remote;
mod serve;
mod status;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use muster_core::UserRole;

use crate::config::{Config, Overrides};

#[derive(Parser, Debug)]
#[command(
    name = "muster",
    version,
    about = "Incident management: declare, page, run and learn from incidents."
)]
struct Cli {
    #[command(flatten)]
    remote: remote::RemoteOptions,
    #[command(subcommand)]
    command: Command,
}

/// Where the server's own settings come from (for `serve` and `admin`).
#[derive(clap::Args, Debug, Clone)]
struct ServerOptions {
    /// Configuration file (default: ./muster.toml if it exists).
    #[arg(long, env = "MUSTER_CONFIG")]
    config: Option<PathBuf>,
    /// sqlite://PATH (default sqlite://./muster-data/muster.db) or postgres://…
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the console and API server.
    Serve {
        #[command(flatten)]
        server: ServerOptions,
        /// Address to listen on (default 127.0.0.1:8070).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// The URL people reach muster at, for links muster prints.
        #[arg(long)]
        public_url: Option<String>,
        /// Ingest requests one integration key may make per second (default 5000).
        #[arg(long)]
        ingest_rate_limit: Option<u32>,
        /// Address of the public status page's own listener (default 127.0.0.1:8071).
        #[arg(long)]
        status_listen: Option<std::net::SocketAddr>,
    },
    /// The public status page: write it out as static files.
    #[command(subcommand)]
    Status(StatusCommand),
    /// Set-up commands that work on the database directly, no server needed.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Declare, inspect and run incidents on a server.
    #[command(subcommand)]
    Incident(remote::IncidentCommand),
    /// Manage your API tokens.
    #[command(subcommand)]
    Token(remote::TokenCommand),
    /// Import a Backstage catalog into the server's catalog.
    #[command(subcommand)]
    Catalog(remote::CatalogCommand),
    /// The incident plan as code: validate, list stale documents, diff and apply.
    #[command(subcommand)]
    Plan(remote::PlanCommand),
    /// List, show and edit the catalog's teams and their members.
    #[command(subcommand)]
    Team(remote::TeamCommand),
    /// List, show and edit services and their dependencies; see a failure's blast radius.
    #[command(subcommand)]
    Service(remote::ServiceCommand),
    /// List, show and edit customer-facing functionalities and the services behind them.
    #[command(subcommand)]
    Functionality(remote::FunctionalityCommand),
    /// List, show, create, edit and deactivate users: time zone, contact methods and
    /// notification rules.
    #[command(subcommand)]
    User(remote::UserCommand),
    /// Who is on call, now or at any instant: for a schedule, team, service or functionality.
    #[command(subcommand)]
    Oncall(remote::OncallCommand),
    /// On-call schedules: their shifts, iCalendar export and overrides.
    #[command(subcommand)]
    Schedule(remote::ScheduleCommand),
    /// The plan's escalation policies.
    #[command(subcommand)]
    Policy(remote::PolicyCommand),
    /// Page a team (or a person, service, functionality or schedule) until someone
    /// acknowledges.
    ///
    /// `muster page TEAM MESSAGE` pages the team through its escalation policy; with
    /// --user, --service, --functionality or --schedule only MESSAGE follows. Prints the
    /// page's number and who its first step goes to.
    Page(remote::PageArgs),
    /// Alert integrations: the sources monitoring sends alerts through, and their keys.
    #[command(subcommand)]
    Integration(remote::IntegrationCommand),
    /// Alerts that arrived through the integrations.
    #[command(subcommand)]
    Alert(remote::AlertCommand),
    /// Silences and maintenance windows: keep matching alerts from paging for a while.
    #[command(subcommand)]
    Silence(remote::SilenceCommand),
    /// Alert routes: try a payload against the plan's rules, without side effects.
    #[command(subcommand)]
    Route(remote::RouteCommand),
    /// The plan's runbooks, and the ones attached to an incident: attach, run a step.
    #[command(subcommand)]
    Runbook(remote::RunbookCommand),
    /// Stakeholder updates: write one from a template, preview it, send it.
    #[command(subcommand)]
    Update(remote::UpdateCommand),
    /// List, show, acknowledge and resolve pages.
    #[command(subcommand)]
    Pages(remote::PagesCommand),
    /// The server's notification sinks (admins).
    #[command(subcommand)]
    Notifications(remote::NotificationsCommand),
    /// Sign in with email and password and save a profile.
    Login(remote::LoginArgs),
    /// Forget a saved profile (and revoke its token).
    Logout,
    /// Measure the server (not a test): throughput and latency tables.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create the user if absent and print a new API token for them.
    Token {
        #[command(flatten)]
        server: ServerOptions,
        #[arg(long)]
        email: String,
        /// Role for a new user (an existing user keeps theirs).
        #[arg(long, default_value = "admin", value_parser = parse_role)]
        role: UserRole,
        /// Name of the token.
        #[arg(long, default_value = "admin token")]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum StatusCommand {
    /// Write the whole public site (HTML, Statuspage JSON, Atom and RSS) to DIR
    /// as static files, for a web server or object store elsewhere.
    Export {
        #[command(flatten)]
        server: ServerOptions,
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Declare and note-append throughput and latency over HTTP, on SQLite and PostgreSQL.
    Api(bench::BenchArgs),
    /// Import a generated 10,000-component Backstage catalog: read, dry run, apply, re-import.
    Import(bench_import::ImportBenchArgs),
    /// 10,000 pages escalating through 3 steps to a local webhook receiver: lateness and throughput.
    Escalation(bench_escalation::EscalationBenchArgs),
    /// Who is on call for 1,000 schedules over a year of shifts: time per query.
    Oncall(bench_oncall::OnCallBenchArgs),
    /// Alert ingestion beside the real Alertmanager: alerts/s accepted, latency to the first
    /// notification, memory with 100,000 open alerts.
    Ingest(bench_ingest::IngestBenchArgs),
    /// The public status page beside nginx serving the same bytes: requests/s and p99 for
    /// /api/v2/summary.json and / with 64 connections, also while incidents are updated.
    Status(bench_status::StatusBenchArgs),
}

fn parse_role(raw: &str) -> Result<UserRole, String> {
    raw.parse()
}

fn load(server: &ServerOptions, overrides: Overrides) -> anyhow::Result<Config> {
    Config::load(server.config.as_deref(), &overrides)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Incident(cmd) => return remote::run_incident(cmd, &cli.remote).await,
        Command::Token(cmd) => return remote::run_token(cmd, &cli.remote).await,
        Command::Catalog(cmd) => return remote::run_catalog(cmd, &cli.remote).await,
        Command::Plan(cmd) => return remote::run_plan(cmd, &cli.remote).await,
        Command::Team(cmd) => return remote::run_team(cmd, &cli.remote).await,
        Command::Service(cmd) => return remote::run_service(cmd, &cli.remote).await,
        Command::Functionality(cmd) => {
            return remote::run_functionality(cmd, &cli.remote).await;
        }
        Command::User(cmd) => return remote::run_user(cmd, &cli.remote).await,
        Command::Oncall(cmd) => return remote::run_oncall(cmd, &cli.remote).await,
        Command::Schedule(cmd) => return remote::run_schedule(cmd, &cli.remote).await,
        Command::Policy(cmd) => return remote::run_policy(cmd, &cli.remote).await,
        Command::Page(args) => return remote::run_page(args, &cli.remote).await,
        Command::Route(cmd) => return remote::run_route(cmd, &cli.remote).await,
        Command::Runbook(cmd) => return remote::run_runbook(cmd, &cli.remote).await,
        Command::Update(cmd) => return remote::run_update(cmd, &cli.remote).await,
        Command::Integration(cmd) => return remote::run_integration(cmd, &cli.remote).await,
        Command::Alert(cmd) => return remote::run_alert(cmd, &cli.remote).await,
        Command::Silence(cmd) => return remote::run_silence(cmd, &cli.remote).await,
        Command::Pages(cmd) => return remote::run_pages(cmd, &cli.remote).await,
        Command::Notifications(cmd) => {
            return remote::run_notifications(cmd, &cli.remote).await;
        }
        Command::Login(args) => return remote::run_login(args, &cli.remote).await,
        Command::Logout => return remote::run_logout(&cli.remote).await,
        Command::Serve {
            server,
            listen,
            public_url,
            ingest_rate_limit,
            status_listen,
        } => {
            let overrides = Overrides {
                listen,
                database_url: server.database_url.clone(),
                public_url,
                ingest_rate_limit,
                status_listen,
            };
            match load(&server, overrides) {
                Ok(config) => serve::run(config).await,
                Err(error) => Err(error),
            }
        }
        Command::Status(StatusCommand::Export { server, dir }) => {
            let overrides = Overrides {
                database_url: server.database_url.clone(),
                ..Overrides::default()
            };
            match load(&server, overrides) {
                Ok(config) => status::export(&config, &dir).await,
                Err(error) => Err(error),
            }
        }
        Command::Admin(AdminCommand::Token {
            server,
            email,
            role,
            name,
        }) => {
            let overrides = Overrides {
                database_url: server.database_url.clone(),
                ..Overrides::default()
            };
            match load(&server, overrides) {
                Ok(config) => admin::token(&config, &email, role, &name).await,
                Err(error) => Err(error),
            }
        }
        Command::Bench(BenchCommand::Api(args)) => bench::run(args).await,
        Command::Bench(BenchCommand::Import(args)) => bench_import::run(args).await,
        Command::Bench(BenchCommand::Escalation(args)) => bench_escalation::run(args).await,
        Command::Bench(BenchCommand::Oncall(args)) => bench_oncall::run(args).await,
        Command::Bench(BenchCommand::Ingest(args)) => bench_ingest::run(args).await,
        Command::Bench(BenchCommand::Status(args)) => bench_status::run(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(remote::EXIT_USAGE)
        }
    }
}
