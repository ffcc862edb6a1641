//! Group commit: one writer connection runs every write, many per transaction.
//!
//! SQLite allows one writer at a time and a durable commit costs an fsync. Rather
//! than make 32 concurrent requests queue for 32 fsyncs, the writer takes every
//! job waiting at that moment, runs each inside its own savepoint (so one failing
//! job never undoes another), commits once, and only then answers them all. A
//! job is answered `Ok` only after the commit that holds it is durable.
//!
//! Alert signals are the hot path: every caller's signals in a batch are
//! applied together (one read, one insert; see `alerts::receive_calls`), and
//! only if that fails is each caller's tried on its own, so one bad caller
//! never fails another.

use futures::future::BoxFuture;
use muster_core::alert::Received;
use muster_store::StoreError;
use muster_store::alerts::ReceiveCall;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
type Run = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Reply)> + Send>;

type ReceiveReply = oneshot::Sender<Result<Vec<Received>, StoreError>>;

enum Job {
    Run {
        /// Whether the job runs in its own savepoint. A job that is a single
        /// statement needs none: SQLite undoes a failed statement by itself,
        /// and each savepoint costs a round trip to SQLite's thread.
        isolated: bool,
        run: Run,
    },
    /// One caller's alert signals, merged with the batch's other callers'.
    Receive {
        call: ReceiveCall,
        reply: ReceiveReply,
    },
}

/// How many jobs one transaction may hold; bounds the latency of the last one.
const MAX_BATCH: usize = 512;

/// A handle to the writer task; cheap to clone.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(crate) fn spawn(connection: SqliteConnection) -> Self {
        let (jobs, receiver) = mpsc::channel(4096);
        tokio::spawn(run(connection, receiver));
        Self { jobs }
    }

    /// Runs `work` in the next group transaction, in a savepoint of its own so
    /// that its failure undoes exactly its own writes, and returns its result
    /// once committed.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.submit(true, work).await
    }

    /// Like [`Writer::write`] for work that is exactly one SQL statement, which
    /// SQLite makes atomic without a savepoint.
    pub(crate) async fn write_statement<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        self.submit(false, work).await
    }

    /// Applies one caller's alert signals in the next group transaction,
    /// together with every other caller's waiting then.
    pub(crate) async fn receive(&self, call: ReceiveCall) -> Result<Vec<Received>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Receive { call, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the sqlite writer has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the sqlite writer stopped before committing".into())
        })?
    }

    async fn submit<T, F>(&self, isolated: bool, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        let run: Run = Box::new(move |connection| {
            Box::pin(async move {
                let outcome = work(connection).await;
                let succeeded = outcome.is_ok();
                let reply: Reply = Box::new(move |commit| {
                    let result = match (outcome, commit) {
                        (Err(error), _) => Err(error),
                        (Ok(value), Ok(())) => Ok(value),
                        (Ok(_), Err(message)) => Err(StoreError::Unavailable(message)),
                    };
                    // The caller may have gone away (request cancelled); the write stands.
                    let _ = sender.send(result);
                });
                (succeeded, reply)
            })
        });
        self.jobs
            .send(Job::Run { isolated, run })
            .await
            .map_err(|_| StoreError::Unavailable("the sqlite writer has stopped".into()))?;
        receiver.await.map_err(|_| {
            StoreError::Unavailable("the sqlite writer stopped before committing".into())
        })?
    }
}

async fn run(mut connection: SqliteConnection, mut receiver: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        commit_batch(&mut connection, batch.drain(..)).await;
    }
    let _ = connection.close().await;
}

/// Statements waiting to go to SQLite's thread with the next round trip:
/// each round trip costs a context switch or two, so the statements between
/// two jobs go in one.
#[derive(Default)]
struct Pending(String);

impl Pending {
    fn push(&mut self, statement: &str) {
        if !self.0.is_empty() {
            self.0.push_str("; ");
        }
        self.0.push_str(statement);
    }

    async fn flush(&mut self, connection: &mut SqliteConnection) -> Result<(), String> {
        if self.0.is_empty() {
            return Ok(());
        }
        let statements = std::mem::take(&mut self.0);
        // raw_sql runs several statements in one round trip.
        sqlx::raw_sql(AssertSqlSafe(statements.as_str()))
            .execute(connection)
            .await
            .map(drop)
            .map_err(|error| format!("{statements} failed: {error}"))
    }
}

/// What a receive caller is answered once the batch's fate is known.
enum ReceiveOutcome {
    /// Written with the batch: answered with the commit's outcome.
    Written(Vec<Received>),
    /// Failed on its own and rolled back to its savepoint.
    Failed(StoreError),
}

/// Applies the batch's receive calls, all together in one savepoint; if
/// that fails, each on its own.
async fn receive_all(
    connection: &mut SqliteConnection,
    pending: &mut Pending,
    calls: &[ReceiveCall],
) -> Result<Vec<ReceiveOutcome>, String> {
    pending.push("SAVEPOINT receive");
    pending.flush(connection).await?;
    match crate::alerts::receive_calls(connection, calls).await {
        Ok(received) => {
            pending.push("RELEASE receive");
            return Ok(received.into_iter().map(ReceiveOutcome::Written).collect());
        }
        Err(error) if calls.len() == 1 => {
            pending.push("ROLLBACK TO receive; RELEASE receive");
            return Ok(vec![ReceiveOutcome::Failed(error)]);
        }
        Err(error) => {
            tracing::warn!(%error, calls = calls.len(), "merged alert receive failed; applying each caller's on its own");
            pending.push("ROLLBACK TO receive; RELEASE receive");
        }
    }
    let mut outcomes = Vec::with_capacity(calls.len());
    for call in calls {
        pending.push("SAVEPOINT receive");
        pending.flush(connection).await?;
        match crate::alerts::receive_calls(connection, std::slice::from_ref(call)).await {
            Ok(mut received) => {
                pending.push("RELEASE receive");
                outcomes.push(ReceiveOutcome::Written(received.pop().unwrap_or_default()));
            }
            Err(error) => {
                pending.push("ROLLBACK TO receive; RELEASE receive");
                outcomes.push(ReceiveOutcome::Failed(error));
            }
        }
    }
    Ok(outcomes)
}

async fn commit_batch(connection: &mut SqliteConnection, jobs: impl Iterator<Item = Job>) {
    let mut runs: Vec<(bool, Run)> = Vec::new();
    let mut calls: Vec<ReceiveCall> = Vec::new();
    let mut receive_replies: Vec<ReceiveReply> = Vec::new();
    for job in jobs {
        match job {
            Job::Run { isolated, run } => runs.push((isolated, run)),
            Job::Receive { call, reply } => {
                calls.push(call);
                receive_replies.push(reply);
            }
        }
    }
    let mut replies: Vec<(bool, Reply)> = Vec::new();
    let mut received: Vec<ReceiveOutcome> = Vec::new();
    let mut pending = Pending::default();
    let outcome: Result<(), String> = async {
        pending.push("BEGIN IMMEDIATE");
        if !calls.is_empty() {
            received = receive_all(&mut *connection, &mut pending, &calls).await?;
        }
        for (isolated, run) in runs {
            if isolated {
                pending.push("SAVEPOINT job");
            }
            pending.flush(&mut *connection).await?;
            let (succeeded, reply) = run(&mut *connection).await;
            replies.push((succeeded, reply));
            match (isolated, succeeded) {
                (true, true) => pending.push("RELEASE job"),
                (true, false) => pending.push("ROLLBACK TO job; RELEASE job"),
                (false, _) => {}
            }
        }
        pending.push("COMMIT");
        pending.flush(&mut *connection).await
    }
    .await;
    if let Err(message) = &outcome {
        tracing::error!(%message, "sqlite group commit failed; rolling back the batch");
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await;
    }
    // Jobs not reached are dropped unanswered: their callers see the writer stop.
    for (succeeded, reply) in replies {
        // A job that failed on its own was rolled back to its savepoint and
        // answers with its own error, whatever happened to the batch.
        reply(if succeeded { outcome.clone() } else { Ok(()) });
    }
    for (reply, result) in receive_replies.into_iter().zip(received) {
        // The caller may have gone away (request cancelled); the write stands.
        let _ = reply.send(match (result, &outcome) {
            (ReceiveOutcome::Failed(error), _) => Err(error),
            (ReceiveOutcome::Written(received), Ok(())) => Ok(received),
            (ReceiveOutcome::Written(_), Err(message)) => {
                Err(StoreError::Unavailable(message.clone()))
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use muster_core::alert::{AlertSeverity, Signal, SignalAction, receive};
    use muster_core::{AlertId, IntegrationId, Timestamp, User, UserId, UserRole};
    use muster_store::alerts::{AlertDecider, AlertFilter, AlertStore, Integration};
    use muster_store::{AccountStore, StoreError};
    use uuid::Uuid;

    use super::*;
    use crate::SqliteStore;

    fn trigger(key: &str) -> Signal {
        Signal {
            action: SignalAction::Trigger,
            dedup_key: key.to_owned(),
            summary: format!("{key} is down"),
            severity: AlertSeverity::Error,
            source: String::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            links: Vec::new(),
            group_key: None,
            started_at: None,
        }
    }

    fn decider(integration: IntegrationId) -> AlertDecider {
        let now = Timestamp::from_second(1_800_000_000).expect("valid instant");
        Arc::new(move |current, signal| {
            receive(current, signal, integration, AlertId(Uuid::now_v7()), now)
        })
    }

    /// Holds the writer busy until the returned sender fires, so that the
    /// calls made meanwhile all land in the next batch.
    async fn hold(writer: &Writer) -> oneshot::Sender<()> {
        let (release, held) = oneshot::channel::<()>();
        let (started, running) = oneshot::channel::<()>();
        let writer = writer.clone();
        tokio::spawn(async move {
            writer
                .write_statement(move |_| {
                    Box::pin(async move {
                        let _ = started.send(());
                        let _ = held.await;
                        Ok(())
                    })
                })
                .await
        });
        running.await.expect("the holding job runs");
        release
    }

    async fn queued(writer: &Writer, jobs: usize) {
        while writer.jobs.max_capacity() - writer.jobs.capacity() < jobs {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_waiting_together_share_one_write_and_one_bad_caller_fails_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(
            SqliteStore::open(dir.path().join("m.db"))
                .await
                .expect("open"),
        );
        let now = Timestamp::from_second(1_800_000_000).expect("valid instant");
        let user = User {
            id: UserId(Uuid::now_v7()),
            email: "ada@example.com".into(),
            name: "Ada".into(),
            role: UserRole::Admin,
            time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
            contact_methods: Vec::new(),
            created_at: now,
            deactivated_at: None,
        };
        store.insert_user(&user, None).await.expect("user");
        let integration = Integration {
            id: IntegrationId(Uuid::now_v7()),
            name: "am".into(),
            kind: "alertmanager".into(),
            service: None,
            team: None,
            key_digest: [7; 32],
            config: "{}".into(),
            created_at: now,
            created_by: user.id,
            origin: muster_store::alerts::IntegrationOrigin::Hand,
            retired_at: None,
        };
        store
            .insert_integration(&integration)
            .await
            .expect("integration");

        // The same key twice and a second key; then a caller whose
        // integration is not stored, which breaks a foreign key.
        let release = hold(&store.writer).await;
        let ghost = IntegrationId(Uuid::now_v7());
        let calls = [
            (integration.id, "db-down"),
            (integration.id, "db-down"),
            (ghost, "ghost"),
            (integration.id, "api-down"),
        ];
        // Each caller is queued before the next is spawned, so the batch
        // holds them in this order (spawned together, they race).
        let mut answers = Vec::new();
        for (n, (id, key)) in calls.into_iter().enumerate() {
            let writer = store.writer.clone();
            answers.push(tokio::spawn(async move {
                writer
                    .receive(ReceiveCall {
                        integration: id,
                        signals: vec![trigger(key)],
                        decide: decider(id),
                    })
                    .await
            }));
            queued(&store.writer, n + 1).await;
        }
        let _ = release.send(());
        let mut outcomes = Vec::new();
        for answer in answers {
            outcomes.push(answer.await.expect("the call returns"));
        }

        assert!(matches!(outcomes[0].as_deref(), Ok([Received::Opened(_)])));
        assert!(
            matches!(outcomes[1].as_deref(), Ok([Received::Updated { .. }])),
            "the second caller sees the first's alert: {:?}",
            outcomes[1]
        );
        assert!(
            matches!(outcomes[2], Err(StoreError::Missing { .. })),
            "{:?}",
            outcomes[2]
        );
        assert!(matches!(outcomes[3].as_deref(), Ok([Received::Opened(_)])));
        let mut stored: Vec<(String, u64)> = store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .expect("alerts")
            .into_iter()
            .map(|a| (a.dedup_key, a.occurrences))
            .collect();
        stored.sort();
        assert_eq!(stored, [("api-down".into(), 1), ("db-down".into(), 2)]);
    }
}
