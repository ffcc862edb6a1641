//! The console's people pages over HTTP, without a browser: the list, a
//! person's page, the profile form (its refusals and who may post it), and
//! deactivation.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use support::client::{Console, csrf_of, enc, signed_in};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD};

fn form_body(pairs: &[(&str, &str)]) -> String {
    let encode = |value: &str| {
        let mut out = String::new();
        for byte in value.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

const VIEWER_EMAIL: &str = "vic@example.com";
const VIEWER_PASSWORD: &str = "viewer password";

async fn add_viewer(test: &support::TestApp) -> muster_core::User {
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let viewer = muster_app::accounts::NewUser {
        name: Some(String::from("Vic")),
        password: Some(String::from(VIEWER_PASSWORD)),
        ..muster_app::accounts::NewUser::new(VIEWER_EMAIL, muster_core::UserRole::Viewer)
    };
    test.app.create_user(&admin.actor, viewer).await.unwrap()
}

async fn viewer_console(test: &support::TestApp) -> (Console, String) {
    let mut console = Console::new(test);
    console.get("/login").await;
    let token = console.cookie("muster_csrf").unwrap();
    let form = format!(
        "csrf_token={token}&email={}&password={}&next=%2F",
        enc(VIEWER_EMAIL),
        enc(VIEWER_PASSWORD)
    );
    let answer = console.post("/login", &form).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let home = console.get("/").await;
    let csrf = csrf_of(&home.body);
    (console, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_see_people_and_edit_a_profile() {
    let (test, mut console, csrf) = signed_in().await;
    let vic = add_viewer(&test).await;

    let list = console.get("/people").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(r#"id="nav-people""#),
        "the nav links here"
    );
    assert!(list.body.contains(VIEWER_EMAIL) && list.body.contains(ADMIN_EMAIL));

    let page = console.get(&format!("/people/{VIEWER_EMAIL}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"id="user-form""#));
    assert!(
        page.body.contains(r#"id="user-role-select""#),
        "admins edit roles"
    );
    assert!(page.body.contains(r#"id="user-deactivate-submit""#));
    assert!(page.body.contains("No contact methods."));

    let href = format!("/people/{}", vic.id);
    let saved = console
        .post(
            &href,
            &form_body(&[
                ("csrf_token", &csrf),
                ("name", "Vic Viewer"),
                ("email", VIEWER_EMAIL),
                ("role", "viewer"),
                ("time_zone", "Asia/Tokyo"),
                ("contact_methods", "sms:+14155550123 Mobile\nchat:@vic"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), href);
    let page = console.get(&href).await;
    for expected in [
        "Vic Viewer",
        "Asia/Tokyo",
        "SMS: +14155550123",
        "Mobile",
        "Chat: @vic",
    ] {
        assert!(page.body.contains(expected), "{expected}:\n{}", page.body);
    }

    // A refusal keeps what was typed and says which line is wrong.
    let refused = console
        .post(
            &href,
            &form_body(&[
                ("csrf_token", &csrf),
                ("name", "Vic Viewer"),
                ("role", "viewer"),
                ("time_zone", "Nowhere/Land"),
                ("contact_methods", "email:vic@example.com\nsms:555"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &refused.body;
    assert!(body.contains("The profile was not saved"), "{body}");
    assert!(body.contains("Nowhere/Land"), "the typed value comes back");
    assert!(body.contains("line 2: expected a phone number"), "{body}");
    let stored = test
        .app
        .get_user(&test_admin(&test).await, vic.id)
        .await
        .unwrap();
    assert_eq!(stored.time_zone, "Asia/Tokyo", "nothing was written");

    // Without the session's CSRF token nothing is written either.
    let forged = console
        .post(
            &href,
            &form_body(&[("name", "Forged"), ("time_zone", "UTC")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let stored = test
        .app
        .get_user(&test_admin(&test).await, vic.id)
        .await
        .unwrap();
    assert_eq!(stored.name, "Vic Viewer");

    // Deactivation ends the viewer's sessions and shows on the page.
    let (mut vic_console, _) = viewer_console(&test).await;
    let gone = console
        .post(
            &format!("{href}/deactivate"),
            &form_body(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
    let page = console.get(&href).await;
    assert!(
        page.body.contains(r#"id="user-deactivated""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains(r#"id="user-deactivate-submit""#));
    let home = vic_console.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "signed out");
    assert!(home.location().starts_with("/login"), "{}", home.location());
}

async fn test_admin(test: &support::TestApp) -> muster_core::Actor {
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    admin.actor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_edit_only_their_own_profile() {
    let (test, _admin_console, _) = signed_in().await;
    let vic = add_viewer(&test).await;
    let (mut console, csrf) = viewer_console(&test).await;

    let own = console.get(&format!("/people/{}", vic.id)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Edit your profile"));
    assert!(
        !own.body.contains(r#"id="user-role-select""#),
        "no role for viewers"
    );
    assert!(!own.body.contains(r#"id="user-deactivate-submit""#));
    let saved = console
        .post(
            &format!("/people/{}", vic.id),
            &form_body(&[
                ("csrf_token", &csrf),
                ("name", "Vic"),
                ("time_zone", "Europe/Paris"),
                ("contact_methods", "email:vic@example.com"),
                // Ignored: only an admin's form carries a role.
                ("role", "admin"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = test
        .app
        .get_user(&test_admin(&test).await, vic.id)
        .await
        .unwrap();
    assert_eq!(stored.time_zone, "Europe/Paris");
    assert_eq!(stored.role, muster_core::UserRole::Viewer);

    let admin_page = console.get(&format!("/people/{ADMIN_EMAIL}")).await;
    assert_eq!(admin_page.status, StatusCode::OK);
    assert!(
        !admin_page.body.contains(r#"id="user-form""#),
        "not theirs to edit"
    );
    let refused = console
        .post(
            &format!("/people/{ADMIN_EMAIL}"),
            &form_body(&[
                ("csrf_token", &csrf),
                ("name", "Hacked"),
                ("time_zone", "UTC"),
            ]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
