//! Conformance cases of the status page's projection: public incidents and
//! maintenance windows round-trip whole under optimistic versions, every
//! write bumps the revision, and subscribers are found only by the digest
//! of the right token, which confirmation spends.

use std::sync::Arc;

use jiff::SignedDuration;
use muster_core::status_page::maintenance::{Maintenance, MaintenanceUpdate, Told};
use muster_core::status_page::publication::{AffectedComponent, PublicIncident, PublicUpdate};
use muster_core::status_page::subscriber::{Subscriber, SubscriberKind};
use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus, MaintenanceStatus};
use muster_core::{
    MaintenanceId, PublicIncidentId, PublicUpdateId, SubscriberId, TimelineEvent, UserRole,
};

use super::{at, declare, entry, incident, new_id, user};
use crate::Store;
use crate::StoreError;
use crate::status_page::{
    ComponentState, MaintenanceWrite, NewSubscriber, PublicIncidentWrite, Subscribed,
};

fn update(status: IncidentStatus, seconds: i64, by: muster_core::UserId) -> PublicUpdate {
    PublicUpdate {
        id: PublicUpdateId(new_id()),
        status,
        body: format!("We are {status} — “quotes” & <tags>."),
        components: vec![AffectedComponent {
            component: "payments".into(),
            status: ComponentStatus::PartialOutage,
        }],
        at: at(seconds),
        by,
    }
}

pub async fn public_incidents_round_trip_under_versions_and_bump_the_revision(
    store: Arc<dyn Store>,
) {
    let lead = user(&store, "lead@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(lead.id, "Checkout fails")).await;
    assert!(
        store
            .find_public_incident(declared.id)
            .await
            .unwrap()
            .is_none()
    );
    let start = store.status_revision().await.unwrap();

    let first = PublicIncident {
        id: PublicIncidentId(new_id()),
        incident: declared.id,
        name: "Payments are failing".into(),
        impact: Impact::Major,
        updates: vec![update(IncidentStatus::Investigating, 10, lead.id)],
        created_at: at(10),
        version: 1,
    };
    let note = entry(
        &declared,
        lead.id,
        TimelineEvent::Note {
            text: "published".into(),
        },
    );
    store
        .write_public_incident(&PublicIncidentWrite {
            incident: first.clone(),
            expected_version: None,
            deliveries: Vec::new(),
            timeline: vec![note.clone()],
        })
        .await
        .unwrap();
    assert_eq!(
        store.find_public_incident(declared.id).await.unwrap(),
        Some(first.clone())
    );
    assert!(store.status_revision().await.unwrap() > start);

    // A second first publication of the same incident loses.
    let twin = PublicIncidentWrite {
        incident: PublicIncident {
            id: PublicIncidentId(new_id()),
            ..first.clone()
        },
        expected_version: None,
        deliveries: Vec::new(),
        timeline: vec![note.clone()],
    };
    assert!(matches!(
        store.write_public_incident(&twin).await,
        Err(StoreError::VersionConflict { .. })
    ));

    let mut second = first.clone();
    second
        .updates
        .push(update(IncidentStatus::Resolved, 20, lead.id));
    second.version = 2;
    store
        .write_public_incident(&PublicIncidentWrite {
            incident: second.clone(),
            expected_version: Some(1),
            deliveries: Vec::new(),
            timeline: Vec::new(),
        })
        .await
        .unwrap();
    // A writer that read version 1 too loses, and writes nothing.
    let stale = PublicIncidentWrite {
        incident: second.clone(),
        expected_version: Some(1),
        deliveries: Vec::new(),
        timeline: vec![note],
    };
    assert!(matches!(
        store.write_public_incident(&stale).await,
        Err(StoreError::VersionConflict { .. })
    ));
    let listed = store.list_public_incidents().await.unwrap();
    assert_eq!(listed, vec![second]);
    let notes = store
        .list_timeline(declared.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e.event, TimelineEvent::Note { .. }))
        .count();
    assert_eq!(notes, 1, "only the first publication's note was written");
}

pub async fn components_and_maintenance_windows_round_trip(store: Arc<dyn Store>) {
    let lead = user(&store, "lead@example.com", UserRole::Responder).await;
    let state = ComponentState {
        component: "payments".into(),
        set_by_hand: Some(ComponentStatus::DegradedPerformance),
        verified_at: Some(at(5)),
        updated_at: at(5),
    };
    store.write_component_state(&state).await.unwrap();
    let verified = ComponentState {
        set_by_hand: None,
        verified_at: Some(at(9)),
        updated_at: at(9),
        ..state
    };
    store.write_component_state(&verified).await.unwrap();
    assert_eq!(store.list_component_states().await.unwrap(), vec![verified]);

    let window = Maintenance {
        id: MaintenanceId(new_id()),
        name: "Database upgrade".into(),
        components: vec!["payments".into()],
        starts_at: at(3_600),
        ends_at: at(7_200),
        set_by_hand: None,
        updates: vec![MaintenanceUpdate {
            id: PublicUpdateId(new_id()),
            status: MaintenanceStatus::Scheduled,
            body: "Checkout pauses.".into(),
            at: at(0),
        }],
        told: Told::default(),
        created_by: lead.id,
        created_at: at(0),
        version: 1,
    };
    store
        .write_maintenance(&MaintenanceWrite {
            maintenance: window.clone(),
            expected_version: None,
            next_look_at: Some(at(1_800)),
            deliveries: Vec::new(),
        })
        .await
        .unwrap();
    assert!(store.maintenances_due(at(1_799)).await.unwrap().is_empty());
    assert_eq!(
        store.maintenances_due(at(1_800)).await.unwrap(),
        vec![window.clone()]
    );
    let mut reminded = window.clone();
    reminded.told.reminded = true;
    reminded.version = 2;
    store
        .write_maintenance(&MaintenanceWrite {
            maintenance: reminded.clone(),
            expected_version: Some(1),
            next_look_at: None,
            deliveries: Vec::new(),
        })
        .await
        .unwrap();
    assert!(store.maintenances_due(at(9_999)).await.unwrap().is_empty());
    assert_eq!(
        store.find_maintenance(window.id).await.unwrap(),
        Some(reminded.clone())
    );
    assert_eq!(store.list_maintenances().await.unwrap(), vec![reminded]);
    let stale = MaintenanceWrite {
        maintenance: window,
        expected_version: Some(1),
        next_look_at: None,
        deliveries: Vec::new(),
    };
    assert!(matches!(
        store.write_maintenance(&stale).await,
        Err(StoreError::VersionConflict { .. })
    ));
}

fn subscriber(kind: SubscriberKind, address: &str) -> Subscriber {
    Subscriber {
        id: SubscriberId(new_id()),
        kind,
        address: address.into(),
        components: vec!["payments".into()],
        confirmed_at: (kind == SubscriberKind::Webhook).then(|| at(0)),
        created_at: at(0),
        failing_since: None,
        last_error: None,
        disabled_at: None,
        disabled_reason: None,
    }
}

pub async fn subscribers_confirm_once_and_leave_by_their_own_token(store: Arc<dyn Store>) {
    let email = subscriber(SubscriberKind::Email, "ada@example.com");
    let (confirm, leave) = ([1u8; 32], [2u8; 32]);
    let new = NewSubscriber {
        subscriber: email.clone(),
        confirm_digest: Some(confirm),
        unsubscribe_digest: leave,
        signing_secret: None,
        deliveries: Vec::new(),
    };
    assert_eq!(
        store.insert_subscriber(&new).await.unwrap(),
        Subscribed::Stored
    );
    // Subscribing again before confirming replaces the pending one.
    let again = NewSubscriber {
        subscriber: subscriber(SubscriberKind::Email, "ada@example.com"),
        confirm_digest: Some([3u8; 32]),
        unsubscribe_digest: [4u8; 32],
        signing_secret: None,
        deliveries: Vec::new(),
    };
    assert_eq!(
        store.insert_subscriber(&again).await.unwrap(),
        Subscribed::Stored
    );
    assert!(
        store
            .confirm_subscriber(&confirm, at(5))
            .await
            .unwrap()
            .is_none()
    );
    // The unsubscribe token does not confirm, nor the other way round.
    assert!(
        store
            .confirm_subscriber(&[4u8; 32], at(5))
            .await
            .unwrap()
            .is_none()
    );
    let confirmed = store
        .confirm_subscriber(&[3u8; 32], at(6))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.confirmed_at, Some(at(6)));
    assert!(
        store
            .confirm_subscriber(&[3u8; 32], at(7))
            .await
            .unwrap()
            .is_none(),
        "a confirmation link works once"
    );
    // Once confirmed, a stranger subscribing the address changes nothing.
    let stranger = NewSubscriber {
        subscriber: subscriber(SubscriberKind::Email, "ada@example.com"),
        confirm_digest: Some([5u8; 32]),
        unsubscribe_digest: [6u8; 32],
        signing_secret: None,
        deliveries: Vec::new(),
    };
    assert_eq!(
        store.insert_subscriber(&stranger).await.unwrap(),
        Subscribed::AlreadyConfirmed
    );

    let hook = subscriber(SubscriberKind::Webhook, "https://hooks.example.com/x");
    store
        .insert_subscriber(&NewSubscriber {
            subscriber: hook.clone(),
            confirm_digest: None,
            unsubscribe_digest: [7u8; 32],
            signing_secret: Some("whsec_1".into()),
            deliveries: Vec::new(),
        })
        .await
        .unwrap();
    let (found, secret) = store.find_subscriber(hook.id).await.unwrap().unwrap();
    assert_eq!(found, hook);
    assert_eq!(secret.as_deref(), Some("whsec_1"));
    let mut failing = hook.clone();
    failing.failing_since = Some(at(10));
    failing.last_error = Some("HTTP 500".into());
    failing.disabled_at = Some(at(10) + SignedDuration::from_hours(72));
    failing.disabled_reason = Some("failed for 3 days".into());
    store.write_subscriber_health(&failing).await.unwrap();
    let listed = store.list_subscribers().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1], failing);

    assert!(store.remove_subscriber(&[3u8; 32]).await.unwrap().is_none());
    let gone = store.remove_subscriber(&[4u8; 32]).await.unwrap().unwrap();
    assert_eq!(gone.address, "ada@example.com");
    assert!(store.remove_subscriber(&[4u8; 32]).await.unwrap().is_none());
    assert_eq!(store.list_subscribers().await.unwrap().len(), 1);
}
