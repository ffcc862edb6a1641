//! Routing alerts on SQLite: a batch is one job of the single writer, so
//! nobody else writes between reading the pending alerts and their groups
//! and committing what they do.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use muster_core::alert::Alert;
use muster_core::alert::routing::{AlertGroup, GroupView, OtherGroups, PendingAlert};
use muster_core::paging::Delivery;
use muster_core::{AlertGroupId, AlertId, IncidentNumber, NewTimelineEntry, Timestamp};
use muster_store::StoreError;
use muster_store::alerts::{self, CHUNK, decode_alert};
use muster_store::routing::{
    AlertAttachment, AlertRouteWrite, AlertRouter, AlertRouting, FollowUpDue, RoutingStore,
    RoutingWrite, decode_group, decode_other_groups, decode_pending, decode_routing,
    group_race_lost, keys_to_load, own_groups, pending, statements,
};
use muster_store::sql::Placeholders;
use sqlx::{AssertSqlSafe, SqliteConnection};

use crate::SqliteStore;
use crate::codec::{Row, backend, get};
use crate::incidents::{insert_incident_rows, insert_timeline};
use crate::outbox::insert_delivery;
use crate::paging::insert_page_rows;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn load_pending(
    c: &mut SqliteConnection,
    limit: u32,
    now: Timestamp,
) -> Result<Vec<PendingAlert>, StoreError> {
    let columns = format!(
        "{}, {}",
        alerts::statements::ALERT_COLUMNS,
        pending::EXTRA_COLUMNS
    );
    let changed = format!(
        "SELECT {columns} FROM alerts WHERE routed_seq < route_seq ORDER BY first_seen LIMIT {limit}"
    );
    let mut rows = sqlx::query(AssertSqlSafe(changed))
        .fetch_all(&mut *c)
        .await
        .map_err(backend)?;
    let room = u64::from(limit).saturating_sub(rows.len() as u64);
    if room > 0 {
        let lapsed = format!(
            "SELECT {columns} FROM alerts WHERE silenced_until IS NOT NULL AND silenced_until <= $1 \
             AND status <> 'resolved' AND routed_seq >= route_seq ORDER BY silenced_until LIMIT {room}"
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
    let mut keys: Vec<(String, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push((get(row, "integration_id")?, get(row, "dedup_key")?));
    }
    keys.sort();
    keys.dedup();
    let mut openings: HashMap<(String, String), Vec<Timestamp>> = HashMap::new();
    for same in keys.chunk_by(|a, b| a.0 == b.0) {
        for chunk in same.chunks(CHUNK) {
            let mut query = sqlx::query(AssertSqlSafe(pending::openings_under_keys(
                chunk.len(),
                Placeholders::Anonymous,
            )))
            .bind(chunk[0].0.clone());
            for (_, key) in chunk {
                query = query.bind(key);
            }
            for row in query.fetch_all(&mut *c).await.map_err(backend)? {
                let at: i64 = get(&row, "first_seen")?;
                if let Ok(at) = Timestamp::from_millisecond(at) {
                    openings
                        .entry((chunk[0].0.clone(), get(&row, "dedup_key")?))
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

async fn view(c: &mut SqliteConnection, group: AlertGroup) -> Result<GroupView, StoreError> {
    let open: i64 = sqlx::query_scalar(statements::OPEN_IN_GROUP)
        .bind(group.id.to_string())
        .fetch_one(&mut *c)
        .await
        .map_err(backend)?;
    Ok(GroupView {
        group,
        open_alerts: count(open),
    })
}

async fn load_groups(
    c: &mut SqliteConnection,
    batch: &[PendingAlert],
    router: &dyn AlertRouter,
) -> Result<Vec<GroupView>, StoreError> {
    let mut groups = Vec::new();
    for id in own_groups(batch) {
        let row = sqlx::query(statements::GROUP_BY_ID)
            .bind(id.to_string())
            .fetch_optional(&mut *c)
            .await
            .map_err(backend)?;
        if let Some(row) = row {
            let group = decode_group(&Row(&row))?;
            groups.push(view(c, group).await?);
        }
    }
    for (integration, key) in keys_to_load(batch, router) {
        let row = sqlx::query(statements::LATEST_GROUP)
            .bind(integration.to_string())
            .bind(&key)
            .fetch_optional(&mut *c)
            .await
            .map_err(backend)?;
        if let Some(row) = row {
            let group = decode_group(&Row(&row))?;
            if !groups.iter().any(|g: &GroupView| g.group.id == group.id) {
                groups.push(view(c, group).await?);
            }
        }
    }
    Ok(groups)
}

pub(crate) async fn write_group(
    c: &mut SqliteConnection,
    group: &AlertGroup,
    insert: bool,
) -> Result<(), StoreError> {
    if insert {
        sqlx::query(statements::INSERT_GROUP)
            .bind(group.id.to_string())
            .bind(group.integration.to_string())
            .bind(&group.key)
            .bind(group.opened_at.as_millisecond())
            .bind(group.last_alert_at.as_millisecond())
            .bind(&group.effect)
            .bind(group.page.map(|p| p.to_string()))
            .bind(group.incident.map(|i| i.to_string()))
            .bind(group.mitigate_on_resolve)
            .bind(group.follow_up_due)
            .bind(seq(group.version))
            .execute(&mut *c)
            .await
            .map_err(backend)?;
        return Ok(());
    }
    let updated = sqlx::query(statements::UPDATE_GROUP)
        .bind(group.last_alert_at.as_millisecond())
        .bind(group.page.map(|p| p.to_string()))
        .bind(group.incident.map(|i| i.to_string()))
        .bind(group.follow_up_due)
        .bind(seq(group.version))
        .bind(group.id.to_string())
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

async fn write(c: &mut SqliteConnection, w: &RoutingWrite) -> Result<(), StoreError> {
    for insert in &w.incidents {
        insert_incident_rows(c, &insert.incident, &insert.timeline, &insert.pages).await?;
    }
    for insert in &w.pages {
        insert_page_rows(c, &insert.page, &insert.events).await?;
    }
    for group in &w.new_groups {
        write_group(c, group, true).await?;
    }
    for group in &w.changed_groups {
        write_group(c, group, false).await?;
    }
    insert_timeline(c, &w.timeline).await?;
    for delivery in &w.deliveries {
        insert_delivery(c, delivery).await?;
    }
    for chunk in w.alerts.chunks(CHUNK) {
        route_many(c, chunk).await?;
    }
    Ok(())
}

/// What routing decided for many alerts, in one statement.
async fn route_many(
    c: &mut SqliteConnection,
    routed: &[AlertRouteWrite],
) -> Result<(), StoreError> {
    if routed.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE alerts SET routed_seq = v.column1, group_id = COALESCE(v.column2, alerts.group_id), \
         decision = COALESCE(v.column3, alerts.decision), silenced_by = v.column4, \
         silenced_until = v.column5 FROM (VALUES {}) AS v WHERE alerts.alert_id = v.column6",
        Placeholders::Anonymous.rows(routed.len(), 6)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in routed {
        query = query
            .bind(seq(a.route_seq))
            .bind(a.group.map(|g| g.to_string()))
            .bind(&a.decision)
            .bind(a.silenced_by.map(|s| s.to_string()))
            .bind(a.silenced_until.map(|t| t.as_millisecond()))
            .bind(a.alert.to_string());
    }
    query.execute(&mut *c).await.map_err(backend)?;
    Ok(())
}

#[async_trait]
impl RoutingStore for SqliteStore {
    async fn route_alerts(
        &self,
        limit: u32,
        now: Timestamp,
        router: Arc<dyn AlertRouter>,
    ) -> Result<RoutingWrite, StoreError> {
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let batch = load_pending(c, limit, now).await?;
                    if batch.is_empty() {
                        return Ok(RoutingWrite::default());
                    }
                    let groups = load_groups(c, &batch, router.as_ref()).await?;
                    let decided = router.route(&batch, &groups);
                    write(c, &decided).await?;
                    Ok(decided)
                })
            })
            .await
    }

    async fn next_routing_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        let pending: Option<i64> = sqlx::query_scalar(statements::NEXT_PENDING)
            .fetch_one(&self.readers)
            .await
            .map_err(backend)?;
        if pending.is_some() {
            return Ok(Some(now));
        }
        let lapse: Option<i64> = sqlx::query_scalar(statements::NEXT_SILENCE_LAPSE)
            .fetch_one(&self.readers)
            .await
            .map_err(backend)?;
        Ok(lapse.and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    async fn follow_ups_due(&self, limit: u32) -> Result<Vec<FollowUpDue>, StoreError> {
        let rows = sqlx::query(statements::FOLLOW_UPS_DUE)
            .bind(i64::from(limit))
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let group = decode_group(&Row(row))?;
            let statuses: Vec<String> = sqlx::query_scalar(statements::GROUP_STATUSES)
                .bind(group.id.to_string())
                .fetch_all(&self.readers)
                .await
                .map_err(backend)?;
            let statuses = statuses
                .iter()
                .map(|s| s.parse().map_err(StoreError::Corrupt))
                .collect::<Result<_, _>>()?;
            let others = match group.incident {
                Some(incident) => {
                    let row = sqlx::query(statements::OTHER_GROUPS)
                        .bind(incident.to_string())
                        .bind(group.id.to_string())
                        .fetch_one(&self.readers)
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
        let timeline = timeline.to_vec();
        let deliveries = deliveries.to_vec();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let done = sqlx::query(statements::FINISH_FOLLOW_UP)
                        .bind(group.to_string())
                        .bind(seq(version))
                        .execute(&mut *c)
                        .await
                        .map_err(backend)?
                        .rows_affected();
                    if done == 0 {
                        return Ok(false);
                    }
                    insert_timeline(c, &timeline).await?;
                    for delivery in &deliveries {
                        insert_delivery(c, delivery).await?;
                    }
                    Ok(true)
                })
            })
            .await
    }

    async fn attach_alert(
        &self,
        attachment: &AlertAttachment,
    ) -> Result<IncidentNumber, StoreError> {
        let attachment = attachment.clone();
        self.writer
            .write(move |c| {
                Box::pin(async move { crate::attach::attach_rows(c, &attachment).await })
            })
            .await
    }

    async fn alert_routing(&self, alert: AlertId) -> Result<Option<AlertRouting>, StoreError> {
        let Some(row) = sqlx::query(statements::ALERT_ROUTING)
            .bind(alert.to_string())
            .fetch_optional(&self.readers)
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let group_id: Option<String> = get(&row, "group_id")?;
        let group = match group_id {
            Some(id) => sqlx::query(statements::GROUP_BY_ID)
                .bind(id)
                .fetch_optional(&self.readers)
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
            .bind(group.to_string())
            .fetch_all(&self.readers)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| decode_alert(&Row(r))).collect()
    }
}
