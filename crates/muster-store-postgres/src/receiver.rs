//! Group commit for alert signals on PostgreSQL. Every commit waits for the
//! WAL to reach the disk; rather than one transaction per ingest request,
//! the callers waiting at that moment share one (one lock statement, one
//! read, one insert), and a few such transactions run at once. A caller is
//! answered only after the commit holding its signals, and if a shared
//! transaction fails, each caller's signals are tried on their own, so one
//! bad caller never fails another.

use std::sync::Arc;

use muster_core::alert::Received;
use muster_store::StoreError;
use muster_store::alerts::ReceiveCall;
use sqlx::PgPool;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::alerts::receive_calls;
use crate::codec::backend;

type Reply = oneshot::Sender<Result<Vec<Received>, StoreError>>;

/// Shared transactions in flight at once: enough to keep the disk busy while
/// the next batch gathers, a small share of the pool.
const IN_FLIGHT: usize = 4;
/// Callers per shared transaction; bounds the latency of the last one.
const MAX_CALLS: usize = 256;

/// A handle to the receiving task; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Receiver {
    calls: mpsc::Sender<(ReceiveCall, Reply)>,
}

impl Receiver {
    pub(crate) fn spawn(pool: PgPool) -> Self {
        let (calls, waiting) = mpsc::channel(4096);
        tokio::spawn(run(pool, waiting));
        Self { calls }
    }

    /// Applies one caller's signals in the next shared transaction.
    pub(crate) async fn receive(&self, call: ReceiveCall) -> Result<Vec<Received>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.calls
            .send((call, reply))
            .await
            .map_err(|_| StoreError::Unavailable("the alert receiver has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the alert receiver stopped before committing".into())
        })?
    }
}

async fn run(pool: PgPool, mut waiting: mpsc::Receiver<(ReceiveCall, Reply)>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut batch = Vec::with_capacity(MAX_CALLS);
    loop {
        // Wait for a free slot first: callers arriving meanwhile join the batch.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        if waiting.recv_many(&mut batch, MAX_CALLS).await == 0 {
            return;
        }
        let jobs = std::mem::take(&mut batch);
        let pool = pool.clone();
        tokio::spawn(async move {
            apply(&pool, jobs).await;
            drop(slot);
        });
    }
}

async fn apply(pool: &PgPool, jobs: Vec<(ReceiveCall, Reply)>) {
    let (calls, replies): (Vec<ReceiveCall>, Vec<Reply>) = jobs.into_iter().unzip();
    match in_transaction(pool, &calls).await {
        Ok(received) => {
            for (reply, received) in replies.into_iter().zip(received) {
                // The caller may have gone away (request cancelled); the write stands.
                let _ = reply.send(Ok(received));
            }
        }
        Err(error) if calls.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
        Err(error) => {
            tracing::warn!(%error, calls = calls.len(), "shared alert receive failed; applying each caller's on its own");
            for (call, reply) in calls.iter().zip(replies) {
                let outcome = in_transaction(pool, std::slice::from_ref(call))
                    .await
                    .map(|mut received| received.pop().unwrap_or_default());
                let _ = reply.send(outcome);
            }
        }
    }
}

async fn in_transaction(
    pool: &PgPool,
    calls: &[ReceiveCall],
) -> Result<Vec<Vec<Received>>, StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    let received = receive_calls(&mut tx, calls).await?;
    tx.commit().await.map_err(backend)?;
    Ok(received)
}
