//! The console's catalog pages and forms over HTTP, without a browser:
//! the overview, a team, a service, a functionality; creating, editing and
//! deleting them; and declaring an incident in customers' words.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use axum::http::StatusCode;
use support::client::{Console, signed_in};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD};

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
