//! A small on-call world for the console and browser tests: people, a team
//! with an escalation policy, a weekly schedule in Amsterdam, a weekdays-only
//! schedule (with gaps every night and weekend), a service and a
//! functionality, applied as a plan through the use case.

use std::path::PathBuf;
use std::sync::Arc;

use jiff::Timestamp;
use muster_app::plan::PlanApply;
use muster_app::users::NewUser;
use muster_app::{App, FakeClock, Settings};
use muster_core::{Actor, UserRole};
use muster_store_sqlite::SqliteStore;

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestServer, with_admin};

pub const ANA: &str = "ana@example.com";
pub const ANA_NAME: &str = "Ana Silva";
pub const BRAM: &str = "bram@example.com";
pub const BRAM_NAME: &str = "Bram Bos";
pub const VIC: &str = "vic@example.com";
pub const PASSWORD: &str = "a long test password";

/// Tuesday 2026-12-01 10:00 UTC, 11:00 in Amsterdam: Ana's week.
pub fn start() -> Timestamp {
    "2026-12-01T10:00:00Z".parse().expect("an instant")
}

/// The plan: `identity` pages `identity-primary`'s on-call, then Bram.
pub const PLAN: &str = r##"kind: Team
name: identity
title: Identity
contact_channel: "#team-identity"
escalation_policy: identity-oncall
members:
  - {email: ana@example.com, role: lead}
  - {email: bram@example.com, role: member}
---
kind: Team
name: storage
title: Storage
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
last_reviewed: 2026-11-01
time_zone: Europe/Amsterdam
rotations:
  - {name: weekly, participants: [ana@example.com, bram@example.com], shift: 1w, handoff: "09:00", start: 2026-11-30}
---
kind: Schedule
name: identity-weekdays
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
time_zone: Europe/Amsterdam
rotations:
  - name: office-hours
    participants: [bram@example.com, ana@example.com]
    shift: 1d
    handoff: "09:00"
    start: 2026-11-30
    restrictions:
      - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}
---
kind: EscalationPolicy
name: identity-oncall
owner: identity
review_every: 90d
last_reviewed: 2026-11-01
repeat: 0
steps:
  - targets: [{schedule: identity-primary}]
    delay_minutes: 5
  - targets: [{user: bram@example.com}]
    delay_minutes: 5
"##;

/// An app on a fresh SQLite file whose clock stands still at [`start`].
pub async fn app_at(start: Timestamp) -> (TestApp, Arc<FakeClock>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(dir.path().join("muster.db"))
        .await
        .expect("the store opens");
    let clock = Arc::new(FakeClock::new(start));
    let app = App::new(Arc::new(store), clock.clone(), Settings::default());
    (TestApp { app, _dir: dir }, clock)
}

pub async fn admin(test: &TestApp) -> Actor {
    let (_, admin) = test
        .app
        .login(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect("the admin signs in");
    admin.actor
}

/// Applies `text` as the whole plan, as `muster plan apply` would.
pub async fn apply(test: &TestApp, admin: &Actor, text: &str) {
    let plan = muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("plan.yaml"), text.into())])
        .expect("the plan reads");
    let findings = muster_plan::plan::validate(&plan);
    assert!(findings.is_empty(), "{findings:#?}");
    test.app
        .apply_plan(
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
        .expect("the plan applies");
}

/// The admin, Ana and Bram (responders), Vic (a viewer), and [`PLAN`];
/// returns the admin (signing in is slow on purpose, so tests keep it).
pub async fn seed(test: &TestApp) -> Actor {
    with_admin(test).await;
    let admin = admin(test).await;
    for (email, name, role) in [
        (ANA, ANA_NAME, UserRole::Responder),
        (BRAM, BRAM_NAME, UserRole::Responder),
        (VIC, "Vic Viewer", UserRole::Viewer),
    ] {
        let user = NewUser {
            name: Some(name.into()),
            password: Some(PASSWORD.into()),
            time_zone: Some("Europe/Amsterdam".into()),
            ..NewUser::new(email, role)
        };
        test.app
            .create_user(&admin, user)
            .await
            .expect("the user is created");
    }
    apply(test, &admin, PLAN).await;
    admin
}

/// A seeded world at [`start`], served for a browser, and its admin.
pub async fn server() -> (TestServer, Arc<FakeClock>, Actor) {
    let (test, clock) = app_at(start()).await;
    let admin = seed(&test).await;
    (TestServer::start(test).await, clock, admin)
}
