//! `AlertRoutes` documents into the core's [`Route`]s: each team writes
//! the rules for the alerts it owns, and all teams' rules run as one
//! ordered list (by each document's `order`, then its name; rules in the
//! order written). Read from stored documents, so the validator and the
//! server read a plan the same way.
//!
//! ```yaml
//! kind: AlertRoutes
//! name: checkout-alerts
//! owner: storefront
//! order: 10
//! rules:
//!   - name: slo-burning-slowly
//!     match: ['alertname=~"CheckoutSLOBurn.*"', 'window="6h"']
//!     notify: "#team-storefront"        # a message, nobody paged
//!   - name: checkout-down
//!     match: ['alertname="TargetDown"', 'job="checkout-api"']
//!     route_to: {service: checkout-api}
//!     open_incident: SEV2
//! ```

use std::collections::BTreeSet;

use muster_core::Slug;
use muster_core::alert::route::{Route, RouteEffect, RouteTarget};
use muster_core::alert::{AlertSeverity, Matcher};
use muster_core::plan::PlanDocument;
use muster_core::severity::SeverityCode;
use serde_json::{Map, Value};

use crate::oncall::read::{self, Issue, Path, Reader};
use crate::plan::{Kind, rules};

/// Where a document's rules sit among all teams' (lower first).
pub(crate) const ORDER: (i64, i64) = (0, 10_000);
/// The order of a document that gives none.
pub const DEFAULT_ORDER: i64 = 100;
/// The source kinds a rule may name.
pub(crate) const SOURCES: [&str; 5] = [
    "alertmanager",
    "grafana",
    "pagerduty_events",
    "generic",
    "heartbeat",
];
/// Every key a rule may have: anything else is a typo, and a typo in a
/// matcher's key would make the rule match more than meant.
pub(crate) const RULE_KEYS: [&str; 12] = [
    "name",
    "match",
    "min_severity",
    "sources",
    "summary_contains",
    "route_to",
    "set_severity",
    "page",
    "notify",
    "open_incident",
    "drop",
    "continue",
];
const MITIGATE: &str = "mitigate_on_resolve";

/// One document as read: its rules or its problems, and the services and
/// functionalities it names (checked against the whole plan).
pub(crate) struct Reading {
    pub order: i64,
    pub result: Result<Vec<Route>, Vec<Issue>>,
    pub references: Vec<(Path, Kind, String)>,
}

fn flag(r: &mut Reader, object: &Map<String, Value>, at: &Path, key: &str) -> Option<bool> {
    match object.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            r.report(
                &at.key(key),
                None,
                rules::INVALID_FIELD,
                "expected true or false",
            );
            None
        }
    }
}

fn target(
    r: &mut Reader,
    object: &Map<String, Value>,
    at: &Path,
    references: &mut Vec<(Path, Kind, String)>,
) -> Option<RouteTarget> {
    let path = at.key("route_to");
    let map = match object.get("route_to") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(map)) => map,
        Some(_) => {
            r.report(
                &path,
                None,
                rules::INVALID_FIELD,
                "expected {service: NAME} or {functionality: NAME}",
            );
            return None;
        }
    };
    let service = r.str(map, &path, "service");
    let functionality = r.str(map, &path, "functionality");
    let (kind, raw) = match (service, functionality) {
        (Some(s), None) => (Kind::Service, s),
        (None, Some(f)) => (Kind::Functionality, f),
        _ => {
            r.report(
                &path,
                None,
                rules::INVALID_FIELD,
                "route_to is exactly one of service or functionality",
            );
            return None;
        }
    };
    let key = if kind == Kind::Service {
        "service"
    } else {
        "functionality"
    };
    let slug = match Slug::parse(key, raw) {
        Ok(slug) => slug,
        Err(error) => {
            r.report(
                &path.key(key),
                Some(raw),
                rules::INVALID_FIELD,
                error.message,
            );
            return None;
        }
    };
    references.push((path.key(key), kind, raw.to_owned()));
    Some(if kind == Kind::Service {
        RouteTarget::Service(slug)
    } else {
        RouteTarget::Functionality(slug)
    })
}

/// What the rule does: at most one of page, notify, open_incident, drop.
fn effect(r: &mut Reader, object: &Map<String, Value>, at: &Path) -> Option<RouteEffect> {
    let mut effects = Vec::new();
    if flag(r, object, at, "page") == Some(true) {
        effects.push(RouteEffect::Page);
    }
    if let Some(channel) = r.str(object, at, "notify") {
        effects.push(RouteEffect::NotifyOnly {
            channel: channel.trim().to_owned(),
        });
    }
    if let Some(code) = r.str(object, at, "open_incident") {
        effects.push(RouteEffect::OpenIncident {
            severity: SeverityCode::new(code.trim()),
        });
    }
    if flag(r, object, at, "drop") == Some(true) {
        effects.push(RouteEffect::Drop);
    }
    if effects.len() > 1 {
        r.report(
            at,
            None,
            rules::INVALID_FIELD,
            "a rule does one of page, notify, open_incident or drop",
        );
        return None;
    }
    effects.pop()
}

fn rule(
    r: &mut Reader,
    object: &Map<String, Value>,
    at: &Path,
    team: &Slug,
    mitigate: bool,
    references: &mut Vec<(Path, Kind, String)>,
) -> Option<Route> {
    let before = r.issues.len();
    for key in object.keys() {
        if !RULE_KEYS.contains(&key.as_str()) && key != MITIGATE {
            r.report(
                &at.key(key),
                Some(key),
                rules::INVALID_FIELD,
                format!("not a rule field (one of {})", RULE_KEYS.join(", ")),
            );
        }
    }
    let name = r
        .required_str(object, at, "name", "what people call the rule")
        .map(|n| n.trim().to_owned());
    let mut matchers = Vec::new();
    for (path, text) in r.strings(object, at, "match").unwrap_or_default() {
        match Matcher::parse("match", text) {
            Ok(matcher) => matchers.push(matcher),
            Err(error) => r.report(&path, Some(text), rules::INVALID_FIELD, error.message),
        }
    }
    let min_severity = r.parsed::<AlertSeverity>(object, at, "min_severity");
    let mut sources = Vec::new();
    for (path, source) in r.strings(object, at, "sources").unwrap_or_default() {
        if SOURCES.contains(&source) {
            sources.push(source.to_owned());
        } else {
            r.report(
                &path,
                Some(source),
                rules::INVALID_FIELD,
                format!("expected one of {}, got {source:?}", SOURCES.join(", ")),
            );
        }
    }
    let summary_contains = r.str(object, at, "summary_contains").map(str::to_owned);
    let target = target(r, object, at, references);
    let set_severity = r.parsed::<AlertSeverity>(object, at, "set_severity");
    let effect = effect(r, object, at);
    if let Some(RouteEffect::OpenIncident { severity }) = &effect {
        references.push((
            at.key("open_incident"),
            Kind::Severity,
            severity.to_string(),
        ));
    }
    let continue_matching = flag(r, object, at, "continue").unwrap_or(false);
    let mitigate_on_resolve = flag(r, object, at, MITIGATE).unwrap_or(mitigate);
    if r.issues.len() > before {
        return None;
    }
    let route = Route {
        name: name?,
        team: team.clone(),
        matchers,
        min_severity,
        sources,
        summary_contains,
        target,
        set_severity,
        effect,
        continue_matching,
        mitigate_on_resolve,
    };
    for problem in route.validate("") {
        let field = problem.field.trim_start_matches('.');
        let path = if field.is_empty() {
            at.clone()
        } else {
            at.key(field)
        };
        r.report(&path, None, rules::INVALID_FIELD, problem.message);
    }
    (r.issues.len() == before).then_some(route)
}

pub(crate) fn read(doc: &PlanDocument) -> Reading {
    let mut references = Vec::new();
    let object = match read::body(&doc.body) {
        Ok(object) => object,
        Err(issue) => {
            return Reading {
                order: DEFAULT_ORDER,
                result: Err(vec![issue]),
                references,
            };
        }
    };
    let mut r = Reader::default();
    let top = Path::default();
    let order = r
        .integer(&object, &top, "order", ORDER)
        .unwrap_or(DEFAULT_ORDER);
    let mitigate = flag(&mut r, &object, &top, MITIGATE).unwrap_or(true);
    let team = match doc.owner.as_deref().map(|o| Slug::parse("owner", o)) {
        Some(Ok(team)) => Some(team),
        Some(Err(error)) => {
            r.report(&top.key("owner"), None, rules::INVALID_FIELD, error.message);
            None
        }
        None => {
            r.report(
                &top.key("owner"),
                None,
                rules::INVALID_FIELD,
                "is required (the team whose rules these are)",
            );
            None
        }
    };
    let mut routes = Vec::new();
    let mut names = BTreeSet::new();
    match r.objects(&object, &top, "rules") {
        Some(items) if !items.is_empty() => {
            for (path, item) in items {
                let Some(team) = &team else { continue };
                if let Some(route) = rule(&mut r, item, &path, team, mitigate, &mut references) {
                    if !names.insert(route.name.clone()) {
                        r.report(
                            &path.key("name"),
                            Some(&route.name),
                            rules::DUPLICATE_NAME,
                            format!("another rule of this document is called {:?}", route.name),
                        );
                    }
                    routes.push(route);
                }
            }
        }
        _ => r.report(
            &top.key("rules"),
            None,
            rules::INVALID_FIELD,
            "list at least one rule",
        ),
    }
    Reading {
        order,
        result: if r.issues.is_empty() {
            Ok(routes)
        } else {
            Err(r.issues)
        },
        references,
    }
}

/// Every team's rules, in the order they run, and the documents that could
/// not be read (left out; empty for a plan that validated).
#[derive(Debug, Clone, Default)]
pub struct AlertingPlan {
    pub routes: Vec<Route>,
    pub problems: Vec<String>,
}

/// Reads every `AlertRoutes` document among `documents` (others ignored).
pub fn alerting(documents: &[PlanDocument]) -> AlertingPlan {
    let mut plan = AlertingPlan::default();
    let mut ordered: Vec<(i64, &str, Vec<Route>)> = Vec::new();
    for doc in documents
        .iter()
        .filter(|d| d.kind == Kind::AlertRoutes.as_str())
    {
        let reading = read(doc);
        match reading.result {
            Ok(routes) => ordered.push((reading.order, doc.name.as_str(), routes)),
            Err(issues) => plan.problems.push(read::summary(doc, &issues)),
        }
    }
    ordered.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    plan.routes = ordered
        .into_iter()
        .flat_map(|(_, _, routes)| routes)
        .collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, owner: &str, body: serde_json::Value) -> PlanDocument {
        PlanDocument {
            kind: "AlertRoutes".into(),
            name: name.into(),
            file: "alerting.yaml".into(),
            body: body.to_string(),
            owner: Some(owner.into()),
            review_every: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn documents_run_in_order_and_rules_as_written() {
        let late = doc(
            "late",
            "sre",
            serde_json::json!({"order": 200, "rules": [{"name": "catch-all", "page": true}]}),
        );
        let early = doc(
            "early",
            "storefront",
            serde_json::json!({"order": 10, "rules": [
                {"name": "slo", "match": ["alertname=~\"SLO.*\""], "notify": "#storefront"},
                {"name": "down", "match": ["alertname=TargetDown"], "route_to": {"service": "checkout-api"},
                 "open_incident": "SEV2", "mitigate_on_resolve": false}
            ]}),
        );
        let plan = alerting(&[late, early]);
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
        let names: Vec<&str> = plan.routes.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["slo", "down", "catch-all"]);
        assert_eq!(plan.routes[0].team.as_str(), "storefront");
        assert!(!plan.routes[1].mitigate_on_resolve);
        assert!(plan.routes[2].mitigate_on_resolve);
    }

    #[test]
    fn bad_rules_are_refused_with_the_path_of_each_problem() {
        let broken = doc(
            "broken",
            "sre",
            serde_json::json!({"rules": [
                {"name": "typo", "mach": ["a=b"], "page": true},
                {"name": "two-actions", "page": true, "drop": true},
                {"name": "bad-matcher", "match": ["severity=~\"(\""], "page": true},
                {"name": "bad-source", "sources": ["nagios"], "min_severity": "urgent", "page": true},
                {"name": "idle", "match": ["a=b"]},
                {"name": "typo", "route_to": {"service": "a", "functionality": "b"}}
            ]}),
        );
        let reading = read(&broken);
        let Err(issues) = reading.result else {
            panic!("refused")
        };
        let paths: Vec<String> = issues.iter().map(|i| i.path.to_string()).collect();
        assert_eq!(
            paths,
            [
                "rules[0].mach",
                "rules[1]",
                "rules[2].match[0]",
                "rules[3].min_severity",
                "rules[3].sources[0]",
                "rules[4]",
                "rules[5].route_to",
            ]
        );
        let empty = read(&doc("empty", "sre", serde_json::json!({"rules": []})));
        assert!(empty.result.is_err());
    }
}
