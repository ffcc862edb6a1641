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
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<[u8; 32], (Principal, Instant)>,
    /// Bumped by every [`TokenCache::forget_all`]: a lookup that started
    /// before a revocation must not put back what the revocation removed.
    generation: u64,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read before looking a token up in the store; hand it to [`Self::put`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn get(&self, digest: &[u8; 32]) -> Option<Principal> {
        self.lock()
            .entries
            .get(digest)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(principal, _)| principal.clone())
    }

    /// Remembers a verified token, unless the cache was cleared since
    /// `generation` was read (the principal may be stale).
    pub fn put(&self, digest: [u8; 32], principal: Principal, generation: u64) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        let entries = &mut inner.entries;
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(digest, (principal, Instant::now()));
    }

    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use muster_core::{Actor, User, UserId, UserRole};

    use super::*;

    fn principal() -> Principal {
        let user = User::new(
            UserId(uuid::Uuid::nil()),
            "ada@example.com".into(),
            "Ada".into(),
            UserRole::Admin,
            jiff::Timestamp::UNIX_EPOCH,
        );
        Principal {
            actor: Actor {
                user_id: user.id,
                role: user.role,
            },
            user,
        }
    }

    #[test]
    fn a_lookup_that_raced_a_revocation_is_not_remembered() {
        let cache = TokenCache::default();
        let seen = cache.generation();
        cache.forget_all(); // a revocation lands while the lookup is in flight
        cache.put([1; 32], principal(), seen);
        assert!(
            cache.get(&[1; 32]).is_none(),
            "the stale principal is dropped"
        );
        cache.put([1; 32], principal(), cache.generation());
        assert!(cache.get(&[1; 32]).is_some());
    }
}
