//! Routing alerts on PostgreSQL: a batch is one transaction that claims its
//! pending alerts with `FOR UPDATE SKIP LOCKED` (so nodes share the work and
//! never route one alert twice) and takes an advisory lock per group key,
//! in sorted order, before reading the groups (so two nodes never open two
//! groups, and two pages, for one storm).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use muster_core::alert::Alert;
use muster_core::alert::routing::{AlertGroup, GroupView, OtherGroups, PendingAlert};
use muster_core::paging::{Delivery, Page, PageEvent};
use muster_core::{AlertGroupId, AlertId, IncidentNumber, NewTimelineEntry, Timestamp};
use muster_store::StoreError;
use muster_store::alerts::{self, CHUNK, decode_alert};
use muster_store::routing::{
    AlertAttachment, AlertRouteWrite, AlertRouter, AlertRouting, FollowUpDue, RoutingStore,
    RoutingWrite, decode_group, decode_other_groups, decode_pending, decode_routing,
    group_race_lost, keys_to_load, own_groups, pending, statements,
};
use muster_store::sql::Placeholders;
use sqlx::{AssertSqlSafe, PgConnection};

use crate::PostgresStore;
use crate::codec::{Row, backend, get};
use crate::incidents::{insert_incident_rows, insert_timeline};
use crate::outbox::insert_deliveries;
use crate::paging::insert_pages;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn load_pending(
    c: &mut PgConnection,
    limit: u32,
    now: Timestamp,
) -> Result<Vec<PendingAlert>, StoreError> {
    let columns = format!(
        "{}, {}",
        alerts::statements::ALERT_COLUMNS,
        pending::EXTRA_COLUMNS
    );
    let changed = format!(
        "SELECT {columns} FROM alerts WHERE routed_seq < route_seq ORDER BY first_seen LIMIT {limit} \
         FOR UPDATE SKIP LOCKED"
    );
    let mut rows = sqlx::query(AssertSqlSafe(changed))
        .fetch_all(&mut *c)
        .await
        .map_err(backend)?;
    let room = u64::from(limit).saturating_sub(rows.len() as u64);
    if room > 0 {
        let lapsed = format!(
            "SELECT {columns} FROM alerts WHERE silenced_until IS NOT NULL AND silenced_until <= $1 \
             AND status <> 'resolved' AND routed_seq >= route_seq ORDER BY silenced_until LIMIT {room} \
             FOR UPDATE SKIP LOCKED"
        );
        rows.extend(
            sqlx::query(AssertSqlSafe(lapsed))
                .bind(now.as_millisecond())
                .fetch_all(&mut *c)
                .await
                .map_err(backend)?,
        );
    }
    // When alerts under each key opened lately, for all of them in one read.
    let mut keys: Vec<(uuid::Uuid, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push((get(row, "integration_id")?, get(row, "dedup_key")?));
    }
    keys.sort();
    keys.dedup();
    let mut openings: HashMap<(uuid::Uuid, String), Vec<Timestamp>> = HashMap::new();
    for same in keys.chunk_by(|a, b| a.0 == b.0) {
        for chunk in same.chunks(CHUNK) {
            let mut query = sqlx::query(AssertSqlSafe(pending::openings_under_keys(
                chunk.len(),
                Placeholders::DollarNumbered,
            )))
            .bind(chunk[0].0);
            for (_, key) in chunk {
                query = query.bind(key);
            }
            for row in query.fetch_all(&mut *c).await.map_err(backend)? {
                let at: i64 = get(&row, "first_seen")?;
                if let Ok(at) = Timestamp::from_millisecond(at) {
                    openings
                        .entry((chunk[0].0, get(&row, "dedup_key")?))
                        .or_default()
                        .push(at);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let key = (get(row, "integration_id")?, get(row, "dedup_key")?);
        let mut seen = openings.get(&key).cloned().unwrap_or_default();
        seen.sort_unstable_by(|a, b| b.cmp(a));
        seen.truncate(pending::OPENINGS_KEPT);
        out.push(decode_pending(&Row(row), seen)?);
    }
    Ok(out)
}

/// Each group's columns and how many of its alerts are open.
const GROUP_VIEW: &str = "g.group_id, g.integration_id, g.group_key, g.opened_at, \
    g.last_alert_at, g.effect, g.page_id, g.incident_id, g.mitigate_on_resolve, g.follow_up_due, \
    g.version, (SELECT COUNT(*) FROM alerts a WHERE a.group_id = g.group_id \
    AND a.status <> 'resolved') AS open_alerts";

fn decode_view(row: &sqlx::postgres::PgRow) -> Result<GroupView, StoreError> {
    Ok(GroupView {
        group: decode_group(&Row(row))?,
        open_alerts: count(get(row, "open_alerts")?),
    })
}

/// The batch's groups in three statements whatever its size: the groups
/// its alerts already belong to, one advisory lock per new key (in the
/// keys' sorted order, as every node takes them), and the latest group
/// under each key — each with its open alerts counted.
async fn load_groups(
    c: &mut PgConnection,
    batch: &[PendingAlert],
    router: &dyn AlertRouter,
) -> Result<Vec<GroupView>, StoreError> {
    let mut groups = Vec::new();
    let own: Vec<uuid::Uuid> = own_groups(batch).iter().map(|g| g.as_uuid()).collect();
    if !own.is_empty() {
        let sql = format!(
            "SELECT {GROUP_VIEW} FROM alert_groups g WHERE g.group_id = ANY($1) ORDER BY g.group_id"
        );
        for row in sqlx::query(AssertSqlSafe(sql))
            .bind(&own)
            .fetch_all(&mut *c)
            .await
            .map_err(backend)?
        {
            groups.push(decode_view(&row)?);
        }
    }
    let keys = keys_to_load(batch, router);
    if keys.is_empty() {
        return Ok(groups);
    }
    let locks: Vec<String> = keys
        .iter()
        .map(|(integration, key)| format!("{integration}:{key}"))
        .collect();
    // unnest yields the array in order, and each row's lock is taken as
    // the row is produced: sorted, like every other node's.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended(k, 1)) FROM unnest($1::text[]) AS k",
    )
    .bind(&locks)
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    let integrations: Vec<uuid::Uuid> = keys.iter().map(|(i, _)| i.as_uuid()).collect();
    let group_keys: Vec<&str> = keys.iter().map(|(_, k)| k.as_str()).collect();
    let sql = format!(
        "SELECT {GROUP_VIEW} FROM unnest($1::uuid[], $2::text[]) AS k(integration_id, group_key) \
         CROSS JOIN LATERAL (SELECT * FROM alert_groups l WHERE l.integration_id = k.integration_id \
         AND l.group_key = k.group_key ORDER BY l.opened_at DESC, l.group_id DESC LIMIT 1) g"
    );
    for row in sqlx::query(AssertSqlSafe(sql))
        .bind(&integrations)
        .bind(&group_keys)
        .fetch_all(&mut *c)
        .await
        .map_err(backend)?
    {
        let view = decode_view(&row)?;
        if !groups.iter().any(|g| g.group.id == view.group.id) {
            groups.push(view);
        }
    }
    Ok(groups)
}

/// Inserts a batch's new groups in one statement: a storm of distinct
/// alerts opens one group each.
pub(crate) async fn insert_groups(
    c: &mut PgConnection,
    groups: &[AlertGroup],
) -> Result<(), StoreError> {
    if groups.is_empty() {
        return Ok(());
    }
    let uuids = |f: &dyn Fn(&AlertGroup) -> Option<uuid::Uuid>| -> Vec<Option<uuid::Uuid>> {
        groups.iter().map(f).collect()
    };
    let numbers = |f: &dyn Fn(&AlertGroup) -> i64| -> Vec<i64> { groups.iter().map(f).collect() };
    let flags = |f: &dyn Fn(&AlertGroup) -> bool| -> Vec<bool> { groups.iter().map(f).collect() };
    sqlx::query(
        "INSERT INTO alert_groups (group_id, integration_id, group_key, opened_at, last_alert_at, \
         effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, version) \
         SELECT * FROM UNNEST($1::UUID[], $2::UUID[], $3::TEXT[], $4::BIGINT[], $5::BIGINT[], \
         $6::TEXT[], $7::UUID[], $8::UUID[], $9::BOOLEAN[], $10::BOOLEAN[], $11::BIGINT[])",
    )
    .bind(uuids(&|g| Some(g.id.as_uuid())))
    .bind(uuids(&|g| Some(g.integration.as_uuid())))
    .bind(groups.iter().map(|g| g.key.as_str()).collect::<Vec<_>>())
    .bind(numbers(&|g| g.opened_at.as_millisecond()))
    .bind(numbers(&|g| g.last_alert_at.as_millisecond()))
    .bind(groups.iter().map(|g| g.effect.as_str()).collect::<Vec<_>>())
    .bind(uuids(&|g| g.page.map(|p| p.as_uuid())))
    .bind(uuids(&|g| g.incident.map(|i| i.as_uuid())))
    .bind(flags(&|g| g.mitigate_on_resolve))
    .bind(flags(&|g| g.follow_up_due))
    .bind(numbers(&|g| seq(g.version)))
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Writes a routed group's change if it is still at the version routing
/// read.
async fn update_group(c: &mut PgConnection, group: &AlertGroup) -> Result<(), StoreError> {
    let updated = sqlx::query(statements::UPDATE_GROUP)
        .bind(group.last_alert_at.as_millisecond())
        .bind(group.page.map(|p| p.as_uuid()))
        .bind(group.incident.map(|i| i.as_uuid()))
        .bind(group.follow_up_due)
        .bind(seq(group.version))
        .bind(group.id.as_uuid())
        .bind(seq(group.version.saturating_sub(1)))
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if updated == 0 {
        return Err(group_race_lost(group));
    }
    Ok(())
}

async fn write(c: &mut PgConnection, w: &RoutingWrite) -> Result<(), StoreError> {
    for insert in &w.incidents {
        insert_incident_rows(c, &insert.incident, &insert.timeline, &insert.pages).await?;
    }
    let pages: Vec<(&Page, &[PageEvent])> = w
        .pages
        .iter()
        .map(|insert| (&insert.page, insert.events.as_slice()))
        .collect();
    insert_pages(c, &pages).await?;
    insert_groups(c, &w.new_groups).await?;
    for group in &w.changed_groups {
        update_group(c, group).await?;
    }
    insert_timeline(c, &w.timeline).await?;
    insert_deliveries(c, &w.deliveries).await?;
    route_many(c, &w.alerts).await
}

/// What routing decided for many alerts, in one statement, a column array each.
async fn route_many(c: &mut PgConnection, routed: &[AlertRouteWrite]) -> Result<(), StoreError> {
    if routed.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "UPDATE alerts AS a SET routed_seq = v.routed_seq, \
         group_id = COALESCE(v.group_id, a.group_id), decision = COALESCE(v.decision, a.decision), \
         silenced_by = v.silenced_by, silenced_until = v.silenced_until \
         FROM UNNEST($1::bigint[], $2::uuid[], $3::text[], $4::uuid[], $5::bigint[], $6::uuid[]) \
         AS v(routed_seq, group_id, decision, silenced_by, silenced_until, alert_id) \
         WHERE a.alert_id = v.alert_id",
    )
    .bind(routed.iter().map(|a| seq(a.route_seq)).collect::<Vec<_>>())
    .bind(
        routed
            .iter()
            .map(|a| a.group.map(|g| g.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(
        routed
            .iter()
            .map(|a| a.decision.clone())
            .collect::<Vec<_>>(),
    )
    .bind(
        routed
            .iter()
            .map(|a| a.silenced_by.map(|s| s.as_uuid()))
            .collect::<Vec<_>>(),
    )
    .bind(
        routed
            .iter()
            .map(|a| a.silenced_until.map(|t| t.as_millisecond()))
            .collect::<Vec<_>>(),
    )
    .bind(routed.iter().map(|a| a.alert.as_uuid()).collect::<Vec<_>>())
    .execute(&mut *c)
    .await
    .map_err(backend)?;
    Ok(())
}

#[async_trait]
impl RoutingStore for PostgresStore {
    async fn route_alerts(
        &self,
        limit: u32,
        now: Timestamp,
        router: Arc<dyn AlertRouter>,
    ) -> Result<RoutingWrite, StoreError> {
        // Nothing pending is the usual case: find it out without the writer.
        let due = self.next_routing_due(now).await?;
        if due.is_none_or(|at| at > now) {
            return Ok(RoutingWrite::default());
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let batch = load_pending(&mut tx, limit, now).await?;
        if batch.is_empty() {
            return Ok(RoutingWrite::default());
        }
        let groups = load_groups(&mut tx, &batch, router.as_ref()).await?;
        let decided = router.route(&batch, &groups);
        write(&mut tx, &decided).await?;
        tx.commit().await.map_err(backend)?;
        Ok(decided)
    }

    async fn next_routing_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        let pending: Option<i64> = sqlx::query_scalar(statements::NEXT_PENDING)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        if pending.is_some() {
            return Ok(Some(now));
        }
        let lapse: Option<i64> = sqlx::query_scalar(statements::NEXT_SILENCE_LAPSE)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(lapse.and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    async fn follow_ups_due(&self, limit: u32) -> Result<Vec<FollowUpDue>, StoreError> {
        let rows = sqlx::query(statements::FOLLOW_UPS_DUE)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let group = decode_group(&Row(row))?;
            let statuses: Vec<String> = sqlx::query_scalar(statements::GROUP_STATUSES)
                .bind(group.id.as_uuid())
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
            let statuses = statuses
                .iter()
                .map(|s| s.parse().map_err(StoreError::Corrupt))
                .collect::<Result<_, _>>()?;
            let others = match group.incident {
                Some(incident) => {
                    let row = sqlx::query(statements::OTHER_GROUPS)
                        .bind(incident.as_uuid())
                        .bind(group.id.as_uuid())
                        .fetch_one(&self.pool)
                        .await
                        .map_err(backend)?;
                    decode_other_groups(&Row(&row))?
                }
                None => OtherGroups::default(),
            };
            out.push(FollowUpDue {
                group,
                statuses,
                others,
            });
        }
        Ok(out)
    }

    async fn finish_follow_up(
        &self,
        group: AlertGroupId,
        version: u64,
        timeline: &[NewTimelineEntry],
        deliveries: &[Delivery],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let done = sqlx::query(statements::FINISH_FOLLOW_UP)
            .bind(group.as_uuid())
            .bind(seq(version))
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        insert_timeline(&mut tx, timeline).await?;
        insert_deliveries(&mut tx, deliveries).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn attach_alert(
        &self,
        attachment: &AlertAttachment,
    ) -> Result<IncidentNumber, StoreError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let number = crate::attach::attach_rows(&mut tx, attachment).await?;
        tx.commit().await.map_err(backend)?;
        Ok(number)
    }

    async fn alert_routing(&self, alert: AlertId) -> Result<Option<AlertRouting>, StoreError> {
        let Some(row) = sqlx::query(statements::ALERT_ROUTING)
            .bind(alert.as_uuid())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let group_id: Option<uuid::Uuid> = get(&row, "group_id")?;
        let group = match group_id {
            Some(id) => sqlx::query(statements::GROUP_BY_ID)
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?
                .map(|r| decode_group(&Row(&r)))
                .transpose()?,
            None => None,
        };
        decode_routing(&Row(&row), group).map(Some)
    }

    async fn group_alerts(&self, group: AlertGroupId) -> Result<Vec<Alert>, StoreError> {
        let sql = format!(
            "SELECT {} FROM alerts WHERE group_id = $1 ORDER BY first_seen, alert_id",
            alerts::statements::ALERT_COLUMNS
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(group.as_uuid())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_alert(&Row(r))).collect()
    }
}
