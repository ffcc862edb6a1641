//! `muster alert list|show|ack|resolve|open-incident|attach`: what
//! monitoring sent, and acting on it by hand.

use clap::Subcommand;
use jiff::Timestamp;
use muster_api_types::alerts::{
    AlertDetail, AlertList, AlertQuery, AttachAlert, AttachedAlert, OpenIncident,
};
use muster_client::Client;

use super::cursor::{self, Paged};
use super::output::{finish, hint, new_table, print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect};

#[derive(Subcommand, Debug)]
pub enum AlertCommand {
    /// Alerts, most recently seen first.
    List {
        /// Comma-separated: firing, acknowledged, resolved.
        #[arg(long)]
        status: Option<String>,
        /// Alerts per page (1-1000, default 100).
        #[arg(long)]
        limit: Option<u32>,
        /// Follow the pages to the end instead of showing the first one.
        #[arg(long)]
        all: bool,
    },
    /// Show an alert: its fields, links, labels and annotations.
    Show {
        /// The alert's id (the ID column of `muster alert list`).
        id: String,
    },
    /// Acknowledge an alert: someone is on it. Acknowledging an acknowledged
    /// alert changes nothing; a resolved one is refused.
    Ack {
        /// The alert's id.
        id: String,
    },
    /// Resolve an alert: the problem is gone. Resolving a resolved alert
    /// changes nothing.
    Resolve {
        /// The alert's id.
        id: String,
    },
    /// Open an incident from an alert: titled by its summary, detected when
    /// it started, on its integration's service; the alert (and its storm)
    /// attached.
    OpenIncident {
        /// The alert's id.
        id: String,
        /// A configured severity code (default: the configured default).
        #[arg(long)]
        severity: Option<String>,
    },
    /// Attach an alert (and its storm) to an open incident: the incident is
    /// marked mitigated once every alert attached to it resolves, and its
    /// owner asked to confirm.
    Attach {
        /// The alert's id.
        id: String,
        /// The incident: INC-42, 42 or its id.
        incident: String,
        /// Leave mitigating the incident to a person when the alerts resolve.
        #[arg(long)]
        no_mitigate_on_resolve: bool,
    },
}

pub(super) async fn run(cmd: AlertCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        AlertCommand::List { status, limit, all } => {
            let query = AlertQuery {
                status,
                limit,
                cursor: None,
            };
            list(&client, query, all, json).await
        }
        AlertCommand::Show { id } => {
            let detail = client.get_alert(&id).await?;
            if json {
                return print_json(&detail);
            }
            print_text(&alert_detail(&detail))
        }
        AlertCommand::Ack { id } => {
            let detail = client.acknowledge_alert(&id).await?;
            changed(&detail, json)
        }
        AlertCommand::Resolve { id } => {
            let detail = client.resolve_alert(&id).await?;
            changed(&detail, json)
        }
        AlertCommand::OpenIncident { id, severity } => {
            let incident = client
                .open_incident_from_alert(&id, &OpenIncident { severity })
                .await?;
            if json {
                return print_json(&incident);
            }
            print_text(&format!(
                "Opened {} {} ({}) from alert {id}; the alert is attached.\n",
                incident.reference, incident.title, incident.severity
            ))
        }
        AlertCommand::Attach {
            id,
            incident,
            no_mitigate_on_resolve,
        } => {
            let body = AttachAlert {
                incident,
                mitigate_on_resolve: !no_mitigate_on_resolve,
            };
            let attached = client.attach_alert(&id, &body).await?;
            if json {
                return print_json(&attached);
            }
            print_text(&attached_text(&attached))
        }
    }
}

/// What an acknowledge or resolve came to. Worded as the state the alert is
/// in, which is true whether this call changed it or it was so already.
fn changed(detail: &AlertDetail, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(detail);
    }
    let a = &detail.alert;
    let since = match a.status.as_str() {
        "acknowledged" => a.acknowledged_at,
        "resolved" => a.resolved_at,
        _ => None,
    }
    .map(|at| format!(" since {}", time(at)))
    .unwrap_or_default();
    print_text(&format!(
        "Alert {} is {}{since}: {}\n",
        a.id, a.status, a.summary
    ))
}

/// What an attach came to, worded as the state it left (true whether this
/// call attached it or it was attached already).
fn attached_text(attached: &AttachedAlert) -> String {
    let (a, i) = (&attached.alert.alert, &attached.incident);
    let already = if attached.changed { "" } else { " already" };
    let then = if attached.mitigate_on_resolve {
        format!(
            "{} is marked mitigated when every alert attached to it resolves",
            i.reference
        )
    } else {
        String::from(
            "when every alert attached to it resolves, its owner is asked to mitigate and resolve it",
        )
    };
    format!(
        "Alert {} is{already} attached to {} {:?}; {then}.\n",
        a.id, i.reference, i.title
    )
}

fn time(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

async fn list(
    client: &Client,
    mut query: AlertQuery,
    all: bool,
    json: bool,
) -> Result<(), Failure> {
    let mut list: AlertList = client.list_alerts(&query).await?;
    if all {
        list = cursor::follow(list, |cursor| {
            query.cursor = Some(cursor);
            let query = query.clone();
            async move { Ok(client.list_alerts(&query).await?) }
        })
        .await?;
    }
    if json {
        return print_json(&list);
    }
    let mut table = new_table(&[
        "ID",
        "STATUS",
        "SEVERITY",
        "SEEN",
        "SUMMARY",
        "KEY",
        "LAST SEEN",
    ]);
    for a in &list.alerts {
        table.add_row(vec![
            a.id.to_string(),
            a.status.clone(),
            a.severity.clone(),
            format!("{}×", a.occurrences),
            a.summary.clone(),
            a.dedup_key.clone(),
            a.last_seen.to_string(),
        ]);
    }
    print_text(&finish(&table))?;
    if list.next_cursor.is_some() {
        hint("There are more: add --all to see every page.");
    }
    Ok(())
}

/// `alert show`: the fields as a two-column table, then links, labels and
/// annotations, each a table of its own.
pub(crate) fn alert_detail(detail: &AlertDetail) -> String {
    let a = &detail.alert;
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Alert", a.summary.clone());
    row("ID", a.id.to_string());
    row("Status", a.status.clone());
    row("Severity", a.severity.clone());
    if !a.source.is_empty() {
        row("Source", a.source.clone());
    }
    let bound = detail
        .service
        .as_deref()
        .map(|s| format!(", service {s}"))
        .or_else(|| detail.team.as_deref().map(|t| format!(", team {t}")))
        .unwrap_or_default();
    row(
        "Integration",
        format!(
            "{} ({}{bound})",
            detail.integration_name, detail.integration_kind
        ),
    );
    row("Dedup key", a.dedup_key.clone());
    if let Some(group) = &a.group_key {
        row("Group key", group.clone());
    }
    row("Started", time(a.started_at));
    row("First seen", time(a.first_seen));
    row("Last seen", time(a.last_seen));
    row("Occurrences", a.occurrences.to_string());
    if let Some(at) = a.acknowledged_at {
        row("Acknowledged", time(at));
    }
    if let Some(at) = a.resolved_at {
        row("Resolved", time(at));
    }
    let mut text = finish(&table);
    if !a.links.is_empty() {
        let mut links = new_table(&["LINK", "URL"]);
        for link in &a.links {
            links.add_row(vec![link.text.clone(), link.href.clone()]);
        }
        text.push('\n');
        text.push_str(&finish(&links));
    }
    for (header, map) in [("LABEL", &a.labels), ("ANNOTATION", &a.annotations)] {
        text.push('\n');
        if map.is_empty() {
            text.push_str(&format!("No {}s.\n", header.to_lowercase()));
            continue;
        }
        let mut entries = new_table(&[header, "VALUE"]);
        for (name, value) in map {
            entries.add_row(vec![name.clone(), value.clone()]);
        }
        text.push_str(&finish(&entries));
    }
    text
}

impl Paged for AlertList {
    fn take_cursor(&mut self) -> Option<String> {
        self.next_cursor.take()
    }
    fn append(&mut self, next: Self) {
        self.alerts.extend(next.alerts);
        self.next_cursor = next.next_cursor;
    }
}
