//! The console over HTTP, without a browser: sign-in, CSRF, pages, errors.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::{Method, StatusCode, header};
use support::client::{Console, enc, signed_in};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn pages_need_a_session_and_send_you_back_after_signing_in() {
    let test = support::app().await;
    support::with_admin(&test).await;
    let mut console = Console::new(&test);
    let answer = console.get("/incidents/INC-1?tab=x").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.location(),
        "/login?next=%2Fincidents%2FINC-1%3Ftab%3Dx"
    );

    let login = console.get(answer.location()).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(
        login
            .body
            .contains(r#"name="next" value="/incidents/INC-1?tab=x""#)
    );
    let form_cookie = login.cookie("muster_csrf").unwrap();
    assert!(form_cookie.contains("HttpOnly") && form_cookie.contains("SameSite=Lax"));

    let token = console.cookie("muster_csrf").unwrap();
    let wrong = format!(
        "csrf_token={token}&email={}&password=nope-nope&next=%2F",
        enc(ADMIN_EMAIL)
    );
    let refused = console.post("/login", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("Wrong email or password."));

    let right = format!(
        "csrf_token={token}&email={}&password={}&next=%2Fincidents%2Fnew",
        enc(ADMIN_EMAIL),
        enc(ADMIN_PASSWORD)
    );
    let accepted = console.post("/login", &right).await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(accepted.location(), "/incidents/new");
    let session = accepted.cookie("muster_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    assert!(!session.contains("Secure"), "plain HTTP in tests");
    assert_eq!(console.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn sign_in_without_the_form_token_is_refused() {
    let test = support::app().await;
    support::with_admin(&test).await;
    let mut console = Console::new(&test);
    let form = format!(
        "email={}&password={}",
        enc(ADMIN_EMAIL),
        enc(ADMIN_PASSWORD)
    );
    let answer = console.post("/login", &form).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.cookie("muster_session").is_none());
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let (test, mut console, csrf) = signed_in().await;

    let missing = console.post("/incidents", "title=Forged").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = console
        .post("/incidents", "title=Forged&csrf_token=msc_guess")
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let wrong_header = console
        .send(
            Method::POST,
            "/incidents",
            &[("x-csrf-token", "msc_guess")],
            Some("title=Forged"),
        )
        .await;
    assert_eq!(wrong_header.status, StatusCode::FORBIDDEN);
    let logout = console.post("/logout", "").await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);

    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let page = test
        .app
        .list_incidents(&admin.actor, Default::default())
        .await
        .unwrap();
    assert!(page.incidents.is_empty(), "no forged incident was declared");

    let declared = console
        .post("/incidents", &format!("title=Real&csrf_token={csrf}"))
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    assert_eq!(declared.location(), "/incidents/INC-1");
    let by_header = console
        .send(
            Method::POST,
            "/incidents",
            &[("x-csrf-token", csrf.as_str())],
            Some("title=Also+real"),
        )
        .await;
    assert_eq!(by_header.location(), "/incidents/INC-2");
}

#[tokio::test]
async fn declaring_shows_field_errors_and_keeps_what_was_typed() {
    let (_test, mut console, csrf) = signed_in().await;
    let answer = console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=+&description=Half+typed&severity=SEV9"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("must not be empty"));
    assert!(answer.body.contains("Half typed"));
    assert!(
        answer.body.contains("SEV9"),
        "the unknown severity is named"
    );
}

#[tokio::test]
async fn an_incident_runs_from_the_console_without_javascript() {
    let (_test, mut console, csrf) = signed_in().await;
    console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Checkout+down&tags=payments%2C+eu"),
        )
        .await;
    let page = console.get("/incidents/INC-1").await;
    assert_eq!(page.status, StatusCode::OK);
    let commander_select = page
        .body
        .split(r#"id="assign-commander-user""#)
        .nth(1)
        .unwrap();
    let me = commander_select
        .split(r#"<option value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    for (path, form) in [
        (
            "/incidents/INC-1/roles/commander",
            format!("csrf_token={csrf}&user={me}"),
        ),
        (
            "/incidents/INC-1/notes",
            format!("csrf_token={csrf}&text=Rolling+back+%3Cv42%3E"),
        ),
        (
            "/incidents/INC-1/tasks",
            format!("csrf_token={csrf}&title=Page+the+DBA&assignee="),
        ),
        ("/incidents/INC-1/acknowledge", format!("csrf_token={csrf}")),
        ("/incidents/INC-1/resolve", format!("csrf_token={csrf}")),
    ] {
        let answer = console.post(path, &form).await;
        assert_eq!(
            answer.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            answer.body
        );
        assert_eq!(answer.location(), "/incidents/INC-1");
    }
    let page = console.get("/incidents/INC-1").await.body;
    assert!(page.contains("Ada Lovelace is now commander"));
    assert!(
        page.contains("Rolling back &#60;v42&#62;"),
        "notes are escaped"
    );
    assert!(page.contains("Task added: Page the DBA"));
    assert!(page.contains(r#"id="incident-status">Resolved<"#));
    assert!(
        page.contains(r#"id="action-close""#),
        "resolved incidents can be closed"
    );

    let list = console.get("/?status=resolved&tag=payments").await;
    assert!(list.body.contains("Checkout down"));
    let none = console.get("/?status=active").await;
    assert!(none.body.contains("No incidents match these filters."));
}

#[tokio::test]
async fn htmx_forms_get_the_live_fragment_and_polls_get_204_when_nothing_changed() {
    let (_test, mut console, csrf) = signed_in().await;
    console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Queue+backlog"),
        )
        .await;
    let htmx = [("hx-request", "true"), ("x-csrf-token", csrf.as_str())];
    let answer = console
        .send(
            Method::POST,
            "/incidents/INC-1/notes",
            &htmx,
            Some("text=Scaling+workers"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .body
            .trim_start()
            .starts_with(r#"<div id="timeline""#)
    );
    assert!(answer.body.contains("Scaling workers"));
    assert!(!answer.body.contains("<html"));
    let seen = answer
        .body
        .split("timeline?seen=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    let unchanged = console
        .send(
            Method::GET,
            &format!("/incidents/INC-1/timeline?seen={seen}"),
            &htmx,
            None,
        )
        .await;
    assert_eq!(unchanged.status, StatusCode::NO_CONTENT);
    let changed = console
        .send(Method::GET, "/incidents/INC-1/timeline?seen=0", &htmx, None)
        .await;
    assert_eq!(changed.status, StatusCode::OK);

    let empty_note = console
        .send(Method::POST, "/incidents/INC-1/notes", &htmx, Some("text="))
        .await;
    assert_eq!(empty_note.status, StatusCode::BAD_REQUEST);
    assert!(
        empty_note.body.contains("must not be empty"),
        "{}",
        empty_note.body
    );
}

#[tokio::test]
async fn a_stale_severity_change_is_a_conflict_shown_on_the_page() {
    let (_test, mut console, csrf) = signed_in().await;
    console
        .post("/incidents", &format!("csrf_token={csrf}&title=Latency"))
        .await;
    let first = console
        .post(
            "/incidents/INC-1/severity",
            &format!("csrf_token={csrf}&version=1&severity=SEV2"),
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let stale = console
        .post(
            "/incidents/INC-1/severity",
            &format!("csrf_token={csrf}&version=1&severity=SEV1"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("Someone else changed this incident"));
    assert!(
        stale.body.contains(r#"id="incident-severity""#),
        "the latest state is shown"
    );
    assert!(stale.body.contains("SEV2 · Major"));
}

#[tokio::test]
async fn unknown_incidents_are_a_404_page() {
    let (_test, mut console, _csrf) = signed_in().await;
    for path in ["/incidents/INC-99", "/incidents/not-an-incident"] {
        let answer = console.get(path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            answer.body.contains("<html") && answer.body.contains("not found"),
            "{}",
            answer.body
        );
        assert!(
            answer
                .headers
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let (_test, mut console, csrf) = signed_in().await;
    let answer = console.post("/logout", &format!("csrf_token={csrf}")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/login");
    assert_eq!(console.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn setup_refuses_a_wrong_link_and_is_closed_once_done() {
    let test = support::app().await;
    let mut console = Console::new(&test);
    let login = console.get("/login").await;
    assert!(login.body.contains("no accounts yet"));
    let secret = test.app.bootstrap_secret().await.unwrap().unwrap();
    console.get(&format!("/setup?token={secret}")).await;
    let token = console.cookie("muster_csrf").unwrap();
    let wrong = console
        .post(
            "/setup",
            &format!(
                "csrf_token={token}&token=msb_wrong&email=ada%40example.com&password=long+enough"
            ),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let done = console
        .post("/setup", &format!("csrf_token={token}&token={secret}&email=ada%40example.com&name=Ada&password=long+enough"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        console.get("/").await.status,
        StatusCode::OK,
        "set-up signs you in"
    );
    let again = console.get(&format!("/setup?token={secret}")).await;
    assert!(again.body.contains("already has an admin"));
}

#[tokio::test]
async fn assets_are_served_with_long_caching_for_hashed_urls() {
    let test = support::app().await;
    let mut console = Console::new(&test);
    let href = muster_ui::asset_href("muster.css");
    let css = console.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let js = console.get("/assets/htmx.min.js").await;
    assert_eq!(js.headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(
        console.get("/assets/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_list_pages_with_a_cursor_and_keeps_filters() {
    let (test, mut console, _csrf) = signed_in().await;
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    for n in 1..=27 {
        let input = muster_core::NewIncident {
            title: format!("Incident number {n}"),
            tags: vec![String::from("batch")],
            ..Default::default()
        };
        test.app
            .declare_incident(&admin.actor, input)
            .await
            .unwrap();
    }
    let shows = |html: &str, n: u32| html.contains(&format!(r#"id="incident-INC-{n}""#));
    let first = console.get("/?tag=batch").await.body;
    assert!(shows(&first, 27) && shows(&first, 3) && !shows(&first, 2));
    assert!(
        first.contains("/?tag=batch&#38;cursor=3") || first.contains("/?tag=batch&amp;cursor=3")
    );
    let second = console.get("/?tag=batch&cursor=3").await.body;
    assert!(shows(&second, 2) && shows(&second, 1) && !shows(&second, 3));
    assert!(second.contains(r#"id="page-newest""#) && !second.contains(r#"id="page-older""#));
    let bad = console.get("/?status=burning").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("unknown status"),
        "shown on the page, not as JSON"
    );
}

#[tokio::test]
async fn viewers_read_but_get_no_forms_and_cannot_post() {
    let (test, mut admin_console, csrf) = signed_in().await;
    admin_console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Visible+to+all"),
        )
        .await;
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let viewer = muster_app::accounts::NewUser {
        email: String::from("vic@example.com"),
        name: Some(String::from("Vic")),
        role: muster_core::UserRole::Viewer,
        password: Some(String::from("viewer password")),
        ..muster_app::accounts::NewUser::new("", muster_core::UserRole::Viewer)
    };
    test.app.create_user(&admin.actor, viewer).await.unwrap();

    let mut console = Console::new(&test);
    console.get("/login").await;
    let token = console.cookie("muster_csrf").unwrap();
    let form = format!("csrf_token={token}&email=vic%40example.com&password=viewer+password");
    assert_eq!(
        console.post("/login", &form).await.status,
        StatusCode::SEE_OTHER
    );
    let page = console.get("/incidents/INC-1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Visible to all"));
    for control in [
        "note-form",
        "action-acknowledge",
        "assign-commander",
        "nav-declare",
    ] {
        assert!(
            !page.body.contains(&format!(r#"id="{control}""#)),
            "{control} shown to a viewer"
        );
    }
    let viewer_csrf = support::client::csrf_of(&page.body);
    let refused = console
        .post(
            "/incidents/INC-1/notes",
            &format!("csrf_token={viewer_csrf}&text=hi"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("viewer role may not"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_slowed_down_with_a_message() {
    let test = support::app().await;
    support::with_admin(&test).await;
    let mut console = Console::new(&test);
    console.get("/login").await;
    let token = console.cookie("muster_csrf").unwrap();
    let wrong = format!(
        "csrf_token={token}&email={}&password=wrong+guess",
        enc(ADMIN_EMAIL)
    );
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(console.post("/login", &wrong).await.status);
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    let limited = console.post("/login", &wrong).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.body.contains("Too many sign-in attempts."));
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn milestone_times_can_be_corrected_but_only_in_order() {
    let (_test, mut console, csrf) = signed_in().await;
    console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Slow checkout"),
        )
        .await;
    let page = console.get("/incidents/INC-1").await;
    assert!(page.body.contains(r#"id="milestone-edit-form""#));
    let corrected = console
        .post(
            "/incidents/INC-1/milestones",
            &format!("csrf_token={csrf}&version=1&milestone=started&at=2026-01-31T09%3A05"),
        )
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.body
    );
    let page = console.get("/incidents/INC-1").await;
    assert!(
        page.body.contains("Corrected started"),
        "the correction is on the timeline"
    );
    assert!(page.body.contains(r#"datetime="2026-01-31T09:05:00Z""#));

    let out_of_order = console
        .post(
            "/incidents/INC-1/milestones",
            &format!("csrf_token={csrf}&version=2&milestone=detected&at=2020-01-01T00%3A00"),
        )
        .await;
    assert_eq!(out_of_order.status, StatusCode::BAD_REQUEST);
    assert!(
        out_of_order.body.contains("must not be earlier"),
        "{}",
        out_of_order.body
    );
    let garbage = console
        .post(
            "/incidents/INC-1/milestones",
            &format!("csrf_token={csrf}&version=2&milestone=started&at=yesterday"),
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
}
