//! The public status page end to end, on SQLite and (when configured)
//! PostgreSQL, with a real SMTP server (aiosmtpd) and a real webhook
//! receiver: customers subscribe (email with double opt-in, per component;
//! a signed webhook), an update published from an incident reaches the
//! page, the Statuspage JSON and both feeds within 2 s and is mailed to the
//! confirmed subscribers who follow its component, one-click unsubscribe
//! works, ETags answer 304, another node picks the change up by polling,
//! and nothing of a private incident, a drill or an internal note ever
//! appears in any public response.

use std::sync::Arc;
use std::time::Duration;

use muster_app::{App, Settings};
use muster_core::UserRole;
use muster_sinks::{EmailConfig, SinkConfig, WebhookConfig};
use muster_status::statuspage::{IncidentsResponse, MaintenancesResponse, StatusResponse, Summary};
use muster_test_support::peers::{SmtpServer, WebhookReceiver, until};
use muster_test_support::{TestApp, TestOptions};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// Put in everything customers must never see.
const MARKER: &str = "ZEBRA-7781-INTERNAL";
/// The freshness the issue promises: a publication is public within 2 s.
const FRESH: Duration = Duration::from_secs(2);

fn options(smtp: &SmtpServer) -> TestOptions {
    TestOptions {
        settings: Settings::default(),
        sinks: SinkConfig {
            email: Some(EmailConfig {
                url: smtp.url(),
                from: "status@fernbrook.example".into(),
            }),
            webhook: WebhookConfig::default(),
            ..SinkConfig::default()
        },
        background_engine: true,
        ..TestOptions::default()
    }
}

async fn get(url: &str) -> (StatusCode, String) {
    let response = reqwest::get(url).await.expect("answered");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

async fn post_form(url: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(url)
        .form(form)
        .send()
        .await
        .expect("answered");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

async fn post_json(url: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("answered");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The link labelled `label` in a mail's text part.
fn link(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} link in {text}"))
        .trim()
        .to_owned()
}

async fn declare(app: &TestApp, token: &str, body: Value) -> String {
    let (status, incident) = app
        .call(token, Method::POST, "/api/v1/incidents", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{incident}");
    incident["reference"]
        .as_str()
        .expect("a reference")
        .to_owned()
}

async fn subscribe_confirmed(
    app: &TestApp,
    smtp: &SmtpServer,
    address: &str,
    component: &str,
) -> String {
    let (status, page) = post_form(
        &app.status_url("/subscribe"),
        &[
            ("kind", "email"),
            ("address", address),
            ("components", component),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Check your inbox"), "{page}");
    let mail = until("the confirmation mail", Duration::from_secs(20), || async {
        smtp.mails_to(address).into_iter().next()
    })
    .await;
    assert!(
        mail.subject.contains("Confirm your subscription"),
        "{}",
        mail.subject
    );
    let confirm = link(&mail.text, "Open");
    // Following the link (as a mail scanner does) only shows a button.
    let (status, page) = get(&confirm).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Confirm subscription"), "{page}");
    let (status, page) = post_form(&confirm, &[]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("You are subscribed"), "{page}");
    let (status, page) = post_form(&confirm, &[]).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a confirmation link works once: {page}"
    );
    link(&mail.text, "Unsubscribe")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_published_update_reaches_the_page_feeds_json_and_confirmed_subscribers() {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let sqlite = TestApp::sqlite_with(options(&smtp)).await;
    journey(&sqlite, &smtp, "sqlite").await;
    sqlite.stop().await;
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    if let Some(postgres) = TestApp::postgres_with(options(&smtp)).await {
        journey(&postgres, &smtp, "postgres").await;
        postgres.stop().await;
    }
}

async fn journey(app: &TestApp, smtp: &SmtpServer, backend: &str) {
    let admin = app.token("root@fernbrook.example", UserRole::Admin).await;
    app.apply_example_plan(&admin).await;

    // Before anything happens: all operational, grouped as the plan says.
    let summary: Summary = until("the page with the plan's components", FRESH * 5, || async {
        let (_, body) = get(&app.status_url("/api/v2/summary.json")).await;
        serde_json::from_str::<Summary>(&body)
            .ok()
            .filter(|s| s.components.iter().any(|c| c.id == "payments"))
    })
    .await;
    assert_eq!(summary.status.indicator, "none");
    assert_eq!(summary.status.description, "All Systems Operational");
    let payments = summary
        .components
        .iter()
        .find(|c| c.id == "payments")
        .expect("payments");
    assert_eq!(payments.status, "operational");
    assert_eq!(payments.group_id.as_deref(), Some("group-shopping"));
    let group = summary
        .components
        .iter()
        .find(|c| c.id == "group-shopping")
        .expect("its group");
    assert!(group.group);

    // Subscribers: two confirmed emails (one per component), one pending,
    // one signed webhook.
    let leave = subscribe_confirmed(app, smtp, "payer@example.com", "payments").await;
    subscribe_confirmed(app, smtp, "shopper@example.com", "shop").await;
    let (status, _) = post_form(
        &app.status_url("/subscribe"),
        &[("kind", "email"), ("address", "pending@example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hooks = WebhookReceiver::start().await;
    let (status, webhook) = post_json(
        &app.status_url("/subscribe"),
        &json!({"kind": "webhook", "address": hooks.url("status"), "components": ["payments"]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{webhook}");
    let secret = webhook["signing_secret"]
        .as_str()
        .expect("a signing key")
        .to_owned();
    assert!(secret.starts_with("whsec_"));

    // What must never be public.
    let private = declare(
        app,
        &admin,
        json!({"title": format!("Private {MARKER}"), "private": true}),
    )
    .await;
    let drill = declare(
        app,
        &admin,
        json!({"title": format!("Drill {MARKER}"), "drill": true}),
    )
    .await;
    for hidden in [&private, &drill] {
        let (status, body) = app
            .call(
                &admin,
                Method::POST,
                &format!("/api/v1/incidents/{hidden}/status-page"),
                Some(json!({"status": "investigating", "body": format!("{MARKER} leaked")})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "invalid_transition");
    }
    let real = declare(
        app,
        &admin,
        json!({
            "title": "Card payments fail",
            "description": format!("root cause {MARKER}"),
            "impact": format!("internal impact {MARKER}"),
        }),
    )
    .await;
    let (status, _) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{real}/notes"),
            Some(json!({"text": format!("internal note {MARKER}")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Bad input names the field and publishes nothing.
    for (body, field) in [
        (json!({"status": "broken"}), "status"),
        (
            json!({"status": "investigating", "body": "x", "components": [{"component": "nope", "status": "major_outage"}]}),
            "components[0]",
        ),
        (
            json!({"status": "investigating", "body": "x", "components": [{"component": "payments", "status": "on_fire"}]}),
            "components[0].status",
        ),
        (
            json!({"status": "investigating", "body": "x", "impact": "huge"}),
            "impact",
        ),
        (
            json!({"status": "investigating", "template": "nope"}),
            "template",
        ),
    ] {
        let (status, answer) = app
            .call(
                &admin,
                Method::POST,
                &format!("/api/v1/incidents/{real}/status-page"),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }

    // A preview shows the words and tells nobody.
    let publish = json!({
        "status": "investigating",
        "name": "Payments are failing",
        "body": "We are investigating failed card payments.",
        "components": [{"component": "payments", "status": "major_outage"}],
    });
    let mut preview = publish.clone();
    preview["preview"] = json!(true);
    let (status, previewed) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{real}/status-page"),
            Some(preview),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{previewed}");
    assert_eq!(previewed["preview"], true);
    assert_eq!(previewed["notified"], 0);
    assert_eq!(previewed["incident"]["impact"], "critical");
    // A template fills the words when none are given.
    let (_, templated) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{real}/status-page"),
            Some(json!({"status": "investigating", "preview": true})),
        )
        .await;
    assert!(
        templated["incident"]["updates"][0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Card payments fail")),
        "{templated}"
    );
    let (_, page) = app
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/incidents/{real}/status-page"),
            None,
        )
        .await;
    assert!(
        page["public"].is_null(),
        "a preview publishes nothing: {page}"
    );

    let (status, published) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{real}/status-page"),
            Some(publish),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(
        published["notified"], 2,
        "the payments mail and the webhook: {published}"
    );

    // Within 2 s: the page, the JSON and both feeds.
    until("the JSON to show the incident", FRESH, || async {
        let (_, body) = get(&app.status_url("/api/v2/summary.json")).await;
        let summary: Summary = serde_json::from_str(&body).ok()?;
        let payments = summary.components.iter().find(|c| c.id == "payments")?;
        (summary.incidents.len() == 1 && payments.status == "major_outage").then_some(summary)
    })
    .await;
    let (_, html) = get(&app.status_url("/")).await;
    assert!(
        html.contains("Payments are failing") && html.contains("Major System Outage"),
        "{html}"
    );
    let (_, atom) = get(&app.status_url("/history.atom")).await;
    assert!(atom.contains("Payments are failing"), "{atom}");
    let (_, rss) = get(&app.status_url("/history.rss")).await;
    assert!(rss.contains("Payments are failing"), "{rss}");
    let (_, status_json) = get(&app.status_url("/api/v2/status.json")).await;
    let status_json: StatusResponse = serde_json::from_str(&status_json).expect("status.json");
    assert_eq!(status_json.status.indicator, "critical");
    let (_, unresolved) = get(&app.status_url("/api/v2/incidents/unresolved.json")).await;
    let unresolved: IncidentsResponse = serde_json::from_str(&unresolved).expect("unresolved.json");
    assert_eq!(
        unresolved.incidents[0].incident_updates[0].affected_components[0].new_status,
        "major_outage"
    );

    // Mailed to the confirmed subscriber of payments only; the webhook is
    // signed with its own key.
    let mail = until("the update mail", Duration::from_secs(20), || async {
        smtp.mails_to("payer@example.com").into_iter().nth(1)
    })
    .await;
    assert!(
        mail.subject.contains("Payments are failing"),
        "{}",
        mail.subject
    );
    assert!(
        mail.text
            .contains("We are investigating failed card payments.")
    );
    assert_eq!(link(&mail.text, "Unsubscribe"), leave);
    let hook = until("the webhook", Duration::from_secs(20), || async {
        hooks.hooks_at("/status").into_iter().next()
    })
    .await;
    let timestamp = hook.headers["x-muster-timestamp"]
        .to_str()
        .expect("a timestamp");
    let signature = hook.headers["x-muster-signature"]
        .to_str()
        .expect("a signature");
    assert!(muster_sinks::webhook::verify_signature(
        &secret, timestamp, &hook.raw, signature
    ));
    assert_eq!(hook.body["event"], "status_page.update");
    assert!(
        hook.body["incident"].is_null(),
        "no internal number: {}",
        hook.body
    );
    assert_eq!(
        smtp.mails_to("shopper@example.com").len(),
        1,
        "only its confirmation"
    );
    assert!(
        smtp.mails_to("pending@example.com").len() <= 1,
        "only its confirmation"
    );

    // ETag and 304.
    let response = reqwest::get(app.status_url("/api/v2/summary.json"))
        .await
        .expect("answered");
    let etag = response.headers()[header::ETAG]
        .to_str()
        .expect("an ETag")
        .to_owned();
    assert!(
        response.headers()[header::CACHE_CONTROL]
            .to_str()
            .is_ok_and(|c| c.contains("max-age"))
    );
    let again = reqwest::Client::new()
        .get(app.status_url("/api/v2/summary.json"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    // Another node (its own app on the same database, never woken by this
    // one) picks the next change up by polling the page's revision.
    let other = App::new(
        app.store.clone(),
        Arc::new(muster_app::SystemClock),
        app.app.settings().clone(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other_address = listener.local_addr().expect("an address");
    let other_site =
        muster_server::status_site::StatusSite::new(other, app.status_site.config.as_ref().clone());
    let (stop_other, other_stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(muster_server::status_site::serve(
        listener,
        other_site,
        async {
            let _ = other_stopped.await;
        },
    ));

    // The unsubscribe link in the mail works at once (one-click POST).
    let (status, page) = post_form(&leave, &[("List-Unsubscribe", "One-Click")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("unsubscribed"), "{page}");

    let (status, resolved) = app
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/incidents/{real}/status-page"),
            Some(json!({"status": "resolved", "body": "Card payments work again.", "components": [{"component": "payments", "status": "major_outage"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["notified"], 1, "only the webhook now: {resolved}");
    until(
        "the other node to show the resolution",
        Duration::from_secs(10),
        || async {
            let (_, body) = get(&format!("http://{other_address}/api/v2/summary.json")).await;
            let summary: Summary = serde_json::from_str(&body).ok()?;
            let payments = summary.components.iter().find(|c| c.id == "payments")?;
            (summary.incidents.is_empty() && payments.status == "operational").then_some(())
        },
    )
    .await;
    let _ = stop_other.send(());

    // Subscriber endpoints refuse bad input with the field, and throttle.
    for (body, field) in [
        (
            json!({"kind": "email", "address": "not-an-email"}),
            "address",
        ),
        (
            json!({"kind": "webhook", "address": "ftp://example.com/x"}),
            "address",
        ),
        (
            json!({"kind": "email", "address": "a@example.com", "components": ["nope"]}),
            "components[0]",
        ),
        (
            json!({"kind": "pigeon", "address": "a@example.com"}),
            "kind",
        ),
    ] {
        let (status, answer) = post_json(&app.status_url("/subscribe"), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field}: {answer}"
        );
    }
    let mut throttled = false;
    for _ in 0..5 {
        let (status, _) = post_json(
            &app.status_url("/subscribe"),
            &json!({"kind": "email", "address": "flood@example.com"}),
        )
        .await;
        throttled |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(throttled, "the same address is throttled");
    let (status, _) = get(&app.status_url("/subscriptions/confirm?token=msv_guess")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the button page says nothing of the token"
    );
    let (status, _) = post_form(
        &app.status_url("/subscriptions/confirm?token=msv_guess"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = post_form(
        &app.status_url(&format!(
            "/unsubscribe?token={}",
            &leave[leave.len() - 10..]
        )),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The public listener serves nothing of the API or the console.
    for path in [
        "/api/v1/incidents",
        "/api/v1/openapi.json",
        "/incidents",
        "/login",
        "/metrics",
        "/api/v1/status-page/subscribers",
    ] {
        let (status, _) = get(&app.status_url(path)).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} on the public listener"
        );
    }

    // The leak test: every public response, searched for the marker.
    let snapshot = app.status_site.snapshot();
    let mut paths: Vec<String> = snapshot.paths().map(str::to_owned).collect();
    paths.sort();
    assert!(paths.len() >= 12, "{paths:?}");
    for path in &paths {
        let (status, body) = get(&app.status_url(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!body.contains(MARKER), "{backend}: {path} leaks the marker");
        assert!(
            !body.contains(&private) && !body.contains(&drill),
            "{path} names an internal incident"
        );
    }
    for mail in smtp.mails() {
        assert!(
            !mail.text.contains(MARKER) && !mail.subject.contains(MARKER),
            "a mail leaks the marker"
        );
    }
    for hook in hooks.hooks() {
        assert!(
            !String::from_utf8_lossy(&hook.raw).contains(MARKER),
            "a webhook leaks the marker"
        );
    }

    // The subscribers, as an admin sees them.
    let (status, subscribers) = app
        .call(&admin, Method::GET, "/api/v1/status-page/subscribers", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let addresses: Vec<&str> = subscribers
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["address"].as_str())
        .collect();
    assert!(
        !addresses.contains(&"payer@example.com"),
        "unsubscribed: {addresses:?}"
    );
    assert!(addresses.contains(&"shopper@example.com"));
    let (_, maintenances) = get(&app.status_url("/api/v2/scheduled-maintenances.json")).await;
    let maintenances: MaintenancesResponse =
        serde_json::from_str(&maintenances).expect("scheduled-maintenances.json");
    assert!(maintenances.scheduled_maintenances.is_empty());
}
