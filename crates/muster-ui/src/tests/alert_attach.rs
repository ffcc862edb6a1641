//! An alert's page offers to attach it to an open incident, or to open
//! one from it, only while its group follows no open incident; once it
//! does, the page says what the incident does when its alerts resolve.

use askama::Template;
use muster_core::{Incident, IncidentId, Milestone, SeverityScale, Slug};

use super::alerts::{alert, group, integration};
use super::{chrome, declared, user};
use crate::pages::AlertPage;
use crate::present::{self, AlertDetailInputs, RoutingFacts};

fn page(
    routing_group: Option<&muster_core::alert::routing::AlertGroup>,
    incident: Option<&Incident>,
    attachable: &[Incident],
) -> String {
    let down = alert("Checkout is down", &[("alertname", "TargetDown")]);
    let service = Slug::parse("slug", "checkout-api").unwrap();
    let scale = SeverityScale::standard();
    let view = present::alert_detail_view(AlertDetailInputs {
        alert: &down,
        integration: integration(&service),
        routing: RoutingFacts {
            decided: true,
            effect: Some("page"),
            group: routing_group,
            ..RoutingFacts::default()
        },
        group_alerts: std::slice::from_ref(&down),
        page: None,
        incident,
        silence: None,
        severities: &scale,
        can_write: true,
        attachable,
    });
    AlertPage {
        chrome: chrome(true),
        flash: None,
        alert: view,
    }
    .render()
    .unwrap()
}

#[test]
fn an_alert_without_an_incident_offers_the_open_ones() {
    let ada = user("Ada");
    let (mut acknowledged, _) = declared("Checkout slow", &ada);
    acknowledged.milestones = acknowledged
        .milestones
        .clone()
        .with(Milestone::Acknowledged, Some(acknowledged.declared_at))
        .unwrap();
    let paged = group(true);
    let html = page(Some(&paged), None, std::slice::from_ref(&acknowledged));
    for expected in [
        r#"id="attach-form""#,
        r#"action="/alerts/"#,
        r#"/attach""#,
        r#"<option value="INC-7" title="Checkout slow">INC-7 · SEV3 · Checkout slow (acknowledged)</option>"#,
        r#"name="mitigate_on_resolve" value="yes" id="attach-mitigate" checked"#,
        r#"id="open-incident-form""#,
        r#"name="csrf_token" value="msc_token123""#,
    ] {
        assert!(html.contains(expected), "{expected:?} missing");
    }
    // No open incident: nothing to attach to, opening one still offered.
    let html = page(Some(&paged), None, &[]);
    assert!(!html.contains(r#"id="attach-form""#));
    assert!(html.contains(r#"id="open-incident-form""#));
}

#[test]
fn an_alert_following_an_open_incident_offers_neither() {
    let ada = user("Ada");
    let (open, _) = declared("Checkout down", &ada);
    let (other, _) = declared("Checkout slow", &ada);
    let mut follows = group(true);
    follows.incident = Some(open.id);
    let html = page(Some(&follows), Some(&open), std::slice::from_ref(&other));
    assert!(
        !html.contains(r#"id="attach-form""#),
        "one incident per alert"
    );
    assert!(!html.contains(r#"id="open-incident-form""#));
    assert!(html.contains("(marked mitigated when every attached alert resolves)"));
    follows.mitigate_on_resolve = false;
    let html = page(Some(&follows), Some(&open), &[]);
    assert!(html.contains("its owner is asked to mitigate"));
    // A private incident the viewer cannot see still counts as followed.
    follows.incident = Some(IncidentId(uuid::Uuid::now_v7()));
    let html = page(Some(&follows), None, std::slice::from_ref(&other));
    assert!(!html.contains(r#"id="attach-form""#));

    // Once its incident is resolved, the alert may follow another.
    let (mut resolved, _) = declared("Yesterday", &ada);
    resolved.milestones = resolved
        .milestones
        .clone()
        .with(Milestone::Resolved, Some(resolved.declared_at))
        .unwrap();
    follows.incident = Some(resolved.id);
    let html = page(
        Some(&follows),
        Some(&resolved),
        std::slice::from_ref(&other),
    );
    assert!(html.contains(r#"id="attach-form""#));
    assert!(html.contains(r#"id="open-incident-form""#));
}
