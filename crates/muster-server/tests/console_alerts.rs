//! The console's alert pages over HTTP, without a browser: the list, its
//! filter and its poll; an alert's page with "why did this page?";
//! acknowledging, resolving and opening an incident (with CSRF, and
//! refused without it or for a viewer); silences and their form's errors;
//! the routes per team and their preview.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use muster_app::incidents::IncidentKey;
use muster_core::alert::{Alert, AlertStatus};
use muster_core::{Actor, TimelineEvent};
use muster_store::alerts::AlertFilter;
use support::alerts::{alerting, send, webhook};
use support::client::{Console, form};
use support::oncall::{self, PASSWORD, VIC};

struct World {
    test: support::TestApp,
    admin: Actor,
    key: String,
    console: Console,
    csrf: String,
}

async fn world() -> World {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let key = alerting(&test, &admin).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    World {
        test,
        admin,
        key,
        console,
        csrf,
    }
}

async fn alerts(w: &World) -> Vec<Alert> {
    w.test
        .app
        .alerts(
            &w.admin,
            &AlertFilter {
                limit: 100,
                ..AlertFilter::default()
            },
        )
        .await
        .unwrap()
}

async fn alert(w: &World, fingerprint: &str) -> Alert {
    alerts(w)
        .await
        .into_iter()
        .find(|a| a.dedup_key == fingerprint)
        .unwrap()
}

/// `id="…"`'s position in `body`, failing with the page.
fn at(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("missing {needle}:\n{body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_by_status_and_integration_and_polls() {
    let mut w = world().await;
    let empty = w.console.get("/alerts").await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert!(empty.body.contains(r#"id="alert-list-empty""#));
    assert!(empty.body.contains(r#"id="nav-alerts""#));

    send(
        &w.test,
        &w.key,
        &webhook(
            "firing",
            &[("auth-1", "AuthDown", "Auth is down on auth-1")],
        ),
    )
    .await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("test-1", "Probe", "[test] synthetic probe")]),
    )
    .await;
    send(
        &w.test,
        &w.key,
        &webhook("resolved", &[("test-1", "Probe", "[test] synthetic probe")]),
    )
    .await;
    let down = alert(&w, "auth-1").await;
    let probe = alert(&w, "test-1").await;

    let list = w.console.get("/alerts").await;
    let body = &list.body;
    let newest = at(body, &format!(r#"id="alert-{}""#, probe.id));
    let oldest = at(body, &format!(r#"id="alert-{}""#, down.id));
    assert!(newest < oldest, "newest first");
    for needle in [
        "Auth is down on auth-1",
        "effect-page\">Paged",
        "effect-drop\">Dropped",
        r#"<span class="pill alert-resolved">Resolved</span>"#,
        "prometheus (alertmanager)",
        "auth-1",
        r#"hx-get="/alerts/live?seen="#,
    ] {
        at(body, needle);
    }

    let open = w.console.get("/alerts?status=open").await;
    assert!(open.body.contains("Auth is down on auth-1"));
    assert!(
        !open.body.contains("synthetic probe"),
        "resolved is not open"
    );
    let resolved = w.console.get("/alerts?status=resolved").await;
    assert!(resolved.body.contains("synthetic probe"));
    assert!(!resolved.body.contains("Auth is down"));
    assert!(
        resolved
            .body
            .contains(r#"hx-get="/alerts/live?status=resolved&#38;seen="#),
        "the poll keeps the filter: {}",
        resolved.body
    );
    let firing = w.console.get("/alerts?status=acknowledged").await;
    assert!(firing.body.contains("No alerts match this filter."));

    let integration = down.integration.to_string();
    let by_integration = w
        .console
        .get(&format!("/alerts?integration={integration}"))
        .await;
    assert!(by_integration.body.contains("Auth is down"));
    assert!(
        by_integration
            .body
            .contains(&format!(r#"<option value="{integration}" selected>"#))
    );
    let other = w
        .console
        .get("/alerts?integration=0190f0a0-0000-7000-8000-000000000000")
        .await;
    assert!(other.body.contains("No alerts match this filter."));

    // A filter a browser would not send: the reason on top, no panic.
    for bad in ["/alerts?status=asleep", "/alerts?integration=prometheus"] {
        let refused = w.console.get(bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            refused.body.contains(r#"class="flash flash-error""#),
            "{bad}"
        );
    }

    // The poll: the fragment, then 204 while nothing changes, then the new state.
    let live = w.console.get("/alerts/live?seen=nothing").await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(
        live.body
            .trim_start()
            .starts_with(r#"<div id="alert-list-live""#)
    );
    assert!(!live.body.contains("<html"), "a fragment, not a page");
    let marker = "seen=";
    let seen = &live.body[at(&live.body, marker) + marker.len()..];
    let seen = seen.split('"').next().unwrap().to_owned();
    let same = w.console.get(&format!("/alerts/live?seen={seen}")).await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
    send(
        &w.test,
        &w.key,
        &webhook(
            "firing",
            &[("auth-1", "AuthDown", "Auth is down on auth-1")],
        ),
    )
    .await;
    let changed = w.console.get(&format!("/alerts/live?seen={seen}")).await;
    assert_eq!(changed.status, StatusCode::OK, "a repeat counts");
    assert!(changed.body.contains("2×"), "{}", changed.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_page_says_why_it_paged_and_links_its_page_and_group() {
    let mut w = world().await;
    send(
        &w.test,
        &w.key,
        &webhook(
            "firing",
            &[
                ("auth-1", "AuthDown", "Auth is down on auth-1"),
                ("auth-2", "AuthDown", "Auth is down on auth-2"),
            ],
        ),
    )
    .await;
    let first = alert(&w, "auth-1").await;
    let second = alert(&w, "auth-2").await;

    let page = w.console.get(&format!("/alerts/{}", first.id)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for needle in [
        r#"id="alert-summary">Auth is down on auth-1"#,
        r#"id="alert-status">Firing"#,
        "Why did this page?",
        "Paged service auth.",
        "<code class=\"chip\">auth-down</code>",
        "rule &#34;auth-down&#34; (team identity) matched",
        r#"<a href="/services/auth">service auth</a>"#,
        "critical",
        r#"<code>alertname</code></th><td>AuthDown</td>"#,
        "restart the auth pods",
        "http://prometheus.example/graph",
        r#"id="alert-group""#,
        "(this alert)",
        &format!(r#"href="/alerts/{}""#, second.id),
        r#"<a href="/pages/P-1">P-1</a>"#,
        r#"id="alert-acknowledge""#,
        r#"id="alert-resolve""#,
        r#"id="open-incident-form""#,
        &format!(r#"href="/silences?alert={}#silence-form""#, first.id),
    ] {
        at(body, needle);
    }

    // The storm paged once; the second alert says it joined.
    let joined = w.console.get(&format!("/alerts/{}", second.id)).await;
    assert!(
        joined.body.contains("joined an open group"),
        "{}",
        joined.body
    );

    let missing = w
        .console
        .get("/alerts/0190f0a0-0000-7000-8000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let nonsense = w.console.get("/alerts/not-an-id").await;
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledge_and_resolve_need_the_token_and_a_responder() {
    let mut w = world().await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    let down = alert(&w, "auth-1").await;
    let href = format!("/alerts/{}", down.id);

    // Without the token, nothing happens.
    let forged = w.console.post(&format!("{href}/acknowledge"), "").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    let wrong = w
        .console
        .post(
            &format!("{href}/acknowledge"),
            &form(&[("csrf_token", "msc_forged")]),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(alert(&w, "auth-1").await.status, AlertStatus::Firing);

    // A viewer sees no buttons, and a post is refused.
    let mut viewer = Console::new(&w.test);
    let viewer_csrf = viewer.sign_in_as(VIC, PASSWORD).await;
    let seen = viewer.get(&href).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains(r#"id="alert-acknowledge""#));
    assert!(!seen.body.contains(r#"id="open-incident-form""#));
    let refused = viewer
        .post(
            &format!("{href}/acknowledge"),
            &form(&[("csrf_token", &viewer_csrf)]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(alert(&w, "auth-1").await.status, AlertStatus::Firing);

    let csrf = w.csrf.clone();
    let acked = w
        .console
        .post(
            &format!("{href}/acknowledge"),
            &form(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(acked.status, StatusCode::SEE_OTHER, "{}", acked.body);
    assert_eq!(acked.location(), href);
    assert_eq!(alert(&w, "auth-1").await.status, AlertStatus::Acknowledged);
    let page = w.console.get(&href).await;
    assert!(page.body.contains(r#"id="alert-status">Acknowledged"#));
    assert!(!page.body.contains(r#"id="alert-acknowledge""#));

    let resolved = w
        .console
        .post(&format!("{href}/resolve"), &form(&[("csrf_token", &csrf)]))
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    assert_eq!(alert(&w, "auth-1").await.status, AlertStatus::Resolved);

    // Acknowledging a resolved alert: the page again, with the reason.
    let late = w
        .console
        .post(
            &format!("{href}/acknowledge"),
            &form(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(late.body.contains("is resolved"), "{}", late.body);
    assert!(
        late.body.contains(r#"id="alert-why""#),
        "the page, not an error page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_opens_from_an_alert_with_the_alert_attached() {
    let mut w = world().await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    let down = alert(&w, "auth-1").await;
    let href = format!("/alerts/{}", down.id);
    let csrf = w.csrf.clone();

    let forged = w
        .console
        .post(&format!("{href}/incident"), "severity=SEV1")
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let bad = w
        .console
        .post(
            &format!("{href}/incident"),
            &form(&[("csrf_token", &csrf), ("severity", "SEV9")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains(r#"id="alert-why""#), "{}", bad.body);

    let opened = w
        .console
        .post(
            &format!("{href}/incident"),
            &form(&[("csrf_token", &csrf), ("severity", "SEV2")]),
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.location(), "/incidents/INC-1");
    let (incident, timeline) = w
        .test
        .app
        .timeline(
            &w.admin,
            IncidentKey::Number(muster_core::IncidentNumber(1)),
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(incident.title, "Auth is down");
    assert_eq!(incident.severity.as_str(), "SEV2");
    assert!(
        timeline.iter().any(|e| matches!(
            &e.event,
            TimelineEvent::AlertAttached { alert, .. } if *alert == down.id
        )),
        "{timeline:#?}"
    );
    let shown = w.console.get("/incidents/INC-1").await;
    assert!(
        shown.body.contains("Alert attached: Auth is down"),
        "{}",
        shown.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_are_made_from_an_alert_refused_with_reasons_and_expired() {
    let mut w = world().await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    let down = alert(&w, "auth-1").await;
    let csrf = w.csrf.clone();

    let empty = w.console.get("/silences").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains(r#"id="silence-list-empty""#));

    // "Silence similar": the alert's labels, as exact matchers.
    let similar = w.console.get(&format!("/silences?alert={}", down.id)).await;
    let body = &similar.body;
    at(
        body,
        "alertname=&#34;AuthDown&#34;\ninstance=&#34;auth-1&#34;\njob=&#34;auth&#34;</textarea>",
    );
    at(body, r#"value="2h""#);
    let unknown = w.console.get("/silences?alert=nope").await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert!(unknown.body.contains("That alert was not found"));

    // Bad input: the page again, each reason beside its field, what was typed kept.
    let refused = w
        .console
        .post(
            "/silences",
            &form(&[
                ("csrf_token", &csrf),
                ("matchers", "job=\"auth\"\n=broken"),
                ("duration", "soon"),
                ("ends_at", ""),
                ("comment", "upgrade"),
                ("windows", "sat 22:00"),
                ("time_zone", ""),
            ]),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let body = &refused.body;
    at(body, "The silence was not saved");
    let duration_field = at(body, r#"id="silence-duration""#);
    let duration_error = at(body, "expected a duration like 2h");
    let ends_field = at(body, r#"id="silence-ends""#);
    assert!(duration_field < duration_error && duration_error < ends_field);
    at(body, "line 1: expected days and times");
    at(body, "job=&#34;auth&#34;\n=broken</textarea>");
    at(body, r#"value="upgrade""#);

    // Read by the app: the bad matcher's line, and the missing comment.
    let refused = w
        .console
        .post(
            "/silences",
            &form(&[
                ("csrf_token", &csrf),
                ("matchers", "job=\"auth\"\n=broken"),
                ("duration", "2h"),
                ("comment", "upgrade"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let matchers_field = at(&refused.body, r#"id="silence-matchers""#);
    let matchers_error = at(&refused.body, "line 2:");
    assert!(matchers_field < matchers_error, "{}", refused.body);
    let uncommented = w
        .console
        .post(
            "/silences",
            &form(&[
                ("csrf_token", &csrf),
                ("matchers", "job=\"auth\""),
                ("duration", "2h"),
            ]),
        )
        .await;
    assert_eq!(uncommented.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(uncommented.body.contains("say why"), "{}", uncommented.body);
    assert!(
        w.test
            .app
            .silences(&w.admin, true)
            .await
            .unwrap()
            .is_empty()
    );

    // Without the token, nothing is saved.
    let forged = w
        .console
        .post(
            "/silences",
            &form(&[
                ("matchers", "job=\"auth\""),
                ("duration", "2h"),
                ("comment", "x"),
            ]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let made = w
        .console
        .post(
            "/silences",
            &form(&[
                ("csrf_token", &csrf),
                ("matchers", "job=\"auth\"\ninstance=~\"auth-.*\""),
                ("duration", "1d 12h"),
                ("comment", "auth upgrade"),
                ("windows", "sat,sun 22:00-06:00"),
                ("time_zone", "Europe/Amsterdam"),
            ]),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let stored = w.test.app.silences(&w.admin, false).await.unwrap();
    assert_eq!(stored.len(), 1);
    let id = stored[0].silence.id;
    assert_eq!(made.location(), format!("/silences#silence-{id}"));
    let list = w.console.get("/silences").await;
    let body = &list.body;
    at(body, &format!(r#"id="silence-{id}""#));
    at(body, "instance=~&#34;auth-.*&#34;");
    at(body, "Sat, Sun 22:00–06:00 (overnight) (Europe/Amsterdam)");
    at(body, "auth upgrade");

    let expired = w
        .console
        .post(
            &format!("/silences/{id}/expire"),
            &form(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(expired.status, StatusCode::SEE_OTHER, "{}", expired.body);
    let current = w.console.get("/silences").await;
    assert!(current.body.contains(r#"id="silence-list-empty""#));
    let all = w.console.get("/silences?ended=1").await;
    assert!(all.body.contains(&format!(r#"id="silence-{id}""#)));
    assert!(all.body.contains("Ended"));
    let again = w
        .console
        .post(
            &format!("/silences/{id}/expire"),
            &form(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("ended at"), "{}", again.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_are_shown_per_team_and_previewed_without_side_effects() {
    let mut w = world().await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("auth-1", "AuthDown", "Auth is down")]),
    )
    .await;
    send(
        &w.test,
        &w.key,
        &webhook("firing", &[("probe-1", "Probe", "[test] probe")]),
    )
    .await;
    let pages_before = w
        .test
        .app
        .list_pages(&w.admin, Default::default())
        .await
        .unwrap()
        .len();

    let routes = w.console.get("/alerts/routes").await;
    assert_eq!(routes.status, StatusCode::OK, "{}", routes.body);
    let body = &routes.body;
    let identity = at(body, r#"id="routes-identity""#);
    let storage = at(body, r#"id="routes-storage""#);
    assert!(identity < storage, "in evaluation order");
    for needle in [
        r#"data-rule="auth-slo-burning-slowly""#,
        "Notify #team-identity only",
        "service auth",
        "severity → critical",
        "summary contains &#34;[test]&#34;",
        "Drop",
        "severity ≥ error",
        r#"href="/alerts/routes?rule=4&#38;preview=1#preview""#,
    ] {
        at(body, needle);
    }
    assert!(
        !body.contains(r#"id="preview-table""#),
        "no preview until asked"
    );

    let all = w.console.get("/alerts/routes?rule=&preview=1").await;
    let body = &all.body;
    at(body, "What the rules would do with the last 2 alerts.");
    at(body, r#"id="preview-table""#);
    at(body, "effect-page\">Page");
    at(body, "effect-drop\">Drop");

    let one = w.console.get("/alerts/routes?rule=2&preview=1").await;
    let body = &one.body;
    at(body, "Rule 2: auth-down");
    at(body, "It matches 1 of the last 2 alerts");
    at(body, "&#34;auth-down&#34; takes part in the decision");
    assert!(!body.contains("[test] probe"), "only what the rule matches");
    at(body, r#"<option value="2" selected>"#);

    for bad in ["rule=99", "rule=zero"] {
        let refused = w
            .console
            .get(&format!("/alerts/routes?{bad}&preview=1"))
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        let field = at(&refused.body, r#"id="preview-rule""#);
        let error = at(&refused.body, r#"<p class="field-error">"#);
        assert!(field < error, "{bad}: beside its field");
    }

    // A preview decides only.
    let pages_after = w
        .test
        .app
        .list_pages(&w.admin, Default::default())
        .await
        .unwrap()
        .len();
    assert_eq!(pages_before, pages_after);
}
