//! The alerts the ingest bench sends, and the two bodies that carry them:
//! Alertmanager's own API (`POST /api/v2/alerts`, a JSON array of postable
//! alerts) and the Alertmanager webhook muster reads (payload version 4).
//! The label sets are those of the reference harness's `am_distinct.lua`
//! and `am_dedup.lua`, so both systems get the same alerts. Pure: no I/O.

use std::collections::BTreeMap;

use serde::Serialize;

/// Distinct `alertname` values, as the reference harness (`GROUPS=10`).
pub const ALERT_NAMES: usize = 10;
/// The fixed set the repeat shapes re-send (`NALERTS=1000`).
pub const REPEAT_SET: usize = 1000;
/// What marks a latency probe in a body; the probe's number follows.
const PROBE: &str = "ingestprobe-";

/// One alert, before it is put in either body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub labels: BTreeMap<&'static str, String>,
    pub annotations: BTreeMap<&'static str, String>,
    /// `endsAt`, when the alert must outlive Alertmanager's resolve_timeout.
    pub ends_at: Option<String>,
}

fn alert(name: String, service: usize, instance: String, job: &str) -> Alert {
    let labels = BTreeMap::from([
        ("alertname", name),
        ("severity", "critical".to_owned()),
        ("service", format!("svc{service}")),
        ("instance", instance),
        ("job", job.to_owned()),
    ]);
    Alert {
        labels,
        annotations: BTreeMap::new(),
        ends_at: None,
    }
}

/// A never-seen alert: number `counter` of client `client` in run `run`.
pub fn distinct(run: &str, client: usize, counter: usize) -> Alert {
    let mut a = alert(
        format!("Bench{}", counter % ALERT_NAMES),
        counter % 100,
        format!("r{run}-t{client}-{counter}"),
        "bench",
    );
    a.annotations = BTreeMap::from([
        ("summary", "benchmark alert".to_owned()),
        (
            "description",
            "distinct alert for ingest throughput".to_owned(),
        ),
    ]);
    a
}

/// Alert `n` of the fixed set the repeat shapes re-send.
pub fn repeat(n: usize) -> Alert {
    let mut a = alert(
        format!("Dup{}", n % ALERT_NAMES),
        n % 100,
        format!("fixed-{n}"),
        "bench",
    );
    a.annotations = BTreeMap::from([
        ("summary", "benchmark alert".to_owned()),
        ("description", "re-sent alert for dedup path".to_owned()),
    ]);
    a
}

/// An alert kept open (firing) until `ends_at`, for the memory phase.
pub fn open(n: usize, ends_at: &str) -> Alert {
    let mut a = distinct("mem", 0, n);
    a.ends_at = Some(ends_at.to_owned());
    a
}

/// The id a latency probe carries in its `instance` label and summary.
pub fn probe_id(sequence: u64) -> String {
    format!("{PROBE}{sequence}")
}

/// A latency probe: its own alert (own group in a per-alert grouping),
/// labelled `job="bench-latency"`, which muster's bench plan pages for.
pub fn probe(sequence: u64) -> Alert {
    let id = probe_id(sequence);
    let mut a = alert(
        format!("Lat{}", sequence % ALERT_NAMES as u64),
        (sequence % 100) as usize,
        id.clone(),
        "bench-latency",
    );
    a.annotations = BTreeMap::from([("summary", format!("latency probe {id}"))]);
    a
}

/// Every probe number in a body a receiver got (repeats included).
pub fn probe_ids(body: &[u8]) -> Vec<u64> {
    let text = String::from_utf8_lossy(body);
    let mut found = Vec::new();
    let mut rest: &str = &text;
    while let Some(at) = rest.find(PROBE) {
        rest = &rest[at + PROBE.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse() {
            found.push(n);
        }
    }
    found
}

/// A 16-hex-digit fingerprint of the label set, the length Alertmanager's
/// are (FNV-1a over `name=value` pairs in order; any stable digest would do).
pub fn fingerprint(labels: &BTreeMap<&'static str, String>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, value) in labels {
        for byte in name
            .bytes()
            .chain([b'='])
            .chain(value.bytes())
            .chain([0xff])
        {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Postable<'a> {
    labels: &'a BTreeMap<&'static str, String>,
    annotations: &'a BTreeMap<&'static str, String>,
    starts_at: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ends_at: Option<&'a str>,
    #[serde(rename = "generatorURL")]
    generator_url: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    status: &'static str,
    labels: &'a BTreeMap<&'static str, String>,
    annotations: &'a BTreeMap<&'static str, String>,
    starts_at: &'a str,
    ends_at: &'a str,
    #[serde(rename = "generatorURL")]
    generator_url: &'static str,
    fingerprint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Webhook<'a> {
    version: &'static str,
    group_key: String,
    truncated_alerts: u32,
    status: &'static str,
    receiver: &'static str,
    group_labels: BTreeMap<&'static str, &'a str>,
    common_labels: BTreeMap<&'static str, &'a str>,
    common_annotations: BTreeMap<&'static str, &'a str>,
    #[serde(rename = "externalURL")]
    external_url: &'static str,
    alerts: Vec<Entry<'a>>,
}

const GENERATOR: &str = "http://bench.local/graph";
/// What Alertmanager writes as the `endsAt` of a firing alert it never saw end.
const NO_END: &str = "0001-01-01T00:00:00Z";

/// `alerts` as Alertmanager's API takes them, started at `starts_at`.
pub fn alertmanager_body(alerts: &[Alert], starts_at: &str) -> String {
    let list: Vec<Postable<'_>> = alerts
        .iter()
        .map(|a| Postable {
            labels: &a.labels,
            annotations: &a.annotations,
            starts_at,
            ends_at: a.ends_at.as_deref(),
            generator_url: GENERATOR,
        })
        .collect();
    // Maps of strings serialize without fail.
    serde_json::to_string(&list).unwrap_or_default()
}

/// `alerts` as one Alertmanager webhook notification (what Alertmanager
/// would send muster for them), started at `starts_at`. Grouped by alert
/// name, or, with `by_all_labels`, as `group_by: ['...']` groups: every
/// alert its own group.
pub fn webhook_body(alerts: &[Alert], starts_at: &str, by_all_labels: bool) -> String {
    let name = alerts
        .first()
        .and_then(|a| a.labels.get("alertname"))
        .map_or("", String::as_str);
    let group_key = match alerts.first() {
        Some(first) if by_all_labels => {
            let labels: Vec<String> = first
                .labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{v}\""))
                .collect();
            format!("{{}}:{{{}}}", labels.join(", "))
        }
        _ => format!("{{}}:{{alertname=\"{name}\"}}"),
    };
    let body = Webhook {
        version: "4",
        group_key,
        truncated_alerts: 0,
        status: "firing",
        receiver: "muster",
        group_labels: BTreeMap::from([("alertname", name)]),
        common_labels: BTreeMap::from([("job", "bench"), ("severity", "critical")]),
        common_annotations: BTreeMap::new(),
        external_url: "http://alertmanager.bench.local",
        alerts: alerts
            .iter()
            .map(|a| Entry {
                status: "firing",
                labels: &a.labels,
                annotations: &a.annotations,
                starts_at,
                ends_at: a.ends_at.as_deref().unwrap_or(NO_END),
                generator_url: GENERATOR,
                fingerprint: fingerprint(&a.labels),
            })
            .collect(),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use muster_ingest::alertmanager::{Flavour, parse};

    const AT: &str = "2026-12-01T09:00:00Z";

    #[test]
    fn the_webhook_body_is_one_signal_per_alert_keyed_by_its_labels() {
        let alerts: Vec<Alert> = (0..64).map(|n| distinct("x", 3, n)).collect();
        let signals = parse(
            webhook_body(&alerts, AT, false).as_bytes(),
            Flavour::Alertmanager,
        )
        .unwrap();
        assert_eq!(signals.len(), 64);
        let mut keys: Vec<&str> = signals.iter().map(|s| s.dedup_key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 64, "distinct alerts, distinct fingerprints");
        assert_eq!(signals[0].source, "rx-t3-0");
        assert_eq!(
            fingerprint(&repeat(7).labels),
            fingerprint(&repeat(7).labels),
            "a repeat is the same alert"
        );
        assert_eq!(fingerprint(&repeat(7).labels).len(), 16);
    }

    #[test]
    fn alertmanager_gets_an_array_with_ends_at_only_when_set() {
        let body: serde_json::Value =
            serde_json::from_str(&alertmanager_body(&[repeat(1), open(2, AT)], AT)).unwrap();
        assert_eq!(body[0]["labels"]["instance"], "fixed-1");
        assert_eq!(body[0]["startsAt"], AT);
        assert!(body[0].get("endsAt").is_none());
        assert_eq!(body[1]["endsAt"], AT);
        assert_eq!(body[1]["generatorURL"], GENERATOR);
    }

    #[test]
    fn probe_numbers_are_found_wherever_the_body_carries_them() {
        let body = webhook_body(&[probe(41), probe(7)], AT, true);
        let mut found = probe_ids(body.as_bytes());
        found.sort_unstable();
        found.dedup();
        assert_eq!(found, vec![7, 41]);
        let muster =
            br#"{"summary":"latency probe ingestprobe-1200","subject":"P-3 ingestprobe-1200"}"#;
        assert_eq!(probe_ids(muster), vec![1200, 1200]);
        assert!(probe_ids(b"ingestprobe-").is_empty());
        assert!(probe_ids(b"{}").is_empty());
    }
}
