//! Conformance case of heartbeats: a beat is counted and kept as the last
//! one unless a later one is already stored, and a beat of an integration
//! that does not exist is refused.

use std::sync::Arc;

use muster_core::{IntegrationId, UserRole};

use super::alerts::integration;
use super::{at, new_id, user};
use crate::heartbeats::Heartbeat;
use crate::{Store, StoreError};

pub async fn heartbeats_keep_the_latest_beat_and_count_them(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let backup = heartbeat_integration(admin.id, "backup", 1);
    let nightly = heartbeat_integration(admin.id, "nightly", 2);
    store.insert_integration(&backup).await.unwrap();
    store.insert_integration(&nightly).await.unwrap();
    assert_eq!(store.heartbeats().await.unwrap(), []);

    let first = store.record_heartbeat(backup.id, at(10)).await.unwrap();
    assert_eq!(
        first,
        Heartbeat {
            integration: backup.id,
            last_beat_at: at(10),
            beats: 1
        }
    );
    // A beat that arrives late (an older one) counts but does not move the
    // last beat back.
    let late = store.record_heartbeat(backup.id, at(5)).await.unwrap();
    assert_eq!((late.last_beat_at, late.beats), (at(10), 2));
    let next = store.record_heartbeat(backup.id, at(70)).await.unwrap();
    assert_eq!((next.last_beat_at, next.beats), (at(70), 3));
    store.record_heartbeat(nightly.id, at(20)).await.unwrap();

    let mut all = store.heartbeats().await.unwrap();
    all.sort_by_key(|h| h.last_beat_at);
    assert_eq!(
        all,
        [
            Heartbeat {
                integration: nightly.id,
                last_beat_at: at(20),
                beats: 1
            },
            Heartbeat {
                integration: backup.id,
                last_beat_at: at(70),
                beats: 3
            }
        ]
    );

    let nobody = store
        .record_heartbeat(IntegrationId(new_id()), at(30))
        .await;
    assert!(
        matches!(nobody, Err(StoreError::Missing { .. })),
        "{nobody:?}"
    );
    assert_eq!(store.heartbeats().await.unwrap().len(), 2);
}

fn heartbeat_integration(
    created_by: muster_core::UserId,
    name: &str,
    digest: u8,
) -> crate::alerts::Integration {
    crate::alerts::Integration {
        kind: "heartbeat".to_owned(),
        config: r#"{"interval_seconds":60,"grace_seconds":10}"#.to_owned(),
        ..integration(created_by, name, digest)
    }
}
