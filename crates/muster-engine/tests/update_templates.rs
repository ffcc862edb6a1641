//! Update templates at run time: a runbook keeps the plan it attached with,
//! but templates are read from the running plan. When the template a step
//! names is gone by the time the step runs, that step fails visibly with
//! the reason and blocks no other; once the template is back, a person's
//! retry posts the update from it.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use jiff::SignedDuration;
use muster_app::incidents::IncidentKey;
use muster_core::runbook::RunStatus;
use muster_core::{NewIncident, TimelineEvent};

const BASE: &str = r##"kind: Team
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
"##;

const WITH_RUNBOOK: &str = r##"---
kind: UpdateTemplate
name: sev1-internal
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
body: "{{ incident }} is {{ status }}: {{ title }}"
---
kind: Runbook
name: kickoff
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
conditions: {severity_at_least: SEV1}
steps:
  - {name: Tell the room, action: post_update, template: sev1-internal, after: 10m}
  - {name: Write it down, action: create_tasks, tasks: [Keep notes], after: 10m}
"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_gone_at_run_time_fails_its_step_visibly_and_blocks_no_other() {
    let world = support::world(&format!("{BASE}{WITH_RUNBOOK}")).await;
    let input = NewIncident {
        title: "Everything is on fire".into(),
        severity: Some("SEV1".into()),
        ..NewIncident::default()
    };
    let incident = world
        .app
        .declare_incident_on(&world.admin, input, &[], &[])
        .await
        .unwrap();
    let key = IncidentKey::Id(incident.id);
    world.settle().await;
    // The plan changes before the steps' time: the template (and the
    // runbook, which the incident keeps as it attached) are gone.
    support::apply(&world.app, &world.admin, BASE).await;
    world.advance(SignedDuration::from_mins(10)).await;

    let (_, entries) = world
        .app
        .timeline(&world.admin, key, None, 1000)
        .await
        .unwrap();
    let events: Vec<TimelineEvent> = entries.into_iter().map(|e| e.event).collect();
    let failed: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::StepFailed { step, reason, .. } => {
                assert!(
                    reason.contains("no update template named \"sev1-internal\""),
                    "{reason}"
                );
                assert!(
                    reason.contains("internal"),
                    "names the known ones: {reason}"
                );
                Some(step.as_str())
            }
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["Tell the room"]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, TimelineEvent::StepDone { step, .. } if step == "Write it down")),
        "the other step ran: {events:#?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, TimelineEvent::UpdatePosted { .. }))
    );

    // The template is back; a person retries, and the update is posted.
    support::apply(&world.app, &world.admin, &format!("{BASE}{WITH_RUNBOOK}")).await;
    let retried = world
        .app
        .run_step(&world.admin, key, "kickoff", 1)
        .await
        .unwrap();
    assert!(
        matches!(retried.status, RunStatus::Done { .. }),
        "{retried:?}"
    );
    assert_eq!(retried.attempts, 2);
    let (_, entries) = world
        .app
        .timeline(&world.admin, key, None, 1000)
        .await
        .unwrap();
    let posted: Vec<String> = entries
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::UpdatePosted { template, text } => Some(format!("{template}: {text}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        posted,
        [format!(
            "sev1-internal: {} is active: Everything is on fire",
            incident.number
        )]
    );
}
