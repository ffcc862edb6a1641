//! `muster page TARGET MESSAGE` raises a page; `muster pages ...` lists, shows,
//! acknowledges and resolves them. They are two nouns because clap cannot have both
//! `page list` and `page TEAM MESSAGE` (is `list` a team?).

use std::collections::HashSet;

use muster_api_types::paging::{NewPage, Page, PageDetail, PageQuery, PageTarget};
use muster_client::Client;

use super::output::{Names, finish, hint, new_table, print_json, print_text, section};
use super::when::{Zone, parse_zone};
use super::{Failure, OutputFormat, RemoteOptions, connect};

/// Stops following cursors of a server that never says "last page".
const MAX_PAGES: usize = 10_000;

/// `muster page`: whom to page (a team unless a kind flag says otherwise) and what to say.
#[derive(clap::Args, Debug)]
#[command(
    override_usage = "muster page <TEAM> <MESSAGE> [OPTIONS]\n       \
                      muster page (--user EMAIL | --service SLUG | --functionality SLUG | --schedule NAME) <MESSAGE> [OPTIONS]",
    group(clap::ArgGroup::new("kind").args(["user", "service", "functionality", "schedule"]))
)]
pub struct PageArgs {
    /// TEAM then MESSAGE (one line, what a phone shows); only MESSAGE with a kind flag.
    #[arg(value_name = "TEAM> <MESSAGE", num_args = 1..=2, required = true)]
    words: Vec<String>,
    /// Page this person (email) directly.
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Page the team that owns this service.
    #[arg(long, value_name = "SLUG")]
    service: Option<String>,
    /// Page the team that owns this customer-facing functionality.
    #[arg(long, value_name = "SLUG")]
    functionality: Option<String>,
    /// Page whoever is on call on this schedule.
    #[arg(long, value_name = "NAME")]
    schedule: Option<String>,
    /// More text for the people paged.
    #[arg(long, value_name = "TEXT")]
    details: Option<String>,
    /// The incident the page is for (INC-42); its drill flag carries over.
    #[arg(long, value_name = "INC-N")]
    incident: Option<String>,
    /// A practice page: labelled as a drill and kept out of metrics.
    #[arg(long)]
    drill: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum PagesCommand {
    /// List pages, newest first.
    List {
        /// Only these statuses (comma-separated or repeated): triggered, acknowledged,
        /// resolved.
        #[arg(long, value_delimiter = ',')]
        status: Vec<String>,
        /// Only pages for this incident (INC-42).
        #[arg(long, value_name = "INC-N")]
        incident: Option<String>,
        /// Only pages that notified this person (email).
        #[arg(long, value_name = "EMAIL")]
        recipient: Option<String>,
        /// Pages per request, 1-200 [default: the server's, 50].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: Option<u32>,
        /// Follow the pages to the end instead of showing the first batch.
        #[arg(long)]
        all: bool,
        /// Show times in this IANA time zone [default: UTC].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Show a page: its history in order, and every delivery with its attempts.
    Show {
        /// P-12, 12 or the page's id.
        page: String,
        /// Show times in this IANA time zone [default: UTC].
        #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
        tz: Option<Zone>,
    },
    /// Acknowledge a page: you are on it, so it stops escalating.
    Ack {
        /// P-12, 12 or the page's id.
        page: String,
    },
    /// Resolve a page: the problem is gone.
    Resolve {
        /// P-12, 12 or the page's id.
        page: String,
    },
}

impl PageArgs {
    /// The target and the message, from the words and the kind flags.
    fn target(&self) -> Result<(PageTarget, String), Failure> {
        let flagged = [
            ("user", "--user", &self.user),
            ("service", "--service", &self.service),
            ("functionality", "--functionality", &self.functionality),
            ("schedule", "--schedule", &self.schedule),
        ]
        .into_iter()
        .find_map(|(kind, flag, name)| name.as_ref().map(|name| (kind, flag, name)));
        let (kind, name, message) = match (flagged, self.words.as_slice()) {
            (Some((kind, _, name)), [message]) => (kind, name.clone(), message.clone()),
            (Some((_, flag, _)), [first, _]) => {
                return Err(Failure::usage(format!(
                    "with {flag} give only the MESSAGE; {first:?} would be a second target"
                )));
            }
            (None, [team, message]) => ("team", team.clone(), message.clone()),
            (None, _) => {
                return Err(Failure::usage(
                    "expected TEAM and MESSAGE (or --user, --service, --functionality or \
                     --schedule with MESSAGE)",
                ));
            }
            (Some(_), _) => return Err(Failure::usage("expected a MESSAGE")),
        };
        if name.trim().is_empty() {
            return Err(Failure::usage(format!("the {kind} to page is empty")));
        }
        Ok((
            PageTarget {
                kind: kind.to_owned(),
                name: name.trim().to_owned(),
            },
            message,
        ))
    }
}

pub(super) async fn run_page(args: PageArgs, opts: &RemoteOptions) -> Result<(), Failure> {
    let (target, summary) = args.target()?;
    let client = connect(opts)?;
    let body = NewPage {
        target,
        summary,
        details: args.details.unwrap_or_default(),
        incident: args.incident,
        drill: args.drill,
    };
    let page = client.create_page(&body).await?;
    if opts.output == OutputFormat::Json {
        return print_json(&page);
    }
    let mut text = format!(
        "Paged {} {}: {}{}.\n",
        page.target.kind,
        page.target.name,
        page.number,
        page.policy
            .as_ref()
            .map(|p| format!(" (through escalation policy {p})"))
            .unwrap_or_default()
    );
    // The page exists whatever this lookup says, so a failure here only costs the line.
    match first_step(&client, &page).await {
        Ok(who) => text.push_str(&format!("First step: {}\n", who.join(", "))),
        Err(_) => text.push_str(&format!(
            "First step: see `muster pages show {}`\n",
            page.number
        )),
    }
    print_text(&text)
}

/// Who the page's first step goes to, as the plan and the schedules say now; the engine
/// fires it within a second and `pages show` has what it actually did.
async fn first_step(client: &Client, page: &Page) -> Result<Vec<String>, Failure> {
    let targets: Vec<(String, String)> = match &page.policy {
        Some(name) => {
            let policies = client.list_policies().await?;
            let policy = policies
                .policies
                .into_iter()
                .find(|p| &p.name == name)
                .ok_or_else(|| Failure::not_found(format!("policy {name} not found")))?;
            policy
                .steps
                .into_iter()
                .next()
                .map(|step| step.targets.into_iter().map(|t| (t.kind, t.name)).collect())
                .unwrap_or_default()
        }
        None => vec![(page.target.kind.clone(), page.target.name.clone())],
    };
    let mut who = Vec::new();
    for (kind, name) in targets {
        who.push(match kind.as_str() {
            "schedule" => {
                let query = muster_api_types::oncall::OnCallQuery {
                    target: Some(name.clone()),
                    at: Some(page.triggered_at.to_string()),
                };
                let list = client.on_call(&query).await?;
                match list.on_call.first().and_then(|e| e.user.clone()) {
                    Some(user) => format!("{user} (on call on {name})"),
                    None => format!("nobody: schedule {name} has a gap"),
                }
            }
            "team" => format!("team {name}, through its own policy's first step"),
            _ => name,
        });
    }
    if who.is_empty() {
        who.push("nobody: the policy has no steps".to_owned());
    }
    Ok(who)
}

pub(super) async fn run_pages(cmd: PagesCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        PagesCommand::List {
            status,
            incident,
            recipient,
            limit,
            all,
            tz,
        } => {
            let statuses: Vec<&str> = status
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect();
            let mut query = PageQuery {
                status: (!statuses.is_empty()).then(|| statuses.join(",")),
                incident,
                recipient,
                cursor: None,
                limit,
            };
            let mut list = client.list_pages(&query).await?;
            if all {
                let mut seen = HashSet::new();
                while let Some(cursor) = list.next_cursor.take() {
                    if !seen.insert(cursor.clone()) || seen.len() > MAX_PAGES {
                        return Err(anyhow::anyhow!(
                            "the server keeps sending more pages; stopped"
                        )
                        .into());
                    }
                    query.cursor = Some(cursor);
                    let next = client.list_pages(&query).await?;
                    list.pages.extend(next.pages);
                    list.next_cursor = next.next_cursor;
                }
            }
            if json {
                return print_json(&list);
            }
            print_text(&page_list(&list.pages, &tz.unwrap_or_else(Zone::utc)))?;
            if list.next_cursor.is_some() {
                hint("There are more: add --all to see every page.");
            }
            Ok(())
        }
        PagesCommand::Show { page, tz } => {
            let detail = client.get_page(&page).await?;
            if json {
                return print_json(&detail);
            }
            let names = client
                .list_users()
                .await
                .map(|list| Names::from_users(&list.users))
                .unwrap_or_default();
            print_text(&page_detail(&detail, &names, &tz.unwrap_or_else(Zone::utc)))
        }
        PagesCommand::Ack { page } => {
            let page = client.acknowledge_page(&page).await?;
            changed(&page, "acknowledged: it stops escalating", json)
        }
        PagesCommand::Resolve { page } => {
            let page = client.resolve_page(&page).await?;
            changed(&page, "resolved", json)
        }
    }
}

fn changed(page: &Page, what: &str, json: bool) -> Result<(), Failure> {
    if json {
        return print_json(page);
    }
    print_text(&format!("{} {what}.\n", page.number))
}

fn target(page: &Page) -> String {
    format!("{} {}", page.target.kind, page.target.name)
}

fn flags(page: &Page) -> String {
    let mut flags = Vec::new();
    if page.drill {
        flags.push("drill".to_owned());
    }
    if let Some(incident) = &page.incident {
        flags.push(incident.number.clone());
    }
    flags.join(",")
}

pub(crate) fn page_list(pages: &[Page], zone: &Zone) -> String {
    if pages.is_empty() {
        return "No pages.\n".to_owned();
    }
    let mut table = new_table(&[
        "PAGE",
        "STATUS",
        "TARGET",
        "SUMMARY",
        "TRIGGERED",
        "STEPS",
        "FLAGS",
    ]);
    for page in pages {
        table.add_row(vec![
            page.number.clone(),
            page.status.clone(),
            target(page),
            page.summary.clone(),
            zone.show(page.triggered_at),
            format!("{}/{}", page.steps_fired, page.steps_total),
            flags(page),
        ]);
    }
    format!("Times in {}:\n{}", zone.name(), finish(&table))
}

fn by(names: &Names, who: Option<uuid::Uuid>) -> String {
    who.map(|id| format!(" by {}", names.of(id)))
        .unwrap_or_default()
}

/// `pages show`: the page, its history in order, then each delivery and its attempts.
pub(crate) fn page_detail(detail: &PageDetail, names: &Names, zone: &Zone) -> String {
    let page = &detail.page;
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Page", format!("{} {}", page.number, page.summary));
    row("Status", page.status.clone());
    row("Target", target(page));
    if let Some(team) = &page.team {
        row("Team", team.clone());
    }
    if let Some(policy) = &page.policy {
        row("Policy", policy.clone());
    }
    if let Some(incident) = &page.incident {
        row(
            "Incident",
            format!(
                "{} {} ({})",
                incident.number, incident.title, incident.severity
            ),
        );
    }
    if page.drill {
        row("Drill", "yes".to_owned());
    }
    row(
        "Triggered",
        format!(
            "{}{}",
            zone.show(page.triggered_at),
            by(names, page.triggered_by)
        ),
    );
    if let Some(at) = page.acknowledged_at {
        row(
            "Acknowledged",
            format!("{}{}", zone.show(at), by(names, page.acknowledged_by)),
        );
    }
    if let Some(at) = page.resolved_at {
        row(
            "Resolved",
            format!("{}{}", zone.show(at), by(names, page.resolved_by)),
        );
    }
    let next = page
        .next_step_at
        .map(|at| format!("; next at {}", zone.show(at)))
        .unwrap_or_default();
    row(
        "Steps",
        format!("{} of {} fired{next}", page.steps_fired, page.steps_total),
    );
    if !page.details.is_empty() {
        row("Details", page.details.clone());
    }
    let mut text = finish(&table);
    text.push_str(&format!("(times in {})\n", zone.name()));

    let history = (!detail.history.is_empty()).then(|| {
        let mut table = new_table(&["TIME", "EVENT", "WHO", "SINK", "DETAIL"]);
        for event in &detail.history {
            let who = match (&event.recipient, event.actor) {
                (Some(recipient), _) => recipient.clone(),
                (None, Some(actor)) => names.of(actor),
                (None, None) => "-".to_owned(),
            };
            table.add_row(vec![
                zone.show_seconds(event.at),
                event.kind.clone(),
                who,
                event.sink.clone().unwrap_or_else(|| "-".to_owned()),
                event.detail.clone(),
            ]);
        }
        table
    });
    section(&mut text, "History", history.as_ref());

    let deliveries = (!detail.deliveries.is_empty()).then(|| {
        let mut table = new_table(&[
            "#",
            "RECIPIENT",
            "SINK",
            "STATUS",
            "FIRING",
            "DUE",
            "SENT",
            "LAST ERROR",
        ]);
        for (index, delivery) in detail.deliveries.iter().enumerate() {
            table.add_row(vec![
                (index + 1).to_string(),
                delivery.recipient.clone(),
                delivery.sink.clone(),
                delivery.status.clone(),
                delivery
                    .firing
                    .map(|f| (f + 1).to_string())
                    .unwrap_or_else(|| "-".to_owned()),
                zone.show(delivery.due_at),
                zone.show_opt(delivery.sent_at),
                delivery
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "-".to_owned()),
            ]);
        }
        table
    });
    section(&mut text, "Deliveries", deliveries.as_ref());

    let attempts: Vec<_> = detail
        .deliveries
        .iter()
        .enumerate()
        .flat_map(|(index, d)| d.attempts.iter().map(move |a| (index, a)))
        .collect();
    let attempts = (!attempts.is_empty()).then(|| {
        let mut table = new_table(&["DELIVERY", "ATTEMPT", "AT", "NODE", "OUTCOME", "ERROR"]);
        for (index, attempt) in attempts {
            table.add_row(vec![
                (index + 1).to_string(),
                attempt.attempt.to_string(),
                zone.show_seconds(attempt.at),
                attempt.node.clone(),
                attempt.outcome.clone(),
                attempt.error.clone().unwrap_or_else(|| "-".to_owned()),
            ]);
        }
        table
    });
    section(&mut text, "Attempts", attempts.as_ref());
    text
}

#[cfg(test)]
mod tests;
