//! The console's on-call pages over HTTP, without a browser: the schedule
//! list, a schedule's timeline, shifts and gaps, the override form (its
//! refusals beside their fields, and who may post it), and the iCalendar
//! exports for a session.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::{StatusCode, header};
use muster_core::Actor;
use support::client::{Console, form};
use support::oncall::{self, ANA, ANA_NAME, BRAM, BRAM_NAME, PASSWORD, VIC};

async fn world() -> (support::TestApp, Actor, Console, String) {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    (test, admin, console, csrf)
}

async fn overrides(test: &support::TestApp, admin: &Actor) -> usize {
    test.app
        .list_overrides(admin, "identity-primary")
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_show_who_is_on_call_their_shifts_and_their_gaps() {
    let (_test, _admin, mut console, _) = world().await;

    let list = console.get("/schedules").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains(r#"id="nav-oncall""#),
        "the nav links here"
    );
    let primary = section(&list.body, r#"data-schedule="identity-primary""#);
    assert!(primary.contains(ANA_NAME), "{primary}");
    assert!(primary.contains("until Mon 7 Dec 09:00 CET"), "{primary}");
    assert!(primary.contains("Covered 14 days"), "{primary}");
    let weekdays = section(&list.body, r#"data-schedule="identity-weekdays""#);
    assert!(weekdays.contains("Gap in next 14 days"), "{weekdays}");

    let page = console.get("/schedules/identity-primary").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for needle in [
        r#"id="schedule-now-person">Ana Silva</span>"#,
        "until Mon 7 Dec 09:00 CET",
        r#"id="rota-final""#,
        r#"data-row="weekly""#,
        // The window starts at midnight today on the schedule's clock.
        "<title>Ana Silva: Tue 1 Dec 00:00 CET – Mon 7 Dec 09:00 CET (Europe/Amsterdam)</title>",
        "<title>Bram Bos: Mon 7 Dec 09:00 CET – Mon 14 Dec 09:00 CET (Europe/Amsterdam)</title>",
        "2026-12-07 08:00 UTC",
        "Someone is on call at every moment of the next 14 days.",
        "Mondays at 09:00, from Mon 30 Nov 2026",
        r#"id="override-form""#,
        "Times are in Europe/Amsterdam",
        r#"href="/schedules/identity-primary/shifts.ics""#,
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }

    let weekdays = console.get("/schedules/identity-weekdays").await;
    let body = &weekdays.body;
    for needle in [
        "Nobody on call Tue 1 Dec 17:00 – Wed 2 Dec 09:00 CET",
        "Nobody on call Fri 4 Dec 17:00 – Mon 7 Dec 09:00 CET",
        r#"data-kind="gap""#,
        "Mon–Fri 09:00–17:00",
    ] {
        assert!(body.contains(needle), "missing {needle}");
    }

    let missing = console.get("/schedules/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The part of `html` from `marker` to the end of its list item.
fn section<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} missing"));
    let rest = &html[start..];
    &rest[..rest.find("</li>").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_override_is_added_through_the_form_and_refusals_save_nothing() {
    let (test, admin, mut console, csrf) = world().await;
    let href = "/schedules/identity-primary";

    // End before start: the reason sits beside "To", and nothing is saved.
    let refused = console
        .post(
            &format!("{href}/overrides"),
            &form(&[
                ("csrf_token", &csrf),
                ("user", BRAM),
                ("start", "2026-12-02T17:00"),
                ("end", "2026-12-02T09:00"),
                ("replaces", ""),
                ("note", "typed <note>"),
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
    assert!(body.contains("The override was not saved"), "{body}");
    let end_field = body.find(r#"id="override-end""#).unwrap();
    let message = body.find("an override ends after it starts").unwrap();
    let next_field = body.find(r#"id="override-replaces""#).unwrap();
    assert!(
        end_field < message && message < next_field,
        "beside its field"
    );
    assert!(
        body.contains(r#"value="2026-12-02T17:00""#),
        "typed values stay"
    );
    assert!(body.contains("typed &#60;note&#62;") || body.contains("typed &lt;note&gt;"));
    assert_eq!(overrides(&test, &admin).await, 0);

    // Someone muster does not know.
    let refused = console
        .post(
            &format!("{href}/overrides"),
            &form(&[
                ("csrf_token", &csrf),
                ("user", "nobody@example.com"),
                ("start", "2026-12-02T09:00"),
                ("end", "2026-12-02T17:00"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    let user_field = body.find(r#"id="override-user""#).unwrap();
    let message = body
        .find("nobody@example.com is not an active user")
        .unwrap();
    let start_field = body.find(r#"id="override-start""#).unwrap();
    assert!(
        user_field < message && message < start_field,
        "beside its field"
    );
    assert_eq!(overrides(&test, &admin).await, 0);

    // Not a time at all.
    let refused = console
        .post(
            &format!("{href}/overrides"),
            &form(&[
                ("csrf_token", &csrf),
                ("user", BRAM),
                ("start", "tomorrow"),
                ("end", "2026-12-02T17:00"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("expected a date and time like"));

    // Bram covers Ana tomorrow, 09:00–17:00 Amsterdam time.
    let saved = console
        .post(
            &format!("{href}/overrides"),
            &form(&[
                ("csrf_token", &csrf),
                ("user", BRAM),
                ("start", "2026-12-02T09:00"),
                ("end", "2026-12-02T17:00"),
                ("replaces", ANA),
                ("note", "dentist"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), href);
    assert_eq!(overrides(&test, &admin).await, 1);
    let stored = &test
        .app
        .list_overrides(&admin, "identity-primary")
        .await
        .unwrap()[0];
    assert_eq!(
        stored.over.start.to_string(),
        "2026-12-02T08:00:00Z",
        "on the schedule's clock"
    );

    let page = console.get(href).await;
    let body = &page.body;
    for needle in [
        r#"data-kind="override""#,
        "<title>Bram Bos (override): Wed 2 Dec 09:00 CET – Wed 2 Dec 17:00 CET (Europe/Amsterdam)</title>",
        "covers Ana Silva's shifts",
        "dentist",
        "override-chip",
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }

    // Remove it.
    let remove = format!("{href}/overrides/{}/delete", stored.id);
    assert!(body.contains(&remove));
    let removed = console.post(&remove, &form(&[("csrf_token", &csrf)])).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(overrides(&test, &admin).await, 0);
    let page = console.get(href).await;
    assert!(!page.body.contains(r#"data-kind="override""#));
    assert!(page.body.contains("No current or upcoming overrides."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_clock_time_skipped_by_dst_still_makes_an_override() {
    // 2027-03-28 02:30 does not exist in Amsterdam: clocks jump to 03:00.
    let (test, _clock) = oncall::app_at("2027-03-27T10:00:00Z".parse().unwrap()).await;
    let admin = oncall::seed(&test).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in().await;
    let saved = console
        .post(
            "/schedules/identity-primary/overrides",
            &form(&[
                ("csrf_token", &csrf),
                ("user", BRAM),
                ("start", "2027-03-28T02:30"),
                ("end", "2027-03-28T09:00"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = &test
        .app
        .list_overrides(&admin, "identity-primary")
        .await
        .unwrap()[0];
    assert_eq!(
        stored.over.start.to_string(),
        "2027-03-28T01:30:00Z",
        "03:30 CEST"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_read_schedules_but_cannot_make_overrides() {
    let (test, admin, _admin_console, _) = world().await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in_as(VIC, PASSWORD).await;
    let page = console.get("/schedules/identity-primary").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"id="rota-final""#));
    assert!(!page.body.contains(r#"id="override-form""#));
    let refused = console
        .post(
            "/schedules/identity-primary/overrides",
            &form(&[
                ("csrf_token", &csrf),
                ("user", BRAM),
                ("start", "2026-12-02T09:00"),
                ("end", "2026-12-02T17:00"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(overrides(&test, &admin).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_downloads_the_same_icalendar_as_the_api() {
    let (test, admin, mut console, _) = world().await;
    let ics = console.get("/schedules/identity-primary/shifts.ics").await;
    assert_eq!(ics.status, StatusCode::OK, "{}", ics.body);
    assert!(
        ics.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(ics.body.contains("BEGIN:VEVENT"));
    assert!(
        ics.body
            .contains("On call: identity-primary (ana@example.com)")
    );
    // A week back: Ana's week started Mon 30 Nov 09:00 CET.
    assert!(
        ics.body.contains("DTSTART:20261130T080000Z"),
        "{}",
        ics.body
    );

    let bram = test.app.find_user(&admin, BRAM).await.unwrap();
    let mine = console
        .get(&format!("/people/{}/shifts.ics", bram.id))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body
            .contains(&format!("X-WR-CALNAME:On call: {BRAM_NAME}"))
            || mine.body.contains(BRAM_NAME),
        "{}",
        mine.body
    );
    assert!(
        !mine.body.contains("(ana@example.com)"),
        "only Bram's shifts"
    );

    // Without a session: sign in first.
    let mut anonymous = Console::new(&test);
    let refused = anonymous
        .get("/schedules/identity-primary/shifts.ics")
        .await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
}
