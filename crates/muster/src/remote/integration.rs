//! `muster integration create|list|show|rotate-key`: the sources monitoring
//! sends alerts through, with their kind's settings; a key is printed once,
//! at creation or rotation.

use std::path::PathBuf;

use clap::Subcommand;
use muster_api_types::alerts::{GenericMapping, Integration, NewIntegration};

use super::output::{finish, new_table, print_json, print_text, short_time};
use super::when::{parse_span, wait};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum IntegrationCommand {
    /// Create an integration and print its key (shown this once) and where
    /// the source should send.
    ///
    /// generic: --mapping FILE.json says where each field is in the JSON it
    /// is sent, as JSON pointers, e.g. {"summary": "/check/title",
    /// "dedup_key": "/check/id", "status": "/state", "severity":
    /// "/priority", "labels": "/tags", "links": "/urls"}; without it, muster's
    /// own format ({"summary", "dedup_key", "status", "severity", "source",
    /// "labels", "links", "started_at"} at the top level).
    ///
    /// grafana: --signing-secret makes every webhook need a valid
    /// X-Grafana-Alerting-Signature (the contact point's HMAC secret).
    ///
    /// heartbeat: --interval 5m (and --grace 1m): an alert is raised when no
    /// beat came for the interval plus the grace.
    #[command(verbatim_doc_comment)]
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
        /// generic: a JSON file with the mapping (`-` reads standard input).
        #[arg(long, value_name = "FILE")]
        mapping: Option<PathBuf>,
        /// grafana: the HMAC secret Grafana signs with; never shown back.
        #[arg(long, value_name = "SECRET")]
        signing_secret: Option<String>,
        /// grafana: the header Grafana sends the signed timestamp in, when
        /// its contact point sends one.
        #[arg(long, value_name = "HEADER", requires = "signing_secret")]
        timestamp_header: Option<String>,
        /// heartbeat: how often a beat is expected (10s to 7d), e.g. 5m, 1h, 1d.
        #[arg(long, value_name = "DURATION", value_parser = parse_span)]
        interval: Option<i64>,
        /// heartbeat: how late a beat may be [default: a tenth of the
        /// interval, at least 5s].
        #[arg(long, value_name = "DURATION", value_parser = parse_span)]
        grace: Option<i64>,
    },
    /// Every integration with its settings (never their keys or secrets),
    /// who made it (by hand or the plan) and whether it is retired.
    List,
    /// One integration: its settings, where it sends, who made it.
    Show {
        /// The integration's name.
        name: String,
    },
    /// Give the integration a new key and print it (shown this once). The
    /// old key is refused from now on; the integration, its settings and
    /// its alerts stay. Update the sender with the new key.
    RotateKey {
        /// The integration's name.
        name: String,
    },
}

/// Reads `--mapping`: a file, or standard input for `-`.
fn read_mapping(path: &PathBuf) -> Result<GenericMapping, Failure> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::usage(format!("--mapping -: cannot read standard input: {e}")))?
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!("--mapping {}: cannot read it: {e}", path.display()))
        })?
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "--mapping {}: not a mapping of JSON pointers such as {{\"summary\": \"/title\"}}: {e}",
            path.display()
        ))
    })
}

/// The kind's settings in a few words, for the list and the create answer.
fn settings(i: &Integration) -> String {
    match i.kind.as_str() {
        "generic" => i
            .mapping
            .as_ref()
            .map(|m| format!("summary at {}", m.summary))
            .unwrap_or_default(),
        "grafana" if i.signature_required => "signed".to_owned(),
        "grafana" => "unsigned".to_owned(),
        "heartbeat" => {
            let every = i.interval_seconds.map(wait).unwrap_or_default();
            let grace = i.grace_seconds.map(wait).unwrap_or_default();
            let last = i.last_beat_at.map_or_else(
                || "no beat yet".to_owned(),
                |at| format!("last beat {}", short_time(at)),
            );
            format!("every {every}, grace {grace}, {last}")
        }
        _ => String::new(),
    }
}

/// Who made it, and whether it still takes alerts.
fn origin(i: &Integration) -> String {
    let made = if i.origin == "plan" {
        "plan"
    } else {
        "by hand"
    };
    match i.retired_at {
        Some(at) => format!("{made}, retired {}", short_time(at)),
        None => made.to_owned(),
    }
}

/// Where to send, with the key in place when it is known.
fn send_to(base: &str, i: &Integration, key: &str) -> String {
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        i.endpoint.replace("{key}", key)
    )
}

/// The answer to a create or a rotation: the key, shown this once.
fn keyed(verb: &str, i: &Integration, key: &str, base: &str) -> String {
    let mut text = format!(
        "{verb} integration {} ({}) for {}.\nKey (shown once): {key}\nSend to: {}\n",
        i.name,
        i.kind,
        bound(i),
        send_to(base, i, key),
    );
    match i.kind.as_str() {
        "pagerduty_events" => {
            text.push_str("Use the key as the routing_key (integration key).\n");
        }
        "grafana" | "generic" | "heartbeat" => {
            text.push_str(&format!("Settings: {}\n", settings(i)));
        }
        _ => {}
    }
    text
}

fn bound(i: &Integration) -> String {
    i.service
        .as_deref()
        .map(|s| format!("service {s}"))
        .or_else(|| i.team.as_deref().map(|t| format!("team {t}")))
        .unwrap_or_default()
}

pub(super) async fn run_integration(
    cmd: IntegrationCommand,
    opts: &RemoteOptions,
) -> Result<(), Failure> {
    match cmd {
        IntegrationCommand::Create {
            kind,
            service,
            team,
            name,
            mapping,
            signing_secret,
            timestamp_header,
            interval,
            grace,
        } => {
            let bound_to = service.as_deref().or(team.as_deref()).unwrap_or("");
            if bound_to.is_empty() {
                return Err(Failure::usage(
                    "give --service or --team: whose alerts these are",
                ));
            }
            let mapping = mapping.as_ref().map(read_mapping).transpose()?;
            let client = connect(opts)?;
            let body = NewIntegration {
                name: name.unwrap_or_else(|| format!("{kind}-{bound_to}")),
                kind,
                service,
                team,
                mapping,
                signing_secret,
                timestamp_header,
                interval_seconds: interval,
                grace_seconds: grace,
            };
            let created = client.create_integration(&body).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&created);
            }
            let text = keyed(
                "Created",
                &created.integration,
                &created.key,
                client.base_url(),
            );
            print_text(&text)
        }
        IntegrationCommand::List => {
            let client = connect(opts)?;
            let list = client.list_integrations().await?;
            if opts.output == OutputFormat::Json {
                return print_json(&list);
            }
            let mut table = new_table(&["NAME", "KIND", "FOR", "ENDPOINT", "SETTINGS", "MADE"]);
            for i in &list.integrations {
                table.add_row(vec![
                    i.name.clone(),
                    i.kind.clone(),
                    bound(i),
                    i.endpoint.clone(),
                    settings(i),
                    origin(i),
                ]);
            }
            print_text(&finish(&table))
        }
        IntegrationCommand::Show { name } => {
            let client = connect(opts)?;
            let i = client.get_integration(&name).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&i);
            }
            let mut text = format!(
                "{} ({}) for {}\nMade: {}, {}\nSend to: {}\n",
                i.name,
                i.kind,
                bound(&i),
                origin(&i),
                short_time(i.created_at),
                send_to(client.base_url(), &i, "KEY"),
            );
            if i.kind == "pagerduty_events" {
                text.push_str("The key goes in each event as its routing_key.\n");
            }
            let shown = settings(&i);
            if !shown.is_empty() {
                text.push_str(&format!("Settings: {shown}\n"));
            }
            if let Some(mapping) = &i.mapping {
                let pretty = serde_json::to_string_pretty(mapping).map_err(|e| {
                    Failure::new(
                        super::EXIT_REJECTED,
                        format!("the mapping does not print: {e}"),
                    )
                })?;
                text.push_str(&format!("Mapping: {pretty}\n"));
            }
            if i.retired_at.is_some() {
                text.push_str("Retired: its key is refused; its alerts are kept.\n");
            }
            print_text(&text)
        }
        IntegrationCommand::RotateKey { name } => {
            let client = connect(opts)?;
            let rotated = client.rotate_integration_key(&name).await?;
            if opts.output == OutputFormat::Json {
                return print_json(&rotated);
            }
            let mut text = keyed(
                "Rotated the key of",
                &rotated.integration,
                &rotated.key,
                client.base_url(),
            );
            text.push_str("The old key is refused from now on.\n");
            print_text(&text)
        }
    }
}
