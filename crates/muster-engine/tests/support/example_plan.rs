//! The example plan (`examples/plan/`) applied to a world, with the people
//! it names given accounts, and the helpers its stories share.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use jiff::Timestamp;
use muster_app::incidents::IncidentKey;
use muster_app::plan::PlanApply;
use muster_app::users::NewUser;
use muster_core::{Incident, NewIncident, TimelineEvent, UserRole};

use super::{World, world_with_channels};

/// The people of the example plan who have accounts.
pub const PEOPLE: [&str; 10] = [
    "ana@fernbrook.example",
    "bram@fernbrook.example",
    "chidi@fernbrook.example",
    "support-lead@fernbrook.example",
    "support-team@fernbrook.example",
    "counsel@fernbrook.example",
    "finance-duty@fernbrook.example",
    "comms@fernbrook.example",
    "key-accounts@fernbrook.example",
    "eng-duty@fernbrook.example",
];

pub const CHANNELS: [(&str, &str); 4] = [
    ("#leadership-incidents", "http://hooks.example/leadership"),
    ("#support-incidents", "http://hooks.example/support"),
    ("#marketing-incidents", "http://hooks.example/marketing"),
    ("#team-platform", "http://hooks.example/platform"),
];

const MINIMAL: &str = r"kind: Team
name: identity
title: Identity
";

pub async fn example_world() -> World {
    let world = world_with_channels(MINIMAL, &CHANNELS).await;
    for email in PEOPLE {
        world
            .app
            .create_user(&world.admin, NewUser::new(email, UserRole::Responder))
            .await
            .unwrap();
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let plan = muster_plan::plan::load(&dir).unwrap();
    world
        .app
        .apply_plan(
            &world.admin,
            PlanApply {
                catalog: plan.catalog(),
                documents: plan.stored_documents(),
                files: plan.files(),
                secrets: Default::default(),
                dry_run: false,
            },
        )
        .await
        .unwrap();
    world
}

/// Moves the fake clock to `at` (forwards only).
pub fn set_clock(world: &World, at: &str) {
    let target: Timestamp = at.parse().unwrap();
    world.clock.advance(target.duration_since(world.app.now()));
}

pub async fn declare(world: &World, title: &str, severity: &str, login: bool) -> Incident {
    let input = NewIncident {
        title: title.into(),
        severity: Some(severity.into()),
        description: String::new(),
        impact: "Customers cannot sign in".into(),
        tags: vec![],
        drill: false,
        private: false,
        started_at: None,
        detected_at: None,
        affected: Default::default(),
    };
    let functionalities = if login {
        vec!["login".to_owned()]
    } else {
        vec![]
    };
    world
        .app
        .declare_incident_on(&world.admin, input, &[], &functionalities)
        .await
        .unwrap()
}

pub async fn timeline(world: &World, incident: &Incident) -> Vec<TimelineEvent> {
    world
        .app
        .timeline(&world.admin, IncidentKey::Id(incident.id), None, 1000)
        .await
        .unwrap()
        .1
        .into_iter()
        .map(|e| e.event)
        .collect()
}

/// The id of the person with `email`.
pub async fn user_id(world: &World, email: &str) -> muster_core::UserId {
    world
        .app
        .list_users(&world.admin)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == email)
        .unwrap()
        .id
}

/// The subjects of the stakeholder updates mailed to `to`.
pub fn stakeholder_mail(world: &World, to: &str) -> Vec<String> {
    world
        .email
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|r| {
            r.notification.event == muster_core::paging::NotificationEvent::StakeholderUpdate
                && r.address == to
        })
        .map(|r| r.notification.subject.clone())
        .collect()
}
