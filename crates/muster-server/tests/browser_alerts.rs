//! Alerts in a real browser (headless Chromium over WebDriver): sign in,
//! open the alert list, see an alert arrive without reloading, open it,
//! read "Why did this page?", and acknowledge it; attach it to an open
//! incident from its page; then "silence similar" fills the silence form,
//! the routes page previews the rules, and a new integration shows its key.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use muster_core::alert::AlertStatus;
use muster_store::alerts::AlertFilter;
use support::alerts::{alerting, send, webhook};
use support::browser::{
    ChromeDriver, browsers_installed, click, click_element, screenshots, type_into, wait_for_text,
    wait_for_url,
};
use support::oncall;
use support::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_arrives_says_why_it_paged_and_is_acknowledged() {
    if !browsers_installed() {
        return;
    }
    let (server, _clock, admin) = oncall::server().await;
    let key = alerting(&server.test, &admin).await;
    let base = server.base.clone();
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("alerts")).await;

    browser.goto(format!("{base}/login")).await.unwrap();
    type_into(&browser, "login-email", ADMIN_EMAIL).await;
    type_into(&browser, "login-password", ADMIN_PASSWORD).await;
    click(&browser, "login-submit").await;
    wait_for_text(&browser, "me-name", ADMIN_NAME).await;

    click(&browser, "nav-alerts").await;
    wait_for_url(&browser, "/alerts").await;
    wait_for_text(&browser, "alert-list-empty", "No alerts yet").await;

    // Alertmanager sends an alert while the list is open: it shows up
    // without a reload (the list polls).
    send(
        &server.test,
        &key,
        &webhook(
            "firing",
            &[("auth-1", "AuthDown", "Auth is down on auth-1")],
        ),
    )
    .await;
    let row = wait_for_text(&browser, "alert-list", "Auth is down on auth-1").await;
    assert!(row.contains("Paged"), "routing's effect is shown: {row}");
    screenshots(&browser, "alerts").await;

    let link = browser
        .find(By::Css("#alert-list .alert-summary a"))
        .await
        .unwrap();
    click_element(link).await;
    wait_for_text(&browser, "alert-why-headline", "Paged service auth").await;
    // Card headings are set in capitals by the style sheet.
    let heading = browser.find(By::Id("why-heading")).await.unwrap();
    let heading = heading.text().await.unwrap();
    assert_eq!(heading.to_lowercase(), "why did this page?");
    wait_for_text(&browser, "alert-why-matched", "auth-down").await;
    wait_for_text(&browser, "alert-page", "P-1").await;
    wait_for_text(&browser, "alert-status", "Firing").await;
    screenshots(&browser, "alert").await;

    click(&browser, "alert-acknowledge").await;
    wait_for_text(&browser, "alert-status", "Acknowledged").await;
    let acknowledged = wait_for_text(&browser, "alert-acknowledged", "UTC").await;
    assert!(acknowledged.contains("Dec 1"), "{acknowledged}");
    assert!(
        browser.find(By::Id("alert-acknowledge")).await.is_err(),
        "no second acknowledge"
    );
    let stored = server
        .app()
        .alerts(
            &admin,
            &AlertFilter {
                limit: 10,
                ..AlertFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(stored[0].status, AlertStatus::Acknowledged);

    // Someone declared an incident meanwhile: attach the alert to it.
    let alert_url = browser.current_url().await.unwrap().to_string();
    server
        .app()
        .declare_incident(
            &admin,
            muster_core::NewIncident {
                title: "Logins fail".into(),
                ..muster_core::NewIncident::default()
            },
        )
        .await
        .unwrap();
    browser.goto(&alert_url).await.unwrap();
    let choice = wait_for_text(&browser, "attach-incident", "INC-1").await;
    assert!(choice.contains("Logins fail"), "{choice}");
    screenshots(&browser, "alert-attach").await;
    click(&browser, "attach-submit").await;
    wait_for_url(&browser, "/incidents/INC-1").await;
    wait_for_text(
        &browser,
        "timeline",
        "Alert attached: Auth is down on auth-1",
    )
    .await;
    browser.goto(&alert_url).await.unwrap();
    wait_for_text(&browser, "alert-incident", "INC-1").await;
    wait_for_text(&browser, "alert-incident", "marked mitigated").await;
    assert!(
        browser.find(By::Id("attach-form")).await.is_err(),
        "one incident per alert"
    );

    // "Silence similar" opens the form with the alert's labels.
    click(&browser, "alert-silence").await;
    wait_for_url(&browser, "#silence-form").await;
    let matchers = browser
        .find(By::Id("silence-matchers"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(matchers.contains("instance=\"auth-1\""), "{matchers}");
    screenshots(&browser, "silences").await;
    browser
        .goto(format!("{base}/alerts/routes?preview=1"))
        .await
        .unwrap();
    wait_for_text(&browser, "routes-identity", "auth-down").await;
    wait_for_text(&browser, "preview-table", "Auth is down on auth-1").await;
    screenshots(&browser, "alert-routes").await;

    // A new integration from the console: its key is shown once, in the URL.
    browser.goto(format!("{base}/alerts")).await.unwrap();
    click(&browser, "alerts-integrations").await;
    wait_for_url(&browser, "/integrations").await;
    wait_for_text(&browser, "integration-prometheus", "Alertmanager").await;
    type_into(&browser, "integration-name", "deploy-bot").await;
    let generic = browser
        .find(By::Css("#integration-kind option[value='generic']"))
        .await
        .unwrap();
    click_element(generic).await;
    let auth = browser
        .find(By::Css("#integration-bound option[value='service:auth']"))
        .await
        .unwrap();
    click_element(auth).await;
    screenshots(&browser, "integrations").await;
    click(&browser, "integration-submit").await;
    let url = wait_for_text(&browser, "issued-key-url", "/ingest/generic/").await;
    let key = browser
        .find(By::Id("issued-key-value"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(key.len(), 32, "{key}");
    assert!(url.ends_with(&key), "{url}");
    screenshots(&browser, "integration-key").await;
    click(&browser, "issued-key-back").await;
    wait_for_text(&browser, "integration-deploy-bot", "Generic JSON").await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
