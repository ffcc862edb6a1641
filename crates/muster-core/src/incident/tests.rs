use super::*;
use crate::user::UserRole;
use uuid::Uuid;

fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap()
}

fn actor(n: u128, role: UserRole) -> Actor {
    Actor {
        user_id: UserId(Uuid::from_u128(n)),
        role,
    }
}

struct World {
    severities: SeverityScale,
    roles: RoleCatalog,
}

impl World {
    fn new() -> Self {
        Self {
            severities: SeverityScale::standard(),
            roles: RoleCatalog::standard(),
        }
    }

    fn rules(&self) -> IncidentRules<'_> {
        IncidentRules {
            severities: &self.severities,
            roles: &self.roles,
        }
    }

    fn declare(&self, input: NewIncident) -> Incident {
        let (incident, _) = Incident::declare(
            IncidentId(Uuid::from_u128(99)),
            input,
            &actor(1, UserRole::Responder),
            &self.rules(),
            ts(1_000),
        )
        .unwrap();
        incident
    }
}

fn changed(decision: IncidentDecision) -> IncidentChange {
    match decision {
        IncidentDecision::Changed(change) => *change,
        IncidentDecision::Unchanged => panic!("expected a change"),
    }
}

#[test]
fn a_title_is_all_it_takes_to_declare() {
    let world = World::new();
    let (incident, events) = Incident::declare(
        IncidentId(Uuid::from_u128(7)),
        NewIncident {
            title: "  Checkout is failing ".into(),
            ..Default::default()
        },
        &actor(1, UserRole::Responder),
        &world.rules(),
        ts(1_000),
    )
    .unwrap();
    assert_eq!(incident.title, "Checkout is failing");
    assert_eq!(incident.severity.as_str(), "SEV3");
    assert_eq!(incident.status(), IncidentStatus::Active);
    assert_eq!(incident.milestones.get(Milestone::Started), Some(ts(1_000)));
    assert_eq!(
        incident.milestones.get(Milestone::Detected),
        Some(ts(1_000))
    );
    assert_eq!(incident.version, 1);
    assert!(incident.is_participant(UserId(Uuid::from_u128(1))));
    assert_eq!(events.len(), 1);
}

#[test]
fn declaring_reports_every_bad_field_at_once() {
    let world = World::new();
    let error = Incident::declare(
        IncidentId(Uuid::from_u128(7)),
        NewIncident {
            title: " ".into(),
            severity: Some("SEV9".into()),
            tags: vec!["bad tag".into()],
            started_at: Some(ts(2_000)),
            ..Default::default()
        },
        &actor(1, UserRole::Responder),
        &world.rules(),
        ts(1_000),
    )
    .unwrap_err();
    let DomainError::Invalid(fields) = error else {
        panic!("expected invalid input")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["title", "tags", "severity", "started_at"]);
}

#[test]
fn viewers_cannot_declare_or_change() {
    let world = World::new();
    let viewer = actor(3, UserRole::Viewer);
    let result = Incident::declare(
        IncidentId(Uuid::from_u128(7)),
        NewIncident {
            title: "x".into(),
            ..Default::default()
        },
        &viewer,
        &world.rules(),
        ts(1),
    );
    assert!(matches!(result, Err(DomainError::Forbidden(_))));
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    assert!(matches!(
        incident.reach(Milestone::Acknowledged, None, &viewer, ts(2_000)),
        Err(DomainError::Forbidden(_))
    ));
}

#[test]
fn private_incidents_are_hidden_from_non_participants_but_not_admins() {
    let world = World::new();
    let incident = world.declare(NewIncident {
        title: "Data exposure".into(),
        private: true,
        ..Default::default()
    });
    assert!(incident.visible_to(&actor(1, UserRole::Viewer)));
    assert!(!incident.visible_to(&actor(2, UserRole::Responder)));
    assert!(incident.visible_to(&actor(3, UserRole::Admin)));
    let outsider = actor(2, UserRole::Responder);
    assert!(matches!(
        incident.update(
            IncidentPatch::default(),
            &outsider,
            &world.rules(),
            ts(2_000)
        ),
        Err(DomainError::Forbidden(_))
    ));
}

#[test]
fn update_records_one_event_per_changed_field_and_bumps_version() {
    let world = World::new();
    let incident = world.declare(NewIncident {
        title: "Login slow".into(),
        ..Default::default()
    });
    let change = changed(
        incident
            .update(
                IncidentPatch {
                    title: Some("Login failing".into()),
                    severity: Some("sev1".into()),
                    description: Some(String::new()),
                    tags: Some(vec!["auth".into()]),
                    ..Default::default()
                },
                &actor(1, UserRole::Responder),
                &world.rules(),
                ts(2_000),
            )
            .unwrap(),
    );
    assert_eq!(change.expected_version, 1);
    assert_eq!(change.incident.version, 2);
    assert_eq!(change.incident.severity.as_str(), "SEV1");
    assert_eq!(change.incident.updated_at, ts(2_000));
    let kinds: Vec<&str> = change.events.iter().map(TimelineEvent::kind).collect();
    assert_eq!(
        kinds,
        ["field_changed", "field_changed", "severity_changed"]
    );
}

#[test]
fn an_update_that_changes_nothing_is_unchanged() {
    let world = World::new();
    let incident = world.declare(NewIncident {
        title: "Same".into(),
        ..Default::default()
    });
    let decision = incident
        .update(
            IncidentPatch {
                title: Some("Same".into()),
                severity: Some("SEV3".into()),
                ..Default::default()
            },
            &actor(1, UserRole::Responder),
            &world.rules(),
            ts(2_000),
        )
        .unwrap();
    assert_eq!(decision, IncidentDecision::Unchanged);
}

#[test]
fn resolving_fills_earlier_response_milestones_and_closing_needs_resolution() {
    let world = World::new();
    let responder = actor(1, UserRole::Responder);
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    assert!(matches!(
        incident.reach(Milestone::Closed, None, &responder, ts(2_000)),
        Err(DomainError::InvalidTransition { .. })
    ));
    let resolved = changed(
        incident
            .reach(Milestone::Resolved, None, &responder, ts(2_000))
            .unwrap(),
    );
    assert_eq!(resolved.incident.status(), IncidentStatus::Resolved);
    let reached: Vec<Milestone> = resolved
        .events
        .iter()
        .map(|e| match e {
            TimelineEvent::MilestoneReached { milestone, .. } => *milestone,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        reached,
        [
            Milestone::Acknowledged,
            Milestone::Mitigated,
            Milestone::Resolved
        ]
    );
    let closed = changed(
        resolved
            .incident
            .reach(Milestone::Closed, None, &responder, ts(3_000))
            .unwrap(),
    );
    assert_eq!(closed.incident.status(), IncidentStatus::Closed);
}

#[test]
fn milestones_cannot_be_reached_before_they_could_have_happened() {
    let world = World::new();
    let responder = actor(1, UserRole::Responder);
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    assert!(matches!(
        incident.reach(
            Milestone::Acknowledged,
            Some(ts(500)),
            &responder,
            ts(2_000)
        ),
        Err(DomainError::Invalid(_))
    ));
    assert!(matches!(
        incident.reach(
            Milestone::Acknowledged,
            Some(ts(5_000)),
            &responder,
            ts(2_000)
        ),
        Err(DomainError::Invalid(_))
    ));
}

#[test]
fn editing_a_milestone_is_on_the_timeline_and_keeps_the_order() {
    let world = World::new();
    let responder = actor(1, UserRole::Responder);
    let incident = world.declare(NewIncident {
        title: "x".into(),
        started_at: Some(ts(100)),
        ..Default::default()
    });
    let change = changed(
        incident
            .edit_milestone(Milestone::Started, Some(ts(50)), &responder, ts(2_000))
            .unwrap(),
    );
    assert_eq!(
        change.events,
        vec![TimelineEvent::MilestoneEdited {
            milestone: Milestone::Started,
            from: Some(ts(100)),
            to: Some(ts(50)),
        }]
    );
    assert!(
        incident
            .edit_milestone(Milestone::Started, Some(ts(1_500)), &responder, ts(2_000))
            .is_err()
    );
    assert!(
        incident
            .edit_milestone(Milestone::Started, None, &responder, ts(2_000))
            .is_err()
    );
}

#[test]
fn assigning_a_role_adds_the_participant_and_records_the_previous_holder() {
    let world = World::new();
    let responder = actor(1, UserRole::Responder);
    let alice = UserId(Uuid::from_u128(10));
    let bob = UserId(Uuid::from_u128(11));
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    let first = changed(
        incident
            .assign_role("commander", alice, &responder, &world.rules(), ts(2_000))
            .unwrap(),
    );
    assert_eq!(
        first.incident.roles.get(&RoleCode::new("commander")),
        Some(&alice)
    );
    assert_eq!(
        first.events[0],
        TimelineEvent::ParticipantAdded { user: alice }
    );
    let second = changed(
        first
            .incident
            .assign_role("commander", bob, &responder, &world.rules(), ts(3_000))
            .unwrap(),
    );
    assert_eq!(
        second.events.last(),
        Some(&TimelineEvent::RoleAssigned {
            role: RoleCode::new("commander"),
            user: bob,
            previous: Some(alice),
        })
    );
    assert_eq!(
        second
            .incident
            .assign_role("commander", bob, &responder, &world.rules(), ts(4_000))
            .unwrap(),
        IncidentDecision::Unchanged
    );
    assert!(
        second
            .incident
            .assign_role("janitor", bob, &responder, &world.rules(), ts(4_000))
            .is_err()
    );
    assert!(matches!(
        second
            .incident
            .remove_participant(bob, &responder, ts(4_000)),
        Err(DomainError::InvalidTransition { .. })
    ));
}

#[test]
fn tasks_record_completion_reopening_and_assignment() {
    let world = World::new();
    let responder = actor(1, UserRole::Responder);
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    let (task, event) = incident
        .add_task(
            TaskId(Uuid::from_u128(5)),
            NewTask {
                title: "Roll back deploy".into(),
                assignee: None,
            },
            &responder,
            ts(2_000),
        )
        .unwrap();
    assert_eq!(event.kind(), "task_added");
    let (done, events) = incident
        .update_task(
            &task,
            TaskPatch {
                done: Some(true),
                assignee: Some(Some(responder.user_id)),
                ..Default::default()
            },
            &responder,
            ts(3_000),
        )
        .unwrap()
        .unwrap();
    assert_eq!(done.version, 2);
    assert_eq!(done.done_at, Some(ts(3_000)));
    let kinds: Vec<&str> = events.iter().map(TimelineEvent::kind).collect();
    assert_eq!(kinds, ["task_assigned", "task_completed"]);
    let unchanged = incident
        .update_task(
            &done,
            TaskPatch {
                done: Some(true),
                ..Default::default()
            },
            &responder,
            ts(4_000),
        )
        .unwrap();
    assert!(unchanged.is_none());
}

#[test]
fn notes_must_have_text() {
    let world = World::new();
    let incident = world.declare(NewIncident {
        title: "x".into(),
        ..Default::default()
    });
    let responder = actor(1, UserRole::Responder);
    assert!(incident.note("  ", &responder).is_err());
    assert_eq!(
        incident.note("rolled back", &responder).unwrap(),
        TimelineEvent::Note {
            text: "rolled back".into()
        }
    );
}
