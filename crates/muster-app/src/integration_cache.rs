//! A short-lived memory of integrations by their key's digest.
//!
//! Every ingest request names its integration by key; reading it from the
//! database each time costs a query per alert batch at storm rates. An
//! integration found is remembered for [`TTL`]: integrations are never
//! deleted and their settings are fixed at creation, so the only thing a
//! stale entry could miss is nothing at all. Unknown keys are not
//! remembered, so a new integration works at once on every node.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use muster_store::alerts::Integration;

pub const TTL: Duration = Duration::from_secs(30);
/// Bounds memory (integrations are few; keys are not guessable).
const CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
pub struct IntegrationCache {
    entries: Mutex<HashMap<[u8; 32], (Integration, Instant)>>,
}

impl IntegrationCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], (Integration, Instant)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, digest: &[u8; 32]) -> Option<Integration> {
        self.lock()
            .get(digest)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(integration, _)| integration.clone())
    }

    pub fn put(&self, digest: [u8; 32], integration: Integration) {
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(digest, (integration, Instant::now()));
    }
}
