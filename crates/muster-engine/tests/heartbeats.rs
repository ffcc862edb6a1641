//! Heartbeat stories on SQLite with a fake clock: a nightly job that stops
//! beating pages its service's on-call once, however often (and on however
//! many nodes) the check runs; its next beat resolves the alert and the
//! page; an integration that never beat counts from its creation.

mod support;

use std::sync::Arc;

use jiff::SignedDuration;
use muster_app::alerts::NewIntegration;
use muster_app::integration_config::IntegrationConfig;
use muster_core::alert::{Alert, AlertStatus};
use muster_core::paging::{NotificationEvent, Page, PageStatus};
use muster_engine::{Engine, EngineConfig};
use muster_sinks::{Sink, Sinks};
use muster_store::PageFilter;
use muster_store::alerts::AlertFilter;
use support::{TWO_STEPS, World, plan, world};

/// A heartbeat integration for the auth service, every 5 min with 1 min of grace.
async fn heartbeat(w: &World, name: &str) -> String {
    let (_, key) = w
        .app
        .create_integration(
            &w.admin,
            NewIntegration {
                name: name.into(),
                kind: "heartbeat".into(),
                service: Some("auth".into()),
                team: None,
                config: IntegrationConfig {
                    interval_seconds: Some(300),
                    grace_seconds: Some(60),
                    ..IntegrationConfig::default()
                },
            },
        )
        .await
        .expect("integration");
    key
}

async fn pages(w: &World) -> Vec<Page> {
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

async fn alerts(w: &World) -> Vec<Alert> {
    w.app
        .alerts(
            &w.admin,
            &AlertFilter {
                limit: 50,
                ..AlertFilter::default()
            },
        )
        .await
        .expect("alerts")
}

#[tokio::test]
async fn a_missed_beat_pages_once_and_the_next_beat_resolves_it() {
    let w = world(&plan(TWO_STEPS, 1)).await;
    let key = heartbeat(&w, "nightly-backup").await;
    w.app.record_heartbeat(&key).await.expect("a beat");

    // Five minutes and one more of grace: still fine.
    w.advance(SignedDuration::from_mins(6)).await;
    assert!(alerts(&w).await.is_empty());
    assert!(pages(&w).await.is_empty());

    // A minute past the grace: one alert, one page to the on-call.
    w.advance(SignedDuration::from_mins(1)).await;
    let raised = alerts(&w).await;
    assert_eq!(raised.len(), 1, "{raised:#?}");
    assert_eq!(raised[0].dedup_key, "heartbeat:nightly-backup");
    assert_eq!(
        raised[0].summary,
        "No heartbeat from nightly-backup for 7 min"
    );
    assert_eq!(raised[0].severity.as_str(), "error");
    assert_eq!(raised[0].status, AlertStatus::Firing);
    let paged = pages(&w).await;
    assert_eq!(paged.len(), 1, "{paged:#?}");
    assert_eq!(paged[0].target.to_string(), "service auth");
    let to_ana = w.webhook.to("ana@example.com");
    assert_eq!(to_ana.len(), 1);
    assert_eq!(
        to_ana[0].notification.event,
        NotificationEvent::PageTriggered
    );

    // The check runs again, here and on a second node: nothing more.
    let again = w.app.check_heartbeats().await.expect("check");
    assert_eq!((again.checked, again.raised), (1, 0));
    let other_node = Engine::new(
        w.app.clone(),
        Arc::new(Sinks::from_sinks([
            Box::new(w.email.clone()) as Box<dyn Sink>,
            Box::new(w.webhook.clone()) as Box<dyn Sink>,
        ])),
        EngineConfig::new("node-b"),
    );
    let report = other_node.run_cycle_once().await.expect("cycle");
    assert_eq!(report.heartbeats_missed, 0);
    w.advance(SignedDuration::from_mins(2)).await;
    assert_eq!(alerts(&w).await.len(), 1);
    assert_eq!(alerts(&w).await[0].occurrences, 1, "not even a repeat");
    assert_eq!(pages(&w).await.len(), 1);

    // The job beats again: the alert resolves, and the page with it.
    w.app.record_heartbeat(&key).await.expect("a beat");
    let report = w.engine.run_cycle_once().await.expect("cycle");
    assert_eq!(report.heartbeats_back, 1);
    w.settle().await;
    assert_eq!(alerts(&w).await[0].status, AlertStatus::Resolved);
    assert_eq!(pages(&w).await[0].status, PageStatus::Resolved);

    // Quiet again past interval and grace: a new alert, a new page.
    w.advance(SignedDuration::from_mins(7)).await;
    let all = alerts(&w).await;
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(
        all.iter()
            .filter(|a| a.status == AlertStatus::Firing)
            .count(),
        1
    );
    assert_eq!(pages(&w).await.len(), 2);
}

#[tokio::test]
async fn a_heartbeat_that_never_beat_counts_from_its_creation() {
    let w = world(&plan(TWO_STEPS, 1)).await;
    heartbeat(&w, "weekly-report").await;
    w.advance(SignedDuration::from_mins(6)).await;
    assert!(alerts(&w).await.is_empty(), "within interval and grace");
    w.advance(SignedDuration::from_secs(30)).await;
    let raised = alerts(&w).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].annotations["last_beat"], "never");
    assert_eq!(pages(&w).await.len(), 1);

    // Resolved by hand while the job is still quiet: not raised again for
    // the same silence.
    w.app
        .resolve_alert(&w.admin, raised[0].id)
        .await
        .expect("resolved");
    w.advance(SignedDuration::from_mins(30)).await;
    assert_eq!(alerts(&w).await.len(), 1);
}
