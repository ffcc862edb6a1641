//! Runbooks attach by condition as incidents change: declared on Login, the
//! login runbook attaches; raised from SEV3 to SEV1, the SEV1 runbook
//! attaches; lowered again, nothing detaches; a milestone condition
//! attaches when it is reached; each once, on the timeline with why and
//! what it said then; the page and the API show them; and an incident an
//! alert route opens gets its runbooks too.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use muster_app::App;
use muster_app::alerts::NewIntegration;
use muster_app::incidents::IncidentKey;
use muster_core::{Actor, Incident, IncidentPatch, Milestone, NewIncident, TimelineEvent};
use muster_store::IncidentFilter;
use support::alerts::{send, webhook};
use support::client::Console;
use support::oncall::{self, PLAN};

const RUNBOOKS: &str = r##"
---
kind: Severity
name: SEV1
rank: 1
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
---
kind: StakeholderGroup
name: leadership
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
time_zone: Europe/Amsterdam
members: [ceo@example.com]
channels: [{kind: email, target: ceo@example.com}]
policies: [{severities: [SEV1], when: immediately}]
---
kind: Runbook
name: sev1-kickoff
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
conditions: {severity_at_least: SEV1}
steps:
  - {name: Take command, action: assign_role, role: commander}
---
kind: Runbook
name: login-failures
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
conditions: {functionality: login}
steps:
  - {name: Page identity, action: page_team, team: identity}
---
kind: Runbook
name: after-mitigation
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
conditions: {milestone_reached: mitigated, drill: false}
steps:
  - {name: Confirm with support, action: manual}
"##;

fn attached(events: &[TimelineEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::RunbookAttached {
                runbook,
                reason,
                snapshot,
            } => {
                assert!(snapshot.contains("\"steps\""), "{snapshot}");
                Some((runbook.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect()
}

async fn set_severity(app: &App, admin: &Actor, key: IncidentKey, severity: &str) -> Incident {
    app.update_incident(
        admin,
        key,
        None,
        IncidentPatch {
            severity: Some(severity.into()),
            ..IncidentPatch::default()
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbooks_attach_as_their_conditions_come_true_and_only_once() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    oncall::apply(&test, &admin, &format!("{PLAN}{RUNBOOKS}")).await;
    let app = &test.app;

    let declared = app
        .declare_incident_on(
            &admin,
            NewIncident {
                title: "Logins fail".into(),
                severity: Some("SEV3".into()),
                ..NewIncident::default()
            },
            &[],
            &["login".into()],
        )
        .await
        .unwrap();
    let names: Vec<&str> = declared.runbooks.iter().map(|r| r.as_str()).collect();
    assert_eq!(names, ["login-failures"]);
    let key = IncidentKey::Id(declared.id);

    // SEV3 → SEV1 attaches the SEV1 runbook; back to SEV3 detaches nothing.
    let raised = set_severity(app, &admin, key, "SEV1").await;
    let names: Vec<&str> = raised.runbooks.iter().map(|r| r.as_str()).collect();
    assert_eq!(names, ["login-failures", "sev1-kickoff"]);
    let lowered = set_severity(app, &admin, key, "SEV3").await;
    assert_eq!(lowered.runbooks, raised.runbooks);
    // Raised again: already attached, so it does not attach twice.
    let again = set_severity(app, &admin, key, "SEV1").await;
    assert_eq!(again.runbooks, raised.runbooks);

    let mitigated = app
        .reach_milestone(&admin, key, None, Milestone::Mitigated, None)
        .await
        .unwrap();
    assert_eq!(
        mitigated.runbooks.last().map(|r| r.as_str()),
        Some("after-mitigation")
    );

    let (_, timeline) = app.timeline(&admin, key, None, 100).await.unwrap();
    let events: Vec<TimelineEvent> = timeline.iter().map(|e| e.event.clone()).collect();
    let found = attached(&events);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["login-failures", "sev1-kickoff", "after-mitigation"]
    );
    assert!(found[0].1.contains("login"), "{found:?}");
    assert!(found[1].1.contains("SEV1"), "{found:?}");
    // The stored incident says the same, and so do its page and the API.
    let stored = app.get_incident(&admin, key).await.unwrap();
    assert_eq!(stored.runbooks, mitigated.runbooks);
    let mut console = Console::new(&test);
    console.sign_in().await;
    let page = console.get(&format!("/incidents/{}", stored.number)).await;
    assert!(
        page.body.contains(
            "<strong>Runbooks:</strong> login-failures, sev1-kickoff, after-mitigation</p>"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Runbook sev1-kickoff attached: "),
        "the timeline says so"
    );
    let api = muster_api_types::Incident::from(&stored);
    assert_eq!(
        api.runbooks,
        ["login-failures", "sev1-kickoff", "after-mitigation"]
    );
}

/// A route that opens an incident on `auth` when it is down.
const OPENS: &str = r##"
---
kind: AlertRoutes
name: identity-alerts
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
rules:
  - name: auth-down
    match: ['alertname="AuthDown"']
    route_to: {service: auth}
    open_incident: SEV1
---
kind: Runbook
name: auth-outage
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
conditions: {service: auth}
steps:
  - {name: Page identity, action: page_team, team: identity}
"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_an_alert_route_opens_gets_its_runbooks() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    oncall::apply(&test, &admin, &format!("{PLAN}{RUNBOOKS}{OPENS}")).await;
    let (_, key) = test
        .app
        .create_integration(
            &admin,
            NewIntegration {
                name: "prometheus".into(),
                kind: "alertmanager".into(),
                service: Some("auth".into()),
                team: None,
                config: Default::default(),
            },
        )
        .await
        .unwrap();
    send(
        &test,
        &key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    let page = test
        .app
        .list_incidents(
            &admin,
            IncidentFilter {
                limit: 10,
                ..IncidentFilter::default()
            },
        )
        .await
        .unwrap();
    let opened = page
        .incidents
        .first()
        .expect("the route opened an incident");
    let names: Vec<&str> = opened.runbooks.iter().map(|r| r.as_str()).collect();
    // On auth, which Login runs on: the login runbook attaches too.
    assert_eq!(names, ["auth-outage", "login-failures", "sev1-kickoff"]);
    let (_, timeline) = test
        .app
        .timeline(&admin, IncidentKey::Id(opened.id), None, 100)
        .await
        .unwrap();
    let events: Vec<TimelineEvent> = timeline.iter().map(|e| e.event.clone()).collect();
    assert_eq!(attached(&events).len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_runbooks_in_the_plan_nothing_attaches() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let declared = test
        .app
        .declare_incident(
            &admin,
            NewIncident {
                title: "Quiet".into(),
                ..NewIncident::default()
            },
        )
        .await
        .unwrap();
    assert!(declared.runbooks.is_empty());
}
