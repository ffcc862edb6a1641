//! Conformance case of change events: stored whole, listed newest first,
//! by service and since an instant.

use std::sync::Arc;

use muster_core::alert::AlertLink;
use muster_core::{Slug, UserRole};

use super::alerts::integration;
use super::{at, new_id, user};
use crate::Store;
use crate::changes::{Change, ChangeFilter};

pub async fn changes_are_kept_per_service_newest_first(store: Arc<dyn Store>) {
    let admin = user(&store, "ada@example.com", UserRole::Admin).await;
    let source = integration(admin.id, "deploys", 1);
    store.insert_integration(&source).await.unwrap();
    let change = |service: &str, n: i64| Change {
        id: new_id(),
        integration: source.id,
        service: Some(Slug::parse("service", service).unwrap()),
        team: None,
        summary: format!("Deployed {service} v{n}"),
        source: "ci".into(),
        happened_at: at(n),
        details: r#"{"build":"220"}"#.into(),
        links: vec![AlertLink {
            href: "https://ci.example/220".into(),
            text: "Build".into(),
        }],
        received_at: at(n + 1),
    };
    let first = change("checkout-api", 10);
    store.insert_change(&first).await.unwrap();
    store
        .insert_change(&change("checkout-api", 20))
        .await
        .unwrap();
    store
        .insert_change(&change("search-api", 30))
        .await
        .unwrap();
    let all = store
        .changes(&ChangeFilter {
            limit: 10,
            ..ChangeFilter::default()
        })
        .await
        .unwrap();
    let summaries: Vec<&str> = all.iter().map(|c| c.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Deployed search-api v30",
            "Deployed checkout-api v20",
            "Deployed checkout-api v10"
        ]
    );
    assert_eq!(all[2], first);
    let checkout = store
        .changes(&ChangeFilter {
            service: Some(Slug::parse("service", "checkout-api").unwrap()),
            since: Some(at(15)),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(checkout.len(), 1);
    assert_eq!(checkout[0].summary, "Deployed checkout-api v20");
}
