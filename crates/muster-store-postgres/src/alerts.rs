//! Integrations and alerts on PostgreSQL: the signals of the callers waiting
//! together are one transaction (see `receiver.rs`) that first takes an
//! advisory lock per key (in sorted order, so two transactions never
//! deadlock), so concurrent repeats of one alert are applied one after the
//! other instead of racing to insert it twice.

use async_trait::async_trait;
use muster_core::alert::{Alert, Received, Signal};
use muster_core::{AlertId, IntegrationId};
use muster_store::StoreError;
use muster_store::alerts::{
    AlertDecider, AlertFilter, AlertStore, CHUNK, Integration, IntegrationSettings,
    IntegrationWrite, ReceiveCall, decide_calls, decode_alert, decode_integration, duplicate_name,
    encode_links, encode_map, insert_rows, integration_changed, keys_by_integration, latest_by_key,
    select_under_keys, statements,
};
use muster_store::sql::Placeholders;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection};

use crate::PostgresStore;
use crate::codec::{Row, backend, get, unique};

fn integration(row: &PgRow) -> Result<Integration, StoreError> {
    let digest: Vec<u8> = get(row, "key_digest")?;
    decode_integration(&Row(row), digest)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Kind, service, team and config, in the order the plan's statements bind them.
fn bind_settings<'q>(query: PgQuery<'q>, settings: &'q IntegrationSettings) -> PgQuery<'q> {
    query
        .bind(&settings.kind)
        .bind(settings.service.as_ref().map(|s| s.as_str().to_owned()))
        .bind(settings.team.as_ref().map(|t| t.as_str().to_owned()))
        .bind(&settings.config)
}

/// Inserts one integration; its name is unique.
async fn insert_integration_row(
    c: impl sqlx::PgExecutor<'_>,
    i: &Integration,
) -> Result<sqlx::postgres::PgQueryResult, StoreError> {
    sqlx::query(statements::INSERT_INTEGRATION)
        .bind(i.id.as_uuid())
        .bind(&i.name)
        .bind(&i.kind)
        .bind(i.service.as_ref().map(|s| s.as_str().to_owned()))
        .bind(i.team.as_ref().map(|t| t.as_str().to_owned()))
        .bind(i.key_digest.to_vec())
        .bind(&i.config)
        .bind(i.created_at.as_millisecond())
        .bind(i.created_by.as_uuid())
        .bind(i.origin.as_str())
        .bind(i.retired_at.map(|t| t.as_millisecond()))
        .execute(c)
        .await
        .map_err(|e| match unique(e, "name", &i.name) {
            StoreError::Duplicate { .. } => duplicate_name(&i.name),
            other => other,
        })
}

/// A plan apply's integration writes, inside its transaction; each must
/// find its row as the apply saw it.
pub(crate) async fn write_planned(
    c: &mut PgConnection,
    writes: &[IntegrationWrite],
) -> Result<(), StoreError> {
    for write in writes {
        let touched = match write {
            IntegrationWrite::Insert(i) => insert_integration_row(&mut *c, i).await?,
            IntegrationWrite::Update { id, settings } => bind_settings(
                sqlx::query(statements::UPDATE_PLANNED_INTEGRATION),
                settings,
            )
            .bind(id.as_uuid())
            .execute(&mut *c)
            .await
            .map_err(backend)?,
            IntegrationWrite::Revive {
                id,
                settings,
                key_digest,
                at,
                by,
            } => {
                sqlx::query(statements::FORGET_BEATS)
                    .bind(id.as_uuid())
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                bind_settings(
                    sqlx::query(statements::REVIVE_PLANNED_INTEGRATION),
                    settings,
                )
                .bind(key_digest.to_vec())
                .bind(at.as_millisecond())
                .bind(by.as_uuid())
                .bind(id.as_uuid())
                .execute(&mut *c)
                .await
                .map_err(backend)?
            }
            IntegrationWrite::Retire { id, at } => {
                sqlx::query(statements::RETIRE_PLANNED_INTEGRATION)
                    .bind(at.as_millisecond())
                    .bind(id.as_uuid())
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?
            }
        };
        if touched.rows_affected() != 1 {
            return Err(integration_changed());
        }
    }
    Ok(())
}

/// Inserts `alerts` in one statement.
async fn insert_many(c: &mut PgConnection, alerts: &[Alert]) -> Result<(), StoreError> {
    let Some(first) = alerts.first() else {
        return Ok(());
    };
    let sql = insert_rows(alerts.len(), Placeholders::DollarNumbered);
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in alerts {
        query = query
            .bind(a.id.as_uuid())
            .bind(a.integration.as_uuid())
            .bind(&a.dedup_key)
            .bind(a.status.as_str())
            .bind(&a.summary)
            .bind(a.severity.as_str())
            .bind(&a.source)
            .bind(encode_map(&a.labels))
            .bind(encode_map(&a.annotations))
            .bind(encode_links(&a.links))
            .bind(&a.group_key)
            .bind(a.started_at.as_millisecond())
            .bind(a.first_seen.as_millisecond())
            .bind(a.last_seen.as_millisecond())
            .bind(i64::try_from(a.occurrences).unwrap_or(i64::MAX))
            .bind(a.acknowledged_at.map(|t| t.as_millisecond()))
            .bind(a.resolved_at.map(|t| t.as_millisecond()))
            .bind(i64::try_from(a.version).unwrap_or(i64::MAX));
    }
    query
        .execute(&mut *c)
        .await
        .map_err(|e| unique(e, "dedup_key", &first.dedup_key))?;
    Ok(())
}

/// Compare-and-swap on `version` for many alerts in one statement, a column
/// array each. A status change is a change routing acts on (`route_seq`);
/// a mere repeat is not.
const UPDATE_ALERTS: &str = "UPDATE alerts AS a SET route_seq = a.route_seq + \
    CASE WHEN a.status <> v.status THEN 1 ELSE 0 END, status = v.status, summary = v.summary, \
    severity = v.severity, source = v.source, labels = v.labels, annotations = v.annotations, \
    links = v.links, group_key = v.group_key, last_seen = v.last_seen, \
    occurrences = v.occurrences, acknowledged_at = v.acknowledged_at, \
    resolved_at = v.resolved_at, version = v.version \
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
    $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], \
    $13::bigint[], $14::uuid[], $15::bigint[]) AS v(status, summary, severity, source, labels, \
    annotations, links, group_key, last_seen, occurrences, acknowledged_at, resolved_at, \
    version, alert_id, expected) \
    WHERE a.alert_id = v.alert_id AND a.version = v.expected";

fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Writes each alert if its stored version is still the one given.
async fn update_many(c: &mut PgConnection, updates: &[(Alert, u64)]) -> Result<(), StoreError> {
    if updates.is_empty() {
        return Ok(());
    }
    // One array per column, in the order the statement unnests them.
    fn column<T>(updates: &[(Alert, u64)], value: impl Fn(&Alert, u64) -> T) -> Vec<T> {
        updates
            .iter()
            .map(|(a, expected)| value(a, *expected))
            .collect()
    }
    let updated = sqlx::query(UPDATE_ALERTS)
        .bind(column(updates, |a, _| a.status.as_str()))
        .bind(column(updates, |a, _| a.summary.clone()))
        .bind(column(updates, |a, _| a.severity.as_str()))
        .bind(column(updates, |a, _| a.source.clone()))
        .bind(column(updates, |a, _| encode_map(&a.labels)))
        .bind(column(updates, |a, _| encode_map(&a.annotations)))
        .bind(column(updates, |a, _| encode_links(&a.links)))
        .bind(column(updates, |a, _| a.group_key.clone()))
        .bind(column(updates, |a, _| a.last_seen.as_millisecond()))
        .bind(column(updates, |a, _| big(a.occurrences)))
        .bind(column(updates, |a, _| {
            a.acknowledged_at.map(|t| t.as_millisecond())
        }))
        .bind(column(updates, |a, _| {
            a.resolved_at.map(|t| t.as_millisecond())
        }))
        .bind(column(updates, |a, _| big(a.version)))
        .bind(column(updates, |a, _| a.id.as_uuid()))
        .bind(column(updates, |_, expected| big(expected)))
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if updated != updates.len() as u64 {
        // The keys' advisory locks are held, so a caller's read was stale.
        return Err(StoreError::VersionConflict {
            entity: "alert",
            expected: updates.len() as u64,
            actual: updated,
        });
    }
    Ok(())
}

/// Takes each key's advisory lock, reads the latest alert under every key
/// the calls name, decides in memory (each signal sees what the ones before
/// it decided, across calls), then writes each alert once.
pub(crate) async fn receive_calls(
    c: &mut PgConnection,
    calls: &[ReceiveCall],
) -> Result<Vec<Vec<Received>>, StoreError> {
    let keys = keys_by_integration(calls);
    let mut locks: Vec<String> = keys
        .iter()
        .flat_map(|(integration, keys)| keys.iter().map(move |key| format!("{integration}:{key}")))
        .collect();
    locks.sort();
    // One round trip, taken in the sorted order of the subquery.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(h) FROM \
         (SELECT hashtextextended(k, 0) AS h FROM unnest($1::text[]) AS k ORDER BY k) AS sorted",
    )
    .bind(&locks)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    let mut stored = Vec::new();
    for (integration, keys) in &keys {
        for chunk in keys.chunks(CHUNK) {
            let mut query = sqlx::query(AssertSqlSafe(select_under_keys(
                chunk.len(),
                Placeholders::DollarNumbered,
            )))
            .bind(integration.as_uuid());
            for key in chunk {
                query = query.bind(key);
            }
            for row in query.fetch_all(&mut *c).await.map_err(backend)? {
                stored.push(decode_alert(&Row(&row))?);
            }
        }
    }
    let (received, writes) = decide_calls(latest_by_key(stored), calls);
    for chunk in writes.inserts.chunks(CHUNK) {
        insert_many(c, chunk).await?;
    }
    for chunk in writes.updates.chunks(CHUNK) {
        update_many(c, chunk).await?;
    }
    Ok(received)
}

#[async_trait]
impl AlertStore for PostgresStore {
    async fn insert_integration(&self, i: &Integration) -> Result<(), StoreError> {
        insert_integration_row(&self.pool, i).await?;
        Ok(())
    }

    async fn integrations(&self) -> Result<Vec<Integration>, StoreError> {
        let sql = format!(
            "SELECT {} FROM integrations ORDER BY name",
            statements::INTEGRATION_COLUMNS
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(integration).collect()
    }

    async fn integration_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<Integration>, StoreError> {
        let row = sqlx::query(statements::INTEGRATION_BY_DIGEST)
            .bind(digest.to_vec())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(integration).transpose()
    }

    async fn rotate_integration_key(
        &self,
        id: IntegrationId,
        old: &[u8; 32],
        new: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(statements::ROTATE_KEY)
            .bind(new.to_vec())
            .bind(id.as_uuid())
            .bind(old.to_vec())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn receive_signals(
        &self,
        integration: IntegrationId,
        signals: Vec<Signal>,
        decide: AlertDecider,
    ) -> Result<Vec<Received>, StoreError> {
        self.receiver
            .receive(ReceiveCall {
                integration,
                signals,
                decide,
            })
            .await
    }

    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let mut query = sqlx::query(AssertSqlSafe(statements::alert_list(filter)));
        if let Some(integration) = filter.integration {
            query = query.bind(integration.as_uuid());
        }
        if let Some(after) = filter.after {
            query = query
                .bind(after.last_seen.as_millisecond())
                .bind(after.id.as_uuid());
        }
        let rows = query.fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| decode_alert(&Row(r))).collect()
    }

    async fn find_alert(&self, id: AlertId) -> Result<Option<Alert>, StoreError> {
        let sql = format!(
            "SELECT {} FROM alerts WHERE alert_id = $1",
            statements::ALERT_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| decode_alert(&Row(&r))).transpose()
    }
}
