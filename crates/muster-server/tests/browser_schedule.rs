//! On-call and paging in a real browser (headless Chromium over WebDriver):
//! sign in, open the schedules, see a schedule's 14-day timeline with who is
//! on call now, add an override for tomorrow through the form, see it in the
//! timeline and the list, remove it; see a weekdays-only schedule's gaps
//! drawn; and load the pages at phone width with nothing wider than the
//! screen.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use muster_app::paging::{PageKey, PageRequest};
use muster_core::paging::PageTarget;
use muster_core::{NewIncident, PageNumber, Slug};
use support::browser::{
    ChromeDriver, PATIENCE, POLL, browsers_installed, click, click_element, screenshots, type_into,
    wait_for_text, wait_for_url,
};
use support::oncall::{self, ANA_NAME, BRAM, BRAM_NAME};
use support::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD};
use thirtyfour::prelude::*;
use tokio::time::Instant;

async fn sign_in(driver: &WebDriver, base: &str) {
    driver.goto(format!("{base}/login")).await.unwrap();
    type_into(driver, "login-email", ADMIN_EMAIL).await;
    type_into(driver, "login-password", ADMIN_PASSWORD).await;
    click(driver, "login-submit").await;
    wait_for_text(driver, "me-name", ADMIN_NAME).await;
}

async fn choose(driver: &WebDriver, id: &str, value: &str) {
    let select = driver.find(By::Id(id)).await.unwrap();
    thirtyfour::components::SelectElement::new(&select)
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn count(driver: &WebDriver, css: &str) -> usize {
    driver.find_all(By::Css(css)).await.unwrap().len()
}

/// Waits until `css` matches `n` elements.
async fn wait_for_count(driver: &WebDriver, css: &str, n: usize) {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = 0;
    while Instant::now() < deadline {
        seen = count(driver, css).await;
        if seen == n {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("{css} matched {seen} elements, not {n}");
}

async fn script<T: serde::de::DeserializeOwned>(driver: &WebDriver, js: &str) -> T {
    driver
        .execute(js, Vec::new())
        .await
        .unwrap()
        .convert()
        .unwrap()
}

/// Nothing on the page is wider than the window (no sideways scrolling).
async fn fits(driver: &WebDriver, what: &str) {
    let (scroll, inner): (i64, i64) = script(
        driver,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert!(
        scroll <= inner,
        "{what}: {scroll}px wide in a {inner}px window"
    );
}

/// Loads `path` at phone width and checks it fits, then back to desktop.
async fn fits_a_phone(driver: &WebDriver, base: &str, path: &str) {
    driver.set_window_rect(0, 0, 390, 900).await.unwrap();
    driver.goto(format!("{base}{path}")).await.unwrap();
    fits(driver, path).await;
    driver.set_window_rect(0, 0, 1280, 900).await.unwrap();
    driver.goto(format!("{base}{path}")).await.unwrap();
    fits(driver, path).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_timeline_takes_an_override_and_shows_gaps() {
    if !browsers_installed() {
        return;
    }
    let (server, _clock, _admin) = oncall::server().await;
    let base = server.base.clone();
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("oncall")).await;
    sign_in(&browser, &base).await;

    click(&browser, "nav-oncall").await;
    wait_for_url(&browser, "/schedules").await;
    let list = wait_for_text(&browser, "schedules", "identity-weekdays").await;
    assert!(list.contains(ANA_NAME), "{list}");
    // Markers are set in capitals; WebDriver reads them so.
    assert!(
        list.to_lowercase().contains("gap in next 14 days"),
        "{list}"
    );
    screenshots(&browser, "schedules").await;
    click_element(
        browser
            .find(By::Css(
                "#schedules li[data-schedule='identity-primary'] a.schedule-name",
            ))
            .await
            .unwrap(),
    )
    .await;
    wait_for_url(&browser, "/schedules/identity-primary").await;
    wait_for_text(&browser, "schedule-now", ANA_NAME).await;

    // Fourteen day columns, today first; a row per layer and the final row.
    assert_eq!(count(&browser, "#rota text.rota-day").await, 14);
    assert_eq!(count(&browser, "#rota text.rota-day.today").await, 1);
    assert_eq!(count(&browser, "#rota .rota-row[data-row]").await, 2);
    assert_eq!(count(&browser, "#rota-final line.rota-now").await, 1);
    browser
        .find(By::Css("#rota-final g.bar[data-email='ana@example.com']"))
        .await
        .unwrap();
    let title: String = script(
        &browser,
        "return document.querySelector(\"#rota-final g.bar title\").textContent;",
    )
    .await;
    assert!(
        title.starts_with("Ana Silva: Tue 1 Dec 00:00 CET"),
        "{title}"
    );
    assert_eq!(count(&browser, "#rota-final g.bar-gap").await, 0);
    screenshots(&browser, "schedule").await;

    // Bram covers Ana tomorrow: the form starts at tomorrow 09:00–17:00.
    let start = browser
        .find(By::Id("override-start"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(start, "2026-12-02T09:00");
    choose(&browser, "override-user", BRAM).await;
    choose(&browser, "override-replaces", oncall::ANA).await;
    type_into(&browser, "override-note", "dentist").await;
    click(&browser, "override-submit").await;
    let overrides = wait_for_text(&browser, "schedule-overrides", BRAM_NAME).await;
    assert!(
        overrides.contains("Wed 2 Dec 09:00 CET – Wed 2 Dec 17:00 CET"),
        "{overrides}"
    );
    assert!(overrides.contains("dentist"), "{overrides}");
    wait_for_count(
        &browser,
        "#rota-final g.bar-override[data-email='bram@example.com']",
        1,
    )
    .await;
    let shifts = wait_for_text(&browser, "schedule-shifts", "override").await;
    assert!(shifts.contains(BRAM_NAME), "{shifts}");
    screenshots(&browser, "schedule-override").await;

    click_element(
        browser
            .find(By::Css("#schedule-overrides .override-remove"))
            .await
            .unwrap(),
    )
    .await;
    wait_for_text(
        &browser,
        "schedule-overrides",
        "No current or upcoming overrides.",
    )
    .await;
    assert_eq!(count(&browser, "#rota-final g.bar-override").await, 0);

    // A weekdays-only schedule: nights and the weekend are drawn as gaps,
    // hatched, and listed in words.
    browser
        .goto(format!("{base}/schedules/identity-weekdays"))
        .await
        .unwrap();
    let gaps = wait_for_text(&browser, "schedule-gaps", "Nobody on call").await;
    assert!(
        gaps.contains("Fri 4 Dec 17:00 – Mon 7 Dec 09:00 CET"),
        "{gaps}"
    );
    assert!(count(&browser, "#rota-final g.bar-gap").await >= 10);
    let fill: String = script(
        &browser,
        "return getComputedStyle(document.querySelector('#rota-final g.bar-gap rect')).fill;",
    )
    .await;
    assert!(fill.contains("rota-hatch"), "gaps are hatched: {fill}");
    let label: String = script(
        &browser,
        "return document.querySelector('#rota-final g.bar-gap title').textContent;",
    )
    .await;
    assert!(label.starts_with("nobody: "), "{label}");
    screenshots(&browser, "schedule-gaps").await;

    for path in [
        "/schedules",
        "/schedules/identity-primary",
        "/schedules/identity-weekdays",
    ] {
        fits_a_phone(&browser, &base, path).await;
    }

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_pages_fit_a_phone() {
    if !browsers_installed() {
        return;
    }
    let (server, _clock, admin) = oncall::server().await;
    let base = server.base.clone();
    let app = server.app().clone();
    let incident = app
        .declare_incident(
            &admin,
            NewIncident {
                title: "Login is down for EU customers".into(),
                ..NewIncident::default()
            },
        )
        .await
        .unwrap();
    app.page(
        &admin,
        PageRequest {
            target: PageTarget::Team(Slug::parse("team", "identity").unwrap()),
            summary: "Login is down for EU customers".into(),
            details: "Error rate 40% since 10:55; rollback started".into(),
            incident: Some(muster_app::incidents::IncidentKey::Number(incident.number)),
            drill: false,
        },
    )
    .await
    .unwrap();
    app.fire_due_pages(500).await.unwrap();
    let detail = app
        .page_detail(&admin, PageKey::Number(PageNumber(1)))
        .await
        .unwrap();
    let link = detail.deliveries[0].notification.ack_url.clone().unwrap();
    let token = link.rsplit('/').next().unwrap().to_owned();

    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("paging")).await;

    // The link page, for a visitor without a session.
    browser.goto(format!("{base}/link/{token}")).await.unwrap();
    wait_for_text(&browser, "link", "Acknowledge P-1").await;
    screenshots(&browser, "link").await;
    fits_a_phone(&browser, &base, &format!("/link/{token}")).await;

    sign_in(&browser, &base).await;
    let pages = [
        ("team", String::from("/teams/identity")),
        ("service", String::from("/services/auth")),
        ("functionality", String::from("/functionalities/login")),
        ("pages", String::from("/pages")),
        ("page", String::from("/pages/P-1")),
        ("incident", format!("/incidents/{}", incident.number)),
        ("person", format!("/people/{}", oncall::ANA)),
    ];
    for (name, path) in &pages {
        browser.goto(format!("{base}{path}")).await.unwrap();
        screenshots(&browser, name).await;
        fits_a_phone(&browser, &base, path).await;
    }

    // Acknowledge from the page; the live part shows it.
    browser.goto(format!("{base}/pages/P-1")).await.unwrap();
    click(&browser, "page-acknowledge").await;
    wait_for_text(&browser, "page-status", "Acknowledged").await;
    wait_for_text(&browser, "page-acknowledged", ADMIN_NAME).await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
