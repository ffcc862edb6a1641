//! The teams, services and functionalities a plan describes, built from
//! their documents and checked on the way.

use std::collections::BTreeSet;

use muster_core::FieldError;
use muster_core::catalog::{
    Catalog, Criticality, Functionality, Lifecycle, Link, Service, Slug, Team, TeamMember,
};

use super::Doc;
use crate::backstage::yaml::Node;
use crate::plan::{Finding, Kind, Plan, rules};

/// The teams, services and functionalities the plan describes, and the
/// problems found building them (own fields and references).
pub(crate) fn build_catalog(plan: &Plan) -> (Catalog, Vec<Finding>) {
    let mut out = Vec::new();
    let mut catalog = Catalog::default();
    let mut seen = BTreeSet::new();
    for doc in &plan.documents {
        if !doc.kind.is_catalog() || !seen.insert((doc.kind, doc.kind.key(&doc.name))) {
            continue;
        }
        let mut d = Doc {
            plan,
            doc,
            out: &mut out,
        };
        let slug = match Slug::parse("name", &doc.name) {
            Ok(slug) => slug,
            Err(error) => {
                d.push(&["name"], None, rules::INVALID_FIELD, error.message);
                continue;
            }
        };
        let node = doc.node.clone();
        let display = d
            .str_at(&node, &["title"], &["title"])
            .unwrap_or_default()
            .to_owned();
        let description = d
            .str_at(&node, &["description"], &["description"])
            .unwrap_or_default()
            .to_owned();
        let own = match doc.kind {
            Kind::Team => {
                let escalation_policy = d
                    .str_at(&node, &["escalation_policy"], &["escalation_policy"])
                    .map(str::to_owned);
                if let Some(policy) = &escalation_policy {
                    d.reference(
                        Kind::EscalationPolicy,
                        policy,
                        &["escalation_policy"],
                        rules::UNKNOWN_REFERENCE,
                    );
                }
                let mut members = Vec::new();
                for member in d.maps(&node, &["members"]) {
                    if let Some(email) = d.required(member, &["email"], &["members"]) {
                        let role = d
                            .str_at(member, &["role"], &["members"])
                            .unwrap_or("member")
                            .to_owned();
                        members.push(TeamMember {
                            email: email.trim().to_lowercase(),
                            role,
                        });
                    }
                }
                let team = Team {
                    slug,
                    name: display,
                    description,
                    contact_channel: d
                        .str_at(&node, &["contact_channel"], &["contact_channel"])
                        .unwrap_or_default()
                        .to_owned(),
                    escalation_policy: escalation_policy
                        .and_then(|p| Slug::parse("escalation_policy", &p).ok()),
                    members,
                };
                let own = team.validate("");
                catalog.teams.push(team);
                own
            }
            Kind::Service => {
                let owner_team = d
                    .str_at(&node, &["owner"], &["owner"])
                    .and_then(|o| Slug::parse("owner", o).ok());
                let tier = d.integer(
                    &node,
                    &["tier"],
                    &["tier"],
                    (1, i64::from(muster_core::catalog::TIER_MAX)),
                );
                let lifecycle = match d.str_at(&node, &["lifecycle"], &["lifecycle"]) {
                    None => Lifecycle::Production,
                    Some(raw) => raw.parse().unwrap_or_else(|message: String| {
                        d.push(
                            &["lifecycle"],
                            None,
                            rules::INVALID_FIELD,
                            format!("lifecycle: {message}"),
                        );
                        Lifecycle::Production
                    }),
                };
                let links = read_links(&mut d, &node, "links");
                let runbooks = read_links(&mut d, &node, "runbooks");
                let mut depends_on = Vec::new();
                for dep in d.maps(&node, &["depends_on"]) {
                    let Some(target) = d.required(dep, &["service"], &["depends_on"]) else {
                        continue;
                    };
                    let criticality = match d.str_at(dep, &["criticality"], &["depends_on"]) {
                        None => Some(Criticality::Hard),
                        Some(raw) => raw
                            .parse()
                            .map_err(|message: String| {
                                d.push(
                                    &["depends_on"],
                                    Some(raw),
                                    rules::INVALID_FIELD,
                                    format!("criticality: {message}"),
                                );
                            })
                            .ok(),
                    };
                    let known = d.reference(
                        Kind::Service,
                        &target,
                        &["depends_on"],
                        rules::UNKNOWN_REFERENCE,
                    );
                    if let (true, Some(criticality), Ok(target)) =
                        (known, criticality, Slug::parse("service", &target))
                    {
                        depends_on.push((target, criticality));
                    }
                }
                let tags = d
                    .strings(&node, &["tags"], &["tags"])
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                let service = Service {
                    slug,
                    name: display,
                    description,
                    owner_team,
                    tier: tier
                        .and_then(|t| u8::try_from(t).ok())
                        .unwrap_or(crate::backstage::DEFAULT_TIER),
                    lifecycle,
                    kind: d
                        .str_at(&node, &["type"], &["type"])
                        .unwrap_or("service")
                        .to_owned(),
                    links,
                    runbooks,
                    rollback_plan: d
                        .str_at(&node, &["rollback_plan"], &["rollback_plan"])
                        .unwrap_or_default()
                        .to_owned(),
                    tags,
                    depends_on,
                };
                let own = service.validate("");
                catalog.services.push(service);
                own
            }
            _ => {
                let owner_team = d
                    .str_at(&node, &["owner"], &["owner"])
                    .and_then(|o| Slug::parse("owner", o).ok());
                let mut services = Vec::new();
                for service in d.strings(&node, &["services"], &["services"]) {
                    if d.reference(
                        Kind::Service,
                        service,
                        &["services"],
                        rules::UNKNOWN_REFERENCE,
                    ) && let Ok(slug) = Slug::parse("services", service)
                    {
                        services.push(slug);
                    }
                }
                let functionality = Functionality {
                    slug,
                    name: display,
                    description,
                    aliases: d
                        .strings(&node, &["aliases"], &["aliases"])
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    owner_team,
                    services,
                };
                let own = functionality.validate("");
                catalog.functionalities.push(functionality);
                own
            }
        };
        for error in own.err().unwrap_or_default() {
            own_field(&mut d, &error);
        }
    }
    catalog.teams.sort_by(|a, b| a.slug.cmp(&b.slug));
    catalog.services.sort_by(|a, b| a.slug.cmp(&b.slug));
    catalog.functionalities.sort_by(|a, b| a.slug.cmp(&b.slug));
    (catalog, out)
}

/// A core validation error (`members[2].email`) at its top-level key.
fn own_field(d: &mut Doc<'_>, error: &FieldError) {
    let key = error.field.split(['.', '[']).next().unwrap_or_default();
    let key = if key == "name" { "title" } else { key };
    d.push(
        &[key],
        None,
        rules::INVALID_FIELD,
        format!("{}: {}", error.field, error.message),
    );
}

fn read_links(d: &mut Doc<'_>, node: &Node, key: &'static str) -> Vec<Link> {
    let mut links = Vec::new();
    for link in d.maps(node, &[key]) {
        let title = d
            .str_at(link, &["title"], &[key])
            .unwrap_or_default()
            .to_owned();
        if let Some(url) = d.required(link, &["url"], &[key]) {
            match Link::new(key, &title, &url) {
                Ok(link) => links.push(link),
                Err(error) => d.push(&[key], Some(&url), rules::INVALID_FIELD, error.message),
            }
        }
    }
    links
}
