use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).unwrap()
}

fn integration() -> IntegrationId {
    IntegrationId(Uuid::from_u128(7))
}

fn id(n: u128) -> AlertId {
    AlertId(Uuid::from_u128(n))
}

pub(crate) fn signal(action: SignalAction, key: &str) -> Signal {
    Signal {
        action,
        dedup_key: key.to_owned(),
        summary: "Checkout error rate above 5%".to_owned(),
        severity: AlertSeverity::Warning,
        source: "checkout-api".to_owned(),
        labels: BTreeMap::new(),
        annotations: BTreeMap::new(),
        links: Vec::new(),
        group_key: None,
        started_at: None,
    }
}

/// A firing alert with these labels, for other modules' tests.
pub(crate) fn alert_with(labels: &[(&str, &str)]) -> Alert {
    let mut s = signal(SignalAction::Trigger, "k");
    s.labels = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    match receive(None, s, integration(), id(1), at(0)) {
        Received::Opened(alert) => alert,
        other => panic!("{other:?}"),
    }
}

fn opened(received: Received) -> Alert {
    match received {
        Received::Opened(alert) => alert,
        other => panic!("expected a new alert, got {other:?}"),
    }
}

fn updated(received: Received) -> (Alert, AlertChange) {
    match received {
        Received::Updated { alert, change } => (alert, change),
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn repeats_update_one_alert_and_count_occurrences() {
    let mut first = signal(SignalAction::Trigger, "checkout-errors");
    first.started_at = Some(at(-90));
    let alert = opened(receive(None, first, integration(), id(1), at(0)));
    assert_eq!(alert.status, AlertStatus::Firing);
    assert_eq!(alert.started_at, at(-90), "the source's start wins");
    assert_eq!(alert.occurrences, 1);

    let mut again = signal(SignalAction::Trigger, "checkout-errors");
    again.summary = "Checkout error rate above 9%".into();
    again.severity = AlertSeverity::Critical;
    let (alert, change) = updated(receive(Some(&alert), again, integration(), id(2), at(30)));
    assert_eq!(change, AlertChange::Repeated);
    assert_eq!(alert.id, id(1), "the same alert, not a new one");
    assert_eq!(alert.occurrences, 2);
    assert_eq!((alert.first_seen, alert.last_seen), (at(0), at(30)));
    assert_eq!(
        alert.severity,
        AlertSeverity::Critical,
        "the latest words win"
    );
    assert_eq!(alert.version, 2);
}

#[test]
fn acknowledge_then_repeat_stays_acknowledged_and_resolve_closes() {
    let alert = opened(receive(
        None,
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(1),
        at(0),
    ));
    let (acked, change) = updated(receive(
        Some(&alert),
        signal(SignalAction::Acknowledge, "k"),
        integration(),
        id(2),
        at(10),
    ));
    assert_eq!(change, AlertChange::Acknowledged);
    assert_eq!(acked.acknowledged_at, Some(at(10)));
    assert_eq!(
        receive(
            Some(&acked),
            signal(SignalAction::Acknowledge, "k"),
            integration(),
            id(2),
            at(11)
        ),
        Received::Ignored(Ignored::AlreadyAcknowledged)
    );
    let (repeated, _) = updated(receive(
        Some(&acked),
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(2),
        at(20),
    ));
    assert_eq!(repeated.status, AlertStatus::Acknowledged);
    let (resolved, change) = updated(receive(
        Some(&repeated),
        signal(SignalAction::Resolve, "k"),
        integration(),
        id(2),
        at(30),
    ));
    assert_eq!(change, AlertChange::Resolved);
    assert_eq!(resolved.status, AlertStatus::Resolved);
    assert_eq!(resolved.resolved_at, Some(at(30)));
}

#[test]
fn a_trigger_after_resolve_opens_a_new_alert_and_stray_resolves_are_dropped() {
    let alert = opened(receive(
        None,
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(1),
        at(0),
    ));
    let (resolved, _) = updated(receive(
        Some(&alert),
        signal(SignalAction::Resolve, "k"),
        integration(),
        id(2),
        at(5),
    ));
    for action in [SignalAction::Acknowledge, SignalAction::Resolve] {
        assert_eq!(
            receive(
                Some(&resolved),
                signal(action, "k"),
                integration(),
                id(2),
                at(6)
            ),
            Received::Ignored(Ignored::NoOpenAlert)
        );
        assert_eq!(
            receive(None, signal(action, "k"), integration(), id(2), at(6)),
            Received::Ignored(Ignored::NoOpenAlert)
        );
    }
    let reopened = opened(receive(
        Some(&resolved),
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(3),
        at(9),
    ));
    assert_eq!(reopened.id, id(3));
    assert_eq!(reopened.occurrences, 1);
}

#[test]
fn by_hand_acts_on_the_alert_named_and_never_on_a_newer_one() {
    let alert = opened(receive(
        None,
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(1),
        at(0),
    ));
    let ack = ByHand::Acknowledge.signal(&alert);
    assert_eq!(
        (ack.action, ack.dedup_key.as_str()),
        (SignalAction::Acknowledge, "k")
    );
    assert!(ack.validate().is_ok(), "a by-hand signal needs no summary");
    let (acked, change) = updated(receive_by_hand(Some(&alert), id(1), ack.clone(), at(10)));
    assert_eq!(change, AlertChange::Acknowledged);
    assert_eq!((acked.acknowledged_at, acked.version), (Some(at(10)), 2));
    assert_eq!(acked.summary, alert.summary, "the alert's words stay");
    assert_eq!(
        receive_by_hand(Some(&acked), id(1), ack.clone(), at(11)),
        Received::Ignored(Ignored::AlreadyAcknowledged)
    );
    let (resolved, change) = updated(receive_by_hand(
        Some(&acked),
        id(1),
        ByHand::Resolve.signal(&acked),
        at(20),
    ));
    assert_eq!(change, AlertChange::Resolved);
    assert_eq!(resolved.resolved_at, Some(at(20)));
    for hand in [ByHand::Acknowledge, ByHand::Resolve] {
        assert_eq!(
            receive_by_hand(Some(&resolved), id(1), hand.signal(&resolved), at(21)),
            Received::Ignored(Ignored::NoOpenAlert),
            "{hand:?} of a resolved alert"
        );
    }
    // A new alert opened under the key: acting on the old one by its id
    // must not touch the new one.
    let reopened = opened(receive(
        Some(&resolved),
        signal(SignalAction::Trigger, "k"),
        integration(),
        id(2),
        at(30),
    ));
    assert_eq!(
        receive_by_hand(Some(&reopened), id(1), ack.clone(), at(31)),
        Received::Ignored(Ignored::NoOpenAlert)
    );
    assert_eq!(
        receive_by_hand(None, id(1), ack, at(31)),
        Received::Ignored(Ignored::NoOpenAlert)
    );
}

#[test]
fn signals_over_the_limits_are_refused_with_their_fields() {
    let mut s = signal(SignalAction::Trigger, &"k".repeat(MAX_DEDUP_KEY + 1));
    s.summary = String::new();
    s.labels.insert(String::new(), "x".into());
    let Err(DomainError::Invalid(problems)) = s.validate() else {
        panic!("refused");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["dedup_key", "summary", "labels"]);
    // Resolving needs no summary.
    assert!(signal(SignalAction::Resolve, "k").validate().is_ok());
    let mut resolve = signal(SignalAction::Resolve, "k");
    resolve.summary = String::new();
    assert!(resolve.validate().is_ok());
}

#[test]
fn severity_words_from_monitoring_map_onto_four_levels() {
    assert_eq!(
        AlertSeverity::from_label("PAGE"),
        Some(AlertSeverity::Critical)
    );
    assert_eq!(
        AlertSeverity::from_label("high"),
        Some(AlertSeverity::Error)
    );
    assert_eq!(
        AlertSeverity::from_label("warn"),
        Some(AlertSeverity::Warning)
    );
    assert_eq!(AlertSeverity::from_label("none"), Some(AlertSeverity::Info));
    assert_eq!(AlertSeverity::from_label("purple"), None);
    assert!(
        "Critical".parse::<AlertSeverity>().is_err(),
        "exact names only"
    );
    assert!(AlertSeverity::Critical > AlertSeverity::Error);
}

#[test]
fn flapping_counts_openings_inside_the_window() {
    let openings = [at(0), at(100), at(200), at(250)];
    let window = SignedDuration::from_mins(5);
    assert!(is_flapping(&openings, at(260), window, 4));
    assert!(
        !is_flapping(&openings, at(320), window, 4),
        "the first fell out"
    );
    assert!(!is_flapping(&openings, at(260), window, 0));
}

fn action() -> impl Strategy<Value = SignalAction> {
    prop_oneof![
        Just(SignalAction::Trigger),
        Just(SignalAction::Acknowledge),
        Just(SignalAction::Resolve),
    ]
}

proptest! {
    /// Whatever sequence of signals arrives for one key, at most one alert
    /// is open at a time, every trigger is counted on the alert it lands
    /// on, and versions only rise.
    #[test]
    fn any_signal_sequence_keeps_one_open_alert_per_key(actions in prop::collection::vec(action(), 1..60)) {
        let mut alerts: Vec<Alert> = Vec::new();
        let mut triggers = 0u64;
        for (n, action) in actions.into_iter().enumerate() {
            let current = alerts.last();
            let now = at(n as i64);
            let before = current.map(|a| a.version);
            match receive(current, signal(action, "k"), integration(), id(n as u128 + 10), now) {
                Received::Opened(alert) => {
                    prop_assert!(current.is_none_or(|a| !a.status.is_open()));
                    prop_assert_eq!(action, SignalAction::Trigger);
                    alerts.push(alert);
                    triggers += 1;
                }
                Received::Updated { alert, .. } => {
                    prop_assert!(alert.version > before.unwrap_or(0));
                    if action == SignalAction::Trigger { triggers += 1; }
                    if let Some(last) = alerts.last_mut() { *last = alert; }
                }
                Received::Ignored(_) => prop_assert!(action != SignalAction::Trigger),
            }
            let open = alerts.iter().filter(|a| a.status.is_open()).count();
            prop_assert!(open <= 1);
        }
        prop_assert_eq!(alerts.iter().map(|a| a.occurrences).sum::<u64>(), triggers);
    }
}
