//! Integrations and ingestion over a real SQLite store: keys work once
//! created and only on their own kind of endpoint, a payload becomes
//! deduplicated alerts, and a bad payload stores nothing.

use std::sync::Arc;

use muster_app::alerts::{IngestError, NewIntegration};
use muster_app::{App, AppError, Settings, SystemClock};
use muster_core::alert::{AlertStatus, Received};
use muster_core::catalog::{Lifecycle, Service, Team};
use muster_core::{Actor, Slug, UserRole};
use muster_ingest::alertmanager::Flavour;
use muster_store::alerts::AlertFilter;
use muster_store_sqlite::SqliteStore;

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).expect("valid slug")
}

async fn app() -> (App, Actor, Arc<SqliteStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Arc::new(
        SqliteStore::open(dir.path().join("m.db"))
            .await
            .expect("open store"),
    );
    let app = App::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let (admin, _) = app
        .issue_admin_token("ada@example.com", UserRole::Admin, "test")
        .await
        .expect("admin");
    let admin = Actor {
        user_id: admin.id,
        role: UserRole::Admin,
    };
    app.put_team(
        &admin,
        Team {
            slug: slug("storefront"),
            name: "Storefront".into(),
            description: String::new(),
            contact_channel: String::new(),
            escalation_policy: None,
            members: vec![],
        },
    )
    .await
    .expect("team");
    app.put_service(
        &admin,
        Service {
            slug: slug("checkout-api"),
            name: "Checkout API".into(),
            description: String::new(),
            owner_team: Some(slug("storefront")),
            tier: 1,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![],
            runbooks: vec![],
            rollback_plan: String::new(),
            tags: vec![],
            depends_on: vec![],
        },
    )
    .await
    .expect("service");
    (app, admin, store, dir)
}

fn new(kind: &str) -> NewIntegration {
    NewIntegration {
        name: format!("{kind}-checkout"),
        kind: kind.into(),
        service: Some("checkout-api".into()),
        team: None,
        config: Default::default(),
    }
}

const FIRING: &str = r#"{"receiver":"muster","status":"firing","alerts":[
  {"status":"firing","labels":{"alertname":"HighLatency","instance":"c-1"},"annotations":{"summary":"slow"},
   "startsAt":"2026-12-01T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"},
  {"status":"firing","labels":{"alertname":"HighLatency","instance":"c-2"},"annotations":{"summary":"slow"},
   "startsAt":"2026-12-01T09:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f2"}],
  "groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am.test","version":"4",
  "groupKey":"{}:{alertname=\"HighLatency\"}","truncatedAlerts":0}"#;

#[tokio::test]
async fn an_alertmanager_notification_becomes_deduplicated_alerts() {
    let (app, admin, store, _dir) = app().await;
    let (integration, key) = app
        .create_integration(&admin, new("alertmanager"))
        .await
        .unwrap();
    assert_eq!(key.len(), 32);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));

    let first = app
        .ingest_webhook(Flavour::Alertmanager, &key, FIRING.as_bytes())
        .await
        .unwrap();
    assert_eq!(first.integration.id, integration.id);
    assert!(
        first
            .received
            .iter()
            .all(|r| matches!(r, Received::Opened(_)))
    );
    // Alertmanager sends the group again: the same two alerts, counted.
    app.ingest_webhook(Flavour::Alertmanager, &key, FIRING.as_bytes())
        .await
        .unwrap();
    let resolved = FIRING.replacen(
        r#""status":"firing","labels""#,
        r#""status":"resolved","labels""#,
        1,
    );
    app.ingest_webhook(Flavour::Alertmanager, &key, resolved.as_bytes())
        .await
        .unwrap();
    use muster_store::alerts::AlertStore as _;
    let alerts = store
        .alerts(&AlertFilter {
            limit: 10,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(alerts.len(), 2);
    let f1 = alerts.iter().find(|a| a.dedup_key == "f1").unwrap();
    let f2 = alerts.iter().find(|a| a.dedup_key == "f2").unwrap();
    assert_eq!((f1.status, f1.occurrences), (AlertStatus::Resolved, 2));
    assert_eq!((f2.status, f2.occurrences), (AlertStatus::Firing, 3));
}

#[tokio::test]
async fn keys_work_only_on_their_own_endpoint_and_bad_payloads_store_nothing() {
    let (app, admin, store, _dir) = app().await;
    let (_, key) = app
        .create_integration(&admin, new("alertmanager"))
        .await
        .unwrap();
    let wrong_kind = app
        .ingest_webhook(Flavour::Grafana, &key, FIRING.as_bytes())
        .await;
    assert!(matches!(wrong_kind, Err(IngestError::UnknownKey)));
    let unknown = app
        .ingest_webhook(
            Flavour::Alertmanager,
            "0123456789abcdef0123456789abcdef",
            FIRING.as_bytes(),
        )
        .await;
    assert!(matches!(unknown, Err(IngestError::UnknownKey)));
    // The second alert is broken: the first is not stored either.
    let broken = FIRING.replacen(r#","fingerprint":"f2""#, "", 1);
    let refused = app
        .ingest_webhook(Flavour::Alertmanager, &key, broken.as_bytes())
        .await;
    let Err(IngestError::Malformed(error)) = refused else {
        panic!("refused: {refused:?}")
    };
    assert_eq!(error.field, "alerts[1].fingerprint");
    use muster_store::alerts::AlertStore as _;
    assert!(
        store
            .alerts(&AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn pagerduty_events_trigger_acknowledge_and_resolve() {
    let (app, admin, _store, _dir) = app().await;
    let (_, key) = app
        .create_integration(&admin, new("pagerduty_events"))
        .await
        .unwrap();
    let trigger = format!(
        r#"{{"routing_key":"{key}","event_action":"trigger","payload":{{"summary":"disk full","source":"db-1","severity":"critical"}}}}"#
    );
    let (ingested, dedup_key) = app
        .ingest_pagerduty_event(trigger.as_bytes())
        .await
        .unwrap();
    assert!(matches!(ingested.received[0], Received::Opened(_)));
    assert!(!dedup_key.is_empty(), "a key is drawn when none is given");
    for action in ["acknowledge", "resolve"] {
        let body = format!(
            r#"{{"routing_key":"{key}","event_action":"{action}","dedup_key":"{dedup_key}"}}"#
        );
        let (ingested, _) = app.ingest_pagerduty_event(body.as_bytes()).await.unwrap();
        assert!(
            matches!(ingested.received[0], Received::Updated { .. }),
            "{action}"
        );
    }
}

#[tokio::test]
async fn an_integration_needs_a_name_a_kind_and_something_to_belong_to() {
    let (app, admin, _store, _dir) = app().await;
    let bad = NewIntegration {
        name: " ".into(),
        kind: "nagios".into(),
        service: Some("nosuch".into()),
        team: None,
        config: Default::default(),
    };
    let Err(AppError::Invalid(fields)) = app.create_integration(&admin, bad).await else {
        panic!("refused")
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "kind", "service"]);
    let unbound = NewIntegration {
        service: None,
        ..new("generic")
    };
    assert!(matches!(
        app.create_integration(&admin, unbound).await,
        Err(AppError::Invalid(_))
    ));
    app.create_integration(&admin, new("generic"))
        .await
        .unwrap();
    let taken = app.create_integration(&admin, new("generic")).await;
    assert!(
        matches!(taken, Err(AppError::Taken { field: "name", .. })),
        "{taken:?}"
    );
}
