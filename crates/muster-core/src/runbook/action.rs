//! What a runbook step does: one variant per action the plan may name
//! (`assign_role`, `page_team`, …), carrying exactly what that action needs.
//! Types and their checks only; carrying a step out is the shell's work.

use crate::catalog::{Link, Slug};
use crate::error::FieldError;
use crate::role::RoleCode;
use crate::text;
use crate::user;

/// The plan's action names, in the order the plan documents them. Each is
/// the [`StepAction::kind`] of one variant.
pub const STEP_ACTIONS: [&str; 9] = [
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

/// Who an `assign_role` step gives the role to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RoleAssignee {
    /// Whoever declared the incident. The default: the plan's steps name no
    /// one, and the declarer is the one person certainly present.
    #[default]
    Declarer,
    /// Whoever the schedule (by name) has on call when the step runs.
    OnCall { schedule: String },
    /// A named person, by email.
    User { email: String },
}

impl RoleAssignee {
    /// How the timeline says it: "whoever declared", "the on-call of
    /// identity-primary", "ana@example.com".
    pub fn describe(&self) -> String {
        match self {
            Self::Declarer => "whoever declared".into(),
            Self::OnCall { schedule } => format!("the on-call of {schedule}"),
            Self::User { email } => email.clone(),
        }
    }
}

/// What one runbook step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// Give `role` to `to`, making them a participant.
    AssignRole { role: RoleCode, to: RoleAssignee },
    /// Page the team through its escalation policy.
    PageTeam { team: Slug },
    /// Bring in the standing representatives; `None` is the plan's one task
    /// force (the plan's step may leave the name out).
    AssembleTaskForce { task_force: Option<String> },
    /// A checklist of tasks, for `team` when one is named (that team's own
    /// workflow: support's "pin a macro", legal's "assess disclosure duty").
    CreateTasks {
        team: Option<Slug>,
        tasks: Vec<String>,
    },
    /// Tell a stakeholder group, by its own policy.
    NotifyStakeholders { group: String },
    /// An internal update written from a template; `None` is the default
    /// template for the incident's severity.
    PostUpdate { template: Option<String> },
    /// A status-page update drafted for review, for one component when named.
    DraftStatusUpdate { component: Option<String> },
    /// Call a webhook with the incident.
    Webhook { url: String },
    /// A checklist item a person ticks; the step's name says what, the
    /// instructions (if any) how.
    Manual { instructions: Option<String> },
}

impl StepAction {
    /// The plan's name for the action (one of [`STEP_ACTIONS`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AssignRole { .. } => "assign_role",
            Self::PageTeam { .. } => "page_team",
            Self::AssembleTaskForce { .. } => "assemble_task_force",
            Self::CreateTasks { .. } => "create_tasks",
            Self::NotifyStakeholders { .. } => "notify_stakeholders",
            Self::PostUpdate { .. } => "post_update",
            Self::DraftStatusUpdate { .. } => "draft_status_update",
            Self::Webhook { .. } => "webhook",
            Self::Manual { .. } => "manual",
        }
    }

    /// What the step does, in words, as lists show it.
    pub fn describe(&self) -> String {
        match self {
            Self::AssignRole { role, to } => format!("give {role} to {}", to.describe()),
            Self::PageTeam { team } => format!("page team {team}"),
            Self::AssembleTaskForce { task_force: None } => "assemble the task force".into(),
            Self::AssembleTaskForce {
                task_force: Some(name),
            } => format!("assemble task force {name}"),
            Self::CreateTasks { team, tasks } => {
                let count = match tasks.len() {
                    1 => "1 task".to_owned(),
                    n => format!("{n} tasks"),
                };
                match team {
                    Some(team) => format!("{count} for team {team}"),
                    None => count,
                }
            }
            Self::NotifyStakeholders { group } => format!("notify {group}"),
            Self::PostUpdate { template: None } => "post an update".into(),
            Self::PostUpdate {
                template: Some(template),
            } => format!("post an update from {template}"),
            Self::DraftStatusUpdate { component: None } => "draft a status-page update".into(),
            Self::DraftStatusUpdate {
                component: Some(component),
            } => format!("draft a status-page update for {component}"),
            Self::Webhook { url } => format!("call {url}"),
            Self::Manual { .. } => "a person does it and ticks it off".into(),
        }
    }

    /// Whether a run of the step is done only when a person says so: the
    /// engine starts it and then waits.
    pub fn waits_for_a_person(&self) -> bool {
        matches!(self, Self::Manual { .. })
    }

    /// The role the step fills, for "roles still empty".
    pub fn role(&self) -> Option<&RoleCode> {
        match self {
            Self::AssignRole { role, .. } => Some(role),
            _ => None,
        }
    }

    /// Every problem with the action's fields, each under `at.<field>`.
    pub fn problems(&self, at: &str) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let field = |name: &str| format!("{at}.{name}");
        // A name the step refers to: present and of a sensible length.
        let name = |problems: &mut Vec<FieldError>, key: &str, value: &str| {
            if let Err(error) = text::required(&field(key), value, text::TITLE_MAX) {
                problems.push(error);
            }
        };
        match self {
            Self::AssignRole { role, to } => {
                name(&mut problems, "role", role.as_str());
                match to {
                    RoleAssignee::Declarer => {}
                    RoleAssignee::OnCall { schedule } => name(&mut problems, "schedule", schedule),
                    RoleAssignee::User { email } => {
                        if let Err(error) = user::email(&field("user"), email) {
                            problems.push(error);
                        }
                    }
                }
            }
            Self::PageTeam { .. } => {}
            Self::AssembleTaskForce { task_force } => {
                if let Some(task_force) = task_force {
                    name(&mut problems, "task_force", task_force);
                }
            }
            Self::CreateTasks { tasks, .. } => {
                if tasks.is_empty() {
                    problems.push(FieldError::new(
                        field("tasks"),
                        "a create_tasks step needs at least one task",
                    ));
                }
                for (index, task) in tasks.iter().enumerate() {
                    name(&mut problems, &format!("tasks[{index}]"), task);
                }
            }
            Self::NotifyStakeholders { group } => name(&mut problems, "group", group),
            Self::PostUpdate { template } => {
                if let Some(template) = template {
                    name(&mut problems, "template", template);
                }
            }
            Self::DraftStatusUpdate { component } => {
                if let Some(component) = component {
                    name(&mut problems, "component", component);
                }
            }
            Self::Webhook { url } => {
                if let Err(error) = Link::new(&field("url"), "", url) {
                    problems.push(error);
                }
            }
            Self::Manual { instructions } => {
                if let Some(instructions) = instructions
                    && let Err(error) =
                        text::bounded(&field("instructions"), instructions, text::LONG_TEXT_MAX)
                {
                    problems.push(error);
                }
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(raw: &str) -> Slug {
        Slug::parse("team", raw).unwrap()
    }

    fn every_kind() -> Vec<StepAction> {
        vec![
            StepAction::AssignRole {
                role: RoleCode::commander(),
                to: RoleAssignee::Declarer,
            },
            StepAction::PageTeam {
                team: slug("identity"),
            },
            StepAction::AssembleTaskForce {
                task_force: Some("standing".into()),
            },
            StepAction::CreateTasks {
                team: Some(slug("support")),
                tasks: vec!["Pin a macro for customers".into()],
            },
            StepAction::NotifyStakeholders {
                group: "legal".into(),
            },
            StepAction::PostUpdate { template: None },
            StepAction::DraftStatusUpdate {
                component: Some("accounts".into()),
            },
            StepAction::Webhook {
                url: "https://hooks.example.com/room".into(),
            },
            StepAction::Manual { instructions: None },
        ]
    }

    #[test]
    fn each_action_reads_as_a_sentence() {
        let said: Vec<String> = every_kind().iter().map(StepAction::describe).collect();
        assert_eq!(said[0], "give commander to whoever declared");
        assert_eq!(said[1], "page team identity");
        assert_eq!(said[3], "1 task for team support");
        assert_eq!(said[4], "notify legal");
        assert!(said.iter().all(|s| !s.is_empty()));
    }

    #[test]
    fn every_plan_action_has_exactly_one_variant() {
        let kinds: Vec<&str> = every_kind().iter().map(StepAction::kind).collect();
        assert_eq!(kinds, STEP_ACTIONS);
        assert!(
            every_kind()
                .iter()
                .all(|a| a.problems("steps[0]").is_empty())
        );
    }

    #[test]
    fn only_manual_steps_wait_for_a_person() {
        let waiting: Vec<&str> = every_kind()
            .iter()
            .filter(|a| a.waits_for_a_person())
            .map(StepAction::kind)
            .collect();
        assert_eq!(waiting, ["manual"]);
    }

    #[test]
    fn problems_name_the_field_and_what_came() {
        let bad = [
            StepAction::Webhook {
                url: "ftp://nope".into(),
            },
            StepAction::CreateTasks {
                team: None,
                tasks: vec![],
            },
            StepAction::CreateTasks {
                team: None,
                tasks: vec!["  ".into()],
            },
            StepAction::AssignRole {
                role: RoleCode::new(""),
                to: RoleAssignee::Declarer,
            },
            StepAction::AssignRole {
                role: RoleCode::commander(),
                to: RoleAssignee::User {
                    email: "not-an-email".into(),
                },
            },
            StepAction::NotifyStakeholders { group: " ".into() },
        ];
        let fields: Vec<String> = bad
            .iter()
            .flat_map(|a| a.problems("steps[2]"))
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "steps[2].url",
                "steps[2].tasks",
                "steps[2].tasks[0]",
                "steps[2].role",
                "steps[2].user",
                "steps[2].group",
            ]
        );
    }

    #[test]
    fn assignees_describe_themselves() {
        assert_eq!(RoleAssignee::default().describe(), "whoever declared");
        let on_call = RoleAssignee::OnCall {
            schedule: "identity-primary".into(),
        };
        assert_eq!(on_call.describe(), "the on-call of identity-primary");
    }
}
