#![no_main]
use libfuzzer_sys::fuzz_target;
use muster_ingest::alertmanager::{Flavour, parse};

fuzz_target!(|body: &[u8]| {
    let _ = parse(body, Flavour::Alertmanager);
});
