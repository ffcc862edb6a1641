//! Races that SQLite's single writer rules out but a PostgreSQL pool allows:
//! the row locks must give the same answers as serial execution.

use std::sync::Arc;

use jiff::Timestamp;
use muster_core::{
    Incident, IncidentId, IncidentNumber, Milestones, SeverityCode, User, UserId, UserRole,
};
use muster_store::{AccountStore, BootstrapOutcome, IncidentStore, Store};
use muster_store_postgres::{PostgresStore, testing};
use uuid::Uuid;

async fn fresh() -> Option<(Arc<PostgresStore>, testing::Guard)> {
    let base = testing::url_from_env()?;
    let (url, guard) = testing::fresh_database(&base).await;
    let store = PostgresStore::connect(&url).await.expect("connect");
    Some((Arc::new(store), guard))
}

fn epoch() -> Timestamp {
    Timestamp::from_second(1_700_000_000).expect("valid instant")
}

fn admin(n: u32) -> User {
    User {
        id: UserId(Uuid::now_v7()),
        email: format!("root{n}@example.com"),
        name: format!("Root {n}"),
        role: UserRole::Admin,
        time_zone: muster_core::user::DEFAULT_TIME_ZONE.to_owned(),
        contact_methods: Vec::new(),
        created_at: epoch(),
        deactivated_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_bootstraps_create_one_admin() {
    let Some((store, _guard)) = fresh().await else {
        return;
    };
    let now = epoch();
    store.put_bootstrap_digest(&[9u8; 32], now).await.unwrap();
    let attempts: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            tokio::spawn(async move { store.consume_bootstrap(&[9u8; 32], &admin(n), "h").await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in attempts {
        outcomes.push(attempt.await.unwrap().unwrap());
    }
    let created = outcomes
        .iter()
        .filter(|o| **o == BootstrapOutcome::Created)
        .count();
    assert_eq!(created, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, BootstrapOutcome::Created | BootstrapOutcome::AlreadyDone)),
        "{outcomes:?}"
    );
    assert_eq!(store.count_users().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_declarations_get_distinct_gapless_numbers() {
    let Some((store, _guard)) = fresh().await else {
        return;
    };
    let author = admin(0);
    store.insert_user(&author, None).await.unwrap();
    let at = epoch();
    let declarations: Vec<_> = (0..20)
        .map(|n| {
            let store = store.clone();
            let incident = Incident {
                id: IncidentId(Uuid::now_v7()),
                number: IncidentNumber::UNASSIGNED,
                title: format!("Race {n}"),
                description: String::new(),
                impact: String::new(),
                severity: SeverityCode::new("SEV3"),
                drill: false,
                private: false,
                declared_by: author.id,
                tags: vec![],
                milestones: Milestones::default(),
                roles: Default::default(),
                participants: vec![],
                affected: Default::default(),
                runbooks: Vec::new(),
                version: 1,
                declared_at: at,
                updated_at: at,
            };
            tokio::spawn(async move { store.insert_incident(&incident, &[], &[]).await })
        })
        .collect();
    let mut numbers = Vec::new();
    for declaration in declarations {
        numbers.push(declaration.await.unwrap().unwrap().0);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<u64>>());
    store.ping().await.unwrap();
}
