//! `muster service ...`.

use comfy_table::Table;
use muster_api_types::catalog::{BlastRadius, Dependency, Link, Service};

use super::super::output::{print_json, print_text};
use super::super::{Failure, OutputFormat, RemoteOptions, connect};
use super::flags::{optional_slug, parse_dependency, parse_link, replace_list};
use super::tables::{
    effect, impacted_table, name_or_slug, new_table, or_dash, render, section, text_section,
};
use super::{deleted, found, verb};

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

pub(super) async fn service(cmd: ServiceCommand, opts: &RemoteOptions) -> Result<(), Failure> {
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

#[cfg(test)]
mod tests {
    use muster_api_types::catalog::{ImpactedFunctionality, ImpactedService};

    use super::*;

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
