//! Pages on PostgreSQL: inserts, reads, acknowledge/resolve, and the
//! engine's claim-decide-commit of due steps. Due pages are claimed with
//! `FOR NO KEY UPDATE OF p SKIP LOCKED`, so several nodes split the due work
//! instead of waiting on each other, and a page's advance commits with its
//! history and deliveries: each step fires once, on one node.

use std::collections::HashMap;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::escalation::NotificationRule;
use muster_core::paging::{Delivery, DeliveryStatus, Page, PageChange, PageEvent};
use muster_core::{DeliveryId, NewTimelineEntry, OverrideId, PageId, PageNumber, UserId};
use muster_store::paging::{decode_page, decode_page_event, policy_rows, statements};
use muster_store::sql::{self, Placeholders, SqlValue};
use muster_store::{
    AttemptRecord, DeliveryClaim, EngineClaim, Fired, FiringDecider, PageFilter, PagingStore,
    StoreError, StoredAttempt, StoredOverride, page_select,
};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::PostgresStore;
use crate::codec::{Row, backend, get, unique};
use crate::incidents::insert_timeline;
use crate::{oncall, outbox};

pub(crate) async fn insert_events(
    c: &mut PgConnection,
    page: PageId,
    events: &[PageEvent],
) -> Result<(), StoreError> {
    let entries: Vec<(PageId, &PageEvent)> = events.iter().map(|e| (page, e)).collect();
    insert_page_events(c, &entries).await
}

/// Inserts history entries of any number of pages in one statement: a
/// firing writes several entries for each of hundreds of pages.
pub(crate) async fn insert_page_events(
    c: &mut PgConnection,
    entries: &[(PageId, &PageEvent)],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len();
    let mut page = Vec::with_capacity(n);
    let mut at = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    let mut actor = Vec::with_capacity(n);
    let mut recipient = Vec::with_capacity(n);
    let mut sink = Vec::with_capacity(n);
    let mut detail = Vec::with_capacity(n);
    for (id, event) in entries {
        page.push(id.as_uuid());
        at.push(event.at.as_millisecond());
        kind.push(event.kind.as_str());
        actor.push(event.actor.map(|a| a.as_uuid()));
        recipient.push(event.recipient.clone());
        sink.push(event.sink.clone());
        detail.push(event.detail.clone());
    }
    sqlx::query(
        "INSERT INTO page_events (page_id, at, kind, actor_id, recipient, sink, detail) \
         SELECT * FROM UNNEST($1::UUID[], $2::BIGINT[], $3::TEXT[], $4::UUID[], $5::TEXT[], $6::TEXT[], $7::TEXT[])",
    )
    .bind(page)
    .bind(at)
    .bind(kind)
    .bind(actor)
    .bind(recipient)
    .bind(sink)
    .bind(detail)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Inserts a page, its policy snapshot and its first history entries, and
/// returns the number drawn for it.
pub(crate) async fn insert_page_rows(
    c: &mut PgConnection,
    page: &Page,
    events: &[PageEvent],
) -> Result<PageNumber, StoreError> {
    let numbers = insert_pages(c, &[(page, events)]).await?;
    numbers
        .first()
        .copied()
        .ok_or_else(|| StoreError::Corrupt("the page number sequence gave no number".into()))
}

/// Inserts many pages with their policy snapshots and first history
/// entries in four statements, whatever their number (routing a storm
/// raises hundreds), numbered in the order given.
pub(crate) async fn insert_pages(
    c: &mut PgConnection,
    pages: &[(&Page, &[PageEvent])],
) -> Result<Vec<PageNumber>, StoreError> {
    if pages.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(pages.len()).unwrap_or(i64::MAX);
    let mut numbers: Vec<i64> =
        sqlx::query_scalar("SELECT nextval('page_numbers') FROM generate_series(1, $1)")
            .bind(count)
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?;
    numbers.sort_unstable();
    if numbers.len() != pages.len() {
        return Err(StoreError::Corrupt(
            "the page number sequence gave too few numbers".into(),
        ));
    }
    let column = |f: &dyn Fn(&Page) -> Option<String>| -> Vec<Option<String>> {
        pages.iter().map(|(p, _)| f(p)).collect()
    };
    let ids: Vec<Uuid> = pages.iter().map(|(p, _)| p.id.as_uuid()).collect();
    let incidents: Vec<Option<Uuid>> = pages
        .iter()
        .map(|(p, _)| p.incident.as_ref().map(|i| i.id.as_uuid()))
        .collect();
    let triggered_by: Vec<Option<Uuid>> = pages
        .iter()
        .map(|(p, _)| p.triggered_by.map(|u| u.as_uuid()))
        .collect();
    let number = |f: &dyn Fn(&Page) -> Option<i64>| -> Vec<Option<i64>> {
        pages.iter().map(|(p, _)| f(p)).collect()
    };
    sqlx::query(
        "INSERT INTO pages (page_id, number, target_kind, target_name, summary, details, \
         incident_id, drill, team, policy_name, policy_repeat, status, triggered_at, triggered_by, \
         fired, next_due_at, version) SELECT * FROM UNNEST($1::UUID[], $2::BIGINT[], $3::TEXT[], \
         $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::UUID[], $8::BOOLEAN[], $9::TEXT[], $10::TEXT[], \
         $11::BIGINT[], $12::TEXT[], $13::BIGINT[], $14::UUID[], $15::BIGINT[], $16::BIGINT[], \
         $17::BIGINT[])",
    )
    .bind(&ids)
    .bind(&numbers)
    .bind(column(&|p| Some(p.target.kind().to_owned())))
    .bind(column(&|p| Some(p.target.name().to_owned())))
    .bind(column(&|p| Some(p.summary.clone())))
    .bind(column(&|p| Some(p.details.clone())))
    .bind(&incidents)
    .bind(pages.iter().map(|(p, _)| p.drill).collect::<Vec<bool>>())
    .bind(column(&|p| p.team.as_ref().map(|t| t.as_str().to_owned())))
    .bind(column(&|p| p.policy_name.clone()))
    .bind(number(&|p| Some(i64::from(p.policy.repeat()))))
    .bind(column(&|p| Some(p.status.as_str().to_owned())))
    .bind(number(&|p| Some(p.triggered_at.as_millisecond())))
    .bind(&triggered_by)
    .bind(number(&|p| Some(i64::from(p.fired))))
    .bind(number(&|p| p.next_due_at.map(|t| t.as_millisecond())))
    .bind(number(&|p| {
        Some(i64::try_from(p.version).unwrap_or(i64::MAX))
    }))
    .execute(&mut *c)
    .await
    .map_err(|e| match unique(e, "id", "") {
        StoreError::Missing { .. } => StoreError::Missing {
            entity: "incident or user",
        },
        other => other,
    })?;
    let (mut step_page, mut step, mut delay, mut targets) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (page, _) in pages {
        for (index, delay_ms, encoded) in policy_rows(&page.policy) {
            step_page.push(page.id.as_uuid());
            step.push(index);
            delay.push(delay_ms);
            targets.push(encoded);
        }
    }
    if !step_page.is_empty() {
        sqlx::query(
            "INSERT INTO page_steps (page_id, step, delay_ms, targets) \
             SELECT * FROM UNNEST($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[])",
        )
        .bind(&step_page)
        .bind(&step)
        .bind(&delay)
        .bind(&targets)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    }
    let entries: Vec<(PageId, &PageEvent)> = pages
        .iter()
        .flat_map(|(page, events)| events.iter().map(|e| (page.id, e)))
        .collect();
    insert_page_events(c, &entries).await?;
    Ok(numbers
        .into_iter()
        .map(|n| PageNumber(u64::try_from(n).unwrap_or_default()))
        .collect())
}

/// Decodes page rows with their steps (rows of `page_steps` for the same pages).
fn pages(rows: &[PgRow], steps: &[PgRow]) -> Result<Vec<Page>, StoreError> {
    let mut by_page: HashMap<Uuid, Vec<Row<'_>>> = HashMap::new();
    for step in steps {
        by_page
            .entry(get::<Uuid>(step, "page_id")?)
            .or_default()
            .push(Row(step));
    }
    rows.iter()
        .map(|row| {
            let id: Uuid = get(row, "page_id")?;
            let steps = by_page.remove(&id).unwrap_or_default();
            let refs: Vec<&Row<'_>> = steps.iter().collect();
            decode_page(&Row(row), &refs)
        })
        .collect()
}

async fn load_pages(c: &mut PgConnection, rows: Vec<PgRow>) -> Result<Vec<Page>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = rows
        .iter()
        .map(|r| get::<Uuid>(r, "page_id"))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = sqlx::query(
        "SELECT page_id, step, delay_ms, targets FROM page_steps WHERE page_id = ANY($1) \
         ORDER BY page_id, step",
    )
    .bind(ids)
    .fetch_all(&mut *c)
    .await
    .map_err(backend)?;
    pages(&rows, &steps)
}

async fn write_page_change(
    c: &mut PgConnection,
    change: &PageChange,
    timeline: &[NewTimelineEntry],
    link: Option<&[u8; 32]>,
) -> Result<(), StoreError> {
    if let Some(digest) = link {
        sqlx::query(statements::INSERT_USED_LINK)
            .bind(digest.to_vec())
            .bind(change.event.at.as_millisecond())
            .execute(&mut *c)
            .await
            .map_err(|e| unique(e, "link", "this link"))?;
    }
    let page = &change.page;
    let updated = sqlx::query(statements::UPDATE_PAGE_STATE)
        .bind(page.status.as_str())
        .bind(page.acknowledged_at.map(|t| t.as_millisecond()))
        .bind(page.acknowledged_by.map(|u| u.as_uuid()))
        .bind(page.resolved_at.map(|t| t.as_millisecond()))
        .bind(page.resolved_by.map(|u| u.as_uuid()))
        .bind(page.next_due_at.map(|t| t.as_millisecond()))
        .bind(page.version as i64)
        .bind(page.id.as_uuid())
        .bind(change.expected_version as i64)
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if updated == 0 {
        let actual: Option<i64> =
            sqlx::query_scalar("SELECT version FROM pages WHERE page_id = $1")
                .bind(page.id.as_uuid())
                .fetch_optional(&mut *c)
                .await
                .map_err(backend)?;
        return Err(match actual {
            None => StoreError::Missing { entity: "page" },
            Some(actual) => StoreError::VersionConflict {
                entity: "page",
                expected: change.expected_version,
                actual: u64::try_from(actual).unwrap_or_default(),
            },
        });
    }
    sqlx::query(statements::CANCEL_PENDING)
        .bind(page.id.as_uuid())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    insert_events(c, page.id, std::slice::from_ref(&change.event)).await?;
    insert_timeline(c, timeline).await
}

async fn fire(
    c: &mut PgConnection,
    now: Timestamp,
    limit: u32,
    decide: FiringDecider,
) -> Result<Vec<Fired>, StoreError> {
    // NO KEY UPDATE, not UPDATE: the rows are ours to advance, yet inserts
    // that merely reference a page (its history, a delivery attempt being
    // recorded on another connection) need not wait for this commit.
    let rows = sqlx::query(concat!(
        page_select!(),
        " WHERE p.status = 'triggered' AND p.next_due_at <= $1 ORDER BY p.next_due_at LIMIT $2 \
         FOR NO KEY UPDATE OF p SKIP LOCKED"
    ))
    .bind(now.as_millisecond())
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(backend)?;
    let due = load_pages(c, rows).await?;
    let mut decided = Vec::with_capacity(due.len());
    for page in due {
        let Some(due_at) = page.next_due_at else {
            continue;
        };
        if let Some(write) = decide(&page, now) {
            decided.push((page.id, page.fired, due_at, write));
        }
    }
    if decided.is_empty() {
        return Ok(Vec::new());
    }
    // One statement advances the whole batch. The row locks are ours until
    // commit; the `fired` guard keeps a firing from ever being written
    // twice regardless.
    let advanced: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE pages p SET fired = v.fired, next_due_at = v.next_due_at, version = p.version + 1 \
         FROM UNNEST($1::UUID[], $2::BIGINT[], $3::BIGINT[], $4::BIGINT[]) AS v(page_id, fired, next_due_at, was) \
         WHERE p.page_id = v.page_id AND p.fired = v.was AND p.status = 'triggered' RETURNING p.page_id",
    )
    .bind(decided.iter().map(|d| d.0.as_uuid()).collect::<Vec<_>>())
    .bind(decided.iter().map(|d| i64::from(d.3.fired)).collect::<Vec<_>>())
    .bind(
        decided
            .iter()
            .map(|d| d.3.next_due_at.map(|t| t.as_millisecond()))
            .collect::<Vec<_>>(),
    )
    .bind(decided.iter().map(|d| i64::from(d.1)).collect::<Vec<_>>())
    .fetch_all(&mut *c)
    .await
    .map_err(backend)?;
    let advanced: std::collections::HashSet<Uuid> = advanced.into_iter().collect();
    let mut fired = Vec::with_capacity(advanced.len());
    let mut deliveries: Vec<Delivery> = Vec::new();
    decided.retain(|d| advanced.contains(&d.0.as_uuid()));
    for (page, _, due_at, write) in &mut decided {
        fired.push(Fired {
            page: *page,
            due_at: *due_at,
            deliveries: write.deliveries.len(),
        });
        deliveries.append(&mut write.deliveries);
    }
    let events: Vec<(PageId, &PageEvent)> = decided
        .iter()
        .flat_map(|(page, _, _, write)| write.events.iter().map(|e| (*page, e)))
        .collect();
    insert_page_events(c, &events).await?;
    outbox::insert_deliveries(c, &deliveries).await?;
    Ok(fired)
}

#[async_trait]
impl PagingStore for PostgresStore {
    async fn insert_page(
        &self,
        page: &Page,
        events: &[PageEvent],
        timeline: &[NewTimelineEntry],
    ) -> Result<PageNumber, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let number = insert_page_rows(&mut tx, page, events).await?;
        insert_timeline(&mut tx, timeline).await?;
        tx.commit().await.map_err(backend)?;
        Ok(number)
    }

    async fn find_page(&self, id: PageId) -> Result<Option<Page>, StoreError> {
        let mut c = self.pool.acquire().await.map_err(backend)?;
        let rows = sqlx::query(concat!(page_select!(), " WHERE p.page_id = $1"))
            .bind(id.as_uuid())
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?;
        Ok(load_pages(&mut c, rows).await?.pop())
    }

    async fn find_page_by_number(&self, number: PageNumber) -> Result<Option<Page>, StoreError> {
        let mut c = self.pool.acquire().await.map_err(backend)?;
        let rows = sqlx::query(concat!(page_select!(), " WHERE p.number = $1"))
            .bind(i64::try_from(number.0).unwrap_or(i64::MAX))
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?;
        Ok(load_pages(&mut c, rows).await?.pop())
    }

    async fn list_pages(&self, filter: &PageFilter) -> Result<Vec<Page>, StoreError> {
        let statement = sql::page_list(filter, Placeholders::DollarNumbered);
        // The SQL is assembled from constant fragments; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(statement.sql));
        for value in statement.values {
            query = match value {
                SqlValue::Text(text) => query.bind(text),
                SqlValue::Int(int) => query.bind(int),
                SqlValue::Bool(flag) => query.bind(flag),
                SqlValue::User(user) => query.bind(user.as_uuid()),
                SqlValue::Id(id) => query.bind(id),
            };
        }
        let mut c = self.pool.acquire().await.map_err(backend)?;
        let rows = query.fetch_all(&mut *c).await.map_err(backend)?;
        load_pages(&mut c, rows).await
    }

    async fn page_events(&self, page: PageId) -> Result<Vec<PageEvent>, StoreError> {
        let rows = sqlx::query(statements::EVENTS_OF)
            .bind(page.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_page_event(&Row(r))).collect()
    }

    async fn page_deliveries(&self, page: PageId) -> Result<Vec<Delivery>, StoreError> {
        outbox::page_deliveries(&self.pool, page).await
    }

    async fn delivery_attempts(&self, page: PageId) -> Result<Vec<StoredAttempt>, StoreError> {
        outbox::page_attempts(&self.pool, page).await
    }

    async fn apply_page_change(
        &self,
        change: &PageChange,
        timeline: &[NewTimelineEntry],
        link: Option<&[u8; 32]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        write_page_change(&mut tx, change, timeline, link).await?;
        tx.commit().await.map_err(backend)
    }

    async fn link_used(&self, digest: &[u8; 32]) -> Result<bool, StoreError> {
        let used: i64 = sqlx::query_scalar(statements::LINK_USED)
            .bind(digest.to_vec())
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(used > 0)
    }

    async fn next_page_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(statements::NEXT_PAGE_DUE)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        due.map(crate::codec::millis).transpose()
    }

    async fn fire_due_pages(
        &self,
        now: Timestamp,
        limit: u32,
        decide: FiringDecider,
    ) -> Result<Vec<Fired>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let fired = fire(&mut tx, now, limit, decide).await?;
        tx.commit().await.map_err(backend)?;
        Ok(fired)
    }

    async fn fire_due_pages_and_claim(
        &self,
        now: Timestamp,
        limit: u32,
        decide: FiringDecider,
        claim: &DeliveryClaim,
    ) -> Result<(Vec<Fired>, Vec<Delivery>), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let fired = fire(&mut tx, now, limit, decide).await?;
        let claimed = outbox::claim(&mut *tx, &claim.node, now, claim.lease, claim.limit).await?;
        tx.commit().await.map_err(backend)?;
        Ok((fired, claimed))
    }

    async fn next_delivery_due(&self) -> Result<Option<Timestamp>, StoreError> {
        outbox::next_due(&self.pool).await
    }

    async fn claim_deliveries(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        outbox::claim(&self.pool, node, now, lease, limit).await
    }

    async fn record_attempt(&self, record: &AttemptRecord) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let recorded = outbox::record_attempt(&mut tx, record).await?;
        tx.commit().await.map_err(backend)?;
        Ok(recorded)
    }

    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut recorded = Vec::with_capacity(records.len());
        for record in &records {
            recorded.push(outbox::record_attempt(&mut tx, record).await?);
        }
        tx.commit().await.map_err(backend)?;
        Ok(recorded)
    }

    async fn delivery_siblings(
        &self,
        delivery: &Delivery,
    ) -> Result<Vec<(DeliveryId, DeliveryStatus, Timestamp)>, StoreError> {
        outbox::siblings(&self.pool, delivery).await
    }

    async fn bring_delivery_forward(
        &self,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let moved = sqlx::query(statements::BRING_FORWARD)
            .bind(now.as_millisecond())
            .bind(delivery.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        Ok(moved > 0)
    }

    async fn escalate_page_now(
        &self,
        page: PageId,
        fired: u32,
        now: Timestamp,
        event: &PageEvent,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let moved = sqlx::query(statements::ESCALATE_NOW)
            .bind(now.as_millisecond())
            .bind(page.as_uuid())
            .bind(i64::from(fired))
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if moved > 0 {
            insert_events(&mut tx, page, std::slice::from_ref(event)).await?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(moved > 0)
    }

    async fn count_deliveries(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
        outbox::count(&self.pool).await
    }

    async fn insert_override(&self, over: &StoredOverride) -> Result<(), StoreError> {
        oncall::insert_override(&self.pool, over).await
    }

    async fn delete_override(&self, id: OverrideId) -> Result<bool, StoreError> {
        let gone = sqlx::query(statements::DELETE_OVERRIDE)
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        Ok(gone > 0)
    }

    async fn find_override(&self, id: OverrideId) -> Result<Option<StoredOverride>, StoreError> {
        oncall::find_override(&self.pool, id).await
    }

    async fn list_overrides(
        &self,
        schedule: Option<&str>,
        ending_after: Timestamp,
    ) -> Result<Vec<StoredOverride>, StoreError> {
        oncall::list_overrides(&self.pool, schedule, ending_after).await
    }

    async fn notification_rules(&self, user: UserId) -> Result<Vec<NotificationRule>, StoreError> {
        oncall::rules_of(&self.pool, user).await
    }

    async fn all_notification_rules(
        &self,
    ) -> Result<Vec<(UserId, Vec<NotificationRule>)>, StoreError> {
        oncall::all_rules(&self.pool).await
    }

    async fn set_notification_rules(
        &self,
        user: UserId,
        rules: &[NotificationRule],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        oncall::set_rules(&mut tx, user, rules).await?;
        tx.commit().await.map_err(backend)
    }

    async fn signing_key(&self, name: &str, fresh: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        oncall::signing_key(&self.pool, name, fresh).await
    }

    async fn claim_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<EngineClaim, StoreError> {
        oncall::claim_engine(&self.pool, node, now, lease).await
    }

    async fn take_over_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<(), StoreError> {
        // Every node has its own lease row here: taking over is claiming.
        oncall::claim_engine(&self.pool, node, now, lease)
            .await
            .map(drop)
    }

    async fn release_engine(&self, node: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM engine_leases WHERE module = $1 AND owner = $2")
            .bind(oncall::engine_module(node))
            .bind(node)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(backend)
    }
}
