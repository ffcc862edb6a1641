//! The console's plan pages over HTTP, without a browser: empty before any
//! apply, the source shown as text (never as markup), overdue reviews listed.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;

use axum::http::StatusCode;
use muster_app::plan::PlanApply;
use support::client::signed_in;
use support::{ADMIN_EMAIL, ADMIN_PASSWORD};

const PLAN: &str = "# <script>alert(1)</script> is only text here\n\
kind: Team\nname: platform\nescalation_policy: oncall\n---\n\
kind: EscalationPolicy\nname: oncall\nowner: platform\nreview_every: 90d\nlast_reviewed: 2020-01-01\n\
steps:\n  - targets: [{team: platform}]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_pages_show_the_running_plan_and_overdue_reviews() {
    let (test, mut console, _) = signed_in().await;
    let empty = console.get("/plan").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("No plan has been applied yet"));
    let none = console.get("/plan/stale").await;
    assert!(none.body.contains("Every reviewed document is up to date"));

    let plan = muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("plan.yaml"), PLAN.into())])
        .unwrap();
    assert!(muster_plan::plan::validate(&plan).is_empty());
    let admin = test
        .app
        .verify_credentials(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    test.app
        .apply_plan(
            &admin.actor,
            PlanApply {
                catalog: plan.catalog(),
                documents: plan.stored_documents(),
                files: plan.files(),
                secrets: Default::default(),
                dry_run: false,
            },
        )
        .await
        .unwrap();

    let page = console.get("/plan").await;
    assert!(
        page.body.contains("Revision <strong>1</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Ada Lovelace"));
    assert!(page.body.contains(r#"id="escalationpolicy-docs""#));
    assert!(page.body.contains("overdue"));
    assert!(page.body.contains("alert(1)"), "the source is shown");
    assert!(
        !page.body.contains("<script>alert(1)"),
        "the source is escaped, never markup"
    );

    let stale = console.get("/plan/stale").await;
    assert!(
        stale.body.contains(r#"data-name="oncall""#),
        "{}",
        stale.body
    );
    assert!(stale.body.contains("2020-03-31"));
    assert!(stale.body.contains("pending"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plan_pages_need_a_session() {
    let test = support::app().await;
    let mut console = support::client::Console::new(&test);
    for path in ["/plan", "/plan/stale"] {
        let answer = console.get(path).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert!(answer.location().starts_with("/login"), "{path}");
    }
}
