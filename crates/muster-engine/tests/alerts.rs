//! Alert stories on SQLite with a fake clock and capturing sinks: a storm
//! of alerts pages its owners once and the page resolves with the alerts;
//! a "service down" rule opens an incident detected when the alert
//! started, which is mitigated when every attached alert resolves (and its
//! team asked to confirm); an SLO burning slowly notifies a channel and
//! pages no one; a silence holds until it is expired.

mod support;

use jiff::SignedDuration;
use muster_app::alerts::NewIntegration;
use muster_app::incidents::IncidentKey;
use muster_app::silences::NewSilence;
use muster_core::alert::AlertStatus;
use muster_core::paging::{NotificationEvent, PageStatus};
use muster_core::{Milestone, TimelineEvent};
use muster_ingest::alertmanager::Flavour;
use muster_store::PageFilter;
use muster_store::alerts::AlertFilter;
use serde_json::json;
use support::{TWO_STEPS, World, plan, world};

const ROUTES: &str = r##"
---
kind: AlertRoutes
name: identity-alerts
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
rules:
  - name: auth-slo-burning-slowly
    match: ['alertname="AuthErrorBudgetBurn"', 'window="6h"']
    notify: "#team-identity"
  - name: auth-down
    match: ['alertname="AuthDown"']
    route_to: {service: auth}
    set_severity: critical
    open_incident: SEV1
  - name: synthetic
    summary_contains: "[test]"
    drop: true
"##;

async fn alerting_world() -> (World, String) {
    let w = world(&format!("{}{ROUTES}", plan(TWO_STEPS, 1))).await;
    let (_, key) = w
        .app
        .create_integration(
            &w.admin,
            NewIntegration {
                name: "prometheus".into(),
                kind: "alertmanager".into(),
                service: Some("auth".into()),
                team: None,
                config: Default::default(),
            },
        )
        .await
        .expect("integration");
    (w, key)
}

/// An Alertmanager webhook of one group with these `(fingerprint, labels)`.
fn webhook(status: &str, group: &str, alerts: &[(&str, serde_json::Value)]) -> Vec<u8> {
    let started = "2027-01-04T09:50:00Z";
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(fingerprint, labels)| {
            json!({
                "status": status,
                "labels": labels,
                "annotations": {"summary": format!("{} on {}", labels["alertname"].as_str().unwrap_or("?"), fingerprint)},
                "startsAt": started,
                "endsAt": if status == "resolved" { "2027-01-04T10:30:00Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    json!({
        "version": "4", "groupKey": group, "truncatedAlerts": 0, "status": status,
        "receiver": "muster", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example", "alerts": alerts,
    })
    .to_string()
    .into_bytes()
}

async fn send(w: &World, key: &str, body: Vec<u8>) {
    w.app
        .ingest_webhook(Flavour::Alertmanager, key, &body)
        .await
        .expect("ingested");
}

async fn pages(w: &World) -> Vec<muster_core::paging::Page> {
    w.app
        .list_pages(
            &w.admin,
            PageFilter {
                limit: 50,
                ..PageFilter::default()
            },
        )
        .await
        .expect("pages")
}

#[tokio::test]
async fn a_storm_pages_once_and_the_page_resolves_with_its_alerts() {
    let (w, key) = alerting_world().await;
    let storm: Vec<(&str, serde_json::Value)> = (0..5)
        .map(|n| {
            let fp: &str = ["a1", "a2", "a3", "a4", "a5"][n];
            (fp, json!({"alertname": "HighLatency", "instance": fp}))
        })
        .collect();
    send(
        &w,
        &key,
        webhook("firing", "{}:{alertname=\"HighLatency\"}", &storm),
    )
    .await;
    // Alertmanager re-sends the group: still one page.
    send(
        &w,
        &key,
        webhook("firing", "{}:{alertname=\"HighLatency\"}", &storm),
    )
    .await;
    w.settle().await;

    let paged = pages(&w).await;
    assert_eq!(paged.len(), 1, "{paged:#?}");
    assert_eq!(paged[0].target.to_string(), "service auth");
    assert!(
        paged[0].summary.contains("HighLatency on a1"),
        "{}",
        paged[0].summary
    );
    let to_ana = w.webhook.to("ana@example.com");
    assert_eq!(to_ana.len(), 1, "one notification for the storm");
    assert_eq!(
        to_ana[0].notification.event,
        NotificationEvent::PageTriggered
    );

    // "Why did this page?"
    let alerts = w
        .app
        .alerts(
            &w.admin,
            &AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            },
        )
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 5);
    let first = alerts.iter().find(|a| a.dedup_key == "a1").expect("a1");
    let routing = w
        .app
        .alert_routing(&w.admin, first.id)
        .await
        .expect("routing");
    let why = routing.decision.expect("decided");
    assert!(why.contains("no rule matched"), "{why}");
    let joined = alerts.iter().find(|a| a.dedup_key == "a5").expect("a5");
    let why = w
        .app
        .alert_routing(&w.admin, joined.id)
        .await
        .expect("routing")
        .decision
        .expect("decided");
    assert!(why.contains("joined an open group"), "{why}");

    // Four resolve: the page stays; the fifth: it resolves by itself.
    send(
        &w,
        &key,
        webhook("resolved", "{}:{alertname=\"HighLatency\"}", &storm[..4]),
    )
    .await;
    w.settle().await;
    assert_eq!(pages(&w).await[0].status, PageStatus::Triggered);
    send(
        &w,
        &key,
        webhook("resolved", "{}:{alertname=\"HighLatency\"}", &storm[4..]),
    )
    .await;
    w.settle().await;
    assert_eq!(pages(&w).await[0].status, PageStatus::Resolved);
    // Escalation stopped with it: nobody else is woken.
    w.advance(SignedDuration::from_mins(30)).await;
    assert_eq!(w.webhook.to("ana@example.com").len(), 1);
    assert!(w.email.to("cy@example.com").is_empty());
}

#[tokio::test]
async fn service_down_opens_an_incident_that_is_mitigated_when_its_alerts_resolve() {
    let (w, key) = alerting_world().await;
    let down = [("d1", json!({"alertname": "AuthDown", "instance": "auth-1"}))];
    send(
        &w,
        &key,
        webhook("firing", "{}:{alertname=\"AuthDown\"}", &down),
    )
    .await;
    w.settle().await;

    let incident = w
        .app
        .get_incident(
            &w.admin,
            IncidentKey::Number(muster_core::IncidentNumber(1)),
        )
        .await
        .expect("an incident was opened");
    assert_eq!(incident.severity.as_str(), "SEV1");
    assert!(incident.title.contains("AuthDown"), "{}", incident.title);
    let started: jiff::Timestamp = "2027-01-04T09:50:00Z".parse().unwrap();
    assert_eq!(incident.milestones.get(Milestone::Detected), Some(started));
    assert_eq!(incident.milestones.get(Milestone::Started), Some(started));
    // Declaring on the service paged its owners, for the incident.
    let paged = pages(&w).await;
    assert_eq!(paged.len(), 1);
    assert_eq!(paged[0].incident.as_ref().map(|i| i.id), Some(incident.id));
    assert_eq!(w.webhook.to("ana@example.com").len(), 1);

    // A second instance goes down: attached, not a second incident.
    let both = [
        down[0].clone(),
        ("d2", json!({"alertname": "AuthDown", "instance": "auth-2"})),
    ];
    send(
        &w,
        &key,
        webhook("firing", "{}:{alertname=\"AuthDown\"}", &both),
    )
    .await;
    w.settle().await;
    assert_eq!(pages(&w).await.len(), 1);
    let timeline = w
        .app
        .timeline(&w.admin, IncidentKey::Id(incident.id), None, 500)
        .await
        .expect("timeline")
        .1;
    let attached = timeline
        .iter()
        .filter(|e| matches!(e.event, TimelineEvent::AlertAttached { .. }))
        .count();
    assert_eq!(attached, 2, "{timeline:#?}");

    send(
        &w,
        &key,
        webhook("resolved", "{}:{alertname=\"AuthDown\"}", &both),
    )
    .await;
    w.settle().await;
    let incident = w
        .app
        .get_incident(&w.admin, IncidentKey::Id(incident.id))
        .await
        .expect("incident");
    assert!(
        incident.milestones.get(Milestone::Mitigated).is_some(),
        "{incident:#?}"
    );
    assert!(
        incident.milestones.get(Milestone::Resolved).is_none(),
        "a person confirms resolution"
    );
    let timeline = w
        .app
        .timeline(&w.admin, IncidentKey::Id(incident.id), None, 500)
        .await
        .expect("timeline")
        .1;
    assert!(
        timeline
            .iter()
            .any(|e| e.event == TimelineEvent::AlertsResolved { alerts: 2 })
    );
    let asked = w.webhook.to("#team-identity");
    assert!(
        asked
            .iter()
            .any(|r| r.notification.event == NotificationEvent::AlertsResolved),
        "{asked:#?}"
    );
    assert_eq!(pages(&w).await[0].status, PageStatus::Resolved);
}

#[tokio::test]
async fn a_slow_slo_burn_notifies_the_channel_and_test_alerts_are_dropped() {
    let (w, key) = alerting_world().await;
    send(
        &w,
        &key,
        webhook(
            "firing",
            "{}:{alertname=\"AuthErrorBudgetBurn\"}",
            &[(
                "s1",
                json!({"alertname": "AuthErrorBudgetBurn", "window": "6h"}),
            )],
        ),
    )
    .await;
    let mut body: serde_json::Value = serde_json::from_slice(&webhook(
        "firing",
        "{}:{alertname=\"Probe\"}",
        &[("t1", json!({"alertname": "Probe"}))],
    ))
    .unwrap();
    body["alerts"][0]["annotations"]["summary"] = json!("[test] probe");
    send(&w, &key, body.to_string().into_bytes()).await;
    w.settle().await;

    assert!(pages(&w).await.is_empty(), "nobody paged");
    let told = w.webhook.to("#team-identity");
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(told[0].notification.event, NotificationEvent::AlertNotified);
    assert_eq!(told[0].address, "http://hooks.example/identity");
    assert!(told[0].notification.subject.contains("AuthErrorBudgetBurn"));
}

#[tokio::test]
async fn a_silenced_alert_pages_no_one_until_the_silence_is_expired() {
    let (w, key) = alerting_world().await;
    let silence = w
        .app
        .create_silence(
            &w.admin,
            NewSilence {
                matchers: vec!["job=\"backup\"".into()],
                duration: Some(SignedDuration::from_hours(2)),
                comment: "nightly backup window".into(),
                ..NewSilence::default()
            },
        )
        .await
        .expect("silence");
    let backup = [("b1", json!({"alertname": "DiskBusy", "job": "backup"}))];
    send(&w, &key, webhook("firing", "{}:{job=\"backup\"}", &backup)).await;
    w.settle().await;
    assert!(pages(&w).await.is_empty());
    let alert = &w
        .app
        .alerts(
            &w.admin,
            &AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            },
        )
        .await
        .expect("alerts")[0];
    assert_eq!(alert.status, AlertStatus::Firing, "stored and visible");
    let routing = w
        .app
        .alert_routing(&w.admin, alert.id)
        .await
        .expect("routing");
    assert_eq!(routing.silenced_by, Some(silence.silence.id));
    assert!(
        routing
            .decision
            .expect("decided")
            .contains("nightly backup window")
    );

    // An hour on, still silenced; then someone ends it early: it pages now.
    w.advance(SignedDuration::from_hours(1)).await;
    assert!(pages(&w).await.is_empty());
    w.app
        .expire_silence(&w.admin, silence.silence.id)
        .await
        .expect("expired");
    w.settle().await;
    assert_eq!(pages(&w).await.len(), 1);
    let why = w
        .app
        .alert_routing(&w.admin, alert.id)
        .await
        .expect("routing");
    assert!(why.silenced_by.is_none());
    assert!(why.decision.expect("decided").contains("silence ended"));
}

#[tokio::test]
async fn a_silence_that_runs_out_lets_its_open_alerts_page() {
    let (w, key) = alerting_world().await;
    w.app
        .create_silence(
            &w.admin,
            NewSilence {
                matchers: vec!["alertname=\"DiskBusy\"".into()],
                duration: Some(SignedDuration::from_mins(30)),
                comment: "maintenance".into(),
                ..NewSilence::default()
            },
        )
        .await
        .expect("silence");
    send(
        &w,
        &key,
        webhook("firing", "g", &[("x", json!({"alertname": "DiskBusy"}))]),
    )
    .await;
    w.settle().await;
    assert!(pages(&w).await.is_empty());
    w.advance(SignedDuration::from_mins(31)).await;
    assert_eq!(
        pages(&w).await.len(),
        1,
        "the silence lapsed with the alert still firing"
    );
}
