//! The catalog on PostgreSQL: whole-document reads from one snapshot, and
//! change sets in one transaction. Each table is written by one set-based
//! statement (arrays bound once and unnested by the server), so a change set's
//! round trips do not grow with its size.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use muster_core::catalog::changes::{CatalogChanges, Change, ChangeKind, EntryKind};
use muster_core::catalog::{Catalog, Functionality, Service, Team};
use muster_core::{Slug, Timestamp, User};
use muster_store::{CatalogRows, CatalogStore, CatalogWrite, StoreError, assemble_catalog};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use crate::PostgresStore;
use crate::codec::Row;
use crate::codec::{backend, get, unique};

/// The transaction-level advisory lock every change set holds: like SQLite's
/// single writer, change sets commit one after another, so two of them never
/// deadlock on each other's rows or trip over each other's child rows.
const CATALOG_WRITE_LOCK: i64 = 0x6d75_7374_6572_4341; // "musterCA"

fn slug(raw: &str) -> Result<Slug, StoreError> {
    Slug::parse("slug", raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn corrupt<E: std::fmt::Display>(error: E) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

/// A foreign key failing here means the change set referred to something it
/// also deletes or never had: the caller validated against a stale catalog.
fn constraint(error: sqlx::Error) -> StoreError {
    match unique(error, "slug", "") {
        StoreError::Missing { .. } => StoreError::Missing {
            entity: "catalog entry",
        },
        other => other,
    }
}

/// The `position` column of a list element.
fn position(index: usize) -> Result<i32, StoreError> {
    i32::try_from(index)
        .map_err(|_| StoreError::Backend(format!("list position {index} is out of range")))
}

fn writes(kind: ChangeKind) -> bool {
    matches!(kind, ChangeKind::Create | ChangeKind::Update)
}

/// The entries `list` creates or updates, one per slug (the last, as writing
/// them in turn would leave it), in slug order. A set-based upsert may touch a
/// row only once, hence the deduplication.
fn written<T>(list: &[Change<T>], slug_of: impl Fn(&T) -> &Slug) -> Vec<&T> {
    let mut by_slug: BTreeMap<&Slug, &T> = BTreeMap::new();
    for change in list.iter().filter(|c| writes(c.kind)) {
        if let Some(entry) = &change.desired {
            by_slug.insert(slug_of(entry), entry);
        }
    }
    by_slug.into_values().collect()
}

fn deleted<T>(list: &[Change<T>]) -> Vec<&str> {
    list.iter()
        .filter(|c| c.kind == ChangeKind::Delete)
        .map(|c| c.slug.as_str())
        .collect()
}

/// Runs `statement` with the array of `slugs` as `$1`, unless there are none.
async fn exec_slugs(
    c: &mut PgConnection,
    statement: &'static str,
    slugs: &[&str],
) -> Result<(), StoreError> {
    if slugs.is_empty() {
        return Ok(());
    }
    sqlx::query(statement)
        .bind(slugs)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    Ok(())
}

async fn insert_users(c: &mut PgConnection, users: &[User]) -> Result<(), StoreError> {
    if users.is_empty() {
        return Ok(());
    }
    let ids: Vec<_> = users.iter().map(|u| u.id.as_uuid()).collect();
    let emails: Vec<&str> = users.iter().map(|u| u.email.as_str()).collect();
    let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
    let roles: Vec<&str> = users.iter().map(|u| u.role.as_str()).collect();
    let created: Vec<i64> = users
        .iter()
        .map(|u| u.created_at.as_millisecond())
        .collect();
    sqlx::query(
        "INSERT INTO users (user_id, email, name, role, password_hash, created_at) \
         SELECT u.user_id, u.email, u.name, u.role, NULL, u.created_at \
         FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[]) \
         AS u (user_id, email, name, role, created_at) \
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(ids)
    .bind(emails)
    .bind(names)
    .bind(roles)
    .bind(created)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}

async fn write_teams(
    c: &mut PgConnection,
    teams: &[&Team],
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if teams.is_empty() {
        return Ok(());
    }
    let slugs: Vec<&str> = teams.iter().map(|t| t.slug.as_str()).collect();
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    let descriptions: Vec<&str> = teams.iter().map(|t| t.description.as_str()).collect();
    let channels: Vec<&str> = teams.iter().map(|t| t.contact_channel.as_str()).collect();
    let policies: Vec<Option<&str>> = teams
        .iter()
        .map(|t| t.escalation_policy.as_ref().map(Slug::as_str))
        .collect();
    sqlx::query(
        "INSERT INTO teams (slug, name, description, contact_channel, escalation_policy, source, updated_at) \
         SELECT t.slug, t.name, t.description, t.contact_channel, t.escalation_policy, $6, $7 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) \
         AS t (slug, name, description, contact_channel, escalation_policy) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, contact_channel = excluded.contact_channel, \
         escalation_policy = excluded.escalation_policy, source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(&slugs)
    .bind(names)
    .bind(descriptions)
    .bind(channels)
    .bind(policies)
    .bind(source)
    .bind(now.as_millisecond())
    .execute(&mut *c)
    .await
    .map_err(constraint)?;

    exec_slugs(
        c,
        "DELETE FROM team_members WHERE team_slug = ANY($1::text[])",
        &slugs,
    )
    .await?;
    let (mut owners, mut positions, mut emails, mut roles) = (vec![], vec![], vec![], vec![]);
    for team in teams {
        for (index, member) in team.members.iter().enumerate() {
            owners.push(team.slug.as_str());
            positions.push(position(index)?);
            emails.push(member.email.as_str());
            roles.push(member.role.as_str());
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO team_members (team_slug, position, email, role) \
             SELECT * FROM UNNEST($1::text[], $2::int[], $3::text[], $4::text[])",
        )
        .bind(owners)
        .bind(positions)
        .bind(emails)
        .bind(roles)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }
    Ok(())
}

async fn write_service_rows(
    c: &mut PgConnection,
    services: &[&Service],
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if services.is_empty() {
        return Ok(());
    }
    let slugs: Vec<&str> = services.iter().map(|s| s.slug.as_str()).collect();
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let descriptions: Vec<&str> = services.iter().map(|s| s.description.as_str()).collect();
    let owners: Vec<Option<&str>> = services
        .iter()
        .map(|s| s.owner_team.as_ref().map(Slug::as_str))
        .collect();
    let tiers: Vec<i32> = services.iter().map(|s| i32::from(s.tier)).collect();
    let lifecycles: Vec<&str> = services.iter().map(|s| s.lifecycle.as_str()).collect();
    let kinds: Vec<&str> = services.iter().map(|s| s.kind.as_str()).collect();
    let rollbacks: Vec<&str> = services.iter().map(|s| s.rollback_plan.as_str()).collect();
    sqlx::query(
        "INSERT INTO services (slug, name, description, owner_team, tier, lifecycle, kind, rollback_plan, source, updated_at) \
         SELECT s.slug, s.name, s.description, s.owner_team, s.tier, s.lifecycle, s.kind, s.rollback_plan, $9, $10 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[]) \
         AS s (slug, name, description, owner_team, tier, lifecycle, kind, rollback_plan) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, owner_team = excluded.owner_team, tier = excluded.tier, \
         lifecycle = excluded.lifecycle, kind = excluded.kind, rollback_plan = excluded.rollback_plan, \
         source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(slugs)
    .bind(names)
    .bind(descriptions)
    .bind(owners)
    .bind(tiers)
    .bind(lifecycles)
    .bind(kinds)
    .bind(rollbacks)
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
    c: &mut PgConnection,
    services: &[&Service],
) -> Result<(), StoreError> {
    let slugs: Vec<&str> = services.iter().map(|s| s.slug.as_str()).collect();
    for statement in [
        "DELETE FROM service_links WHERE service_slug = ANY($1::text[])",
        "DELETE FROM service_tags WHERE service_slug = ANY($1::text[])",
        "DELETE FROM service_dependencies WHERE service_slug = ANY($1::text[])",
    ] {
        exec_slugs(c, statement, &slugs).await?;
    }

    let (mut owners, mut kinds, mut positions, mut titles, mut urls) =
        (vec![], vec![], vec![], vec![], vec![]);
    for service in services {
        for (kind, links) in [("link", &service.links), ("runbook", &service.runbooks)] {
            for (index, link) in links.iter().enumerate() {
                owners.push(service.slug.as_str());
                kinds.push(kind);
                positions.push(position(index)?);
                titles.push(link.title.as_str());
                urls.push(link.url.as_str());
            }
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO service_links (service_slug, kind, position, title, url) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])",
        )
        .bind(owners)
        .bind(kinds)
        .bind(positions)
        .bind(titles)
        .bind(urls)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }

    let (mut owners, mut tags) = (vec![], vec![]);
    for service in services {
        for tag in &service.tags {
            owners.push(service.slug.as_str());
            tags.push(tag.as_str());
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO service_tags (service_slug, tag) SELECT * FROM UNNEST($1::text[], $2::text[])",
        )
        .bind(owners)
        .bind(tags)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }

    let (mut owners, mut positions, mut targets, mut criticalities) =
        (vec![], vec![], vec![], vec![]);
    for service in services {
        for (index, (target, criticality)) in service.depends_on.iter().enumerate() {
            owners.push(service.slug.as_str());
            positions.push(position(index)?);
            targets.push(target.as_str());
            criticalities.push(criticality.as_str());
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO service_dependencies (service_slug, position, depends_on, criticality) \
             SELECT * FROM UNNEST($1::text[], $2::int[], $3::text[], $4::text[])",
        )
        .bind(owners)
        .bind(positions)
        .bind(targets)
        .bind(criticalities)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }
    Ok(())
}

async fn write_functionalities(
    c: &mut PgConnection,
    functionalities: &[&Functionality],
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if functionalities.is_empty() {
        return Ok(());
    }
    let slugs: Vec<&str> = functionalities.iter().map(|f| f.slug.as_str()).collect();
    let names: Vec<&str> = functionalities.iter().map(|f| f.name.as_str()).collect();
    let descriptions: Vec<&str> = functionalities
        .iter()
        .map(|f| f.description.as_str())
        .collect();
    let owners: Vec<Option<&str>> = functionalities
        .iter()
        .map(|f| f.owner_team.as_ref().map(Slug::as_str))
        .collect();
    sqlx::query(
        "INSERT INTO functionalities (slug, name, description, owner_team, source, updated_at) \
         SELECT f.slug, f.name, f.description, f.owner_team, $5, $6 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
         AS f (slug, name, description, owner_team) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         description = excluded.description, owner_team = excluded.owner_team, source = excluded.source, \
         updated_at = excluded.updated_at",
    )
    .bind(&slugs)
    .bind(names)
    .bind(descriptions)
    .bind(owners)
    .bind(source)
    .bind(now.as_millisecond())
    .execute(&mut *c)
    .await
    .map_err(constraint)?;
    for statement in [
        "DELETE FROM functionality_aliases WHERE functionality_slug = ANY($1::text[])",
        "DELETE FROM functionality_services WHERE functionality_slug = ANY($1::text[])",
    ] {
        exec_slugs(c, statement, &slugs).await?;
    }

    let (mut owners, mut positions, mut aliases) = (vec![], vec![], vec![]);
    for functionality in functionalities {
        for (index, alias) in functionality.aliases.iter().enumerate() {
            owners.push(functionality.slug.as_str());
            positions.push(position(index)?);
            aliases.push(alias.as_str());
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO functionality_aliases (functionality_slug, position, alias) \
             SELECT * FROM UNNEST($1::text[], $2::int[], $3::text[])",
        )
        .bind(owners)
        .bind(positions)
        .bind(aliases)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }

    let (mut owners, mut positions, mut backing) = (vec![], vec![], vec![]);
    for functionality in functionalities {
        for (index, service) in functionality.services.iter().enumerate() {
            owners.push(functionality.slug.as_str());
            positions.push(position(index)?);
            backing.push(service.as_str());
        }
    }
    if !owners.is_empty() {
        sqlx::query(
            "INSERT INTO functionality_services (functionality_slug, position, service_slug) \
             SELECT * FROM UNNEST($1::text[], $2::int[], $3::text[])",
        )
        .bind(owners)
        .bind(positions)
        .bind(backing)
        .execute(&mut *c)
        .await
        .map_err(constraint)?;
    }
    Ok(())
}

/// Writes `write` inside the caller's transaction, serialized with every
/// other catalog write by a transaction-scoped advisory lock.
pub(crate) async fn write_catalog(
    c: &mut PgConnection,
    write: &CatalogWrite<'_>,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CATALOG_WRITE_LOCK)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    insert_users(c, write.new_users).await?;
    apply(c, write.changes, write.source, write.now).await
}

async fn apply(
    c: &mut PgConnection,
    changes: &CatalogChanges,
    source: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Parents before children, and deletions in the reverse order, so every
    // reference resolves when its statement ends (PostgreSQL checks foreign
    // keys per statement).
    write_teams(c, &written(&changes.teams, |t| &t.slug), source, now).await?;
    let services = written(&changes.services, |s| &s.slug);
    write_service_rows(c, &services, source, now).await?;
    write_service_parts(c, &services).await?;
    let functionalities = written(&changes.functionalities, |f| &f.slug);
    write_functionalities(c, &functionalities, source, now).await?;

    exec_slugs(
        c,
        "DELETE FROM functionalities WHERE slug = ANY($1::text[])",
        &deleted(&changes.functionalities),
    )
    .await?;
    let services_gone = deleted(&changes.services);
    // Their own dependency rows go first: a service leaving with its
    // dependants in the same change set must not block on their edges.
    exec_slugs(
        c,
        "DELETE FROM service_dependencies WHERE service_slug = ANY($1::text[])",
        &services_gone,
    )
    .await?;
    exec_slugs(
        c,
        "DELETE FROM services WHERE slug = ANY($1::text[])",
        &services_gone,
    )
    .await?;
    exec_slugs(
        c,
        "DELETE FROM teams WHERE slug = ANY($1::text[])",
        &deleted(&changes.teams),
    )
    .await
}

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn load_catalog(&self) -> Result<Catalog, StoreError> {
        // One snapshot for every table, so a change set committing meanwhile
        // is seen whole or not at all. Text is ordered bytewise (COLLATE "C"),
        // as SQLite and `Slug`'s `Ord` do, whatever the database's locale.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(backend)?;
        let fetch = async |tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
                           statement: &'static str| {
            sqlx::query(statement)
                .fetch_all(&mut **tx)
                .await
                .map_err(backend)
        };
        let teams = fetch(&mut tx, r#"SELECT * FROM teams ORDER BY slug COLLATE "C""#).await?;
        let members = fetch(
            &mut tx,
            r#"SELECT * FROM team_members ORDER BY team_slug COLLATE "C", position"#,
        )
        .await?;
        let services = fetch(
            &mut tx,
            r#"SELECT * FROM services ORDER BY slug COLLATE "C""#,
        )
        .await?;
        let links = fetch(
            &mut tx,
            r#"SELECT * FROM service_links ORDER BY service_slug COLLATE "C", kind COLLATE "C", position"#,
        )
        .await?;
        let tags = fetch(
            &mut tx,
            r#"SELECT * FROM service_tags ORDER BY service_slug COLLATE "C", tag COLLATE "C""#,
        )
        .await?;
        let dependencies = fetch(
            &mut tx,
            r#"SELECT * FROM service_dependencies ORDER BY service_slug COLLATE "C", position"#,
        )
        .await?;
        let functionalities = fetch(
            &mut tx,
            r#"SELECT * FROM functionalities ORDER BY slug COLLATE "C""#,
        )
        .await?;
        let aliases = fetch(
            &mut tx,
            r#"SELECT * FROM functionality_aliases ORDER BY functionality_slug COLLATE "C", position"#,
        )
        .await?;
        let backing = fetch(
            &mut tx,
            r#"SELECT * FROM functionality_services ORDER BY functionality_slug COLLATE "C", position"#,
        )
        .await?;
        tx.commit().await.map_err(backend)?;

        fn wrap(rows: &[PgRow]) -> Vec<Row<'_>> {
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
        let mut tx = self.pool.begin().await.map_err(backend)?;
        write_catalog(&mut tx, write).await?;
        tx.commit().await.map_err(backend)
    }

    async fn catalog_source_entries(
        &self,
        source: &str,
    ) -> Result<BTreeSet<(EntryKind, Slug)>, StoreError> {
        let rows = sqlx::query(
            "SELECT 'team' AS kind, slug FROM teams WHERE source = $1 \
             UNION ALL SELECT 'service', slug FROM services WHERE source = $1 \
             UNION ALL SELECT 'functionality', slug FROM functionalities WHERE source = $1",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let kind = match get::<String>(r, "kind")?.as_str() {
                    "team" => EntryKind::Team,
                    "service" => EntryKind::Service,
                    "functionality" => EntryKind::Functionality,
                    other => return Err(corrupt(format!("unknown catalog entry kind {other:?}"))),
                };
                Ok((kind, slug(&get::<String>(r, "slug")?)?))
            })
            .collect()
    }
}
