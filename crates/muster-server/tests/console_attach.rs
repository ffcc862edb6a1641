//! Attaching an alert to an incident from the console, without a browser:
//! the alert's page offers the open incidents, the form (CSRF-checked,
//! refused for a viewer) attaches it with or without mitigation, and the
//! page then names the incident and offers neither attaching nor opening
//! another; a resolved incident is refused with the reason on the page.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use muster_app::incidents::IncidentKey;
use muster_core::alert::Alert;
use muster_core::{Actor, Milestone, NewIncident, TimelineEvent};
use muster_store::alerts::AlertFilter;
use support::alerts::{alerting, send, webhook};
use support::client::{Console, form};
use support::oncall::{self, PASSWORD, VIC};

async fn alert(test: &support::TestApp, admin: &Actor, fingerprint: &str) -> Alert {
    test.app
        .alerts(
            admin,
            &AlertFilter {
                limit: 100,
                ..AlertFilter::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.dedup_key == fingerprint)
        .unwrap()
}

async fn declare(test: &support::TestApp, admin: &Actor, title: &str) -> muster_core::Incident {
    test.app
        .declare_incident(
            admin,
            NewIncident {
                title: title.into(),
                ..NewIncident::default()
            },
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_attached_to_an_open_incident_from_its_page() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let key = alerting(&test, &admin).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    send(
        &test,
        &key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    let down = alert(&test, &admin, "auth-1").await;
    let href = format!("/alerts/{}", down.id);
    let open = declare(&test, &admin, "Logins fail").await;
    let over = declare(&test, &admin, "Yesterday's outage").await;
    test.app
        .reach_milestone(
            &admin,
            IncidentKey::Id(over.id),
            None,
            Milestone::Resolved,
            None,
        )
        .await
        .unwrap();

    // The form offers the open incidents only.
    let page = console.get(&href).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="attach-form""#), "{}", page.body);
    assert!(
        page.body.contains(r#"<option value="INC-1""#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(r#"<option value="INC-2""#),
        "resolved ones are not offered"
    );

    // Without CSRF, or as a viewer: refused, nothing attached.
    let forged = console
        .post(&format!("{href}/attach"), "incident=INC-1")
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut viewer = Console::new(&test);
    let viewer_csrf = viewer.sign_in_as(VIC, PASSWORD).await;
    let seen = viewer.get(&href).await;
    assert!(!seen.body.contains(r#"id="attach-form""#));
    let refused = viewer
        .post(
            &format!("{href}/attach"),
            &form(&[("csrf_token", &viewer_csrf), ("incident", "INC-1")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // A resolved incident (a stale form): the page again, with the reason.
    let late = console
        .post(
            &format!("{href}/attach"),
            &form(&[
                ("csrf_token", &csrf),
                ("incident", "INC-2"),
                ("mitigate_on_resolve", "yes"),
            ]),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body.contains("INC-2 is resolved"), "{}", late.body);
    assert!(
        late.body.contains(r#"id="alert-why""#),
        "the page, not an error page"
    );
    let gibberish = console
        .post(
            &format!("{href}/attach"),
            &form(&[("csrf_token", &csrf), ("incident", "soon")]),
        )
        .await;
    assert_eq!(
        gibberish.status,
        StatusCode::BAD_REQUEST,
        "{}",
        gibberish.body
    );

    // The box unticked: attached, and mitigation left to a person.
    let attached = console
        .post(
            &format!("{href}/attach"),
            &form(&[("csrf_token", &csrf), ("incident", "INC-1")]),
        )
        .await;
    assert_eq!(attached.status, StatusCode::SEE_OTHER, "{}", attached.body);
    assert_eq!(attached.location(), "/incidents/INC-1");
    let routing = test.app.alert_routing(&admin, down.id).await.unwrap();
    let group = routing.group.unwrap();
    assert_eq!(group.incident, Some(open.id));
    assert!(!group.mitigate_on_resolve);
    let (_, timeline) = test
        .app
        .timeline(&admin, IncidentKey::Id(open.id), None, 100)
        .await
        .unwrap();
    assert!(
        timeline.iter().any(|e| matches!(
            &e.event,
            TimelineEvent::AlertAttached { alert, .. } if *alert == down.id
        ) && e.actor == Some(admin.user_id)),
        "{timeline:#?}"
    );
    let shown = console.get("/incidents/INC-1").await;
    assert!(
        shown.body.contains("Alert attached: Auth is down"),
        "{}",
        shown.body
    );

    // Now the alert names its incident and offers no other.
    let page = console.get(&href).await;
    assert!(
        page.body
            .contains(r#"id="alert-incident"><a href="/incidents/INC-1">INC-1</a>"#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("its owner is asked to mitigate"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(r#"id="attach-form""#));
    assert!(!page.body.contains(r#"id="open-incident-form""#));
}
