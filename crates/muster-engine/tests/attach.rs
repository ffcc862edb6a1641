//! Alerts attached to incidents by hand, with a fake clock and capturing
//! sinks: an incident opened from an alert follows the alert's storm, a
//! second storm attached to it by hand keeps it waiting until every
//! attached alert resolves, and then it is mitigated and its team asked to
//! confirm once; an attach without mitigation leaves that to a person; an
//! alert routing never grouped gets a group of its own and pages nobody.

mod support;

use muster_app::AppError;
use muster_app::alerts::NewIntegration;
use muster_app::incidents::IncidentKey;
use muster_core::alert::attach::ATTACHED_BY_HAND;
use muster_core::alert::routing::AlertGroup;
use muster_core::paging::{NotificationEvent, PageStatus};
use muster_core::{AlertId, Incident, Milestone, NewIncident, TimelineEvent};
use muster_ingest::alertmanager::Flavour;
use muster_store::PageFilter;
use serde_json::json;
use support::{TWO_STEPS, World, plan, world};

async fn attaching_world() -> (World, String) {
    let w = world(&plan(TWO_STEPS, 1)).await;
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

/// An Alertmanager webhook of one alert `fingerprint`, in its own group.
fn webhook(status: &str, fingerprint: &str) -> Vec<u8> {
    json!({
        "version": "4", "groupKey": format!("{{}}:{{alertname=\"{fingerprint}\"}}"),
        "truncatedAlerts": 0, "status": status, "receiver": "muster", "groupLabels": {},
        "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager.example",
        "alerts": [{
            "status": status, "labels": {"alertname": fingerprint},
            "annotations": {"summary": format!("{fingerprint} is failing")},
            "startsAt": "2027-01-04T09:50:00Z",
            "endsAt": if status == "resolved" { "2027-01-04T10:30:00Z" } else { "0001-01-01T00:00:00Z" },
            "generatorURL": "http://prometheus.example/graph", "fingerprint": fingerprint,
        }],
    })
    .to_string()
    .into_bytes()
}

async fn send(w: &World, key: &str, status: &str, fingerprint: &str) -> AlertId {
    let ingested = w
        .app
        .ingest_webhook(Flavour::Alertmanager, key, &webhook(status, fingerprint))
        .await
        .expect("ingested");
    match ingested.received.first() {
        Some(muster_core::alert::Received::Opened(a)) => a.id,
        Some(muster_core::alert::Received::Updated { alert, .. }) => alert.id,
        other => panic!("{other:?}"),
    }
}

async fn group(w: &World, alert: AlertId) -> AlertGroup {
    w.app
        .alert_routing(&w.admin, alert)
        .await
        .expect("routing")
        .group
        .expect("a group")
}

async fn incident(w: &World, incident: &Incident) -> Incident {
    w.app
        .get_incident(&w.admin, IncidentKey::Id(incident.id))
        .await
        .expect("incident")
}

async fn timeline(w: &World, incident: &Incident) -> Vec<muster_core::TimelineEntry> {
    w.app
        .timeline(&w.admin, IncidentKey::Id(incident.id), None, 500)
        .await
        .expect("timeline")
        .1
}

fn asked(w: &World) -> usize {
    w.webhook
        .to("#team-identity")
        .iter()
        .filter(|r| r.notification.event == NotificationEvent::AlertsResolved)
        .count()
}

fn conflict(result: Result<impl std::fmt::Debug, AppError>) -> (&'static str, &'static str) {
    match result {
        Err(AppError::ConflictOn { code, field, .. }) => (code, field),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn an_incident_follows_every_alert_attached_to_it_until_all_resolve() {
    let (w, key) = attaching_world().await;
    let down = send(&w, &key, "firing", "AuthDown").await;
    let slow = send(&w, &key, "firing", "AuthSlow").await;
    w.settle().await;

    // Opened from the first alert: its storm follows the new incident.
    let opened = w
        .app
        .open_incident_from_alert(&w.admin, down, Some("SEV2".into()))
        .await
        .expect("opened");
    let followed = group(&w, down).await;
    assert_eq!(followed.incident, Some(opened.id));
    assert!(followed.mitigate_on_resolve);
    assert!(followed.page.is_some(), "the page routing raised stays");
    // Opening a second one from it is refused: one incident per alert.
    assert_eq!(
        conflict(w.app.open_incident_from_alert(&w.admin, down, None).await),
        ("alert_attached", "alert")
    );

    // The second storm, attached by hand.
    let reference = IncidentKey::Number(opened.number);
    let attached = w
        .app
        .attach_alert(&w.admin, slow, reference, true)
        .await
        .expect("attached");
    assert!(attached.changed);
    assert_eq!(attached.incident.id, opened.id);
    assert_eq!(group(&w, slow).await.incident, Some(opened.id));
    let again = w
        .app
        .attach_alert(&w.admin, slow, reference, false)
        .await
        .expect("attached again");
    assert!(!again.changed, "attached there already: nothing changes");
    assert!(group(&w, slow).await.mitigate_on_resolve);
    let entries = timeline(&w, &opened).await;
    let attaching: Vec<_> = entries
        .iter()
        .filter_map(|e| match &e.event {
            TimelineEvent::AlertAttached { alert, .. } => Some((*alert, e.actor)),
            _ => None,
        })
        .collect();
    assert_eq!(
        attaching,
        [(down, Some(w.admin.user_id)), (slow, Some(w.admin.user_id))],
        "each named once, with who attached it"
    );

    // One storm resolves: its page stops, the incident waits for the other.
    send(&w, &key, "resolved", "AuthDown").await;
    w.settle().await;
    let now = incident(&w, &opened).await;
    assert!(
        now.milestones.get(Milestone::Mitigated).is_none(),
        "{now:#?}"
    );
    assert_eq!(asked(&w), 0);
    let pages = w
        .app
        .list_pages(
            &w.admin,
            PageFilter {
                limit: 50,
                ..PageFilter::default()
            },
        )
        .await
        .expect("pages");
    let down_page = pages
        .iter()
        .find(|p| Some(p.id) == followed.page)
        .expect("the first storm's page");
    assert_eq!(down_page.status, PageStatus::Resolved);

    // The other resolves: mitigated, and the team asked to confirm, once.
    send(&w, &key, "resolved", "AuthSlow").await;
    w.settle().await;
    let now = incident(&w, &opened).await;
    assert!(
        now.milestones.get(Milestone::Mitigated).is_some(),
        "{now:#?}"
    );
    assert!(
        now.milestones.get(Milestone::Resolved).is_none(),
        "a person confirms resolution"
    );
    assert!(
        timeline(&w, &opened)
            .await
            .iter()
            .any(|e| e.event == TimelineEvent::AlertsResolved { alerts: 2 })
    );
    assert_eq!(asked(&w), 1);

    // A resolved incident takes no more alerts.
    w.app
        .reach_milestone(
            &w.admin,
            IncidentKey::Id(opened.id),
            None,
            Milestone::Resolved,
            None,
        )
        .await
        .expect("resolved");
    let late = send(&w, &key, "firing", "AuthLate").await;
    assert_eq!(
        conflict(w.app.attach_alert(&w.admin, late, reference, true).await),
        ("incident_resolved", "incident")
    );
}

#[tokio::test]
async fn an_attach_without_mitigation_leaves_it_to_a_person_and_an_unrouted_alert_pages_nobody() {
    let (w, key) = attaching_world().await;
    let declared = w
        .app
        .declare_incident_on(
            &w.admin,
            NewIncident {
                title: "Logins fail".into(),
                ..NewIncident::default()
            },
            &["auth".into()],
            &[],
        )
        .await
        .expect("declared");
    // Attached before routing saw it: a group is made for it.
    let early = send(&w, &key, "firing", "LoginErrors").await;
    let attached = w
        .app
        .attach_alert(&w.admin, early, IncidentKey::Id(declared.id), false)
        .await
        .expect("attached");
    assert_eq!(attached.group.effect, ATTACHED_BY_HAND);
    assert!(!attached.group.mitigate_on_resolve);
    w.settle().await;
    let pages = w
        .app
        .list_pages(
            &w.admin,
            PageFilter {
                limit: 50,
                ..PageFilter::default()
            },
        )
        .await
        .expect("pages");
    assert!(
        pages.iter().all(|p| !p.summary.contains("LoginErrors")),
        "it follows an incident, whose declaration paged: {pages:#?}"
    );

    // A second alert of the same storm joins the group, and the incident.
    let again = w
        .app
        .ingest_webhook(Flavour::Alertmanager, &key, &{
            let mut body: serde_json::Value =
                serde_json::from_slice(&webhook("firing", "LoginErrors")).expect("json");
            body["alerts"][0]["fingerprint"] = json!("LoginErrors-2");
            body.to_string().into_bytes()
        })
        .await
        .expect("ingested");
    assert_eq!(again.received.len(), 1);
    w.settle().await;
    let entries = timeline(&w, &declared).await;
    assert_eq!(
        entries
            .iter()
            .filter(|e| matches!(e.event, TimelineEvent::AlertAttached { .. }))
            .count(),
        2,
        "{entries:#?}"
    );

    let both: Vec<serde_json::Value> = ["LoginErrors", "LoginErrors-2"]
        .map(|fp| {
            json!({
                "status": "resolved", "labels": {"alertname": "LoginErrors"},
                "annotations": {"summary": "LoginErrors is failing"},
                "startsAt": "2027-01-04T09:50:00Z", "endsAt": "2027-01-04T10:30:00Z",
                "generatorURL": "http://prometheus.example/graph", "fingerprint": fp,
            })
        })
        .to_vec();
    let resolved = json!({
        "version": "4", "groupKey": "{}:{alertname=\"LoginErrors\"}", "truncatedAlerts": 0,
        "status": "resolved", "receiver": "muster", "groupLabels": {}, "commonLabels": {},
        "commonAnnotations": {}, "externalURL": "http://alertmanager.example",
        "alerts": both,
    });
    w.app
        .ingest_webhook(Flavour::Alertmanager, &key, resolved.to_string().as_bytes())
        .await
        .expect("ingested");
    w.settle().await;
    let now = incident(&w, &declared).await;
    assert!(
        now.milestones.get(Milestone::Mitigated).is_none(),
        "left to a person: {now:#?}"
    );
    assert!(
        timeline(&w, &declared)
            .await
            .iter()
            .any(|e| e.event == TimelineEvent::AlertsResolved { alerts: 2 })
    );
    let asked: Vec<_> = w
        .webhook
        .to("#team-identity")
        .into_iter()
        .filter(|r| r.notification.event == NotificationEvent::AlertsResolved)
        .collect();
    assert_eq!(asked.len(), 1, "still asked to confirm: {asked:#?}");
}
