//! The delivery outbox on SQLite: inserted with the firing that caused it,
//! leased to the sender, finished with the attempt's outcome.

use jiff::{SignedDuration, Timestamp};
use muster_core::DeliveryId;
use muster_core::paging::{Delivery, DeliveryStatus};
use muster_store::paging::{
    after_attempt, attempt_columns, decode_attempt, decode_delivery, statements,
};
use muster_store::{AttemptRecord, StoreError, StoredAttempt, delivery_columns};
use sqlx::{SqliteConnection, SqlitePool};

use crate::codec::{Row, backend, get, millis};
use crate::paging::insert_events;

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) async fn insert_delivery(
    c: &mut SqliteConnection,
    delivery: &Delivery,
) -> Result<(), StoreError> {
    let n = &delivery.notification;
    sqlx::query(statements::INSERT_DELIVERY)
        .bind(delivery.id.to_string())
        .bind(delivery.page_id.map(|p| p.to_string()))
        .bind(delivery.firing.map(i64::from))
        .bind(&delivery.recipient)
        .bind(delivery.user_id.map(|u| u.to_string()))
        .bind(delivery.destination.sink.as_str())
        .bind(&delivery.destination.address)
        .bind(n.event.as_str())
        .bind(&n.subject)
        .bind(&n.body)
        .bind(&n.summary)
        .bind(n.page_number.map(|p| to_i64(p.0)))
        .bind(n.incident_number.map(|i| to_i64(i.0)))
        .bind(&n.incident_title)
        .bind(&n.severity)
        .bind(n.drill)
        .bind(&n.link)
        .bind(&n.ack_url)
        .bind(&n.resolve_url)
        .bind(delivery.due_at.as_millisecond())
        .bind(delivery.created_at.as_millisecond())
        .bind(&n.unsubscribe_url)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    Ok(())
}

pub(crate) async fn claim(
    c: &mut SqliteConnection,
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
         ORDER BY due_at LIMIT $4) RETURNING ",
        delivery_columns!()
    ))
    .bind(node)
    .bind(until.as_millisecond())
    .bind(now.as_millisecond())
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
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
    c: &mut SqliteConnection,
    record: &AttemptRecord,
) -> Result<bool, StoreError> {
    let (status, due_at, sent_at) = after_attempt(record.decision, record.at);
    let (outcome, error) = attempt_columns(&record.outcome);
    // One statement both checks the lease and finishes the delivery.
    let Some(page): Option<Option<String>> = sqlx::query_scalar(statements::FINISH_ATTEMPT)
        .bind(status.as_str())
        .bind(due_at.map(|t| t.as_millisecond()))
        .bind(sent_at.map(|t| t.as_millisecond()))
        .bind(i64::from(record.attempt))
        .bind(&error)
        .bind(record.delivery.to_string())
        .bind(&record.node)
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
    else {
        return Ok(false);
    };
    sqlx::query(statements::INSERT_ATTEMPT)
        .bind(record.delivery.to_string())
        .bind(i64::from(record.attempt))
        .bind(record.at.as_millisecond())
        .bind(&record.node)
        .bind(outcome)
        .bind(&error)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    if let (Some(event), Some(page)) = (&record.event, page) {
        let page = muster_core::PageId(crate::codec::uuid(&page)?);
        insert_events(c, page, std::slice::from_ref(event)).await?;
    }
    Ok(true)
}

pub(crate) async fn page_deliveries(
    readers: &SqlitePool,
    page: muster_core::PageId,
) -> Result<Vec<Delivery>, StoreError> {
    let rows = sqlx::query(statements::PAGE_DELIVERIES)
        .bind(page.to_string())
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_delivery(&Row(r))).collect()
}

pub(crate) async fn page_attempts(
    readers: &SqlitePool,
    page: muster_core::PageId,
) -> Result<Vec<StoredAttempt>, StoreError> {
    let rows = sqlx::query(statements::PAGE_ATTEMPTS)
        .bind(page.to_string())
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    rows.iter().map(|r| decode_attempt(&Row(r))).collect()
}

pub(crate) async fn next_due(readers: &SqlitePool) -> Result<Option<Timestamp>, StoreError> {
    let due: Option<i64> = sqlx::query_scalar(statements::NEXT_DELIVERY_DUE)
        .fetch_one(readers)
        .await
        .map_err(backend)?;
    due.map(millis).transpose()
}

pub(crate) async fn siblings(
    readers: &SqlitePool,
    delivery: &Delivery,
) -> Result<Vec<(DeliveryId, DeliveryStatus, Timestamp)>, StoreError> {
    let (Some(page), Some(firing)) = (delivery.page_id, delivery.firing) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(statements::SIBLINGS)
        .bind(page.to_string())
        .bind(i64::from(firing))
        .bind(&delivery.recipient)
        .bind(delivery.id.to_string())
        .fetch_all(readers)
        .await
        .map_err(backend)?;
    rows.iter()
        .map(|r| {
            let id: String = get(r, "delivery_id")?;
            let status: String = get(r, "status")?;
            Ok((
                DeliveryId(crate::codec::uuid(&id)?),
                status.parse().map_err(StoreError::Corrupt)?,
                millis(get(r, "due_at")?)?,
            ))
        })
        .collect()
}

pub(crate) async fn count(readers: &SqlitePool) -> Result<Vec<(DeliveryStatus, u64)>, StoreError> {
    let rows = sqlx::query(statements::COUNT_DELIVERIES)
        .fetch_all(readers)
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
