//! Storage port of the catalog.

use std::collections::BTreeSet;

use async_trait::async_trait;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::{CatalogChanges, EntryKind};
use muster_core::{Slug, User};

use crate::StoreError;
use crate::row::StoredRow;

/// A set of catalog changes to commit together.
#[derive(Debug, Clone)]
pub struct CatalogWrite<'a> {
    pub changes: &'a CatalogChanges,
    /// Users to create if their email is not taken yet (Backstage users). Only
    /// identity and role are written: a catalog knows no time zone or contact
    /// methods, so new users start with the defaults.
    pub new_users: &'a [User],
    /// Recorded on every created or updated entry, so a later sync of the
    /// same source may prune what it made and nothing else.
    pub source: Option<&'a str>,
    pub now: muster_core::Timestamp,
}

/// The catalog: whole-document reads and atomic change sets.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Everything, in a stable order (by slug).
    async fn load_catalog(&self) -> Result<Catalog, StoreError>;
    /// Commits every change of `write` in one transaction, or none.
    async fn apply_catalog(&self, write: &CatalogWrite<'_>) -> Result<(), StoreError>;
    /// The entries last written by `source`.
    async fn catalog_source_entries(
        &self,
        source: &str,
    ) -> Result<BTreeSet<(EntryKind, Slug)>, StoreError>;
}

/// The rows of every catalog table, each ordered by its owner's slug and then
/// by position (members, links, dependencies, aliases, backing services).
#[derive(Debug)]
pub struct CatalogRows<'a, R> {
    pub teams: &'a [R],
    pub members: &'a [R],
    pub services: &'a [R],
    pub links: &'a [R],
    pub tags: &'a [R],
    pub dependencies: &'a [R],
    pub functionalities: &'a [R],
    pub aliases: &'a [R],
    pub backing: &'a [R],
}

fn corrupt<E: std::fmt::Display>(error: E) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

fn slug(raw: &str) -> Result<Slug, StoreError> {
    Slug::parse("slug", raw).map_err(corrupt)
}

fn optional_slug<R: StoredRow>(row: &R, column: &str) -> Result<Option<Slug>, StoreError> {
    row.optional_text(column)?.as_deref().map(slug).transpose()
}

/// Rows grouped by the slug of the entry they belong to, order kept.
fn grouped<R: StoredRow, T>(
    rows: &[R],
    key: &str,
    value: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<std::collections::BTreeMap<String, Vec<T>>, StoreError> {
    let mut groups: std::collections::BTreeMap<String, Vec<T>> = std::collections::BTreeMap::new();
    for row in rows {
        groups.entry(row.text(key)?).or_default().push(value(row)?);
    }
    Ok(groups)
}

/// Builds the catalog from its tables' rows.
pub fn assemble_catalog<R: StoredRow>(rows: CatalogRows<'_, R>) -> Result<Catalog, StoreError> {
    use muster_core::catalog::{Criticality, Functionality, Link, Service, Team, TeamMember};

    let mut members = grouped(rows.members, "team_slug", |r| {
        Ok(TeamMember {
            email: r.text("email")?,
            role: r.text("role")?,
        })
    })?;
    let mut links = grouped(rows.links, "service_slug", |r| {
        Ok((
            r.text("kind")?,
            Link {
                title: r.text("title")?,
                url: r.text("url")?,
            },
        ))
    })?;
    let mut tags = grouped(rows.tags, "service_slug", |r| r.text("tag"))?;
    let mut dependencies = grouped(rows.dependencies, "service_slug", |r| {
        Ok((
            slug(&r.text("depends_on")?)?,
            r.text("criticality")?
                .parse::<Criticality>()
                .map_err(corrupt)?,
        ))
    })?;
    let mut aliases = grouped(rows.aliases, "functionality_slug", |r| r.text("alias"))?;
    let mut backing = grouped(rows.backing, "functionality_slug", |r| {
        slug(&r.text("service_slug")?)
    })?;

    let teams = rows
        .teams
        .iter()
        .map(|r| {
            let key = r.text("slug")?;
            Ok(Team {
                slug: slug(&key)?,
                name: r.text("name")?,
                description: r.text("description")?,
                contact_channel: r.text("contact_channel")?,
                escalation_policy: optional_slug(r, "escalation_policy")?,
                members: members.remove(&key).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let services = rows
        .services
        .iter()
        .map(|r| {
            let key = r.text("slug")?;
            let (runbooks, links): (Vec<_>, Vec<_>) = links
                .remove(&key)
                .unwrap_or_default()
                .into_iter()
                .partition(|(kind, _)| kind == "runbook");
            Ok(Service {
                slug: slug(&key)?,
                name: r.text("name")?,
                description: r.text("description")?,
                owner_team: optional_slug(r, "owner_team")?,
                tier: u8::try_from(r.integer("tier")?).map_err(corrupt)?,
                lifecycle: r.text("lifecycle")?.parse().map_err(corrupt)?,
                kind: r.text("kind")?,
                links: links.into_iter().map(|(_, l)| l).collect(),
                runbooks: runbooks.into_iter().map(|(_, l)| l).collect(),
                rollback_plan: r.text("rollback_plan")?,
                tags: tags.remove(&key).unwrap_or_default(),
                depends_on: dependencies.remove(&key).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let functionalities = rows
        .functionalities
        .iter()
        .map(|r| {
            let key = r.text("slug")?;
            Ok(Functionality {
                slug: slug(&key)?,
                name: r.text("name")?,
                description: r.text("description")?,
                aliases: aliases.remove(&key).unwrap_or_default(),
                owner_team: optional_slug(r, "owner_team")?,
                services: backing.remove(&key).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Catalog {
        teams,
        services,
        functionalities,
    })
}
