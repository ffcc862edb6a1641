//! The fields of the procedures: escalation, on-call rotations, runbook
//! steps and scenario timelines.

use muster_core::Milestone;
use serde_json::{Value, json};

use super::build::{
    def, given, integer, list, nonempty, object, opt, period_core, present, reference, req, text,
    with, words,
};
use crate::plan::Kind;
use crate::plan::check::BUILTIN_ROLES;
use crate::plan::check::fields::{ACTION_NEEDS, ACTIONS, DELAY_MINUTES, TIMELINE_UNITS};

/// One step of an escalation policy: exactly one kind of target each.
pub(super) fn escalation_step() -> Value {
    let target = with(
        object(
            "Exactly one of schedule, team or user.",
            vec![
                opt(
                    "schedule",
                    reference(Kind::Schedule, "Page whoever is on call"),
                ),
                opt("team", reference(Kind::Team, "Page the team")),
                opt("user", def("email", "Page this person.")),
            ],
        ),
        json!({"oneOf": [present("schedule"), present("team"), present("user")]}),
    );
    object(
        "One step of the escalation.",
        vec![
            req("targets", nonempty("Who this step pages.", target)),
            opt(
                "delay_minutes",
                integer("Minutes to wait before this step pages.", DELAY_MINUTES),
            ),
        ],
    )
}

/// One rotation of a schedule.
pub(super) fn rotation() -> Value {
    object(
        "A rotation: participants take shifts in turn.",
        vec![
            req(
                "participants",
                nonempty(
                    "Who takes shifts, in order.",
                    def("email", "A participant."),
                ),
            ),
            req("shift", json!({"$ref": "#/$defs/shift"})),
            opt(
                "handoff",
                json!({
                    "description": "The time of day shifts change, HH:MM in the schedule's time zone.",
                    "type": "string",
                    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                }),
            ),
        ],
    )
}

/// The runbook's `conditions` mapping.
pub(super) fn runbook_conditions() -> Value {
    object(
        "Which incidents the runbook applies to.",
        vec![
            opt(
                "severity_at_least",
                reference(Kind::Severity, "The incident is at least this severe"),
            ),
            opt(
                "functionality",
                reference(Kind::Functionality, "This functionality is affected"),
            ),
            opt(
                "service",
                reference(Kind::Service, "This service is affected"),
            ),
            opt(
                "team",
                reference(Kind::Team, "The team the incident concerns"),
            ),
            opt("tag", text("The incident carries this tag.")),
            opt(
                "drill",
                json!({"description": "Whether the incident is a drill.", "type": "boolean"}),
            ),
        ],
    )
}

/// One runbook step, with the keys its action needs.
pub(super) fn runbook_step() -> Value {
    let role = json!({
        "description": "The role to assign: a built-in role or the name of a Role.",
        "type": "string",
        "examples": BUILTIN_ROLES,
    });
    let step = object(
        "A step: a name, an action and what the action needs.",
        vec![
            req("name", text("What the step is called.")),
            req("action", words("What the step does.", &ACTIONS)),
            opt("role", role),
            opt("team", reference(Kind::Team, "The team to page")),
            opt(
                "group",
                reference(Kind::StakeholderGroup, "The stakeholders to notify"),
            ),
            opt(
                "task_force",
                reference(Kind::TaskForce, "The task force to assemble"),
            ),
            opt(
                "component",
                reference(
                    Kind::StatusPageComponent,
                    "The status page component to update",
                ),
            ),
            opt("url", def("url", "The webhook to call.")),
            opt("tasks", list("Tasks to create.", json!({"type": "string"}))),
            opt("instructions", text("What to do, for a manual step.")),
        ],
    );
    // Each action that needs a key gets one if/then, from the validator's table.
    let needs: Vec<Value> = ACTION_NEEDS
        .iter()
        .map(|(action, key)| {
            json!({
                "if": {"required": ["action"], "properties": {"action": {"const": action}}},
                "then": given(key),
            })
        })
        .collect();
    with(step, json!({"allOf": needs}))
}

/// One entry of a scenario's expected timeline: a milestone or an action.
pub(super) fn timeline_entry() -> Value {
    let milestones: Vec<&str> = Milestone::ALL.iter().map(|m| m.as_str()).collect();
    let at = format!(r"^T\+({}|[0-9]+[ms])$", period_core(&TIMELINE_UNITS));
    with(
        object(
            "A moment in the expected timeline: a milestone reached or an action taken.",
            vec![
                req(
                    "at",
                    json!({
                        "description": "Time since the start: T+<n>m, T+<n>h or T+<n>d (T+<n>s for seconds).",
                        "type": "string",
                        "pattern": at,
                        "examples": ["T+0m", "T+15m", "T+2h", "T+1d"],
                    }),
                ),
                opt(
                    "milestone",
                    json!({"description": "The milestone reached.", "type": "string", "examples": milestones}),
                ),
                opt("action", text("What someone does.")),
            ],
        ),
        json!({"oneOf": [present("milestone"), present("action")]}),
    )
}
