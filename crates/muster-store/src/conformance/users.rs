//! Conformance cases for user profiles: time zone, ordered contact methods,
//! and deactivation.

use std::sync::Arc;

use muster_core::{ContactKind, ContactMethod, User, UserId, UserRole};

use super::{at, new_id, user};
use crate::{ApiToken, NewSession, Store, StoreError};

fn method(kind: ContactKind, address: &str, label: &str) -> ContactMethod {
    ContactMethod {
        kind,
        address: address.to_owned(),
        label: label.to_owned(),
    }
}

/// Writes `user` over what is stored now (or over itself for an unknown id).
async fn save(store: &Arc<dyn Store>, user: &User) -> Result<(), StoreError> {
    let stored = store.find_user(user.id).await.unwrap();
    store
        .update_user_profile(user, stored.as_ref().unwrap_or(user))
        .await
}

pub async fn user_profiles_round_trip_with_contact_order(store: Arc<dyn Store>) {
    let mut ada = user(&store, "ada@example.com", UserRole::Responder).await;
    assert_eq!(ada.time_zone, "UTC");
    let bob = user(&store, "bob@example.com", UserRole::Viewer).await;

    ada.name = "Ada Lovelace".into();
    ada.email = "ada@lovelace.example".into();
    ada.time_zone = "Europe/London".into();
    ada.contact_methods = vec![
        method(ContactKind::Sms, "+447700900123", "mobile"),
        method(ContactKind::Email, "ada@lovelace.example", ""),
        method(ContactKind::Voice, "+447700900123", "mobile"),
    ];
    save(&store, &ada).await.unwrap();
    assert_eq!(store.find_user(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(
        store
            .find_user_by_email("ada@lovelace.example")
            .await
            .unwrap(),
        Some(ada.clone())
    );
    let (found, hash) = store
        .find_credentials("ada@lovelace.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, ada);
    assert_eq!(
        hash.as_deref(),
        Some("$argon2id$fake"),
        "the password stays"
    );
    assert_eq!(
        store.list_users().await.unwrap(),
        vec![ada.clone(), bob.clone()]
    );

    // Reordering is a change of its own: paging tries methods in this order.
    ada.contact_methods.reverse();
    ada.contact_methods.pop();
    save(&store, &ada).await.unwrap();
    assert_eq!(store.find_user(ada.id).await.unwrap(), Some(ada.clone()));

    // A write based on a profile that changed since it was read is refused.
    let stale = User {
        role: UserRole::Admin,
        ..ada.clone()
    };
    let read_before = User {
        time_zone: "Asia/Tokyo".into(),
        ..ada.clone()
    };
    assert!(matches!(
        store
            .update_user_profile(&stale, &read_before)
            .await
            .unwrap_err(),
        StoreError::VersionConflict { entity: "user", .. }
    ));
    assert_eq!(store.find_user(ada.id).await.unwrap(), Some(ada.clone()));

    // A taken email refuses the whole write, contact methods included.
    let clash = User {
        email: bob.email.clone(),
        contact_methods: vec![],
        ..ada.clone()
    };
    let error = save(&store, &clash).await.unwrap_err();
    assert!(
        matches!(error, StoreError::Duplicate { field: "email", .. }),
        "{error:?}"
    );
    assert_eq!(store.find_user(ada.id).await.unwrap(), Some(ada.clone()));

    let ghost = User {
        id: UserId(new_id()),
        email: "ghost@example.com".into(),
        ..ada.clone()
    };
    assert!(matches!(
        save(&store, &ghost).await.unwrap_err(),
        StoreError::Missing { .. }
    ));

    // A user created with contact methods has them from the start, and the
    // credential lookups carry them too.
    let carol = User {
        id: UserId(new_id()),
        email: "carol@example.com".into(),
        time_zone: "Asia/Tokyo".into(),
        contact_methods: vec![method(ContactKind::Chat, "@carol", "")],
        ..bob.clone()
    };
    store.insert_user(&carol, None).await.unwrap();
    assert_eq!(
        store.find_user(carol.id).await.unwrap(),
        Some(carol.clone())
    );
    store
        .insert_api_token(&token(carol.id), &[7u8; 32])
        .await
        .unwrap();
    let (_, owner) = store.find_api_token(&[7u8; 32]).await.unwrap().unwrap();
    assert_eq!(owner, carol);
    store.insert_session(&session(carol.id, 7)).await.unwrap();
    let (_, owner) = store
        .find_session(&[7u8; 32], at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner, carol);
}

fn token(owner: UserId) -> ApiToken {
    ApiToken {
        id: muster_core::TokenId(new_id()),
        user_id: owner,
        name: "cli".into(),
        created_at: at(0),
        revoked_at: None,
    }
}

fn session(owner: UserId, byte: u8) -> NewSession {
    NewSession {
        digest: [byte; 32],
        user_id: owner,
        csrf_token: "csrf".into(),
        created_at: at(0),
        expires_at: at(3600),
    }
}

pub async fn deactivation_keeps_the_record_and_the_last_admin(store: Arc<dyn Store>) {
    let root = user(&store, "root@example.com", UserRole::Admin).await;
    let ada = user(&store, "ada@example.com", UserRole::Responder).await;
    store.insert_session(&session(ada.id, 1)).await.unwrap();
    store
        .insert_api_token(&token(ada.id), &[2u8; 32])
        .await
        .unwrap();

    assert!(store.deactivate_user(ada.id, at(5)).await.unwrap());
    assert!(
        !store.deactivate_user(ada.id, at(6)).await.unwrap(),
        "already deactivated"
    );
    let gone = store.find_user(ada.id).await.unwrap().unwrap();
    assert_eq!(gone.deactivated_at, Some(at(5)));
    assert!(!gone.is_active());
    assert!(
        store.list_users().await.unwrap().contains(&gone),
        "deactivated users are still listed"
    );
    assert_eq!(
        store.find_session(&[1u8; 32], at(1)).await.unwrap(),
        None,
        "sessions end with the account"
    );
    let (_, owner) = store.find_api_token(&[2u8; 32]).await.unwrap().unwrap();
    assert_eq!(
        owner.deactivated_at,
        Some(at(5)),
        "tokens show the owner is deactivated, so they can be refused"
    );

    // The only active admin can be neither deactivated nor demoted.
    assert!(matches!(
        store.deactivate_user(root.id, at(7)).await.unwrap_err(),
        StoreError::LastAdmin
    ));
    let demoted = User {
        role: UserRole::Responder,
        ..root.clone()
    };
    assert!(matches!(
        save(&store, &demoted).await.unwrap_err(),
        StoreError::LastAdmin
    ));
    assert_eq!(store.find_user(root.id).await.unwrap(), Some(root.clone()));

    // With a second admin, one may go; then the other is the last again.
    let second = user(&store, "second@example.com", UserRole::Admin).await;
    assert!(store.deactivate_user(root.id, at(8)).await.unwrap());
    assert!(matches!(
        store.deactivate_user(second.id, at(9)).await.unwrap_err(),
        StoreError::LastAdmin
    ));
    assert!(matches!(
        store
            .deactivate_user(UserId(new_id()), at(9))
            .await
            .unwrap_err(),
        StoreError::Missing { .. }
    ));
}
