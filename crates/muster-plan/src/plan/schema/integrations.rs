//! The fields of an `Integration` document. Unlike the other kinds, its
//! unknown keys are refused (`additionalProperties: false`), here as in the
//! validator: a misspelt `signing_secret_env` must not leave webhooks
//! unsigned, and a secret written under any other key must not slip in.

use muster_core::catalog::Slug;
use serde_json::{Value, json};

use super::build::{Field, given, object, opt, present, reference, req, text, words};
use crate::integrations::{MAPPING_FLAGS, MAPPING_LISTS, MAPPING_POINTERS, MAX_ENV_NAME, SOURCES};
use crate::plan::Kind;

/// The settings only one source takes (key, source).
const OWN_SETTINGS: [(&str, &str); 5] = [
    ("mapping", "generic"),
    ("signing_secret_env", "grafana"),
    ("timestamp_header", "grafana"),
    ("interval", "heartbeat"),
    ("grace", "heartbeat"),
];

pub(super) fn duration(description: &str) -> Value {
    json!({
        "description": description,
        "type": "string",
        "pattern": r"^\s*([0-9]+\s*[smhdw]\s*)+$",
        "examples": ["90s", "5m", "1h", "1d"],
    })
}

fn mapping() -> Value {
    let mut fields: Vec<Field> = MAPPING_POINTERS
        .iter()
        .map(|key| {
            let schema = json!({
                "description": format!("The JSON pointer to the alert's {key}."),
                "type": "string",
                "pattern": "^/",
            });
            if *key == "summary" {
                req("summary", schema)
            } else {
                opt(key, schema)
            }
        })
        .collect();
    fields.extend(MAPPING_LISTS.iter().map(|key| {
        opt(
            key,
            json!({"description": "Status values (any case) that mean this, replacing the default words.", "type": "array", "items": {"type": "string"}}),
        )
    }));
    fields.extend(MAPPING_FLAGS.iter().map(|key| {
        opt(
            key,
            json!({"description": "A payload with nothing at dedup_key is keyed by its summary instead of being refused.", "type": "boolean"}),
        )
    }));
    let mut schema = object(
        "Where each field is in the JSON the source sends, as JSON pointers (RFC 6901); only summary is required.",
        fields,
    );
    schema["additionalProperties"] = json!(false);
    schema
}

/// The fields, and the keywords tying settings to their source.
pub(super) fn integration() -> (Vec<Field>, Value) {
    let fields = vec![
        req(
            "name",
            json!({
                "description": "The integration's name, unique among integrations; lowercase letters and digits joined by single '-', '_' or '.'.",
                "type": "string",
                "pattern": r"^[a-z0-9]+([-_.][a-z0-9]+)*$",
                "maxLength": Slug::MAX,
            }),
        ),
        req("source", words("What sends the alerts.", &SOURCES)),
        opt(
            "service",
            reference(Kind::Service, "The service whose alerts these are"),
        ),
        opt(
            "team",
            reference(Kind::Team, "Or the team whose alerts these are"),
        ),
        opt("description", text("What sends through it, in a sentence.")),
        opt("mapping", mapping()),
        opt(
            "signing_secret_env",
            json!({
                "description": "grafana: the environment variable holding the contact point's HMAC secret, read by `muster plan apply`; then every webhook must be signed. Never the secret itself.",
                "type": "string",
                "pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
                "maxLength": MAX_ENV_NAME,
                "examples": ["GRAFANA_SIGNING_SECRET"],
            }),
        ),
        opt(
            "timestamp_header",
            json!({
                "description": "grafana: the header the contact point sends the signed timestamp in.",
                "type": "string",
                "pattern": "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
                "maxLength": 100,
                "examples": ["X-Grafana-Alerting-Timestamp"],
            }),
        ),
        opt(
            "interval",
            duration("heartbeat: how often a beat comes, 10s to 7d."),
        ),
        opt(
            "grace",
            duration(
                "heartbeat: how late a beat may be; a tenth of the interval (at least 5s) when left out.",
            ),
        ),
    ];
    let mut all_of: Vec<Value> = OWN_SETTINGS
        .iter()
        .map(|(key, source)| {
            json!({
                "if": {"not": {"properties": {"source": {"const": source}}}},
                "then": {"properties": {*key: {"type": "null"}}},
            })
        })
        .collect();
    all_of.push(json!({
        "if": {"properties": {"source": {"const": "heartbeat"}}, "required": ["source"]},
        "then": given("interval"),
    }));
    (
        fields,
        json!({
            "oneOf": [present("service"), present("team")],
            "dependentRequired": {"timestamp_header": ["signing_secret_env"]},
            "allOf": all_of,
            "additionalProperties": false,
        }),
    )
}
