use proptest::prelude::*;

use super::*;
use crate::catalog::Slug;
use crate::runbook::{Conditions, RunStatus, RunbookStep, StepAction, StepRepeat, StepTiming};

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + minutes * 60).unwrap()
}

fn step(
    name: &str,
    action: StepAction,
    start: StepStart,
    repeat: Option<StepRepeat>,
) -> RunbookStep {
    RunbookStep {
        name: name.into(),
        action,
        timing: StepTiming { start, repeat },
    }
}

fn page() -> StepAction {
    StepAction::PageTeam {
        team: Slug::parse("team", "identity").unwrap(),
    }
}

fn manual() -> StepAction {
    StepAction::Manual { instructions: None }
}

fn every_30_until_mitigated() -> Option<StepRepeat> {
    Some(StepRepeat {
        every: SignedDuration::from_mins(30),
        until: Milestone::Mitigated,
    })
}

/// Page at once; tell support after 10 minutes; check in once acknowledged;
/// post an update every 30 minutes until mitigated; confirm once paged.
fn attached() -> AttachedRunbook {
    let steps = vec![
        step("Page identity", page(), StepStart::Immediately, None),
        step(
            "Tell support",
            StepAction::NotifyStakeholders {
                group: "customer-support".into(),
            },
            StepStart::After(SignedDuration::from_mins(10)),
            None,
        ),
        step(
            "Check in",
            manual(),
            StepStart::AtMilestone(Milestone::Acknowledged),
            None,
        ),
        step(
            "Update",
            StepAction::PostUpdate { template: None },
            StepStart::Immediately,
            every_30_until_mitigated(),
        ),
        step(
            "Confirm paged",
            manual(),
            StepStart::AfterStep(StepRef::Name("Page identity".into())),
            None,
        ),
    ];
    AttachedRunbook {
        runbook: Runbook::new(RunbookName::new("login"), Conditions::default(), steps).unwrap(),
        attached_at: at(0),
    }
}

fn key(step: usize, occurrence: u32) -> RunKey {
    RunKey {
        runbook: RunbookName::new("login"),
        step,
        occurrence,
    }
}

fn done(step: usize, occurrence: u32, started: i64, finished: i64) -> StepRun {
    StepRun::start(key(step, occurrence), at(started))
        .succeed(at(finished))
        .unwrap()
}

fn next(agenda: &StepAgenda, step: usize) -> &NextRun {
    &agenda.steps[step].next
}

#[test]
fn at_attachment_the_immediate_steps_are_due_and_the_rest_wait() {
    let agenda = agenda(&attached(), &[], &Milestones::default(), at(0));
    let due: Vec<RunKey> = agenda.due().into_iter().map(|(k, _)| k).collect();
    assert_eq!(due, [key(0, 0), key(3, 0)]);
    assert_eq!(
        next(&agenda, 1),
        &NextRun::Scheduled {
            key: key(1, 0),
            due_at: at(10)
        }
    );
    assert_eq!(
        next(&agenda, 2),
        &NextRun::Waiting {
            key: key(2, 0),
            waiting_for: WaitingFor::Milestone(Milestone::Acknowledged)
        }
    );
    assert_eq!(
        next(&agenda, 4),
        &NextRun::Waiting {
            key: key(4, 0),
            waiting_for: WaitingFor::Step {
                index: 0,
                name: "Page identity".into()
            }
        }
    );
    assert_eq!(agenda.next_due_at(), Some(at(10)));
}

#[test]
fn a_delayed_step_falls_due_at_its_time_and_runs_once() {
    let runs = [done(0, 0, 0, 0), done(3, 0, 0, 0)];
    let before = agenda(&attached(), &runs, &Milestones::default(), at(9));
    assert!(matches!(next(&before, 1), NextRun::Scheduled { .. }));
    let then = agenda(&attached(), &runs, &Milestones::default(), at(10));
    assert_eq!(
        next(&then, 1),
        &NextRun::Due {
            key: key(1, 0),
            due_at: at(10)
        }
    );
    let runs = [done(0, 0, 0, 0), done(3, 0, 0, 0), done(1, 0, 10, 10)];
    let after = agenda(&attached(), &runs, &Milestones::default(), at(11));
    assert_eq!(next(&after, 1), &NextRun::Finished);
}

#[test]
fn a_milestone_step_falls_due_when_reached_never_before_attachment() {
    let acknowledged = Milestones::default()
        .reach(Milestone::Acknowledged, at(4))
        .unwrap();
    let agenda_now = agenda(&attached(), &[], &acknowledged, at(5));
    assert_eq!(
        next(&agenda_now, 2),
        &NextRun::Due {
            key: key(2, 0),
            due_at: at(4)
        }
    );
    let earlier = Milestones::default()
        .reach(Milestone::Acknowledged, at(-30))
        .unwrap();
    let late_attach = agenda(&attached(), &[], &earlier, at(0));
    assert_eq!(
        next(&late_attach, 2),
        &NextRun::Due {
            key: key(2, 0),
            due_at: at(0)
        }
    );
}

#[test]
fn a_step_after_another_waits_for_it_to_be_done_not_just_started_or_failed() {
    let started = [StepRun::start(key(0, 0), at(0))];
    let waiting = agenda(&attached(), &started, &Milestones::default(), at(1));
    assert!(matches!(next(&waiting, 4), NextRun::Waiting { .. }));
    let failed = [started[0].fail("no escalation policy", at(1)).unwrap()];
    let still = agenda(&attached(), &failed, &Milestones::default(), at(2));
    assert!(matches!(next(&still, 4), NextRun::Waiting { .. }));
    assert_eq!(still.failed().map(|s| s.step).collect::<Vec<_>>(), [0]);
    let retried_done = [failed[0].retry(at(3)).unwrap().succeed(at(4)).unwrap()];
    let ready = agenda(&attached(), &retried_done, &Milestones::default(), at(4));
    assert_eq!(
        next(&ready, 4),
        &NextRun::Due {
            key: key(4, 0),
            due_at: at(4)
        }
    );
    assert_eq!(ready.failed().count(), 0);
}

#[test]
fn a_repeating_step_runs_one_at_a_time_every_interval_until_its_milestone() {
    let plan = attached();
    let none = Milestones::default();
    let running = [StepRun::start(key(3, 0), at(0))];
    assert_eq!(
        next(&agenda(&plan, &running, &none, at(1)), 3),
        &NextRun::Waiting {
            key: key(3, 1),
            waiting_for: WaitingFor::CurrentRun
        }
    );
    let first = [done(3, 0, 0, 1)];
    assert_eq!(
        next(&agenda(&plan, &first, &none, at(1)), 3),
        &NextRun::Scheduled {
            key: key(3, 1),
            due_at: at(30)
        }
    );
    // Mitigated before the second run falls due: it never does.
    let mitigated = none.reach(Milestone::Mitigated, at(20)).unwrap();
    assert_eq!(
        next(&agenda(&plan, &first, &mitigated, at(21)), 3),
        &NextRun::Finished
    );
    // Mitigated after it fell due but before the engine ran it: still runs.
    let late = none.reach(Milestone::Mitigated, at(31)).unwrap();
    assert_eq!(
        next(&agenda(&plan, &first, &late, at(32)), 3),
        &NextRun::Due {
            key: key(3, 1),
            due_at: at(30)
        }
    );
}

#[test]
fn after_an_outage_a_repeating_step_runs_once_not_once_per_missed_interval() {
    let plan = attached();
    let none = Milestones::default();
    let first = [done(3, 0, 0, 0)];
    // The engine was down from minute 5 to minute 125.
    assert_eq!(
        agenda(&plan, &first, &none, at(125)).due().last(),
        Some(&(key(3, 1), at(30)))
    );
    let caught_up = [done(3, 0, 0, 0), done(3, 1, 125, 125)];
    assert_eq!(
        next(&agenda(&plan, &caught_up, &none, at(126)), 3),
        &NextRun::Scheduled {
            key: key(3, 2),
            due_at: at(155)
        }
    );
}

#[test]
fn a_failed_repeat_still_lets_the_next_one_come() {
    let failed = [StepRun::start(key(3, 0), at(0))
        .fail("template error", at(0))
        .unwrap()];
    let agenda = agenda(&attached(), &failed, &Milestones::default(), at(1));
    assert_eq!(
        next(&agenda, 3),
        &NextRun::Scheduled {
            key: key(3, 1),
            due_at: at(30)
        }
    );
    assert_eq!(agenda.failed().map(|s| s.step).collect::<Vec<_>>(), [3]);
}

#[test]
fn manual_runs_wait_for_a_person_and_other_runbooks_are_ignored() {
    let other = RunKey {
        runbook: RunbookName::new("sev1-kickoff"),
        step: 0,
        occurrence: 0,
    };
    let runs = [
        done(0, 0, 0, 0),
        StepRun::start(key(4, 0), at(1)),
        StepRun::start(other, at(0)),
    ];
    let agenda = agenda(&attached(), &runs, &Milestones::default(), at(2));
    let waiting: Vec<&str> = agenda.awaiting_people().map(|s| s.name.as_str()).collect();
    assert_eq!(waiting, ["Confirm paged"]);
    assert_eq!(agenda.steps[0].runs, 1);
    assert_eq!(next(&agenda, 0), &NextRun::Finished);
    assert_eq!(
        agenda.steps[4].latest.as_ref().map(|r| &r.status),
        Some(&RunStatus::Pending)
    );
}

#[test]
fn the_earliest_timer_across_runbooks_wins() {
    let a = agenda(&attached(), &[], &Milestones::default(), at(0));
    let mut b = a.clone();
    b.steps.truncate(0);
    assert_eq!(next_due_at(&[b, a]), Some(at(10)));
    assert_eq!(next_due_at(&[]), None);
}

/// The milestones at `now` of an incident acknowledged and mitigated at
/// those minutes (mitigation implies acknowledgement by then).
fn milestones_at(acknowledged: Option<i64>, mitigated: Option<i64>, now: Timestamp) -> Milestones {
    let acknowledged = match (acknowledged, mitigated) {
        (Some(a), Some(m)) => Some(a.min(m)),
        (a, None) => a,
        (None, m) => m,
    };
    let mut milestones = Milestones::default();
    for (milestone, minute) in [
        (Milestone::Acknowledged, acknowledged),
        (Milestone::Mitigated, mitigated),
    ] {
        if let Some(instant) = minute.map(at).filter(|i| *i <= now) {
            milestones = milestones.with(milestone, Some(instant)).unwrap();
        }
    }
    milestones
}

proptest! {
    /// An engine that wakes at arbitrary instants and at every timer it
    /// was given, and in each cycle starts whatever is due (finishing
    /// automatic runs at once) until nothing is: no run key starts twice,
    /// occurrences count up from 0 without gaps, repeats are at least their
    /// interval apart and none falls due at or after the milestone that
    /// stops it, and a timer always finds work unless a milestone came.
    #[test]
    fn the_engine_never_runs_a_step_twice_nor_skips_one(
        wakes in proptest::collection::btree_set(0i64..600, 1..40),
        acknowledged in proptest::option::of(0i64..600),
        mitigated in proptest::option::of(0i64..600),
    ) {
        let plan = attached();
        let mut instants: std::collections::BTreeSet<Timestamp> = wakes.into_iter().map(at).collect();
        let mut runs: Vec<StepRun> = Vec::new();
        let mut fell_due: Vec<(RunKey, Timestamp)> = Vec::new();
        let mut timer: Option<(Timestamp, Milestones)> = None;
        let mut last: Option<Timestamp> = None;
        while let Some(now) = instants.iter().copied().find(|t| last.is_none_or(|l| *t > l)) {
            last = Some(now);
            let milestones = milestones_at(acknowledged, mitigated, now);
            let mut cycle = agenda(&plan, &runs, &milestones, now);
            if let Some((t, when_set)) = &timer
                && *t == now
                && *when_set == milestones
            {
                prop_assert!(!cycle.due().is_empty(), "the timer woke for nothing at {now}");
            }
            while !cycle.due().is_empty() {
                for (key, due_at) in cycle.due() {
                    prop_assert!(runs.iter().all(|r| r.key != key), "{key} ran twice");
                    prop_assert!(due_at <= now);
                    let run = StepRun::start(key.clone(), now);
                    let run = if plan.runbook.steps()[key.step].action.waits_for_a_person() {
                        run
                    } else {
                        run.succeed(now).unwrap()
                    };
                    runs.push(run);
                    fell_due.push((key, due_at));
                }
                cycle = agenda(&plan, &runs, &milestones, now);
            }
            timer = cycle.next_due_at().map(|t| (t, milestones));
            if let Some((t, _)) = &timer {
                prop_assert!(*t > now);
                if *t <= at(700) {
                    instants.insert(*t);
                }
            }
        }
        for step in 0..plan.runbook.steps().len() {
            let mut own: Vec<&StepRun> = runs.iter().filter(|r| r.key.step == step).collect();
            own.sort_by_key(|r| r.key.occurrence);
            for (n, run) in own.iter().enumerate() {
                prop_assert_eq!(run.key.occurrence as usize, n);
            }
            let Some(repeat) = plan.runbook.steps()[step].timing.repeat else {
                prop_assert!(own.len() <= 1);
                continue;
            };
            for pair in own.windows(2) {
                prop_assert!(pair[1].started_at.duration_since(pair[0].started_at) >= repeat.every);
            }
            if let Some(m) = mitigated.map(at) {
                for (key, due_at) in fell_due.iter().filter(|(k, _)| k.step == step) {
                    prop_assert!(*due_at < m, "{key} fell due at {due_at}, after mitigation at {m}");
                }
            }
        }
    }
}
