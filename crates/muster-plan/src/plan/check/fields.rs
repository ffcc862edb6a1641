//! Each document's own fields, by kind, and the review fields every kind has.

use super::Doc;
use crate::backstage::fields;
use crate::backstage::yaml::Node;
use crate::plan::{Kind, Period, PeriodUnit, rules};

// The fixed lists and ranges below are `pub(crate)` so the JSON Schema
// (`plan::schema`) is built from them and cannot drift from the validator.

/// What a severity-matrix rule matches on.
pub(crate) const CONDITIONS: [&str; 3] = ["unavailable", "degraded", "bug"];
/// What a task force member represents.
pub(crate) const FUNCTIONS: [&str; 6] = [
    "customer_support",
    "legal",
    "finance",
    "marketing",
    "sales",
    "engineering",
];
/// How a stakeholder group is reached.
pub(crate) const CHANNELS: [&str; 5] = ["email", "webhook", "slack", "teams", "matrix"];
/// The words a stakeholder policy's `when` may be (besides `{after_minutes: N}`).
pub(crate) const WHEN_WORDS: [&str; 2] = ["immediately", NEXT_BUSINESS_MORNING];
/// The `when` that needs the group's `time_zone`.
pub(crate) const NEXT_BUSINESS_MORNING: &str = "next_business_morning";
/// Inclusive ranges of the whole-number fields.
pub(crate) const RANK: (i64, i64) = (1, 100);
pub(crate) const AFTER_MINUTES: (i64, i64) = (1, 10_080);
pub(crate) const DELAY_MINUTES: (i64, i64) = (0, 1_440);
pub(crate) const REPEAT: (i64, i64) = (0, 10);
/// The units a scenario's `T+<n><unit>` may use besides minutes and seconds.
pub(crate) const TIMELINE_UNITS: [PeriodUnit; 2] = [PeriodUnit::Hours, PeriodUnit::Days];

pub(super) fn review(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    let required = d.doc.kind.requires_review();
    match d.str_at(&node, &["owner"], &["owner"]) {
        Some(owner) => {
            d.reference(Kind::Team, owner, &["owner"], rules::UNKNOWN_REFERENCE);
        }
        None if required => d.push(
            &[],
            None,
            rules::MISSING_REVIEW,
            "owner is required (a team)".into(),
        ),
        None => {}
    }
    match d.str_at(&node, &["review_every"], &["review_every"]) {
        Some(raw) if Period::parse(raw, &Period::REVIEW_UNITS).is_none() => d.push(
            &["review_every"],
            None,
            rules::INVALID_DURATION,
            format!("review_every: expected a period such as 90d, 12w, 6m or 1y, got {raw:?}"),
        ),
        Some(raw)
            if Period::parse(raw, &Period::REVIEW_UNITS)
                .is_some_and(|p| p.approximate_days() > Period::MAX_REVIEW_DAYS) =>
        {
            d.push(
                &["review_every"],
                None,
                rules::INVALID_DURATION,
                format!(
                    "review_every: {raw:?} is longer than ten years; review at least once a decade"
                ),
            )
        }
        Some(_) => {}
        None if required => d.push(
            &[],
            None,
            rules::MISSING_REVIEW,
            "review_every is required (e.g. 90d)".into(),
        ),
        None => {}
    }
    match d.str_at(&node, &["last_reviewed"], &["last_reviewed"]) {
        Some(raw) if raw.trim().parse::<jiff::civil::Date>().is_err() => d.push(
            &["last_reviewed"],
            None,
            rules::INVALID_FIELD,
            format!("last_reviewed: expected a date YYYY-MM-DD, got {raw:?}"),
        ),
        Some(_) => {}
        None if required => d.push(
            &[],
            None,
            rules::MISSING_REVIEW,
            "last_reviewed is required (YYYY-MM-DD)".into(),
        ),
        None => {}
    }
}

pub(super) fn severity(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    if d.integer(&node, &["rank"], &["rank"], RANK).is_none()
        && fields::node_at(&node, &["rank"]).ok().flatten().is_none()
    {
        d.push(
            &[],
            None,
            rules::INVALID_FIELD,
            "rank is required (1 = worst)".into(),
        );
    }
    d.str_at(&node, &["description"], &["description"]);
}

pub(super) fn matrix(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    let at = ["rules"];
    let items = d.maps(&node, &at);
    if items.is_empty() {
        d.push(
            &at,
            None,
            rules::INVALID_FIELD,
            "rules: list at least one rule".into(),
        );
    }
    for rule in items {
        if let Some(condition) = d.required(rule, &["condition"], &at) {
            d.one_of(&condition, &CONDITIONS, "condition", &at);
        }
        d.integer(
            rule,
            &["tier"],
            &at,
            (1, i64::from(muster_core::catalog::TIER_MAX)),
        );
        d.refer(Kind::Functionality, rule, &["functionality"], &at);
        if let Some(severity) = d.required(rule, &["severity"], &at) {
            d.reference(Kind::Severity, &severity, &at, rules::UNKNOWN_REFERENCE);
        }
    }
}

pub(super) fn task_force(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    let at = ["members"];
    for member in d.maps(&node, &at) {
        if let Some(function) = d.required(member, &["function"], &at) {
            d.one_of(&function, &FUNCTIONS, "function", &at);
        }
        let team = d.str_at(member, &["team"], &at);
        if let Some(team) = team {
            d.reference(Kind::Team, team, &at, rules::UNKNOWN_REFERENCE);
        }
        let contact = d.str_at(member, &["contact"], &at);
        if let Some(contact) = contact {
            email(d, contact, &at);
        }
        if team.is_none() && contact.is_none() {
            d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "a task force member needs a team, a contact, or both".into(),
            );
        }
    }
    d.refer(
        Kind::Severity,
        &node,
        &["join_at_severity"],
        &["join_at_severity"],
    );
}

fn email(d: &mut Doc<'_>, raw: &str, at: &[&str]) {
    if let Err(error) = muster_core::user::email("email", raw) {
        d.push(at, Some(raw), rules::INVALID_FIELD, error.message);
    }
}

pub(super) fn stakeholders(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    for member in d.strings(&node, &["members"], &["members"]) {
        email(d, member, &["members"]);
    }
    let at = ["channels"];
    for channel in d.maps(&node, &at) {
        if let Some(kind) = d.required(channel, &["kind"], &at) {
            d.one_of(&kind, &CHANNELS, "kind", &at);
        }
        d.required(channel, &["target"], &at);
    }
    d.time_zone(&node, &["time_zone"], &["time_zone"]);
    let at = ["policies"];
    let policies = d.maps(&node, &at);
    if policies.is_empty() {
        d.push(
            &at,
            None,
            rules::INVALID_FIELD,
            "policies: list at least one notification policy".into(),
        );
    }
    for policy in policies {
        for severity in d.strings(policy, &["severities"], &at) {
            d.reference(Kind::Severity, severity, &at, rules::UNKNOWN_REFERENCE);
        }
        match fields::node_at(policy, &["when"]) {
            Ok(Some(Node::String(when))) if WHEN_WORDS.contains(&when.as_str()) => {}
            Ok(Some(Node::Map(_))) => {
                if d.integer(policy, &["when", "after_minutes"], &at, AFTER_MINUTES)
                    .is_none()
                    && fields::node_at(policy, &["when", "after_minutes"])
                        .ok()
                        .flatten()
                        .is_none()
                {
                    d.push(
                        &at,
                        None,
                        rules::INVALID_FIELD,
                        "when: expected {after_minutes: N}".into(),
                    );
                }
            }
            Ok(Some(Node::String(when))) => d.push(
                &at,
                Some(when),
                rules::INVALID_FIELD,
                format!("when: expected immediately, {{after_minutes: N}} or next_business_morning, got {when:?}"),
            ),
            _ => d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "when: expected immediately, {after_minutes: N} or next_business_morning".into(),
            ),
        }
        if fields::node_at(policy, &["when"]).ok().flatten()
            == Some(&Node::String(NEXT_BUSINESS_MORNING.into()))
            && fields::node_at(&node, &["time_zone"])
                .ok()
                .flatten()
                .is_none()
        {
            d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "next_business_morning needs the group's time_zone".into(),
            );
        }
    }
}

pub(super) fn scenario(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    d.str_at(&node, &["description"], &["description"]);
    let runbooks = d.strings(&node, &["runbooks"], &["runbooks"]);
    if runbooks.is_empty() {
        d.push(
            &["runbooks"],
            None,
            rules::SCENARIO_UNKNOWN_RUNBOOK,
            "runbooks: list the runbooks this scenario exercises".into(),
        );
    }
    for runbook in runbooks {
        d.reference(
            Kind::Runbook,
            runbook,
            &["runbooks"],
            rules::SCENARIO_UNKNOWN_RUNBOOK,
        );
    }
    // The expected timeline as the server reads it: offsets, exactly one
    // expectation per moment, known milestones and events.
    let doc = crate::plan::export::stored(d.doc);
    for issue in crate::scenarios::issues(&doc) {
        d.issue(&issue);
    }
    for entry in d.maps(&node, &["expected_timeline"]) {
        if let Some(role) = d.str_at(entry, &["role"], &["expected_timeline"]) {
            let role = role.trim().to_owned();
            if !super::BUILTIN_ROLES.contains(&role.as_str())
                && d.plan.get(Kind::Role, &role).is_none()
            {
                d.push(
                    &["expected_timeline"],
                    Some(&role),
                    rules::UNKNOWN_REFERENCE,
                    format!("no Role named {role:?}"),
                );
            }
        }
    }
    d.strings(&node, &["action_items"], &["action_items"]);
}
