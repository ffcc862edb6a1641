//! PagerDuty's Events API v2, as `POST /v2/enqueue` and
//! `/v2/change/enqueue` accept it: the same fields, the same rules
//! (`routing_key` is 32 characters; a trigger needs `payload.summary`,
//! `payload.source` and `payload.severity`; acknowledge and resolve need a
//! `dedup_key`), and the same response bodies, so any PagerDuty client or
//! monitor can point at muster by changing only its URL.

use std::collections::BTreeMap;

use muster_core::alert::{
    AlertLink, AlertSeverity, MAX_DEDUP_KEY, MAX_SUMMARY, Signal, SignalAction,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::parse_time;

/// The length of every routing key.
pub const ROUTING_KEY_LEN: usize = 32;

/// An event that passed PagerDuty's checks.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEvent {
    pub routing_key: String,
    /// The signal; its `dedup_key` is empty for a trigger that gave none,
    /// and the caller draws one (PagerDuty does the same).
    pub signal: Signal,
}

/// A change event: lands on the service's timeline, pages nobody.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    pub routing_key: String,
    pub summary: String,
    pub source: Option<String>,
    pub timestamp: Option<jiff::Timestamp>,
    pub custom_details: Option<Value>,
    pub links: Vec<AlertLink>,
}

/// Why an event was refused: PagerDuty's two kinds of 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON, or not an object.
    Unrecognized,
    /// An object that breaks the rules, with every broken rule.
    Invalid(Vec<String>),
}

/// The body of a 202.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub status: &'static str,
    pub message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
}

impl Accepted {
    pub fn event(dedup_key: String) -> Self {
        Self {
            status: "success",
            message: "Event processed",
            dedup_key: Some(dedup_key),
        }
    }

    /// A change event: PagerDuty's documented success body (`status`,
    /// `message`); a change has no dedup key to give back.
    pub fn change() -> Self {
        Self {
            status: "success",
            message: "Event processed",
            dedup_key: None,
        }
    }
}

/// The body of a 400 (and, with other words, of a 404, 413 or 429).
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub status: String,
    pub message: String,
    pub errors: Vec<String>,
}

impl From<Rejection> for Refused {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::Unrecognized => Self {
                status: "Unrecognized object".into(),
                message: "Event object format is unrecognized".into(),
                errors: vec!["JSON parse error".into()],
            },
            Rejection::Invalid(errors) => Self {
                status: "invalid event".into(),
                message: "Event object is invalid".into(),
                errors,
            },
        }
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, Rejection> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Rejection::Unrecognized),
    }
}

fn string<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// The routing key, checked as PagerDuty checks it.
fn routing_key(map: &Map<String, Value>, errors: &mut Vec<String>) -> String {
    match map.get("routing_key") {
        None | Some(Value::Null) => {
            errors.push("'routing_key' is missing or blank".into());
            String::new()
        }
        Some(Value::String(key)) if key.chars().count() == ROUTING_KEY_LEN => key.clone(),
        Some(Value::String(key)) if key.trim().is_empty() => {
            errors.push("'routing_key' is missing or blank".into());
            String::new()
        }
        Some(Value::String(_)) => {
            errors.push(format!(
                "Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LEN} characters)"
            ));
            String::new()
        }
        Some(_) => {
            errors.push("'routing_key' must be a string".into());
            String::new()
        }
    }
}

fn links(map: &Map<String, Value>, errors: &mut Vec<String>) -> Vec<AlertLink> {
    let mut out = Vec::new();
    match map.get("links") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item.get("href").and_then(Value::as_str) {
                    Some(href) if !href.trim().is_empty() => out.push(AlertLink {
                        href: href.to_owned(),
                        text: item
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    }),
                    _ => errors.push(format!("'links[{i}].href' is missing or blank")),
                }
            }
        }
        Some(_) => errors.push("'links' must be an array".into()),
    }
    // Images carry a link too (their `href`, else the image itself).
    if let Some(Value::Array(images)) = map.get("images") {
        for image in images {
            let href = image
                .get("href")
                .and_then(Value::as_str)
                .or_else(|| image.get("src").and_then(Value::as_str));
            if let Some(href) = href.filter(|h| !h.trim().is_empty()) {
                out.push(AlertLink {
                    href: href.to_owned(),
                    text: image
                        .get("alt")
                        .and_then(Value::as_str)
                        .unwrap_or("Image")
                        .to_owned(),
                });
            }
        }
    }
    out
}

fn summary(payload: &Map<String, Value>, errors: &mut Vec<String>) -> String {
    match string(payload, "summary") {
        Some(text) if !text.trim().is_empty() => {
            if text.chars().count() > MAX_SUMMARY {
                errors.push(format!(
                    "'payload.summary' is too long (at most {MAX_SUMMARY} characters)"
                ));
            }
            text.to_owned()
        }
        _ => {
            errors.push("'payload.summary' is missing or blank".into());
            String::new()
        }
    }
}

fn timestamp(payload: &Map<String, Value>, errors: &mut Vec<String>) -> Option<jiff::Timestamp> {
    let text = string(payload, "timestamp")?;
    match parse_time("payload.timestamp", text) {
        Ok(at) => at,
        Err(_) => {
            errors.push("'payload.timestamp' is invalid (expected an ISO 8601 date-time)".into());
            None
        }
    }
}

/// Custom details become annotations: strings as they are, anything
/// else as its JSON.
fn details(payload: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    match payload.get("custom_details") {
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.insert(key.clone(), text);
            }
        }
        Some(Value::Null) | None => {}
        Some(Value::String(text)) => {
            out.insert("details".into(), text.clone());
        }
        Some(other) => {
            out.insert("details".into(), other.to_string());
        }
    }
    out
}

/// Reads a `/v2/enqueue` body.
pub fn parse_event(body: &[u8]) -> Result<AlertEvent, Rejection> {
    let map = object(body)?;
    let mut errors = Vec::new();
    let routing_key = routing_key(&map, &mut errors);
    let action = match string(&map, "event_action") {
        Some("trigger") => Some(SignalAction::Trigger),
        Some("acknowledge") => Some(SignalAction::Acknowledge),
        Some("resolve") => Some(SignalAction::Resolve),
        Some(other) if !other.trim().is_empty() => {
            errors.push(format!(
                "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve'), got {other:?}"
            ));
            None
        }
        _ => {
            errors.push("'event_action' is missing or blank".into());
            None
        }
    };
    let dedup_key = match map.get("dedup_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(key)) if key.is_empty() => None,
        Some(Value::String(key)) => {
            if key.chars().count() > MAX_DEDUP_KEY {
                errors.push(format!(
                    "'dedup_key' is too long (at most {MAX_DEDUP_KEY} characters)"
                ));
            }
            Some(key.clone())
        }
        Some(_) => {
            errors.push("'dedup_key' must be a string".into());
            None
        }
    };
    if matches!(
        action,
        Some(SignalAction::Acknowledge | SignalAction::Resolve)
    ) && dedup_key.is_none()
    {
        errors.push("'dedup_key' is missing or blank (required to acknowledge or resolve)".into());
    }
    let empty = Map::new();
    let payload = match map.get("payload") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => {
            if action == Some(SignalAction::Trigger) {
                errors.push("'payload' is missing".into());
            }
            &empty
        }
        Some(_) => {
            errors.push("'payload' must be an object".into());
            &empty
        }
    };
    let is_trigger = action == Some(SignalAction::Trigger);
    let summary = if is_trigger {
        summary(payload, &mut errors)
    } else {
        string(payload, "summary").unwrap_or_default().to_owned()
    };
    let source = string(payload, "source").unwrap_or_default().to_owned();
    if is_trigger && source.trim().is_empty() {
        errors.push("'payload.source' is missing or blank".into());
    }
    let severity = match string(payload, "severity") {
        Some(text) => match text.parse::<AlertSeverity>() {
            Ok(level) => Some(level),
            Err(_) => {
                errors.push(
                    "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
                        .into(),
                );
                None
            }
        },
        None => {
            if is_trigger {
                errors.push("'payload.severity' is missing or blank".into());
            }
            None
        }
    };
    let started_at = timestamp(payload, &mut errors);
    let links = links(&map, &mut errors);
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors));
    }
    let Some(action) = action else {
        return Err(Rejection::Invalid(vec![
            "'event_action' is missing or blank".into(),
        ]));
    };
    let mut labels = BTreeMap::new();
    for key in ["component", "group", "class"] {
        if let Some(value) = string(payload, key).filter(|v| !v.is_empty()) {
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
    if let Some(client) = string(&map, "client").filter(|c| !c.is_empty()) {
        labels.insert("client".into(), client.to_owned());
    }
    let mut links = links;
    if let Some(url) = string(&map, "client_url").filter(|u| !u.trim().is_empty()) {
        links.push(AlertLink {
            href: url.to_owned(),
            text: string(&map, "client").unwrap_or("Client").to_owned(),
        });
    }
    Ok(AlertEvent {
        routing_key,
        signal: Signal {
            action,
            dedup_key: dedup_key.unwrap_or_default(),
            summary,
            severity: severity.unwrap_or(AlertSeverity::Error),
            source,
            labels,
            annotations: details(payload),
            links,
            group_key: None,
            started_at,
        },
    })
}

/// Reads a `/v2/change/enqueue` body.
pub fn parse_change(body: &[u8]) -> Result<ChangeEvent, Rejection> {
    let map = object(body)?;
    let mut errors = Vec::new();
    let routing_key = routing_key(&map, &mut errors);
    let empty = Map::new();
    let payload = match map.get("payload") {
        Some(Value::Object(p)) => p,
        _ => {
            errors.push("'payload' is missing".into());
            &empty
        }
    };
    let summary = summary(payload, &mut errors);
    let timestamp = timestamp(payload, &mut errors);
    let links = links(&map, &mut errors);
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors));
    }
    Ok(ChangeEvent {
        routing_key,
        summary,
        source: string(payload, "source").map(str::to_owned),
        timestamp,
        custom_details: payload.get("custom_details").cloned(),
        links,
    })
}

/// The routing key of a body that may be invalid otherwise, to tell an
/// unknown key (404) from a bad event (400) before reading it all.
pub fn peek_routing_key(body: &[u8]) -> Option<String> {
    let map = object(body).ok()?;
    string(&map, "routing_key").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn trigger() -> String {
        format!(
            r#"{{"routing_key":"{KEY}","event_action":"trigger","dedup_key":"db-7/disk",
            "payload":{{"summary":"Disk at 97% on db-7","source":"db-7.internal","severity":"critical",
            "timestamp":"2026-11-30T10:00:00.250+0000","component":"postgres","group":"billing","class":"disk",
            "custom_details":{{"free":"3%","load":1.5}}}},
            "client":"Nagios","client_url":"https://nagios.test/db-7",
            "links":[{{"href":"https://runbooks.test/disk","text":"Runbook"}}],
            "images":[{{"src":"https://graphs.test/disk.png","alt":"Disk graph"}}]}}"#
        )
    }

    #[test]
    fn a_full_trigger_reads_into_a_signal() {
        let event = parse_event(trigger().as_bytes()).unwrap();
        assert_eq!(event.routing_key, KEY);
        let s = event.signal;
        assert_eq!(s.action, SignalAction::Trigger);
        assert_eq!(s.dedup_key, "db-7/disk");
        assert_eq!(s.severity, AlertSeverity::Critical);
        assert_eq!(s.source, "db-7.internal");
        assert_eq!(s.labels["component"], "postgres");
        assert_eq!(s.labels["client"], "Nagios");
        assert_eq!(s.annotations["free"], "3%");
        assert_eq!(s.annotations["load"], "1.5");
        let texts: Vec<&str> = s.links.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Runbook", "Disk graph", "Nagios"]);
        assert_eq!(
            s.started_at.map(|t| t.to_string()).as_deref(),
            Some("2026-11-30T10:00:00.25Z")
        );
    }

    #[test]
    fn acknowledge_and_resolve_need_only_the_key_and_dedup_key() {
        let body = format!(
            r#"{{"routing_key":"{KEY}","event_action":"resolve","dedup_key":"db-7/disk"}}"#
        );
        let event = parse_event(body.as_bytes()).unwrap();
        assert_eq!(event.signal.action, SignalAction::Resolve);
        let keyless = format!(r#"{{"routing_key":"{KEY}","event_action":"acknowledge"}}"#);
        let Err(Rejection::Invalid(errors)) = parse_event(keyless.as_bytes()) else {
            panic!("refused");
        };
        assert!(errors[0].contains("'dedup_key'"), "{errors:?}");
    }

    #[test]
    fn every_broken_rule_is_listed_and_non_json_is_unrecognized() {
        let body =
            r#"{"routing_key":"short","event_action":"trigger","payload":{"severity":"urgent"}}"#;
        let Err(Rejection::Invalid(errors)) = parse_event(body.as_bytes()) else {
            panic!("refused");
        };
        assert_eq!(
            errors[0],
            "Length of 'routing_key' is incorrect (should be 32 characters)"
        );
        assert!(errors.iter().any(|e| e.contains("'payload.summary'")));
        assert!(errors.iter().any(|e| e.contains("'payload.source'")));
        assert!(
            errors
                .iter()
                .any(|e| e.contains("'payload.severity' is invalid"))
        );
        for junk in [&b"not json"[..], b"[1,2]", b"\"trigger\"", b""] {
            assert_eq!(parse_event(junk), Err(Rejection::Unrecognized));
        }
        let refused = Refused::from(Rejection::Unrecognized);
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            serde_json::json!({"status":"Unrecognized object","message":"Event object format is unrecognized","errors":["JSON parse error"]})
        );
    }

    #[test]
    fn responses_have_pagerdutys_fields() {
        assert_eq!(
            serde_json::to_string(&Accepted::event("srv01/HTTP".into())).unwrap(),
            r#"{"status":"success","message":"Event processed","dedup_key":"srv01/HTTP"}"#
        );
        let invalid = Refused::from(Rejection::Invalid(vec!["x".into()]));
        assert_eq!(invalid.status, "invalid event");
        assert_eq!(invalid.message, "Event object is invalid");
    }

    #[test]
    fn a_change_event_needs_a_summary() {
        let body = format!(
            r#"{{"routing_key":"{KEY}","payload":{{"summary":"Deployed checkout v42","source":"ci",
            "timestamp":"2026-11-30T10:00:00Z","custom_details":{{"sha":"abc"}}}},
            "links":[{{"href":"https://ci.test/42"}}]}}"#
        );
        let change = parse_change(body.as_bytes()).unwrap();
        assert_eq!(change.summary, "Deployed checkout v42");
        assert_eq!(change.links.len(), 1);
        let empty = format!(r#"{{"routing_key":"{KEY}","payload":{{}}}}"#);
        assert!(matches!(
            parse_change(empty.as_bytes()),
            Err(Rejection::Invalid(_))
        ));
        assert_eq!(peek_routing_key(body.as_bytes()).as_deref(), Some(KEY));
    }
}
