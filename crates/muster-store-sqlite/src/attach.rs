//! Attaching an alert to an incident by hand on SQLite: one job of the
//! single writer, so routing cannot write between the checks and the
//! commit; the checks still hold what the caller read to account.

use muster_core::{AlertGroupId, IncidentId, IncidentNumber};
use muster_store::StoreError;
use muster_store::routing::{AlertAttachment, AttachTo, group_race_lost, statements};
use sqlx::SqliteConnection;

use crate::codec::{backend, get, optional_id};
use crate::incidents::{insert_incident_rows, insert_timeline};
use crate::routing::write_group;

fn seq(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The group is still the one the caller read: none for a new group.
async fn check_alert(c: &mut SqliteConnection, a: &AlertAttachment) -> Result<(), StoreError> {
    let row = sqlx::query(statements::ALERT_GROUP)
        .bind(a.alert.to_string())
        .fetch_optional(&mut *c)
        .await
        .map_err(backend)?
        .ok_or(StoreError::Missing { entity: "alert" })?;
    let stored: Option<AlertGroupId> = optional_id(&row, "group_id")?;
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
    c: &mut SqliteConnection,
    incident: IncidentId,
    version: u64,
) -> Result<IncidentNumber, StoreError> {
    let row = sqlx::query(statements::INCIDENT_VERSION)
        .bind(incident.to_string())
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
async fn write_attached_group(
    c: &mut SqliteConnection,
    a: &AlertAttachment,
) -> Result<(), StoreError> {
    let group = &a.group;
    if a.new_group {
        write_group(c, group, true).await?;
        sqlx::query(statements::JOIN_NEW_GROUP)
            .bind(group.id.to_string())
            .bind(a.alert.to_string())
            .execute(&mut *c)
            .await
            .map_err(backend)?;
        return Ok(());
    }
    let linked = sqlx::query(statements::LINK_GROUP)
        .bind(group.incident.map(|i| i.to_string()))
        .bind(group.mitigate_on_resolve)
        .bind(seq(group.version))
        .bind(group.id.to_string())
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
    c: &mut SqliteConnection,
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
