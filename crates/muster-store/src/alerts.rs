//! Storage port of alert ingestion: integrations (a source, its hashed
//! key, what it is bound to) and the alerts their signals make. A batch of
//! signals is applied in one transaction: each reads the latest alert under
//! its key, the core decides (through the caller's [`AlertDecider`]), and the
//! outcome is written, so a 2xx from an ingest endpoint means the whole
//! batch is on disk and a repeat never makes a second open alert.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::alert::{Alert, AlertLink, AlertStatus, Received, Signal};
use muster_core::{AlertId, IntegrationId, Slug, UserId};

use crate::StoreError;
use crate::row::StoredRow;
use crate::sql::Placeholders;

/// Who made an integration, and so who may change it: a plan apply touches
/// only the integrations a plan made, never those made by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationOrigin {
    /// Through the API, the CLI or the console.
    Hand,
    /// By a plan apply, from an `Integration` document.
    Plan,
}

impl IntegrationOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hand => "hand",
            Self::Plan => "plan",
        }
    }
}

impl std::str::FromStr for IntegrationOrigin {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "hand" => Ok(Self::Hand),
            "plan" => Ok(Self::Plan),
            other => Err(format!("unknown integration origin {other:?}")),
        }
    }
}

/// A configured source of alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub id: IntegrationId,
    pub name: String,
    /// `alertmanager`, `grafana`, `pagerduty_events`, `generic`, `heartbeat`.
    pub kind: String,
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    /// SHA-256 of the secret key; the key itself is shown once, at creation.
    pub key_digest: [u8; 32],
    /// Kind-specific settings as JSON (a generic mapping, a heartbeat
    /// interval, a Grafana signing secret).
    pub config: String,
    /// When it was made, or declared again by a plan after being retired.
    pub created_at: Timestamp,
    pub created_by: UserId,
    pub origin: IntegrationOrigin,
    /// When a plan apply took it out of service: its key is refused from
    /// then on, and its alerts are kept.
    pub retired_at: Option<Timestamp>,
}

/// What an integration is bound to and does: the part a plan may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationSettings {
    pub kind: String,
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    pub config: String,
}

/// What a plan apply writes for one integration it owns, in the apply's
/// transaction. Each write but the insert applies only to an integration of
/// origin plan in the state it names; finding it otherwise fails the apply
/// with [`StoreError::VersionConflict`], so a stale diff writes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrationWrite {
    /// A new integration (its origin is [`IntegrationOrigin::Plan`]).
    Insert(Integration),
    /// New settings for one in service; its key and alerts stay.
    Update {
        id: IntegrationId,
        settings: IntegrationSettings,
    },
    /// A retired one declared again: new settings and a new key, and counted
    /// as made at `at` by `by` (a heartbeat's silence starts again).
    Revive {
        id: IntegrationId,
        settings: IntegrationSettings,
        key_digest: [u8; 32],
        at: Timestamp,
        by: UserId,
    },
    /// Out of service from `at`: its key is refused; its alerts stay.
    Retire { id: IntegrationId, at: Timestamp },
}

/// The failure of a plan's integration write that found the row changed.
pub fn integration_changed() -> StoreError {
    StoreError::VersionConflict {
        entity: "integration",
        expected: 0,
        actual: 0,
    }
}

/// What the core decides for one signal given the latest stored alert
/// under its key: pure, so it is cheap inside the transaction.
pub type AlertDecider = Arc<dyn Fn(Option<&Alert>, Signal) -> Received + Send + Sync>;

/// Which alerts to list, most recently seen first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Any of these (all when empty).
    pub statuses: Vec<AlertStatus>,
    pub integration: Option<IntegrationId>,
    /// Only alerts after this one in the list's order: the next page.
    pub after: Option<AlertCursor>,
    /// At most this many, up to [`MAX_ALERT_LIST`] + 1 (one more than a
    /// page tells the caller there is a next one).
    pub limit: u32,
}

/// The longest page of alerts a caller may ask for.
pub const MAX_ALERT_LIST: u32 = 1000;

/// Where a page of alerts ended. The list is ordered by `last_seen`, then
/// id (many alerts of a storm share a millisecond), so the next page starts
/// strictly after both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertCursor {
    pub last_seen: Timestamp,
    pub id: AlertId,
}

impl AlertCursor {
    pub fn of(alert: &Alert) -> Self {
        Self {
            last_seen: alert.last_seen,
            id: alert.id,
        }
    }
}

/// `{milliseconds}_{alert id}`: opaque to clients, and stable across
/// releases because it names only the sort key.
impl std::fmt::Display for AlertCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.last_seen.as_millisecond(), self.id)
    }
}

impl std::str::FromStr for AlertCursor {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let malformed = || format!("malformed cursor {raw:?}: pass back a next_cursor");
        let (millis, id) = raw.split_once('_').ok_or_else(malformed)?;
        let millis: i64 = millis.parse().map_err(|_| malformed())?;
        Ok(Self {
            last_seen: Timestamp::from_millisecond(millis).map_err(|_| malformed())?,
            id: id.parse().map_err(|_| malformed())?,
        })
    }
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Saves a new integration; its name is unique.
    async fn insert_integration(&self, integration: &Integration) -> Result<(), StoreError>;
    /// Every integration, by name.
    async fn integrations(&self) -> Result<Vec<Integration>, StoreError>;
    /// The integration in service whose key hashes to `digest` (a retired
    /// one's key finds nothing).
    async fn integration_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<Integration>, StoreError>;
    /// Replaces the key of the integration in service `id` whose key hashes
    /// to `old`; false (nothing written) when it is retired or its key was
    /// replaced since, so two rotations racing never both hand out a key.
    async fn rotate_integration_key(
        &self,
        id: IntegrationId,
        old: &[u8; 32],
        new: &[u8; 32],
    ) -> Result<bool, StoreError>;
    /// Applies `signals` in order, in one transaction (see the module docs),
    /// and says what each did.
    async fn receive_signals(
        &self,
        integration: IntegrationId,
        signals: Vec<Signal>,
        decide: AlertDecider,
    ) -> Result<Vec<Received>, StoreError>;
    async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError>;
    async fn find_alert(&self, id: AlertId) -> Result<Option<Alert>, StoreError>;
}

/// Labels or annotations as stored: a JSON object of strings.
pub fn encode_map(map: &BTreeMap<String, String>) -> String {
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
}

pub fn decode_map(column: &str, text: &str) -> Result<BTreeMap<String, String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Links as stored: a JSON list of `[href, text]` pairs.
pub fn encode_links(links: &[AlertLink]) -> String {
    let pairs: Vec<(&str, &str)> = links
        .iter()
        .map(|l| (l.href.as_str(), l.text.as_str()))
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned())
}

pub fn decode_links(text: &str) -> Result<Vec<AlertLink>, StoreError> {
    let pairs: Vec<(String, String)> =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("links: {e}")))?;
    Ok(pairs
        .into_iter()
        .map(|(href, text)| AlertLink { href, text })
        .collect())
}

fn slug(column: &str, raw: Option<String>) -> Result<Option<Slug>, StoreError> {
    raw.map(|s| Slug::parse(column, &s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// Reads one row of [`statements::INTEGRATION_COLUMNS`].
pub fn decode_integration(row: &dyn StoredRow, digest: Vec<u8>) -> Result<Integration, StoreError> {
    let key_digest: [u8; 32] = digest
        .try_into()
        .map_err(|_| StoreError::Corrupt("key_digest is not 32 bytes".into()))?;
    Ok(Integration {
        id: IntegrationId(row.id("integration_id")?),
        name: row.text("name")?,
        kind: row.text("kind")?,
        service: slug("service", row.optional_text("service")?)?,
        team: slug("team", row.optional_text("team")?)?,
        key_digest,
        config: row.text("config")?,
        created_at: row.instant("created_at")?,
        created_by: UserId(row.id("created_by")?),
        origin: row.text("origin")?.parse().map_err(StoreError::Corrupt)?,
        retired_at: row.optional_instant("retired_at")?,
    })
}

/// Reads one row of [`statements::ALERT_COLUMNS`].
pub fn decode_alert(row: &dyn StoredRow) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: AlertId(row.id("alert_id")?),
        integration: IntegrationId(row.id("integration_id")?),
        dedup_key: row.text("dedup_key")?,
        status: row.text("status")?.parse().map_err(StoreError::Corrupt)?,
        summary: row.text("summary")?,
        severity: row.text("severity")?.parse().map_err(StoreError::Corrupt)?,
        source: row.text("source")?,
        labels: decode_map("labels", &row.text("labels")?)?,
        annotations: decode_map("annotations", &row.text("annotations")?)?,
        links: decode_links(&row.text("links")?)?,
        group_key: row.optional_text("group_key")?,
        started_at: row.instant("started_at")?,
        first_seen: row.instant("first_seen")?,
        last_seen: row.instant("last_seen")?,
        occurrences: row.natural("occurrences")?,
        acknowledged_at: row.optional_instant("acknowledged_at")?,
        resolved_at: row.optional_instant("resolved_at")?,
        version: row.natural("version")?,
    })
}

/// The SQL both backends run verbatim (`$n` placeholders).
///
/// Each statement numbers its parameters in the order they first appear:
/// SQLite numbers named parameters that way, so the same text binds
/// positionally on both backends.
pub mod statements {
    use super::{AlertFilter, MAX_ALERT_LIST};

    /// The list `filter` asks for. Placeholders, in order: the integration
    /// (when filtered on), then the cursor's `last_seen` and id (when given).
    pub fn alert_list(filter: &AlertFilter) -> String {
        let mut sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1");
        let statuses: Vec<&str> = filter.statuses.iter().map(|s| s.as_str()).collect();
        if !statuses.is_empty() {
            // Fixed words from the enum, never input.
            sql.push_str(&format!(" AND status IN ('{}')", statuses.join("', '")));
        }
        let mut next = 1;
        if filter.integration.is_some() {
            sql.push_str(&format!(" AND integration_id = ${next}"));
            next += 1;
        }
        if filter.after.is_some() {
            let (seen, id) = (next, next + 1);
            sql.push_str(&format!(
                " AND (last_seen < ${seen} OR (last_seen = ${seen} AND alert_id < ${id}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY last_seen DESC, alert_id DESC LIMIT {}",
            filter.limit.clamp(1, MAX_ALERT_LIST + 1)
        ));
        sql
    }

    pub const INTEGRATION_COLUMNS: &str = "integration_id, name, kind, service, team, key_digest, \
        config, created_at, created_by, origin, retired_at";
    pub const ALERT_COLUMNS: &str = "alert_id, integration_id, dedup_key, status, summary, severity, \
        source, labels, annotations, links, group_key, started_at, first_seen, last_seen, occurrences, \
        acknowledged_at, resolved_at, version";
    pub const INSERT_INTEGRATION: &str = "INSERT INTO integrations (integration_id, name, kind, \
        service, team, key_digest, config, created_at, created_by, origin, retired_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    pub const INTEGRATION_BY_DIGEST: &str = "SELECT integration_id, name, kind, service, team, \
        key_digest, config, created_at, created_by, origin, retired_at FROM integrations \
        WHERE key_digest = $1 AND retired_at IS NULL";
    /// Binds kind, service, team, config, id.
    pub const UPDATE_PLANNED_INTEGRATION: &str = "UPDATE integrations SET kind = $1, service = $2, \
        team = $3, config = $4 WHERE integration_id = $5 AND origin = 'plan' AND retired_at IS NULL";
    /// Binds kind, service, team, config, key digest, created at, created by, id.
    pub const REVIVE_PLANNED_INTEGRATION: &str = "UPDATE integrations SET kind = $1, service = $2, \
        team = $3, config = $4, key_digest = $5, created_at = $6, created_by = $7, retired_at = NULL \
        WHERE integration_id = $8 AND origin = 'plan' AND retired_at IS NOT NULL";
    /// A revived heartbeat counts its silence from its return, not from a
    /// beat before it was retired.
    pub const FORGET_BEATS: &str = "DELETE FROM heartbeats WHERE integration_id = $1";
    /// Binds retired at, id.
    pub const RETIRE_PLANNED_INTEGRATION: &str = "UPDATE integrations SET retired_at = $1 \
        WHERE integration_id = $2 AND origin = 'plan' AND retired_at IS NULL";
    /// Binds the new digest, id, the old digest.
    pub const ROTATE_KEY: &str = "UPDATE integrations SET key_digest = $1 \
        WHERE integration_id = $2 AND key_digest = $3 AND retired_at IS NULL";
    pub const INSERT_ALERT: &str = "INSERT INTO alerts (alert_id, integration_id, dedup_key, status, \
        summary, severity, source, labels, annotations, links, group_key, started_at, first_seen, \
        last_seen, occurrences, acknowledged_at, resolved_at, version) VALUES ($1, $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
}

/// The conflict of a taken integration name.
pub fn duplicate_name(name: &str) -> StoreError {
    StoreError::Duplicate {
        field: "name",
        value: name.to_owned(),
    }
}

/// What a batch of signals writes, decided in memory after one read of
/// the latest alert under each key: every alert once, in its final state
/// (an alert opened and repeated in one batch is inserted once).
#[derive(Debug, Default)]
pub struct BatchWrites {
    pub inserts: Vec<Alert>,
    /// The final state, and the version it must still be at when written.
    pub updates: Vec<(Alert, u64)>,
}

/// An alert's identity: its integration and dedup key.
pub type AlertKey = (IntegrationId, String);

/// One caller's signals. Calls that arrive together are applied in one
/// read and one write ([`decide_calls`]), in arrival order.
#[derive(Clone)]
pub struct ReceiveCall {
    pub integration: IntegrationId,
    pub signals: Vec<Signal>,
    pub decide: AlertDecider,
}

/// The dedup keys `calls` name, per integration, sorted and once each: what
/// one read (and, on PostgreSQL, one lock statement) covers.
pub fn keys_by_integration(calls: &[ReceiveCall]) -> BTreeMap<IntegrationId, Vec<String>> {
    let mut keys: BTreeMap<IntegrationId, Vec<String>> = BTreeMap::new();
    for call in calls {
        keys.entry(call.integration)
            .or_default()
            .extend(call.signals.iter().map(|s| s.dedup_key.clone()));
    }
    for list in keys.values_mut() {
        list.sort();
        list.dedup();
    }
    keys
}

/// The latest alert of each key among `rows` (the open one, when `rows`
/// came from [`select_under_keys`]; else the newest).
pub fn latest_by_key(rows: Vec<Alert>) -> HashMap<AlertKey, Alert> {
    let mut latest: HashMap<AlertKey, Alert> = HashMap::new();
    for alert in rows {
        let key = (alert.integration, alert.dedup_key.clone());
        match latest.get(&key) {
            Some(kept) if (kept.first_seen, kept.id) >= (alert.first_seen, alert.id) => {}
            _ => {
                latest.insert(key, alert);
            }
        }
    }
    latest
}

/// Applies each call's signals in order to `latest` through its decider;
/// each signal sees what the ones before it decided, across calls. Says what
/// each call's signals did, and what the whole lot writes.
pub fn decide_calls(
    mut latest: HashMap<AlertKey, Alert>,
    calls: &[ReceiveCall],
) -> (Vec<Vec<Received>>, BatchWrites) {
    let stored: HashMap<AlertId, u64> = latest.values().map(|a| (a.id, a.version)).collect();
    // Every alert written once, in its final state, in first-touched order.
    let mut finals: Vec<Alert> = Vec::new();
    let mut position: HashMap<AlertId, usize> = HashMap::new();
    let mut out = Vec::with_capacity(calls.len());
    for call in calls {
        let mut received_by_call = Vec::with_capacity(call.signals.len());
        for signal in &call.signals {
            let key = (call.integration, signal.dedup_key.clone());
            let received = (call.decide)(latest.get(&key), signal.clone());
            if let Received::Opened(alert) | Received::Updated { alert, .. } = &received {
                match position.get(&alert.id) {
                    Some(&at) => finals[at] = alert.clone(),
                    None => {
                        position.insert(alert.id, finals.len());
                        finals.push(alert.clone());
                    }
                }
                latest.insert(key, alert.clone());
            }
            received_by_call.push(received);
        }
        out.push(received_by_call);
    }
    let mut writes = BatchWrites::default();
    for alert in finals {
        match stored.get(&alert.id) {
            Some(version) => writes.updates.push((alert, *version)),
            None => writes.inserts.push(alert),
        }
    }
    (out, writes)
}

/// Keys or rows per statement: well under SQLite's 32,766 parameters.
pub const CHUNK: usize = 500;

/// `SELECT` of the open alerts under `keys` dedup keys of one integration
/// (bound first), for [`latest_by_key`]. Only open ones: a signal changes
/// nothing but an open alert (`muster_core::alert::receive`), and a key
/// that flapped a thousand times must not read its thousand resolved
/// alerts on every repeat. The unique partial index `alerts_open_key`
/// answers it with one probe per key.
pub fn select_under_keys(keys: usize, style: Placeholders) -> String {
    format!(
        "SELECT {} FROM alerts WHERE integration_id = {} AND status <> 'resolved' AND dedup_key IN ({})",
        statements::ALERT_COLUMNS,
        style.nth(1),
        style.run(2, keys)
    )
}

/// One `INSERT` of `rows` alerts, binding [`statements::ALERT_COLUMNS`] in
/// order for each.
pub fn insert_rows(rows: usize, style: Placeholders) -> String {
    format!(
        "INSERT INTO alerts ({}) VALUES {}",
        statements::ALERT_COLUMNS,
        style.rows(rows, 18)
    )
}

#[cfg(test)]
mod batch_tests {
    use std::sync::Arc;

    use muster_core::alert::{AlertSeverity, SignalAction, receive};

    use super::*;

    fn signal(action: SignalAction, key: &str) -> Signal {
        Signal {
            action,
            dedup_key: key.to_owned(),
            summary: "s".to_owned(),
            severity: AlertSeverity::Error,
            source: String::new(),
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            links: Vec::new(),
            group_key: None,
            started_at: None,
        }
    }

    #[test]
    fn a_batch_writes_each_alert_once_in_its_final_state() {
        let integration = IntegrationId(uuid::Uuid::from_u128(1));
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let next = Arc::new(std::sync::atomic::AtomicU64::new(10));
        let decide: AlertDecider = Arc::new(move |current, s| {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            receive(
                current,
                s,
                integration,
                AlertId(uuid::Uuid::from_u128(u128::from(n))),
                now,
            )
        });
        let call = |signals: Vec<Signal>| ReceiveCall {
            integration,
            signals,
            decide: decide.clone(),
        };
        // Two callers' signals, merged: the second sees the first's.
        let (first, writes) = decide_calls(
            HashMap::new(),
            &[
                call(vec![
                    signal(SignalAction::Trigger, "a"),
                    signal(SignalAction::Trigger, "a"),
                    signal(SignalAction::Resolve, "a"),
                ]),
                call(vec![
                    signal(SignalAction::Trigger, "a"),
                    signal(SignalAction::Trigger, "b"),
                ]),
            ],
        );
        assert_eq!(first.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
        assert!(matches!(first[1][0], Received::Opened(_)));
        assert!(writes.updates.is_empty());
        let keys: Vec<(&str, AlertStatus, u64)> = writes
            .inserts
            .iter()
            .map(|a| (a.dedup_key.as_str(), a.status, a.occurrences))
            .collect();
        assert_eq!(
            keys,
            [
                ("a", AlertStatus::Resolved, 2),
                ("a", AlertStatus::Firing, 1),
                ("b", AlertStatus::Firing, 1)
            ]
        );
        // Stored ones are updated from the version they were read at.
        let latest = latest_by_key(writes.inserts.clone());
        assert_eq!(
            latest[&(integration, "a".to_owned())].status,
            AlertStatus::Firing
        );
        let (_, again) = decide_calls(latest, &[call(vec![signal(SignalAction::Trigger, "b")])]);
        assert_eq!(again.updates.len(), 1);
        assert_eq!(again.updates[0].1, 1);
        assert_eq!(again.updates[0].0.version, 2);
        assert_eq!(
            insert_rows(2, Placeholders::DollarNumbered)
                .matches('$')
                .count(),
            36
        );
        assert!(insert_rows(1, Placeholders::DollarNumbered).ends_with("$17, $18)"));
        assert!(select_under_keys(3, Placeholders::DollarNumbered).ends_with("IN ($2, $3, $4)"));
        assert!(
            select_under_keys(2, Placeholders::Anonymous)
                .ends_with("= ? AND status <> 'resolved' AND dedup_key IN (?, ?)")
        );
        let keys = keys_by_integration(&[
            call(vec![signal(SignalAction::Trigger, "b")]),
            call(vec![
                signal(SignalAction::Trigger, "a"),
                signal(SignalAction::Trigger, "b"),
            ]),
        ]);
        assert_eq!(keys[&integration], ["a", "b"]);
    }
}
