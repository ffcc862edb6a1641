//! A short-lived memory of verified API tokens.
//!
//! Every API request presents a token; looking its digest up in the database
//! each time costs a query per request. A verified token is remembered for a
//! few seconds. Revoking on this node forgets every entry at once; another
//! node sharing the database notices a revocation within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::accounts::Principal;

/// How long another node may keep accepting a token after it was revoked.
pub const TTL: Duration = Duration::from_secs(5);
/// Bounds memory under a flood of distinct (valid) tokens.
const CAPACITY: usize = 10_000;

#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl TokenCache {
    pub fn get(&self, digest: &[u8; 32]) -> Option<Principal> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(digest)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(principal, _)| principal.clone())
    }

    pub fn put(&self, digest: [u8; 32], principal: Principal) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(digest, (principal, Instant::now()));
    }

    pub fn forget_all(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}
