//! No input makes a parser panic: random bytes, random JSON, and real
//! payloads cut or mutated at random. Every outcome is a signal or an error
//! naming a field. (`cargo fuzz` targets explore the same further, outside CI.)

use muster_ingest::alertmanager::{self, Flavour};
use muster_ingest::generic::Mapping;
use muster_ingest::{pagerduty, signature};
use proptest::prelude::*;

const AM: &str = r#"{"receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"A","severity":"page"},"annotations":{"summary":"s"},"startsAt":"2026-11-26T17:06:35Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://g","fingerprint":"f1"}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","version":"4","groupKey":"{}:{}","truncatedAlerts":0}"#;
const PD: &str = r#"{"routing_key":"0123456789abcdef0123456789abcdef","event_action":"trigger","dedup_key":"k","payload":{"summary":"s","source":"h","severity":"info","timestamp":"2026-11-30T10:00:00.250+0000","custom_details":{"a":[1,{"b":null}]}},"links":[{"href":"http://x"}],"images":[{"src":"http://i"}]}"#;

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("version".to_owned()),
                    Just("alerts".to_owned()),
                    Just("status".to_owned()),
                    Just("fingerprint".to_owned()),
                    Just("labels".to_owned()),
                    Just("payload".to_owned()),
                    Just("routing_key".to_owned()),
                    Just("event_action".to_owned()),
                    Just("dedup_key".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mapping() -> Mapping {
    Mapping {
        summary: "/a".into(),
        dedup_key: Some("/b/0".into()),
        dedup_key_optional: false,
        status: Some("/status".into()),
        resolved_values: Vec::new(),
        acknowledged_values: Vec::new(),
        severity: Some("/labels".into()),
        source: Some("/payload".into()),
        labels: Some("/labels".into()),
        links: Some("/alerts".into()),
        started_at: Some("/version".into()),
    }
}

fn every_parser(body: &[u8]) {
    let _ = alertmanager::parse(body, Flavour::Alertmanager);
    let _ = alertmanager::parse(body, Flavour::Grafana);
    let _ = pagerduty::parse_event(body);
    let _ = pagerduty::parse_change(body);
    let _ = pagerduty::peek_routing_key(body);
    let _ = mapping().apply(body);
    let _ = Mapping::muster_format().apply(body);
    let _ = signature::verify_grafana(b"k", body, std::str::from_utf8(body).ok(), Some("1"), 1);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = muster_ingest::parse_time("t", text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        every_parser(&body);
    }

    #[test]
    fn random_json(value in json()) {
        every_parser(value.to_string().as_bytes());
    }

    #[test]
    fn real_payloads_cut_short(cut in 0usize..PD.len().max(AM.len())) {
        every_parser(&AM.as_bytes()[..cut.min(AM.len())]);
        every_parser(&PD.as_bytes()[..cut.min(PD.len())]);
    }

    #[test]
    fn real_payloads_with_a_byte_changed(at in 0usize..AM.len(), byte in any::<u8>()) {
        let mut am = AM.as_bytes().to_vec();
        am[at] = byte;
        every_parser(&am);
        let mut pd = PD.as_bytes().to_vec();
        pd[at % PD.len()] = byte;
        every_parser(&pd);
    }

    #[test]
    fn times_of_any_text(text in "\\PC{0,40}") {
        let _ = muster_ingest::parse_time("t", &text);
    }
}

#[test]
fn the_sample_payloads_parse() {
    assert_eq!(
        alertmanager::parse(AM.as_bytes(), Flavour::Alertmanager).map(|s| s.len()),
        Ok(1)
    );
    assert!(pagerduty::parse_event(PD.as_bytes()).is_ok());
}
