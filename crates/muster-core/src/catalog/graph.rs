//! The dependency graph and what it says when something breaks.
//!
//! Edges point from a service to what it depends on. The blast radius of a
//! service follows them backwards: everything that depends on it, directly or
//! not, and the functionalities those back. Cycles are legal (real systems
//! have them); every walk here visits a service once, and cycles are reported.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::{Criticality, Functionality, Service, Slug};

/// A service the failure reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactedService {
    pub slug: Slug,
    pub owner_team: Option<Slug>,
    /// `Hard` when a chain of hard dependencies links it to the failure: it
    /// fails too. `Soft` when every chain has a soft link: it degrades.
    pub criticality: Criticality,
    /// Dependency hops from the failing service.
    pub distance: usize,
}

/// A functionality the failure reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactedFunctionality {
    pub slug: Slug,
    pub name: String,
    pub owner_team: Option<Slug>,
    /// `Hard`: customers cannot use it; `Soft`: it is degraded.
    pub criticality: Criticality,
}

/// Everything a failing service takes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlastRadius {
    pub root: Slug,
    /// Nearest first, then by name.
    pub services: Vec<ImpactedService>,
    pub functionalities: Vec<ImpactedFunctionality>,
    /// Owners of the root, of every impacted service and functionality.
    pub teams: BTreeSet<Slug>,
    /// Dependency cycles among the root and the impacted services.
    pub cycles: Vec<Vec<Slug>>,
}

/// What a functionality stands on: its services and everything they need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backing {
    pub functionality: Slug,
    /// Its own services first (distance 0), then their dependencies.
    pub services: Vec<ImpactedService>,
}

/// An index over one catalog snapshot.
#[derive(Debug)]
pub struct CatalogGraph<'a> {
    services: BTreeMap<&'a Slug, &'a Service>,
    functionalities: &'a [Functionality],
    /// dependency → its dependants, with the edge's criticality.
    dependants: BTreeMap<&'a Slug, Vec<(&'a Slug, Criticality)>>,
}

impl<'a> CatalogGraph<'a> {
    /// Dependencies on services missing from `services` are ignored here;
    /// reporting them is validation's job.
    pub fn new(services: &'a [Service], functionalities: &'a [Functionality]) -> Self {
        let index: BTreeMap<&Slug, &Service> = services.iter().map(|s| (&s.slug, s)).collect();
        let mut dependants: BTreeMap<&Slug, Vec<(&Slug, Criticality)>> = BTreeMap::new();
        for service in services {
            for (target, criticality) in &service.depends_on {
                if let Some((target, _)) = index.get_key_value(target) {
                    dependants
                        .entry(target)
                        .or_default()
                        .push((&service.slug, *criticality));
                }
            }
        }
        Self {
            services: index,
            functionalities,
            dependants,
        }
    }

    fn owner(&self, slug: &Slug) -> Option<Slug> {
        self.services.get(slug).and_then(|s| s.owner_team.clone())
    }

    /// Breadth-first from `start` along `next`; returns (slug, distance) in
    /// visiting order, `start` excluded. Each service is visited once.
    fn walk<F>(&self, start: &'a Slug, next: F) -> Vec<(&'a Slug, usize)>
    where
        F: Fn(&'a Slug) -> Vec<&'a Slug>,
    {
        let mut seen: BTreeSet<&Slug> = BTreeSet::from([start]);
        let mut queue = VecDeque::from([(start, 0usize)]);
        let mut order = Vec::new();
        while let Some((slug, distance)) = queue.pop_front() {
            for neighbour in next(slug) {
                if seen.insert(neighbour) {
                    order.push((neighbour, distance + 1));
                    queue.push_back((neighbour, distance + 1));
                }
            }
        }
        order
    }

    fn dependants_of(&self, slug: &'a Slug, hard_only: bool) -> Vec<&'a Slug> {
        self.dependants
            .get(slug)
            .map(|edges| {
                edges
                    .iter()
                    .filter(|(_, c)| !hard_only || *c == Criticality::Hard)
                    .map(|(s, _)| *s)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn dependencies_of(&self, slug: &'a Slug, hard_only: bool) -> Vec<&'a Slug> {
        self.services
            .get(slug)
            .map(|s| {
                s.depends_on
                    .iter()
                    .filter(|(_, c)| !hard_only || *c == Criticality::Hard)
                    .filter_map(|(t, _)| self.services.get_key_value(t).map(|(k, _)| *k))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What fails or degrades when `root` fails; `None` for an unknown service.
    pub fn blast_radius(&self, root: &Slug) -> Option<BlastRadius> {
        let (root, root_service) = self.services.get_key_value(root)?;
        let root: &'a Slug = root;
        let hard: BTreeSet<&Slug> = self
            .walk(root, |s| self.dependants_of(s, true))
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let mut services: Vec<ImpactedService> = self
            .walk(root, |s| self.dependants_of(s, false))
            .into_iter()
            .map(|(slug, distance)| ImpactedService {
                slug: slug.clone(),
                owner_team: self.owner(slug),
                criticality: if hard.contains(slug) {
                    Criticality::Hard
                } else {
                    Criticality::Soft
                },
                distance,
            })
            .collect();
        services.sort_by(|a, b| (a.distance, &a.slug).cmp(&(b.distance, &b.slug)));
        let reach: BTreeMap<&Slug, Criticality> = std::iter::once((root, Criticality::Hard))
            .chain(services.iter().map(|s| (&s.slug, s.criticality)))
            .collect();
        let functionalities: Vec<ImpactedFunctionality> = self
            .functionalities
            .iter()
            .filter_map(|f| {
                let worst = f.services.iter().filter_map(|s| reach.get(s)).min()?;
                Some(ImpactedFunctionality {
                    slug: f.slug.clone(),
                    name: f.name.clone(),
                    owner_team: f.owner_team.clone(),
                    criticality: *worst,
                })
            })
            .collect();
        let teams = root_service
            .owner_team
            .iter()
            .chain(services.iter().filter_map(|s| s.owner_team.as_ref()))
            .chain(functionalities.iter().filter_map(|f| f.owner_team.as_ref()))
            .cloned()
            .collect();
        let involved: BTreeSet<&Slug> = reach.keys().copied().collect();
        let cycles = self
            .cycles()
            .into_iter()
            .filter(|cycle| cycle.iter().any(|s| involved.contains(s)))
            .collect();
        Some(BlastRadius {
            root: root.clone(),
            services,
            functionalities,
            teams,
            cycles,
        })
    }

    /// The services behind a functionality; `None` for an unknown one.
    pub fn backing(&self, functionality: &Slug) -> Option<Backing> {
        let found = self
            .functionalities
            .iter()
            .find(|f| &f.slug == functionality)?;
        let mut services: Vec<ImpactedService> = Vec::new();
        let mut seen: BTreeSet<&Slug> = BTreeSet::new();
        for own in &found.services {
            let Some((own, _)) = self.services.get_key_value(own) else {
                continue;
            };
            if seen.insert(own) {
                services.push(ImpactedService {
                    slug: (*own).clone(),
                    owner_team: self.owner(own),
                    criticality: Criticality::Hard,
                    distance: 0,
                });
            }
        }
        let roots: Vec<&'a Slug> = services
            .iter()
            .filter_map(|s| self.services.get_key_value(&s.slug).map(|(k, _)| *k))
            .collect();
        for root in roots {
            let hard: BTreeSet<&Slug> = self
                .walk(root, |s| self.dependencies_of(s, true))
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            for (slug, distance) in self.walk(root, |s| self.dependencies_of(s, false)) {
                if seen.insert(slug) {
                    services.push(ImpactedService {
                        slug: slug.clone(),
                        owner_team: self.owner(slug),
                        criticality: if hard.contains(slug) {
                            Criticality::Hard
                        } else {
                            Criticality::Soft
                        },
                        distance,
                    });
                }
            }
        }
        services.sort_by(|a, b| (a.distance, &a.slug).cmp(&(b.distance, &b.slug)));
        Some(Backing {
            functionality: found.slug.clone(),
            services,
        })
    }

    /// Every dependency cycle: the strongly connected groups of two or more
    /// services, each sorted, in a stable order. Iterative (Kosaraju), so a
    /// catalog of any size cannot overflow the stack.
    pub fn cycles(&self) -> Vec<Vec<Slug>> {
        let nodes: Vec<&Slug> = self.services.keys().copied().collect();
        // First pass: finishing order of a DFS along dependencies.
        let mut finished: Vec<&Slug> = Vec::with_capacity(nodes.len());
        let mut visited: BTreeSet<&Slug> = BTreeSet::new();
        for &start in &nodes {
            if !visited.insert(start) {
                continue;
            }
            let mut stack = vec![(start, self.dependencies_of(start, false), 0usize)];
            while let Some(top) = stack.last_mut() {
                match top.1.get(top.2).copied() {
                    Some(neighbour) => {
                        top.2 += 1;
                        if visited.insert(neighbour) {
                            let edges = self.dependencies_of(neighbour, false);
                            stack.push((neighbour, edges, 0));
                        }
                    }
                    None => {
                        finished.push(top.0);
                        stack.pop();
                    }
                }
            }
        }
        // Second pass: along dependants, in reverse finishing order.
        let mut assigned: BTreeSet<&Slug> = BTreeSet::new();
        let mut groups = Vec::new();
        for &start in finished.iter().rev() {
            if !assigned.insert(start) {
                continue;
            }
            let mut group = vec![start.clone()];
            let mut stack = vec![start];
            while let Some(node) = stack.pop() {
                for neighbour in self.dependants_of(node, false) {
                    if assigned.insert(neighbour) {
                        group.push(neighbour.clone());
                        stack.push(neighbour);
                    }
                }
            }
            if group.len() > 1 {
                group.sort();
                groups.push(group);
            }
        }
        groups.sort();
        groups
    }
}

#[cfg(test)]
mod tests;
