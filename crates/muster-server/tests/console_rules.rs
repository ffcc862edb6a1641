//! A person's notification rules and upcoming shifts on their page, over
//! HTTP without a browser: the editor saves, refuses a bad row beside it
//! (saving nothing), removes and adds rows without JavaScript, and is
//! offered only to the person themself and admins.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use muster_core::{Actor, ContactKind};
use support::client::{Console, form};
use support::oncall::{self, ANA, BRAM, PASSWORD};

async fn rules_of(test: &support::TestApp, admin: &Actor, email: &str) -> Vec<(ContactKind, i64)> {
    let user = test.app.find_user(admin, email).await.unwrap();
    test.app
        .notification_rules(admin, &user)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.kind, r.after.as_mins()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_edits_their_notification_rules() {
    let (test, _clock) = oncall::app_at(oncall::start()).await;
    let admin = oncall::seed(&test).await;
    let mut console = Console::new(&test);
    let csrf = console.sign_in_as(ANA, PASSWORD).await;
    let ana = test.app.find_user(&admin, ANA).await.unwrap();
    let href = format!("/people/{}", ana.id);
    let action = format!("{href}/notification-rules");

    let page = console.get(&href).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    for needle in [
        r#"id="user-rules""#,
        "No rules: every contact method is tried at once.",
        r#"name="kind_0""#,
        // Her shifts, on her own clock, and her calendar.
        r#"id="user-shifts""#,
        "identity-primary",
        "Tue 1 Dec 11:00 CET",
        "now-chip",
        &format!(r#"href="{href}/shifts.ics""#),
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }

    // SMS without an SMS contact method, and too long a wait: both refused
    // beside their rows, and nothing is saved.
    let refused = console
        .post(
            &action,
            &form(&[
                ("csrf_token", &csrf),
                ("kind_0", "email"),
                ("after_0", "0"),
                ("kind_1", "sms"),
                ("after_1", "5"),
                ("kind_2", "email"),
                ("after_2", "90"),
                ("save", "1"),
            ]),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let body = &refused.body;
    assert!(body.contains("The rules were not saved"), "{body}");
    let row1 = body.find(r#"id="rule-1""#).unwrap();
    let sms = body.find("has no sms contact method").unwrap();
    let row2 = body.find(r#"id="rule-2""#).unwrap();
    let minutes = body.find("expected minutes from 0 to 60, got 90").unwrap();
    assert!(
        row1 < sms && sms < row2 && row2 < minutes,
        "each beside its row"
    );
    assert!(body.contains(r#"value="90""#), "typed values stay");
    assert!(rules_of(&test, &admin, ANA).await.is_empty());

    let saved = console
        .post(
            &action,
            &form(&[
                ("csrf_token", &csrf),
                ("kind_0", "email"),
                ("after_0", "0"),
                ("kind_1", "email"),
                ("after_1", "10"),
                ("kind_2", ""),
                ("after_2", ""),
                ("save", "1"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), href);
    assert_eq!(
        rules_of(&test, &admin, ANA).await,
        [(ContactKind::Email, 0), (ContactKind::Email, 10)]
    );
    let page = console.get(&href).await;
    assert!(page.body.contains("Email at once"), "{}", page.body);
    assert!(page.body.contains("Email after 10 min"));

    // "Add another row" shows one more blank row and saves nothing.
    let added = console
        .post(
            &action,
            &form(&[
                ("csrf_token", &csrf),
                ("kind_0", "email"),
                ("after_0", "0"),
                ("kind_1", "email"),
                ("after_1", "10"),
                ("kind_2", "email"),
                ("after_2", "20"),
                ("add", "1"),
            ]),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.body.contains(r#"name="kind_3""#), "a fresh blank row");
    assert_eq!(rules_of(&test, &admin, ANA).await.len(), 2);

    // A row's Remove button saves the rest.
    let removed = console
        .post(
            &action,
            &form(&[
                ("csrf_token", &csrf),
                ("kind_0", "email"),
                ("after_0", "0"),
                ("kind_1", "email"),
                ("after_1", "10"),
                ("kind_2", ""),
                ("after_2", ""),
                ("remove", "0"),
            ]),
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(
        rules_of(&test, &admin, ANA).await,
        [(ContactKind::Email, 10)]
    );

    // Bram's rules are not Ana's to see or change.
    let bram = test.app.find_user(&admin, BRAM).await.unwrap();
    let other = console.get(&format!("/people/{}", bram.id)).await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.body.contains(r#"id="user-rules""#));
    assert!(
        other.body.contains(r#"id="user-shifts""#),
        "shifts are for everyone"
    );
    let refused = console
        .post(
            &format!("/people/{}/notification-rules", bram.id),
            &form(&[("csrf_token", &csrf), ("kind_0", "email"), ("after_0", "0")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(rules_of(&test, &admin, BRAM).await.is_empty());

    // An admin may edit anyone's.
    let mut admin_console = Console::new(&test);
    let admin_csrf = admin_console.sign_in().await;
    let page = admin_console.get(&format!("/people/{}", bram.id)).await;
    assert!(page.body.contains(r#"id="user-rules""#));
    let saved = admin_console
        .post(
            &format!("/people/{}/notification-rules", bram.id),
            &form(&[
                ("csrf_token", &admin_csrf),
                ("kind_0", "email"),
                ("after_0", "3"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        rules_of(&test, &admin, BRAM).await,
        [(ContactKind::Email, 3)]
    );
}
