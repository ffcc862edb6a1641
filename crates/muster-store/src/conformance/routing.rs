//! Conformance cases of alert routing: each change of an alert is acted on
//! once; routers racing on one database (several nodes) route every alert
//! once and open one group per storm; a group's follow-up is finished once;
//! silences round-trip, and expiring one makes the alerts it held pending.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::SignedDuration;
use muster_core::alert::group::{Grouping, group_key};
use muster_core::alert::routing::{
    AlertSource, Flapping, GroupView, PendingAlert, RoutingRules, plan,
};
use muster_core::alert::silence::Silence;
use muster_core::alert::{Alert, AlertStatus, Matcher, SignalAction};
use muster_core::{AlertGroupId, SilenceId, Timestamp, UserRole};

use super::alerts::{decider, integration, signal};
use super::{at, new_id, user};
use crate::Store;
use crate::alerts::Integration;
use crate::routing::{AlertRouteWrite, AlertRouter, RoutingWrite};
use crate::silences::StoredSilence;

/// The core's routing with no rules: groups and decisions only.
pub(super) struct TestRouter {
    now: Timestamp,
    sources: HashMap<muster_core::IntegrationId, AlertSource>,
    silences: Vec<Silence>,
}

impl TestRouter {
    pub(super) fn new(source: &Integration, now: i64, silences: Vec<Silence>) -> Arc<Self> {
        let s = AlertSource {
            id: source.id,
            name: source.name.clone(),
            kind: source.kind.clone(),
            service: source.service.clone(),
            team: None,
            owner: source.created_by,
        };
        Arc::new(Self {
            now: at(now),
            sources: HashMap::from([(s.id, s)]),
            silences,
        })
    }
}

impl AlertRouter for TestRouter {
    fn group_key(&self, alert: &Alert) -> String {
        group_key(alert, &Grouping::default())
    }

    fn route(&self, pending: &[PendingAlert], groups: &[GroupView]) -> RoutingWrite {
        let rules = RoutingRules {
            routes: &[],
            silences: &self.silences,
            sources: &self.sources,
            grouping: &Grouping::default(),
            flapping: Flapping::default(),
            silence_recheck: SignedDuration::from_mins(1),
        };
        let planned = plan(pending, groups, &rules, self.now, &mut || {
            AlertGroupId(new_id())
        });
        RoutingWrite {
            alerts: planned
                .routed
                .iter()
                .map(|r| AlertRouteWrite {
                    alert: r.alert,
                    route_seq: r.route_seq,
                    group: r.group,
                    decision: r.decision.as_ref().map(|d| d.reasons.join("; ")),
                    silenced_by: r.silenced_by,
                    silenced_until: r.silenced_until,
                })
                .collect(),
            new_groups: planned.new_groups,
            changed_groups: planned.changed_groups,
            ..RoutingWrite::default()
        }
    }
}

async fn fire(store: &Arc<dyn Store>, source: &Integration, keys: &[String], now: i64) {
    let signals = keys
        .iter()
        .map(|k| signal(SignalAction::Trigger, k, "latency high"))
        .collect();
    store
        .receive_signals(source.id, signals, decider(source.id, now))
        .await
        .unwrap();
}

pub async fn routing_acts_on_each_change_once(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let keys: Vec<String> = ["a", "b", "c"].map(str::to_owned).to_vec();
    fire(&store, &source, &keys, 10).await;
    assert_eq!(store.next_routing_due(at(11)).await.unwrap(), Some(at(11)));

    let first = store
        .route_alerts(100, at(11), TestRouter::new(&source, 11, vec![]))
        .await
        .unwrap();
    assert_eq!(first.alerts.len(), 3);
    assert_eq!(first.new_groups.len(), 1, "one storm, one group");
    let again = store
        .route_alerts(100, at(12), TestRouter::new(&source, 12, vec![]))
        .await
        .unwrap();
    assert!(again.alerts.is_empty(), "acted on once");
    assert_eq!(store.next_routing_due(at(12)).await.unwrap(), None);
    // A repeat is no change to act on.
    fire(&store, &source, &keys[..1], 13).await;
    assert_eq!(store.next_routing_due(at(13)).await.unwrap(), None);

    let group = &first.new_groups[0];
    let routing = store
        .alert_routing(first.alerts[0].alert)
        .await
        .unwrap()
        .expect("routed");
    assert!(!routing.pending);
    assert_eq!(routing.group.as_ref().map(|g| g.id), Some(group.id));
    assert!(routing.decision.unwrap().contains("no rule matched"));
    assert_eq!(store.group_alerts(group.id).await.unwrap().len(), 3);

    // A resolve is a change: acted on once, the group owes a follow-up.
    store
        .receive_signals(
            source.id,
            vec![signal(SignalAction::Resolve, "a", "")],
            decider(source.id, 20),
        )
        .await
        .unwrap();
    let resolved = store
        .route_alerts(100, at(21), TestRouter::new(&source, 21, vec![]))
        .await
        .unwrap();
    assert_eq!(resolved.alerts.len(), 1);
    assert!(resolved.changed_groups[0].follow_up_due);
    let due = store.follow_ups_due(10).await.unwrap();
    assert_eq!(due.len(), 1);
    let mut statuses = due[0].statuses.clone();
    statuses.sort_by_key(|s| s.as_str());
    assert_eq!(
        statuses,
        [
            AlertStatus::Firing,
            AlertStatus::Firing,
            AlertStatus::Resolved
        ]
    );
    let version = due[0].group.version;
    assert!(
        !store
            .finish_follow_up(group.id, version - 1, &[], &[])
            .await
            .unwrap(),
        "a stale follow-up is not finished"
    );
    assert!(
        store
            .finish_follow_up(group.id, version, &[], &[])
            .await
            .unwrap()
    );
    assert!(store.follow_ups_due(10).await.unwrap().is_empty());
}

pub async fn racing_routers_route_each_alert_once_and_open_one_group(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let keys: Vec<String> = (0..30).map(|n| format!("storm-{n}")).collect();
    fire(&store, &source, &keys, 10).await;
    let mut nodes = Vec::new();
    for _ in 0..4 {
        let (store, source) = (store.clone(), source.clone());
        nodes.push(tokio::spawn(async move {
            let (mut routed, mut groups) = (0, 0);
            loop {
                match store
                    .route_alerts(5, at(11), TestRouter::new(&source, 11, vec![]))
                    .await
                {
                    Ok(w) if w.alerts.is_empty() => {
                        if store.next_routing_due(at(11)).await.unwrap().is_none() {
                            return (routed, groups);
                        }
                    }
                    Ok(w) => {
                        routed += w.alerts.len();
                        groups += w.new_groups.len();
                    }
                    // Lost a race on a group's version: the batch is retried.
                    Err(crate::StoreError::VersionConflict { .. }) => {}
                    Err(other) => panic!("{other:?}"),
                }
            }
        }));
    }
    let (mut routed, mut groups) = (0, 0);
    for node in nodes {
        let (r, g) = node.await.unwrap();
        routed += r;
        groups += g;
    }
    assert_eq!(routed, 30, "every alert routed exactly once");
    assert_eq!(
        groups, 1,
        "one storm, one group, whichever node saw it first"
    );
}

pub async fn silences_round_trip_and_expiring_one_releases_its_alerts(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let silence = Silence {
        id: SilenceId(new_id()),
        matchers: vec![Matcher::parse("m", "alertname=\"HighLatency\"").unwrap()],
        starts_at: at(0),
        ends_at: at(3600),
        recurrence: None,
        comment: "upgrade".into(),
    };
    let stored = StoredSilence {
        silence: silence.clone(),
        created_by: admin.id,
        created_at: at(0),
    };
    store.insert_silence(&stored).await.unwrap();
    assert_eq!(
        store.silences(Some(at(10))).await.unwrap(),
        vec![stored.clone()]
    );
    assert!(store.silences(Some(at(3600))).await.unwrap().is_empty());
    assert_eq!(store.silences(None).await.unwrap().len(), 1);

    fire(&store, &source, &["quiet".to_owned()], 10).await;
    let routed = store
        .route_alerts(
            10,
            at(11),
            TestRouter::new(&source, 11, vec![silence.clone()]),
        )
        .await
        .unwrap();
    assert_eq!(routed.alerts[0].silenced_by, Some(silence.id));
    assert!(routed.new_groups.is_empty());
    assert_eq!(
        store.next_routing_due(at(12)).await.unwrap(),
        Some(at(3600)),
        "looked at again when the silence ends"
    );

    assert!(store.expire_silence(silence.id, at(100)).await.unwrap());
    assert!(!store.expire_silence(silence.id, at(101)).await.unwrap());
    assert_eq!(
        store
            .find_silence(silence.id)
            .await
            .unwrap()
            .map(|s| s.silence.ends_at),
        Some(at(100))
    );
    assert_eq!(
        store.next_routing_due(at(101)).await.unwrap(),
        Some(at(100))
    );
    let released = store
        .route_alerts(10, at(101), TestRouter::new(&source, 101, vec![]))
        .await
        .unwrap();
    assert_eq!(released.alerts.len(), 1);
    assert!(released.alerts[0].silenced_by.is_none());
    assert_eq!(released.new_groups.len(), 1, "now it is routed for real");
}
