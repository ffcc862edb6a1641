//! Sign-in throttling: per client address and per account, so neither one
//! machine nor a botnet aimed at one account can guess passwords quickly.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
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
        let now = DefaultClock::default().now();
        self.by_address
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(now))?;
        self.by_account
            .check_key(&email.trim().to_lowercase())
            .map_err(|not_until| not_until.wait_time_from(now))?;
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
