//! Storage port of on-call and paging: schedule overrides, people's
//! notification rules, pages with their escalation snapshot and history, and
//! the delivery outbox the engine claims work from.
//!
//! The engine's guarantees live here as contracts every backend keeps:
//! [`PagingStore::fire_due_pages`] fires each due step exactly once, whatever
//! the number of nodes, because the claim, the decision's writes and the
//! page's advance commit in one transaction; deliveries are claimed with a
//! lease, so a node that dies mid-send has its work redone once the lease
//! expires.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::Override;
use muster_core::oncall::escalation::{EscalationPolicy, NotificationRule, Step, Target};
use muster_core::paging::{
    AttemptOutcome, Delivery, DeliveryDecision, DeliveryStatus, Destination, Notification,
    NotificationEvent, Page, PageChange, PageEvent, PageIncident, PageStatus, PageTarget,
};
use muster_core::{
    DeliveryId, IncidentId, IncidentNumber, NewTimelineEntry, OverrideId, PageId, PageNumber, Slug,
    UserId,
};

use crate::StoreError;
use crate::row::StoredRow;

/// An override as stored: whom it covers on which schedule, and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub id: OverrideId,
    pub schedule: String,
    pub over: Override,
    pub note: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
}

/// A page to insert with its first history entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageInsert {
    pub page: Page,
    pub events: Vec<PageEvent>,
}

/// Which pages to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct PageFilter {
    pub statuses: Vec<PageStatus>,
    pub incident: Option<IncidentId>,
    /// Pages whose history names this person (notified, acknowledged).
    pub recipient: Option<String>,
    /// Continue below this number.
    pub before_number: Option<PageNumber>,
    pub limit: u32,
}

/// What the decision for one due page writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiringWrite {
    /// The page's `fired` count afterwards.
    pub fired: u32,
    pub next_due_at: Option<Timestamp>,
    pub events: Vec<PageEvent>,
    pub deliveries: Vec<Delivery>,
}

/// The decision the engine makes for each due page, inside the claiming
/// transaction: pure, so it is cheap to hold a row lock across it.
pub type FiringDecider = Arc<dyn Fn(&Page, Timestamp) -> Option<FiringWrite> + Send + Sync>;

/// One firing that committed: for the engine's metrics and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub page: PageId,
    /// When the step was due (the page's `next_due_at` at the claim).
    pub due_at: Timestamp,
    pub deliveries: usize,
}

/// Who leases due deliveries, for how long, and how many at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryClaim {
    pub node: String,
    pub lease: SignedDuration,
    pub limit: u32,
}

/// The outcome of one send attempt, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub delivery: DeliveryId,
    /// The node whose lease the attempt ran under.
    pub node: String,
    /// The attempt's number (1-based).
    pub attempt: u32,
    pub at: Timestamp,
    pub outcome: AttemptOutcome,
    pub decision: DeliveryDecision,
    /// The page history entry the attempt adds, when it has a page.
    pub event: Option<PageEvent>,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttempt {
    pub delivery: DeliveryId,
    pub attempt: u32,
    pub at: Timestamp,
    pub node: String,
    /// `sent`, `retryable` or `permanent`.
    pub outcome: String,
    pub error: Option<String>,
}

/// Whether an engine may run against this store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineClaim {
    /// This node runs the engine (until the lease it renews lapses).
    Granted,
    /// Another node holds the only engine lease (SQLite runs one engine per
    /// file); its owner and when the lease lapses.
    HeldBy { owner: String, until: Timestamp },
}

#[async_trait]
pub trait PagingStore: Send + Sync {
    /// Inserts `page` with its first history entries and, when it belongs to
    /// an incident, its timeline entries; returns the number allocated
    /// (P-1, P-2, …: never repeated; on PostgreSQL a failed write may leave
    /// a gap).
    async fn insert_page(
        &self,
        page: &Page,
        events: &[PageEvent],
        timeline: &[NewTimelineEntry],
    ) -> Result<PageNumber, StoreError>;
    async fn find_page(&self, id: PageId) -> Result<Option<Page>, StoreError>;
    async fn find_page_by_number(&self, number: PageNumber) -> Result<Option<Page>, StoreError>;
    /// Newest first, at most `filter.limit`.
    async fn list_pages(&self, filter: &PageFilter) -> Result<Vec<Page>, StoreError>;
    /// The page's history in the order it happened.
    async fn page_events(&self, page: PageId) -> Result<Vec<PageEvent>, StoreError>;
    /// The page's deliveries, oldest first.
    async fn page_deliveries(&self, page: PageId) -> Result<Vec<Delivery>, StoreError>;
    async fn delivery_attempts(&self, page: PageId) -> Result<Vec<StoredAttempt>, StoreError>;
    /// Writes an acknowledge or resolve if the stored version is still
    /// `change.expected_version` (else [`StoreError::VersionConflict`]),
    /// cancels the page's pending deliveries, appends the history entry and
    /// the incident's timeline entries, and, for a one-time link, records
    /// its digest (a link used before is [`StoreError::Duplicate`] on `link`).
    async fn apply_page_change(
        &self,
        change: &PageChange,
        timeline: &[NewTimelineEntry],
        link: Option<&[u8; 32]>,
    ) -> Result<(), StoreError>;

    /// Whether a one-time link with this digest was used already.
    async fn link_used(&self, digest: &[u8; 32]) -> Result<bool, StoreError>;

    /// The earliest `next_due_at` of a triggered page.
    async fn next_page_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// Claims up to `limit` triggered pages due at `now` (pages another node
    /// holds are skipped, not waited for), writes what `decide` returns for
    /// each — the page's advance, its history and its deliveries — and
    /// commits once. A page is fired by exactly one node, once per count.
    async fn fire_due_pages(
        &self,
        now: Timestamp,
        limit: u32,
        decide: FiringDecider,
    ) -> Result<Vec<Fired>, StoreError>;

    /// [`Self::fire_due_pages`], then, in the same transaction, leases the
    /// deliveries due at `now` as [`Self::claim_deliveries`] would: the
    /// firing node sends what it fired without another transaction first.
    async fn fire_due_pages_and_claim(
        &self,
        now: Timestamp,
        limit: u32,
        decide: FiringDecider,
        claim: &DeliveryClaim,
    ) -> Result<(Vec<Fired>, Vec<Delivery>), StoreError>;

    /// The earliest instant a delivery needs work: a pending one's due time
    /// or a lapsed lease.
    async fn next_delivery_due(&self) -> Result<Option<Timestamp>, StoreError>;
    /// Leases up to `limit` deliveries that are due (pending with `due_at <=
    /// now`, or sending under a lease that lapsed) to `node` until `now +
    /// lease`, and returns them.
    async fn claim_deliveries(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;
    /// Records an attempt made under `record.node`'s lease: the delivery's
    /// new state, the attempt and the page history entry. `false` (nothing
    /// written) when the lease was lost to another node meanwhile.
    async fn record_attempt(&self, record: &AttemptRecord) -> Result<bool, StoreError>;
    /// [`Self::record_attempt`] for each record, in one transaction: what
    /// one batch's sends came to, finished together.
    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> Result<Vec<bool>, StoreError>;
    /// The other deliveries of the same page, firing and recipient: `(id,
    /// status, due_at)`.
    async fn delivery_siblings(
        &self,
        delivery: &Delivery,
    ) -> Result<Vec<(DeliveryId, DeliveryStatus, Timestamp)>, StoreError>;
    /// Makes a pending delivery due at `now` (if it is still pending and due later).
    async fn bring_delivery_forward(
        &self,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Makes the page's next step due at `now`, if the page is still
    /// triggered and its `fired` count is still `fired` (so two deaths of
    /// one step skip one step, not two). Records `event`.
    async fn escalate_page_now(
        &self,
        page: PageId,
        fired: u32,
        now: Timestamp,
        event: &PageEvent,
    ) -> Result<bool, StoreError>;
    /// Counts deliveries by status (for `/metrics` and the benchmark).
    async fn count_deliveries(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError>;

    async fn insert_override(&self, over: &StoredOverride) -> Result<(), StoreError>;
    /// Deletes an override; false when there was none.
    async fn delete_override(&self, id: OverrideId) -> Result<bool, StoreError>;
    async fn find_override(&self, id: OverrideId) -> Result<Option<StoredOverride>, StoreError>;
    /// Overrides that end after `ending_after`, of one schedule or all, by start.
    async fn list_overrides(
        &self,
        schedule: Option<&str>,
        ending_after: Timestamp,
    ) -> Result<Vec<StoredOverride>, StoreError>;

    /// The user's notification rules, in order.
    async fn notification_rules(&self, user: UserId) -> Result<Vec<NotificationRule>, StoreError>;
    /// Every user's rules, for one engine cycle.
    async fn all_notification_rules(
        &self,
    ) -> Result<Vec<(UserId, Vec<NotificationRule>)>, StoreError>;
    /// Replaces the user's rules.
    async fn set_notification_rules(
        &self,
        user: UserId,
        rules: &[NotificationRule],
    ) -> Result<(), StoreError>;

    /// The key named `name`, stored as `fresh` if there was none yet: every
    /// node signs links with the same key.
    async fn signing_key(&self, name: &str, fresh: &[u8; 32]) -> Result<Vec<u8>, StoreError>;
    /// Takes or renews the engine lease for `node` until `now + lease`. On
    /// SQLite the lease is exclusive; on PostgreSQL every node may run an
    /// engine and the claim only records it.
    async fn claim_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<EngineClaim, StoreError>;
    /// Takes the engine lease for `node` whoever held it: for a process that
    /// holds the database exclusively (SQLite's lock file), so any lease left
    /// in it belongs to a process that died.
    async fn take_over_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<(), StoreError>;
    /// Gives the engine lease up (on shutdown), if `node` holds it.
    async fn release_engine(&self, node: &str) -> Result<(), StoreError>;
}

fn corrupt(message: impl Into<String>) -> StoreError {
    StoreError::Corrupt(message.into())
}

/// A step's targets as stored: one `kind:name` per line.
pub fn encode_targets(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|target| match target {
            Target::User(name) => format!("user:{name}"),
            Target::Schedule(name) => format!("schedule:{name}"),
            Target::Team(name) => format!("team:{name}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn decode_targets(raw: &str) -> Result<Vec<Target>, StoreError> {
    raw.lines()
        .map(|line| match line.split_once(':') {
            Some(("user", name)) => Ok(Target::User(name.to_owned())),
            Some(("schedule", name)) => Ok(Target::Schedule(name.to_owned())),
            Some(("team", name)) => Ok(Target::Team(name.to_owned())),
            _ => Err(corrupt(format!("stored step target {line:?}"))),
        })
        .collect()
}

/// The `page_steps` rows of a page's policy: `(step, delay_ms, targets)`.
pub fn policy_rows(policy: &EscalationPolicy) -> Vec<(i64, i64, String)> {
    policy
        .steps()
        .iter()
        .enumerate()
        .map(|(index, step)| {
            (
                index as i64,
                step.delay.as_millis() as i64,
                encode_targets(&step.targets),
            )
        })
        .collect()
}

fn natural_u32(raw: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(raw).map_err(|_| corrupt(format!("{what} out of range: {raw}")))
}

/// A page from a `pages` row (with the incident's `incident_number`,
/// `incident_title` and `incident_severity` joined) and its `page_steps` rows.
pub fn decode_page<R: StoredRow>(row: &R, steps: &[&R]) -> Result<Page, StoreError> {
    let steps = steps
        .iter()
        .map(|step| {
            Ok(Step {
                targets: decode_targets(&step.text("targets")?)?,
                delay: SignedDuration::from_millis(step.integer("delay_ms")?),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let repeat = natural_u32(row.integer("policy_repeat")?, "policy_repeat")?;
    let policy = EscalationPolicy::new(steps, repeat).map_err(|errors| {
        corrupt(format!(
            "stored policy: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })?;
    let target = PageTarget::parse(
        "target",
        &row.text("target_kind")?,
        &row.text("target_name")?,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    let incident = match row.optional_id("incident_id")? {
        None => None,
        Some(id) => Some(PageIncident {
            id: IncidentId(id),
            number: IncidentNumber(row.natural("incident_number")?),
            title: row.text("incident_title")?,
            severity: row.text("incident_severity")?,
        }),
    };
    Ok(Page {
        id: PageId(row.id("page_id")?),
        number: PageNumber(row.natural("number")?),
        target,
        summary: row.text("summary")?,
        details: row.text("details")?,
        incident,
        drill: row.flag("drill")?,
        team: row
            .optional_text("team")?
            .map(|t| Slug::parse("team", &t).map_err(|e| corrupt(e.to_string())))
            .transpose()?,
        policy_name: row.optional_text("policy_name")?,
        policy,
        status: row.text("status")?.parse().map_err(corrupt)?,
        triggered_at: row.instant("triggered_at")?,
        triggered_by: row.optional_id("triggered_by")?.map(UserId),
        acknowledged_at: row.optional_instant("acknowledged_at")?,
        acknowledged_by: row.optional_id("acknowledged_by")?.map(UserId),
        resolved_at: row.optional_instant("resolved_at")?,
        resolved_by: row.optional_id("resolved_by")?.map(UserId),
        fired: natural_u32(row.integer("fired")?, "fired")?,
        next_due_at: row.optional_instant("next_due_at")?,
        version: row.natural("version")?,
    })
}

/// A `page_events` row.
pub fn decode_page_event<R: StoredRow>(row: &R) -> Result<PageEvent, StoreError> {
    Ok(PageEvent {
        at: row.instant("at")?,
        kind: row.text("kind")?.parse().map_err(corrupt)?,
        actor: row.optional_id("actor_id")?.map(UserId),
        recipient: row.optional_text("recipient")?,
        sink: row.optional_text("sink")?,
        detail: row.text("detail")?,
    })
}

/// A `deliveries` row.
pub fn decode_delivery<R: StoredRow>(row: &R) -> Result<Delivery, StoreError> {
    let event: NotificationEvent = row.text("event")?.parse().map_err(corrupt)?;
    Ok(Delivery {
        id: DeliveryId(row.id("delivery_id")?),
        page_id: row.optional_id("page_id")?.map(PageId),
        firing: row
            .optional_integer("firing")?
            .map(|f| natural_u32(f, "firing"))
            .transpose()?,
        recipient: row.text("recipient")?,
        user_id: row.optional_id("user_id")?.map(UserId),
        destination: Destination {
            sink: row.text("sink")?.parse().map_err(corrupt)?,
            address: row.text("address")?,
        },
        notification: Notification {
            event,
            subject: row.text("subject")?,
            body: row.text("body")?,
            page_id: row.optional_id("page_id")?.map(PageId),
            page_number: row
                .optional_integer("page_number")?
                .map(|n| u64::try_from(n).map(PageNumber))
                .transpose()
                .map_err(|_| corrupt("negative page number"))?,
            summary: row.text("summary")?,
            incident_number: row
                .optional_integer("incident_number")?
                .map(|n| u64::try_from(n).map(IncidentNumber))
                .transpose()
                .map_err(|_| corrupt("negative incident number"))?,
            incident_title: row.optional_text("incident_title")?,
            severity: row.optional_text("severity")?,
            drill: row.flag("drill")?,
            link: row.optional_text("link")?,
            ack_url: row.optional_text("ack_url")?,
            resolve_url: row.optional_text("resolve_url")?,
            unsubscribe_url: row.optional_text("unsubscribe_url")?,
        },
        status: row.text("status")?.parse().map_err(corrupt)?,
        due_at: row.instant("due_at")?,
        attempts: natural_u32(row.integer("attempts")?, "attempts")?,
        last_error: row.optional_text("last_error")?,
        created_at: row.instant("created_at")?,
        sent_at: row.optional_instant("sent_at")?,
    })
}

/// A `delivery_attempts` row.
pub fn decode_attempt<R: StoredRow>(row: &R) -> Result<StoredAttempt, StoreError> {
    Ok(StoredAttempt {
        delivery: DeliveryId(row.id("delivery_id")?),
        attempt: natural_u32(row.integer("attempt")?, "attempt")?,
        at: row.instant("at")?,
        node: row.text("node")?,
        outcome: row.text("outcome")?,
        error: row.optional_text("error")?,
    })
}

/// A `schedule_overrides` row.
pub fn decode_override<R: StoredRow>(row: &R) -> Result<StoredOverride, StoreError> {
    Ok(StoredOverride {
        id: OverrideId(row.id("override_id")?),
        schedule: row.text("schedule")?,
        over: Override {
            user: row.text("user_email")?,
            start: row.instant("starts_at")?,
            end: row.instant("ends_at")?,
            replaces: row.optional_text("replaces")?,
        },
        note: row.text("note")?,
        created_by: UserId(row.id("created_by")?),
        created_at: row.instant("created_at")?,
    })
}

/// A `user_notification_rules` row.
pub fn decode_rule<R: StoredRow>(row: &R) -> Result<NotificationRule, StoreError> {
    Ok(NotificationRule {
        kind: row.text("kind")?.parse().map_err(corrupt)?,
        after: SignedDuration::from_millis(row.integer("after_ms")?),
    })
}

/// How an attempt's outcome is stored: `(outcome, error)`.
pub fn attempt_columns(outcome: &AttemptOutcome) -> (&'static str, Option<String>) {
    match outcome {
        AttemptOutcome::Sent => ("sent", None),
        AttemptOutcome::Retryable { reason, .. } => ("retryable", Some(reason.clone())),
        AttemptOutcome::Permanent { reason } => ("permanent", Some(reason.clone())),
    }
}

/// A delivery's status, new due time (`None`: unchanged) and sent time
/// after an attempt decided `decision` at `at`.
pub fn after_attempt(
    decision: DeliveryDecision,
    at: Timestamp,
) -> (DeliveryStatus, Option<Timestamp>, Option<Timestamp>) {
    match decision {
        DeliveryDecision::Sent => (DeliveryStatus::Sent, None, Some(at)),
        DeliveryDecision::RetryAt(next) => (DeliveryStatus::Pending, Some(next), None),
        DeliveryDecision::Dead => (DeliveryStatus::Dead, None, None),
    }
}

/// The shared SQL of the paging tables (`$n` placeholders work on both backends).
pub mod statements {
    /// The columns [`super::decode_page`] reads, from `pages p LEFT JOIN incidents i`.
    #[macro_export]
    macro_rules! page_select {
        () => {
            "SELECT p.page_id, p.number, p.target_kind, p.target_name, p.summary, p.details, \
p.incident_id, p.drill, p.team, p.policy_name, p.policy_repeat, p.status, p.triggered_at, \
p.triggered_by, p.acknowledged_at, p.acknowledged_by, p.resolved_at, p.resolved_by, p.fired, \
p.next_due_at, p.version, i.number AS incident_number, i.title AS incident_title, \
i.severity AS incident_severity FROM pages p LEFT JOIN incidents i ON i.incident_id = p.incident_id"
        };
    }

    /// SQLite's writer is one connection, so a counter row costs nothing.
    pub const NEXT_PAGE_NUMBER: &str =
        "UPDATE counters SET value = value + 1 WHERE name = 'page_number' RETURNING value";
    /// PostgreSQL draws from a sequence: a counter row would stay locked
    /// to each page's commit and serialize an alert storm.
    pub const NEXT_PAGE_NUMBER_SEQUENCE: &str = "SELECT nextval('page_numbers')";
    pub const INSERT_PAGE: &str = "INSERT INTO pages (page_id, number, target_kind, target_name, \
         summary, details, incident_id, drill, team, policy_name, policy_repeat, status, triggered_at, \
         triggered_by, fired, next_due_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17)";
    pub const INSERT_STEP: &str =
        "INSERT INTO page_steps (page_id, step, delay_ms, targets) VALUES ($1, $2, $3, $4)";
    pub const STEPS_OF: &str =
        "SELECT page_id, step, delay_ms, targets FROM page_steps WHERE page_id = $1 ORDER BY step";
    pub const INSERT_EVENT: &str = "INSERT INTO page_events (page_id, at, kind, actor_id, recipient, sink, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)";
    pub const EVENTS_OF: &str = "SELECT at, kind, actor_id, recipient, sink, detail FROM page_events \
         WHERE page_id = $1 ORDER BY at, event_id";
    pub const UPDATE_PAGE_STATE: &str = "UPDATE pages SET status = $1, acknowledged_at = $2, \
         acknowledged_by = $3, resolved_at = $4, resolved_by = $5, next_due_at = $6, version = $7 \
         WHERE page_id = $8 AND version = $9";
    pub const CANCEL_PENDING: &str =
        "UPDATE deliveries SET status = 'cancelled' WHERE page_id = $1 AND status = 'pending'";
    pub const ADVANCE_PAGE: &str = "UPDATE pages SET fired = $1, next_due_at = $2, version = version + 1 \
         WHERE page_id = $3 AND fired = $4 AND status = 'triggered'";
    pub const NEXT_PAGE_DUE: &str = "SELECT MIN(next_due_at) AS due FROM pages WHERE status = 'triggered' AND next_due_at IS NOT NULL";
    pub const INSERT_DELIVERY: &str = "INSERT INTO deliveries (delivery_id, page_id, firing, recipient, \
         user_id, sink, address, event, subject, body, summary, page_number, incident_number, \
         incident_title, severity, drill, link, ack_url, resolve_url, status, due_at, attempts, created_at, \
         unsubscribe_url) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         'pending', $20, 0, $21, $22)";
    /// The columns [`super::decode_delivery`] reads.
    #[macro_export]
    macro_rules! delivery_columns {
        () => {
            "delivery_id, page_id, firing, recipient, user_id, sink, address, event, subject, body, \
summary, page_number, incident_number, incident_title, severity, drill, link, ack_url, resolve_url, \
status, due_at, attempts, last_error, created_at, sent_at, unsubscribe_url"
        };
    }
    pub const NEXT_DELIVERY_DUE: &str = "SELECT MIN(due) AS due FROM (\
         SELECT MIN(due_at) AS due FROM deliveries WHERE status = 'pending' \
         UNION ALL SELECT MIN(lease_expires_at) AS due FROM deliveries WHERE status = 'sending') AS d";
    /// Finishes an attempt made under `lease_owner`'s lease; no row when
    /// the lease was lost meanwhile.
    pub const FINISH_ATTEMPT: &str = "UPDATE deliveries SET status = $1, due_at = COALESCE($2, due_at), \
         sent_at = $3, attempts = $4, last_error = $5, lease_owner = NULL, lease_expires_at = NULL \
         WHERE delivery_id = $6 AND status = 'sending' AND lease_owner = $7 RETURNING page_id";
    pub const INSERT_ATTEMPT: &str = "INSERT INTO delivery_attempts (delivery_id, attempt, at, node, outcome, error) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING";
    pub const SIBLINGS: &str = "SELECT delivery_id, status, due_at FROM deliveries \
         WHERE page_id = $1 AND firing = $2 AND recipient = $3 AND delivery_id <> $4";
    pub const BRING_FORWARD: &str = "UPDATE deliveries SET due_at = $1 \
         WHERE delivery_id = $2 AND status = 'pending' AND due_at > $1";
    pub const ESCALATE_NOW: &str = "UPDATE pages SET next_due_at = $1, version = version + 1 \
         WHERE page_id = $2 AND fired = $3 AND status = 'triggered' \
         AND next_due_at IS NOT NULL AND next_due_at > $1";
    pub const COUNT_DELIVERIES: &str =
        "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status";
    pub const PAGE_DELIVERIES: &str = concat!(
        "SELECT ",
        delivery_columns!(),
        " FROM deliveries WHERE page_id = $1 ORDER BY created_at, due_at, delivery_id"
    );
    pub const PAGE_ATTEMPTS: &str = "SELECT a.delivery_id, a.attempt, a.at, a.node, a.outcome, a.error \
         FROM delivery_attempts a JOIN deliveries d ON d.delivery_id = a.delivery_id \
         WHERE d.page_id = $1 ORDER BY a.at, a.attempt";
    pub const INSERT_OVERRIDE: &str = "INSERT INTO schedule_overrides (override_id, schedule, user_email, \
         replaces, starts_at, ends_at, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    pub const DELETE_OVERRIDE: &str = "DELETE FROM schedule_overrides WHERE override_id = $1";
    pub const OVERRIDE_COLUMNS: &str = "SELECT override_id, schedule, user_email, replaces, starts_at, \
         ends_at, note, created_by, created_at FROM schedule_overrides";
    pub const RULES_OF: &str = "SELECT user_id, kind, after_ms FROM user_notification_rules \
         WHERE user_id = $1 ORDER BY position";
    pub const ALL_RULES: &str =
        "SELECT user_id, kind, after_ms FROM user_notification_rules ORDER BY user_id, position";
    pub const DELETE_RULES: &str = "DELETE FROM user_notification_rules WHERE user_id = $1";
    pub const INSERT_RULE: &str = "INSERT INTO user_notification_rules (user_id, position, kind, after_ms) \
         VALUES ($1, $2, $3, $4)";
    pub const INSERT_KEY: &str = "INSERT INTO signing_keys (name, key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING";
    pub const KEY_OF: &str = "SELECT key FROM signing_keys WHERE name = $1";
    pub const INSERT_USED_LINK: &str = "INSERT INTO used_links (digest, used_at) VALUES ($1, $2)";
    pub const LINK_USED: &str = "SELECT COUNT(*) FROM used_links WHERE digest = $1";
}
