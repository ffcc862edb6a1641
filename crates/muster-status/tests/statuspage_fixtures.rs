//! Statuspage's own documented responses (../shared/fixtures/statuspage)
//! read into muster's shapes and written back with every field they had,
//! under the same names, and every enum word one the core knows. Skipped,
//! with a note, where that folder is not present (a clone elsewhere).

use std::path::{Path, PathBuf};

use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus};
use muster_status::statuspage::{
    ComponentsResponse, Incident, IncidentsResponse, MaintenancesResponse, StatusResponse, Summary,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/statuspage");
    if dir.is_dir() {
        return Some(dir);
    }
    println!(
        "note: {} is not here; the Statuspage fixtures are not checked",
        dir.display()
    );
    None
}

/// Every object key of `theirs` is in `ours` at the same place (ours may
/// add keys; arrays are compared element by element).
fn keys_kept(theirs: &Value, ours: &Value, at: &str) {
    match (theirs, ours) {
        (Value::Object(theirs), Value::Object(ours)) => {
            for (key, value) in theirs {
                let Some(mine) = ours.get(key) else {
                    panic!("{at}.{key} is missing from muster's JSON");
                };
                keys_kept(value, mine, &format!("{at}.{key}"));
            }
        }
        (Value::Array(theirs), Value::Array(ours)) => {
            assert_eq!(theirs.len(), ours.len(), "{at}");
            for (index, (t, o)) in theirs.iter().zip(ours).enumerate() {
                keys_kept(t, o, &format!("{at}[{index}]"));
            }
        }
        _ => {}
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(dir: &Path, file: &str) -> T {
    let text = std::fs::read_to_string(dir.join(file)).expect("a fixture");
    let theirs: Value = serde_json::from_str(&text).expect("JSON");
    let read: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let ours = serde_json::to_value(&read).expect("serialises");
    keys_kept(&theirs, &ours, file);
    read
}

fn words_known(incident: &Incident, maintenance: bool) {
    incident
        .impact
        .parse::<Impact>()
        .unwrap_or_else(|e| panic!("{}: {e}", incident.id));
    if !maintenance {
        incident
            .status
            .parse::<IncidentStatus>()
            .unwrap_or_else(|e| panic!("{}: {e}", incident.id));
    }
}

#[test]
fn statuspages_documented_responses_read_and_write_back_whole() {
    let Some(dir) = fixtures() else {
        return;
    };
    let summary: Summary = round_trip(&dir, "summary.json");
    for component in &summary.components {
        component
            .status
            .parse::<ComponentStatus>()
            .unwrap_or_else(|e| panic!("{}: {e}", component.id));
    }
    summary
        .status
        .indicator
        .parse::<Impact>()
        .expect("indicator");
    for incident in &summary.incidents {
        words_known(incident, false);
    }
    let status: StatusResponse = round_trip(&dir, "status.json");
    assert_eq!(status.status.indicator, "major");
    let components: ComponentsResponse = round_trip(&dir, "components.json");
    assert_eq!(components.components.len(), 2);
    let incidents: IncidentsResponse = round_trip(&dir, "incidents.json");
    for incident in &incidents.incidents {
        words_known(incident, false);
    }
    let maintenances: MaintenancesResponse = round_trip(&dir, "scheduled-maintenances.json");
    for maintenance in &maintenances.scheduled_maintenances {
        words_known(maintenance, true);
        assert!(maintenance.scheduled_for.is_some() && maintenance.scheduled_until.is_some());
    }
}
