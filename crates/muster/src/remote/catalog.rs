//! `muster team ...`, `muster service ...` and `muster functionality ...`: the catalog.
//!
//! `set` is create-or-update: the entry is read first (a missing one starts empty), only
//! the flags given are applied, and the result is written back whole. A repeatable flag
//! (`--member`, `--link`, `--depends-on`, ...) replaces its list when given at least once;
//! the matching `--clear-...` flag empties it. The catalog has no versions, so two people
//! running `set` on one entry at the same moment: the later write wins.

use std::process::ExitCode;

use comfy_table::{ContentArrangement, Table, presets};
use muster_api_types::catalog::{
    Backing, BlastRadius, Dependency, Functionality, ImpactedService, Link, Service, Team,
    TeamMember,
};
use muster_client::{Client, ClientError};

use super::output::{print_json, print_text};
use super::{Failure, OutputFormat, RemoteOptions, connect, finish};

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

#[derive(clap::Subcommand, Debug)]
pub enum ServiceCommand {
    /// List every service.
    List,
    /// Show a service: its fields, links, runbooks, rollback plan and dependencies.
    Show { slug: String },
    /// Create a service, or change the fields given and keep the others.
    // Boxed: its many flags would make every other variant as large.
    Set(Box<ServiceSet>),
    /// Delete a service nothing depends on and no functionality stands on.
    Delete { slug: String },
    /// What fails or degrades when this service fails, and which teams to involve.
    Impact { slug: String },
}

// `muster service set`'s flags (its help text is the variant's).
#[derive(clap::Args, Debug)]
pub struct ServiceSet {
    slug: String,
    /// Display name [default for a new service: the slug].
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    description: Option<String>,
    /// The owning team (slug); an empty value removes it.
    #[arg(long, value_name = "TEAM")]
    owner: Option<String>,
    /// 1 (most critical) to 4 [default for a new service: 3].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=4))]
    tier: Option<u8>,
    /// Where it is in its life [default for a new service: production].
    #[arg(long, value_name = "LIFECYCLE", value_parser = ["experimental", "production", "deprecated"])]
    lifecycle: Option<String>,
    /// What it is: service, website, database, ... [default for a new service: service].
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// A link (dashboard, repository, ...), as TITLE=URL or URL. Replaces the links;
    /// repeat for several.
    #[arg(long = "link", value_name = "TITLE=URL", value_parser = parse_link)]
    links: Vec<Link>,
    /// Removes every link.
    #[arg(long, conflicts_with = "links")]
    clear_links: bool,
    /// A runbook, as TITLE=URL or URL. Replaces the runbooks; repeat for several.
    #[arg(long = "runbook", value_name = "TITLE=URL", value_parser = parse_link)]
    runbooks: Vec<Link>,
    /// Removes every runbook.
    #[arg(long, conflicts_with = "runbooks")]
    clear_runbooks: bool,
    /// How to roll it back, written for 3 a.m.; an empty value removes it.
    #[arg(long, value_name = "TEXT")]
    rollback_plan: Option<String>,
    /// A tag. Replaces the tags; repeat for several.
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// Removes every tag.
    #[arg(long, conflicts_with = "tags")]
    clear_tags: bool,
    /// A service this one needs, as SERVICE, SERVICE:hard (it fails too, the default) or
    /// SERVICE:soft (it degrades). Replaces the dependencies; repeat for several.
    #[arg(long = "depends-on", value_name = "SERVICE[:hard|soft]", value_parser = parse_dependency)]
    depends_on: Vec<Dependency>,
    /// Removes every dependency.
    #[arg(long, conflicts_with = "depends_on")]
    clear_depends_on: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum FunctionalityCommand {
    /// List every functionality.
    List,
    /// Show a functionality and the services it stands on directly.
    Show { slug: String },
    /// Create a functionality, or change the fields given and keep the others.
    Set {
        slug: String,
        /// Display name, in customers' words [default for a new one: the slug].
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// The owning team (slug); an empty value removes it.
        #[arg(long, value_name = "TEAM")]
        owner: Option<String>,
        /// A service it stands on (slug). Replaces the services; repeat for several.
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        /// Removes every service.
        #[arg(long, conflicts_with = "services")]
        clear_services: bool,
        /// Another name customers use ("sign in"). Replaces the aliases; repeat for several.
        #[arg(long = "alias", value_name = "ALIAS")]
        aliases: Vec<String>,
        /// Removes every alias.
        #[arg(long, conflicts_with = "aliases")]
        clear_aliases: bool,
    },
    /// Delete a functionality.
    Delete { slug: String },
    /// Every service the functionality stands on, directly or through dependencies.
    Backing { slug: String },
}

pub async fn run_team(cmd: TeamCommand, opts: &RemoteOptions) -> ExitCode {
    finish(team(cmd, opts).await)
}

pub async fn run_service(cmd: ServiceCommand, opts: &RemoteOptions) -> ExitCode {
    finish(service(cmd, opts).await)
}

pub async fn run_functionality(cmd: FunctionalityCommand, opts: &RemoteOptions) -> ExitCode {
    finish(functionality(cmd, opts).await)
}

// Flag values

/// `--member EMAIL[:ROLE]`; clap prefixes the message with the flag's name.
fn parse_member(text: &str) -> Result<TeamMember, String> {
    let (email, role) = match text.split_once(':') {
        Some((email, role)) => (email.trim(), role.trim()),
        None => (text.trim(), "member"),
    };
    if email.is_empty() || !email.contains('@') {
        return Err(format!("expected EMAIL or EMAIL:ROLE, got {text:?}"));
    }
    if role.is_empty() {
        return Err(format!("the role after ':' is empty in {text:?}"));
    }
    Ok(TeamMember {
        email: email.to_owned(),
        role: role.to_owned(),
    })
}

/// `--link TITLE=URL` or a bare URL. A URL may hold `=` itself, so the text is only split
/// when what comes before the first `=` is not already the start of a URL.
fn parse_link(text: &str) -> Result<Link, String> {
    let (title, url) = match text.split_once('=') {
        Some((title, url)) if !title.contains("://") => (title.trim(), url.trim()),
        _ => ("", text.trim()),
    };
    let lower = url.to_ascii_lowercase();
    let web = ["http://", "https://"]
        .iter()
        .any(|scheme| lower.len() > scheme.len() && lower.starts_with(scheme));
    if !web {
        return Err(format!(
            "expected TITLE=URL or URL with an http(s) URL, got {text:?}"
        ));
    }
    Ok(Link {
        title: title.to_owned(),
        url: url.to_owned(),
    })
}

/// `--depends-on SERVICE[:hard|soft]`.
fn parse_dependency(text: &str) -> Result<Dependency, String> {
    let (service, criticality) = match text.split_once(':') {
        Some((service, criticality)) => (service.trim(), criticality.trim().to_ascii_lowercase()),
        None => (text.trim(), "hard".to_owned()),
    };
    if service.is_empty() {
        return Err(format!(
            "expected SERVICE or SERVICE:hard|soft, got {text:?}"
        ));
    }
    if !matches!(criticality.as_str(), "hard" | "soft") {
        return Err(format!(
            "the criticality after ':' must be hard or soft, got {criticality:?}"
        ));
    }
    Ok(Dependency {
        service: service.to_owned(),
        criticality,
    })
}

/// A list flag's new value: cleared, replaced (given at least once), or kept.
fn replace_list<T>(current: &mut Vec<T>, given: Vec<T>, clear: bool) {
    if clear {
        current.clear();
    } else if !given.is_empty() {
        *current = given;
    }
}

/// `--owner ""` removes the owner.
fn optional_slug(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

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

// Teams

async fn team(cmd: TeamCommand, opts: &RemoteOptions) -> Result<(), Failure> {
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

/// A 204 has no body, so `--output json` prints nothing; the exit code says it worked.
fn deleted(json: bool, kind: &str, slug: &str) -> Result<(), Failure> {
    if json {
        Ok(())
    } else {
        print_text(&format!("{kind} {slug} deleted.\n"))
    }
}

// Services

async fn service(cmd: ServiceCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        ServiceCommand::List => {
            let list = client.list_services().await?;
            if json {
                print_json(&list)
            } else {
                print_text(&service_list(&list.services))
            }
        }
        ServiceCommand::Show { slug } => {
            let service = client.get_service(&slug).await?;
            if json {
                print_json(&service)
            } else {
                print_text(&service_detail(&service))
            }
        }
        ServiceCommand::Set(set) => {
            let ServiceSet {
                slug,
                name,
                description,
                owner,
                tier,
                lifecycle,
                kind,
                links,
                clear_links,
                runbooks,
                clear_runbooks,
                rollback_plan,
                tags,
                clear_tags,
                depends_on,
                clear_depends_on,
            } = *set;
            let current = found(client.get_service(&slug).await)?;
            let existed = current.is_some();
            let mut service = current.unwrap_or_default();
            if let Some(name) = name {
                service.name = name;
            }
            if let Some(description) = description {
                service.description = description;
            }
            if let Some(owner) = owner {
                service.owner_team = optional_slug(owner);
            }
            if tier.is_some() {
                service.tier = tier;
            }
            if lifecycle.is_some() {
                service.lifecycle = lifecycle;
            }
            if kind.is_some() {
                service.kind = kind;
            }
            replace_list(&mut service.links, links, clear_links);
            replace_list(&mut service.runbooks, runbooks, clear_runbooks);
            if let Some(plan) = rollback_plan {
                service.rollback_plan = plan;
            }
            replace_list(&mut service.tags, tags, clear_tags);
            replace_list(&mut service.depends_on, depends_on, clear_depends_on);
            let stored = client.put_service(&slug, &service).await?;
            if json {
                return print_json(&stored);
            }
            print_text(&format!(
                "Service {} {}.\n\n{}",
                stored.slug,
                verb(existed),
                service_detail(&stored)
            ))
        }
        ServiceCommand::Delete { slug } => {
            client.delete_service(&slug).await?;
            deleted(json, "Service", &slug)
        }
        ServiceCommand::Impact { slug } => {
            let radius = client.service_impact(&slug).await?;
            if json {
                print_json(&radius)
            } else {
                print_text(&blast_radius(&radius))
            }
        }
    }
}

// Functionalities

async fn functionality(cmd: FunctionalityCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        FunctionalityCommand::List => {
            let list = client.list_functionalities().await?;
            if json {
                print_json(&list)
            } else {
                print_text(&functionality_list(&list.functionalities))
            }
        }
        FunctionalityCommand::Show { slug } => {
            let functionality = client.get_functionality(&slug).await?;
            if json {
                print_json(&functionality)
            } else {
                print_text(&functionality_detail(&functionality))
            }
        }
        FunctionalityCommand::Set {
            slug,
            name,
            description,
            owner,
            services,
            clear_services,
            aliases,
            clear_aliases,
        } => {
            set_functionality(
                &client,
                &slug,
                FunctionalityChanges {
                    name,
                    description,
                    owner,
                    services,
                    clear_services,
                    aliases,
                    clear_aliases,
                },
                json,
            )
            .await
        }
        FunctionalityCommand::Delete { slug } => {
            client.delete_functionality(&slug).await?;
            deleted(json, "Functionality", &slug)
        }
        FunctionalityCommand::Backing { slug } => {
            let backing = client.functionality_backing(&slug).await?;
            if json {
                print_json(&backing)
            } else {
                print_text(&backing_text(&backing))
            }
        }
    }
}

struct FunctionalityChanges {
    name: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    services: Vec<String>,
    clear_services: bool,
    aliases: Vec<String>,
    clear_aliases: bool,
}

async fn set_functionality(
    client: &Client,
    slug: &str,
    changes: FunctionalityChanges,
    json: bool,
) -> Result<(), Failure> {
    let current = found(client.get_functionality(slug).await)?;
    let existed = current.is_some();
    let mut functionality = current.unwrap_or_default();
    if let Some(name) = changes.name {
        functionality.name = name;
    }
    if let Some(description) = changes.description {
        functionality.description = description;
    }
    if let Some(owner) = changes.owner {
        functionality.owner_team = optional_slug(owner);
    }
    let services = changes
        .services
        .into_iter()
        .map(|s| s.trim().to_owned())
        .collect();
    replace_list(
        &mut functionality.services,
        services,
        changes.clear_services,
    );
    replace_list(
        &mut functionality.aliases,
        changes.aliases,
        changes.clear_aliases,
    );
    let stored = client.put_functionality(slug, &functionality).await?;
    if json {
        return print_json(&stored);
    }
    print_text(&format!(
        "Functionality {} {}.\n\n{}",
        stored.slug,
        verb(existed),
        functionality_detail(&stored)
    ))
}

// Rendering

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // Tests must not wrap to the width of whatever terminal runs them.
    #[cfg(test)]
    table.force_no_tty();
    if !header.is_empty() {
        table.set_header(header.iter().copied());
    }
    table
}

/// comfy-table pads every cell; the right edge of a borderless table is only blanks.
fn render(table: &Table) -> String {
    let mut text = String::new();
    for line in table.to_string().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn section(text: &mut String, title: &str, table: Option<&Table>) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    match table {
        Some(table) => text.push_str(&render(table)),
        None => text.push_str("  none\n"),
    }
}

/// A section of free text, indented, or "none".
fn text_section(text: &mut String, title: &str, body: &str) {
    text.push('\n');
    text.push_str(title);
    text.push('\n');
    if body.trim().is_empty() {
        text.push_str("  none\n");
        return;
    }
    for line in body.lines() {
        text.push_str(format!("  {line}").trim_end());
        text.push('\n');
    }
}

/// An entry's name, or its slug when it has none (as the server treats it).
fn name_or_slug(name: &str, slug: &str) -> String {
    if name.trim().is_empty() {
        slug.to_owned()
    } else {
        name.to_owned()
    }
}

fn or_dash(value: Option<&str>) -> String {
    match value {
        Some(v) if !v.is_empty() => v.to_owned(),
        _ => "-".to_owned(),
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

/// `db`, or `mail (soft)`.
fn dependency_text(dependency: &Dependency) -> String {
    if dependency.criticality == "hard" {
        dependency.service.clone()
    } else {
        format!("{} ({})", dependency.service, dependency.criticality)
    }
}

fn service_list(services: &[Service]) -> String {
    if services.is_empty() {
        return "No services.\n".to_owned();
    }
    let mut table = new_table(&["SLUG", "NAME", "OWNER", "TIER", "LIFECYCLE", "DEPENDS ON"]);
    for service in services {
        table.add_row(vec![
            service.slug.clone(),
            name_or_slug(&service.name, &service.slug),
            or_dash(service.owner_team.as_deref()),
            service
                .tier
                .map(|t| t.to_string())
                .unwrap_or_else(|| "-".to_owned()),
            or_dash(service.lifecycle.as_deref()),
            service
                .depends_on
                .iter()
                .map(dependency_text)
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    render(&table)
}

fn link_table(links: &[Link]) -> Option<Table> {
    (!links.is_empty()).then(|| {
        let mut table = new_table(&["TITLE", "URL"]);
        for link in links {
            table.add_row(vec![link.title.clone(), link.url.clone()]);
        }
        table
    })
}

fn service_detail(service: &Service) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Service", service.slug.clone());
    row("Name", name_or_slug(&service.name, &service.slug));
    row("Owner", or_dash(service.owner_team.as_deref()));
    row(
        "Tier",
        service
            .tier
            .map(|t| t.to_string())
            .unwrap_or_else(|| "-".to_owned()),
    );
    row("Lifecycle", or_dash(service.lifecycle.as_deref()));
    row("Kind", or_dash(service.kind.as_deref()));
    if !service.tags.is_empty() {
        row("Tags", service.tags.join(", "));
    }
    if !service.description.is_empty() {
        row("Description", service.description.clone());
    }
    let mut text = render(&table);
    section(&mut text, "Links", link_table(&service.links).as_ref());
    section(
        &mut text,
        "Runbooks",
        link_table(&service.runbooks).as_ref(),
    );
    text_section(&mut text, "Rollback plan", &service.rollback_plan);
    let dependencies = (!service.depends_on.is_empty()).then(|| {
        let mut table = new_table(&["SERVICE", "CRITICALITY"]);
        for dependency in &service.depends_on {
            table.add_row(vec![
                dependency.service.clone(),
                dependency.criticality.clone(),
            ]);
        }
        table
    });
    section(&mut text, "Depends on", dependencies.as_ref());
    text
}

fn functionality_list(functionalities: &[Functionality]) -> String {
    if functionalities.is_empty() {
        return "No functionalities.\n".to_owned();
    }
    let mut table = new_table(&["SLUG", "NAME", "OWNER", "SERVICES"]);
    for f in functionalities {
        table.add_row(vec![
            f.slug.clone(),
            name_or_slug(&f.name, &f.slug),
            or_dash(f.owner_team.as_deref()),
            f.services.join(", "),
        ]);
    }
    render(&table)
}

fn functionality_detail(functionality: &Functionality) -> String {
    let mut table = new_table(&[]);
    let mut row = |key: &str, value: String| {
        table.add_row(vec![key.to_owned(), value]);
    };
    row("Functionality", functionality.slug.clone());
    row(
        "Name",
        name_or_slug(&functionality.name, &functionality.slug),
    );
    row("Owner", or_dash(functionality.owner_team.as_deref()));
    if !functionality.aliases.is_empty() {
        row("Aliases", functionality.aliases.join(", "));
    }
    if !functionality.description.is_empty() {
        row("Description", functionality.description.clone());
    }
    let mut text = render(&table);
    let services = (!functionality.services.is_empty()).then(|| {
        let mut table = new_table(&["SERVICE"]);
        for service in &functionality.services {
            table.add_row(vec![service.clone()]);
        }
        table
    });
    section(&mut text, "Services", services.as_ref());
    text
}

/// Criticality as the API says it, with what it means for the thing it describes.
fn effect(criticality: &str, hard: &str, soft: &str) -> String {
    match criticality {
        "hard" => format!("hard ({hard})"),
        "soft" => format!("soft ({soft})"),
        other => other.to_owned(),
    }
}

/// `words`: what `hard` and `soft` mean in this table.
fn impacted_table(services: &[ImpactedService], words: (&str, &str)) -> Option<Table> {
    (!services.is_empty()).then(|| {
        let mut table = new_table(&["SERVICE", "OWNER", "CRITICALITY", "DISTANCE"]);
        for s in services {
            table.add_row(vec![
                s.service.clone(),
                or_dash(s.owner_team.as_deref()),
                effect(&s.criticality, words.0, words.1),
                s.distance.to_string(),
            ]);
        }
        table
    })
}

fn blast_radius(radius: &BlastRadius) -> String {
    let mut text = format!("If {} fails:\n", radius.service);
    section(
        &mut text,
        "Impacted services",
        impacted_table(&radius.services, ("fails", "degrades")).as_ref(),
    );
    let functionalities = (!radius.functionalities.is_empty()).then(|| {
        let mut table = new_table(&["FUNCTIONALITY", "NAME", "OWNER", "CRITICALITY"]);
        for f in &radius.functionalities {
            table.add_row(vec![
                f.functionality.clone(),
                name_or_slug(&f.name, &f.functionality),
                or_dash(f.owner_team.as_deref()),
                effect(&f.criticality, "unavailable", "degraded"),
            ]);
        }
        table
    });
    section(
        &mut text,
        "Impacted functionalities",
        functionalities.as_ref(),
    );
    let teams = (!radius.teams.is_empty()).then(|| {
        let mut table = new_table(&["TEAM"]);
        for team in &radius.teams {
            table.add_row(vec![team.clone()]);
        }
        table
    });
    section(&mut text, "Teams to involve", teams.as_ref());
    let cycles = (!radius.cycles.is_empty()).then(|| {
        let mut table = new_table(&["SERVICES THAT DEPEND ON EACH OTHER"]);
        for cycle in &radius.cycles {
            table.add_row(vec![cycle.join(", ")]);
        }
        table
    });
    section(&mut text, "Dependency cycles", cycles.as_ref());
    text
}

fn backing_text(backing: &Backing) -> String {
    let mut text = format!("{} stands on:\n", backing.functionality);
    section(
        &mut text,
        "Services",
        impacted_table(&backing.services, ("required", "optional")).as_ref(),
    );
    text
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};
    use muster_api_types::catalog::ImpactedFunctionality;

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
    fn parses_members_links_and_dependencies() {
        assert_eq!(
            parse_member("Ada@Example.com:lead").unwrap(),
            TeamMember {
                email: "Ada@Example.com".into(),
                role: "lead".into()
            }
        );
        assert_eq!(parse_member("bob@example.com").unwrap().role, "member");
        assert!(parse_member("bob").is_err());
        assert!(parse_member("bob@example.com:").is_err());

        let link = parse_link("Grafana=https://grafana.example/d?a=b").unwrap();
        assert_eq!(link.title, "Grafana");
        assert_eq!(link.url, "https://grafana.example/d?a=b");
        let bare = parse_link("https://x.example/search?q=1").unwrap();
        assert_eq!(bare.title, "");
        assert_eq!(bare.url, "https://x.example/search?q=1");
        assert!(parse_link("Docs=ftp://x").is_err());
        assert!(parse_link("Docs=").is_err());
        assert!(parse_link("https://").is_err());

        let dependency = parse_dependency("db").unwrap();
        assert_eq!(
            (dependency.service.as_str(), dependency.criticality.as_str()),
            ("db", "hard")
        );
        assert_eq!(parse_dependency("mail:SOFT").unwrap().criticality, "soft");
        assert!(parse_dependency("x:sometimes").is_err());
        assert!(parse_dependency(":soft").is_err());
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

    #[test]
    fn list_flags_replace_clear_or_keep() {
        let mut list = vec![1, 2];
        replace_list(&mut list, vec![], false);
        assert_eq!(list, [1, 2]);
        replace_list(&mut list, vec![3], false);
        assert_eq!(list, [3]);
        replace_list(&mut list, vec![], true);
        assert!(list.is_empty());
        assert_eq!(optional_slug("  ".into()), None);
        assert_eq!(optional_slug(" payments ".into()), Some("payments".into()));
    }

    fn service() -> Service {
        Service {
            slug: "checkout-api".into(),
            name: "Checkout API".into(),
            description: "Takes the money".into(),
            owner_team: Some("payments".into()),
            tier: Some(1),
            lifecycle: Some("production".into()),
            kind: Some("service".into()),
            links: vec![Link {
                title: "Grafana".into(),
                url: "https://grafana.example/d/1".into(),
            }],
            runbooks: vec![Link {
                title: "Failover".into(),
                url: "https://wiki.example/failover".into(),
            }],
            rollback_plan: "helm rollback checkout-api\nthen purge the CDN".into(),
            tags: vec!["pci".into()],
            depends_on: vec![
                Dependency {
                    service: "db".into(),
                    criticality: "hard".into(),
                },
                Dependency {
                    service: "mail".into(),
                    criticality: "soft".into(),
                },
            ],
        }
    }

    #[test]
    fn shows_a_service_section_by_section() {
        let text = service_detail(&service());
        for expected in [
            "checkout-api",
            "Checkout API",
            "payments",
            "Takes the money",
            "Links",
            "https://grafana.example/d/1",
            "Runbooks",
            "Failover",
            "Rollback plan\n  helm rollback checkout-api\n  then purge the CDN\n",
            "Depends on",
            "mail",
            "soft",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert!(text.lines().all(|l| l == l.trim_end()), "{text}");

        let bare = service_detail(&Service {
            slug: "x".into(),
            ..Service::default()
        });
        assert!(bare.contains("Links\n  none\n"), "{bare}");
        assert!(bare.contains("Rollback plan\n  none\n"), "{bare}");

        let list = service_list(&[service()]);
        assert!(list.contains("db, mail (soft)"), "{list}");
        assert_eq!(service_list(&[]), "No services.\n");
    }

    #[test]
    fn shows_the_blast_radius_as_tables() {
        let radius = BlastRadius {
            service: "db".into(),
            services: vec![
                ImpactedService {
                    service: "checkout-api".into(),
                    owner_team: Some("payments".into()),
                    criticality: "hard".into(),
                    distance: 1,
                },
                ImpactedService {
                    service: "newsletter".into(),
                    owner_team: None,
                    criticality: "soft".into(),
                    distance: 2,
                },
            ],
            functionalities: vec![ImpactedFunctionality {
                functionality: "checkout".into(),
                name: "Checkout".into(),
                owner_team: Some("payments".into()),
                criticality: "hard".into(),
            }],
            teams: vec!["payments".into(), "platform".into()],
            cycles: vec![vec!["a".into(), "b".into()]],
        };
        let text = blast_radius(&radius);
        for expected in [
            "If db fails:",
            "Impacted services",
            "hard (fails)",
            "soft (degrades)",
            "Impacted functionalities",
            "hard (unavailable)",
            "Teams to involve",
            "platform",
            "Dependency cycles",
            "a, b",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let line = text
            .lines()
            .find(|l| l.contains("newsletter"))
            .expect("newsletter row");
        assert!(
            line.contains(" - ") && line.trim_end().ends_with('2'),
            "{line}"
        );

        let empty = blast_radius(&BlastRadius {
            service: "db".into(),
            services: vec![],
            functionalities: vec![],
            teams: vec![],
            cycles: vec![],
        });
        assert!(empty.contains("Impacted services\n  none\n"), "{empty}");
        assert!(empty.contains("Dependency cycles\n  none\n"), "{empty}");
    }
}
