//! The delivery outbox on PostgreSQL: inserted in bulk with the firings that
//! caused them, leased with `FOR UPDATE SKIP LOCKED` (nodes never wait on
//! each other's claims), finished with the attempt's outcome.

use jiff::{SignedDuration, Timestamp};
use muster_core::paging::{Delivery, DeliveryStatus};
use muster_core::{DeliveryId, PageId};
use muster_store::paging::{
    after_attempt, attempt_columns, decode_attempt, decode_delivery, statements,
};
use muster_store::{AttemptRecord, StoreError, StoredAttempt, delivery_columns};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::codec::{Row, backend, get, millis};
use crate::paging::insert_events;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Inserts every delivery in one statement.
pub(crate) async fn insert_deliveries(
    c: &mut PgConnection,
    deliveries: &[Delivery],
) -> Result<(), StoreError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let n = deliveries.len();
    let mut id = Vec::with_capacity(n);
    let mut page = Vec::with_capacity(n);
    let mut firing = Vec::with_capacity(n);
    let mut recipient = Vec::with_capacity(n);
    let mut user = Vec::with_capacity(n);
    let mut sink = Vec::with_capacity(n);
    let mut address = Vec::with_capacity(n);
    let mut event = Vec::with_capacity(n);
    let mut subject = Vec::with_capacity(n);
    let mut body = Vec::with_capacity(n);
    let mut summary = Vec::with_capacity(n);
    let mut page_number = Vec::with_capacity(n);
    let mut incident_number = Vec::with_capacity(n);
    let mut incident_title = Vec::with_capacity(n);
    let mut severity = Vec::with_capacity(n);
    let mut drill = Vec::with_capacity(n);
    let mut link = Vec::with_capacity(n);
    let mut ack = Vec::with_capacity(n);
    let mut resolve = Vec::with_capacity(n);
    let mut due = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut unsubscribe = Vec::with_capacity(n);
    for d in deliveries {
        let note = &d.notification;
        id.push(d.id.as_uuid());
        page.push(d.page_id.map(|p| p.as_uuid()));
        firing.push(d.firing.map(i64::from));
        recipient.push(d.recipient.clone());
        user.push(d.user_id.map(|u| u.as_uuid()));
        sink.push(d.destination.sink.as_str());
        address.push(d.destination.address.clone());
        event.push(note.event.as_str());
        subject.push(note.subject.clone());
        body.push(note.body.clone());
        summary.push(note.summary.clone());
        page_number.push(note.page_number.map(|p| to_i64(p.0)));
        incident_number.push(note.incident_number.map(|i| to_i64(i.0)));
        incident_title.push(note.incident_title.clone());
        severity.push(note.severity.clone());
        drill.push(note.drill);
        link.push(note.link.clone());
        ack.push(note.ack_url.clone());
        resolve.push(note.resolve_url.clone());
        due.push(d.due_at.as_millisecond());
        created.push(d.created_at.as_millisecond());
        unsubscribe.push(note.unsubscribe_url.clone());
    }
    sqlx::query(
        "INSERT INTO deliveries (delivery_id, page_id, firing, recipient, user_id, sink, address, \
         event, subject, body, summary, page_number, incident_number, incident_title, severity, drill, \
         link, ack_url, resolve_url, due_at, created_at, unsubscribe_url, status, attempts) \
         SELECT *, 'pending', 0 FROM UNNEST($1::UUID[], $2::UUID[], $3::BIGINT[], $4::TEXT[], \
         $5::UUID[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], \
         $12::BIGINT[], $13::BIGINT[], $14::TEXT[], $15::TEXT[], $16::BOOLEAN[], $17::TEXT[], \
         $18::TEXT[], $19::TEXT[], $20::BIGINT[], $21::BIGINT[], $22::TEXT[])",
    )
    .bind(id)
    .bind(page)
    .bind(firing)
    .bind(recipient)
    .bind(user)
    .bind(sink)
    .bind(address)
    .bind(event)
    .bind(subject)
    .bind(body)
    .bind(summary)
    .bind(page_number)
    .bind(incident_number)
    .bind(incident_title)
    .bind(severity)
    .bind(drill)
    .bind(link)
    .bind(ack)
    .bind(resolve)
    .bind(due)
    .bind(created)
    .bind(unsubscribe)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}

pub(crate) async fn claim(
    pool: impl sqlx::PgExecutor<'_>,
    node: &str,
    now: Timestamp,
    lease: SignedDuration,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let until = now.saturating_add(lease).unwrap_or(now);
    let rows = sqlx::query(concat!(
        "UPDATE deliveries SET status = 'sending', lease_owner = $1, lease_expires_at = $2 \
         WHERE delivery_id IN (SELECT delivery_id FROM deliveries \
         WHERE (status = 'pending' AND due_at <= $3) OR (status = 'sending' AND lease_expires_at <= $3) \
         ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ",
        delivery_columns!()
    ))
    .bind(node)
    .bind(until.as_millisecond())
    .bind(now.as_millisecond())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut claimed = rows
        .iter()
        .map(|r| decode_delivery(&Row(r)))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|d| d.due_at);
    Ok(claimed)
}

pub(crate) async fn record_attempt(
    c: &mut PgConnection,
    record: &AttemptRecord,
) -> Result<bool, StoreError> {
    let (status, due_at, sent_at) = after_attempt(record.decision, record.at);
    let (outcome, error) = attempt_columns(&record.outcome);
    // One statement both checks the lease and finishes the delivery.
    let Some(page): Option<Option<Uuid>> = sqlx::query_scalar(statements::FINISH_ATTEMPT)
        .bind(status.as_str())
        .bind(due_at.map(|t| t.as_millisecond()))
        .bind(sent_at.map(|t| t.as_millisecond()))
        .bind(i64::from(record.attempt))
        .bind(&error)
        .bind(record.delivery.as_uuid())
        .bind(&record.node)
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
    else {
        return Ok(false);
    };
    sqlx::query(statements::INSERT_ATTEMPT)
        .bind(record.delivery.as_uuid())
        .bind(i64::from(record.attempt))
        .bind(record.at.as_millisecond())
        .bind(&record.node)
        .bind(outcome)
        .bind(&error)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    if let (Some(event), Some(page)) = (&record.event, page) {
        insert_events(c, PageId(page), std::slice::from_ref(event)).await?;
    }
    Ok(true)
}

pub(crate) async fn page_deliveries(
    pool: &PgPool,
    page: PageId,
) -> Result<Vec<Delivery>, StoreError> {
    let rows = sqlx::query(statements::PAGE_DELIVERIES)
        .bind(page.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_delivery(&Row(r))).collect()
}

pub(crate) async fn page_attempts(
    pool: &PgPool,
    page: PageId,
) -> Result<Vec<StoredAttempt>, StoreError> {
    let rows = sqlx::query(statements::PAGE_ATTEMPTS)
        .bind(page.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_attempt(&Row(r))).collect()
}

pub(crate) async fn next_due(pool: &PgPool) -> Result<Option<Timestamp>, StoreError> {
    let due: Option<i64> = sqlx::query_scalar(statements::NEXT_DELIVERY_DUE)
        .fetch_one(pool)
        .await
        .map_err(backend)?;
    due.map(millis).transpose()
}

pub(crate) async fn siblings(
    pool: &PgPool,
    delivery: &Delivery,
) -> Result<Vec<(DeliveryId, DeliveryStatus, Timestamp)>, StoreError> {
    let (Some(page), Some(firing)) = (delivery.page_id, delivery.firing) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(statements::SIBLINGS)
        .bind(page.as_uuid())
        .bind(i64::from(firing))
        .bind(&delivery.recipient)
        .bind(delivery.id.as_uuid())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            let status: String = get(r, "status")?;
            Ok((
                DeliveryId(get(r, "delivery_id")?),
                status.parse().map_err(StoreError::Corrupt)?,
                millis(get(r, "due_at")?)?,
            ))
        })
        .collect()
}

pub(crate) async fn count(pool: &PgPool) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
    let rows = sqlx::query(statements::COUNT_DELIVERIES)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            let status: String = get(r, "status")?;
            let n: i64 = get(r, "n")?;
            Ok((
                status.parse().map_err(StoreError::Corrupt)?,
                u64::try_from(n).unwrap_or_default(),
            ))
        })
        .collect()
}
