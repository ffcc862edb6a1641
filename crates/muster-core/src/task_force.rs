//! The task force: standing representatives of the business (customer
//! support, legal, finance, marketing, sales, engineering) who join an
//! incident once it is severe enough, whatever broke.

use std::fmt;
use std::str::FromStr;

use crate::audience::Audience;
use crate::catalog::Slug;
use crate::error::{DomainError, Validation};
use crate::severity::{SeverityCode, SeverityScale};
use crate::text;
use crate::user;

/// The part of the business a member speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    CustomerSupport,
    Legal,
    Finance,
    Marketing,
    Sales,
    Engineering,
}

impl Function {
    /// Every function, in the plan's order.
    pub const ALL: [Function; 6] = [
        Self::CustomerSupport,
        Self::Legal,
        Self::Finance,
        Self::Marketing,
        Self::Sales,
        Self::Engineering,
    ];

    /// The plan's word for it (`customer_support`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerSupport => "customer_support",
            Self::Legal => "legal",
            Self::Finance => "finance",
            Self::Marketing => "marketing",
            Self::Sales => "sales",
            Self::Engineering => "engineering",
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Function {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown function {s:?}; expected one of {}",
                    known.join(", ")
                )
            })
    }
}

/// One standing representative: a person (`contact`), a team, or both (the
/// person, on behalf of the team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskForceMember {
    /// Whom they speak for.
    pub function: Function,
    /// The person, by email.
    pub contact: Option<String>,
    /// The team they represent, reachable through its pager.
    pub team: Option<Slug>,
}

/// A validated task force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskForce {
    name: String,
    join_at_severity: Option<SeverityCode>,
    members: Vec<TaskForceMember>,
}

impl TaskForce {
    /// Checks every member has a contact or a team and that contacts are
    /// email addresses (stored lowercase). Without `join_at_severity` the
    /// task force joins whenever a step assembles it.
    pub fn new(
        name: impl Into<String>,
        join_at_severity: Option<SeverityCode>,
        members: Vec<TaskForceMember>,
    ) -> Result<Self, DomainError> {
        let name = name.into();
        let mut validation = Validation::new();
        validation.check(text::required("name", &name, text::TITLE_MAX));
        let mut checked = Vec::with_capacity(members.len());
        for (index, member) in members.into_iter().enumerate() {
            let at = format!("members[{index}]");
            if member.contact.is_none() && member.team.is_none() {
                validation.push(&at, "a task force member needs a team, a contact, or both");
            }
            let contact = member
                .contact
                .as_deref()
                .and_then(|c| validation.check(user::email(&format!("{at}.contact"), c)));
            checked.push(TaskForceMember { contact, ..member });
        }
        validation.finish()?;
        Ok(Self {
            name,
            join_at_severity,
            members: checked,
        })
    }

    /// The task force's name, unique in the plan.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mildest severity it joins at; `None` joins at any.
    pub fn join_at_severity(&self) -> Option<&SeverityCode> {
        self.join_at_severity.as_ref()
    }

    /// Its standing representatives.
    pub fn members(&self) -> &[TaskForceMember] {
        &self.members
    }

    /// Refuses a `join_at_severity` the scale does not have.
    pub fn check(&self, scale: &SeverityScale) -> Result<(), DomainError> {
        match &self.join_at_severity {
            Some(code) => scale.resolve("join_at_severity", code.as_str()).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// Who a task force call brings in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskForceCall {
    /// These members join; `withheld` are the ones a drill may not reach.
    Joins {
        members: Vec<TaskForceMember>,
        withheld: Vec<TaskForceMember>,
        reason: String,
    },
    /// The incident is not severe enough (or its severity is unknown).
    StaysOut { reason: String },
}

/// Who joins the incident when a step assembles `task_force` at
/// `severity`. In a drill only members whose contact took part in it
/// join; a member reached through a team alone is withheld, since a team's
/// pager reaches people outside the drill.
pub fn who_joins(
    task_force: &TaskForce,
    severity: &SeverityCode,
    scale: &SeverityScale,
    audience: &Audience,
) -> TaskForceCall {
    let reason = match &task_force.join_at_severity {
        None => format!("the {} task force joins at any severity", task_force.name),
        Some(threshold) => match (scale.rank(severity), scale.rank(threshold)) {
            (Some(actual), Some(at)) if actual <= at => format!(
                "severity {severity} is at least {threshold}, where the {} task force joins",
                task_force.name
            ),
            (Some(_), Some(_)) => {
                return TaskForceCall::StaysOut {
                    reason: format!(
                        "severity {severity} is milder than {threshold}, where the {} task force joins",
                        task_force.name
                    ),
                };
            }
            (None, _) => {
                return TaskForceCall::StaysOut {
                    reason: format!("severity {severity} is not configured"),
                };
            }
            (_, None) => {
                return TaskForceCall::StaysOut {
                    reason: format!("severity {threshold} is not configured"),
                };
            }
        },
    };
    let (members, withheld): (Vec<_>, Vec<_>) =
        task_force
            .members
            .iter()
            .cloned()
            .partition(|member| match (&member.contact, audience) {
                (_, Audience::Everyone) => true,
                (Some(contact), drill) => drill.reaches(contact),
                (None, _) => false,
            });
    let reason = if withheld.is_empty() {
        reason
    } else {
        format!(
            "{reason}; {} not part of the drill stay out",
            withheld.len()
        )
    };
    TaskForceCall::Joins {
        members,
        withheld,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(function: Function, contact: Option<&str>, team: Option<&str>) -> TaskForceMember {
        TaskForceMember {
            function,
            contact: contact.map(str::to_owned),
            team: team.map(|t| Slug::parse("team", t).unwrap()),
        }
    }

    /// The example plan's standing task force.
    fn standing() -> TaskForce {
        TaskForce::new(
            "standing",
            Some(SeverityCode::new("SEV2")),
            vec![
                member(
                    Function::CustomerSupport,
                    Some("support-lead@fernbrook.example"),
                    None,
                ),
                member(Function::Legal, Some("Counsel@fernbrook.example"), None),
                member(
                    Function::Finance,
                    Some("finance-duty@fernbrook.example"),
                    None,
                ),
                member(Function::Marketing, Some("comms@fernbrook.example"), None),
                member(
                    Function::Sales,
                    Some("key-accounts@fernbrook.example"),
                    None,
                ),
                member(
                    Function::Engineering,
                    Some("eng-duty@fernbrook.example"),
                    Some("platform"),
                ),
            ],
        )
        .unwrap()
    }

    fn joining(call: &TaskForceCall) -> Vec<Function> {
        match call {
            TaskForceCall::Joins { members, .. } => members.iter().map(|m| m.function).collect(),
            TaskForceCall::StaysOut { .. } => Vec::new(),
        }
    }

    #[test]
    fn everyone_joins_a_severe_enough_incident() {
        let scale = SeverityScale::standard();
        let call = who_joins(
            &standing(),
            &SeverityCode::new("SEV1"),
            &scale,
            &Audience::Everyone,
        );
        assert_eq!(joining(&call), Function::ALL);
        let TaskForceCall::Joins {
            members, reason, ..
        } = call
        else {
            panic!("joins")
        };
        assert_eq!(
            members[1].contact.as_deref(),
            Some("counsel@fernbrook.example")
        );
        assert_eq!(
            reason,
            "severity SEV1 is at least SEV2, where the standing task force joins"
        );
    }

    #[test]
    fn a_milder_incident_keeps_the_task_force_out() {
        let scale = SeverityScale::standard();
        let call = who_joins(
            &standing(),
            &SeverityCode::new("SEV3"),
            &scale,
            &Audience::Everyone,
        );
        assert_eq!(
            call,
            TaskForceCall::StaysOut {
                reason: "severity SEV3 is milder than SEV2, where the standing task force joins"
                    .into()
            }
        );
        let unknown = who_joins(
            &standing(),
            &SeverityCode::new("P1"),
            &scale,
            &Audience::Everyone,
        );
        assert!(matches!(unknown, TaskForceCall::StaysOut { .. }));
    }

    #[test]
    fn a_drill_brings_in_only_its_participants() {
        let scale = SeverityScale::standard();
        let drill = Audience::of_incident(true, ["comms@fernbrook.example"]);
        let call = who_joins(&standing(), &SeverityCode::new("SEV1"), &scale, &drill);
        assert_eq!(joining(&call), [Function::Marketing]);
        let TaskForceCall::Joins {
            withheld, reason, ..
        } = call
        else {
            panic!("joins")
        };
        assert_eq!(withheld.len(), 5);
        assert!(
            reason.ends_with("; 5 not part of the drill stay out"),
            "{reason}"
        );
        let team_only = TaskForce::new(
            "t",
            None,
            vec![member(Function::Engineering, None, Some("platform"))],
        )
        .unwrap();
        assert!(
            joining(&who_joins(
                &team_only,
                &SeverityCode::new("SEV5"),
                &scale,
                &drill
            ))
            .is_empty()
        );
    }

    #[test]
    fn members_need_a_way_to_reach_them_and_severities_must_exist() {
        let error = TaskForce::new(
            "t",
            None,
            vec![
                member(Function::Legal, None, None),
                member(Function::Sales, Some("not mail"), None),
            ],
        )
        .unwrap_err();
        let fields: Vec<String> = error.into_fields().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["members[0]", "members[1].contact"]);
        let odd = TaskForce::new("t", Some(SeverityCode::new("P1")), vec![]).unwrap();
        assert!(odd.check(&SeverityScale::standard()).is_err());
        assert_eq!("legal".parse::<Function>(), Ok(Function::Legal));
        assert!("janitorial".parse::<Function>().is_err());
    }
}
