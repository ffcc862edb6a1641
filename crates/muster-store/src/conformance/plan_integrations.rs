//! Conformance cases of integrations a plan owns: an apply creates, updates,
//! retires and revives them in its own transaction, never touches one made
//! by hand, and a retired or rotated key finds nothing.

use std::sync::Arc;

use muster_core::alert::SignalAction;
use muster_core::catalog::changes::CatalogChanges;
use muster_core::plan::{PlanDocument, diff_documents};
use muster_core::{Slug, UserId, UserRole};

use super::alerts::{decider, integration, signal};
use super::{at, user};
use crate::alerts::{
    AlertFilter, Integration, IntegrationOrigin, IntegrationSettings, IntegrationWrite,
};
use crate::{CatalogWrite, PlanWrite, Store, StoreError};

fn planned(created_by: UserId, name: &str, digest: u8) -> Integration {
    Integration {
        origin: IntegrationOrigin::Plan,
        ..integration(created_by, name, digest)
    }
}

fn settings(kind: &str, team: &str, config: &str) -> IntegrationSettings {
    IntegrationSettings {
        kind: kind.to_owned(),
        service: None,
        team: Some(Slug::parse("team", team).unwrap()),
        config: config.to_owned(),
    }
}

async fn apply(
    store: &Arc<dyn Store>,
    by: UserId,
    documents: &[PlanDocument],
    writes: &[IntegrationWrite],
    now: i64,
) -> Result<i64, StoreError> {
    let expected_revision = store
        .latest_plan_revision()
        .await
        .unwrap()
        .map_or(0, |r| r.number);
    let stored = store.load_plan_documents().await.unwrap();
    store
        .apply_plan(&PlanWrite {
            catalog: CatalogWrite {
                changes: &CatalogChanges::default(),
                new_users: &[],
                source: Some("plan"),
                now: at(now),
            },
            documents: &diff_documents(&stored, documents),
            integrations: writes,
            applied_by: by,
            summary: "integrations",
            files: &[],
            expected_revision,
        })
        .await
}

fn document(name: &str) -> PlanDocument {
    PlanDocument {
        kind: "Integration".into(),
        name: name.into(),
        file: "integrations.yaml".into(),
        body: r#"{"source":"alertmanager","team":"platform"}"#.into(),
        owner: None,
        review_every: None,
        last_reviewed: None,
    }
}

async fn named(store: &Arc<dyn Store>, name: &str) -> Integration {
    store
        .integrations()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("{name} is stored"))
}

pub async fn plan_applies_create_update_retire_and_revive_integrations(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let by_hand = integration(admin.id, "by-hand", 9);
    store.insert_integration(&by_hand).await.unwrap();

    // Revision 1 creates two.
    let am = planned(admin.id, "plan-am", 1);
    let beat = Integration {
        kind: "heartbeat".into(),
        config: r#"{"interval_seconds":60,"grace_seconds":6}"#.into(),
        ..planned(admin.id, "plan-beat", 2)
    };
    let documents = [document("plan-am"), document("plan-beat")];
    let writes = [
        IntegrationWrite::Insert(am.clone()),
        IntegrationWrite::Insert(beat.clone()),
    ];
    assert_eq!(
        apply(&store, admin.id, &documents, &writes, 10)
            .await
            .unwrap(),
        1
    );
    assert_eq!(named(&store, "plan-am").await, am);
    assert_eq!(
        store.integration_by_digest(&[2; 32]).await.unwrap(),
        Some(beat.clone())
    );
    store.record_heartbeat(beat.id, at(20)).await.unwrap();
    store
        .receive_signals(
            beat.id,
            vec![signal(
                SignalAction::Trigger,
                "heartbeat:plan-beat",
                "silent",
            )],
            decider(beat.id, 30),
        )
        .await
        .unwrap();

    // Revision 2 rebinds one (its key stays) and retires the other (its key
    // finds nothing; the row and its alerts stay).
    let rebound = settings("grafana", "storefront", r#"{"timestamp_header":"X-Ts"}"#);
    let writes = [
        IntegrationWrite::Update {
            id: am.id,
            settings: rebound.clone(),
        },
        IntegrationWrite::Retire {
            id: beat.id,
            at: at(40),
        },
    ];
    assert_eq!(
        apply(&store, admin.id, &documents[..1], &writes, 40)
            .await
            .unwrap(),
        2
    );
    let updated = store
        .integration_by_digest(&[1; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            updated.kind.as_str(),
            updated.team.as_ref().map(Slug::as_str),
            updated.service,
            updated.config.as_str()
        ),
        (
            "grafana",
            Some("storefront"),
            None,
            r#"{"timestamp_header":"X-Ts"}"#
        )
    );
    assert_eq!(store.integration_by_digest(&[2; 32]).await.unwrap(), None);
    let retired = named(&store, "plan-beat").await;
    assert_eq!(retired.retired_at, Some(at(40)));
    let kept = store
        .alerts(&AlertFilter {
            integration: Some(beat.id),
            limit: 10,
            ..AlertFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "a retired integration's alerts stay");

    // An apply whose writes find a row otherwise than it saw (a hand-made
    // one, a retired one) writes nothing at all: not even what came first.
    for stale in [
        IntegrationWrite::Update {
            id: by_hand.id,
            settings: rebound.clone(),
        },
        IntegrationWrite::Retire {
            id: beat.id,
            at: at(50),
        },
        IntegrationWrite::Update {
            id: beat.id,
            settings: rebound.clone(),
        },
    ] {
        let writes = [
            IntegrationWrite::Retire {
                id: am.id,
                at: at(50),
            },
            stale,
        ];
        let refused = apply(&store, admin.id, &[], &writes, 50).await;
        assert!(
            matches!(refused, Err(StoreError::VersionConflict { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(named(&store, "plan-am").await.retired_at, None);
    assert_eq!(named(&store, "by-hand").await, by_hand);
    assert_eq!(store.load_plan_documents().await.unwrap(), documents[..1]);
    assert_eq!(
        store.latest_plan_revision().await.unwrap().unwrap().number,
        2
    );

    // Declared again: a new key, counted as made now, its old beats forgotten.
    let writes = [IntegrationWrite::Revive {
        id: beat.id,
        settings: IntegrationSettings {
            kind: "heartbeat".into(),
            service: beat.service.clone(),
            team: None,
            config: beat.config.clone(),
        },
        key_digest: [3; 32],
        at: at(60),
        by: admin.id,
    }];
    assert_eq!(
        apply(&store, admin.id, &documents, &writes, 60)
            .await
            .unwrap(),
        3
    );
    let revived = store
        .integration_by_digest(&[3; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((revived.id, revived.created_at), (beat.id, at(60)));
    assert_eq!(revived.retired_at, None);
    assert_eq!(store.integration_by_digest(&[2; 32]).await.unwrap(), None);
    assert!(
        store
            .heartbeats()
            .await
            .unwrap()
            .iter()
            .all(|h| h.integration != beat.id),
        "its silence counts from its return"
    );

    // A plan's new integration cannot take a name in use.
    let taken = [IntegrationWrite::Insert(planned(admin.id, "by-hand", 4))];
    let refused = apply(&store, admin.id, &[], &taken, 70).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate { field: "name", .. })),
        "{refused:?}"
    );
}

pub async fn integration_keys_rotate_once_and_never_when_retired(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "prometheus", 1);
    store.insert_integration(&source).await.unwrap();
    assert!(
        store
            .rotate_integration_key(source.id, &[1; 32], &[2; 32])
            .await
            .unwrap()
    );
    assert_eq!(store.integration_by_digest(&[1; 32]).await.unwrap(), None);
    let rotated = store
        .integration_by_digest(&[2; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rotated.id, rotated.name.as_str()),
        (source.id, "prometheus")
    );
    // A second rotation from the old key lost the race: nothing written.
    assert!(
        !store
            .rotate_integration_key(source.id, &[1; 32], &[3; 32])
            .await
            .unwrap()
    );
    assert_eq!(store.integration_by_digest(&[3; 32]).await.unwrap(), None);

    let planned_one = planned(admin.id, "plan-am", 4);
    apply(
        &store,
        admin.id,
        &[],
        &[IntegrationWrite::Insert(planned_one.clone())],
        10,
    )
    .await
    .unwrap();
    apply(
        &store,
        admin.id,
        &[],
        &[IntegrationWrite::Retire {
            id: planned_one.id,
            at: at(20),
        }],
        20,
    )
    .await
    .unwrap();
    assert!(
        !store
            .rotate_integration_key(planned_one.id, &[4; 32], &[5; 32])
            .await
            .unwrap(),
        "a retired integration gets no new key"
    );
    assert_eq!(store.integration_by_digest(&[5; 32]).await.unwrap(), None);
}
