//! `StakeholderGroup` and `TaskForce` documents read into the core's types,
//! for the steps that notify a group or assemble a task force. The plan's
//! validator has checked their shape on apply; a document that still does
//! not read (stored before a reader change) is reported, never guessed at.
//!
//! ```yaml
//! kind: StakeholderGroup
//! name: legal
//! time_zone: America/New_York
//! members: [counsel@fernbrook.example]
//! channels: [{kind: email, target: counsel@fernbrook.example}]
//! policies: [{severities: [SEV1, SEV2], when: next_business_morning}]
//! ```

use jiff::tz::TimeZone;
use muster_core::plan::PlanDocument;
use muster_core::stakeholder::{
    StakeholderChannel, StakeholderGroup, StakeholderPolicy, UpdateWhen,
};
use muster_core::task_force::{TaskForce, TaskForceMember};
use muster_core::{DomainError, SeverityCode, Slug};
use serde_json::{Map, Value};

use crate::oncall::read::{self, Issue, Path, Reader};
use crate::plan::{Kind, rules};

/// The stakeholder groups and task forces of a plan, by name, and the
/// documents that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Audiences {
    pub groups: Vec<StakeholderGroup>,
    pub task_forces: Vec<TaskForce>,
    pub problems: Vec<String>,
}

impl Audiences {
    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&StakeholderGroup> {
        self.groups.iter().find(|g| g.name() == name.trim())
    }

    /// The task force named `name`, or the plan's only one for `None`.
    pub fn task_force(&self, name: Option<&str>) -> Option<&TaskForce> {
        match name {
            Some(name) => self.task_forces.iter().find(|t| t.name() == name.trim()),
            None if self.task_forces.len() == 1 => self.task_forces.first(),
            None => None,
        }
    }
}

/// Reads every `StakeholderGroup` and `TaskForce` among `documents`.
pub fn audiences(documents: &[PlanDocument]) -> Audiences {
    let mut out = Audiences::default();
    for doc in documents {
        let read = if doc.kind == Kind::StakeholderGroup.as_str() {
            read_with(doc, group).map(|g| out.groups.push(g))
        } else if doc.kind == Kind::TaskForce.as_str() {
            read_with(doc, task_force).map(|t| out.task_forces.push(t))
        } else {
            continue;
        };
        if let Err(issues) = read {
            out.problems.push(read::summary(doc, &issues));
        }
    }
    out.groups.sort_by(|a, b| a.name().cmp(b.name()));
    out.task_forces.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

/// A reader of one kind's body into the core's type.
pub(crate) type ReadBody<T> =
    fn(&mut Reader, &PlanDocument, &Map<String, Value>) -> Result<T, DomainError>;

/// Reads `doc`'s body with `read`, then lets the core check what it alone
/// knows; every problem comes back under its path.
pub(crate) fn read_with<T>(doc: &PlanDocument, read: ReadBody<T>) -> Result<T, Vec<Issue>> {
    let body = read::body(&doc.body).map_err(|issue| vec![issue])?;
    let mut r = Reader::default();
    let result = read(&mut r, doc, &body);
    if !r.issues.is_empty() {
        return Err(r.issues);
    }
    result.map_err(|error| {
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
}

fn when(r: &mut Reader, policy: &Map<String, Value>, at: &Path) -> Option<UpdateWhen> {
    let path = at.key("when");
    match policy.get("when") {
        Some(Value::String(word)) if word == "immediately" => Some(UpdateWhen::Immediately),
        Some(Value::String(word)) if word == "next_business_morning" => {
            Some(UpdateWhen::NextBusinessMorning)
        }
        Some(Value::Object(map)) => {
            let minutes = r.integer(map, &path, "after_minutes", (1, i64::from(u32::MAX)));
            minutes
                .and_then(|m| u32::try_from(m).ok())
                .map(UpdateWhen::AfterMinutes)
        }
        _ => {
            r.report(
                &path,
                None,
                rules::INVALID_FIELD,
                "expected immediately, next_business_morning or {after_minutes: N}",
            );
            None
        }
    }
}

fn group(
    r: &mut Reader,
    doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<StakeholderGroup, DomainError> {
    let root = Path::default();
    let members = r
        .strings(body, &root, "members")
        .unwrap_or_default()
        .into_iter()
        .map(|(_, m)| m.to_owned())
        .collect();
    let mut channels = Vec::new();
    for (at, channel) in r.objects(body, &root, "channels").unwrap_or_default() {
        if let Some(kind) = r.parsed(channel, &at, "kind") {
            channels.push(StakeholderChannel {
                kind,
                target: r.str(channel, &at, "target").unwrap_or_default().to_owned(),
            });
        }
    }
    let time_zone = r.str(body, &root, "time_zone").and_then(|tz| {
        TimeZone::get(tz.trim())
            .map_err(|e| {
                r.report(
                    &root.key("time_zone"),
                    Some(tz),
                    rules::INVALID_FIELD,
                    e.to_string(),
                )
            })
            .ok()
    });
    let mut policies = Vec::new();
    for (at, policy) in r.objects(body, &root, "policies").unwrap_or_default() {
        let severities = r
            .strings(policy, &at, "severities")
            .unwrap_or_default()
            .into_iter()
            .map(|(_, s)| SeverityCode::new(s))
            .collect();
        if let Some(when) = when(r, policy, &at) {
            policies.push(StakeholderPolicy { severities, when });
        }
    }
    StakeholderGroup::new(doc.name.clone(), members, channels, time_zone, policies)
}

fn task_force(
    r: &mut Reader,
    doc: &PlanDocument,
    body: &Map<String, Value>,
) -> Result<TaskForce, DomainError> {
    let root = Path::default();
    let mut members = Vec::new();
    for (at, member) in r.objects(body, &root, "members").unwrap_or_default() {
        let team = r.str(member, &at, "team").and_then(|t| {
            Slug::parse("team", t)
                .map_err(|e| r.report(&at.key("team"), Some(t), rules::INVALID_FIELD, e.message))
                .ok()
        });
        if let Some(function) = r.parsed(member, &at, "function") {
            members.push(TaskForceMember {
                function,
                contact: r.str(member, &at, "contact").map(str::to_owned),
                team,
            });
        }
    }
    let join_at = r
        .str(body, &root, "join_at_severity")
        .map(SeverityCode::new);
    TaskForce::new(doc.name.clone(), join_at, members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, name: &str, body: &str) -> PlanDocument {
        PlanDocument {
            kind: kind.into(),
            name: name.into(),
            file: "stakeholders.yaml".into(),
            body: body.into(),
            owner: None,
            review_every: None,
            last_reviewed: None,
        }
    }

    #[test]
    fn groups_and_task_forces_read_with_their_policies() {
        let read = audiences(&[
            doc(
                "StakeholderGroup",
                "legal",
                r#"{"members":["Counsel@Example.com"],"channels":[{"kind":"email","target":"counsel@example.com"}],
                   "time_zone":"America/New_York","policies":[{"severities":["SEV1"],"when":"next_business_morning"},
                   {"severities":["SEV2"],"when":{"after_minutes":30}}]}"#,
            ),
            doc(
                "TaskForce",
                "standing",
                r#"{"join_at_severity":"SEV2","members":[{"function":"legal","contact":"counsel@example.com"},
                   {"function":"engineering","team":"platform"}]}"#,
            ),
            doc("Severity", "SEV1", r#"{"rank":1}"#),
        ]);
        assert_eq!(read.problems, Vec::<String>::new());
        let legal = read.group("legal").unwrap();
        assert_eq!(legal.members(), ["counsel@example.com"]);
        assert_eq!(
            legal.policy_for(&SeverityCode::new("SEV2")).map(|p| p.when),
            Some(UpdateWhen::AfterMinutes(30))
        );
        let standing = read.task_force(None).unwrap();
        assert_eq!(standing.members().len(), 2);
        assert_eq!(read.task_force(Some("standing")), Some(standing));
        assert_eq!(read.task_force(Some("other")), None);
    }

    #[test]
    fn documents_that_do_not_read_are_reported_by_name() {
        let read = audiences(&[
            doc(
                "StakeholderGroup",
                "legal",
                r#"{"members":[],"policies":[{"severities":["SEV1"],"when":"next_business_morning"}]}"#,
            ),
            doc(
                "TaskForce",
                "standing",
                r#"{"members":[{"function":"janitors"}]}"#,
            ),
        ]);
        assert!(read.groups.is_empty() && read.task_forces.is_empty());
        assert_eq!(read.problems.len(), 2);
        assert!(
            read.problems[0].contains("time_zone"),
            "{:?}",
            read.problems
        );
        assert!(read.problems[1].contains("janitors"), "{:?}", read.problems);
    }
}
