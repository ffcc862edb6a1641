//! Storage port of the catalog.

use std::collections::BTreeSet;

use async_trait::async_trait;
use muster_core::catalog::Catalog;
use muster_core::catalog::changes::{CatalogChanges, EntryKind};
use muster_core::{Slug, User};

use crate::StoreError;

/// A set of catalog changes to commit together.
#[derive(Debug, Clone)]
pub struct CatalogWrite<'a> {
    pub changes: &'a CatalogChanges,
    /// Users to create if their email is not taken yet (Backstage users).
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
