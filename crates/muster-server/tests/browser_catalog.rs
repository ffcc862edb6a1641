//! The catalog in a real browser (headless Chromium over WebDriver): a team,
//! two services with a dependency and a functionality created through the
//! console's forms, then the service's neighbourhood graph, the team and the
//! functionality pages.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>` it also saves
//! screenshots of the pages at desktop and phone widths.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;

use support::TestServer;
use support::browser::{
    ChromeDriver, browsers_installed, click, screenshots, set_up_admin, type_into, wait_for_text,
    wait_for_url,
};
use thirtyfour::prelude::*;

async fn choose(driver: &WebDriver, id: &str, value: &str) {
    let select = driver.find(By::Id(id)).await.unwrap();
    thirtyfour::components::SelectElement::new(&select)
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// The `data-slug` of every node of the graph `id`.
async fn graph_nodes(driver: &WebDriver, id: &str) -> BTreeSet<String> {
    let mut slugs = BTreeSet::new();
    for node in driver
        .find_all(By::Css(format!("#{id} a.graph-node")))
        .await
        .unwrap()
    {
        slugs.insert(node.attr("data-slug").await.unwrap().unwrap_or_default());
    }
    slugs
}

async fn new_service(driver: &WebDriver, slug: &str, depends_on: &str, rollback: &str) {
    click(driver, "new-service").await;
    wait_for_url(driver, "/services/new").await;
    type_into(driver, "form-slug", slug).await;
    choose(driver, "service-owner-select", "payments").await;
    choose(driver, "service-tier", "1").await;
    type_into(driver, "service-rollback", rollback).await;
    if !depends_on.is_empty() {
        type_into(driver, "service-dependencies", depends_on).await;
    }
    click(driver, "service-submit").await;
    wait_for_url(driver, &format!("/services/{slug}")).await;
    wait_for_text(driver, "rollback-plan", rollback).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_is_built_from_the_browser_and_drawn_as_a_graph() {
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
    let browser = chromedriver.browser(&profiles.path().join("catalog")).await;
    set_up_admin(&browser, &base, &secret).await;

    // A team first: services and functionalities name their owner.
    click(&browser, "nav-catalog").await;
    wait_for_url(&browser, "/catalog").await;
    click(&browser, "new-team").await;
    wait_for_url(&browser, "/teams/new").await;
    type_into(&browser, "form-slug", "payments").await;
    type_into(&browser, "team-name-input", "Payments").await;
    type_into(&browser, "team-channel-input", "#payments").await;
    type_into(&browser, "team-members", "grace@example.com:lead").await;
    click(&browser, "team-submit").await;
    wait_for_url(&browser, "/teams/payments").await;
    wait_for_text(&browser, "team-members", "grace@example.com").await;

    // Two services, one depending on the other.
    browser.goto(format!("{base}/catalog")).await.unwrap();
    new_service(&browser, "payments-db", "", "Restore the latest snapshot").await;
    browser.goto(format!("{base}/catalog")).await.unwrap();
    new_service(
        &browser,
        "checkout-api",
        "payments-db:hard",
        "helm rollback checkout-api",
    )
    .await;

    // A functionality on top.
    browser.goto(format!("{base}/catalog")).await.unwrap();
    click(&browser, "new-functionality").await;
    wait_for_url(&browser, "/functionalities/new").await;
    type_into(&browser, "form-slug", "checkout").await;
    type_into(&browser, "functionality-name-input", "Checkout").await;
    type_into(
        &browser,
        "functionality-description",
        "Paying for the basket",
    )
    .await;
    choose(&browser, "functionality-owner-select", "payments").await;
    type_into(&browser, "functionality-services-input", "checkout-api").await;
    click(&browser, "functionality-submit").await;
    wait_for_url(&browser, "/functionalities/checkout").await;
    wait_for_text(&browser, "functionality-services", "checkout-api").await;

    // The service page draws its neighbourhood.
    browser
        .goto(format!("{base}/services/checkout-api"))
        .await
        .unwrap();
    wait_for_text(&browser, "rollback-plan", "helm rollback checkout-api").await;
    wait_for_text(&browser, "blast-radius", "Checkout").await;
    assert_eq!(
        graph_nodes(&browser, "service-graph").await,
        BTreeSet::from(["checkout", "checkout-api", "payments-db"].map(String::from))
    );
    let focus = browser
        .find(By::Css("#service-graph a.graph-focus"))
        .await
        .unwrap();
    assert_eq!(
        focus.attr("data-slug").await.unwrap().as_deref(),
        Some("checkout-api")
    );
    let functionality = browser
        .find(By::Css("#service-graph a.graph-functionality"))
        .await
        .unwrap();
    assert_eq!(
        functionality.attr("data-slug").await.unwrap().as_deref(),
        Some("checkout")
    );
    let edges = browser
        .find_all(By::Css("#service-graph path.graph-edge-hard"))
        .await
        .unwrap();
    assert_eq!(edges.len(), 2, "checkout → checkout-api → payments-db");
    screenshots(&browser, "service").await;

    // The graph's nodes are links.
    browser
        .find(By::Css(
            "#service-graph a.graph-node[data-slug='payments-db']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(&browser, "/services/payments-db").await;
    wait_for_text(&browser, "blast-radius", "checkout-api").await;

    browser
        .goto(format!("{base}/teams/payments"))
        .await
        .unwrap();
    wait_for_text(&browser, "team-services", "checkout-api").await;
    wait_for_text(&browser, "team-functionalities", "Checkout").await;
    screenshots(&browser, "team").await;

    browser
        .goto(format!("{base}/functionalities/checkout"))
        .await
        .unwrap();
    wait_for_text(&browser, "functionality-about", "Paying for the basket").await;
    assert_eq!(
        graph_nodes(&browser, "functionality-graph").await,
        BTreeSet::from(["checkout", "checkout-api", "payments-db"].map(String::from))
    );
    screenshots(&browser, "functionality").await;

    browser.goto(format!("{base}/catalog")).await.unwrap();
    wait_for_text(&browser, "catalog-services", "payments-db").await;
    screenshots(&browser, "catalog").await;

    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
