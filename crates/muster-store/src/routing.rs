//! Storage port of acting on alerts. Ingest only stores alerts; routing is
//! the engine's, level-triggered: an alert whose latest change has not been
//! acted on (or whose silence lapsed) is pending, and one transaction claims
//! a batch of them, lets the router decide (the core's routing, through the
//! caller), and writes the decisions with every page, incident, timeline
//! entry and message they make. A crash before commit leaves the alerts
//! pending; after it, they are done: nothing pages twice or never.
//!
//! A person attaches an alert to an incident by hand through the same
//! groups ([`RoutingStore::attach_alert`]): its group follows the incident,
//! under the version checks routing writes with.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::alert::Alert;
use muster_core::alert::AlertStatus;
use muster_core::alert::routing::{AlertGroup, GroupView, OtherGroups, PendingAlert};
use muster_core::paging::Delivery;
use muster_core::{
    AlertGroupId, AlertId, Incident, IncidentId, IncidentNumber, IntegrationId, NewTimelineEntry,
    PageId, SilenceId,
};

use crate::row::StoredRow;
use crate::{PageInsert, StoreError};

/// An incident an alert opens, with what its declaration writes.
#[derive(Debug, Clone)]
pub struct IncidentInsert {
    pub incident: Incident,
    pub timeline: Vec<NewTimelineEntry>,
    pub pages: Vec<PageInsert>,
}

/// What routing decided for one alert, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRouteWrite {
    pub alert: AlertId,
    /// The change acted on: the alert is pending again only if a later one came.
    pub route_seq: u64,
    pub group: Option<AlertGroupId>,
    /// The decision as JSON ("why did this page?"); `None` keeps the stored one.
    pub decision: Option<String>,
    pub silenced_by: Option<SilenceId>,
    pub silenced_until: Option<Timestamp>,
}

/// Everything one routing batch writes, in one transaction.
#[derive(Debug, Clone, Default)]
pub struct RoutingWrite {
    pub alerts: Vec<AlertRouteWrite>,
    pub new_groups: Vec<AlertGroup>,
    /// Written if the stored version is still `version - 1`.
    pub changed_groups: Vec<AlertGroup>,
    pub incidents: Vec<IncidentInsert>,
    pub pages: Vec<PageInsert>,
    pub timeline: Vec<NewTimelineEntry>,
    pub deliveries: Vec<Delivery>,
}

/// Decides a batch inside the store's transaction: pure and quick.
pub trait AlertRouter: Send + Sync {
    /// The group key an alert is gathered under.
    fn group_key(&self, alert: &Alert) -> String;
    /// What the batch does; `groups` holds, per pending alert, the latest
    /// group under its key and the group it belongs to.
    fn route(&self, pending: &[PendingAlert], groups: &[GroupView]) -> RoutingWrite;
}

/// A group owing a follow-up, with its alerts' statuses and, when it
/// follows an incident, the alerts of the incident's other groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpDue {
    pub group: AlertGroup,
    pub statuses: Vec<AlertStatus>,
    pub others: OtherGroups,
}

/// Where an alert attached by hand goes.
#[derive(Debug, Clone)]
pub enum AttachTo {
    /// An incident declared with the attachment, in the same transaction
    /// (its number is drawn there, and its timeline says the alert is
    /// attached): it never exists without its alert.
    New(Box<IncidentInsert>),
    /// A stored incident, still at `version` (else
    /// [`StoreError::VersionConflict`] on `incident`: a resolve that raced
    /// the attach is seen, and the attach decided again), with the
    /// entries the attach appends to its timeline.
    Stored {
        incident: IncidentId,
        version: u64,
        timeline: Vec<NewTimelineEntry>,
    },
}

/// An alert's group linked to an incident by hand: one write.
#[derive(Debug, Clone)]
pub struct AlertAttachment {
    pub alert: AlertId,
    /// The group as written. A `new_group` is inserted and the alert joins
    /// it, if the alert still has no group; otherwise `group` replaces the
    /// stored one, if that is still at `version - 1`. Either check failing
    /// is [`StoreError::VersionConflict`] (routing got there first).
    pub group: AlertGroup,
    pub new_group: bool,
    pub to: AttachTo,
}

/// How an alert was routed, for "why did this page?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRouting {
    /// The decision as JSON, once routed.
    pub decision: Option<String>,
    pub group: Option<AlertGroup>,
    pub silenced_by: Option<SilenceId>,
    pub silenced_until: Option<Timestamp>,
    /// Its latest change is not acted on yet.
    pub pending: bool,
}

#[async_trait]
pub trait RoutingStore: Send + Sync {
    /// Claims up to `limit` pending alerts (oldest first; a silenced one is
    /// pending once `now` passes its `silenced_until`), decides them through
    /// `router`, and writes the outcome in one transaction, which it returns.
    async fn route_alerts(
        &self,
        limit: u32,
        now: Timestamp,
        router: Arc<dyn AlertRouter>,
    ) -> Result<RoutingWrite, StoreError>;
    /// When routing next has work: now if an alert is pending, else the
    /// earliest lapse of a silence over an open alert.
    async fn next_routing_due(&self, now: Timestamp) -> Result<Option<Timestamp>, StoreError>;
    /// Groups whose page or incident is to catch up with their alerts.
    async fn follow_ups_due(&self, limit: u32) -> Result<Vec<FollowUpDue>, StoreError>;
    /// Clears a group's follow-up if it is still at `version`, writing what
    /// the follow-up says (a timeline entry, a message) with it; `false`
    /// when the group changed meanwhile (its follow-up runs again).
    async fn finish_follow_up(
        &self,
        group: AlertGroupId,
        version: u64,
        timeline: &[NewTimelineEntry],
        deliveries: &[Delivery],
    ) -> Result<bool, StoreError>;
    async fn alert_routing(&self, alert: AlertId) -> Result<Option<AlertRouting>, StoreError>;
    /// Links an alert's group to an incident in one transaction (see
    /// [`AlertAttachment`]): the group, the alert's membership, the new
    /// incident or the stored one's version check, and the timeline. A
    /// concurrent change (routing grouping the alert or changing its group,
    /// the incident changing) is [`StoreError::VersionConflict`] and writes
    /// nothing; an unknown stored incident is [`StoreError::Missing`].
    /// Returns the incident's number.
    async fn attach_alert(
        &self,
        attachment: &AlertAttachment,
    ) -> Result<IncidentNumber, StoreError>;
    /// The alerts of a group, oldest first.
    async fn group_alerts(&self, group: AlertGroupId) -> Result<Vec<Alert>, StoreError>;
}

/// The SQL both backends run verbatim (`$n` placeholders).
pub mod statements {
    pub const GROUP_COLUMNS: &str = "group_id, integration_id, group_key, opened_at, last_alert_at, \
        effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, version";
    pub const LATEST_GROUP: &str = "SELECT group_id, integration_id, group_key, opened_at, \
        last_alert_at, effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, version \
        FROM alert_groups WHERE integration_id = $1 AND group_key = $2 \
        ORDER BY opened_at DESC, group_id DESC LIMIT 1";
    pub const GROUP_BY_ID: &str = "SELECT group_id, integration_id, group_key, opened_at, \
        last_alert_at, effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, version \
        FROM alert_groups WHERE group_id = $1";
    pub const OPEN_IN_GROUP: &str =
        "SELECT COUNT(*) FROM alerts WHERE group_id = $1 AND status <> 'resolved'";
    pub const INSERT_GROUP: &str = "INSERT INTO alert_groups (group_id, integration_id, group_key, \
        opened_at, last_alert_at, effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, \
        version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    pub const UPDATE_GROUP: &str = "UPDATE alert_groups SET last_alert_at = $1, page_id = $2, \
        incident_id = $3, follow_up_due = $4, version = $5 WHERE group_id = $6 AND version = $7";
    pub const NEXT_PENDING: &str =
        "SELECT MIN(first_seen) FROM alerts WHERE routed_seq < route_seq";
    pub const NEXT_SILENCE_LAPSE: &str = "SELECT MIN(silenced_until) FROM alerts \
        WHERE silenced_until IS NOT NULL AND status <> 'resolved'";
    pub const FOLLOW_UPS_DUE: &str = "SELECT group_id, integration_id, group_key, opened_at, \
        last_alert_at, effect, page_id, incident_id, mitigate_on_resolve, follow_up_due, version \
        FROM alert_groups WHERE follow_up_due ORDER BY last_alert_at LIMIT $1";
    pub const GROUP_STATUSES: &str = "SELECT status FROM alerts WHERE group_id = $1";
    /// The alerts of the incident's (`$1`) groups other than `$2`, counted:
    /// all, open, and in groups that do not mitigate on resolve (a group
    /// without alerts counts once there).
    pub const OTHER_GROUPS: &str = "SELECT COUNT(a.alert_id) AS alerts, \
        COALESCE(SUM(CASE WHEN a.status <> 'resolved' THEN 1 ELSE 0 END), 0) AS open, \
        COALESCE(SUM(CASE WHEN g.mitigate_on_resolve THEN 0 ELSE 1 END), 0) AS holding \
        FROM alert_groups g LEFT JOIN alerts a ON a.group_id = g.group_id \
        WHERE g.incident_id = $1 AND g.group_id <> $2";
    /// A group attached by hand: the incident it follows, and whether it
    /// mitigates it.
    pub const LINK_GROUP: &str = "UPDATE alert_groups SET incident_id = $1, \
        mitigate_on_resolve = $2, version = $3 WHERE group_id = $4 AND version = $5";
    /// An alert joins the group made for it, unless routing grouped it first.
    pub const JOIN_NEW_GROUP: &str =
        "UPDATE alerts SET group_id = $1 WHERE alert_id = $2 AND group_id IS NULL";
    /// The alert's group, read first: an attach takes the alert, then its
    /// group, then the incident, in the order routing takes them.
    pub const ALERT_GROUP: &str = "SELECT group_id FROM alerts WHERE alert_id = $1";
    pub const INCIDENT_VERSION: &str =
        "SELECT number, version FROM incidents WHERE incident_id = $1";
    pub const FINISH_FOLLOW_UP: &str = "UPDATE alert_groups SET follow_up_due = FALSE, \
        version = version + 1 WHERE group_id = $1 AND version = $2";
    pub const ALERT_ROUTING: &str = "SELECT decision, group_id, silenced_by, silenced_until, \
        routed_seq < route_seq AS pending FROM alerts WHERE alert_id = $1";
}

/// The SQL both backends run verbatim, for the pending alerts.
pub mod pending {
    /// What a pending alert is read with, besides [`crate::alerts::statements::ALERT_COLUMNS`].
    pub const EXTRA_COLUMNS: &str = "route_seq, group_id, silenced_by";
    /// How many of the latest openings under a key flap damping looks at.
    pub const OPENINGS_KEPT: usize = 10;

    /// When alerts of one integration (bound first) under any of `keys`
    /// dedup keys opened, for flap damping; the caller keeps the latest
    /// [`OPENINGS_KEPT`] of each.
    pub fn openings_under_keys(keys: usize, style: crate::sql::Placeholders) -> String {
        format!(
            "SELECT dedup_key, first_seen FROM alerts WHERE integration_id = {} AND dedup_key IN ({})",
            style.nth(1),
            style.run(2, keys)
        )
    }
}

/// A group write that found the row past the version it expected: another
/// router or attach changed it first (the version it now has is unknown).
pub fn group_race_lost(group: &AlertGroup) -> StoreError {
    StoreError::VersionConflict {
        entity: "alert group",
        expected: group.version.saturating_sub(1),
        actual: 0,
    }
}

/// Reads one row of [`statements::GROUP_COLUMNS`].
pub fn decode_group(row: &dyn StoredRow) -> Result<AlertGroup, StoreError> {
    Ok(AlertGroup {
        id: AlertGroupId(row.id("group_id")?),
        integration: IntegrationId(row.id("integration_id")?),
        key: row.text("group_key")?,
        opened_at: row.instant("opened_at")?,
        last_alert_at: row.instant("last_alert_at")?,
        effect: row.text("effect")?,
        page: row.optional_id("page_id")?.map(PageId),
        incident: row.optional_id("incident_id")?.map(IncidentId),
        mitigate_on_resolve: row.flag("mitigate_on_resolve")?,
        follow_up_due: row.flag("follow_up_due")?,
        version: row.natural("version")?,
    })
}

/// Reads the one row of [`statements::OTHER_GROUPS`].
pub fn decode_other_groups(row: &dyn StoredRow) -> Result<OtherGroups, StoreError> {
    Ok(OtherGroups {
        alerts: row.natural("alerts")?,
        open: row.natural("open")?,
        holding: row.natural("holding")?,
    })
}

/// Reads a pending alert: [`crate::alerts::statements::ALERT_COLUMNS`] and
/// [`pending::EXTRA_COLUMNS`]; `openings` come from their own query.
pub fn decode_pending(
    row: &dyn StoredRow,
    openings: Vec<Timestamp>,
) -> Result<PendingAlert, StoreError> {
    Ok(PendingAlert {
        alert: crate::alerts::decode_alert(row)?,
        route_seq: row.natural("route_seq")?,
        group: row.optional_id("group_id")?.map(AlertGroupId),
        silenced_by: row.optional_id("silenced_by")?.map(SilenceId),
        openings,
    })
}

/// Reads one row of [`statements::ALERT_ROUTING`] (the group read apart).
pub fn decode_routing(
    row: &dyn StoredRow,
    group: Option<AlertGroup>,
) -> Result<AlertRouting, StoreError> {
    Ok(AlertRouting {
        decision: row.optional_text("decision")?,
        group,
        silenced_by: row.optional_id("silenced_by")?.map(SilenceId),
        silenced_until: row.optional_instant("silenced_until")?,
        pending: row.flag("pending")?,
    })
}

/// The group ids of the batch to load: each alert's own group.
pub fn own_groups(pending: &[PendingAlert]) -> Vec<AlertGroupId> {
    let mut ids: Vec<AlertGroupId> = pending.iter().filter_map(|p| p.group).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The `(integration, group key)` pairs of the batch's ungrouped open alerts,
/// sorted and unique (PostgreSQL locks them in this order).
pub fn keys_to_load(
    pending: &[PendingAlert],
    router: &dyn AlertRouter,
) -> Vec<(IntegrationId, String)> {
    let mut keys: Vec<(IntegrationId, String)> = pending
        .iter()
        .filter(|p| p.group.is_none() && p.alert.status.is_open())
        .map(|p| (p.alert.integration, router.group_key(&p.alert)))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
