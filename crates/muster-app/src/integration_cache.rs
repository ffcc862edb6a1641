//! A short-lived memory of integrations by their key's digest.
//!
//! Every ingest request names its integration by key; reading it from the
//! database each time costs a query per alert batch at storm rates. An
//! integration found is remembered for [`TTL`]. A plan apply changes an
//! integration's settings or retires it, and a rotation replaces its key:
//! each forgets every entry on this node at once, so the old key is refused
//! from the next request on; another node sharing the database notices
//! within [`TTL`] (as it notices a revoked API token). Unknown keys are not
//! remembered, so a new integration works at once on every node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use muster_store::alerts::Integration;

/// How long another node may keep taking a retired or replaced key.
pub const TTL: Duration = Duration::from_secs(5);
/// Bounds memory (integrations are few; keys are not guessable).
const CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
pub struct IntegrationCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<[u8; 32], (Integration, Instant)>,
    /// Bumped by every [`IntegrationCache::forget_all`]: a lookup that read
    /// the store before a rotation must not put the old key back.
    generation: u64,
}

impl IntegrationCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read before looking an integration up in the store; hand it to [`Self::put`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn get(&self, digest: &[u8; 32]) -> Option<Integration> {
        self.lock()
            .entries
            .get(digest)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(integration, _)| integration.clone())
    }

    /// Remembers what a lookup begun at `generation` found, unless
    /// something was forgotten since.
    pub fn put(&self, digest: [u8; 32], integration: Integration, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if inner.entries.len() >= CAPACITY {
                inner.entries.clear();
            }
        }
        inner.entries.insert(digest, (integration, Instant::now()));
    }

    /// Forgets everything: an integration changed, retired or got a new key.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_core::{IntegrationId, UserId};
    use muster_store::alerts::IntegrationOrigin;

    fn integration() -> Integration {
        Integration {
            id: IntegrationId(uuid::Uuid::now_v7()),
            name: "am".into(),
            kind: "alertmanager".into(),
            service: None,
            team: None,
            key_digest: [1; 32],
            config: "{}".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            created_by: UserId(uuid::Uuid::now_v7()),
            origin: IntegrationOrigin::Hand,
            retired_at: None,
        }
    }

    #[test]
    fn forgetting_drops_entries_and_refuses_lookups_begun_before() {
        let cache = IntegrationCache::default();
        let before = cache.generation();
        cache.put([1; 32], integration(), before);
        assert!(cache.get(&[1; 32]).is_some());
        // A lookup starts, a rotation forgets, then the lookup's answer lands.
        let started = cache.generation();
        cache.forget_all();
        assert!(cache.get(&[1; 32]).is_none());
        cache.put([1; 32], integration(), started);
        assert!(
            cache.get(&[1; 32]).is_none(),
            "the stale answer is not kept"
        );
        cache.put([1; 32], integration(), cache.generation());
        assert!(cache.get(&[1; 32]).is_some());
    }
}
