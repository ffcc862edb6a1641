//! `muster integration create|list`: the sources monitoring sends alerts
//! through.

use clap::Subcommand;
use muster_api_types::alerts::NewIntegration;

use super::output::{finish, new_table, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum IntegrationCommand {
    /// Create an integration and print its key (shown this once) and where
    /// the source should send.
    Create {
        /// alertmanager, grafana, pagerduty_events, generic or heartbeat.
        #[arg(long)]
        kind: String,
        /// The service whose alerts these are.
        #[arg(long, conflicts_with = "team")]
        service: Option<String>,
        /// Or the team whose alerts these are.
        #[arg(long)]
        team: Option<String>,
        /// A name (default: KIND-SERVICE or KIND-TEAM).
        #[arg(long)]
        name: Option<String>,
    },
    /// Every integration (never their keys).
    List,
}

pub(super) async fn run_integration(
    cmd: IntegrationCommand,
    opts: &RemoteOptions,
) -> Result<(), Failure> {
    let client = connect(opts)?;
    match cmd {
        IntegrationCommand::Create {
            kind,
            service,
            team,
            name,
        } => {
            let bound = service.as_deref().or(team.as_deref()).unwrap_or("");
            if bound.is_empty() {
                return Err(Failure::usage(
                    "give --service or --team: whose alerts these are",
                ));
            }
            let body = NewIntegration {
                name: name.unwrap_or_else(|| format!("{kind}-{bound}")),
                kind,
                service,
                team,
            };
            let created = client.create_integration(&body).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&created);
            }
            let i = &created.integration;
            let endpoint = i.endpoint.replace("{key}", &created.key);
            let mut text = format!(
                "Created integration {} ({}) for {}.\nKey (shown once): {}\nSend to: {}{}\n",
                i.name,
                i.kind,
                i.service
                    .as_deref()
                    .map(|s| format!("service {s}"))
                    .or_else(|| i.team.as_deref().map(|t| format!("team {t}")))
                    .unwrap_or_default(),
                created.key,
                client.base_url().trim_end_matches('/'),
                endpoint,
            );
            if i.kind == "pagerduty_events" {
                text.push_str("Use the key as the routing_key (integration key).\n");
            }
            print_text(&text)
        }
        IntegrationCommand::List => {
            let list = client.list_integrations().await?;
            if opts.output == OutputFormat::Json {
                return print_json(&list);
            }
            let mut table = new_table(&["NAME", "KIND", "FOR", "ENDPOINT"]);
            for i in &list.integrations {
                let bound = i
                    .service
                    .as_deref()
                    .map(|s| format!("service {s}"))
                    .or_else(|| i.team.as_deref().map(|t| format!("team {t}")))
                    .unwrap_or_default();
                table.add_row(vec![
                    i.name.clone(),
                    i.kind.clone(),
                    bound,
                    i.endpoint.clone(),
                ]);
            }
            print_text(&finish(&table))
        }
    }
}
