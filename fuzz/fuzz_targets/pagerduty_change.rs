#![no_main]
use libfuzzer_sys::fuzz_target;
use muster_ingest::pagerduty::parse_change;

fuzz_target!(|body: &[u8]| {
    let _ = parse_change(body);
});
