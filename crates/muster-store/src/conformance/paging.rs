//! Conformance cases of paging: pages keep their numbers, policy snapshot
//! and history; due steps fire exactly once however many callers race;
//! acknowledging cancels what is pending; deliveries are leased, retried and
//! reclaimed after a lapsed lease; overrides, rules, keys and the engine lease.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use muster_core::contact::ContactKind;
use muster_core::oncall::Override;
use muster_core::oncall::escalation::{EscalationPolicy, NotificationRule, Step, Target};
use muster_core::paging::{
    AttemptOutcome, Delivery, DeliveryDecision, DeliveryStatus, Destination, Escalation, NewPage,
    Notification, NotificationEvent, Page, PageEvent, PageEventKind, PageIncident, PageStatus,
    PageTarget, SinkKind, Via,
};
use muster_core::{
    DeliveryId, IncidentNumber, NewTimelineEntry, OverrideId, PageId, PageNumber, Slug,
    TimelineEntryId, TimelineEvent, UserId, UserRole,
};

use super::{at, incident, new_id, user};
use crate::{
    AttemptRecord, DeliveryClaim, EngineClaim, FiringDecider, FiringWrite, PageFilter, PageInsert,
    Store, StoreError, StoredOverride,
};

fn policy() -> EscalationPolicy {
    EscalationPolicy::new(
        vec![
            Step {
                targets: vec![
                    Target::Schedule("primary".into()),
                    Target::Team("ops".into()),
                ],
                delay: SignedDuration::from_mins(5),
            },
            Step {
                targets: vec![Target::User("lead@example.com".into())],
                delay: SignedDuration::from_mins(10),
            },
        ],
        1,
    )
    .expect("policy")
}

fn new_page(summary: &str, incident: Option<PageIncident>, now: Timestamp) -> (Page, PageEvent) {
    Page::trigger(
        PageId(new_id()),
        NewPage {
            target: PageTarget::Team(Slug::parse("team", "identity").expect("slug")),
            summary: summary.into(),
            details: "more words".into(),
            incident,
            drill: false,
        },
        Escalation {
            team: Some(Slug::parse("team", "identity").expect("slug")),
            policy_name: Some("identity-oncall".into()),
            policy: policy(),
        },
        None,
        now,
    )
    .expect("valid page")
}

async fn insert(store: &Arc<dyn Store>, summary: &str, now: Timestamp) -> Page {
    let (mut page, event) = new_page(summary, None, now);
    page.number = store.insert_page(&page, &[event], &[]).await.unwrap();
    page
}

fn delivery(page: &Page, firing: u32, recipient: &str, due: Timestamp) -> Delivery {
    Delivery {
        id: DeliveryId(new_id()),
        page_id: Some(page.id),
        firing: Some(firing),
        recipient: recipient.into(),
        user_id: None,
        destination: Destination {
            sink: SinkKind::Webhook,
            address: "http://127.0.0.1:9/hook".into(),
        },
        notification: Notification {
            event: NotificationEvent::PageTriggered,
            subject: page.subject(),
            body: "body".into(),
            page_id: Some(page.id),
            page_number: Some(page.number),
            summary: page.summary.clone(),
            incident_number: Some(IncidentNumber(4)),
            incident_title: Some("Login is down".into()),
            severity: Some("SEV1".into()),
            drill: true,
            link: Some("http://muster/pages/P-1".into()),
            ack_url: Some("http://muster/ack/x".into()),
            resolve_url: None,
            unsubscribe_url: None,
        },
        status: DeliveryStatus::Pending,
        due_at: due,
        attempts: 0,
        last_error: None,
        created_at: due,
        sent_at: None,
    }
}

/// Fires one step per due page, writing one delivery due at once and one
/// two minutes later (a person's email, then SMS).
fn decider() -> FiringDecider {
    Arc::new(|page: &Page, now: Timestamp| {
        Some(FiringWrite {
            fired: page.fired + 1,
            next_due_at: Some(now.saturating_add(SignedDuration::from_mins(5)).ok()?),
            events: vec![PageEvent::new(now, PageEventKind::StepFired, "step")],
            deliveries: vec![
                delivery(page, page.fired, "ana@example.com", now),
                delivery(
                    page,
                    page.fired,
                    "ana@example.com",
                    now.saturating_add(SignedDuration::from_mins(2)).ok()?,
                ),
            ],
        })
    })
}

pub async fn pages_round_trip_with_numbers_steps_and_history(store: Arc<dyn Store>) {
    let author = user(&store, "ada@example.com", UserRole::Admin).await;
    let mut declared = incident(author.id, "Login is down");
    declared.number = store.insert_incident(&declared, &[], &[]).await.unwrap();
    let first = insert(&store, "first", at(0)).await;
    let (mut second, event) = new_page(
        "second",
        Some(PageIncident {
            id: declared.id,
            number: declared.number,
            title: declared.title.clone(),
            severity: declared.severity.to_string(),
        }),
        at(1),
    );
    let timeline = NewTimelineEntry {
        id: TimelineEntryId(new_id()),
        incident_id: declared.id,
        occurred_at: at(1),
        actor: None,
        event: TimelineEvent::Paged {
            page: second.id,
            target: "team identity".into(),
        },
    };
    second.number = store
        .insert_page(&second, &[event], &[timeline])
        .await
        .unwrap();
    assert_eq!(
        (first.number, second.number),
        (PageNumber(1), PageNumber(2))
    );

    let found = store.find_page(second.id).await.unwrap().expect("stored");
    assert_eq!(found, second, "the policy snapshot and incident come back");
    assert_eq!(
        store.find_page_by_number(PageNumber(1)).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.find_page_by_number(PageNumber(9)).await.unwrap(),
        None
    );
    let entries = store.list_timeline(declared.id, None, 10).await.unwrap();
    assert!(matches!(entries[0].event, TimelineEvent::Paged { .. }));

    let all = store
        .list_pages(&PageFilter {
            limit: 10,
            ..PageFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|p| p.number.0).collect::<Vec<_>>(),
        [2, 1],
        "newest first"
    );
    let of_incident = store
        .list_pages(&PageFilter {
            incident: Some(declared.id),
            limit: 10,
            ..PageFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_incident.len(), 1);
    let below = store
        .list_pages(&PageFilter {
            before_number: Some(PageNumber(2)),
            statuses: vec![PageStatus::Triggered],
            limit: 10,
            ..PageFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(below, vec![first.clone()]);
    let history = store.page_events(first.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, PageEventKind::Triggered);
}

pub async fn an_incident_and_its_pages_commit_together(store: Arc<dyn Store>) {
    let author = user(&store, "ada@example.com", UserRole::Admin).await;
    let declared = incident(author.id, "Checkout is down");
    let summary = |number: IncidentNumber| PageIncident {
        id: declared.id,
        number,
        title: declared.title.clone(),
        severity: declared.severity.to_string(),
    };
    // A page whose author does not exist makes the whole declaration fail.
    let (mut broken, event) = new_page("broken", Some(summary(IncidentNumber(1))), at(0));
    broken.triggered_by = Some(UserId(new_id()));
    let broken_id = broken.id;
    let refused = store
        .insert_incident(
            &declared,
            &[],
            &[PageInsert {
                page: broken,
                events: vec![event],
            }],
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Missing { .. })),
        "{refused:?}"
    );
    assert_eq!(store.find_incident(declared.id).await.unwrap(), None);
    assert_eq!(store.find_page(broken_id).await.unwrap(), None);
    assert!(store.next_page_due().await.unwrap().is_none());

    let (page, event) = new_page("paged with it", Some(summary(IncidentNumber(1))), at(0));
    let number = store
        .insert_incident(
            &declared,
            &[],
            &[PageInsert {
                page: page.clone(),
                events: vec![event],
            }],
        )
        .await
        .unwrap();
    let stored = store.find_page(page.id).await.unwrap().expect("the page");
    assert_eq!(stored.incident.map(|i| i.number), Some(number));
    // Page numbers never repeat; a failed write may leave a gap (PostgreSQL
    // draws them from a sequence so that a storm of pages never queues on
    // one counter row).
    assert!(stored.number >= PageNumber(1), "{:?}", stored.number);
}

pub async fn due_steps_fire_exactly_once_however_many_race(store: Arc<dyn Store>) {
    let mut pages = Vec::new();
    for n in 0..40 {
        pages.push(insert(&store, &format!("page {n}"), at(0)).await);
    }
    assert_eq!(store.next_page_due().await.unwrap(), Some(at(0)));
    // Eight callers race for the same due pages (on PostgreSQL: as several
    // nodes would). Each page must fire once.
    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            let mut fired = 0;
            loop {
                let batch = store.fire_due_pages(at(1), 7, decider()).await.unwrap();
                if batch.is_empty() {
                    break fired;
                }
                fired += batch.len();
            }
        }));
    }
    let mut total = 0;
    for racer in racers {
        total += racer.await.unwrap();
    }
    assert_eq!(total, pages.len(), "every due page fired exactly once");
    for page in &pages {
        let stored = store.find_page(page.id).await.unwrap().expect("page");
        assert_eq!(stored.fired, 1);
        assert_eq!(stored.next_due_at, Some(at(301)));
        assert_eq!(store.page_deliveries(page.id).await.unwrap().len(), 2);
    }
    assert!(
        store
            .fire_due_pages(at(2), 100, decider())
            .await
            .unwrap()
            .is_empty(),
        "nothing is due again before the next step"
    );
    assert_eq!(store.next_page_due().await.unwrap(), Some(at(301)));
    let fired = store.fire_due_pages(at(301), 100, decider()).await.unwrap();
    assert_eq!(fired.len(), pages.len());
    assert!(
        fired
            .iter()
            .all(|f| f.due_at == at(301) && f.deliveries == 2)
    );
}

/// The engine's fast path: the transaction that fires a step also leases
/// the deliveries due now to the firing node, under the same lease rules as
/// a claim.
pub async fn a_firing_leases_what_is_due_and_attempts_record_in_batches(store: Arc<dyn Store>) {
    for n in 0..3 {
        insert(&store, &format!("page {n}"), at(0)).await;
    }
    let claim = DeliveryClaim {
        node: "node-a".into(),
        lease: SignedDuration::from_secs(60),
        limit: 2,
    };
    let (fired, leased) = store
        .fire_due_pages_and_claim(at(1), 10, decider(), &claim)
        .await
        .unwrap();
    assert_eq!(fired.len(), 3);
    assert_eq!(leased.len(), 2, "at most the claim's limit");
    assert!(
        leased
            .iter()
            .all(|d| d.status == DeliveryStatus::Sending && d.due_at <= at(1)),
        "{leased:?}"
    );
    // The third page's due delivery is left for any claimer; those leased
    // to node-a are not, until the lease lapses; the later ones wait.
    let lease = SignedDuration::from_secs(60);
    let rest = store
        .claim_deliveries("node-b", at(1), lease, 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1, "{rest:?}");
    assert!(leased.iter().all(|d| d.id != rest[0].id));
    assert!(
        store
            .claim_deliveries("node-b", at(30), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut lapsed: Vec<DeliveryId> = store
        .claim_deliveries("node-b", at(62), lease, 10)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    // node-b's own lease of the third lapsed too.
    let mut expected: Vec<DeliveryId> = leased.iter().chain(&rest).map(|d| d.id).collect();
    lapsed.sort();
    expected.sort();
    assert_eq!(lapsed, expected, "a lapsed lease is anyone's");
    // One batch of attempts: node-b's are recorded, node-a's under its lost
    // lease is not, and the batch is not refused for it.
    let record = |delivery: DeliveryId, node: &str| AttemptRecord {
        delivery,
        node: node.into(),
        attempt: 1,
        at: at(63),
        outcome: AttemptOutcome::Sent,
        decision: DeliveryDecision::Sent,
        event: Some(PageEvent::new(
            at(63),
            PageEventKind::Delivered,
            "attempt 1",
        )),
    };
    let recorded = store
        .record_attempts(vec![
            record(expected[0], "node-b"),
            record(expected[1], "node-a"),
            record(expected[2], "node-b"),
        ])
        .await
        .unwrap();
    assert_eq!(recorded, [true, false, true]);
    let mut sent = 0;
    let pages = PageFilter {
        limit: 100,
        ..PageFilter::default()
    };
    for page in store.list_pages(&pages).await.unwrap() {
        for d in store.page_deliveries(page.id).await.unwrap() {
            if d.status == DeliveryStatus::Sent {
                sent += 1;
                assert!([expected[0], expected[2]].contains(&d.id));
                assert_eq!(d.attempts, 1);
            }
        }
    }
    assert_eq!(sent, 2);
    assert!(store.record_attempts(Vec::new()).await.unwrap().is_empty());

    // Nothing due: nothing fired, and a firing with no limit leases nothing.
    let (fired, leased) = store
        .fire_due_pages_and_claim(at(64), 10, decider(), &DeliveryClaim { limit: 0, ..claim })
        .await
        .unwrap();
    assert!(
        fired.is_empty() && leased.is_empty(),
        "{fired:?} {leased:?}"
    );
}

pub async fn acknowledging_cancels_pending_deliveries_once(store: Arc<dyn Store>) {
    let responder = user(&store, "ana@example.com", UserRole::Responder).await;
    let page = insert(&store, "ack me", at(0)).await;
    store.fire_due_pages(at(0), 10, decider()).await.unwrap();
    let page = store.find_page(page.id).await.unwrap().expect("page");
    let change = page
        .acknowledge(Some(responder.id), Via::Link, at(30))
        .expect("triggered");
    let link = [7u8; 32];
    store
        .apply_page_change(&change, &[], Some(&link))
        .await
        .unwrap();
    assert!(store.link_used(&link).await.unwrap());
    assert!(!store.link_used(&[8u8; 32]).await.unwrap());
    let stored = store.find_page(page.id).await.unwrap().expect("page");
    assert_eq!(stored.status, PageStatus::Acknowledged);
    assert_eq!(stored.acknowledged_by, Some(responder.id));
    assert_eq!(stored.next_due_at, None);
    let statuses: Vec<DeliveryStatus> = store
        .page_deliveries(page.id)
        .await
        .unwrap()
        .iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(
        statuses,
        [DeliveryStatus::Cancelled, DeliveryStatus::Cancelled],
        "nothing more is sent once someone is on it"
    );
    assert_eq!(store.next_page_due().await.unwrap(), None);

    // The same one-time link, even on another change, is refused.
    let resolve = stored.resolve(None, Via::Link, at(40)).expect("acked");
    assert!(matches!(
        store.apply_page_change(&resolve, &[], Some(&link)).await,
        Err(StoreError::Duplicate { field: "link", .. })
    ));
    // A change computed from a stale read conflicts and writes nothing.
    let stale = page.resolve(None, Via::Api, at(50)).expect("triggered");
    assert!(matches!(
        store.apply_page_change(&stale, &[], None).await,
        Err(StoreError::VersionConflict { .. })
    ));
    let history: Vec<PageEventKind> = store
        .page_events(page.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        history,
        [
            PageEventKind::Triggered,
            PageEventKind::StepFired,
            PageEventKind::Acknowledged
        ]
    );
    store.apply_page_change(&resolve, &[], None).await.unwrap();
    assert_eq!(
        store.find_page(page.id).await.unwrap().map(|p| p.status),
        Some(PageStatus::Resolved)
    );
}

fn record(
    delivery: &Delivery,
    node: &str,
    at: Timestamp,
    decision: DeliveryDecision,
) -> AttemptRecord {
    AttemptRecord {
        delivery: delivery.id,
        node: node.into(),
        attempt: delivery.attempts + 1,
        at,
        outcome: match decision {
            DeliveryDecision::Sent => AttemptOutcome::Sent,
            DeliveryDecision::RetryAt(_) => AttemptOutcome::Retryable {
                reason: "503".into(),
                retry_after: None,
            },
            DeliveryDecision::Dead => AttemptOutcome::Permanent {
                reason: "404".into(),
            },
        },
        decision,
        event: Some(PageEvent::new(at, PageEventKind::Delivered, "attempt")),
    }
}

pub async fn deliveries_are_leased_retried_and_reclaimed(store: Arc<dyn Store>) {
    let page = insert(&store, "deliver me", at(0)).await;
    store.fire_due_pages(at(0), 10, decider()).await.unwrap();
    let lease = SignedDuration::from_secs(30);
    assert_eq!(store.next_delivery_due().await.unwrap(), Some(at(0)));

    let claimed = store.claim_deliveries("a", at(1), lease, 10).await.unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "only the due one; the SMS waits two minutes"
    );
    let email = &claimed[0];
    assert_eq!(email.status, DeliveryStatus::Sending);
    assert_eq!(email.notification.incident_number, Some(IncidentNumber(4)));
    assert!(email.notification.drill);
    assert!(
        store
            .claim_deliveries("b", at(2), lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "a leased delivery is nobody else's"
    );
    // A retry puts it back, due later.
    assert!(
        store
            .record_attempt(&record(
                email,
                "a",
                at(3),
                DeliveryDecision::RetryAt(at(10))
            ))
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_deliveries("b", at(5), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_deliveries("b", at(10), lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    // Node b dies mid-send: once its lease lapses, node c redoes the work,
    // and b's late answer is not recorded.
    let redone = store
        .claim_deliveries("c", at(41), lease, 10)
        .await
        .unwrap();
    assert_eq!(redone.iter().map(|d| d.id).collect::<Vec<_>>(), [email.id]);
    assert!(
        !store
            .record_attempt(&record(&again[0], "b", at(42), DeliveryDecision::Sent))
            .await
            .unwrap(),
        "a lost lease records nothing"
    );
    assert!(
        store
            .record_attempt(&record(&redone[0], "c", at(42), DeliveryDecision::Sent))
            .await
            .unwrap()
    );
    let stored = store.page_deliveries(page.id).await.unwrap();
    let sent = stored.iter().find(|d| d.id == email.id).expect("email");
    assert_eq!(sent.status, DeliveryStatus::Sent);
    assert_eq!(sent.sent_at, Some(at(42)));
    assert_eq!(sent.attempts, 2);
    let attempts = store.delivery_attempts(page.id).await.unwrap();
    assert_eq!(
        attempts
            .iter()
            .map(|a| (a.attempt, a.node.as_str(), a.outcome.as_str()))
            .collect::<Vec<_>>(),
        [(1, "a", "retryable"), (2, "c", "sent")]
    );

    // The SMS is the email's sibling; bringing it forward makes it due now.
    let siblings = store.delivery_siblings(sent).await.unwrap();
    assert_eq!(siblings.len(), 1);
    let (sms, status, due) = siblings[0];
    assert_eq!((status, due), (DeliveryStatus::Pending, at(120)));
    assert!(store.bring_delivery_forward(sms, at(50)).await.unwrap());
    assert!(!store.bring_delivery_forward(sms, at(60)).await.unwrap());
    let dead = store
        .claim_deliveries("c", at(50), lease, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    store
        .record_attempt(&record(&dead[0], "c", at(51), DeliveryDecision::Dead))
        .await
        .unwrap();
    let counts = store.count_deliveries().await.unwrap();
    assert_eq!(
        counts,
        [(DeliveryStatus::Dead, 1), (DeliveryStatus::Sent, 1)]
    );

    // The page escalates now, once, and only from the step it is at.
    let event = PageEvent::new(at(52), PageEventKind::DeliveryDead, "escalating");
    assert!(
        !store
            .escalate_page_now(page.id, 0, at(52), &event)
            .await
            .unwrap()
    );
    assert!(
        store
            .escalate_page_now(page.id, 1, at(52), &event)
            .await
            .unwrap()
    );
    assert!(
        !store
            .escalate_page_now(page.id, 1, at(52), &event)
            .await
            .unwrap()
    );
    assert_eq!(store.next_page_due().await.unwrap(), Some(at(52)));
}

pub async fn overrides_rules_keys_and_engine_leases(store: Arc<dyn Store>) {
    let ana = user(&store, "ana@example.com", UserRole::Responder).await;
    let over = |schedule: &str, start: i64, end: i64| StoredOverride {
        id: OverrideId(new_id()),
        schedule: schedule.into(),
        over: Override::new(
            "bo@example.com".into(),
            at(start),
            at(end),
            Some(ana.email.clone()),
        )
        .expect("valid"),
        note: "swap".into(),
        created_by: ana.id,
        created_at: at(0),
    };
    let early = over("primary", 0, 100);
    let late = over("primary", 200, 300);
    let other = over("secondary", 50, 400);
    for o in [&late, &early, &other] {
        store.insert_override(o).await.unwrap();
    }
    let listed = store.list_overrides(Some("primary"), at(0)).await.unwrap();
    assert_eq!(listed, vec![early.clone(), late.clone()]);
    let ending = store.list_overrides(None, at(150)).await.unwrap();
    assert_eq!(ending, vec![other.clone(), late.clone()]);
    assert_eq!(
        store.find_override(early.id).await.unwrap(),
        Some(early.clone())
    );
    assert!(store.delete_override(early.id).await.unwrap());
    assert!(!store.delete_override(early.id).await.unwrap());

    let rules = vec![
        NotificationRule {
            kind: ContactKind::Push,
            after: SignedDuration::ZERO,
        },
        NotificationRule {
            kind: ContactKind::Sms,
            after: SignedDuration::from_mins(2),
        },
    ];
    store.set_notification_rules(ana.id, &rules).await.unwrap();
    assert_eq!(store.notification_rules(ana.id).await.unwrap(), rules);
    assert_eq!(
        store.all_notification_rules().await.unwrap(),
        vec![(ana.id, rules.clone())]
    );
    store
        .set_notification_rules(ana.id, &rules[1..])
        .await
        .unwrap();
    assert_eq!(store.notification_rules(ana.id).await.unwrap(), rules[1..]);
    assert!(matches!(
        store.set_notification_rules(UserId(new_id()), &rules).await,
        Err(StoreError::Missing { .. })
    ));

    let key = store.signing_key("links", &[1; 32]).await.unwrap();
    assert_eq!(key, vec![1; 32]);
    assert_eq!(
        store.signing_key("links", &[2; 32]).await.unwrap(),
        vec![1; 32],
        "the first key stays: every node signs alike"
    );

    let lease = SignedDuration::from_secs(10);
    assert_eq!(
        store.claim_engine("a", at(0), lease).await.unwrap(),
        EngineClaim::Granted
    );
    assert_eq!(
        store.claim_engine("a", at(5), lease).await.unwrap(),
        EngineClaim::Granted,
        "renewing one's own lease"
    );
    // A second node is either refused (SQLite: one engine per file) or
    // runs beside the first (PostgreSQL).
    match store.claim_engine("b", at(6), lease).await.unwrap() {
        EngineClaim::Granted => {}
        EngineClaim::HeldBy { owner, until } => {
            assert_eq!((owner.as_str(), until), ("a", at(15)));
            assert_eq!(
                store.claim_engine("b", at(16), lease).await.unwrap(),
                EngineClaim::Granted,
                "a lapsed lease is free"
            );
        }
    }
    store.release_engine("b").await.unwrap();
}
