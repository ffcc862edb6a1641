//! The reader of Integration documents: what each source takes, and every
//! problem with its path.

use super::*;

fn doc(name: &str, body: serde_json::Value) -> PlanDocument {
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

fn paths(reading: Reading) -> Vec<(String, &'static str)> {
    match reading.result {
        Ok(found) => panic!("refused: {found:?}"),
        Err(issues) => issues
            .into_iter()
            .map(|i| (i.path.to_string(), i.rule))
            .collect(),
    }
}

#[test]
fn durations_read_as_the_cli_takes_them() {
    assert_eq!(seconds("90s"), Some(90));
    assert_eq!(seconds("1h 30m"), Some(5_400));
    assert_eq!(seconds("1d"), Some(86_400));
    assert_eq!(seconds("2w"), Some(1_209_600));
    for bad in ["", "5", "5x", "m", "1.5h", "99999999999999999999s"] {
        assert_eq!(seconds(bad), None, "{bad}");
    }
}

#[test]
fn each_source_takes_its_own_settings() {
    let plan = integrations(&[
        doc(
            "nightly-backup",
            serde_json::json!({"source": "heartbeat", "team": "platform", "interval": "1d", "grace": "1h"}),
        ),
        doc(
            "uptime",
            serde_json::json!({"source": "generic", "service": "checkout-api",
                "mapping": {"summary": "/check/title", "resolved_values": ["up"], "dedup_key_optional": true}}),
        ),
        doc(
            "grafana",
            serde_json::json!({"source": "grafana", "team": "storefront",
                "signing_secret_env": "GRAFANA_SIGNING_SECRET", "timestamp_header": "X-Grafana-Alerting-Timestamp"}),
        ),
    ]);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let names: Vec<&str> = plan.integrations.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["grafana", "nightly-backup", "uptime"]);
    let beat = &plan.integrations[1];
    assert_eq!(
        (beat.interval_seconds, beat.grace_seconds),
        (Some(86_400), Some(3_600))
    );
    assert_eq!(beat.team.as_ref().map(Slug::as_str), Some("platform"));
    assert_eq!(
        plan.integrations[0].signing_secret_env.as_deref(),
        Some("GRAFANA_SIGNING_SECRET")
    );
    let mapping = plan.integrations[2].mapping.as_ref().expect("a mapping");
    assert_eq!(mapping["summary"], "/check/title");
}

#[test]
fn bad_documents_are_refused_with_the_path_of_each_problem() {
    let reading = read(&doc(
        "Bad Name",
        serde_json::json!({"source": "nagios", "service": "a", "team": "b", "signing_secret": "hunter2", "colour": "red"}),
    ));
    assert_eq!(
        paths(reading),
        [
            ("signing_secret".to_owned(), rules::INLINE_SECRET),
            ("colour".to_owned(), rules::INVALID_FIELD),
            ("name".to_owned(), rules::INVALID_FIELD),
            ("source".to_owned(), rules::INVALID_FIELD),
            ("team".to_owned(), rules::INVALID_FIELD),
        ]
    );
    let reading = read(&doc(
        "x",
        serde_json::json!({"source": "heartbeat", "service": "a", "grace": "soon", "mapping": {"summary": "/s"}}),
    ));
    assert_eq!(
        paths(reading),
        [
            ("mapping".to_owned(), rules::INVALID_FIELD),
            ("grace".to_owned(), rules::INVALID_DURATION),
        ]
    );
    let reading = read(&doc(
        "x",
        serde_json::json!({"source": "heartbeat", "service": "a", "interval": "1s"}),
    ));
    assert_eq!(
        paths(reading),
        [("interval".to_owned(), rules::INVALID_FIELD)]
    );
    let reading = read(&doc(
        "x",
        serde_json::json!({"source": "generic", "service": "a",
            "mapping": {"summary": "title", "dedup": "/id", "resolved_values": [1]}}),
    ));
    assert_eq!(
        paths(reading),
        [
            ("mapping.summary".to_owned(), rules::INVALID_FIELD),
            ("mapping.dedup".to_owned(), rules::INVALID_FIELD),
            (
                "mapping.resolved_values[0]".to_owned(),
                rules::INVALID_FIELD
            ),
        ]
    );
    let reading = read(&doc(
        "x",
        serde_json::json!({"source": "grafana", "service": "a",
            "signing_secret_env": "not a name!", "timestamp_header": "X-Ts"}),
    ));
    assert_eq!(
        paths(reading),
        [("signing_secret_env".to_owned(), rules::INVALID_FIELD)]
    );
    let reading = read(&doc(
        "x",
        serde_json::json!({"source": "grafana", "service": "a", "timestamp_header": "X-Ts"}),
    ));
    assert_eq!(
        paths(reading),
        [("timestamp_header".to_owned(), rules::INVALID_FIELD)]
    );
}
