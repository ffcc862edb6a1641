//! The catalog on SQLite: whole-document reads, one-transaction change sets.

use std::collections::BTreeSet;

use async_trait::async_trait;
use muster_core::catalog::changes::{CatalogChanges, Change, ChangeKind, EntryKind};
use muster_core::catalog::{Catalog, Functionality, Service, Team};
use muster_core::{Slug, Timestamp, User};
use muster_store::{CatalogRows, CatalogStore, CatalogWrite, StoreError, assemble_catalog};
use sqlx::SqliteConnection;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::codec::Row;
use crate::codec::{backend, get};

fn slug(raw: &str) -> Result<Slug, StoreError> {
    Slug::parse("slug", raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A foreign key failing here means the change set referred to something it
/// also deletes or never had: the caller validated against a stale catalog.
fn constraint(error: sqlx::Error) -> StoreError {
    match crate::codec::unique(error, "slug", "") {
        StoreError::Missing { .. } => StoreError::Missing {
            entity: "catalog entry",
        },
        other => other,
    }
}

async fn exec(
    c: &mut SqliteConnection,
    statement: &'static str,
    slug: &str,
) -> Result<(), StoreError> {
    sqlx::query(statement)
        .bind(slug)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    Ok(())
}

async fn write_team(
    c: &mut SqliteConnection,
    team: &Team,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO teams (slug, name, description, contact_channel, escalation_policy, source, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, contact_channel = excluded.contact_channel, \
         escalation_policy = excluded.escalation_policy, source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(team.slug.as_str())
    .bind(&team.name)
    .bind(&team.description)
    .bind(&team.contact_channel)
    .bind(team.escalation_policy.as_ref().map(Slug::as_str))
    .bind(source)
    .bind(now.as_millisecond())
    .execute(&mut *c)
    .await
    .map_err(constraint)?;
    exec(
        c,
        "DELETE FROM team_members WHERE team_slug = ?1",
        team.slug.as_str(),
    )
    .await?;
    for (position, member) in team.members.iter().enumerate() {
        sqlx::query(
            "INSERT INTO team_members (team_slug, position, email, role) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(team.slug.as_str())
        .bind(position as i64)
        .bind(&member.email)
        .bind(&member.role)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }
    Ok(())
}

async fn write_service_row(
    c: &mut SqliteConnection,
    service: &Service,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO services (slug, name, description, owner_team, tier, lifecycle, kind, rollback_plan, source, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, owner_team = excluded.owner_team, tier = excluded.tier, \
         lifecycle = excluded.lifecycle, kind = excluded.kind, rollback_plan = excluded.rollback_plan, \
         source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(service.slug.as_str())
    .bind(&service.name)
    .bind(&service.description)
    .bind(service.owner_team.as_ref().map(Slug::as_str))
    .bind(i64::from(service.tier))
    .bind(service.lifecycle.as_str())
    .bind(&service.kind)
    .bind(&service.rollback_plan)
    .bind(source)
    .bind(now.as_millisecond())
    .execute(&mut *c)
    .await
    .map_err(constraint)?;
    Ok(())
}

/// Links, tags and dependencies: written after every service row exists, so
/// a dependency on a service created in the same change set resolves.
async fn write_service_parts(
    c: &mut SqliteConnection,
    service: &Service,
) -> Result<(), StoreError> {
    let slug = service.slug.as_str();
    for statement in [
        "DELETE FROM service_links WHERE service_slug = ?1",
        "DELETE FROM service_tags WHERE service_slug = ?1",
        "DELETE FROM service_dependencies WHERE service_slug = ?1",
    ] {
        exec(c, statement, slug).await?;
    }
    for (kind, links) in [("link", &service.links), ("runbook", &service.runbooks)] {
        for (position, link) in links.iter().enumerate() {
            sqlx::query("INSERT INTO service_links (service_slug, kind, position, title, url) VALUES (?1, ?2, ?3, ?4, ?5)")
                .bind(slug)
                .bind(kind)
                .bind(position as i64)
                .bind(&link.title)
                .bind(&link.url)
                .execute(&mut *c)
                .await
                .map_err(constraint)?;
        }
    }
    for tag in &service.tags {
        sqlx::query("INSERT INTO service_tags (service_slug, tag) VALUES (?1, ?2)")
            .bind(slug)
            .bind(tag)
            .execute(&mut *c)
            .await
            .map_err(constraint)?;
    }
    for (position, (target, criticality)) in service.depends_on.iter().enumerate() {
        sqlx::query(
            "INSERT INTO service_dependencies (service_slug, position, depends_on, criticality) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(slug)
        .bind(position as i64)
        .bind(target.as_str())
        .bind(criticality.as_str())
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }
    Ok(())
}

async fn write_functionality(
    c: &mut SqliteConnection,
    functionality: &Functionality,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let slug = functionality.slug.as_str();
    sqlx::query(
        "INSERT INTO functionalities (slug, name, description, owner_team, source, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, owner_team = excluded.owner_team, source = excluded.source, \
         updated_at = excluded.updated_at",
    )
    .bind(slug)
    .bind(&functionality.name)
    .bind(&functionality.description)
    .bind(functionality.owner_team.as_ref().map(Slug::as_str))
    .bind(source)
    .bind(now.as_millisecond())
    .execute(&mut *c)
    .await
    .map_err(constraint)?;
    exec(
        c,
        "DELETE FROM functionality_aliases WHERE functionality_slug = ?1",
        slug,
    )
    .await?;
    exec(
        c,
        "DELETE FROM functionality_services WHERE functionality_slug = ?1",
        slug,
    )
    .await?;
    for (position, alias) in functionality.aliases.iter().enumerate() {
        sqlx::query("INSERT INTO functionality_aliases (functionality_slug, position, alias) VALUES (?1, ?2, ?3)")
            .bind(slug)
            .bind(position as i64)
            .bind(alias)
            .execute(&mut *c)
            .await
            .map_err(constraint)?;
    }
    for (position, service) in functionality.services.iter().enumerate() {
        sqlx::query("INSERT INTO functionality_services (functionality_slug, position, service_slug) VALUES (?1, ?2, ?3)")
            .bind(slug)
            .bind(position as i64)
            .bind(service.as_str())
            .execute(&mut *c)
            .await
            .map_err(constraint)?;
    }
    Ok(())
}

fn deleted<T>(list: &[Change<T>]) -> Vec<String> {
    list.iter()
        .filter(|c| c.kind == ChangeKind::Delete)
        .map(|c| c.slug.to_string())
        .collect()
}

fn writes(kind: ChangeKind) -> bool {
    matches!(kind, ChangeKind::Create | ChangeKind::Update)
}

/// A catalog write that can move into the writer task.
pub(crate) struct OwnedCatalogWrite {
    changes: CatalogChanges,
    users: Vec<User>,
    source: Option<String>,
    now: Timestamp,
}

impl OwnedCatalogWrite {
    pub(crate) fn of(write: &CatalogWrite<'_>) -> Self {
        Self {
            changes: write.changes.clone(),
            users: write.new_users.to_vec(),
            source: write.source.map(str::to_owned),
            now: write.now,
        }
    }

    /// Inside the caller's transaction.
    pub(crate) async fn write(&self, c: &mut SqliteConnection) -> Result<(), StoreError> {
        for user in &self.users {
            sqlx::query(
                "INSERT INTO users (user_id, email, name, role, password_hash, created_at) \
                 VALUES (?1, ?2, ?3, ?4, NULL, ?5) ON CONFLICT (email) DO NOTHING",
            )
            .bind(user.id.to_string())
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(user.created_at.as_millisecond())
            .execute(&mut *c)
            .await
            .map_err(backend)?;
        }
        apply(c, &self.changes, self.source.as_deref(), self.now).await
    }
}

async fn apply(
    c: &mut SqliteConnection,
    changes: &CatalogChanges,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Parents before children, and deletions in the reverse order, so every
    // reference resolves at the moment it is written.
    for change in changes.teams.iter().filter(|c| writes(c.kind)) {
        if let Some(team) = &change.desired {
            write_team(c, team, source, now).await?;
        }
    }
    let services: Vec<&Service> = changes
        .services
        .iter()
        .filter(|c| writes(c.kind))
        .filter_map(|c| c.desired.as_ref())
        .collect();
    for service in &services {
        write_service_row(c, service, source, now).await?;
    }
    for service in &services {
        write_service_parts(c, service).await?;
    }
    for change in changes.functionalities.iter().filter(|c| writes(c.kind)) {
        if let Some(functionality) = &change.desired {
            write_functionality(c, functionality, source, now).await?;
        }
    }
    for slug in deleted(&changes.functionalities) {
        exec(c, "DELETE FROM functionalities WHERE slug = ?1", &slug).await?;
    }
    let services_gone = deleted(&changes.services);
    // Their own dependency rows go first: a service leaving with its
    // dependants in the same change set must not block on their edges.
    for slug in &services_gone {
        exec(
            c,
            "DELETE FROM service_dependencies WHERE service_slug = ?1",
            slug,
        )
        .await?;
    }
    for slug in &services_gone {
        exec(c, "DELETE FROM services WHERE slug = ?1", slug).await?;
    }
    for slug in deleted(&changes.teams) {
        exec(c, "DELETE FROM teams WHERE slug = ?1", &slug).await?;
    }
    Ok(())
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn load_catalog(&self) -> Result<Catalog, StoreError> {
        // One read transaction: a consistent snapshot across the tables.
        let mut tx = self.readers.begin().await.map_err(backend)?;
        let fetch = async |tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
                           statement: &'static str| {
            sqlx::query(statement)
                .fetch_all(&mut **tx)
                .await
                .map_err(backend)
        };
        let teams = fetch(&mut tx, "SELECT * FROM teams ORDER BY slug").await?;
        let members = fetch(
            &mut tx,
            "SELECT * FROM team_members ORDER BY team_slug, position",
        )
        .await?;
        let services = fetch(&mut tx, "SELECT * FROM services ORDER BY slug").await?;
        let links = fetch(
            &mut tx,
            "SELECT * FROM service_links ORDER BY service_slug, kind, position",
        )
        .await?;
        let tags = fetch(
            &mut tx,
            "SELECT * FROM service_tags ORDER BY service_slug, tag",
        )
        .await?;
        let dependencies = fetch(
            &mut tx,
            "SELECT * FROM service_dependencies ORDER BY service_slug, position",
        )
        .await?;
        let functionalities = fetch(&mut tx, "SELECT * FROM functionalities ORDER BY slug").await?;
        let aliases = fetch(
            &mut tx,
            "SELECT * FROM functionality_aliases ORDER BY functionality_slug, position",
        )
        .await?;
        let backing = fetch(
            &mut tx,
            "SELECT * FROM functionality_services ORDER BY functionality_slug, position",
        )
        .await?;
        tx.commit().await.map_err(backend)?;

        fn wrap(rows: &[SqliteRow]) -> Vec<Row<'_>> {
            rows.iter().map(Row).collect()
        }
        let (teams, members, services) = (wrap(&teams), wrap(&members), wrap(&services));
        let (links, tags, dependencies) = (wrap(&links), wrap(&tags), wrap(&dependencies));
        let (functionalities, aliases, backing) =
            (wrap(&functionalities), wrap(&aliases), wrap(&backing));
        assemble_catalog(CatalogRows {
            teams: &teams,
            members: &members,
            services: &services,
            links: &links,
            tags: &tags,
            dependencies: &dependencies,
            functionalities: &functionalities,
            aliases: &aliases,
            backing: &backing,
        })
    }

    async fn apply_catalog(&self, write: &CatalogWrite<'_>) -> Result<(), StoreError> {
        let owned = OwnedCatalogWrite::of(write);
        self.writer
            .write(move |c| Box::pin(async move { owned.write(c).await }))
            .await
    }

    async fn catalog_source_entries(
        &self,
        source: &str,
    ) -> Result<BTreeSet<(EntryKind, Slug)>, StoreError> {
        let rows = sqlx::query(
            "SELECT 'team' AS kind, slug FROM teams WHERE source = ?1 \
             UNION ALL SELECT 'service', slug FROM services WHERE source = ?1 \
             UNION ALL SELECT 'functionality', slug FROM functionalities WHERE source = ?1",
        )
        .bind(source)
        .fetch_all(&self.readers)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let kind = match get::<String>(r, "kind")?.as_str() {
                    "team" => EntryKind::Team,
                    "service" => EntryKind::Service,
                    _ => EntryKind::Functionality,
                };
                Ok((kind, slug(&get::<String>(r, "slug")?)?))
            })
            .collect()
    }
}
