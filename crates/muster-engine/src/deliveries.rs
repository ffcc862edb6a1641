//! The outbox workers: claim due deliveries under a lease, send each
//! through its sink outside any transaction, and record the attempt (the
//! application decides the retry or the follow-up of a dead delivery).

use futures::StreamExt;
use muster_core::paging::{AttemptOutcome, Delivery, DeliveryDecision};
use muster_sinks::Envelope;

use crate::{Engine, EngineError, metrics};

/// Send attempts of one batch, by what came of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub delivered: usize,
    pub retrying: usize,
    pub dead: usize,
    /// Attempts whose lease was lost before they were recorded (another
    /// node redoes them).
    pub lost: usize,
}

impl Sent {
    pub fn attempts(&self) -> usize {
        self.delivered + self.retrying + self.dead + self.lost
    }

    pub(crate) fn add(&mut self, other: &Sent) {
        self.delivered += other.delivered;
        self.retrying += other.retrying;
        self.dead += other.dead;
        self.lost += other.lost;
    }
}

/// A number in `[0, 1)` to spread retries; a fixed middle if the system
/// has no randomness to give (retries still happen, just less spread).
fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

/// Batches of attempts one sender records at the same time.
const RECORDS_IN_FLIGHT: usize = 4;

impl Engine {
    async fn send_one(&self, delivery: Delivery) -> (Delivery, AttemptOutcome, f64) {
        // A status-page subscriber's webhook is signed with its own key.
        let secret = match self.app.delivery_signing_secret(&delivery).await {
            Ok(secret) => secret,
            Err(error) => {
                let outcome = AttemptOutcome::Retryable {
                    reason: format!("cannot read the subscriber's signing key: {error}"),
                    retry_after: None,
                };
                return (delivery, outcome, jitter());
            }
        };
        let envelope = Envelope {
            delivery_id: delivery.id,
            recipient: &delivery.recipient,
            destination: &delivery.destination,
            notification: &delivery.notification,
            signing_secret: secret.as_deref(),
        };
        let outcome: AttemptOutcome = muster_sinks::outcome(self.sinks.send(&envelope).await);
        metrics::attempt(delivery.destination.sink, &outcome);
        (delivery, outcome, jitter())
    }

    /// Claims one batch of due deliveries and sends them concurrently.
    pub(crate) async fn send_due_once(&self) -> Result<Sent, EngineError> {
        let limit = u32::try_from(self.config.send_concurrency).unwrap_or(64);
        let claimed = self
            .app
            .claim_deliveries(&self.config.node, self.config.lease, limit)
            .await?;
        metrics::claimed(&claimed, self.app.now());
        Ok(self.send_claimed(claimed).await)
    }

    /// Sends deliveries leased to this node concurrently and records the
    /// attempts that finished together in one transaction, so a fast sink
    /// is recorded at once and a slow one does not hold the others. Sends
    /// go on while earlier attempts are being recorded.
    pub(crate) async fn send_claimed(&self, claimed: Vec<Delivery>) -> Sent {
        let concurrency = self.config.send_concurrency.max(1);
        let recorded: Vec<_> = futures::stream::iter(claimed)
            .map(|delivery| self.send_one(delivery))
            .buffer_unordered(concurrency)
            .ready_chunks(concurrency)
            .map(|attempts| async move {
                let count = attempts.len();
                let decisions = self.app.record_attempts(&self.config.node, attempts).await;
                (count, decisions)
            })
            .buffer_unordered(RECORDS_IN_FLIGHT)
            .collect()
            .await;
        let mut sent = Sent::default();
        for (count, decisions) in recorded {
            match decisions {
                Ok(decisions) => {
                    for decision in decisions {
                        match decision {
                            Some(DeliveryDecision::Sent) => sent.delivered += 1,
                            Some(DeliveryDecision::RetryAt(_)) => sent.retrying += 1,
                            Some(DeliveryDecision::Dead) => sent.dead += 1,
                            None => sent.lost += 1,
                        }
                    }
                }
                // The attempts could not be recorded (the database is down):
                // their leases lapse and the deliveries are sent again later.
                Err(error) => {
                    tracing::warn!(%error, "could not record send attempts");
                    sent.lost += count;
                }
            }
        }
        sent
    }
}
