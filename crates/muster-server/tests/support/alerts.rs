//! Alerts for the console and browser tests: alert routes for the on-call
//! world's teams, an Alertmanager integration on `auth`, and webhooks.

use muster_app::alerts::NewIntegration;
use muster_core::Actor;
use muster_ingest::alertmanager::Flavour;
use serde_json::json;

use super::TestApp;
use super::oncall::{PLAN, apply};

/// Each team's rules: identity pages for `AuthDown`, notifies for a slow
/// burn, drops test alerts; storage pages for full disks (errors only).
pub const ROUTES: &str = r##"
---
kind: AlertRoutes
name: identity-alerts
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
order: 10
rules:
  - name: auth-slo-burning-slowly
    match: ['alertname="AuthErrorBudgetBurn"', 'window="6h"']
    notify: "#team-identity"
  - name: auth-down
    match: ['alertname="AuthDown"']
    route_to: {service: auth}
    set_severity: critical
    page: true
  - name: synthetic
    summary_contains: "[test]"
    drop: true
---
kind: AlertRoutes
name: storage-alerts
owner: storage
review_every: 90d
last_reviewed: 2026-11-01
order: 50
rules:
  - name: disk-full
    match: ['alertname="DiskFull"']
    min_severity: error
    page: true
"##;

/// The plan with [`ROUTES`], and an Alertmanager integration bound to
/// `auth`; returns its key.
pub async fn alerting(test: &TestApp, admin: &Actor) -> String {
    apply(test, admin, &format!("{PLAN}{ROUTES}")).await;
    let (_, key) = test
        .app
        .create_integration(
            admin,
            NewIntegration {
                name: "prometheus".into(),
                kind: "alertmanager".into(),
                service: Some("auth".into()),
                team: None,
                config: Default::default(),
            },
        )
        .await
        .expect("the integration is created");
    key
}

/// An Alertmanager webhook of one group: `(fingerprint, alertname, summary)`.
pub fn webhook(status: &str, alerts: &[(&str, &str, &str)]) -> Vec<u8> {
    let alerts: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(fingerprint, name, summary)| {
            json!({
                "status": status,
                "labels": {"alertname": name, "instance": fingerprint, "job": "auth"},
                "annotations": {"summary": summary, "runbook": "restart the auth pods"},
                "startsAt": "2026-12-01T09:50:00Z",
                "endsAt": if status == "resolved" { "2026-12-01T10:30:00Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": fingerprint,
            })
        })
        .collect();
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"AuthDown\"}", "truncatedAlerts": 0,
        "status": status, "receiver": "muster", "groupLabels": {}, "commonLabels": {},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example", "alerts": alerts,
    })
    .to_string()
    .into_bytes()
}

/// Sends a webhook as Alertmanager would, then routes what arrived.
pub async fn send(test: &TestApp, key: &str, body: &[u8]) {
    test.app
        .ingest_webhook(Flavour::Alertmanager, key, body)
        .await
        .expect("the webhook is stored");
    test.app
        .route_pending_alerts(200)
        .await
        .expect("the alerts are routed");
}
