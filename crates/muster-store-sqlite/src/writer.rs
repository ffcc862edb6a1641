//! Group commit: one writer connection runs every write, many per transaction.
//!
//! SQLite allows one writer at a time and a durable commit costs an fsync. Rather
//! than make 32 concurrent requests queue for 32 fsyncs, the writer takes every
//! job waiting at that moment, runs each inside its own savepoint (so one failing
//! job never undoes another), commits once, and only then answers them all. A
//! job is answered `Ok` only after the commit that holds it is durable.

use futures::future::BoxFuture;
use muster_store::StoreError;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
type Run = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, (bool, Reply)> + Send>;

struct Job {
    /// Whether the job runs in its own savepoint. A job that is a single
    /// statement needs none: SQLite undoes a failed statement by itself, and
    /// each savepoint costs a round trip to SQLite's thread.
    isolated: bool,
    run: Run,
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
            .send(Job { isolated, run })
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

async fn execute(
    connection: &mut SqliteConnection,
    statements: &'static str,
) -> Result<(), String> {
    // raw_sql runs several statements in one round trip to SQLite's thread.
    sqlx::raw_sql(statements)
        .execute(connection)
        .await
        .map(drop)
        .map_err(|error| format!("{statements} failed: {error}"))
}

async fn commit_batch(connection: &mut SqliteConnection, jobs: impl Iterator<Item = Job>) {
    let mut replies: Vec<(bool, Reply)> = Vec::new();
    let outcome: Result<(), String> = async {
        let mut jobs = jobs.peekable();
        // Each round trip to SQLite's thread costs a context switch or two:
        // the statements between two jobs go in one.
        let first_isolated = jobs.peek().is_some_and(|job| job.isolated);
        execute(
            connection,
            if first_isolated {
                "BEGIN IMMEDIATE; SAVEPOINT job"
            } else {
                "BEGIN IMMEDIATE"
            },
        )
        .await?;
        while let Some(job) = jobs.next() {
            let (succeeded, reply) = (job.run)(&mut *connection).await;
            replies.push((succeeded, reply));
            let next_isolated = jobs.peek().map(|next| next.isolated);
            let between = match (job.isolated, succeeded, next_isolated) {
                (true, true, Some(true)) => "RELEASE job; SAVEPOINT job",
                (true, true, _) => "RELEASE job",
                (true, false, Some(true)) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
                (true, false, _) => "ROLLBACK TO job; RELEASE job",
                (false, _, Some(true)) => "SAVEPOINT job",
                (false, _, _) => "",
            };
            if !between.is_empty() {
                execute(connection, between).await?;
            }
        }
        execute(connection, "COMMIT").await
    }
    .await;
    if let Err(message) = &outcome {
        tracing::error!(%message, "sqlite group commit failed; rolling back the batch");
        let _ = execute(connection, "ROLLBACK").await;
    }
    // Jobs not reached are dropped unanswered: their callers see the writer stop.
    for (succeeded, reply) in replies {
        // A job that failed on its own was rolled back to its savepoint and
        // answers with its own error, whatever happened to the batch.
        reply(if succeeded { outcome.clone() } else { Ok(()) });
    }
}
