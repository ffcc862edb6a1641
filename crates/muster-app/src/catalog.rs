//! Catalog use cases: read, edit one entry, sync a whole document, and ask
//! the dependency graph what a failure takes with it.

use muster_core::catalog::changes::{CatalogChanges, Change, ChangeKind, Prune, diff};
use muster_core::catalog::graph::{Backing, BlastRadius, CatalogGraph};
use muster_core::catalog::{Catalog, Functionality, Service, Team};
use muster_core::{Actor, Permission, Slug, User};
use muster_store::CatalogWrite;

use crate::accounts::require;
use crate::{App, AppError};

fn deletion<T>(slug: &Slug) -> Change<T> {
    Change {
        kind: ChangeKind::Delete,
        slug: slug.clone(),
        desired: None,
    }
}

/// What a sync of a whole document should do.
#[derive(Debug, Clone)]
pub struct Sync {
    pub desired: Catalog,
    pub prune: SyncPrune,
    /// Recorded on what the sync writes (`backstage:…`, `plan`).
    pub source: Option<String>,
    /// People the document names (email, display name), created as
    /// responders without a password if their email is new.
    pub people: Vec<(String, String)>,
    /// Compute and return the plan without writing.
    pub dry_run: bool,
}

/// Which absent entries a sync deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPrune {
    /// Nothing; absent entries are reported as would-delete.
    Nothing,
    /// What this sync's source wrote before.
    OwnEntries,
    /// Everything absent (the document is the whole catalog).
    Everything,
}

impl App {
    pub async fn catalog(&self, actor: &Actor) -> Result<Catalog, AppError> {
        require(actor, Permission::ReadIncidents)?;
        Ok(self.store.load_catalog().await?)
    }

    /// Checks that `changes` leave a sound catalog, then commits them.
    async fn commit_catalog(
        &self,
        current: &Catalog,
        changes: &CatalogChanges,
        new_users: &[User],
        source: Option<&str>,
    ) -> Result<(), AppError> {
        let errors = changes.apply_to(current).validate();
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        if changes.is_empty() && new_users.is_empty() {
            return Ok(());
        }
        self.store
            .apply_catalog(&CatalogWrite {
                changes,
                new_users,
                source,
                now: self.now(),
            })
            .await?;
        self.forget_routing_context();
        Ok(())
    }

    async fn put<T: Clone + PartialEq>(
        &self,
        actor: &Actor,
        entry: T,
        slug_of: fn(&T) -> &Slug,
        place: fn(&mut CatalogChanges, Change<T>),
        existing: fn(&Catalog, &Slug) -> Option<T>,
    ) -> Result<T, AppError> {
        require(actor, Permission::ManageCatalog)?;
        let current = self.store.load_catalog().await?;
        let slug = slug_of(&entry).clone();
        let kind = match existing(&current, &slug) {
            None => ChangeKind::Create,
            Some(old) if old == entry => ChangeKind::Unchanged,
            Some(_) => ChangeKind::Update,
        };
        let mut changes = CatalogChanges::default();
        place(
            &mut changes,
            Change {
                kind,
                slug,
                desired: Some(entry.clone()),
            },
        );
        self.commit_catalog(&current, &changes, &[], None).await?;
        Ok(entry)
    }

    /// Creates or replaces a team.
    pub async fn put_team(&self, actor: &Actor, team: Team) -> Result<Team, AppError> {
        self.put(
            actor,
            team,
            |t| &t.slug,
            |c, x| c.teams.push(x),
            |cat, s| cat.team(s).cloned(),
        )
        .await
    }

    /// Creates or replaces a service (its dependencies included).
    pub async fn put_service(&self, actor: &Actor, service: Service) -> Result<Service, AppError> {
        self.put(
            actor,
            service,
            |s| &s.slug,
            |c, x| c.services.push(x),
            |cat, s| cat.service(s).cloned(),
        )
        .await
    }

    pub async fn put_functionality(
        &self,
        actor: &Actor,
        functionality: Functionality,
    ) -> Result<Functionality, AppError> {
        self.put(
            actor,
            functionality,
            |f| &f.slug,
            |c, x| c.functionalities.push(x),
            |cat, s| cat.functionality(s).cloned(),
        )
        .await
    }

    /// Deletes an entry nothing else refers to; otherwise says what still does.
    pub async fn delete_catalog_entry(
        &self,
        actor: &Actor,
        kind: muster_core::catalog::changes::EntryKind,
        slug: &Slug,
    ) -> Result<(), AppError> {
        use muster_core::catalog::changes::EntryKind;
        require(actor, Permission::ManageCatalog)?;
        let current = self.store.load_catalog().await?;
        let exists = match kind {
            EntryKind::Team => current.team(slug).is_some(),
            EntryKind::Service => current.service(slug).is_some(),
            EntryKind::Functionality => current.functionality(slug).is_some(),
        };
        if !exists {
            return Err(AppError::not_found(kind.as_str(), slug));
        }
        let mut changes = CatalogChanges::default();
        match kind {
            EntryKind::Team => changes.teams.push(deletion(slug)),
            EntryKind::Service => changes.services.push(deletion(slug)),
            EntryKind::Functionality => changes.functionalities.push(deletion(slug)),
        }
        match self.commit_catalog(&current, &changes, &[], None).await {
            Err(AppError::Invalid(fields)) => Err(AppError::Conflict {
                code: "still_referenced",
                message: format!(
                    "{} {slug} is still referred to: {}",
                    kind.as_str(),
                    fields
                        .iter()
                        .map(|f| f.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            other => other,
        }
    }

    /// Turns the catalog into `sync.desired` (or, with `dry_run`, only says how).
    pub async fn sync_catalog(
        &self,
        actor: &Actor,
        sync: Sync,
    ) -> Result<CatalogChanges, AppError> {
        require(actor, Permission::ManageCatalog)?;
        let current = self.store.load_catalog().await?;
        let prune = match (sync.prune, &sync.source) {
            (SyncPrune::Nothing, _) => Prune::Nothing,
            (SyncPrune::Everything, _) => Prune::Everything,
            (SyncPrune::OwnEntries, Some(source)) => {
                Prune::Only(self.store.catalog_source_entries(source).await?)
            }
            (SyncPrune::OwnEntries, None) => Prune::Nothing,
        };
        let changes = diff(&current, &sync.desired, &prune);
        let errors = changes.apply_to(&current).validate();
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        if !sync.dry_run {
            let now = self.now();
            let people: Vec<User> = sync
                .people
                .into_iter()
                .map(|(email, name)| {
                    User::new(
                        muster_core::UserId(uuid::Uuid::now_v7()),
                        email,
                        name,
                        muster_core::UserRole::Responder,
                        now,
                    )
                })
                .collect();
            self.commit_catalog(&current, &changes, &people, sync.source.as_deref())
                .await?;
        }
        Ok(changes)
    }

    /// What fails or degrades when `service` fails.
    pub async fn blast_radius(
        &self,
        actor: &Actor,
        service: &Slug,
    ) -> Result<BlastRadius, AppError> {
        let catalog = self.catalog(actor).await?;
        CatalogGraph::new(&catalog.services, &catalog.functionalities)
            .blast_radius(service)
            .ok_or_else(|| AppError::not_found("service", service))
    }

    /// The services a functionality stands on.
    pub async fn backing(&self, actor: &Actor, functionality: &Slug) -> Result<Backing, AppError> {
        let catalog = self.catalog(actor).await?;
        CatalogGraph::new(&catalog.services, &catalog.functionalities)
            .backing(functionality)
            .ok_or_else(|| AppError::not_found("functionality", functionality))
    }
}
