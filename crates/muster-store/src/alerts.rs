//! Storage port of alert ingestion: integrations (a source, its hashed
//! key, what it is bound to) and the alerts their signals make. A batch of
//! signals is applied in one transaction: each reads the latest alert under
//! its key, the core decides (through the caller's [`AlertDecider`]), and the
//! outcome is written, so a 2xx from an ingest endpoint means the whole
//! batch is on disk and a repeat never makes a second open alert.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use muster_core::alert::{Alert, AlertLink, AlertStatus, Received, Signal};
use muster_core::{AlertId, IntegrationId, Slug, UserId};

use crate::StoreError;
use crate::row::StoredRow;

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
    pub created_at: Timestamp,
    pub created_by: UserId,
}

/// What the core decides for one signal given the latest stored alert
/// under its key: pure, so it is cheap inside the transaction.
pub type AlertDecider = Arc<dyn Fn(Option<&Alert>, Signal) -> Received + Send + Sync>;

/// Which alerts to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Any of these (all when empty).
    pub statuses: Vec<AlertStatus>,
    pub integration: Option<IntegrationId>,
    pub limit: u32,
}

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Saves a new integration; its name is unique.
    async fn insert_integration(&self, integration: &Integration) -> Result<(), StoreError>;
    /// Every integration, by name.
    async fn integrations(&self) -> Result<Vec<Integration>, StoreError>;
    /// The integration whose key hashes to `digest`.
    async fn integration_by_digest(
        &self,
        digest: &[u8; 32],
    ) -> Result<Option<Integration>, StoreError>;
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
pub mod statements {
    pub const INTEGRATION_COLUMNS: &str =
        "integration_id, name, kind, service, team, key_digest, config, created_at, created_by";
    pub const ALERT_COLUMNS: &str = "alert_id, integration_id, dedup_key, status, summary, severity, \
        source, labels, annotations, links, group_key, started_at, first_seen, last_seen, occurrences, \
        acknowledged_at, resolved_at, version";
    pub const INSERT_INTEGRATION: &str = "INSERT INTO integrations (integration_id, name, kind, \
        service, team, key_digest, config, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    pub const INSERT_ALERT: &str = "INSERT INTO alerts (alert_id, integration_id, dedup_key, status, \
        summary, severity, source, labels, annotations, links, group_key, started_at, first_seen, \
        last_seen, occurrences, acknowledged_at, resolved_at, version) VALUES ($1, $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    /// Compare-and-swap on `version`. A status change is a change routing
    /// acts on (`route_seq`); a mere repeat is not.
    pub const UPDATE_ALERT: &str = "UPDATE alerts SET route_seq = route_seq + \
        CASE WHEN status <> $1 THEN 1 ELSE 0 END, status = $1, summary = $2, severity = $3, \
        source = $4, labels = $5, annotations = $6, links = $7, group_key = $8, last_seen = $9, \
        occurrences = $10, acknowledged_at = $11, resolved_at = $12, version = $13 \
        WHERE alert_id = $14 AND version = $15";
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

/// The latest alert of each key among `rows`: the open one if any (the
/// newest), else the last resolved.
pub fn latest_by_key(rows: Vec<Alert>) -> std::collections::HashMap<String, Alert> {
    let mut latest: std::collections::HashMap<String, Alert> = std::collections::HashMap::new();
    for alert in rows {
        match latest.get(&alert.dedup_key) {
            Some(kept) if (kept.first_seen, kept.id) >= (alert.first_seen, alert.id) => {}
            _ => {
                latest.insert(alert.dedup_key.clone(), alert);
            }
        }
    }
    latest
}

/// Applies `signals` in order to `latest` through `decide`; each signal sees
/// what the ones before it decided.
pub fn decide_batch(
    mut latest: std::collections::HashMap<String, Alert>,
    signals: Vec<Signal>,
    decide: &AlertDecider,
) -> (Vec<Received>, BatchWrites) {
    use std::collections::HashMap;
    let stored: HashMap<AlertId, u64> = latest.values().map(|a| (a.id, a.version)).collect();
    let mut finals: Vec<Alert> = Vec::new();
    let mut out = Vec::with_capacity(signals.len());
    for signal in signals {
        let key = signal.dedup_key.clone();
        let received = decide(latest.get(&key), signal);
        let changed = match &received {
            Received::Opened(alert) | Received::Updated { alert, .. } => Some(alert.clone()),
            Received::Ignored(_) => None,
        };
        if let Some(alert) = changed {
            match finals.iter_mut().find(|a| a.id == alert.id) {
                Some(existing) => *existing = alert.clone(),
                None => finals.push(alert.clone()),
            }
            latest.insert(key, alert);
        }
        out.push(received);
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

/// `SELECT` of the alerts under `keys` dedup keys of one integration
/// (`$1`), for [`latest_by_key`].
pub fn select_under_keys(keys: usize) -> String {
    let placeholders: Vec<String> = (0..keys).map(|i| format!("${}", i + 2)).collect();
    format!(
        "SELECT {} FROM alerts WHERE integration_id = $1 AND dedup_key IN ({})",
        statements::ALERT_COLUMNS,
        placeholders.join(", ")
    )
}

/// One `INSERT` of `rows` alerts, binding [`statements::ALERT_COLUMNS`] in
/// order for each.
pub fn insert_rows(rows: usize) -> String {
    const COLUMNS: usize = 18;
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", r * COLUMNS + c))
                .collect();
            format!("({})", row.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO alerts ({}) VALUES {}",
        statements::ALERT_COLUMNS,
        values.join(", ")
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
        let (first, writes) = decide_batch(
            std::collections::HashMap::new(),
            vec![
                signal(SignalAction::Trigger, "a"),
                signal(SignalAction::Trigger, "a"),
                signal(SignalAction::Resolve, "a"),
                signal(SignalAction::Trigger, "a"),
                signal(SignalAction::Trigger, "b"),
            ],
            &decide,
        );
        assert_eq!(first.len(), 5);
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
        assert_eq!(latest["a"].status, AlertStatus::Firing);
        let (_, again) = decide_batch(latest, vec![signal(SignalAction::Trigger, "b")], &decide);
        assert_eq!(again.updates.len(), 1);
        assert_eq!(again.updates[0].1, 1);
        assert_eq!(again.updates[0].0.version, 2);
        assert_eq!(insert_rows(2).matches('$').count(), 36);
        assert!(select_under_keys(3).ends_with("IN ($2, $3, $4)"));
    }
}
