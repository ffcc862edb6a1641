//! What an apply decides for integrations, from documents as the plan
//! stores them and integrations as the store holds them.

use serde_json::json;

use super::*;

fn document(name: &str, body: serde_json::Value) -> PlanDocument {
    PlanDocument {
        kind: "Integration".into(),
        name: name.into(),
        file: "integrations.yaml".into(),
        body: body.to_string(),
        owner: None,
        review_every: None,
        last_reviewed: None,
    }
}

fn slug(raw: &str) -> Slug {
    Slug::parse("slug", raw).unwrap()
}

fn catalog() -> Catalog {
    let text =
        "kind: Team\nname: storefront\n---\nkind: Service\nname: checkout-api\nowner: storefront\n";
    muster_plan::plan::Plan::from_texts(vec![("catalog.yaml".into(), text.into())])
        .unwrap()
        .catalog()
}

fn stored(name: &str, origin: IntegrationOrigin, config: &str) -> Integration {
    Integration {
        id: IntegrationId(Uuid::now_v7()),
        name: name.into(),
        kind: "grafana".into(),
        service: None,
        team: Some(slug("storefront")),
        key_digest: [1; 32],
        config: config.into(),
        created_at: Timestamp::UNIX_EPOCH,
        created_by: UserId(Uuid::now_v7()),
        origin,
        retired_at: None,
    }
}

fn grafana() -> PlanDocument {
    document(
        "grafana",
        json!({"source": "grafana", "team": "storefront", "signing_secret_env": "GRAFANA_SECRET"}),
    )
}

fn fields(error: AppError) -> Vec<String> {
    match error {
        AppError::Invalid(fields) => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

#[test]
fn the_plans_mapping_keys_are_the_ingest_mappings() {
    let mut written: Vec<&str> = muster_plan::integrations::MAPPING_POINTERS
        .iter()
        .chain(&muster_plan::integrations::MAPPING_LISTS)
        .chain(&muster_plan::integrations::MAPPING_FLAGS)
        .copied()
        .collect();
    written.sort_unstable();
    let value = serde_json::to_value(Mapping::muster_format()).unwrap();
    let mut taken: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    taken.sort_unstable();
    assert_eq!(written, taken);
}

#[test]
fn secrets_come_with_the_plan_or_an_apply_is_refused() {
    let secrets = PlanSecrets::from([("GRAFANA_SECRET".to_owned(), "s3cret".to_owned())]);
    let wanted = desired(&[grafana()], &secrets, true, &catalog()).unwrap();
    assert_eq!(wanted[0].config.signing_secret.as_deref(), Some("s3cret"));
    let refused = desired(&[grafana()], &PlanSecrets::new(), true, &catalog()).unwrap_err();
    assert_eq!(fields(refused), ["Integration grafana.signing_secret_env"]);
    // A dry run without the secret compares it as unchanged.
    let dry = desired(&[grafana()], &PlanSecrets::new(), false, &catalog()).unwrap();
    assert!(dry[0].secret_unknown);
    let current = stored(
        "grafana",
        IntegrationOrigin::Plan,
        r#"{"signing_secret":"s3cret"}"#,
    );
    let planned = changes(std::slice::from_ref(&current), dry).unwrap();
    assert_eq!(planned[0].action, IntegrationAction::Unchanged);
    // Sent, a new secret is an update, named but never shown.
    let other = PlanSecrets::from([("GRAFANA_SECRET".to_owned(), "n3w".to_owned())]);
    let wanted = desired(&[grafana()], &other, true, &catalog()).unwrap();
    let planned = changes(&[current], wanted).unwrap();
    assert_eq!(
        (planned[0].action, planned[0].changed.as_slice()),
        (IntegrationAction::Update, ["signing_secret"].as_slice())
    );
}

#[test]
fn what_the_catalog_lacks_is_refused_by_field() {
    let ghost = document(
        "ghost",
        json!({"source": "alertmanager", "service": "nowhere"}),
    );
    let refused = desired(&[ghost], &PlanSecrets::new(), true, &catalog()).unwrap_err();
    assert_eq!(fields(refused), ["Integration ghost.service"]);
}

#[test]
fn the_plan_creates_updates_retires_and_revives_only_its_own() {
    let am = document(
        "am",
        json!({"source": "alertmanager", "service": "checkout-api"}),
    );
    let beat = document(
        "beat",
        json!({"source": "heartbeat", "team": "storefront", "interval": "1h"}),
    );
    let fresh = document(
        "fresh",
        json!({"source": "pagerduty_events", "team": "storefront"}),
    );
    let wanted = desired(&[am, beat, fresh], &PlanSecrets::new(), true, &catalog()).unwrap();
    let mut retired = stored("beat", IntegrationOrigin::Plan, "{}");
    retired.retired_at = Some(Timestamp::UNIX_EPOCH);
    let current = [
        stored("am", IntegrationOrigin::Plan, "{}"),
        retired,
        stored("by-hand", IntegrationOrigin::Hand, "{}"),
        stored("gone", IntegrationOrigin::Plan, "{}"),
    ];
    let mut planned = changes(&current, wanted).unwrap();
    let summary: Vec<(&str, IntegrationAction, bool)> = planned
        .iter()
        .map(|c| (c.name.as_str(), c.action, c.revived))
        .collect();
    assert_eq!(
        summary,
        [
            ("am", IntegrationAction::Update, false),
            ("beat", IntegrationAction::Create, true),
            ("fresh", IntegrationAction::Create, false),
            ("gone", IntegrationAction::Retire, false),
        ],
        "by-hand is left alone"
    );
    assert_eq!(planned[0].changed, ["kind", "service", "team"]);
    let by = UserId(Uuid::now_v7());
    let written = writes(&mut planned, Timestamp::UNIX_EPOCH, by).unwrap();
    assert_eq!(written.len(), 4);
    assert!(matches!(written[1], IntegrationWrite::Revive { id, .. } if id == current[1].id));
    match &written[2] {
        IntegrationWrite::Insert(new) => {
            assert_eq!(new.origin, IntegrationOrigin::Plan);
            let key = planned[2]
                .key
                .as_deref()
                .expect("a created integration's key");
            assert_eq!(new.key_digest, secrets::digest(key));
        }
        other => panic!("an insert, not {other:?}"),
    }
    assert!(planned[1].key.is_some() && planned[0].key.is_none());
    assert!(matches!(written[3], IntegrationWrite::Retire { id, .. } if id == current[3].id));

    let taken = document(
        "by-hand",
        json!({"source": "alertmanager", "service": "checkout-api"}),
    );
    let wanted = desired(&[taken], &PlanSecrets::new(), true, &catalog()).unwrap();
    let refused = changes(&current, wanted).unwrap_err();
    assert!(
        matches!(
            refused,
            AppError::ConflictOn {
                code: "integration_made_by_hand",
                field: "name",
                ..
            }
        ),
        "{refused:?}"
    );
}
