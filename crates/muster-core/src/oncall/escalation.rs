//! Escalation policies and notification rules, as timetables: when each
//! step of a page fires, when each of a person's contact methods is tried,
//! and what is due next given what has fired. The engine (which stores
//! pages and claims due work) asks; these answer.

use jiff::{SignedDuration, Timestamp};

use crate::contact::{ContactKind, ContactMethod};
use crate::error::FieldError;

/// Whom a step notifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A person, by email.
    User(String),
    /// Whoever the schedule has on call when the step fires.
    Schedule(String),
    /// The team's own escalation policy's on-call.
    Team(String),
}

/// Notify `targets`, then wait `delay` before the next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub targets: Vec<Target>,
    pub delay: SignedDuration,
}

/// Steps in order; when the last step's delay passes unacknowledged, the
/// whole policy runs again, `repeat` more times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPolicy {
    steps: Vec<Step>,
    repeat: u32,
}

/// The longest wait between two steps.
pub const MAX_STEP_DELAY: SignedDuration = SignedDuration::from_hours(24);
/// The most times a policy may run again.
pub const MAX_REPEAT: u32 = 10;

/// One step firing of one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firing {
    /// 0 for the first run through the policy, 1 for the first repeat, …
    pub round: u32,
    pub step: usize,
    pub due_at: Timestamp,
}

/// Where a page stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageState {
    Triggered,
    Acknowledged,
    Resolved,
}

/// What the engine should do next for a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Fire this step now (it is due).
    Fire(Firing),
    /// Nothing is due before this instant.
    WaitUntil(Timestamp),
    /// Acknowledged, resolved, or every step of every round has fired.
    Done,
}

impl EscalationPolicy {
    pub fn new(steps: Vec<Step>, repeat: u32) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if steps.is_empty() {
            errors.push(FieldError::new("steps", "a policy needs at least one step"));
        }
        for (i, step) in steps.iter().enumerate() {
            if step.targets.is_empty() {
                errors.push(FieldError::new(
                    format!("steps[{i}].targets"),
                    "every step needs at least one target",
                ));
            }
            if step.delay.is_negative() || step.delay > MAX_STEP_DELAY {
                errors.push(FieldError::new(
                    format!("steps[{i}].delay"),
                    "a delay is between 0 and 24 hours",
                ));
            }
            for (j, target) in step.targets.iter().enumerate() {
                let name = match target {
                    Target::User(n) | Target::Schedule(n) | Target::Team(n) => n,
                };
                if name.trim().is_empty() {
                    errors.push(FieldError::new(
                        format!("steps[{i}].targets[{j}]"),
                        "a target needs a name",
                    ));
                }
            }
        }
        if repeat > MAX_REPEAT {
            errors.push(FieldError::new(
                "repeat",
                format!("a policy repeats at most {MAX_REPEAT} times"),
            ));
        }
        if errors.is_empty() {
            Ok(Self { steps, repeat })
        } else {
            Err(errors)
        }
    }

    /// A policy already known to be sound (built here from checked parts).
    pub(crate) fn from_parts(steps: Vec<Step>, repeat: u32) -> Self {
        Self { steps, repeat }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// How many more times the whole policy runs after the first.
    pub fn repeat(&self) -> u32 {
        self.repeat
    }

    /// How many step firings one page gets if nobody acknowledges it.
    pub fn firings_per_page(&self) -> u32 {
        let steps = u32::try_from(self.steps.len()).unwrap_or(u32::MAX);
        steps.saturating_mul(self.repeat.saturating_add(1))
    }

    /// Which step firing number `fired` is: `(round, step index)`.
    pub fn position(&self, fired: u32) -> Option<(u32, usize)> {
        if fired >= self.firings_per_page() || self.steps.is_empty() {
            return None;
        }
        let per_round = u32::try_from(self.steps.len()).ok()?;
        Some((fired / per_round, usize::try_from(fired % per_round).ok()?))
    }

    /// Every step firing of a page triggered at `triggered`, in order, if
    /// nobody acknowledges it.
    pub fn firings(&self, triggered: Timestamp) -> Vec<Firing> {
        let mut out = Vec::with_capacity(self.steps.len() * (self.repeat as usize + 1));
        let mut due = triggered;
        for round in 0..=self.repeat {
            for (step, definition) in self.steps.iter().enumerate() {
                out.push(Firing {
                    round,
                    step,
                    due_at: due,
                });
                due = due.saturating_add(definition.delay).unwrap_or(due);
            }
        }
        out
    }

    /// What to do for a page triggered at `triggered` of which `fired` step
    /// firings have happened, at `now`. A firing that is late (the engine was
    /// down) fires now, once: the count, not the clock, says what happened.
    pub fn next(
        &self,
        triggered: Timestamp,
        fired: usize,
        state: PageState,
        now: Timestamp,
    ) -> Next {
        if state != PageState::Triggered {
            return Next::Done;
        }
        match self.firings(triggered).get(fired) {
            None => Next::Done,
            Some(firing) if firing.due_at <= now => Next::Fire(*firing),
            Some(firing) => Next::WaitUntil(firing.due_at),
        }
    }
}

/// Try a contact method of this kind `after` the person is notified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationRule {
    pub kind: ContactKind,
    pub after: SignedDuration,
}

/// One contact attempt for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub method: ContactMethod,
    pub due_at: Timestamp,
}

/// The default when a person set no rules: every contact method at once.
pub fn attempts(
    rules: &[NotificationRule],
    methods: &[ContactMethod],
    notified_at: Timestamp,
) -> Vec<Attempt> {
    let mut out = Vec::new();
    if rules.is_empty() {
        for method in methods {
            out.push(Attempt {
                method: method.clone(),
                due_at: notified_at,
            });
        }
        return out;
    }
    for rule in rules {
        for method in methods.iter().filter(|m| m.kind == rule.kind) {
            out.push(Attempt {
                method: method.clone(),
                due_at: notified_at
                    .saturating_add(rule.after)
                    .unwrap_or(notified_at),
            });
        }
    }
    out.sort_by_key(|a| a.due_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).expect("valid")
    }

    fn step(target: &str, minutes: i64) -> Step {
        Step {
            targets: vec![Target::Schedule(target.into())],
            delay: SignedDuration::from_mins(minutes),
        }
    }

    fn policy() -> EscalationPolicy {
        EscalationPolicy::new(vec![step("primary", 15), step("secondary", 10)], 1).expect("valid")
    }

    #[test]
    fn steps_fire_after_the_delays_and_the_policy_repeats() {
        let due: Vec<(u32, usize, i64)> = policy()
            .firings(t(0))
            .iter()
            .map(|f| (f.round, f.step, f.due_at.duration_since(t(0)).as_mins()))
            .collect();
        assert_eq!(due, [(0, 0, 0), (0, 1, 15), (1, 0, 25), (1, 1, 40)]);
    }

    #[test]
    fn the_next_firing_depends_on_what_fired_and_the_page_state() {
        let policy = policy();
        assert_eq!(
            policy.next(t(0), 0, PageState::Triggered, t(0)),
            Next::Fire(Firing {
                round: 0,
                step: 0,
                due_at: t(0)
            })
        );
        assert_eq!(
            policy.next(t(0), 1, PageState::Triggered, t(60)),
            Next::WaitUntil(t(15 * 60))
        );
        // Late (the engine was down): still fires, once per count.
        assert!(matches!(
            policy.next(t(0), 1, PageState::Triggered, t(3600)),
            Next::Fire(Firing {
                round: 0,
                step: 1,
                ..
            })
        ));
        assert_eq!(
            policy.next(t(0), 4, PageState::Triggered, t(9999)),
            Next::Done
        );
        assert_eq!(
            policy.next(t(0), 1, PageState::Acknowledged, t(9999)),
            Next::Done
        );
        assert_eq!(policy.next(t(0), 0, PageState::Resolved, t(0)), Next::Done);
    }

    #[test]
    fn bad_policies_name_the_field() {
        let errors = EscalationPolicy::new(
            vec![
                Step {
                    targets: vec![],
                    delay: SignedDuration::from_mins(5),
                },
                Step {
                    targets: vec![Target::User(" ".into())],
                    delay: SignedDuration::from_hours(25),
                },
            ],
            11,
        )
        .expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "steps[0].targets",
                "steps[1].delay",
                "steps[1].targets[0]",
                "repeat"
            ]
        );
        assert!(EscalationPolicy::new(vec![], 0).is_err());
    }

    #[test]
    fn notification_rules_order_a_persons_contact_methods() {
        let method = |kind: ContactKind, address: &str| ContactMethod {
            kind,
            address: address.into(),
            label: String::new(),
        };
        let methods = [
            method(ContactKind::Email, "ana@example.com"),
            method(ContactKind::Sms, "+14155550123"),
            method(ContactKind::Voice, "+14155550123"),
        ];
        let rules = [
            NotificationRule {
                kind: ContactKind::Voice,
                after: SignedDuration::from_mins(5),
            },
            NotificationRule {
                kind: ContactKind::Email,
                after: SignedDuration::ZERO,
            },
            NotificationRule {
                kind: ContactKind::Sms,
                after: SignedDuration::from_mins(2),
            },
        ];
        let plan: Vec<(ContactKind, i64)> = attempts(&rules, &methods, t(0))
            .iter()
            .map(|a| (a.method.kind, a.due_at.duration_since(t(0)).as_mins()))
            .collect();
        assert_eq!(
            plan,
            [
                (ContactKind::Email, 0),
                (ContactKind::Sms, 2),
                (ContactKind::Voice, 5)
            ]
        );
        // No rules: everything at once. No methods: nothing to try.
        assert_eq!(attempts(&[], &methods, t(0)).len(), 3);
        assert!(attempts(&rules, &[], t(0)).is_empty());
    }
}
