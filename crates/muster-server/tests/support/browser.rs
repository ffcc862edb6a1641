//! Headless Chromium over WebDriver, for the browser tests: chromedriver as
//! a child process, the skip rule, and waiting for what a page promised.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. With `MUSTER_SCREENSHOTS=<dir>`,
//! [`screenshots`] saves pages at desktop and phone widths.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use thirtyfour::prelude::*;
use tokio::time::Instant;

use super::{ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a page may take to show what an action promised.
pub const PATIENCE: Duration = Duration::from_secs(10);
pub const POLL: Duration = Duration::from_millis(100);

/// chromedriver, killed when dropped (also when an assertion fails half-way).
/// Browser sessions are declared after it, so they drop (and quit) first.
pub struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    pub async fn start() -> Self {
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

    pub async fn browser(&self, profile: &Path) -> WebDriver {
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

pub fn browsers_installed() -> bool {
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
pub async fn wait_for_text(driver: &WebDriver, id: &str, needle: &str) -> String {
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

pub async fn wait_for_url(driver: &WebDriver, suffix: &str) {
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

pub async fn type_into(driver: &WebDriver, id: &str, text: &str) {
    driver
        .find(By::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks with the element centred, clear of the sticky top bar.
pub async fn click_element(element: WebElement) {
    element.scroll_into_view().await.unwrap();
    element.click().await.unwrap();
}

pub async fn click(driver: &WebDriver, id: &str) {
    click_element(driver.find(By::Id(id)).await.unwrap()).await;
}

/// Saves the page at desktop and phone widths when asked to.
pub async fn screenshots(driver: &WebDriver, name: &str) {
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

/// Creates the first admin through the set-up link, signed in afterwards.
pub async fn set_up_admin(driver: &WebDriver, base: &str, secret: &str) {
    driver
        .goto(format!("{base}/setup?token={secret}"))
        .await
        .unwrap();
    type_into(driver, "setup-email", ADMIN_EMAIL).await;
    type_into(driver, "setup-name", ADMIN_NAME).await;
    type_into(driver, "setup-password", ADMIN_PASSWORD).await;
    click(driver, "setup-submit").await;
    wait_for_text(driver, "me-name", ADMIN_NAME).await;
}
