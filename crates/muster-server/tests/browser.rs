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

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD, TestServer};
use thirtyfour::prelude::*;
use tokio::time::Instant;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a page may take to show what an action promised.
const PATIENCE: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// chromedriver, killed when dropped (also when an assertion fails half-way).
/// Browser sessions are declared after it, so they drop (and quit) first.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(POLL).await;
        }
        driver
    }

    async fn browser(&self, profile: &Path) -> WebDriver {
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display()))
            .unwrap();
        WebDriver::new(self.url.as_str(), caps)
            .await
            .expect("a browser session")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browsers_installed() -> bool {
    let installed = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    if !installed {
        assert!(
            std::env::var("MUSTER_TEST_REQUIRE_ALL").as_deref() != Ok("1"),
            "MUSTER_TEST_REQUIRE_ALL=1 but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!("skipping browser test: chromium/chromedriver not installed");
    }
    installed
}

/// The text of the element `id`, once it contains `needle` (or a failure
/// naming what was seen instead).
async fn wait_for_text(driver: &WebDriver, id: &str, needle: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = driver.find(By::Id(id)).await
            && let Ok(text) = element.text().await
        {
            if text.contains(needle) {
                return text;
            }
            seen = text;
        }
        tokio::time::sleep(POLL).await;
    }
    let url = driver
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("#{id} never showed {needle:?} within {PATIENCE:?} on {url}; last seen: {seen:?}");
}

async fn wait_for_url(driver: &WebDriver, suffix: &str) {
    let deadline = Instant::now() + PATIENCE;
    let mut url = String::new();
    while Instant::now() < deadline {
        url = driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if url.ends_with(suffix) {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
    panic!("the browser never reached …{suffix}; it is at {url}");
}

async fn type_into(driver: &WebDriver, id: &str, text: &str) {
    driver
        .find(By::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks with the element centred, clear of the sticky top bar.
async fn click_element(element: WebElement) {
    element.scroll_into_view().await.unwrap();
    element.click().await.unwrap();
}

async fn click(driver: &WebDriver, id: &str) {
    click_element(driver.find(By::Id(id)).await.unwrap()).await;
}

/// Saves the page at desktop and phone widths when asked to.
async fn screenshots(driver: &WebDriver, name: &str) {
    let Some(dir) = std::env::var_os("MUSTER_SCREENSHOTS").map(PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for (label, width, height) in [("desktop", 1280, 1400), ("phone", 390, 2200)] {
        driver.set_window_rect(0, 0, width, height).await.unwrap();
        driver
            .screenshot(&dir.join(format!("{name}-{label}.png")))
            .await
            .unwrap();
    }
    driver.set_window_rect(0, 0, 1280, 900).await.unwrap();
}

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
    first
        .goto(format!("{base}/setup?token={secret}"))
        .await
        .unwrap();
    type_into(&first, "setup-email", ADMIN_EMAIL).await;
    type_into(&first, "setup-name", ADMIN_NAME).await;
    type_into(&first, "setup-password", ADMIN_PASSWORD).await;
    click(&first, "setup-submit").await;
    wait_for_text(&first, "me-name", ADMIN_NAME).await;
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
