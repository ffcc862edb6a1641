#![no_main]
use libfuzzer_sys::fuzz_target;
use muster_ingest::alertmanager::{Flavour, parse};
use muster_ingest::signature::verify_grafana;

fuzz_target!(|body: &[u8]| {
    let _ = parse(body, Flavour::Grafana);
    let header = std::str::from_utf8(body).ok();
    let _ = verify_grafana(b"secret", body, header, header, 0);
});
