//! The plan in a real browser (headless Chromium over WebDriver): the example
//! company's plan is applied, then the console shows it read-only with its
//! last change, its documents, its source and the reviews that are overdue.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};

use muster_app::plan::PlanApply;
use support::browser::{
    ChromeDriver, browsers_installed, click, screenshots, set_up_admin, wait_for_text, wait_for_url,
};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD, TestServer};
use thirtyfour::prelude::*;

/// The example plan, with the retrospective template's review long overdue.
fn example_plan() -> PlanApply {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.ends_with("retrospective.yaml") {
            text = text.replace("last_reviewed: 2026-04-15", "last_reviewed: 2020-04-15");
        }
        files.push((PathBuf::from(path.file_name().unwrap()), text));
    }
    let plan = muster_plan::plan::Plan::from_texts(files).unwrap();
    assert!(muster_plan::plan::validate(&plan).is_empty());
    PlanApply {
        catalog: plan.catalog(),
        documents: plan.stored_documents(),
        files: plan.files(),
        secrets: Default::default(),
        dry_run: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_plan_is_shown_with_its_source_and_overdue_reviews() {
    if !browsers_installed() {
        return;
    }
    let server = TestServer::start(support::app().await).await;
    let base = server.base.clone();
    let secret = server.app().bootstrap_secret().await.unwrap().unwrap();
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("plan")).await;
    set_up_admin(&browser, &base, &secret).await;

    click(&browser, "nav-plan").await;
    wait_for_url(&browser, "/plan").await;
    wait_for_text(&browser, "plan-last-change", "No plan has been applied yet").await;

    let admin = server
        .app()
        .verify_credentials(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    let applied = server
        .app()
        .apply_plan(&admin.actor, example_plan())
        .await
        .unwrap();
    assert_eq!(applied.revision, Some(1));

    browser.refresh().await.unwrap();
    wait_for_text(&browser, "plan-last-change", "Revision 1").await;
    wait_for_text(&browser, "plan-last-change", "Ada Lovelace").await;
    wait_for_text(&browser, "runbook-docs", "sev1-kickoff").await;
    wait_for_text(&browser, "stakeholdergroup-docs", "legal").await;
    wait_for_text(&browser, "taskforce-docs", "standing").await;
    wait_for_text(&browser, "scenario-docs", "card-processor-outage").await;
    let source = wait_for_text(&browser, "plan-source", "functionalities.yaml").await;
    // Files are listed by path; the first, alerting.yaml, is open.
    assert!(
        source.contains("kind: AlertRoutes"),
        "the first file is open: {source}"
    );
    screenshots(&browser, "plan").await;

    click(&browser, "plan-stale-link").await;
    wait_for_url(&browser, "/plan/stale").await;
    let stale = wait_for_text(&browser, "stale-documents", "RetrospectiveTemplate").await;
    assert!(
        stale.contains("2021-04-15"),
        "due a year after 2020-04-15: {stale}"
    );
    assert!(
        stale.contains("pending"),
        "no reminder recorded yet: {stale}"
    );
    screenshots(&browser, "plan-stale").await;

    // The engine records the owner's reminder; the page says so.
    let reminded = server.app().record_review_reminders().await.unwrap();
    assert!(reminded.iter().any(|r| r.name == "standard"));
    browser.refresh().await.unwrap();
    wait_for_text(&browser, "stale-documents", "recorded").await;

    // Owners link to their team, which the plan created in the catalog.
    browser
        .find(By::Css("#stale-documents tr[data-name='standard'] a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&browser, "/teams/platform").await;
    wait_for_text(&browser, "team-services", "main-db").await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
