//! The console in a real browser (headless Chromium over WebDriver): set-up,
//! declaring with only a title, taking command, a note, resolving; and a
//! second browser seeing a note appear without reloading.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use support::browser::{
    ChromeDriver, browsers_installed, click, click_element, screenshots, set_up_admin, type_into,
    wait_for_text, wait_for_url,
};
use support::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD, TestServer};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_is_run_from_the_browser_and_seen_live_by_another() {
    if !browsers_installed() {
        return;
    }
    let server = TestServer::start(support::app().await).await;
    let base = server.base.clone();
    let secret = server
        .app()
        .bootstrap_secret()
        .await
        .unwrap()
        .expect("a fresh install");
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let first = chromedriver.browser(&profiles.path().join("first")).await;

    // Set-up creates the first admin and signs them in.
    set_up_admin(&first, &base, &secret).await;
    wait_for_text(&first, "incident-list-empty", "No incidents yet").await;

    // Declaring needs only a title.
    click(&first, "nav-declare").await;
    screenshots(&first, "declare").await;
    type_into(&first, "declare-title", "Checkout fails for card payments").await;
    click(&first, "declare-submit").await;
    wait_for_url(&first, "/incidents/INC-1").await;
    wait_for_text(&first, "incident-status", "Active").await;
    wait_for_text(
        &first,
        "timeline",
        "Declared SEV3: Checkout fails for card payments",
    )
    .await;

    // Taking command: the select offers yourself first.
    click(&first, "assign-commander").await;
    wait_for_text(&first, "role-commander-holder", ADMIN_NAME).await;
    wait_for_text(
        &first,
        "timeline",
        &format!("{ADMIN_NAME} is now commander"),
    )
    .await;

    // The header was refreshed with the new version, so this edit does not conflict.
    let severity = first.find(By::Id("severity-select")).await.unwrap();
    thirtyfour::components::SelectElement::new(&severity)
        .await
        .unwrap()
        .select_by_value("SEV1")
        .await
        .unwrap();
    click(&first, "severity-submit").await;
    wait_for_text(&first, "incident-severity", "SEV1").await;
    wait_for_text(&first, "timeline", "Severity changed from SEV3 to SEV1").await;

    // A task, ticked off.
    type_into(&first, "task-title", "Page the payments provider").await;
    click(&first, "task-submit").await;
    wait_for_text(&first, "tasks-list", "Page the payments provider").await;
    click_element(first.find(By::Css("#tasks-list .check")).await.unwrap()).await;
    wait_for_text(&first, "timeline", "Task done: Page the payments provider").await;

    // A second browser signs in through the redirect and lands on the incident.
    let second = chromedriver.browser(&profiles.path().join("second")).await;
    second
        .goto(format!("{base}/incidents/INC-1"))
        .await
        .unwrap();
    wait_for_url(&second, "/login?next=%2Fincidents%2FINC-1").await;
    screenshots(&second, "login").await;
    type_into(&second, "login-email", ADMIN_EMAIL).await;
    type_into(&second, "login-password", ADMIN_PASSWORD).await;
    click(&second, "login-submit").await;
    wait_for_url(&second, "/incidents/INC-1").await;
    wait_for_text(&second, "timeline", "is now commander").await;

    // A note from the first browser appears in the second without a reload.
    type_into(
        &first,
        "note-text",
        "Rolled back deploy 4711; error rate falling",
    )
    .await;
    click(&first, "note-submit").await;
    wait_for_text(&first, "timeline", "Rolled back deploy 4711").await;
    let note_box = first.find(By::Id("note-text")).await.unwrap();
    assert_eq!(
        note_box.value().await.unwrap().unwrap_or_default(),
        "",
        "the note form is emptied"
    );
    wait_for_text(&second, "timeline", "Rolled back deploy 4711").await;

    // Resolving shows everywhere, and the timeline tells the whole story.
    click(&first, "action-resolve").await;
    wait_for_text(&first, "incident-status", "Resolved").await;
    let timeline = wait_for_text(&first, "timeline", "Marked resolved").await;
    for step in [
        "Declared SEV3: Checkout fails for card payments",
        "is now commander",
        "Severity changed from SEV3 to SEV1",
        "Task done: Page the payments provider",
        "Rolled back deploy 4711",
        "Marked acknowledged",
        "Marked mitigated",
        "Marked resolved",
    ] {
        assert!(
            timeline.contains(step),
            "the timeline lacks {step:?}:\n{timeline}"
        );
    }
    wait_for_text(&second, "incident-status", "Resolved").await;
    wait_for_text(&second, "timeline", "Marked resolved").await;

    screenshots(&first, "incident").await;
    first.goto(format!("{base}/")).await.unwrap();
    wait_for_text(&first, "incident-list", "INC-1").await;
    screenshots(&first, "incidents").await;

    second.quit().await.unwrap();
    first.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
