//! The whole site rendered from a projection: every page, document and feed
//! is there; the JSON reads back as Statuspage's shapes and carries every
//! field a Statuspage consumer reads in Statuspage's own documented
//! responses (../shared/fixtures/statuspage, when present); customers' words
//! are escaped; and the bytes, hence the ETags, change only when the page
//! does.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use muster_core::status_page::maintenance::{Maintenance, MaintenanceUpdate, Told};
use muster_core::status_page::projection::{PageComponent, Projection};
use muster_core::status_page::publication::{AffectedComponent, PublicIncident, PublicUpdate};
use muster_core::status_page::{ComponentStatus, Impact, IncidentStatus, MaintenanceStatus};
use muster_core::{IncidentId, MaintenanceId, PublicIncidentId, PublicUpdateId, UserId};
use muster_status::statuspage::{
    ComponentsResponse, IncidentsResponse, MaintenancesResponse, StatusResponse, Summary,
};
use muster_status::{PageConfig, Site};
use serde_json::Value;
use uuid::Uuid;

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap() + SignedDuration::from_mins(minutes)
}

fn component(name: &str, title: &str, group: Option<&str>) -> PageComponent {
    PageComponent {
        name: name.into(),
        title: title.into(),
        description: Some(format!("{title} for customers")),
        group: group.map(str::to_owned),
        set_by_hand: None,
        verified_at: Some(at(0)),
        updated_at: Some(at(0)),
    }
}

fn update(
    n: u128,
    status: IncidentStatus,
    minutes: i64,
    components: &[(&str, ComponentStatus)],
) -> PublicUpdate {
    PublicUpdate {
        id: PublicUpdateId(Uuid::from_u128(n)),
        status,
        body: format!("Update {n}: <b>bold</b> & \"quoted\"\n\nSecond paragraph."),
        components: components
            .iter()
            .map(|(c, s)| AffectedComponent {
                component: (*c).into(),
                status: *s,
            })
            .collect(),
        at: at(minutes),
        by: UserId(Uuid::from_u128(9)),
    }
}

fn projection() -> Projection {
    use ComponentStatus::*;
    Projection {
        components: vec![
            component("shop", "Shop", Some("Shopping")),
            component("payments", "Payments", Some("Shopping")),
            component("api", "Public API", None),
        ],
        incidents: vec![
            PublicIncident {
                id: PublicIncidentId(Uuid::from_u128(1)),
                incident: IncidentId(Uuid::from_u128(11)),
                name: "<script>alert(1)</script> Payments fail".into(),
                impact: Impact::Critical,
                updates: vec![
                    update(
                        101,
                        IncidentStatus::Investigating,
                        10,
                        &[("payments", MajorOutage)],
                    ),
                    update(
                        102,
                        IncidentStatus::Monitoring,
                        30,
                        &[("payments", DegradedPerformance)],
                    ),
                ],
                created_at: at(10),
                version: 2,
            },
            PublicIncident {
                id: PublicIncidentId(Uuid::from_u128(2)),
                incident: IncidentId(Uuid::from_u128(12)),
                name: "Slow shop".into(),
                impact: Impact::Minor,
                updates: vec![
                    update(
                        201,
                        IncidentStatus::Identified,
                        -600,
                        &[("shop", DegradedPerformance)],
                    ),
                    update(
                        202,
                        IncidentStatus::Resolved,
                        -500,
                        &[("shop", DegradedPerformance)],
                    ),
                ],
                created_at: at(-600),
                version: 2,
            },
        ],
        maintenances: vec![Maintenance {
            id: MaintenanceId(Uuid::from_u128(3)),
            name: "Database upgrade".into(),
            components: vec!["api".into()],
            starts_at: at(120),
            ends_at: at(180),
            set_by_hand: None,
            updates: vec![MaintenanceUpdate {
                id: PublicUpdateId(Uuid::from_u128(301)),
                status: MaintenanceStatus::Scheduled,
                body: "The API pauses for an hour.".into(),
                at: at(0),
            }],
            told: Told::default(),
            created_by: UserId(Uuid::from_u128(9)),
            created_at: at(0),
            version: 1,
        }],
    }
}

fn config() -> PageConfig {
    PageConfig::new(
        "Acme Status",
        "https://status.acme.test",
        Some("https://acme.test/logo.svg"),
        "#0b6bcb",
        "Europe/Amsterdam",
    )
    .unwrap()
}

fn text(site: &Site, path: &str) -> String {
    let asset = site.get(path).unwrap_or_else(|| panic!("{path} is served"));
    String::from_utf8(asset.body.to_vec()).unwrap()
}

#[test]
fn every_page_document_and_feed_is_rendered_and_reads_back() {
    let site = Site::build(&projection(), &config(), at(40)).unwrap();
    let summary: Summary = serde_json::from_str(&text(&site, "/api/v2/summary.json")).unwrap();
    assert_eq!(summary.page.name, "Acme Status");
    assert_eq!(summary.page.time_zone.as_deref(), Some("Europe/Amsterdam"));
    assert_eq!(summary.status.indicator, "critical");
    assert_eq!(summary.incidents.len(), 1, "only the unresolved one");
    assert_eq!(
        summary.incidents[0].incident_updates[0].status, "monitoring",
        "newest first"
    );
    assert_eq!(summary.scheduled_maintenances.len(), 1);
    let ids: Vec<&str> = summary.components.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["group-shopping", "shop", "payments", "api"]);
    let group = &summary.components[0];
    assert!(group.group);
    assert_eq!(
        group.status, "degraded_performance",
        "the worst of its members"
    );
    assert_eq!(
        group.components.as_deref(),
        Some(&["shop".to_owned(), "payments".to_owned()][..])
    );
    assert_eq!(
        summary.components[2].group_id.as_deref(),
        Some("group-shopping")
    );

    let status: StatusResponse = serde_json::from_str(&text(&site, "/api/v2/status.json")).unwrap();
    assert_eq!(status.status.description, "Major System Outage");
    let components: ComponentsResponse =
        serde_json::from_str(&text(&site, "/api/v2/components.json")).unwrap();
    assert_eq!(components.components.len(), 4);
    let incidents: IncidentsResponse =
        serde_json::from_str(&text(&site, "/api/v2/incidents.json")).unwrap();
    assert_eq!(incidents.incidents.len(), 2);
    let resolved = &incidents.incidents[1];
    assert_eq!(resolved.status, "resolved");
    assert_eq!(resolved.resolved_at, Some(at(-500)));
    let unresolved: IncidentsResponse =
        serde_json::from_str(&text(&site, "/api/v2/incidents/unresolved.json")).unwrap();
    assert_eq!(unresolved.incidents.len(), 1);
    for (path, count) in [
        ("/api/v2/scheduled-maintenances.json", 1),
        ("/api/v2/scheduled-maintenances/upcoming.json", 1),
        ("/api/v2/scheduled-maintenances/active.json", 0),
    ] {
        let list: MaintenancesResponse = serde_json::from_str(&text(&site, path)).unwrap();
        assert_eq!(list.scheduled_maintenances.len(), count, "{path}");
    }

    let atom = text(&site, "/history.atom");
    assert!(
        atom.contains("<feed") && atom.contains("Slow shop") && atom.contains("Database upgrade")
    );
    let rss = text(&site, "/history.rss");
    assert!(rss.contains("<rss") && rss.contains("Slow shop"));
    for path in [
        "/history",
        "/history/",
        "/incidents/00000000-0000-0000-0000-000000000001/",
        "/incidents/00000000-0000-0000-0000-000000000003",
    ] {
        assert!(site.get(path).is_some(), "{path}");
    }
    let files: Vec<String> = site.files().into_iter().map(|(f, _)| f).collect();
    assert!(files.contains(&"index.html".to_owned()));
    assert!(files.contains(&"history/index.html".to_owned()));
    assert!(
        files
            .iter()
            .all(|f| !f.starts_with('/') && !f.contains("..")),
        "{files:?}"
    );
}

#[test]
fn customers_words_are_escaped_and_the_page_runs_no_script() {
    let site = Site::build(&projection(), &config(), at(40)).unwrap();
    for path in [
        "/",
        "/history/",
        "/incidents/00000000-0000-0000-0000-000000000001/",
    ] {
        let html = text(&site, path);
        assert!(!html.contains("<script"), "{path} has a script");
        assert!(!html.contains("<b>bold</b>"), "{path} let markup through");
        // The words are there, as text.
        assert!(html.contains("alert(1)") && html.contains("bold"), "{path}");
    }
    let index = text(&site, "/");
    assert!(index.contains("Major System Outage"));
    assert!(
        index.contains("Degraded performance"),
        "payments, from the incident"
    );
    assert!(index.contains("Database upgrade"));
    assert!(index.contains("https://acme.test/logo.svg"));
    assert!(index.contains("--accent: #0b6bcb"));
    assert!(index.contains("Verified"));
    assert_eq!(index.matches("class=\"bars\"").count(), 3);
}

#[test]
fn the_bytes_change_only_when_the_page_does() {
    let first = Site::build(&projection(), &config(), at(40)).unwrap();
    let again = Site::build(&projection(), &config(), at(40)).unwrap();
    for path in first.paths() {
        assert_eq!(
            first.get(path).unwrap().etag,
            again.get(path).unwrap().etag,
            "{path}"
        );
    }
    let mut changed = projection();
    changed.incidents[0].updates.push(update(
        103,
        IncidentStatus::Resolved,
        45,
        &[("payments", ComponentStatus::Operational)],
    ));
    let later = Site::build(&changed, &config(), at(46)).unwrap();
    let summary = "/api/v2/summary.json";
    assert_ne!(
        first.get(summary).unwrap().etag,
        later.get(summary).unwrap().etag
    );
    let status: StatusResponse =
        serde_json::from_str(&text(&later, "/api/v2/status.json")).unwrap();
    assert_eq!(status.status.indicator, "none");
}

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/statuspage");
    if dir.is_dir() {
        return Some(dir);
    }
    println!(
        "note: {} is not here; muster's JSON is not compared with Statuspage's",
        dir.display()
    );
    None
}

/// Every key Statuspage's `theirs` has is in `ours`, recursively; lists are
/// compared by their first element (the shapes, not the data).
fn consumer_reads(theirs: &Value, ours: &Value, at: &str) {
    match (theirs, ours) {
        (Value::Object(theirs), Value::Object(ours)) => {
            for (key, value) in theirs {
                let mine = ours
                    .get(key)
                    .unwrap_or_else(|| panic!("{at}.{key} is missing from muster's JSON"));
                consumer_reads(value, mine, &format!("{at}.{key}"));
            }
        }
        (Value::Array(theirs), Value::Array(ours)) => {
            if let (Some(t), Some(o)) = (theirs.first(), ours.first()) {
                consumer_reads(t, o, &format!("{at}[0]"));
            }
        }
        _ => {}
    }
}

#[test]
fn a_statuspage_consumer_finds_every_field_it_reads() {
    let Some(dir) = fixtures() else {
        return;
    };
    let site = Site::build(&projection(), &config(), at(40)).unwrap();
    for (fixture, path) in [
        ("summary.json", "/api/v2/summary.json"),
        ("status.json", "/api/v2/status.json"),
        ("components.json", "/api/v2/components.json"),
        ("incidents.json", "/api/v2/incidents.json"),
        (
            "scheduled-maintenances.json",
            "/api/v2/scheduled-maintenances.json",
        ),
    ] {
        let theirs: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(fixture)).unwrap()).unwrap();
        let ours: Value = serde_json::from_str(&text(&site, path)).unwrap();
        consumer_reads(&theirs, &ours, fixture);
    }
}
