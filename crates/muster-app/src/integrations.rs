//! One integration by name, and a new key for it: rotating keeps the
//! integration, its settings and its alerts, and the old key is refused
//! from then on.

use muster_core::{Actor, Permission};
use muster_store::alerts::Integration;

use crate::accounts::require;
use crate::alerts::new_key;
use crate::{App, AppError, secrets};

impl App {
    /// The integration called `name`, retired or not.
    pub async fn integration(&self, actor: &Actor, name: &str) -> Result<Integration, AppError> {
        require(actor, Permission::ReadIncidents)?;
        self.integration_named(name).await
    }

    async fn integration_named(&self, name: &str) -> Result<Integration, AppError> {
        let name = name.trim();
        // Integrations are few; the store lists them in one small read.
        self.store
            .integrations()
            .await?
            .into_iter()
            .find(|i| i.name == name)
            .ok_or_else(|| AppError::not_found("integration", name))
    }

    /// Gives the integration called `name` a new key and returns it with the
    /// key, which is never shown again. The old key stops working on this
    /// node at once (see `integration_cache`). A plan-made integration may
    /// be rotated too: the plan never holds its key.
    pub async fn rotate_integration_key(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(Integration, String), AppError> {
        require(actor, Permission::ManageCatalog)?;
        let found = self.integration_named(name).await?;
        if found.retired_at.is_some() {
            return Err(AppError::ConflictOn {
                code: "integration_retired",
                field: "name",
                message: format!(
                    "integration {} is retired (its plan no longer declares it); a retired integration takes no alerts and gets no key",
                    found.name
                ),
            });
        }
        let key = new_key()?;
        let digest = secrets::digest(&key);
        let rotated = self
            .store
            .rotate_integration_key(found.id, &found.key_digest, &digest)
            .await?;
        // Forgotten whatever happened: the cache must not keep a key the
        // store may have replaced.
        self.known_integrations.forget_all();
        if !rotated {
            return Err(AppError::Conflict {
                code: "version_conflict",
                message: format!(
                    "integration {} changed while its key was rotated (rotated again, or retired); run it again",
                    found.name
                ),
            });
        }
        tracing::info!(integration = %found.name, user = %actor.user_id, "integration key rotated");
        Ok((
            Integration {
                key_digest: digest,
                ..found
            },
            key,
        ))
    }

    /// Forgets the integrations this node remembers by key, after a write
    /// that changed, retired or re-keyed one.
    pub(crate) fn forget_integrations(&self) {
        self.known_integrations.forget_all();
        self.forget_routing_context();
    }
}
