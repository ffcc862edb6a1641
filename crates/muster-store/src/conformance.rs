//! The behaviour every backend must show. Each backend's tests expand
//! [`conformance_suite!`](crate::conformance_suite) with a function that makes a
//! fresh, empty store, so SQLite and PostgreSQL run exactly the same cases.

// Test code: a failed expectation should panic with its value.
#![allow(clippy::unwrap_used)]
use std::sync::Arc;

use jiff::Timestamp;
use muster_core::{
    Incident, IncidentChange, IncidentId, IncidentNumber, IncidentStatus, Milestone, Milestones,
    NewTimelineEntry, Participant, RoleCode, SeverityCode, Task, TaskId, TimelineEntryId,
    TimelineEvent, TokenId, User, UserId, UserRole,
};
use uuid::Uuid;

mod alerts;
pub use alerts::*;
mod attach;
pub use attach::*;
mod changes;
pub use changes::*;
mod heartbeats;
pub use heartbeats::*;
mod paging;
pub use paging::*;
mod plan;
pub use plan::*;
mod plan_integrations;
pub use plan_integrations::*;
mod routing;
pub use routing::*;
mod runbooks;
pub use runbooks::*;
mod status_page;
pub use status_page::*;
mod update_reminders;
pub use update_reminders::*;

mod users;

pub use users::{
    deactivation_keeps_the_record_and_the_last_admin, user_profiles_round_trip_with_contact_order,
};

use crate::{
    ApiToken, BootstrapOutcome, CatalogWrite, IncidentFilter, NewSession, Store, StoreError,
};

/// Expands to one `#[tokio::test]` per conformance case, each on a fresh store
/// from `$fresh`: an async fn returning `Option<(Arc<dyn Store>, guard)>`, where
/// `None` skips the case (a backend whose server is not configured here).
#[macro_export]
macro_rules! conformance_suite {
    ($fresh:path) => {
        $crate::conformance_cases!($fresh;
            users_round_trip_and_emails_are_unique,
            api_tokens_are_found_by_digest_until_revoked,
            sessions_expire,
            bootstrap_creates_the_first_admin_once,
            incident_numbers_are_sequential_and_aggregates_round_trip,
            attached_runbooks_survive_changes_in_order,
            stale_versions_conflict_and_write_nothing,
            a_failed_change_leaves_no_trace,
            listing_filters_pages_and_hides_private_incidents,
            timeline_keeps_order_and_pages,
            tasks_use_their_own_versions,
            catalog_change_sets_round_trip,
            catalog_change_sets_are_all_or_nothing,
            catalog_prunes_and_remembers_sources,
            plan_applies_commit_documents_revisions_and_files,
            a_failed_plan_apply_leaves_no_trace,
            review_reminders_are_recorded_once_per_due_date,
            user_profiles_round_trip_with_contact_order,
            deactivation_keeps_the_record_and_the_last_admin,
            pages_round_trip_with_numbers_steps_and_history,
            an_incident_and_its_pages_commit_together,
            due_steps_fire_exactly_once_however_many_race,
            a_firing_leases_what_is_due_and_attempts_record_in_batches,
            acknowledging_cancels_pending_deliveries_once,
            deliveries_are_leased_retried_and_reclaimed,
            overrides_rules_keys_and_engine_leases,
            integrations_are_found_by_key_digest_and_unique_by_name,
            signals_deduplicate_resolve_and_reopen,
            the_alert_list_pages_by_cursor_without_gaps_or_repeats,
            concurrent_repeats_of_a_new_alert_make_one,
            a_caller_that_cannot_be_written_fails_alone_among_concurrent_ones,
            routing_acts_on_each_change_once,
            racing_routers_route_each_alert_once_and_open_one_group,
            silences_round_trip_and_expiring_one_releases_its_alerts,
            attaching_links_groups_under_version_checks,
            a_follow_up_counts_the_other_groups_of_its_incident,
            changes_are_kept_per_service_newest_first,
            heartbeats_keep_the_latest_beat_and_count_them,
            plan_applies_create_update_retire_and_revive_integrations,
            integration_keys_rotate_once_and_never_when_retired,
            step_runs_start_once_and_carry_their_effects,
            update_reminders_are_sent_once,
            public_incidents_round_trip_under_versions_and_bump_the_revision,
            components_and_maintenance_windows_round_trip,
            subscribers_confirm_once_and_leave_by_their_own_token,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some((store, _guard)) = $fresh().await else {
                    return;
                };
                $crate::conformance::$case(store).await;
            }
        )*
    };
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + seconds).expect("valid instant")
}

fn new_id() -> Uuid {
    Uuid::now_v7()
}

async fn user(store: &Arc<dyn Store>, email: &str, role: UserRole) -> User {
    let user = User {
        id: UserId(new_id()),
        email: email.to_owned(),
        name: email.split('@').next().unwrap_or(email).to_owned(),
        role,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: at(0),
        deactivated_at: None,
    };
    store
        .insert_user(&user, Some("$argon2id$fake"))
        .await
        .expect("insert user");
    user
}

fn incident(declared_by: UserId, title: &str) -> Incident {
    Incident {
        id: IncidentId(new_id()),
        number: IncidentNumber::UNASSIGNED,
        title: title.to_owned(),
        description: String::new(),
        impact: String::new(),
        severity: SeverityCode::new("SEV3"),
        drill: false,
        private: false,
        declared_by,
        tags: vec![],
        milestones: Milestones::default()
            .with(Milestone::Started, Some(at(10)))
            .expect("ordered")
            .with(Milestone::Detected, Some(at(10)))
            .expect("ordered"),
        roles: Default::default(),
        participants: vec![Participant {
            user_id: declared_by,
            joined_at: at(10),
        }],
        affected: Default::default(),
        runbooks: Vec::new(),
        version: 1,
        declared_at: at(10),
        updated_at: at(10),
    }
}

fn entry(incident: &Incident, actor: UserId, event: TimelineEvent) -> NewTimelineEntry {
    NewTimelineEntry {
        id: TimelineEntryId(new_id()),
        incident_id: incident.id,
        occurred_at: at(20),
        actor: Some(actor),
        event,
    }
}

async fn declare(store: &Arc<dyn Store>, mut incident: Incident) -> Incident {
    let declared = entry(
        &incident,
        incident.declared_by,
        TimelineEvent::Declared {
            title: incident.title.clone(),
            severity: incident.severity.clone(),
        },
    );
    incident.number = store
        .insert_incident(&incident, &[declared], &[])
        .await
        .expect("insert incident");
    incident
}

pub async fn users_round_trip_and_emails_are_unique(store: Arc<dyn Store>) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let ada = user(&store, "ada@example.com", UserRole::Admin).await;
    assert_eq!(store.find_user(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(
        store.find_user_by_email("ada@example.com").await.unwrap(),
        Some(ada.clone())
    );
    let (found, hash) = store
        .find_credentials("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found, hash.as_deref()),
        (ada.clone(), Some("$argon2id$fake"))
    );
    store
        .set_password_hash(ada.id, "$argon2id$new")
        .await
        .unwrap();
    let (_, hash) = store
        .find_credentials("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash.as_deref(), Some("$argon2id$new"));
    let twin = User {
        id: UserId(new_id()),
        ..ada.clone()
    };
    let error = store.insert_user(&twin, None).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Duplicate { field: "email", .. }),
        "{error:?}"
    );
    assert_eq!(store.count_users().await.unwrap(), 1);
    assert!(store.find_user(UserId(new_id())).await.unwrap().is_none());
    assert!(matches!(
        store.set_password_hash(UserId(new_id()), "x").await,
        Err(StoreError::Missing { .. })
    ));
}

pub async fn api_tokens_are_found_by_digest_until_revoked(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let token = ApiToken {
        id: TokenId(new_id()),
        user_id: ada.id,
        name: "laptop".into(),
        created_at: at(1),
        revoked_at: None,
    };
    let digest = [7u8; 32];
    store.insert_api_token(&token, &digest).await.unwrap();
    let (found, owner) = store.find_api_token(&digest).await.unwrap().unwrap();
    assert_eq!((found, owner.id), (token.clone(), ada.id));
    assert!(store.find_api_token(&[8u8; 32]).await.unwrap().is_none());
    assert_eq!(store.list_api_tokens(Some(ada.id)).await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_api_tokens(Some(UserId(new_id())))
            .await
            .unwrap()
            .len(),
        0
    );
    assert!(store.revoke_api_token(token.id, at(2)).await.unwrap());
    assert!(!store.revoke_api_token(token.id, at(3)).await.unwrap());
    assert!(store.find_api_token(&digest).await.unwrap().is_none());
    let listed = store.find_api_token_by_id(token.id).await.unwrap().unwrap();
    assert_eq!(listed.revoked_at, Some(at(2)));
}

pub async fn sessions_expire(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Viewer).await;
    let session = NewSession {
        digest: [1u8; 32],
        user_id: ada.id,
        csrf_token: "csrf".into(),
        created_at: at(0),
        expires_at: at(100),
    };
    store.insert_session(&session).await.unwrap();
    let (found, owner) = store
        .find_session(&[1u8; 32], at(50))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.csrf_token.as_str(), owner.id), ("csrf", ada.id));
    assert!(
        store
            .find_session(&[1u8; 32], at(100))
            .await
            .unwrap()
            .is_none()
    );
    store.delete_session(&[1u8; 32]).await.unwrap();
    assert!(
        store
            .find_session(&[1u8; 32], at(50))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn bootstrap_creates_the_first_admin_once(store: Arc<dyn Store>) {
    let admin = User {
        id: UserId(new_id()),
        email: "root@example.com".into(),
        name: "Root".into(),
        role: UserRole::Admin,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: at(0),
        deactivated_at: None,
    };
    assert_eq!(
        store
            .consume_bootstrap(&[1u8; 32], &admin, "h")
            .await
            .unwrap(),
        BootstrapOutcome::InvalidSecret
    );
    store.put_bootstrap_digest(&[1u8; 32], at(0)).await.unwrap();
    store.put_bootstrap_digest(&[2u8; 32], at(1)).await.unwrap();
    assert_eq!(
        store
            .consume_bootstrap(&[1u8; 32], &admin, "h")
            .await
            .unwrap(),
        BootstrapOutcome::InvalidSecret,
        "a superseded secret must not work"
    );
    assert_eq!(
        store
            .consume_bootstrap(&[2u8; 32], &admin, "h")
            .await
            .unwrap(),
        BootstrapOutcome::Created
    );
    let second = User {
        id: UserId(new_id()),
        email: "other@example.com".into(),
        ..admin.clone()
    };
    assert_eq!(
        store
            .consume_bootstrap(&[2u8; 32], &second, "h")
            .await
            .unwrap(),
        BootstrapOutcome::AlreadyDone
    );
    assert_eq!(
        store.find_user(admin.id).await.unwrap().unwrap().role,
        UserRole::Admin
    );
}

pub async fn incident_numbers_are_sequential_and_aggregates_round_trip(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let bob = user(&store, "bob@example.com", UserRole::Responder).await;
    let first = declare(&store, incident(ada.id, "First")).await;
    let mut second = incident(ada.id, "Second");
    second.tags = vec!["checkout".into(), "db".into()];
    second.roles.insert(RoleCode::new("commander"), bob.id);
    second.participants.push(Participant {
        user_id: bob.id,
        joined_at: at(11),
    });
    second.private = true;
    second.drill = true;
    second.runbooks = vec![muster_core::runbook::RunbookName::new(
        "sev1 kickoff, \"quoted\"",
    )];
    second.affected = muster_core::catalog::impact::IncidentImpact {
        services: vec![catalog_cases::slug("auth")],
        functionalities: vec![
            (
                catalog_cases::slug("login"),
                muster_core::catalog::Criticality::Hard,
            ),
            (
                catalog_cases::slug("signup"),
                muster_core::catalog::Criticality::Soft,
            ),
        ],
        teams: vec![catalog_cases::slug("identity"), catalog_cases::slug("web")],
    };
    let second = declare(&store, second).await;
    assert_eq!(
        (first.number, second.number),
        (IncidentNumber(1), IncidentNumber(2))
    );
    assert_eq!(
        store.find_incident(second.id).await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(
        store
            .find_incident_by_number(IncidentNumber(1))
            .await
            .unwrap(),
        Some(first)
    );
    assert!(
        store
            .find_incident(IncidentId(new_id()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_incident_by_number(IncidentNumber(99))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn attached_runbooks_survive_changes_in_order(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Logins fail")).await;
    assert!(declared.runbooks.is_empty());
    let change = change_of(&declared, |i| {
        i.severity = SeverityCode::new("SEV1");
        i.runbooks = vec![
            muster_core::runbook::RunbookName::new("login-failures"),
            muster_core::runbook::RunbookName::new("sev1-kickoff"),
        ];
    });
    let entry = entry(
        &declared,
        ada.id,
        TimelineEvent::RunbookAttached {
            runbook: "sev1-kickoff".into(),
            reason: "severity SEV1 is at least SEV1".into(),
            snapshot:
                r#"{"steps":[{"name":"Take command","action":"assign_role","role":"commander"}]}"#
                    .into(),
        },
    );
    store
        .apply_incident_change(&change, std::slice::from_ref(&entry))
        .await
        .unwrap();
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(stored, change.incident);
    let timeline = store.list_timeline(declared.id, None, 10).await.unwrap();
    assert_eq!(timeline.last().map(|e| &e.event), Some(&entry.event));
}

fn change_of(before: &Incident, edit: impl FnOnce(&mut Incident)) -> IncidentChange {
    let mut next = before.clone();
    edit(&mut next);
    next.version = before.version + 1;
    IncidentChange {
        incident: next,
        expected_version: before.version,
        events: vec![],
    }
}

pub async fn stale_versions_conflict_and_write_nothing(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Racy")).await;
    let first = change_of(&declared, |i| {
        i.title = "First writer".into();
        i.milestones = i.milestones.reach(Milestone::Acknowledged, at(30)).unwrap();
    });
    let note = entry(
        &declared,
        ada.id,
        TimelineEvent::Note {
            text: "first".into(),
        },
    );
    store.apply_incident_change(&first, &[note]).await.unwrap();
    let second = change_of(&declared, |i| i.title = "Second writer".into());
    let late = entry(
        &declared,
        ada.id,
        TimelineEvent::Note {
            text: "second".into(),
        },
    );
    let error = store
        .apply_incident_change(&second, &[late])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::VersionConflict {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{error:?}"
    );
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(stored.title, "First writer");
    assert_eq!(stored.status(), IncidentStatus::Acknowledged);
    let texts: Vec<String> = store
        .list_timeline(declared.id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            TimelineEvent::Note { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["first"]);
    let unknown = change_of(&incident(ada.id, "ghost"), |_| {});
    assert!(matches!(
        store.apply_incident_change(&unknown, &[]).await,
        Err(StoreError::Missing { .. })
    ));
}

pub async fn a_failed_change_leaves_no_trace(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Atomic")).await;
    // The role holder does not exist: the whole change, timeline included, must fail.
    let ghost = UserId(new_id());
    let change = change_of(&declared, |i| {
        i.title = "Changed".into();
        i.roles.insert(RoleCode::new("commander"), ghost);
    });
    let event = entry(
        &declared,
        ada.id,
        TimelineEvent::RoleAssigned {
            role: RoleCode::new("commander"),
            user: ghost,
            previous: None,
        },
    );
    assert!(
        store
            .apply_incident_change(&change, &[event])
            .await
            .is_err()
    );
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(stored, declared);
    assert_eq!(
        store
            .list_timeline(declared.id, None, 100)
            .await
            .unwrap()
            .len(),
        1
    );
    // And a later valid change still goes through (no half-open transaction left behind).
    let ok = change_of(&declared, |i| i.title = "Changed".into());
    store.apply_incident_change(&ok, &[]).await.unwrap();
}

pub async fn listing_filters_pages_and_hides_private_incidents(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let bob = user(&store, "bob@example.com", UserRole::Responder).await;
    for n in 0..5 {
        let mut i = incident(ada.id, &format!("Public {n}"));
        i.severity = SeverityCode::new(if n % 2 == 0 { "SEV1" } else { "SEV2" });
        i.tags = if n == 3 { vec!["db".into()] } else { vec![] };
        i.drill = n == 4;
        i.declared_at = at(100 * n);
        declare(&store, i).await;
    }
    let mut secret = incident(ada.id, "Private");
    secret.private = true;
    secret.declared_at = at(1_000);
    let secret = declare(&store, secret).await;

    let list = |filter: IncidentFilter| {
        let store = store.clone();
        async move {
            let page = store.list_incidents(&filter).await.unwrap();
            (
                page.incidents
                    .iter()
                    .map(|i| i.number.0)
                    .collect::<Vec<_>>(),
                page.has_more,
            )
        }
    };
    let all = IncidentFilter {
        limit: 50,
        ..Default::default()
    };
    assert_eq!(list(all.clone()).await, (vec![6, 5, 4, 3, 2, 1], false));
    let as_bob = IncidentFilter {
        visible_to: Some(bob.id),
        ..all.clone()
    };
    assert_eq!(list(as_bob.clone()).await.0, vec![5, 4, 3, 2, 1]);
    let as_ada = IncidentFilter {
        visible_to: Some(ada.id),
        ..all.clone()
    };
    assert_eq!(list(as_ada).await.0, vec![6, 5, 4, 3, 2, 1]);
    let page = IncidentFilter {
        limit: 2,
        ..as_bob.clone()
    };
    assert_eq!(list(page.clone()).await, (vec![5, 4], true));
    let next = IncidentFilter {
        before_number: Some(4),
        ..page
    };
    assert_eq!(list(next.clone()).await, (vec![3, 2], true));
    assert_eq!(
        list(IncidentFilter {
            before_number: Some(2),
            ..next
        })
        .await,
        (vec![1], false)
    );
    let sev1 = IncidentFilter {
        severities: vec!["SEV1".into()],
        ..as_bob.clone()
    };
    assert_eq!(list(sev1).await.0, vec![5, 3, 1]);
    let tagged = IncidentFilter {
        tag: Some("db".into()),
        ..all.clone()
    };
    assert_eq!(list(tagged).await.0, vec![4]);
    let drills = IncidentFilter {
        drill: Some(true),
        ..all.clone()
    };
    assert_eq!(list(drills).await.0, vec![5]);
    let window = IncidentFilter {
        declared_after: Some(at(100)),
        declared_before: Some(at(300)),
        ..all.clone()
    };
    assert_eq!(list(window).await.0, vec![3, 2]);

    let resolved = change_of(&secret, |i| {
        i.milestones = i.milestones.reach(Milestone::Resolved, at(2_000)).unwrap();
    });
    store.apply_incident_change(&resolved, &[]).await.unwrap();
    let by_status = IncidentFilter {
        statuses: vec![IncidentStatus::Resolved],
        ..all
    };
    assert_eq!(list(by_status).await.0, vec![6]);
}

pub async fn timeline_keeps_order_and_pages(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Chatty")).await;
    for n in 0..10 {
        let note = entry(
            &declared,
            ada.id,
            TimelineEvent::Note {
                text: format!("note {n}"),
            },
        );
        store.append_timeline(&[note]).await.unwrap();
    }
    let first = store.list_timeline(declared.id, None, 4).await.unwrap();
    assert_eq!(first.len(), 4);
    assert_eq!(first[0].event.kind(), "declared");
    let rest = store
        .list_timeline(declared.id, Some(first[3].sequence), 100)
        .await
        .unwrap();
    assert_eq!(rest.len(), 7);
    assert_eq!(
        rest.last().unwrap().event,
        TimelineEvent::Note {
            text: "note 9".into()
        }
    );
    let all: Vec<i64> = first.iter().chain(&rest).map(|e| e.sequence).collect();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    let orphan = NewTimelineEntry {
        incident_id: IncidentId(new_id()),
        ..entry(
            &declared,
            ada.id,
            TimelineEvent::Note {
                text: "lost".into(),
            },
        )
    };
    assert!(store.append_timeline(&[orphan]).await.is_err());
}

pub async fn tasks_use_their_own_versions(store: Arc<dyn Store>) {
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    let declared = declare(&store, incident(ada.id, "Tasks")).await;
    let task = Task {
        id: TaskId(new_id()),
        incident_id: declared.id,
        title: "Roll back".into(),
        assignee: None,
        done_at: None,
        created_by: ada.id,
        created_at: at(30),
        version: 1,
    };
    store.insert_task(&task, &[]).await.unwrap();
    let done = Task {
        done_at: Some(at(40)),
        assignee: Some(ada.id),
        version: 2,
        ..task.clone()
    };
    store.apply_task_change(&done, 1, &[]).await.unwrap();
    let stale = Task {
        title: "Stale".into(),
        version: 2,
        ..task.clone()
    };
    assert!(matches!(
        store.apply_task_change(&stale, 1, &[]).await,
        Err(StoreError::VersionConflict { entity: "task", .. })
    ));
    assert_eq!(store.find_task(task.id).await.unwrap(), Some(done.clone()));
    assert_eq!(store.list_tasks(declared.id).await.unwrap(), vec![done]);
    let stored = store.find_incident(declared.id).await.unwrap().unwrap();
    assert_eq!(
        stored.version, 1,
        "tasks must not bump the incident's version"
    );
}

mod catalog_cases {
    use super::*;
    use muster_core::Slug;
    use muster_core::catalog::changes::{CatalogChanges, EntryKind, Prune, diff};
    use muster_core::catalog::{
        Catalog, Criticality, Functionality, Lifecycle, Link, Service, Team, TeamMember,
    };

    pub(super) fn slug(s: &str) -> Slug {
        Slug::parse("slug", s).unwrap()
    }

    pub(super) fn team(name: &str) -> Team {
        Team {
            slug: slug(name),
            name: format!("Team {name}"),
            description: "Owns things".into(),
            contact_channel: format!("#{name}"),
            escalation_policy: Some(slug(&format!("{name}-oncall"))),
            members: vec![
                TeamMember {
                    email: format!("lead@{name}.example"),
                    role: "lead".into(),
                },
                TeamMember {
                    email: format!("dev@{name}.example"),
                    role: "member".into(),
                },
            ],
        }
    }

    pub(super) fn service(name: &str, owner: &str, deps: &[(&str, Criticality)]) -> Service {
        Service {
            slug: slug(name),
            name: name.to_uppercase(),
            description: format!("{name} does things"),
            owner_team: Some(slug(owner)),
            tier: 2,
            lifecycle: Lifecycle::Production,
            kind: "service".into(),
            links: vec![Link {
                title: "Dashboard".into(),
                url: format!("https://grafana.example/{name}"),
            }],
            runbooks: vec![Link {
                title: "Runbook".into(),
                url: format!("https://wiki.example/{name}"),
            }],
            rollback_plan: "kubectl rollout undo".into(),
            tags: vec!["system:shop".into()],
            depends_on: deps.iter().map(|(d, c)| (slug(d), *c)).collect(),
        }
    }

    pub(super) fn shop() -> Catalog {
        Catalog {
            teams: vec![team("payments"), team("platform")],
            services: vec![
                // "api" depends on "db", which sorts (and is written) after it.
                service(
                    "api",
                    "payments",
                    &[("db", Criticality::Hard), ("cache", Criticality::Soft)],
                ),
                service("cache", "platform", &[]),
                service("db", "platform", &[]),
            ],
            functionalities: vec![Functionality {
                slug: slug("checkout"),
                name: "Checkout".into(),
                description: "Paying for the basket".into(),
                aliases: vec!["pay".into(), "can't pay".into()],
                owner_team: Some(slug("payments")),
                services: vec![slug("api")],
            }],
        }
    }

    pub(super) async fn apply(
        store: &Arc<dyn Store>,
        changes: &CatalogChanges,
        source: Option<&str>,
    ) -> Result<(), StoreError> {
        store
            .apply_catalog(&CatalogWrite {
                changes,
                new_users: &[],
                source,
                now: at(1),
            })
            .await
    }

    pub(super) fn sorted(mut catalog: Catalog) -> Catalog {
        catalog.teams.sort_by(|a, b| a.slug.cmp(&b.slug));
        catalog.services.sort_by(|a, b| a.slug.cmp(&b.slug));
        catalog.functionalities.sort_by(|a, b| a.slug.cmp(&b.slug));
        catalog
    }

    pub(super) fn kinds(
        entries: &[(EntryKind, &str)],
    ) -> std::collections::BTreeSet<(EntryKind, Slug)> {
        entries.iter().map(|(k, s)| (*k, slug(s))).collect()
    }

    pub(super) fn prune_all() -> Prune {
        Prune::Everything
    }

    pub(super) fn plan(current: &Catalog, desired: &Catalog, prune: &Prune) -> CatalogChanges {
        diff(current, desired, prune)
    }
}

pub async fn catalog_change_sets_round_trip(store: Arc<dyn Store>) {
    use catalog_cases::*;
    assert_eq!(store.load_catalog().await.unwrap(), Default::default());
    let desired = shop();
    let changes = plan(&Default::default(), &desired, &prune_all());
    apply(&store, &changes, None).await.unwrap();
    assert_eq!(store.load_catalog().await.unwrap(), sorted(desired.clone()));

    // Replace members, links and dependencies; applying again changes nothing.
    let mut edited = desired.clone();
    edited.teams[0].members.pop();
    edited.services[0].depends_on = vec![(slug("cache"), muster_core::catalog::Criticality::Hard)];
    edited.services[0].links.clear();
    edited.functionalities[0].aliases = vec!["checkout".into()];
    let current = store.load_catalog().await.unwrap();
    apply(&store, &plan(&current, &edited, &prune_all()), None)
        .await
        .unwrap();
    let stored = store.load_catalog().await.unwrap();
    assert_eq!(stored, sorted(edited.clone()));
    assert!(plan(&stored, &edited, &prune_all()).is_empty());
}

pub async fn catalog_change_sets_are_all_or_nothing(store: Arc<dyn Store>) {
    use catalog_cases::*;
    let mut broken = shop();
    // The last functionality points at a service nobody defines: the whole set fails.
    broken.functionalities[0].services.push(slug("ghost"));
    let changes = plan(&Default::default(), &broken, &prune_all());
    assert!(apply(&store, &changes, None).await.is_err());
    assert_eq!(
        store.load_catalog().await.unwrap(),
        Default::default(),
        "nothing is half-applied"
    );

    let newcomer = User {
        id: UserId(new_id()),
        email: "new@backstage.example".into(),
        name: "New".into(),
        role: UserRole::Responder,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: at(0),
        deactivated_at: None,
    };
    let existing = user(&store, "old@backstage.example", UserRole::Admin).await;
    let clash = User {
        id: UserId(new_id()),
        role: UserRole::Viewer,
        ..existing.clone()
    };
    let changes = plan(&Default::default(), &shop(), &prune_all());
    store
        .apply_catalog(&CatalogWrite {
            changes: &changes,
            new_users: &[newcomer.clone(), clash],
            source: None,
            now: at(1),
        })
        .await
        .unwrap();
    assert_eq!(store.find_user(newcomer.id).await.unwrap(), Some(newcomer));
    let kept = store
        .find_user_by_email("old@backstage.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.id, kept.role),
        (existing.id, UserRole::Admin),
        "an existing user is left alone"
    );
}

pub async fn catalog_prunes_and_remembers_sources(store: Arc<dyn Store>) {
    use catalog_cases::*;
    use muster_core::catalog::changes::{EntryKind, Prune};
    let handmade = muster_core::catalog::Catalog {
        teams: vec![team("sre")],
        ..Default::default()
    };
    apply(
        &store,
        &plan(&Default::default(), &handmade, &Prune::Nothing),
        None,
    )
    .await
    .unwrap();
    let current = store.load_catalog().await.unwrap();
    let mut imported = shop();
    imported.teams.push(team("sre"));
    apply(
        &store,
        &plan(&current, &imported, &Prune::Nothing),
        Some("backstage:acme"),
    )
    .await
    .unwrap();
    let mine = store
        .catalog_source_entries("backstage:acme")
        .await
        .unwrap();
    assert!(mine.contains(&(EntryKind::Service, slug("db"))));
    assert!(mine.contains(&(EntryKind::Team, slug("payments"))));

    // The source drops "cache" (and api's soft dependency on it): pruning
    // deletes what the source made, and only that.
    let mut smaller = imported.clone();
    smaller.services.retain(|s| s.slug.as_str() != "cache");
    smaller.services[0]
        .depends_on
        .retain(|(d, _)| d.as_str() != "cache");
    smaller.teams.retain(|t| t.slug.as_str() != "sre");
    let current = store.load_catalog().await.unwrap();
    let changes = plan(&current, &smaller, &Prune::Only(mine));
    apply(&store, &changes, Some("backstage:acme"))
        .await
        .unwrap();
    let after = store.load_catalog().await.unwrap();
    assert!(after.service(&slug("cache")).is_none());
    assert!(
        after.team(&slug("sre")).is_some(),
        "sre was made by hand, so this source may not prune it"
    );
    assert_eq!(
        store.catalog_source_entries("nobody").await.unwrap(),
        kinds(&[])
    );
}
