//! The process of an incident in a real browser (headless Chromium over
//! WebDriver), with `examples/plan/`: a SEV1 on Login is declared from the
//! console, started from a scenario; the "what's next" panel shows the failed
//! step, the roles nobody holds and each team's checklist, and every item is
//! one click: retry the step, take the role, tick a task, preview an update
//! and send it. The scenario's expected timeline sits beside it, and an
//! action is marked done there.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use support::browser::{
    ChromeDriver, browsers_installed, click, click_element, screenshots, set_up_admin, type_into,
    wait_for_text,
};
use support::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD, TestServer};
use thirtyfour::prelude::*;

async fn choose(browser: &WebDriver, id: &str, value: &str) {
    let select = browser.find(By::Id(id)).await.unwrap();
    thirtyfour::components::SelectElement::new(&select)
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whats_next_panel_offers_each_next_action_in_one_click() {
    if !browsers_installed() {
        return;
    }
    let server = TestServer::start(support::app().await).await;
    let base = server.base.clone();
    let secret = server.app().bootstrap_secret().await.unwrap().unwrap();
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("process")).await;
    set_up_admin(&browser, &base, &secret).await;
    let admin = server
        .app()
        .verify_credentials(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    // Nobody of identity's rotation has an account: its step fails, visibly.
    server
        .app()
        .apply_plan(&admin.actor, support::example_plan())
        .await
        .unwrap();

    // Declared from the console, started from a scenario.
    browser.goto(format!("{base}/incidents/new")).await.unwrap();
    type_into(&browser, "declare-title", "Customers are signed out").await;
    choose(&browser, "declare-severity", "SEV1").await;
    type_into(&browser, "declare-functionality", "login").await;
    choose(&browser, "declare-scenario", "login-outage-after-deploy").await;
    click(&browser, "declare-submit").await;
    wait_for_text(
        &browser,
        "scenario",
        "Support reports a spike of sign-in complaints",
    )
    .await;

    // The engine runs the attached runbooks' steps.
    server.app().run_due_steps(50).await.unwrap();
    browser.refresh().await.unwrap();
    let panel = wait_for_text(&browser, "whats-next", "Identity commands").await;
    assert!(panel.contains("failed"), "{panel}");
    assert!(
        panel.contains("Next update due by"),
        "the SEV1 cadence: {panel}"
    );
    wait_for_text(&browser, "next-team-support", "Pin a macro for customers").await;
    wait_for_text(
        &browser,
        "next-team-legal",
        "Assess whether we have a duty to disclose",
    )
    .await;
    wait_for_text(&browser, "next-roles", "Communications").await;
    screenshots(&browser, "whats-next").await;

    // Retry the failed step.
    click(&browser, "step-login-failures-2-run").await;
    // The retry finds the commander's role taken (the SEV1 kickoff gave it
    // to whoever declared) and is done: the panel drops it.
    wait_for_text(&browser, "timeline", "Identity commands").await;
    let panel = wait_for_text(&browser, "whats-next", "Communications lead").await;
    assert!(!panel.contains("Identity commands"), "{panel}");

    // Take the empty role in one click.
    click(&browser, "next-role-communications-take").await;
    wait_for_text(&browser, "role-communications-holder", ADMIN_NAME).await;

    // Tick a support task off from the panel.
    let task = browser
        .find(By::Css("#next-team-support .next-item"))
        .await
        .unwrap();
    let task_id = task.attr("id").await.unwrap().unwrap();
    click(&browser, &format!("{task_id}-done")).await;
    wait_for_text(&browser, "timeline", "Task done: [support]").await;

    // Preview an update, then send it.
    click(&browser, "update-form-toggle").await;
    choose(&browser, "update-template", "sev1-internal").await;
    click(&browser, "update-preview-button").await;
    let preview = wait_for_text(&browser, "update-preview", "would go to").await;
    assert!(preview.contains("(SEV1)"), "{preview}");
    assert!(
        preview.contains("legal"),
        "legal waits for its digest: {preview}"
    );
    click(&browser, "update-send").await;
    wait_for_text(&browser, "timeline", "Update posted from sev1-internal").await;

    // The scenario: declared on time; an action marked done.
    let scenario = wait_for_text(&browser, "scenario", "declared").await;
    assert!(scenario.contains("on time"), "{scenario}");
    click_element(
        browser
            .find(By::Css("#scenario button[id$='-done']"))
            .await
            .unwrap(),
    )
    .await;
    wait_for_text(&browser, "timeline", "Done: Support reports a spike").await;
    // It was expected at T+0m: done seconds later, it is late by that much.
    wait_for_text(&browser, "moment-0-outcome", "late by").await;
    screenshots(&browser, "scenario").await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
