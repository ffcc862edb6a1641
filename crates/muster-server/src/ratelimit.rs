//! Sign-in throttling: per client address and per account, so neither one
//! machine nor a botnet aimed at one account can guess passwords quickly.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct LoginLimiter {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
}

const PER_ADDRESS_PER_MINUTE: u32 = 10;
const PER_ACCOUNT_PER_MINUTE: u32 = 5;

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl LoginLimiter {
    pub fn new() -> Self {
        Self {
            by_address: RateLimiter::keyed(quota(PER_ADDRESS_PER_MINUTE)),
            by_account: RateLimiter::keyed(quota(PER_ACCOUNT_PER_MINUTE)),
        }
    }

    /// `Err(wait)` when this attempt must be refused.
    pub fn check(&self, address: IpAddr, email: &str) -> Result<(), Duration> {
        self.by_address
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(self.by_address.clock().now()))?;
        self.by_account
            .check_key(&email.trim().to_lowercase())
            .map_err(|not_until| not_until.wait_time_from(self.by_account.clock().now()))?;
        // Keep memory bounded under a spray of distinct keys.
        if self.by_address.len() > 100_000 {
            self.by_address.retain_recent();
        }
        if self.by_account.len() > 100_000 {
            self.by_account.retain_recent();
        }
        Ok(())
    }
}

/// Ingest throttling per integration key: a runaway monitor gets 429 with
/// Retry-After (and PagerDuty-compatible senders back off) while every other
/// integration keeps flowing.
pub struct IngestLimiter {
    by_key: DefaultKeyedRateLimiter<[u8; 32]>,
}

/// Requests one key may make per second, sustained, unless the server is
/// configured otherwise (`ingest_rate_limit`); bursts of a second's worth
/// more are let through.
pub const INGEST_PER_KEY_PER_SECOND: u32 = 5_000;

impl Default for IngestLimiter {
    fn default() -> Self {
        Self::new(INGEST_PER_KEY_PER_SECOND)
    }
}

impl IngestLimiter {
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        Self {
            by_key: RateLimiter::keyed(Quota::per_second(rate)),
        }
    }

    /// `Err(wait)` when this request must be refused. Keyed by the key's
    /// digest: the key itself is never kept.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let digest = muster_app::secrets::digest(key.trim());
        // The limiter's own clock: making a clock calibrates it, far too
        // slow for every request.
        self.by_key
            .check_key(&digest)
            .map_err(|not_until| not_until.wait_time_from(self.by_key.clock().now()))?;
        if self.by_key.len() > 100_000 {
            self.by_key.retain_recent();
        }
        Ok(())
    }
}

/// Status-page subscriptions: per client address, and per subscribed
/// address, so the public form cannot be used to flood a mailbox with
/// confirmation mails nor muster's outbox with subscriptions.
pub struct SubscribeLimiter {
    by_client: DefaultKeyedRateLimiter<IpAddr>,
    by_target: DefaultKeyedRateLimiter<String>,
    /// Confirmation and unsubscribe links, so their tokens cannot be
    /// guessed at speed (they are 256-bit anyway).
    links_by_client: DefaultKeyedRateLimiter<IpAddr>,
}

const SUBSCRIBE_PER_CLIENT_PER_MINUTE: u32 = 10;
const SUBSCRIBE_PER_TARGET_PER_HOUR: u32 = 3;
const LINKS_PER_CLIENT_PER_MINUTE: u32 = 30;

impl Default for SubscribeLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl SubscribeLimiter {
    pub fn new() -> Self {
        let per_hour = NonZeroU32::new(SUBSCRIBE_PER_TARGET_PER_HOUR).unwrap_or(NonZeroU32::MIN);
        Self {
            by_client: RateLimiter::keyed(quota(SUBSCRIBE_PER_CLIENT_PER_MINUTE)),
            by_target: RateLimiter::keyed(Quota::per_hour(per_hour)),
            links_by_client: RateLimiter::keyed(quota(LINKS_PER_CLIENT_PER_MINUTE)),
        }
    }

    /// `Err(wait)` when this request must be refused.
    pub fn check(&self, client: IpAddr, target: &str) -> Result<(), Duration> {
        self.by_client
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.by_client.clock().now()))?;
        self.by_target
            .check_key(&target.trim().to_lowercase())
            .map_err(|not_until| not_until.wait_time_from(self.by_target.clock().now()))?;
        if self.by_client.len() > 100_000 {
            self.by_client.retain_recent();
        }
        if self.by_target.len() > 100_000 {
            self.by_target.retain_recent();
        }
        Ok(())
    }

    /// Confirmation and unsubscribe links: per client only.
    pub fn check_link(&self, client: IpAddr) -> Result<(), Duration> {
        let checked = self
            .links_by_client
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.links_by_client.clock().now()));
        if self.links_by_client.len() > 100_000 {
            self.links_by_client.retain_recent();
        }
        checked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_throttled_after_a_few_attempts_from_anywhere() {
        let limiter = LoginLimiter::new();
        let results: Vec<bool> = (0..8u8)
            .map(|n| {
                limiter
                    .check(IpAddr::from([10, 0, 0, n]), "ada@example.com")
                    .is_ok()
            })
            .collect();
        assert_eq!(
            results.iter().filter(|ok| **ok).count(),
            PER_ACCOUNT_PER_MINUTE as usize
        );
        assert!(
            limiter
                .check(IpAddr::from([10, 0, 0, 1]), "bob@example.com")
                .is_ok()
        );
    }
}
