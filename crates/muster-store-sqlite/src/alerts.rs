//! Integrations and alerts on SQLite: every caller's signals waiting for the
//! group-commit writer are applied together, with one read and one insert,
//! and are durable before anyone is answered.

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
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::SqliteStore;
use crate::codec::{Row, backend, get, unique};

fn integration(row: &SqliteRow) -> Result<Integration, StoreError> {
    let digest: Vec<u8> = get(row, "key_digest")?;
    decode_integration(&Row(row), digest)
}

/// Inserts one integration; its name is unique.
async fn insert_integration_row(
    c: &mut SqliteConnection,
    i: &Integration,
) -> Result<sqlx::sqlite::SqliteQueryResult, StoreError> {
    sqlx::query(statements::INSERT_INTEGRATION)
        .bind(i.id.to_string())
        .bind(&i.name)
        .bind(&i.kind)
        .bind(i.service.as_ref().map(|s| s.as_str().to_owned()))
        .bind(i.team.as_ref().map(|t| t.as_str().to_owned()))
        .bind(i.key_digest.to_vec())
        .bind(&i.config)
        .bind(i.created_at.as_millisecond())
        .bind(i.created_by.to_string())
        .bind(i.origin.as_str())
        .bind(i.retired_at.map(|t| t.as_millisecond()))
        .execute(&mut *c)
        .await
        .map_err(|e| match unique(e, "name", &i.name) {
            StoreError::Duplicate { .. } => duplicate_name(&i.name),
            other => other,
        })
}

/// A plan apply's integration writes, inside its transaction; each must
/// find its row as the apply saw it.
pub(crate) async fn write_planned(
    c: &mut SqliteConnection,
    writes: &[IntegrationWrite],
) -> Result<(), StoreError> {
    for write in writes {
        let touched = match write {
            IntegrationWrite::Insert(i) => insert_integration_row(c, i).await?,
            IntegrationWrite::Update { id, settings } => bind_settings(
                sqlx::query(statements::UPDATE_PLANNED_INTEGRATION),
                settings,
            )
            .bind(id.to_string())
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
                    .bind(id.to_string())
                    .execute(&mut *c)
                    .await
                    .map_err(backend)?;
                bind_settings(
                    sqlx::query(statements::REVIVE_PLANNED_INTEGRATION),
                    settings,
                )
                .bind(key_digest.to_vec())
                .bind(at.as_millisecond())
                .bind(by.to_string())
                .bind(id.to_string())
                .execute(&mut *c)
                .await
                .map_err(backend)?
            }
            IntegrationWrite::Retire { id, at } => {
                sqlx::query(statements::RETIRE_PLANNED_INTEGRATION)
                    .bind(at.as_millisecond())
                    .bind(id.to_string())
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

/// Kind, service, team and config, in the order the plan's statements bind them.
fn bind_settings<'q>(query: AlertQuery<'q>, settings: &'q IntegrationSettings) -> AlertQuery<'q> {
    query
        .bind(&settings.kind)
        .bind(settings.service.as_ref().map(|s| s.as_str().to_owned()))
        .bind(settings.team.as_ref().map(|t| t.as_str().to_owned()))
        .bind(&settings.config)
}

type AlertQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// What a signal may change, `status` through `group_key`, in the order
/// both the insert and the update bind them.
fn bind_content<'q>(query: AlertQuery<'q>, a: &'q Alert) -> AlertQuery<'q> {
    query
        .bind(a.status.as_str())
        .bind(&a.summary)
        .bind(a.severity.as_str())
        .bind(&a.source)
        .bind(encode_map(&a.labels))
        .bind(encode_map(&a.annotations))
        .bind(encode_links(&a.links))
        .bind(&a.group_key)
}

/// What every signal moves on, `last_seen` through `version`.
fn bind_progress<'q>(query: AlertQuery<'q>, a: &'q Alert) -> AlertQuery<'q> {
    query
        .bind(a.last_seen.as_millisecond())
        .bind(i64::try_from(a.occurrences).unwrap_or(i64::MAX))
        .bind(a.acknowledged_at.map(|t| t.as_millisecond()))
        .bind(a.resolved_at.map(|t| t.as_millisecond()))
        .bind(i64::try_from(a.version).unwrap_or(i64::MAX))
}

/// Inserts `alerts` in one statement.
async fn insert_many(c: &mut SqliteConnection, alerts: &[Alert]) -> Result<(), StoreError> {
    let Some(first) = alerts.first() else {
        return Ok(());
    };
    let sql = insert_rows(alerts.len(), Placeholders::Anonymous);
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in alerts {
        query = query
            .bind(a.id.to_string())
            .bind(a.integration.to_string())
            .bind(&a.dedup_key);
        query = bind_content(query, a)
            .bind(a.started_at.as_millisecond())
            .bind(a.first_seen.as_millisecond());
        query = bind_progress(query, a);
    }
    query
        .execute(&mut *c)
        .await
        .map_err(|e| unique(e, "dedup_key", &first.dedup_key))?;
    Ok(())
}

/// Each update's columns, as [`UPDATE_ALERTS`] binds them.
const UPDATE_COLUMNS: usize = 15;

/// Compare-and-swap on `version` for many alerts in one statement. A status
/// change is a change routing acts on (`route_seq`); a mere repeat is not.
fn update_alerts_sql(rows: usize) -> String {
    format!(
        "UPDATE alerts SET route_seq = alerts.route_seq + \
         CASE WHEN alerts.status <> v.column1 THEN 1 ELSE 0 END, status = v.column1, \
         summary = v.column2, severity = v.column3, source = v.column4, labels = v.column5, \
         annotations = v.column6, links = v.column7, group_key = v.column8, last_seen = v.column9, \
         occurrences = v.column10, acknowledged_at = v.column11, resolved_at = v.column12, \
         version = v.column13 FROM (VALUES {}) AS v \
         WHERE alerts.alert_id = v.column14 AND alerts.version = v.column15",
        Placeholders::Anonymous.rows(rows, UPDATE_COLUMNS)
    )
}

/// Writes each alert if its stored version is still the one given.
async fn update_many(c: &mut SqliteConnection, updates: &[(Alert, u64)]) -> Result<(), StoreError> {
    if updates.is_empty() {
        return Ok(());
    }
    let sql = update_alerts_sql(updates.len());
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (a, expected) in updates {
        query = bind_progress(bind_content(query, a), a)
            .bind(a.id.to_string())
            .bind(i64::try_from(*expected).unwrap_or(i64::MAX));
    }
    let updated = query
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if updated != updates.len() as u64 {
        // The writer is the only one, so this means a caller's read was stale.
        return Err(StoreError::VersionConflict {
            entity: "alert",
            expected: updates.len() as u64,
            actual: updated,
        });
    }
    Ok(())
}

/// One read for every key the calls name, the core's decisions in memory
/// (each signal sees what the ones before it decided, across calls), then
/// each alert written once.
pub(crate) async fn receive_calls(
    c: &mut SqliteConnection,
    calls: &[ReceiveCall],
) -> Result<Vec<Vec<Received>>, StoreError> {
    let mut stored = Vec::new();
    for (integration, keys) in keys_by_integration(calls) {
        for chunk in keys.chunks(CHUNK) {
            let mut query = sqlx::query(AssertSqlSafe(select_under_keys(
                chunk.len(),
                Placeholders::Anonymous,
            )))
            .bind(integration.to_string());
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
    // 500 rows of 15 values: under SQLite's 32,766 parameters.
    for chunk in writes.updates.chunks(CHUNK) {
        update_many(c, chunk).await?;
    }
    Ok(received)
}

#[async_trait]
impl AlertStore for SqliteStore {
    async fn insert_integration(&self, i: &Integration) -> Result<(), StoreError> {
        let i = i.clone();
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    insert_integration_row(c, &i).await?;
                    Ok(())
                })
            })
            .await
    }

    async fn integrations(&self) -> Result<Vec<Integration>, StoreError> {
        let sql = format!(
            "SELECT {} FROM integrations ORDER BY name",
            statements::INTEGRATION_COLUMNS
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.readers)
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
            .fetch_optional(&self.readers)
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
        let (old, new) = (old.to_vec(), new.to_vec());
        self.writer
            .write_statement(move |c| {
                Box::pin(async move {
                    let done = sqlx::query(statements::ROTATE_KEY)
                        .bind(new)
                        .bind(id.to_string())
                        .bind(old)
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn receive_signals(
        &self,
        integration: IntegrationId,
        signals: Vec<Signal>,
        decide: AlertDecider,
    ) -> Result<Vec<Received>, StoreError> {
        self.writer
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
            query = query.bind(integration.to_string());
        }
        if let Some(after) = filter.after {
            query = query
                .bind(after.last_seen.as_millisecond())
                .bind(after.id.to_string());
        }
        let rows = query.fetch_all(&self.readers).await.map_err(backend)?;
        rows.iter().map(|r| decode_alert(&Row(r))).collect()
    }

    async fn find_alert(&self, id: AlertId) -> Result<Option<Alert>, StoreError> {
        let sql = format!(
            "SELECT {} FROM alerts WHERE alert_id = $1",
            statements::ALERT_COLUMNS
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?;
        row.map(|r| decode_alert(&Row(&r))).transpose()
    }
}
