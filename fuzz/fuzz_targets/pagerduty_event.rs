#![no_main]
use libfuzzer_sys::fuzz_target;
use muster_ingest::pagerduty::{parse_event, peek_routing_key};

fuzz_target!(|body: &[u8]| {
    let _ = peek_routing_key(body);
    let _ = parse_event(body);
});
