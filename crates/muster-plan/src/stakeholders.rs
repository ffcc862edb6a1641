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
    ChannelKind, StakeholderChannel, StakeholderGroup, StakeholderPolicy, UpdateWhen,
};
use muster_core::task_force::{Function, TaskForce, TaskForceMember};
use muster_core::{SeverityCode, Slug};
use serde_json::{Map, Value};

use crate::plan::Kind;

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
            group(doc).map(|g| out.groups.push(g))
        } else if doc.kind == Kind::TaskForce.as_str() {
            task_force(doc).map(|t| out.task_forces.push(t))
        } else {
            continue;
        };
        if let Err(problem) = read {
            out.problems.push(format!(
                "{} {} ({}): {problem}",
                doc.kind, doc.name, doc.file
            ));
        }
    }
    out.groups.sort_by(|a, b| a.name().cmp(b.name()));
    out.task_forces.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

fn body(doc: &PlanDocument) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(&doc.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the document is not a mapping".into()),
        Err(error) => Err(format!("the stored document is not JSON: {error}")),
    }
}

fn strings(map: &Map<String, Value>, key: &str) -> Result<Vec<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{key}[{i}] should be text"))
            })
            .collect(),
        Some(_) => Err(format!("{key} should be a list")),
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

fn objects<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<&'a Map<String, Value>>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_object()
                    .ok_or_else(|| format!("{key}[{i}] should be a mapping"))
            })
            .collect(),
        Some(_) => Err(format!("{key} should be a list")),
    }
}

fn when(index: usize, value: Option<&Value>) -> Result<UpdateWhen, String> {
    let at = format!("policies[{index}].when");
    match value {
        Some(Value::String(word)) if word == "immediately" => Ok(UpdateWhen::Immediately),
        Some(Value::String(word)) if word == "next_business_morning" => {
            Ok(UpdateWhen::NextBusinessMorning)
        }
        Some(Value::Object(map)) => map
            .get("after_minutes")
            .and_then(Value::as_u64)
            .and_then(|m| u32::try_from(m).ok())
            .map(UpdateWhen::AfterMinutes)
            .ok_or_else(|| format!("{at}.after_minutes should be a number of minutes")),
        _ => Err(format!(
            "{at} should be immediately, next_business_morning or {{after_minutes: N}}"
        )),
    }
}

fn group(doc: &PlanDocument) -> Result<StakeholderGroup, String> {
    let map = body(doc)?;
    let members = strings(&map, "members")?;
    let channels = objects(&map, "channels")?
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let kind: ChannelKind = text(c, "kind")
                .unwrap_or_default()
                .parse()
                .map_err(|e| format!("channels[{i}].kind: {e}"))?;
            Ok(StakeholderChannel {
                kind,
                target: text(c, "target").unwrap_or_default().to_owned(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let time_zone = text(&map, "time_zone")
        .map(|tz| TimeZone::get(tz.trim()).map_err(|e| format!("time_zone {tz:?}: {e}")))
        .transpose()?;
    let policies = objects(&map, "policies")?
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            Ok(StakeholderPolicy {
                severities: strings(p, "severities")?
                    .into_iter()
                    .map(SeverityCode::new)
                    .collect(),
                when: when(i, p.get("when"))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    StakeholderGroup::new(doc.name.clone(), members, channels, time_zone, policies)
        .map_err(|e| e.to_string())
}

fn task_force(doc: &PlanDocument) -> Result<TaskForce, String> {
    let map = body(doc)?;
    let members = objects(&map, "members")?
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let function: Function = text(m, "function")
                .unwrap_or_default()
                .parse()
                .map_err(|e| format!("members[{i}].function: {e}"))?;
            let team = text(m, "team")
                .map(|t| Slug::parse("team", t).map_err(|e| format!("members[{i}].team: {e}")))
                .transpose()?;
            Ok(TaskForceMember {
                function,
                contact: text(m, "contact").map(str::to_owned),
                team,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let join_at = text(&map, "join_at_severity").map(SeverityCode::new);
    TaskForce::new(doc.name.clone(), join_at, members).map_err(|e| e.to_string())
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
