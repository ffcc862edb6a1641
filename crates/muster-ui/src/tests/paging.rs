//! Paging pages: a page with its history, the link page, the rules editor.

use askama::Template;
use jiff::{SignedDuration, Timestamp};
use muster_core::oncall::escalation::{EscalationPolicy, NotificationRule, Step, Target};
use muster_core::paging::{Escalation, NewPage, Page, PageEvent, PageEventKind, PageTarget, Via};
use muster_core::{ContactKind, PageId, PageNumber, Slug};
use uuid::Uuid;

use super::{chrome, user};
use crate::pages::{LinkPage, PageDetailPage};
use crate::present::{self, PageDetailInputs, RuleInput};
use crate::view::{Chrome, FieldMessage};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn page() -> (Page, Vec<PageEvent>) {
    let policy = EscalationPolicy::new(
        vec![
            Step {
                targets: vec![Target::Schedule("identity-primary".into())],
                delay: SignedDuration::from_mins(5),
            },
            Step {
                targets: vec![Target::User("bo@example.com".into())],
                delay: SignedDuration::from_mins(5),
            },
        ],
        0,
    )
    .unwrap();
    let (mut page, triggered) = Page::trigger(
        PageId(Uuid::now_v7()),
        NewPage {
            target: PageTarget::Team(Slug::parse("team", "identity").unwrap()),
            summary: "Logins <fail>".into(),
            details: String::new(),
            incident: None,
            drill: false,
        },
        Escalation {
            team: Some(Slug::parse("team", "identity").unwrap()),
            policy_name: Some("identity-oncall".into()),
            policy,
        },
        None,
        at("2026-12-01T10:00:00Z"),
    )
    .unwrap();
    page.number = PageNumber(12);
    page.fired = 1;
    page.next_due_at = Some(at("2026-12-01T10:05:00Z"));
    let mut fired = PageEvent::new(
        at("2026-12-01T10:00:01Z"),
        PageEventKind::StepFired,
        "step 1: schedule identity-primary",
    );
    fired.recipient = Some("ada@example.com".into());
    (page, vec![triggered, fired])
}

fn detail(can_write: bool) -> String {
    let (page, events) = page();
    let users = vec![user("Ada"), user("Bo")];
    let view = present::page_detail_view(PageDetailInputs {
        page: &page,
        events: &events,
        deliveries: &[],
        attempts: &[],
        users: &users,
        can_write,
    });
    assert_eq!(
        view.progress,
        "At step 1 of 2; step 2 of 2 fires at Dec 1, 10:05 UTC."
    );
    PageDetailPage {
        chrome: chrome(can_write),
        flash: None,
        page: view,
    }
    .render()
    .unwrap()
}

#[test]
fn a_page_shows_its_history_and_buttons_to_responders() {
    let html = detail(true);
    for needle in [
        "id=\"page-acknowledge\"",
        "id=\"page-resolve\"",
        "Step fired",
        "step 1: schedule identity-primary",
        "Ada",
        "hx-get=\"/pages/P-12/live?seen=",
        "href=\"/teams/identity\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.contains("Logins <fail>"), "escaped");
    let viewer = detail(false);
    assert!(!viewer.contains("id=\"page-acknowledge\""));
    assert!(!viewer.contains("id=\"page-resolve\""));
}

#[test]
fn a_link_page_posts_and_says_when_it_is_moot() {
    let (page, _) = page();
    let ada = user("Ada");
    let view = present::link_page_view(&page, "acknowledge", Some(&ada), "/link/tok".into(), None);
    let html = LinkPage {
        chrome: Chrome::new(None),
        link: view,
    }
    .render()
    .unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/link/tok\""));
    assert!(html.contains("Acknowledge P-12"));
    assert!(
        !html.contains("id=\"nav-incidents\""),
        "no nav for visitors"
    );
    assert!(!html.contains("csrf"), "the token is the authority");

    let acknowledged = page
        .acknowledge(Some(ada.id), Via::Console, at("2026-12-01T02:12:00Z"))
        .unwrap()
        .page;
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
    let already = present::already_done(&acknowledged, "acknowledge", Some("Bram"), &tz);
    assert_eq!(
        already.as_deref(),
        Some("Already acknowledged by Bram at 03:12 CET, Tue 1 Dec.")
    );
    assert_eq!(
        present::already_done(&acknowledged, "resolve", None, &tz),
        None
    );
}

#[test]
fn the_rules_editor_keeps_rows_and_shows_errors_by_row() {
    let stored = vec![NotificationRule {
        kind: ContactKind::Sms,
        after: SignedDuration::from_mins(5),
    }];
    let typed = vec![
        RuleInput {
            kind: "email".into(),
            after: "0".into(),
        },
        RuleInput {
            kind: "voice".into(),
            after: "90".into(),
        },
    ];
    let view = present::rules_view(
        &stored,
        &typed,
        &[FieldMessage {
            field: "rules[1].after_minutes".into(),
            message: "expected minutes from 0 to 60, got 90".into(),
        }],
        "/people/x/notification-rules".into(),
    );
    assert_eq!(view.summary, ["SMS after 5 min"]);
    assert_eq!(view.rows.len(), 3, "one blank row to add with");
    assert!(view.rows[2].blank);
    assert_eq!(
        view.rows[1].after_error.as_deref(),
        Some("expected minutes from 0 to 60, got 90")
    );
    assert!(
        view.rows[1]
            .kinds
            .iter()
            .any(|o| o.value == "voice" && o.selected)
    );
}
