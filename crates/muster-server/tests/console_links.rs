//! One-time links from notifications, over HTTP without a browser: a GET
//! never acts, a POST acts once without a session, a CSRF token or a body,
//! and forged, used and expired links each say so.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::{Method, StatusCode, header};
use jiff::SignedDuration;
use muster_app::paging::{PageKey, PageRequest};
use muster_core::paging::{PageStatus, PageTarget};
use muster_core::{Actor, PageNumber, Slug};
use support::client::Console;
use support::oncall::{self, ANA_NAME};

/// A page to the identity team, fired, and the links of its first delivery.
struct Paged {
    test: support::TestApp,
    clock: std::sync::Arc<muster_app::FakeClock>,
    admin: Actor,
    ack: String,
    resolve: String,
}

async fn paged() -> Paged {
    let (test, clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    test.app
        .page(
            &admin,
            PageRequest {
                target: PageTarget::Team(Slug::parse("team", "identity").unwrap()),
                summary: "Logins fail".into(),
                details: "secret details stay inside".into(),
                incident: None,
                drill: false,
            },
        )
        .await
        .unwrap();
    test.app.fire_due_pages(500).await.unwrap();
    let detail = test
        .app
        .page_detail(&admin, PageKey::Number(PageNumber(1)))
        .await
        .unwrap();
    let delivery = detail
        .deliveries
        .iter()
        .find(|d| d.recipient == oncall::ANA)
        .expect("Ana was notified");
    let token = |url: &Option<String>| {
        url.as_deref()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    let ack = token(&delivery.notification.ack_url);
    let resolve = token(&delivery.notification.resolve_url);
    Paged {
        test,
        clock,
        admin,
        ack,
        resolve,
    }
}

async fn status(test: &support::TestApp, admin: &Actor) -> PageStatus {
    test.app
        .page_detail(admin, PageKey::Number(PageNumber(1)))
        .await
        .unwrap()
        .page
        .status
}

/// A POST as ntfy's action button sends it: no cookie, no body, no type.
async fn bare_post(console: &mut Console, path: &str) -> support::client::Answer {
    console.send(Method::POST, path, &[], None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_shows_its_page_and_acts_only_when_posted_once() {
    let Paged {
        test,
        admin,
        ack,
        resolve,
        ..
    } = paged().await;
    let mut visitor = Console::new(&test);

    // Mail scanners follow links: a GET shows, and nothing changes.
    for _ in 0..2 {
        let shown = visitor.get(&format!("/link/{ack}")).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        let body = &shown.body;
        assert!(body.contains(&format!(r#"<form method="post" action="/link/{ack}""#)));
        assert!(body.contains("Acknowledge P-1"));
        assert!(body.contains("Logins fail"));
        assert!(body.contains(ANA_NAME), "who it was sent to");
        assert!(!body.contains("secret details"), "only the summary");
        assert!(
            !body.contains(r#"id="nav-incidents""#),
            "no nav for visitors"
        );
        assert!(
            shown.headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
    }
    assert_eq!(status(&test, &admin).await, PageStatus::Triggered);

    let done = bare_post(&mut visitor, &format!("/link/{ack}")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Acknowledged — thanks, Ana."),
        "{}",
        done.body
    );
    assert!(done.body.contains("The escalation has stopped"));
    assert_eq!(status(&test, &admin).await, PageStatus::Acknowledged);
    assert!(
        visitor
            .cookie(muster_server::console::SESSION_COOKIE)
            .is_none(),
        "no session made"
    );

    let used = bare_post(&mut visitor, &format!("/link/{ack}")).await;
    assert_eq!(used.status, StatusCode::CONFLICT, "{}", used.body);
    assert!(used.body.contains("This link was used already"));

    // Its page is acknowledged: the link page says so and offers nothing.
    let moot = visitor.get(&format!("/link/{ack}")).await;
    assert!(
        moot.body
            .contains("Already acknowledged by Ana Silva at 11:00 CET, Tue 1 Dec."),
        "{}",
        moot.body
    );
    assert!(!moot.body.contains(r#"id="link-submit""#));

    // The resolve link still works once.
    let shown = visitor.get(&format!("/link/{resolve}")).await;
    assert!(shown.body.contains("Resolve P-1"));
    let done = bare_post(&mut visitor, &format!("/link/{resolve}")).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.body.contains("Resolved — thanks, Ana."),
        "{}",
        done.body
    );
    assert_eq!(status(&test, &admin).await, PageStatus::Resolved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_expired_links_are_refused() {
    let Paged {
        test,
        clock,
        admin,
        ack,
        ..
    } = paged().await;
    let mut visitor = Console::new(&test);

    let mut forged = ack.clone().into_bytes();
    let last = forged.len() - 3;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for answer in [
        visitor.get(&format!("/link/{forged}")).await,
        bare_post(&mut visitor, &format!("/link/{forged}")).await,
        visitor.get("/link/not-a-link").await,
    ] {
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
        assert!(answer.body.contains("This link does not work"));
    }
    assert_eq!(status(&test, &admin).await, PageStatus::Triggered);

    clock.advance(SignedDuration::from_hours(25));
    let expired = bare_post(&mut visitor, &format!("/link/{ack}")).await;
    assert_eq!(expired.status, StatusCode::GONE, "{}", expired.body);
    assert!(expired.body.contains("This link has expired"));
    let shown = visitor.get(&format!("/link/{ack}")).await;
    assert_eq!(shown.status, StatusCode::GONE);
    assert_eq!(status(&test, &admin).await, PageStatus::Triggered);
}
