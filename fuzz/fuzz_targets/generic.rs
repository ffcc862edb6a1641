#![no_main]
use libfuzzer_sys::fuzz_target;
use muster_ingest::generic::Mapping;

fuzz_target!(|body: &[u8]| {
    let mapping = Mapping {
        summary: "/title".into(),
        dedup_key: Some("/id".into()),
        status: Some("/state".into()),
        resolved_values: Vec::new(),
        acknowledged_values: Vec::new(),
        severity: Some("/severity".into()),
        source: Some("/host".into()),
        labels: Some("/tags".into()),
        links: Some("/links".into()),
        started_at: Some("/since".into()),
    };
    let _ = mapping.apply(body);
});
