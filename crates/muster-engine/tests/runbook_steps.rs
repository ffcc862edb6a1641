//! The process runs itself, with `examples/plan/`: a SEV1 declared on Login
//! late on a Friday pages Identity once, gives command to Identity's on-call,
//! assembles the task force, gives support and legal their checklists, tells
//! marketing (and leadership, and support) at once, and tells legal in a
//! digest at the next business morning in New York, across the weekend and
//! the change to daylight saving time. A manual step waits for its milestone
//! and a person's tick; engine restarts and a second engine run nothing
//! twice; raising SEV3 to SEV1 runs the SEV1 runbook; and a failing step is
//! visible, blocks no other, and can be retried.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use jiff::SignedDuration;
use muster_app::incidents::IncidentKey;
use muster_app::users::NewUser;
use muster_core::paging::NotificationEvent;
use muster_core::runbook::RunStatus;
use muster_core::{IncidentPatch, Milestone, RoleCode, TimelineEvent, UserRole};
use muster_engine::{Engine, EngineConfig};
use support::World;
use support::example_plan::{
    declare, example_world, set_clock, stakeholder_mail, timeline, user_id,
};

/// `(step, summary)` of every step done, in order.
fn steps_done(events: &[TimelineEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::StepDone { step, summary, .. } => Some((step.clone(), summary.clone())),
            _ => None,
        })
        .collect()
}

fn hooks_to(world: &World, url: &str) -> usize {
    world
        .webhook
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.address == url)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sev1_on_login_runs_the_whole_process_and_tells_legal_on_monday_morning() {
    let world = example_world().await;
    // Friday 12 March 2027, 22:00 in New York (EST); daylight saving time
    // starts there on Sunday the 14th.
    set_clock(&world, "2027-03-13T03:00:00Z");
    let incident = declare(&world, "Customers cannot sign in", "SEV1", true).await;
    world.settle().await;

    let events = timeline(&world, &incident).await;
    let done = steps_done(&events);
    let failed: Vec<&TimelineEvent> = events
        .iter()
        .filter(|e| matches!(e, TimelineEvent::StepFailed { .. }))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");

    // Identity is paged once: by the declaration, which the runbook's step sees.
    let pages: Vec<&TimelineEvent> = events
        .iter()
        .filter(|e| matches!(e, TimelineEvent::Paged { .. }))
        .collect();
    // (Engineering's representative is a person, so platform is not paged.)
    assert_eq!(pages.len(), 1, "{pages:#?}");
    assert!(
        done.iter()
            .any(|(step, summary)| step == "Page identity" && summary.contains("paged already")),
        "{done:#?}"
    );

    // Command goes to whoever Identity's rotation has on call now.
    let on_call = world
        .app
        .who_is_on_call(
            &world.admin,
            muster_app::oncall::OnCallScope::Schedule("identity-primary".into()),
            world.app.now(),
        )
        .await
        .unwrap()[0]
        .email
        .clone()
        .unwrap();
    let stored = world
        .app
        .get_incident(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    assert_eq!(
        stored.roles.get(&RoleCode::commander()),
        Some(&user_id(&world, &on_call).await)
    );
    // The SEV1 runbook's own "take command" leaves them in charge.
    assert!(
        done.iter()
            .any(|(step, summary)| step == "Take command"
                && summary.contains("already is commander")),
        "{done:#?}"
    );

    // The task force joins: each representative with an account takes part,
    // and every one of them is written to.
    for email in [
        "support-lead@fernbrook.example",
        "counsel@fernbrook.example",
        "finance-duty@fernbrook.example",
        "comms@fernbrook.example",
        "key-accounts@fernbrook.example",
    ] {
        let id = user_id(&world, email).await;
        assert!(
            stored.participants.iter().any(|p| p.user_id == id),
            "{email} takes part"
        );
        let called = world
            .email
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| {
                r.notification.event == NotificationEvent::TaskForceCalled && r.address == email
            })
            .count();
        assert_eq!(called, 1, "{email} is called once");
    }

    // Support and legal have their own checklists; identity its first checks.
    let (_, tasks) = world
        .app
        .list_tasks(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    let titles: Vec<&str> = tasks.iter().map(|t| t.title.as_str()).collect();
    for expected in [
        "[support] Pin a macro for customers who write in about it",
        "[legal] Assess whether we have a duty to disclose (personal data, 72 hours)",
        "Check auth-api error rate and session store latency",
    ] {
        assert!(titles.contains(&expected), "{titles:#?}");
    }
    assert_eq!(tasks.len(), 6);

    // Marketing hears at once, by mail and in its channel; so do leadership
    // and support. Legal does not, yet.
    assert_eq!(stakeholder_mail(&world, "comms@fernbrook.example").len(), 1);
    assert_eq!(hooks_to(&world, "http://hooks.example/marketing"), 1);
    assert_eq!(stakeholder_mail(&world, "ceo@fernbrook.example").len(), 1);
    assert_eq!(hooks_to(&world, "http://hooks.example/support"), 1);
    assert!(stakeholder_mail(&world, "counsel@fernbrook.example").is_empty());
    let waiting: Vec<&TimelineEvent> = events
        .iter()
        .filter(|e| matches!(e, TimelineEvent::StepWaiting { step, .. } if step == "Legal reads it in the morning"))
        .collect();
    assert_eq!(waiting.len(), 1);
    assert!(
        format!("{waiting:?}").contains("Mon 2027-03-15 09:00 EDT"),
        "the digest waits for Monday 09:00 New York time, after the clocks change: {waiting:?}"
    );
    // Status-page notes are drafted for review.
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, TimelineEvent::StatusUpdateDrafted { .. }))
            .count(),
        2
    );

    // Through the weekend legal hears nothing, however often the engine looks.
    for at in [
        "2027-03-13T15:00:00Z",
        "2027-03-14T15:00:00Z",
        // Monday 08:59 EDT.
        "2027-03-15T12:59:00Z",
    ] {
        set_clock(&world, at);
        world.settle().await;
        assert!(
            stakeholder_mail(&world, "counsel@fernbrook.example").is_empty(),
            "{at}"
        );
    }
    // Monday 09:00 EDT = 13:00 UTC (it would be 14:00 UTC without the change).
    set_clock(&world, "2027-03-15T13:00:00Z");
    world.settle().await;
    let digest = stakeholder_mail(&world, "counsel@fernbrook.example");
    assert_eq!(digest.len(), 1);
    assert!(digest[0].starts_with("Digest: INC-"), "{digest:?}");

    // The manual step waits for mitigation, then for a person's tick.
    let runbooks = world
        .app
        .incident_runbooks(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    let login = runbooks
        .agendas
        .iter()
        .find(|a| a.runbook.as_str() == "login-failures")
        .unwrap();
    let confirm = login.steps.last().unwrap();
    assert_eq!(confirm.name, "Confirm the fix with support");
    assert!(confirm.latest.is_none());
    world
        .app
        .reach_milestone(
            &world.admin,
            IncidentKey::Id(incident.id),
            None,
            Milestone::Mitigated,
            None,
        )
        .await
        .unwrap();
    world.settle().await;
    let runbooks = world
        .app
        .incident_runbooks(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    let login = runbooks
        .agendas
        .iter()
        .find(|a| a.runbook.as_str() == "login-failures")
        .unwrap();
    assert_eq!(login.awaiting_people().count(), 1);
    let ticked = world
        .app
        .run_step(
            &world.admin,
            IncidentKey::Id(incident.id),
            "login-failures",
            login.steps.len(),
        )
        .await
        .unwrap();
    assert!(matches!(ticked.status, RunStatus::Done { .. }));
    // Ticked twice: refused, with the reason.
    let again = world
        .app
        .run_step(
            &world.admin,
            IncidentKey::Id(incident.id),
            "login-failures",
            login.steps.len(),
        )
        .await
        .unwrap_err();
    assert!(again.to_string().contains("is done"), "{again}");

    // A restarted engine (and a second one) finds no step left to do. (The
    // update cadence still reminds people meanwhile: that is tested below.)
    let of_steps = |events: Vec<TimelineEvent>| {
        events
            .into_iter()
            .filter(|e| !matches!(e, TimelineEvent::UpdateReminderSent { .. }))
            .count()
    };
    let before = of_steps(timeline(&world, &incident).await);
    // (The page to identity still escalates meanwhile: that is paging's.)
    let from_steps = |world: &World| {
        world
            .email
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| {
                matches!(
                    r.notification.event,
                    NotificationEvent::StakeholderUpdate | NotificationEvent::TaskForceCalled
                )
            })
            .count()
    };
    let mail_before = from_steps(&world);
    let restarted = Engine::new(
        world.app.clone(),
        Arc::new(muster_sinks::Sinks::from_sinks([])),
        EngineConfig::new("node-b"),
    );
    let report = restarted.run_due_steps().await.unwrap();
    assert_eq!((report.done, report.failed, report.waiting), (0, 0, 0));
    world.advance(SignedDuration::from_hours(1)).await;
    assert_eq!(of_steps(timeline(&world, &incident).await), before);
    assert_eq!(from_steps(&world), mail_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raising_sev3_to_sev1_runs_the_sev1_runbook_and_racing_engines_run_each_step_once() {
    let world = example_world().await;
    set_clock(&world, "2027-03-10T15:00:00Z");
    let incident = declare(&world, "Slow sign-in for some", "SEV3", false).await;
    world.settle().await;
    assert!(steps_done(&timeline(&world, &incident).await).is_empty());

    world
        .app
        .update_incident(
            &world.admin,
            IncidentKey::Id(incident.id),
            None,
            IncidentPatch {
                severity: Some("SEV1".into()),
                ..IncidentPatch::default()
            },
        )
        .await
        .unwrap();
    // Two engines race for the same due steps.
    let second = Engine::new(
        world.app.clone(),
        Arc::new(muster_sinks::Sinks::from_sinks([])),
        EngineConfig::new("node-b"),
    );
    let (a, b) = tokio::join!(world.engine.run_due_steps(), second.run_due_steps());
    a.unwrap();
    b.unwrap();
    world.settle().await;
    let done = steps_done(&timeline(&world, &incident).await);
    let names: Vec<&str> = done.iter().map(|(step, _)| step.as_str()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(names.len(), unique.len(), "each step once: {names:#?}");
    for step in [
        "Take command",
        "Bring in the task force",
        "Marketing hears at once",
        "Support's checklist",
    ] {
        assert!(names.contains(&step), "{step} ran: {names:#?}");
    }
    // Command went to the declarer (SEV1 kickoff says so), the scribe too.
    let stored = world
        .app
        .get_incident(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    assert_eq!(
        stored.roles.get(&RoleCode::commander()),
        Some(&world.admin.user_id)
    );
}

const FAILING: &str = r##"kind: Team
name: identity
title: Identity
---
kind: Severity
name: SEV1
rank: 1
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
---
kind: StakeholderGroup
name: everyone
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
members: [cy@example.com]
policies: [{severities: [SEV1], when: immediately}]
---
kind: StakeholderGroup
name: war-room
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
channels: [{kind: slack, target: "#war-room"}]
policies: [{severities: [SEV1], when: immediately}]
---
kind: Runbook
name: kickoff
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
conditions: {severity_at_least: SEV1}
steps:
  - {name: Dee commands, action: assign_role, role: commander, user: dee@example.com}
  - {name: Tell the war room, action: notify_stakeholders, group: war-room}
  - {name: Write it down, action: create_tasks, tasks: [Keep notes]}
"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_is_visible_blocks_no_other_and_can_be_retried() {
    let world = support::world(FAILING).await;
    let incident = declare(&world, "Everything is on fire", "SEV1", false).await;
    world.settle().await;
    let events = timeline(&world, &incident).await;
    let failures: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::StepFailed { step, reason, .. } => Some((step.clone(), reason.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures,
        [
            (
                "Dee commands".to_owned(),
                "dee@example.com is not an active user".to_owned()
            ),
            (
                "Tell the war room".to_owned(),
                "could not reach anyone of war-room: slack #war-room (no such channel configured)"
                    .to_owned()
            ),
        ]
    );
    // The step after them ran.
    assert_eq!(steps_done(&events).len(), 1);
    // Failed steps are not retried behind people's backs.
    world.advance(SignedDuration::from_mins(30)).await;
    assert_eq!(
        timeline(&world, &incident)
            .await
            .iter()
            .filter(|e| matches!(e, TimelineEvent::StepFailed { .. }))
            .count(),
        2
    );
    // Dee gets an account; the retry gives them command, as attempt 2.
    let dee = world
        .app
        .create_user(
            &world.admin,
            NewUser::new("dee@example.com", UserRole::Responder),
        )
        .await
        .unwrap();
    let retried = world
        .app
        .run_step(&world.admin, IncidentKey::Id(incident.id), "kickoff", 1)
        .await
        .unwrap();
    assert_eq!(retried.attempts, 2);
    assert!(matches!(retried.status, RunStatus::Done { .. }));
    let stored = world
        .app
        .get_incident(&world.admin, IncidentKey::Id(incident.id))
        .await
        .unwrap();
    assert_eq!(stored.roles.get(&RoleCode::commander()), Some(&dee.id));
    // Bad references are refused with the field.
    let wrong = world
        .app
        .run_step(&world.admin, IncidentKey::Id(incident.id), "kickoff", 9)
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("steps 1 to 3"), "{wrong}");
    let wrong = world
        .app
        .run_step(&world.admin, IncidentKey::Id(incident.id), "nope", 1)
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("not attached"), "{wrong}");
}
