//! The Alertmanager webhook (payload `version: "4"`) and Grafana's, which
//! is the same shape with `version: "1"` and a few more fields. One signal
//! per entry of `alerts[]`, keyed by its fingerprint and grouped by the
//! notification's `groupKey`; an entry with `status: resolved` resolves.

use std::collections::BTreeMap;

use muster_core::alert::{AlertLink, AlertSeverity, Signal, SignalAction};
use serde::Deserialize;

use crate::{ParseError, parse_time};

/// Which flavour of the payload arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Alertmanager,
    Grafana,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    version: Option<String>,
    group_key: Option<String>,
    #[serde(default)]
    alerts: Vec<Entry>,
    #[serde(default)]
    common_labels: BTreeMap<String, String>,
    // Not `externalUrl`, which camelCase would make it.
    #[serde(rename = "externalURL")]
    external_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    status: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    fingerprint: Option<String>,
    // Grafana's extras.
    #[serde(rename = "dashboardURL")]
    dashboard_url: Option<String>,
    #[serde(rename = "panelURL")]
    panel_url: Option<String>,
    #[serde(rename = "silenceURL")]
    silence_url: Option<String>,
}

/// Reads a webhook body into one signal per alert.
pub fn parse(body: &[u8], flavour: Flavour) -> Result<Vec<Signal>, ParseError> {
    let notification: Notification =
        serde_json::from_slice(body).map_err(|e| ParseError::json(&e))?;
    let expected = match flavour {
        Flavour::Alertmanager => "4",
        Flavour::Grafana => "1",
    };
    match notification.version.as_deref() {
        Some(v) if v == expected => {}
        Some(other) => {
            return Err(ParseError::new(
                "version",
                format!("expected payload version {expected:?}, got {other:?}"),
            ));
        }
        None => {
            return Err(ParseError::new(
                "version",
                format!("missing; this endpoint reads payload version {expected:?}"),
            ));
        }
    }
    if notification.alerts.is_empty() {
        return Err(ParseError::new("alerts", "no alerts in the notification"));
    }
    notification
        .alerts
        .iter()
        .enumerate()
        .map(|(i, entry)| signal(&notification, entry, i))
        .collect()
}

fn signal(notification: &Notification, entry: &Entry, i: usize) -> Result<Signal, ParseError> {
    let at = |field: &str| format!("alerts[{i}].{field}");
    let action = match entry.status.as_deref() {
        Some("firing") => SignalAction::Trigger,
        Some("resolved") => SignalAction::Resolve,
        Some(other) => {
            return Err(ParseError::new(
                at("status"),
                format!("expected firing or resolved, got {other:?}"),
            ));
        }
        None => return Err(ParseError::new(at("status"), "missing")),
    };
    let dedup_key = match entry.fingerprint.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => f.to_owned(),
        _ => return Err(ParseError::new(at("fingerprint"), "missing")),
    };
    let started_at = match &entry.starts_at {
        Some(text) => parse_time(&at("startsAt"), text)?,
        None => None,
    };
    // Severity lives in a label; when it names no level, `error`, as
    // Alertmanager's own PagerDuty receiver sends.
    let severity = entry
        .labels
        .get("severity")
        .or_else(|| notification.common_labels.get("severity"))
        .and_then(|v| AlertSeverity::from_label(v))
        .unwrap_or(AlertSeverity::Error);
    Ok(Signal {
        action,
        dedup_key,
        summary: summary(entry),
        severity,
        source: entry
            .labels
            .get("instance")
            .or_else(|| entry.labels.get("job"))
            .or_else(|| entry.labels.get("service"))
            .cloned()
            .unwrap_or_else(|| "alertmanager".to_owned()),
        labels: entry.labels.clone(),
        annotations: entry.annotations.clone(),
        links: links(notification, entry),
        group_key: notification.group_key.clone().filter(|k| !k.is_empty()),
        started_at,
    })
}

/// The `summary` annotation, else `description`, else the alert's name and
/// its most telling labels.
fn summary(entry: &Entry) -> String {
    for key in ["summary", "description", "message"] {
        if let Some(text) = entry.annotations.get(key).filter(|t| !t.trim().is_empty()) {
            return truncate(text.trim());
        }
    }
    let name = entry
        .labels
        .get("alertname")
        .map_or("Alert", String::as_str);
    let detail: Vec<String> = ["service", "instance", "job"]
        .iter()
        .filter_map(|k| entry.labels.get(*k).map(|v| format!("{k}={v}")))
        .collect();
    if detail.is_empty() {
        truncate(name)
    } else {
        truncate(&format!("{name} ({})", detail.join(", ")))
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(muster_core::alert::MAX_SUMMARY).collect()
}

fn links(notification: &Notification, entry: &Entry) -> Vec<AlertLink> {
    let mut out = Vec::new();
    let mut add = |href: Option<&String>, text: &str| {
        if let Some(href) = href.filter(|h| !h.trim().is_empty()) {
            out.push(AlertLink {
                href: href.clone(),
                text: text.to_owned(),
            });
        }
    };
    add(entry.generator_url.as_ref(), "Source");
    add(entry.annotations.get("runbook_url"), "Runbook");
    add(entry.annotations.get("dashboard"), "Dashboard");
    add(entry.dashboard_url.as_ref(), "Dashboard");
    add(entry.panel_url.as_ref(), "Panel");
    add(entry.silence_url.as_ref(), "Silence");
    add(notification.external_url.as_ref(), "Alertmanager");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUP: &str = r#"{"receiver":"muster","status":"firing","alerts":[
        {"status":"firing","labels":{"alertname":"HighLatency","instance":"web-1:8080","service":"shop","severity":"warning"},
         "annotations":{"summary":"p99 above 500ms on web-1"},"startsAt":"2026-11-26T17:06:35Z","endsAt":"0001-01-01T00:00:00Z",
         "generatorURL":"http://prometheus.test/graph","fingerprint":"aaa1"},
        {"status":"resolved","labels":{"alertname":"HighLatency","instance":"web-2:8080","service":"shop"},
         "annotations":{},"startsAt":"2026-11-26T17:06:35Z","endsAt":"2026-11-26T17:08:30Z","fingerprint":"aaa2"}],
        "groupLabels":{"alertname":"HighLatency"},"commonLabels":{"alertname":"HighLatency","service":"shop"},
        "commonAnnotations":{},"externalURL":"http://alertmanager.test","version":"4",
        "groupKey":"{}:{alertname=\"HighLatency\"}","truncatedAlerts":0}"#;

    #[test]
    fn each_alert_becomes_a_signal_keyed_by_fingerprint_and_grouped() {
        let signals = parse(GROUP.as_bytes(), Flavour::Alertmanager).unwrap();
        assert_eq!(signals.len(), 2);
        let (first, second) = (&signals[0], &signals[1]);
        assert_eq!(first.action, SignalAction::Trigger);
        assert_eq!(first.dedup_key, "aaa1");
        assert_eq!(first.summary, "p99 above 500ms on web-1");
        assert_eq!(first.severity, AlertSeverity::Warning);
        assert_eq!(first.source, "web-1:8080");
        assert_eq!(
            first.started_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-26T17:06:35Z")
        );
        assert_eq!(first.links[0].text, "Source");
        assert_eq!(
            first.links.last(),
            Some(&AlertLink {
                href: "http://alertmanager.test".into(),
                text: "Alertmanager".into()
            }),
            "the notification's externalURL"
        );
        assert_eq!(
            first.group_key.as_deref(),
            Some("{}:{alertname=\"HighLatency\"}")
        );
        assert_eq!(second.action, SignalAction::Resolve);
        assert_eq!(
            second.summary,
            "HighLatency (service=shop, instance=web-2:8080)"
        );
        assert_eq!(second.severity, AlertSeverity::Error, "no severity label");
    }

    #[test]
    fn the_wrong_version_or_a_broken_entry_is_refused_with_its_path() {
        let grafana = GROUP.replace(r#""version":"4""#, r#""version":"1""#);
        assert_eq!(
            parse(grafana.as_bytes(), Flavour::Alertmanager)
                .unwrap_err()
                .field,
            "version"
        );
        assert!(parse(grafana.as_bytes(), Flavour::Grafana).is_ok());
        let unfingerprinted = GROUP.replace(r#","fingerprint":"aaa2""#, "");
        assert_eq!(
            parse(unfingerprinted.as_bytes(), Flavour::Alertmanager)
                .unwrap_err()
                .field,
            "alerts[1].fingerprint"
        );
        let odd = GROUP.replace(r#""status":"resolved""#, r#""status":"pending""#);
        assert_eq!(
            parse(odd.as_bytes(), Flavour::Alertmanager)
                .unwrap_err()
                .field,
            "alerts[1].status"
        );
        let bad_time = GROUP.replacen("2026-11-26T17:06:35Z", "soon", 1);
        assert_eq!(
            parse(bad_time.as_bytes(), Flavour::Alertmanager)
                .unwrap_err()
                .field,
            "alerts[0].startsAt"
        );
        assert!(
            parse(b"{", Flavour::Alertmanager)
                .unwrap_err()
                .message
                .contains("line 1")
        );
        assert_eq!(
            parse(br#"{"version":"4","alerts":[]}"#, Flavour::Alertmanager)
                .unwrap_err()
                .field,
            "alerts"
        );
    }
}
