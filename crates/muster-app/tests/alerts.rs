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

async fn two_alerts(app: &App, admin: &Actor) -> Vec<muster_core::alert::Alert> {
    let (_, key) = app
        .create_integration(admin, new("alertmanager"))
        .await
        .expect("integration");
    app.ingest_webhook(Flavour::Alertmanager, &key, FIRING.as_bytes())
        .await
        .expect("ingested");
    app.alerts(
        admin,
        &AlertFilter {
            limit: 10,
            ..AlertFilter::default()
        },
    )
    .await
    .expect("alerts")
}

#[tokio::test]
async fn an_incident_opened_from_an_alert_is_detected_when_it_started_and_carries_it() {
    use muster_app::incidents::IncidentKey;
    use muster_core::{Milestone, TimelineEvent};

    let (app, admin, _store, _dir) = app().await;
    let alerts = two_alerts(&app, &admin).await;
    let alert = alerts.iter().find(|a| a.dedup_key == "f1").unwrap();

    let viewer = Actor {
        role: UserRole::Viewer,
        ..admin
    };
    assert!(matches!(
        app.open_incident_from_alert(&viewer, alert.id, None).await,
        Err(AppError::Forbidden(_))
    ));

    let incident = app
        .open_incident_from_alert(&admin, alert.id, Some("SEV2".into()))
        .await
        .unwrap();
    assert_eq!(incident.title, "slow");
    assert_eq!(incident.severity.as_str(), "SEV2");
    let started: jiff::Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
    assert_eq!(incident.milestones.get(Milestone::Started), Some(started));
    assert_eq!(incident.milestones.get(Milestone::Detected), Some(started));
    assert_eq!(incident.affected.services, [slug("checkout-api")]);
    assert_eq!(incident.affected.teams, [slug("storefront")]);
    let (_, timeline) = app
        .timeline(&admin, IncidentKey::Id(incident.id), None, 100)
        .await
        .unwrap();
    let attached: Vec<_> = timeline
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::AlertAttached { alert, summary } => Some((*alert, summary.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(attached, [(alert.id, "slow")]);
    let position = |kind: &str| {
        timeline
            .iter()
            .position(|e| e.event.kind() == kind)
            .unwrap_or_else(|| panic!("no {kind} entry: {timeline:#?}"))
    };
    assert!(
        position("declared") < position("alert_attached"),
        "declared first, then attached: {timeline:#?}"
    );

    // An alert that does not exist opens nothing.
    let missing = muster_core::AlertId(uuid::Uuid::now_v7());
    assert!(matches!(
        app.open_incident_from_alert(&admin, missing, None).await,
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_alert_overview_says_how_it_was_routed_and_names_its_group() {
    let (app, admin, _store, _dir) = app().await;
    let alerts = two_alerts(&app, &admin).await;
    let alert = alerts.iter().find(|a| a.dedup_key == "f1").unwrap();

    let before = app.alert_overview(&admin, alert.id).await.unwrap();
    assert!(!before.routing.decided);
    assert!(before.routing.pending);
    assert!(before.group_alerts.is_empty());
    assert_eq!(before.integration.name, "alertmanager-checkout");

    app.route_pending_alerts(10).await.unwrap();
    let after = app.alert_overview(&admin, alert.id).await.unwrap();
    assert!(after.routing.decided && !after.routing.pending);
    assert_eq!(after.routing.effect.as_deref(), Some("page"));
    assert!(
        after
            .routing
            .reasons
            .iter()
            .any(|r| r.contains("no rule matched")),
        "{:?}",
        after.routing.reasons
    );
    // Alertmanager's group: both alerts are one storm.
    assert_eq!(after.group_alerts.len(), 2);
    let (listed, _) = app
        .alert_list(
            &admin,
            &AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(
        listed
            .iter()
            .all(|l| l.routing.effect.as_deref() == Some("page"))
    );
}

#[tokio::test]
async fn a_preview_decides_stored_alerts_and_tells_a_shadowed_rule() {
    use muster_core::alert::Matcher;
    use muster_core::alert::route::{Route, RouteEffect};

    let (app, admin, _store, _dir) = app().await;
    two_alerts(&app, &admin).await;
    let rule = |name: &str, matcher: &str, effect: RouteEffect| Route {
        name: name.into(),
        team: slug("storefront"),
        matchers: vec![Matcher::parse("match", matcher).unwrap()],
        min_severity: None,
        sources: Vec::new(),
        summary_contains: None,
        target: None,
        set_severity: None,
        effect: Some(effect),
        continue_matching: false,
        mitigate_on_resolve: true,
    };
    let routes = [
        rule("drop-c1", "instance=\"c-1\"", RouteEffect::Drop),
        rule(
            "latency",
            "alertname=\"HighLatency\"",
            RouteEffect::NotifyOnly {
                channel: "#storefront".into(),
            },
        ),
    ];
    let whole = app.preview_routes(&admin, &routes, None).await.unwrap();
    assert_eq!((whole.considered, whole.alerts.len()), (2, 2));
    let of = |key: &str| {
        whole
            .alerts
            .iter()
            .find(|p| p.alert.dedup_key == key)
            .unwrap()
            .decision
            .clone()
    };
    assert_eq!(of("f1").effect, RouteEffect::Drop);
    assert_eq!(of("f2").matched, ["latency"]);

    // The second rule matches both alone, but decides only for c-2.
    let one = app.preview_routes(&admin, &routes, Some(1)).await.unwrap();
    let seen: Vec<(&str, bool, bool)> = one
        .alerts
        .iter()
        .map(|p| (p.alert.dedup_key.as_str(), p.rule_matches, p.rule_decides))
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&("f1", true, false)), "{seen:?}");
    assert!(seen.contains(&("f2", true, true)), "{seen:?}");

    assert!(matches!(
        app.preview_routes(&admin, &routes, Some(2)).await,
        Err(AppError::Invalid(_))
    ));
    // Nothing was written: both alerts still wait to be routed.
    let overview = app
        .alert_overview(&admin, one.alerts[0].alert.id)
        .await
        .unwrap();
    assert!(overview.routing.pending && !overview.routing.decided);
}
