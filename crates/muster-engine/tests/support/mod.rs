//! A world for engine stories: a SQLite store, a fake clock, a plan with a
//! team, its schedule and policy, people, and sinks that capture what they
//! are given (and can be told to fail).

#![allow(dead_code)]

pub mod example_plan;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::Timestamp;
use muster_app::incidents::IncidentKey;
use muster_app::paging::PageRequest;
use muster_app::plan::PlanApply;
use muster_app::users::NewUser;
use muster_app::{App, FakeClock, Settings};
use muster_core::contact::ContactMethodDraft;
use muster_core::paging::{Destination, Notification, Page, PageTarget, SinkKind};
use muster_core::{Actor, DeliveryId, Slug, UserRole};
use muster_engine::{Engine, EngineConfig};
use muster_sinks::{Envelope, Health, SendError, Sink, Sinks};
use muster_store_sqlite::SqliteStore;

/// How a capturing sink answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// 503 until the clock reaches the instant, then accept.
    DownUntil(Timestamp),
    /// 404 for good.
    Refuse,
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub delivery: DeliveryId,
    pub recipient: String,
    pub address: String,
    pub notification: Notification,
    pub at: Timestamp,
}

#[derive(Clone)]
pub struct Capture {
    kind: SinkKind,
    clock: Arc<FakeClock>,
    pub answer: Arc<Mutex<Answer>>,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub refused: Arc<Mutex<usize>>,
}

impl Capture {
    fn new(kind: SinkKind, clock: Arc<FakeClock>) -> Self {
        Self {
            kind,
            clock,
            answer: Arc::new(Mutex::new(Answer::Accept)),
            received: Arc::default(),
            refused: Arc::default(),
        }
    }

    pub fn answer(&self, answer: Answer) {
        *self.answer.lock().expect("lock") = answer;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    pub fn to(&self, recipient: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.recipient == recipient)
            .collect()
    }
}

#[async_trait]
impl Sink for Capture {
    fn kind(&self) -> SinkKind {
        self.kind
    }

    async fn health(&self) -> Health {
        Health::Ok("capturing".into())
    }

    async fn send(&self, envelope: &Envelope<'_>) -> Result<(), SendError> {
        use muster_app::Clock as _;
        let now = self.clock.now();
        let answer = *self.answer.lock().expect("lock");
        match answer {
            Answer::DownUntil(until) if now < until => {
                *self.refused.lock().expect("lock") += 1;
                return Err(SendError::retryable("503 Service Unavailable"));
            }
            Answer::Refuse => {
                *self.refused.lock().expect("lock") += 1;
                return Err(SendError::permanent("404 Not Found"));
            }
            _ => {}
        }
        self.received.lock().expect("lock").push(Received {
            delivery: envelope.delivery_id,
            recipient: envelope.recipient.to_owned(),
            address: envelope.destination.address.clone(),
            notification: envelope.notification.clone(),
            at: now,
        });
        Ok(())
    }
}

pub struct World {
    pub app: App,
    pub clock: Arc<FakeClock>,
    pub engine: Engine,
    pub email: Capture,
    pub webhook: Capture,
    pub admin: Actor,
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

/// Monday 2027-01-04 10:00 UTC: an hour into ana's first week.
pub fn start() -> Timestamp {
    "2027-01-04T10:00:00Z".parse().expect("instant")
}

pub fn plan(policy_steps: &str, repeat: u32) -> String {
    format!(
        r##"kind: Team
name: identity
title: Identity
contact_channel: "#team-identity"
escalation_policy: identity-oncall
members:
  - {{email: ana@example.com, role: lead}}
  - {{email: bo@example.com, role: member}}
---
kind: Service
name: auth
owner: identity
tier: 1
---
kind: Functionality
name: login
title: Login
owner: identity
services: [auth]
---
kind: Schedule
name: identity-primary
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
time_zone: UTC
rotations:
  - {{participants: [ana@example.com, bo@example.com], shift: 1w, handoff: "09:00", start: 2027-01-04}}
---
kind: EscalationPolicy
name: identity-oncall
owner: identity
review_every: 90d
last_reviewed: 2026-12-01
repeat: {repeat}
steps:
{policy_steps}
"##
    )
}

/// Two steps, five minutes apart: the schedule's on-call, then cy.
pub const TWO_STEPS: &str = "  - targets: [{schedule: identity-primary}]
    delay_minutes: 5
  - targets: [{user: cy@example.com}]
    delay_minutes: 5";

fn chat(address: &str) -> ContactMethodDraft {
    ContactMethodDraft {
        kind: "chat".into(),
        address: address.into(),
        label: String::new(),
    }
}

pub async fn world(plan_text: &str) -> World {
    world_with_channels(plan_text, &[]).await
}

/// A world whose settings name more channels (by name, each a webhook URL).
pub async fn world_with_channels(plan_text: &str, channels: &[(&str, &str)]) -> World {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("muster.db");
    let store = SqliteStore::open(&path).await.expect("open store");
    let clock = Arc::new(FakeClock::new(start()));
    let mut settings = Settings {
        public_url: "https://muster.example".into(),
        ..Settings::default()
    };
    settings.channels.insert(
        "#team-identity".into(),
        Destination {
            sink: SinkKind::Webhook,
            address: "http://hooks.example/identity".into(),
        },
    );
    for (name, url) in channels {
        settings.channels.insert(
            (*name).into(),
            Destination {
                sink: SinkKind::Webhook,
                address: (*url).into(),
            },
        );
    }
    let app = App::new(Arc::new(store), clock.clone(), settings);
    let (admin, _) = app
        .issue_admin_token("admin@example.com", UserRole::Admin, "test")
        .await
        .expect("admin");
    let admin = Actor {
        user_id: admin.id,
        role: UserRole::Admin,
    };
    for (email, methods) in [
        (
            "ana@example.com",
            vec![chat("webhook:http://hooks.example/ana")],
        ),
        ("bo@example.com", vec![]),
        ("cy@example.com", vec![]),
    ] {
        let mut user = NewUser::new(email, UserRole::Responder);
        user.contact_methods = methods;
        app.create_user(&admin, user).await.expect("user");
    }
    apply(&app, &admin, plan_text).await;
    let email = Capture::new(SinkKind::Email, clock.clone());
    let webhook = Capture::new(SinkKind::Webhook, clock.clone());
    let sinks = Sinks::from_sinks([
        Box::new(email.clone()) as Box<dyn Sink>,
        Box::new(webhook.clone()) as Box<dyn Sink>,
    ]);
    let engine = Engine::new(app.clone(), Arc::new(sinks), EngineConfig::new("node-a"));
    World {
        app,
        clock,
        engine,
        email,
        webhook,
        admin,
        path,
        _dir: dir,
    }
}

pub async fn apply(app: &App, admin: &Actor, text: &str) {
    let plan = muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("plan.yaml"), text.into())])
        .expect("the plan reads");
    let findings = muster_plan::plan::validate(&plan);
    assert!(findings.is_empty(), "{findings:#?}");
    app.apply_plan(
        admin,
        PlanApply {
            catalog: plan.catalog(),
            documents: plan.stored_documents(),
            files: plan.files(),
            secrets: Default::default(),
            dry_run: false,
        },
    )
    .await
    .expect("applied");
}

impl World {
    pub async fn page_team(&self, summary: &str) -> Page {
        self.app
            .page(
                &self.admin,
                PageRequest {
                    target: PageTarget::Team(Slug::parse("team", "identity").expect("slug")),
                    summary: summary.into(),
                    details: String::new(),
                    incident: None::<IncidentKey>,
                    drill: false,
                },
            )
            .await
            .expect("paged")
    }

    /// Moves the clock and runs cycles until nothing is due now.
    pub async fn advance(&self, by: jiff::SignedDuration) {
        self.clock.advance(by);
        self.settle().await;
    }

    pub async fn settle(&self) {
        for _ in 0..20 {
            let report = self.engine.run_cycle_once().await.expect("cycle");
            let drained = self.engine.drain_deliveries().await.expect("drain");
            if report.routed == 0
                && report.steps == 0
                && report.fired == 0
                && report.sent.attempts() == 0
                && drained.attempts() == 0
            {
                return;
            }
        }
        panic!("the engine never settled");
    }
}

/// The token of a one-time link.
pub fn token(url: &str) -> String {
    url.rsplit('/').next().expect("a link").to_owned()
}
