//! The console's paging over HTTP, without a browser: who is on call on a
//! team's page and paging them from it, the page list and a page's history,
//! acknowledging from the console (and a viewer who may not), an
//! incident's pages, and the live fragment.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::{Method, StatusCode};
use muster_app::incidents::IncidentKey;
use muster_app::paging::PageKey;
use muster_core::paging::PageStatus;
use muster_core::{Actor, NewIncident, PageNumber};
use support::client::{Console, form};
use support::oncall::{self, ANA_NAME, PASSWORD, VIC};

async fn world() -> (support::TestApp, Actor, Console, String) {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    (test, admin, console, csrf)
}

async fn status_of(test: &support::TestApp, admin: &Actor, number: u64) -> PageStatus {
    test.app
        .page_detail(admin, PageKey::Number(PageNumber(number)))
        .await
        .unwrap()
        .page
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_page_shows_who_is_on_call_and_pages_them() {
    let (test, admin, mut console, csrf) = world().await;

    let team = console.get("/teams/identity").await;
    assert_eq!(team.status, StatusCode::OK, "{}", team.body);
    let body = &team.body;
    for needle in [
        r#"id="oncall""#,
        ANA_NAME,
        r#"href="/schedules/identity-primary""#,
        "until Dec 7, 08:00 UTC",
        "identity-oncall",
        "then 5 min until step 2",
        "Bram Bos",
        r#"id="page-form""#,
        r#"action="/teams/identity/page""#,
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }
    // A team without a policy says why nobody can be paged.
    let storage = console.get("/teams/storage").await;
    assert!(
        storage.body.contains("no escalation policy"),
        "{}",
        storage.body
    );

    // A summary is required; the reason sits beside it and nobody is paged.
    let refused = console
        .post(
            "/teams/identity/page",
            &form(&[
                ("csrf_token", &csrf),
                ("summary", "  "),
                ("details", "kept"),
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
    let field = body.find(r#"id="page-summary""#).unwrap();
    let message = body.find(r#"class="field-error""#).unwrap();
    assert!(field < message, "beside its field");
    assert!(body.contains("Nobody was paged"));
    assert!(body.contains(">kept</textarea>"), "what was typed stays");
    let none = test
        .app
        .list_pages(&admin, Default::default())
        .await
        .unwrap();
    assert!(none.is_empty());

    // Paging a team without a policy is refused on its page.
    let refused = console
        .post(
            "/teams/storage/page",
            &form(&[("csrf_token", &csrf), ("summary", "Disk full")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("team storage has no escalation policy"),
        "{}",
        refused.body
    );

    let paged = console
        .post(
            "/teams/identity/page",
            &form(&[
                ("csrf_token", &csrf),
                ("summary", "Logins fail for EU users"),
                ("details", "since 10:55"),
                ("drill", "yes"),
            ]),
        )
        .await;
    assert_eq!(paged.status, StatusCode::SEE_OTHER, "{}", paged.body);
    assert_eq!(paged.location(), "/pages/P-1");

    // The engine fires the first step: history and deliveries follow.
    test.app.fire_due_pages(500).await.unwrap();
    let page = console.get("/pages/P-1").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for needle in [
        r#"id="page-status">Triggered"#,
        r#"id="page-drill""#,
        "Logins fail for EU users",
        "since 10:55",
        "Triggered",
        "Step fired",
        ANA_NAME,
        "identity-oncall",
        "At step 1 of 2; step 2 of 2 fires at Dec 1, 10:05 UTC.",
        r#"id="page-deliveries""#,
        ">email</span>",
        "pending",
        r#"id="page-acknowledge""#,
        r#"id="page-resolve""#,
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }

    // The service page pages the owner team, targeting the service.
    let service = console.get("/services/auth").await;
    assert!(
        service.body.contains("Page Identity (the owner team)"),
        "{}",
        service.body
    );
    let paged = console
        .post(
            "/services/auth/page",
            &form(&[("csrf_token", &csrf), ("summary", "Auth is slow")]),
        )
        .await;
    assert_eq!(paged.location(), "/pages/P-2");
    let functionality = console
        .post(
            "/functionalities/login/page",
            &form(&[("csrf_token", &csrf), ("summary", "Login broken")]),
        )
        .await;
    assert_eq!(functionality.location(), "/pages/P-3");

    let list = console.get("/pages").await;
    assert_eq!(list.status, StatusCode::OK);
    let body = &list.body;
    assert!(body.contains(r#"id="nav-pages""#));
    let newest = body.find(r#"id="page-P-3""#).unwrap();
    let oldest = body.find(r#"id="page-P-1""#).unwrap();
    assert!(newest < oldest, "newest first");
    assert!(body.contains("Service auth") && body.contains("Functionality login"));
    assert!(body.contains("1 of 2"), "steps fired of all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responders_acknowledge_from_the_console_and_viewers_may_not() {
    let (test, admin, mut console, csrf) = world().await;
    console
        .post(
            "/teams/identity/page",
            &form(&[("csrf_token", &csrf), ("summary", "Queue backed up")]),
        )
        .await;

    // A viewer sees the page without buttons, and a forged post is refused.
    let mut viewer = Console::new(&test);
    let viewer_csrf = viewer.sign_in_as(VIC, PASSWORD).await;
    let seen = viewer.get("/pages/P-1").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains(r#"id="page-acknowledge""#));
    assert!(!seen.body.contains(r#"id="page-resolve""#));
    let refused = viewer
        .post(
            "/pages/P-1/acknowledge",
            &form(&[("csrf_token", &viewer_csrf)]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(status_of(&test, &admin, 1).await, PageStatus::Triggered);

    // Without the CSRF token, nothing happens either.
    let forged = console.post("/pages/P-1/acknowledge", "").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&test, &admin, 1).await, PageStatus::Triggered);

    let acked = console
        .post("/pages/P-1/acknowledge", &form(&[("csrf_token", &csrf)]))
        .await;
    assert_eq!(acked.status, StatusCode::SEE_OTHER, "{}", acked.body);
    assert_eq!(acked.location(), "/pages/P-1");
    assert_eq!(status_of(&test, &admin, 1).await, PageStatus::Acknowledged);
    let page = console.get("/pages/P-1").await;
    let body = &page.body;
    assert!(body.contains(r#"id="page-status">Acknowledged"#), "{body}");
    assert!(
        body.contains("acknowledged from the console"),
        "the history says how"
    );
    assert!(!body.contains(r#"id="page-acknowledge""#));
    assert!(
        body.contains(r#"id="page-resolve""#),
        "it can still be resolved"
    );

    // Twice is a conflict, said on the page.
    let again = console
        .post("/pages/P-1/acknowledge", &form(&[("csrf_token", &csrf)]))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("P-1 is already acknowledged"),
        "{}",
        again.body
    );

    let resolved = console
        .post("/pages/P-1/resolve", &form(&[("csrf_token", &csrf)]))
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&test, &admin, 1).await, PageStatus::Resolved);

    let triggered = console.get("/pages?status=triggered").await;
    assert!(triggered.body.contains("No pages match this filter."));
    let bad = console.get("/pages?status=asleep").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_list_pages_by_cursor() {
    let (_test, _admin, mut console, csrf) = world().await;
    for n in 1..=26 {
        let paged = console
            .post(
                "/teams/identity/page",
                &form(&[("csrf_token", &csrf), ("summary", &format!("Alert {n}"))]),
            )
            .await;
        assert_eq!(paged.status, StatusCode::SEE_OTHER);
    }
    let first = console.get("/pages").await;
    assert!(first.body.contains(r#"id="page-P-26""#));
    assert!(!first.body.contains(r#"id="page-P-1""#));
    assert!(first.body.contains(r#"href="/pages?cursor=2""#), "older");
    let older = console.get("/pages?cursor=2").await;
    assert!(older.body.contains(r#"id="page-P-1""#));
    assert!(!older.body.contains(r#"id="page-P-2""#));
    assert!(older.body.contains(r#"id="page-newest""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_fragment_answers_204_until_the_page_changes() {
    let (test, _admin, mut console, csrf) = world().await;
    console
        .post(
            "/teams/identity/page",
            &form(&[("csrf_token", &csrf), ("summary", "Queue backed up")]),
        )
        .await;
    let page = console.get("/pages/P-1").await;
    let marker = "/pages/P-1/live?seen=";
    let start = page.body.find(marker).unwrap() + marker.len();
    let seen = page.body[start..].split('"').next().unwrap().to_owned();
    let htmx = [("hx-request", "true")];
    let quiet = console
        .send(Method::GET, &format!("{marker}{seen}"), &htmx, None)
        .await;
    assert_eq!(quiet.status, StatusCode::NO_CONTENT);

    test.app.fire_due_pages(500).await.unwrap();
    let fresh = console
        .send(Method::GET, &format!("{marker}{seen}"), &htmx, None)
        .await;
    assert_eq!(fresh.status, StatusCode::OK);
    assert!(
        fresh
            .body
            .trim_start()
            .starts_with(r#"<div id="page-live""#)
    );
    assert!(fresh.body.contains("Step fired"));
    assert!(!fresh.body.contains("<html"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_lists_its_pages_and_pages_a_team() {
    let (test, admin, mut console, csrf) = world().await;
    let incident = test
        .app
        .declare_incident(
            &admin,
            NewIncident {
                title: "Login is down".into(),
                ..NewIncident::default()
            },
        )
        .await
        .unwrap();
    let href = format!("/incidents/{}", incident.number);
    let page = console.get(&href).await;
    assert!(
        page.body
            .contains("Nobody has been paged for this incident.")
    );
    assert!(page.body.contains(r#"id="incident-page-form""#));
    assert!(
        page.body.contains(r#"value="Login is down""#),
        "the title is the summary"
    );

    let refused = console
        .post(
            &format!("{href}/page"),
            &form(&[
                ("csrf_token", &csrf),
                ("team", ""),
                ("summary", "Login is down"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("choose a team to page"),
        "{}",
        refused.body
    );

    let paged = console
        .post(
            &format!("{href}/page"),
            &form(&[
                ("csrf_token", &csrf),
                ("team", "identity"),
                ("summary", "Login is down"),
            ]),
        )
        .await;
    assert_eq!(paged.status, StatusCode::SEE_OTHER, "{}", paged.body);
    assert_eq!(paged.location(), href);
    test.app.fire_due_pages(500).await.unwrap();
    test.app
        .acknowledge_page(
            &admin,
            PageKey::Number(PageNumber(1)),
            muster_core::paging::Via::Api,
        )
        .await
        .unwrap();

    let page = console.get(&href).await;
    let body = &page.body;
    let card = &body[body.find(r#"id="incident-pages""#).unwrap()..];
    for needle in [
        r#"href="/pages/P-1""#,
        "Team identity",
        "Acknowledged by Ada Lovelace",
        "Step fired",
    ] {
        assert!(card.contains(needle), "missing {needle}:\n{card}");
    }
    // The timeline says so too.
    assert!(body.contains("Paged team identity"), "{body}");
    assert!(body.contains("Page to team identity acknowledged"));

    let detail = console.get("/pages/P-1").await;
    assert!(
        detail.body.contains(&format!(r#"href="{href}""#)),
        "links back"
    );
    let key = IncidentKey::Number(incident.number);
    let overview = test.app.incident_overview(&admin, key).await.unwrap();
    assert!(overview.timeline.len() >= 3);
}
