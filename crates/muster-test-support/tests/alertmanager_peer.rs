//! The real Prometheus Alertmanager (Debian's `prometheus-alertmanager`)
//! notifying muster, on SQLite and (when configured) PostgreSQL: through a
//! `webhook_configs` receiver into `/ingest/alertmanager/{key}`, and through
//! a `pagerduty_configs` receiver into `/v2/enqueue`. Alerts go into
//! Alertmanager's own API as Prometheus would post them; muster must store
//! them grouped and deduplicated, and resolve them when Alertmanager says
//! they are. Only ingestion is asserted here, not what routes do with the
//! alerts. Skipped with a note when Alertmanager is not installed, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use muster_core::alert::{Alert, AlertSeverity, AlertStatus};
use muster_test_support::TestApp;
use muster_test_support::peers::{Alertmanager, until};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Generous: Alertmanager flushes a group every second here, but CI
/// machines are slow and shared.
const DEADLINE: Duration = Duration::from_secs(60);

/// One route grouping by alert name and service, flushing at once and
/// every second after, repeating an unchanged group only after an hour;
/// everything goes to the receiver `muster`, configured by `receiver`
/// (YAML lines at the receiver's indentation).
fn config(receiver: &str) -> String {
    format!(
        "route:
  receiver: muster
  group_by: [alertname, service]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: muster
{receiver}"
    )
}

/// The group key Alertmanager gives a group of `alertname` on the
/// checkout-api service under the route above.
fn group_key(alertname: &str) -> String {
    format!(r#"{{}}:{{alertname="{alertname}", service="checkout-api"}}"#)
}

/// An alert as Prometheus posts it, every time with the same `startsAt`;
/// ended a second ago when `resolved`.
fn alert(alertname: &str, instance: &str, started: jiff::Timestamp, resolved: bool) -> Value {
    let mut labels =
        json!({"alertname": alertname, "service": "checkout-api", "instance": instance});
    let mut annotations = json!({});
    if instance == "c-1" {
        labels["severity"] = json!("critical");
        annotations["summary"] = json!("p99 above 500 ms on c-1");
    }
    let mut alert = json!({
        "labels": labels,
        "annotations": annotations,
        "startsAt": started.to_string(),
        "generatorURL": "http://prometheus.test/graph",
    });
    if resolved {
        let ended = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
        alert["endsAt"] = json!(ended.to_string());
    }
    alert
}

/// A minute ago: when the test's alerts started.
fn a_minute_ago() -> jiff::Timestamp {
    jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60)
}

/// Stored alerts by their `instance` label.
fn by_instance(alerts: Vec<Alert>) -> BTreeMap<String, Alert> {
    alerts
        .into_iter()
        .map(|a| (a.labels["instance"].clone(), a))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_configs_deliver_grouped_deduplicated_and_resolved_alerts() {
    for app in TestApp::each().await {
        let key = app.checkout_integration("alertmanager").await;
        let receiver = format!(
            "    webhook_configs:
      - url: {}
        send_resolved: true
",
            app.url(&format!("/ingest/alertmanager/{key}"))
        );
        let Some(am) = Alertmanager::start(&config(&receiver)).await else {
            return;
        };
        let backend = app.backend;
        let started = a_minute_ago();

        // Two alerts of one group, one of another.
        let firing = |alertname, instance| alert(alertname, instance, started, false);
        am.push(&json!([
            firing("HighLatency", "c-1"),
            firing("HighLatency", "c-2"),
            firing("DiskFull", "db-1")
        ]))
        .await;
        let fired = until("three firing alerts in muster", DEADLINE, || async {
            let alerts = by_instance(app.stored_alerts().await);
            (alerts.len() == 3 && alerts.values().all(|a| a.status == AlertStatus::Firing))
                .then_some(alerts)
        })
        .await;
        let fingerprints: BTreeMap<String, String> = am
            .alerts()
            .await
            .iter()
            .map(|a| {
                (
                    a["labels"]["instance"].as_str().unwrap().to_owned(),
                    a["fingerprint"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (instance, stored) in &fired {
            assert_eq!(
                stored.dedup_key, fingerprints[instance],
                "{backend:?}: keyed by Alertmanager's fingerprint"
            );
            assert_eq!(&stored.source, instance);
        }
        let (c1, c2, db1) = (&fired["c-1"], &fired["c-2"], &fired["db-1"]);
        assert_eq!(
            c1.group_key.as_deref(),
            Some(group_key("HighLatency").as_str())
        );
        assert_eq!(c2.group_key, c1.group_key, "one group");
        assert_eq!(
            db1.group_key.as_deref(),
            Some(group_key("DiskFull").as_str())
        );
        assert_eq!(
            (c1.severity, c1.summary.as_str()),
            (AlertSeverity::Critical, "p99 above 500 ms on c-1")
        );
        assert_eq!(
            (c2.severity, c2.summary.as_str()),
            (
                AlertSeverity::Error,
                "HighLatency (service=checkout-api, instance=c-2)"
            ),
            "no severity label, no summary annotation"
        );
        assert!(
            c1.links
                .iter()
                .any(|l| l.text == "Alertmanager" && l.href == am.external_url()),
            "{:?}",
            c1.links
        );
        assert!(
            c1.links
                .iter()
                .any(|l| l.text == "Source" && l.href == "http://prometheus.test/graph")
        );

        // A third alert joins the first group, and Prometheus posts the
        // others again: Alertmanager re-sends the whole changed group.
        // Its two known alerts are updated, not stored twice.
        am.push(&json!([
            firing("HighLatency", "c-1"),
            firing("HighLatency", "c-2"),
            firing("HighLatency", "c-3"),
            firing("DiskFull", "db-1")
        ]))
        .await;
        let resent = until("the first group sent again, with c-3", DEADLINE, || async {
            let alerts = by_instance(app.stored_alerts().await);
            alerts.contains_key("c-3").then_some(alerts)
        })
        .await;
        assert_eq!(resent.len(), 4, "{backend:?}: one alert per fingerprint");
        for instance in ["c-1", "c-2"] {
            let (before, after) = (&fired[instance], &resent[instance]);
            assert_eq!(after.id, before.id, "{instance} is the same alert");
            assert_eq!(after.status, AlertStatus::Firing);
            assert!(
                after.occurrences > before.occurrences,
                "{instance} counts the re-send: {} then {}",
                before.occurrences,
                after.occurrences
            );
        }
        assert_eq!(resent["c-3"].group_key, c1.group_key);
        assert_eq!(
            (resent["db-1"].id, resent["db-1"].occurrences),
            (db1.id, 1),
            "an unchanged group is not sent again before repeat_interval"
        );

        // Every alert ends: Alertmanager sends each group as resolved.
        let ended = ["c-1", "c-2", "c-3"]
            .map(|i| alert("HighLatency", i, started, true))
            .into_iter()
            .chain([alert("DiskFull", "db-1", started, true)])
            .collect::<Vec<_>>();
        am.push(&json!(ended)).await;
        let resolved = until("every alert resolved in muster", DEADLINE, || async {
            let alerts = by_instance(app.stored_alerts().await);
            alerts
                .values()
                .all(|a| a.status == AlertStatus::Resolved)
                .then_some(alerts)
        })
        .await;
        assert_eq!(resolved.len(), 4, "{backend:?}: resolving opens nothing");
        for (instance, alert) in &resolved {
            assert_eq!(alert.id, resent[instance].id);
            assert!(alert.resolved_at.is_some());
        }
        let (sent, failed) = am.notifications("webhook").await;
        assert!(sent >= 4, "{sent} notifications");
        assert_eq!(
            failed,
            0,
            "muster accepted every notification:\n{}",
            am.log()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_configs_trigger_and_resolve_one_alert_per_group() {
    for app in TestApp::each().await {
        let key = app.checkout_integration("pagerduty_events").await;
        let receiver = format!(
            "    pagerduty_configs:
      - routing_key: '{key}'
        url: {}
        send_resolved: true
",
            app.url("/v2/enqueue")
        );
        let Some(am) = Alertmanager::start(&config(&receiver)).await else {
            return;
        };
        let backend = app.backend;
        let started = a_minute_ago();
        // Alertmanager's PagerDuty notifier keys each group's event by the
        // SHA-256 of its group key.
        let dedup_key = |alertname: &str| hex::encode(Sha256::digest(group_key(alertname)));

        am.push(&json!([
            alert("HighLatency", "c-1", started, false),
            alert("HighLatency", "c-2", started, false),
            alert("DiskFull", "db-1", started, false)
        ]))
        .await;
        let triggered = until(
            "both groups triggered, the first with its two alerts",
            DEADLINE,
            || async {
                let alerts = app.stored_alerts().await;
                let latency = alerts
                    .iter()
                    .find(|a| a.dedup_key == dedup_key("HighLatency"))?
                    .clone();
                let disk = alerts
                    .iter()
                    .find(|a| a.dedup_key == dedup_key("DiskFull"))?
                    .clone();
                // With no wait, Alertmanager may send the group before the
                // second alert has joined it, then again with both.
                latency
                    .summary
                    .starts_with("[FIRING:2]")
                    .then_some((alerts.len(), latency, disk))
            },
        )
        .await;
        let (count, latency, disk) = triggered;
        assert_eq!(count, 2, "{backend:?}: one alert per group");
        // Alertmanager's default templates: the subject as the summary (the
        // common labels outside the group in brackets, else a space at the
        // end), the severity `error`, itself as the source and client.
        assert_eq!(latency.status, AlertStatus::Firing);
        assert_eq!(
            latency.summary.trim_end(),
            "[FIRING:2] HighLatency checkout-api"
        );
        assert_eq!(disk.summary, "[FIRING:1] DiskFull checkout-api (db-1)");
        assert_eq!(latency.severity, AlertSeverity::Error);
        assert_eq!(latency.source, "Alertmanager");
        assert_eq!(latency.labels["client"], "Alertmanager");
        assert_eq!(latency.annotations["num_firing"], "2");
        assert!(
            latency.annotations["firing"].contains("instance = c-2"),
            "{:?}",
            latency.annotations
        );
        assert!(
            latency
                .links
                .iter()
                .any(|l| l.text == "Alertmanager" && l.href.starts_with(&am.external_url())),
            "{:?}",
            latency.links
        );

        am.push(&json!([
            alert("HighLatency", "c-1", started, true),
            alert("HighLatency", "c-2", started, true),
            alert("DiskFull", "db-1", started, true)
        ]))
        .await;
        let resolved = until("both groups resolved in muster", DEADLINE, || async {
            let alerts = app.stored_alerts().await;
            alerts
                .iter()
                .all(|a| a.status == AlertStatus::Resolved)
                .then_some(alerts)
        })
        .await;
        assert_eq!(resolved.len(), 2, "{backend:?}: resolving opens nothing");
        assert!(resolved.iter().any(|a| a.id == latency.id));
        assert!(resolved.iter().any(|a| a.id == disk.id));
        let (sent, failed) = am.notifications("pagerduty").await;
        assert!(sent >= 4, "{sent} events");
        assert_eq!(failed, 0, "muster accepted every event:\n{}", am.log());
    }
}
