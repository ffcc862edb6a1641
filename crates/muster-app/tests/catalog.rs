//! Catalog use cases over a real SQLite store.

use std::sync::Arc;

use muster_app::catalog::{Sync, SyncPrune};
use muster_app::{App, AppError, Settings, SystemClock};
use muster_core::catalog::changes::{ChangeKind, EntryKind};
use muster_core::catalog::{Catalog, Criticality, Functionality, Lifecycle, Service, Team};
use muster_core::{Actor, Slug, UserId, UserRole};
use muster_store_sqlite::SqliteStore;
use uuid::Uuid;

fn slug(s: &str) -> Slug {
    Slug::parse("slug", s).expect("valid slug")
}

fn team(name: &str) -> Team {
    Team {
        slug: slug(name),
        name: name.into(),
        description: String::new(),
        contact_channel: String::new(),
        escalation_policy: None,
        members: vec![],
    }
}

fn service(name: &str, owner: &str, deps: &[&str]) -> Service {
    Service {
        slug: slug(name),
        name: name.into(),
        description: String::new(),
        owner_team: Some(slug(owner)),
        tier: 1,
        lifecycle: Lifecycle::Production,
        kind: "service".into(),
        links: vec![],
        runbooks: vec![],
        rollback_plan: String::new(),
        tags: vec![],
        depends_on: deps.iter().map(|d| (slug(d), Criticality::Hard)).collect(),
    }
}

async fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(dir.path().join("m.db"))
        .await
        .expect("open store");
    (
        App::new(Arc::new(store), Arc::new(SystemClock), Settings::default()),
        dir,
    )
}

fn actor(role: UserRole) -> Actor {
    Actor {
        user_id: UserId(Uuid::now_v7()),
        role,
    }
}

#[tokio::test]
async fn edits_keep_the_catalog_sound() {
    let (app, _dir) = app().await;
    let responder = actor(UserRole::Responder);
    let error = app
        .put_service(&responder, service("api", "payments", &[]))
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = error else {
        panic!("expected invalid")
    };
    assert_eq!(fields[0].field, "services[api].owner_team");

    app.put_team(&responder, team("payments")).await.unwrap();
    app.put_service(&responder, service("db", "payments", &[]))
        .await
        .unwrap();
    app.put_service(&responder, service("api", "payments", &["db"]))
        .await
        .unwrap();
    let checkout = Functionality {
        slug: slug("checkout"),
        name: "Checkout".into(),
        description: "Paying".into(),
        aliases: vec![],
        owner_team: Some(slug("payments")),
        services: vec![slug("api")],
    };
    app.put_functionality(&responder, checkout).await.unwrap();

    let radius = app.blast_radius(&responder, &slug("db")).await.unwrap();
    assert_eq!(radius.services[0].slug, slug("api"));
    assert_eq!(radius.functionalities[0].slug, slug("checkout"));
    let backing = app.backing(&responder, &slug("checkout")).await.unwrap();
    assert_eq!(backing.services.len(), 2);

    let refused = app
        .delete_catalog_entry(&responder, EntryKind::Service, &slug("db"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            AppError::Conflict {
                code: "still_referenced",
                ..
            }
        ),
        "{refused:?}"
    );
    let refused = app
        .delete_catalog_entry(&responder, EntryKind::Team, &slug("payments"))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("services[api].owner_team"),
        "{refused}"
    );
    assert!(matches!(
        app.delete_catalog_entry(&responder, EntryKind::Team, &slug("nobody"))
            .await,
        Err(AppError::NotFound { .. })
    ));

    let viewer = actor(UserRole::Viewer);
    assert!(matches!(
        app.put_team(&viewer, team("x")).await,
        Err(AppError::Forbidden(_))
    ));
    assert_eq!(app.catalog(&viewer).await.unwrap().services.len(), 2);
}

#[tokio::test]
async fn a_dry_run_plans_without_writing_and_a_sync_prunes_only_its_own() {
    let (app, _dir) = app().await;
    let admin = actor(UserRole::Admin);
    app.put_team(&admin, team("handmade")).await.unwrap();
    let desired = Catalog {
        teams: vec![team("payments")],
        services: vec![service("api", "payments", &[])],
        functionalities: vec![],
    };
    let sync = |desired: Catalog, dry_run: bool| Sync {
        desired,
        prune: SyncPrune::OwnEntries,
        source: Some("backstage:test".into()),
        people: vec![],
        dry_run,
    };
    let plan = app
        .sync_catalog(&admin, sync(desired.clone(), true))
        .await
        .unwrap();
    assert_eq!(plan.services[0].kind, ChangeKind::Create);
    assert!(
        app.catalog(&admin).await.unwrap().services.is_empty(),
        "a dry run writes nothing"
    );

    app.sync_catalog(&admin, sync(desired.clone(), false))
        .await
        .unwrap();
    let again = app
        .sync_catalog(&admin, sync(desired, false))
        .await
        .unwrap();
    assert!(again.is_empty(), "re-importing changes nothing");
    let handmade = again
        .teams
        .iter()
        .find(|c| c.slug == slug("handmade"))
        .unwrap();
    assert_eq!(
        handmade.kind,
        ChangeKind::WouldDelete,
        "not this source's to delete"
    );

    let emptied = app
        .sync_catalog(&admin, sync(Catalog::default(), false))
        .await
        .unwrap();
    let kinds: Vec<ChangeKind> = emptied.teams.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&ChangeKind::Delete) && kinds.contains(&ChangeKind::WouldDelete));
    let left = app.catalog(&admin).await.unwrap();
    assert_eq!(left.teams.len(), 1);
    assert!(left.services.is_empty());
}
