//! Components and Resources to services: owner, lifecycle, tier, links,
//! runbooks, tags (with their system and domain) and dependencies.

use std::collections::HashMap;

use muster_core::catalog::{Criticality, Lifecycle, Link, Service, Slug, TIER_MAX};
use muster_core::text;

use super::entity::{self, Kind};
use super::map::{Mapper, display};
use super::yaml::Node;

/// The annotation that sets a service's tier (1–4).
pub const TIER_ANNOTATION: &str = "muster.io/tier";
/// The annotation that holds a service's rollback plan.
pub const ROLLBACK_ANNOTATION: &str = "muster.io/rollback-plan";
/// The tier of a service whose entity does not say.
pub const DEFAULT_TIER: u8 = 3;

/// Every Component and Resource as a service, sorted by slug, with the
/// entity each came from.
pub(crate) fn services(m: &mut Mapper<'_>) -> Vec<(usize, Service)> {
    let domains = system_domains(m);
    let mut services: Vec<(usize, Service)> = Vec::new();
    let mut reverse: Vec<(usize, Slug)> = Vec::new();
    for i in m.of(&[Kind::Component, Kind::Resource]) {
        let (service, dependency_of) = service(m, i, &domains);
        reverse.extend(
            dependency_of
                .into_iter()
                .map(|target| (target, service.slug.clone())),
        );
        services.push((i, service));
    }
    let position: HashMap<usize, usize> = services
        .iter()
        .enumerate()
        .map(|(at, (i, _))| (*i, at))
        .collect();
    for (target, dependant) in reverse {
        if let Some(&at) = position.get(&target) {
            services[at]
                .1
                .depends_on
                .push((dependant, Criticality::Hard));
        }
    }
    for (_, service) in &mut services {
        service.depends_on.sort();
        service.depends_on.dedup_by(|a, b| a.0 == b.0);
    }
    services.sort_by(|a, b| a.1.slug.cmp(&b.1.slug));
    services
}

/// Each System's domain slug (if it names one).
fn system_domains(m: &mut Mapper<'_>) -> HashMap<usize, Option<Slug>> {
    let mut domains = HashMap::new();
    for i in m.of(&[Kind::System]) {
        let path = ["spec", "domain"];
        let raw = m.read(i, entity::str_at(&m.entity(i).doc, &path)).flatten();
        let domain = raw.and_then(|raw| {
            let (reference, found) = m.resolve(i, &path, raw, Some(Kind::Domain))?;
            if reference.kind == Kind::Domain {
                Some(m.entity(found).slug.clone())
            } else {
                m.error(
                    i,
                    &path,
                    format!(
                        "spec.domain: {raw:?} is {}, not a Domain",
                        reference.kind.a()
                    ),
                );
                None
            }
        });
        domains.insert(i, domain);
    }
    domains
}

fn optional_text(m: &mut Mapper<'_>, i: usize, path: &[&str]) -> String {
    m.read(i, entity::str_at(&m.entity(i).doc, path))
        .flatten()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// One service, and the entities its `spec.dependencyOf` names.
fn service(
    m: &mut Mapper<'_>,
    i: usize,
    domains: &HashMap<usize, Option<Slug>>,
) -> (Service, Vec<usize>) {
    let e = m.entity(i);
    let doc = &e.doc;
    let owner_team = owner(m, i);
    let lifecycle = lifecycle(m, i);
    let kind = match m.read(i, entity::required_str(doc, &["spec", "type"])) {
        Some(kind) if kind.trim().chars().count() > 64 => {
            m.error(i, &["spec", "type"], "spec.type: at most 64 characters");
            String::new()
        }
        Some(kind) => kind.trim().to_owned(),
        None => String::new(),
    };
    let (links, runbooks) = links(m, i);
    let tags = tags(m, i, domains);
    let mut depends_on = Vec::new();
    let mut dependency_of = Vec::new();
    for (key, out) in [
        ("dependsOn", &mut depends_on),
        ("dependencyOf", &mut dependency_of),
    ] {
        let path = ["spec", key];
        for raw in m
            .read(i, entity::strings_at(doc, &path))
            .unwrap_or_default()
        {
            let Some((reference, found)) = m.resolve(i, &path, raw, None) else {
                continue;
            };
            if matches!(reference.kind, Kind::Component | Kind::Resource) {
                out.push(found);
            } else {
                let message = format!(
                    "spec.{key}: {raw:?} is {}; muster records dependencies between services (Components and Resources) only, so it is left out",
                    reference.kind.a()
                );
                m.warn(i, &path, message);
            }
        }
    }
    let service = Service {
        slug: e.slug.clone(),
        name: display(m, i, false),
        description: optional_text(m, i, &["metadata", "description"]),
        owner_team,
        tier: tier(m, i),
        lifecycle,
        kind,
        links,
        runbooks,
        rollback_plan: optional_text(m, i, &["metadata", "annotations", ROLLBACK_ANNOTATION]),
        tags,
        depends_on: depends_on
            .into_iter()
            .map(|found| (m.entity(found).slug.clone(), Criticality::Hard))
            .collect(),
    };
    (service, dependency_of)
}

fn owner(m: &mut Mapper<'_>, i: usize) -> Option<Slug> {
    let path = ["spec", "owner"];
    let raw = m.read(i, entity::required_str(&m.entity(i).doc, &path))?;
    let (reference, found) = m.resolve(i, &path, raw, Some(Kind::Group))?;
    match reference.kind {
        Kind::Group => Some(m.entity(found).slug.clone()),
        Kind::User => {
            let message = format!(
                "spec.owner: {raw:?} is a User; muster services are owned by teams, so this one is imported without an owner team"
            );
            m.warn(i, &path, message);
            None
        }
        other => {
            let message = format!(
                "spec.owner: {raw:?} is {}; expected a Group or a User",
                other.a()
            );
            m.error(i, &path, message);
            None
        }
    }
}

fn lifecycle(m: &mut Mapper<'_>, i: usize) -> Lifecycle {
    let path = ["spec", "lifecycle"];
    let doc = &m.entity(i).doc;
    let raw = if m.entity(i).kind == Kind::Component {
        m.read(i, entity::required_str(doc, &path))
    } else {
        m.read(i, entity::str_at(doc, &path)).flatten()
    };
    let Some(raw) = raw else {
        return Lifecycle::Production;
    };
    match raw.trim().to_lowercase().parse::<Lifecycle>() {
        Ok(lifecycle) => lifecycle,
        Err(_) => {
            let message = format!(
                "spec.lifecycle: {raw:?} is not one of production, experimental or deprecated; imported as experimental"
            );
            m.warn(i, &path, message);
            Lifecycle::Experimental
        }
    }
}

fn tier(m: &mut Mapper<'_>, i: usize) -> u8 {
    let path = ["metadata", "annotations", TIER_ANNOTATION];
    let value = match m.read(i, entity::node_at(&m.entity(i).doc, &path)) {
        Some(None) | None => return DEFAULT_TIER,
        Some(Some(Node::String(s) | Node::Number(s))) => s.trim().parse::<u8>().ok(),
        Some(Some(_)) => None,
    };
    match value.filter(|t| (1..=TIER_MAX).contains(t)) {
        Some(tier) => tier,
        None => {
            let message = format!(
                "metadata.annotations.{TIER_ANNOTATION}: expected 1 (most critical) to {TIER_MAX}"
            );
            m.error(i, &path, message);
            DEFAULT_TIER
        }
    }
}

/// `metadata.links` as links and runbooks (title or type mentions "runbook").
fn links(m: &mut Mapper<'_>, i: usize) -> (Vec<Link>, Vec<Link>) {
    let path = ["metadata", "links"];
    let mut links = Vec::new();
    let mut runbooks = Vec::new();
    let items = m
        .read(i, entity::maps_at(&m.entity(i).doc, &path))
        .unwrap_or_default();
    for item in items {
        let fields = (|| {
            let url = entity::required_str(item, &["url"])?;
            let title = entity::str_at(item, &["title"])?.unwrap_or_default();
            let kind = entity::str_at(item, &["type"])?.unwrap_or_default();
            Ok((url, title, kind))
        })();
        let (url, title, kind) = match fields {
            Ok(fields) => fields,
            Err(problem) => {
                let problem: entity::Problem = problem;
                let message = format!("metadata.links: {}", problem.text());
                m.error(i, &path, message);
                continue;
            }
        };
        match Link::new("metadata.links", title, url) {
            Ok(link) => {
                let runbook = [title, kind]
                    .iter()
                    .any(|t| t.to_lowercase().contains("runbook"));
                if runbook {
                    runbooks.push(link);
                } else {
                    links.push(link);
                }
            }
            Err(error) => {
                let message = format!("metadata.links: {}; left out", error.message);
                m.warn(i, &path, message);
            }
        }
    }
    (links, runbooks)
}

/// Backstage's tag rule: `[a-z0-9:+#]` runs joined by single `-`, at most 63.
fn backstage_tag(tag: &str) -> bool {
    tag.len() <= 63
        && tag.split('-').all(|run| {
            !run.is_empty()
                && run.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, ':' | '+' | '#')
                })
        })
}

/// `metadata.tags`, plus `system:<system>` and `domain:<its domain>`.
fn tags(m: &mut Mapper<'_>, i: usize, domains: &HashMap<usize, Option<Slug>>) -> Vec<String> {
    let doc = &m.entity(i).doc;
    let path = ["metadata", "tags"];
    let mut tags = Vec::new();
    for raw in m
        .read(i, entity::strings_at(doc, &path))
        .unwrap_or_default()
    {
        let tag = raw.trim().to_lowercase();
        if !backstage_tag(&tag) {
            let message = format!(
                "metadata.tags: {raw:?} is not a valid tag (letters, digits, ':', '+' and '#', joined by single '-', at most 63 characters)"
            );
            m.error(i, &path, message);
        } else if tag.contains(['+', '#']) {
            let message = format!(
                "metadata.tags: {raw:?} has '+' or '#', which muster tags cannot hold; left out"
            );
            m.warn(i, &path, message);
        } else {
            tags.push(tag);
        }
    }
    let system_path = ["spec", "system"];
    if let Some(raw) = m.read(i, entity::str_at(doc, &system_path)).flatten()
        && let Some((reference, found)) = m.resolve(i, &system_path, raw, Some(Kind::System))
    {
        if reference.kind == Kind::System {
            tags.push(format!("system:{}", m.entity(found).slug));
            if let Some(Some(domain)) = domains.get(&found) {
                tags.push(format!("domain:{domain}"));
            }
        } else {
            let message = format!(
                "spec.system: {raw:?} is {}, not a System",
                reference.kind.a()
            );
            m.error(i, &system_path, message);
        }
    }
    match text::tags("metadata.tags", &tags) {
        Ok(tags) => tags,
        Err(error) => {
            m.error(i, &path, error.to_string());
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backstage_tags() {
        for good in ["java", "c++", "c#", "team:a", "a-b"] {
            assert!(backstage_tag(good), "{good}");
        }
        for bad in ["go 1.15.3", "", "a--b", "-a", "a_b", &"x".repeat(64)] {
            assert!(!backstage_tag(bad), "{bad}");
        }
    }
}
