//! The fields of the procedures: escalation, on-call rotations, runbook
//! steps and scenario timelines.

use muster_core::Milestone;
use serde_json::{Value, json};

use super::build::{
    def, given, integer, list, nonempty, object, opt, period_core, present, reference, req, text,
    with, words,
};
use super::integrations::duration;
use crate::oncall::DEFAULT_START;
use crate::oncall::week::DAYS;
use crate::plan::Kind;
use crate::plan::check::BUILTIN_ROLES;
use crate::plan::check::fields::{DELAY_MINUTES, TIMELINE_UNITS};
use crate::runbooks::ACTION_NEEDS;
use muster_core::runbook::STEP_ACTIONS;

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
    let after = "after this step pages, before the next step (after the last step: before the policy runs again); 0 when left out";
    let step = object(
        "One step of the escalation: page the targets, then wait for an acknowledgement.",
        vec![
            req("targets", nonempty("Who this step pages.", target)),
            opt(
                "delay_minutes",
                integer(&format!("Minutes to wait {after}."), DELAY_MINUTES),
            ),
            opt(
                "delay",
                json!({
                    "description": format!("How long to wait {after}, from 0s to 24h; instead of delay_minutes."),
                    "type": "string",
                    "pattern": DELAY_PATTERN,
                    "examples": ["30s", "15m", "1h", "1h 30m"],
                }),
            ),
        ],
    );
    // Two waits for one step would leave the reader guessing which counts.
    with(
        step,
        json!({"not": {"allOf": [given("delay"), given("delay_minutes")]}}),
    )
}

/// The usual spellings of a friendly duration in seconds, minutes and hours
/// (`30s`, `15m`, `1h 30m`). The validator parses with jiff, which also
/// takes rarer spellings (ISO 8601 `PT15M`) that the schema flags.
const DELAY_PATTERN: &str =
    r"^\s*([0-9]+(\.[0-9]+)?\s*(h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\s*,?\s*)+$";

/// `HH:MM` (or `HH:MM:SS`), as the validator's messages document.
fn time_of_day(description: &str) -> Value {
    json!({
        "description": description,
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
    })
}

/// A day name in any case: `mon` or `monday`, `Sun`, `FRIDAY`.
fn day_pattern() -> String {
    let any_case = |word: &str| -> String {
        word.chars()
            .map(|c| format!("[{}{}]", c, c.to_ascii_uppercase()))
            .collect()
    };
    let names: Vec<String> = DAYS
        .iter()
        .map(|(short, long, _)| {
            let rest = long.strip_prefix(short).unwrap_or_default();
            format!("{}({})?", any_case(short), any_case(rest))
        })
        .collect();
    format!("^({})$", names.join("|"))
}

/// A window of the week a rotation is on call in.
fn restriction() -> Value {
    let short: Vec<&str> = DAYS.iter().map(|(short, _, _)| *short).collect();
    object(
        "A window of the week this rotation is on call in; outside every window, earlier rotations (or nobody) are.",
        vec![
            opt(
                "days",
                nonempty(
                    "The days the window opens on; every day when left out.",
                    json!({
                        "description": "mon to sun, or monday to sunday, in any case.",
                        "type": "string",
                        "pattern": day_pattern(),
                        "examples": short,
                    }),
                ),
            ),
            req(
                "from",
                time_of_day("When the window opens, HH:MM local time."),
            ),
            req(
                "to",
                time_of_day(
                    "When it closes, HH:MM local time; a time not after from closes the next day (overnight). Never equal to from.",
                ),
            ),
        ],
    )
}

/// One rotation of a schedule: a layer.
pub(super) fn rotation() -> Value {
    object(
        "A rotation: participants take shifts in turn. Where several rotations have someone on call, the one listed last wins.",
        vec![
            opt(
                "name",
                text("What the layer is called; layer-1, layer-2, … (by position) when left out."),
            ),
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
                time_of_day(
                    "The time of day shifts change, HH:MM in the schedule's time zone; 00:00 when left out.",
                ),
            ),
            opt(
                "start",
                json!({
                    "description": format!("The day of the first handoff, YYYY-MM-DD; nobody from this rotation is on call before it. {} (a Monday) when left out.", DEFAULT_START),
                    "type": "string",
                    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                    "format": "date",
                }),
            ),
            opt(
                "restrictions",
                list(
                    "When this rotation is on call; at all hours when left out. Windows of one rotation may not overlap.",
                    restriction(),
                ),
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
                "severity",
                reference(Kind::Severity, "The incident has exactly this severity"),
            ),
            opt(
                "drill",
                json!({"description": "Whether the incident is a drill.", "type": "boolean"}),
            ),
            opt(
                "milestone_reached",
                milestone("The incident has reached this milestone."),
            ),
        ],
    )
}

fn milestone(description: &str) -> Value {
    let milestones: Vec<&str> = Milestone::ALL.iter().map(|m| m.as_str()).collect();
    words(description, &milestones)
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
            req("action", words("What the step does.", &STEP_ACTIONS)),
            opt("role", role),
            opt(
                "schedule",
                reference(
                    Kind::Schedule,
                    "assign_role: whoever this schedule has on call takes the role (else whoever declared)",
                ),
            ),
            opt(
                "user",
                def("email", "assign_role: this person takes the role."),
            ),
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
            opt(
                "template",
                text("post_update: the update template (the severity's default when left out)."),
            ),
            opt(
                "after",
                duration("Run this long after the runbook attaches (at most 7d)."),
            ),
            opt(
                "at_milestone",
                milestone("Run when the incident reaches this milestone."),
            ),
            opt(
                "after_step",
                text("Run once this earlier step (by name) is done."),
            ),
            opt(
                "repeat",
                object(
                    "Run again on an interval until a milestone, e.g. every 30m until mitigated.",
                    vec![
                        req("every", duration("How often, from 1m to 24h.")),
                        req(
                            "until",
                            milestone("Stop once the incident reaches this milestone."),
                        ),
                    ],
                ),
            ),
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
                opt(
                    "event",
                    json!({"description": "Something muster sees happen.", "type": "string",
                           "enum": crate::scenarios::EVENTS}),
                ),
                opt("role", text("Someone holds this role.")),
                opt("action", text("What someone does; a person marks it done.")),
            ],
        ),
        json!({"oneOf": [present("milestone"), present("event"), present("role"), present("action")]}),
    )
}
