//! What an incident touches: the services and functionalities it was declared
//! on, everything their failure reaches, and the teams to bring in.

use std::collections::{BTreeMap, BTreeSet};

use super::graph::CatalogGraph;
use super::{Catalog, Criticality, Slug};

/// The catalog's view of one incident, recorded when it is declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentImpact {
    /// The services the incident was declared on.
    pub services: Vec<Slug>,
    /// Functionalities customers lose (`Hard`) or see degraded (`Soft`).
    pub functionalities: Vec<(Slug, Criticality)>,
    /// Owners of all of the above: the people to page.
    pub teams: Vec<Slug>,
}

impl IncidentImpact {
    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.functionalities.is_empty() && self.teams.is_empty()
    }

    /// One line for the timeline: what customers lose and who is involved.
    pub fn summary(&self) -> String {
        let names = |slugs: &[Slug]| {
            slugs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.services.is_empty() {
            parts.push(format!("on {}", names(&self.services)));
        }
        if !self.functionalities.is_empty() {
            let lost: Vec<String> = self
                .functionalities
                .iter()
                .map(|(slug, criticality)| match criticality {
                    Criticality::Hard => format!("{slug} unavailable"),
                    Criticality::Soft => format!("{slug} degraded"),
                })
                .collect();
            parts.push(format!("customers: {}", lost.join(", ")));
        }
        if !self.teams.is_empty() {
            parts.push(format!("teams: {}", names(&self.teams)));
        }
        format!("Impact: {}", parts.join("; "))
    }
}

fn worst(slug: &Slug, criticality: Criticality, lost: &mut BTreeMap<Slug, Criticality>) {
    let entry = lost.entry(slug.clone()).or_insert(criticality);
    *entry = (*entry).min(criticality);
}

/// Declared on `services` and `functionalities` (all known to `catalog`):
/// the functionalities named are lost outright; each service's blast radius
/// adds what depends on it; every owner along the way is involved.
pub fn assess(catalog: &Catalog, services: &[Slug], functionalities: &[Slug]) -> IncidentImpact {
    let graph = CatalogGraph::new(&catalog.services, &catalog.functionalities);
    let mut lost: BTreeMap<Slug, Criticality> = BTreeMap::new();
    let mut teams: BTreeSet<Slug> = BTreeSet::new();

    for slug in functionalities {
        if let Some(functionality) = catalog.functionality(slug) {
            worst(slug, Criticality::Hard, &mut lost);
            teams.extend(functionality.owner_team.iter().cloned());
        }
    }
    for slug in services {
        if let Some(radius) = graph.blast_radius(slug) {
            for functionality in &radius.functionalities {
                worst(&functionality.slug, functionality.criticality, &mut lost);
            }
            teams.extend(radius.teams);
        }
    }
    let mut declared: Vec<Slug> = services.to_vec();
    declared.sort();
    declared.dedup();
    IncidentImpact {
        services: declared,
        functionalities: lost.into_iter().collect(),
        teams: teams.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Functionality, Lifecycle, Service, Team};

    fn slug(s: &str) -> Slug {
        Slug::parse("s", s).unwrap()
    }

    fn catalog() -> Catalog {
        let service = |name: &str, owner: &str, deps: &[(&str, Criticality)]| Service {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            owner_team: Some(slug(owner)),
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: deps.iter().map(|(d, c)| (slug(d), *c)).collect(),
        };
        let functionality = |name: &str, owner: &str, services: &[&str]| Functionality {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            aliases: vec![],
            owner_team: Some(slug(owner)),
            services: services.iter().map(|s| slug(s)).collect(),
        };
        let team = |name: &str| Team {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            contact_channel: String::new(),
            escalation_policy: None,
            members: vec![],
        };
        Catalog {
            teams: vec![team("identity"), team("platform"), team("web")],
            services: vec![
                service("auth", "identity", &[("db", Criticality::Hard)]),
                service("db", "platform", &[]),
                service("site", "web", &[("auth", Criticality::Soft)]),
            ],
            functionalities: vec![
                functionality("login", "identity", &["auth"]),
                functionality("browse", "web", &["site"]),
            ],
        }
    }

    #[test]
    fn a_functionality_is_lost_and_its_owner_is_involved() {
        let impact = assess(&catalog(), &[], &[slug("login")]);
        assert_eq!(
            impact.summary(),
            "Impact: customers: login unavailable; teams: identity"
        );
        assert_eq!(
            impact.functionalities,
            vec![(slug("login"), Criticality::Hard)]
        );
        assert_eq!(impact.teams, vec![slug("identity")]);
        assert!(impact.services.is_empty());
    }

    #[test]
    fn a_service_brings_its_blast_radius() {
        let impact = assess(&catalog(), &[slug("db")], &[]);
        assert_eq!(
            impact.functionalities,
            vec![
                (slug("browse"), Criticality::Soft),
                (slug("login"), Criticality::Hard)
            ]
        );
        assert_eq!(
            impact.teams,
            vec![slug("identity"), slug("platform"), slug("web")]
        );
        // Named both ways, the worse criticality wins.
        let both = assess(&catalog(), &[slug("auth")], &[slug("browse")]);
        assert!(
            both.functionalities
                .contains(&(slug("browse"), Criticality::Hard))
        );
    }
}
