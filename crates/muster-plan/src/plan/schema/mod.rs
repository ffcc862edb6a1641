//! A JSON Schema (draft 2020-12) for one plan document, so editors can
//! complete keys, offer the fixed words and flag mistakes while typing.
//!
//! The schema mirrors [`validate`](super::validate) as far as one document
//! allows: references to other documents, duplicate names and cycles need
//! the whole plan and stay the validator's job. The fixed lists and ranges
//! come from the validator's own constants, so the two cannot drift.
//!
//! Two habits of the validator shape the schema:
//! - unknown keys are ignored, so no object sets `additionalProperties`
//!   (except in `Integration` documents, whose unknown keys the validator
//!   refuses: see [`integrations`]);
//! - an optional key written without a value (`key:`, YAML null) counts as
//!   absent, so every optional property also accepts null, while a required
//!   one does not.
//!
//! Dates and times ask for the forms the validator's messages document
//! (`YYYY-MM-DD`, `HH:MM`); the validator, parsing with jiff, also takes a
//! few rarer ISO 8601 spellings (`0900`, `T09:00`) that the schema flags.

mod build;
mod integrations;
mod kinds;
mod procedures;

use muster_core::catalog::Slug;
use muster_core::text::TITLE_MAX;
use serde_json::{Map, Value, json};

use super::{Kind, Period};
use build::{bounded, def, field, object, opt, period_pattern, req, with};

/// The dialect the schema is written in.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema of one plan document. The top level lists every kind in
/// `kind`'s `enum`; one `if`/`then` per kind applies `#/$defs/<Kind>`, so an
/// editor reports a mistake against the document's own kind only.
pub fn schema() -> Value {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
    let mut defs = shared_defs();
    let mut branches = Vec::new();
    for kind in Kind::ALL {
        defs.insert(kind.as_str().to_owned(), document(kind));
        branches.push(json!({
            "if": {"properties": {"kind": {"const": kind.as_str()}}, "required": ["kind"]},
            "then": {"$ref": format!("#/$defs/{kind}")},
        }));
    }
    json!({
        "$schema": DIALECT,
        "title": "muster plan document",
        "description": "One document of the incident plan as code. A file may hold several, separated by ---.",
        "type": "object",
        "required": ["kind", "name"],
        "properties": {
            "kind": {
                "description": "What this document describes.",
                "type": "string",
                "enum": kinds,
            },
            "name": {
                "description": "The document's name, unique within its kind; other documents refer to it by this.",
                "type": ["string", "number"],
            },
        },
        "allOf": branches,
        "$defs": defs,
    })
}

fn shared_defs() -> Map<String, Value> {
    let slug = r"^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$";
    let defs = json!({
        "owner": {
            "description": "The team responsible for this document (the name of a Team).",
            "type": "string",
            "pattern": "\\S",
        },
        "review_every": {
            "description": "How often the owner reviews this document: a number and d (days), w (weeks), m (months) or y (years).",
            "type": "string",
            "pattern": period_pattern(&Period::REVIEW_UNITS),
            "examples": ["90d", "12w", "6m", "1y"],
        },
        "last_reviewed": {
            "description": "The day of the last review, YYYY-MM-DD; the review is due review_every later.",
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "format": "date",
        },
        "slug": {
            "description": "Letters and digits joined by single '-', '_' or '.'; compared in lowercase.",
            "type": ["string", "number"],
            "pattern": slug,
            "maxLength": Slug::MAX,
        },
        "email": {
            "description": "An email address.",
            "type": "string",
            "pattern": r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$",
            "maxLength": 254,
        },
        "url": {
            "description": "An http:// or https:// URL.",
            "type": "string",
            "pattern": r"^\s*https?://\S+\s*$",
            "maxLength": 2048,
        },
        "link": object("A titled link.", vec![
            opt("title", bounded("What the link shows; the URL when left out.", TITLE_MAX)),
            req("url", def("url", "Where the link goes.")),
        ]),
        "time_zone": {
            "description": "An IANA time zone.",
            "type": "string",
            "examples": ["Europe/Amsterdam", "America/New_York", "UTC"],
        },
        "shift": {
            "description": "How long one shift lasts: a number and h (hours), d (days) or w (weeks).",
            "type": "string",
            "pattern": period_pattern(&Period::SHIFT_UNITS),
            "examples": ["12h", "1d", "1w"],
        },
    });
    match defs {
        Value::Object(defs) => defs,
        _ => Map::new(),
    }
}

/// What each kind is, for the editor's hover.
fn about(kind: Kind) -> &'static str {
    match kind {
        Kind::Severity => "How bad an incident is; rank 1 is the worst.",
        Kind::SeverityMatrix => "Which severity an incident gets, from what broke and how badly.",
        Kind::Role => {
            "A role someone takes in an incident, beyond the built-in commander, communications, scribe and operations."
        }
        Kind::TaskForce => "The standing representatives who join big incidents.",
        Kind::StakeholderGroup => {
            "People who are told about incidents: for which severities, how and when."
        }
        Kind::Team => "A team that owns services and functionalities and gets paged for them.",
        Kind::Service => "Something that runs and can break.",
        Kind::Functionality => "What customers use, in their words, and the services behind it.",
        Kind::EscalationPolicy => "Who is paged, in which order, until someone acknowledges.",
        Kind::Schedule => "An on-call schedule: who is on call when.",
        Kind::Runbook => "Steps run when an incident matches the conditions.",
        Kind::Scenario => {
            "An incident we expect one day, and what good looks like when it happens."
        }
        Kind::StatusPageComponent => "A part of the public status page.",
        Kind::RetrospectiveTemplate => "The sections a retrospective document starts with.",
        Kind::UpdateTemplate => {
            "The words of a stakeholder update: a minijinja template over the incident's fields."
        }
        Kind::AlertRoutes => {
            "A team's rules for its alerts: what pages, what only notifies, what opens an incident."
        }
        Kind::Integration => {
            "A source monitoring sends alerts through, bound to a service or team; its key is made by muster and printed once by apply."
        }
    }
}

/// The schema of one kind's documents: `kind`, `name`, the review fields,
/// and the kind's own fields.
fn document(kind: Kind) -> Value {
    let name = if kind.is_catalog() {
        def("slug", "The name other documents refer to.")
    } else {
        json!({
            "description": "The name other documents refer to, as written.",
            "type": ["string", "number"],
            "pattern": "\\S",
        })
    };
    let review = kind.requires_review();
    let mut fields = vec![
        req("kind", json!({"const": kind.as_str()})),
        req("name", name),
    ];
    fields.extend(
        ["owner", "review_every", "last_reviewed"]
            .map(|key| field(key, review, json!({"$ref": format!("#/$defs/{key}")}))),
    );
    let (own, extra) = kinds::own_fields(kind);
    // A catalog kind's `owner` is its owner team, described in its own fields.
    for own in own {
        match fields.iter_mut().find(|f| f.key == own.key) {
            Some(existing) => *existing = own,
            None => fields.push(own),
        }
    }
    with(object(about(kind), fields), extra)
}
