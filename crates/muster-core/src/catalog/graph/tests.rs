use super::*;
use crate::catalog::Lifecycle;

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).unwrap()
}

fn service(name: &str, owner: &str, deps: &[(&str, Criticality)]) -> Service {
    Service {
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
    }
}

fn functionality(name: &str, owner: &str, services: &[&str]) -> Functionality {
    Functionality {
        slug: slug(name),
        name: name.into(),
        description: String::new(),
        aliases: vec![],
        owner_team: Some(slug(owner)),
        services: services.iter().map(|s| slug(s)).collect(),
    }
}

use Criticality::{Hard, Soft};

/// web → api (hard) → db (hard); api → cache (soft); search → api (soft);
/// billing ⇄ api (a cycle: billing needs api, api needs billing, both hard);
/// recommendations → cache (hard).
fn shop() -> (Vec<Service>, Vec<Functionality>) {
    let services = vec![
        service("web", "frontend", &[("api", Hard)]),
        service(
            "api",
            "platform",
            &[("db", Hard), ("cache", Soft), ("billing", Hard)],
        ),
        service("db", "data", &[]),
        service("cache", "platform", &[]),
        service("search", "discovery", &[("api", Soft)]),
        service("billing", "payments", &[("api", Hard)]),
        service("recommendations", "discovery", &[("cache", Hard)]),
    ];
    let functionalities = vec![
        functionality("login", "identity", &["web"]),
        functionality("checkout", "payments", &["billing"]),
        functionality("browse", "discovery", &["search"]),
        functionality("suggestions", "discovery", &["recommendations"]),
    ];
    (services, functionalities)
}

fn names(services: &[ImpactedService]) -> Vec<(&str, Criticality, usize)> {
    services
        .iter()
        .map(|s| (s.slug.as_str(), s.criticality, s.distance))
        .collect()
}

#[test]
fn a_database_failure_reaches_every_transitive_dependant() {
    let (services, functionalities) = shop();
    let graph = CatalogGraph::new(&services, &functionalities);
    let radius = graph.blast_radius(&slug("db")).unwrap();
    assert_eq!(
        names(&radius.services),
        [
            ("api", Hard, 1),
            ("billing", Hard, 2),
            ("search", Soft, 2),
            ("web", Hard, 2)
        ]
    );
    let impacted: Vec<(&str, Criticality)> = radius
        .functionalities
        .iter()
        .map(|f| (f.slug.as_str(), f.criticality))
        .collect();
    assert_eq!(
        impacted,
        [("login", Hard), ("checkout", Hard), ("browse", Soft)]
    );
    let teams: Vec<&str> = radius.teams.iter().map(Slug::as_str).collect();
    assert_eq!(
        teams,
        [
            "data",
            "discovery",
            "frontend",
            "identity",
            "payments",
            "platform"
        ]
    );
    assert_eq!(radius.cycles, vec![vec![slug("api"), slug("billing")]]);
}

#[test]
fn soft_links_degrade_and_hard_chains_fail() {
    let (services, functionalities) = shop();
    let graph = CatalogGraph::new(&services, &functionalities);
    let radius = graph.blast_radius(&slug("cache")).unwrap();
    // api only degrades without the cache, and so does everything behind api;
    // recommendations needs the cache outright.
    assert_eq!(
        names(&radius.services),
        [
            ("api", Soft, 1),
            ("recommendations", Hard, 1),
            ("billing", Soft, 2),
            ("search", Soft, 2),
            ("web", Soft, 2)
        ]
    );
    let suggestions = radius
        .functionalities
        .iter()
        .find(|f| f.slug.as_str() == "suggestions")
        .unwrap();
    assert_eq!(suggestions.criticality, Hard);
}

#[test]
fn cycles_are_walked_once_and_reported() {
    let (services, functionalities) = shop();
    let graph = CatalogGraph::new(&services, &functionalities);
    let radius = graph.blast_radius(&slug("billing")).unwrap();
    let reached: Vec<&str> = radius.services.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(
        reached,
        ["api", "search", "web"],
        "billing itself is the root, not a dependant"
    );
    assert_eq!(graph.cycles(), vec![vec![slug("api"), slug("billing")]]);
}

#[test]
fn a_leaf_with_no_dependants_hits_only_its_own_functionalities() {
    let (services, functionalities) = shop();
    let graph = CatalogGraph::new(&services, &functionalities);
    let radius = graph.blast_radius(&slug("web")).unwrap();
    assert!(radius.services.is_empty());
    assert_eq!(radius.functionalities.len(), 1);
    assert!(radius.cycles.is_empty());
    assert!(graph.blast_radius(&slug("nope")).is_none());
}

#[test]
fn a_functionality_stands_on_its_services_and_their_dependencies() {
    let (services, functionalities) = shop();
    let graph = CatalogGraph::new(&services, &functionalities);
    let backing = graph.backing(&slug("login")).unwrap();
    assert_eq!(
        names(&backing.services),
        [
            ("web", Hard, 0),
            ("api", Hard, 1),
            ("billing", Hard, 2),
            ("cache", Soft, 2),
            ("db", Hard, 2)
        ]
    );
    assert!(graph.backing(&slug("nope")).is_none());
}

#[test]
fn long_chains_and_big_cycles_do_not_overflow() {
    let n = 20_000;
    let services: Vec<Service> = (0..n)
        .map(|i| {
            service(
                &format!("s{i}"),
                "team",
                &[(&format!("s{}", (i + 1) % n), Hard)],
            )
        })
        .collect();
    let graph = CatalogGraph::new(&services, &[]);
    assert_eq!(graph.cycles().len(), 1);
    assert_eq!(graph.cycles()[0].len(), n);
    let radius = graph.blast_radius(&slug("s0")).unwrap();
    assert_eq!(radius.services.len(), n - 1);
}
