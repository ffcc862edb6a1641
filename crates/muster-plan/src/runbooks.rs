//! `Runbook` documents read into the core's [`Runbook`]: when it attaches
//! (`conditions`) and its steps, each with its action and timetable. Read
//! from stored documents so `muster plan validate` refuses exactly what the
//! server could not run, at the line it is written on.
//!
//! ```yaml
//! kind: Runbook
//! name: login-failures
//! conditions: {functionality: login, severity_at_least: SEV2}
//! steps:
//!   - {name: Page identity, action: page_team, team: identity}
//!   - {name: Commander, action: assign_role, role: commander, schedule: identity-primary}
//!   - name: Tell support
//!     action: post_update
//!     after_step: Page identity
//!     repeat: {every: 30m, until: mitigated}
//! ```

use jiff::SignedDuration;
use muster_core::plan::PlanDocument;
use muster_core::runbook::{
    Conditions, Criterion, PlannedRunbook, RoleAssignee, Runbook, RunbookName, RunbookStep,
    StepAction, StepRef, StepRepeat, StepStart, StepTiming,
};
use muster_core::{Milestone, RoleCode, SeverityCode, Slug};
use serde_json::{Map, Value};

use crate::oncall::read::{self, Issue, Path, Reader};
use crate::plan::{Kind, rules};

/// Keys a Runbook document may have besides `kind` and `name`.
const KEYS: [&str; 6] = [
    "conditions",
    "steps",
    "description",
    "owner",
    "review_every",
    "last_reviewed",
];
/// The condition keys, as the core's criteria are written.
const CONDITION_KEYS: [&str; 8] = [
    "severity_at_least",
    "severity",
    "functionality",
    "service",
    "team",
    "tag",
    "drill",
    "milestone_reached",
];
/// Keys every step may have, whatever its action.
const STEP_KEYS: [&str; 6] = [
    "name",
    "action",
    "after",
    "at_milestone",
    "after_step",
    "repeat",
];
/// The key each action cannot do without (action, key); the JSON schema
/// says so from this table too.
pub(crate) const ACTION_NEEDS: [(&str, &str); 5] = [
    ("assign_role", "role"),
    ("page_team", "team"),
    ("create_tasks", "tasks"),
    ("notify_stakeholders", "group"),
    ("webhook", "url"),
];
/// The keys each action takes besides [`STEP_KEYS`].
const ACTION_KEYS: [(&str, &[&str]); 9] = [
    ("assign_role", &["role", "schedule", "user"]),
    ("page_team", &["team"]),
    ("assemble_task_force", &["task_force"]),
    ("create_tasks", &["team", "tasks"]),
    ("notify_stakeholders", &["group"]),
    ("post_update", &["template"]),
    ("draft_status_update", &["component"]),
    ("webhook", &["url"]),
    ("manual", &["instructions"]),
];

/// One document as read: the runbook or its problems, and what it names
/// elsewhere in the plan (checked against the whole plan).
pub(crate) struct Reading {
    pub result: Result<Runbook, Vec<Issue>>,
    pub references: Vec<(Path, Kind, String)>,
}

fn duration(
    r: &mut Reader,
    object: &Map<String, Value>,
    at: &Path,
    key: &str,
) -> Option<SignedDuration> {
    r.duration_seconds(object, at, key)
        .map(SignedDuration::from_secs)
}

fn slug(r: &mut Reader, at: &Path, key: &str, raw: &str) -> Option<Slug> {
    match Slug::parse(key, raw) {
        Ok(slug) => Some(slug),
        Err(error) => {
            r.report(&at.key(key), Some(raw), rules::INVALID_FIELD, error.message);
            None
        }
    }
}

fn unknown_keys(
    r: &mut Reader,
    object: &Map<String, Value>,
    at: &Path,
    known: &[&str],
    what: &str,
) {
    for key in object.keys() {
        if !known.contains(&key.as_str()) {
            r.report(
                &at.key(key),
                Some(key),
                rules::INVALID_FIELD,
                format!("not {what} (one of {})", known.join(", ")),
            );
        }
    }
}

fn conditions(
    r: &mut Reader,
    object: &Map<String, Value>,
    references: &mut Vec<(Path, Kind, String)>,
) -> Conditions {
    let at = Path::default().key("conditions");
    let map = match object.get("conditions") {
        None | Some(Value::Null) => return Conditions::default(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            r.report(
                &at,
                None,
                rules::INVALID_FIELD,
                "expected a mapping such as {severity_at_least: SEV1, functionality: login}",
            );
            return Conditions::default();
        }
    };
    unknown_keys(r, map, &at, &CONDITION_KEYS, "a runbook condition");
    let mut all = Vec::new();
    let mut named = |r: &mut Reader, key: &str, kind: Kind| {
        let raw = r.str(map, &at, key)?.trim().to_owned();
        references.push((at.key(key), kind, raw.clone()));
        Some(raw)
    };
    if let Some(raw) = named(r, "severity_at_least", Kind::Severity) {
        all.push(Criterion::SeverityAtLeast(SeverityCode::new(raw)));
    }
    if let Some(raw) = named(r, "severity", Kind::Severity) {
        all.push(Criterion::SeverityExactly(SeverityCode::new(raw)));
    }
    for (key, kind) in [
        ("functionality", Kind::Functionality),
        ("service", Kind::Service),
        ("team", Kind::Team),
    ] {
        if let Some(raw) = named(r, key, kind)
            && let Some(slug) = slug(r, &at, key, &raw)
        {
            all.push(match kind {
                Kind::Functionality => Criterion::Functionality(slug),
                Kind::Service => Criterion::Service(slug),
                _ => Criterion::Team(slug),
            });
        }
    }
    if let Some(tag) = r.str(map, &at, "tag") {
        all.push(Criterion::Tag(tag.trim().to_lowercase()));
    }
    match map.get("drill") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(drill)) => all.push(Criterion::Drill(*drill)),
        Some(_) => r.report(
            &at.key("drill"),
            None,
            rules::INVALID_FIELD,
            "expected true or false",
        ),
    }
    if let Some(milestone) = r.parsed::<Milestone>(map, &at, "milestone_reached") {
        all.push(Criterion::MilestoneReached(milestone));
    }
    Conditions::new(all)
}

fn timing(r: &mut Reader, step: &Map<String, Value>, at: &Path) -> StepTiming {
    let after = duration(r, step, at, "after");
    let at_milestone = r.parsed::<Milestone>(step, at, "at_milestone");
    let after_step = r.str(step, at, "after_step");
    let given: Vec<&str> = [
        after.map(|_| "after"),
        at_milestone.map(|_| "at_milestone"),
        after_step.map(|_| "after_step"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if given.len() > 1 {
        r.report(
            &at.key(given[1]),
            None,
            rules::INVALID_FIELD,
            format!(
                "a step starts one way: give one of after, at_milestone or after_step, not {}",
                given.join(" and ")
            ),
        );
    }
    let start = match (after, at_milestone, after_step) {
        (Some(delay), _, _) => StepStart::After(delay),
        (None, Some(milestone), _) => StepStart::AtMilestone(milestone),
        (None, None, Some(name)) => StepStart::AfterStep(StepRef::Name(name.trim().to_owned())),
        (None, None, None) => StepStart::Immediately,
    };
    let repeat_at = at.key("repeat");
    let repeat = match step.get("repeat") {
        None | Some(Value::Null) => None,
        Some(Value::Object(repeat)) => {
            unknown_keys(r, repeat, &repeat_at, &["every", "until"], "a repeat field");
            let every = duration(r, repeat, &repeat_at, "every");
            let until = r.parsed::<Milestone>(repeat, &repeat_at, "until");
            for (key, missing) in [("every", every.is_none()), ("until", until.is_none())] {
                if missing && !Reader::given(repeat, key) {
                    r.report(
                        &repeat_at.key(key),
                        None,
                        rules::INVALID_FIELD,
                        "is required: a repeating step says how often (every: 30m) and until which milestone (until: mitigated)",
                    );
                }
            }
            every
                .zip(until)
                .map(|(every, until)| StepRepeat { every, until })
        }
        Some(_) => {
            r.report(
                &repeat_at,
                None,
                rules::INVALID_FIELD,
                "expected a mapping such as {every: 30m, until: mitigated}",
            );
            None
        }
    };
    StepTiming { start, repeat }
}

fn action(
    r: &mut Reader,
    step: &Map<String, Value>,
    at: &Path,
    kind: &str,
    references: &mut Vec<(Path, Kind, String)>,
) -> Option<StepAction> {
    let mut named = |r: &mut Reader, key: &str, refers: Kind| {
        let raw = r.str(step, at, key)?.trim().to_owned();
        references.push((at.key(key), refers, raw.clone()));
        Some(raw)
    };
    let needed = |r: &mut Reader, value: Option<String>, key: &str| {
        if value.is_none() && !Reader::given(step, key) {
            r.report(
                &at.key(key),
                None,
                rules::INVALID_FIELD,
                format!("a {kind} step needs {key}"),
            );
        }
        value
    };
    Some(match kind {
        "assign_role" => {
            let role = named(r, "role", Kind::Role);
            let role = needed(r, role, "role")?;
            let schedule = named(r, "schedule", Kind::Schedule);
            let user = r.str(step, at, "user").map(str::trim).map(str::to_owned);
            let to = match (schedule, user) {
                (Some(_), Some(_)) => {
                    r.report(
                        &at.key("user"),
                        None,
                        rules::INVALID_FIELD,
                        "give the schedule whose on-call takes the role or a user, not both",
                    );
                    return None;
                }
                (Some(schedule), None) => RoleAssignee::OnCall { schedule },
                (None, Some(email)) => RoleAssignee::User { email },
                (None, None) => RoleAssignee::Declarer,
            };
            StepAction::AssignRole {
                role: RoleCode::new(role),
                to,
            }
        }
        "page_team" => {
            let team = named(r, "team", Kind::Team);
            let team = needed(r, team, "team")?;
            StepAction::PageTeam {
                team: slug(r, at, "team", &team)?,
            }
        }
        "assemble_task_force" => StepAction::AssembleTaskForce {
            task_force: named(r, "task_force", Kind::TaskForce),
        },
        "create_tasks" => {
            let team = match named(r, "team", Kind::Team) {
                Some(team) => Some(slug(r, at, "team", &team)?),
                None => None,
            };
            let tasks: Vec<String> = r
                .strings(step, at, "tasks")
                .unwrap_or_default()
                .into_iter()
                .map(|(_, task)| task.trim().to_owned())
                .collect();
            StepAction::CreateTasks { team, tasks }
        }
        "notify_stakeholders" => {
            let group = named(r, "group", Kind::StakeholderGroup);
            StepAction::NotifyStakeholders {
                group: needed(r, group, "group")?,
            }
        }
        "post_update" => {
            let template = r.str(step, at, "template").map(|t| t.trim().to_owned());
            // A built-in template is in every plan; any other must be one
            // of the plan's UpdateTemplate documents.
            if let Some(name) = template
                .as_ref()
                .filter(|t| crate::updates::builtin(t).is_none())
            {
                references.push((at.key("template"), Kind::UpdateTemplate, name.clone()));
            }
            StepAction::PostUpdate { template }
        }
        "draft_status_update" => StepAction::DraftStatusUpdate {
            component: named(r, "component", Kind::StatusPageComponent),
        },
        "webhook" => {
            let url = r.str(step, at, "url").map(|u| u.trim().to_owned());
            StepAction::Webhook {
                url: needed(r, url, "url")?,
            }
        }
        _ => StepAction::Manual {
            instructions: r.str(step, at, "instructions").map(|i| i.trim().to_owned()),
        },
    })
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
    unknown_keys(&mut r, &object, &top, &KEYS, "a Runbook field");
    r.str(&object, &top, "description");
    let conditions = conditions(&mut r, &object, &mut references);
    let mut steps = Vec::new();
    let listed = r.objects(&object, &top, "steps").unwrap_or_default();
    for (at, step) in listed {
        let name = r.required_str(step, &at, "name", "what people call the step");
        let kind = r
            .required_str(
                step,
                &at,
                "action",
                &format!("one of {}", muster_core::runbook::STEP_ACTIONS.join(", ")),
            )
            .map(str::trim);
        let Some((kind, takes)) = kind.and_then(|kind| {
            let found = ACTION_KEYS.iter().find(|(k, _)| *k == kind);
            if found.is_none() {
                r.report(
                    &at.key("action"),
                    Some(kind),
                    rules::INVALID_FIELD,
                    format!(
                        "expected one of {}, got {kind:?}",
                        muster_core::runbook::STEP_ACTIONS.join(", ")
                    ),
                );
            }
            found.copied()
        }) else {
            continue;
        };
        let known: Vec<&str> = STEP_KEYS.iter().chain(takes).copied().collect();
        unknown_keys(&mut r, step, &at, &known, &format!("a {kind} step's field"));
        let timing = timing(&mut r, step, &at);
        if let (Some(name), Some(action)) = (name, action(&mut r, step, &at, kind, &mut references))
        {
            steps.push(RunbookStep {
                name: name.trim().to_owned(),
                action,
                timing,
            });
        }
    }
    let result = if r.issues.is_empty() {
        // The core checks what it alone knows: names, lengths, URLs,
        // intervals, and that `after_step` names an earlier step.
        Runbook::new(RunbookName::new(doc.name.clone()), conditions, steps).map_err(|error| {
            error
                .into_fields()
                .into_iter()
                .map(|e| Issue {
                    path: Path::parse(&e.field),
                    value: None,
                    rule: rules::INVALID_FIELD,
                    message: e.message,
                })
                .collect()
        })
    } else {
        Err(r.issues)
    };
    Reading { result, references }
}

/// Every runbook the plan declares, by name, each with its document's body
/// as the snapshot an incident keeps when it attaches, and the documents
/// that could not be read (left out; empty for a plan that validated).
#[derive(Debug, Clone, Default)]
pub struct RunbooksPlan {
    pub runbooks: Vec<PlannedRunbook>,
    pub problems: Vec<String>,
}

/// Reads every `Runbook` document among `documents` (others ignored).
pub fn runbooks(documents: &[PlanDocument]) -> RunbooksPlan {
    let mut plan = RunbooksPlan::default();
    for doc in documents
        .iter()
        .filter(|d| d.kind == Kind::Runbook.as_str())
    {
        match read(doc).result {
            Ok(runbook) => plan.runbooks.push(PlannedRunbook {
                runbook,
                snapshot: doc.body.clone(),
            }),
            Err(issues) => plan.problems.push(read::summary(doc, &issues)),
        }
    }
    plan.runbooks
        .sort_by(|a, b| a.runbook.name().cmp(b.runbook.name()));
    plan
}

#[cfg(test)]
mod tests;
