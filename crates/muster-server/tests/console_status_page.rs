//! The incident page's status-page card, without a browser: it offers the
//! plan's components and a runbook's draft, previews an update without
//! publishing it, publishes it (redirecting, so a reload cannot publish
//! twice), and says why a drill never reaches the public page.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use muster_app::incidents::IncidentKey;
use muster_core::{IncidentNumber, NewIncident};
use support::client::{Console, form};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_is_previewed_then_published_from_the_incident_page() {
    let test = support::app().await;
    support::with_admin(&test).await;
    let admin = test
        .app
        .verify_credentials(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    test.app
        .apply_plan(&admin.actor, support::example_plan())
        .await
        .unwrap();
    let incident = test
        .app
        .declare_incident(
            &admin.actor,
            NewIncident {
                title: "Checkout is slow".into(),
                ..NewIncident::default()
            },
        )
        .await
        .unwrap();
    let drill = test
        .app
        .declare_incident(
            &admin.actor,
            NewIncident {
                title: "Practice".into(),
                drill: true,
                ..NewIncident::default()
            },
        )
        .await
        .unwrap();
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    let page = console
        .get(&format!("/incidents/{}", incident.number))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Public status page"), "{}", page.body);
    assert!(page.body.contains("Nothing of this incident is public yet"));
    assert!(page.body.contains("name=\"component:payments\""));

    let path = format!("/incidents/{}/status-page", incident.number);
    let preview = console
        .post(
            &path,
            &form(&[
                ("csrf_token", &csrf),
                ("status", "identified"),
                ("component:payments", "degraded_performance"),
                ("component:shop", ""),
                ("body", "Card payments are slow; we found why."),
                ("preview", "true"),
            ]),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("Preview: identified"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("payments degraded performance"));
    let key = IncidentKey::Number(IncidentNumber(incident.number.0));
    assert!(
        test.app
            .public_incident(&admin.actor, key)
            .await
            .unwrap()
            .is_none()
    );

    let published = console
        .post(
            &path,
            &form(&[
                ("csrf_token", &csrf),
                ("status", "identified"),
                ("component:payments", "degraded_performance"),
                ("body", "Card payments are slow; we found why."),
                ("preview", "false"),
            ]),
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let public = test
        .app
        .public_incident(&admin.actor, key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(public.updates.len(), 1);
    assert_eq!(public.updates[0].components[0].component, "payments");
    let page = console
        .get(&format!("/incidents/{}", incident.number))
        .await;
    assert!(page.body.contains("Customers see"), "{}", page.body);
    assert!(page.body.contains(&format!("/incidents/{}/", public.id)));

    // Bad input comes back on the page, and nothing more is published.
    let refused = console
        .post(
            &path,
            &form(&[("csrf_token", &csrf), ("status", "on_fire"), ("body", "x")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("on_fire"), "{}", refused.body);
    let without_csrf = console
        .post(&path, &form(&[("status", "resolved"), ("body", "x")]))
        .await;
    assert_eq!(without_csrf.status, StatusCode::FORBIDDEN);
    let public = test
        .app
        .public_incident(&admin.actor, key)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(public.updates.len(), 1);

    let drill_page = console.get(&format!("/incidents/{}", drill.number)).await;
    assert!(
        drill_page
            .body
            .contains("A drill never reaches the public status page")
    );
    assert!(!drill_page.body.contains("id=\"status-page-form\""));
}
