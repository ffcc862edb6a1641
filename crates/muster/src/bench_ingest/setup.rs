//! What a fresh muster database needs before the bench's alerts mean
//! anything: a team and its service, an escalation policy paging one person
//! whose only contact method is a webhook to the bench's receiver (rules:
//! at once), routes, and an Alertmanager integration bound to the service.
//! Written through the application, before `muster serve` opens the file.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use muster_app::alerts::NewIntegration;
use muster_app::paging::RuleDraft;
use muster_app::plan::PlanApply;
use muster_app::users::NewUser;
use muster_app::{App, Settings, SystemClock};
use muster_core::contact::ContactMethodDraft;
use muster_core::{Actor, UserRole};
use muster_sinks::{SinkConfig, Sinks};

use crate::store;

/// The person paged; the policy's only target.
const ON_CALL: &str = "oncall@bench.example";

/// Latency probes page (`job="bench-latency"`); the load of the throughput
/// and memory phases is kept and shown but tells nobody (`drop: true`), so
/// those phases measure ingestion, not 100,000 pages.
const PLAN: &str = "kind: Team
name: bench
title: Bench
escalation_policy: bench-oncall
---
kind: Service
name: bench-svc
title: Bench service
owner: bench
tier: 1
---
kind: EscalationPolicy
name: bench-oncall
owner: bench
review_every: 90d
last_reviewed: 2026-11-01
steps:
  - targets: [{user: oncall@bench.example}]
    delay: 10m
---
kind: AlertRoutes
name: bench-alerts
owner: bench
review_every: 90d
last_reviewed: 2026-11-01
rules:
  - name: latency-probes-page
    match: ['job=\"bench-latency\"']
    route_to: {service: bench-svc}
    page: true
  - name: load-is-kept-quietly
    match: ['job=\"bench\"']
    drop: true
";

fn app_error(error: muster_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// What the bench needs of a prepared database.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The Alertmanager integration's key.
    pub key: String,
    /// An admin's API token, to page through the API.
    pub token: String,
}

/// Sets up the database at `url`.
pub async fn prepare(url: &str, receiver: &str) -> anyhow::Result<Prepared> {
    let opened = store::open(url, false).await?;
    let sinks = Sinks::build(&SinkConfig::default()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let settings = Settings {
        available_sinks: sinks.kinds().collect(),
        ..Settings::default()
    };
    let app = App::new(opened.store.clone(), Arc::new(SystemClock), settings);
    let (admin, token) = app
        .issue_admin_token("bench@example.com", UserRole::Admin, "bench")
        .await
        .map_err(app_error)?;
    let admin = Actor {
        user_id: admin.id,
        role: UserRole::Admin,
    };
    let mut person = NewUser::new(ON_CALL, UserRole::Responder);
    person.contact_methods = vec![ContactMethodDraft {
        kind: "chat".into(),
        address: format!("webhook:{receiver}/hook"),
        label: "bench receiver".into(),
    }];
    let person = app.create_user(&admin, person).await.map_err(app_error)?;
    // The webhook alone, at once: no SMTP server here.
    app.set_notification_rules(
        &admin,
        &person,
        &[RuleDraft {
            kind: "chat".into(),
            after_minutes: 0,
        }],
    )
    .await
    .map_err(app_error)?;
    let plan =
        muster_plan::plan::Plan::from_texts(vec![(PathBuf::from("bench.yaml"), PLAN.to_owned())])
            .map_err(|f| anyhow::anyhow!("bench plan: {f:?}"))?;
    let findings = muster_plan::plan::validate(&plan);
    if !findings.is_empty() {
        bail!("bench plan: {findings:?}");
    }
    app.apply_plan(
        &admin,
        PlanApply {
            catalog: plan.catalog(),
            documents: plan.stored_documents(),
            files: plan.files(),
            secrets: Default::default(),
            dry_run: false,
        },
    )
    .await
    .map_err(app_error)?;
    let (_, key) = app
        .create_integration(
            &admin,
            NewIntegration {
                name: "bench-alertmanager".into(),
                kind: "alertmanager".into(),
                service: Some("bench-svc".into()),
                team: None,
                config: Default::default(),
            },
        )
        .await
        .map_err(app_error)?;
    drop(app);
    drop(opened);
    Ok(Prepared { key, token })
}
