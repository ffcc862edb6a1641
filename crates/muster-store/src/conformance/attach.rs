//! Conformance cases of attaching alerts to incidents by hand: an alert
//! without a group gets one that follows the incident, a routed group is
//! linked at the version read, a new incident commits with its alert; any
//! stale read (routing got there first, the incident changed) writes
//! nothing; and a follow-up sees the other groups of its incident.

use std::sync::Arc;

use muster_core::alert::attach::ATTACHED_BY_HAND;
use muster_core::alert::routing::{AlertGroup, OtherGroups};
use muster_core::alert::{Alert, Received, SignalAction};
use muster_core::{
    AlertGroupId, Incident, IncidentId, IncidentNumber, NewTimelineEntry, TimelineEntryId,
    TimelineEvent, UserRole,
};

use super::alerts::{decider, integration, signal};
use super::routing::TestRouter;
use super::{at, declare, incident, new_id, user};
use crate::alerts::Integration;
use crate::routing::{AlertAttachment, AttachTo, IncidentInsert};
use crate::{Store, StoreError};

/// A firing alert under its own group key, not routed yet.
async fn fire(store: &Arc<dyn Store>, source: &Integration, key: &str, now: i64) -> Alert {
    let mut s = signal(SignalAction::Trigger, key, &format!("{key} is down"));
    s.group_key = Some(format!("storm-{key}"));
    let received = store
        .receive_signals(source.id, vec![s], decider(source.id, now))
        .await
        .unwrap();
    match received.into_iter().next() {
        Some(Received::Opened(alert)) => alert,
        other => panic!("{other:?}"),
    }
}

async fn resolve(store: &Arc<dyn Store>, source: &Integration, key: &str, now: i64) {
    store
        .receive_signals(
            source.id,
            vec![signal(SignalAction::Resolve, key, "")],
            decider(source.id, now),
        )
        .await
        .unwrap();
}

fn attached(incident: &Incident, alert: &Alert) -> NewTimelineEntry {
    NewTimelineEntry {
        id: TimelineEntryId(new_id()),
        incident_id: incident.id,
        occurred_at: at(30),
        actor: Some(incident.declared_by),
        event: TimelineEvent::AlertAttached {
            alert: alert.id,
            summary: alert.summary.clone(),
        },
    }
}

fn new_group(alert: &Alert, incident: IncidentId) -> AlertGroup {
    AlertGroup {
        id: AlertGroupId(new_id()),
        integration: alert.integration,
        key: format!("alert:{}", alert.dedup_key),
        opened_at: at(30),
        last_alert_at: at(30),
        effect: ATTACHED_BY_HAND.to_owned(),
        page: None,
        incident: Some(incident),
        mitigate_on_resolve: true,
        follow_up_due: false,
        version: 1,
    }
}

fn to_stored(incident: &Incident, alert: &Alert) -> AttachTo {
    AttachTo::Stored {
        incident: incident.id,
        version: incident.version,
        timeline: vec![attached(incident, alert)],
    }
}

async fn timeline_len(store: &Arc<dyn Store>, incident: &Incident) -> usize {
    store
        .list_timeline(incident.id, None, 100)
        .await
        .unwrap()
        .len()
}

async fn group_of(store: &Arc<dyn Store>, alert: &Alert) -> Option<AlertGroup> {
    store.alert_routing(alert.id).await.unwrap().unwrap().group
}

pub async fn attaching_links_groups_under_version_checks(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let inc = declare(&store, incident(admin.id, "Checkout down")).await;

    // Not routed yet: a group is made for it, and it joins it.
    let lone = fire(&store, &source, "lone", 10).await;
    let made = new_group(&lone, inc.id);
    let attachment = AlertAttachment {
        alert: lone.id,
        group: made.clone(),
        new_group: true,
        to: to_stored(&inc, &lone),
    };
    assert_eq!(store.attach_alert(&attachment).await.unwrap(), inc.number);
    assert_eq!(group_of(&store, &lone).await, Some(made.clone()));
    assert_eq!(store.group_alerts(made.id).await.unwrap().len(), 1);
    assert_eq!(timeline_len(&store, &inc).await, 2);

    // The same made-up group again: the alert has one now.
    let again = AlertAttachment {
        group: new_group(&lone, inc.id),
        ..attachment.clone()
    };
    let stale = store.attach_alert(&again).await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { .. })),
        "{stale:?}"
    );
    assert!(store.group_alerts(again.group.id).await.unwrap().is_empty());
    assert_eq!(timeline_len(&store, &inc).await, 2, "nothing written");

    // Routed: its own group follows the incident, at the version read.
    let routed = fire(&store, &source, "routed", 20).await;
    let written = store
        .route_alerts(10, at(21), TestRouter::new(&source, 21, vec![]))
        .await
        .unwrap();
    let mut linked = written.new_groups[0].clone();
    linked.incident = Some(inc.id);
    linked.mitigate_on_resolve = false;
    linked.version += 1;
    let mut link = AlertAttachment {
        alert: routed.id,
        group: linked.clone(),
        new_group: false,
        to: to_stored(&inc, &routed),
    };
    // A stale read of the incident writes nothing.
    link.to = AttachTo::Stored {
        incident: inc.id,
        version: inc.version + 1,
        timeline: vec![attached(&inc, &routed)],
    };
    let stale = store.attach_alert(&link).await;
    assert!(
        matches!(
            stale,
            Err(StoreError::VersionConflict {
                entity: "incident",
                ..
            })
        ),
        "{stale:?}"
    );
    assert_eq!(
        group_of(&store, &routed).await,
        Some(written.new_groups[0].clone())
    );
    // Unknown incidents are missing.
    link.to = AttachTo::Stored {
        incident: IncidentId(new_id()),
        version: 1,
        timeline: vec![],
    };
    let missing = store.attach_alert(&link).await;
    assert!(
        matches!(missing, Err(StoreError::Missing { .. })),
        "{missing:?}"
    );
    link.to = to_stored(&inc, &routed);
    store.attach_alert(&link).await.unwrap();
    assert_eq!(group_of(&store, &routed).await, Some(linked.clone()));
    assert_eq!(timeline_len(&store, &inc).await, 3);
    // The group moved on (a second attach, routing): the read is stale.
    let stale = store.attach_alert(&link).await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { .. })),
        "{stale:?}"
    );
    let mut not_its_group = link.clone();
    not_its_group.alert = lone.id;
    not_its_group.group.version += 1;
    let stale = store.attach_alert(&not_its_group).await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { .. })),
        "an alert attaches only through its own group: {stale:?}"
    );
    assert_eq!(timeline_len(&store, &inc).await, 3, "nothing written");

    // Declared with the attachment: one transaction, numbered in turn.
    let fresh = fire(&store, &source, "fresh", 40).await;
    let mut declared = incident(admin.id, "Opened from an alert");
    let entry = attached(&declared, &fresh);
    let made = new_group(&fresh, declared.id);
    let number = store
        .attach_alert(&AlertAttachment {
            alert: fresh.id,
            group: made.clone(),
            new_group: true,
            to: AttachTo::New(Box::new(IncidentInsert {
                incident: declared.clone(),
                timeline: vec![entry],
                pages: vec![],
            })),
        })
        .await
        .unwrap();
    assert_eq!(number, IncidentNumber(inc.number.0 + 1));
    declared.number = number;
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(stored.number, number);
    assert_eq!(timeline_len(&store, &declared).await, 1);
    assert_eq!(group_of(&store, &fresh).await, Some(made));

    // A new incident whose attachment is stale is not declared at all.
    let late = incident(admin.id, "Too late");
    let refused = store
        .attach_alert(&AlertAttachment {
            alert: fresh.id,
            group: new_group(&fresh, late.id),
            new_group: true,
            to: AttachTo::New(Box::new(IncidentInsert {
                incident: late.clone(),
                timeline: vec![],
                pages: vec![],
            })),
        })
        .await;
    assert!(
        matches!(refused, Err(StoreError::VersionConflict { .. })),
        "{refused:?}"
    );
    assert_eq!(store.find_incident(late.id).await.unwrap(), None);
}

pub async fn a_follow_up_counts_the_other_groups_of_its_incident(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let inc = declare(&store, incident(admin.id, "Checkout down")).await;
    let alerts = [
        fire(&store, &source, "a", 10).await,
        fire(&store, &source, "b", 10).await,
        fire(&store, &source, "c", 10).await,
    ];
    store
        .route_alerts(10, at(11), TestRouter::new(&source, 11, vec![]))
        .await
        .unwrap();
    // `a` and `b` follow the incident; `b` without mitigating it; `c` not at all.
    for (alert, mitigate) in [(&alerts[0], true), (&alerts[1], false)] {
        let mut group = group_of(&store, alert).await.unwrap();
        group.incident = Some(inc.id);
        group.mitigate_on_resolve = mitigate;
        group.version += 1;
        store
            .attach_alert(&AlertAttachment {
                alert: alert.id,
                group,
                new_group: false,
                to: to_stored(&inc, alert),
            })
            .await
            .unwrap();
    }
    resolve(&store, &source, "a", 20).await;
    resolve(&store, &source, "c", 20).await;
    store
        .route_alerts(10, at(21), TestRouter::new(&source, 21, vec![]))
        .await
        .unwrap();
    let due = store.follow_ups_due(10).await.unwrap();
    assert_eq!(due.len(), 2, "{due:#?}");
    let a_group = group_of(&store, &alerts[0]).await.unwrap();
    let c_group = group_of(&store, &alerts[2]).await.unwrap();
    let a_due = due.iter().find(|d| d.group.id == a_group.id).unwrap();
    assert_eq!(
        a_due.others,
        OtherGroups {
            alerts: 1,
            open: 1,
            holding: 1
        },
        "b's group: one alert, firing, not mitigating"
    );
    let c_due = due.iter().find(|d| d.group.id == c_group.id).unwrap();
    assert_eq!(
        c_due.others,
        OtherGroups::default(),
        "c follows no incident"
    );
}
