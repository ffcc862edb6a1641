//! `muster functionality ...`.

use muster_api_types::catalog::{Backing, Functionality};
use muster_client::Client;

use super::super::output::{print_json, print_text};
use super::super::{Failure, OutputFormat, RemoteOptions, connect};
use super::flags::{optional_slug, replace_list};
use super::tables::{impacted_table, name_or_slug, new_table, or_dash, render, section};
use super::{deleted, found, verb};

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

pub(super) async fn functionality(
    cmd: FunctionalityCommand,
    opts: &RemoteOptions,
) -> Result<(), Failure> {
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

fn backing_text(backing: &Backing) -> String {
    let mut text = format!("{} stands on:\n", backing.functionality);
    section(
        &mut text,
        "Services",
        impacted_table(&backing.services, ("required", "optional")).as_ref(),
    );
    text
}
