//! Pages on SQLite: inserts, reads, acknowledge/resolve, and the engine's
//! claim-decide-commit of due steps, all through the group-commit writer
//! (one writer is also what makes a claim exclusive here).

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
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::SqliteStore;
use crate::codec::{Row, backend, get, unique};
use crate::incidents::insert_timeline;
use crate::{oncall, outbox};

pub(crate) async fn insert_events(
    c: &mut SqliteConnection,
    page: PageId,
    events: &[PageEvent],
) -> Result<(), StoreError> {
    for event in events {
        sqlx::query(statements::INSERT_EVENT)
            .bind(page.to_string())
            .bind(event.at.as_millisecond())
            .bind(event.kind.as_str())
            .bind(event.actor.map(|a| a.to_string()))
            .bind(&event.recipient)
            .bind(&event.sink)
            .bind(&event.detail)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Inserts a page, its policy snapshot and its first history entries, and
/// returns the number drawn for it.
pub(crate) async fn insert_page_rows(
    c: &mut SqliteConnection,
    page: &Page,
    events: &[PageEvent],
) -> Result<PageNumber, StoreError> {
    let number: i64 = sqlx::query_scalar(statements::NEXT_PAGE_NUMBER)
        .fetch_one(&mut *c)
        .await
        .map_err(backend)?;
    sqlx::query(statements::INSERT_PAGE)
        .bind(page.id.to_string())
        .bind(number)
        .bind(page.target.kind())
        .bind(page.target.name())
        .bind(&page.summary)
        .bind(&page.details)
        .bind(page.incident.as_ref().map(|i| i.id.to_string()))
        .bind(page.drill)
        .bind(page.team.as_ref().map(|t| t.as_str().to_owned()))
        .bind(&page.policy_name)
        .bind(i64::from(page.policy.repeat()))
        .bind(page.status.as_str())
        .bind(page.triggered_at.as_millisecond())
        .bind(page.triggered_by.map(|u| u.to_string()))
        .bind(i64::from(page.fired))
        .bind(page.next_due_at.map(|t| t.as_millisecond()))
        .bind(page.version as i64)
        .execute(&mut *c)
        .await
        .map_err(|e| match unique(e, "id", "") {
            StoreError::Missing { .. } => StoreError::Missing {
                entity: "incident or user",
            },
            other => other,
        })?;
    for (step, delay, targets) in policy_rows(&page.policy) {
        sqlx::query(statements::INSERT_STEP)
            .bind(page.id.to_string())
            .bind(step)
            .bind(delay)
            .bind(targets)
            .execute(&mut *c)
            .await
            .map_err(backend)?;
    }
    insert_events(c, page.id, events).await?;
    Ok(PageNumber(u64::try_from(number).unwrap_or_default()))
}

/// Decodes page rows with their steps (rows of `page_steps` for the same pages).
fn pages(rows: &[SqliteRow], steps: &[SqliteRow]) -> Result<Vec<Page>, StoreError> {
    let mut by_page: HashMap<String, Vec<Row<'_>>> = HashMap::new();
    for step in steps {
        by_page
            .entry(get::<String>(step, "page_id")?)
            .or_default()
            .push(Row(step));
    }
    rows.iter()
        .map(|row| {
            let id: String = get(row, "page_id")?;
            let steps = by_page.remove(&id).unwrap_or_default();
            let refs: Vec<&Row<'_>> = steps.iter().collect();
            decode_page(&Row(row), &refs)
        })
        .collect()
}

async fn steps_of(
    c: &mut SqliteConnection,
    rows: &[SqliteRow],
) -> Result<Vec<SqliteRow>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = rows
        .iter()
        .map(|r| get::<String>(r, "page_id"))
        .collect::<Result<Vec<_>, _>>()?;
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("?{n}")).collect();
    let text = format!(
        "SELECT page_id, step, delay_ms, targets FROM page_steps WHERE page_id IN ({}) ORDER BY page_id, step",
        placeholders.join(", ")
    );
    // The SQL holds only placeholders; every id is bound.
    let mut query = sqlx::query(AssertSqlSafe(text));
    for id in ids {
        query = query.bind(id);
    }
    query.fetch_all(&mut *c).await.map_err(backend)
}

async fn load_pages(
    c: &mut SqliteConnection,
    rows: Vec<SqliteRow>,
) -> Result<Vec<Page>, StoreError> {
    let steps = steps_of(c, &rows).await?;
    pages(&rows, &steps)
}

async fn write_page_change(
    c: &mut SqliteConnection,
    change: &PageChange,
    timeline: &[NewTimelineEntry],
    link: Option<[u8; 32]>,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(digest) = link {
        sqlx::query(statements::INSERT_USED_LINK)
            .bind(digest.to_vec())
            .bind(now)
            .execute(&mut *c)
            .await
            .map_err(|e| unique(e, "link", "this link"))?;
    }
    let page = &change.page;
    let updated = sqlx::query(statements::UPDATE_PAGE_STATE)
        .bind(page.status.as_str())
        .bind(page.acknowledged_at.map(|t| t.as_millisecond()))
        .bind(page.acknowledged_by.map(|u| u.to_string()))
        .bind(page.resolved_at.map(|t| t.as_millisecond()))
        .bind(page.resolved_by.map(|u| u.to_string()))
        .bind(page.next_due_at.map(|t| t.as_millisecond()))
        .bind(page.version as i64)
        .bind(page.id.to_string())
        .bind(change.expected_version as i64)
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if updated == 0 {
        let actual: Option<i64> =
            sqlx::query_scalar("SELECT version FROM pages WHERE page_id = ?1")
                .bind(page.id.to_string())
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
        .bind(page.id.to_string())
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    insert_events(c, page.id, std::slice::from_ref(&change.event)).await?;
    insert_timeline(c, timeline).await
}

async fn fire(
    c: &mut SqliteConnection,
    now: Timestamp,
    limit: u32,
    decide: FiringDecider,
) -> Result<Vec<Fired>, StoreError> {
    let rows = sqlx::query(concat!(
        page_select!(),
        " WHERE p.status = 'triggered' AND p.next_due_at <= $1 ORDER BY p.next_due_at LIMIT $2"
    ))
    .bind(now.as_millisecond())
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(backend)?;
    let due = load_pages(c, rows).await?;
    let mut fired = Vec::with_capacity(due.len());
    for page in due {
        let Some(due_at) = page.next_due_at else {
            continue;
        };
        let Some(write) = decide(&page, now) else {
            continue;
        };
        let advanced = sqlx::query(statements::ADVANCE_PAGE)
            .bind(i64::from(write.fired))
            .bind(write.next_due_at.map(|t| t.as_millisecond()))
            .bind(page.id.to_string())
            .bind(i64::from(page.fired))
            .execute(&mut *c)
            .await
            .map_err(backend)?
            .rows_affected();
        if advanced == 0 {
            // The single writer makes this unreachable; keep the guard
            // anyway so a firing is never written twice.
            continue;
        }
        insert_events(c, page.id, &write.events).await?;
        for delivery in &write.deliveries {
            outbox::insert_delivery(c, delivery).await?;
        }
        fired.push(Fired {
            page: page.id,
            due_at,
            deliveries: write.deliveries.len(),
        });
    }
    Ok(fired)
}

#[async_trait]
impl PagingStore for SqliteStore {
    async fn insert_page(
        &self,
        page: &Page,
        events: &[PageEvent],
        timeline: &[NewTimelineEntry],
    ) -> Result<PageNumber, StoreError> {
        let page = page.clone();
        let events = events.to_vec();
        let timeline = timeline.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let number = insert_page_rows(c, &page, &events).await?;
                    insert_timeline(c, &timeline).await?;
                    Ok(number)
                })
            })
            .await
    }

    async fn find_page(&self, id: PageId) -> Result<Option<Page>, StoreError> {
        let mut c = self.readers.acquire().await.map_err(backend)?;
        let rows = sqlx::query(concat!(page_select!(), " WHERE p.page_id = $1"))
            .bind(id.to_string())
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?;
        Ok(load_pages(&mut c, rows).await?.pop())
    }

    async fn find_page_by_number(&self, number: PageNumber) -> Result<Option<Page>, StoreError> {
        let mut c = self.readers.acquire().await.map_err(backend)?;
        let rows = sqlx::query(concat!(page_select!(), " WHERE p.number = $1"))
            .bind(i64::try_from(number.0).unwrap_or(i64::MAX))
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?;
        Ok(load_pages(&mut c, rows).await?.pop())
    }

    async fn list_pages(&self, filter: &PageFilter) -> Result<Vec<Page>, StoreError> {
        let statement = sql::page_list(filter, Placeholders::QuestionNumbered);
        // The SQL is assembled from constant fragments; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(statement.sql));
        for value in statement.values {
            query = match value {
                SqlValue::Text(text) => query.bind(text),
                SqlValue::Int(int) => query.bind(int),
                SqlValue::Bool(flag) => query.bind(flag),
                SqlValue::User(user) => query.bind(user.to_string()),
                SqlValue::Id(id) => query.bind(id.to_string()),
            };
        }
        let mut c = self.readers.acquire().await.map_err(backend)?;
        let rows = query.fetch_all(&mut *c).await.map_err(backend)?;
        load_pages(&mut c, rows).await
    }

    async fn page_events(&self, page: PageId) -> Result<Vec<PageEvent>, StoreError> {
        let rows = sqlx::query(statements::EVENTS_OF)
            .bind(page.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_page_event(&Row(r))).collect()
    }

    async fn page_deliveries(&self, page: PageId) -> Result<Vec<Delivery>, StoreError> {
        outbox::page_deliveries(&self.readers, page).await
    }

    async fn delivery_attempts(&self, page: PageId) -> Result<Vec<StoredAttempt>, StoreError> {
        outbox::page_attempts(&self.readers, page).await
    }

    async fn apply_page_change(
        &self,
        change: &PageChange,
        timeline: &[NewTimelineEntry],
        link: Option<&[u8; 32]>,
    ) -> Result<(), StoreError> {
        let change = change.clone();
        let timeline = timeline.to_vec();
        let link = link.copied();
        let now = change.event.at.as_millisecond();
        self.writer
            .write(move |c| {
                Box::pin(async move { write_page_change(c, &change, &timeline, link, now).await })
            })
            .await
    }

    async fn link_used(&self, digest: &[u8; 32]) -> Result<bool, StoreError> {
        let used: i64 = sqlx::query_scalar(statements::LINK_USED)
            .bind(digest.to_vec())
            .fetch_one(&self.readers)
            .await
            .map_err(backend)?;
        Ok(used > 0)
    }

    async fn next_page_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let due: Option<i64> = sqlx::query_scalar(statements::NEXT_PAGE_DUE)
            .fetch_one(&self.readers)
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
        self.writer
            .write(move |c| Box::pin(async move { fire(c, now, limit, decide).await }))
            .await
    }

    async fn fire_due_pages_and_claim(
        &self,
        now: Timestamp,
        limit: u32,
        decide: FiringDecider,
        claim: &DeliveryClaim,
    ) -> Result<(Vec<Fired>, Vec<Delivery>), StoreError> {
        let claim = claim.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let fired = fire(c, now, limit, decide).await?;
                    let claimed =
                        outbox::claim(c, &claim.node, now, claim.lease, claim.limit).await?;
                    Ok((fired, claimed))
                })
            })
            .await
    }

    async fn next_delivery_due(&self) -> Result<Option<Timestamp>, StoreError> {
        outbox::next_due(&self.readers).await
    }

    async fn claim_deliveries(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let node = node.to_owned();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move { outbox::claim(c, &node, now, lease, limit).await })
            })
            .await
    }

    async fn record_attempt(&self, record: &AttemptRecord) -> Result<bool, StoreError> {
        let record = record.clone();
        self.writer
            .write(move |c| Box::pin(async move { outbox::record_attempt(c, &record).await }))
            .await
    }

    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> Result<Vec<bool>, StoreError> {
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let mut recorded = Vec::with_capacity(records.len());
                    for record in &records {
                        recorded.push(outbox::record_attempt(c, record).await?);
                    }
                    Ok(recorded)
                })
            })
            .await
    }

    async fn delivery_siblings(
        &self,
        delivery: &Delivery,
    ) -> Result<Vec<(DeliveryId, DeliveryStatus, Timestamp)>, StoreError> {
        outbox::siblings(&self.readers, delivery).await
    }

    async fn bring_delivery_forward(
        &self,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    let moved = sqlx::query(statements::BRING_FORWARD)
                        .bind(now.as_millisecond())
                        .bind(delivery.to_string())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?
                        .rows_affected();
                    Ok(moved > 0)
                })
            })
            .await
    }

    async fn escalate_page_now(
        &self,
        page: PageId,
        fired: u32,
        now: Timestamp,
        event: &PageEvent,
    ) -> Result<bool, StoreError> {
        let event = event.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let moved = sqlx::query(statements::ESCALATE_NOW)
                        .bind(now.as_millisecond())
                        .bind(page.to_string())
                        .bind(i64::from(fired))
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?
                        .rows_affected();
                    if moved > 0 {
                        insert_events(c, page, std::slice::from_ref(&event)).await?;
                    }
                    Ok(moved > 0)
                })
            })
            .await
    }

    async fn count_deliveries(&self) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
        outbox::count(&self.readers).await
    }

    async fn insert_override(&self, over: &StoredOverride) -> Result<(), StoreError> {
        let over = over.clone();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move { oncall::insert_override(c, &over).await })
            })
            .await
    }

    async fn delete_override(&self, id: OverrideId) -> Result<bool, StoreError> {
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    let gone = sqlx::query(statements::DELETE_OVERRIDE)
                        .bind(id.to_string())
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?
                        .rows_affected();
                    Ok(gone > 0)
                })
            })
            .await
    }

    async fn find_override(&self, id: OverrideId) -> Result<Option<StoredOverride>, StoreError> {
        oncall::find_override(&self.readers, id).await
    }

    async fn list_overrides(
        &self,
        schedule: Option<&str>,
        ending_after: Timestamp,
    ) -> Result<Vec<StoredOverride>, StoreError> {
        oncall::list_overrides(&self.readers, schedule, ending_after).await
    }

    async fn notification_rules(&self, user: UserId) -> Result<Vec<NotificationRule>, StoreError> {
        oncall::rules_of(&self.readers, user).await
    }

    async fn all_notification_rules(
        &self,
    ) -> Result<Vec<(UserId, Vec<NotificationRule>)>, StoreError> {
        oncall::all_rules(&self.readers).await
    }

    async fn set_notification_rules(
        &self,
        user: UserId,
        rules: &[NotificationRule],
    ) -> Result<(), StoreError> {
        let rules = rules.to_vec();
        self.writer
            .write(move |c| Box::pin(async move { oncall::set_rules(c, user, &rules).await }))
            .await
    }

    async fn signing_key(&self, name: &str, fresh: &[u8; 32]) -> Result<Vec<u8>, StoreError> {
        let name = name.to_owned();
        let fresh = *fresh;
        self.writer
            .write(move |c| Box::pin(async move { oncall::signing_key(c, &name, &fresh).await }))
            .await
    }

    async fn claim_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<EngineClaim, StoreError> {
        let node = node.to_owned();
        self.writer
            .write(move |c| {
                Box::pin(async move { oncall::claim_engine(c, &node, now, lease).await })
            })
            .await
    }

    async fn take_over_engine(
        &self,
        node: &str,
        now: Timestamp,
        lease: SignedDuration,
    ) -> Result<(), StoreError> {
        let node = node.to_owned();
        let until = now.saturating_add(lease).unwrap_or(now).as_millisecond();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move { oncall::write_lease(c, &node, until).await })
            })
            .await
    }

    async fn release_engine(&self, node: &str) -> Result<(), StoreError> {
        let node = node.to_owned();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    sqlx::query("DELETE FROM engine_leases WHERE module = 'engine' AND owner = ?1")
                        .bind(node)
                        .execute(&mut *c)
                        .await
                        .map(drop)
                        .map_err(backend)
                })
            })
            .await
    }
}
