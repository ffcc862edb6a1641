//! A whole catalog, checked as one document, and the changes that turn one
//! catalog into another — for the API's edits, Backstage imports and the plan.

use std::collections::{BTreeMap, BTreeSet};

use super::{Functionality, Service, Slug, Team};
use crate::error::FieldError;

/// Everything the catalog holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    pub teams: Vec<Team>,
    pub services: Vec<Service>,
    pub functionalities: Vec<Functionality>,
}

fn duplicates<'a>(kind: &str, slugs: impl Iterator<Item = &'a Slug>, errors: &mut Vec<FieldError>) {
    let mut seen = BTreeSet::new();
    for slug in slugs {
        if !seen.insert(slug) {
            errors.push(FieldError::new(
                format!("{kind}[{slug}]"),
                format!("{kind} {slug} is defined twice"),
            ));
        }
    }
}

impl Catalog {
    pub fn team(&self, slug: &Slug) -> Option<&Team> {
        self.teams.iter().find(|t| &t.slug == slug)
    }

    pub fn service(&self, slug: &Slug) -> Option<&Service> {
        self.services.iter().find(|s| &s.slug == slug)
    }

    pub fn functionality(&self, slug: &Slug) -> Option<&Functionality> {
        self.functionalities.iter().find(|f| &f.slug == slug)
    }

    /// Every problem at once: each entry's own fields, duplicate names, and
    /// references to teams and services that do not exist. Fields are named
    /// `services[checkout].owner_team` so a caller can map them to a source.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        duplicates("teams", self.teams.iter().map(|t| &t.slug), &mut errors);
        duplicates(
            "services",
            self.services.iter().map(|s| &s.slug),
            &mut errors,
        );
        duplicates(
            "functionalities",
            self.functionalities.iter().map(|f| &f.slug),
            &mut errors,
        );
        let teams: BTreeSet<&Slug> = self.teams.iter().map(|t| &t.slug).collect();
        let services: BTreeSet<&Slug> = self.services.iter().map(|s| &s.slug).collect();
        let missing_team = |at: String, team: &Option<Slug>, errors: &mut Vec<FieldError>| {
            if let Some(team) = team.as_ref().filter(|t| !teams.contains(t)) {
                errors.push(FieldError::new(at, format!("no team named {team}")));
            }
        };
        for team in &self.teams {
            if let Err(mut own) = team.validate(&format!("teams[{}].", team.slug)) {
                errors.append(&mut own);
            }
        }
        for service in &self.services {
            let at = format!("services[{}].", service.slug);
            if let Err(mut own) = service.validate(&at) {
                errors.append(&mut own);
            }
            missing_team(format!("{at}owner_team"), &service.owner_team, &mut errors);
            for (index, (target, _)) in service.depends_on.iter().enumerate() {
                if !services.contains(target) {
                    errors.push(FieldError::new(
                        format!("{at}depends_on[{index}]"),
                        format!("no service named {target}"),
                    ));
                }
            }
        }
        for functionality in &self.functionalities {
            let at = format!("functionalities[{}].", functionality.slug);
            if let Err(mut own) = functionality.validate(&at) {
                errors.append(&mut own);
            }
            missing_team(
                format!("{at}owner_team"),
                &functionality.owner_team,
                &mut errors,
            );
            for (index, service) in functionality.services.iter().enumerate() {
                if !services.contains(service) {
                    errors.push(FieldError::new(
                        format!("{at}services[{index}]"),
                        format!("no service named {service}"),
                    ));
                }
            }
        }
        errors
    }
}

/// What happens to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Create,
    Update,
    Unchanged,
    /// Present now, absent from the desired catalog, and allowed to go.
    Delete,
    /// Present now, absent from the desired catalog, but kept (not pruning,
    /// or not ours to delete).
    WouldDelete,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Unchanged => "unchanged",
            Self::Delete => "delete",
            Self::WouldDelete => "would-delete",
        }
    }
}

/// One line of a plan: an entry and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<T> {
    pub kind: ChangeKind,
    pub slug: Slug,
    /// The desired entry (absent for deletions).
    pub desired: Option<T>,
}

/// The changes that turn the current catalog into the desired one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogChanges {
    pub teams: Vec<Change<Team>>,
    pub services: Vec<Change<Service>>,
    pub functionalities: Vec<Change<Functionality>>,
}

impl CatalogChanges {
    /// Whether applying would change anything.
    pub fn is_empty(&self) -> bool {
        let busy = |kind: ChangeKind| {
            matches!(
                kind,
                ChangeKind::Create | ChangeKind::Update | ChangeKind::Delete
            )
        };
        !(self.teams.iter().any(|c| busy(c.kind))
            || self.services.iter().any(|c| busy(c.kind))
            || self.functionalities.iter().any(|c| busy(c.kind)))
    }

    /// How many entries of each kind, for a one-line summary.
    pub fn counts(&self) -> BTreeMap<ChangeKind, usize> {
        let mut counts = BTreeMap::new();
        let kinds = self
            .teams
            .iter()
            .map(|c| c.kind)
            .chain(self.services.iter().map(|c| c.kind))
            .chain(self.functionalities.iter().map(|c| c.kind));
        for kind in kinds {
            *counts.entry(kind).or_insert(0) += 1;
        }
        counts
    }
}

/// Which current entries a sync may delete when they are absent from the
/// desired catalog: none, all (a plan that owns the catalog), or only those
/// named (what an earlier import of the same source created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prune {
    Nothing,
    Everything,
    Only(BTreeSet<(EntryKind, Slug)>),
}

/// The three kinds of catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    Team,
    Service,
    Functionality,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Service => "service",
            Self::Functionality => "functionality",
        }
    }
}

fn plan<T: Clone + PartialEq>(
    kind: EntryKind,
    current: &[T],
    desired: &[T],
    slug_of: impl Fn(&T) -> &Slug,
    prune: &Prune,
) -> Vec<Change<T>> {
    let now: BTreeMap<&Slug, &T> = current.iter().map(|t| (slug_of(t), t)).collect();
    let wanted: BTreeSet<&Slug> = desired.iter().map(&slug_of).collect();
    let mut changes: Vec<Change<T>> = desired
        .iter()
        .map(|entry| {
            let slug = slug_of(entry);
            let kind = match now.get(slug) {
                None => ChangeKind::Create,
                Some(existing) if *existing == entry => ChangeKind::Unchanged,
                Some(_) => ChangeKind::Update,
            };
            Change {
                kind,
                slug: slug.clone(),
                desired: Some(entry.clone()),
            }
        })
        .collect();
    for slug in now.keys().filter(|s| !wanted.contains(*s)) {
        let deletable = match prune {
            Prune::Nothing => false,
            Prune::Everything => true,
            Prune::Only(allowed) => allowed.contains(&(kind, (*slug).clone())),
        };
        changes.push(Change {
            kind: if deletable {
                ChangeKind::Delete
            } else {
                ChangeKind::WouldDelete
            },
            slug: (*slug).clone(),
            desired: None,
        });
    }
    changes
}

/// The plan from `current` to `desired`.
pub fn diff(current: &Catalog, desired: &Catalog, prune: &Prune) -> CatalogChanges {
    CatalogChanges {
        teams: plan(
            EntryKind::Team,
            &current.teams,
            &desired.teams,
            |t| &t.slug,
            prune,
        ),
        services: plan(
            EntryKind::Service,
            &current.services,
            &desired.services,
            |s| &s.slug,
            prune,
        ),
        functionalities: plan(
            EntryKind::Functionality,
            &current.functionalities,
            &desired.functionalities,
            |f| &f.slug,
            prune,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Criticality, Lifecycle, TeamMember};

    fn slug(s: &str) -> Slug {
        Slug::parse("slug", s).unwrap()
    }

    fn team(name: &str) -> Team {
        Team {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            contact_channel: String::new(),
            escalation_policy: None,
            members: vec![TeamMember {
                email: format!("lead@{name}.example"),
                role: "lead".into(),
            }],
        }
    }

    fn service(name: &str, owner: &str, deps: &[&str]) -> Service {
        Service {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            owner_team: Some(slug(owner)),
            tier: 2,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: deps.iter().map(|d| (slug(d), Criticality::Hard)).collect(),
        }
    }

    #[test]
    fn validation_names_every_broken_reference_and_duplicate() {
        let catalog = Catalog {
            teams: vec![team("payments"), team("payments")],
            services: vec![service("api", "ghosts", &["db", "api"])],
            functionalities: vec![Functionality {
                slug: slug("checkout"),
                name: "Checkout".into(),
                description: String::new(),
                aliases: vec![],
                owner_team: Some(slug("nobody")),
                services: vec![slug("api"), slug("missing")],
            }],
        };
        let fields: Vec<String> = catalog.validate().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "teams[payments]",
                "services[api].depends_on[1]",
                "services[api].owner_team",
                "services[api].depends_on[0]",
                "functionalities[checkout].owner_team",
                "functionalities[checkout].services[1]",
            ]
        );
    }

    #[test]
    fn a_diff_creates_updates_and_deletes_only_what_it_may() {
        let current = Catalog {
            teams: vec![team("payments"), team("legacy"), team("imported")],
            services: vec![service("api", "payments", &[])],
            functionalities: vec![],
        };
        let mut changed_api = service("api", "payments", &[]);
        changed_api.tier = 1;
        let desired = Catalog {
            teams: vec![team("payments"), team("search")],
            services: vec![changed_api],
            functionalities: vec![],
        };
        let kinds = |changes: &CatalogChanges| -> Vec<(String, ChangeKind)> {
            changes
                .teams
                .iter()
                .map(|c| (c.slug.to_string(), c.kind))
                .collect()
        };
        let keep = diff(&current, &desired, &Prune::Nothing);
        assert_eq!(
            kinds(&keep),
            [
                ("payments".into(), ChangeKind::Unchanged),
                ("search".into(), ChangeKind::Create),
                ("imported".into(), ChangeKind::WouldDelete),
                ("legacy".into(), ChangeKind::WouldDelete),
            ]
        );
        assert_eq!(keep.services[0].kind, ChangeKind::Update);
        let only = Prune::Only(BTreeSet::from([(EntryKind::Team, slug("imported"))]));
        let pruned = diff(&current, &desired, &only);
        assert_eq!(pruned.teams[2].kind, ChangeKind::Delete);
        assert_eq!(pruned.teams[3].kind, ChangeKind::WouldDelete);
        assert!(!pruned.is_empty());
        assert!(diff(&desired, &desired, &Prune::Everything).is_empty());
    }
}

impl CatalogChanges {
    /// The catalog after applying these changes to `current`: what validation
    /// must judge, since a desired document may lean on entries it omits.
    pub fn apply_to(&self, current: &Catalog) -> Catalog {
        fn merge<T: Clone>(
            current: &[T],
            changes: &[Change<T>],
            slug_of: impl Fn(&T) -> &Slug,
        ) -> Vec<T> {
            // A set, not a scan per entry: re-importing 10,000 unchanged
            // services must not cost 10,000 x 10,000 comparisons.
            let replaced: BTreeSet<&Slug> = changes
                .iter()
                .filter(|c| matches!(c.kind, ChangeKind::Delete | ChangeKind::Update))
                .map(|c| &c.slug)
                .collect();
            let mut result: Vec<T> = current
                .iter()
                .filter(|entry| !replaced.contains(slug_of(entry)))
                .cloned()
                .collect();
            result.extend(
                changes
                    .iter()
                    .filter(|c| matches!(c.kind, ChangeKind::Create | ChangeKind::Update))
                    .filter_map(|c| c.desired.clone()),
            );
            result
        }
        Catalog {
            teams: merge(&current.teams, &self.teams, |t| &t.slug),
            services: merge(&current.services, &self.services, |s| &s.slug),
            functionalities: merge(&current.functionalities, &self.functionalities, |f| &f.slug),
        }
    }
}

#[cfg(test)]
mod apply_tests {
    use super::*;

    #[test]
    fn applying_a_diff_yields_the_desired_catalog_when_pruning_everything() {
        let slug = |s: &str| Slug::parse("s", s).unwrap();
        let team = |name: &str| Team {
            slug: slug(name),
            name: name.into(),
            description: String::new(),
            contact_channel: String::new(),
            escalation_policy: None,
            members: vec![],
        };
        let current = Catalog {
            teams: vec![team("a"), team("b")],
            ..Catalog::default()
        };
        let mut renamed = team("a");
        renamed.name = "Team A".into();
        let desired = Catalog {
            teams: vec![renamed, team("c")],
            ..Catalog::default()
        };
        let result = diff(&current, &desired, &Prune::Everything).apply_to(&current);
        let mut names: Vec<&str> = result.teams.iter().map(|t| t.name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["Team A", "c"]);
        let kept = diff(&current, &desired, &Prune::Nothing).apply_to(&current);
        assert_eq!(kept.teams.len(), 3, "without pruning, b stays");
    }
}
