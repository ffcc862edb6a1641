//! The CLI commands that talk to a muster server over HTTP: `incident ...`, `token ...`,
//! `team ...`, `service ...`, `functionality ...`, `user ...`, `oncall ...`, `schedule ...`,
//! `policy ...`, `page`, `pages ...`, `notifications ...`, `integration ...`, `alert ...`,
//! `silence ...`, `runbook list|attach|run-step`, `update send`, `login` and `logout`.
//!
//! The server is found from `--url`/`MUSTER_URL` and `--token`/`MUSTER_TOKEN`, which win over
//! the profile saved by `muster login` (`--profile`/`MUSTER_PROFILE`, default `default`).
//!
//! Exit codes:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | the server rejected the request (other 4xx), or something unexpected happened |
//! | 2 | usage or configuration error: bad flag value, no server configured, bad profile file |
//! | 3 | not found (404) |
//! | 4 | conflict (409): stale version, invalid transition, duplicate |
//! | 5 | not signed in or not allowed (401, 403) |
//! | 6 | server or network unavailable: connection refused, timeout, 5xx |
//!
//! Errors go to stderr as `error: <message>`, then one `  <field>: <problem>` line per field
//! the server complained about.

mod alert;
mod catalog;
mod cursor;
pub(crate) mod import;
mod incident;
mod incident_command;
mod integration;
mod oncall;
mod output;
mod paging;
mod plan;
mod profile;
mod route;
mod rules;
mod runbook;
mod scenario;
mod schedule;
mod silence;
mod token;
mod update;
mod user;
mod when;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;

use jiff::Timestamp;
use muster_client::{Client, ClientError};
use uuid::Uuid;

pub use alert::AlertCommand;
pub use catalog::{
    FunctionalityCommand, ServiceCommand, TeamCommand, run_functionality, run_service, run_team,
};
pub use import::CatalogCommand;
pub use incident_command::{IncidentCommand, TaskCommand};
pub use integration::IntegrationCommand;
pub use oncall::{OncallCommand, PolicyCommand};
pub use paging::{PageArgs, PagesCommand};
pub use plan::PlanCommand;
pub use route::RouteCommand;
pub use rules::NotificationsCommand;
pub use runbook::RunbookCommand;
pub use schedule::ScheduleCommand;
pub use silence::SilenceCommand;
pub use update::UpdateCommand;
pub use user::UserCommand;

pub const EXIT_OK: u8 = 0;
pub const EXIT_REJECTED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_NOT_FOUND: u8 = 3;
pub const EXIT_CONFLICT: u8 = 4;
pub const EXIT_AUTH: u8 = 5;
pub const EXIT_UNAVAILABLE: u8 = 6;

// Where the server is and how answers are shown. Flatten it into the top-level parser: the
// flags are global, so they work after any subcommand. (Plain comments: a doc comment here
// would become the about text of whatever command flattens it.)
#[derive(clap::Args, Debug, Clone)]
pub struct RemoteOptions {
    /// Server URL, e.g. http://127.0.0.1:8070 [default: the profile's].
    #[arg(
        long,
        env = "MUSTER_URL",
        global = true,
        help_heading = "Global options"
    )]
    pub url: Option<String>,
    /// API token [default: the profile's, when the URL is the profile's].
    #[arg(
        long,
        env = "MUSTER_TOKEN",
        global = true,
        hide_env_values = true,
        help_heading = "Global options"
    )]
    pub token: Option<String>,
    /// Profile saved by `muster login` [default: default].
    #[arg(
        long,
        env = "MUSTER_PROFILE",
        global = true,
        help_heading = "Global options"
    )]
    pub profile: Option<String>,
    /// How to print answers.
    #[arg(
        long,
        short = 'o',
        value_enum,
        default_value = "table",
        global = true,
        help_heading = "Global options"
    )]
    pub output: OutputFormat,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Tables for people.
    Table,
    /// The API's JSON, pretty-printed.
    Json,
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token; its secret is shown once.
    Create { name: String },
    /// List your API tokens.
    List {
        /// Include revoked tokens.
        #[arg(long)]
        all: bool,
    },
    /// Revoke an API token.
    Revoke { id: Uuid },
}

/// Sign in with your email and password; the server's URL and a new API token are saved as a
/// profile (`--profile`, default `default`) that later commands use.
// The server comes from the global `--url`/`MUSTER_URL` and the profile name from the global
// `--profile`/`MUSTER_PROFILE`; they are not repeated here because clap refuses a subcommand
// flag with the same name as a global one.
#[derive(clap::Args, Debug)]
pub struct LoginArgs {
    /// Your email address [default: asked on the terminal].
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from standard input instead of asking on the terminal.
    #[arg(long)]
    pub password_stdin: bool,
    /// Name of the token the server creates [default: muster-cli@<host name>].
    #[arg(long)]
    pub token_name: Option<String>,
}

pub async fn run_incident(cmd: IncidentCommand, opts: &RemoteOptions) -> ExitCode {
    finish(incident::run(cmd, opts).await)
}

pub async fn run_catalog(cmd: CatalogCommand, opts: &RemoteOptions) -> ExitCode {
    finish(import::run(cmd, opts).await)
}

pub async fn run_plan(cmd: PlanCommand, opts: &RemoteOptions) -> ExitCode {
    finish(plan::run(cmd, opts).await)
}

pub async fn run_user(cmd: UserCommand, opts: &RemoteOptions) -> ExitCode {
    finish(user::run(cmd, opts).await)
}

pub async fn run_oncall(cmd: OncallCommand, opts: &RemoteOptions) -> ExitCode {
    finish(oncall::run_oncall(cmd, opts).await)
}

pub async fn run_schedule(cmd: ScheduleCommand, opts: &RemoteOptions) -> ExitCode {
    finish(schedule::run(cmd, opts).await)
}

pub async fn run_policy(cmd: PolicyCommand, opts: &RemoteOptions) -> ExitCode {
    finish(oncall::run_policy(cmd, opts).await)
}

pub async fn run_integration(cmd: IntegrationCommand, opts: &RemoteOptions) -> ExitCode {
    finish(integration::run_integration(cmd, opts).await)
}

pub async fn run_alert(cmd: AlertCommand, opts: &RemoteOptions) -> ExitCode {
    finish(alert::run(cmd, opts).await)
}

pub async fn run_silence(cmd: SilenceCommand, opts: &RemoteOptions) -> ExitCode {
    finish(silence::run(cmd, opts).await)
}

pub async fn run_runbook(cmd: RunbookCommand, opts: &RemoteOptions) -> ExitCode {
    finish(runbook::run(cmd, opts).await)
}

pub async fn run_update(cmd: UpdateCommand, opts: &RemoteOptions) -> ExitCode {
    finish(update::run(cmd, opts).await)
}

pub async fn run_route(cmd: RouteCommand, opts: &RemoteOptions) -> ExitCode {
    finish(route::run(cmd, opts))
}

pub async fn run_page(args: PageArgs, opts: &RemoteOptions) -> ExitCode {
    finish(paging::run_page(args, opts).await)
}

pub async fn run_pages(cmd: PagesCommand, opts: &RemoteOptions) -> ExitCode {
    finish(paging::run_pages(cmd, opts).await)
}

pub async fn run_notifications(cmd: NotificationsCommand, opts: &RemoteOptions) -> ExitCode {
    finish(rules::run_notifications(cmd, opts).await)
}

pub async fn run_token(cmd: TokenCommand, opts: &RemoteOptions) -> ExitCode {
    finish(token::run(cmd, opts).await)
}

pub async fn run_login(args: LoginArgs, opts: &RemoteOptions) -> ExitCode {
    finish(token::login(args, opts).await)
}

/// Removes the saved profile, revoking its token on the server first when it can.
pub async fn run_logout(opts: &RemoteOptions) -> ExitCode {
    finish(token::logout(opts).await)
}

/// Why a command failed, already sorted into an exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(EXIT_USAGE, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(EXIT_NOT_FOUND, message)
    }

    /// The lines written to stderr.
    pub fn render(&self) -> String {
        let mut text = format!("error: {}\n", self.message);
        for (field, problem) in &self.fields {
            text.push_str(&format!("  {field}: {problem}\n"));
        }
        text
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let code = exit_code(&error);
        let message = error.to_string();
        let fields = match error {
            ClientError::Api { fields, .. } => fields,
            _ => BTreeMap::new(),
        };
        Self {
            code,
            message,
            fields,
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::new(EXIT_REJECTED, format!("{error:#}"))
    }
}

/// The exit code for a client error; see the table in the module documentation.
pub fn exit_code(error: &ClientError) -> u8 {
    match error {
        ClientError::Api { status, .. } => match status {
            401 | 403 => EXIT_AUTH,
            404 => EXIT_NOT_FOUND,
            409 => EXIT_CONFLICT,
            500..=599 => EXIT_UNAVAILABLE,
            _ => EXIT_REJECTED,
        },
        ClientError::Transport(_) => EXIT_UNAVAILABLE,
        ClientError::Decode(_) => EXIT_REJECTED,
        ClientError::InvalidUrl(_) => EXIT_USAGE,
    }
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => {
            // Nothing sensible is left to do if stderr itself is gone.
            let _ = std::io::stderr().write_all(failure.render().as_bytes());
            ExitCode::from(failure.code)
        }
    }
}

/// A client for the configured server, with the token that goes with it.
pub(crate) fn connect(opts: &RemoteOptions) -> Result<Client, Failure> {
    let target = profile::resolve_target(opts)?;
    Ok(Client::new(&target.url, target.token)?)
}

/// Parses `--at`, `--since`, ...; clap prefixes the message with the flag's name.
pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|e| format!("expected an RFC 3339 instant such as 2026-11-26T17:22:00Z ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(clap::Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        remote: RemoteOptions,
        #[command(subcommand)]
        command: Command,
    }

    #[derive(clap::Subcommand, Debug)]
    enum Command {
        #[command(subcommand)]
        Incident(IncidentCommand),
        #[command(subcommand)]
        Token(TokenCommand),
        Login(LoginArgs),
        Logout,
    }

    fn api(status: u16) -> ClientError {
        ClientError::Api {
            status,
            code: "x".into(),
            message: "m".into(),
            fields: BTreeMap::new(),
        }
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn maps_errors_to_exit_codes() {
        assert_eq!(exit_code(&api(400)), EXIT_REJECTED);
        assert_eq!(exit_code(&api(413)), EXIT_REJECTED);
        assert_eq!(exit_code(&api(429)), EXIT_REJECTED);
        assert_eq!(exit_code(&api(401)), EXIT_AUTH);
        assert_eq!(exit_code(&api(403)), EXIT_AUTH);
        assert_eq!(exit_code(&api(404)), EXIT_NOT_FOUND);
        assert_eq!(exit_code(&api(409)), EXIT_CONFLICT);
        assert_eq!(exit_code(&api(500)), EXIT_UNAVAILABLE);
        assert_eq!(exit_code(&api(503)), EXIT_UNAVAILABLE);
        let transport = ClientError::Transport("refused".into());
        assert_eq!(exit_code(&transport), EXIT_UNAVAILABLE);
        assert_eq!(exit_code(&ClientError::Decode("x".into())), EXIT_REJECTED);
        assert_eq!(exit_code(&ClientError::InvalidUrl("x".into())), EXIT_USAGE);
    }

    #[test]
    fn renders_field_errors_one_per_line() {
        let error = ClientError::Api {
            status: 400,
            code: "invalid_input".into(),
            message: "Invalid incident".into(),
            fields: BTreeMap::from([
                ("severity".to_owned(), "unknown severity SEV9".to_owned()),
                ("title".to_owned(), "must not be empty".to_owned()),
            ]),
        };
        let failure = Failure::from(error);
        assert_eq!(failure.code, EXIT_REJECTED);
        assert_eq!(
            failure.render(),
            "error: Invalid incident\n  severity: unknown severity SEV9\n  title: must not be empty\n"
        );
    }

    #[test]
    fn bad_instants_name_the_flag_and_exit_2() {
        let error = Cli::try_parse_from(["muster", "incident", "ack", "INC-1", "--at", "noon"])
            .unwrap_err();
        assert_eq!(error.exit_code(), i32::from(EXIT_USAGE));
        assert!(error.to_string().contains("--at"), "{error}");
        assert!(error.to_string().contains("RFC 3339"), "{error}");

        let cli = Cli::try_parse_from([
            "muster",
            "incident",
            "list",
            "--since",
            "2026-11-26T17:22:00+01:00",
            "--status",
            "active,acknowledged",
            "--drill",
            "-o",
            "json",
        ])
        .unwrap();
        assert_eq!(cli.remote.output, OutputFormat::Json);
        let Command::Incident(IncidentCommand::List {
            since,
            status,
            drill,
            ..
        }) = cli.command
        else {
            panic!("parsed as {:?}", cli.command);
        };
        assert_eq!(since.unwrap().to_string(), "2026-11-26T16:22:00Z");
        assert_eq!(status, ["active", "acknowledged"]);
        assert_eq!(drill, Some(true));
    }

    #[test]
    fn private_and_public_exclude_each_other() {
        let error =
            Cli::try_parse_from(["muster", "incident", "update", "1", "--private", "--public"])
                .unwrap_err();
        assert_eq!(error.exit_code(), i32::from(EXIT_USAGE));
    }
}
