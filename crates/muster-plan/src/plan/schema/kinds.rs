//! Each kind's own fields: the catalog, severities and who is told.

use muster_core::catalog::{Criticality, Lifecycle, TIER_MAX};
use muster_core::text::{LONG_TEXT_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX};
use serde_json::{Value, json};

use super::build::{
    Field, bounded, def, given, integer, list, nonempty, object, opt, present, reference, req,
    text, with, words,
};
use super::procedures::{
    escalation_step, rotation, runbook_conditions, runbook_step, timeline_entry,
};
use crate::alerting::{ORDER, SOURCES};
use crate::plan::Kind;
use crate::plan::check::fields::{
    AFTER_MINUTES, CHANNELS, CONDITIONS, FUNCTIONS, NEXT_BUSINESS_MORNING, RANK, REPEAT, WHEN_WORDS,
};
use muster_core::alert::AlertSeverity;

/// Each kind's own fields, and any keywords relating them (`allOf`).
pub(super) fn own_fields(kind: Kind) -> (Vec<Field>, Value) {
    let description = || opt("description", text("What this is, in a sentence or two."));
    match kind {
        Kind::Severity => (
            vec![
                req(
                    "rank",
                    integer("1 is the worst; higher ranks are milder.", RANK),
                ),
                description(),
                opt(
                    "update_every",
                    super::integrations::duration(
                        "An internal update is owed this often, from 5m to 24h, until resolved; \
                         when it is late muster reminds the communications lead, then the commander.",
                    ),
                ),
                opt(
                    "update_template",
                    text(
                        "The update template its updates use by default (an UpdateTemplate, or `internal`).",
                    ),
                ),
            ],
            json!({}),
        ),
        Kind::SeverityMatrix => (
            vec![req(
                "rules",
                nonempty(
                    "Rules giving the severity from what broke and how.",
                    matrix_rule(),
                ),
            )],
            json!({}),
        ),
        Kind::Role => (vec![description()], json!({})),
        Kind::TaskForce => (task_force(), json!({})),
        Kind::StakeholderGroup => stakeholders(),
        Kind::Team => (team(), json!({})),
        Kind::Service => service(),
        Kind::Functionality => (
            vec![
                opt(
                    "title",
                    bounded("The name people read; the name when left out.", TITLE_MAX),
                ),
                req(
                    "owner",
                    json!({"$ref": "#/$defs/owner", "description": "The team that owns it (the name of a Team); every functionality needs one."}),
                ),
                opt(
                    "description",
                    bounded(
                        "How customers describe it, and how they describe it breaking.",
                        LONG_TEXT_MAX,
                    ),
                ),
                opt(
                    "aliases",
                    list(
                        "Other words customers use (\"sign in\", \"can't log in\").",
                        json!({"type": "string", "pattern": "\\S", "maxLength": TITLE_MAX}),
                    ),
                ),
                opt(
                    "services",
                    list(
                        "The services behind it.",
                        reference(Kind::Service, "A service"),
                    ),
                ),
            ],
            json!({}),
        ),
        Kind::EscalationPolicy => (
            vec![
                description(),
                req(
                    "steps",
                    nonempty(
                        "Who is paged, step by step, until someone acknowledges.",
                        escalation_step(),
                    ),
                ),
                opt(
                    "repeat",
                    integer(
                        "How many more times the steps run when nobody acknowledges.",
                        REPEAT,
                    ),
                ),
            ],
            json!({}),
        ),
        Kind::Schedule => (
            vec![
                description(),
                req(
                    "time_zone",
                    def(
                        "time_zone",
                        "The time zone handoff times and restrictions are in.",
                    ),
                ),
                req(
                    "rotations",
                    nonempty(
                        "Rotations, each a layer with its participants and shift. Where several have someone on call, the one listed last wins; a rotation that a later one (on call at all hours, started no later) always hides is refused.",
                        rotation(),
                    ),
                ),
            ],
            json!({}),
        ),
        Kind::Runbook => (
            vec![
                opt("conditions", runbook_conditions()),
                req("steps", nonempty("What to do, in order.", runbook_step())),
            ],
            json!({}),
        ),
        Kind::Scenario => (
            vec![
                description(),
                req(
                    "runbooks",
                    nonempty(
                        "The runbooks this scenario exercises.",
                        reference(Kind::Runbook, "A runbook"),
                    ),
                ),
                opt(
                    "expected_timeline",
                    list(
                        "What should happen when, from the start of the incident.",
                        timeline_entry(),
                    ),
                ),
                opt(
                    "action_items",
                    list("What to do before it happens.", json!({"type": "string"})),
                ),
            ],
            json!({}),
        ),
        Kind::StatusPageComponent => (
            vec![
                opt(
                    "functionality",
                    reference(
                        Kind::Functionality,
                        "What customers see through this component",
                    ),
                ),
                opt("group", text("The heading the component is listed under.")),
                opt(
                    "title",
                    text(
                        "Its name as customers read it (\"Checkout\"); the document's name by default.",
                    ),
                ),
                opt("description", text("One sentence customers see beside it.")),
                opt(
                    "position",
                    integer(
                        "Where it is listed: lower first, then by name.",
                        (0, 10_000),
                    ),
                ),
            ],
            json!({}),
        ),
        Kind::AlertRoutes => alert_routes(),
        Kind::Integration => super::integrations::integration(),
        Kind::UpdateTemplate => (
            vec![
                req(
                    "body",
                    text(
                        "A minijinja template over incident, title, severity, status, impact, \
                         commander, next_update, link and drill.",
                    ),
                ),
                description(),
            ],
            json!({}),
        ),
        Kind::RetrospectiveTemplate => (
            vec![req(
                "sections",
                nonempty(
                    "The headings a retrospective starts with.",
                    json!({"type": "string"}),
                ),
            )],
            json!({}),
        ),
    }
}

fn alert_routes() -> (Vec<Field>, Value) {
    let target = with(
        object(
            "Exactly one of service or functionality.",
            vec![
                opt(
                    "service",
                    reference(Kind::Service, "The service the alert is about"),
                ),
                opt(
                    "functionality",
                    reference(Kind::Functionality, "The functionality the alert is about"),
                ),
            ],
        ),
        json!({"oneOf": [present("service"), present("functionality")]}),
    );
    let levels: Vec<&str> = AlertSeverity::ALL.iter().map(|l| l.as_str()).collect();
    let rule = object(
        "One rule: when it matches, what happens. At most one of page, notify, open_incident, drop; without one, a later rule (or paging) decides.",
        vec![
            req(
                "name",
                text("What people call the rule (shown in \"why did this page?\")."),
            ),
            opt(
                "match",
                list(
                    "Label matchers, all of which must hold: name=value, name!=value, name=~regex, name!~regex.",
                    json!({"type": "string"}),
                ),
            ),
            opt(
                "min_severity",
                words("The alert is at least this severe.", &levels),
            ),
            opt(
                "sources",
                list(
                    "The alert came from one of these kinds of integration.",
                    words("A source kind.", &SOURCES),
                ),
            ),
            opt(
                "summary_contains",
                text("The summary contains this text (any case)."),
            ),
            opt("route_to", target),
            opt("set_severity", words("Re-rate the alert.", &levels)),
            opt(
                "page",
                json!({"description": "Page through the target's escalation policy.", "type": "boolean"}),
            ),
            opt(
                "notify",
                text("Post to this channel only; nobody is paged."),
            ),
            opt(
                "open_incident",
                text("Declare an incident at this severity (e.g. SEV2) and attach the alert."),
            ),
            opt(
                "drop",
                json!({"description": "Keep the alert, tell nobody.", "type": "boolean"}),
            ),
            opt(
                "continue",
                json!({"description": "Let later rules match too.", "type": "boolean"}),
            ),
            opt(
                "mitigate_on_resolve",
                json!({"description": "Mark the incident mitigated when every attached alert resolves (default true).", "type": "boolean"}),
            ),
        ],
    );
    (
        vec![
            opt(
                "order",
                integer(
                    "Where these rules run among every team's (lower first; 100 when left out).",
                    ORDER,
                ),
            ),
            opt(
                "mitigate_on_resolve",
                json!({"description": "The default for this document's rules.", "type": "boolean"}),
            ),
            req("rules", nonempty("The rules, tried in order.", rule)),
        ],
        json!({}),
    )
}

fn matrix_rule() -> Value {
    object(
        "A rule: this condition of a functionality (this one, or any of this tier) means this severity.",
        vec![
            req(
                "condition",
                words("How the functionality is broken.", &CONDITIONS),
            ),
            opt(
                "tier",
                integer(
                    "Matches functionalities whose services have this tier (1 is the most critical).",
                    (1, i64::from(TIER_MAX)),
                ),
            ),
            opt(
                "functionality",
                reference(Kind::Functionality, "Matches this functionality only"),
            ),
            req(
                "severity",
                reference(Kind::Severity, "The severity the incident gets"),
            ),
        ],
    )
}

fn task_force() -> Vec<Field> {
    let member = with(
        object(
            "A representative: a team, a contact address, or both.",
            vec![
                req("function", words("What the member represents.", &FUNCTIONS)),
                opt(
                    "team",
                    reference(Kind::Team, "The team that represents the function"),
                ),
                opt("contact", def("email", "Who to reach.")),
            ],
        ),
        json!({"anyOf": [present("team"), present("contact")]}),
    );
    vec![
        opt(
            "join_at_severity",
            reference(Kind::Severity, "The severity at which the task force joins"),
        ),
        opt("members", list("The representatives.", member)),
    ]
}

fn stakeholders() -> (Vec<Field>, Value) {
    let when = json!({
        "description": "When the group is told: immediately, after some minutes ({after_minutes: N}) or the next business morning in the group's time zone.",
        "anyOf": [
            {"type": "string", "enum": WHEN_WORDS},
            object("After this many minutes.", vec![
                req("after_minutes", integer("Minutes to wait before telling the group.", AFTER_MINUTES)),
            ]),
        ],
    });
    let policy = object(
        "When the group is told about incidents of these severities.",
        vec![
            opt(
                "severities",
                list(
                    "The severities this policy covers.",
                    reference(Kind::Severity, "A severity"),
                ),
            ),
            req("when", when),
        ],
    );
    let channel = object(
        "A way to reach the group.",
        vec![
            req("kind", words("The channel's kind.", &CHANNELS)),
            req("target", text("The address, channel or URL to send to.")),
        ],
    );
    let fields = vec![
        opt(
            "members",
            list("The people in the group.", def("email", "A member.")),
        ),
        opt("channels", list("How the group is told.", channel)),
        opt(
            "time_zone",
            def(
                "time_zone",
                "The group's time zone; needed by next_business_morning.",
            ),
        ),
        req(
            "policies",
            nonempty("When the group is told, by severity.", policy),
        ),
    ];
    // next_business_morning is only meaningful in the group's own time zone.
    let morning = json!({
        "if": {
            "required": ["policies"],
            "properties": {"policies": {"contains": {
                "required": ["when"],
                "properties": {"when": {"const": NEXT_BUSINESS_MORNING}},
            }}},
        },
        "then": given("time_zone"),
    });
    (fields, json!({"allOf": [morning]}))
}

fn team() -> Vec<Field> {
    let member = object(
        "Someone in the team.",
        vec![
            req("email", def("email", "The member's address.")),
            opt(
                "role",
                json!({"description": "Their role in the team; member when left out.", "type": "string", "maxLength": 32, "examples": ["lead", "member"]}),
            ),
        ],
    );
    vec![
        opt(
            "title",
            bounded("The name people read; the name when left out.", TITLE_MAX),
        ),
        opt("description", bounded("What the team does.", LONG_TEXT_MAX)),
        opt(
            "contact_channel",
            bounded(
                "Where the team talks, e.g. #payments or an email list.",
                TITLE_MAX,
            ),
        ),
        opt(
            "escalation_policy",
            reference(
                Kind::EscalationPolicy,
                "How the team is paged; needed once it owns anything",
            ),
        ),
        opt("members", list("The people in the team.", member)),
    ]
}

fn service() -> (Vec<Field>, Value) {
    let lifecycles: Vec<&str> = Lifecycle::ALL.iter().map(|l| l.as_str()).collect();
    let criticalities: Vec<&str> = Criticality::ALL.iter().map(|c| c.as_str()).collect();
    let dependency = object(
        "A service this one needs.",
        vec![
            req(
                "service",
                reference(Kind::Service, "The service depended on"),
            ),
            opt(
                "criticality",
                words(
                    "hard: this service fails too (the default); soft: it degrades but works.",
                    &criticalities,
                ),
            ),
        ],
    );
    let tag =
        json!({"type": "string", "pattern": r"^\s*[\p{L}\p{N}_:./-]+\s*$", "maxLength": TAG_MAX});
    let fields = vec![
        opt(
            "title",
            bounded("The name people read; the name when left out.", TITLE_MAX),
        ),
        opt(
            "owner",
            json!({"$ref": "#/$defs/owner", "description": "The team that owns it (the name of a Team); a production service needs one."}),
        ),
        opt(
            "tier",
            integer(
                "How critical it is: 1 is the most critical.",
                (1, i64::from(TIER_MAX)),
            ),
        ),
        opt(
            "type",
            json!({"description": "What kind of thing it is; service when left out.", "type": "string", "examples": ["service", "website", "database", "queue"]}),
        ),
        opt(
            "lifecycle",
            words(
                "Where it is in its life; production when left out. Only production services must be owned.",
                &lifecycles,
            ),
        ),
        opt("description", bounded("What it does.", LONG_TEXT_MAX)),
        opt(
            "rollback_plan",
            bounded("How to roll it back, written for 3 a.m.", LONG_TEXT_MAX),
        ),
        opt(
            "links",
            list(
                "Dashboards, repositories and other links.",
                def("link", "A link."),
            ),
        ),
        opt(
            "runbooks",
            list("Links to its runbooks.", def("link", "A link.")),
        ),
        opt(
            "tags",
            with(
                list("Grouping tags: letters, digits and - _ : . /", tag),
                json!({"maxItems": TAGS_MAX}),
            ),
        ),
        opt(
            "depends_on",
            list("What it needs, and how badly.", dependency),
        ),
    ];
    // Soundness: a production service (the default lifecycle) needs an owner.
    let production: Vec<Value> = vec![json!(Lifecycle::Production.as_str()), Value::Null];
    let owned = json!({
        "if": {"properties": {"lifecycle": {"enum": production}}},
        "then": present("owner"),
    });
    (fields, json!({"allOf": [owned]}))
}
