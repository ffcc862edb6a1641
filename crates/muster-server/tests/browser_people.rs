//! People in a real browser (headless Chromium over WebDriver): the admin
//! opens their own profile from the people list, sets a time zone and two
//! contact methods through the form, and a mistake is shown on its line.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use support::TestServer;
use support::browser::{
    ChromeDriver, browsers_installed, click, screenshots, set_up_admin, type_into, wait_for_text,
    wait_for_url,
};
use thirtyfour::prelude::*;

async fn replace_text(driver: &WebDriver, id: &str, text: &str) {
    driver
        .find(By::Id(id))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(driver, id, text).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_sets_their_time_zone_and_contact_methods() {
    if !browsers_installed() {
        return;
    }
    let server = TestServer::start(support::app().await).await;
    let base = server.base.clone();
    let secret = server.app().bootstrap_secret().await.unwrap().unwrap();
    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("people")).await;
    set_up_admin(&browser, &base, &secret).await;

    click(&browser, "nav-people").await;
    wait_for_url(&browser, "/people").await;
    wait_for_text(&browser, "people", support::ADMIN_EMAIL).await;
    screenshots(&browser, "people").await;
    browser
        .find(By::Css(format!(
            "#people tr[data-email='{}'] a",
            support::ADMIN_EMAIL
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "user-time-zone", "UTC").await;

    // A mistake on the third line (after a blank one) is reported there, and
    // what was typed stays.
    replace_text(&browser, "user-time-zone-input", "Europe/Lisbon").await;
    replace_text(
        &browser,
        "user-contacts",
        "sms:+351912345678 Mobile\n\nvoice:12345",
    )
    .await;
    click(&browser, "user-submit").await;
    let form = wait_for_text(&browser, "user-form", "line 3").await;
    assert!(form.contains("E.164"), "{form}");
    let kept = browser
        .find(By::Id("user-contacts"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(kept.contains("voice:12345"), "{kept}");

    replace_text(
        &browser,
        "user-contacts",
        "sms:+351912345678 Mobile\nemail:ada@example.com",
    )
    .await;
    click(&browser, "user-submit").await;
    wait_for_text(&browser, "user-time-zone", "Europe/Lisbon").await;
    let contacts = wait_for_text(&browser, "user-contacts-list", "+351912345678").await;
    assert!(contacts.contains("Mobile"), "{contacts}");
    assert!(contacts.contains("ada@example.com"), "{contacts}");
    screenshots(&browser, "person").await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
