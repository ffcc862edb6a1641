//! Conformance case of update cadence reminders: each is recorded once under
//! its key (incident, due time, level, role) however many writers race for
//! it, with its messages and timeline entries, or leaves no trace.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use muster_core::paging::{
    Delivery, DeliveryStatus, Destination, Notification, NotificationEvent, SinkKind,
};
use muster_core::role::RoleCode;
use muster_core::stakeholder::cadence::ReminderLevel;
use muster_core::{DeliveryId, Incident, TimelineEvent, User, UserRole};

use super::{at, declare, entry, incident, new_id, user};
use crate::Store;
use crate::runbooks::StepRunWritten;
use crate::update_reminders::{PostedUpdateWrite, UpdateReminderWrite};

/// A reminder of the update due at `due`, with a fresh message and note.
fn reminder(
    incident: &Incident,
    lead: &User,
    due: Timestamp,
    level: ReminderLevel,
    text: &str,
) -> UpdateReminderWrite {
    let sent = due + SignedDuration::from_mins(5);
    UpdateReminderWrite {
        incident: incident.id,
        update_due_at: due,
        level,
        role: RoleCode::communications(),
        user: lead.id,
        deliveries: vec![Delivery {
            id: DeliveryId(new_id()),
            page_id: None,
            firing: None,
            recipient: lead.email.clone(),
            user_id: Some(lead.id),
            destination: Destination {
                sink: SinkKind::Email,
                address: lead.email.clone(),
            },
            notification: Notification {
                event: NotificationEvent::StakeholderUpdate,
                subject: format!("{} update is late", incident.number),
                body: text.into(),
                page_id: None,
                page_number: None,
                summary: text.into(),
                incident_number: Some(incident.number),
                incident_title: Some(incident.title.clone()),
                severity: Some(incident.severity.to_string()),
                drill: false,
                link: None,
                ack_url: None,
                resolve_url: None,
                unsubscribe_url: None,
            },
            status: DeliveryStatus::Pending,
            due_at: sent,
            attempts: 0,
            last_error: None,
            created_at: sent,
            sent_at: None,
        }],
        timeline: vec![entry(
            incident,
            lead.id,
            TimelineEvent::Note { text: text.into() },
        )],
        at: sent,
    }
}

async fn pending_deliveries(store: &Arc<dyn Store>) -> u64 {
    store
        .count_deliveries()
        .await
        .unwrap()
        .into_iter()
        .find(|(status, _)| *status == DeliveryStatus::Pending)
        .map_or(0, |(_, n)| n)
}

async fn reminder_notes(store: &Arc<dyn Store>, incident: &Incident) -> Vec<String> {
    store
        .list_timeline(incident.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::Note { text } => Some(text),
            _ => None,
        })
        .collect()
}

pub async fn update_reminders_are_sent_once(store: Arc<dyn Store>) {
    let lead = user(&store, "lead@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(lead.id, "Checkout fails")).await;
    let due = at(1_800);

    let first = reminder(&declared, &lead, due, ReminderLevel::Late, "late 1");
    assert_eq!(
        store.write_update_reminder(&first).await.unwrap(),
        StepRunWritten::Written
    );
    assert_eq!(pending_deliveries(&store).await, 1);
    assert_eq!(reminder_notes(&store, &declared).await, ["late 1"]);

    // The same key again (another node, a restart): nothing of it is written.
    let again = reminder(&declared, &lead, due, ReminderLevel::Late, "late again");
    assert_eq!(
        store.write_update_reminder(&again).await.unwrap(),
        StepRunWritten::LostRace
    );
    assert_eq!(pending_deliveries(&store).await, 1);
    assert_eq!(reminder_notes(&store, &declared).await, ["late 1"]);

    // A different level or a later update due is a reminder of its own.
    let very_late = reminder(
        &declared,
        &lead,
        due,
        ReminderLevel::VeryLate,
        "very late 1",
    );
    assert_eq!(
        store.write_update_reminder(&very_late).await.unwrap(),
        StepRunWritten::Written
    );
    let next_due = due + SignedDuration::from_mins(30);
    let next = reminder(&declared, &lead, next_due, ReminderLevel::Late, "late 2");
    assert_eq!(
        store.write_update_reminder(&next).await.unwrap(),
        StepRunWritten::Written
    );
    // The same level and due time for another role is one too.
    let commander = UpdateReminderWrite {
        role: RoleCode::commander(),
        ..reminder(
            &declared,
            &lead,
            next_due,
            ReminderLevel::Late,
            "late 2, commander",
        )
    };
    assert_eq!(
        store.write_update_reminder(&commander).await.unwrap(),
        StepRunWritten::Written
    );
    assert_eq!(pending_deliveries(&store).await, 4);

    // Writers racing for one reminder, as nodes of one cluster: one wins,
    // and only its message and entry exist.
    let raced_due = next_due + SignedDuration::from_mins(30);
    let mut racers = Vec::new();
    for n in 0..8 {
        let store = store.clone();
        let write = reminder(
            &declared,
            &lead,
            raced_due,
            ReminderLevel::Late,
            &format!("raced {n}"),
        );
        racers.push(tokio::spawn(async move {
            let written = store.write_update_reminder(&write).await;
            (written, write.deliveries[0].id)
        }));
    }
    let mut winners = Vec::new();
    for racer in racers {
        let (written, delivery) = racer.await.unwrap();
        if written.unwrap() == StepRunWritten::Written {
            winners.push(delivery);
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(pending_deliveries(&store).await, 5);
    let notes = reminder_notes(&store, &declared).await;
    assert_eq!(notes.len(), 5);
    assert_eq!(notes.iter().filter(|t| t.starts_with("raced")).count(), 1);

    // The deliveries stored are exactly the winners' messages.
    let claimed = store
        .claim_deliveries("node-a", at(100_000), SignedDuration::from_mins(1), 50)
        .await
        .unwrap();
    let mut claimed: Vec<DeliveryId> = claimed.into_iter().map(|d| d.id).collect();
    let mut expected = vec![
        first.deliveries[0].id,
        very_late.deliveries[0].id,
        next.deliveries[0].id,
        commander.deliveries[0].id,
        winners[0],
    ];
    claimed.sort_by_key(|id| id.0);
    expected.sort_by_key(|id| id.0);
    assert_eq!(claimed, expected);

    // An update a person posts carries its messages and its entry together.
    let posted = reminder(
        &declared,
        &lead,
        at(200),
        ReminderLevel::Late,
        "posted by hand",
    );
    store
        .write_posted_update(&PostedUpdateWrite {
            incident: declared.id,
            at: at(300),
            deliveries: posted.deliveries.clone(),
            timeline: posted.timeline.clone(),
        })
        .await
        .unwrap();
    assert_eq!(pending_deliveries(&store).await, 1);
    let notes = reminder_notes(&store, &declared).await;
    assert_eq!(notes.iter().filter(|t| *t == "posted by hand").count(), 1);
    // The cadence counts from it: the incident wants a look from then.
    assert_eq!(
        store.runbooks_due(at(100_000), 10).await.unwrap(),
        [(declared.id, at(300))]
    );
}
