//! [`validate`]: every problem of a plan at once, and the catalog it describes.
//!
//! Split by responsibility: [`fields`] checks each document's own fields
//! ([`oncall`] those of schedules and escalation policies, through the
//! reader the server uses), [`references`] unknown references, duplicate
//! names and dependency cycles, [`integrations`] the sources alerts come
//! through,
//! [`catalog`] builds the teams, services and functionalities, and
//! [`soundness`] applies the soundness rules across the whole plan.

mod alerting;
mod catalog;
pub(crate) mod fields;
mod integrations;
mod oncall;
mod references;
mod runbooks;
mod soundness;

use super::{Document, Finding, Kind, Plan, order, rules};
use crate::backstage::fields::{self as field, Problem};
use crate::backstage::yaml::{self, Node};

pub(crate) use catalog::build_catalog;
pub use integrations::{SecretReference, secret_references};

/// Roles every incident has, usable without a `Role` document.
pub const BUILTIN_ROLES: [&str; 4] = ["commander", "communications", "scribe", "operations"];

/// Reports problems about one document, at the key they concern.
struct Doc<'p> {
    plan: &'p Plan,
    doc: &'p Document,
    out: &'p mut Vec<Finding>,
}

impl Doc<'_> {
    fn place(&self, path: &[&str], value: Option<&str>) -> (usize, usize) {
        let Some((_, text)) = self.plan.files.get(self.doc.file_index) else {
            return (self.doc.line, 1);
        };
        let keys: Vec<&str> = path.to_vec();
        let found = (!keys.is_empty())
            .then(|| yaml::locate(text, &self.doc.segment, &keys))
            .flatten();
        let Some((line, column)) = found else {
            return (self.doc.line, 1);
        };
        // A value inside a list under the key: point at its own line.
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            let segment = &text[self.doc.segment.range.clone()];
            let first = self.doc.segment.first_line;
            for (index, content) in segment.lines().enumerate().skip(line - first) {
                if let Some(at) = content.find(value) {
                    return (first + index, at + 1);
                }
            }
        }
        (line, column)
    }

    fn push(&mut self, path: &[&str], value: Option<&str>, rule: &'static str, message: String) {
        let (line, column) = self.place(path, value);
        self.out.push(Finding {
            file: self.doc.file.clone(),
            line,
            column,
            rule,
            message: format!("{} {}: {message}", self.doc.kind, self.doc.name),
        });
    }

    fn problem(&mut self, problem: Problem) {
        let path: Vec<&str> = problem.path.iter().map(String::as_str).collect();
        let message = problem.text();
        self.push(&path, None, rules::INVALID_FIELD, message);
    }

    fn str_at<'n>(&mut self, node: &'n Node, path: &[&str], at: &[&str]) -> Option<&'n str> {
        match field::str_at(node, path) {
            Ok(value) => value.filter(|v| !v.trim().is_empty()),
            Err(problem) => {
                let message = problem.text();
                self.push(at, None, rules::INVALID_FIELD, message);
                None
            }
        }
    }

    fn required(&mut self, node: &Node, path: &[&str], at: &[&str]) -> Option<String> {
        let value = self.str_at(node, path, at).map(str::to_owned);
        if value.is_none() && !matches!(field::node_at(node, path), Ok(Some(_))) {
            self.push(
                at,
                None,
                rules::INVALID_FIELD,
                format!("{} is required", path.join(".")),
            );
        }
        value
    }

    fn strings<'n>(&mut self, node: &'n Node, path: &[&str], at: &[&str]) -> Vec<&'n str> {
        field::strings_at(node, path).unwrap_or_else(|problem| {
            let message = problem.text();
            self.push(at, None, rules::INVALID_FIELD, message);
            Vec::new()
        })
    }

    fn maps<'n>(&mut self, node: &'n Node, path: &[&str]) -> Vec<&'n Node> {
        field::maps_at(node, path).unwrap_or_else(|problem| {
            self.problem(problem);
            Vec::new()
        })
    }

    fn integer(
        &mut self,
        node: &Node,
        path: &[&str],
        at: &[&str],
        range: (i64, i64),
    ) -> Option<i64> {
        match field::node_at(node, path) {
            Ok(None) => None,
            Ok(Some(Node::Number(n))) => match n.parse::<i64>() {
                Ok(n) if (range.0..=range.1).contains(&n) => Some(n),
                _ => {
                    self.push(
                        at,
                        None,
                        rules::INVALID_FIELD,
                        format!(
                            "{}: expected a whole number from {} to {}, got {n}",
                            path.join("."),
                            range.0,
                            range.1
                        ),
                    );
                    None
                }
            },
            Ok(Some(other)) => {
                self.push(
                    at,
                    None,
                    rules::INVALID_FIELD,
                    format!(
                        "{}: expected a number, got {}",
                        path.join("."),
                        other.describe()
                    ),
                );
                None
            }
            Err(problem) => {
                self.problem(problem);
                None
            }
        }
    }

    fn one_of(&mut self, value: &str, allowed: &[&str], field: &str, at: &[&str]) -> bool {
        let ok = allowed.contains(&value);
        if !ok {
            self.push(
                at,
                Some(value),
                rules::INVALID_FIELD,
                format!(
                    "{field}: expected one of {}, got {value:?}",
                    allowed.join(", ")
                ),
            );
        }
        ok
    }

    fn time_zone(&mut self, node: &Node, path: &[&str], at: &[&str]) {
        if let Some(tz) = self.str_at(node, path, at)
            && jiff::tz::TimeZone::get(tz).is_err()
        {
            self.push(
                at,
                Some(tz),
                rules::INVALID_TIME_ZONE,
                format!(
                    "{}: {tz:?} is not an IANA time zone (e.g. Europe/Berlin)",
                    path.join(".")
                ),
            );
        }
    }
}

/// Every problem of the plan at once, sorted by file and line: fields of
/// each kind, unknown references, duplicate names, review fields, dependency
/// cycles, and the soundness rules (see [`rules`]).
pub fn validate(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    references::duplicates(plan, &mut out);
    for doc in &plan.documents {
        let mut d = Doc {
            plan,
            doc,
            out: &mut out,
        };
        fields::review(&mut d);
        match doc.kind {
            Kind::Severity => {
                fields::severity(&mut d);
                communications(&mut d);
            }
            Kind::UpdateTemplate => communications(&mut d),
            Kind::SeverityMatrix => fields::matrix(&mut d),
            Kind::Role => {
                d.str_at(doc_node(doc), &["description"], &["description"]);
            }
            Kind::TaskForce => fields::task_force(&mut d),
            Kind::StakeholderGroup => fields::stakeholders(&mut d),
            Kind::EscalationPolicy => oncall::escalation(&mut d),
            Kind::Schedule => oncall::schedule(&mut d),
            Kind::AlertRoutes => alerting::routes(&mut d),
            Kind::Integration => integrations::integration(&mut d),
            Kind::Runbook => runbooks::runbook(&mut d),
            Kind::Scenario => fields::scenario(&mut d),
            Kind::StatusPageComponent => {
                let node = doc_node(doc);
                d.refer(
                    Kind::Functionality,
                    node,
                    &["functionality"],
                    &["functionality"],
                );
                for field in ["group", "title", "description"] {
                    d.str_at(node, &[field], &[field]);
                }
                d.integer(node, &["position"], &["position"], (0, 10_000));
            }
            Kind::RetrospectiveTemplate => {
                let node = doc_node(doc);
                if d.strings(node, &["sections"], &["sections"]).is_empty() {
                    d.push(
                        &["sections"],
                        None,
                        rules::INVALID_FIELD,
                        "sections: list at least one section".into(),
                    );
                }
            }
            // Checked through the catalog below.
            Kind::Team | Kind::Service | Kind::Functionality => {}
        }
    }
    let (catalog, mut found) = build_catalog(plan);
    out.append(&mut found);
    soundness::soundness(plan, &catalog, &mut out);
    out.sort_by(order);
    out.dedup();
    out
}

/// A severity's update fields and an update template, checked by the
/// reader the server uses; a severity's default template must exist.
fn communications(d: &mut Doc<'_>) {
    let doc = crate::plan::export::stored(d.doc);
    for issue in crate::communications::issues(&doc) {
        d.issue(&issue);
    }
    if d.doc.kind != Kind::Severity {
        return;
    }
    let node = doc_node(d.doc).clone();
    if let Some(name) = d.str_at(&node, &["update_template"], &["update_template"]) {
        let name = name.trim().to_owned();
        if crate::updates::builtin(&name).is_none()
            && d.plan.get(Kind::UpdateTemplate, &name).is_none()
        {
            d.push(
                &["update_template"],
                Some(&name),
                rules::UNKNOWN_REFERENCE,
                format!("no UpdateTemplate named {name:?} (built-in: internal, status-page)"),
            );
        }
    }
}

fn doc_node(doc: &Document) -> &Node {
    &doc.node
}
