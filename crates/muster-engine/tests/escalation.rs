//! Engine stories on SQLite with a fake clock and capturing sinks: a page
//! escalates until someone acknowledges it from the link in their
//! notification; declaring on a functionality pages its owner team; a
//! receiver that is down for ten minutes still gets everything exactly
//! once; a delivery that dies brings the next method and then the next step
//! forward; one engine per SQLite file.

mod support;

use std::collections::BTreeMap;

use jiff::SignedDuration;
use muster_app::incidents::IncidentKey;
use muster_app::paging::{LinkOutcome, PageKey};
use muster_core::paging::{DeliveryStatus, NotificationEvent, PageEventKind, PageStatus};
use muster_core::{Milestone, NewIncident, TimelineEvent};
use muster_engine::{Engine, EngineConfig, EngineError};
use support::{Answer, TWO_STEPS, plan, start, token, world};

fn mins(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

#[tokio::test]
async fn a_page_escalates_until_acknowledged_from_its_link() {
    let w = world(&plan(TWO_STEPS, 1)).await;
    let page = w.page_team("Login is failing").await;
    w.settle().await;

    // Step 1: the schedule's on-call (ana, by her default email and her
    // webhook chat method) and, once, the team's channel.
    let ana = w.email.to("ana@example.com");
    assert_eq!(ana.len(), 1);
    assert_eq!(ana[0].notification.event, NotificationEvent::PageTriggered);
    assert_eq!(ana[0].notification.subject, "P-1: Login is failing");
    assert!(
        ana[0]
            .notification
            .body
            .contains("Acknowledge: https://muster.example/link/")
    );
    assert_eq!(w.webhook.to("ana@example.com").len(), 1);
    assert_eq!(
        w.webhook.to("#team-identity")[0].address,
        "http://hooks.example/identity"
    );
    assert!(w.email.to("cy@example.com").is_empty());

    // Not yet five minutes: nothing more.
    w.advance(mins(4)).await;
    assert!(w.email.to("cy@example.com").is_empty());
    // Five minutes unanswered: step 2 pages cy.
    w.advance(mins(1)).await;
    let cy = w.email.to("cy@example.com");
    assert_eq!(cy.len(), 1);
    assert_eq!(cy[0].notification.event, NotificationEvent::PageEscalated);

    // Ana acknowledges from her email's link, without signing in.
    let link = token(ana[0].notification.ack_url.as_deref().expect("an ack link"));
    let view = w.app.link_view(&link).await.expect("the link is valid");
    assert_eq!(
        view.recipient.map(|u| u.email).as_deref(),
        Some("ana@example.com")
    );
    match w.app.act_by_link(&link).await.expect("acknowledged") {
        LinkOutcome::Done { page, .. } => assert_eq!(page.status, PageStatus::Acknowledged),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(
            w.app.act_by_link(&link).await,
            Err(muster_app::AppError::Conflict {
                code: "link_used",
                ..
            })
        ),
        "a link works once"
    );

    // The policy would repeat at 10 minutes; acknowledged, it stops.
    let before = w.email.received().len() + w.webhook.received().len();
    w.advance(mins(30)).await;
    assert_eq!(
        w.email.received().len() + w.webhook.received().len(),
        before
    );

    let detail = w
        .app
        .page_detail(&w.admin, PageKey::Id(page.id))
        .await
        .expect("detail");
    assert_eq!(detail.page.acknowledged_by, view.claims.user);
    let kinds: Vec<PageEventKind> = detail.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == PageEventKind::StepFired)
            .count(),
        2
    );
    assert_eq!(kinds.last(), Some(&PageEventKind::Acknowledged));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == PageEventKind::Delivered)
            .count(),
        4,
        "ana twice, the channel, cy: {kinds:?}"
    );
    assert!(
        detail
            .deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Sent)
    );

    // Her resolve link still works (a different link), once.
    let resolve = token(
        ana[0]
            .notification
            .resolve_url
            .as_deref()
            .expect("a resolve link"),
    );
    assert!(matches!(
        w.app.act_by_link(&resolve).await,
        Ok(LinkOutcome::Done { .. })
    ));
}

#[tokio::test]
async fn declaring_on_a_functionality_pages_its_owner_team() {
    let w = world(&plan(TWO_STEPS, 0)).await;
    let incident = w
        .app
        .declare_incident_on(
            &w.admin,
            NewIncident {
                title: "Customers cannot sign in".into(),
                ..NewIncident::default()
            },
            &[],
            &["can't log in".to_owned(), "login".to_owned()],
        )
        .await
        .expect("declared");
    let pages = w
        .app
        .list_pages(
            &w.admin,
            muster_store::PageFilter {
                incident: Some(incident.id),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("pages");
    assert_eq!(pages.len(), 1, "one page per owner team");
    assert_eq!(pages[0].team.as_ref().map(|t| t.as_str()), Some("identity"));
    let timeline = w
        .app
        .timeline(&w.admin, IncidentKey::Id(incident.id), None, 50)
        .await
        .expect("timeline")
        .1;
    assert!(
        timeline
            .iter()
            .any(|e| matches!(&e.event, TimelineEvent::Paged { target, .. } if target == "functionality login"))
    );

    w.settle().await;
    let ana = w.email.to("ana@example.com");
    assert_eq!(ana.len(), 1);
    let note = &ana[0].notification;
    assert_eq!(note.incident_number, Some(incident.number));
    assert!(note.subject.starts_with("INC-1 SEV"), "{}", note.subject);
    assert!(note.subject.ends_with("Customers cannot sign in (P-1)"));

    // Resolving the incident resolves its pages: nobody else is paged.
    w.app
        .reach_milestone(
            &w.admin,
            IncidentKey::Id(incident.id),
            None,
            Milestone::Resolved,
            None,
        )
        .await
        .expect("resolved");
    w.advance(mins(10)).await;
    assert!(w.email.to("cy@example.com").is_empty());
    let page = w
        .app
        .page_detail(&w.admin, PageKey::Id(pages[0].id))
        .await
        .expect("page");
    assert_eq!(page.page.status, PageStatus::Resolved);
}

#[tokio::test]
async fn a_receiver_down_for_ten_minutes_gets_every_delivery_exactly_once() {
    let w = world(&plan(TWO_STEPS, 0)).await;
    w.webhook.answer(Answer::DownUntil(start() + mins(10)));
    for n in 0..10 {
        w.page_team(&format!("storm {n}")).await;
    }
    // Twenty-five minutes of 15-second cycles.
    for _ in 0..100 {
        w.advance(SignedDuration::from_secs(15)).await;
    }
    let refused = *w.webhook.refused.lock().expect("lock");
    assert!(refused > 0, "the receiver was down");
    let mut per_delivery: BTreeMap<_, usize> = BTreeMap::new();
    for received in w.webhook.received() {
        *per_delivery.entry(received.delivery).or_default() += 1;
        assert!(
            received.at >= start() + mins(10),
            "nothing arrived while it was down"
        );
    }
    // Each page: ana's webhook and the team channel.
    assert_eq!(per_delivery.len(), 20);
    assert!(per_delivery.values().all(|n| *n == 1), "{per_delivery:?}");
    // And nothing is left undelivered.
    let counts = w.app.delivery_counts().await.expect("counts");
    assert!(
        counts
            .iter()
            .all(|(status, _)| *status == DeliveryStatus::Sent),
        "{counts:?}"
    );
}

#[tokio::test]
async fn a_dead_delivery_brings_the_next_method_then_the_next_step_forward() {
    let w = world(&plan(TWO_STEPS, 0)).await;
    // Ana: webhook at once, email only after three minutes.
    let ana = w
        .app
        .find_user(&w.admin, "ana@example.com")
        .await
        .expect("ana");
    w.app
        .set_notification_rules(
            &w.admin,
            &ana,
            &[
                muster_app::paging::RuleDraft {
                    kind: "chat".into(),
                    after_minutes: 0,
                },
                muster_app::paging::RuleDraft {
                    kind: "email".into(),
                    after_minutes: 3,
                },
            ],
        )
        .await
        .expect("rules");
    w.webhook.answer(Answer::Refuse);
    w.email.answer(Answer::Refuse);
    w.page_team("Login is failing").await;
    w.settle().await;
    // The webhook died at once; her email was brought forward from 3
    // minutes to now, died too, and nothing of step 1 reached anyone: cy
    // is paged now, not in five minutes.
    assert_eq!(*w.email.refused.lock().expect("lock"), 2, "ana, then cy");
    w.email.answer(Answer::Accept);
    w.advance(SignedDuration::from_secs(1)).await;
    let detail = w
        .app
        .list_pages(
            &w.admin,
            muster_store::PageFilter {
                limit: 1,
                ..Default::default()
            },
        )
        .await
        .expect("pages");
    let page = w
        .app
        .page_detail(&w.admin, PageKey::Id(detail[0].id))
        .await
        .expect("detail");
    let fired = page
        .events
        .iter()
        .filter(|e| e.kind == PageEventKind::StepFired)
        .count();
    assert_eq!(fired, 2, "{:#?}", page.events);
    assert!(
        page.events
            .iter()
            .any(|e| e.kind == PageEventKind::DeliveryDead && e.detail.contains("escalating"))
    );
}

#[tokio::test]
async fn sqlite_runs_one_engine_per_file() {
    let w = world(&plan(TWO_STEPS, 0)).await;
    w.engine.claim().await.expect("the first engine runs");
    let second = Engine::new(
        w.app.clone(),
        std::sync::Arc::new(muster_sinks::Sinks::from_sinks([])),
        EngineConfig::new("node-b"),
    );
    match second.claim().await {
        Err(EngineError::AlreadyRunning { owner, .. }) => assert_eq!(owner, "node-a"),
        other => panic!("a second engine on one SQLite file: {other:?}"),
    }
}
