//! Conformance cases of alert ingestion: integrations are found by their
//! key's digest and unique by name; a batch of signals commits whole, a
//! repeat updates the open alert, a trigger after resolve opens a new one,
//! concurrent repeats of one new alert never make two, and a caller that
//! cannot be written fails alone.

use std::collections::BTreeMap;
use std::sync::Arc;

use muster_core::alert::{AlertSeverity, AlertStatus, Received, Signal, SignalAction, receive};
use muster_core::{AlertId, IntegrationId, UserRole};

use super::{at, new_id, user};
use crate::alerts::{AlertCursor, AlertDecider, AlertFilter, Integration};
use crate::{Store, StoreError};

pub(super) fn integration(created_by: muster_core::UserId, name: &str, digest: u8) -> Integration {
    Integration {
        id: IntegrationId(new_id()),
        name: name.to_owned(),
        kind: "alertmanager".to_owned(),
        service: Some(muster_core::Slug::parse("service", "checkout-api").unwrap()),
        team: None,
        key_digest: [digest; 32],
        config: "{}".to_owned(),
        created_at: at(0),
        created_by,
        origin: crate::alerts::IntegrationOrigin::Hand,
        retired_at: None,
    }
}

pub(super) fn signal(action: SignalAction, key: &str, summary: &str) -> Signal {
    Signal {
        action,
        dedup_key: key.to_owned(),
        summary: summary.to_owned(),
        severity: AlertSeverity::Warning,
        source: "checkout-1".to_owned(),
        labels: BTreeMap::from([("alertname".to_owned(), "HighLatency".to_owned())]),
        annotations: BTreeMap::new(),
        links: vec![muster_core::alert::AlertLink {
            href: "http://prometheus.test/g".into(),
            text: "Source".into(),
        }],
        group_key: Some("{}:{alertname=\"HighLatency\"}".into()),
        started_at: Some(at(-60)),
    }
}

/// The app's decider: the core's `receive` with fresh ids at `now`.
pub(super) fn decider(integration: IntegrationId, now: i64) -> AlertDecider {
    Arc::new(move |current, signal| {
        receive(current, signal, integration, AlertId(new_id()), at(now))
    })
}

pub async fn integrations_are_found_by_key_digest_and_unique_by_name(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let prometheus = integration(admin.id, "prometheus", 1);
    store.insert_integration(&prometheus).await.unwrap();
    store
        .insert_integration(&integration(admin.id, "grafana", 2))
        .await
        .unwrap();
    let again = store
        .insert_integration(&integration(admin.id, "prometheus", 3))
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { field: "name", .. })),
        "{again:?}"
    );
    assert_eq!(
        store.integration_by_digest(&[1; 32]).await.unwrap(),
        Some(prometheus)
    );
    assert_eq!(store.integration_by_digest(&[9; 32]).await.unwrap(), None);
    let names: Vec<String> = store
        .integrations()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["grafana", "prometheus"]);
}

pub async fn signals_deduplicate_resolve_and_reopen(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    // One batch: a trigger, its repeat, another alert, a stray resolve.
    let batch = vec![
        signal(SignalAction::Trigger, "a", "latency high"),
        signal(SignalAction::Trigger, "a", "latency higher"),
        signal(SignalAction::Trigger, "b", "errors"),
        signal(SignalAction::Resolve, "nobody", ""),
    ];
    let received = store
        .receive_signals(source.id, batch, decider(source.id, 10))
        .await
        .unwrap();
    assert!(matches!(received[0], Received::Opened(_)));
    assert!(matches!(received[1], Received::Updated { .. }));
    assert!(matches!(received[3], Received::Ignored(_)));
    let Received::Opened(first) = &received[0] else {
        unreachable!()
    };
    let stored = store.find_alert(first.id).await.unwrap().expect("stored");
    assert_eq!(stored.occurrences, 2);
    assert_eq!(stored.summary, "latency higher");
    assert_eq!(stored.labels["alertname"], "HighLatency");
    assert_eq!(stored.links[0].text, "Source");
    assert_eq!(stored.started_at, at(-60));
    assert_eq!(stored.version, 2);

    let resolved = store
        .receive_signals(
            source.id,
            vec![signal(SignalAction::Resolve, "a", "")],
            decider(source.id, 20),
        )
        .await
        .unwrap();
    assert!(matches!(resolved[0], Received::Updated { .. }));
    let reopened = store
        .receive_signals(
            source.id,
            vec![signal(SignalAction::Trigger, "a", "latency high again")],
            decider(source.id, 30),
        )
        .await
        .unwrap();
    let Received::Opened(second) = &reopened[0] else {
        panic!("a trigger after resolve opens a new alert: {reopened:?}")
    };
    assert_ne!(second.id, first.id);
    let open = store
        .alerts(&AlertFilter {
            statuses: vec![AlertStatus::Firing, AlertStatus::Acknowledged],
            integration: Some(source.id),
            limit: 100,
            after: None,
        })
        .await
        .unwrap();
    let mut keys: Vec<&str> = open.iter().map(|a| a.dedup_key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a", "b"]);
    let all = store
        .alerts(&AlertFilter {
            limit: 100,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(
        store.find_alert(first.id).await.unwrap().map(|a| a.status),
        Some(AlertStatus::Resolved)
    );
}

/// Concurrent callers may share one transaction; one whose signals cannot
/// be written (its integration is not stored) fails alone, and every other
/// caller's alerts are written and answered.
pub async fn a_caller_that_cannot_be_written_fails_alone_among_concurrent_ones(
    store: Arc<dyn Store>,
) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let ghost = IntegrationId(new_id());
    let mut tasks = Vec::new();
    for n in 0..48_i64 {
        let store = store.clone();
        let id = if n % 8 == 3 { ghost } else { source.id };
        tasks.push(tokio::spawn(async move {
            let outcome = store
                .receive_signals(
                    id,
                    vec![signal(SignalAction::Trigger, &format!("key-{n}"), "down")],
                    decider(id, 10 + n),
                )
                .await;
            (id == ghost, outcome)
        }));
    }
    for task in tasks {
        match task.await.unwrap() {
            (true, outcome) => assert!(outcome.is_err(), "{outcome:?}"),
            (false, outcome) => {
                assert!(
                    matches!(outcome.as_deref(), Ok([Received::Opened(_)])),
                    "{outcome:?}"
                );
            }
        }
    }
    let alerts = store
        .alerts(&AlertFilter {
            limit: 100,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(alerts.len(), 42);
    assert!(alerts.iter().all(|a| a.integration == source.id));
}

pub async fn concurrent_repeats_of_a_new_alert_make_one(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let store = store.clone();
        let id = source.id;
        tasks.push(tokio::spawn(async move {
            store
                .receive_signals(
                    id,
                    vec![signal(
                        SignalAction::Trigger,
                        "storm",
                        &format!("repeat {n}"),
                    )],
                    decider(id, 10 + n),
                )
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let alerts = store
        .alerts(&AlertFilter {
            limit: 100,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0].occurrences, 16);
}

pub async fn the_alert_list_pages_by_cursor_without_gaps_or_repeats(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    let other = integration(admin.id, "grafana", 2);
    store.insert_integration(&source).await.unwrap();
    store.insert_integration(&other).await.unwrap();
    // A storm: seven alerts seen in the same millisecond, then three later,
    // and two from another integration; one of the later ones resolves.
    let storm: Vec<Signal> = (0..7)
        .map(|i| signal(SignalAction::Trigger, &format!("storm-{i}"), "storm"))
        .collect();
    store
        .receive_signals(source.id, storm, decider(source.id, 10))
        .await
        .unwrap();
    let later: Vec<Signal> = (0..3)
        .map(|i| signal(SignalAction::Trigger, &format!("later-{i}"), "later"))
        .collect();
    store
        .receive_signals(source.id, later, decider(source.id, 20))
        .await
        .unwrap();
    store
        .receive_signals(
            source.id,
            vec![signal(SignalAction::Resolve, "later-1", "")],
            decider(source.id, 25),
        )
        .await
        .unwrap();
    let elsewhere: Vec<Signal> = (0..2)
        .map(|i| signal(SignalAction::Trigger, &format!("else-{i}"), "else"))
        .collect();
    store
        .receive_signals(other.id, elsewhere, decider(other.id, 30))
        .await
        .unwrap();

    let page_through = async |filter: AlertFilter| {
        let mut seen = Vec::new();
        let mut after = None;
        for _ in 0..20 {
            let page = store
                .alerts(&AlertFilter {
                    after,
                    ..filter.clone()
                })
                .await
                .unwrap();
            seen.extend(page.iter().map(|a| (a.last_seen, a.id)));
            match page.last() {
                Some(last) if page.len() == filter.limit as usize => {
                    after = Some(AlertCursor::of(last));
                }
                _ => return seen,
            }
        }
        panic!("the pages never ended: {seen:?}")
    };
    let whole = store
        .alerts(&AlertFilter {
            limit: 100,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(whole.len(), 12);
    let expected: Vec<_> = whole
        .iter()
        .filter(|a| a.integration == source.id && a.status == AlertStatus::Firing)
        .map(|a| (a.last_seen, a.id))
        .collect();
    let whole: Vec<_> = whole.iter().map(|a| (a.last_seen, a.id)).collect();
    let mut ordered = whole.clone();
    ordered.sort_by(|a, b| b.cmp(a));
    assert_eq!(whole, ordered, "most recently seen first, then by id");

    // Pages of three split the storm's millisecond, and still meet exactly.
    let paged = page_through(AlertFilter {
        limit: 3,
        ..AlertFilter::default()
    })
    .await;
    assert_eq!(paged, whole);

    // A cursor keeps the filters: open alerts of one integration only.
    let open_of_source = page_through(AlertFilter {
        statuses: vec![AlertStatus::Firing],
        integration: Some(source.id),
        limit: 2,
        ..AlertFilter::default()
    })
    .await;
    assert_eq!(expected.len(), 9, "7 of the storm and 2 later still fire");
    assert_eq!(open_of_source, expected);
}
