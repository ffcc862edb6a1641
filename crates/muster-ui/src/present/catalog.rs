//! View models of the catalog: the overview, team, service and functionality
//! pages, and the values their forms start from.

use muster_core::Slug;
use muster_core::catalog::graph::CatalogGraph;
use muster_core::catalog::{
    Catalog, Criticality, Functionality, Lifecycle, Link, Service, TIER_MAX, Team,
};

use super::option;
use crate::view::{
    CatalogOverview, FunctionalityForm, FunctionalityRef, FunctionalityView, LinkView, MemberRow,
    OptionView, ServiceForm, ServiceRef, ServiceView, TeamForm, TeamRef, TeamRow, TeamView,
};

/// A catalog entry's display name: its name, or its slug when it has none.
fn entry_name(name: &str, slug: &Slug) -> String {
    if name.trim().is_empty() {
        slug.to_string()
    } else {
        name.to_owned()
    }
}

pub fn team_href(slug: &Slug) -> String {
    format!("/teams/{slug}")
}

pub fn service_href(slug: &Slug) -> String {
    format!("/services/{slug}")
}

pub fn functionality_href(slug: &Slug) -> String {
    format!("/functionalities/{slug}")
}

/// A team by slug; an owner missing from the catalog still links (to a 404
/// that says so) rather than vanishing.
pub fn team_ref(catalog: &Catalog, slug: &Slug) -> TeamRef {
    TeamRef {
        slug: slug.to_string(),
        name: catalog
            .team(slug)
            .map_or_else(|| slug.to_string(), |t| entry_name(&t.name, &t.slug)),
        href: team_href(slug),
    }
}

fn owner_ref(catalog: &Catalog, owner: Option<&Slug>) -> Option<TeamRef> {
    owner.map(|slug| team_ref(catalog, slug))
}

fn service_ref(
    catalog: &Catalog,
    slug: &Slug,
    criticality: Option<Criticality>,
    distance: usize,
) -> ServiceRef {
    let service = catalog.service(slug);
    ServiceRef {
        slug: slug.to_string(),
        name: service.map_or_else(|| slug.to_string(), |s| entry_name(&s.name, &s.slug)),
        href: service_href(slug),
        owner: owner_ref(catalog, service.and_then(|s| s.owner_team.as_ref())),
        tier: service.map_or(0, |s| s.tier),
        criticality: criticality.map_or("", Criticality::as_str),
        distance,
        lifecycle: service.map_or("", |s| s.lifecycle.as_str()),
        kind: service.map(|s| s.kind.clone()).unwrap_or_default(),
    }
}

fn functionality_ref(
    catalog: &Catalog,
    functionality: &Functionality,
    criticality: Option<Criticality>,
) -> FunctionalityRef {
    FunctionalityRef {
        slug: functionality.slug.to_string(),
        name: entry_name(&functionality.name, &functionality.slug),
        href: functionality_href(&functionality.slug),
        owner: owner_ref(catalog, functionality.owner_team.as_ref()),
        criticality: criticality.map_or("", Criticality::as_str),
        services: functionality
            .services
            .iter()
            .map(|s| service_ref(catalog, s, None, 0))
            .collect(),
    }
}

fn by_name<T>(items: &mut [T], key: impl Fn(&T) -> (String, String)) {
    items.sort_by_cached_key(|item| {
        let (name, slug) = key(item);
        (name.to_lowercase(), slug)
    });
}

pub fn catalog_overview(catalog: &Catalog) -> CatalogOverview {
    let mut teams: Vec<TeamRow> = catalog
        .teams
        .iter()
        .map(|team| TeamRow {
            slug: team.slug.to_string(),
            name: entry_name(&team.name, &team.slug),
            href: team_href(&team.slug),
            contact_channel: team.contact_channel.clone(),
            members: team.members.len(),
            services: catalog
                .services
                .iter()
                .filter(|s| s.owner_team.as_ref() == Some(&team.slug))
                .count(),
            functionalities: catalog
                .functionalities
                .iter()
                .filter(|f| f.owner_team.as_ref() == Some(&team.slug))
                .count(),
        })
        .collect();
    by_name(&mut teams, |t| (t.name.clone(), t.slug.clone()));
    let mut services: Vec<ServiceRef> = catalog
        .services
        .iter()
        .map(|s| service_ref(catalog, &s.slug, None, 0))
        .collect();
    by_name(&mut services, |s| (s.name.clone(), s.slug.clone()));
    let mut functionalities: Vec<FunctionalityRef> = catalog
        .functionalities
        .iter()
        .map(|f| functionality_ref(catalog, f, None))
        .collect();
    by_name(&mut functionalities, |f| (f.name.clone(), f.slug.clone()));
    CatalogOverview {
        teams,
        services,
        functionalities,
    }
}

pub fn team_view(catalog: &Catalog, slug: &Slug) -> Option<TeamView> {
    let team = catalog.team(slug)?;
    let mut services: Vec<ServiceRef> = catalog
        .services
        .iter()
        .filter(|s| s.owner_team.as_ref() == Some(slug))
        .map(|s| service_ref(catalog, &s.slug, None, 0))
        .collect();
    by_name(&mut services, |s| (s.name.clone(), s.slug.clone()));
    let mut functionalities: Vec<FunctionalityRef> = catalog
        .functionalities
        .iter()
        .filter(|f| f.owner_team.as_ref() == Some(slug))
        .map(|f| functionality_ref(catalog, f, None))
        .collect();
    by_name(&mut functionalities, |f| (f.name.clone(), f.slug.clone()));
    Some(TeamView {
        slug: team.slug.to_string(),
        name: entry_name(&team.name, &team.slug),
        href: team_href(&team.slug),
        description: team.description.clone(),
        contact_channel: team.contact_channel.clone(),
        escalation_policy: team.escalation_policy.as_ref().map(Slug::to_string),
        members: team
            .members
            .iter()
            .map(|m| MemberRow {
                email: m.email.clone(),
                role: m.role.clone(),
            })
            .collect(),
        services,
        functionalities,
    })
}

fn link_views(links: &[Link]) -> Vec<LinkView> {
    links
        .iter()
        .map(|l| LinkView {
            title: l.title.clone(),
            url: l.url.clone(),
        })
        .collect()
}

pub fn service_view(catalog: &Catalog, slug: &Slug) -> Option<ServiceView> {
    let service = catalog.service(slug)?;
    let graph = CatalogGraph::new(&catalog.services, &catalog.functionalities);
    let radius = graph.blast_radius(slug)?;
    let dependencies = service
        .depends_on
        .iter()
        .map(|(target, criticality)| service_ref(catalog, target, Some(*criticality), 1))
        .collect();
    let mut dependants: Vec<ServiceRef> = catalog
        .services
        .iter()
        .filter_map(|s| {
            let (_, criticality) = s.depends_on.iter().find(|(t, _)| t == slug)?;
            Some(service_ref(catalog, &s.slug, Some(*criticality), 1))
        })
        .collect();
    by_name(&mut dependants, |s| (s.name.clone(), s.slug.clone()));
    let impacted_services = radius
        .services
        .iter()
        .map(|s| service_ref(catalog, &s.slug, Some(s.criticality), s.distance))
        .collect();
    let impacted_functionalities = radius
        .functionalities
        .iter()
        .filter_map(|impacted| {
            catalog
                .functionality(&impacted.slug)
                .map(|f| functionality_ref(catalog, f, Some(impacted.criticality)))
        })
        .collect();
    let svg = crate::graph::service_graph(&catalog.services, &catalog.functionalities, slug)
        .map(|g| {
            crate::graph::render_svg(
                &g,
                "service-graph",
                &format!(
                    "What {} depends on, and what depends on it",
                    entry_name(&service.name, &service.slug)
                ),
            )
        })
        .unwrap_or_default();
    Some(ServiceView {
        slug: service.slug.to_string(),
        name: entry_name(&service.name, &service.slug),
        href: service_href(&service.slug),
        description: service.description.clone(),
        owner: owner_ref(catalog, service.owner_team.as_ref()),
        tier: service.tier,
        lifecycle: service.lifecycle.as_str(),
        kind: service.kind.clone(),
        tags: service.tags.clone(),
        links: link_views(&service.links),
        runbooks: link_views(&service.runbooks),
        rollback_plan: service.rollback_plan.clone(),
        dependencies,
        dependants,
        impacted_services,
        impacted_functionalities,
        teams_to_involve: radius.teams.iter().map(|t| team_ref(catalog, t)).collect(),
        cycles: radius
            .cycles
            .iter()
            .map(|cycle| {
                let mut names: Vec<String> = cycle.iter().map(Slug::to_string).collect();
                if let Some(first) = names.first().cloned() {
                    names.push(first);
                }
                names.join(" → ")
            })
            .collect(),
        graph_svg: svg,
    })
}

pub fn functionality_view(catalog: &Catalog, slug: &Slug) -> Option<FunctionalityView> {
    let functionality = catalog.functionality(slug)?;
    let backing = CatalogGraph::new(&catalog.services, &catalog.functionalities).backing(slug)?;
    let (own, further): (Vec<_>, Vec<_>) = backing.services.iter().partition(|s| s.distance == 0);
    let svg = crate::graph::functionality_graph(&catalog.services, &catalog.functionalities, slug)
        .map(|g| {
            crate::graph::render_svg(
                &g,
                "functionality-graph",
                &format!(
                    "The services behind {}",
                    entry_name(&functionality.name, &functionality.slug)
                ),
            )
        })
        .unwrap_or_default();
    Some(FunctionalityView {
        slug: functionality.slug.to_string(),
        name: entry_name(&functionality.name, &functionality.slug),
        href: functionality_href(&functionality.slug),
        description: functionality.description.clone(),
        aliases: functionality.aliases.clone(),
        owner: owner_ref(catalog, functionality.owner_team.as_ref()),
        services: own
            .iter()
            .map(|s| service_ref(catalog, &s.slug, None, 0))
            .collect(),
        backing: further
            .iter()
            .map(|s| service_ref(catalog, &s.slug, Some(s.criticality), s.distance))
            .collect(),
        graph_svg: svg,
    })
}

fn link_lines(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| format!("{} {}", l.title, l.url))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A stored team as its form shows it.
pub fn team_form(team: &Team) -> TeamForm {
    TeamForm {
        slug: team.slug.to_string(),
        name: team.name.clone(),
        description: team.description.clone(),
        contact_channel: team.contact_channel.clone(),
        escalation_policy: team
            .escalation_policy
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        members: team
            .members
            .iter()
            .map(|m| format!("{}:{}", m.email, m.role))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

pub fn service_form(service: &Service) -> ServiceForm {
    ServiceForm {
        slug: service.slug.to_string(),
        name: service.name.clone(),
        description: service.description.clone(),
        owner_team: service
            .owner_team
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        tier: service.tier.to_string(),
        lifecycle: service.lifecycle.as_str().to_owned(),
        kind: service.kind.clone(),
        rollback_plan: service.rollback_plan.clone(),
        depends_on: service
            .depends_on
            .iter()
            .map(|(s, c)| format!("{s}:{c}"))
            .collect::<Vec<_>>()
            .join("\n"),
        links: link_lines(&service.links),
        runbooks: link_lines(&service.runbooks),
        tags: service.tags.join(", "),
    }
}

pub fn functionality_form(functionality: &Functionality) -> FunctionalityForm {
    FunctionalityForm {
        slug: functionality.slug.to_string(),
        name: functionality.name.clone(),
        description: functionality.description.clone(),
        aliases: functionality.aliases.join("\n"),
        owner_team: functionality
            .owner_team
            .as_ref()
            .map(Slug::to_string)
            .unwrap_or_default(),
        services: functionality
            .services
            .iter()
            .map(Slug::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The owner select: "no owner" and every team, by name.
pub fn team_options(catalog: &Catalog, selected: &str) -> Vec<OptionView> {
    let mut teams: Vec<(String, String)> = catalog
        .teams
        .iter()
        .map(|t| (entry_name(&t.name, &t.slug), t.slug.to_string()))
        .collect();
    teams.sort_by_key(|(name, slug)| (name.to_lowercase(), slug.clone()));
    let mut options = vec![option("", "No owner", selected)];
    options.extend(teams.iter().map(|(name, slug)| OptionView {
        value: slug.clone(),
        label: format!("{name} ({slug})"),
        title: String::new(),
        selected: slug == selected,
    }));
    options
}

pub fn tier_options(selected: &str) -> Vec<OptionView> {
    (1..=TIER_MAX)
        .map(|tier| {
            let label = match tier {
                1 => String::from("Tier 1 · most critical"),
                t if t == TIER_MAX => format!("Tier {t} · least critical"),
                t => format!("Tier {t}"),
            };
            option(&tier.to_string(), &label, selected)
        })
        .collect()
}

pub fn lifecycle_options(selected: &str) -> Vec<OptionView> {
    Lifecycle::ALL
        .into_iter()
        .map(|l| {
            let label = match l {
                Lifecycle::Experimental => "Experimental",
                Lifecycle::Production => "Production",
                Lifecycle::Deprecated => "Deprecated",
            };
            option(l.as_str(), label, selected)
        })
        .collect()
}
