//! `Integration` documents: the sources monitoring sends alerts through,
//! declared in the plan next to the services they are for, read from stored
//! documents so the validator and the server's apply read them the same way.
//!
//! ```yaml
//! kind: Integration
//! name: storefront-grafana
//! source: grafana                    # alertmanager, grafana, pagerduty_events, generic, heartbeat
//! team: storefront                   # or service: checkout-api
//! signing_secret_env: GRAFANA_SIGNING_SECRET
//! ```
//!
//! The document's own `kind` is `Integration`, so the integration's kind is
//! written as `source` (the word the alert routes' `sources` use). A secret
//! is never written in a plan file: plans are reviewed, copied and kept in
//! version control. A Grafana signing secret is named by the environment
//! variable that holds it, which `muster plan apply` reads and sends with
//! the plan; an integration's key is made by muster and printed once.

use muster_core::Slug;
use muster_core::alert::heartbeat::HeartbeatRule;
use muster_core::plan::PlanDocument;
use serde_json::{Map, Value};

pub use crate::oncall::read::seconds;
use crate::oncall::read::{self, Issue, Path, Reader};
use crate::plan::{Kind, rules};

/// The kinds of integration, as the alert routes' `sources` name them.
pub(crate) const SOURCES: [&str; 5] = crate::alerting::SOURCES;
/// Every key an Integration document may have besides `kind` and `name`: a
/// misspelt `signing_secret_env` must not quietly leave webhooks unsigned.
pub(crate) const KEYS: [&str; 12] = [
    "source",
    "service",
    "team",
    "description",
    "mapping",
    "signing_secret_env",
    "timestamp_header",
    "interval",
    "grace",
    "owner",
    "review_every",
    "last_reviewed",
];
/// Keys that would put a secret in the plan, with what to do instead.
pub(crate) const SECRET_KEYS: [(&str, &str); 4] = [
    (
        "signing_secret",
        "name the environment variable that holds it with signing_secret_env",
    ),
    (
        "secret",
        "name the environment variable that holds it with signing_secret_env",
    ),
    (
        "key",
        "muster makes the key and `muster plan apply` prints it once",
    ),
    (
        "routing_key",
        "muster makes the key and `muster plan apply` prints it once",
    ),
];
/// A generic mapping's JSON pointers; only `summary` is required.
pub const MAPPING_POINTERS: [&str; 8] = [
    "summary",
    "dedup_key",
    "status",
    "severity",
    "source",
    "labels",
    "links",
    "started_at",
];
/// A generic mapping's lists of status words.
pub const MAPPING_LISTS: [&str; 2] = ["resolved_values", "acknowledged_values"];
/// A generic mapping's flags.
pub const MAPPING_FLAGS: [&str; 1] = ["dedup_key_optional"];
/// The longest environment variable name taken.
pub(crate) const MAX_ENV_NAME: usize = 128;

/// One integration as the plan declares it. Its settings are as written
/// (the mapping's pointers checked, durations in seconds); the server turns
/// them into the integration's stored settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanIntegration {
    pub name: String,
    /// `alertmanager`, `grafana`, `pagerduty_events`, `generic`, `heartbeat`.
    pub source: String,
    /// Exactly one of a service or a team.
    pub service: Option<Slug>,
    pub team: Option<Slug>,
    /// `generic`: where each field is in the payload (muster's own format
    /// when left out).
    pub mapping: Option<Map<String, Value>>,
    /// `grafana`: the environment variable holding the signing secret.
    pub signing_secret_env: Option<String>,
    /// `grafana`: the header Grafana sends the signed timestamp in.
    pub timestamp_header: Option<String>,
    /// `heartbeat`: seconds between beats.
    pub interval_seconds: Option<i64>,
    /// `heartbeat`: seconds a beat may be late (a default when left out).
    pub grace_seconds: Option<i64>,
}

/// One document as read: the integration or its problems, and the
/// services and teams it names (checked against the whole plan).
pub(crate) struct Reading {
    pub result: Result<PlanIntegration, Vec<Issue>>,
    pub references: Vec<(Path, Kind, String)>,
}

/// A header name as HTTP allows it (RFC 9110 token characters), as the
/// server checks it for an integration made by hand.
fn header_name(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= 100
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// An environment variable name as shells write them.
pub(crate) fn env_name(raw: &str) -> bool {
    let mut bytes = raw.bytes();
    raw.len() <= MAX_ENV_NAME
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn mapping(r: &mut Reader, object: &Map<String, Value>) -> Option<Map<String, Value>> {
    let at = Path::default().key("mapping");
    let map = match object.get("mapping") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(map)) => map,
        Some(_) => {
            r.report(
                &at,
                None,
                rules::INVALID_FIELD,
                "expected a mapping of JSON pointers such as {summary: /check/title}",
            );
            return None;
        }
    };
    let before = r.issues.len();
    for (key, value) in map {
        let path = at.key(key);
        if MAPPING_POINTERS.contains(&key.as_str()) {
            match value {
                Value::String(pointer) if pointer.starts_with('/') => {}
                Value::String(pointer) => r.report(
                    &path,
                    Some(pointer),
                    rules::INVALID_FIELD,
                    format!(
                        "a JSON pointer starts with '/', such as /alert/title; got {pointer:?}"
                    ),
                ),
                _ => r.report(
                    &path,
                    None,
                    rules::INVALID_FIELD,
                    "expected a JSON pointer such as /alert/title",
                ),
            }
        } else if MAPPING_LISTS.contains(&key.as_str()) {
            r.strings(map, &at, key);
        } else if MAPPING_FLAGS.contains(&key.as_str()) {
            if !matches!(value, Value::Bool(_)) {
                r.report(&path, None, rules::INVALID_FIELD, "expected true or false");
            }
        } else {
            let known: Vec<&str> = MAPPING_POINTERS
                .iter()
                .chain(&MAPPING_LISTS)
                .chain(&MAPPING_FLAGS)
                .copied()
                .collect();
            r.report(
                &path,
                Some(key),
                rules::INVALID_FIELD,
                format!("not a mapping field (one of {})", known.join(", ")),
            );
        }
    }
    if !Reader::given(map, "summary") {
        r.report(
            &at.key("summary"),
            None,
            rules::INVALID_FIELD,
            "is required (the JSON pointer to the alert's summary)",
        );
    }
    (r.issues.len() == before).then(|| map.clone())
}

/// Refuses a setting the source has no use for.
fn only_for(r: &mut Reader, object: &Map<String, Value>, key: &str, owner: &str, source: &str) {
    if source != owner && Reader::given(object, key) {
        r.report(
            &Path::default().key(key),
            None,
            rules::INVALID_FIELD,
            format!("only a {owner} integration takes {key}, not a {source} one"),
        );
    }
}

/// Exactly one of `service` or `team`, each a slug.
fn bound(
    r: &mut Reader,
    object: &Map<String, Value>,
    references: &mut Vec<(Path, Kind, String)>,
) -> (Option<Slug>, Option<Slug>) {
    let top = Path::default();
    let service = r.str(object, &top, "service");
    let team = r.str(object, &top, "team");
    let (kind, key, raw) = match (service, team) {
        (Some(s), None) => (Kind::Service, "service", s),
        (None, Some(t)) => (Kind::Team, "team", t),
        (Some(_), Some(_)) => {
            r.report(
                &top.key("team"),
                None,
                rules::INVALID_FIELD,
                "give service or team, not both: whose alerts these are",
            );
            return (None, None);
        }
        (None, None) => {
            r.report(
                &top.key("service"),
                None,
                rules::INVALID_FIELD,
                "is required, or team: whose alerts these are",
            );
            return (None, None);
        }
    };
    match Slug::parse(key, raw) {
        Ok(slug) => {
            references.push((top.key(key), kind, raw.to_owned()));
            if kind == Kind::Service {
                (Some(slug), None)
            } else {
                (None, Some(slug))
            }
        }
        Err(error) => {
            r.report(
                &top.key(key),
                Some(raw),
                rules::INVALID_FIELD,
                error.message,
            );
            (None, None)
        }
    }
}

fn settings(
    r: &mut Reader,
    object: &Map<String, Value>,
    source: &str,
    integration: &mut PlanIntegration,
) {
    let top = Path::default();
    only_for(r, object, "mapping", "generic", source);
    only_for(r, object, "signing_secret_env", "grafana", source);
    only_for(r, object, "timestamp_header", "grafana", source);
    only_for(r, object, "interval", "heartbeat", source);
    only_for(r, object, "grace", "heartbeat", source);
    match source {
        "generic" => integration.mapping = mapping(r, object),
        "grafana" => {
            if let Some(name) = r.str(object, &top, "signing_secret_env") {
                let name = name.trim();
                if env_name(name) {
                    integration.signing_secret_env = Some(name.to_owned());
                } else {
                    r.report(
                        &top.key("signing_secret_env"),
                        None,
                        rules::INVALID_FIELD,
                        format!(
                            "expected the name of an environment variable (letters, digits and _, at most {MAX_ENV_NAME}), such as GRAFANA_SIGNING_SECRET; the secret itself never goes in the plan"
                        ),
                    );
                }
            }
            if let Some(header) = r.str(object, &top, "timestamp_header") {
                let header = header.trim();
                if !header_name(header) {
                    r.report(
                        &top.key("timestamp_header"),
                        Some(header),
                        rules::INVALID_FIELD,
                        format!("expected an HTTP header name such as X-Grafana-Alerting-Timestamp, got {header:?}"),
                    );
                } else if !Reader::given(object, "signing_secret_env") {
                    r.report(
                        &top.key("timestamp_header"),
                        None,
                        rules::INVALID_FIELD,
                        "a timestamp header is part of a signature: give signing_secret_env too",
                    );
                } else {
                    integration.timestamp_header = Some(header.to_owned());
                }
            }
        }
        "heartbeat" => {
            let before = r.issues.len();
            let interval = r.duration_seconds(object, &Path::default(), "interval");
            let grace = r.duration_seconds(object, &Path::default(), "grace");
            if r.issues.len() > before {
                return;
            }
            match HeartbeatRule::new(interval, grace) {
                Ok(rule) => {
                    integration.interval_seconds = Some(rule.interval_seconds());
                    integration.grace_seconds = grace.map(|_| rule.grace_seconds());
                }
                Err(problems) => {
                    for problem in problems {
                        let key = if problem.field == "grace_seconds" {
                            "grace"
                        } else {
                            "interval"
                        };
                        let message = if interval.is_none() && key == "interval" {
                            "is required (how often a beat comes, such as 5m or 1d)".to_owned()
                        } else {
                            problem.message
                        };
                        r.report(&top.key(key), None, rules::INVALID_FIELD, message);
                    }
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn read(doc: &PlanDocument) -> Reading {
    let mut references = Vec::new();
    let object = match read::body(&doc.body) {
        Ok(object) => object,
        Err(issue) => {
            return Reading {
                result: Err(vec![issue]),
                references,
            };
        }
    };
    let mut r = Reader::default();
    let top = Path::default();
    for key in object.keys() {
        if let Some((_, instead)) = SECRET_KEYS.iter().find(|(secret, _)| secret == key) {
            r.report(
                &top.key(key),
                Some(key),
                rules::INLINE_SECRET,
                format!("a secret never goes in the plan: {instead}"),
            );
        } else if !KEYS.contains(&key.as_str()) {
            r.report(
                &top.key(key),
                Some(key),
                rules::INVALID_FIELD,
                format!("not an Integration field (one of {})", KEYS.join(", ")),
            );
        }
    }
    match Slug::parse("name", &doc.name) {
        Ok(slug) if slug.as_str() == doc.name => {}
        _ => r.report(
            &top.key("name"),
            None,
            rules::INVALID_FIELD,
            format!(
                "an integration's name is lowercase letters and digits joined by single '-', '_' or '.' (at most {} characters), got {:?}",
                Slug::MAX,
                doc.name
            ),
        ),
    }
    let source = r
        .required_str(
            &object,
            &top,
            "source",
            "one of alertmanager, grafana, pagerduty_events, generic, heartbeat",
        )
        .map(str::trim)
        .filter(|source| {
            let known = SOURCES.contains(source);
            if !known {
                r.report(
                    &top.key("source"),
                    Some(source),
                    rules::INVALID_FIELD,
                    format!("expected one of {}, got {source:?}", SOURCES.join(", ")),
                );
            }
            known
        })
        .map(str::to_owned);
    let (service, team) = bound(&mut r, &object, &mut references);
    r.str(&object, &top, "description");
    let mut integration = PlanIntegration {
        name: doc.name.clone(),
        source: source.clone().unwrap_or_default(),
        service,
        team,
        mapping: None,
        signing_secret_env: None,
        timestamp_header: None,
        interval_seconds: None,
        grace_seconds: None,
    };
    if let Some(source) = &source {
        settings(&mut r, &object, source, &mut integration);
    }
    Reading {
        result: if r.issues.is_empty() {
            Ok(integration)
        } else {
            Err(r.issues)
        },
        references,
    }
}

/// Every integration the plan declares, by name, and the documents that
/// could not be read (left out; empty for a plan that validated).
#[derive(Debug, Clone, Default)]
pub struct IntegrationsPlan {
    pub integrations: Vec<PlanIntegration>,
    pub problems: Vec<String>,
}

/// Reads every `Integration` document among `documents` (others ignored).
pub fn integrations(documents: &[PlanDocument]) -> IntegrationsPlan {
    let mut plan = IntegrationsPlan::default();
    for doc in documents
        .iter()
        .filter(|d| d.kind == Kind::Integration.as_str())
    {
        match read(doc).result {
            Ok(integration) => plan.integrations.push(integration),
            Err(issues) => plan.problems.push(read::summary(doc, &issues)),
        }
    }
    plan.integrations.sort_by(|a, b| a.name.cmp(&b.name));
    plan
}

#[cfg(test)]
mod tests;
