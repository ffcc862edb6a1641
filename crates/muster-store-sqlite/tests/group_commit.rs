//! Group commit must not couple the fate of jobs that share a transaction:
//! a failing job is undone alone, and every other job's write stands.

use std::sync::Arc;

use muster_core::{
    Incident, IncidentId, IncidentNumber, Milestone, Milestones, NewTimelineEntry, Participant,
    RoleCode, SeverityCode, TimelineEntryId, TimelineEvent, Timestamp, User, UserId, UserRole,
};
use muster_store::{Store, StoreError};
use muster_store_sqlite::SqliteStore;
use uuid::Uuid;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + seconds).expect("valid instant")
}

fn note(incident: IncidentId, actor: UserId, text: String) -> NewTimelineEntry {
    NewTimelineEntry {
        id: TimelineEntryId(Uuid::now_v7()),
        incident_id: incident,
        occurred_at: at(1),
        actor: Some(actor),
        event: TimelineEvent::Note { text },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_in_a_batch_are_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("m.db")).await.unwrap());
    let user = User {
        id: UserId(Uuid::now_v7()),
        email: "ada@example.com".into(),
        name: "ada".into(),
        role: UserRole::Responder,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: at(0),
        deactivated_at: None,
    };
    store.insert_user(&user, None).await.unwrap();
    let incident = Incident {
        id: IncidentId(Uuid::now_v7()),
        number: IncidentNumber::UNASSIGNED,
        title: "t".into(),
        description: String::new(),
        impact: String::new(),
        severity: SeverityCode::new("SEV1"),
        drill: false,
        private: false,
        declared_by: user.id,
        tags: vec![],
        milestones: Milestones::default()
            .with(Milestone::Started, Some(at(0)))
            .unwrap(),
        roles: Default::default(),
        participants: vec![Participant {
            user_id: user.id,
            joined_at: at(0),
        }],
        affected: Default::default(),
        runbooks: Vec::new(),
        version: 1,
        declared_at: at(0),
        updated_at: at(0),
    };
    store.insert_incident(&incident, &[], &[]).await.unwrap();

    // Many writers at once, so that jobs share transactions; every fifth one
    // fails (unknown incident), single-statement and multi-statement alike,
    // and so does an incident change that breaks a foreign key half-way.
    let ghost = IncidentId(Uuid::now_v7());
    let writes = (0..200).map(|n| {
        let store = store.clone();
        let incident = incident.clone();
        let user = user.clone();
        tokio::spawn(async move {
            let target = if n % 5 == 0 { ghost } else { incident.id };
            match n % 3 {
                0 => {
                    store
                        .append_timeline(&[note(target, user.id, format!("single {n}"))])
                        .await
                }
                1 => {
                    let pair = [
                        note(target, user.id, format!("pair-a {n}")),
                        note(target, user.id, format!("pair-b {n}")),
                    ];
                    store.append_timeline(&pair).await
                }
                _ if n % 5 == 0 => {
                    let mut next = incident.clone();
                    next.roles
                        .insert(RoleCode::new("commander"), UserId(Uuid::now_v7()));
                    next.version = 2;
                    let change = muster_core::IncidentChange {
                        incident: next,
                        expected_version: 1,
                        events: vec![],
                    };
                    store.apply_incident_change(&change, &[]).await
                }
                _ => {
                    store
                        .append_timeline(&[note(target, user.id, format!("single {n}"))])
                        .await
                }
            }
            .map(|()| n)
        })
    });
    let mut succeeded = Vec::new();
    for write in futures::future::join_all(writes).await {
        match write.unwrap() {
            Ok(n) => succeeded.push(n),
            Err(StoreError::Missing { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert!(succeeded.iter().all(|n| n % 5 != 0));
    assert_eq!(succeeded.len(), 160);
    let entries = store.list_timeline(incident.id, None, 1000).await.unwrap();
    let expected: usize = succeeded
        .iter()
        .map(|n| if n % 3 == 1 { 2 } else { 1 })
        .sum();
    assert_eq!(
        entries.len(),
        expected,
        "every successful write, and nothing of a failed one"
    );
    let stored = store.find_incident(incident.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 1, "the failed change left no trace");
    assert!(stored.roles.is_empty());
}
