//! `muster team ...`, `muster service ...` and `muster functionality ...`: the catalog.
//!
//! `set` is create-or-update: the entry is read first (a missing one starts empty), only
//! the flags given are applied, and the result is written back whole. A repeatable flag
//! (`--member`, `--link`, `--depends-on`, ...) replaces its list when given at least once;
//! the matching `--clear-...` flag empties it. The catalog has no versions, so two people
//! running `set` on one entry at the same moment: the later write wins.

mod flags;
mod functionality;
mod service;
mod tables;
mod team;

use std::process::ExitCode;

use muster_client::ClientError;

use super::output::print_text;
use super::{Failure, RemoteOptions, finish};

pub use functionality::FunctionalityCommand;
pub use service::ServiceCommand;
pub use team::TeamCommand;

pub async fn run_team(cmd: TeamCommand, opts: &RemoteOptions) -> ExitCode {
    finish(team::team(cmd, opts).await)
}

pub async fn run_service(cmd: ServiceCommand, opts: &RemoteOptions) -> ExitCode {
    finish(service::service(cmd, opts).await)
}

pub async fn run_functionality(cmd: FunctionalityCommand, opts: &RemoteOptions) -> ExitCode {
    finish(functionality::functionality(cmd, opts).await)
}

// Shared by the three commands

/// The entry, or `None` when the server has no entry by that name.
fn found<T>(answer: Result<T, ClientError>) -> Result<Option<T>, Failure> {
    match answer {
        Ok(entry) => Ok(Some(entry)),
        Err(error) if error.status() == Some(404) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn verb(existed: bool) -> &'static str {
    if existed { "updated" } else { "created" }
}

/// A 204 has no body, so `--output json` prints nothing; the exit code says it worked.
fn deleted(json: bool, kind: &str, slug: &str) -> Result<(), Failure> {
    if json {
        Ok(())
    } else {
        print_text(&format!("{kind} {slug} deleted.\n"))
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::super::EXIT_USAGE;
    use super::*;

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
        Team(TeamCommand),
        #[command(subcommand)]
        Service(ServiceCommand),
        #[command(subcommand)]
        Functionality(FunctionalityCommand),
    }

    #[test]
    fn the_parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_flag_values_name_the_flag_and_exit_2() {
        for (args, flag) in [
            (vec!["service", "set", "api", "--tier", "9"], "--tier"),
            (vec!["service", "set", "api", "--tier", "0"], "--tier"),
            (
                vec!["service", "set", "api", "--depends-on", "x:sometimes"],
                "--depends-on",
            ),
            (vec!["service", "set", "api", "--link", "nope"], "--link"),
            (
                vec!["service", "set", "api", "--lifecycle", "retired"],
                "--lifecycle",
            ),
            (vec!["team", "set", "pay", "--member", ":lead"], "--member"),
        ] {
            let error = Cli::try_parse_from(std::iter::once("muster").chain(args.iter().copied()))
                .unwrap_err();
            assert_eq!(error.exit_code(), i32::from(EXIT_USAGE), "{args:?}");
            assert!(error.to_string().contains(flag), "{args:?}: {error}");
        }
        let error = Cli::try_parse_from([
            "muster",
            "team",
            "set",
            "pay",
            "--member",
            "a@example.com",
            "--clear-members",
        ])
        .unwrap_err();
        assert_eq!(error.exit_code(), i32::from(EXIT_USAGE));
    }
}
