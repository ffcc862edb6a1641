//! Any JSON, read by a mapping of JSON pointers (RFC 6901, as `serde_json`
//! resolves them): where the summary, dedup key, status, severity, source,
//! labels and links are in the payload. The mapping is part of the
//! integration, so a tool muster has never heard of needs no code.

use std::collections::BTreeMap;

use muster_core::alert::{
    AlertLink, AlertSeverity, MAX_DEDUP_KEY, MAX_SUMMARY, Signal, SignalAction,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ParseError, parse_time};

/// Where each field is in the payload. Only `summary` is required.
/// [`Mapping::muster_format`] is the mapping of muster's own format, for a
/// sender that can shape its JSON to suit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub summary: String,
    /// Without one, alerts with the same summary are one alert.
    #[serde(default)]
    pub dedup_key: Option<String>,
    /// A payload with nothing at `dedup_key` is keyed by its summary instead
    /// of being refused (PagerDuty's dedup key is optional too).
    #[serde(default)]
    pub dedup_key_optional: bool,
    #[serde(default)]
    pub status: Option<String>,
    /// Status values (case-insensitive) that resolve; default: resolved,
    /// resolve, ok, closed, recovered, up, normal, inactive.
    #[serde(default)]
    pub resolved_values: Vec<String>,
    /// Status values that acknowledge; default: acknowledged, acknowledge, ack.
    #[serde(default)]
    pub acknowledged_values: Vec<String>,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    /// An object whose string (or scalar) members become labels.
    #[serde(default)]
    pub labels: Option<String>,
    /// An array of URLs, or of objects with `href` (or `url`) and `text`.
    #[serde(default)]
    pub links: Option<String>,
    #[serde(default)]
    pub started_at: Option<String>,
}

const RESOLVED: [&str; 8] = [
    "resolved",
    "resolve",
    "ok",
    "closed",
    "recovered",
    "up",
    "normal",
    "inactive",
];
const ACKNOWLEDGED: [&str; 3] = ["acknowledged", "acknowledge", "ack"];

impl Mapping {
    /// Muster's own format: each field under its own name at the top level,
    /// only `summary` required:
    /// `{"summary", "dedup_key", "status", "severity", "source", "labels",
    /// "links", "started_at"}`. A status of `resolved` (or `resolve`, `ok`)
    /// resolves, `acknowledged` (or `ack`) acknowledges, anything else or
    /// none triggers; without a `dedup_key` the summary is the key.
    pub fn muster_format() -> Self {
        let at = |name: &str| Some(format!("/{name}"));
        Self {
            summary: "/summary".to_owned(),
            dedup_key: at("dedup_key"),
            dedup_key_optional: true,
            status: at("status"),
            resolved_values: Vec::new(),
            acknowledged_values: Vec::new(),
            severity: at("severity"),
            source: at("source"),
            labels: at("labels"),
            links: at("links"),
            started_at: at("started_at"),
        }
    }

    /// Checks that every pointer is a pointer; `field` prefixes the errors.
    pub fn validate(&self, field: &str) -> Result<(), ParseError> {
        let pointers = [
            ("summary", Some(&self.summary)),
            ("dedup_key", self.dedup_key.as_ref()),
            ("status", self.status.as_ref()),
            ("severity", self.severity.as_ref()),
            ("source", self.source.as_ref()),
            ("labels", self.labels.as_ref()),
            ("links", self.links.as_ref()),
            ("started_at", self.started_at.as_ref()),
        ];
        for (name, pointer) in pointers {
            if let Some(pointer) = pointer
                && !pointer.starts_with('/')
            {
                return Err(ParseError::new(
                    format!("{field}.{name}"),
                    format!(
                        "a JSON pointer starts with '/', such as /alert/title; got {pointer:?}"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Reads one payload.
    pub fn apply(&self, body: &[u8]) -> Result<Signal, ParseError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| ParseError::json(&e))?;
        let summary = match text_at(&value, &self.summary) {
            Some(text) if !text.trim().is_empty() => truncate(text.trim(), MAX_SUMMARY),
            _ => {
                return Err(ParseError::new(
                    self.summary.clone(),
                    "the mapping's summary is missing or empty in this payload",
                ));
            }
        };
        let dedup_key = match &self.dedup_key {
            Some(pointer) => match text_at(&value, pointer) {
                Some(key) if !key.trim().is_empty() => key,
                _ if self.dedup_key_optional => summary.clone(),
                _ => {
                    return Err(ParseError::new(
                        pointer.clone(),
                        "the mapping's dedup key is missing or empty in this payload",
                    ));
                }
            },
            None => summary.clone(),
        };
        if dedup_key.chars().count() > MAX_DEDUP_KEY {
            return Err(ParseError::new(
                self.dedup_key
                    .clone()
                    .unwrap_or_else(|| self.summary.clone()),
                format!("a dedup key is at most {MAX_DEDUP_KEY} characters"),
            ));
        }
        let action = match self.status.as_ref().and_then(|p| text_at(&value, p)) {
            Some(status) => {
                let status = status.trim().to_lowercase();
                let listed = |custom: &[String], default: &[&str]| {
                    if custom.is_empty() {
                        default.contains(&status.as_str())
                    } else {
                        custom.iter().any(|v| v.to_lowercase() == status)
                    }
                };
                if listed(&self.resolved_values, &RESOLVED) {
                    SignalAction::Resolve
                } else if listed(&self.acknowledged_values, &ACKNOWLEDGED) {
                    SignalAction::Acknowledge
                } else {
                    SignalAction::Trigger
                }
            }
            None => SignalAction::Trigger,
        };
        let severity = self
            .severity
            .as_ref()
            .and_then(|p| text_at(&value, p))
            .and_then(|s| AlertSeverity::from_label(&s))
            .unwrap_or(AlertSeverity::Error);
        let labels = self
            .labels
            .as_ref()
            .and_then(|p| value.pointer(p))
            .map(scalars)
            .unwrap_or_default();
        let links = self
            .links
            .as_ref()
            .and_then(|p| value.pointer(p))
            .map(links)
            .unwrap_or_default();
        let started_at = match self.started_at.as_ref().and_then(|p| text_at(&value, p)) {
            Some(text) => parse_time(self.started_at.as_deref().unwrap_or_default(), &text)?,
            None => None,
        };
        Ok(Signal {
            action,
            dedup_key,
            summary,
            severity,
            source: self
                .source
                .as_ref()
                .and_then(|p| text_at(&value, p))
                .unwrap_or_else(|| "generic".to_owned()),
            labels,
            annotations: BTreeMap::new(),
            links,
            group_key: None,
            started_at,
        })
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A string as it is; a number or boolean as its JSON text.
fn text_at(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn scalars(value: &Value) -> BTreeMap<String, String> {
    let Value::Object(map) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.clone(), text))
        })
        .take(muster_core::alert::MAX_ENTRIES)
        .collect()
}

fn links(value: &Value) -> Vec<AlertLink> {
    let Value::Array(items) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(href) => Some(AlertLink {
                href: href.clone(),
                text: String::new(),
            }),
            Value::Object(map) => {
                let href = map
                    .get("href")
                    .or_else(|| map.get("url"))
                    .and_then(Value::as_str)?;
                Some(AlertLink {
                    href: href.to_owned(),
                    text: map
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
            }
            _ => None,
        })
        .take(muster_core::alert::MAX_ENTRIES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        serde_json::from_value(serde_json::json!({
            "summary": "/check/title",
            "dedup_key": "/check/id",
            "status": "/state",
            "severity": "/check/priority",
            "source": "/host",
            "labels": "/tags",
            "links": "/urls",
            "started_at": "/since"
        }))
        .unwrap()
    }

    #[test]
    fn a_mapping_picks_every_field_out_of_any_json() {
        let body = br#"{"check":{"id":4711,"title":"API health check failing","priority":"high"},
            "state":"DOWN","host":"api-3","tags":{"env":"prod","tier":1,"nested":{"x":1}},
            "urls":["https://checks.test/4711",{"url":"https://status.test","text":"Status"}],
            "since":"2026-11-30T10:00:00Z"}"#;
        let s = mapping().apply(body).unwrap();
        assert_eq!(s.dedup_key, "4711");
        assert_eq!(s.summary, "API health check failing");
        assert_eq!(s.action, SignalAction::Trigger);
        assert_eq!(s.severity, AlertSeverity::Error);
        assert_eq!(s.source, "api-3");
        assert_eq!(s.labels.len(), 2, "scalars only: {:?}", s.labels);
        assert_eq!(s.links[1].text, "Status");
        assert!(s.started_at.is_some());
        let up = br#"{"check":{"id":4711,"title":"API health check"},"state":"UP"}"#;
        assert_eq!(mapping().apply(up).unwrap().action, SignalAction::Resolve);
    }

    #[test]
    fn a_payload_without_the_mapped_summary_or_key_is_refused() {
        let e = mapping().apply(br#"{"check":{"id":1}}"#).unwrap_err();
        assert_eq!(e.field, "/check/title");
        let e = mapping().apply(br#"{"check":{"title":"t"}}"#).unwrap_err();
        assert_eq!(e.field, "/check/id");
        assert!(mapping().apply(b"nope").is_err());
    }

    #[test]
    fn muster_format_reads_its_own_field_names_with_only_a_summary_required() {
        let m = Mapping::muster_format();
        assert_eq!(m.validate("mapping"), Ok(()));
        let s = m
            .apply(
                br#"{"summary":"Backup failed","dedup_key":"backup/db-1","severity":"critical",
                "labels":{"job":"backup"},"links":["https://ci.test/1"]}"#,
            )
            .unwrap();
        assert_eq!(
            (s.dedup_key.as_str(), s.severity, s.action),
            (
                "backup/db-1",
                AlertSeverity::Critical,
                SignalAction::Trigger
            )
        );
        assert_eq!(s.labels["job"], "backup");
        let bare = m.apply(br#"{"summary":"Backup failed"}"#).unwrap();
        assert_eq!(bare.dedup_key, "Backup failed", "keyed by the summary");
        for (status, action) in [
            ("resolve", SignalAction::Resolve),
            ("RESOLVED", SignalAction::Resolve),
            ("acknowledge", SignalAction::Acknowledge),
            ("trigger", SignalAction::Trigger),
        ] {
            let body = format!(r#"{{"summary":"s","status":"{status}"}}"#);
            assert_eq!(m.apply(body.as_bytes()).unwrap().action, action, "{status}");
        }
        assert_eq!(m.apply(b"{}").unwrap_err().field, "/summary");
    }

    #[test]
    fn custom_status_words_and_bad_pointers() {
        let mut m = mapping();
        m.resolved_values = vec!["GREEN".into()];
        let green = br#"{"check":{"id":1,"title":"t"},"state":"green"}"#;
        assert_eq!(m.apply(green).unwrap().action, SignalAction::Resolve);
        let up = br#"{"check":{"id":1,"title":"t"},"state":"up"}"#;
        assert_eq!(
            m.apply(up).unwrap().action,
            SignalAction::Trigger,
            "only the custom words"
        );
        m.summary = "check.title".into();
        assert_eq!(m.validate("mapping").unwrap_err().field, "mapping.summary");
        assert!(
            serde_json::from_value::<Mapping>(serde_json::json!({"summary": "/a", "sumary": "/b"}))
                .is_err()
        );
    }
}
