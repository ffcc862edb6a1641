//! SQLite runs one engine per file: a second node's claim is refused while
//! the first holds a live lease, even from another process opening the file.

use jiff::{SignedDuration, Timestamp};
use muster_store::{EngineClaim, PagingStore};
use muster_store_sqlite::SqliteStore;

#[tokio::test]
async fn a_second_engine_on_the_same_file_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("muster.db");
    let first = SqliteStore::open(&path).await.expect("open");
    let second = SqliteStore::open(&path).await.expect("open again");
    let now = Timestamp::from_second(1_800_000_000).expect("instant");
    let lease = SignedDuration::from_secs(15);
    assert_eq!(
        first
            .claim_engine("node-a", now, lease)
            .await
            .expect("claim"),
        EngineClaim::Granted
    );
    match second
        .claim_engine("node-b", now, lease)
        .await
        .expect("claim")
    {
        EngineClaim::HeldBy { owner, .. } => assert_eq!(owner, "node-a"),
        EngineClaim::Granted => panic!("two engines on one SQLite file"),
    }
    // The process that holds the file's lock takes over the lease of one
    // that died holding it.
    second
        .take_over_engine("node-c", now, lease)
        .await
        .expect("take over");
    assert!(matches!(
        first.claim_engine("node-a", now, lease).await.expect("claim"),
        EngineClaim::HeldBy { owner, .. } if owner == "node-c"
    ));
    second.release_engine("node-c").await.expect("release");
    assert_eq!(
        second
            .claim_engine("node-b", now, lease)
            .await
            .expect("claim"),
        EngineClaim::Granted,
        "a released lease is free at once"
    );
}
