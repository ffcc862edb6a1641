//! Catalog shapes to and from the core. Incoming bodies are checked here
//! field by field, so every error names its field.

use muster_core::catalog::graph;
use muster_core::catalog::{self as core, Criticality, Lifecycle};
use muster_core::{FieldError, Slug};

use crate::catalog::*;

fn slug_field(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<Slug> {
    Slug::parse(field, raw).map_err(|e| errors.push(e)).ok()
}

fn optional_slug(field: &str, raw: &Option<String>, errors: &mut Vec<FieldError>) -> Option<Slug> {
    raw.as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| slug_field(field, r, errors))
}

fn core_links(field: &str, raw: &[Link], errors: &mut Vec<FieldError>) -> Vec<core::Link> {
    raw.iter()
        .enumerate()
        .filter_map(|(i, l)| {
            core::Link::new(&format!("{field}[{i}].url"), &l.title, &l.url)
                .map_err(|e| errors.push(e))
                .ok()
        })
        .collect()
}

fn finish<T>(value: T, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

impl Team {
    /// The core team named `slug` from this body.
    pub fn into_core(self, slug: &str) -> Result<core::Team, Vec<FieldError>> {
        let mut errors = Vec::new();
        let slug = slug_field("slug", slug, &mut errors);
        let escalation_policy =
            optional_slug("escalation_policy", &self.escalation_policy, &mut errors);
        let members = self
            .members
            .into_iter()
            .map(|m| core::TeamMember {
                email: m.email.trim().to_lowercase(),
                role: m.role,
            })
            .collect();
        let team = slug.map(|slug| core::Team {
            slug,
            name: self.name,
            description: self.description,
            contact_channel: self.contact_channel,
            escalation_policy,
            members,
        });
        match team {
            Some(team) => finish(team, errors),
            None => Err(errors),
        }
    }
}

impl From<&core::Team> for Team {
    fn from(team: &core::Team) -> Self {
        Self {
            slug: team.slug.to_string(),
            name: team.name.clone(),
            description: team.description.clone(),
            contact_channel: team.contact_channel.clone(),
            escalation_policy: team.escalation_policy.as_ref().map(Slug::to_string),
            members: team
                .members
                .iter()
                .map(|m| TeamMember {
                    email: m.email.clone(),
                    role: m.role.clone(),
                })
                .collect(),
        }
    }
}

impl Service {
    pub fn into_core(self, slug: &str) -> Result<core::Service, Vec<FieldError>> {
        let mut errors = Vec::new();
        let slug = slug_field("slug", slug, &mut errors);
        let owner_team = optional_slug("owner_team", &self.owner_team, &mut errors);
        let lifecycle = match self.lifecycle.as_deref() {
            None | Some("") => Lifecycle::Production,
            Some(raw) => raw
                .parse()
                .map_err(|m| errors.push(FieldError::new("lifecycle", m)))
                .unwrap_or(Lifecycle::Production),
        };
        let links = core_links("links", &self.links, &mut errors);
        let runbooks = core_links("runbooks", &self.runbooks, &mut errors);
        let depends_on = self
            .depends_on
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let target =
                    slug_field(&format!("depends_on[{i}].service"), &d.service, &mut errors);
                let criticality = d
                    .criticality
                    .parse::<Criticality>()
                    .map_err(|m| {
                        errors.push(FieldError::new(format!("depends_on[{i}].criticality"), m))
                    })
                    .ok();
                Some((target?, criticality?))
            })
            .collect();
        let service = slug.map(|slug| core::Service {
            slug,
            name: self.name,
            description: self.description,
            owner_team,
            tier: self.tier.unwrap_or(3),
            lifecycle,
            kind: self
                .kind
                .filter(|k| !k.is_empty())
                .unwrap_or_else(|| "service".to_owned()),
            links,
            runbooks,
            rollback_plan: self.rollback_plan,
            tags: self.tags,
            depends_on,
        });
        match service {
            Some(service) => finish(service, errors),
            None => Err(errors),
        }
    }
}

fn link_out(link: &core::Link) -> Link {
    Link {
        title: link.title.clone(),
        url: link.url.clone(),
    }
}

impl From<&core::Service> for Service {
    fn from(service: &core::Service) -> Self {
        Self {
            slug: service.slug.to_string(),
            name: service.name.clone(),
            description: service.description.clone(),
            owner_team: service.owner_team.as_ref().map(Slug::to_string),
            tier: Some(service.tier),
            lifecycle: Some(service.lifecycle.to_string()),
            kind: Some(service.kind.clone()),
            links: service.links.iter().map(link_out).collect(),
            runbooks: service.runbooks.iter().map(link_out).collect(),
            rollback_plan: service.rollback_plan.clone(),
            tags: service.tags.clone(),
            depends_on: service
                .depends_on
                .iter()
                .map(|(s, c)| Dependency {
                    service: s.to_string(),
                    criticality: c.to_string(),
                })
                .collect(),
        }
    }
}

impl Functionality {
    pub fn into_core(self, slug: &str) -> Result<core::Functionality, Vec<FieldError>> {
        let mut errors = Vec::new();
        let slug = slug_field("slug", slug, &mut errors);
        let owner_team = optional_slug("owner_team", &self.owner_team, &mut errors);
        let services = self
            .services
            .iter()
            .enumerate()
            .filter_map(|(i, s)| slug_field(&format!("services[{i}]"), s, &mut errors))
            .collect();
        let functionality = slug.map(|slug| core::Functionality {
            slug,
            name: self.name,
            description: self.description,
            aliases: self.aliases,
            owner_team,
            services,
        });
        match functionality {
            Some(functionality) => finish(functionality, errors),
            None => Err(errors),
        }
    }
}

impl From<&core::Functionality> for Functionality {
    fn from(functionality: &core::Functionality) -> Self {
        Self {
            slug: functionality.slug.to_string(),
            name: functionality.name.clone(),
            description: functionality.description.clone(),
            aliases: functionality.aliases.clone(),
            owner_team: functionality.owner_team.as_ref().map(Slug::to_string),
            services: functionality.services.iter().map(Slug::to_string).collect(),
        }
    }
}

fn impacted(service: &graph::ImpactedService) -> ImpactedService {
    ImpactedService {
        service: service.slug.to_string(),
        owner_team: service.owner_team.as_ref().map(Slug::to_string),
        criticality: service.criticality.to_string(),
        distance: service.distance,
    }
}

impl From<&graph::BlastRadius> for BlastRadius {
    fn from(radius: &graph::BlastRadius) -> Self {
        Self {
            service: radius.root.to_string(),
            services: radius.services.iter().map(impacted).collect(),
            functionalities: radius
                .functionalities
                .iter()
                .map(|f| ImpactedFunctionality {
                    functionality: f.slug.to_string(),
                    name: f.name.clone(),
                    owner_team: f.owner_team.as_ref().map(Slug::to_string),
                    criticality: f.criticality.to_string(),
                })
                .collect(),
            teams: radius.teams.iter().map(Slug::to_string).collect(),
            cycles: radius
                .cycles
                .iter()
                .map(|c| c.iter().map(Slug::to_string).collect())
                .collect(),
        }
    }
}

impl From<&graph::Backing> for Backing {
    fn from(backing: &graph::Backing) -> Self {
        Self {
            functionality: backing.functionality.to_string(),
            services: backing.services.iter().map(impacted).collect(),
        }
    }
}

impl From<(&muster_core::catalog::changes::CatalogChanges, bool)> for CatalogSyncResult {
    fn from((changes, dry_run): (&muster_core::catalog::changes::CatalogChanges, bool)) -> Self {
        fn lines<T>(
            entry: &str,
            list: &[muster_core::catalog::changes::Change<T>],
            out: &mut Vec<PlannedChange>,
        ) {
            out.extend(list.iter().map(|c| PlannedChange {
                entry: entry.to_owned(),
                slug: c.slug.to_string(),
                action: c.kind.as_str().to_owned(),
            }));
        }
        let mut planned = Vec::new();
        lines("team", &changes.teams, &mut planned);
        lines("service", &changes.services, &mut planned);
        lines("functionality", &changes.functionalities, &mut planned);
        Self {
            dry_run,
            changed: !changes.is_empty(),
            changes: planned,
        }
    }
}
