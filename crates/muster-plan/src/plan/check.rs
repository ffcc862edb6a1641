//! [`validate`]: every problem of a plan at once, and the catalog it describes.

use std::collections::{BTreeMap, BTreeSet};

use muster_core::FieldError;
use muster_core::catalog::graph::CatalogGraph;
use muster_core::catalog::{
    Catalog, Criticality, Functionality, Lifecycle, Link, Service, Slug, Team, TeamMember,
};

use super::{Document, Finding, Kind, Period, Plan, order, rules};
use crate::backstage::fields::{self, Problem};
use crate::backstage::yaml::{self, Node};

/// Roles every incident has, usable without a `Role` document.
pub const BUILTIN_ROLES: [&str; 4] = ["commander", "communications", "scribe", "operations"];
const CONDITIONS: [&str; 3] = ["unavailable", "degraded", "bug"];
const FUNCTIONS: [&str; 6] = [
    "customer_support",
    "legal",
    "finance",
    "marketing",
    "sales",
    "engineering",
];
const CHANNELS: [&str; 5] = ["email", "webhook", "slack", "teams", "matrix"];
const ACTIONS: [&str; 9] = [
    "assign_role",
    "page_team",
    "assemble_task_force",
    "create_tasks",
    "notify_stakeholders",
    "post_update",
    "draft_status_update",
    "webhook",
    "manual",
];

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
        match fields::str_at(node, path) {
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
        if value.is_none() && !matches!(fields::node_at(node, path), Ok(Some(_))) {
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
        fields::strings_at(node, path).unwrap_or_else(|problem| {
            let message = problem.text();
            self.push(at, None, rules::INVALID_FIELD, message);
            Vec::new()
        })
    }

    fn maps<'n>(&mut self, node: &'n Node, path: &[&str]) -> Vec<&'n Node> {
        fields::maps_at(node, path).unwrap_or_else(|problem| {
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
        match fields::node_at(node, path) {
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

    /// A reference to another document; reports it when nothing has that name.
    fn reference(&mut self, kind: Kind, name: &str, at: &[&str], rule: &'static str) -> bool {
        let ok = self.plan.get(kind, name).is_some();
        if !ok {
            self.push(at, Some(name), rule, format!("no {kind} named {name:?}"));
        }
        ok
    }

    fn refer(&mut self, kind: Kind, node: &Node, path: &[&str], at: &[&str]) {
        if let Some(name) = self.str_at(node, path, at) {
            self.reference(kind, name, at, rules::UNKNOWN_REFERENCE);
        }
    }
}

/// Every problem of the plan at once, sorted by file and line: fields of
/// each kind, unknown references, duplicate names, review fields, dependency
/// cycles, and the soundness rules (see [`rules`]).
pub fn validate(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    duplicates(plan, &mut out);
    for doc in &plan.documents {
        let mut d = Doc {
            plan,
            doc,
            out: &mut out,
        };
        review(&mut d);
        match doc.kind {
            Kind::Severity => severity(&mut d),
            Kind::SeverityMatrix => matrix(&mut d),
            Kind::Role => {
                d.str_at(doc_node(doc), &["description"], &["description"]);
            }
            Kind::TaskForce => task_force(&mut d),
            Kind::StakeholderGroup => stakeholders(&mut d),
            Kind::EscalationPolicy => escalation(&mut d),
            Kind::Schedule => schedule(&mut d),
            Kind::Runbook => runbook(&mut d),
            Kind::Scenario => scenario(&mut d),
            Kind::StatusPageComponent => {
                let node = doc_node(doc);
                d.refer(
                    Kind::Functionality,
                    node,
                    &["functionality"],
                    &["functionality"],
                );
                d.str_at(node, &["group"], &["group"]);
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
    soundness(plan, &catalog, &mut out);
    out.sort_by(order);
    out.dedup();
    out
}

fn doc_node(doc: &Document) -> &Node {
    &doc.node
}

fn duplicates(plan: &Plan, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<(Kind, String), &Document> = BTreeMap::new();
    for doc in &plan.documents {
        let key = (doc.kind, doc.kind.key(&doc.name));
        match seen.get(&key) {
            Some(first) => {
                let message = format!(
                    "is already defined at {}:{}",
                    first.file.display(),
                    first.line
                );
                Doc { plan, doc, out }.push(&["name"], None, rules::DUPLICATE_NAME, message);
            }
            None => {
                seen.insert(key, doc);
            }
        }
    }
}

fn review(d: &mut Doc<'_>) {
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

fn severity(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    if d.integer(&node, &["rank"], &["rank"], (1, 100)).is_none()
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

fn matrix(d: &mut Doc<'_>) {
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

fn task_force(d: &mut Doc<'_>) {
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

fn stakeholders(d: &mut Doc<'_>) {
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
            Ok(Some(Node::String(when)))
                if when == "immediately" || when == "next_business_morning" => {}
            Ok(Some(Node::Map(_))) => {
                if d.integer(policy, &["when", "after_minutes"], &at, (1, 10_080))
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
            == Some(&Node::String("next_business_morning".into()))
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

fn escalation(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    let at = ["steps"];
    let steps = d.maps(&node, &at);
    if steps.is_empty() {
        d.push(
            &at,
            None,
            rules::INVALID_FIELD,
            "steps: list at least one step".into(),
        );
    }
    for step in steps {
        let targets = d.maps(step, &["targets"]);
        if targets.is_empty() {
            d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "every step needs at least one target".into(),
            );
        }
        for target in targets {
            let mut kinds = 0;
            if let Some(schedule) = d.str_at(target, &["schedule"], &at) {
                kinds += 1;
                d.reference(Kind::Schedule, schedule, &at, rules::UNKNOWN_REFERENCE);
            }
            if let Some(team) = d.str_at(target, &["team"], &at) {
                kinds += 1;
                d.reference(Kind::Team, team, &at, rules::UNKNOWN_REFERENCE);
            }
            if let Some(user) = d.str_at(target, &["user"], &at) {
                kinds += 1;
                email(d, user, &at);
            }
            if kinds != 1 {
                d.push(
                    &at,
                    None,
                    rules::INVALID_FIELD,
                    "a target is exactly one of schedule, team or user".into(),
                );
            }
        }
        d.integer(step, &["delay_minutes"], &at, (0, 1_440));
    }
    d.integer(&node, &["repeat"], &["repeat"], (0, 10));
}

fn schedule(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    if fields::node_at(&node, &["time_zone"])
        .ok()
        .flatten()
        .is_none()
    {
        d.push(
            &[],
            None,
            rules::INVALID_FIELD,
            "time_zone is required".into(),
        );
    }
    d.time_zone(&node, &["time_zone"], &["time_zone"]);
    let at = ["rotations"];
    let rotations = d.maps(&node, &at);
    if rotations.is_empty() {
        d.push(
            &at,
            None,
            rules::INVALID_FIELD,
            "rotations: list at least one rotation".into(),
        );
    }
    for rotation in rotations {
        let participants = d.strings(rotation, &["participants"], &at);
        if participants.is_empty() {
            d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "every rotation needs participants".into(),
            );
        }
        for participant in participants {
            email(d, participant, &at);
        }
        if let Some(shift) = d.required(rotation, &["shift"], &at)
            && Period::parse(&shift, &Period::SHIFT_UNITS).is_none()
        {
            d.push(
                &at,
                Some(&shift),
                rules::INVALID_DURATION,
                format!("shift: expected a length such as 12h, 1d or 1w, got {shift:?}"),
            );
        }
        if let Some(handoff) = d.str_at(rotation, &["handoff"], &at)
            && handoff.parse::<jiff::civil::Time>().is_err()
        {
            d.push(
                &at,
                Some(handoff),
                rules::INVALID_FIELD,
                format!("handoff: expected a time HH:MM, got {handoff:?}"),
            );
        }
    }
}

fn runbook(d: &mut Doc<'_>) {
    let node = d.doc.node.clone();
    let at = ["conditions"];
    if let Err(problem) = fields::node_at(&node, &["conditions", "x"]) {
        d.problem(problem);
    }
    d.refer(
        Kind::Severity,
        &node,
        &["conditions", "severity_at_least"],
        &["conditions", "severity_at_least"],
    );
    d.refer(
        Kind::Functionality,
        &node,
        &["conditions", "functionality"],
        &["conditions", "functionality"],
    );
    d.refer(
        Kind::Service,
        &node,
        &["conditions", "service"],
        &["conditions", "service"],
    );
    d.refer(
        Kind::Team,
        &node,
        &["conditions", "team"],
        &["conditions", "team"],
    );
    d.str_at(&node, &["conditions", "tag"], &at);
    if let Ok(Some(drill)) = fields::node_at(&node, &["conditions", "drill"])
        && !matches!(drill, Node::Bool(_))
    {
        d.push(
            &["conditions", "drill"],
            None,
            rules::INVALID_FIELD,
            "drill: expected true or false".into(),
        );
    }
    let at = ["steps"];
    let steps = d.maps(&node, &at);
    if steps.is_empty() {
        d.push(
            &at,
            None,
            rules::INVALID_FIELD,
            "steps: list at least one step".into(),
        );
    }
    for step in steps {
        d.required(step, &["name"], &at);
        let Some(action) = d.required(step, &["action"], &at) else {
            continue;
        };
        if !d.one_of(&action, &ACTIONS, "action", &at) {
            continue;
        }
        let needs = |key: &'static str| -> Option<&'static str> {
            match (action.as_str(), key) {
                ("assign_role", "role")
                | ("page_team", "team")
                | ("notify_stakeholders", "group")
                | ("webhook", "url") => Some(key),
                _ => None,
            }
        };
        for key in ["role", "team", "group", "url"] {
            if needs(key).is_some() && fields::node_at(step, &[key]).ok().flatten().is_none() {
                d.push(
                    &at,
                    Some(&action),
                    rules::INVALID_FIELD,
                    format!("a {action} step needs {key}"),
                );
            }
        }
        if let Some(role) = d.str_at(step, &["role"], &at)
            && !BUILTIN_ROLES.contains(&role)
        {
            d.reference(Kind::Role, role, &at, rules::UNKNOWN_REFERENCE);
        }
        d.refer(Kind::Team, step, &["team"], &at);
        d.refer(Kind::StakeholderGroup, step, &["group"], &at);
        d.refer(Kind::TaskForce, step, &["task_force"], &at);
        d.refer(Kind::StatusPageComponent, step, &["component"], &at);
        if let Some(url) = d.str_at(step, &["url"], &at)
            && let Err(error) = Link::new("url", "", url)
        {
            d.push(&at, Some(url), rules::INVALID_FIELD, error.message);
        }
        d.strings(step, &["tasks"], &at);
    }
}

fn scenario(d: &mut Doc<'_>) {
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
    let at = ["expected_timeline"];
    for entry in d.maps(&node, &at) {
        if let Some(when) = d.required(entry, &["at"], &at) {
            let ok = when.strip_prefix("T+").is_some_and(|rest| {
                rest.parse::<u32>().is_err()
                    && Period::parse(rest, &[super::PeriodUnit::Hours, super::PeriodUnit::Days])
                        .is_some()
                    || rest
                        .strip_suffix("m")
                        .is_some_and(|n| n.parse::<u32>().is_ok())
                    || rest
                        .strip_suffix("s")
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            });
            if !ok {
                d.push(
                    &at,
                    Some(&when),
                    rules::INVALID_DURATION,
                    format!("at: expected T+<n>m, T+<n>h or T+<n>d, got {when:?}"),
                );
            }
        }
        let milestone = d.str_at(entry, &["milestone"], &at).is_some();
        let action = d.str_at(entry, &["action"], &at).is_some();
        if milestone == action {
            d.push(
                &at,
                None,
                rules::INVALID_FIELD,
                "a timeline entry has either milestone or action".into(),
            );
        }
    }
    d.strings(&node, &["action_items"], &["action_items"]);
}

/// The five soundness rules, and dependency cycles.
fn soundness(plan: &Plan, catalog: &Catalog, out: &mut Vec<Finding>) {
    let doc_of = |kind: Kind, slug: &Slug| plan.get(kind, slug.as_str());
    for service in &catalog.services {
        if service.lifecycle == Lifecycle::Production
            && service.owner_team.is_none()
            && let Some(doc) = doc_of(Kind::Service, &service.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::SERVICE_WITHOUT_OWNER,
                "a production service needs an owner team".into(),
            );
        }
    }
    let owners: BTreeSet<&Slug> = catalog
        .services
        .iter()
        .filter_map(|s| s.owner_team.as_ref())
        .chain(
            catalog
                .functionalities
                .iter()
                .filter_map(|f| f.owner_team.as_ref()),
        )
        .collect();
    for team in &catalog.teams {
        if owners.contains(&team.slug)
            && team.escalation_policy.is_none()
            && let Some(doc) = doc_of(Kind::Team, &team.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::TEAM_WITHOUT_ESCALATION_POLICY,
                "the team owns services or functionalities but has no escalation_policy".into(),
            );
        }
    }
    for functionality in &catalog.functionalities {
        if functionality.owner_team.is_none()
            && let Some(doc) = doc_of(Kind::Functionality, &functionality.slug)
        {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::FUNCTIONALITY_WITHOUT_OWNER,
                "a functionality needs an owner team".into(),
            );
        }
    }
    let told: BTreeSet<String> = plan
        .of_kind(Kind::StakeholderGroup)
        .flat_map(|group| fields::maps_at(&group.node, &["policies"]).unwrap_or_default())
        .flat_map(|policy| fields::strings_at(policy, &["severities"]).unwrap_or_default())
        .map(|s| Kind::Severity.key(s))
        .collect();
    for doc in plan.of_kind(Kind::Severity) {
        if !told.contains(&Kind::Severity.key(&doc.name)) {
            Doc { plan, doc, out }.push(
                &["name"],
                None,
                rules::SEVERITY_WITHOUT_AUDIENCE,
                "no stakeholder group's policy covers this severity: nobody is told".into(),
            );
        }
    }
    for cycle in CatalogGraph::new(&catalog.services, &catalog.functionalities).cycles() {
        let names: Vec<&str> = cycle.iter().map(Slug::as_str).collect();
        if let Some(doc) = cycle.first().and_then(|first| doc_of(Kind::Service, first)) {
            Doc { plan, doc, out }.push(
                &["depends_on"],
                None,
                rules::DEPENDENCY_CYCLE,
                format!(
                    "the services {} depend on each other in a cycle",
                    names.join(", ")
                ),
            );
        }
    }
}

/// The teams, services and functionalities the plan describes, and the
/// problems found building them (own fields and references).
pub(crate) fn build_catalog(plan: &Plan) -> (Catalog, Vec<Finding>) {
    let mut out = Vec::new();
    let mut catalog = Catalog::default();
    let mut seen = BTreeSet::new();
    for doc in &plan.documents {
        if !doc.kind.is_catalog() || !seen.insert((doc.kind, doc.kind.key(&doc.name))) {
            continue;
        }
        let mut d = Doc {
            plan,
            doc,
            out: &mut out,
        };
        let slug = match Slug::parse("name", &doc.name) {
            Ok(slug) => slug,
            Err(error) => {
                d.push(&["name"], None, rules::INVALID_FIELD, error.message);
                continue;
            }
        };
        let node = doc.node.clone();
        let display = d
            .str_at(&node, &["title"], &["title"])
            .unwrap_or_default()
            .to_owned();
        let description = d
            .str_at(&node, &["description"], &["description"])
            .unwrap_or_default()
            .to_owned();
        let own = match doc.kind {
            Kind::Team => {
                let escalation_policy = d
                    .str_at(&node, &["escalation_policy"], &["escalation_policy"])
                    .map(str::to_owned);
                if let Some(policy) = &escalation_policy {
                    d.reference(
                        Kind::EscalationPolicy,
                        policy,
                        &["escalation_policy"],
                        rules::UNKNOWN_REFERENCE,
                    );
                }
                let mut members = Vec::new();
                for member in d.maps(&node, &["members"]) {
                    if let Some(email) = d.required(member, &["email"], &["members"]) {
                        let role = d
                            .str_at(member, &["role"], &["members"])
                            .unwrap_or("member")
                            .to_owned();
                        members.push(TeamMember {
                            email: email.trim().to_lowercase(),
                            role,
                        });
                    }
                }
                let team = Team {
                    slug,
                    name: display,
                    description,
                    contact_channel: d
                        .str_at(&node, &["contact_channel"], &["contact_channel"])
                        .unwrap_or_default()
                        .to_owned(),
                    escalation_policy: escalation_policy
                        .and_then(|p| Slug::parse("escalation_policy", &p).ok()),
                    members,
                };
                let own = team.validate("");
                catalog.teams.push(team);
                own
            }
            Kind::Service => {
                let owner_team = d
                    .str_at(&node, &["owner"], &["owner"])
                    .and_then(|o| Slug::parse("owner", o).ok());
                let tier = d.integer(
                    &node,
                    &["tier"],
                    &["tier"],
                    (1, i64::from(muster_core::catalog::TIER_MAX)),
                );
                let lifecycle = match d.str_at(&node, &["lifecycle"], &["lifecycle"]) {
                    None => Lifecycle::Production,
                    Some(raw) => raw.parse().unwrap_or_else(|message: String| {
                        d.push(
                            &["lifecycle"],
                            None,
                            rules::INVALID_FIELD,
                            format!("lifecycle: {message}"),
                        );
                        Lifecycle::Production
                    }),
                };
                let links = read_links(&mut d, &node, "links");
                let runbooks = read_links(&mut d, &node, "runbooks");
                let mut depends_on = Vec::new();
                for dep in d.maps(&node, &["depends_on"]) {
                    let Some(target) = d.required(dep, &["service"], &["depends_on"]) else {
                        continue;
                    };
                    let criticality = match d.str_at(dep, &["criticality"], &["depends_on"]) {
                        None => Some(Criticality::Hard),
                        Some(raw) => raw
                            .parse()
                            .map_err(|message: String| {
                                d.push(
                                    &["depends_on"],
                                    Some(raw),
                                    rules::INVALID_FIELD,
                                    format!("criticality: {message}"),
                                );
                            })
                            .ok(),
                    };
                    let known = d.reference(
                        Kind::Service,
                        &target,
                        &["depends_on"],
                        rules::UNKNOWN_REFERENCE,
                    );
                    if let (true, Some(criticality), Ok(target)) =
                        (known, criticality, Slug::parse("service", &target))
                    {
                        depends_on.push((target, criticality));
                    }
                }
                let tags = d
                    .strings(&node, &["tags"], &["tags"])
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                let service = Service {
                    slug,
                    name: display,
                    description,
                    owner_team,
                    tier: tier
                        .and_then(|t| u8::try_from(t).ok())
                        .unwrap_or(crate::backstage::DEFAULT_TIER),
                    lifecycle,
                    kind: d
                        .str_at(&node, &["type"], &["type"])
                        .unwrap_or("service")
                        .to_owned(),
                    links,
                    runbooks,
                    rollback_plan: d
                        .str_at(&node, &["rollback_plan"], &["rollback_plan"])
                        .unwrap_or_default()
                        .to_owned(),
                    tags,
                    depends_on,
                };
                let own = service.validate("");
                catalog.services.push(service);
                own
            }
            _ => {
                let owner_team = d
                    .str_at(&node, &["owner"], &["owner"])
                    .and_then(|o| Slug::parse("owner", o).ok());
                let mut services = Vec::new();
                for service in d.strings(&node, &["services"], &["services"]) {
                    if d.reference(
                        Kind::Service,
                        service,
                        &["services"],
                        rules::UNKNOWN_REFERENCE,
                    ) && let Ok(slug) = Slug::parse("services", service)
                    {
                        services.push(slug);
                    }
                }
                let functionality = Functionality {
                    slug,
                    name: display,
                    description,
                    aliases: d
                        .strings(&node, &["aliases"], &["aliases"])
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                    owner_team,
                    services,
                };
                let own = functionality.validate("");
                catalog.functionalities.push(functionality);
                own
            }
        };
        for error in own.err().unwrap_or_default() {
            own_field(&mut d, &error);
        }
    }
    catalog.teams.sort_by(|a, b| a.slug.cmp(&b.slug));
    catalog.services.sort_by(|a, b| a.slug.cmp(&b.slug));
    catalog.functionalities.sort_by(|a, b| a.slug.cmp(&b.slug));
    (catalog, out)
}

/// A core validation error (`members[2].email`) at its top-level key.
fn own_field(d: &mut Doc<'_>, error: &FieldError) {
    let key = error.field.split(['.', '[']).next().unwrap_or_default();
    let key = if key == "name" { "title" } else { key };
    d.push(
        &[key],
        None,
        rules::INVALID_FIELD,
        format!("{}: {}", error.field, error.message),
    );
}

fn read_links(d: &mut Doc<'_>, node: &Node, key: &'static str) -> Vec<Link> {
    let mut links = Vec::new();
    for link in d.maps(node, &[key]) {
        let title = d
            .str_at(link, &["title"], &[key])
            .unwrap_or_default()
            .to_owned();
        if let Some(url) = d.required(link, &["url"], &[key]) {
            match Link::new(key, &title, &url) {
                Ok(link) => links.push(link),
                Err(error) => d.push(&[key], Some(&url), rules::INVALID_FIELD, error.message),
            }
        }
    }
    links
}
