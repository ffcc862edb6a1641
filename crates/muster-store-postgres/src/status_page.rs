//! The status page's projection on PostgreSQL: each write is one
//! transaction that also bumps the page's revision, so the row lock on the
//! revision orders publications across nodes.

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::status_page::maintenance::Maintenance;
use muster_core::status_page::publication::PublicIncident;
use muster_core::status_page::subscriber::Subscriber;
use muster_core::{IncidentId, MaintenanceId, SubscriberId};
use muster_store::StoreError;
use muster_store::status_page::documents::{
    decode_incident, decode_maintenance, encode_components, encode_incident, encode_maintenance,
};
use muster_store::status_page::{
    ComponentState, MaintenanceWrite, NewSubscriber, PublicIncidentWrite, StatusPageStore,
    Subscribed, decode_component_state, decode_subscriber, statements,
};
use sqlx::PgConnection;

use crate::PostgresStore;
use crate::codec::{Row, backend, get};

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn bump(c: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query(statements::BUMP)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    Ok(())
}

fn conflict(entity: &'static str, expected: Option<u64>) -> StoreError {
    StoreError::VersionConflict {
        entity,
        // The same on both sides: the caller's read is simply stale.
        expected: expected.unwrap_or(0),
        actual: expected.unwrap_or(0),
    }
}

async fn write_incident(
    c: &mut PgConnection,
    write: &PublicIncidentWrite,
) -> Result<(), StoreError> {
    let incident = &write.incident;
    let document = encode_incident(incident);
    let written = match write.expected_version {
        None => sqlx::query(statements::INSERT_INCIDENT)
            .bind(incident.id.as_uuid())
            .bind(incident.incident.as_uuid())
            .bind(document)
            .bind(to_i64(incident.version))
            .bind(incident.created_at.as_millisecond())
            .bind(incident.updated_at().as_millisecond()),
        Some(expected) => sqlx::query(statements::UPDATE_INCIDENT)
            .bind(incident.id.as_uuid())
            .bind(document)
            .bind(to_i64(incident.version))
            .bind(incident.updated_at().as_millisecond())
            .bind(to_i64(expected)),
    }
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    if written.rows_affected() == 0 {
        return Err(conflict("public incident", write.expected_version));
    }
    crate::outbox::insert_deliveries(c, &write.deliveries).await?;
    crate::incidents::insert_timeline(c, &write.timeline).await?;
    bump(c).await
}

async fn write_maintenance(
    c: &mut PgConnection,
    write: &MaintenanceWrite,
) -> Result<(), StoreError> {
    let m = &write.maintenance;
    let document = encode_maintenance(m);
    let next = write.next_look_at.map(|t| t.as_millisecond());
    let written = match write.expected_version {
        None => sqlx::query(statements::INSERT_MAINTENANCE)
            .bind(m.id.as_uuid())
            .bind(document)
            .bind(to_i64(m.version))
            .bind(m.starts_at.as_millisecond())
            .bind(next)
            .bind(m.updated_at().as_millisecond()),
        Some(expected) => sqlx::query(statements::UPDATE_MAINTENANCE)
            .bind(m.id.as_uuid())
            .bind(document)
            .bind(to_i64(m.version))
            .bind(m.starts_at.as_millisecond())
            .bind(next)
            .bind(m.updated_at().as_millisecond())
            .bind(to_i64(expected)),
    }
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    if written.rows_affected() == 0 {
        return Err(conflict("maintenance", write.expected_version));
    }
    crate::outbox::insert_deliveries(c, &write.deliveries).await?;
    bump(c).await
}

async fn insert_subscriber(
    c: &mut PgConnection,
    new: &NewSubscriber,
) -> Result<Subscribed, StoreError> {
    let s = &new.subscriber;
    sqlx::query(statements::DROP_UNCONFIRMED)
        .bind(s.kind.as_str())
        .bind(&s.address)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    let written = sqlx::query(statements::INSERT_SUBSCRIBER)
        .bind(s.id.as_uuid())
        .bind(s.kind.as_str())
        .bind(&s.address)
        .bind(encode_components(&s.components))
        .bind(s.confirmed_at.map(|t| t.as_millisecond()))
        .bind(s.created_at.as_millisecond())
        .bind(new.confirm_digest.map(|d| d.to_vec()))
        .bind(new.unsubscribe_digest.to_vec())
        .bind(&new.signing_secret)
        .execute(&mut *c)
        .await
        .map_err(backend)?;
    if written.rows_affected() == 0 {
        return Ok(Subscribed::AlreadyConfirmed);
    }
    crate::outbox::insert_deliveries(c, &new.deliveries).await?;
    Ok(Subscribed::Stored)
}

#[async_trait]
impl StatusPageStore for PostgresStore {
    async fn status_revision(&self) -> Result<i64, StoreError> {
        sqlx::query_scalar(statements::REVISION)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn list_component_states(&self) -> Result<Vec<ComponentState>, StoreError> {
        let rows = sqlx::query(statements::LIST_COMPONENTS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|row| decode_component_state(&Row(row)))
            .collect()
    }

    async fn write_component_state(&self, state: &ComponentState) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(statements::PUT_COMPONENT)
            .bind(&state.component)
            .bind(state.set_by_hand.map(|s| s.as_str()))
            .bind(state.verified_at.map(|t| t.as_millisecond()))
            .bind(state.updated_at.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        bump(&mut tx).await?;
        tx.commit().await.map_err(backend)
    }

    async fn list_public_incidents(&self) -> Result<Vec<PublicIncident>, StoreError> {
        let documents: Vec<String> = sqlx::query_scalar(statements::LIST_INCIDENTS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        documents.iter().map(|d| decode_incident(d)).collect()
    }

    async fn find_public_incident(
        &self,
        incident: IncidentId,
    ) -> Result<Option<PublicIncident>, StoreError> {
        let document: Option<String> = sqlx::query_scalar(statements::FIND_INCIDENT)
            .bind(incident.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        document.as_deref().map(decode_incident).transpose()
    }

    async fn write_public_incident(&self, write: &PublicIncidentWrite) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        write_incident(&mut tx, write).await?;
        tx.commit().await.map_err(backend)
    }

    async fn list_maintenances(&self) -> Result<Vec<Maintenance>, StoreError> {
        let documents: Vec<String> = sqlx::query_scalar(statements::LIST_MAINTENANCES)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        documents.iter().map(|d| decode_maintenance(d)).collect()
    }

    async fn find_maintenance(&self, id: MaintenanceId) -> Result<Option<Maintenance>, StoreError> {
        let document: Option<String> = sqlx::query_scalar(statements::FIND_MAINTENANCE)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        document.as_deref().map(decode_maintenance).transpose()
    }

    async fn write_maintenance(&self, write: &MaintenanceWrite) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        write_maintenance(&mut tx, write).await?;
        tx.commit().await.map_err(backend)
    }

    async fn maintenances_due(&self, now: Timestamp) -> Result<Vec<Maintenance>, StoreError> {
        let documents: Vec<String> = sqlx::query_scalar(statements::DUE_MAINTENANCES)
            .bind(now.as_millisecond())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        documents.iter().map(|d| decode_maintenance(d)).collect()
    }

    async fn insert_subscriber(&self, new: &NewSubscriber) -> Result<Subscribed, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let subscribed = insert_subscriber(&mut tx, new).await?;
        tx.commit().await.map_err(backend)?;
        Ok(subscribed)
    }

    async fn confirm_subscriber(
        &self,
        confirm_digest: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<Subscriber>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let row = sqlx::query(statements::FIND_BY_CONFIRM)
            .bind(confirm_digest.to_vec())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut subscriber = decode_subscriber(&Row(&row))?;
        let confirmed = sqlx::query(statements::CONFIRM_SUBSCRIBER)
            .bind(confirm_digest.to_vec())
            .bind(now.as_millisecond())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Two clicks racing: only the one that spent the token confirms.
        if confirmed.rows_affected() == 0 {
            return Ok(None);
        }
        tx.commit().await.map_err(backend)?;
        subscriber.confirmed_at = Some(now);
        Ok(Some(subscriber))
    }

    async fn remove_subscriber(
        &self,
        unsubscribe_digest: &[u8; 32],
    ) -> Result<Option<Subscriber>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let row = sqlx::query(statements::FIND_BY_UNSUBSCRIBE)
            .bind(unsubscribe_digest.to_vec())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let subscriber = decode_subscriber(&Row(&row))?;
        sqlx::query(statements::DELETE_SUBSCRIBER)
            .bind(subscriber.id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(Some(subscriber))
    }

    async fn list_subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        let rows = sqlx::query(statements::LIST_SUBSCRIBERS)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_subscriber(&Row(r))).collect()
    }

    async fn find_subscriber(
        &self,
        id: SubscriberId,
    ) -> Result<Option<(Subscriber, Option<String>)>, StoreError> {
        let row = sqlx::query(statements::FIND_SUBSCRIBER)
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|row| Ok((decode_subscriber(&Row(&row))?, get(&row, "signing_secret")?)))
            .transpose()
    }

    async fn write_subscriber_health(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        let s = subscriber;
        sqlx::query(statements::WRITE_HEALTH)
            .bind(s.id.as_uuid())
            .bind(s.failing_since.map(|t| t.as_millisecond()))
            .bind(&s.last_error)
            .bind(s.disabled_at.map(|t| t.as_millisecond()))
            .bind(&s.disabled_reason)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
