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

// ---------- the catalog ----------

/// A urlencoded form body from pairs.
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

/// payments owns checkout-api (→ payments-db hard, → search soft), web → checkout-api,
/// and the "Checkout" functionality stands on web.
async fn seed_catalog(test: &support::TestApp) {
    use muster_core::Slug;
    use muster_core::catalog::{
        Criticality, Functionality, Lifecycle, Link, Service, Team, TeamMember,
    };
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let slug = |s: &str| Slug::parse("slug", s).unwrap();
    test.app
        .put_team(
            &admin.actor,
            Team {
                slug: slug("payments"),
                name: String::from("Payments"),
                description: String::from("Money in, money out"),
                contact_channel: String::from("#payments"),
                escalation_policy: Some(slug("payments-primary")),
                members: vec![TeamMember {
                    email: String::from("grace@example.com"),
                    role: String::from("lead"),
                }],
            },
        )
        .await
        .unwrap();
    let service = |name: &str, deps: Vec<(Slug, Criticality)>| Service {
        slug: slug(name),
        name: name.replace('-', " "),
        description: String::new(),
        owner_team: Some(slug("payments")),
        tier: 1,
        lifecycle: Lifecycle::Production,
        kind: String::from("service"),
        links: vec![],
        runbooks: vec![],
        rollback_plan: String::new(),
        tags: vec![],
        depends_on: deps,
    };
    for s in [
        service("payments-db", vec![]),
        service("search", vec![]),
        Service {
            rollback_plan: String::from("helm rollback checkout-api <previous>"),
            runbooks: vec![
                Link::new(
                    "runbooks[0]",
                    "Failover",
                    "https://wiki.example.com/failover",
                )
                .unwrap(),
            ],
            ..service(
                "checkout-api",
                vec![
                    (slug("payments-db"), Criticality::Hard),
                    (slug("search"), Criticality::Soft),
                ],
            )
        },
        service("web", vec![(slug("checkout-api"), Criticality::Hard)]),
    ] {
        test.app.put_service(&admin.actor, s).await.unwrap();
    }
    test.app
        .put_functionality(
            &admin.actor,
            Functionality {
                slug: slug("checkout"),
                name: String::from("Checkout"),
                description: String::from("Paying for the basket"),
                aliases: vec![String::from("can't pay")],
                owner_team: Some(slug("payments")),
                services: vec![slug("web")],
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn catalog_pages_show_owners_the_blast_radius_and_the_graph() {
    let (test, mut console, _csrf) = signed_in().await;
    seed_catalog(&test).await;

    let home = console.get("/").await;
    assert!(home.body.contains(r#"href="/catalog" id="nav-catalog""#));

    let overview = console.get("/catalog").await;
    assert_eq!(overview.status, StatusCode::OK);
    for text in [
        r#"href="/teams/payments">Payments</a>"#,
        r#"href="/services/checkout-api">checkout api</a>"#,
        r#"href="/functionalities/checkout">Checkout</a>"#,
        "T1",
        "production",
        r#"id="new-service""#,
    ] {
        assert!(overview.body.contains(text), "the overview lacks {text}");
    }

    let team = console.get("/teams/payments").await;
    assert_eq!(team.status, StatusCode::OK);
    for text in [
        "#payments",
        "payments-primary",
        "grace@example.com",
        "lead",
        r#"href="/services/payments-db""#,
        r#"href="/functionalities/checkout""#,
    ] {
        assert!(team.body.contains(text), "the team page lacks {text}");
    }

    let service = console.get("/services/checkout-api").await;
    assert_eq!(service.status, StatusCode::OK);
    let body = &service.body;
    assert!(body.contains(r#"id="rollback-plan""#));
    assert!(
        body.contains("helm rollback checkout-api &#60;previous&#62;")
            || body.contains("helm rollback checkout-api &lt;previous&gt;")
    );
    assert!(body.contains(r#"href="https://wiki.example.com/failover""#));
    assert!(body.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" id="service-graph""#));
    for slug in ["checkout-api", "payments-db", "search", "web"] {
        assert!(
            body.contains(&format!(r#"data-slug="{slug}""#)),
            "the graph lacks {slug}"
        );
    }
    assert!(body.contains(r#"class="graph-node graph-functionality" data-slug="checkout""#));
    assert!(
        body.contains(r#"graph-edge graph-edge-soft"#),
        "search is soft"
    );
    let blast = &body[body.find(r#"id="blast-radius""#).unwrap()..];
    assert!(blast.contains(r#"href="/services/web">web</a> <span class="crit crit-hard">fails"#));
    assert!(blast.contains(
        r#"href="/functionalities/checkout">Checkout</a> <span class="crit crit-hard">down"#
    ));
    assert!(blast.contains(r#"id="blast-teams""#) && blast.contains("Payments"));

    let functionality = console.get("/functionalities/checkout").await;
    assert_eq!(functionality.status, StatusCode::OK);
    for text in [
        "Paying for the basket",
        "can&#39;t pay",
        r#"id="functionality-graph""#,
        r#"data-slug="payments-db""#,
        r#"href="/teams/payments""#,
    ] {
        assert!(
            functionality.body.contains(text)
                || functionality
                    .body
                    .contains(&text.replace("&#39;", "&#x27;")),
            "the functionality page lacks {text}"
        );
    }

    for path in [
        "/teams/nobody",
        "/services/nothing",
        "/functionalities/none",
        "/services/Not%20A%20Slug",
    ] {
        let missing = console.get(path).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
        assert!(missing.body.contains("not found"), "{path}");
        assert!(
            missing.body.contains(r#"id="me-name""#),
            "keeps the top bar"
        );
    }
}

#[tokio::test]
async fn catalog_forms_refuse_a_post_without_the_csrf_token() {
    let (test, mut console, _csrf) = signed_in().await;
    let form = form_body(&[("slug", "forged"), ("name", "Forged")]);
    for path in [
        "/teams",
        "/services",
        "/functionalities",
        "/teams/forged/delete",
    ] {
        let refused = console.post(path, &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let catalog = test.app.catalog(&admin.actor).await.unwrap();
    assert!(catalog.teams.is_empty() && catalog.services.is_empty());
}

#[tokio::test]
async fn a_team_a_service_and_a_functionality_are_created_and_edited_through_forms() {
    let (test, mut console, csrf) = signed_in().await;
    let new_team = console.get("/teams/new").await;
    assert_eq!(new_team.status, StatusCode::OK);
    assert!(new_team.body.contains(r#"id="team-form""#));

    let team = console
        .post(
            "/teams",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "payments"),
                ("name", "Payments"),
                ("contact_channel", "#payments"),
                ("escalation_policy", "payments-primary"),
                ("members", "grace@example.com:lead\r\nalan@example.com"),
            ]),
        )
        .await;
    assert_eq!(team.status, StatusCode::SEE_OTHER, "{}", team.body);
    assert_eq!(team.location(), "/teams/payments");

    for (slug, deps) in [("payments-db", ""), ("checkout-api", "payments-db:hard")] {
        let service = console
            .post(
                "/services",
                &form_body(&[
                    ("csrf_token", &csrf),
                    ("slug", slug),
                    ("name", ""),
                    ("owner_team", "payments"),
                    ("tier", "1"),
                    ("lifecycle", "production"),
                    ("kind", "service"),
                    ("rollback_plan", "Redeploy the previous tag"),
                    ("depends_on", deps),
                    ("links", "Dashboard https://grafana.example.com/d/1"),
                ]),
            )
            .await;
        assert_eq!(service.status, StatusCode::SEE_OTHER, "{}", service.body);
        assert_eq!(service.location(), format!("/services/{slug}"));
    }
    let functionality = console
        .post(
            "/functionalities",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "checkout"),
                ("name", "Checkout"),
                ("description", "Paying"),
                ("aliases", "pay\nbuy"),
                ("owner_team", "payments"),
                ("services", "checkout-api"),
            ]),
        )
        .await;
    assert_eq!(
        functionality.status,
        StatusCode::SEE_OTHER,
        "{}",
        functionality.body
    );

    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let catalog = test.app.catalog(&admin.actor).await.unwrap();
    let team = &catalog.teams[0];
    assert_eq!(team.members.len(), 2);
    assert_eq!(team.members[1].role, "member");
    let api = catalog
        .services
        .iter()
        .find(|s| s.slug.as_str() == "checkout-api")
        .unwrap();
    assert_eq!(api.depends_on[0].0.as_str(), "payments-db");
    assert_eq!(api.links[0].title, "Dashboard");
    assert_eq!(catalog.functionalities[0].aliases, ["pay", "buy"]);

    // The edit form shows what is stored, and saving keeps the slug of the path.
    let edit = console.get("/services/checkout-api/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("payments-db:hard"));
    assert!(
        edit.body
            .contains("Dashboard https://grafana.example.com/d/1")
    );
    assert!(edit.body.contains(r#"id="delete-form""#));
    let saved = console
        .post(
            "/services/checkout-api",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "ignored"),
                ("name", "Checkout API"),
                ("owner_team", "payments"),
                ("tier", "2"),
                ("lifecycle", "production"),
                ("depends_on", "payments-db:soft"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), "/services/checkout-api");
    let page = console.get("/services/checkout-api").await;
    assert!(page.body.contains("Checkout API"));
    assert!(page.body.contains("graph-edge-soft"));

    // Deleting needs the box ticked, and nothing referring to the entry.
    let unconfirmed = console
        .post(
            "/services/payments-db/delete",
            &form_body(&[("csrf_token", &csrf)]),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::CONFLICT);
    assert!(unconfirmed.body.contains("Tick the confirmation box"));
    let referenced = console
        .post(
            "/services/payments-db/delete",
            &form_body(&[("csrf_token", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(referenced.status, StatusCode::CONFLICT);
    assert!(
        referenced.body.contains("still referred to"),
        "{}",
        referenced.body
    );
    let deleted = console
        .post(
            "/functionalities/checkout/delete",
            &form_body(&[("csrf_token", &csrf), ("confirm", "yes")]),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.location(), "/catalog");
    assert_eq!(
        console.get("/functionalities/checkout").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_refused_catalog_form_shows_the_reasons_and_keeps_what_was_typed() {
    let (test, mut console, csrf) = signed_in().await;
    seed_catalog(&test).await;
    let answer = console
        .post(
            "/services",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "ledger"),
                ("owner_team", "ghosts"),
                ("tier", "1"),
                ("lifecycle", "production"),
                ("rollback_plan", "Half-written <plan>"),
                ("depends_on", "payments-db:hard\nnowhere:soft\nsearch:maybe"),
            ]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = &answer.body;
    assert!(body.contains("The service was not saved"));
    assert!(body.contains("line 3: expected hard or soft"), "{body}");
    assert!(
        body.contains("Half-written &#60;plan&#62;") || body.contains("Half-written &lt;plan&gt;")
    );
    assert!(body.contains(r#"value="ledger""#));

    // Parsing passes; the catalog's own checks name the owner and the dependency.
    let answer = console
        .post(
            "/services",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "ledger"),
                ("owner_team", "ghosts"),
                ("tier", "1"),
                ("lifecycle", "production"),
                ("depends_on", "payments-db:hard\nnowhere:soft"),
            ]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        answer.body.contains("no team named ghosts"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("line 2: no service named nowhere"));
    assert!(answer.body.contains("payments-db:hard\nnowhere:soft"));

    let taken = console
        .post(
            "/teams",
            &form_body(&[("csrf_token", &csrf), ("slug", "payments")]),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("already exists"));

    let bad_member = console
        .post(
            "/teams",
            &form_body(&[
                ("csrf_token", &csrf),
                ("slug", "Bad Slug"),
                ("members", "ada@example.com\nnot an email"),
            ]),
        )
        .await;
    assert_eq!(bad_member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_member.body.contains("expected letters and digits"));
    assert!(
        bad_member
            .body
            .contains("line 2: expected an email address")
    );
    assert!(bad_member.body.contains("ada@example.com\nnot an email"));
}

#[tokio::test]
async fn viewers_read_the_catalog_but_get_no_catalog_forms() {
    let (test, _admin_console, _csrf) = signed_in().await;
    seed_catalog(&test).await;
    let (_, admin) = test.app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    let viewer = muster_app::accounts::NewUser {
        email: String::from("vic@example.com"),
        name: Some(String::from("Vic")),
        role: muster_core::UserRole::Viewer,
        password: Some(String::from("viewer password")),
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
    let page = console.get("/services/checkout-api").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(r#"id="edit-service""#));
    let overview = console.get("/catalog").await;
    assert!(!overview.body.contains(r#"id="new-team""#));
    assert_eq!(
        console.get("/teams/new").await.status,
        StatusCode::FORBIDDEN
    );
    let viewer_csrf = support::client::csrf_of(&page.body);
    let refused = console
        .post(
            "/teams",
            &form_body(&[("csrf_token", &viewer_csrf), ("slug", "sneaky")]),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn declaring_in_customers_words_finds_the_functionality_and_its_owners() {
    use muster_core::catalog::{Functionality, Lifecycle, Service, Team};
    use muster_core::{Slug, UserRole};
    let (test, mut console, csrf) = signed_in().await;
    let (_, secret) = test
        .app
        .issue_admin_token(support::ADMIN_EMAIL, UserRole::Admin, "catalog set-up")
        .await
        .unwrap();
    let actor = test.app.authenticate_token(&secret).await.unwrap().actor;
    let slug = |s: &str| Slug::parse("slug", s).unwrap();
    test.app
        .put_team(
            &actor,
            Team {
                slug: slug("identity"),
                name: "Identity".into(),
                description: String::new(),
                contact_channel: String::new(),
                escalation_policy: None,
                members: vec![],
            },
        )
        .await
        .unwrap();
    test.app
        .put_service(
            &actor,
            Service {
                slug: slug("auth"),
                name: "Auth".into(),
                description: String::new(),
                owner_team: Some(slug("identity")),
                tier: 1,
                lifecycle: Lifecycle::Production,
                kind: "service".into(),
                links: vec![],
                runbooks: vec![],
                rollback_plan: String::new(),
                tags: vec![],
                depends_on: vec![],
            },
        )
        .await
        .unwrap();
    test.app
        .put_functionality(
            &actor,
            Functionality {
                slug: slug("login"),
                name: "Login".into(),
                description: "Signing in".into(),
                aliases: vec![],
                owner_team: Some(slug("identity")),
                services: vec![slug("auth")],
            },
        )
        .await
        .unwrap();

    let form = console.get("/incidents/new").await;
    assert!(
        form.body.contains(r#"<option value="Login">"#),
        "the picker suggests functionalities"
    );
    assert!(
        form.body.contains(r#"<option value="auth">"#),
        "and services"
    );
    let declared = console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Login+broken&functionality=can%27t+log+in"),
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    let page = console.get("/incidents/INC-1").await;
    assert!(
        page.body.contains("login unavailable"),
        "the impact is on the timeline"
    );
    assert!(page.body.contains("identity"));

    let refused = console
        .post(
            "/incidents",
            &format!("csrf_token={csrf}&title=Odd&functionality=the+weather&services=nope"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("no functionality matches"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(r#"value="the weather""#),
        "what was typed is kept"
    );
}
