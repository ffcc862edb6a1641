//! An `EscalationPolicy` document's body into the core's
//! [`PolicyDefinition`]. A step's delay is the wait after it pages before
//! the next step (after the last step: before the policy runs again), as
//! `delay_minutes: 15` or `delay: 15m`.

use jiff::SignedDuration;
use muster_core::oncall::PolicyDefinition;
use muster_core::oncall::escalation::{EscalationPolicy, MAX_STEP_DELAY, Step, Target};
use muster_core::plan::PlanDocument;
use serde_json::{Map, Value};

use super::read::{self, Issue, Path, Reader};
use crate::plan::check::fields::{DELAY_MINUTES, REPEAT};
use crate::plan::rules;

/// A policy as read: the definition or its problems, and every target
/// found on the way (for the checks that need the whole plan), with the
/// path of the target and its name as written.
pub(crate) struct Reading {
    pub result: Result<PolicyDefinition, Vec<Issue>>,
    pub targets: Vec<(Path, Target, String)>,
}

fn target(r: &mut Reader, object: &Map<String, Value>, at: &Path) -> Option<(Target, String)> {
    let before = r.issues.len();
    let schedule = r.str(object, at, "schedule");
    let team = r.str(object, at, "team");
    let user = r.str(object, at, "user");
    if r.issues.len() > before {
        return None;
    }
    match (schedule, team, user) {
        (Some(name), None, None) => Some((Target::Schedule(name.trim().to_owned()), name.into())),
        (None, Some(slug), None) => Some((Target::Team(slug.trim().to_lowercase()), slug.into())),
        (None, None, Some(raw)) => {
            let email = r.email(&at.key("user"), raw)?;
            Some((Target::User(email), raw.into()))
        }
        _ => {
            r.report(
                at,
                None,
                rules::INVALID_FIELD,
                "a target is exactly one of schedule, team or user",
            );
            None
        }
    }
}

/// The wait after a step: `delay_minutes` or `delay`, never both; none is 0.
fn delay(r: &mut Reader, object: &Map<String, Value>, at: &Path) -> Option<SignedDuration> {
    if Reader::given(object, "delay") && Reader::given(object, "delay_minutes") {
        r.report(
            &at.key("delay"),
            None,
            rules::INVALID_FIELD,
            "give delay or delay_minutes, not both",
        );
        return None;
    }
    if Reader::given(object, "delay_minutes") {
        return r
            .integer(object, at, "delay_minutes", DELAY_MINUTES)
            .map(SignedDuration::from_mins);
    }
    let before = r.issues.len();
    let Some(raw) = r.str(object, at, "delay") else {
        return (r.issues.len() == before).then_some(SignedDuration::ZERO);
    };
    let parsed = raw.trim().parse::<SignedDuration>();
    match parsed {
        Ok(delay) if !delay.is_negative() && delay <= MAX_STEP_DELAY => Some(delay),
        Ok(_) => {
            r.report(
                &at.key("delay"),
                Some(raw),
                rules::INVALID_DURATION,
                format!("expected a wait from 0s to 24h, got {raw:?}"),
            );
            None
        }
        Err(_) => {
            r.report(
                &at.key("delay"),
                Some(raw),
                rules::INVALID_DURATION,
                format!("expected a duration such as 30s, 15m or 1h, got {raw:?}"),
            );
            None
        }
    }
}

/// The policy a body describes, or every problem with it.
pub(crate) fn read(doc: &PlanDocument) -> Reading {
    let mut targets = Vec::new();
    let body = match read::body(&doc.body) {
        Ok(body) => body,
        Err(issue) => {
            return Reading {
                result: Err(vec![issue]),
                targets,
            };
        }
    };
    let mut r = Reader::default();
    let top = Path::default();
    let description = r
        .str(&body, &top, "description")
        .unwrap_or_default()
        .to_owned();
    let before = r.issues.len();
    let listed = r.objects(&body, &top, "steps");
    if listed.as_ref().is_none_or(Vec::is_empty) && r.issues.len() == before {
        r.report(
            &top.key("steps"),
            None,
            rules::INVALID_FIELD,
            "list at least one step",
        );
    }
    let mut steps = Vec::new();
    for (path, object) in listed.unwrap_or_default() {
        let before = r.issues.len();
        let listed = r.objects(object, &path, "targets");
        if listed.as_ref().is_none_or(Vec::is_empty) && r.issues.len() == before {
            r.report(
                &path.key("targets"),
                None,
                rules::INVALID_FIELD,
                "every step needs at least one target",
            );
        }
        let mut step_targets = Vec::new();
        for (at, item) in listed.unwrap_or_default() {
            if let Some((target, raw)) = target(&mut r, item, &at) {
                targets.push((at, target.clone(), raw));
                step_targets.push(target);
            }
        }
        if let Some(delay) = delay(&mut r, object, &path) {
            steps.push(Step {
                targets: step_targets,
                delay,
            });
        }
    }
    let repeat = r.integer(&body, &top, "repeat", REPEAT).unwrap_or(0);
    // Every round firing at the same instant pages everyone repeat + 1
    // times at once: a policy that repeats must wait somewhere.
    if repeat > 0 && !steps.is_empty() && steps.iter().all(|s| s.delay.is_zero()) {
        r.report(
            &top.key("repeat"),
            None,
            rules::INVALID_FIELD,
            "the policy would repeat at once: give the last step a delay (the wait before the policy runs again)",
        );
    }
    if !r.issues.is_empty() {
        return Reading {
            result: Err(r.issues),
            targets,
        };
    }
    let result = EscalationPolicy::new(steps, u32::try_from(repeat).unwrap_or(0))
        .map(|policy| PolicyDefinition {
            name: doc.name.clone(),
            owner: doc.owner.clone(),
            description,
            policy,
        })
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|error| Issue {
                    path: Path::parse(&error.field),
                    value: None,
                    rule: rules::INVALID_FIELD,
                    message: error.message,
                })
                .collect()
        });
    Reading { result, targets }
}
