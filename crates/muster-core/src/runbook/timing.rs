//! When a step runs: at once, after a delay, at a milestone or once an
//! earlier step is done; and whether it repeats until a milestone
//! ("every 30 min until mitigated").

use jiff::SignedDuration;

use crate::duration::human;
use crate::error::FieldError;
use crate::milestone::Milestone;

/// The longest a step may wait after its runbook attaches.
pub const MAX_STEP_DELAY: SignedDuration = SignedDuration::from_hours(7 * 24);
/// The shortest interval a step may repeat on: anything faster is noise.
pub const MIN_REPEAT_EVERY: SignedDuration = SignedDuration::from_mins(1);
/// The longest interval a step may repeat on.
pub const MAX_REPEAT_EVERY: SignedDuration = SignedDuration::from_hours(24);

/// An earlier step, as the plan names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRef {
    /// By position, from 0.
    Index(usize),
    /// By its name; a validated runbook holds only [`StepRef::Index`].
    Name(String),
}

/// When a step's first run falls due.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StepStart {
    /// As the runbook attaches.
    #[default]
    Immediately,
    /// This long after the runbook attaches.
    After(SignedDuration),
    /// When the incident reaches the milestone (at once, if it already has).
    AtMilestone(Milestone),
    /// When the first run of an earlier step is done.
    AfterStep(StepRef),
}

/// Run again every `every`, counted from the previous run's start, until
/// the incident reaches `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRepeat {
    /// From [`MIN_REPEAT_EVERY`] to [`MAX_REPEAT_EVERY`].
    pub every: SignedDuration,
    /// Acknowledged or later: earlier milestones are reached on declaring.
    pub until: Milestone,
}

/// A step's timetable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepTiming {
    /// When the first run falls due.
    pub start: StepStart,
    /// Whether, and how, it runs again; `None` runs it once.
    pub repeat: Option<StepRepeat>,
}

impl StepTiming {
    /// When the step runs, in words; `names` are the runbook's step names,
    /// in order: "after 10m, every 30m until mitigated".
    pub fn describe(&self, names: &[&str]) -> String {
        let start = match &self.start {
            StepStart::Immediately => "at once".to_owned(),
            StepStart::After(delay) => format!("after {}", human(*delay)),
            StepStart::AtMilestone(milestone) => format!("when {milestone}"),
            StepStart::AfterStep(StepRef::Index(index)) => match names.get(*index) {
                Some(name) => format!("after {name:?}"),
                None => format!("after step {}", index + 1),
            },
            StepStart::AfterStep(StepRef::Name(name)) => format!("after {name:?}"),
        };
        match &self.repeat {
            Some(repeat) => format!(
                "{start}, every {} until {}",
                human(repeat.every),
                repeat.until
            ),
            None => start,
        }
    }

    /// Every problem with the timetable of the step at `index` among
    /// `names` (every step's name, in order), each under `at.<field>`;
    /// on success the timing with its step reference resolved to an index.
    pub(crate) fn resolved(
        &self,
        at: &str,
        index: usize,
        names: &[&str],
    ) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut start = self.start.clone();
        match &self.start {
            StepStart::After(delay) if delay.is_negative() || *delay > MAX_STEP_DELAY => {
                problems.push(FieldError::new(
                    format!("{at}.after"),
                    format!("expected a delay from 0s to 7 days, got {}", human(*delay)),
                ));
            }
            StepStart::AfterStep(reference) => match earlier(reference, index, names) {
                Ok(step) => start = StepStart::AfterStep(StepRef::Index(step)),
                Err(message) => problems.push(FieldError::new(format!("{at}.after_step"), message)),
            },
            _ => {}
        }
        if let Some(repeat) = &self.repeat {
            if repeat.every < MIN_REPEAT_EVERY || repeat.every > MAX_REPEAT_EVERY {
                problems.push(FieldError::new(
                    format!("{at}.repeat.every"),
                    format!(
                        "expected an interval from 1m to 24h, got {}",
                        human(repeat.every)
                    ),
                ));
            }
            // Started and detected are set as the incident is declared: a
            // step repeating until then could never run.
            if repeat.until <= Milestone::Detected {
                problems.push(FieldError::new(
                    format!("{at}.repeat.until"),
                    format!(
                        "expected acknowledged, mitigated, resolved or closed, got {}",
                        repeat.until
                    ),
                ));
            }
            if let StepStart::AtMilestone(first) = self.start
                && repeat.until <= first
            {
                problems.push(FieldError::new(
                    format!("{at}.repeat.until"),
                    format!(
                        "the step starts at {first}, so repeating until {} would stop it before it runs",
                        repeat.until
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(Self {
                start,
                repeat: self.repeat,
            })
        } else {
            Err(problems)
        }
    }
}

/// The index of the earlier step `reference` names, or what is wrong.
fn earlier(reference: &StepRef, index: usize, names: &[&str]) -> Result<usize, String> {
    match reference {
        StepRef::Index(step) if *step < index => Ok(*step),
        StepRef::Index(step) => Err(format!(
            "expected an earlier step (1 to {index}), got step {}",
            step + 1
        )),
        StepRef::Name(name) => {
            let name = name.trim();
            let matching: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.trim() == name)
                .map(|(i, _)| i)
                .collect();
            match matching.as_slice() {
                [step] if *step < index => Ok(*step),
                [_] => Err(format!(
                    "expected an earlier step, got {name:?}, which comes later (or is this one)"
                )),
                [] => Err(format!(
                    "expected the name of an earlier step, got {name:?}"
                )),
                _ => Err(format!("{name:?} names several steps; name each step once")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["Page identity", "Take command", "First checks"];

    fn resolve(timing: StepTiming, index: usize) -> Result<StepTiming, Vec<String>> {
        timing
            .resolved("steps[2]", index, &NAMES)
            .map_err(|e| e.into_iter().map(|e| e.to_string()).collect())
    }

    fn after_step(reference: StepRef) -> StepTiming {
        StepTiming {
            start: StepStart::AfterStep(reference),
            repeat: None,
        }
    }

    #[test]
    fn a_step_name_resolves_to_the_earlier_step() {
        let resolved = resolve(after_step(StepRef::Name("Page identity".into())), 2).unwrap();
        assert_eq!(resolved.start, StepStart::AfterStep(StepRef::Index(0)));
        assert_eq!(
            resolve(after_step(StepRef::Name("First checks".into())), 1).unwrap_err(),
            [
                "steps[2].after_step: expected an earlier step, got \"First checks\", which comes later (or is this one)"
            ]
        );
        assert_eq!(
            resolve(after_step(StepRef::Index(2)), 2).unwrap_err(),
            ["steps[2].after_step: expected an earlier step (1 to 2), got step 3"]
        );
        assert!(resolve(after_step(StepRef::Name("Nope".into())), 2).is_err());
    }

    #[test]
    fn delays_and_intervals_are_bounded() {
        let delayed = |mins| StepTiming {
            start: StepStart::After(SignedDuration::from_mins(mins)),
            repeat: None,
        };
        assert!(resolve(delayed(30), 0).is_ok());
        assert_eq!(
            resolve(delayed(-1), 0).unwrap_err(),
            ["steps[2].after: expected a delay from 0s to 7 days, got -1m"]
        );
        let repeating = |secs, until| StepTiming {
            start: StepStart::Immediately,
            repeat: Some(StepRepeat {
                every: SignedDuration::from_secs(secs),
                until,
            }),
        };
        assert!(resolve(repeating(1800, Milestone::Mitigated), 0).is_ok());
        assert_eq!(
            resolve(repeating(30, Milestone::Detected), 0)
                .unwrap_err()
                .len(),
            2
        );
    }

    #[test]
    fn timetables_read_as_people_say_them() {
        let names = ["Page identity", "Tell support"];
        let timing = |start, repeat| StepTiming { start, repeat };
        assert_eq!(
            timing(StepStart::Immediately, None).describe(&names),
            "at once"
        );
        assert_eq!(
            timing(StepStart::After(SignedDuration::from_mins(90)), None).describe(&names),
            "after 1h 30m"
        );
        assert_eq!(
            timing(
                StepStart::AfterStep(StepRef::Index(0)),
                Some(StepRepeat {
                    every: SignedDuration::from_mins(30),
                    until: Milestone::Mitigated,
                }),
            )
            .describe(&names),
            "after \"Page identity\", every 30m until mitigated"
        );
        assert_eq!(
            timing(StepStart::AtMilestone(Milestone::Resolved), None).describe(&names),
            "when resolved"
        );
    }

    #[test]
    fn a_repeat_that_ends_before_it_starts_is_refused() {
        let timing = StepTiming {
            start: StepStart::AtMilestone(Milestone::Mitigated),
            repeat: Some(StepRepeat {
                every: SignedDuration::from_mins(30),
                until: Milestone::Mitigated,
            }),
        };
        let problems = resolve(timing, 0).unwrap_err();
        assert!(
            problems[0].contains("would stop it before it runs"),
            "{problems:?}"
        );
    }
}
