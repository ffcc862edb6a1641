//! The engine: muster's background work, level-triggered. Each cycle
//! re-reads what is due from the database and lets the application (and
//! through it the core) decide: escalation steps fire into outbox rows in
//! the same transaction, and the outbox workers send those rows afterwards,
//! outside any transaction, with retries.
//!
//! Every module belongs to one [`Engine`], which a test drives cycle by
//! cycle ([`Engine::run_cycle_once`], [`Engine::drain_deliveries`]) and
//! `muster serve` runs under [`Engine::run`] until shutdown. Several nodes
//! on one PostgreSQL database each run an engine; the store's claims make
//! each step fire once and each delivery be sent by one node at a time.

mod deliveries;
mod heartbeats;
mod maintenance;
mod metrics;
mod reminders;
mod routing;
mod runbooks;

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use muster_app::{App, AppError};
use muster_core::Timestamp;
use muster_sinks::Sinks;
use muster_store::{DeliveryClaim, EngineClaim};

pub use deliveries::Sent;
pub use metrics::describe_metrics;

/// How an engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This node's name: lease owner of what it claims.
    pub node: String,
    /// The longest sleep between cycles (work due sooner wakes it sooner).
    pub cycle: Duration,
    /// How long a claimed delivery stays this node's before another may
    /// redo it; far longer than a send can take.
    pub lease: SignedDuration,
    /// Pages fired per transaction.
    pub fire_batch: u32,
    /// Deliveries one outbox worker claims and sends at once.
    pub send_concurrency: usize,
    /// Outbox workers per node. Each claims, sends and records its own
    /// batch, so one worker waiting for its batch's commit never leaves
    /// the sinks idle.
    pub outbox_workers: usize,
    /// How often overdue plan reviews are looked for.
    pub reminders_every: Duration,
    /// This process holds the database exclusively (SQLite's lock file):
    /// an engine lease found in it was left by a process that died (a
    /// `kill -9`), so it is taken over instead of waited out.
    pub exclusive_store: bool,
}

impl EngineConfig {
    /// The defaults for a node called `node`.
    pub fn new(node: impl Into<String>) -> Self {
        Self {
            node: node.into(),
            cycle: Duration::from_secs(1),
            lease: SignedDuration::from_secs(60),
            fire_batch: 500,
            send_concurrency: 64,
            outbox_workers: 4,
            reminders_every: Duration::from_secs(15 * 60),
            exclusive_store: false,
        }
    }
}

/// Why the engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Another node holds the engine lease of this (SQLite) database.
    #[error(
        "another muster engine ({owner}) runs on this database until {until}; SQLite runs one engine per file — use PostgreSQL for several nodes"
    )]
    AlreadyRunning { owner: String, until: Timestamp },
    #[error(transparent)]
    App(#[from] AppError),
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    /// Missed heartbeats raised as alerts.
    pub heartbeats_missed: usize,
    /// Heartbeat alerts resolved by a beat.
    pub heartbeats_back: usize,
    /// Alerts routed.
    pub routed: usize,
    /// Escalation steps fired.
    pub fired: usize,
    /// Runbook steps run (done, failed or waiting).
    pub steps: usize,
    /// Send attempts made, by outcome.
    pub sent: Sent,
    /// Maintenance notices published (reminders, starts, ends).
    pub maintenance_notices: usize,
}

/// The engine of one node.
#[derive(Clone)]
pub struct Engine {
    app: App,
    sinks: Arc<Sinks>,
    config: EngineConfig,
    /// Wakes the outbox workers after a firing.
    outbox: Arc<tokio::sync::Notify>,
    /// Batches the escalation loop leased in its firing's transaction and
    /// sends itself: one permit each, as many as there are outbox workers.
    handoffs: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("node", &self.config.node)
            .finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(app: App, sinks: Arc<Sinks>, config: EngineConfig) -> Self {
        Self {
            app,
            sinks,
            handoffs: Arc::new(tokio::sync::Semaphore::new(config.outbox_workers.max(1))),
            config,
            outbox: Arc::default(),
        }
    }

    pub fn node(&self) -> &str {
        &self.config.node
    }

    /// Takes the engine lease, or says who holds it.
    pub async fn claim(&self) -> Result<(), EngineError> {
        if self.config.exclusive_store {
            return Ok(self
                .app
                .take_over_engine(&self.config.node, self.config.lease)
                .await?);
        }
        match self
            .app
            .claim_engine(&self.config.node, self.config.lease)
            .await?
        {
            EngineClaim::Granted => Ok(()),
            EngineClaim::HeldBy { owner, until } => {
                Err(EngineError::AlreadyRunning { owner, until })
            }
        }
    }

    /// Fires every due escalation step.
    pub async fn fire_due(&self) -> Result<usize, EngineError> {
        let fired = self.app.fire_due_pages(self.config.fire_batch).await?;
        metrics::fired(&fired, self.app.now());
        if !fired.is_empty() {
            self.wake_outbox();
        }
        Ok(fired.len())
    }

    /// Fires every due escalation step and sends what it fired at once:
    /// the firing's transaction leases the due deliveries to this node, so
    /// a page's first notification waits for no claim. When every handoff
    /// is still sending, the outbox workers claim them instead.
    async fn fire_and_send(&self) -> Result<usize, EngineError> {
        let Ok(permit) = self.handoffs.clone().try_acquire_owned() else {
            return self.fire_due().await;
        };
        let claim = DeliveryClaim {
            node: self.config.node.clone(),
            lease: self.config.lease,
            limit: u32::try_from(self.config.send_concurrency).unwrap_or(64),
        };
        let (fired, claimed) = self
            .app
            .fire_due_pages_and_claim(self.config.fire_batch, claim)
            .await?;
        metrics::fired(&fired, self.app.now());
        let fired_deliveries: usize = fired.iter().map(|f| f.deliveries).sum();
        if fired_deliveries > claimed.len() {
            // More fired than one handoff takes: the rest wait for a worker.
            self.outbox.notify_one();
        }
        if !claimed.is_empty() {
            metrics::claimed(&claimed, self.app.now());
            let engine = self.clone();
            tokio::spawn(async move {
                engine.send_claimed(claimed).await;
                drop(permit);
            });
        }
        Ok(fired.len())
    }

    /// One cycle: check heartbeats, route pending alerts (a missed beat's
    /// among them), run due runbook steps, fire what is due, then send what
    /// is due (one batch).
    pub async fn run_cycle_once(&self) -> Result<CycleReport, EngineError> {
        let beats = self.check_heartbeats().await?;
        let routed = self.route_alerts().await?.routed;
        let steps = self.run_due_steps().await?;
        let fired = self.fire_due().await?;
        let maintenance_notices = self.tell_maintenances().await?;
        let sent = self.send_due_once().await?;
        Ok(CycleReport {
            maintenance_notices,
            heartbeats_missed: beats.raised,
            heartbeats_back: beats.resolved,
            routed,
            fired,
            steps: steps.done + steps.failed + steps.waiting,
            sent,
        })
    }

    /// Sends due deliveries until none is due now (retries scheduled for
    /// later stay for later). For tests and shutdown.
    pub async fn drain_deliveries(&self) -> Result<Sent, EngineError> {
        let mut total = Sent::default();
        loop {
            let sent = self.send_due_once().await?;
            if sent.attempts() == 0 {
                return Ok(total);
            }
            total.add(&sent);
        }
    }

    /// Runs every module until `shutdown` resolves, then lets in-flight
    /// sends finish and gives the lease back.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), EngineError> {
        self.claim().await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut modules = vec![
            tokio::spawn(self.clone().escalations(stopped.clone())),
            tokio::spawn(self.clone().lease_keeper(stopped.clone())),
            tokio::spawn(self.clone().routing(stopped.clone())),
            tokio::spawn(self.clone().heartbeats(stopped.clone())),
            tokio::spawn(self.clone().runbooks(stopped.clone())),
            tokio::spawn(self.clone().maintenance(stopped.clone())),
        ];
        for _ in 0..self.config.outbox_workers.max(1) {
            modules.push(tokio::spawn(self.clone().outbox_worker(stopped.clone())));
        }
        modules.push(tokio::spawn(reminders::run(
            self.app.clone(),
            self.config.reminders_every,
            stopped,
        )));
        shutdown.await;
        let _ = stop.send(true);
        for module in modules {
            if let Err(error) = module.await {
                tracing::error!(%error, "an engine module stopped abnormally");
            }
        }
        // Every permit back: no handoff is still sending.
        let workers = u32::try_from(self.config.outbox_workers.max(1)).unwrap_or(u32::MAX);
        let _ = self.handoffs.acquire_many(workers).await;
        if let Err(error) = self.app.release_engine(&self.config.node).await {
            tracing::warn!(%error, "could not release the engine lease; it lapses by itself");
        }
        Ok(())
    }

    /// Wakes every idle outbox worker, and the next one to wait if none is.
    fn wake_outbox(&self) {
        self.outbox.notify_waiters();
        self.outbox.notify_one();
    }

    /// How long to sleep before the next due work (at most one cycle).
    async fn pause(&self) -> Duration {
        match self.app.next_work_due().await {
            Ok(Some(due)) => {
                let wait = due.duration_since(self.app.now());
                Duration::try_from(wait)
                    .unwrap_or(Duration::ZERO)
                    .min(self.config.cycle)
            }
            Ok(None) => self.config.cycle,
            Err(error) => {
                tracing::warn!(%error, "could not read when work is due");
                self.config.cycle
            }
        }
    }

    async fn escalations(self, mut stopped: tokio::sync::watch::Receiver<bool>) {
        let wakeups = self.app.engine_wakeups();
        while !*stopped.borrow() {
            if let Err(error) = self.fire_and_send().await {
                // A busy or restarting database is retried on the next cycle.
                tracing::warn!(%error, "escalation cycle failed");
            }
            // Whatever woke us (a delivery brought forward, a lapsed lease)
            // may be outbox work too: one worker looks, and calls on no
            // other unless its batch was full.
            self.outbox.notify_one();
            let pause = self.pause().await;
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = wakeups.notified() => {}
                _ = stopped.changed() => {}
            }
        }
    }

    async fn outbox_worker(self, mut stopped: tokio::sync::watch::Receiver<bool>) {
        while !*stopped.borrow() {
            let busy = match self.send_due_once().await {
                Ok(sent) => sent.attempts() >= self.config.send_concurrency,
                Err(error) => {
                    tracing::warn!(%error, "outbox cycle failed");
                    false
                }
            };
            if busy {
                // A full batch: there may be more, so call on another worker
                // and go on.
                self.outbox.notify_one();
                continue;
            }
            let pause = self.pause().await;
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = self.outbox.notified() => {}
                _ = stopped.changed() => {}
            }
        }
    }

    async fn lease_keeper(self, mut stopped: tokio::sync::watch::Receiver<bool>) {
        let every = Duration::try_from(self.config.lease / 3).unwrap_or(Duration::from_secs(10));
        while !*stopped.borrow() {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stopped.changed() => break,
            }
            match self.claim().await {
                Ok(()) => {}
                Err(EngineError::AlreadyRunning { owner, .. }) => {
                    tracing::error!(%owner, "another engine took this database's lease");
                }
                Err(error) => tracing::warn!(%error, "could not renew the engine lease"),
            }
        }
    }
}
