//! Attaching an alert to an incident by hand on PostgreSQL: one
//! transaction that locks the alert, then its group, then the incident, in
//! the order routing locks them (alerts it claims, groups it writes,
//! incidents it appends to), so the two never deadlock. An alert routing
//! holds is waited for, then seen grouped; a group changes only at the
//! version the caller read; the incident is read `FOR UPDATE`, so a
//! resolve cannot commit between its check and the attach's commit.

use muster_core::{AlertGroupId, IncidentId, IncidentNumber};
use muster_store::StoreError;
use muster_store::routing::{AlertAttachment, AttachTo, group_race_lost, statements};
use sqlx::{AssertSqlSafe, PgConnection};

use crate::codec::{backend, get};
use crate::incidents::{insert_incident_rows, insert_timeline};
use crate::routing::insert_groups;

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The group is still the one the caller read: none for a new group.
async fn check_alert(c: &mut PgConnection, a: &AlertAttachment) -> Result<(), StoreError> {
    let sql = format!("{} FOR UPDATE", statements::ALERT_GROUP);
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(a.alert.as_uuid())
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
        .ok_or(StoreError::Missing { entity: "alert" })?;
    let stored: Option<uuid::Uuid> = get(&row, "group_id")?;
    let stored = stored.map(AlertGroupId);
    let expected = (!a.new_group).then_some(a.group.id);
    if stored == expected {
        Ok(())
    } else {
        Err(StoreError::VersionConflict {
            entity: "alert",
            expected: 0,
            actual: 0,
        })
    }
}

/// The stored incident's number, if it is still at `version`.
async fn incident_at(
    c: &mut PgConnection,
    incident: IncidentId,
    version: u64,
) -> Result<IncidentNumber, StoreError> {
    let sql = format!("{} FOR UPDATE", statements::INCIDENT_VERSION);
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(incident.as_uuid())
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
        .ok_or(StoreError::Missing { entity: "incident" })?;
    let actual: i64 = get(&row, "version")?;
    if actual != seq(version) {
        return Err(StoreError::VersionConflict {
            entity: "incident",
            expected: version,
            actual: u64::try_from(actual).unwrap_or_default(),
        });
    }
    let number: i64 = get(&row, "number")?;
    Ok(IncidentNumber(u64::try_from(number).unwrap_or_default()))
}

/// The group made for the alert, joined; or the alert's own group, linked
/// if it is still at the version the caller read.
async fn write_attached_group(c: &mut PgConnection, a: &AlertAttachment) -> Result<(), StoreError> {
    let group = &a.group;
    if a.new_group {
        insert_groups(c, std::slice::from_ref(group)).await?;
        sqlx::query(statements::JOIN_NEW_GROUP)
            .bind(group.id.as_uuid())
            .bind(a.alert.as_uuid())
            .execute(&mut *c)
            .await
            .map_err(backend)?;
        return Ok(());
    }
    let linked = sqlx::query(statements::LINK_GROUP)
        .bind(group.incident.map(|i| i.as_uuid()))
        .bind(group.mitigate_on_resolve)
        .bind(seq(group.version))
        .bind(group.id.as_uuid())
        .bind(seq(group.version.saturating_sub(1)))
        .execute(&mut *c)
        .await
        .map_err(backend)?
        .rows_affected();
    if linked == 0 {
        return Err(group_race_lost(group));
    }
    Ok(())
}

/// Writes an attachment inside the caller's transaction.
pub(crate) async fn attach_rows(
    c: &mut PgConnection,
    a: &AlertAttachment,
) -> Result<IncidentNumber, StoreError> {
    check_alert(c, a).await?;
    match &a.to {
        AttachTo::New(insert) => {
            // The incident before the group that names it.
            let number =
                insert_incident_rows(c, &insert.incident, &insert.timeline, &insert.pages).await?;
            write_attached_group(c, a).await?;
            Ok(number)
        }
        AttachTo::Stored {
            incident,
            version,
            timeline,
        } => {
            write_attached_group(c, a).await?;
            let number = incident_at(c, *incident, *version).await?;
            insert_timeline(c, timeline).await?;
            Ok(number)
        }
    }
}
