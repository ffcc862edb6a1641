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

impl Engine {
    async fn send_one(&self, delivery: Delivery) -> Result<Option<DeliveryDecision>, EngineError> {
        let envelope = Envelope {
            delivery_id: delivery.id,
            recipient: &delivery.recipient,
            destination: &delivery.destination,
            notification: &delivery.notification,
        };
        let outcome: AttemptOutcome = muster_sinks::outcome(self.sinks.send(&envelope).await);
        metrics::attempt(delivery.destination.sink, &outcome);
        Ok(self
            .app
            .record_attempt(&self.config.node, &delivery, outcome, jitter())
            .await?)
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

    /// Sends deliveries leased to this node concurrently and records each
    /// attempt.
    pub(crate) async fn send_claimed(&self, claimed: Vec<Delivery>) -> Sent {
        let mut sent = Sent::default();
        let results: Vec<_> = futures::stream::iter(claimed)
            .map(|delivery| self.send_one(delivery))
            .buffer_unordered(self.config.send_concurrency.max(1))
            .collect()
            .await;
        for result in results {
            match result {
                Ok(Some(DeliveryDecision::Sent)) => sent.delivered += 1,
                Ok(Some(DeliveryDecision::RetryAt(_))) => sent.retrying += 1,
                Ok(Some(DeliveryDecision::Dead)) => sent.dead += 1,
                Ok(None) => sent.lost += 1,
                // The attempt could not be recorded (the database is down):
                // its lease lapses and the delivery is sent again later.
                Err(error) => {
                    tracing::warn!(%error, "could not record a send attempt");
                    sent.lost += 1;
                }
            }
        }
        sent
    }
}
