//! The public status page in a real browser (headless Chromium over
//! WebDriver), with `examples/plan/`: all operational and grouped as the
//! plan says, without a single script; an update published through the API
//! turns the banner and the payments row red and shows the incident, whose
//! own page and the history page are one click away; a customer subscribes
//! by email to payments with the page's form; a malformed address is
//! refused with a page naming it; and the page fits a phone.
//!
//! The browser only ever talks to the public listener (as customers do);
//! the responders' API is called in-process through the real router, with a
//! bearer token, on the same app. SQLite only, as every browser test.
//!
//! Skipped when Chromium or chromedriver is missing, unless
//! `MUSTER_TEST_REQUIRE_ALL=1`. Screenshots at desktop and phone widths are
//! saved to `MUSTER_SCREENSHOTS=<dir>` when set (a temporary directory
//! otherwise).

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use muster_app::{App, Settings, SystemClock};
use muster_core::UserRole;
use muster_server::AppState;
use muster_server::status_site::StatusSite;
use muster_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use support::browser::{ChromeDriver, POLL, browsers_installed, click_element, wait_for_url};
use tempfile::TempDir;
use thirtyfour::prelude::*;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tower::ServiceExt;

/// How long a published change may take to reach the page (it is rebuilt at
/// once on this node; other changes are polled for every second).
const FRESH: Duration = Duration::from_secs(5);
const ADMIN: &str = "root@fernbrook.example";
const CUSTOMER: &str = "customer@example.com";
const NAME: &str = "Payments are failing";
const BODY: &str = "We are investigating failed card payments.";

/// The app on a fresh SQLite file, its public status listener on
/// 127.0.0.1:0 (what the browser visits) and the API router in-process.
struct StatusServer {
    app: App,
    site: StatusSite,
    /// The public listener's base, as customers reach it.
    base: String,
    api: Router,
    stop: Option<oneshot::Sender<()>>,
    _dir: TempDir,
}

impl StatusServer {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("muster.db"))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut settings = Settings::default();
        settings.status_page.public_url = base.clone();
        let app = App::new(Arc::new(store), Arc::new(SystemClock), settings);
        let config =
            muster_status::PageConfig::new("Fernbrook status", &base, None, "#0b6bcb", "UTC")
                .unwrap();
        let site = StatusSite::new(app.clone(), config);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(muster_server::status_site::serve(
            listener,
            site.clone(),
            async {
                let _ = stopped.await;
            },
        ));
        Self {
            api: muster_server::router(AppState::new(app.clone(), None)),
            app,
            site,
            base,
            stop: Some(stop),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One JSON call to `/api/v1` with a bearer token: the status and the
    /// body (`Null` when it is not JSON).
    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        let (status, _, body) = send(&self.api, request.unwrap()).await;
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }
}

impl Drop for StatusServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A request through `router` as if from 127.0.0.1: status, content type,
/// body.
async fn send(router: &Router, mut request: Request<Body>) -> (StatusCode, String, String) {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// The files of `examples/plan/` as `POST /api/v1/plan/apply` takes them.
fn example_plan_upload() -> Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plan");
    let mut files: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            json!({
                "path": path.file_name().unwrap().to_string_lossy(),
                "text": std::fs::read_to_string(&path).unwrap(),
            })
        })
        .collect();
    files.sort_by_key(|f| f["path"].as_str().unwrap().to_owned());
    json!({ "files": files })
}

async fn text_of(browser: &WebDriver, css: &str) -> String {
    browser
        .find(By::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Opens `url` and reloads it until `css` shows `needle` (the snapshot
/// behind the page is rebuilt in the background); the element's text.
async fn reload_until(browser: &WebDriver, url: &str, css: &str, needle: &str) -> String {
    browser.goto(url).await.unwrap();
    let deadline = Instant::now() + FRESH;
    let mut seen = String::new();
    loop {
        if let Ok(element) = browser.find(By::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if text.contains(needle) {
                return text;
            }
            seen = text;
        }
        assert!(
            Instant::now() < deadline,
            "{css} never showed {needle:?} within {FRESH:?} at {url}; last seen: {seen:?}"
        );
        tokio::time::sleep(POLL * 2).await;
        browser.refresh().await.unwrap();
    }
}

/// The groups' headings (as written in the page, not as CSS shows them)
/// with their components' ids, in page order.
async fn groups(browser: &WebDriver) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for group in browser.find_all(By::Css(".group")).await.unwrap() {
        let heading = group
            .find(By::Tag("h2"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut ids = Vec::new();
        for component in group.find_all(By::Css(".component")).await.unwrap() {
            ids.push(component.id().await.unwrap().unwrap());
        }
        out.push((heading, ids));
    }
    out
}

/// How many of a component's history bars are shown (not `display: none`).
async fn shown_bars(browser: &WebDriver, component: &str) -> u64 {
    let script = format!(
        "return Array.from(document.querySelectorAll('#component-{component} .bars span'))\
         .filter(s => getComputedStyle(s).display !== 'none').length;"
    );
    browser
        .execute(&script, Vec::new())
        .await
        .unwrap()
        .json()
        .as_u64()
        .unwrap()
}

/// Saves the page at desktop and phone widths (full length), then puts the
/// window back to the desktop size.
async fn screenshots(browser: &WebDriver, dir: &Path, name: &str) {
    for (label, width, height) in [("desktop", 1280, 1500), ("phone", 390, 2600)] {
        browser.set_window_rect(0, 0, width, height).await.unwrap();
        let path = dir.join(format!("{name}-{label}.png"));
        browser.screenshot(&path).await.unwrap();
        let png = std::fs::read(&path).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{} is a real picture",
            path.display()
        );
    }
    browser.set_window_rect(0, 0, 1280, 900).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_follow_an_outage_on_the_public_page_and_subscribe() {
    if !browsers_installed() {
        return;
    }
    let server = StatusServer::start().await;
    let admin = server
        .app
        .issue_admin_token(ADMIN, UserRole::Admin, "test")
        .await
        .unwrap()
        .1;
    let (status, applied) = server
        .call(
            &admin,
            Method::POST,
            "/api/v1/plan/apply",
            Some(example_plan_upload()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the example plan applies: {applied}"
    );

    let chromedriver = ChromeDriver::start().await;
    let profiles = tempfile::tempdir().unwrap();
    let browser = chromedriver.browser(&profiles.path().join("status")).await;
    let keep = std::env::var_os("MUSTER_SCREENSHOTS").map(PathBuf::from);
    let scratch = tempfile::tempdir().unwrap();
    let shots = keep.unwrap_or_else(|| scratch.path().to_owned());
    std::fs::create_dir_all(&shots).unwrap();
    let home = server.url("/");

    // Before anything happens: all operational, grouped as the plan says.
    reload_until(&browser, &home, "#component-accounts", "Operational").await;
    assert_eq!(
        text_of(&browser, ".banner").await,
        "All Systems Operational"
    );
    let seen = groups(&browser).await;
    // Listing order is the plan's positions: shop, payments, accounts.
    let expected = [
        ("shopping", vec!["component-shop", "component-payments"]),
        ("your account", vec!["component-accounts"]),
    ];
    assert_eq!(seen.len(), expected.len(), "{seen:?}");
    for ((heading, ids), (want_heading, want_ids)) in seen.iter().zip(&expected) {
        // CSS may change a heading's case; the words are what count.
        assert_eq!(heading.to_lowercase(), *want_heading, "{seen:?}");
        assert_eq!(ids, want_ids, "{seen:?}");
    }
    for component in ["shop", "payments", "accounts"] {
        let row = format!("#component-{component}");
        assert_eq!(
            text_of(&browser, &format!("{row} .status")).await,
            "Operational"
        );
        let bars = browser
            .find_all(By::Css(format!("{row} .bars span")))
            .await
            .unwrap();
        assert_eq!(bars.len(), 90, "{component}: 90 days of history");
        for bar in [&bars[0], &bars[89]] {
            let title = bar.attr("title").await.unwrap().unwrap_or_default();
            assert!(title.ends_with(": no incidents"), "{component}: {title:?}");
        }
        assert_eq!(
            text_of(&browser, &format!("{row} > .meta:last-child")).await,
            "Not verified by a person yet"
        );
    }
    assert!(
        browser
            .find_all(By::Css("#active"))
            .await
            .unwrap()
            .is_empty(),
        "no active incidents yet"
    );
    // No JavaScript at all: every part works as plain links and forms.
    assert!(
        browser
            .find_all(By::Tag("script"))
            .await
            .unwrap()
            .is_empty()
    );
    let source = browser.source().await.unwrap();
    assert!(!source.to_lowercase().contains("<script"), "{source}");
    assert!(!source.contains(" onclick="), "no inline handlers");
    screenshots(&browser, &shots, "status-operational").await;

    // An update published through the API, and shop verified by a person.
    let (status, incident) = server
        .call(
            &admin,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Card payments fail"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    let reference = incident["reference"].as_str().unwrap().to_owned();
    let (status, published) = server
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{reference}/status-page"),
            Some(json!({
                "status": "investigating",
                "name": NAME,
                "body": BODY,
                "components": [{"component": "payments", "status": "major_outage"}],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    let (status, shop) = server
        .call(
            &admin,
            Method::POST,
            "/api/v1/status-page/components/shop/verify",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shop}");
    assert!(shop["verified_at"].is_string(), "{shop}");

    reload_until(&browser, &home, ".banner", "Major System Outage").await;
    assert_eq!(
        text_of(&browser, "#component-payments .status").await,
        "Major outage"
    );
    let today = browser
        .find(By::Css("#component-payments .bars span:last-child"))
        .await
        .unwrap();
    assert_eq!(
        today.class_name().await.unwrap().as_deref(),
        Some("critical")
    );
    let title = today.attr("title").await.unwrap().unwrap_or_default();
    assert!(title.contains("Major outage"), "{title:?}");
    for unaffected in ["shop", "accounts"] {
        assert_eq!(
            text_of(&browser, &format!("#component-{unaffected} .status")).await,
            "Operational"
        );
    }
    let verified = text_of(&browser, "#component-shop > .meta:last-child").await;
    assert!(verified.starts_with("Verified "), "{verified:?}");
    assert!(
        verified.ends_with("UTC"),
        "in the page's time zone: {verified:?}"
    );
    assert_eq!(
        text_of(&browser, "#component-accounts > .meta:last-child").await,
        "Not verified by a person yet"
    );
    assert_eq!(
        text_of(&browser, "#active").await.to_lowercase(),
        "active incidents"
    );
    let cards = browser
        .find_all(By::Css("section[aria-labelledby=active] article.card"))
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
    let card = cards[0].text().await.unwrap();
    for words in [NAME, BODY, "Investigating", "Affected: "] {
        assert!(card.contains(words), "{words:?} in {card:?}");
    }
    assert!(
        !card.contains(&reference),
        "no internal number in public: {card:?}"
    );
    screenshots(&browser, &shots, "status-outage").await;

    // The incident's own page, one click away.
    let link = cards[0].find(By::Css("h3 a")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(
        href.starts_with("/incidents/") && href.ends_with('/'),
        "{href}"
    );
    click_element(link).await;
    wait_for_url(&browser, &href).await;
    assert_eq!(text_of(&browser, "main h1").await, NAME);
    let story = text_of(&browser, "main article.card").await;
    assert!(
        story.contains(BODY) && story.contains("Investigating"),
        "{story:?}"
    );

    // The history, from the footer.
    click_element(
        browser
            .find(By::Css("footer a[href='/history/']"))
            .await
            .unwrap(),
    )
    .await;
    wait_for_url(&browser, "/history/").await;
    assert_eq!(
        text_of(&browser, "main h1").await.to_lowercase(),
        "incident history"
    );
    let history = browser
        .find_all(By::Css("main section article.card h3 a"))
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text().await.unwrap(), NAME);
    assert_eq!(history[0].attr("href").await.unwrap().unwrap(), href);

    // A customer subscribes to payments with the page's form.
    browser.goto(&home).await.unwrap();
    let email = browser.find(By::Id("email")).await.unwrap();
    // The browser itself refuses a malformed address (type=email): the
    // form is not sent.
    email.send_keys("not-an-email").await.unwrap();
    let button = browser
        .find(By::XPath(
            "//form[contains(@class,'subscribe')]//button[normalize-space()='Subscribe by email']",
        ))
        .await
        .unwrap();
    click_element(button.clone()).await;
    let valid = browser
        .execute(
            "return document.getElementById('email').validity.valid;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(valid.json(), &json!(false));
    assert_eq!(browser.current_url().await.unwrap().as_str(), home);
    email.clear().await.unwrap();
    email.send_keys(CUSTOMER).await.unwrap();
    let payments = browser
        .find(By::Css(
            "form.subscribe input[name=components][value=payments]",
        ))
        .await
        .unwrap();
    click_element(payments.clone()).await;
    assert!(payments.is_selected().await.unwrap());
    click_element(button).await;
    wait_for_url(&browser, "/subscribe").await;
    assert_eq!(text_of(&browser, "main h1").await, "Almost there");
    let answer = text_of(&browser, "main").await;
    assert!(answer.contains("Check your inbox"), "{answer:?}");
    let (status, subscribers) = server
        .call(&admin, Method::GET, "/api/v1/status-page/subscribers", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{subscribers}");
    let subscriber = subscribers
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["address"] == CUSTOMER)
        .unwrap_or_else(|| panic!("{CUSTOMER} in {subscribers}"));
    assert_eq!(subscriber["kind"], "email");
    assert_eq!(subscriber["components"], json!(["payments"]));
    assert!(
        subscriber["confirmed_at"].is_null(),
        "waits for the link: {subscriber}"
    );

    // A malformed address sent anyway (no browser checks it) is refused
    // with a page that names it.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/subscribe")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "kind=email&address=not-an-email&components=payments",
        ))
        .unwrap();
    let (status, content_type, page) = send(
        &muster_server::status_site::router(server.site.clone()),
        request,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        page.contains("That did not work") && page.contains("not-an-email"),
        "{page}"
    );

    // A phone: the banner and every component are in view, nothing is
    // wider than the screen, and the bars shrink to 30 days.
    browser.goto(&home).await.unwrap();
    browser.set_window_rect(0, 0, 390, 844).await.unwrap();
    let width = browser
        .execute("return window.innerWidth;", Vec::new())
        .await
        .unwrap()
        .json()
        .as_u64()
        .unwrap();
    assert!(width <= 520, "the phone layout applies: {width}px");
    assert!(
        browser
            .find(By::Css(".banner"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    for component in ["shop", "payments", "accounts"] {
        let row = browser
            .find(By::Id(format!("component-{component}")))
            .await
            .unwrap();
        row.scroll_into_view().await.unwrap();
        assert!(row.is_displayed().await.unwrap(), "{component}");
        assert_eq!(shown_bars(&browser, component).await, 30, "{component}");
    }
    let fits = browser
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(fits.json(), &json!(true), "no sideways scrolling");
    browser.set_window_rect(0, 0, 1280, 900).await.unwrap();
    assert_eq!(shown_bars(&browser, "payments").await, 90);

    eprintln!("screenshots in {}", shots.display());
    browser.quit().await.unwrap();
    drop(chromedriver);
    drop(server);
}
