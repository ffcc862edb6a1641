//! The update cadence, with `examples/plan/`: a SEV1 owes its stakeholders
//! an update every 30 minutes. The kickoff's notices count as the first;
//! when the next is 5 minutes late the communications lead is reminded, at
//! 15 minutes late the commander too, each once however often the engine
//! looks or how many engines there are. An update sent from a template
//! (previewed first, which sends nothing) starts the count again, and
//! resolving the incident ends it.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use jiff::SignedDuration;
use muster_app::incidents::IncidentKey;
use muster_core::paging::NotificationEvent;
use muster_core::{Milestone, RoleCode, TimelineEvent};
use muster_engine::{Engine, EngineConfig};
use support::World;
use support::example_plan::{
    declare, example_world, set_clock, stakeholder_mail, timeline, user_id,
};

/// (address, subject) of every reminder sent.
fn reminders(world: &World) -> Vec<(String, String)> {
    world
        .email
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.notification.event == NotificationEvent::UpdateReminder)
        .map(|r| (r.address.clone(), r.notification.subject.clone()))
        .collect()
}

async fn cadence_state(world: &World, key: &IncidentKey) -> String {
    let panel = world.app.whats_next(&world.admin, *key).await.unwrap();
    match panel.panel.cadence {
        Some(muster_core::stakeholder::cadence::CadenceState::NotDue { .. }) => "not due",
        Some(muster_core::stakeholder::cadence::CadenceState::Due { .. }) => "due",
        Some(muster_core::stakeholder::cadence::CadenceState::Late { .. }) => "late",
        Some(muster_core::stakeholder::cadence::CadenceState::VeryLate { .. }) => "very late",
        Some(muster_core::stakeholder::cadence::CadenceState::Stopped { .. }) => "stopped",
        None => "none",
    }
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_update_reminds_the_comms_lead_then_the_commander_once_each() {
    let world = example_world().await;
    // A Wednesday afternoon in Europe.
    set_clock(&world, "2027-03-10T14:00:00Z");
    let incident = declare(&world, "Customers cannot sign in", "SEV1", true).await;
    let key = IncidentKey::Id(incident.id);
    world.settle().await;
    let comms = user_id(&world, "comms@fernbrook.example").await;
    let held = world
        .app
        .assign_role(&world.admin, key, "communications", comms)
        .await
        .unwrap();
    let commander = *held.roles.get(&RoleCode::commander()).unwrap();
    let commander_email = world
        .app
        .list_users(&world.admin)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.id == commander)
        .unwrap()
        .email;
    assert_ne!(commander, comms);
    assert_eq!(cadence_state(&world, &key).await, "not due");

    // T+30m: due, nobody is reminded yet.
    world.advance(SignedDuration::from_mins(30)).await;
    assert_eq!(cadence_state(&world, &key).await, "due");
    assert!(reminders(&world).is_empty());

    // T+35m: late. Two engines look at the same moment (as two nodes
    // would); the communications lead hears once.
    world.clock.advance(SignedDuration::from_mins(5));
    let second = Engine::new(
        world.app.clone(),
        Arc::new(muster_sinks::Sinks::from_sinks([])),
        EngineConfig::new("node-b"),
    );
    let (first_look, second_look) =
        tokio::join!(world.engine.run_due_steps(), second.run_due_steps());
    first_look.unwrap();
    second_look.unwrap();
    world.settle().await;
    assert_eq!(cadence_state(&world, &key).await, "late");
    let sent = reminders(&world);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].0, "comms@fernbrook.example");
    assert!(sent[0].1.contains("update is late"), "{sent:?}");
    // More looks send nothing more.
    world.advance(SignedDuration::from_mins(2)).await;
    second.run_due_steps().await.unwrap();
    assert_eq!(reminders(&world).len(), 1);

    // T+45m: very late, the lead again and the commander.
    world.advance(SignedDuration::from_mins(8)).await;
    let sent = reminders(&world);
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert!(
        sent[1..].iter().all(|(_, s)| s.contains("very late")),
        "{sent:?}"
    );
    let mut to: Vec<&str> = sent[1..].iter().map(|(a, _)| a.as_str()).collect();
    to.sort_unstable();
    let mut expected = vec!["comms@fernbrook.example", commander_email.as_str()];
    expected.sort_unstable();
    assert_eq!(to, expected);
    // Nothing more for this lateness, however long it lasts.
    world.advance(SignedDuration::from_hours(1)).await;
    assert_eq!(reminders(&world).len(), 3);
    let on_timeline = timeline(&world, &incident)
        .await
        .into_iter()
        .filter(|e| matches!(e, TimelineEvent::UpdateReminderSent { .. }))
        .count();
    assert_eq!(on_timeline, 3);

    // The lead previews an update (nothing goes out), then sends it.
    let ceo_before = stakeholder_mail(&world, "ceo@fernbrook.example").len();
    let posted_before = timeline(&world, &incident)
        .await
        .into_iter()
        .filter(|e| matches!(e, TimelineEvent::UpdatePosted { .. }))
        .count();
    let preview = world
        .app
        .send_update(&world.admin, key, None, true)
        .await
        .unwrap();
    assert_eq!(preview.template, "sev1-internal", "the severity's default");
    assert!(preview.text.contains("Next update by"), "{}", preview.text);
    assert!(
        preview.sent_to.contains(&"leadership".to_owned()),
        "{preview:?}"
    );
    // It is a weekday morning in New York: legal, whose digest came at
    // 09:00, hears this one too.
    assert!(preview.sent_to.contains(&"legal".to_owned()), "{preview:?}");
    world.settle().await;
    assert_eq!(
        stakeholder_mail(&world, "ceo@fernbrook.example").len(),
        ceo_before
    );
    let sent_update = world
        .app
        .send_update(&world.admin, key, Some("sev1-internal"), false)
        .await
        .unwrap();
    assert_eq!(sent_update.text, preview.text);
    world.settle().await;
    assert_eq!(
        stakeholder_mail(&world, "ceo@fernbrook.example").len(),
        ceo_before + 1
    );
    let posted = timeline(&world, &incident)
        .await
        .into_iter()
        .filter(|e| matches!(e, TimelineEvent::UpdatePosted { .. }))
        .count();
    assert_eq!(posted, posted_before + 1);
    assert_eq!(cadence_state(&world, &key).await, "not due");

    // The count starts again from that update.
    world.advance(SignedDuration::from_mins(34)).await;
    assert_eq!(reminders(&world).len(), 3);
    world.advance(SignedDuration::from_mins(2)).await;
    assert_eq!(reminders(&world).len(), 4);

    // Resolved: no update is owed any more.
    world
        .app
        .reach_milestone(&world.admin, key, None, Milestone::Resolved, None)
        .await
        .unwrap();
    world.advance(SignedDuration::from_hours(3)).await;
    assert_eq!(reminders(&world).len(), 4);
    assert_eq!(cadence_state(&world, &key).await, "stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_that_does_not_exist_is_refused_and_sends_nothing() {
    let world = example_world().await;
    let incident = declare(&world, "Checkout is slow", "SEV2", false).await;
    let key = IncidentKey::Id(incident.id);
    world.settle().await;
    let before = timeline(&world, &incident).await.len();
    let refused = world
        .app
        .send_update(&world.admin, key, Some("sev9-internal"), false)
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(message.contains("sev9-internal"), "{message}");
    assert!(
        message.contains("sev1-internal"),
        "names the known ones: {message}"
    );
    assert_eq!(timeline(&world, &incident).await.len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drills_update_reaches_only_its_participants() {
    let world = example_world().await;
    let input = muster_core::NewIncident {
        title: "Practice: the login provider is down".into(),
        severity: Some("SEV1".into()),
        drill: true,
        ..muster_core::NewIncident::default()
    };
    let drill = world
        .app
        .declare_incident_on(&world.admin, input, &[], &[])
        .await
        .unwrap();
    let key = IncidentKey::Id(drill.id);
    world.settle().await;
    let ceo_before = stakeholder_mail(&world, "ceo@fernbrook.example").len();
    let preview = world
        .app
        .send_update(&world.admin, key, None, true)
        .await
        .unwrap();
    assert!(preview.text.starts_with("[DRILL]"), "{}", preview.text);
    assert!(
        preview.sent_to.is_empty(),
        "nobody of any group takes part: {preview:?}"
    );
    assert!(
        preview
            .skipped
            .iter()
            .any(|s| s.starts_with("leadership:") && s.contains("drill")),
        "{preview:?}"
    );
    // Sending it would reach nobody: refused, so it does not count as an update.
    let refused = world
        .app
        .send_update(&world.admin, key, None, false)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("no stakeholder group"),
        "{refused}"
    );
    world.settle().await;
    assert_eq!(
        stakeholder_mail(&world, "ceo@fernbrook.example").len(),
        ceo_before
    );
}
