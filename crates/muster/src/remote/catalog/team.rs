//! `muster team ...`.

use muster_api_types::catalog::{Team, TeamMember};

use super::super::output::{print_json, print_text};
use super::super::{Failure, OutputFormat, RemoteOptions, connect};
use super::flags::{optional_slug, parse_member, replace_list};
use super::tables::{name_or_slug, new_table, or_dash, render, section};
use super::{deleted, found, verb};

#[derive(clap::Subcommand, Debug)]
pub enum TeamCommand {
    /// List every team.
    List,
    /// Show a team and its members.
    Show { slug: String },
    /// Create a team, or change the fields given and keep the others.
    Set {
        slug: String,
        /// Display name [default for a new team: the slug].
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Where the team talks, e.g. '#payments' or an email list.
        #[arg(long, value_name = "CHANNEL")]
        channel: Option<String>,
        /// The escalation policy pages go through (slug); an empty value removes it.
        #[arg(long, value_name = "POLICY")]
        escalation_policy: Option<String>,
        /// A member, as EMAIL or EMAIL:ROLE (role default: member). Replaces the members;
        /// repeat for several.
        #[arg(long = "member", value_name = "EMAIL[:ROLE]", value_parser = parse_member)]
        members: Vec<TeamMember>,
        /// Removes every member.
        #[arg(long, conflicts_with = "members")]
        clear_members: bool,
    },
    /// Delete a team no service or functionality refers to.
    Delete { slug: String },
}

pub(super) async fn team(cmd: TeamCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        TeamCommand::List => {
            let list = client.list_teams().await?;
            if json {
                print_json(&list)
            } else {
                print_text(&team_list(&list.teams))
            }
        }
        TeamCommand::Show { slug } => {
            let team = client.get_team(&slug).await?;
            if json {
                print_json(&team)
            } else {
                print_text(&team_detail(&team))
            }
        }
        TeamCommand::Set {
            slug,
            name,
            description,
            channel,
            escalation_policy,
            members,
            clear_members,
        } => {
            let current = found(client.get_team(&slug).await)?;
            let existed = current.is_some();
            let mut team = current.unwrap_or_default();
            if let Some(name) = name {
                team.name = name;
            }
            if let Some(description) = description {
                team.description = description;
            }
            if let Some(channel) = channel {
                team.contact_channel = channel;
            }
            if let Some(policy) = escalation_policy {
                team.escalation_policy = optional_slug(policy);
            }
            replace_list(&mut team.members, members, clear_members);
            let stored = client.put_team(&slug, &team).await?;
            if json {
                return print_json(&stored);
            }
            print_text(&format!(
                "Team {} {}.\n\n{}",
                stored.slug,
                verb(existed),
                team_detail(&stored)
            ))
        }
        TeamCommand::Delete { slug } => {
            client.delete_team(&slug).await?;
            deleted(json, "Team", &slug)
        }
    }
}

fn team_list(teams: &[Team]) -> String {
    if teams.is_empty() {
        return "No teams.\n".to_owned();
    }
    let mut table = new_table(&["SLUG", "NAME", "CHANNEL", "MEMBERS"]);
    for team in teams {
        table.add_row(vec![
            team.slug.clone(),
            name_or_slug(&team.name, &team.slug),
            or_dash(Some(&team.contact_channel)),
            team.members.len().to_string(),
        ]);
    }
    render(&table)
}

fn team_detail(team: &Team) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Team", team.slug.clone());
    row("Name", name_or_slug(&team.name, &team.slug));
    row("Channel", or_dash(Some(&team.contact_channel)));
    row(
        "Escalation policy",
        or_dash(team.escalation_policy.as_deref()),
    );
    if !team.description.is_empty() {
        row("Description", team.description.clone());
    }
    let mut text = render(&table);
    let members = (!team.members.is_empty()).then(|| {
        let mut table = new_table(&["EMAIL", "ROLE"]);
        for member in &team.members {
            table.add_row(vec![member.email.clone(), member.role.clone()]);
        }
        table
    });
    section(&mut text, "Members", members.as_ref());
    text
}
